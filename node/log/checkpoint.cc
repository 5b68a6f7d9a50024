#include "node/log/checkpoint.h"

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

absl::StatusOr<Checkpoint> ParseCheckpointNote(absl::string_view note) {
  OTS_ASSIGN_OR_RETURN(Note parsed, ParseNote(note));
  return ParseCheckpoint(parsed.text);
}

std::string CheckpointRootText(absl::string_view note) {
  absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(note);
  return cp.ok() ? absl::Base64Escape(HashBytes(cp->root)) : "?";
}

}  // namespace ots
