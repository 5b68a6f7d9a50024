#!/usr/bin/env bash
# Kills across the federation (docs/reliability.md): the Secretariat and two states on their
# bundle endpoints. Each cycle AZ's operator submits a new return (ots-ctl submit retries a call
# cut off in flight) while one node, in turn, is killed with SIGKILL at a random moment
# 0-99 ms into the submit and restarted: AZ (the origin, mid-submit), KZ (a receiver, pulling
# it) or the Secretariat (pulling it). After the last cycle:
#  - every submit was acknowledged (the client's retries outlast the origin's restart);
#  - every acknowledged return is in AZ's log exactly as acknowledged, and no return was stored
#    twice (a retried call that had been stored is answered with the stored revision);
#  - KZ and the Secretariat hold AZ's log at the same size and root, and every folder's audit
#    passes.
# Figures go to stdout and, if set, $OTS_FAULT_REPORT.
#   kill_test.sh OTS_CTL SOURCE_DIR [CYCLES]   (default 12)
set -euo pipefail
ctl=$1
src=$2
cycles=${3:-12}
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup kill-test AZ,KZ "$@"
fed_start ots az kz
op=$fed/az/operator.textproto
acks=$work/acks
: >"$acks"
declare -A killed=([az]=0 [kz]=0 [ots]=0)
victims=(az kz ots)
RANDOM=${OTS_KILL_SEED:-7}
held=0
began=$(date +%s)
for ((cycle = 1; cycle <= cycles; cycle++)); do
  file=$work/r$cycle.csv
  {
    cat "$work/returns/AZ_2020.csv"
    echo "OTS:DF_MIGR_STOCK(1.0),AZ,2020,KG,_T,_T,_U,$cycle,A,F,STK"
  } >"$file"
  victim=${victims[cycle % 3]}
  : >"$work/submit-err"
  killed[$victim]=$((killed[$victim] + 1))
  # The operator's side: ots-ctl retries a call cut off in flight by itself; a node it cannot
  # reach at all (killed before the call began) ends it with exit 3, and the operator submits
  # again, which is safe.
  (
    deadline=$((SECONDS + 120))
    until "$ctl" submit --config "$op" --retry-for 120 "$file" >"$work/ack" 2>>"$work/submit-err"; do
      rc=$?
      [ "$rc" -eq 3 ] && [ "$SECONDS" -lt "$deadline" ] || exit "$rc"
      sleep 0.2
    done
  ) &
  client=$!
  sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 "${fed_pid[$victim]}"
  wait "${fed_pid[$victim]}" 2>/dev/null || true
  fed_launch "$victim"
  fed_ready "$victim"
  rc=0
  wait "$client" || rc=$?
  [ "$rc" -eq 0 ] || fail "cycle $cycle (killed $victim): submit exited $rc: $(cat "$work/submit-err")"
  head -1 "$work/ack" >>"$acks"
  if grep -q "the node already held this return" "$work/submit-err"; then
    held=$((held + 1))
  fi
done
elapsed=$(($(date +%s) - began))

fed_status az || fail "status of AZ"
root=$(fed_root az AZ)
size=$(sed -n 's/^origin AZ   log size \([0-9]*\),.*/\1/p' "$work/status.az")
converged=$(date +%s%3N)
for cc in kz ots; do
  wait_for "$cc to hold AZ's log at $size" 120 fed_holds "$cc" AZ "$size" "$root"
done
converged=$(($(date +%s%3N) - converged))
fed_stop ots az kz

"$ctl" log --data-dir "$fed/az/data" --origin AZ >"$work/log.csv"
sed -E 's/^submitted ([A-Z]+) ([^ ]+) revision ([0-9]+): ([0-9]+) cells, value sum ([0-9]+), cells root ([0-9a-f]+); log entry ([0-9]+),.*/\1,\7,\2,\3,\4,\5,\6/' \
  "$acks" >"$work/acked.csv"
tail -n +2 "$work/log.csv" | cut -d, -f1-7 >"$work/stored.csv"
lost=$(grep -cvxFf "$work/stored.csv" "$work/acked.csv" || true)
[ "$lost" -eq 0 ] || {
  grep -vxFf "$work/stored.csv" "$work/acked.csv" | head >&2
  fail "$lost acknowledged returns are not in the log as acknowledged"
}
# One entry per cycle: each cycle's return differs from every other, so a retry that stored a
# second copy would show as an extra entry with a cells root already in the log.
stored=$(wc -l <"$work/stored.csv")
[ "$stored" -eq "$cycles" ] || fail "$stored log entries for $cycles distinct returns"
dups=$(cut -d, -f7 "$work/stored.csv" | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "$dups cells roots stored twice"
for cc in az kz ots; do
  "$ctl" audit --data-dir "$fed/$cc/data" --trust-bundle "$fed/federation/trust-bundle.json" \
    --bundle-pubkey "$fed/federation/bundle.pub.pem" >"$work/audit.$cc" 2>&1 ||
    fail "audit of $cc after $cycles kills: $(cat "$work/audit.$cc")"
done
summary="kill test: $cycles cycles in ${elapsed} s (killed AZ ${killed[az]}, KZ ${killed[kz]}, OTS ${killed[ots]}); $cycles acknowledged, 0 lost, $held stored before the cut and answered on retry; replicas identical ${converged} ms after the last cycle; audits passed"
echo "$summary"
[ -z "${OTS_FAULT_REPORT:-}" ] || echo "$summary" >>"$OTS_FAULT_REPORT"
