#!/usr/bin/env bash
# The Secretariat's dashboard in a real browser. A real federation (AZ, KZ and the Secretariat
# from pki init, with admin listeners) holds the UN DESA sample returns of 1990 to 2020, AZ's
# largest 2020 figure marked provisional (P) and its Kyrgyz one confidential (C). Headless
# Chromium (Debian chromium) loads http://<Secretariat's admin listener>/dashboard, with no route
# to anywhere else:
#  1. the page loads and every figure of its consolidated table, withheld ones included, equals
#     `ots-ctl query --consolidated --publish --format json` of the same period and category;
#     the provisional figure carries its flag and provenance;
#  2. the health section lists the peers, the chart draws each state's total over the seven
#     years, and choosing another period and sex in the form's query gives that table;
#  3. a screenshot of the page is kept in the build folder (test-output/dashboard.png).
# Runs in network and PID namespaces of its own (the bundle's fixed ports).
#   dashboard_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
chromium=$(command -v chromium || true)
[ -n "$chromium" ] || fail "chromium is missing (Debian chromium: make deps)"
output=$(cd "$(dirname "$ctl")/.." && pwd)/test-output
fed_pki_args=(--admin-base-port 9500)
fed_setup dashboard-test AZ,KZ "$@"
fed_start ots az kz

# The largest figure: disclosure control takes the smallest partners it can, so it stays shown.
largest=$(awk -F, '$6 == "_T" && $4 != "_T" && $4 != "KG" { print $8, $4 }' \
  "$work/returns/AZ_2020.csv" | sort -n | tail -n 1 | cut -d' ' -f2)
[ -n "$largest" ] || fail "no AZ 2020 figure"
awk -F, -v OFS=, -v p="$largest" '$2 == "AZ" && $3 == "2020" && $6 == "_T" && $4 == p { $9 = "P" }
  $2 == "AZ" && $3 == "2020" && $6 == "_T" && $4 == "KG" { $10 = "C" } { print }' \
  "$work/returns/AZ_2020.csv" >"$work/AZ_2020.csv"
mv "$work/AZ_2020.csv" "$work/returns/AZ_2020.csv"
for f in "$work"/returns/AZ_*.csv; do fed_submit az "$f"; done
for f in "$work"/returns/KZ_*.csv; do fed_submit kz "$f"; done
years=$(ls "$work"/returns/AZ_*.csv | wc -l)
both() {
  fed_holds ots AZ "$years" && fed_holds ots KZ "$(ls "$work"/returns/KZ_*.csv | wc -l)" &&
    fed_unsealed ots AZ
}
wait_for "the Secretariat to hold every return" 60 both
admin=$(grep -A1 '^admin' "$fed/ots/node.textproto" | sed -n 's/.*"\(127.0.0.1:[0-9]*\)".*/\1/p')
[ -n "$admin" ] || fail "no admin listener in $fed/ots/node.textproto"

# dom URL: the page as Chromium renders it.
dom() {
  "$chromium" --headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --user-data-dir="$work/chromium" --dump-dom "$1" 2>>"$work/chromium.log"
}
dom "http://$admin/dashboard?period=2020" >"$work/page.html" ||
  fail "chromium could not load the dashboard: $(tail -n 5 "$work/chromium.log")"
grep -q '<table id="consolidated" data-period="2020" data-stay-cat="_T" data-sex="_T">' \
  "$work/page.html" || fail "no consolidated table of 2020 in the page"

# --- 1. The figures of the page are ots-ctl's -------------------------------------------------------
"$ctl" query --consolidated --config "$fed/ots/auditor.textproto" --period 2020 --publish \
  --format json >"$work/table.json" 2>"$work/err" || fail "query: $(cat "$work/err")"
cat >"$work/compare.mjs" <<'EOF'
import { readFileSync } from 'node:fs';
const [page, json] = [readFileSync(process.argv[2], 'utf8'), JSON.parse(readFileSync(process.argv[3], 'utf8'))];
const shown = new Map();
for (const m of page.matchAll(/<td class="fig[^"]*" data-area="([^"]+)" data-code="([^"]+)" (?:data-value="(\d+)"|data-withheld="([CD])")/g)) {
  shown.set(`${m[1]} ${m[2]}`, m[3] !== undefined ? m[3] : `x${m[4]}`);
}
const expected = new Map();
const put = (area, code, f) => {
  if (f === null) return;
  expected.set(`${area} ${code}`, f.suppressed ? `x${f.conf_status}` : String(f.value));
};
for (const r of json.rows) {
  for (const [code, f] of Object.entries(r.figures)) put(r.ref_area, code, f);
  put(r.ref_area, '_T', r.total);
}
for (const [code, f] of Object.entries(json.column_totals)) put('_T', code, f);
put('_T', '_T', json.grand_total);
let bad = 0;
for (const [k, v] of expected) if (shown.get(k) !== v) { console.log(`${k}: page ${shown.get(k)}, ots-ctl ${v}`); bad++; }
for (const k of shown.keys()) if (!expected.has(k)) { console.log(`${k}: only in the page`); bad++; }
console.log(`${expected.size} figures compared, ${bad} differ`);
process.exit(bad === 0 && expected.size > 0 ? 0 : 1);
EOF
node "$work/compare.mjs" "$work/page.html" "$work/table.json" >"$work/compare.out" ||
  fail "the page differs from ots-ctl: $(cat "$work/compare.out")"
grep -q 'data-withheld="C"' "$work/page.html" || fail "the confidential AZ x KG is not withheld"
grep -q "data-area=\"AZ\" data-code=\"$largest\" data-value=\"[0-9]*\" data-derived=\"false\" title=\"OBS_STATUS P, CONF_STATUS F, STOCK_FLOW STK; AZ revision 1 (log index [0-9]*), submitted 20" \
  "$work/page.html" || fail "AZ x $largest does not show its provenance"
grep -q '<span class="flag">P</span>' "$work/page.html" || fail "no P flag in the page"

# --- 2. Health, chart, another table -----------------------------------------------------------------
grep -q '<table id="peers">.*<td>AZ</td>.*<td>KZ</td>' "$work/page.html" ||
  fail "the peers are not listed"
for state in AZ KZ; do
  points=$(sed -n "s/.*<polyline[^>]*data-state=\"$state\" points=\"\([^\"]*\)\".*/\1/p" \
    "$work/page.html" | wc -w)
  [ "$points" -eq "$years" ] || fail "the chart draws $points points for $state, $years years"
done
dom "http://$admin/dashboard?period=2000&stay_cat=_T&sex=F" >"$work/page-f.html" ||
  fail "chromium: the table of 2000 for women"
grep -q '<table id="consolidated" data-period="2000" data-stay-cat="_T" data-sex="F">' \
  "$work/page-f.html" || fail "the form's query did not choose the table"
"$ctl" query --consolidated --config "$fed/ots/auditor.textproto" --period 2000 --sex F --publish \
  --format json >"$work/table-f.json" 2>"$work/err" || fail "query: $(cat "$work/err")"
node "$work/compare.mjs" "$work/page-f.html" "$work/table-f.json" >"$work/compare.out" ||
  fail "the page of 2000 (F) differs from ots-ctl: $(cat "$work/compare.out")"

# --- 3. A screenshot ----------------------------------------------------------------------------------
mkdir -p "$output"
rm -f "$output/dashboard.png"
"$chromium" --headless=new --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$work/chromium" --window-size=1400,1800 \
  --screenshot="$output/dashboard.png" "http://$admin/dashboard?period=2020" \
  >>"$work/chromium.log" 2>&1 || fail "chromium screenshot: $(tail -n 5 "$work/chromium.log")"
[ "$(head -c 8 "$output/dashboard.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "the screenshot is not a PNG"
[ "$(wc -c <"$output/dashboard.png")" -gt 20000 ] || fail "the screenshot is nearly empty"
echo "PASS: the dashboard shows ots-ctl's figures; screenshot in $output/dashboard.png"
