#!/usr/bin/env bash
# Verifies one cell of an OTS Migration Exchange statistical return, offline, with openssl and
# coreutils alone. `ots-ctl prove` writes it; its source is node/verify.sh in the repository,
# and docs/audit.md walks through the same checks by hand.
#
# Files beside this script:
#   cell.line         the cell's canonical line (no newline): the Merkle leaf
#   cell.proof        "index N", "size M", then the audit path to the cells root, hex, one a line
#   header.txt        the signed return header (exact bytes)
#   header.sig        the origin's Ed25519 signature over DSSE PAE(type, header.txt), 64 bytes
#   header.dsse.json  the same envelope in standard DSSE JSON
#   header.proof      the header's audit path to the checkpoint root (index, size, hashes)
#   checkpoint.note   the origin's signed checkpoint (C2SP signed note)
#   log.pub.pem       the origin's log public key: compare its key id with the trust bundle
#
# Exit 0 and "OK: ..." when everything holds; exit 1 and "FAIL: ..." at the first check that
# does not.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

hex() { od -An -v -tx1 | tr -d ' \n'; }
sha256_hex() { openssl dgst -sha256 -binary | hex; }
unhex() {
  local h=$1 esc='' i
  for ((i = 0; i < ${#h}; i += 2)); do esc+="\\x${h:i:2}"; done
  printf "$esc"
}
node_hash() { { printf '\001'; unhex "$1"; unhex "$2"; } | sha256_hex; }

# Reads "index N", "size M" and the hashes of proof file $1 into proof_index, proof_size, path.
read_proof() {
  local file=$1 line n=0
  proof_index='' proof_size='' path=()
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [ $n -eq 1 ]; then
      [[ $line =~ ^index\ (0|[1-9][0-9]*)$ ]] || fail "$file line 1: expected \"index N\""
      proof_index=${BASH_REMATCH[1]}
    elif [ $n -eq 2 ]; then
      [[ $line =~ ^size\ ([1-9][0-9]*)$ ]] || fail "$file line 2: expected \"size N\""
      proof_size=${BASH_REMATCH[1]}
    else
      [[ $line =~ ^[0-9a-f]{64}$ ]] || fail "$file line $n: expected 64 hex digits"
      path+=("$line")
    fi
  done <"$file"
  [ -n "$proof_size" ] || fail "$file: missing index and size"
}

# RFC 9162 2.1.3.2: sets proof_root to the root that leaf hash $1 and proof file $2 lead to
# (and proof_index, proof_size as read_proof does).
root_from_proof() {
  local r=$1 file=$2 fn sn p
  read_proof "$file"
  [ "$proof_index" -lt "$proof_size" ] || fail "$file: index is not below size"
  fn=$proof_index
  sn=$((proof_size - 1))
  for p in "${path[@]}"; do
    [ "$sn" -ne 0 ] || fail "$file: the proof is too long"
    if (((fn & 1) == 1 || fn == sn)); then
      r=$(node_hash "$p" "$r")
      while (((fn & 1) == 0 && fn != 0)); do
        fn=$((fn >> 1))
        sn=$((sn >> 1))
      done
    else
      r=$(node_hash "$r" "$p")
    fi
    fn=$((fn >> 1))
    sn=$((sn >> 1))
  done
  [ "$sn" -eq 0 ] || fail "$file: the proof is too short"
  proof_root=$r
}

# The value of header field $1.
field() {
  local k v
  while IFS=' ' read -r k v; do
    if [ "$k" = "$1" ]; then
      echo "$v"
      return
    fi
  done <header.txt
  fail "header.txt has no field $1"
}

# 1. The cell is a leaf of the cells root the header names.
line=$(cat cell.line)
[ "$(wc -c <cell.line)" -eq "${#line}" ] || fail "cell.line: must hold one line and no newline"
cell_leaf=$({ printf '\000'; printf '%s' "$line"; } | sha256_hex)
root_from_proof "$cell_leaf" cell.proof
cells_root=$proof_root
cell_index=$proof_index
cell_count=$proof_size
[ "$cells_root" = "$(field cells_root)" ] || fail "cell.line and cell.proof do not lead to the header's cells_root"
[ "$cell_count" = "$(field cells)" ] || fail "cell.proof: tree size $cell_count, header says $(field cells) cells"
IFS=, read -r ref_area time_period _ <<<"$line"
[ "$ref_area" = "$(field origin)" ] || fail "cell REF_AREA $ref_area is not the header's origin"
[ "$time_period" = "$(field period)" ] || fail "cell TIME_PERIOD $time_period is not the header's period"
origin=$(field origin)

# 2. The header is signed by the log key in log.pub.pem, and names that key.
openssl pkey -pubin -in log.pub.pem -outform DER >"$tmp/pub.der" 2>/dev/null || fail "log.pub.pem: not a public key"
[ "$(wc -c <"$tmp/pub.der")" -eq 44 ] || fail "log.pub.pem: not an Ed25519 public key"
[ "$(openssl pkey -pubin -in log.pub.pem | sha256_hex)" = "$(sha256_hex <log.pub.pem)" ] ||
  fail "log.pub.pem: not in canonical PEM form"
tail -c 32 "$tmp/pub.der" >"$tmp/pub.raw"
key_id=$(sha256_hex <"$tmp/pub.raw")
[ "$key_id" = "$(field key_id)" ] || fail "header.txt names signer key $(field key_id), log.pub.pem is $key_id"
type='application/vnd.ots.return-header.v1'
{ printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(wc -c <header.txt)"; cat header.txt; } >"$tmp/pae"
openssl pkeyutl -verify -pubin -inkey log.pub.pem -rawin -in "$tmp/pae" -sigfile header.sig \
  >/dev/null 2>&1 || fail "header.sig: the header signature does not verify"
dsse="{\"payload\":\"$(base64 -w0 header.txt)\",\"payloadType\":\"$type\",\"signatures\":[{\"keyid\":\"$key_id\",\"sig\":\"$(base64 -w0 header.sig)\"}]}"
[ "$(printf '%s\n' "$dsse" | sha256_hex)" = "$(sha256_hex <header.dsse.json)" ] || fail "header.dsse.json is not the envelope of header.txt and header.sig"

# 3. The header is a leaf of the origin's log at the checkpoint's root.
header_leaf=$({ printf '\000'; cat header.txt; } | sha256_hex)
root_from_proof "$header_leaf" header.proof
log_root=$proof_root
header_index=$proof_index
log_size=$proof_size

# 4. The checkpoint is signed by the same key: text up to the blank line, then signature lines.
# Its first line names the log: <federation>/log/<origin>, the federation as its trust bundle
# names it.
log_name=''
: >"$tmp/note.txt"
sig_b64=''
in_text=1
n=0
while IFS= read -r l || [ -n "$l" ]; do
  n=$((n + 1))
  if [ $in_text -eq 1 ]; then
    if [ -z "$l" ]; then
      in_text=0
    else
      printf '%s\n' "$l" >>"$tmp/note.txt"
      if [ "$n" -eq 1 ]; then
        [[ $l =~ ^[^\ +]+/log/$origin$ ]] || fail "checkpoint.note: origin line is $l, not the log of $origin"
        log_name=$l
      fi
    fi
  elif [[ $l == "— $log_name "* ]]; then
    sig_b64=${l#"— $log_name "}
  elif [[ ! $l =~ ^—\ [^\ +]+\ [A-Za-z0-9+/=]+$ ]]; then
    fail "checkpoint.note line $n: not a signature line"
  fi
done <checkpoint.note
[ "$(tail -c 1 checkpoint.note | hex)" = "0a" ] || fail "checkpoint.note: does not end with a newline"
[ -n "$log_name" ] || fail "checkpoint.note: no origin line"
[ -n "$sig_b64" ] || fail "checkpoint.note: no signature by $log_name"
[[ $sig_b64 =~ ^[A-Za-z0-9+/]+=*$ ]] || fail "checkpoint.note: signature is not base64"
printf '%s' "$sig_b64" | base64 -d >"$tmp/note.sig" 2>/dev/null || fail "checkpoint.note: signature is not base64"
[ "$(wc -c <"$tmp/note.sig")" -eq 68 ] || fail "checkpoint.note: signature is not 4 + 64 bytes"
want_hint=$({ printf '%s\n\001' "$log_name"; cat "$tmp/pub.raw"; } | sha256_hex | head -c 8)
[ "$(head -c 4 "$tmp/note.sig" | hex)" = "$want_hint" ] || fail "checkpoint.note: signature key id is not that of log.pub.pem"
tail -c 64 "$tmp/note.sig" >"$tmp/note.sig64"
openssl pkeyutl -verify -pubin -inkey log.pub.pem -rawin -in "$tmp/note.txt" -sigfile "$tmp/note.sig64" \
  >/dev/null 2>&1 || fail "checkpoint.note: the checkpoint signature does not verify"
mapfile -t cp <"$tmp/note.txt"
[ "${cp[0]}" = "$log_name" ] || fail "checkpoint.note: origin line is ${cp[0]}, expected $log_name"
[ "${cp[1]}" = "$log_size" ] || fail "checkpoint.note: size ${cp[1]}, header.proof says $log_size"
[[ ${cp[2]} =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "checkpoint.note: root line is not base64 of 32 bytes"
cp_root=$(printf '%s' "${cp[2]}" | base64 -d | hex)
[ "$cp_root" = "$log_root" ] || fail "header.txt and header.proof do not lead to the checkpoint's root"

echo "OK: cell \"$line\""
echo "    is leaf $cell_index of $cell_count in the cells root of $origin $(field period) revision $(field revision),"
echo "    whose header is signed by key $key_id and is entry $header_index of log $log_name,"
echo "    committed to by the checkpoint of size $log_size signed by the same key."
echo "    Check that $key_id is the log key of $origin in the federation's trust bundle."
