#!/usr/bin/env bash
# Writes the seed corpora of the fuzzers (tests/fuzz/corpus/<harness>/seed-*) and seed_keys.h, the
# keys they are signed with, from a new federation made with the project's own tools: ots-ctl
# pki init, import of the sample returns, prove; ots_fuzz_seed_tool cosigns the checkpoint as
# witness nodes would. The files a run made before are replaced (their keys are gone with them);
# hand-written edge cases (edge-*) and saved reproducers (crash-*) are left alone.
#   make_seeds.sh OTS_CTL SEED_TOOL
# Both programs of any build will do, e.g. from the fuzz build:
#   cmake --build build-fuzz --target ots-ctl ots_fuzz_seed_tool
#   bash tests/fuzz/make_seeds.sh build-fuzz/node/ots-ctl \
#     build-fuzz/tests/fuzz/ots_fuzz_seed_tool
set -euo pipefail
ctl=$(realpath "$1")
tool=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
corpus=$here/corpus
work=$(mktemp -d /tmp/ots-fuzz-seeds.XXXXXX)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

federation=ots-fuzz
fed=$work/fed
data=$work/data
# Fixed cosignature times: the seeds differ from run to run only by their keys.
cosigned_at=1717243200

"$ctl" pki init --out "$fed" --federation $federation --states AZ,KZ,UZ --secretariat >/dev/null
bundle=(--trust-bundle "$fed/federation/trust-bundle.json"
  --bundle-pubkey "$fed/federation/bundle.pub.pem")
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ
# AZ's log: two returns, so that a header proof has a path.
periods=(2015 2020)
for p in "${periods[@]}"; do
  "$ctl" import --data-dir "$data" --origin AZ --log-key "$fed/az/log.key" \
    --federation $federation "$work/returns/AZ_$p.csv" >/dev/null
done

# prove_into DIR PERIOD CELL...: the proof of one cell, its checkpoint cosigned by KZ, UZ and the
# Secretariat (the bundle's quorum is 2 of them).
prove_into() {
  local dir=$1 period=$2
  shift 2
  local cells=()
  for c in "$@"; do cells+=(--cell "$c"); done
  "$ctl" prove --data-dir "$data" --origin AZ --period "$period" "${cells[@]}" "${bundle[@]}" \
    --quorum 0 --out "$dir" >/dev/null
  cp "$dir/checkpoint.note" "$dir/checkpoint.origin-only"
  local t=$cosigned_at
  for w in KZ UZ OTS; do
    "$tool" cosign "$dir/checkpoint.note" "$federation/witness/$w" \
      "$fed/${w,,}/witness.key" $t >"$dir/next.note"
    mv "$dir/next.note" "$dir/checkpoint.note"
    t=$((t + 1))
  done
}
prove_into "$work/p2020" 2020 CITIZEN=UZ SEX=F
prove_into "$work/p2015" 2015 CITIZEN=UZ SEX=_T

# archive DIR FILE...: the proof fuzzer's input, each file as "\0file NAME\n" then its bytes.
archive() {
  local dir=$1
  shift
  for f in "$@"; do
    printf '\0file %s\n' "$f"
    cat "$dir/$f"
  done
}
proof_files=(cell.line cell.proof header.txt header.sig header.dsse.json header.proof
  checkpoint.note log.pub.pem trust-bundle.json bundle.pub.pem)

for h in return_csv note dsse proof trust_bundle config; do
  mkdir -p "$corpus/$h"
  rm -f "$corpus/$h"/seed-*
done

# return_csv: two SDMX-CSV returns as make-sample-returns.sh writes them, and a plain CSV as
# ots-ctl query prints one.
cp "$work/returns/AZ_2015.csv" "$corpus/return_csv/seed-sdmx-AZ_2015.csv"
cp "$work/returns/AZ_2020.csv" "$corpus/return_csv/seed-sdmx-AZ_2020.csv"
"$ctl" query --data-dir "$data" --filter TIME_PERIOD=2020 --format csv \
  >"$corpus/return_csv/seed-plain-query-2020.csv"

# note: the checkpoint as the origin signs it and as three witnesses cosigned it, and one
# cosignature line.
cp "$work/p2020/checkpoint.origin-only" "$corpus/note/seed-checkpoint-origin-only.note"
cp "$work/p2020/checkpoint.note" "$corpus/note/seed-checkpoint-cosigned.note"
grep -a "witness/KZ" "$work/p2020/checkpoint.note" >"$corpus/note/seed-cosignature-line.txt"

# dsse: a return header envelope in JSON and in its protobuf form, and the trust bundle's.
cp "$work/p2020/header.dsse.json" "$corpus/dsse/seed-header-2020.json"
"$tool" envelope-binary "$work/p2015/header.dsse.json" >"$corpus/dsse/seed-header-2015.binpb"
cp "$fed/federation/trust-bundle.json" "$corpus/dsse/seed-trust-bundle.json"

# proof: two whole proofs, and one without its cosignatures (below the quorum).
archive "$work/p2020" "${proof_files[@]}" >"$corpus/proof/seed-2020-UZ-F.proof"
archive "$work/p2015" "${proof_files[@]}" >"$corpus/proof/seed-2015-UZ.proof"
cp "$work/p2020/checkpoint.origin-only" "$work/p2020/checkpoint.note"
archive "$work/p2020" "${proof_files[@]}" >"$corpus/proof/seed-2020-no-quorum.proof"

# trust_bundle: the signed bundle and its payload.
cp "$fed/federation/trust-bundle.json" "$corpus/trust_bundle/seed-trust-bundle.json"
"$tool" bundle-payload "$fed/federation/trust-bundle.json" \
  >"$corpus/trust_bundle/seed-payload.binpb"

# config: the configurations pki init writes (a state's node, its operator and auditor, the
# Secretariat's node).
cp "$fed/az/node.textproto" "$corpus/config/seed-az-node.textproto"
cp "$fed/az/operator.textproto" "$corpus/config/seed-az-operator.textproto"
cp "$fed/az/auditor.textproto" "$corpus/config/seed-az-auditor.textproto"
cp "$fed/ots/node.textproto" "$corpus/config/seed-ots-node.textproto"

# seed_keys.h: the keys, and AZ's log as signed (each header's SHA-256 and its sorted cells).
{
  cat <<EOF
// Written by tests/fuzz/make_seeds.sh; do not edit. The federation the seed corpora of
// tests/fuzz/corpus were made with: its private keys (test keys of nothing but these seeds, never
// used elsewhere), and AZ's log as its log key signed it. The harnesses verify with these keys and
// check that whatever verifies is what these keys signed.
#ifndef OTS_TESTS_FUZZ_SEED_KEYS_H_
#define OTS_TESTS_FUZZ_SEED_KEYS_H_

namespace ots::fuzz {

inline constexpr char kSeedFederation[] = "$federation";

inline constexpr char kSeedBundleKey[] = R"(
$(cat "$fed/federation/bundle.key"))";

inline constexpr char kSeedAzLogKey[] = R"(
$(cat "$fed/az/log.key"))";

struct SeedWitnessKey {
  const char* member;
  const char* key_pem;
};
inline constexpr SeedWitnessKey kSeedWitnessKeys[] = {
EOF
  for w in AZ KZ UZ OTS; do
    printf '    {"%s", R"(\n%s)"},\n' "$w" "$(cat "$fed/${w,,}/witness.key")"
  done
  cat <<EOF
};

// AZ's log, entry by entry: the SHA-256 (hex) of the header text, and the cell lines of the
// return, sorted (the leaves of its cells root), each followed by a newline.
struct SeedLogEntry {
  const char* header_sha256;
  const char* cells;
};
inline constexpr SeedLogEntry kSeedAzLog[] = {
EOF
  for p in "${periods[@]}"; do
    index=$(sed -n 's/^index //p' "$work/p$p/header.proof")
    printf '%s %s\n' "$index" "$p"
  done | sort -n | while read -r index p; do
    printf '    {"%s",\n     R"(' "$(sha256sum <"$work/p$p/header.txt" | cut -d' ' -f1)"
    "$ctl" query --data-dir "$data" --filter TIME_PERIOD="$p" --format csv | tail -n +2 | sort
    printf ')"},\n'
  done
  cat <<EOF
};

}  // namespace ots::fuzz

#endif  // OTS_TESTS_FUZZ_SEED_KEYS_H_
EOF
} >"$here/seed_keys.h"

echo "seeds written to $corpus, keys to $here/seed_keys.h"
