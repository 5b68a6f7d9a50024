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
