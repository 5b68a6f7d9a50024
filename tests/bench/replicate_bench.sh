#!/usr/bin/env bash
# Benchmark: replication of a 1,000,000-cell return from AZ's node to KZ's over mutual TLS on
# loopback, fully verified (header signature, every cell into the cells root, the checkpoint's
# signature and root) and stored in one synced write, beside RocksDB's own batched write rate
# measured in the same run (`db_bench --benchmarks=fillseq --batch_size=1000`, as
# ots_import_bench does). Not a test: it asserts nothing about time.
#
#   replicate_bench.sh BUILD_DIR [CELLS] [RUNS] [PERF_DATA]
#
# Runs in its own network namespace (fed_netns of tests/integration/lib.sh) so the federation's
# fixed ports 7401 (AZ) and 7402 (KZ) collide with nothing. AZ starts alone and takes the return; then, for each run, KZ
# starts with an empty data folder and the time is taken from KZ's first log line ("serving
# KZ ...", after its store is open) to its line "sync: accepted AZ entries 0..0 from AZ; log size
# 1", which is logged after the synced write (timestamps in milliseconds). KZ's status must then
# show AZ at log size 1. With PERF_DATA, the last run's KZ is recorded by `perf record` into
# PERF_DATA and AZ into PERF_DATA.az (perf options: $OTS_BENCH_PERF_ARGS, default -g -F 999).
set -euo pipefail
# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"
bench_setup replicate_bench "$@"
cells=${2:-1000000}
runs=${3:-3}
perf_data=${4:-}

# start M [PREFIX...]: starts the node of M (az, kz), under PREFIX (a command) if given, on a fresh
# log $work/M.log; waits until it serves. Sets node_pid.
start() {
  local m=$1
  shift
  : >"$work/$m.log"
  fed_prefix=("$@")
  fed_launch "$m"
  fed_ready "$m"
  node_pid=${fed_pid[$m]}
}
# halt M: SIGTERM to M's node, then waits for it, whatever its exit code (perf's, under perf).
halt() {
  kill -TERM "${fed_pid[$1]}" 2>/dev/null || true
  wait "${fed_pid[$1]}" 2>/dev/null || true
  unset "fed_pid[$1]"
}
# CPU seconds (user + system) process $1 has used.
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# Epoch seconds of a log line's timestamp (2026-11-25T10:00:00.123Z).
stamp() { date -d "$(cut -d' ' -f1 <<<"$1")" +%s.%N; }
db_bench_rate() {
  db_bench --benchmarks=fillseq --batch_size=1000 --num=1000000 --db="$work/db_bench" 2>&1 |
    awk '/^fillseq/ { for (i = 1; i <= NF; i++) if ($i == "ops/sec") print $(i - 1) }'
  rm -rf "$work/db_bench"
}

"$ctl" pki init --out "$fed" --states AZ,KZ >"$work/pki.out" || fail "pki init"
"$tool" synth --origin AZ --period 2020 --cells "$cells" --out "$work/return.csv"
start az
az_pid=$node_pid
"$ctl" submit --config "$fed/az/operator.textproto" "$work/return.csv" >/dev/null

printf 'cells %d (%.1f MB of CSV), %d runs; %s, %d cores\n' "$cells" \
  "$(awk -v b="$(stat -c %s "$work/return.csv")" 'BEGIN { print b / 1e6 }')" "$runs" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)"
printf '%-4s %10s %10s %8s %8s %18s %22s %7s\n' run "from exec" "from log" "KZ CPU" "AZ CPU" \
  "replication" "db_bench fillseq" ratio
for ((i = 1; i <= runs; i++)); do
  rm -rf "$fed/kz/data"
  prefix=(env)
  az_perf=
  if [ -n "$perf_data" ] && [ "$i" = "$runs" ]; then
    # shellcheck disable=SC2206
    perf_args=(${OTS_BENCH_PERF_ARGS:--g -F 999})
    prefix=(perf record -q "${perf_args[@]}" -o "$perf_data" --)
    perf record -q "${perf_args[@]}" -o "$perf_data.az" -p "$az_pid" 2>/dev/null &
    az_perf=$!
  fi
  az_cpu0=$(proc_cpu "$az_pid")
  t_exec=$(date +%s.%N)
  start kz "${prefix[@]}"
  kz_pid=$node_pid
  accepted=
  for ((w = 0; w < 60000; w++)); do
    accepted=$(grep -m1 'sync: accepted AZ entries 0\.\.0 from AZ; log size 1' "$work/kz.log" ||
      true)
    [ -z "$accepted" ] || break
    kill -0 "$kz_pid" 2>/dev/null || break
    sleep 0.01
  done
  if [ -z "$accepted" ]; then
    cat "$work/kz.log"
    exit 1
  fi
  size=$("$ctl" status --config "$fed/kz/auditor.textproto" |
    awk '$1 == "origin" && $2 == "AZ" && $3 == "log" { sub(",", "", $5); print $5 }')
  # KZ's CPU time (user + system) since it started: replication is most of it.
  cpu_pid=$kz_pid
  [ -z "$az_perf" ] || cpu_pid=$(pgrep -P "$kz_pid" | head -1)  # ots-node under perf
  kz_cpu=$(proc_cpu "$cpu_pid")
  az_cpu=$(awk -v a="$az_cpu0" -v b="$(proc_cpu "$az_pid")" 'BEGIN { printf "%.2f", b - a }')
  halt kz
  if [ -n "$az_perf" ]; then
    kill -INT "$az_perf"
    wait "$az_perf" || true
  fi
  t_first=$(stamp "$(head -1 "$work/kz.log")")
  t_done=$(stamp "$accepted")
  db=$(db_bench_rate)
  awk -v n="$cells" -v e="$t_exec" -v f="$t_first" -v d="$t_done" -v db="$db" -v i="$i" \
    -v size="$size" -v cpu="$kz_cpu" -v az="$az_cpu" 'BEGIN {
      rate = n / (d - f)
      printf "%-4s %8.3f s %8.3f s %6.2f s %6.2f s %10.0f cells/s %16.0f ops/s %7.2f%s\n", i,
        d - e, d - f, cpu, az, rate, db, rate / db,
        size == 1 ? "" : "  (status does not show AZ at size 1!)"
    }'
done
echo "(aim: ratio >= 0.25; replication rate = cells / time from KZ's first log line to the"
echo " accepted line; 'from exec' includes the process start, trust bundle and store opening;"
echo " KZ CPU: user + system seconds of the KZ process, start-up included; AZ CPU: of the AZ"
echo " node meanwhile, serving the pull)"
