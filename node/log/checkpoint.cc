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

absl::StatusOr<std::vector<CheckedCosignature>> VerifyCosignatureLines(
    absl::string_view federation, absl::string_view note, absl::Span<const std::string> lines,
    const WitnessKeyLookup& witness_keys) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", parsed.status().message()));
  }
  std::vector<CheckedCosignature> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = absl::StrCat("cosignature line ", i + 1);
    absl::StatusOr<NoteSignature> sig = ParseSignatureLine(lines[i]);
    if (!sig.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", sig.status().message()));
    }
    const std::string member = WitnessMember(federation, sig->name);
    if (member.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": \"", sig->name, "\" is not a witness of ", federation));
    }
    const Note one{parsed->text, {*sig}};
    absl::Status last =
        absl::NotFoundError(absl::StrCat("the trust bundle lists no witness key of ", member));
    bool verified = false;
    for (const PublicKey& key : witness_keys(member)) {
      absl::StatusOr<uint64_t> t = VerifyCosignature(one, sig->name, key);
      if (t.ok()) {
        out.push_back(CheckedCosignature{member, *t});
        verified = true;
        break;
      }
      if (!absl::IsNotFound(t.status()) || absl::IsNotFound(last)) {
        last = t.status();
      }
    }
    if (!verified) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " (", sig->name, "): ",
                       absl::IsNotFound(last) && !witness_keys(member).empty()
                           ? "made with no witness key of " + member + " in the trust bundle"
                           : std::string(last.message())));
    }
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
