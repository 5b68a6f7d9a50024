#!/usr/bin/env bash
# Benchmark: origin commit to visible at the Secretariat with 8 live nodes on loopback (AZ KZ KG
# TR UZ HU TM and OTS, each its own ots-node from `pki init --secretariat`), measured by
# ots_latency_bench (see tests/bench/latency_bench.cc). Not a test: it asserts nothing about time.
#
#   latency_bench.sh BUILD_DIR [RETURNS] [CELLS] [PACE_MS]
#
# Runs in its own network namespace (unshare -n) so the federation's fixed ports 7400-7407
# collide with nothing. Starts the 8 nodes, waits until every node watches its 7 peers, then
# runs the benchmark. PACE_MS 0 (default): the next return once the previous one is visible.
# Also prints the CPU time the 8 nodes use, idle and per return.
# Environment: OTS_BENCH_PERF=FILE records all 8 nodes with `perf record` during the run
# (options: OTS_BENCH_PERF_ARGS, default "-g -F 499"); OTS_BENCH_KEEP=1 keeps the work folder
# (the nodes' logs) and prints its path.
set -euo pipefail
if [ "${OTS_BENCH_NETNS:-}" != 1 ]; then
  exec unshare -n env OTS_BENCH_NETNS=1 bash "$0" "$@"
fi
ip link set lo up

build=$(cd "${1:-build}" && pwd)
returns=${2:-200}
cells=${3:-142}
pace=${4:-0}
ctl=$build/node/ots-ctl
node_bin=$build/node/ots-node
work=$(mktemp -d /tmp/ots-latency-bench.XXXXXX)
fed=$work/fed
members=(ots az kz kg tr uz hu tm)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${OTS_BENCH_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$ctl" pki init --out "$fed" --states AZ,KZ,KG,TR,UZ,HU,TM --secretariat >/dev/null
for m in "${members[@]}"; do
  "$node_bin" --config "$fed/$m/node.textproto" --ready-file "$work/$m.ready" 2>"$work/$m.log" &
  pids+=($!)
done
for m in "${members[@]}"; do
  for ((w = 0; ; w++)); do
    [ ! -s "$work/$m.ready" ] || break
    if ((w > 3000)); then
      echo "$m did not start:"
      cat "$work/$m.log"
      exit 1
    fi
    sleep 0.01
  done
done
# Every node watching all 7 peers (a node started before its peers retries with backoff).
for m in "${members[@]}"; do
  for ((w = 0; ; w++)); do
    n=$("$ctl" status --config "$fed/$m/auditor.textproto" 2>/dev/null | grep -c '^peer .* watching' ||
      true)
    [ "$n" != 7 ] || break
    if ((w > 600)); then
      echo "$m does not watch its 7 peers:"
      "$ctl" status --config "$fed/$m/auditor.textproto" || true
      exit 1
    fi
    sleep 0.1
  done
done

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
