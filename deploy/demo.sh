#!/usr/bin/env bash
# The demo: one state's node, offline. Generates a log key, imports Azerbaijan's UN DESA 2020
# figures (every year, total and by sex) as signed returns, prints the table, audits the data
# folder, proves one cell and checks the proof with openssl alone.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
ctl="$root/$build/node/ots-ctl"
[ -x "$ctl" ] || ctl="$build/node/ots-ctl"
work=$(mktemp -d /tmp/ots-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "Log key for Azerbaijan's node"
"$ctl" keygen --out "$work/az-log"

step "Sample returns: UN DESA International Migrant Stock 2020, hosted by Azerbaijan"
bash "$root/deploy/make-sample-returns.sh" "$work/returns" AZ
ls "$work/returns"

step "Import: validate, sign, append"
for f in "$work"/returns/AZ_*.csv; do
  "$ctl" import --data-dir "$work/az-data" --origin AZ --log-key "$work/az-log.key" "$f"
done

step "Persons born abroad living in Azerbaijan, by country of birth (all sexes)"
"$ctl" query --data-dir "$work/az-data" --totals-by CITIZEN

step "2020, by sex"
"$ctl" query --data-dir "$work/az-data" --filter TIME_PERIOD=2020 --totals-by CITIZEN,SEX

step "Audit of the data folder against Azerbaijan's log key"
"$ctl" audit --data-dir "$work/az-data" --log-pubkey "AZ=$work/az-log.pub"

step "Proof of one cell: women born in Uzbekistan living in Azerbaijan, 2020"
"$ctl" prove --data-dir "$work/az-data" --origin AZ --period 2020 --cell CITIZEN=UZ --cell SEX=F \
  --log-pubkey "$work/az-log.pub" --out "$work/proof"
ls "$work/proof"

step "The auditor's check: openssl and coreutils only"
bash "$work/proof/verify.sh"

step "Demo finished: every step passed"
