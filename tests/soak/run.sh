#!/usr/bin/env bash
# make soak: the long versions of the fault tests (docs/reliability.md), one after the other, each
# in namespaces of its own as in make test. Their figures are collected in BUILD/soak-report.txt
# with the machine and the time each took.
#   tests/soak/run.sh BUILD_DIR [KILL_CYCLES] [PARTITION_SECONDS...]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
cycles=${2:-1000}
shift 2 2>/dev/null || shift $#
lengths=("$@")
[ ${#lengths[@]} -gt 0 ] || lengths=(30 120 600)
ctl=$build/node/ots-ctl
report=$build/soak-report.txt
{
  echo "# make soak, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(git -C "$src" rev-parse --short HEAD)"
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1048576)}' /proc/meminfo) GiB"
} >"$report"
export OTS_FAULT_REPORT=$report
# Every 5 s: the largest resident size (KiB), thread count and open descriptors of any ots-node
# (seen from here, outside the tests' namespaces), written as "rss threads fds".
sample() {
  local pid rss thr fds
  while :; do
    for pid in $(pgrep -x ots-node); do
      rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
      thr=$(awk '/Threads/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
      fds=$(find "/proc/$pid/fd" -maxdepth 1 2>/dev/null | wc -l)
      echo "$rss $thr $fds"
    done
    sleep 5
  done
}
run() {
  local name=$1 began rc=0 sampler
  shift
  began=$(date +%s)
  echo "== $name $*" >&2
  sample >"$build/soak-$name.samples" &
  sampler=$!
  bash "$src/tests/integration/$name.sh" "$ctl" "$src" "$@" >"$build/soak-$name.log" 2>&1 || rc=$?
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  echo "$name: exit $rc in $(($(date +%s) - began)) s; per node at most: $(sort -n -k1 \
    "$build/soak-$name.samples" | tail -1 | awk '{printf "%d MiB resident", $1/1024}'), $(sort -n -k2 \
    "$build/soak-$name.samples" | tail -1 | awk '{print $2}') threads, $(sort -n -k3 \
    "$build/soak-$name.samples" | tail -1 | awk '{print $3}') descriptors" >>"$report"
  tail -5 "$build/soak-$name.log" >&2
  [ "$rc" -eq 0 ] || { echo "soak: $name failed (log: $build/soak-$name.log)" >&2; exit 1; }
}
run partition_test "${lengths[@]}"
run kill_test "$cycles"
cat "$report"
