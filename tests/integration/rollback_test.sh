#!/usr/bin/env bash
# Rollback and withholding are visible. The Secretariat's data folder, with AZ's latest entry, its
# cells and checkpoint removed and the current view pointing back (ots_forge --mode rollback), is
# consistent in itself; yet `ots-ctl audit` fails on it, naming the gap, because the folder keeps
# the record of the larger checkpoint AZ's witnesses cosigned. With that record removed too, the
# audit alone cannot tell, and `audit --compare` with AZ's and KZ's nodes reports the missing
# entry. Served by a real ots-node, the rolled-back copy shows in `query --consolidated` the
# older figure, with the BEHIND note only if it kept the record. Runs in namespaces of its own.
#   rollback_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup rollback-test AZ,KZ "$@"
fed_start ots az kz
bundle=(--trust-bundle "$fed/federation/trust-bundle.json"
  --bundle-pubkey "$fed/federation/bundle.pub.pem"
  --bundle-key-id "$(key_id "$fed/federation/bundle.pub.pem")")

# AZ reports 2015, then 2020, then a revision of 2020 (UZ women +100), each witnessed by KZ.
awk -F, -v OFS=, '$2 == "AZ" && $4 == "UZ" && $6 != "M" {$8 += 100} {print}' \
  "$work/returns/AZ_2020.csv" >"$work/AZ_2020_rev2.csv"
size=0
for f in "$work/returns/AZ_2015.csv" "$work/returns/AZ_2020.csv" "$work/AZ_2020_rev2.csv"; do
  fed_submit az "$f"
  size=$((size + 1))
  wait_for "the Secretariat to hold AZ's checkpoint $size cosigned by KZ" 60 \
    fed_cosigned ots AZ "$size" KZ
done
fed_stop ots
"$ctl" audit --data-dir "$fed/ots/data" "${bundle[@]}" >"$work/out" 2>&1 ||
  fail "audit of the Secretariat's own folder: $(cat "$work/out")"

# --- The rolled-back copy keeps the record of what the witnesses cosigned ----------------------
"$forge" --mode rollback --from "$fed/ots/data" --origin AZ --to "$work/rolled" >/dev/null
expect_fail 1 "$ctl" audit --data-dir "$work/rolled" "${bundle[@]}"
must_say "AUDIT FAILED: this folder holds less than its witnesses cosigned"
# The record names the witnesses whose cosignatures the Secretariat had verified when it first saw
# size 3: its own, KZ's, or both, depending on which came first.
grep -qE "AZ: data at size 2, size 3 cosigned by (KZ|OTS)" "$work/out" ||
  fail "the audit does not name the cosigned size: $(cat "$work/out")"
grep -q "^BEHIND AZ: data at size 2, size 3" "$work/out" || fail "the audit report has no BEHIND line"

# --- ... and without it, the other nodes tell ---------------------------------------------------
"$forge" --mode rollback --from "$fed/ots/data" --origin AZ --to "$work/forgot" \
  --forget-seen yes >/dev/null
"$ctl" audit --data-dir "$work/forgot" "${bundle[@]}" >"$work/out" 2>&1 ||
  fail "a consistent rolled-back folder without the record should pass alone: $(cat "$work/out")"
expect_fail 1 "$ctl" audit --data-dir "$work/forgot" "${bundle[@]}" \
  --compare "$fed/az/auditor.textproto" --compare "$fed/kz/auditor.textproto"
grep -q "^compared: AZ at 127.0.0.1:740[12]: size 3 cosigned by .*this folder: size 2: 1 entries missing here" \
  "$work/out" || fail "audit --compare does not report the missing entry: $(cat "$work/out")"
must_say "AUDIT FAILED"

# --- Served by a real node, the rolled-back copy says it is behind ------------------------------
# The Secretariat's node on the rolled-back copy, syncing with nobody, as a relay that withholds
# AZ's last entry would leave it.
sed -e "s|^data_dir:.*|data_dir: \"$work/rolled\"|" "$fed/ots/node.textproto" \
  >"$fed/ots/rolled.textproto"
fed_base[rolled]=$fed/ots/rolled.textproto
fed_sync[rolled]="disabled: true"
fed_stop az kz
fed_start rolled
"$ctl" status --config "$fed/ots/auditor.textproto" >"$work/status.rolled" 2>&1 ||
  fail "status of the rolled-back node: $(cat "$work/status.rolled")"
grep -qE "^BEHIND AZ: data at size 2, size 3 cosigned by (KZ|OTS)" "$work/status.rolled" ||
  fail "status does not say the node is behind: $(cat "$work/status.rolled")"
"$ctl" query --consolidated --config "$fed/ots/auditor.textproto" --period 2020 --format csv \
  >"$work/table" 2>"$work/notes" || fail "consolidated table of the rolled-back node"
grep -qE "BEHIND AZ: data at size 2, size 3 cosigned by (KZ|OTS)" "$work/notes" ||
  fail "the consolidated table does not say it is behind: $(cat "$work/notes")"
old=$(awk -F, '$2 == "AZ" && $4 == "UZ" && $5 == "_T" && $6 == "_T" && $7 == "_T" {print $8}' \
  "$work/returns/AZ_2020.csv")
# REF_AREA,TIME_PERIOD,CITIZEN,...,OBS_VALUE: the figure is the 7th column.
grep -q "^AZ,2020,UZ,_T,_T,_T,$old," "$work/table" ||
  fail "the table does not show the older AZ x UZ $old"
fed_stop rolled
echo "rollback_test: a rolled-back folder fails the audit (record kept) or audit --compare" \
  "(record removed); the node serving it says it is behind"
