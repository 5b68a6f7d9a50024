// The client side of the wire: a connection to one node, as a client configuration
// (proto/config.proto ClientConfig) describes it, with the calls ots-ctl makes.
#ifndef OTS_NODE_RPC_CLIENT_H_
#define OTS_NODE_RPC_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/x509.h"
#include "node/base/clock.h"
#include "node/query/query.h"
#include "node/rpc/tls_credentials.h"
#include "node/trust/trust_bundle.h"
#include "proto/config.pb.h"
#include "proto/services.grpc.pb.h"

namespace ots {

// Thread-compatible: one caller at a time.
// OK if the certificate of `files` (PEM text `cert_pem`, key `key`) can be used with a node
// that trusts the CAs of `ca_pem` at `now`; otherwise FAILED_PRECONDITION saying what is wrong,
// naming the files: the key is not the certificate's, the certificate is not issued by a CA of
// the CA file, expired on ..., is not valid before ..., is not for client authentication.
absl::Status CheckOwnCertificate(const v1::TlsFiles& files, absl::string_view cert_pem,
                                 const TlsKey& key, absl::string_view ca_pem, absl::Time now);

class NodeClient {
 public:
  // Reads the TLS files (refusing a key readable by others), checks our own certificate at
  // `clock`'s time (nullptr: the system's), and connects to `address` (or config.node_address if
  // empty), waiting at most `connect_timeout` for the TLS handshake.
  // FAILED_PRECONDITION, naming the file, if our certificate cannot work: the key is not its
  // key, it is not issued by a CA of the CA file, it has expired or is not valid yet, or it is
  // not for client authentication (CheckOwnCertificate).
  // UNAVAILABLE naming the address if the node cannot be reached or the handshake fails, saying
  // why as far as this side can tell: the node's certificate expired on ..., is not issued by
  // our CA, is not for the node name we expect; or the node refused our certificate (its log
  // then says why); or nothing answers TLS there.
  static absl::StatusOr<std::unique_ptr<NodeClient>> Connect(const v1::ClientConfig& config,
                                                             absl::string_view address,
                                                             absl::Duration connect_timeout,
                                                             const Clock* clock = nullptr);

  // Called as a submission's bytes go out: (bytes sent, total bytes).
  using Progress = std::function<void(uint64_t, uint64_t)>;

  // Streams the file at `path` from disk in 1 MiB chunks to Submit (or Validate if `dry_run`),
  // named `file_name` for the node's messages; at most one chunk is held in memory. The node's
  // status passes through: INVALID_ARGUMENT with a summary line for a return with problems
  // (Validate answers OK and lists them in SubmitResponse.problems), PERMISSION_DENIED, ...
  // Errors reading the file name its path.
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view file_name, const std::string& path,
                                            bool dry_run, const Progress& progress);
  // Cells or totals, reassembled from the streamed parts.
  absl::StatusOr<Table> Cells(const v1::CellsRequest& request);
  // The log listing (Query.Log), reassembled as Cells is.
  absl::StatusOr<Table> Log(const v1::LogRequest& request);
  // The reporting calendar (Query.Calendar), reassembled as Cells is.
  absl::StatusOr<Table> Calendar();
  absl::StatusOr<v1::StatusResponse> Status();
  // Submission.Backup: a copy of the node's data folder into `dir` on the node's machine.
  absl::StatusOr<v1::BackupResponse> Backup(const std::string& dir);
  // Submission.PushBundle: hands the node a signed trust bundle (DSSE JSON).
  absl::StatusOr<v1::PushBundleResponse> PushBundle(const std::string& signed_bundle);
  absl::StatusOr<v1::CheckpointResponse> LatestCheckpoint(absl::string_view origin);
  absl::StatusOr<v1::ProveResponse> Prove(const v1::ProveRequest& request);
  // The consolidated table; the node's status passes through (INVALID_ARGUMENT for a bad
  // period, code or log size, PERMISSION_DENIED for an origin that does not share with us).
  absl::StatusOr<v1::ConsolidatedResponse> Consolidated(const v1::ConsolidatedRequest& request);
  // Streams Query.SignedReturn, giving each chunk to `on_chunk` as it arrives. If `on_chunk`
  // fails, the call is cancelled and its error returned; otherwise the node's status passes
  // through (NOT_FOUND, INVALID_ARGUMENT, PERMISSION_DENIED, UNAVAILABLE naming the address).
  absl::Status SignedReturn(
      const v1::SignedReturnRequest& request,
      const std::function<absl::Status(const v1::SignedReturnChunk&)>& on_chunk);

  const std::string& address() const { return address_; }
  // The trust anchor the client configuration names (trust_bundle_file, bundle_public_key_file,
  // bundle_key_id): what everything the node sends is checked against. Read and verified on
  // each call; LoadTrustAnchor's errors.
  absl::StatusOr<TrustAnchor> trust() const;
  // trust(), or the node's bundle (Federation.TrustBundle) if it verifies with the same bundle
  // key and is a newer version of the same federation: a client whose file predates a pushed
  // bundle checks with the one the federation has signed since, and a node cannot hand it an
  // older one (a lower quorum, a retired key). A node that cannot answer changes nothing.
  absl::StatusOr<TrustAnchor> NewestTrust();

 private:
  NodeClient(const v1::ClientConfig& config, std::string address,
             std::shared_ptr<grpc::Channel> channel,
             std::shared_ptr<ServerCertificateReport> report);
  // A table streamed in parts by the call `start` makes (Query.Cells, Query.Log), reassembled,
  // with a deadline 10 minutes from now; the node's status passes through.
  absl::StatusOr<Table> StreamedTable(
      const std::function<
          std::unique_ptr<grpc::ClientReader<v1::TableChunk>>(grpc::ClientContext*)>& start);
  // One unary Query call with a deadline `timeout` from now; the node's status passes through.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub* stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request, absl::Duration timeout);

  const v1::ClientConfig config_;
  const std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  // What the checks of the node's certificate found (a reconnection may meet another one).
  std::shared_ptr<ServerCertificateReport> report_;
  std::unique_ptr<v1::Submission::Stub> submission_;
  std::unique_ptr<v1::Query::Stub> query_;
  std::unique_ptr<v1::Federation::Stub> federation_;
};

}  // namespace ots

#endif  // OTS_NODE_RPC_CLIENT_H_
