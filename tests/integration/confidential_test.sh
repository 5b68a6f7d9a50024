#!/usr/bin/env bash
# Confidential cells stay with those entitled (docs/statistics.md, docs/formats.md §2a). AZ marks
# its female citizens of UZ confidential (C) and the male ones D, and shares its data with KZ and
# the Secretariat; by default only the Secretariat is entitled to the values. After replication:
# KZ's node holds the return with those cells sealed, lists them without value, and proves them
# with verify.sh; the Secretariat holds and shows the values to its own auditor, but not to KZ's;
# its proof carries cell.opening, which verify.sh checks (and refuses altered). A consolidated
# table verifies fully for the Secretariat and in part for KZ. A revision the Secretariat could
# only take through KZ (sealed) is opened once AZ is back. Runs in a network namespace.
#   confidential_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup confidential-test AZ,KZ "$@"
bundle_id=$(key_id "$fed/federation/bundle.pub.pem")

# AZ's 2020 return with its UZ women C and UZ men D (every STAY_CAT and AGE).
# The sample files are SDMX-CSV 1.0: DATAFLOW first, CONF_STATUS the tenth column.
awk -F, -v OFS=, 'NR > 1 && $4 == "UZ" && $6 == "F" { $10 = "C" }
  NR > 1 && $4 == "UZ" && $6 == "M" { $10 = "D" } { print }' \
  "$work/returns/AZ_2020.csv" >"$work/AZ_2020_conf.csv"
female=$(awk -F, '$4 == "UZ" && $5 == "_T" && $6 == "F" && $7 == "_T" { print $8 }' \
  "$work/AZ_2020_conf.csv")
[ -n "$female" ] || fail "no AZ cell of UZ women in the sample return"
true_line="AZ,2020,UZ,_T,F,_T,$female,"

fed_start ots az kz
fed_submit az "$work/AZ_2020_conf.csv"
fed_submit kz "$work/returns/KZ_2020.csv"
for n in ots kz; do wait_for "$n to hold AZ's return" 90 fed_holds "$n" AZ 1; done
wait_for "the Secretariat to hold KZ's return" 90 fed_holds ots KZ 1

# KZ's auditor, pointed at the Secretariat's node.
grep -E '^node_(address|name): ' "$fed/ots/auditor.textproto" >"$work/ots-node"
[ "$(wc -l <"$work/ots-node")" -eq 2 ] || fail "the Secretariat's auditor configuration names no node"
{
  grep -vE '^node_(address|name): ' "$fed/kz/auditor.textproto"
  cat "$work/ots-node"
} >"$fed/kz/auditor-at-ots.textproto"
kz_at_ots=$fed/kz/auditor-at-ots.textproto
cells() {  # cells CLIENT: AZ's cells of UZ women as CLIENT gets them
  "$ctl" query --config "$1" --filter REF_AREA=AZ --filter CITIZEN=UZ --filter SEX=F \
    --format csv | tail -n +2
}

# --- KZ holds the return sealed ------------------------------------------------------------------
cells "$fed/kz/auditor.textproto" >"$work/at-kz" || fail "query at KZ"
[ -s "$work/at-kz" ] || fail "KZ lists no AZ cells of UZ women"
grep -q ",sealed:[0-9a-f]\{64\},,C,STK" "$work/at-kz" || fail "KZ does not list them sealed"
grep -qF "$true_line" "$work/at-kz" && fail "KZ lists AZ's confidential value: $(cat "$work/at-kz")"
cut -d, -f7 "$work/at-kz" | grep -qv '^sealed:' && fail "an AZ cell of UZ women is open at KZ"
# The Secretariat to its own auditor: the values; to KZ's auditor: sealed.
# (If the Secretariat took AZ's return from KZ first, sealed, it takes the openings from AZ next.)
wait_for "the Secretariat to hold AZ's values" 60 fed_unsealed ots AZ
cells "$fed/ots/auditor.textproto" >"$work/at-ots" || fail "query at the Secretariat"
grep -qF "${true_line}A,C,STK" "$work/at-ots" || fail "the Secretariat lacks AZ's value"
cells "$kz_at_ots" >"$work/kz-at-ots" || fail "query at the Secretariat by KZ's auditor"
grep -qF "$true_line" "$work/kz-at-ots" &&
  fail "the Secretariat gave KZ's auditor AZ's confidential value"
cmp "$work/at-kz" "$work/kz-at-ots" || fail "KZ's auditor gets other sealed lines at the Secretariat"
# A total over them (AZ's women of every citizenship: no CITIZEN=_T cell is reported) is
# withheld for KZ, and given to the Secretariat's auditor.
women=$(awk -F, '$6 == "F" && $5 == "_T" && $7 == "_T" { s += $8 } END { print s }' \
  "$work/AZ_2020_conf.csv")
totals() {  # totals CLIENT
  "$ctl" query --config "$1" --filter REF_AREA=AZ --filter SEX=F --totals-by REF_AREA,SEX \
    --format csv
}
totals "$fed/kz/auditor.textproto" >"$work/totals-kz" 2>&1 || fail "totals at KZ"
grep -qx "AZ,2020,F,STK," "$work/totals-kz" ||
  fail "KZ's total over a sealed cell is not withheld: $(cat "$work/totals-kz")"
totals "$fed/ots/auditor.textproto" >"$work/totals-ots" 2>&1 || fail "totals at the Secretariat"
grep -qx "AZ,2020,F,STK,$women" "$work/totals-ots" ||
  fail "the Secretariat's total is not $women: $(cat "$work/totals-ots")"

# --- Proofs ----------------------------------------------------------------------------------------
prove() {  # prove CLIENT DIR
  "$ctl" prove --config "$1" --origin AZ --period 2020 --cell CITIZEN=UZ --cell SEX=F \
    --out "$2" >"$work/prove.out" 2>&1
}
wait_for "a proof at KZ" 60 prove "$fed/kz/auditor.textproto" "$work/proof-kz"
[ -e "$work/proof-kz/cell.opening" ] && fail "KZ's proof carries an opening"
grep -q ",sealed:" "$work/proof-kz/cell.line" || fail "KZ's proof is not of the sealed line"
bash "$work/proof-kz/verify.sh" "$bundle_id" >"$work/verified-kz" ||
  fail "KZ's proof of a sealed cell does not verify"
grep -qF "confidential: its value is sealed" "$work/verified-kz" ||
  fail "verify.sh does not say the cell is sealed: $(cat "$work/verified-kz")"

# KZ's auditor asking the Secretariat's node, which holds the opening, does not get it.
prove "$kz_at_ots" "$work/proof-kz-at-ots" || fail "KZ's proof at the Secretariat: $(cat "$work/prove.out")"
[ -e "$work/proof-kz-at-ots/cell.opening" ] && fail "the Secretariat gave KZ's auditor the opening"
cmp "$work/proof-kz-at-ots/cell.line" "$work/proof-kz/cell.line" || fail "another leaf at the Secretariat"

wait_for "a proof at the Secretariat" 60 prove "$fed/ots/auditor.textproto" "$work/proof-ots"
[ -s "$work/proof-ots/cell.opening" ] || fail "the Secretariat's proof has no cell.opening"
cmp "$work/proof-ots/cell.line" "$work/proof-kz/cell.line" ||
  fail "the two proofs are not of the same leaf"
bash "$work/proof-ots/verify.sh" "$bundle_id" >"$work/verified-ots" ||
  fail "the Secretariat's proof does not verify"
grep -qF "OK: cell \"${true_line}A,C,STK\" (sealed in the return; cell.opening opens it)" \
  "$work/verified-ots" || fail "verify.sh does not show the opened cell: $(cat "$work/verified-ots")"
# An opening with another value (same salt) is refused.
sed -i "s/,$female,/,$((female + 1)),/" "$work/proof-ots/cell.opening"
(cd "$work/proof-ots" && expect_fail 1 bash verify.sh "$bundle_id")
must_say "cell.opening: salt and cell line do not give the sealed line of cell.line"

# --- Consolidated tables: the Secretariat verifies every figure, KZ's auditor part of them ------
"$ctl" query --config "$fed/ots/auditor.textproto" --consolidated --period 2020 --by SEX \
  --citizen UZ --verify >"$work/cons-ots" 2>&1 || fail "verify at the Secretariat: $(cat "$work/cons-ots")"
grep -qF "verified: every figure of 2020" "$work/cons-ots" ||
  fail "the Secretariat's table is not fully verified: $(cat "$work/cons-ots")"
"$ctl" query --config "$kz_at_ots" --consolidated --period 2020 --by SEX --citizen UZ \
  --verify >"$work/cons-kz" 2>&1 || fail "verify by KZ's auditor: $(cat "$work/cons-kz")"
grep -qF "verified in part:" "$work/cons-kz" ||
  fail "KZ's auditor's verification does not say it is partial: $(cat "$work/cons-kz")"
"$ctl" query --config "$kz_at_ots" --consolidated --period 2020 --by SEX --citizen UZ \
  --format csv >"$work/cons-kz.csv" 2>&1 || fail "table for KZ's auditor"
grep -q "^AZ,2020,UZ,_T,F,_T,," "$work/cons-kz.csv" ||
  fail "KZ's auditor's table shows AZ's UZ women: $(cat "$work/cons-kz.csv")"
"$ctl" query --config "$fed/kz/auditor.textproto" --consolidated --period 2020 --by SEX \
  --citizen UZ --verify >"$work/cons-at-kz" 2>&1 ||
  fail "verify at KZ's own node: $(cat "$work/cons-at-kz")"

# --- Openings that came through a relay the origin does not entitle are taken from the origin -----
# The Secretariat is down while AZ signs revision 2 (UZ women and the total +1, women still C); then AZ is
# down and the Secretariat starts: it can only get revision 2 from KZ, sealed. When AZ is back,
# the Secretariat takes the openings from it.
fed_stop ots
awk -F, -v OFS=, '$4 == "UZ" && $6 != "M" { $8 += 1 } { print }' "$work/AZ_2020_conf.csv" \
  >"$work/AZ_2020_rev2.csv"
fed_submit az "$work/AZ_2020_rev2.csv"
grep -qF "submitted AZ 2020 revision 2" "$work/submitted.az" || fail "AZ 2020 is not revision 2"
wait_for "KZ to hold AZ's revision 2" 90 fed_holds kz AZ 2
fed_stop az
fed_start ots
wait_for "the Secretariat to take AZ's revision 2 from KZ" 90 fed_holds ots AZ 2
cells "$fed/ots/auditor.textproto" >"$work/relayed" || fail "query at the Secretariat"
grep -q "^AZ,2020,UZ,_T,F,_T,sealed:" "$work/relayed" ||
  fail "the Secretariat does not hold the relayed revision sealed: $(cat "$work/relayed")"
# Meanwhile its table verifies only in part, and no release is written from it.
"$ctl" query --config "$fed/ots/auditor.textproto" --consolidated --period 2020 --by SEX \
  --citizen UZ --verify >"$work/cons-sealed" 2>&1 || fail "verify: $(cat "$work/cons-sealed")"
grep -qF "verified in part:" "$work/cons-sealed" ||
  fail "a table over sealed cells verifies in full: $(cat "$work/cons-sealed")"
rc=0
"$ctl" release write --config "$fed/ots/auditor.textproto" --key "$fed/ots/release.key" \
  --out "$work/release" --period 2020 --by SEX --citizen UZ >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" -ne 0 ] || fail "a release was written over cells the Secretariat holds sealed"
grep -qF "depends on confidential cells whose values the node does not give" "$work/err" ||
  fail "release write does not say why: $(cat "$work/err")"
[ ! -e "$work/release" ] || fail "a refused release left a folder"
fed_start az
opened() {
  cells "$fed/ots/auditor.textproto" >"$work/healed" &&
    grep -qF "AZ,2020,UZ,_T,F,_T,$((female + 1)),A,C,STK" "$work/healed"
}
wait_for "the Secretariat to take the openings from AZ" 60 opened
grep -qF "sync: took the openings of 1 AZ entry (confidential cells held sealed) from AZ" \
  "$work/ots.log" || fail "the Secretariat's log does not say where the openings came from"
echo "confidential_test: OK"
