#include "node/query/status.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/log/checkpoint.h"
#include "node/log/names.h"

namespace ots {

absl::StatusOr<v1::StatusResponse> DescribeNode(Store& store, const Directory& directory,
                                                absl::string_view self,
                                                absl::string_view started_at,
                                                const CallerIdentity& caller) {
  v1::StatusResponse response;
  const v1::Member* member = directory.Find(self);
  response.set_member(std::string(self));
  response.set_role(
      std::string(RoleName(member == nullptr ? v1::ROLE_UNSPECIFIED : member->role())));
  response.set_federation(directory.federation());
  response.set_bundle_version(directory.bundle().version());
  response.set_caller_member(caller.member);
  response.set_caller_kind(std::string(KindName(caller.kind)));
  response.set_started_at(std::string(started_at));
  response.set_bundle_key_id(directory.bundle_key_id());
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> held, store.Origins());
  OTS_ASSIGN_OR_RETURN(auto seen, store.SeenCheckpoints());
  std::set<std::string> origins(held.begin(), held.end());
  for (const auto& [origin, unused] : seen) {
    origins.insert(origin);  // seen cosigned, but none of it held here yet
  }
  for (const std::string& o : origins) {
    if (directory.MaySee(caller.member, o)) {
      OTS_RETURN_IF_ERROR(DescribeOrigin(store, directory, o, seen, response.add_origins()));
    }
  }
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, store.ListEvidence(""));
  for (v1::Evidence& e : evidence) {
    if (directory.MaySee(caller.member, e.origin())) {
      *response.add_alarms() = std::move(e);
    }
  }
  return response;
}

std::string DescribeGap(absl::string_view origin, uint64_t held_size,
                        const v1::SeenCheckpoint& seen) {
  if (seen.size() <= held_size) {
    return "";
  }
  return absl::StrCat(origin, ": data at size ", held_size, ", size ", seen.size(), " cosigned by ",
                      absl::StrJoin(seen.cosigned_by(), " "), " since ", seen.first_seen_at(),
                      " (seen from ", seen.seen_from(), ")");
}

absl::Status DescribeOrigin(Store& store, const Directory& directory, absl::string_view origin,
                            const std::map<std::string, v1::SeenCheckpoint>& seen,
                            v1::OriginStatus* out) {
  out->set_origin(std::string(origin));
  OTS_ASSIGN_OR_RETURN(uint64_t size, store.LogSize(origin));
  out->set_log_size(size);
  if (size > 0) {
    OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint cp, store.LatestCheckpoint(origin));
    out->set_checkpoint_note(cp.note());
    absl::StatusOr<VerifiedCheckpoint> verified = VerifyOriginCheckpoint(
        directory.federation(), origin, directory.LogKeys(origin), cp.note());
    if (verified.ok()) {
      out->set_log_key_id(verified->key.KeyId());
    }
    // The stored lines were verified when they came in.
    for (const std::string& line : cp.cosignature_lines()) {
      absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
      const std::string witness =
          sig.ok() ? WitnessMember(directory.federation(), sig->name) : std::string();
      // Once per witness, whether it cosigned with one key or, across a rotation, with two.
      if (!witness.empty() && std::find(out->cosigned_by().begin(), out->cosigned_by().end(),
                                        witness) == out->cosigned_by().end()) {
        out->add_cosigned_by(witness);
      }
    }
  }
  auto it = seen.find(std::string(origin));
  if (it != seen.end() && it->second.size() > size) {
    *out->mutable_seen() = it->second;
    out->set_behind(DescribeGap(origin, size, it->second));
  }
  return absl::OkStatus();
}

}  // namespace ots
