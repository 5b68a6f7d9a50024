// What a node tells a caller about itself (Query.Status): its identity and role, how it sees
// the caller, every origin the caller may see with its log size, latest checkpoint and the
// witnesses that cosigned it, and the split views it holds proof of.
#ifndef OTS_NODE_QUERY_STATUS_H_
#define OTS_NODE_QUERY_STATUS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"

namespace ots {

// The status of the node of `self` (running since `started_at`) as `caller` may see it; the
// peers' replication status is the server's to add. Store errors pass through.
absl::StatusOr<v1::StatusResponse> DescribeNode(Store& store, const Directory& directory,
                                                absl::string_view self,
                                                absl::string_view started_at,
                                                const CallerIdentity& caller);

// The gap between what a node holds of `origin` (`held_size` entries) and the largest checkpoint
// it has seen cosigned, in words: "AZ: data at size 2, size 3 cosigned by KZ OTS since
// 2026-11-27T10:42:00Z (seen from KZ)"; empty if `seen` is not larger.
std::string DescribeGap(absl::string_view origin, uint64_t held_size,
                        const v1::SeenCheckpoint& seen);

// Fills `out` with `origin`'s log as `store` holds it: size, latest checkpoint, the key id that
// signed it, its cosigners, and the gap to the largest checkpoint seen cosigned, if any.
absl::Status DescribeOrigin(Store& store, const Directory& directory, absl::string_view origin,
                            const std::map<std::string, v1::SeenCheckpoint>& seen,
                            v1::OriginStatus* out);

}  // namespace ots

#endif  // OTS_NODE_QUERY_STATUS_H_
