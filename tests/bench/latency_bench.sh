#!/usr/bin/env bash
# Benchmark: origin commit to visible at the Secretariat with 8 live nodes on loopback (AZ KZ KG
# TR UZ HU TM and OTS, each its own ots-node from `pki init --secretariat`), measured by
# ots_latency_bench (see tests/bench/latency_bench.cc). Not a test: it asserts nothing about time.
#
#   latency_bench.sh BUILD_DIR [RETURNS] [CELLS] [PACE_MS]
#
# Runs in its own network namespace (fed_netns of tests/integration/lib.sh) so the federation's
# fixed ports 7400-7407 collide with nothing. Starts the 8 nodes, waits until every node watches
# its 7 peers, then runs the benchmark. PACE_MS 0 (default): the next return once the previous one is visible.
# Also prints the CPU time the 8 nodes use, idle and per return.
# Environment: OTS_BENCH_PERF=FILE records all 8 nodes with `perf record` during the run
# (options: OTS_BENCH_PERF_ARGS, default "-g -F 499"); OTS_KEEP_WORK=1 keeps the work folder
# (the nodes' logs) and prints its path.
set -euo pipefail
# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"
bench_setup latency_bench "$@"
returns=${2:-200}
cells=${3:-142}
pace=${4:-0}
members=(ots az kz kg tr uz hu tm)

fed_pki AZ,KZ,KG,TR,UZ,HU,TM
fed_start "${members[@]}"
pids=("${fed_pid[@]}")
# Every node watching all 7 peers (a node started before its peers retries with backoff).
watching_all() {
  local m
  for m in "${members[@]}"; do
    "$ctl" status --config "$fed/$m/auditor.textproto" >"$work/status.$m" 2>&1 || return 1
    [ "$(grep -c '^peer .* watching' "$work/status.$m")" = 7 ] || return 1
  done
}
wait_for "every node to watch its 7 peers" 60 watching_all

# CPU seconds used so far by the 8 nodes together (user + system).
cpu() {
  local p total=0
  for p in "${pids[@]}"; do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

printf '8 nodes on loopback; %s, %d cores\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
  "$(nproc)"
c0=$(cpu)
sleep 5
c1=$(cpu)
perf_pid=
if [ -n "${OTS_BENCH_PERF:-}" ]; then
  # shellcheck disable=SC2086
  perf record -q ${OTS_BENCH_PERF_ARGS:--g -F 499} -o "$OTS_BENCH_PERF" \
    -p "$(IFS=,; echo "${pids[*]}")" 2>"$work/perf.err" &
  perf_pid=$!
  sleep 3  # perf takes a moment to attach to every thread of 8 processes
fi
t0=$(date +%s.%N)
"$build/tests/ots_latency_bench" --fed "$fed" --returns "$returns" --cells "$cells" \
  --pace-ms "$pace" --floor-dir "$work/floor"
t1=$(date +%s.%N)
c2=$(cpu)
if [ -n "$perf_pid" ]; then
  kill -INT "$perf_pid" 2>/dev/null || cat "$work/perf.err"
  wait "$perf_pid" || true
fi
awk -v a="$c0" -v b="$c1" -v c="$c2" -v t0="$t0" -v t1="$t1" -v n="$returns" 'BEGIN {
  printf "CPU of the 8 nodes: idle %.1f%% of a core; during the run %.2f s in %.1f s, %.1f ms per return\n",
    (b - a) / 5 * 100, c - b, t1 - t0, (c - b) / n * 1000
}'
for m in "${members[@]}"; do
  warnings=$(grep ' WARN \| ERROR ' "$work/$m.log" | grep -v '(failure 1;' | head -5 || true)
  if [ -n "$warnings" ]; then
    echo "warnings in $m's log (first 5, start-up refusals left out):"
    echo "$warnings"
  fi
done
