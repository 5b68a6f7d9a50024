# Shared helpers of the integration tests (sourced, not run). Expects $work to be set.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# expect_fail CODE CMD...: runs CMD, which must exit with CODE; its output is in $work/out and
# $work/err.
expect_fail() {
  local want=$1 rc=0
  shift
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" -eq "$want" ] || {
    cat "$work/out" "$work/err" >&2
    fail "expected exit $want from: $*; got $rc"
  }
}
must_say() {
  grep -qF -- "$1" "$work/err" || {
    cat "$work/err" >&2
    fail "stderr does not say: $1"
  }
}
# wait_for DESCRIPTION SECONDS CMD...: runs CMD until it succeeds, failing after SECONDS.
wait_for() {
  local what=$1 limit=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.05
  done
}
# log_says FILE TEXT: the node log FILE has a line containing TEXT (waits up to 10 s, since the
# node may still be writing it).
log_says() {
  wait_for "\"$2\" in $1" 10 grep -qF -- "$2" "$1"
}

# start_node CONFIG NAME: starts ots-node on a free loopback port; sets node_pid and node_addr
# and logs to $work/NAME.log.
start_node() {
  local config=$1 name=$2
  rm -f "$work/$name.ready"
  "$node_bin" --config "$config" --listen 127.0.0.1:0 --ready-file "$work/$name.ready" \
    2>>"$work/$name.log" &
  node_pid=$!
  local deadline=$((SECONDS + 30))
  until [ -s "$work/$name.ready" ]; do
    kill -0 "$node_pid" 2>/dev/null || {
      cat "$work/$name.log" >&2
      fail "ots-node $name exited at start"
    }
    [ "$SECONDS" -lt "$deadline" ] || fail "ots-node $name not ready after 30s"
    sleep 0.05
  done
  node_addr=$(cat "$work/$name.ready")
}
# stop_node PID: SIGTERM, then waits; the node must exit 0.
stop_node() {
  local rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "ots-node exited $rc on SIGTERM"
}

# --- Federations of real nodes on the bundle's endpoints (federation_test.sh, fed_*_test.sh) ---
# pki init's endpoints are fixed (127.0.0.1:7400 for the Secretariat, 7401... for the states), so
# every such test runs in a network namespace of its own, where those ports are always free.
# The helpers expect $ctl, $node_bin, $work and $fed (the pki init folder) to be set.

# fed_netns SCRIPT ARGS...: the first thing a federation test does. Outside a namespace of its
# own, re-executes `bash SCRIPT ARGS...` in new network and PID namespaces (unshare as root, else
# in a user namespace too) and never returns; inside, brings the loopback interface up and
# returns. The script is PID 1 of its namespace: when it ends, however it ends (even by SIGKILL of
# unshare, e.g. a ctest timeout), the kernel kills every node it started.
fed_netns() {
  local here
  here=$(readlink /proc/self/ns/net)
  if [ -n "${OTS_FED_OUTER_NETNS:-}" ] && [ "$OTS_FED_OUTER_NETNS" != "$here" ]; then
    trap 'exit 143' TERM INT HUP  # PID 1 ignores signals it has no handler for
    if command -v ip >/dev/null; then
      ip link set lo up || fail "cannot bring up lo in the test's network namespace"
    else  # no iproute2: SIOCSIFFLAGS(lo, IFF_UP|IFF_LOOPBACK|IFF_RUNNING) from perl-base
      perl -MSocket -e 'socket(my $s, AF_INET, SOCK_DGRAM, 0) or die "socket: $!\n";
        my $r = pack("Z16 s x22", "lo", 0x49); ioctl($s, 0x8914, $r) or die "lo up: $!\n"' ||
        fail "cannot bring up lo in the test's network namespace"
    fi
    return 0
  fi
  local how=(--net --pid --fork --kill-child)
  [ "$(id -u)" -eq 0 ] || how=(--map-root-user "${how[@]}")
  unshare "${how[@]}" true 2>/dev/null ||
    fail "cannot create network and PID namespaces (unshare ${how[*]}):" \
      "run as root or enable user namespaces"
  OTS_FED_OUTER_NETNS=$here exec unshare "${how[@]}" bash "$@"
}

declare -gA fed_pid=() fed_sync=()
# fed_launch CC [SYNC_FIELDS]: starts the node of CC (as pki init names its folder: az, kz,
# ots) on its bundle endpoint without waiting, logging to $work/CC.log. Its configuration is
# pki init's plus quick retries (and SYNC_FIELDS, kept for restarts) in its `sync` block.
fed_launch() {
  local cc=$1
  [ $# -lt 2 ] || fed_sync[$cc]=$2
  {
    cat "$fed/$cc/node.textproto"
    echo "sync { backoff_max_ms: 1000 poll_interval_seconds: 2 ${fed_sync[$cc]:-} }"
  } >"$fed/$cc/test-node.textproto"
  rm -f "$work/$cc.ready"
  "$node_bin" --config "$fed/$cc/test-node.textproto" --ready-file "$work/$cc.ready" \
    2>>"$work/$cc.log" &
  fed_pid[$cc]=$!
}
# fed_ready CC: waits until CC's node serves (30 s at most; it must not exit meanwhile).
fed_ready() {
  local cc=$1 deadline=$((SECONDS + 30))
  until [ -s "$work/$cc.ready" ]; do
    kill -0 "${fed_pid[$cc]}" 2>/dev/null || fail "ots-node $cc exited at start"
    [ "$SECONDS" -lt "$deadline" ] || fail "ots-node $cc not ready after 30s"
    sleep 0.05
  done
}
# fed_start CC...: starts these nodes together and waits until each serves.
fed_start() {
  local cc
  for cc in "$@"; do fed_launch "$cc"; done
  for cc in "$@"; do fed_ready "$cc"; done
}
# fed_stop CC: SIGTERM to CC's node, which must exit 0.
fed_stop() {
  stop_node "${fed_pid[$1]}"
  unset "fed_pid[$1]"
}
# fed_cleanup: the EXIT trap of a federation test. After a failure it shows each node's last
# status and log lines first; it keeps $work if OTS_KEEP_WORK is set.
fed_cleanup() {
  local rc=$? f pid
  if [ "$rc" -ne 0 ] && [ -d "${work:-}" ]; then
    for f in "$work"/status.* "$work"/*.log; do
      [ -e "$f" ] || continue
      echo "--- $f (last 40 lines)" >&2
      tail -n 40 "$f" >&2
    done
  fi
  for pid in "${fed_pid[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "${OTS_KEEP_WORK:-}" ]; then
    echo "kept $work" >&2
  else
    rm -rf "$work"
  fi
}
# fed_submit CC FILE...: CC's operator submits each FILE to CC's node; each must be accepted.
fed_submit() {
  local cc=$1 f
  shift
  for f in "$@"; do
    "$ctl" submit --config "$fed/$cc/operator.textproto" "$f" >>"$work/submitted.$cc" \
      2>"$work/submit-err.$cc" || fail "submit of $f at $cc: $(cat "$work/submit-err.$cc")"
  done
}
# fed_status CC [CLIENT]: `ots-ctl status` of CC's node as CC's auditor (or CLIENT, a client
# configuration), in $work/status.CC; its exit code (1 on a split-view alarm).
fed_status() {
  "$ctl" status --config "${2:-$fed/$1/auditor.textproto}" >"$work/status.$1" 2>&1
}
# fed_holds CC ORIGIN SIZE [ROOT]: CC's node raises no alarm and holds ORIGIN's log at SIZE
# entries (under the checkpoint root ROOT).
fed_holds() {
  fed_status "$1" || return 1
  grep -qF "origin $2   log size $3, checkpoint root ${4:-}" "$work/status.$1"
}
# fed_root CC ORIGIN: the checkpoint root of ORIGIN in CC's last status.
fed_root() {
  sed -n "s/^origin $2   log size [0-9]*, checkpoint root \([^,]*\),.*/\1/p" "$work/status.$1"
}
# fed_cosigned CC ORIGIN SIZE WITNESS...: CC's node holds ORIGIN's checkpoint of SIZE cosigned
# by every WITNESS.
fed_cosigned() {
  local cc=$1 origin=$2 size=$3 line w
  shift 3
  fed_status "$cc" || return 1
  line=$(grep "^origin $origin   log size $size, " "$work/status.$cc") || return 1
  line=" ${line##*, cosigned by } "
  for w in "$@"; do
    [[ $line == *" $w "* ]] || return 1
  done
}
# fed_peer CC PEER STATE: CC's status shows its link to PEER in STATE (watching, backoff, ...).
fed_peer() {
  fed_status "$1" || true
  grep -qE "^peer $2 +[^ ]+ $3(,|$)" "$work/status.$1"
}
# fed_grpc AS AT METHOD [ORIGIN]: calls ots.v1.METHOD (Federation/Pull, Federation/Checkpoints,
# ...) on AT's node with the node certificate of AS, as a peer node would (curl over HTTP/2).
# The request is empty, or has field 1 (origin) set to ORIGIN. Sets grpc_code and grpc_message
# from the trailers; the response messages, each with its 5-byte gRPC prefix, are in
# $work/grpc.body.
fed_grpc() {
  local as=$1 at=$2 method=$3 origin=${4:-} port
  command -v curl >/dev/null || fail "curl is needed to call a node as a peer"
  port=$(sed -n 's/^listen_address: "127\.0\.0\.1:\([0-9]*\)"$/\1/p' "$fed/$at/node.textproto")
  [ -n "$port" ] || fail "no loopback listen_address in $fed/$at/node.textproto"
  if [ -n "$origin" ]; then  # uncompressed, length, then tag 1 (LEN) + length + bytes
    local n=${#origin}
    printf "\\000\\000\\000\\000\\$(printf %03o $((n + 2)))\\012\\$(printf %03o "$n")%s" \
      "$origin" >"$work/grpc.req"
  else
    printf '\000\000\000\000\000' >"$work/grpc.req"
  fi
  curl -sS --http2 --max-time 20 --cacert "$fed/ca/ca.pem" --cert "$fed/$as/node.pem" \
    --key "$fed/$as/node.key" --resolve "$at.node.ots-mx:$port:127.0.0.1" \
    -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$work/grpc.req" \
    -D "$work/grpc.head" -o "$work/grpc.body" "https://$at.node.ots-mx:$port/ots.v1.$method" ||
    fail "curl could not call $method on $at's node"
  grpc_code=$(tr -d '\r' <"$work/grpc.head" | sed -n 's/^grpc-status: //p')
  grpc_message=$(tr -d '\r' <"$work/grpc.head" | sed -n 's/^grpc-message: //p')
  [ -n "$grpc_code" ] || fail "no grpc-status from $at's node: $(cat "$work/grpc.head")"
}
