#!/usr/bin/env bash
# The bundle's statistics policy: disclosure control, audited with a linear-programming solver
# the project did not write, and the reporting calendar. A real federation (AZ, KZ, KG and the
# Secretariat from pki init) runs a trust bundle whose policy withholds cells of fewer than 5
# persons, asks a protection of 5, and expects a return of every year from 2023 within 90 days.
# AZ marks its Turkmen figure confidential (CONF_STATUS C); KZ reports 3 Hungarians; every state
# reports 2024 only (today, so late), none 2023 or 2025.
#  1. The Secretariat's own table shows every figure; the published one (--publish, and any
#     other member's query) withholds both (C) and others beside them (D), and says so.
#  2. The audit: from the published CSV alone, GLPK (glpsol, Debian glpk-utils) bounds every
#     withheld figure under the table's relations (column and grand totals are sums, a derived
#     row total the sum of its row, a reported one at least that): every primary figure keeps a
#     range of at least 5 persons. The same audit finds the figures recomputable when only the
#     primary ones are withheld, so it can fail.
#  3. --verify recomputes the published table, withheld figures included, from the signed
#     returns and the bundle's policy.
#  4. The calendar: `ots-ctl calendar` lists each state's 2023, 2024 and 2025 (reported late,
#     late) with due dates and days late, and `ots-ctl status` names the overdue ones.
# Runs in network and PID namespaces of its own (the bundle's fixed ports).
#   statistics_policy_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
command -v glpsol >/dev/null || fail "glpsol is missing (Debian glpk-utils: make deps)"
fed_setup statistics-policy-test AZ,KZ,KG "$@"

# --- The policy, in a new bundle version ----------------------------------------------------------
b=$fed/federation
"$ctl" bundle show --bundle "$b/trust-bundle.json" --key "$b/bundle.pub.pem" >"$b/v1.textproto"
{
  sed 's/^version: 1$/version: 2/' "$b/v1.textproto"
  echo 'statistics { min_count: 5 protection: 5'
  echo '  schedules { dataflow: "OTS:DF_MIGR_STOCK(1.0)" first_period: "2023" due_days: 90 } }'
} >"$b/v2.textproto"
"$ctl" bundle sign --in "$b/v2.textproto" --key "$b/bundle.key" --out "$b/trust-bundle.json" \
  >"$work/out" 2>&1 || fail "bundle sign: $(cat "$work/out")"
fed_start ots az kz kg

header=DATAFLOW,REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,STOCK_FLOW
# return STATE ROWS...: STATE's 2024 return of "CITIZEN VALUE [CONF]" rows and its _T total.
write_return() {
  local state=$1 total=0 cit value conf
  shift
  {
    echo "$header"
    for row in "$@"; do
      read -r cit value conf <<<"$row"
      echo "OTS:DF_MIGR_STOCK(1.0),$state,2024,$cit,_T,_T,_T,$value,A,${conf:-F},STK"
      total=$((total + value))
    done
    echo "OTS:DF_MIGR_STOCK(1.0),$state,2024,_T,_T,_T,_T,$((total + 17)),A,F,STK"
  } >"$work/$state.csv"
}
write_return AZ "KG 120" "TM 40 C" "TR 300" "UZ 410"
write_return KZ "HU 3" "KG 80" "TM 66" "TR 500" "UZ 1200"
write_return KG "TM 70" "TR 90" "UZ 200" "HU 12"
fed_submit az "$work/AZ.csv"
fed_submit kz "$work/KZ.csv"
fed_submit kg "$work/KG.csv"
all_held() {
  fed_holds ots AZ 1 && fed_holds ots KZ 1 && fed_holds ots KG 1 && fed_unsealed ots AZ
}
wait_for "the Secretariat to hold the three returns" 60 all_held
kz_has_all() { fed_holds kz AZ 1 && fed_holds kz KG 1; }
wait_for "KZ to hold AZ and KG" 60 kz_has_all

# --- 1. The Secretariat's table, and the published one ----------------------------------------------
table() { "$ctl" query --consolidated --period 2024 "$@"; }
table --config "$fed/ots/auditor.textproto" --format csv >"$work/internal.csv" 2>/dev/null ||
  fail "the Secretariat's table"
grep -q '^AZ,2024,TM,_T,_T,_T,40,A,C,' "$work/internal.csv" ||
  fail "the Secretariat's own table should show AZ x TM: $(grep '^AZ' "$work/internal.csv")"
table --config "$fed/ots/auditor.textproto" --publish --format csv >"$work/published.csv" \
  2>"$work/notes" || fail "the published table: $(cat "$work/notes")"
grep -q '^AZ,2024,TM,_T,_T,_T,,A,C,' "$work/published.csv" ||
  fail "AZ x TM is not withheld: $(grep '^AZ' "$work/published.csv")"
grep -q '^KZ,2024,HU,_T,_T,_T,,A,C,' "$work/published.csv" ||
  fail "KZ x HU (3 persons) is not withheld: $(grep '^KZ' "$work/published.csv")"
secondary=$(awk -F, '$7 == "" && $9 == "D"' "$work/published.csv" | wc -l)
[ "$secondary" -ge 2 ] || fail "no secondary suppression: $(cat "$work/published.csv")"
grep -q "note: disclosure control: .* withheld" "$work/notes" ||
  fail "no note of the withheld figures: $(cat "$work/notes")"
# No withheld value leaves in any column.
! grep -q ',40,A,C,\|,3,A,C,' "$work/published.csv" || fail "a withheld value is in the file"
# Another member gets the published table whatever it asks.
table --config "$fed/kz/auditor.textproto" --format csv >"$work/kz.csv" 2>/dev/null ||
  fail "KZ's table"
# KZ's node holds AZ x TM sealed: no value, and its OBS_STATUS is sealed with it.
grep -q '^AZ,2024,TM,_T,_T,_T,,,C,' "$work/kz.csv" ||
  fail "KZ's node shows AZ x TM to KZ's auditor: $(grep '^AZ' "$work/kz.csv")"
table --config "$fed/ots/auditor.textproto" --publish >"$work/published.txt" 2>&1 ||
  fail "text table"
grep -q "^xC: withheld" "$work/published.txt" || fail "no legend for xC: $(cat "$work/published.txt")"

# --- 2. The audit with GLPK ---------------------------------------------------------------------------
# audit CSV: for every figure withheld as primary (CONF_STATUS C) in CSV, its least and greatest
# value under the table's relations, by glpsol; prints "AREA CITIZEN LO HI" lines.
audit() {
  local csv=$1 dir=$work/lp.$RANDOM cell sense
  mkdir -p "$dir"
  # The constraints, with the published figures as constants: one line each in CPLEX LP form.
  awk -F, '
    function v(a, c) { return "x_" a "_" c }
    NR == 1 { next }
    {
      a = ($1 == "_T") ? "T" : $1; c = ($3 == "_T") ? "T" : $3
      key = a SUBSEP c; areas[a] = 1; cits[c] = 1; present[key] = 1
      if ($7 == "") { var[key] = 1 } else { val[key] = $7 }
      derived[key] = ($11 == "true")
    }
    # lhs: total - sum(parts); rhs collects the constants.
    function relation(total, parts, n, sense,   i, lhs, rhs, k) {
      lhs = ""; rhs = 0
      if (total in var) lhs = lhs " + " v(tot_a, tot_c); else rhs -= val[total]
      for (i = 1; i <= n; i++) {
        k = parts[i]
        if (k in var) lhs = lhs " - " v(part_a[i], part_c[i]); else rhs += val[k]
      }
      if (lhs != "") printf " r%d:%s %s %d\n", ++rows, lhs, sense, rhs
    }
    END {
      print "Subject To" > "/dev/stdout"
      for (c in cits) if (c != "T" && (("T" SUBSEP c) in present)) {
        n = 0; tot_a = "T"; tot_c = c
        for (a in areas) if (a != "T" && ((a SUBSEP c) in present)) {
          parts[++n] = a SUBSEP c; part_a[n] = a; part_c[n] = c
        }
        relation("T" SUBSEP c, parts, n, "=")
      }
      if (("T" SUBSEP "T") in present) {
        n = 0; tot_a = "T"; tot_c = "T"
        for (a in areas) if (a != "T" && ((a SUBSEP "T") in present)) {
          parts[++n] = a SUBSEP "T"; part_a[n] = a; part_c[n] = "T"
        }
        relation("T" SUBSEP "T", parts, n, "=")
      }
      for (a in areas) if (a != "T" && ((a SUBSEP "T") in present)) {
        n = 0; tot_a = a; tot_c = "T"
        for (c in cits) if (c != "T" && ((a SUBSEP c) in present)) {
          parts[++n] = a SUBSEP c; part_a[n] = a; part_c[n] = c
        }
        relation(a SUBSEP "T", parts, n, derived[a SUBSEP "T"] ? "=" : ">=")
      }
    }' "$csv" >"$dir/constraints"
  # Each primary withheld figure, minimised and maximised.
  awk -F, 'NR > 1 && $7 == "" && $9 == "C" {
    a = ($1 == "_T") ? "T" : $1; c = ($3 == "_T") ? "T" : $3; print a, c }' "$csv" |
    while read -r a c; do
      for sense in Minimize Maximize; do
        {
          echo "$sense"
          echo " obj: x_${a}_${c}"
          cat "$dir/constraints"
          echo "End"
        } >"$dir/$a.$c.$sense.lp"
        # Without the presolver, glpsol says UNBOUNDED rather than UNDEFINED.
        glpsol --nopresol --lp "$dir/$a.$c.$sense.lp" -o "$dir/$a.$c.$sense.out" \
          >"$dir/$a.$c.$sense.log" 2>&1 ||
          fail "glpsol on $a.$c.$sense.lp: $(tail -n 5 "$dir/$a.$c.$sense.log")"
      done
      # optimum SENSE: the objective of an OPTIMAL solution, "inf" if UNBOUNDED, else nothing.
      optimum() {
        local out=$dir/$a.$c.$1.out
        if grep -q '^Status: *OPTIMAL' "$out"; then
          sed -n 's/^Objective: *obj = \([0-9.e+-]*\).*/\1/p' "$out"
        elif grep -q '^Status: *UNBOUNDED' "$out"; then
          echo inf
        fi
      }
      lo=$(optimum Minimize)
      hi=$(optimum Maximize)
      [ -n "$lo" ] && [ "$lo" != inf ] && [ -n "$hi" ] ||
        fail "no optimum for $a x $c: $(cat "$dir/$a.$c.Minimize.out" "$dir/$a.$c.Maximize.out")"
      echo "$a $c $lo $hi"
    done
}
audit "$work/published.csv" >"$work/ranges"
[ "$(wc -l <"$work/ranges")" -eq 2 ] || fail "the audit did not bound both primaries: $(cat "$work/ranges")"
while read -r a c lo hi; do
  [ "$hi" = inf ] && continue
  awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(hi - lo >= 5) }' ||
    fail "$a x $c can be narrowed to [$lo, $hi], under the protection of 5 persons"
done <"$work/ranges"
# Only the primaries withheld: the audit finds them recomputable.
awk -F, -v OFS=, 'NR > 1 && (($1 == "AZ" && $3 == "TM") || ($1 == "KZ" && $3 == "HU")) {
  $7 = ""; $9 = "C" } { print }' "$work/internal.csv" >"$work/primary-only.csv"
audit "$work/primary-only.csv" >"$work/weak"
awk '$4 != "inf" && $4 - $3 < 5 { found = 1 } END { exit !found }' "$work/weak" ||
  fail "the audit does not see that primary suppression alone gives the figures back: $(cat "$work/weak")"

# --- 3. The published table verifies -----------------------------------------------------------------
table --config "$fed/ots/auditor.textproto" --publish --verify >"$work/verified" 2>&1 ||
  fail "--verify of the published table: $(cat "$work/verified")"
grep -q "^verified: every figure of 2024" "$work/verified" || fail "$(cat "$work/verified")"

# --- 4. The reporting calendar ------------------------------------------------------------------------
"$ctl" calendar --config "$fed/ots/auditor.textproto" --format csv >"$work/calendar.csv" \
  2>"$work/err" || fail "calendar: $(cat "$work/err")"
[ "$(head -n 1 "$work/calendar.csv")" = "DATAFLOW,TIME_PERIOD,REF_AREA,DUE,STATE,SUBMITTED_AT,LATE_DAYS" ] ||
  fail "calendar header: $(head -n 1 "$work/calendar.csv")"
this_year=$(date -u +%Y)
# Every year from 2023 that has ended, for each of the three states.
years=$((this_year - 2023))
[ "$(tail -n +2 "$work/calendar.csv" | wc -l)" -eq $((years * 3)) ] ||
  fail "expected $years years x 3 states: $(cat "$work/calendar.csv")"
grep -q '^OTS:DF_MIGR_STOCK(1.0),2023,KG,2024-03-31T00:00:00Z,late,,[0-9.]*$' "$work/calendar.csv" ||
  fail "KG's 2023 is not late: $(cat "$work/calendar.csv")"
grep -q '^OTS:DF_MIGR_STOCK(1.0),2024,AZ,2025-04-01T00:00:00Z,reported late,20[0-9-]*T[0-9:]*Z,[0-9.]*$' \
  "$work/calendar.csv" || fail "AZ's 2024 is not reported late: $(cat "$work/calendar.csv")"
fed_status ots || true
grep -q "^late        KZ 2023 (OTS:DF_MIGR_STOCK(1.0)): due 2024-03-31T00:00:00Z, not received, " \
  "$work/status.ots" || fail "status does not name KZ's late 2023: $(cat "$work/status.ots")"
# KG's auditor asks KG's node: the calendar of the states that share with KG (all of them here).
"$ctl" calendar --config "$fed/kg/auditor.textproto" >"$work/calendar.txt" 2>"$work/err" ||
  fail "calendar as text: $(cat "$work/err")"
grep -q "^DATAFLOW " "$work/calendar.txt" || fail "calendar text: $(cat "$work/calendar.txt")"
echo "PASS: disclosure control withholds, protects and verifies; the calendar says who is late"
