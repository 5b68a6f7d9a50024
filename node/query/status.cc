#include "node/query/status.h"

#include <string>
#include <utility>
#include <vector>

#include "crypto/note.h"
#include "crypto/status_macros.h"
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
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  for (const std::string& o : origins) {
    if (!directory.MaySee(caller.member, o)) {
      continue;
    }
    OTS_ASSIGN_OR_RETURN(uint64_t size, store.LogSize(o));
    OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint cp, store.LatestCheckpoint(o));
    v1::OriginStatus* s = response.add_origins();
    s->set_origin(o);
    s->set_log_size(size);
    s->set_checkpoint_note(cp.note());
    // The stored lines were verified when they came in.
    for (const std::string& line : cp.cosignature_lines()) {
      absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
      const std::string witness =
          sig.ok() ? WitnessMember(directory.federation(), sig->name) : std::string();
      if (!witness.empty()) {
        s->add_cosigned_by(witness);
      }
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

}  // namespace ots
