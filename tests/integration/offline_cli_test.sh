#!/usr/bin/env bash
# The offline ots-ctl on real files and a real RocksDB: import of the sample returns, rejection
# of a bad file with nothing stored, audit, a flipped byte in a table file, and a cell proof
# whose verify.sh passes as written and fails when any of its files is altered.
#   offline_cli_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
work=$(mktemp -d /tmp/ots-offline-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"

"$ctl" keygen --out "$work/k" >/dev/null
[ "$(stat -c %a "$work/k.key")" = 600 ] || fail "private key is not mode 0600"
# AZ's keys come from a federation of one state, whose trust bundle audit and prove check against.
"$ctl" pki init --out "$work/fed" --federation pilot-fed --states AZ >/dev/null
cp "$work/fed/az/log.key" "$work/az.key"
bundle=(--trust-bundle "$work/fed/federation/trust-bundle.json"
  --bundle-pubkey "$work/fed/federation/bundle.pub.pem")
bundle_key_id=$(openssl pkey -pubin -in "$work/fed/federation/bundle.pub.pem" -outform DER |
  tail -c 32 | openssl dgst -sha256 -r | cut -d' ' -f1)
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ
data="$work/data"

# A key readable by others is refused, naming the file.
cp "$work/az.key" "$work/open.key"
chmod 644 "$work/open.key"
expect_fail 1 "$ctl" import --data-dir "$data" --origin AZ --log-key "$work/open.key" \
  "$work/returns/AZ_2020.csv"
must_say "$work/open.key"
must_say "readable by group or others"
[ ! -e "$data" ] || fail "a refused import created the data folder"

# A bad return: every problem as file:line, exit 1, nothing stored.
bad="$work/bad.csv"
{
  head -1 "$work/returns/AZ_2020.csv"
  echo "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,_T,_T,16254,A,F,STK"
  echo "OTS:DF_MIGR_STOCK(1.0),AZ,2020,XZ,_T,F,_T,12,A,F,STK"
  echo "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,F,_T,8398,A,F,STK"
  echo "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,M,_T,7000,A,F,STK"
  echo "OTS:DF_MIGR_STOCK(1.0),KZ,2020,KG,_T,M,_T,-1,A,F,STK"
} >"$bad"
expect_fail 1 "$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" "$bad"
must_say "$bad:3: CITIZEN \"XZ\" is not an ISO 3166-1 alpha-2 code"
must_say "$bad:6: REF_AREA \"KZ\" is not this node's state (AZ)"
must_say "$bad:6: OBS_VALUE \"-1\" is not a non-negative integer"
must_say "nothing stored"
[ ! -e "$data" ] || fail "a rejected import created the data folder"
# Totals are checked once the cells themselves are valid.
sed -i '3d;6d' "$bad"
expect_fail 1 "$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" "$bad"
must_say "$bad:2: SEX=_T total 16254 does not equal its breakdown F + M = 15398"

# The sample returns import; dry-run validates without storing.
"$ctl" import --dry-run --origin AZ --data-dir "$data" "$work/returns/AZ_1990.csv" >"$work/out"
grep -q "valid return of AZ for 1990, 15 cells" "$work/out" || fail "dry-run output"
[ ! -e "$data" ] || fail "a dry run created the data folder"
# The first import into a new folder names the federation whose log it starts; later imports
# read it from the folder, and a folder of another federation is refused.
expect_fail 2 "$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" \
  "$work/returns/AZ_1990.csv"
must_say "--federation"
[ ! -e "$data" ] || fail "an import without a federation created the data folder"
"$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" --federation pilot-fed \
  "$work/returns/AZ_1990.csv" >/dev/null
expect_fail 1 "$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" \
  --federation other-fed "$work/returns/AZ_2000.csv"
must_say "holds the logs of federation pilot-fed, not other-fed"
for f in "$work"/returns/AZ_*.csv; do
  [ "$f" = "$work/returns/AZ_1990.csv" ] && continue
  "$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" "$f" >/dev/null
done
# A revision replaces the period in the current view; the first revision stays in history.
sed 's/,UZ,_T,F,_T,8398,/,UZ,_T,F,_T,8399,/; s/,UZ,_T,_T,_T,16254,/,UZ,_T,_T,_T,16255,/' \
  "$work/returns/AZ_2020.csv" >"$work/AZ_2020_rev2.csv"
"$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" "$work/AZ_2020_rev2.csv" \
  >"$work/out"
grep -q "imported AZ 2020 revision 2: 15 cells" "$work/out" || fail "revision 2 not reported"

# Query: filters, totals and the three formats.
"$ctl" query --data-dir "$data" --filter TIME_PERIOD=2020 --filter CITIZEN=UZ --filter SEX=F \
  --format csv >"$work/out"
grep -qx "AZ,2020,UZ,_T,F,_T,8399,A,F,STK" "$work/out" || fail "query did not return revision 2"
[ "$(wc -l <"$work/out")" -eq 2 ] || fail "query returned more than one cell"
"$ctl" query --data-dir "$data" --totals-by CITIZEN --filter TIME_PERIOD=1990 --format json \
  >"$work/out"
grep -q '"CITIZEN": "UZ", "STOCK_FLOW": "STK", "OBS_VALUE": 23232' "$work/out" ||
  fail "JSON totals: $(cat "$work/out")"
expect_fail 2 "$ctl" query --data-dir "$data" --filter NATION=UZ
must_say 'filter "NATION=UZ"'

# Audit passes with the federation's bundle, fails with another federation's of the same name.
"$ctl" audit --data-dir "$data" "${bundle[@]}" >"$work/out"
grep -q "AZ: 8 signed returns over 7 periods" "$work/out" || fail "audit summary"
"$ctl" pki init --out "$work/other" --federation pilot-fed --states AZ >/dev/null
other_bundle=(--trust-bundle "$work/other/federation/trust-bundle.json"
  --bundle-pubkey "$work/other/federation/bundle.pub.pem")
expect_fail 1 "$ctl" audit --data-dir "$data" "${other_bundle[@]}"
must_say "AUDIT FAILED: AZ log index 0: header signature"

# Proof of one cell, checked by verify.sh with openssl and coreutils alone.
"$ctl" prove --data-dir "$data" --origin AZ --period 2020 --cell CITIZEN=UZ --cell SEX=F \
  "${bundle[@]}" --out "$work/proof" >/dev/null
bash "$work/proof/verify.sh" "$bundle_key_id" >"$work/out" ||
  fail "verify.sh failed on an untouched proof"
# The log is named by the federation the folder was started with, and verify.sh reads it there.
grep -q 'entry [0-9]* of log pilot-fed/log/AZ' "$work/out" || fail "verify.sh names another log"
grep -q 'OK: cell "AZ,2020,UZ,_T,F,_T,8399,A,F,STK"' "$work/out" || fail "verify.sh output"
expect_fail 1 "$ctl" prove --data-dir "$data" --origin AZ --period 2020 --cell CITIZEN=UZ \
  --cell SEX=F,M "${bundle[@]}" --out "$work/proof2"
must_say "the selection matches 2 cells"
# Another federation's bundle does not list AZ's key: nothing is written.
expect_fail 1 "$ctl" prove --data-dir "$data" --origin AZ --period 2020 --cell CITIZEN=UZ \
  --cell SEX=F "${other_bundle[@]}" --out "$work/proof3"
must_say "signed by no log key of AZ in the trust bundle"
[ ! -e "$work/proof3" ] || fail "a refused proof was written"

# Any altered byte in any file of the proof makes verify.sh fail: the first, a middle and the
# last byte of each.
for file in cell.line cell.proof header.txt header.sig header.dsse.json header.proof \
  checkpoint.note log.pub.pem trust-bundle.json bundle.pub.pem; do
  size=$(stat -c %s "$work/proof/$file")
  for pos in 0 $((size / 2)) $((size - 1)); do
    rm -rf "$work/p2"
    cp -r "$work/proof" "$work/p2"
    byte=$(od -An -tu1 -j "$pos" -N 1 "$work/p2/$file" | tr -d ' ')
    printf "\\$(printf '%03o' $((byte ^ 1)))" |
      dd of="$work/p2/$file" bs=1 seek="$pos" conv=notrunc status=none
    if bash "$work/p2/verify.sh" "$bundle_key_id" >/dev/null 2>&1; then
      fail "verify.sh passed with byte $pos of $file altered"
    fi
  done
done
# A proof against another key fails too.
cp -r "$work/proof" "$work/p3"
cp "$work/other/az/log.pub.pem" "$work/p3/log.pub.pem"
if bash "$work/p3/verify.sh" "$bundle_key_id" >/dev/null 2>&1; then
  fail "verify.sh passed with another key"
fi

# A flipped byte in a table file: audit fails and names the file.
"$ctl" import --data-dir "$data" --origin AZ --log-key "$work/az.key" "$work/AZ_2020_rev2.csv" \
  >/dev/null  # reopening flushed the earlier writes into table files
sst=$(ls -S "$data"/*.sst | head -1)
[ -n "$sst" ] || fail "no table file to tamper with"
printf '\xff\xff\xff\xff' | dd of="$sst" bs=1 seek=64 conv=notrunc status=none
expect_fail 1 "$ctl" audit --data-dir "$data" "${bundle[@]}"
must_say "AUDIT FAILED"
must_say "$(basename "$sst")"

echo "offline CLI: all checks passed"
