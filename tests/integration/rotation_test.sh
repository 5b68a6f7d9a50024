#!/usr/bin/env bash
# Rotating a log key and a witness key (docs/operations.md, "Rotating a log key", "Rotating a
# witness key"), with real nodes of the Secretariat, AZ and KZ:
# - AZ's new log key waits in its configuration (log_key_files) while the bundle does not list it:
#   AZ goes on signing with its first key;
# - bundle version 2, pushed to KZ's node, ends the first key at T and starts the new one at T;
#   from T on AZ signs with the new key, by itself; its log goes on, nothing is refused, and its
#   peers accept both kinds of entries;
# - the same version rotates KZ's witness key at T: from T on KZ cosigns with its new key, and
#   cosigns AZ's latest checkpoint again with it;
# - an offline import after T signs with the new key too;
# - every audit passes with the final bundle, and a proof of a cell signed before the rotation
#   and of one signed after it each verify with verify.sh, trusting the bundle key id alone;
#   query --verify with a client configuration of version 1 checks with the node's version 2.
# Runs in a network namespace of its own.
#   rotation_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup rotation-test AZ,KZ "$@"
returns=$work/returns
fedkey=$fed/federation/bundle.pub.pem
bundle_id=$(key_id "$fedkey")
fed_start ots az kz
fed_submit az "$returns/AZ_2010.csv"
wait_for "KZ to hold AZ's first return" 60 fed_holds kz AZ 1
old_id=$(key_id "$fed/az/log.pub.pem")
# signed_by CC ID: CC's status shows AZ's latest checkpoint signed by log key ID.
signed_by() {
  fed_status "$1" || return 1
  grep -q "^origin AZ   log size .*, log key $2, " "$work/status.$1"
}

# --- The new key waits in the configuration -----------------------------------------------------
(umask 077 && openssl genpkey -algorithm ed25519 -out "$fed/az/log2.key")
openssl pkey -in "$fed/az/log2.key" -pubout -out "$fed/az/log2.pub.pem"
new_id=$(key_id "$fed/az/log2.pub.pem")
echo 'log_key_files: "log2.key"' >>"$fed/az/node.textproto"
(umask 077 && openssl genpkey -algorithm ed25519 -out "$fed/kz/witness2.key")
openssl pkey -in "$fed/kz/witness2.key" -pubout -out "$fed/kz/witness2.pub.pem"
kz_new_id=$(key_id "$fed/kz/witness2.pub.pem")
echo 'witness_key_files: "witness2.key"' >>"$fed/kz/node.textproto"
fed_stop az kz
fed_start az kz
fed_submit az "$returns/AZ_2015.csv"
signed_by az "$old_id" || fail "AZ signed with a key the bundle does not list"

# --- Bundle version 2: the first key ends at T, the new one starts at T ---------------------------
t=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)
# The old witness key ends an hour after T: KZ's cosignatures of the last moments before T stay
# valid whatever the clock's jitter.
t_end=$(date -u -d "$t + 1 hour" +%Y-%m-%dT%H:%M:%SZ)
raw_of() {  # PUBLIC_PEM: its 32 raw bytes as \xNN escapes, as protobuf text writes bytes
  openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | od -An -v -tx1 | tr -d ' \n' |
    sed 's/../\\x&/g'
}
"$ctl" bundle show --bundle "$fed/federation/trust-bundle.json" --key "$fedkey" |
  T="$t" T_END="$t_end" RAW="$(raw_of "$fed/az/log2.pub.pem")" \
    WRAW="$(raw_of "$fed/kz/witness2.pub.pem")" awk '
    # From the environment, not -v: awk would turn the \xNN escapes of RAW into bytes.
    BEGIN { t = ENVIRON["T"]; t_end = ENVIRON["T_END"]; raw = ENVIRON["RAW"]; wraw = ENVIRON["WRAW"] }
    $0 == "members {" { member = "" }
    /^  code: / { member = $2 }
    member == "\"AZ\"" && $0 == "  log_keys {" { inlog = 1 }
    inlog && /^    valid_until: / { print "    valid_until: \"" t "\""; next }
    inlog && $0 == "  }" {
      print; inlog = 0
      print "  log_keys {"; print "    ed25519: \"" raw "\""; print "    valid_from: \"" t "\""
      print "  }"; next
    }
    member == "\"KZ\"" && $0 == "  witness_keys {" { inwit = 1 }
    inwit && /^    valid_until: / { print "    valid_until: \"" t_end "\""; next }
    inwit && $0 == "  }" {
      print; inwit = 0
      print "  witness_keys {"; print "    ed25519: \"" wraw "\""
      print "    valid_from: \"" t "\""; print "  }"; next
    }
    $0 == "version: 1" { print "version: 2"; next }
    { print }' >"$work/v2.textproto"
grep -qF "valid_from: \"$t\"" "$work/v2.textproto" || fail "v2.textproto lacks the new key"
"$ctl" bundle sign --in "$work/v2.textproto" --key "$fed/federation/bundle.key" \
  --out "$work/v2.json" >"$work/out" 2>&1 || fail "bundle sign: $(cat "$work/out")"
"$ctl" bundle push --config "$fed/kz/operator.textproto" --bundle "$work/v2.json" >"$work/out" \
  2>&1 || fail "push of version 2 to KZ: $(cat "$work/out")"
has_v2() { fed_status "$1" && grep -q "trust bundle version 2," "$work/status.$1"; }
wait_for "AZ to take version 2" 30 has_v2 az
t_unix=$(date -u -d "$t" +%s)
wait_for "the time T of the rotation" 10 eval '[ "$(date +%s)" -gt "$t_unix" ]'

# --- From T on, the new keys sign; the log goes on ---------------------------------------------
# KZ cosigns AZ's latest checkpoint (of size 2) again with its new witness key, by itself.
log_says "$work/kz.log" \
  "witness: now cosigning with witness key $kz_new_id; cosigned the latest checkpoint of 1 logs"
fed_submit az "$returns/AZ_2020.csv"
signed_by az "$new_id" || fail "AZ did not sign with its new key after T"
wait_for "the Secretariat and KZ to hold AZ's third return" 60 \
  eval 'fed_holds ots AZ 3 && fed_holds kz AZ 3'
signed_by ots "$new_id" || fail "the Secretariat's checkpoint of AZ is not the new key's"
grep -q "^ALARM" "$work/status.ots" && fail "a split-view alarm after the rotation"
# A proof rests on a checkpoint cosigned by the quorum (KZ and the Secretariat); cosignatures
# reach the Secretariat after the entry does.
wait_for "the Secretariat to hold AZ's size 3 cosigned by KZ and itself" 60 \
  fed_cosigned ots AZ 3 KZ OTS

# Proofs of a cell signed before the rotation and of one signed after, each with verify.sh. The
# Secretariat's auditor configuration still names bundle version 1: ots-ctl takes the node's
# newer one, checked with the bundle key.
for period in 2010 2020; do
  "$ctl" prove --config "$fed/ots/auditor.textproto" --origin AZ --period "$period" \
    --cell CITIZEN=UZ --cell SEX=F --out "$work/proof-$period" >"$work/out" 2>&1 ||
    fail "prove of AZ $period: $(cat "$work/out")"
  (cd "$work" && bash "$work/proof-$period/verify.sh" "$bundle_id") >"$work/out" 2>&1 ||
    fail "verify.sh of AZ $period: $(cat "$work/out")"
done
# Both proofs rest on checkpoints KZ cosigned after T: with its new witness key (the line's key
# id is SHA-256("ots-mx/witness/KZ" 0x0A 0x04 key)[:4], c2sp.org/signed-note).
kz_hint=$({
  printf 'ots-mx/witness/KZ\n\004'
  openssl pkey -pubin -in "$fed/kz/witness2.pub.pem" -outform DER | tail -c 32
} | openssl dgst -sha256 -r | cut -c1-8)
for period in 2010 2020; do
  hint=$(grep '^— ots-mx/witness/KZ ' "$work/proof-$period/checkpoint.note" | cut -d' ' -f3 |
    base64 -d | od -An -tx1 -N4 | tr -d ' \n')
  [ "$hint" = "$kz_hint" ] ||
    fail "the $period proof's KZ cosignature is by key id $hint, not the new witness key's $kz_hint"
done
# The Secretariat's table verifies with the same client configuration (bundle version 1): its
# cosignatures by KZ's new key count under version 2, which the node hands over.
"$ctl" query --config "$fed/ots/auditor.textproto" --consolidated --period 2020 --verify \
  >"$work/out" 2>&1 || fail "query --verify after the rotations: $(cat "$work/out")"
grep -qF "Verified against trust bundle version 2 of ots-mx" "$work/out" ||
  fail "query --verify did not take the node's newer bundle: $(cat "$work/out")"
[ "$(key_id "$work/proof-2010/log.pub.pem")" = "$old_id" ] ||
  fail "the 2010 proof's header is not signed with the first key"
[ "$(key_id "$work/proof-2020/log.pub.pem")" = "$new_id" ] ||
  fail "the 2020 proof's header is not signed with the new key"

# An offline import into AZ's folder chooses the key as the node does: the newest bundle (kept in
# the folder; AZ's configuration file still names version 1) makes the new key valid now.
fed_stop az
"$ctl" import --config "$fed/az/node.textproto" "$returns/AZ_2000.csv" >"$work/out" 2>&1 ||
  fail "import after the rotation: $(cat "$work/out")"
fed_start az
wait_for "KZ to hold AZ's imported return" 60 fed_holds kz AZ 4
signed_by kz "$new_id" || fail "the imported return is not signed with the new key"

fed_stop ots az kz
for n in ots az kz; do
  "$ctl" audit --data-dir "$fed/$n/data" --trust-bundle "$work/v2.json" --bundle-pubkey "$fedkey" \
    --bundle-key-id "$bundle_id" >"$work/out" 2>&1 ||
    fail "audit of $n with version 2: $(cat "$work/out")"
  grep -q "^AZ: 4 signed returns" "$work/out" || fail "$n's audit: $(cat "$work/out")"
done
echo "rotation test passed"
