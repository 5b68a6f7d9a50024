#!/usr/bin/env bash
# verify.sh (node/query/verify.sh) on a real proof from a real federation: the Secretariat, AZ, KZ
# and UZ, each ots-node on its trust-bundle endpoint. AZ submits two returns; once the three
# other nodes have cosigned AZ's checkpoint, the Secretariat's node proves one cell of it, and
# verify.sh, trusting nothing but the bundle key id on its command line:
#   - passes on the proof as written, naming the cosigners, with bash, coreutils and openssl alone;
#   - exits 2 on a bad command line, and fails with another bundle key id;
#   - fails with any bit of any cosignature line flipped, a changed cosignature timestamp, a
#     cosignature invented with a key the bundle does not list for that witness, or by a
#     non-member; a second valid line of a witness counts once, the origin's own none;
#   - counts the quorum: stripped lines fail below it, pass with --quorum 0;
#   - fails with a header or a cosignature made outside its key's validity in the bundle;
#   - fails with a log key, a trust bundle or a bundle key that is not the federation's, and on a
#     completely self-consistent fake: another federation's keys, bundle and cosignatures;
#   - fails with any altered byte of any file, and tolerates a re-formatted bundle envelope.
# Runs in a network namespace of its own (the bundle's fixed ports).
#   verify_script_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup verify-script AZ,KZ,UZ "$@"
fed_start ots az kz uz

# The bundle key id: SHA-256 of the bundle key's 32 raw bytes, as pki init prints it.
key_id_of() {  # PEM_FILE
  openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | openssl dgst -sha256 -r | cut -d' ' -f1
}
bundle_id=$(key_id_of "$fed/federation/bundle.pub.pem")
grep -qF "key id $bundle_id" "$work/pki.out" ||
  fail "pki init does not print the bundle key id $bundle_id"

# A real proof: AZ's cell, proved by the Secretariat once KZ, UZ and the Secretariat cosigned.
fed_submit az "$work/returns/AZ_2015.csv" "$work/returns/AZ_2020.csv"
wait_for "AZ's checkpoint at the Secretariat cosigned by KZ, OTS and UZ" 120 \
  fed_cosigned ots AZ 2 KZ OTS UZ
proof=$work/proof
"$ctl" prove --config "$fed/ots/auditor.textproto" --origin AZ --period 2020 --cell CITIZEN=UZ \
  --cell SEX=F --out "$proof" >"$work/prove.out" 2>&1 || fail "prove: $(cat "$work/prove.out")"
grep -qF "verify.sh $bundle_id" "$work/prove.out" || fail "prove does not name the bundle key id"
cmp -s "$proof/verify.sh" "$src/node/query/verify.sh" ||
  fail "the proof's verify.sh is not node/query/verify.sh: rebuild ots-ctl"
fed_stop ots az kz uz
cosig_count=$(grep -c '^— ots-mx/witness/' "$proof/checkpoint.note" || true)
[ "$cosig_count" -eq 3 ] || fail "the proof carries $cosig_count cosignatures, want 3"

# verify.sh runs with bash, coreutils and openssl alone: nothing else is on its PATH.
mkdir "$work/bin"
for t in bash openssl base64 basename cat cut date dd dirname env head mktemp od rm sort \
  stat tail tr wc; do
  ln -s "$(command -v "$t")" "$work/bin/$t"
done
# vrun DIR ARGS...: DIR/verify.sh ARGS run from another folder, with that PATH only; its exit code
# in rc, its output in $work/out and $work/err.
vrun() {
  local dir=$1
  shift
  rc=0
  # A minute at most: a malformed input must not make it loop.
  (cd "$work" && timeout 60 env -i PATH="$work/bin" bash "$dir/verify.sh" "$@") >"$work/out" \
    2>"$work/err" || rc=$?
}
# vpass DIR ARGS...: verify.sh passes; vfail WHAT DIR ARGS...: it fails (exit 1, one FAIL line).
vpass() {
  vrun "$@"
  [ "$rc" -eq 0 ] && grep -q '^OK: ' "$work/out" || {
    cat "$work/out" "$work/err" >&2
    fail "verify.sh did not pass (exit $rc) on $1 with: ${*:2}"
  }
}
vfail() {
  local what=$1
  shift
  vrun "$@"
  [ "$rc" -eq 1 ] && grep -q '^FAIL: ' "$work/err" && [ ! -s "$work/out" ] || {
    cat "$work/out" "$work/err" >&2
    fail "verify.sh did not fail (exit $rc) with $what"
  }
}
# fresh: a copy of the proof in $m to alter.
m=$work/m
fresh() {
  rm -rf "$m"
  cp -r "$proof" "$m"
}

# --- As written --------------------------------------------------------------------------------
vpass "$proof" "$bundle_id"
grep -qF 'OK: cell "AZ,2020,UZ,_T,F,_T,8398,A,F,STK"' "$work/out" || fail "verify.sh output"
grep -qF "cosigned by KZ OTS UZ (quorum 2)" "$work/out" || fail "no cosigners in: $(cat "$work/out")"
grep -qF "bundle key $bundle_id" "$work/out" || fail "the bundle key id is not in the summary"
grep -qF "trust bundle version 1 of federation ots-mx" "$work/out" || fail "no bundle version"
grep -qF "log ots-mx/log/AZ" "$work/out" || fail "no log name"
grep -qF "checkpoint of size 2" "$work/out" || fail "no checkpoint size"
grep -qF "log key $(key_id_of "$proof/log.pub.pem") of AZ" "$work/out" || fail "no log key id"
vpass "$proof" --quorum 3 "$bundle_id"
vfail "--quorum 4" "$proof" "$bundle_id" --quorum 4
must_say "FAIL: checkpoint.note: cosigned by 3 witnesses (KZ OTS UZ), --quorum requires 4"

# --- The command line --------------------------------------------------------------------------
for args in "" "--quorum 1" "${bundle_id^^}" "${bundle_id:1}" "$bundle_id --quorum" \
  "$bundle_id --quorum -1" "$bundle_id --quorum x" "$bundle_id --verbose" "$bundle_id $bundle_id"; do
  # shellcheck disable=SC2086  # word splitting wanted
  vrun "$proof" $args
  [ "$rc" -eq 2 ] || fail "verify.sh exited $rc, not 2, on the command line: $args"
  grep -q '^usage: ' "$work/err" || fail "no usage line for: $args"
done
other_id=$(printf '%s' "$bundle_id" | tr 0-9a-f 1-9a-f0)
vfail "another bundle key id" "$proof" "$other_id"
must_say "FAIL: bundle.pub.pem: key id $bundle_id, not the bundle key $other_id"

# --- Cosignature lines -------------------------------------------------------------------------
# Line numbers of the cosignature lines in checkpoint.note.
mapfile -t cosig_at < <(grep -n '^— ots-mx/witness/' "$proof/checkpoint.note" | cut -d: -f1)
# set_line N TEXT: line N of $m/checkpoint.note becomes TEXT (no line if TEXT is empty).
set_line() {
  L=$2 awk -v n="$1" 'NR == n { if (ENVIRON["L"] != "") print ENVIRON["L"]; next } { print }' \
    "$m/checkpoint.note" >"$m/note.new"
  mv "$m/note.new" "$m/checkpoint.note"
}
# line_hex N: the decoded signature of line N of $m/checkpoint.note, hex; line_name N: its name.
line_hex() {
  sed -n "$1p" "$m/checkpoint.note" | cut -d' ' -f3 | base64 -d | od -An -v -tx1 | tr -d ' \n'
}
line_name() { sed -n "$1p" "$m/checkpoint.note" | cut -d' ' -f2; }
unhex() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
# set_line_hex N HEX: line N keeps its name and carries the signature HEX.
set_line_hex() { set_line "$1" "— $(line_name "$1") $(unhex "$2" | base64 -w0)"; }

# One bit flipped in each of a spread of bytes of each line: the first and last of its key id, of
# its timestamp, and of both halves (R, S) of its Ed25519 signature.
for n in "${cosig_at[@]}"; do
  for k in 0 3 4 11 12 43 44 75; do
    fresh
    h=$(line_hex "$n")
    [ ${#h} -eq 152 ] || fail "cosignature line $n is not 76 bytes"
    b=$(printf '%02x' $((16#${h:2*k:2} ^ (1 << (k % 8)))))
    set_line_hex "$n" "${h:0:2*k}$b${h:2*k+2}"
    vfail "bit $((k % 8)) of byte $k of $(line_name "$n")'s cosignature flipped" "$m" "$bundle_id"
    must_say "FAIL: checkpoint.note: line $n ($(line_name "$n"))"
  done
  # The base64 text itself: its middle and last character (the last one's low bits are padding:
  # a decoder that ignores them would see the same bytes) replaced by the next one.
  fresh
  b64=$(sed -n "${n}p" "$m/checkpoint.note" | cut -d' ' -f3)
  for pos in $((${#b64} / 2)) $((${#b64} - 3)); do
    c=${b64:pos:1}
    alphabet=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/A
    rest=${alphabet#*"$c"}
    set_line "$n" "— $(line_name "$n") ${b64:0:pos}${rest:0:1}${b64:pos+1}"
    vfail "character $pos of $(line_name "$n")'s base64 changed" "$m" "$bundle_id"
    fresh
  done
done

# A changed timestamp: the signature no longer covers it.
fresh
n=${cosig_at[0]}
h=$(line_hex "$n")
t=$((16#${h:8:16}))
set_line_hex "$n" "${h:0:8}$(printf '%016x' $((t + 1)))${h:24}"
vfail "a cosignature timestamp changed" "$m" "$bundle_id"
must_say "not a valid cosignature by a witness key of"
fresh
set_line_hex "$n" "${h:0:8}$(printf '%x' $((16#${h:8:1} | 8)))${h:9}"
vfail "a cosignature timestamp above 2^63-1" "$m" "$bundle_id"
must_say "timestamp above 2^63-1"

# Stripped lines: one of three leaves the quorum of 2; two do not, unless --quorum 0 is given.
for n in "${cosig_at[@]}"; do
  fresh
  set_line "$n" ''
  vpass "$m" "$bundle_id"
  grep -q "cosigned by [A-Z]* [A-Z]* (quorum 2)" "$work/out" ||
    fail "after stripping line $n: $(cat "$work/out")"
done
fresh
kept=$(line_name "${cosig_at[2]}")
set_line "${cosig_at[1]}" ''
set_line "${cosig_at[0]}" ''
vfail "one cosignature of a quorum of 2" "$m" "$bundle_id"
must_say "FAIL: checkpoint.note: cosigned by 1 witness (${kept##*/}), the trust bundle requires 2"
vpass "$m" "$bundle_id" --quorum 0
vpass "$m" "$bundle_id" --quorum 1
fresh
sed -i '/^— ots-mx\/witness\//d' "$m/checkpoint.note"
vfail "no cosignature" "$m" "$bundle_id"
must_say "FAIL: checkpoint.note: cosigned by no witness, the trust bundle requires 2"
vpass "$m" "$bundle_id" --quorum 0

# cosign KEY NAME TIME: a cosignature/v1 line (c2sp.org/tlog-cosignature) of $m's checkpoint by
# the Ed25519 private key KEY (PKCS#8 PEM) under the key name NAME, made with openssl.
cosign() {
  local key=$1 name=$2 t=$3
  sed '/^$/q' "$m/checkpoint.note" | sed '$d' >"$work/note.txt"
  { printf 'cosignature/v1\ntime %s\n' "$t"; cat "$work/note.txt"; } >"$work/cosigned.txt"
  openssl pkeyutl -sign -inkey "$key" -rawin -in "$work/cosigned.txt" -out "$work/cosig.sig"
  openssl pkey -in "$key" -pubout -outform DER | tail -c 32 >"$work/cosig.raw"
  { printf '%s\n\004' "$name"; cat "$work/cosig.raw"; } | openssl dgst -sha256 -binary |
    head -c 4 >"$work/cosig.hint"
  unhex "$(printf '%016x' "$t")" >"$work/cosig.time"
  printf '— %s %s\n' "$name" \
    "$(cat "$work/cosig.hint" "$work/cosig.time" "$work/cosig.sig" | base64 -w0)"
}
now=$(date +%s)
# The helper is right: a line made with KZ's real witness key is a valid second line of KZ,
# which counts once.
fresh
cosign "$fed/kz/witness.key" ots-mx/witness/KZ "$now" >>"$m/checkpoint.note"
vpass "$m" "$bundle_id"
grep -qF "cosigned by KZ OTS UZ (quorum 2)" "$work/out" || fail "KZ counted twice: $(cat "$work/out")"
# The origin cosigning its own checkpoint is valid but adds nothing to the quorum.
fresh
set_line "${cosig_at[1]}" ''
set_line "${cosig_at[0]}" ''
cosign "$fed/az/witness.key" ots-mx/witness/AZ "$now" >>"$m/checkpoint.note"
vfail "the origin's own cosignature counted" "$m" "$bundle_id"
must_say "cosigned by 1 witness (${kept##*/}), the trust bundle requires 2"
# Invented: a fresh key under a member's witness name, under a non-member's, under the origin's
# log name, and a line with a name of no witness at all.
"$ctl" keygen --out "$work/rogue" >/dev/null
for name in ots-mx/witness/KZ ots-mx/witness/OTS ots-mx/witness/TR ots-mx/witness/ ots-mx/log/KZ \
  other-fed/witness/KZ; do
  fresh
  cosign "$work/rogue.key" "$name" "$now" >>"$m/checkpoint.note"
  vfail "a cosignature line invented with a fresh key as $name" "$m" "$bundle_id"
  must_say "FAIL: checkpoint.note: line $(wc -l <"$m/checkpoint.note") ($name)"
done
# A witness's real key under another witness's name.
fresh
cosign "$fed/uz/witness.key" ots-mx/witness/KZ "$now" >>"$m/checkpoint.note"
vfail "UZ's witness key under KZ's name" "$m" "$bundle_id"
# Fewer or more bytes than 4 + 8 + 64.
fresh
n=${cosig_at[0]}
h=$(line_hex "$n")
set_line_hex "$n" "${h:0:150}"
vfail "a cosignature one byte short" "$m" "$bundle_id"
fresh
set_line_hex "$n" "${h}00"
vfail "a cosignature one byte long" "$m" "$bundle_id"
# An extra line by the origin's log name that does not verify.
fresh
origin_line=$(grep '^— ots-mx/log/AZ ' "$m/checkpoint.note")
h=$(printf '%s' "${origin_line##* }" | base64 -d | od -An -v -tx1 | tr -d ' \n')
b=$(printf '%02x' $((16#${h:40:2} ^ 1)))
echo "— ots-mx/log/AZ $(unhex "${h:0:40}$b${h:42}" | base64 -w0)" >>"$m/checkpoint.note"
vfail "a second, bad signature by the origin's log name" "$m" "$bundle_id"

# --- Keys and bundles that are not the federation's ----------------------------------------------
# A log key not in the bundle.
fresh
cp "$work/rogue.pub" "$m/log.pub.pem"
vfail "a log key not in the bundle" "$m" "$bundle_id"
must_say "FAIL: log.pub.pem: key $(key_id_of "$work/rogue.pub") is not a log key of AZ"
# KZ's log key is in the bundle, but not as AZ's.
fresh
cp "$fed/kz/log.pub.pem" "$m/log.pub.pem"
vfail "another member's log key" "$m" "$bundle_id"
must_say "is not a log key of AZ"
# Another bundle key, and another federation's bundle signed by it.
"$ctl" pki init --out "$work/fake" --states AZ,KZ,UZ --secretariat >"$work/fake-pki.out"
fake_id=$(key_id_of "$work/fake/federation/bundle.pub.pem")
fresh
cp "$work/fake/federation/bundle.pub.pem" "$m/"
vfail "another bundle key" "$m" "$bundle_id"
must_say "FAIL: bundle.pub.pem: key id $fake_id, not the bundle key $bundle_id"
vfail "another bundle key, trusted" "$m" "$fake_id"
must_say "FAIL: trust-bundle.json: no signature by the bundle key $fake_id"
cp "$work/fake/federation/trust-bundle.json" "$m/"
vfail "another federation's bundle and key" "$m" "$bundle_id"
vfail "another federation's bundle, trusted" "$m" "$fake_id"
must_say "is not a log key of AZ in the trust bundle"
# One byte of the bundle's payload changed to another base64 character: the signature breaks.
for pos in 20 500 $(($(wc -c <"$proof/trust-bundle.json") / 2)); do
  fresh
  c=$(dd if="$m/trust-bundle.json" bs=1 skip=$((12 + pos)) count=1 status=none)
  [[ $c == [A-Za-z0-9+/] ]] || fail "byte $((12 + pos)) of trust-bundle.json is not in its payload"
  [ "$c" = A ] && r=B || r=A
  printf '%s' "$r" | dd of="$m/trust-bundle.json" bs=1 seek=$((12 + pos)) conv=notrunc status=none
  vfail "character $pos of the bundle's payload changed" "$m" "$bundle_id"
  must_say "FAIL: trust-bundle.json: the signature by the bundle key does not verify"
done
# The envelope re-formatted (keys in another order, whitespace, a bad signature by the bundle
# key and one by another key before the good one) is the same envelope; another type is not.
fresh
payload=$(sed 's/.*"payload":"\([^"]*\)".*/\1/' "$proof/trust-bundle.json")
sig_entry=$(sed 's/.*"signatures":\[\(.*\)\]}/\1/' "$proof/trust-bundle.json")
envelope='{\n  "signatures" : [ {"sig": "%s", "keyid": "%s"}, {"keyid":"%s","sig":"%s"},\n'
envelope+='  %s ],\n\t"payloadType":"%s",\r\n "payload":"%s"\n}\n'
# shellcheck disable=SC2059 # the format is $envelope
printf "$envelope" "$(head -c 64 /dev/urandom | base64 -w0)" "$bundle_id" "$fake_id" \
  "$(head -c 64 /dev/urandom | base64 -w0)" "$sig_entry" application/vnd.ots.trust-bundle.v1 \
  "$payload" >"$m/trust-bundle.json"
vpass "$m" "$bundle_id"
sed -i 's/trust-bundle\.v1/trust-bundle.v2/' "$m/trust-bundle.json"
vfail "another payload type" "$m" "$bundle_id"
must_say "payloadType"

# --- Bundles the federation signed: key validity, quorum, a log key rotation, the wire format ----
# sign_payload PAYLOAD OUT: the DSSE envelope of the bundle payload in file PAYLOAD, signed with
# the federation's bundle key by openssl, as JSON into OUT.
sign_payload() {
  local t=application/vnd.ots.trust-bundle.v1
  { printf 'DSSEv1 %d %s %d ' ${#t} "$t" "$(wc -c <"$1")"; cat "$1"; } >"$work/bundle.pae"
  openssl pkeyutl -sign -inkey "$fed/federation/bundle.key" -rawin -in "$work/bundle.pae" \
    -out "$work/bundle.sig"
  printf '{"payload":"%s","payloadType":"%s","signatures":[{"keyid":"%s","sig":"%s"}]}\n' \
    "$(base64 -w0 "$1")" "$t" "$bundle_id" "$(base64 -w0 "$work/bundle.sig")" >"$2"
}
# resign EDIT...: $m/trust-bundle.json becomes the federation's bundle as protobuf text, edited by
# the awk program EDIT (variables: member, the code of the member being read; block, the key
# list being read), signed by ots-ctl bundle sign.
resign() {
  "$ctl" bundle show --bundle "$proof/trust-bundle.json" --key "$proof/bundle.pub.pem" \
    >"$work/bundle.txt"
  awk "{ if (closing) { block = \"\"; closing = 0 } } /^  code: / { member = \$2 }
    /^  [a-z_]+ \{\$/ { block = \$1 } /^  \}\$/ { closing = 1 } $1" \
    "$work/bundle.txt" >"$work/bundle.edited.txt"
  "$ctl" bundle sign --in "$work/bundle.edited.txt" --key "$fed/federation/bundle.key" \
    --out "$m/trust-bundle.json" >/dev/null
}
payload_of() { sed 's/.*"payload":"\([^"]*\)".*/\1/' "$1" | base64 -d; }

# The helpers are right: the same bundle re-signed verifies.
fresh
payload_of "$proof/trust-bundle.json" >"$work/payload"
sign_payload "$work/payload" "$m/trust-bundle.json"
vpass "$m" "$bundle_id"
fresh
resign '{ print }'
vpass "$m" "$bundle_id"
# Unknown fields (varint, fixed64, bytes, fixed32) are skipped.
fresh
{
  cat "$work/payload"
  printf '\230\006\052\241\006\1\2\3\4\5\6\7\10\252\006\003abc\265\006\1\2\3\4'
} >"$work/payload.more"
sign_payload "$work/payload.more" "$m/trust-bundle.json"
vpass "$m" "$bundle_id"
# Malformed protobuf, signed all the same, fails cleanly: truncated, a truncated varint, a length
# past the end, a varint of 11 bytes, a group, field number 0, a length of 2^63.
bad_tails=('' '\010' '\232\006\377\001' '\010\377\377\377\377\377\377\377\377\377\377\001'
  '\173' '\000\001' '\012\377\377\377\377\377\377\377\377\200\001')
for i in "${!bad_tails[@]}"; do
  fresh
  if [ "$i" -eq 0 ]; then
    head -c -1 "$work/payload" >"$work/payload.bad"
  else
    { cat "$work/payload"; printf "${bad_tails[i]}"; } >"$work/payload.bad"
  fi
  sign_payload "$work/payload.bad" "$m/trust-bundle.json"
  vfail "malformed protobuf $i" "$m" "$bundle_id"
  must_say "FAIL: trust-bundle.json: the signed payload is not a trust bundle"
done

# The log key's validity: the header's created_at must lie in [valid_from, valid_until].
created_at=$(sed -n 's/^created_at //p' "$proof/header.txt")
at=$(date -u -d "$created_at" +%s)
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# keys_window MEMBER BLOCK FROM UNTIL: MEMBER's keys of BLOCK (log_keys, witness_keys) valid from
# FROM until UNTIL (either may be empty). key_window FROM UNTIL: AZ's log keys.
keys_window() {
  M="\"$1\"" B=$2 FROM=$3 UNTIL=$4 resign 'member == ENVIRON["M"] && block == ENVIRON["B"] &&
      /valid_from:/ { print "    valid_from: \"" ENVIRON["FROM"] "\""; next }
    member == ENVIRON["M"] && block == ENVIRON["B"] && /valid_until:/ {
      print "    valid_until: \"" ENVIRON["UNTIL"] "\""; next }
    { print }'
}
key_window() { keys_window AZ log_keys "$@"; }
fresh
key_window "$created_at" "$created_at"
vpass "$m" "$bundle_id"
key_window "" ""
vpass "$m" "$bundle_id"
key_window "$(rfc $((at + 1)))" ""
vfail "a header signed before its key's valid_from" "$m" "$bundle_id"
must_say "FAIL: header.txt: signed at $created_at, before log key"
key_window "${created_at%Z}.5Z" ""
vfail "a header signed half a second before its key's valid_from" "$m" "$bundle_id"
key_window "$(rfc $((at - 100)))" "$(rfc $((at - 1)))"
vfail "a header signed after its key's valid_until" "$m" "$bundle_id"
must_say "FAIL: header.txt: signed at $created_at, after log key"
key_window "$(rfc $((at - 100)))" "${created_at%Z}.000001Z"
vpass "$m" "$bundle_id"

# A witness key's validity: each cosignature's own time must lie in its key's [valid_from,
# valid_until] (a rotated witness key ends, a new one starts).
kz_line=$(grep -n '^— ots-mx/witness/KZ ' "$proof/checkpoint.note" | cut -d: -f1)
fresh
kz_hex=$(line_hex "$kz_line")
kz_at=$((16#${kz_hex:8:16}))
witness_window() { keys_window KZ witness_keys "$@"; }
witness_window "$(rfc "$kz_at")" "$(rfc "$kz_at")"
vpass "$m" "$bundle_id"
witness_window "$(rfc $((kz_at + 1)))" ""
vfail "a cosignature made before its witness key's valid_from" "$m" "$bundle_id"
must_say "line $kz_line (ots-mx/witness/KZ): cosigned at $kz_at (Unix time), before witness key"
witness_window "$(rfc $((kz_at - 100)))" "$(rfc $((kz_at - 1)))"
vfail "a cosignature made after its witness key's valid_until" "$m" "$bundle_id"
must_say "after witness key"

# The quorum the bundle sets: witness_quorum 3 needs all three; witness_quorum 5 is capped at the
# three members that may see AZ and have a witness key; with AZ sharing only with the
# Secretariat, one cosignature (the Secretariat's) is enough.
fresh
resign '/^witness_quorum:/ { print "witness_quorum: 3"; next } { print }'
vpass "$m" "$bundle_id"
grep -qF "(quorum 3)" "$work/out" || fail "quorum 3: $(cat "$work/out")"
set_line "${cosig_at[0]}" ''
vfail "two cosignatures of a quorum of 3" "$m" "$bundle_id"
must_say "the trust bundle requires 3"
fresh
resign '/^witness_quorum:/ { print "witness_quorum: 5"; next } { print }'
vpass "$m" "$bundle_id"
grep -qF "(quorum 3)" "$work/out" || fail "quorum 5 of 3: $(cat "$work/out")"
fresh
resign 'member == "\"AZ\"" && /^  share_with: "(KZ|UZ)"$/ { next } { print }'
sed -i '/^— ots-mx\/witness\/\(KZ\|UZ\) /d' "$m/checkpoint.note"
vpass "$m" "$bundle_id"
grep -qF "cosigned by OTS (quorum 1)" "$work/out" || fail "quorum of AZ's audience: $(cat "$work/out")"
# With their lines kept: KZ's and UZ's cosignatures still verify, but KZ and UZ hold none of AZ's
# log once AZ shares only with the Secretariat, so they witness nothing and do not count.
fresh
resign 'member == "\"AZ\"" && /^  share_with: "(KZ|UZ)"$/ { next } { print }'
vpass "$m" "$bundle_id"
grep -qF "cosigned by OTS (quorum 1)" "$work/out" ||
  fail "a witness AZ does not share with counted: $(cat "$work/out")"
vfail "witnesses outside AZ's share_with toward --quorum 2" "$m" "$bundle_id" --quorum 2
must_say "cosigned by 1 witness (OTS), --quorum requires 2"
# A witness whose key the bundle no longer lists: its line fails.
fresh
resign 'member == "\"UZ\"" && block == "witness_keys" { next } { print }'
vfail "a cosignature by a witness without a key in the bundle" "$m" "$bundle_id"
must_say "(ots-mx/witness/UZ): not a valid cosignature by a witness key of UZ"

# A log key rotation: the checkpoint signed with a second log key of AZ, not the header's.
# Verifies once the bundle lists both keys; fails with the bundle that lists one.
"$ctl" keygen --out "$work/az-new" >/dev/null
# Its 32 raw bytes as a protobuf text string: \ooo octal escapes.
new_raw=$(openssl pkey -pubin -in "$work/az-new.pub" -outform DER | tail -c 32 | od -An -v -to1 |
  tr -s ' \n' ' ' | sed 's/ $//; s/ /\\/g')
fresh
sed '/^$/q' "$m/checkpoint.note" | sed '$d' >"$work/note.txt"
openssl pkeyutl -sign -inkey "$work/az-new.key" -rawin -in "$work/note.txt" -out "$work/note.sig"
{
  printf 'ots-mx/log/AZ\n\001'
  openssl pkey -pubin -in "$work/az-new.pub" -outform DER | tail -c 32
} | openssl dgst -sha256 -binary | head -c 4 >"$work/note.hint"
set_line "$(grep -n '^— ots-mx/log/AZ ' "$m/checkpoint.note" | cut -d: -f1)" \
  "— ots-mx/log/AZ $(cat "$work/note.hint" "$work/note.sig" | base64 -w0)"
vfail "a checkpoint signed by a log key not in the bundle" "$m" "$bundle_id"
must_say "(ots-mx/log/AZ): not a valid signature by a log key of AZ in the trust bundle"
RAW=$new_raw resign '{ print }
  /^  code: "AZ"$/ { print "  log_keys {"; print "    ed25519: \"" ENVIRON["RAW"] "\""; print "  }" }'
vpass "$m" "$bundle_id"
grep -qF "signed by log key $(key_id_of "$work/az-new.pub") of AZ" "$work/out" ||
  fail "rotation: $(cat "$work/out")"
grep -qF "cosigned by KZ OTS UZ (quorum 2)" "$work/out" || fail "rotation: $(cat "$work/out")"

# A completely self-consistent fake: the fake federation's AZ signs a forged figure (UZ women +1),
# the fake's witnesses cosign it. It verifies under the fake's bundle key id, and under the
# federation's fails, however the fake's files are mixed with the real ones.
awk -F, -v OFS=, '$2 == "AZ" && $4 == "UZ" && $6 != "M" {$8 += 1} {print}' \
  "$work/returns/AZ_2020.csv" >"$work/AZ_2020_forged.csv"
"$ctl" import --data-dir "$work/fake-data" --origin AZ --log-key "$work/fake/az/log.key" \
  --federation ots-mx "$work/returns/AZ_2015.csv" >/dev/null
"$ctl" import --data-dir "$work/fake-data" --origin AZ --log-key "$work/fake/az/log.key" \
  "$work/AZ_2020_forged.csv" >/dev/null
"$ctl" prove --data-dir "$work/fake-data" --trust-bundle "$work/fake/federation/trust-bundle.json" \
  --bundle-pubkey "$work/fake/federation/bundle.pub.pem" --quorum 0 --origin AZ --period 2020 \
  --cell CITIZEN=UZ --cell SEX=F --out "$work/fake-proof" >/dev/null
m=$work/fake-proof
for w in kz ots uz; do
  cosign "$work/fake/$w/witness.key" "ots-mx/witness/${w^^}" "$now" >>"$m/checkpoint.note"
done
vpass "$m" "$fake_id"
grep -qF 'OK: cell "AZ,2020,UZ,_T,F,_T,8399,A,F,STK"' "$work/out" || fail "fake: $(cat "$work/out")"
grep -qF "cosigned by KZ OTS UZ (quorum 2)" "$work/out" || fail "fake: $(cat "$work/out")"
vfail "a self-consistent fake" "$m" "$bundle_id"
must_say "FAIL: bundle.pub.pem"
cp "$fed/federation/trust-bundle.json" "$fed/federation/bundle.pub.pem" "$m/"
vfail "a fake with the federation's bundle" "$m" "$bundle_id"
must_say "is not a log key of AZ in the trust bundle"
cp "$fed/az/log.pub.pem" "$m/"
vfail "a fake with the federation's bundle and AZ's log key" "$m" "$bundle_id"
# The fake's header and cell with the real checkpoint and its cosignatures.
cp "$proof/checkpoint.note" "$proof/log.pub.pem" "$m/"
vfail "a fake header under the real checkpoint" "$m" "$bundle_id"
m=$work/m

# --- Any altered byte of any file: its first, a middle and its last -------------------------------
for file in cell.line cell.proof header.txt header.sig header.dsse.json header.proof \
  checkpoint.note log.pub.pem trust-bundle.json bundle.pub.pem; do
  size=$(stat -c %s "$proof/$file")
  for pos in 0 $((size / 2)) $((size - 1)); do
    fresh
    byte=$(od -An -tu1 -j "$pos" -N 1 "$m/$file" | tr -d ' ')
    printf "\\$(printf '%03o' $((byte ^ 1)))" |
      dd of="$m/$file" bs=1 seek="$pos" conv=notrunc status=none
    vfail "byte $pos of $file altered" "$m" "$bundle_id"
  done
  fresh
  rm "$m/$file"
  vfail "$file missing" "$m" "$bundle_id"
  must_say "FAIL: $file: missing"
done
# header.dsse.json has no final newline; one added is a change too.
fresh
echo >>"$m/header.dsse.json"
vfail "a newline after header.dsse.json" "$m" "$bundle_id"
must_say "FAIL: header.dsse.json"

echo "verify_script_test: all checks passed"
