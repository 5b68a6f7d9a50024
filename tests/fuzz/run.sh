#!/usr/bin/env bash
# Runs each fuzzer of tests/fuzz for SECONDS, one after the other, from a working copy of its seed
# corpus under BUILD_DIR/fuzz (the repository is only read), and prints what each reached. Exits 1
# if any found a crash, a leak, undefined behaviour, a broken invariant or a timeout, naming the
# reproducer libFuzzer wrote (make fuzz, make fuzz-short).
#   run.sh BUILD_DIR SECONDS [HARNESS...]     (default: every folder of tests/fuzz/corpus)
# BUILD_DIR/fuzz/corpus/<harness> keeps what the fuzzer found for the next run;
# BUILD_DIR/fuzz/logs/<harness>.log is libFuzzer's output; reproducers go to
# BUILD_DIR/fuzz/artifacts/<harness>/.
set -uo pipefail
build=$(realpath "${1:?usage: run.sh BUILD_DIR SECONDS [HARNESS...]}")
seconds=${2:?usage: run.sh BUILD_DIR SECONDS [HARNESS...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for d in "$here"/corpus/*/; do
    harnesses+=("$(basename "$d")")
  done
fi

out=$build/fuzz
failed=()
printf '%-13s %8s %10s %8s %6s %6s  %s\n' harness seconds execs exec/s cov ft result
for h in "${harnesses[@]}"; do
  bin=$build/tests/fuzz/fuzz_$h
  if [ ! -x "$bin" ]; then
    echo "run.sh: no fuzzer $bin (cmake --build $build --target ots_fuzzers)" >&2
    exit 2
  fi
  corpus=$out/corpus/$h
  artifacts=$out/artifacts/$h
  log=$out/logs/$h.log
  mkdir -p "$corpus" "$artifacts" "$out/logs"
  rm -f "$artifacts"/*
  cp "$here/corpus/$h"/* "$corpus"/
  dict=()
  if [ -f "$here/$h.dict" ]; then
    dict=(-dict="$here/$h.dict")
  fi
  start=$(date +%s)
  # -timeout: an input that runs 20 s is a finding (a hang), not a slow machine.
  "$bin" -max_total_time="$seconds" -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FAILED (exit $rc)"
    failed+=("$h")
  fi
  printf '%-13s %8s %10s %8s %6s %6s  %s\n' "$h" "$took" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$result"
done

if [ ${#failed[@]} -gt 0 ]; then
  for h in "${failed[@]}"; do
    log=$out/logs/$h.log
    echo
    echo "=== $h: what libFuzzer reported ($log)"
    grep -E -m 12 'fuzz invariant failed|ERROR: |SUMMARY: |runtime error:|==[0-9]+==' "$log"
    # The innermost frames in the project's own sources: where to look.
    grep -E "^ +#[0-9]+ .* $src/" "$log" | head -4 |
      sed -E 's/\(anonymous namespace\)/{anonymous}/g;
              s/^ +#([0-9]+) 0x[0-9a-f]+ in ([^(]*)(\(.*\))? ([^ ]+:[0-9]+(:[0-9]+)?)$/  at \2 \4/'
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo "reproducer: ${reproducer:-none written; see the log}"
    if [ -n "$reproducer" ]; then
      echo "replay:     $build/tests/fuzz/fuzz_$h $reproducer"
    fi
  done
  echo
  echo "FUZZING FAILED: ${failed[*]}" >&2
  exit 1
fi
