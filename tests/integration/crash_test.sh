#!/usr/bin/env bash
# Crash safety, measured: ots-node is killed with SIGKILL at random moments while a client
# submits returns in a loop, then restarted, at least 50 times. Every return whose submit was
# acknowledged must be in the log exactly as acknowledged (index, period, revision, cells, value
# sum, cells root), and `ots-ctl audit` must pass.
#   crash_test.sh OTS_CTL SOURCE_DIR [CYCLES]
set -euo pipefail
ctl=$1
src=$2
cycles=${3:-50}
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
test_setup crash-test
client_pid=
trap '[ -z "$client_pid" ] || kill -9 "$client_pid" 2>/dev/null; test_cleanup' EXIT

"$ctl" pki init --out "$work/fed" --states AZ >/dev/null
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ
files=("$work"/returns/AZ_*.csv)
op=$work/fed/az/operator.textproto
acks=$work/acks
: >"$acks"

# Submits returns until a submit fails (the node was killed); each acknowledgement is appended
# to $acks only after ots-ctl printed it whole.
submit_loop() {
  local i=$1 out
  while out=$("$ctl" submit --config "$op" --node "$node_addr" "${files[i % ${#files[@]}]}" \
    2>/dev/null); do
    head -1 <<<"$out" >>"$acks"
    i=$((i + 1))
  done
}

acks_grew() { [ "$(wc -l <"$acks")" -gt "$before" ]; }

RANDOM=42
for ((cycle = 1; cycle <= cycles; cycle++)); do
  start_node "$work/fed/az/node.textproto" az
  before=$(wc -l <"$acks")
  submit_loop "$cycle" &
  client_pid=$!
  # Let the client get going, then kill at a random moment (0 to 60 ms later) in its stream of
  # submits, mid-call most of the time.
  wait_for "a first acknowledgement in cycle $cycle" 30 acks_grew
  sleep "0.0$((RANDOM % 7))"
  kill -9 "$node_pid"
  wait "$node_pid" 2>/dev/null || true
  node_pid=
  wait "$client_pid" || true
  client_pid=
done

# One last clean start proves the store opens after the last kill; then stop it and check.
start_node "$work/fed/az/node.textproto" az
stop_node "$node_pid"
node_pid=
"$ctl" log --data-dir "$work/fed/az/data" --origin AZ >"$work/log.csv"
acked=$(wc -l <"$acks")
[ "$acked" -ge "$cycles" ] || fail "only $acked acknowledgements in $cycles cycles"
# "submitted AZ 2020 revision 3: 15 cells, value sum 51630, cells root R; log entry 7, ..."
sed -E 's/^submitted ([A-Z]+) ([^ ]+) revision ([0-9]+): ([0-9]+) cells, value sum ([0-9]+), cells root ([0-9a-f]+); log entry ([0-9]+),.*/\1,\7,\2,\3,\4,\5,\6/' \
  "$acks" >"$work/acked.csv"
cut -d, -f1-7 "$work/log.csv" | tail -n +2 >"$work/stored.csv"
missing=$(grep -cvxFf "$work/stored.csv" "$work/acked.csv" || true)
[ "$missing" -eq 0 ] || {
  grep -vxFf "$work/stored.csv" "$work/acked.csv" | head >&2
  fail "$missing acknowledged returns are not in the log as acknowledged"
}
"$ctl" audit --data-dir "$work/fed/az/data" --trust-bundle "$work/fed/federation/trust-bundle.json" \
  --bundle-pubkey "$work/fed/federation/bundle.pub.pem" \
  >"$work/audit" 2>&1 || fail "audit after $cycles kills: $(cat "$work/audit")"
stored=$(wc -l <"$work/stored.csv")
echo "crash_test: $cycles SIGKILL cycles, $acked acknowledged submits, all $acked in the log" \
  "of $stored entries; audit passed"
