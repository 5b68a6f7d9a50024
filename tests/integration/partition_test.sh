#!/usr/bin/env bash
# Silent partitions (docs/reliability.md): the Secretariat and three states, each ots-node in a
# network namespace of its own (fault_lib.sh). AZ is cut off from every other node by dropping
# its packets (no reset, as a firewall or a NAT does) while it accepts a return:
#  - its peers show it STALE in status, and each logs "AZ is stale" once, however long the cut;
#  - after the heal every node holds AZ's new return; the time from the heal is printed (and
#    appended to $OTS_FAULT_REPORT if set: make soak collects it);
#  - each peer logs "AZ answers again" once, and no longer shows it stale.
# Then 10 % packet loss on AZ's links while it accepts another return: it still converges.
#   partition_test.sh OTS_CTL SOURCE_DIR [PARTITION_SECONDS...]   (default: one of 12 s)
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
# shellcheck source=fault_lib.sh
source "$src/tests/integration/fault_lib.sh"
fed_setup partition-test AZ,KZ,KG "$@"
shift 2
lengths=("$@")
[ ${#lengths[@]} -gt 0 ] || lengths=(12)
fault_net ots az kz kg
for cc in ots az kz kg; do fault_launch "$cc"; done
for cc in ots az kz kg; do fed_ready "$cc"; done

op=$fed/az/operator.fault.textproto
submit() {
  "$ctl" submit --config "$op" "$1" >>"$work/submitted" 2>"$work/submit-err" ||
    fail "submit of $1: $(cat "$work/submit-err")"
}
holds() {  # holds SIZE: every node holds AZ's log at SIZE under AZ's root
  local cc root
  fault_status az || return 1
  root=$(fed_root az AZ)
  for cc in ots kz kg; do
    fault_status "$cc" || return 1
    fed_shown "$cc" AZ "$1" "$root" || return 1
  done
}
stale_at() { fault_status "$1" && grep -qE "^peer $2 .* STALE: no exchange for" "$work/status.$1"; }
not_stale_at() { fault_status "$1" && ! grep -qE "^peer $2 .*STALE" "$work/status.$1"; }

years=(1990 1995 2000 2005 2010 2015 2020)
submit "$work/returns/AZ_${years[0]}.csv"
size=1
wait_for "every node to hold AZ's first return" 60 holds $size

round=0
for length in "${lengths[@]}"; do
  round=$((round + 1))
  fault_isolate az
  submit "$work/returns/AZ_${years[round % ${#years[@]}]}.csv"
  size=$((size + 1))
  wait_for "KZ to show AZ stale" 60 stale_at kz AZ
  wait_for "AZ to show KZ stale" 60 stale_at az KZ
  started=$(now_ms)
  # The partition itself: this long, whatever happens meanwhile.
  sleep "$length"
  fault_heal
  healed=$(now_ms)
  wait_for "every node to hold AZ's log at $size after the heal" 300 holds $size
  took=$(($(now_ms) - healed))
  echo "partition of $((healed - started)) ms (asked ${length} s): converged ${took} ms after the heal"
  [ -z "${OTS_FAULT_REPORT:-}" ] ||
    echo "partition ${length}s converged_ms ${took}" >>"$OTS_FAULT_REPORT"
  for cc in kz kg ots; do
    wait_for "$cc to show AZ live again" 30 not_stale_at "$cc" AZ
  done
done

# Said once per heal, and at most once per cut, not at every retry: "stale" is a warning, and
# the node writes a warning like one of the last minute only once (a link that flaps must not
# fill the log), so partitions less than a minute apart may share one.
for cc in kz kg ots; do
  n=$(grep -c "sync: AZ is stale: no successful exchange" "$work/$cc.log" || true)
  [ "$n" -ge 1 ] && [ "$n" -le "$round" ] ||
    fail "$cc logged AZ stale $n times in $round partitions"
  n=$(grep -c "sync: AZ answers again after" "$work/$cc.log" || true)
  [ "$n" -eq "$round" ] || fail "$cc logged AZ answering again $n times in $round partitions"
done

# Loss: 10 % of what AZ receives from the other nodes is dropped.
fault_loss az 10
submit "$work/returns/AZ_2020.csv"
size=$((size + 1))
started=$(now_ms)
wait_for "every node to hold AZ's log at $size with 10% loss" 300 holds $size
echo "with 10% loss on AZ's links: converged $(($(now_ms) - started)) ms after the submit"
fault_heal
fed_stop ots az kz kg
echo "partition test: passed"
