#include "sync/witness.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/log/publisher.h"

namespace ots {
namespace {

// The part of a formatted note after its text: its signature lines.
std::string SignatureLines(const Note& note) {
  std::string all = FormatNote(note);
  return all.substr(note.text.size() + 1);
}

}  // namespace

std::string WitnessName(absl::string_view member) {
  return absl::StrCat("ots-mx/witness/", member);
}

std::vector<PublicKey> OriginLogKeys(const Directory& directory, absl::string_view origin) {
  std::vector<PublicKey> keys;
  const v1::Member* member = directory.Find(origin);
  if (member == nullptr) {
    return keys;
  }
  for (const v1::PublicKeyEntry& e : member->log_keys()) {
    absl::StatusOr<PublicKey> k = PublicKey::FromRaw(e.ed25519());
    if (k.ok()) {
      keys.push_back(*std::move(k));
    }
  }
  return keys;
}

absl::Status Witness::CheckAgainstLocal(absl::string_view origin, const VerifiedCheckpoint& cp,
                                        absl::string_view note, absl::string_view source) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store_->ReadLog(origin));
  const uint64_t size = cp.checkpoint.size;
  if (size > log.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("this node holds ", log.size(), " entries of ", origin, ", not yet ", size));
  }
  const std::vector<Hash> leaves = LogLeafHashes(log);
  if (MerkleRoot(absl::Span<const Hash>(leaves.data(), size)) == cp.checkpoint.root) {
    return absl::OkStatus();
  }
  // The origin signed this note and the checkpoint of the local log; both cannot be true.
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint ours, store_->LatestCheckpoint(origin));
  OTS_ASSIGN_OR_RETURN(v1::Evidence evidence,
                       MakeEvidence(origin, ours.note(), note, leaves,
                                    absl::StrCat("checkpoint received from ", source,
                                                 " contradicts the log this node accepted")));
  OTS_RETURN_IF_ERROR(Record(evidence, source));
  return absl::AbortedError(absl::StrCat("split view: ", DescribeEvidence(evidence)));
}

absl::Status Witness::Record(const v1::Evidence& evidence, absl::string_view source) {
  v1::Evidence e = evidence;
  if (e.detected_at().empty()) {
    e.set_detected_at(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_->Now(), absl::UTCTimeZone()));
  }
  if (e.reported_by().empty()) {
    e.set_reported_by(self_);
  }
  OTS_ASSIGN_OR_RETURN(bool added, store_->PutEvidence(e));
  if (added) {
    logger_->Log(LogLevel::kError, source,
                 absl::StrCat("ALARM split view, ", e.origin(),
                              " frozen on this node: ", DescribeEvidence(e)));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Witness::Frozen(absl::string_view origin) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, store_->ListEvidence(origin));
  return !evidence.empty();
}

absl::StatusOr<std::string> Witness::CosignStored(absl::string_view origin, uint64_t size) {
  if (witness_key_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(self_, " has no witness key configured"));
  }
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint stored, store_->GetCheckpoint(origin, size));
  OTS_ASSIGN_OR_RETURN(Note note, ParseNote(stored.note()));
  Note mine{note.text, {}};
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixSeconds(clock_->Now()));
  OTS_RETURN_IF_ERROR(CosignNote(&mine, WitnessName(self_), *witness_key_, now));
  const std::string line = SignatureLines(mine);
  // One cosignature of ours per checkpoint is enough; keep the first.
  const std::string prefix = absl::StrCat("\u2014 ", WitnessName(self_), " ");
  for (const std::string& existing : stored.cosignature_lines()) {
    if (absl::string_view(existing).substr(0, prefix.size()) == prefix) {
      return existing;
    }
  }
  OTS_RETURN_IF_ERROR(store_->AddCosignatures(origin, size, {line}).status());
  return line;
}

absl::StatusOr<std::string> Witness::Cosign(absl::string_view origin, absl::string_view note,
                                            absl::string_view source) {
  const std::vector<PublicKey> keys = OriginLogKeys(*directory_, origin);
  OTS_ASSIGN_OR_RETURN(VerifiedCheckpoint cp, VerifyOriginCheckpoint(origin, keys, note));
  OTS_RETURN_IF_ERROR(CheckAgainstLocal(origin, cp, note, source));
  absl::StatusOr<v1::StoredCheckpoint> stored = store_->GetCheckpoint(origin, cp.checkpoint.size);
  if (stored.ok()) {
    OTS_ASSIGN_OR_RETURN(Note stored_note, ParseNote(stored->note()));
    if (stored_note.text == ParseNote(note)->text) {
      return CosignStored(origin, cp.checkpoint.size);
    }
  }
  // A prefix this node holds no checkpoint of (or another signature of the same text): cosign
  // the text without storing it.
  if (witness_key_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(self_, " has no witness key configured"));
  }
  OTS_ASSIGN_OR_RETURN(Note parsed, ParseNote(note));
  Note mine{parsed.text, {}};
  OTS_RETURN_IF_ERROR(CosignNote(&mine, WitnessName(self_), *witness_key_,
                                 static_cast<uint64_t>(absl::ToUnixSeconds(clock_->Now()))));
  return SignatureLines(mine);
}

std::vector<std::string> Witness::VerifiedCosignatures(
    absl::string_view note, const std::vector<std::string>& lines) const {
  std::vector<std::string> out;
  absl::StatusOr<Note> parsed = ParseNote(note);
  if (!parsed.ok()) {
    return out;
  }
  for (const std::string& line : lines) {
    absl::StatusOr<Note> one = ParseNote(absl::StrCat(parsed->text, "\n", line));
    if (!one.ok() || one->signatures.size() != 1) {
      continue;
    }
    bool verified = false;
    for (const v1::Member& m : directory_->bundle().members()) {
      for (const v1::PublicKeyEntry& e : m.witness_keys()) {
        absl::StatusOr<PublicKey> key = PublicKey::FromRaw(e.ed25519());
        if (key.ok() && VerifyCosignature(*one, WitnessName(m.code()), *key).ok()) {
          verified = true;
        }
      }
    }
    if (verified) {
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace ots
