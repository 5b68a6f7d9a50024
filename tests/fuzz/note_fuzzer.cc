// Fuzzes signed notes and checkpoints (crypto/note.h, node/log/checkpoint.h): what a node reads
// from every peer's checkpoint and cosignature, with the keys of the seed federation (AZ's log key,
// every member's witness key). The input is one note; it is also read as a bare checkpoint body
// and as one signature line.
//
// Invariants, beyond not crashing:
//   - a note, a checkpoint body and a signature line that parse are written back byte for byte
//     (FormatNote, FormatCheckpoint, FormatSignatureLine);
//   - a signature or cosignature that verifies is the one the seed key makes over that text
//     (IsGenuine): anything else accepted is a forgery;
//   - VerifyOriginCheckpoint accepts only a note AZ's log key signed that names AZ's log, and
//     VerifyCosignatureLines only lines by a witness of the federation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "crypto/bytes.h"
#include "crypto/note.h"
#include "node/log/checkpoint.h"
#include "node/log/names.h"
#include "tests/fuzz/fuzz_util.h"

namespace ots::fuzz {
namespace {

// Every line by `name` with `key`'s key id is the one the key holder would have written.
void CheckNoteSignatures(const Note& note, absl::string_view name, const PrivateKey& key) {
  const std::string key_id = NoteKeyId(name, kNoteKeyTypeEd25519, key.public_key());
  for (const NoteSignature& sig : note.signatures) {
    if (sig.name == name && sig.key_id == key_id) {
      Check(IsGenuine(key, note.text, sig.signature),
            absl::StrCat("forged note signature accepted for ", name));
    }
  }
}

// The same for cosignature/v1 lines, remade with CosignNote at the line's own timestamp.
void CheckCosignatures(const Note& note, absl::string_view name, const PrivateKey& key) {
  const std::string key_id = NoteKeyId(name, kNoteKeyTypeCosignatureV1, key.public_key());
  for (const NoteSignature& sig : note.signatures) {
    if (sig.name != name || sig.key_id != key_id) {
      continue;
    }
    Check(sig.signature.size() == 8 + kEd25519SignatureSize,
          "an accepted cosignature has the wrong size");
    Note remade{note.text, {}};
    Check(CosignNote(&remade, name, key, GetBigEndian64(sig.signature)).ok(),
          absl::StrCat("a cosignature by ", name, " of a note the witness cannot cosign verified"));
    Check(remade.signatures.size() == 1 && remade.signatures[0].signature == sig.signature,
          absl::StrCat("forged cosignature accepted for ", name));
  }
}

void FuzzNote(absl::string_view input) {
  const SeedFederation& fed = SeedFederation::Get();
  const std::string log_name = LogName(kSeedFederation, "AZ");

  absl::StatusOr<Note> note = ParseNote(input);
  absl::StatusOr<Checkpoint> cp_of_note = ParseCheckpointNote(input);
  const std::string root_text = CheckpointRootText(input);
  Check(cp_of_note.ok() == (root_text != "?"), "CheckpointRootText disagrees with the parse");
  if (!note.ok()) {
    Check(!cp_of_note.ok(), "ParseCheckpointNote accepts a note ParseNote refuses");
    return;
  }
  Check(!note->signatures.empty() && note->signatures.size() <= 100,
        "a parsed note has no or too many signatures");
  Check(FormatNote(*note) == input, "FormatNote(ParseNote(n)) != n");
  if (cp_of_note.ok()) {
    Check(FormatCheckpoint(*cp_of_note) == note->text, "a checkpoint note does not round-trip");
  }
  for (const NoteSignature& sig : note->signatures) {
    Check(sig.key_id.size() == 4 && !sig.signature.empty(), "a signature line's parts are wrong");
    absl::StatusOr<NoteSignature> again = ParseSignatureLine(FormatSignatureLine(sig));
    Check(again.ok() && again->name == sig.name && again->key_id == sig.key_id &&
              again->signature == sig.signature,
          "a signature line of a parsed note does not parse back to itself");
  }

  // The origin's signature.
  const PublicKey& az = fed.az_log_key.public_key();
  if (VerifyNote(*note, log_name, az).ok()) {
    CheckNoteSignatures(*note, log_name, fed.az_log_key);
  }
  absl::StatusOr<VerifiedCheckpoint> verified =
      VerifyOriginCheckpoint(kSeedFederation, "AZ", absl::MakeConstSpan(&az, 1), input);
  if (verified.ok()) {
    CheckNoteSignatures(*note, log_name, fed.az_log_key);
    Check(verified->checkpoint.origin == log_name, "a verified checkpoint names another log");
    Check(cp_of_note.ok() && FormatCheckpoint(verified->checkpoint) == note->text,
          "a verified checkpoint is not the note's text");
    Check(verified->key.raw() == az.raw(), "a verified checkpoint names another key");
  }

  // The witnesses' cosignatures, one key at a time, then as a node checks them.
  for (const auto& [member, key] : fed.witness_keys) {
    const std::string name = WitnessName(kSeedFederation, member);
    if (VerifyCosignature(*note, name, key.public_key()).ok()) {
      CheckCosignatures(*note, name, key);
    }
  }
  std::vector<std::string> lines;
  for (const NoteSignature& sig : note->signatures) {
    if (sig.name != log_name) {
      lines.push_back(FormatSignatureLine(sig));
    }
  }
  absl::StatusOr<std::vector<CheckedCosignature>> cosigs = VerifyCosignatureLines(
      kSeedFederation, input, lines,
      [&](absl::string_view member) -> absl::Span<const PublicKey> {
        auto it = fed.witness_public.find(member);
        return it == fed.witness_public.end() ? absl::Span<const PublicKey>()
                                              : absl::MakeConstSpan(it->second);
      },
      nullptr);
  if (cosigs.ok()) {
    Check(cosigs->size() == lines.size(), "VerifyCosignatureLines dropped a line");
    for (size_t i = 0; i < lines.size(); ++i) {
      auto key = fed.witness_keys.find((*cosigs)[i].member);
      Check(key != fed.witness_keys.end(), "a cosignature by a non-witness verified");
      CheckCosignatures(*note, WitnessName(kSeedFederation, key->first), key->second);
    }
    const std::vector<std::string> independent =
        IndependentCosigners(*cosigs, "AZ", [](absl::string_view) { return true; });
    for (size_t i = 0; i < independent.size(); ++i) {
      Check(independent[i] != "AZ" && (i == 0 || independent[i - 1] < independent[i]),
            "IndependentCosigners counts the origin or a witness twice");
    }
  }
}

// The input as a bare checkpoint body and as one signature line.
void FuzzParts(absl::string_view input) {
  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(input);
  if (cp.ok()) {
    Check(FormatCheckpoint(*cp) == input, "FormatCheckpoint(ParseCheckpoint(t)) != t");
  }
  absl::StatusOr<NoteSignature> sig = ParseSignatureLine(input);
  if (sig.ok()) {
    const std::string line = FormatSignatureLine(*sig);
    Check(line == input || line == absl::StrCat(input, "\n"),
          "FormatSignatureLine(ParseSignatureLine(l)) != l");
  }
}

}  // namespace
}  // namespace ots::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ots::fuzz::WarmUp();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ots::fuzz::ResetOpenSslErrors();
  const absl::string_view input = ots::fuzz::AsText(data, size);
  ots::fuzz::FuzzNote(input);
  ots::fuzz::FuzzParts(input);
  return 0;
}
