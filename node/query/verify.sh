#!/usr/bin/env bash
# Verifies one cell of an OTS Migration Exchange statistical return, offline, with bash, coreutils
# and openssl 3.x alone (1.1.1 cannot verify Ed25519 signatures from the command line).
# `ots-ctl prove` writes it; its source is node/query/verify.sh in the repository, and
# docs/audit.md walks through the same checks by hand.
#
#   bash verify.sh BUNDLE_KEY_ID [--quorum N]
#
# BUNDLE_KEY_ID, the lower-case hex SHA-256 of the 32 raw bytes of the federation's Ed25519
# bundle public key, is the one thing it takes on trust: get it from the federation, not from the
# party whose figures you are checking. Every other key is one the trust bundle lists, and the
# bundle must be signed by that key. --quorum N: how many witnesses other than the origin must
# have cosigned the checkpoint (default: the bundle's witness_quorum, but no more than the members
# that may see the origin's data and have a witness key).
#
# Files beside this script:
#   cell.line          the cell's canonical line (no newline): the Merkle leaf. For a cell its
#                      state marks confidential, the sealed line (docs/formats.md §2a), whose
#                      OBS_VALUE is "sealed:" and a salted commitment to the cell
#   cell.opening       (only beside a sealed cell, for those entitled to its value) the salt and
#                      the cell line it seals: "<64 hex digits>,<cell line>" and a newline
#   cell.proof         "index N", "size M", then the audit path to the cells root, hex, one a line
#   header.txt         the signed return header (exact bytes)
#   header.sig         the origin's Ed25519 signature over DSSE PAE(type, header.txt), 64 bytes
#   header.dsse.json   the same envelope in standard DSSE JSON (no whitespace, no final newline)
#   header.proof       the header's audit path to the checkpoint root (index, size, hashes)
#   checkpoint.note    the origin's signed checkpoint (c2sp.org/signed-note, tlog-checkpoint),
#                      then the witnesses' cosignature lines (c2sp.org/tlog-cosignature, v1)
#   log.pub.pem        the log public key that signed the header: a log key of the origin in the
#                      trust bundle
#   trust-bundle.json  the federation's trust bundle (protobuf ots.v1.TrustBundle) in a DSSE
#                      envelope, JSON, signed by the bundle key
#   bundle.pub.pem     the bundle public key: its key id must be BUNDLE_KEY_ID
#
# Exit 0 and "OK: ..." on stdout when everything holds; exit 1 and "FAIL: <file>: <what>" on
# stderr at the first check that does not; exit 2 on a bad command line.
set -euo pipefail
export LC_ALL=C

usage() {
  echo "usage: bash verify.sh BUNDLE_KEY_ID [--quorum N]" \
    "(BUNDLE_KEY_ID: lower-case hex SHA-256 of the federation's 32-byte Ed25519 bundle key)" >&2
  exit 2
}
bundle_key_id=''
quorum_arg=''
while [ $# -gt 0 ]; do
  case $1 in
    --quorum)
      [ $# -ge 2 ] || usage
      quorum_arg=$2
      shift 2
      ;;
    --quorum=*)
      quorum_arg=${1#--quorum=}
      shift
      ;;
    -*) usage ;;
    *)
      [ -z "$bundle_key_id" ] || usage
      bundle_key_id=$1
      shift
      ;;
  esac
done
[[ $bundle_key_id =~ ^[0-9a-f]{64}$ ]] || usage
[ -z "$quorum_arg" ] || [[ $quorum_arg =~ ^(0|[1-9][0-9]{0,8})$ ]] || usage

cd "$(dirname "$0")"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- Bytes, hashes and signatures ------------------------------------------------------------------
# Programs are started sparingly, since a start costs more than the work: bash itself reads the
# files and decodes hex and base64, and one openssl run hashes several files where it can.

# slurp VAR FILE: the whole of FILE into VAR. FILE must hold no NUL byte (bash cannot hold one).
slurp() {
  if IFS= read -r -d '' "$1" <"$2"; then
    fail "$2: contains a NUL byte"
  fi
}

# unhex HEX: the bytes HEX (lower-case hex digits) stands for, on stdout.
unhex() {
  local h=$1 esc='' i
  for ((i = 0; i < ${#h}; i += 2)); do esc+="\\x${h:i:2}"; done
  printf "$esc"
}

# b64_ok STRING: whether STRING is canonical standard base64 with padding (RFC 4648 §4: the
# unused bits of the last character are zero), the only form the C++ side accepts.
b64_ok() {
  local s=$1 body
  [ $((${#s} % 4)) -eq 0 ] || return 1
  case $s in
    *[!A-Za-z0-9+/=]*) return 1 ;;
    *==) body=${s%==} && [[ $body != *=* && ${body: -1} == [AQgw] ]] ;;
    *=) body=${s%=} && [[ $body != *=* && ${body: -1} == [AEIMQUYcgkosw048] ]] ;;
    *) [[ $s != *=* ]] ;;
  esac
}
# b64_hex STRING: the bytes STRING encodes, as hex, into b64h; false unless b64_ok STRING.
b64_alphabet=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
b64_hex() {
  local s=$1 pad=0 i j n x out='' group
  b64_ok "$s" || return 1
  case $s in
    *==) pad=2 ;;
    *=) pad=1 ;;
  esac
  s=${s%%=*}AA
  for ((i = 0; i + 4 <= ${#s}; i += 4)); do
    n=0
    for ((j = i; j < i + 4; j++)); do
      x=${b64_alphabet%%"${s:j:1}"*}
      n=$((n << 6 | ${#x}))
    done
    printf -v group '%02x%02x%02x' $((n >> 16)) $((n >> 8 & 255)) $((n & 255))
    out+=$group
  done
  b64h=${out:0:${#out} - 2 * pad}
}

# sha256_files FILE...: shas[i] = the hex SHA-256 of the i-th FILE, with one openssl run.
sha256_files() {
  local out h _
  out=$(openssl dgst -sha256 -r "$@") || fail "openssl: cannot hash"
  shas=()
  while read -r h _; do shas+=("$h"); done <<<"$out"
  [ ${#shas[@]} -eq $# ] || fail "openssl: unexpected output of dgst -r"
}

# ed25519_verify RAW MESSAGE SIG: whether the signature in file SIG (64 bytes) of file MESSAGE
# verifies with the Ed25519 public key whose raw bytes are RAW (hex): DER 302a...032100 || RAW.
ed25519_verify() {
  local key=$tmp/key-$1.der
  [ -e "$key" ] || unhex "302a300506032b6570032100$1" >"$key"
  openssl pkeyutl -verify -pubin -keyform DER -inkey "$key" -rawin -in "$2" -sigfile "$3" \
    >/dev/null 2>&1 && return 0
  # Not a bad signature but an openssl without `pkeyutl -rawin` (before 3.0)?
  if [ -z "${openssl_ok:-}" ]; then
    [[ $(openssl pkeyutl -help 2>&1) == *-rawin* ]] ||
      fail "openssl: $(openssl version 2>&1) cannot verify Ed25519 signatures" \
        "(no pkeyutl -rawin); use OpenSSL 3.0 or later"
    openssl_ok=1
  fi
  return 1
}

# pem_raw FILE: the 32 raw bytes (hex) of the Ed25519 public key in FILE into raw. FILE must be
# in the canonical PEM form openssl writes, with DER 302a300506032b6570032100 || raw.
pem_raw() {
  local file=$1 pem re
  slurp pem "$file"
  re=$'^-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA([A-Za-z0-9+/]{43}=)\n-----END PUBLIC KEY-----\n$'
  if [[ $pem =~ $re ]] && b64_hex "${BASH_REMATCH[1]}"; then
    raw=$b64h
    return
  fi
  # Which it is not, for the message only.
  openssl pkey -pubin -in "$file" -outform DER >"$tmp/pem.der" 2>/dev/null ||
    fail "$file: not a public key"
  [[ $(od -An -v -tx1 "$tmp/pem.der" | tr -d ' \n') == 302a300506032b6570032100* ]] ||
    fail "$file: not an Ed25519 public key"
  fail "$file: not in canonical PEM form"
}

# --- The trust bundle's DSSE envelope in JSON -----------------------------------------------------
# A reader for the one shape of a DSSE envelope: an object with "payload", "payloadType" and
# "signatures", an array of objects with "keyid" and "sig", all strings; in any order, with any
# JSON whitespace between tokens. Sets env_payload, env_type, and env_keyids and env_sigs.
json_fail() { fail "trust-bundle.json: not a DSSE envelope in JSON: $*"; }
json_ws() {
  [[ $js =~ ^[$' \t\n\r']* ]]
  js=${js:${#BASH_REMATCH[0]}}
}
# json_punct C: the next token is the character C.
json_punct() {
  json_ws
  [ "${js:0:1}" = "$1" ] || json_fail "expected '$1'"
  js=${js:1}
}
# json_string: the next token is a string; its value into json_val (\u escapes of ASCII only).
json_string() {
  json_ws
  [ "${js:0:1}" = '"' ] || json_fail "expected a string"
  local rest=${js:1} out='' chunk
  while :; do
    chunk=${rest%%[\"\\]*}
    [ ${#chunk} -lt ${#rest} ] || json_fail "unterminated string"
    out+=$chunk
    rest=${rest:${#chunk}}
    if [ "${rest:0:1}" = '"' ]; then
      rest=${rest:1}
      break
    fi
    case ${rest:1:1} in
      '"' | '\' | /) out+=${rest:1:1} ;;
      u)
        [[ ${rest:2:4} =~ ^00[2-7][0-9a-fA-F]$ && ${rest:4:2} != 7[fF] ]] ||
          json_fail "unsupported escape \\${rest:1:5}"
        printf -v chunk "\\x${rest:4:2}"
        out+=$chunk
        rest=${rest:4}
        ;;
      *) json_fail "unsupported escape \\${rest:1:1}" ;;
    esac
    rest=${rest:2}
  done
  js=$rest
  json_val=$out
}
# json_more CLOSE: after a member of an object or array, true if a ',' follows, false if CLOSE.
json_more() {
  json_ws
  case ${js:0:1} in
    ,) js=${js:1} && return 0 ;;
    "$1") js=${js:1} && return 1 ;;
    *) json_fail "expected ',' or '$1'" ;;
  esac
}
# json_open CLOSE: after '{' or '[': true if a member follows, false (and consumed) if CLOSE.
json_open() {
  json_ws
  [ "${js:0:1}" = "$1" ] || return 0
  js=${js:1}
  return 1
}
read_envelope() {
  local seen=' ' key sig_seen
  slurp js trust-bundle.json
  [ ${#js} -le 1048576 ] || fail "trust-bundle.json: larger than 1 MiB"
  env_payload='' env_type='' env_keyids=() env_sigs=()
  json_punct '{'
  if json_open '}'; then
    while :; do
      json_string
      key=$json_val
      [[ $seen != *" $key "* ]] || json_fail "key \"$key\" appears twice"
      seen+="$key "
      json_punct :
      case $key in
        payload) json_string && env_payload=$json_val ;;
        payloadType) json_string && env_type=$json_val ;;
        signatures)
          json_punct '['
          if json_open ']'; then
            while :; do
              json_punct '{'
              env_keyids+=('') env_sigs+=('')
              sig_seen=' '
              if json_open '}'; then
                while :; do
                  json_string
                  key=$json_val
                  [[ $sig_seen != *" $key "* ]] || json_fail "key \"$key\" appears twice"
                  sig_seen+="$key "
                  json_punct :
                  json_string
                  case $key in
                    keyid) env_keyids[-1]=$json_val ;;
                    sig) env_sigs[-1]=$json_val ;;
                    *) json_fail "unknown key \"$key\" in a signature" ;;
                  esac
                  json_more '}' || break
                done
              fi
              json_more ']' || break
            done
          fi
          ;;
        *) json_fail "unknown key \"$key\"" ;;
      esac
      json_more '}' || break
    done
  fi
  json_ws
  [ -z "$js" ] || json_fail "text after the envelope"
  [[ $seen == *" payload "* && $seen == *" payloadType "* && $seen == *" signatures "* ]] ||
    json_fail "payload, payloadType and signatures are required"
}

# --- The trust bundle: protobuf wire format ------------------------------------------------------
# pb holds the payload's bytes, two hex digits each. The readers below walk a message in
# [start, end) of it and fail on anything truncated or malformed: every step consumes at least
# one byte and never reads past the end it was given.
bundle_fail() { fail "trust-bundle.json: the signed payload is not a trust bundle: $*"; }

# pb_varint END: the varint at pb_pos into pb_val (64 bits, two's complement), pb_pos past it.
pb_varint() {
  local end=$1 shift=0 b
  pb_val=0
  while :; do
    [ "$pb_pos" -lt "$end" ] || bundle_fail "truncated varint at byte $pb_pos"
    b=$((16#${pb[pb_pos]}))
    pb_pos=$((pb_pos + 1))
    # The 10th byte holds bit 63 only, and ends the varint.
    [ "$shift" -lt 63 ] || [ "$b" -le 1 ] || bundle_fail "varint longer than 64 bits at byte $pb_pos"
    pb_val=$((pb_val | ((b & 127) << shift)))
    [ "$b" -ge 128 ] || return 0
    shift=$((shift + 7))
  done
}

# pb_field END: the field at pb_pos of a message that ends at END: its number pb_num, wire type
# pb_wt, and its value: pb_val (wire type 0), or bytes [pb_start, pb_pos) (wire type 2); pb_pos
# past the field. Wire types 1 and 5 (fixed 64 and 32 bits) are skipped; groups are refused.
pb_field() {
  local end=$1 at=$pb_pos
  pb_varint "$end"
  [ "$pb_val" -ge 8 ] && [ "$pb_val" -le 4294967295 ] || bundle_fail "bad field tag at byte $at"
  pb_num=$((pb_val >> 3))
  pb_wt=$((pb_val & 7))
  case $pb_wt in
    0) pb_varint "$end" ;;
    1 | 5)
      pb_pos=$((pb_pos + (pb_wt == 1 ? 8 : 4)))
      [ "$pb_pos" -le "$end" ] || bundle_fail "truncated field $pb_num at byte $at"
      ;;
    2)
      pb_varint "$end"
      [ "$pb_val" -ge 0 ] && [ "$pb_val" -le $((end - pb_pos)) ] ||
        bundle_fail "length of field $pb_num at byte $at runs past its message"
      pb_start=$pb_pos
      pb_pos=$((pb_pos + pb_val))
      ;;
    *) bundle_fail "field $pb_num at byte $at has wire type $pb_wt" ;;
  esac
}

# pb_hex VAR: the bytes of the last length-delimited field, as hex, into VAR.
pb_hex() { printf -v "$1" '%s' "${pb[@]:pb_start:pb_pos-pb_start}"; }
# pb_text VAR: the bytes of the last length-delimited field, as text, into VAR; control
# characters are refused.
pb_text() {
  local b esc=''
  for b in "${pb[@]:pb_start:pb_pos-pb_start}"; do
    [[ $b != [01]? && $b != 7f ]] || bundle_fail "a string holds the control character 0x$b"
    esc+="\\x$b"
  done
  printf -v "$1" "$esc"
}

# The bundle as read: federation, bundle_version, bundle_quorum (witness_quorum); members
# m_code[i] and m_share[i] (its share_with, as " A B "); keys k_member[j] (a member's index),
# k_kind[j] (log or witness), k_raw[j] (hex), k_from[j] and k_until[j] (RFC 3339 or empty).
federation='' bundle_version=0 bundle_quorum=0
m_code=() m_share=() k_member=() k_kind=() k_raw=() k_from=() k_until=()

# parse_key START END MEMBER KIND: a PublicKeyEntry (1 ed25519, 2 valid_from, 3 valid_until).
parse_key() {
  local end=$2 raw='' vfrom='' vuntil=''
  pb_pos=$1
  while [ "$pb_pos" -lt "$end" ]; do
    pb_field "$end"
    case $pb_num.$pb_wt in
      1.2) pb_hex raw ;;
      2.2) pb_text vfrom ;;
      3.2) pb_text vuntil ;;
    esac
  done
  [ ${#raw} -eq 64 ] || bundle_fail "member ${m_code[$3]:-#$(($3 + 1))}: a $4 key is not 32 bytes"
  k_member+=("$3") k_kind+=("$4") k_raw+=("$raw") k_from+=("$vfrom") k_until+=("$vuntil")
}

# parse_member START END: a Member (1 code, 5 log_keys, 6 witness_keys, 7 share_with; the rest,
# role, endpoint and TLS identities, is not needed here and skipped).
parse_member() {
  local pos=$1 end=$2 i=${#m_code[@]} code share
  m_code+=('') m_share+=(' ')
  while [ "$pos" -lt "$end" ]; do
    pb_pos=$pos
    pb_field "$end"
    pos=$pb_pos
    case $pb_num.$pb_wt in
      1.2) pb_text code && m_code[i]=$code ;;
      5.2) parse_key "$pb_start" "$pos" "$i" log ;;
      6.2) parse_key "$pb_start" "$pos" "$i" witness ;;
      7.2) pb_text share && m_share[i]+="$share " ;;
    esac
  done
}

# parse_bundle: the TrustBundle in pb (1 federation, 2 version, 4 members, 5 witness_quorum;
# 3 issued_at and unknown fields are skipped).
parse_bundle() {
  local pos=0 end=${#pb[@]} i j
  while [ "$pos" -lt "$end" ]; do
    pb_pos=$pos
    pb_field "$end"
    pos=$pb_pos
    case $pb_num.$pb_wt in
      1.2) pb_text federation ;;
      2.0) printf -v bundle_version '%u' "$pb_val" ;;
      4.2) parse_member "$pb_start" "$pos" ;;
      5.0) bundle_quorum=$((pb_val & 4294967295)) ;; # a uint32: protobuf keeps the low 32 bits
    esac
  done
  [ -n "$federation" ] || bundle_fail "no federation"
  [ "$bundle_version" != 0 ] || bundle_fail "no version"
  for ((i = 0; i < ${#m_code[@]}; i++)); do
    [ -n "${m_code[i]}" ] || bundle_fail "member $((i + 1)) has no code"
    for ((j = 0; j < i; j++)); do
      [ "${m_code[i]}" != "${m_code[j]}" ] || bundle_fail "member ${m_code[i]} is listed twice"
    done
  done
}

# member_index CODE: the index of member CODE into mi, or -1.
member_index() {
  for ((mi = 0; mi < ${#m_code[@]}; mi++)); do
    [ "${m_code[mi]}" != "$1" ] || return 0
  done
  mi=-1
}

# --- Times ---------------------------------------------------------------------------------------
# rfc3339 FILE WHAT TIME: the RFC 3339 time TIME as "SECONDS FRACTION" (since the epoch; the
# fraction as 18 digits; comparable in that order) into rfc_time.
rfc3339() {
  local re='^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})' frac s
  re+='(\.([0-9]{1,18}))?(Z|[+-][0-9]{2}:[0-9]{2})$'
  [[ $3 =~ $re ]] || fail "$1: $2 \"$3\" is not an RFC 3339 time"
  frac=${BASH_REMATCH[3]}000000000000000000
  s=$(date -u -d "${BASH_REMATCH[1]}${BASH_REMATCH[4]}" +%s 2>/dev/null) ||
    fail "$1: $2 \"$3\" is not an RFC 3339 time"
  rfc_time="$s ${frac:0:18}"
}
# time_before A B: whether time A ("SECONDS FRACTION") is before time B.
time_before() {
  local as af bs bf
  read -r as af <<<"$1"
  read -r bs bf <<<"$2"
  [ "$as" -lt "$bs" ] || { [ "$as" -eq "$bs" ] && [[ $af < $bf ]]; }
}
# key_valid_at J TIME WHAT OWNER: fails, saying WHAT ("header.txt: signed at ..."), unless TIME
# ("SECONDS FRACTION") lies within the validity (valid_from, valid_until) of key J of the bundle,
# a key of member OWNER.
key_valid_at() {
  local j=$1 at=$2 what=$3 owner=$4
  if [ -n "${k_from[j]}" ]; then
    rfc3339 trust-bundle.json "valid_from of $owner's ${k_kind[j]} key" "${k_from[j]}"
    ! time_before "$at" "$rfc_time" ||
      fail "$what, before ${k_kind[j]} key ${k_id[j]} of $owner is valid (${k_from[j]})"
  fi
  if [ -n "${k_until[j]}" ]; then
    rfc3339 trust-bundle.json "valid_until of $owner's ${k_kind[j]} key" "${k_until[j]}"
    ! time_before "$rfc_time" "$at" ||
      fail "$what, after ${k_kind[j]} key ${k_id[j]} of $owner expired (${k_until[j]})"
  fi
}

# --- Audit paths ---------------------------------------------------------------------------------
# Reads "index N", "size M" and the hashes of proof file $1 into proof_index, proof_size, path.
read_proof() {
  local file=$1 line n=0
  proof_index='' proof_size='' path=()
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [ $n -eq 1 ]; then
      [[ $line =~ ^index\ (0|[1-9][0-9]{0,17})$ ]] || fail "$file: line 1: expected \"index N\""
      proof_index=${BASH_REMATCH[1]}
    elif [ $n -eq 2 ]; then
      [[ $line =~ ^size\ ([1-9][0-9]{0,17})$ ]] || fail "$file: line 2: expected \"size N\""
      proof_size=${BASH_REMATCH[1]}
    else
      [[ $line =~ ^[0-9a-f]{64}$ ]] || fail "$file: line $n: expected 64 hex digits"
      path+=("$line")
    fi
  done <"$file"
  [ -n "$proof_size" ] || fail "$file: missing index and size"
}

# node_hash LEFT RIGHT: SHA-256(0x01 || LEFT || RIGHT) of two hex hashes, into r.
node_hash() {
  { printf '\001'; unhex "$1$2"; } >"$tmp/node"
  sha256_files "$tmp/node"
  r=${shas[0]}
}

# RFC 9162 2.1.3.2: sets proof_root to the root that leaf hash $1 and proof file $2 lead to
# (and proof_index, proof_size as read_proof does).
root_from_proof() {
  local file=$2 fn sn p
  r=$1
  read_proof "$file"
  [ "$proof_index" -lt "$proof_size" ] || fail "$file: index is not below size"
  fn=$proof_index
  sn=$((proof_size - 1))
  for p in ${path[@]+"${path[@]}"}; do
    [ "$sn" -ne 0 ] || fail "$file: the proof is too long"
    if (((fn & 1) == 1 || fn == sn)); then
      node_hash "$p" "$r"
      while (((fn & 1) == 0 && fn != 0)); do
        fn=$((fn >> 1))
        sn=$((sn >> 1))
      done
    else
      node_hash "$r" "$p"
    fi
    fn=$((fn >> 1))
    sn=$((sn >> 1))
  done
  [ "$sn" -eq 0 ] || fail "$file: the proof is too short"
  proof_root=$r
}

# Every file is there, and those read as text hold no NUL byte.
for f in cell.line cell.proof header.txt header.sig header.dsse.json header.proof \
  checkpoint.note log.pub.pem trust-bundle.json bundle.pub.pem; do
  [ -f "$f" ] || fail "$f: missing"
  [ "$f" = header.sig ] || slurp _ "$f"
done

# --- 1. The trust bundle is signed by the bundle key BUNDLE_KEY_ID --------------------------------
pem_raw bundle.pub.pem
bundle_raw=$raw
unhex "$bundle_raw" >"$tmp/bundle.raw"
sha256_files "$tmp/bundle.raw"
[ "${shas[0]}" = "$bundle_key_id" ] ||
  fail "bundle.pub.pem: key id ${shas[0]}, not the bundle key $bundle_key_id"
read_envelope
bundle_type='application/vnd.ots.trust-bundle.v1'
[ "$env_type" = "$bundle_type" ] ||
  fail "trust-bundle.json: payloadType is \"$env_type\", not $bundle_type"
b64_hex "$env_payload" || fail "trust-bundle.json: the payload is not base64"
pb=()
for ((i = 0; i < ${#b64h}; i += 2)); do pb+=("${b64h:i:2}"); done
{
  printf 'DSSEv1 %d %s %d ' ${#bundle_type} "$bundle_type" ${#pb[@]}
  unhex "$b64h"
} >"$tmp/bundle.pae"
signed=no
for i in "${!env_keyids[@]}"; do
  [ "${env_keyids[i]}" = "$bundle_key_id" ] || continue
  signed=bad
  b64_hex "${env_sigs[i]}" && [ ${#b64h} -eq 128 ] || continue # 64 bytes
  unhex "$b64h" >"$tmp/bundle.sig"
  if ed25519_verify "$bundle_raw" "$tmp/bundle.pae" "$tmp/bundle.sig"; then
    signed=yes
    break
  fi
done
[ "$signed" != no ] || fail "trust-bundle.json: no signature by the bundle key $bundle_key_id"
[ "$signed" = yes ] || fail "trust-bundle.json: the signature by the bundle key does not verify"
parse_bundle

# The header fields used below, each of which must be there: hdr[origin], hdr[period], ...
declare -A hdr=()
while IFS=' ' read -r k v || [ -n "$k" ]; do
  case $k in
    origin | period | revision | cells | cells_root | created_at | key_id)
      [ -n "${hdr[$k]+1}" ] || hdr[$k]=$v
      ;;
  esac
done <header.txt
for k in origin period revision cells cells_root created_at key_id; do
  [ -n "${hdr[$k]+1}" ] || fail "header.txt: no field $k"
done
origin=${hdr[origin]}
period=${hdr[period]}
log_name="$federation/log/$origin"
witness_prefix="$federation/witness/"

# Hashes, with one openssl run: the cell's and the header's leaf hashes, SHA-256(0x00 || leaf);
# k_id[j], the key id of each key j of the bundle (SHA-256 of its raw bytes); k_hint[j], its
# 4-byte note key id (c2sp.org/signed-note) under the name it signs with, SHA-256(name || 0x0A ||
# type || raw)[:4]: for log keys type 0x01 and the origin's log name (only the origin's are
# used), for witness keys type 0x04 and <federation>/witness/<member>.
line='' header_text=''
slurp line cell.line
slurp header_text header.txt
printf '\000%s' "$line" >"$tmp/cell.leaf"
printf '\000%s' "$header_text" >"$tmp/header.leaf"
files=("$tmp/cell.leaf" "$tmp/header.leaf")
for j in "${!k_raw[@]}"; do
  unhex "${k_raw[j]}" >"$tmp/id.$j"
  if [ "${k_kind[j]}" = witness ]; then
    printf '%s\n\004' "$witness_prefix${m_code[k_member[j]]}" >"$tmp/hint.$j"
  else
    printf '%s\n\001' "$log_name" >"$tmp/hint.$j"
  fi
  unhex "${k_raw[j]}" >>"$tmp/hint.$j"
  files+=("$tmp/id.$j" "$tmp/hint.$j")
done
sha256_files "${files[@]}"
cell_leaf=${shas[0]}
header_leaf=${shas[1]}
k_id=() k_hint=()
for j in "${!k_raw[@]}"; do
  k_id[j]=${shas[2 + 2 * j]}
  k_hint[j]=${shas[3 + 2 * j]:0:8}
done

# --- 2. The cell is a leaf of the cells root the header names --------------------------------------
[[ $line != *$'\n'* ]] || fail "cell.line: must hold one line and no newline"
root_from_proof "$cell_leaf" cell.proof
cell_index=$proof_index
cell_count=$proof_size
[ "$proof_root" = "${hdr[cells_root]}" ] ||
  fail "cell.proof: cell.line and cell.proof do not lead to the header's cells_root"
[ "$cell_count" = "${hdr[cells]}" ] ||
  fail "cell.proof: tree size $cell_count, header.txt says ${hdr[cells]} cells"
IFS=, read -r ref_area time_period _ <<<"$line"
[ "$ref_area" = "$origin" ] ||
  fail "cell.line: REF_AREA $ref_area is not the header's origin $origin"
[ "$time_period" = "$period" ] ||
  fail "cell.line: TIME_PERIOD $time_period is not the header's period $period"

# --- 2a. A sealed cell's opening, if there is one, is the cell the leaf commits to ----------------
# The commitment is SHA-256("ots-cell-commitment/v1" 0x0A || salt || cell line).
IFS=, read -r _ _ _ _ _ _ c_value c_obs c_conf _ <<<"$line"
shown=$line
shown_note=''
if [[ $c_value == sealed:* ]]; then
  [[ $c_value =~ ^sealed:[0-9a-f]{64}$ && -z $c_obs && $c_conf =~ ^[CD]$ ]] ||
    fail "cell.line: not a sealed line (sealed:, 64 lower-case hex digits, no OBS_STATUS, CONF_STATUS C or D)"
  if [ -f cell.opening ]; then
    opening=''
    slurp opening cell.opening
    [[ $opening == *$'\n' && $opening != *$'\n'*$'\n' && $opening != *$'\r'* ]] ||
      fail "cell.opening: must hold one line ending in a newline (no carriage return)"
    opening=${opening%$'\n'}
    salt=${opening%%,*}
    opened=${opening#*,}
    [[ $salt =~ ^[0-9a-f]{64}$ ]] || fail "cell.opening: the salt is not 64 lower-case hex digits"
    {
      printf 'ots-cell-commitment/v1\n'
      unhex "$salt"
      printf '%s' "$opened"
    } >"$tmp/commitment.in"
    sha256_files "$tmp/commitment.in"
    IFS=, read -r o_ref o_time o_cit o_cat o_sex o_age o_value _ o_conf o_flow <<<"$opened"
    sealed="$o_ref,$o_time,$o_cit,$o_cat,$o_sex,$o_age,sealed:${shas[0]},,$o_conf,$o_flow"
    [ "$sealed" = "$line" ] ||
      fail "cell.opening: salt and cell line do not give the sealed line of cell.line"
    [[ $o_value =~ ^(0|[1-9][0-9]*)$ ]] || fail "cell.opening: OBS_VALUE is not a number"
    shown=$opened
    shown_note=' (sealed in the return; cell.opening opens it)'
  else
    shown_note=' (confidential: its value is sealed, and no cell.opening opens it here)'
  fi
elif [ -f cell.opening ]; then
  fail "cell.opening: cell.line is not sealed"
fi

# --- 3. The header is signed by a log key of its origin in the bundle, valid when it signed ------
member_index "$origin"
origin_i=$mi
[ "$origin_i" -ge 0 ] ||
  fail "header.txt: origin $origin is not a member of $federation's trust bundle"
pem_raw log.pub.pem
log_raw=$raw
entry=-1
for j in "${!k_raw[@]}"; do
  if [ "${k_member[j]}" = "$origin_i" ] && [ "${k_kind[j]}" = log ] &&
    [ "${k_raw[j]}" = "$log_raw" ]; then
    entry=$j
    break
  fi
done
if [ "$entry" -lt 0 ]; then
  unhex "$log_raw" >"$tmp/log.raw"
  sha256_files "$tmp/log.raw"
  fail "log.pub.pem: key ${shas[0]} is not a log key of $origin in the trust bundle"
fi
key_id=${k_id[entry]}
[ "$key_id" = "${hdr[key_id]}" ] ||
  fail "header.txt: names signer key ${hdr[key_id]}, log.pub.pem is $key_id"
created_at=${hdr[created_at]}
rfc3339 header.txt created_at "$created_at"
key_valid_at "$entry" "$rfc_time" "header.txt: signed at $created_at" "$origin"
type='application/vnd.ots.return-header.v1'
printf 'DSSEv1 %d %s %d %s' ${#type} "$type" ${#header_text} "$header_text" >"$tmp/pae"
sig_b64=$(base64 -w0 header.sig)
[[ ${#sig_b64} -eq 88 && $sig_b64 == *== ]] || fail "header.sig: not 64 bytes"
ed25519_verify "$log_raw" "$tmp/pae" header.sig ||
  fail "header.sig: the header signature does not verify"
# The JSON envelope, exactly as formats.md specifies it: no whitespace, no final newline.
dsse="{\"payload\":\"$(base64 -w0 header.txt)\",\"payloadType\":\"$type\","
dsse+="\"signatures\":[{\"keyid\":\"$key_id\",\"sig\":\"$sig_b64\"}]}"
dsse_json=''
slurp dsse_json header.dsse.json
[ "$dsse_json" = "$dsse" ] || fail "header.dsse.json: not the envelope of header.txt and header.sig"

# --- 4. The header is a leaf of the origin's log at the checkpoint's root --------------------------
root_from_proof "$header_leaf" header.proof
log_root=$proof_root
header_index=$proof_index
log_size=$proof_size

# --- 5. The checkpoint: its text up to the blank line, then signature lines ---------------------
# The text names the origin's log in the bundle's federation, with the size and root of the
# tree header.proof leads to.
note=''
slurp note checkpoint.note
[[ $note == *$'\n' ]] || fail "checkpoint.note: does not end with a newline"
note_text=''
in_text=1
n=0
cp=()
sig_lines=()
sig_line_no=()
sig_line_re='^— [^ ]+ [^ ]+$'
while IFS= read -r l; do
  n=$((n + 1))
  if [ $in_text -eq 1 ]; then
    if [ -z "$l" ]; then
      in_text=0
    else
      note_text+="$l"$'\n'
      cp+=("$l")
    fi
  else
    [[ $l =~ $sig_line_re ]] || fail "checkpoint.note: line $n is not a signature line"
    sig_lines+=("$l")
    sig_line_no+=("$n")
  fi
done <checkpoint.note
printf '%s' "$note_text" >"$tmp/note.txt"
[ ${#sig_lines[@]} -gt 0 ] ||
  fail "checkpoint.note: no blank line and signature lines after the text"
[ ${#sig_lines[@]} -le 100 ] || fail "checkpoint.note: more than 100 signature lines"
[ ${#cp[@]} -ge 3 ] || fail "checkpoint.note: the text is not origin, size and root lines"
[ "${cp[0]}" = "$log_name" ] || fail "checkpoint.note: names log ${cp[0]}, not $log_name"
[ "${cp[1]}" = "$log_size" ] || fail "checkpoint.note: size ${cp[1]}, header.proof says $log_size"
[ ${#cp[2]} -eq 44 ] && b64_hex "${cp[2]}" ||
  fail "checkpoint.note: root line is not base64 of 32 bytes"
[ "$b64h" = "$log_root" ] ||
  fail "header.proof: header.txt and header.proof do not lead to the checkpoint's root"

# --- 6. The signature lines: the origin's, and the witnesses' cosignatures ----------------------
# Each line by the log's name must carry the note key id of a log key of the origin in the
# bundle (not necessarily log.pub.pem's: the origin may have rotated its key since the header),
# and that key's signature of the text. Every other line must be named
# <federation>/witness/<MEMBER> for a member of the bundle, and carry the note key id (type 0x04)
# of one of that member's witness keys, an 8-byte big-endian timestamp t and that key's signature
# of "cosignature/v1\ntime <t>\n" followed by the text (c2sp.org/tlog-cosignature).
checkpoint_key_id=''
declare -A cosigned=()
for i in "${!sig_lines[@]}"; do
  l=${sig_lines[i]#— }
  name=${l%% *}
  at="checkpoint.note: line ${sig_line_no[i]} ($name)"
  b64_hex "${l#* }" || fail "$at: the signature is not base64"
  sig_hex=$b64h
  ok=no
  if [ "$name" = "$log_name" ]; then
    [ ${#sig_hex} -eq 136 ] || fail "$at: signature is not 4 + 64 bytes"
    unhex "${sig_hex:8}" >"$tmp/line.sig"
    for j in "${!k_raw[@]}"; do
      [ "${k_member[j]}" = "$origin_i" ] && [ "${k_kind[j]}" = log ] &&
        [ "${k_hint[j]}" = "${sig_hex:0:8}" ] || continue
      if ed25519_verify "${k_raw[j]}" "$tmp/note.txt" "$tmp/line.sig"; then
        ok=yes
        [ -n "$checkpoint_key_id" ] || checkpoint_key_id=${k_id[j]}
        break
      fi
    done
    [ $ok = yes ] || fail "$at: not a valid signature by a log key of $origin in the trust bundle"
    continue
  fi
  [[ $name == "$witness_prefix"?* ]] || fail "$at: neither $log_name nor a witness of $federation"
  member=${name#"$witness_prefix"}
  member_index "$member"
  [ "$mi" -ge 0 ] || fail "$at: $member is not a member of $federation's trust bundle"
  [ ${#sig_hex} -eq 152 ] || fail "$at: cosignature is not 4 + 8 + 64 bytes"
  [[ ${sig_hex:8:1} == [0-7] ]] || fail "$at: cosignature timestamp above 2^63-1"
  t=$((16#${sig_hex:8:16}))
  printf 'cosignature/v1\ntime %s\n%s' "$t" "$note_text" >"$tmp/cosigned.txt"
  unhex "${sig_hex:24}" >"$tmp/line.sig"
  for j in "${!k_raw[@]}"; do
    [ "${k_member[j]}" = "$mi" ] && [ "${k_kind[j]}" = witness ] &&
      [ "${k_hint[j]}" = "${sig_hex:0:8}" ] || continue
    if ed25519_verify "${k_raw[j]}" "$tmp/cosigned.txt" "$tmp/line.sig"; then
      ok=yes
      break
    fi
  done
  [ $ok = yes ] || fail "$at: not a valid cosignature by a witness key of $member in the trust bundle"
  # The witness key must have been valid when it cosigned (a rotated key's end, a new key's start).
  key_valid_at "$j" "$t 000000000000000000" "$at: cosigned at $t (Unix time)" "$member"
  # The origin witnessing its own log adds nothing, and a member the origin does not share with
  # holds none of its log to witness: neither counts toward the quorum.
  [ "$member" = "$origin" ] || [[ ${m_share[origin_i]} != *" $member "* ]] || cosigned[$member]=1
done
[ -n "$checkpoint_key_id" ] || fail "checkpoint.note: no signature by $log_name"

# --- 7. Enough independent witnesses cosigned -----------------------------------------------------
# Required: --quorum N, else the bundle's witness_quorum, but no more than the members other than
# the origin that may see its data (its share_with) and have a witness key.
cosigners=()
for c in ${cosigned[@]+"${!cosigned[@]}"}; do # sorted by insertion
  i=${#cosigners[@]}
  while [ "$i" -gt 0 ] && [[ ${cosigners[i - 1]} > $c ]]; do
    cosigners[i]=${cosigners[i - 1]}
    i=$((i - 1))
  done
  cosigners[i]=$c
done
count=${#cosigners[@]}
if [ -n "$quorum_arg" ]; then
  required=$((10#$quorum_arg))
  by='--quorum'
else
  possible=0
  for ((i = 0; i < ${#m_code[@]}; i++)); do
    [ "$i" -ne "$origin_i" ] && [[ ${m_share[origin_i]} == *" ${m_code[i]} "* ]] || continue
    for j in "${!k_raw[@]}"; do
      if [ "${k_member[j]}" = "$i" ] && [ "${k_kind[j]}" = witness ]; then
        possible=$((possible + 1))
        break
      fi
    done
  done
  required=$((bundle_quorum < possible ? bundle_quorum : possible))
  by='the trust bundle'
fi
if [ "$count" -lt "$required" ]; then
  case $count in
    0) fail "checkpoint.note: cosigned by no witness, $by requires $required" ;;
    1) fail "checkpoint.note: cosigned by 1 witness (${cosigners[*]}), $by requires $required" ;;
    *) fail "checkpoint.note: cosigned by $count witnesses (${cosigners[*]}), $by requires $required" ;;
  esac
fi
[ "$count" -gt 0 ] && cosigned_by=${cosigners[*]} || cosigned_by='no witness'

echo "OK: cell \"$shown\"$shown_note"
echo "    is leaf $cell_index of $cell_count in the cells root of $origin $period" \
  "revision ${hdr[revision]},"
echo "    whose header, signed at $created_at by log key $key_id of $origin,"
echo "    is entry $header_index of log $log_name,"
if [ "$checkpoint_key_id" = "$key_id" ]; then
  echo "    committed to by the checkpoint of size $log_size signed by the same key"
else
  echo "    committed to by the checkpoint of size $log_size signed by log key" \
    "$checkpoint_key_id of $origin"
fi
echo "    and cosigned by $cosigned_by (quorum $required);"
echo "    every key as trust bundle version $bundle_version of federation $federation lists it,"
echo "    signed by the bundle key $bundle_key_id."
