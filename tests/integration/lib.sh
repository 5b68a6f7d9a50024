# Shared helpers of the integration tests, the benchmarks and deploy/demo.sh (sourced, not run):
# failing with a message, waiting for a condition with a deadline, starting, waiting for and
# stopping ots-node processes, and whole federations of them. Expects $work to be set (test_setup
# sets it). A script may define its own `fail` after sourcing this file: the helpers here call
# whichever `fail` is defined when they fail (deploy/demo.sh prints its failures its own way).

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
# wait_for DESCRIPTION SECONDS CMD...: runs CMD until it succeeds, failing after SECONDS (after
# running the command in $wait_for_timeout_hook, if set: what to show about what is missing).
wait_for() {
  local what=$1 limit=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      ${wait_for_timeout_hook:+$wait_for_timeout_hook}
      fail "timed out after ${limit}s waiting for $what"
    fi
    sleep 0.05
  done
}
# log_says FILE TEXT: the node log FILE has a line containing TEXT (waits up to 10 s, since the
# node may still be writing it).
# key_id PEM: the key id of an Ed25519 public key (lower-case hex SHA-256 of its 32 raw bytes),
# the one form ots-ctl, ots-node and verify.sh print.
key_id() {
  openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | openssl dgst -sha256 -r | cut -d' ' -f1
}

log_says() {
  wait_for "\"$2\" in $1" 10 grep -qF -- "$2" "$1"
}

# log_tail FILE [LINES]: the last LINES (10) lines of FILE on stderr, each behind "   | ".
log_tail() {
  tail -n "${2:-10}" "$1" 2>/dev/null | sed 's/^/   | /' >&2 || true
}
# await_ready PID READY_FILE SECONDS NAME LOG: waits until the ots-node PID has written the
# address it serves on to READY_FILE. Fails, after the end of its LOG, if it exits first or is not
# serving within SECONDS.
await_ready() {
  local pid=$1 ready=$2 limit=$3 name=$4 log=$5
  local deadline=$((SECONDS + limit))
  until [ -s "$ready" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail "$log"
      fail "ots-node $name exited before serving (log: $log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log_tail "$log"
      fail "ots-node $name did not serve within ${limit}s (log: $log)"
    fi
    sleep 0.05
  done
}

# test_setup NAME: the start of an integration test, once $ctl (the ots-ctl under test) is set:
# bin (its folder), node_bin, tool (ots_testtool) and forge (ots_forge) of the same build, and the
# test's folder $work (/tmp/ots-NAME.XXXXXX). When the script exits, the node start_node started
# last and every PID in test_pids are killed, and $work is removed (kept if OTS_KEEP_WORK is set).
test_setup() {
  bin=$(cd "$(dirname "$ctl")" && pwd)
  node_bin=$bin/ots-node
  tool=$(dirname "$bin")/tests/ots_testtool
  forge=$(dirname "$bin")/tests/ots_forge
  work=$(mktemp -d "/tmp/ots-$1.XXXXXX")
  node_pid=
  test_pids=()
  trap test_cleanup EXIT
}
test_cleanup() {
  local p
  for p in ${node_pid:-} ${test_pids[@]+"${test_pids[@]}"}; do
    kill -9 "$p" 2>/dev/null || true
  done
  remove_work
}
# remove_work: removes $work, or keeps it and says so if OTS_KEEP_WORK is set.
remove_work() {
  if [ -n "${OTS_KEEP_WORK:-}" ]; then
    echo "kept $work" >&2
  else
    rm -rf "$work"
  fi
}

# bench_setup NAME ARGS...: the start of a benchmark script tests/bench/NAME.sh BUILD_DIR ...,
# called with the script's own arguments: in a network namespace of its own (fed_netns
# --net-only), the programs of BUILD_DIR (default: build) as test_setup NAME sets them, with
# fed_cleanup at exit, and $fed for a federation whose nodes run pki init's configuration.
bench_setup() {
  local name=$1
  shift
  fed_netns --net-only "$0" "$@"
  build=$(cd "${1:-build}" && pwd)
  ctl=$build/node/ots-ctl
  test_setup "$name"
  trap fed_cleanup EXIT
  fed=$work/fed
  fed_test_sync=
}

# start_node CONFIG NAME: starts ots-node on a free loopback port; sets node_pid and node_addr
# and logs to $work/NAME.log.
start_node() {
  local config=$1 name=$2
  rm -f "$work/$name.ready"
  "$node_bin" --config "$config" --listen 127.0.0.1:0 --ready-file "$work/$name.ready" \
    2>>"$work/$name.log" &
  node_pid=$!
  await_ready "$node_pid" "$work/$name.ready" 30 "$name" "$work/$name.log"
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

# fed_netns [--net-only] SCRIPT ARGS...: the first thing a federation test does. Outside a
# namespace of its own, re-executes `bash SCRIPT ARGS...` in new network and PID namespaces
# (unshare as root, else in a user namespace too) and never returns; inside, brings the loopback
# interface up and returns. The script is PID 1 of its namespace: when it ends, however it ends
# (even by SIGKILL of unshare, e.g. a ctest timeout), the kernel kills every node it started.
# --net-only: a network namespace only, for scripts that read their nodes' /proc entries (the
# benchmarks); they stop their nodes themselves.
fed_netns() {
  local here pid_ns=1
  if [ "$1" = --net-only ]; then
    pid_ns=0
    shift
  fi
  here=$(readlink /proc/self/ns/net)
  if [ -n "${OTS_FED_OUTER_NETNS:-}" ] && [ "$OTS_FED_OUTER_NETNS" != "$here" ]; then
    [ "$pid_ns" = 0 ] || trap 'exit 143' TERM INT HUP  # PID 1 ignores signals it has no handler for
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
  [ "$pid_ns" = 1 ] || how=(--net)
  [ "$(id -u)" -eq 0 ] || how=(--map-root-user "${how[@]}")
  unshare "${how[@]}" true 2>/dev/null ||
    fail "cannot create network and PID namespaces (unshare ${how[*]}):" \
      "run as root or enable user namespaces"
  OTS_FED_OUTER_NETNS=$here exec unshare "${how[@]}" bash "$@"
}

# fed_setup NAME STATES ARGS...: the start of a federation test NAME_test.sh, called with the
# script's own arguments (OTS_CTL SOURCE_DIR, already in $ctl and $src): in namespaces of its own
# (fed_netns), test_setup NAME with fed_cleanup at exit, `pki init` of the Secretariat and STATES
# (comma-separated) into $fed, and the sample returns of STATES in $work/returns.
fed_setup() {
  local name=$1 states=$2
  shift 2
  fed_netns "$0" "$@"
  test_setup "$name"
  trap fed_cleanup EXIT
  fed=$work/fed
  fed_pki "$states" ${fed_pki_args[@]+"${fed_pki_args[@]}"}
  bash "$src/deploy/make-sample-returns.sh" "$work/returns" ${states//,/ }
}
# fed_pki STATES [PKI_INIT_ARGS...]: `ots-ctl pki init` of the Secretariat and STATES into $fed,
# its summary in ${fed_run:-$work}/pki.out (shown if it fails).
fed_pki() {
  local states=$1 out=${fed_run:-$work}/pki.out
  shift
  "$ctl" pki init --out "$fed" --states "$states" --secretariat "$@" >"$out" 2>&1 || {
    cat "$out" >&2
    fail "ots-ctl pki init failed"
  }
}

# What the fed_* helpers below do can be changed by setting, before using them:
#   fed_logs       the folder of the node logs, CC.log. Default: $work.
#   fed_run        the folder of the ready files, CC.ready. Default: $work.
#   fed_test_sync  fields every node's `sync` block gets. Default: quick retries, as tests want;
#                  empty: each node runs pki init's configuration as written.
#   fed_base[CC]   the configuration node CC starts from. Default: $fed/CC/node.textproto.
#   fed_prefix     a command (array) each node runs under, e.g. (setsid). Default: none.
#   fed_flags[CC]  more ots-node flags for node CC, split at spaces. Default: none.
#   fed_pki_args   more pki init flags (array) for fed_setup. Default: none.
declare -gA fed_pid=() fed_sync=() fed_base=() fed_flags=()
# fed_launch CC [SYNC_FIELDS]: starts the node of CC (as pki init names its folder: az, kz,
# ots) on its bundle endpoint without waiting, logging to ${fed_logs:-$work}/CC.log. It runs its
# configuration plus fed_test_sync and SYNC_FIELDS (kept for restarts) in its `sync` block.
fed_launch() {
  local cc=$1
  [ $# -lt 2 ] || fed_sync[$cc]=$2
  local base=${fed_base[$cc]:-$fed/$cc/node.textproto} config
  local fields="${fed_test_sync-backoff_max_ms: 1000 poll_interval_seconds: 2} ${fed_sync[$cc]:-}"
  config=$base
  if [ -n "${fields// /}" ]; then
    config=${base%.textproto}.test.textproto  # beside it: its relative paths stay right
    {
      cat "$base"
      echo "sync { $fields }"
    } >"$config"
  fi
  rm -f "${fed_run:-$work}/$cc.ready"
  # shellcheck disable=SC2086 # fed_flags are split at spaces
  ${fed_prefix[@]+"${fed_prefix[@]}"} "$node_bin" --config "$config" ${fed_flags[$cc]:-} \
    --ready-file "${fed_run:-$work}/$cc.ready" </dev/null >>"${fed_logs:-$work}/$cc.log" 2>&1 &
  fed_pid[$cc]=$!
}
# fed_ready CC: waits until CC's node serves (30 s at most; it must not exit meanwhile).
fed_ready() {
  await_ready "${fed_pid[$1]}" "${fed_run:-$work}/$1.ready" 30 "$1" "${fed_logs:-$work}/$1.log"
}
# fed_start CC...: starts these nodes together and waits until each serves.
fed_start() {
  local cc
  for cc in "$@"; do fed_launch "$cc"; done
  for cc in "$@"; do fed_ready "$cc"; done
}
# fed_stop CC...: SIGTERM to these nodes together; each must exit 0.
fed_stop() {
  local cc rc bad=()
  for cc in "$@"; do kill -TERM "${fed_pid[$cc]}"; done
  for cc in "$@"; do
    rc=0
    wait "${fed_pid[$cc]}" || rc=$?
    unset "fed_pid[$cc]"
    [ "$rc" -eq 0 ] || bad+=("$cc exited $rc")
  done
  [ ${#bad[@]} -eq 0 ] || fail "ots-node did not stop cleanly on SIGTERM: ${bad[*]}"
}
# fed_cleanup: the EXIT trap of a federation test. After a failure it shows each node's last
# status and log lines first; it keeps $work if OTS_KEEP_WORK is set.
fed_cleanup() {
  local rc=$? f pid
  if [ "$rc" -ne 0 ] && [ -d "${work:-}" ]; then
    for f in "$work"/status.* "${fed_logs:-$work}"/*.log; do
      [ -e "$f" ] || continue
      echo "--- $f (last 40 lines)" >&2
      tail -n 40 "$f" >&2
    done
  fi
  for pid in "${fed_pid[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  remove_work
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
  fed_shown "$@"
}
# fed_shows CC ORIGIN SIZE [ROOT]: CC's node holds ORIGIN's log at SIZE entries (under the
# checkpoint root ROOT), whether or not it raises an alarm.
fed_shows() {
  fed_status "$1" || true
  fed_shown "$@"
}
# fed_shown CC ORIGIN SIZE [ROOT]: CC's last status shows ORIGIN's log at SIZE (and ROOT).
fed_shown() {
  grep -qF "origin $2   log size $3, checkpoint root ${4:-}" "$work/status.$1"
}
# fed_unsealed CC ORIGIN: CC's auditor gets ORIGIN's cells from CC's node with no sealed value: a
# node entitled to ORIGIN's confidential cells that took them through a relay that is not
# (sealed) has since taken their openings (docs/statistics.md).
fed_unsealed() {
  "$ctl" query --config "$fed/$1/auditor.textproto" --filter "REF_AREA=$2" --format csv \
    >"$work/unsealed.$1" 2>&1 || return 1
  ! grep -q ",sealed:" "$work/unsealed.$1"
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
