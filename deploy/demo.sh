#!/usr/bin/env bash
# The demo: the whole federation on this machine, as eight real processes.
#
#   deploy/demo.sh [BUILD_DIR]          what `make demo` runs
#   KEEP=1 deploy/demo.sh [BUILD_DIR]   the same, then leaves the federation running
#
# 1. finds sixteen free consecutive TCP ports on loopback (7400-7415 unless taken): gRPC and
#    the admin listeners (metrics, the Secretariat's dashboard);
# 2. `ots-ctl pki init`: CA, certificates, keys, configurations and the signed trust bundle for
#    the Secretariat (OTS) and AZ, KZ, KG, TR, UZ (members), HU, TM (observers);
# 3. starts one `ots-node` per member and waits until each serves;
# 4. the seven states' operators, all at once, submit their UN DESA 2020 figures (one return
#    per year), each to its own node, which signs and logs them;
# 5. waits until every node holds every origin it may see, verified and cosigned, at the size
#    of the origin's own log, and says how long that took;
# 6. prints the Secretariat's consolidated 2020 table and checks every figure of it against
#    the sample data, computed here independently with awk;
# 7. proves one figure from the Secretariat back to the state that signed it (openssl only);
# 8. the Secretariat writes a signed release of the 2020 table (SDMX-CSV, SDMX-JSON, the
#    checkpoints, the disclosure control applied), checked by recomputing every figure from the
#    states' signed returns;
# 9. stops every node with SIGTERM (each must exit 0), audits the Secretariat's data folder
#    offline against every state's log key, and checks the release again with the bundle alone.
# With KEEP=1 it then starts the eight nodes again from their data folders and prints how to
# query them and how to stop them. Any failed check stops the demo with exit 1; the folder
# with the node logs is kept then.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in
  /*) ;;
  *) if [ -d "$root/$build" ]; then build=$root/$build; else build=$PWD/$build; fi ;;
esac
ctl=$build/node/ots-ctl
node_bin=$build/node/ots-node
keep=${KEEP:-0}
[ "$keep" = 0 ] || [ "$keep" = 1 ] || {
  echo "demo: KEEP must be 0 or 1, not '$keep'" >&2
  exit 2
}
for b in "$ctl" "$node_bin"; do
  [ -x "$b" ] || {
    echo "demo: $b is missing; build first (make)" >&2
    exit 2
  }
done

states=(AZ KZ KG TR UZ HU TM)
members=(OTS "${states[@]}")
period=2020
converge_deadline=120 # seconds for every node to hold every origin

# The test helpers: starting, waiting for and stopping the nodes, waiting with a deadline. They
# call `fail`, defined below for the demo's own way of saying what failed.
# shellcheck source=../tests/integration/lib.sh
source "$root/tests/integration/lib.sh"

work=$(mktemp -d /tmp/ots-demo.XXXXXX)
fed=$work/fed
logs=$work/logs
run=$work/run
mkdir -p "$logs" "$run"
# For lib.sh's fed_* helpers: node logs in $logs, ready files in $run, each node on pki init's
# configuration as written.
fed_logs=$logs
fed_run=$run
fed_test_sync=

lc() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f s", ms / 1000 }'; }
demo_start=$(now_ms)

n_step=0
step() {
  n_step=$((n_step + 1))
  printf '\n== %d. %s\n' "$n_step" "$*"
}
say() {
  local line
  for line in "$@"; do if [ -n "$line" ]; then printf '   %s\n' "$line"; else echo; fi; done
}
fail() {
  printf '\nFAILED: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '   %s\n' "$line" >&2; done
  exit 1
}
# The pid of the node of member CC (OTS, AZ, ...), if it was started and not stopped since.
pid_of() { printf '%s' "${fed_pid[$(lc "$1")]:-}"; }
running_nodes() {
  local cc
  for cc in "${members[@]}"; do
    if [ -n "$(pid_of "$cc")" ] && kill -0 "$(pid_of "$cc")" 2>/dev/null; then echo "$cc"; fi
  done
}

finished=0
cleanup() {
  local rc=$? cc
  trap - EXIT INT TERM
  if [ "$finished" = 1 ] && [ "$keep" = 1 ]; then
    exit 0
  fi
  for cc in $(running_nodes); do kill -TERM "$(pid_of "$cc")" 2>/dev/null || true; done
  for cc in "${members[@]}"; do
    [ -z "$(pid_of "$cc")" ] || wait "$(pid_of "$cc")" 2>/dev/null || true
  done
  if [ "$rc" -eq 0 ] && [ "$finished" = 1 ]; then
    rm -rf "$work"
  else
    printf '\nThe demo failed; node logs and data are kept in %s\n' "$work" >&2
    [ "$rc" -ne 0 ] || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
step "Sixteen free ports on loopback: eight for gRPC, eight for the admin listeners"
# A port is taken if anything listens on it (any address), or if a connection to it succeeds.
port_taken() {
  if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; then
    return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
base=${OTS_DEMO_BASE_PORT:-7400}
tried=()
for ((attempt = 0; ; attempt++)); do
  [ "$attempt" -lt 50 ] || fail "no 16 free consecutive ports found from ${tried[0]} on" \
    "set OTS_DEMO_BASE_PORT to a free range"
  [ $((base + 15)) -le 65535 ] || fail "no 16 free consecutive ports below 65536"
  busy=
  for ((p = base; p < base + 16; p++)); do
    if port_taken "$p"; then
      busy=$p
      break
    fi
  done
  [ -n "$busy" ] || break
  tried+=("$base")
  say "port $busy is in use; trying $((base + 20))-$((base + 35))"
  base=$((base + 20))
done
say "using 127.0.0.1:$base-$((base + 7)): the Secretariat on $base, the states on $((base + 1))-$((base + 7));" \
  "admin listeners (metrics, dashboard) on $((base + 8))-$((base + 15))"

# ---------------------------------------------------------------------------------------------
step "PKI: one CA, every member's certificates and keys, the signed trust bundle"
mkdir -p "$fed"
states_csv=$(
  IFS=,
  echo "${states[*]}"
)
fed_pki "$states_csv" --base-port "$base" --admin-base-port "$((base + 8))"
# What the bundle says, as "member CODE ROLE ENDPOINT" and "share ORIGIN RECIPIENT" lines.
"$ctl" bundle show --bundle "$fed/federation/trust-bundle.json" \
  --key "$fed/federation/bundle.pub.pem" >"$run/bundle.textproto"
awk '
  /^members \{/ { code = "" }
  /^  code: /       { gsub(/"/, "", $2); code = $2 }
  /^  role: /       { role[code] = tolower($2) }
  /^  endpoint: /   { gsub(/"/, "", $2); endpoint[code] = $2; order[++n] = code }
  /^  share_with: / { gsub(/"/, "", $2); print "share", code, $2 }
  END { for (i = 1; i <= n; i++) print "member", order[i], role[order[i]], endpoint[order[i]] }
' "$run/bundle.textproto" >"$run/bundle.txt"
say "written to $fed (private keys mode 0600)" ""
# Node N may see origin O if O = N or O's sharing policy names N. The Secretariat signs no
# returns, so it is no origin.
declare -A visible=()
say "member  role         endpoint          may see the returns of"
for cc in "${members[@]}"; do
  read -r _ _ role endpoint < <(grep "^member $cc " "$run/bundle.txt") ||
    fail "the trust bundle has no member $cc"
  list=
  for o in "${states[@]}"; do
    if [ "$o" = "$cc" ] || grep -qx "share $o $cc" "$run/bundle.txt"; then list+="$o "; fi
  done
  visible[$cc]=$list
  printf '   %-6s  %-11s  %-16s  %s\n' "$cc" "$role" "$endpoint" "${list% }"
done
say "" "node configurations: $fed/<cc>/node.textproto; clients: operator.textproto, auditor.textproto"

# ---------------------------------------------------------------------------------------------
step "Start the eight nodes (gRPC, TLS 1.3, client certificates required)"
t0=$(now_ms)
# wait_ready: waits until every node serves (each within 30 s).
wait_ready() {
  local cc
  for cc in "${members[@]}"; do fed_ready "$(lc "$cc")"; done
}
for cc in "${members[@]}"; do fed_launch "$(lc "$cc")"; done
wait_ready
say "all eight serve, $(secs $(($(now_ms) - t0))) after start:"
for cc in "${members[@]}"; do
  printf '   %-3s pid %-7s %s\n' "$cc" "$(pid_of "$cc")" "$(cat "$run/$(lc "$cc").ready")"
done
say "node logs: $logs/<cc>.log"

# ---------------------------------------------------------------------------------------------
step "Sample returns from UN DESA International Migrant Stock 2020"
returns=$work/returns
bash "$root/deploy/make-sample-returns.sh" "$returns" "${states[@]}"
years=$(find "$returns" -name '*.csv' -printf '%f\n' | sed -n 's/^[A-Z]*_\(.*\)\.csv$/\1/p' | sort -u | tr '\n' ' ')
say "$(find "$returns" -name '*.csv' | wc -l) returns in $returns, one per state and year (${years% }):" \
  "persons born in another member state (CITIZEN), by sex, living in the reporting state"

# ---------------------------------------------------------------------------------------------
step "The seven states submit their returns, each to its own node, all at the same time"
say "Each node validates a return, signs it with its state's log key and appends it to the" \
  "state's log; the other nodes, watching, pull it, verify it and cosign the checkpoint." ""
# One state's operator: submits its returns in year order, stops at the first refusal. Writes
# "<returns> <first year> <last year> <cells> <log size> <ms>" to $run/submitted.<cc>, or the
# refusal to $run/submit.<cc>.
submit_state() {
  local cc=$1 c f first n size cells=0 t1
  c=$(lc "$cc")
  local files=("$returns/${cc}"_*.csv)
  [ -e "${files[0]}" ] || {
    echo "make-sample-returns.sh wrote no return for $cc" >"$run/submit.$c"
    return 1
  }
  t1=$(now_ms)
  for f in "${files[@]}"; do
    if ! "$ctl" submit --config "$fed/$c/operator.textproto" "$f" >"$run/submit.$c" 2>&1; then
      echo "(submitting $f)" >>"$run/submit.$c"
      return 1
    fi
    first=$(head -n 1 "$run/submit.$c")
    n=$(sed -n 's/.*: \([0-9][0-9]*\) cells,.*/\1/p' <<<"$first")
    size=$(sed -n 's/.*checkpoint size \([0-9][0-9]*\)$/\1/p' <<<"$first")
    if [ -z "$n" ] || [ -z "$size" ]; then
      echo "unexpected answer to submit $f" >>"$run/submit.$c"
      return 1
    fi
    cells=$((cells + n))
  done
  local y0=${files[0]##*_} y1=${files[-1]##*_}
  echo "${#files[@]} ${y0%.csv} ${y1%.csv} $cells $size $(($(now_ms) - t1))" >"$run/submitted.$c"
}
declare -A log_size=() submitter=()
t_submit=$(now_ms)
for cc in "${states[@]}"; do
  submit_state "$cc" &
  submitter[$cc]=$!
done
refused=()
for cc in "${states[@]}"; do wait "${submitter[$cc]}" || refused+=("$cc"); done
t_last_ack=$(now_ms)
for cc in "${refused[@]+"${refused[@]}"}"; do
  sed 's/^/   | /' "$run/submit.$(lc "$cc")" >&2
done
[ ${#refused[@]} -eq 0 ] || fail "not every return was accepted: ${refused[*]}"
for cc in "${states[@]}"; do
  read -r count y0 y1 cells size ms <"$run/submitted.$(lc "$cc")"
  log_size[$cc]=$size
  printf '   %s  %d returns (%s..%s), %4d cells  ->  %s log size %d, checkpoint signed  %s\n' \
    "$cc" "$count" "$y0" "$y1" "$cells" "$cc" "$size" "$(secs "$ms")"
done
say "$(secs $((t_last_ack - t_submit))) for all $(find "$returns" -name '*.csv' | wc -l) returns"

# ---------------------------------------------------------------------------------------------
step "Replication: wait until every node holds every origin it may see"
# Each node must hold each origin it may see at the size of the origin's own log.
declare -A expect=()
for cc in "${members[@]}"; do
  list=
  for o in ${visible[$cc]}; do list+="$o=${log_size[$o]} "; done
  expect[$cc]=$list
done
# Prints the origins node $1 lacks, as "AZ 3/7", from its status in $run/status.<cc>.
lacking() {
  local cc=$1 want o size got
  for want in ${expect[$cc]}; do
    o=${want%=*}
    size=${want#*=}
    got=$(sed -n "s/^origin $o  *log size \([0-9][0-9]*\),.*/\1/p" "$run/status.$(lc "$cc")" 2>/dev/null)
    [ "${got:-0}" = "$size" ] || printf '%s %s/%s  ' "$o" "${got:-0}" "$size"
  done
}
# One round: asks every node still pending for its status at once (so that a round takes one
# call's time); true once none of them lacks anything. `converged` is the time (ms) the last one
# was seen to hold all of it. A node that raises an alarm fails the demo.
converge_round() {
  local cc t still=()
  local -A poll=()
  for cc in "${pending[@]}"; do
    "$ctl" status --config "$fed/$(lc "$cc")/auditor.textproto" >"$run/status.$(lc "$cc")" 2>&1 &
    poll[$cc]=$!
  done
  for cc in "${pending[@]}"; do wait "${poll[$cc]}" || true; done
  t=$(now_ms)
  for cc in "${pending[@]}"; do
    # ots-ctl status ends with "ALARM split view: ..." if the node holds evidence of one.
    if grep -q '^ALARM' "$run/status.$(lc "$cc")"; then
      grep '^ALARM' "$run/status.$(lc "$cc")" | sed 's/^/   | /' >&2
      fail "the $cc node raised an alarm"
    fi
    if [ -z "$(lacking "$cc")" ]; then converged=$t; else still+=("$cc"); fi
  done
  pending=(${still[@]+"${still[@]}"})
  [ ${#pending[@]} -eq 0 ]
}
# What each node still pending lacks, and its peers as it sees them (or why ots-ctl status
# failed).
show_lacking() {
  local cc
  for cc in "${pending[@]}"; do
    printf '   %s lacks: %s\n' "$cc" "$(lacking "$cc")" >&2
    grep -E '^(peer|ALARM)' "$run/status.$(lc "$cc")" | sed 's/^/   | /' >&2 ||
      head -n 3 "$run/status.$(lc "$cc")" | sed 's/^/   | /' >&2
  done
}
# Polls every node until each holds what `expect` says; sets `converged`. Fails after
# converge_deadline seconds, saying what is still missing.
wait_converged() {
  pending=("${members[@]}")
  converged=0
  wait_for_timeout_hook=show_lacking
  wait_for "every node to hold every origin it may see" "$converge_deadline" converge_round
  wait_for_timeout_hook=
}
wait_converged
last=$converged
pairs=0
for cc in "${members[@]}"; do for o in ${visible[$cc]}; do pairs=$((pairs + 1)); done; done
say "converged $(secs $((last - t_last_ack))) after the last return was acknowledged:" \
  "all ${#members[@]} nodes hold every origin they may see ($pairs node-origin pairs) at full size," \
  "verified and cosigned (polled with ots-ctl status; this machine: $(nproc) CPUs," \
  "load average $(cut -d' ' -f1 /proc/loadavg))"
# From the node logs: for every return, the time from its commit at its state's node to the
# Secretariat having pulled and verified it. Best effort: says so if the logs do not tell.
latency=$(awk '
  function ms(ts,   y, mo, d, era, yoe, doy, doe, days) {
    y = substr(ts, 1, 4) + 0; mo = substr(ts, 6, 2) + 0; d = substr(ts, 9, 2) + 0
    if (mo <= 2) y -= 1
    era = int(y / 400); yoe = y - era * 400
    doy = int((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    days = era * 146097 + doe
    return ((days * 24 + substr(ts, 12, 2)) * 60 + substr(ts, 15, 2)) * 60000 + substr(ts, 18, 6) * 1000
  }
  FILENAME !~ /\/ots\.log$/ && / cells, log entry [0-9]+$/ {
    for (i = 1; i <= NF; i++) if ($i == "revision") commit[$(i - 2) " " $NF] = ms($1)
  }
  FILENAME ~ /\/ots\.log$/ && / sync: accepted [A-Z]+ entries [0-9]+\.\.[0-9]+ / {
    for (i = 1; i <= NF; i++) if ($i == "entries") {
      split($(i + 1), r, /\.\./)
      for (k = r[1]; k <= r[2]; k++) if (!(($(i - 1) " " k) in seen)) seen[$(i - 1) " " k] = ms($1)
    }
  }
  END {
    n = 0
    for (e in commit) { if (!(e in seen)) { print "incomplete"; exit } lat[++n] = seen[e] - commit[e] }
    if (n == 0) { print "incomplete"; exit }
    for (i = 2; i <= n; i++) { v = lat[i]; for (j = i - 1; j >= 1 && lat[j] > v; j--) lat[j + 1] = lat[j]; lat[j + 1] = v }
    printf "%d %d %d %d\n", n, lat[int((n + 1) / 2)], lat[int(n * 0.9 + 0.999)], lat[n]
  }' "$logs"/*.log 2>/dev/null || echo incomplete)
if [ "$latency" != incomplete ]; then
  read -r n med p90 max <<<"$latency"
  say "from commit at a state's node to verified at the Secretariat (node logs, $n returns):" \
    "median $med ms, 90th percentile $p90 ms, max $max ms"
fi
say "the Secretariat's view:"
grep -E '^(origin|peer) ' "$run/status.ots" | sed 's/^/   | /'

# ---------------------------------------------------------------------------------------------
step "The Secretariat's consolidated table for $period"
aud_ots=$fed/ots/auditor.textproto
if ! "$ctl" query --consolidated --config "$aud_ots" --period "$period" >"$run/consolidated.txt" 2>&1; then
  sed 's/^/   | /' "$run/consolidated.txt" >&2
  fail "ots-ctl query --consolidated failed"
fi
sed 's/^/   /' "$run/consolidated.txt"

# ---------------------------------------------------------------------------------------------
step "Check every figure of the table against the sample data"
# Expected, from the generated returns alone: each state's reported CITIZEN cell with
# STAY_CAT=_T SEX=_T AGE=_T; a row total is the state's CITIZEN=_T cell if it reported one,
# else the derived sum of its row; column totals and the grand total are derived sums.
awk -F, -v period="$period" '
  FNR == 1 { next }
  $3 == period && $5 == "_T" && $6 == "_T" && $7 == "_T" {
    if ($4 == "_T") { reported_total[$2] = $8; next }
    key = $2 "," $4
    if (key in cell) { print "duplicate cell " key > "/dev/stderr"; exit 1 }
    cell[key] = $8; row[$2] += $8; col[$4] += $8; grand += $8
  }
  END {
    for (k in cell) printf "%s,%.0f,false\n", k, cell[k]
    for (a in row) if (a in reported_total) printf "%s,_T,%.0f,false\n", a, reported_total[a]
                   else printf "%s,_T,%.0f,true\n", a, row[a]
    for (c in col) printf "_T,%s,%.0f,true\n", c, col[c]
    printf "_T,_T,%.0f,true\n", grand
  }' "$returns"/*_"$period".csv | sort >"$run/expected.csv"
if ! "$ctl" query --consolidated --config "$aud_ots" --period "$period" --format csv \
  >"$run/consolidated.csv" 2>"$run/consolidated.err"; then
  sed 's/^/   | /' "$run/consolidated.err" >&2
  fail "ots-ctl query --consolidated --format csv failed"
fi
consolidated_header=REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS
consolidated_header+=,STOCK_FLOW,DERIVED,REVISION,LOG_INDEX,SUBMITTED_AT,LOG_SIZE,LOG_ROOT,PREPARED
[ "$(head -n 1 "$run/consolidated.csv")" = "$consolidated_header" ] ||
  fail "unexpected CSV header: $(head -n 1 "$run/consolidated.csv")"
# The file says what it is: every dimension, the provenance and when it was computed; the
# comparison takes REF_AREA, CITIZEN, OBS_VALUE and DERIVED.
tail -n +2 "$run/consolidated.csv" | cut -d, -f1,3,7,11 | sort >"$run/actual.csv"
if ! diff "$run/expected.csv" "$run/actual.csv" >"$run/matrix.diff"; then
  sed 's/^/   /' "$run/matrix.diff" | head -n 30 >&2
  fail "the consolidated table differs from the sample data" \
    "(<: expected from $returns/*_$period.csv, >: the Secretariat's; REF_AREA,CITIZEN,OBS_VALUE,DERIVED)"
fi
figures=$(wc -l <"$run/actual.csv")
reported=$(grep -c ',false$' "$run/actual.csv" || true)
say "every figure matches the sample data ($figures figures: $reported reported cells, $((figures - reported)) derived totals)"

# ---------------------------------------------------------------------------------------------
step "Prove one figure, from the Secretariat back to the state that signed it"
proof=$work/proof
say "Uzbek citizens in Kazakhstan, $period: fetched from the Secretariat's node, checked with openssl alone"
# The proof rests on a checkpoint the bundle's quorum of witnesses cosigned; their cosignatures
# reach the Secretariat a moment after the data, so ask until one has it.
prove_kz() {
  "$ctl" prove --config "$aud_ots" --origin KZ --period "$period" --cell CITIZEN=UZ \
    --out "$proof" >"$run/prove.out" 2>&1
}
show_prove() { sed 's/^/   | /' "$run/prove.out" >&2; }
wait_for_timeout_hook=show_prove wait_for "a proof of KZ x UZ with the witness quorum" 60 prove_kz
sed 's/^/   /' "$run/prove.out"
# The one thing an auditor takes on trust: the key id of the federation's bundle key, published
# out of band. Everything else verify.sh checks against the signed bundle in the proof.
bundle_key_id=$(key_id "$fed/federation/bundle.pub.pem")
say "the auditor's one input, the bundle key id published out of band: $bundle_key_id"
if ! bash "$proof/verify.sh" "$bundle_key_id" >"$run/verify.out" 2>&1; then
  sed 's/^/   | /' "$run/verify.out" >&2
  fail "the proof does not verify"
fi
sed 's/^/   | /' "$run/verify.out"
# verify.sh found the header's key among KZ's log keys in the signed bundle; it is the one pki
# init made for KZ.
kz_id=$(key_id "$fed/kz/log.pub.pem")
grep -q "$kz_id" "$run/verify.out" || fail "verify.sh names another log key than KZ's ($kz_id)"
proven=$(cut -d, -f7 "$proof/cell.line")
shown=$(awk -F, '$1 == "KZ" && $2 == "UZ" { print $3 }' "$run/actual.csv")
[ "$proven" = "$shown" ] ||
  fail "the table shows $shown for KZ x UZ, the proven cell says $proven"
say "the proven figure $proven is the table's KZ x UZ figure, signed by KZ's log key in the" \
  "bundle and cosigned by the witnesses verify.sh names"

# ---------------------------------------------------------------------------------------------
step "The Secretariat publishes a signed release of the $period table"
release=$work/release-$period
if ! "$ctl" release write --config "$aud_ots" --key "$fed/ots/release.key" --out "$release" \
  --period "$period" --title "International migrant stock $period (UN DESA sample)" \
  >"$run/release.out" 2>&1; then
  sed 's/^/   | /' "$run/release.out" >&2
  fail "ots-ctl release write failed"
fi
sed 's/^/   /' "$run/release.out"
say "$(ls "$release"/tables | tr '\n' ' ')"
if ! "$ctl" release check --dir "$release" --trust-bundle "$fed/federation/trust-bundle.json" \
  --bundle-pubkey "$fed/federation/bundle.pub.pem" --bundle-key-id "$bundle_key_id" \
  --config "$fed/kz/auditor.textproto" >"$run/release-check.out" 2>&1; then
  sed 's/^/   | /' "$run/release-check.out" >&2
  fail "ots-ctl release check failed"
fi
sed 's/^/   /' "$run/release-check.out"

# ---------------------------------------------------------------------------------------------
step "Stop the nodes (SIGTERM: calls in flight finish, RocksDB closes)"
t0=$(now_ms)
nodes=()
for cc in "${members[@]}"; do nodes+=("$(lc "$cc")"); done
fed_stop "${nodes[@]}"
say "all eight exited 0 within $(secs $(($(now_ms) - t0)))"
errors=$(cat "$logs"/*.log | grep -c ' ERROR ' || true)
say "$(cat "$logs"/*.log | wc -l) log lines, $errors at level ERROR, in $logs/"

# ---------------------------------------------------------------------------------------------
step "Offline audit of the Secretariat's data folder against the signed trust bundle"
rc=0
"$ctl" audit --data-dir "$fed/ots/data" --trust-bundle "$fed/federation/trust-bundle.json" \
  --bundle-pubkey "$fed/federation/bundle.pub.pem" --bundle-key-id "$bundle_key_id" \
  >"$run/audit.out" 2>&1 || rc=$?
sed 's/^/   /' "$run/audit.out"
[ "$rc" -eq 0 ] || fail "the offline audit of $fed/ots/data failed (exit $rc)"

# ---------------------------------------------------------------------------------------------
step "Anyone with the bundle checks the Secretariat's release, every node stopped"
rc=0
"$ctl" release check --dir "$release" --trust-bundle "$fed/federation/trust-bundle.json" \
  --bundle-pubkey "$fed/federation/bundle.pub.pem" --bundle-key-id "$bundle_key_id" \
  >"$run/release-offline.out" 2>&1 || rc=$?
sed 's/^/   /' "$run/release-offline.out"
[ "$rc" -eq 0 ] || fail "the release of $release does not check offline (exit $rc)"

# ---------------------------------------------------------------------------------------------
if [ "$keep" = 1 ]; then
  step "KEEP=1: start the federation again from its data folders, and leave it running"
  # setsid: the nodes outlive this script and the terminal's hangup.
  fed_prefix=(setsid)
  for cc in "${members[@]}"; do fed_launch "$(lc "$cc")"; done
  wait_ready
  wait_converged
  pids=()
  for cc in "${members[@]}"; do pids+=("$(pid_of "$cc")"); done
  cat >"$work/stop.sh" <<EOF
#!/usr/bin/env bash
# Stops the federation that deploy/demo.sh (KEEP=1) left running: SIGTERM to each of its nodes,
# then waits until they have exited. The folder stays; remove it with: rm -rf $work
pids=(${pids[*]})
left=()
for p in "\${pids[@]}"; do
  # Only our nodes: the pid must still be an ots-node of this folder.
  if tr '\\0' ' ' <"/proc/\$p/cmdline" 2>/dev/null | grep -q "ots-node --config $fed/"; then
    kill -TERM "\$p" && left+=("\$p")
  fi
done
deadline=\$((SECONDS + 40))
for p in "\${left[@]}"; do
  while [ -e "/proc/\$p" ] && [ "\$SECONDS" -lt "\$deadline" ]; do sleep 0.05; done
  [ ! -e "/proc/\$p" ] || { echo "ots-node pid \$p is still running" >&2; exit 1; }
done
echo "stopped \${#left[@]} nodes; the folder stays: rm -rf $work"
EOF
  chmod +x "$work/stop.sh"
  say "the eight nodes serve again (pids ${pids[*]}); each holds every origin it may see"
  printf '\n%s\n' "The federation keeps running. Try, as the Secretariat's auditor:"
  cat <<EOF

  $ctl status --config $aud_ots
  $ctl query --consolidated --config $aud_ots --period $period
  $ctl query --config $aud_ots --filter TIME_PERIOD=$period --totals-by REF_AREA,SEX
  $ctl prove --config $aud_ots --origin KZ --period $period --cell CITIZEN=UZ --out $work/proof2 && bash $work/proof2/verify.sh $bundle_key_id

As a state (az kz kg tr uz hu tm): its node's view, and a new revision of one of its returns:
  $ctl status --config $fed/az/auditor.textproto
  $ctl submit --config $fed/az/operator.textproto $returns/AZ_2020.csv

Dashboard:  http://127.0.0.1:$((base + 8))/dashboard   (the Secretariat's admin listener)
Node logs:  $logs/<cc>.log
Stop it:    bash $work/stop.sh     (SIGTERM to pids ${pids[*]})
EOF
fi

finished=1
printf '\n== Demo finished in %s: every step passed' "$(secs $(($(now_ms) - demo_start)))"
if [ "$keep" = 1 ]; then
  printf '; the federation is still running (see above).\n'
else
  printf ' (its folder is removed now; make demo KEEP=1 keeps it running).\n'
fi
