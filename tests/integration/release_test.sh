#!/usr/bin/env bash
# The Secretariat's signed release, checked by anyone with the trust bundle. A real federation
# (AZ, KZ and the Secretariat from pki init) holds the 2020 sample returns, AZ's Turkmen figure
# marked confidential.
#  1. `release write` takes the published table from the Secretariat's node, verifies it, and
#     writes the folder: the table as JSON, CSV, SDMX-CSV and SDMX-JSON, the checkpoints with
#     their cosignatures, the withheld figures, and a MANIFEST signed with the Secretariat's
#     release key. Another key is refused before anything is written.
#  2. `release check` with the bundle alone passes (signature, digests, checkpoints, exports);
#     with the Secretariat's node to fetch the signed returns from, every figure is recomputed;
#     with KZ's, which holds AZ's confidential cell sealed, the figures that depend on it are not,
#     and it says so.
#  3. Each tampering is caught: a changed figure, a changed MANIFEST, a file added, a table whose
#     JSON no longer gives its exports, a MANIFEST signed with another key.
# Runs in network and PID namespaces of its own (the bundle's fixed ports).
#   release_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup release-test AZ,KZ "$@"
fed_start ots az kz
b=$fed/federation
key_id=$("$ctl" bundle show --bundle "$b/trust-bundle.json" --key "$b/bundle.pub.pem" --key-id)

awk -F, -v OFS=, '$2 == "AZ" && $4 == "TM" && $6 == "_T" { $10 = "C" } { print }' \
  "$work/returns/AZ_2020.csv" >"$work/AZ_2020.csv"
grep -q ',TM,_T,_T,_T,[0-9]*,A,C,STK$' "$work/AZ_2020.csv" || fail "no confidential AZ x TM cell"
fed_submit az "$work/AZ_2020.csv"
fed_submit kz "$work/returns/KZ_2020.csv"
both_cosigned() { fed_cosigned ots AZ 1 KZ && fed_cosigned ots KZ 1 AZ && fed_unsealed ots AZ; }
wait_for "the Secretariat to hold AZ and KZ, cosigned" 60 both_cosigned

# --- 1. Writing ---------------------------------------------------------------------------------
release=$work/release
expect_fail 2 "$ctl" release write --config "$fed/ots/auditor.textproto" --key "$fed/az/log.key" \
  --out "$release" --period 2020
must_say "is not a release key of the Secretariat"
[ ! -e "$release" ] || fail "a refused release left a folder"
"$ctl" release write --config "$fed/ots/auditor.textproto" --key "$fed/ots/release.key" \
  --out "$release" --period 2020 --title "Migrant stock 2020 (sample)" >"$work/out" 2>"$work/err" ||
  fail "release write: $(cat "$work/err")"
grep -q "^release written to $release: " "$work/out" || fail "$(cat "$work/out")"
for f in MANIFEST MANIFEST.dsse.json suppression.csv tables/consolidated_2020_CITIZEN.json \
  tables/consolidated_2020_CITIZEN.csv tables/consolidated_2020_CITIZEN.sdmx.csv \
  tables/consolidated_2020_CITIZEN.sdmx.json checkpoints/AZ.1.note checkpoints/KZ.1.note; do
  [ -s "$release/$f" ] || fail "the release has no $f"
done
grep -q '^2020,AZ,TM,C$' "$release/suppression.csv" ||
  fail "the withheld AZ x TM is not listed: $(cat "$release/suppression.csv")"
grep -q '^AZ,2020,TM,_T,_T,_T,,A,C,' "$release/tables/consolidated_2020_CITIZEN.csv" ||
  fail "AZ x TM is published"
grep -q "^— ots-mx/witness/KZ " "$release/checkpoints/AZ.1.note" ||
  fail "AZ's checkpoint carries no cosignature of KZ: $(cat "$release/checkpoints/AZ.1.note")"
node "$src/tests/tools/check_sdmx_json.mjs" "$release/tables/consolidated_2020_CITIZEN.sdmx.json" \
  >"$work/out" 2>&1 || fail "the release's SDMX-JSON: $(cat "$work/out")"

# --- 2. Checking ---------------------------------------------------------------------------------
check() {
  "$ctl" release check --dir "$1" --trust-bundle "$b/trust-bundle.json" \
    --bundle-pubkey "$b/bundle.pub.pem" --bundle-key-id "$key_id" "${@:2}"
}
check "$release" >"$work/out" 2>"$work/err" || fail "release check: $(cat "$work/err")"
grep -q "figures not recomputed" "$work/out" || fail "$(cat "$work/out")"
grep -q "^release checked$" "$work/out" || fail "$(cat "$work/out")"
check "$release" --config "$fed/ots/auditor.textproto" >"$work/out" 2>"$work/err" ||
  fail "release check with the Secretariat's node: $(cat "$work/err")"
grep -q "every figure, withheld ones included, recomputed" "$work/out" || fail "$(cat "$work/out")"
# KZ is not entitled to AZ's confidential cell: it gets it sealed, so the figures that depend on it
# (and the suppression pattern) are not recomputed, and the check says so.
check "$release" --config "$fed/kz/auditor.textproto" >"$work/out" 2>"$work/err" ||
  fail "release check with KZ's node: $(cat "$work/err")"
grep -q "figures depend on confidential cells whose values this check was not given" \
  "$work/out" || fail "$(cat "$work/out")"
grep -q "every figure, withheld ones included" "$work/out" &&
  fail "KZ's check claims every figure: $(cat "$work/out")"

# --- 3. Tampering --------------------------------------------------------------------------------
# tampered NAME CMD...: a copy of the release changed by CMD (run in it) must fail the check,
# saying what $want says.
tampered() {
  local copy=$work/tampered-$1
  shift
  rm -rf "$copy"
  cp -r "$release" "$copy"
  (cd "$copy" && "$@")
  expect_fail 1 check "$copy"
  must_say "$want"
}
want="tables/consolidated_2020_CITIZEN.csv: its SHA-256 is not the one the MANIFEST signs"
tampered figure sed -i '2s/,[0-9][0-9]*,A,F,/,1,A,F,/' tables/consolidated_2020_CITIZEN.csv
want="MANIFEST.dsse.json signs another text than MANIFEST"
tampered manifest sed -i 's/^title: .*/title: something else/' MANIFEST
want="extra.csv is in the folder but not in the MANIFEST"
tampered extra cp suppression.csv extra.csv
# A JSON table changed and listed again in a MANIFEST signed by the right key: its exports no
# longer match it. resign KEY: the MANIFEST signed again (DSSE, with openssl alone) by KEY.
resign() {
  local type=application/vnd.ots.release.v1+text keyid payload sig
  keyid=$(sed -n 's/.*"keyid":"\([0-9a-f]*\)".*/\1/p' MANIFEST.dsse.json)
  {
    printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(wc -c <MANIFEST)"
    cat MANIFEST
  } >pae.bin
  openssl pkeyutl -sign -inkey "$1" -rawin -in pae.bin -out sig.bin
  payload=$(base64 -w0 MANIFEST)
  sig=$(base64 -w0 sig.bin)
  printf '{"payload":"%s","payloadType":"%s","signatures":[{"keyid":"%s","sig":"%s"}]}\n' \
    "$payload" "$type" "$keyid" "$sig" >MANIFEST.dsse.json
  rm pae.bin sig.bin
}
change_table() {
  sed -i '0,/"value": "\([0-9]*\)"/s//"value": "1\1"/' tables/consolidated_2020_CITIZEN.json
  local digest
  digest=$(sha256sum tables/consolidated_2020_CITIZEN.json | cut -d' ' -f1)
  sed -i "s|^[0-9a-f]\{64\}  tables/consolidated_2020_CITIZEN.json$|$digest  tables/consolidated_2020_CITIZEN.json|" MANIFEST
  resign "$1"
}
# The re-signing itself is sound: the untouched MANIFEST signed again by the release key checks.
want=unused
(cd "$release" && cp MANIFEST.dsse.json "$work/dsse.saved" && resign "$fed/ots/release.key")
check "$release" >"$work/out" 2>"$work/err" || fail "a MANIFEST signed again with openssl: $(cat "$work/err")"
cp "$work/dsse.saved" "$release/MANIFEST.dsse.json"
want="tables/consolidated_2020_CITIZEN.csv is not the export of tables/consolidated_2020_CITIZEN.json"
tampered json change_table "$fed/ots/release.key"
want="MANIFEST is not signed by a release key the bundle lists for the Secretariat"
tampered key resign "$fed/kz/witness.key"
echo "PASS: a signed release, checked from the bundle; tampering caught"
