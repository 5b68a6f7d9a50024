#!/usr/bin/env bash
# A verifiable consolidated table, against a lying Secretariat. A real federation (AZ, KZ and the
# Secretariat from pki init) holds the sample returns of 2020. `ots-ctl query --consolidated
# --verify` recomputes the Secretariat's table from the origins' signed returns:
#  1. the honest Secretariat's table verifies, from its own data or from AZ's node (--source);
#  2. ots_liar, presenting the Secretariat's real node certificate and passing every call on to
#     the real node, adds 1 to AZ × UZ and to its totals: the table it serves is consistent, but
#     --verify fails naming the figure, whether the signed data comes through the liar or from
#     AZ's own node; sources that cannot be reached are passed over, and none reachable is exit 3;
#  3. a node serving a forged copy of AZ's log (a cell changed, ots_forge) is caught as a source.
# Runs in network and PID namespaces of its own (the bundle's fixed ports).
#   verify_table_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup verify-table-test AZ,KZ,KG "$@"
liar=$(dirname "$bin")/tests/ots_liar
fed_start ots az kz

fed_submit az "$work/returns/AZ_2020.csv"
fed_submit kz "$work/returns/KZ_2020.csv"
both_held() { fed_holds "$1" AZ 1 && fed_holds "$1" KZ 1; }
wait_for "the Secretariat to hold AZ and KZ" 60 both_held ots
wait_for "AZ's node to hold KZ" 60 both_held az
uz=$(awk -F, '$2 == "AZ" && $4 == "UZ" && $6 == "_T" {print $8}' "$work/returns/AZ_2020.csv")
[ -n "$uz" ] || fail "no AZ × UZ figure in the sample returns"

# table ARGS...: `ots-ctl query` of the consolidated table of 2020 with ARGS.
table() { "$ctl" query --consolidated --period 2020 "$@"; }
# shown ARGS...: that table, which must succeed; its output in $work/out and $work/err.
shown() { table "$@" >"$work/out" 2>"$work/err" || fail "query $*: $(cat "$work/err")"; }
# client_at NAME ADDRESS: a copy of the Secretariat's auditor configuration calling ADDRESS.
client_at() {
  sed "s/^node_address: .*/node_address: \"$2\"/" "$fed/ots/auditor.textproto" \
    >"$fed/ots/$1.textproto"
}
address_of() { sed -n 's/^node_address: "\(.*\)"$/\1/p' "$1"; }
ots_client=$fed/ots/auditor.textproto
az_client=$fed/az/auditor.textproto
ots_addr=$(address_of "$ots_client")
az_addr=$(address_of "$az_client")
[ -n "$ots_addr" ] && [ -n "$az_addr" ] || fail "no node_address in the auditor configurations"

# --- 1. The honest Secretariat's table verifies --------------------------------------------------
shown --config "$ots_client" --verify
grep -qF "verified: every figure of 2020 recomputed from the signed returns of AZ KZ at their checkpoints (sources: $ots_addr)" \
  "$work/out" || fail "no verified line: $(cat "$work/out")"
grep -qE "^REF_AREA .* UZ " "$work/out" || fail "the table is not shown: $(cat "$work/out")"
shown --config "$ots_client" --verify --source "$az_client"
grep -qF "at their checkpoints (sources: $az_addr)" "$work/out" ||
  fail "--source AZ was not used: $(cat "$work/out")"

# --- 2. A lying Secretariat ------------------------------------------------------------------------
"$liar" --config "$fed/ots/node.textproto" --upstream "$ots_client" --alter AZ,UZ,1 \
  --ready-file "$work/liar.ready" 2>>"$work/liar.log" &
fed_pid[liar]=$!
await_ready "${fed_pid[liar]}" "$work/liar.ready" 30 liar "$work/liar.log"
client_at liar "$(cat "$work/liar.ready")"
liar_client=$fed/ots/liar.textproto

# It lies: the figure is one more, and its totals agree with it.
shown --config "$liar_client" --format csv
grep -q "^AZ,2020,UZ,_T,_T,_T,$((uz + 1)),A,F,STK,false," "$work/out" ||
  fail "the liar does not lie: $(cat "$work/out")"
lie="the table differs from the signed returns: AZ × UZ: served $((uz + 1)), signed $uz (AZ log size 1)"
expect_fail 1 table --config "$liar_client" --verify
must_say "$lie"
[ ! -s "$work/out" ] || fail "a table that does not verify was shown: $(cat "$work/out")"
expect_fail 1 table --config "$liar_client" --verify --source "$az_client"
must_say "$lie"

# Sources that cannot be reached are passed over; none reachable is exit 3.
client_at dead 127.0.0.1:1
expect_fail 1 table --config "$liar_client" --verify --source "$fed/ots/dead.textproto" \
  --source "$az_client"
must_say "$lie"
expect_fail 3 table --config "$ots_client" --verify --source "$fed/ots/dead.textproto"
must_say "no source serves AZ at log size 1: 127.0.0.1:1: "

# --- 3. A source serving a forged log of AZ -------------------------------------------------------
# The evil KG: KG's node certificate serving a copy of AZ's folder with one cell changed.
fed_stop az
"$forge" --mode cell --from "$fed/az/data" --origin AZ --to "$fed/kg/evil" >/dev/null
sed -e 's/^data_dir:.*/data_dir: "evil"/' "$fed/kg/node.textproto" >"$fed/kg/evil.textproto"
fed_base[evil]=$fed/kg/evil.textproto
fed_sync[evil]="disabled: true"
fed_start evil
expect_fail 1 table --config "$ots_client" --verify --source "$fed/kg/auditor.textproto"
must_say "the signed data does not verify: AZ at log size 1: AZ 2020 revision 1: cells root: "
must_say "(served by $(address_of "$fed/kg/auditor.textproto"))"
echo "PASS verify_table_test"
