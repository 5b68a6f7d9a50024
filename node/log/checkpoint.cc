#include "node/log/checkpoint.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/status_macros.h"
#include "node/log/names.h"

namespace ots {

absl::StatusOr<VerifiedCheckpoint> VerifyOriginCheckpoint(absl::string_view federation,
                                                          absl::string_view origin,
                                                          absl::Span<const PublicKey> keys,
                                                          absl::string_view note) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, " checkpoint: ", parsed.status().message()));
  }
  const std::string log_name = LogName(federation, origin);
  for (const PublicKey& key : keys) {
    if (!VerifyNote(*parsed, log_name, key).ok()) {
      continue;
    }
    absl::StatusOr<Checkpoint> cp = ParseCheckpoint(parsed->text);
    if (!cp.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, " checkpoint: ", cp.status().message()));
    }
    if (cp->origin != log_name) {
      return absl::InvalidArgumentError(absl::StrCat(origin, " checkpoint names log \"", cp->origin,
                                                     "\", not \"", log_name, "\""));
    }
    return VerifiedCheckpoint{*std::move(cp), key};
  }
  return absl::InvalidArgumentError(absl::StrCat(origin, " checkpoint: not signed by a log key of ",
                                                 origin, " in the trust bundle"));
}

absl::StatusOr<CheckedCosignature> VerifyCosignatureLine(absl::string_view federation,
                                                         absl::string_view note_text,
                                                         absl::string_view line,
                                                         const WitnessKeyLookup& witness_keys,
                                                         const WitnessKeyValidity& valid_at) {
  OTS_ASSIGN_OR_RETURN(NoteSignature sig, ParseSignatureLine(line));
  const std::string member = WitnessMember(federation, sig.name);
  if (member.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", sig.name, "\" is not a witness of ", federation));
  }
  const Note one{std::string(note_text), {sig}};
  for (const PublicKey& key : witness_keys(member)) {
    absl::StatusOr<uint64_t> t = VerifyCosignature(one, sig.name, key);
    if (absl::IsNotFound(t.status())) {
      continue;  // the line names another key
    }
    if (!t.ok()) {
      return absl::InvalidArgumentError(t.status().message());
    }
    if (valid_at) {
      const absl::Time at = absl::FromUnixSeconds(static_cast<int64_t>(*t));
      absl::Status valid = valid_at(member, key, at);
      if (!valid.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("made with witness key ", key.KeyId(), " of ", member,
                         ", not valid when it cosigned: ", valid.message()));
      }
    }
    return CheckedCosignature{member, *t};
  }
  return absl::FailedPreconditionError(
      witness_keys(member).empty()
          ? absl::StrCat("the trust bundle lists no witness key of ", member)
          : absl::StrCat("made with no witness key of ", member, " in the trust bundle"));
}

absl::StatusOr<std::vector<CheckedCosignature>> VerifyCosignatureLines(
    absl::string_view federation, absl::string_view note, absl::Span<const std::string> lines,
    const WitnessKeyLookup& witness_keys, const WitnessKeyValidity& valid_at,
    std::vector<std::string>* uncounted) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", parsed.status().message()));
  }
  std::vector<CheckedCosignature> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::StatusOr<CheckedCosignature> one =
        VerifyCosignatureLine(federation, parsed->text, lines[i], witness_keys, valid_at);
    if (uncounted != nullptr && absl::IsFailedPrecondition(one.status())) {
      uncounted->push_back(lines[i]);
      continue;
    }
    if (!one.ok()) {
      absl::StatusOr<NoteSignature> sig = ParseSignatureLine(lines[i]);
      return absl::InvalidArgumentError(absl::StrCat(
          "cosignature line ", i + 1, sig.ok() ? absl::StrCat(" (", sig->name, ")") : "", ": ",
          one.status().message()));
    }
    out.push_back(*std::move(one));
  }
  return out;
}

std::vector<std::string> IndependentCosigners(
    absl::Span<const CheckedCosignature> cosignatures, absl::string_view origin,
    const std::function<bool(absl::string_view member)>& may_witness) {
  std::vector<std::string> out;
  for (const CheckedCosignature& c : cosignatures) {
    if (c.member != origin && may_witness(c.member)) {
      out.push_back(c.member);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpointNote(absl::string_view note) {
  OTS_ASSIGN_OR_RETURN(Note parsed, ParseNote(note));
  return ParseCheckpoint(parsed.text);
}

std::string CheckpointRootText(absl::string_view note) {
  absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(note);
  return cp.ok() ? absl::Base64Escape(HashBytes(cp->root)) : "?";
}

}  // namespace ots
