#!/usr/bin/env bash
# A year of operation (issue 12), with real nodes of the Secretariat, AZ, KZ and KG, and UZ who
# joins, on a clock moved by libfaketime: every node and every ots-ctl run reads the federation's
# day, which the test moves forward with the nodes stopped (a maintenance window; rotation_test
# crosses a rotation's time with the nodes running). Every state submits in every period, and
# every change reaches the nodes by a pushed bundle:
#   day   0  pki init (certificates and keys for a year, the CA for ten); everyone submits;
#   day  30  AZ gets a second log key and KZ a second witness key; bundle v2 rotates both at
#            day 31; KG's operator backs up KG's node, and KG submits once more; six hours later
#            KG's folder is restored from that backup, and KG takes back what it signed since;
#   day  32  after the rotation: AZ signs with its new key, KZ cosigns with its new one;
#   day 120  UZ joins with its own CA, by the commands of docs/operations.md §5 (bundle v3);
#   day 200  KG is revoked (bundle v4): its own operator can no longer submit; AZ loses its disk
#            and refills its log from its peers;
#   day 340  every member's certificates are renewed from the CA while the nodes run; bundle v5
#            extends the keys pki init made for a year;
#   day 400  past the end of the first certificates and keys: everyone but KG submits.
# Afterwards: no split-view alarm on any node, every acknowledged return in every folder that
# holds its origin, every audit passes with the final bundle, and the proofs made on days 0, 32
# and 400 each verify with verify.sh and the final bundle, trusting its key id alone.
# Runs in a network namespace of its own.
#   year_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup year-test AZ,KZ,KG "$@"
returns=$work/returns
bash "$src/deploy/make-sample-returns.sh" "$returns" UZ
fedkey=$fed/federation/bundle.pub.pem
bundle_id=$(key_id "$fedkey")

# --- The federation's day ------------------------------------------------------------------------
# libfaketime preloaded directly (see clock_test.sh); the wall clock only, not the monotonic one
# that gRPC times its waits by.
libfaketime=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -f "$libfaketime" ] || fail "libfaketime is needed (deploy/install-deps.sh installs faketime)"
echo +0d >"$work/day"
# on_day COMMAND...: COMMAND (exec) on the federation's day. Never a shell: libfaketime shares its
# state with the children of the process it is loaded in, and a forked subshell that ends would
# remove it under them.
on_day() {
  exec env -u FAKETIME_SHARED LD_PRELOAD="$libfaketime" FAKETIME="$(cat "$work/day")" \
    FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 "$@"
}
fed_prefix=(on_day)
# ots-ctl, openssl and date on the federation's day, first on the PATH: for the fed_* helpers
# and the commands of the docs.
mkdir -p "$work/bin"
for tool in "$ctl" "$(command -v openssl)" "$(command -v date)"; do
  cat >"$work/bin/$(basename "$tool")" <<EOF
#!/usr/bin/env bash
exec env -u FAKETIME_SHARED LD_PRELOAD="$libfaketime" FAKETIME="\$(cat "$work/day")" \\
  FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 "$tool" "\$@"
EOF
  chmod +x "$work/bin/$(basename "$tool")"
done
real_date=$(command -v date)
ctl=$work/bin/ots-ctl
export PATH="$work/bin:$PATH"
today() { date -u +%Y-%m-%dT%H:%M:%SZ; }
in_days() { date -u -d "+$1 days" +%Y-%m-%dT%H:%M:%SZ; }
running=()
# clock_to OFFSET: stops every running node, moves the federation's clock to OFFSET from the real
# one (+30d, +726h), starts them again. day N: to day N.
clock_to() {
  [ ${#running[@]} -eq 0 ] || fed_stop "${running[@]}"
  echo "$1" >"$work/day"
  [ ${#running[@]} -eq 0 ] || fed_start "${running[@]}"
}
day() { clock_to "+$1d"; }

# fed_status as in lib.sh, with UZ's auditor where the own-CA guide put it.
fed_status() {
  local client=${2:-$fed/$1/auditor.textproto}
  [ $# -gt 1 ] || [ "$1" != uz ] || client=$work/uz/auditor.textproto
  "$ctl" status --config "$client" >"$work/status.$1" 2>&1
}

# --- What is submitted, and what must hold afterwards --------------------------------------------
declare -A acked=([AZ]=0 [KZ]=0 [KG]=0 [UZ]=0)
# submit CC PERIOD: CC's operator submits its return of PERIOD; it must be acknowledged.
submit() {
  local cc=$1 lc
  lc=$(tr 'A-Z' 'a-z' <<<"$1")
  if [ "$cc" = UZ ]; then
    "$ctl" submit --config "$work/uz/operator.textproto" "$returns/UZ_$2.csv" >>"$work/submitted.uz" \
      2>"$work/submit-err.uz" || fail "submit of UZ $2: $(cat "$work/submit-err.uz")"
  else
    fed_submit "$lc" "$returns/${cc}_$2.csv"
  fi
  acked[$cc]=$((acked[$cc] + 1))
}
# no_alarm CC [CLIENT]: CC's status raises no alarm (exit 1 and an ALARM line otherwise).
no_alarm() {
  fed_status "$@" || fail "$1 raises an alarm: $(cat "$work/status.$1")"
  ! grep -q "^ALARM" "$work/status.$1" || fail "$1: $(grep "^ALARM" "$work/status.$1")"
}
# caught_up CC ORIGIN...: CC holds every acknowledged return of each ORIGIN.
caught_up() {
  local cc=$1 o
  shift
  fed_status "$cc" || return 1
  for o in "$@"; do fed_shown "$cc" "$o" "${acked[$o]}" || return 1; done
}
# new_bundle AWK PUSH_CONFIG: the next bundle version, the current one edited by the awk program
# AWK (variables: member, the code of the member being read; block, the key list being read),
# signed by the bundle keeper into federation/trust-bundle.json and pushed to the node of
# PUSH_CONFIG. Its version is in $version.
new_bundle() {
  "$ctl" bundle show --bundle "$fed/federation/trust-bundle.json" --key "$fedkey" \
    >"$work/bundle.txt"
  version=$(($(sed -n 's/^version: //p' "$work/bundle.txt") + 1))
  ISSUED=$(today) V=$version awk "
    { if (closing) { block = \"\"; closing = 0 } }
    /^  code: / { member = \$2 } /^  [a-z_]+ \\{\$/ { block = \$1 } /^  \\}\$/ { closing = 1 }
    /^version: / { print \"version: \" ENVIRON[\"V\"]; next }
    /^issued_at: / { print \"issued_at: \\\"\" ENVIRON[\"ISSUED\"] \"\\\"\"; next }
    $1" "$work/bundle.txt" >"$work/bundle.v$version.txt"
  "$ctl" bundle sign --in "$work/bundle.v$version.txt" --key "$fed/federation/bundle.key" \
    --out "$fed/federation/trust-bundle.json" >"$work/out" 2>&1 ||
    fail "bundle sign of version $version: $(cat "$work/out")"
  "$ctl" bundle push --config "$2" --bundle "$fed/federation/trust-bundle.json" >"$work/out" \
    2>&1 || fail "push of version $version: $(cat "$work/out")"
}
holds_version() { fed_status "$@" && grep -q "trust bundle version $version," "$work/status.$1"; }
# raw_of PUBLIC_PEM: its 32 raw bytes as \xNN escapes, as protobuf text writes bytes.
raw_of() {
  openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | od -An -v -tx1 | tr -d ' \n' |
    sed 's/../\\x&/g'
}
# prove NAME ORIGIN PERIOD: the Secretariat's auditor proves a cell of ORIGIN's PERIOD into
# $work/proof-NAME.
prove() {
  "$ctl" prove --config "$fed/ots/auditor.textproto" --origin "$2" --period "$3" \
    --cell CITIZEN=UZ --cell SEX=F --out "$work/proof-$1" >"$work/out" 2>&1 ||
    fail "prove of $2 $3 ($1): $(cat "$work/out")"
}

# --- Day 0 ---------------------------------------------------------------------------------------
running=(ots az kz kg)
fed_start "${running[@]}"
for cc in AZ KZ KG; do submit "$cc" 1990; done
wait_for "the Secretariat to hold every return of day 0, cosigned" 60 \
  eval 'caught_up ots AZ KZ KG && fed_cosigned ots AZ 1 KZ KG OTS'
prove day0 AZ 1990
no_alarm ots

# --- Day 30: new keys wait in the configurations; bundle v2 rotates them at day 31 --------------
day 30
(umask 077 && openssl genpkey -algorithm ed25519 -out "$fed/az/log2.key")
openssl pkey -in "$fed/az/log2.key" -pubout -out "$fed/az/log2.pub.pem"
echo 'log_key_files: "log2.key"' >>"$fed/az/node.textproto"
(umask 077 && openssl genpkey -algorithm ed25519 -out "$fed/kz/witness2.key")
openssl pkey -in "$fed/kz/witness2.key" -pubout -out "$fed/kz/witness2.pub.pem"
echo 'witness_key_files: "witness2.key"' >>"$fed/kz/node.textproto"
fed_stop az kz
fed_start az kz
t=$(in_days 1)
t_end=$(in_days 2)
T="$t" T_END="$t_end" RAW="$(raw_of "$fed/az/log2.pub.pem")" \
  WRAW="$(raw_of "$fed/kz/witness2.pub.pem")" new_bundle '
    member == "\"AZ\"" && block == "log_keys" && /^    valid_until: / {
      print "    valid_until: \"" ENVIRON["T"] "\""; next }
    member == "\"AZ\"" && block == "log_keys" && $0 == "  }" {
      print; print "  log_keys {"; print "    ed25519: \"" ENVIRON["RAW"] "\""
      print "    valid_from: \"" ENVIRON["T"] "\""; print "  }"; next }
    member == "\"KZ\"" && block == "witness_keys" && /^    valid_until: / {
      print "    valid_until: \"" ENVIRON["T_END"] "\""; next }
    member == "\"KZ\"" && block == "witness_keys" && $0 == "  }" {
      print; print "  witness_keys {"; print "    ed25519: \"" ENVIRON["WRAW"] "\""
      print "    valid_from: \"" ENVIRON["T"] "\""; print "  }"; next }
    { print }' "$fed/kz/operator.textproto"
[ "$version" = 2 ] || fail "the rotation bundle is version $version"
[ "$(grep -c "ed25519:" "$work/bundle.v2.txt")" -eq $(($(grep -c "ed25519:" "$work/bundle.txt") + 2)) ] ||
  fail "bundle v2 does not list the two new keys"
for cc in ots az kz kg; do wait_for "$cc to take bundle v2" 30 holds_version "$cc"; done
for cc in AZ KZ KG; do submit "$cc" 1995; done
# A backup of KG's running node, then one more return of KG that only its peers will have.
"$ctl" backup --config "$fed/kg/operator.textproto" --out "$work/backup-kg" >"$work/out" 2>&1 ||
  fail "backup of KG: $(cat "$work/out")"
submit KG 2000
wait_for "the Secretariat and AZ to hold every return of day 30" 60 \
  eval 'caught_up ots AZ KZ KG && caught_up az KZ KG'

# Six hours later: KG's folder is restored from the backup; KG takes back what it signed since.
clock_to +726h
fed_stop kg
running=(ots az kz)
mv "$fed/kg/data" "$work/kg-data-lost"
"$ctl" restore --config "$fed/kg/node.textproto" --from "$work/backup-kg" >"$work/out" 2>&1 ||
  fail "restore of KG: $(cat "$work/out")"
fed_start kg
running+=(kg)
kg_signs() { caught_up kg KG && ! grep -q "^OWN LOG" "$work/status.kg"; }
wait_for "KG to take back its returns since the backup and sign again" 60 kg_signs
submit KG 2005

# --- Day 32: after the rotation ------------------------------------------------------------------
day 32
for cc in AZ KZ KG; do submit "$cc" 2010; done
fed_status az
grep -q "^origin AZ   log size 3, .*log key $(key_id "$fed/az/log2.pub.pem"), " "$work/status.az" ||
  fail "AZ did not sign with its new log key after day 31: $(grep '^origin AZ' "$work/status.az")"
log_says "$work/kz.log" "witness: now cosigning with witness key $(key_id "$fed/kz/witness2.pub.pem")"
wait_for "every node to hold every return of day 32" 60 \
  eval 'caught_up ots AZ KZ KG && caught_up kz AZ KG && caught_up kg AZ KZ KG'
wait_for "the Secretariat to hold AZ's size 3 cosigned by the quorum" 60 \
  fed_cosigned ots AZ 3 KZ KG OTS
prove day32 AZ 2010
no_alarm ots

# --- Day 120: UZ joins with its own CA (docs/operations.md §5, as written) ------------------------
day 120
export STATE_DIR=$work/uz FED_DIR=$fed NODE_IP=127.0.0.1 ENDPOINT=127.0.0.1:7410
export PUSH_CONFIG=$fed/kz/operator.textproto
awk '/^```sh own-ca$/ {on = 1; n++; print "# block " n; next} /^```$/ {on = 0} on' \
  "$src/docs/operations.md" >"$work/own-ca.sh"
# The guide's openssl and date run on the federation's day too (the PATH above).
(bash -euo pipefail "$work/own-ca.sh") >"$work/doc.out" 2>&1 || {
  cat "$work/doc.out" >&2
  fail "the commands of docs/operations.md §5 failed on day 120"
}
version=3
for cc in ots az kz kg; do wait_for "$cc to take bundle v3" 30 holds_version "$cc"; done
fed_base[uz]=$STATE_DIR/node.textproto
fed_start uz
running+=(uz)
for cc in AZ KZ KG UZ; do submit "$cc" 2015; done
wait_for "the Secretariat to hold every return of day 120" 60 caught_up ots AZ KZ KG UZ

# --- Day 200: KG revoked; AZ's disk lost --------------------------------------------------------
day 200
REVOKED=$(today) new_bundle '
    member == "\"KG\"" && /^  code: / { print; print "  revoked_at: \"" ENVIRON["REVOKED"] "\""; next }
    { print }' "$fed/az/operator.textproto"
for cc in ots az kz uz; do wait_for "$cc to take bundle v4" 30 holds_version "$cc"; done
# Its peers refuse KG's node now, so it cannot fetch the bundle: the keeper hands it over, and
# KG's own node then refuses its own operator too.
"$ctl" bundle push --config "$fed/kg/operator.textproto" --bundle "$fed/federation/trust-bundle.json" \
  >"$work/out" 2>&1 || fail "push of version 4 to KG: $(cat "$work/out")"
kg_refused() {
  local rc=0
  "$ctl" submit --config "$fed/kg/operator.textproto" "$returns/KG_2020.csv" >"$work/out" \
    2>"$work/err" || rc=$?
  [ "$rc" -eq 3 ] && grep -q "revoked on" "$work/err"
}
wait_for "KG's own node to refuse its revoked operator" 30 kg_refused
fed_stop kg
running=(ots az kz uz)
fed_stop az
running=(ots kz uz)
mv "$fed/az/data" "$work/az-data-lost"
fed_start az
running+=(az)
az_signs() { caught_up az AZ && ! grep -q "^OWN LOG" "$work/status.az"; }
wait_for "AZ to refill its own log from its peers and sign" 60 az_signs
for cc in AZ KZ UZ; do submit "$cc" 2020; done
wait_for "the Secretariat to hold every return of day 200" 60 caught_up ots AZ KZ KG UZ

# --- Day 340: certificates renewed while the nodes run; keys extended by bundle v5 ---------------
day 340
old_end=$(openssl x509 -in "$fed/az/node.pem" -noout -enddate | cut -d= -f2)
for cc in ots az kz; do
  "$ctl" pki renew --ca-dir "$fed/ca" --member-dir "$fed/$cc" >"$work/out" 2>&1 ||
    fail "pki renew of $cc: $(cat "$work/out")"
  log_says "$work/$cc.log" "TLS: reloaded $fed/$cc/node.pem"
done
# The keys pki init made for a year: another year, by the bundle (rotated keys keep their end).
orig_until=$(sed -n 's/^    valid_until: "\(.*\)"$/\1/p' "$work/bundle.txt" | sort | uniq -c |
  sort -rn | head -1 | awk '{print $2}')
UNTIL=$orig_until NEXT=$(in_days 365) new_bundle '
    $0 == "    valid_until: \"" ENVIRON["UNTIL"] "\"" { print "    valid_until: \"" ENVIRON["NEXT"] "\""; next }
    { print }' "$fed/az/operator.textproto"
for cc in ots az kz uz; do wait_for "$cc to take bundle v5" 30 holds_version "$cc"; done

# --- Day 400: past the first certificates' and keys' end ----------------------------------------
day 400
[ "$(date -u +%s)" -gt "$("$real_date" -u -d "$old_end" +%s)" ] ||
  fail "day 400 is not past the first certificates' end ($old_end)"
for cc in AZ KZ UZ; do submit "$cc" 2005; done
wait_for "every node to hold every return of day 400" 90 \
  eval 'caught_up ots AZ KZ KG UZ && caught_up az KZ && caught_up kz AZ && caught_up uz AZ'
wait_for "the Secretariat to hold AZ's latest checkpoint cosigned" 60 \
  fed_cosigned ots AZ "${acked[AZ]}" KZ OTS
prove day400 AZ 2005
for cc in ots az kz; do no_alarm "$cc"; done
no_alarm uz

# --- Afterwards ----------------------------------------------------------------------------------
fed_stop "${running[@]}"
running=()
! grep -h "ALARM" "$work"/*.log || fail "a node raised an alarm during the year"
# Every folder passes its audit with the final bundle, holding every acknowledged return.
audit() {  # DATA_DIR ORIGIN...
  local dir=$1 o
  shift
  "$ctl" audit --data-dir "$dir" --trust-bundle "$fed/federation/trust-bundle.json" \
    --bundle-pubkey "$fedkey" --bundle-key-id "$bundle_id" >"$work/out" 2>&1 ||
    fail "audit of $dir: $(cat "$work/out")"
  for o in "$@"; do
    grep -q "^$o: ${acked[$o]} signed returns" "$work/out" ||
      fail "audit of $dir: $o does not have its ${acked[$o]} returns: $(cat "$work/out")"
  done
}
audit "$fed/ots/data" AZ KZ KG UZ
audit "$fed/az/data" AZ KZ
audit "$fed/kz/data" AZ KZ KG
audit "$fed/kg/data" KG
audit "$work/uz/data" UZ
# The proofs of days 0, 32 and 400 verify with the final bundle, trusting its key id alone.
for p in day0 day32 day400; do
  cp "$fed/federation/trust-bundle.json" "$work/proof-$p/trust-bundle.json"
  (cd "$work" && bash "$work/proof-$p/verify.sh" "$bundle_id") >"$work/out" 2>&1 ||
    fail "verify.sh of the $p proof with the final bundle: $(cat "$work/out")"
done
echo "year_test: a year of renewals, rotations, a join, a revocation, a restore and a lost disk"
