// What a node tells a caller about itself (Query.Status): its identity and role, how it sees
// the caller, every origin the caller may see with its log size, latest checkpoint and the
// witnesses that cosigned it, and the split views it holds proof of.
#ifndef OTS_NODE_QUERY_STATUS_H_
#define OTS_NODE_QUERY_STATUS_H_

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

}  // namespace ots

#endif  // OTS_NODE_QUERY_STATUS_H_
