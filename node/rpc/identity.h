// Who is calling (DESIGN §4). The node identifies every call once, before any handler runs:
// IdentityGate maps the client certificate's public key to a member and a kind of identity
// through the trust bundle, refuses (and logs) any key the bundle does not list, and records the
// identity in the call's AuthContext, where handlers read it with CallerOf.
#ifndef OTS_NODE_RPC_IDENTITY_H_
#define OTS_NODE_RPC_IDENTITY_H_

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "node/base/event_log.h"
#include "node/trust/directory.h"

namespace ots {

// The identity behind the verified client certificate of `auth`. UNAUTHENTICATED without a
// certificate (or one that does not parse), PERMISSION_DENIED if the bundle does not list it.
absl::StatusOr<CallerIdentity> IdentifyCertificate(const grpc::AuthContext& auth,
                                                   const Directory& directory);

// The identity IdentityGate recorded for this call. UNAUTHENTICATED if none is recorded (the
// gate did not run: a server built without it serves nobody).
absl::StatusOr<CallerIdentity> CallerOf(const grpc::ServerContext& context);

// Runs before every call, gRPC's own health and reflection services included. Thread-safe.
class IdentityGate : public grpc::AuthMetadataProcessor {
 public:
  // `directory` and `logger` must outlive the gate.
  IdentityGate(const Directory* directory, Logger* logger)
      : directory_(directory), logger_(logger) {}
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const Directory* const directory_;
  Logger* const logger_;
};

}  // namespace ots

#endif  // OTS_NODE_RPC_IDENTITY_H_
