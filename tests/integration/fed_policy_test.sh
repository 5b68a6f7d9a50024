#!/usr/bin/env bash
# Sharing policy, enforced by every node that relays: a federation whose trust bundle (version 2,
# edited and re-signed before any node starts) lets AZ's data go to everyone but KG. AZ's returns
# reach KZ and the Secretariat, which hold them next to KZ's and KG's; KG, whose replication
# works (it gets KZ's returns, and AZ gets KG's), never holds any of AZ: not in its status, its
# query answers, its log or its data folder. Neither relay offers AZ to KG's node, and each
# refuses KG's node a pull of AZ ("does not share its data with KG"), logging the refusal. KG's
# auditor asking the Secretariat gets none of AZ either (cells, status, consolidated table,
# proof), and KG never cosigns AZ's checkpoints. Runs in a network namespace of its own.
#   fed_policy_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup fed-policy-test AZ,KZ,KG "$@"

# --- The bundle keeper removes KG from AZ's share_with and signs version 2 ---------------------
b=$fed/federation
"$ctl" bundle show --bundle "$b/trust-bundle.json" --key "$b/bundle.pub.pem" >"$b/v1.textproto"
awk -v now="$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
  /^version: / { print "version: " ($2 + 1); next }
  /^issued_at: / { print "issued_at: \"" now "\""; next }
  /^members \{/ { code = "" }
  /^  code: / { code = $2 }
  code == "\"AZ\"" && $0 == "  share_with: \"KG\"" { next }
  { print }' "$b/v1.textproto" >"$b/v2.textproto"
grep -qx "version: 2" "$b/v2.textproto" || fail "the bundle edit did not bump its version"
diff <(grep -v '^version: \|^issued_at: ' "$b/v1.textproto") \
  <(grep -v '^version: \|^issued_at: ' "$b/v2.textproto") | grep '^[<>]' >"$b/edit" || true
[ "$(cat "$b/edit")" = '<   share_with: "KG"' ] ||
  fail "the bundle edit went wrong: $(cat "$b/edit")"
"$ctl" bundle sign --in "$b/v2.textproto" --key "$b/bundle.key" --out "$b/trust-bundle.json" \
  >/dev/null || fail "bundle sign"
"$ctl" bundle show --bundle "$b/trust-bundle.json" --key "$b/bundle.pub.pem" >"$b/shown"
grep -qx "version: 2" "$b/shown" || fail "the new bundle is not version 2"
[ "$(grep -c '^  share_with: "KG"$' "$b/shown")" -eq 2 ] ||
  fail "KG should be in the share_with of OTS and KZ only"

fed_start ots az kz kg
for n in ots az kz kg; do
  fed_status "$n" || fail "status of $n"
  grep -qF "trust bundle version 2" "$work/status.$n" || fail "$n does not run bundle version 2"
done

# --- AZ publishes; everyone allowed gets it -------------------------------------------------------
fed_submit az "$work/returns/AZ_2015.csv" "$work/returns/AZ_2020.csv"
fed_status az || fail "status of AZ"
az_root=$(fed_root az AZ)
[ -n "$az_root" ] || fail "no checkpoint root of AZ"
for n in ots kz; do
  wait_for "$n to hold AZ's log" 90 fed_holds "$n" AZ 2 "$az_root"
done
# Then KZ and KG publish: KG's replication works both ways while the relays hold AZ.
fed_submit kz "$work/returns/KZ_2020.csv"
fed_submit kg "$work/returns/KG_2020.csv"
for n in ots az kg; do wait_for "$n to hold KZ's log" 90 fed_holds "$n" KZ 1; done
for n in ots az kz; do wait_for "$n to hold KG's log" 90 fed_holds "$n" KG 1; done
wait_for "KG to watch all its peers" 60 eval \
  'fed_peer kg OTS watching && fed_peer kg AZ watching && fed_peer kg KZ watching'

# --- KG holds none of AZ --------------------------------------------------------------------------
fed_status kg || fail "status of KG"
grep -q "^origin AZ " "$work/status.kg" && fail "KG's node shows AZ: $(cat "$work/status.kg")"
grep -q "^origin KZ " "$work/status.kg" || fail "KG's node does not show KZ"
cells_of() {  # cells_of CLIENT REF_AREA: the cells of REF_AREA that CLIENT gets, no header
  "$ctl" query --config "$1" --filter "REF_AREA=$2" --format csv | tail -n +2
}
# no_az_for_kg CLIENT: a query of AZ's cells by KG's CLIENT is refused for AZ's policy, or empty.
no_az_for_kg() {
  local rc=0
  cells_of "$1" AZ >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    must_say "AZ does not share its data with KG"
  fi
  [ ! -s "$work/out" ] || fail "KG's auditor got AZ's cells from $1: $(cat "$work/out")"
}
no_az_for_kg "$fed/kg/auditor.textproto"
[ -n "$(cells_of "$fed/kg/auditor.textproto" KZ)" ] || fail "KG's node has no KZ cells"
grep -E "sync: accepted AZ |offered AZ" "$work/kg.log" &&
  fail "a relay offered or sent AZ's data to KG"
grep -qF "sync: accepted KZ entries 0..0" "$work/kg.log" || fail "KG's log shows no replication"

# --- Each relay (and AZ) refuses KG's node a pull of AZ, and never offers AZ to it ----------------
for n in kz ots az; do
  fed_grpc kg "$n" Federation/Pull AZ
  [ "$grpc_code" = 7 ] || fail "$n answered KG's pull of AZ with gRPC status $grpc_code"
  [[ $grpc_message == *"AZ does not share its data with KG"* ]] ||
    fail "$n's refusal says: $grpc_message"
  log_says "$work/$n.log" \
    "WARN peer=KG/node(KG node) pull refused: AZ does not share its data with KG"
  fed_grpc kg "$n" Federation/Checkpoints
  [ "$grpc_code" = 0 ] || fail "$n refused KG's node its checkpoints: $grpc_message"
  grep -qaF "ots-mx/log/KZ" "$work/grpc.body" || fail "$n does not offer KZ to KG"
  grep -qaF "ots-mx/log/AZ" "$work/grpc.body" && fail "$n offers AZ's checkpoint to KG"
  # Nor does it witness AZ for KG: a cosignature would confirm what it holds of AZ.
  fed_grpc kg "$n" Federation/Cosign AZ
  [ "$grpc_code" = 7 ] || fail "$n answered KG's cosign request for AZ with status $grpc_code"
done
# The same pull of KZ is served: the refusal above is the policy, not a bad request.
fed_grpc kg ots Federation/Pull KZ
[ "$grpc_code" = 0 ] || fail "the Secretariat refused KG a pull of KZ: $grpc_message"
grep -qaF "KZ,2020,AZ,_T,_T,_T," "$work/grpc.body" || fail "a pull of KZ brought no KZ cells"

# --- KG's auditor asking the Secretariat gets none of AZ ------------------------------------------
sed -e 's/^node_address: .*/node_address: "127.0.0.1:7400"/' \
  -e 's/^node_name: .*/node_name: "ots.node.ots-mx"/' "$fed/kg/auditor.textproto" \
  >"$fed/kg/auditor-at-ots.textproto"
kg_at_ots=$fed/kg/auditor-at-ots.textproto
no_az_for_kg "$kg_at_ots"
[ -n "$(cells_of "$kg_at_ots" KZ)" ] || fail "the Secretariat gives KG's auditor no KZ cells"
[ -n "$(cells_of "$fed/ots/auditor.textproto" AZ)" ] || fail "the Secretariat has no AZ cells"
fed_status ots "$kg_at_ots" || fail "status of the Secretariat for KG's auditor"
grep -qF "you are     KG auditor" "$work/status.ots" || fail "not asking as KG's auditor"
grep -q "^origin AZ " "$work/status.ots" && fail "the Secretariat shows AZ to KG's auditor"
grep -q "^origin KZ " "$work/status.ots" || fail "the Secretariat hides KZ from KG's auditor"
# Nor in how far behind its peers the Secretariat is on AZ, which would tell AZ's log size.
"$ctl" status --config "$kg_at_ots" --format json >"$work/status.ots.json" ||
  fail "status --format json of the Secretariat for KG's auditor"
python3 - "$work/status.ots.json" <<'PY' || fail "the Secretariat shows KG's auditor AZ's lags"
import json, sys
peers = json.load(open(sys.argv[1]))["peers"]
origins = {lag["origin"] for p in peers for lag in p["lags"]}
assert "KZ" in origins, origins  # the lags are there, for what KG may see
assert "AZ" not in origins, origins
PY
"$ctl" query --config "$kg_at_ots" --consolidated --period 2020 --format csv >"$work/cons.kg" \
  2>/dev/null || fail "consolidated table for KG's auditor"
"$ctl" query --config "$fed/ots/auditor.textproto" --consolidated --period 2020 --format csv \
  >"$work/cons.ots" 2>/dev/null || fail "consolidated table for the Secretariat's auditor"
grep -q "^AZ," "$work/cons.ots" || fail "the Secretariat's own table has no AZ row"
grep -q "^KZ," "$work/cons.kg" || fail "KG's auditor's table has no KZ row"
grep -q "^AZ," "$work/cons.kg" && fail "the consolidated table shows AZ to KG's auditor"
expect_fail 3 "$ctl" prove --config "$kg_at_ots" --origin AZ --period 2020 --cell CITIZEN=UZ \
  --cell SEX=F --out "$work/proof"
must_say "AZ does not share its data with KG"

# --- Witnessing: everyone but KG cosigns AZ's checkpoint ------------------------------------------
wait_for "AZ's checkpoint at the Secretariat cosigned by KZ and OTS" 60 \
  fed_cosigned ots AZ 2 KZ OTS
wait_for "AZ's checkpoint at AZ cosigned by KZ and OTS" 60 fed_cosigned az AZ 2 KZ OTS
for n in ots az kz; do
  fed_status "$n" || fail "status of $n"
  grep -E "^origin AZ   log size 2, .*cosigned by.* KG( |$)" "$work/status.$n" &&
    fail "KG cosigned AZ's checkpoint (at $n)"
done

# --- KG's data folder holds nothing of AZ ---------------------------------------------------------
fed_stop kg
"$ctl" log --data-dir "$fed/kg/data" >"$work/kg-logs" || fail "ots-ctl log of KG's folder"
grep -q "^KZ," "$work/kg-logs" || fail "KG's folder has no KZ log"
grep -q "^AZ," "$work/kg-logs" && fail "KG's folder holds AZ's log: $(cat "$work/kg-logs")"
"$ctl" query --data-dir "$fed/kg/data" --filter REF_AREA=AZ --format csv >"$work/kg-az" ||
  fail "offline query of KG's folder"
[ "$(tail -n +2 "$work/kg-az" | wc -l)" -eq 0 ] || fail "KG's folder holds AZ's cells"
echo "fed_policy_test: all checks passed"
