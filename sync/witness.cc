#include "sync/witness.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crypto/status_macros.h"
#include "node/log/names.h"
#include "node/model/return_header.h"

namespace ots {

std::string Witness::name() const { return WitnessName(directory_->federation(), self_); }

absl::Status Witness::CheckAgainstLocal(absl::string_view origin, const VerifiedCheckpoint& cp,
                                        absl::string_view note, absl::string_view source) {
  OTS_ASSIGN_OR_RETURN(uint64_t local_size, store_->LogSize(origin));
  const uint64_t size = cp.checkpoint.size;
  if (size > local_size) {
    return absl::FailedPreconditionError(
        absl::StrCat("this node holds ", local_size, " entries of ", origin, ", not yet ", size));
  }
  OTS_ASSIGN_OR_RETURN(Hash root, logs_->Root(origin, size));
  if (root == cp.checkpoint.root) {
    return absl::OkStatus();
  }
  // A key outside its validity at the time of the last entry this note covers did not sign it
  // for the origin then (a retired key, perhaps stolen): no proof of a split view, only a note
  // the origin's log does not take.
  if (size > 0) {
    OTS_ASSIGN_OR_RETURN(v1::LogEntry last, store_->GetLogEntry(origin, size - 1));
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader header, ParseReturnHeader(last.header().payload()));
    absl::Status valid = directory_->CheckLogKeyAt(origin, cp.key, header.created_at());
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, " checkpoint of size ", size, " from ", source, ": signed with log key ",
          cp.key.KeyId(), ", not valid at ", header.created_at(), ": ", valid.message()));
    }
  }
  // The origin signed this note and the checkpoint of the local log; both cannot be true.
  OTS_ASSIGN_OR_RETURN(std::vector<Hash> leaves, logs_->Leaves(origin, local_size));
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint ours, store_->GetCheckpoint(origin, local_size));
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

absl::StatusOr<const PrivateKey*> Witness::KeyAt(absl::Time now) const {
  if (witness_keys_.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(self_, " has no witness key configured"));
  }
  return ChooseKey(*directory_, self_, KeyUse::kWitness, witness_keys_, now);
}

absl::StatusOr<std::string> Witness::CosignText(const Note& note, const PrivateKey& key,
                                                absl::Time now) const {
  if (clock_check_ != nullptr) {
    OTS_RETURN_IF_ERROR(clock_check_->MaySign("a cosignature"));
  }
  Note mine{note.text, {}};
  OTS_RETURN_IF_ERROR(
      CosignNote(&mine, name(), key, static_cast<uint64_t>(absl::ToUnixSeconds(now))));
  return FormatSignatureLine(mine.signatures.back());
}

absl::StatusOr<std::string> Witness::CosignStored(absl::string_view origin, uint64_t size) {
  return CosignStoredAt(origin, size, clock_->Now(), nullptr);
}

absl::StatusOr<std::string> Witness::CosignStoredAt(absl::string_view origin, uint64_t size,
                                                    absl::Time now, bool* added) {
  OTS_ASSIGN_OR_RETURN(const PrivateKey* key, KeyAt(now));
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint stored, store_->GetCheckpoint(origin, size));
  // One cosignature per checkpoint and key is enough; keep the first. After a rotation the new
  // key cosigns again: a verifier may trust the new key only.
  const std::string mine = name();
  const std::string key_id = NoteKeyId(mine, kNoteKeyTypeCosignatureV1, key->public_key());
  for (const std::string& existing : stored.cosignature_lines()) {
    absl::StatusOr<NoteSignature> sig = ParseSignatureLine(existing);
    if (sig.ok() && sig->name == mine && sig->key_id == key_id) {
      return existing;
    }
  }
  OTS_ASSIGN_OR_RETURN(Note note, ParseNote(stored.note()));
  OTS_ASSIGN_OR_RETURN(std::string line, CosignText(note, *key, now));
  OTS_RETURN_IF_ERROR(store_->AddCosignatures(origin, size, {line}).status());
  if (added != nullptr) {
    *added = true;
  }
  if (counts_ != nullptr) {
    counts_->Add(kCosignatureMadeCount, "");
  }
  return line;
}

absl::StatusOr<int> Witness::CosignLatestOnKeyChange() {
  absl::MutexLock lock(&recosign_mu_);
  if (witness_keys_.empty()) {
    return 0;
  }
  const absl::Time now = clock_->Now();
  OTS_ASSIGN_OR_RETURN(const PrivateKey* key, KeyAt(now));
  if (key == recosigned_with_) {
    return 0;
  }
  int made = 0;
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store_->Origins());
  for (const std::string& origin : origins) {
    if (origin == self_) {
      continue;
    }
    OTS_ASSIGN_OR_RETURN(bool frozen, Frozen(origin));
    OTS_ASSIGN_OR_RETURN(uint64_t size, store_->LogSize(origin));
    if (frozen || size == 0) {
      continue;
    }
    bool added = false;
    OTS_RETURN_IF_ERROR(CosignStoredAt(origin, size, now, &added).status());
    made += added ? 1 : 0;
  }
  // Said when the key changed while running, or when a start found checkpoints to cosign again
  // (a rotation's time passed while the node was down).
  if (recosigned_with_ != nullptr || made > 0) {
    logger_->Log(LogLevel::kInfo, "-",
                 absl::StrCat("witness: now cosigning with witness key ", key->public_key().KeyId(),
                              "; cosigned the latest checkpoint of ", made, " logs again with it"));
  }
  recosigned_with_ = key;
  return made;
}

absl::StatusOr<std::string> Witness::Cosign(absl::string_view origin, absl::string_view note,
                                            absl::string_view source) {
  OTS_ASSIGN_OR_RETURN(
      VerifiedCheckpoint cp,
      VerifyOriginCheckpoint(directory_->federation(), origin, directory_->LogKeys(origin), note));
  OTS_RETURN_IF_ERROR(CheckAgainstLocal(origin, cp, note, source));
  const absl::Time now = clock_->Now();
  OTS_ASSIGN_OR_RETURN(const PrivateKey* key, KeyAt(now));
  OTS_ASSIGN_OR_RETURN(Note parsed, ParseNote(note));
  absl::StatusOr<v1::StoredCheckpoint> stored = store_->GetCheckpoint(origin, cp.checkpoint.size);
  if (stored.ok()) {
    OTS_ASSIGN_OR_RETURN(Note stored_note, ParseNote(stored->note()));
    if (stored_note.text == parsed.text) {
      return CosignStoredAt(origin, cp.checkpoint.size, now, nullptr);
    }
  }
  // A prefix this node holds no checkpoint of (or another signature of the same text): cosign
  // the text without storing it.
  return CosignText(parsed, *key, now);
}

std::vector<std::string> Witness::VerifiedCosignatures(
    absl::string_view note, const std::vector<std::string>& lines) const {
  std::vector<std::string> out;
  absl::StatusOr<Note> parsed = ParseNote(note);
  if (!parsed.ok()) {
    return out;
  }
  for (const std::string& line : lines) {
    // Lines are kept and served verbatim, each ending in its newline.
    absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
    if (!sig.ok() || line.back() != '\n') {
      continue;
    }
    absl::StatusOr<CheckedCosignature> checked =
        VerifyCosignatureLine(directory_->federation(), parsed->text, line,
                              WitnessKeysOf(*directory_), WitnessKeyValidityOf(*directory_));
    if (!checked.ok()) {
      continue;
    }
    if (clock_check_ == nullptr ||
        clock_check_
            ->NotInFuture(absl::FromUnixSeconds(static_cast<int64_t>(checked->timestamp)),
                          "a cosignature")
            .ok()) {
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace ots
