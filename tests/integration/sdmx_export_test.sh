#!/usr/bin/env bash
# Exports that describe themselves, over a year of data. A real federation (AZ, KZ and the
# Secretariat from pki init) holds 12 monthly returns of each state (citizenship x sex, with
# totals); KZ sends its returns as SDMX-CSV 2.0 with a column of its own. Then:
#  1. SDMX-CSV 2.0 import: ACTION I and R are taken, A and D refused naming the line;
#  2. the cells as SDMX-CSV 2.0 and 1.0 carry every dimension, the dataflow, the provenance of
#     each cell and when the file was prepared; DuckDB (npm @duckdb/node-api) loads the SDMX-CSV
#     export as it is and gets the same totals as `ots-ctl query --totals-by`;
#  3. a consolidated time series over the year equals the twelve single-period tables, verifies
#     from the signed returns (--verify), and as SDMX-JSON passes the SDMX-JSON 2.0 data-message
#     checks (tests/tools/check_sdmx_json.mjs), as do the cells;
#  4. a table by SEX for one citizenship gives the reported cells;
#  5. provenance: after a revision, the table names revision 2, its log index and submission
#     time (as the log listing over the network shows them) and flags its estimated figure E.
# Runs in network and PID namespaces of its own (the bundle's fixed ports).
#   sdmx_export_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
# DuckDB for the test, from the npm registry (tests/tools/package-lock.json), into the build
# folder once: before the test enters its own network namespace, which has no route out.
tools=$(cd "$(dirname "$ctl")/.." && pwd)/npm-tools
if [ ! -d "$tools/node_modules/@duckdb/node-api" ]; then
  mkdir -p "$tools"
  cp "$src/tests/tools/package.json" "$src/tests/tools/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund >"$tools/npm.log" 2>&1) ||
    fail "npm ci of the test tools (DuckDB): $(tail -n 20 "$tools/npm.log")"
fi
fed_setup sdmx-export-test AZ,KZ "$@"
fed_start ots az kz
ots_client=$fed/ots/auditor.textproto
year=$work/year
mkdir -p "$year"

# --- A year of returns -----------------------------------------------------------------------------
# month_return STATE MONTH: the cells of STATE in 2024-MONTH, citizenship x sex with every total;
# values a fixed function of state, month, citizenship and sex.
month_return() {
  awk -v state="$1" -v month="$2" 'BEGIN {
    n = split("AZ KG KZ TR UZ TM HU", cit, " ")
    grand = 0
    for (i = 1; i <= n; i++) {
      if (cit[i] == state) continue
      f = 100 * i + 7 * month + length(state) * 13 + (state == "AZ" ? 5 : 11)
      m = 2 * f + month
      printf "%s,2024-%s,%s,_T,F,_T,%d,A,F,STK\n", state, month, cit[i], f
      printf "%s,2024-%s,%s,_T,M,_T,%d,A,F,STK\n", state, month, cit[i], m
      printf "%s,2024-%s,%s,_T,_T,_T,%d,A,F,STK\n", state, month, cit[i], f + m
      fs += f; ms += m
    }
    printf "%s,2024-%s,_T,_T,F,_T,%d,A,F,STK\n", state, month, fs
    printf "%s,2024-%s,_T,_T,M,_T,%d,A,F,STK\n", state, month, ms
    printf "%s,2024-%s,_T,_T,_T,_T,%d,A,F,STK\n", state, month, fs + ms
  }'
}
cells_header=REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,STOCK_FLOW
for month in 01 02 03 04 05 06 07 08 09 10 11 12; do
  {
    echo "DATAFLOW,$cells_header"
    month_return AZ "$month" | sed 's/^/OTS:DF_MIGR_STOCK(1.0),/'
  } >"$year/AZ_2024-$month.csv"
  # KZ: SDMX-CSV 2.0, with ACTION and a column of its own after the cell columns.
  {
    echo "STRUCTURE,STRUCTURE_ID,ACTION,$cells_header,COMMENT"
    month_return KZ "$month" | sed 's/^/dataflow,OTS:DF_MIGR_STOCK(1.0),I,/; s/$/,from the register/'
  } >"$year/KZ_2024-$month.csv"
done

# --- 1. SDMX-CSV 2.0 import ------------------------------------------------------------------------
sed '3s/,I,/,D,/' "$year/KZ_2024-01.csv" >"$work/delete.csv"
expect_fail 1 "$ctl" submit --config "$fed/kz/operator.textproto" "$work/delete.csv"
must_say "delete.csv:3: ACTION D (delete) is not accepted: a return replaces its whole period"
sed '2s/^dataflow,/datastructure,/' "$year/KZ_2024-01.csv" >"$work/dsd.csv"
expect_fail 1 "$ctl" submit --config "$fed/kz/operator.textproto" "$work/dsd.csv"
must_say 'dsd.csv:2: STRUCTURE "datastructure" is not "dataflow"'
for month in 01 02 03 04 05 06 07 08 09 10 11 12; do
  fed_submit az "$year/AZ_2024-$month.csv"
  fed_submit kz "$year/KZ_2024-$month.csv"
done
both_held() { fed_holds "$1" AZ 12 && fed_holds "$1" KZ 12; }
wait_for "the Secretariat to hold the year of AZ and KZ" 120 both_held ots

# --- 2. Cells as SDMX-CSV; DuckDB reads them as they are ----------------------------------------------
"$ctl" query --config "$ots_client" --format sdmx-csv >"$work/cells.csv" 2>"$work/err" ||
  fail "cells as SDMX-CSV 2.0: $(cat "$work/err")"
expected_header="STRUCTURE,STRUCTURE_ID,ACTION,$cells_header,REVISION,LOG_INDEX,SUBMITTED_AT,LOG_SIZE,LOG_ROOT,PREPARED"
[ "$(head -n 1 "$work/cells.csv")" = "$expected_header" ] ||
  fail "SDMX-CSV 2.0 header: $(head -n 1 "$work/cells.csv")"
cells=$(cat "$year"/*.csv | grep -c ',STK' || true)
[ "$(tail -n +2 "$work/cells.csv" | wc -l)" -eq "$cells" ] ||
  fail "the export holds $(($(wc -l <"$work/cells.csv") - 1)) cells, the returns $cells"
# Every row: the dataflow, I, and KZ's January cells at log index 0 of a log of 12 with its root.
kz_root=$(fed_root ots KZ)
grep -q "^dataflow,OTS:DF_MIGR_STOCK(1.0),I,KZ,2024-01,UZ,_T,F,_T,[0-9]*,A,F,STK,1,0,20[0-9-]*T[0-9:]*Z,12,$kz_root,20[0-9-]*T[0-9:]*Z$" \
  "$work/cells.csv" || fail "no KZ 2024-01 UZ F row with its provenance: $(grep KZ,2024-01,UZ "$work/cells.csv")"
"$ctl" query --config "$ots_client" --format sdmx-csv1 >"$work/cells1.csv" 2>"$work/err" ||
  fail "cells as SDMX-CSV 1.0: $(cat "$work/err")"
[ "$(head -n 1 "$work/cells1.csv")" = "DATAFLOW,$cells_header,REVISION,LOG_INDEX,SUBMITTED_AT,LOG_SIZE,LOG_ROOT,PREPARED" ] ||
  fail "SDMX-CSV 1.0 header: $(head -n 1 "$work/cells1.csv")"

# The totals by state and month of the cells with every other dimension a breakdown's total, and
# the citizenships summed: DuckDB's reading of the export as it is.
cat >"$tools/totals.mjs" <<'EOF'
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const file = process.argv[2].replaceAll("'", "''");
const r = await c.runAndReadAll(
  `SELECT REF_AREA, TIME_PERIOD, sum(OBS_VALUE)::BIGINT AS total, count(*) AS cells
     FROM read_csv('${file}', header = true, all_varchar = false)
    WHERE CITIZEN <> '_T' AND STAY_CAT = '_T' AND SEX = '_T' AND AGE = '_T'
    GROUP BY ALL ORDER BY ALL`);
for (const row of r.getRowObjectsJson()) {
  console.log(`${row.REF_AREA},${row.TIME_PERIOD},${row.total}`);
}
EOF
node "$tools/totals.mjs" "$work/cells.csv" >"$work/duckdb.totals" 2>"$work/err" ||
  fail "DuckDB could not read the SDMX-CSV export: $(cat "$work/err")"
[ "$(wc -l <"$work/duckdb.totals")" -eq 24 ] || fail "DuckDB: $(cat "$work/duckdb.totals")"
"$ctl" query --config "$ots_client" --totals-by REF_AREA,TIME_PERIOD --format csv \
  >"$work/ctl.totals" 2>"$work/err" || fail "query --totals-by: $(cat "$work/err")"
# REF_AREA,TIME_PERIOD,STOCK_FLOW,OBS_VALUE
tail -n +2 "$work/ctl.totals" | awk -F, '{print $1 "," $2 "," $4}' | sort >"$work/ctl.sorted"
sort "$work/duckdb.totals" | diff - "$work/ctl.sorted" >"$work/totals.diff" ||
  fail "DuckDB's totals of the export differ from ots-ctl's: $(cat "$work/totals.diff")"

# --- 3. A time series over the year --------------------------------------------------------------
series() { "$ctl" query --config "$ots_client" --consolidated --period 2024-01 --period-to 2024-12 "$@"; }
series --format csv >"$work/series.csv" 2>"$work/err" || fail "series: $(cat "$work/err")"
for month in 01 06 12; do
  "$ctl" query --config "$ots_client" --consolidated --period "2024-$month" --format csv \
    >"$work/one.csv" 2>"$work/err" || fail "table of 2024-$month: $(cat "$work/err")"
  # The same figures and provenance; PREPARED (the last column) is when each was computed.
  diff <(awk -F, -v p="2024-$month" '$2 == p' "$work/series.csv" | sed 's/,[^,]*$//') \
    <(tail -n +2 "$work/one.csv" | sed 's/,[^,]*$//') >"$work/series.diff" ||
    fail "the series differs from the table of 2024-$month: $(cat "$work/series.diff")"
done
[ "$(cut -d, -f2 "$work/series.csv" | tail -n +2 | sort -u | wc -l)" -eq 12 ] ||
  fail "the series does not hold 12 periods"
series --verify >"$work/series.txt" 2>"$work/err" || fail "series --verify: $(cat "$work/err")"
grep -q "^verified: every figure of 2024-01 recomputed" "$work/series.txt" ||
  fail "no verified line for the series: $(tail -n 5 "$work/series.txt")"
grep -q "^REF_AREA  CITIZEN  2024-01" "$work/series.txt" ||
  fail "the series text is not one column per period: $(head -n 5 "$work/series.txt")"

checker=$src/tests/tools/check_sdmx_json.mjs
series --format sdmx-json >"$work/series.json" 2>"$work/err" || fail "series as SDMX-JSON: $(cat "$work/err")"
node "$checker" "$work/series.json" >"$work/check.out" 2>&1 ||
  fail "the series is not an SDMX-JSON 2.0 data message: $(cat "$work/check.out")"
grep -q '"type": "OTS_CHECKPOINT"' "$work/series.json" || fail "no checkpoint in the SDMX-JSON"
"$ctl" query --config "$ots_client" --filter REF_AREA=KZ --format sdmx-json >"$work/cells.json" \
  2>"$work/err" || fail "cells as SDMX-JSON: $(cat "$work/err")"
node "$checker" "$work/cells.json" >"$work/check.out" 2>&1 ||
  fail "the cells are not an SDMX-JSON 2.0 data message: $(cat "$work/check.out")"
# The checker itself fails a message without its time of preparation.
grep -v '"prepared"' "$work/cells.json" >"$work/broken.json"
expect_fail 1 node "$checker" "$work/broken.json"
grep -q 'missing required member "prepared"' "$work/out" ||
  fail "the checker does not name meta.prepared: $(cat "$work/out")"

# --- 4. By SEX for one citizenship ----------------------------------------------------------------
"$ctl" query --config "$ots_client" --consolidated --period 2024-03 --by SEX --citizen UZ \
  --format csv >"$work/by-sex.csv" 2>"$work/err" || fail "--by SEX: $(cat "$work/err")"
for sex in F M _T; do
  want=$(awk -F, -v s="$sex" '$4 == "UZ" && $6 == s {print $8}' "$year/AZ_2024-03.csv")
  got=$(awk -F, -v s="$sex" '$1 == "AZ" && $3 == "UZ" && $5 == s {print $7}' "$work/by-sex.csv")
  [ -n "$want" ] && [ "$want" = "$got" ] || fail "AZ UZ SEX=$sex: $got, the return says $want"
done

# --- 5. Provenance after a revision ----------------------------------------------------------------
sed 's/^\(OTS:DF_MIGR_STOCK(1.0),AZ,2024-03,UZ,_T,F,_T,[0-9]*\),A,/\1,E,/' "$year/AZ_2024-03.csv" \
  >"$work/AZ_2024-03-r2.csv"
grep -q ',E,F,STK$' "$work/AZ_2024-03-r2.csv" || fail "the revision marks nothing estimated"
fed_submit az "$work/AZ_2024-03-r2.csv"
wait_for "the Secretariat to hold AZ's revision" 60 fed_holds ots AZ 13
"$ctl" log --config "$ots_client" --origin AZ >"$work/log.csv" 2>"$work/err" ||
  fail "log over the network: $(cat "$work/err")"
[ "$(head -n 1 "$work/log.csv")" = "origin,index,period,revision,cells,value_sum,cells_root,created_at,key_id" ] ||
  fail "log header: $(head -n 1 "$work/log.csv")"
entry=$(grep '^AZ,12,2024-03,2,' "$work/log.csv") || fail "no revision 2 at index 12: $(cat "$work/log.csv")"
created=$(echo "$entry" | cut -d, -f8)
"$ctl" query --config "$ots_client" --consolidated --period 2024-03 --sex F --format json \
  >"$work/r2.json" 2>"$work/err" || fail "table after the revision: $(cat "$work/err")"
grep -qF "{\"ref_area\": \"AZ\", \"revision\": 2, \"log_index\": 12, \"submitted_at\": \"$created\"" \
  "$work/r2.json" || fail "AZ's row does not name revision 2: $(grep AZ "$work/r2.json")"
grep -qF '"UZ": {"value": ' "$work/r2.json" && grep -qF '"obs_status": "E"' "$work/r2.json" ||
  fail "the estimated figure is not flagged E: $(grep AZ "$work/r2.json")"
"$ctl" query --config "$ots_client" --consolidated --period 2024-03 --sex F \
  >"$work/r2.txt" 2>"$work/err" || fail "text table: $(cat "$work/err")"
grep -qE '^AZ .* [0-9]+E ' "$work/r2.txt" || fail "no E flag in the text table: $(cat "$work/r2.txt")"
grep -q "^E: OBS_STATUS E, estimated.$" "$work/r2.txt" || fail "no legend for E: $(cat "$work/r2.txt")"
grep -qF "AZ 2024-03 revision 2 (log index 12), submitted $created" "$work/r2.txt" ||
  fail "no provenance line: $(cat "$work/r2.txt")"
echo "PASS: SDMX exports, DuckDB, series, by SEX and provenance"
