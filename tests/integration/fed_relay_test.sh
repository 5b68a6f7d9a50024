#!/usr/bin/env bash
# Relay: KZ's node cannot reach AZ's (its configuration points AZ at 127.0.0.1:1, where nothing
# listens), yet gets AZ's returns through the other nodes, verified end to end: its log names the
# relay each batch came from (never AZ), its status shows the direct link failing all along and
# AZ's log at AZ's size and root, it serves AZ's cells exactly as AZ does, and it witnesses AZ's
# checkpoint like everyone else. Runs in a network namespace of its own.
#   fed_relay_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup fed-relay-test AZ,KZ,KG "$@"
fed_launch kz 'peer_endpoints { key: "AZ" value: "127.0.0.1:1" }'
fed_start ots az kg
fed_ready kz

# The direct link from KZ to AZ fails (and AZ itself is up and reachable by the others).
wait_for "KZ's link to AZ to fail" 60 fed_peer kz AZ backoff
grep -qE "^peer AZ +127\.0\.0\.1:1 backoff" "$work/status.kz" ||
  fail "KZ does not use its endpoint override for AZ: $(grep '^peer AZ' "$work/status.kz")"
wait_for "OTS to watch AZ" 60 fed_peer ots AZ watching

fed_submit az "$work/returns/AZ_2015.csv" "$work/returns/AZ_2020.csv"
fed_status az || fail "status of AZ"
root=$(fed_root az AZ)
[ -n "$root" ] || fail "no checkpoint root of AZ"
wait_for "KZ to hold AZ's log" 90 fed_holds kz AZ 2 "$root"

# Every batch of AZ that KZ accepted came from a relay, and the direct link never worked.
grep "sync: accepted AZ entries" "$work/kz.log" >"$work/kz-accepted" ||
  fail "KZ's log shows no accepted AZ entries"
grep -qvE "from (OTS|KG); log size [0-9]+$" "$work/kz-accepted" &&
  fail "KZ accepted AZ's entries from another source than the relays: $(cat "$work/kz-accepted")"
grep -qE "accepted AZ entries 0\.\.[01] from (OTS|KG); log size [12]$" "$work/kz-accepted" ||
  fail "KZ's log does not show where AZ's first entries came from: $(cat "$work/kz-accepted")"
fed_status kz || fail "status of KZ"
grep -E "^peer AZ " "$work/status.kz" >"$work/kz-to-az"
grep -qE "^peer AZ +127\.0\.0\.1:1 backoff, [0-9]+ failures: " "$work/kz-to-az" ||
  fail "KZ's status does not show its link to AZ failing: $(cat "$work/kz-to-az")"
grep -qF "last exchange" "$work/kz-to-az" &&
  fail "KZ's link to AZ succeeded: $(cat "$work/kz-to-az")"

# KZ serves AZ's cells exactly as AZ does.
for n in kz az; do
  "$ctl" query --config "$fed/$n/auditor.textproto" --filter REF_AREA=AZ --format csv |
    tail -n +2 | sort >"$work/az-at-$n" || fail "query of AZ's cells at $n"
done
tail -q -n +2 "$work"/returns/AZ_2015.csv "$work"/returns/AZ_2020.csv | cut -d, -f2- | sort \
  >"$work/az-sent"
cmp "$work/az-at-az" "$work/az-sent" || fail "AZ's node does not hold the cells AZ sent"
cmp "$work/az-at-kz" "$work/az-at-az" || fail "KZ's AZ cells differ from AZ's"

# KZ witnessed what it got through the relays: its cosignature reaches AZ and the Secretariat.
wait_for "AZ's checkpoint at AZ cosigned by KZ" 60 fed_cosigned az AZ 2 KZ KG OTS
wait_for "AZ's checkpoint at the Secretariat cosigned by KZ" 60 fed_cosigned ots AZ 2 KZ KG OTS
echo "fed_relay_test: all checks passed"
