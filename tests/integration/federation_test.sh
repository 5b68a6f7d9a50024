#!/usr/bin/env bash
# Replication across a whole federation of real processes: the Secretariat and seven states (five
# members, two observers), each ots-node on its trust-bundle endpoint with mutual TLS.
#  1. Convergence: every state submits its own returns; every node ends up holding every origin's
#     log at the origin's size and checkpoint root, with no alarm and every link watching; each
#     checkpoint is cosigned by every other node; the Secretariat answers a query on a state's
#     cells exactly as the state's own node does, and proves one with openssl alone.
#  2. Catch-up: a node stopped (SIGTERM) while two states publish more (one a revision) gets all
#     of it once restarted, pulling only the entries it lacks, with no operator action; its peers
#     resume watching it and its cosignature of the new checkpoints reaches the Secretariat.
# Runs in a network namespace of its own (the bundle's fixed ports).
#   federation_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
states=(AZ KZ KG TR UZ HU TM)
fed_setup federation-test "$(IFS=,; echo "${states[*]}")" "$@"
nodes=(ots az kz kg tr uz hu tm)
fed_start "${nodes[@]}"

declare -A size=() root=()
# learn ORIGIN...: the size and root of each ORIGIN's log, from the origin's own node.
learn() {
  local o
  for o in "$@"; do
    fed_status "${o,,}" || fail "status of ${o,,}: $(cat "$work/status.${o,,}")"
    grep -qF "origin $o   log size ${size[$o]}," "$work/status.${o,,}" ||
      fail "$o's own node does not hold ${size[$o]} entries of its log"
    root[$o]=$(fed_root "${o,,}" "$o")
    [ -n "${root[$o]}" ] || fail "no checkpoint root of $o"
  done
}
# converged NODE...: each NODE holds every origin's log at the origin's size and root, with no
# alarm, and holds no other origin.
converged() {
  local n o
  for n in "$@"; do
    fed_status "$n" || return 1
    for o in "${states[@]}"; do
      grep -qF "origin $o   log size ${size[$o]}, checkpoint root ${root[$o]}," \
        "$work/status.$n" || return 1
    done
    [ "$(grep -c '^origin ' "$work/status.$n")" -eq "${#states[@]}" ] || return 1
  done
}
# all_watching NODE...: each NODE watches all its peers (the 7 others).
all_watching() {
  local n
  for n in "$@"; do
    fed_status "$n" || return 1
    [ "$(grep -cE '^peer [A-Z]+ +[^ ]+ watching(,|$)' "$work/status.$n")" -eq 7 ] || return 1
  done
}
# cells CLIENT FILTER...: the cells matching every FILTER (COL=code), sorted, as CLIENT (a client
# configuration) gets them from its node.
cells() {
  local client=$1 f filters=()
  shift
  for f in "$@"; do filters+=(--filter "$f"); done
  "$ctl" query --config "$client" "${filters[@]}" --format csv | tail -n +2 | sort
}

# --- 1. Convergence ----------------------------------------------------------------------------
# Every state submits two years of returns, all states at once.
t0=$SECONDS
subs=()
for s in "${states[@]}"; do
  fed_submit "${s,,}" "$work/returns/${s}_2015.csv" "$work/returns/${s}_2020.csv" &
  subs+=($!)
  size[$s]=2
done
for p in "${subs[@]}"; do wait "$p" || fail "a submission failed"; done
learn "${states[@]}"
wait_for "every node to hold every origin" 120 converged "${nodes[@]}"
echo "converged: 8 nodes hold 7 origins $((SECONDS - t0))s after the first submission"
for n in "${nodes[@]}"; do
  ! grep -q ALARM "$work/status.$n" || fail "$n raises an alarm"
done
wait_for "every node to watch its 7 peers" 60 all_watching "${nodes[@]}"

# Witnessing: at the Secretariat, every origin's checkpoint is cosigned by every other node; at
# AZ's node, AZ's own checkpoint is too (the cosignatures travel back to the origin).
witnesses_of() {  # every node but ORIGIN's, as witness names
  local n
  for n in "${nodes[@]}"; do
    [ "${n^^}" = "$1" ] || printf '%s ' "${n^^}"
  done
}
for o in "${states[@]}"; do
  # shellcheck disable=SC2046
  wait_for "the Secretariat's checkpoint of $o cosigned by all" 60 \
    fed_cosigned ots "$o" 2 $(witnesses_of "$o")
done
# shellcheck disable=SC2046
wait_for "AZ's checkpoint at AZ cosigned by all" 60 fed_cosigned az AZ 2 $(witnesses_of AZ)
grep -q "^origin AZ   log size 2, .*cosigned by.* AZ\b" "$work/status.az" &&
  fail "AZ cosigned its own checkpoint"

# The Secretariat answers for AZ's cells exactly as AZ's node does, and both are what AZ sent.
cells "$fed/ots/auditor.textproto" REF_AREA=AZ >"$work/az-at-ots" || fail "query at OTS"
cells "$fed/az/auditor.textproto" REF_AREA=AZ >"$work/az-at-az" || fail "query at AZ"
tail -q -n +2 "$work"/returns/AZ_2015.csv "$work"/returns/AZ_2020.csv | cut -d, -f2- | sort \
  >"$work/az-sent"
[ -s "$work/az-sent" ] || fail "no sample cells of AZ"
cmp "$work/az-at-ots" "$work/az-at-az" || fail "the Secretariat's AZ cells differ from AZ's node"
cmp "$work/az-at-ots" "$work/az-sent" || fail "the Secretariat's AZ cells differ from what AZ sent"
# A relayed cell is provable end to end: the Secretariat's proof, resting on a checkpoint with
# the bundle's quorum of cosignatures (which reach the Secretariat as they come), checks with
# openssl alone and the bundle key id.
prove_at_ots() {
  "$ctl" prove --config "$fed/ots/auditor.textproto" --origin AZ --period 2020 \
    --cell CITIZEN=UZ --cell SEX=F --out "$work/proof" >"$work/prove.out" 2>&1
}
wait_for "a proof at the Secretariat with the witness quorum" 60 prove_at_ots
bash "$work/proof/verify.sh" "$(key_id "$fed/federation/bundle.pub.pem")" >"$work/verified" ||
  fail "the Secretariat's proof of an AZ cell"
grep -q "cosigned by" "$work/verified" || fail "verify.sh names no cosigners"
grep -qx "AZ,2020,UZ,_T,F,_T,8398,A,F,STK" "$work/proof/cell.line" || fail "proved the wrong cell"

# --- 2. Catch-up -------------------------------------------------------------------------------
fed_stop tr
wait_for "the Secretariat to notice TR is down" 60 fed_peer ots TR backoff
# While TR is down AZ publishes a new year and a revision of 2020 (UZ women +1), UZ a new year.
awk -F, -v OFS=, '$2 == "AZ" && $4 == "UZ" && $6 != "M" {$8 += 1} {print}' \
  "$work/returns/AZ_2020.csv" >"$work/AZ_2020_rev2.csv"
cmp -s "$work/AZ_2020_rev2.csv" "$work/returns/AZ_2020.csv" && fail "revision unchanged"
fed_submit az "$work/returns/AZ_2010.csv" "$work/AZ_2020_rev2.csv"
grep -qF "submitted AZ 2020 revision 2" "$work/submitted.az" || fail "AZ 2020 is not revision 2"
fed_submit uz "$work/returns/UZ_2010.csv"
size[AZ]=4
size[UZ]=3
learn AZ UZ
running=(ots az kz kg uz hu tm)
wait_for "the running nodes to hold the new entries" 90 converged "${running[@]}"

# TR restarts on its data folder; nobody does anything else.
before=$(wc -l <"$work/tr.log")
t0=$SECONDS
fed_start tr
wait_for "TR to catch up" 90 converged tr
echo "caught up: TR holds the new entries $((SECONDS - t0))s after its restart"
tail -n +$((before + 1)) "$work/tr.log" | grep "sync: accepted" >"$work/tr-accepted" || true
grep -qE "sync: accepted AZ entries 2\.\.3 from [A-Z]+; log size 4$" "$work/tr-accepted" ||
  fail "TR did not pull AZ's entries 2..3: $(cat "$work/tr-accepted")"
grep -qE "sync: accepted UZ entries 2\.\.2 from [A-Z]+; log size 3$" "$work/tr-accepted" ||
  fail "TR did not pull UZ's entry 2: $(cat "$work/tr-accepted")"
[ "$(wc -l <"$work/tr-accepted")" -eq 2 ] ||
  fail "TR pulled more than it lacked: $(cat "$work/tr-accepted")"
# TR's current view has the revision, as at AZ.
cells "$fed/tr/auditor.textproto" REF_AREA=AZ >"$work/az-at-tr" || fail "query at TR"
cells "$fed/az/auditor.textproto" REF_AREA=AZ >"$work/az-at-az" || fail "query at AZ"
cmp "$work/az-at-tr" "$work/az-at-az" || fail "TR's AZ cells differ from AZ's node"
grep -qx "AZ,2020,UZ,_T,F,_T,8399,A,F,STK" "$work/az-at-tr" || fail "TR lacks AZ's revision"
want=$(($(wc -l <"$work/returns/AZ_2010.csv") - 1))
[ "$(grep -c "^AZ,2010," "$work/az-at-tr")" -eq "$want" ] || fail "TR lacks AZ's 2010 cells"
# Links to and from TR come back by themselves, and TR witnesses what it caught up with.
wait_for "every node to watch its 7 peers again" 60 all_watching "${nodes[@]}"
wait_for "TR's cosignature of AZ's new checkpoint at the Secretariat" 60 \
  fed_cosigned ots AZ 4 TR
wait_for "all 8 nodes to agree" 60 converged "${nodes[@]}"
echo "federation_test: all checks passed"
