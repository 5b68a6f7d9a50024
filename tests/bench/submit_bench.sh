#!/usr/bin/env bash
# Benchmark: submit of a 1,000,000-cell return to a real ots-node over mutual TLS on loopback,
# beside the offline import of the same file by ots-ctl in the same run. Both are timed end to
# end as a user sees them (reading the file, validating, signing, the synced write, the answer).
# Not a test: it asserts nothing about time.
#   submit_bench.sh BUILD_DIR [CELLS] [RUNS]
set -euo pipefail
build=${1:-build}
cells=${2:-1000000}
runs=${3:-3}
ctl=$build/node/ots-ctl
node_bin=$build/node/ots-node
tool=$build/tests/ots_testtool
work=$(mktemp -d /tmp/ots-submit-bench.XXXXXX)
node_pid=
cleanup() {
  [ -z "$node_pid" ] || kill -TERM "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$ctl" pki init --out "$work/fed" --states AZ >/dev/null
"$tool" synth --origin AZ --period 2024 --cells "$cells" --out "$work/return.csv"
"$node_bin" --config "$work/fed/az/node.textproto" --listen 127.0.0.1:0 \
  --ready-file "$work/ready" 2>"$work/node.log" &
node_pid=$!
until [ -s "$work/ready" ]; do
  kill -0 "$node_pid" || {
    cat "$work/node.log"
    exit 1
  }
  sleep 0.05
done
addr=$(cat "$work/ready")
now() { date +%s.%N; }
rate() { awk -v n="$cells" -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", n / (b - a) }'; }

printf 'cells %d (%.1f MB of CSV), %d runs\n' "$cells" \
  "$(awk -v b="$(stat -c %s "$work/return.csv")" 'BEGIN { print b / 1e6 }')" "$runs"
printf '%-4s %22s %22s %8s\n' run "offline import" "submit over mTLS" ratio
for ((i = 1; i <= runs; i++)); do
  rm -rf "$work/offline"
  t0=$(now)
  "$ctl" import --data-dir "$work/offline" --origin AZ --log-key "$work/fed/az/log.key" \
    --federation ots-mx "$work/return.csv" >/dev/null
  t1=$(now)
  "$ctl" submit --config "$work/fed/az/operator.textproto" --node "$addr" \
    "$work/return.csv" >/dev/null
  t2=$(now)
  import=$(rate "$t0" "$t1")
  submit=$(rate "$t1" "$t2")
  printf '%-4s %16s cells/s %16s cells/s %8s\n' "$i" "$import" "$submit" \
    "$(awk -v a="$submit" -v b="$import" 'BEGIN { printf "%.2f", a / b }')"
done
