// ots-node as a library: checks everything its configuration names, opens the store, serves
// the gRPC services over TLS 1.3 with verified client certificates (DESIGN §4) and replicates
// with the other members' nodes (sync/).
#ifndef OTS_NODE_SERVER_NODE_SERVER_H_
#define OTS_NODE_SERVER_NODE_SERVER_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"
#include "crypto/x509.h"
#include "node/base/clock.h"
#include "node/base/clock_check.h"
#include "node/base/event_counts.h"
#include "node/base/event_log.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/rpc/federation_service.h"
#include "node/rpc/services.h"
#include "node/rpc/tls_credentials.h"
#include "node/server/admin_server.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "proto/config.pb.h"
#include "sync/syncer.h"
#include "sync/witness.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace ots {

class RpcMetrics;  // node/server/metrics.h

// Everything a node's configuration names, loaded and cross-checked against the trust bundle.
struct NodeSetup {
  v1::NodeConfig config;
  std::unique_ptr<Directory> directory;
  std::string cert_pem;
  std::string key_pem;
  std::string ca_pem;
  std::string tls_spki;  // SHA-256 of the certificate's public key, lower-case hex
  // The CAs peers' certificates may chain to: ca_pem's and the bundle's (TrustedCasOf), shared
  // by the listener and every peer channel, replaced when a new bundle is applied.
  std::shared_ptr<TrustedCas> trusted_cas;
  std::optional<PrivateKey> log_key;          // states only: log_key_file's
  std::vector<PrivateKey> more_log_keys;      // log_key_files' (a rotation)
  std::optional<PrivateKey> witness_key;      // if configured
  std::vector<PrivateKey> more_witness_keys;  // witness_key_files' (a rotation)
  std::string listen_address;
  // Said in the log at start when the node goes on with a newer bundle its data folder kept.
  std::string bundle_note;
};

// The CAs of the PEM text `ca_pem` (the CA file) and those `bundle` lists for its members that
// are not revoked (Member.tls_ca_certificates).
std::vector<Certificate> TrustedCasOf(const std::string& ca_pem, const v1::TrustBundle& bundle);

// A node's TLS identity and CAs as its configuration's files hold them, checked.
struct TlsMaterial {
  std::string cert_pem;
  std::string key_pem;
  std::string ca_pem;
  std::string spki;                  // of the certificate's key, lower-case hex SHA-256
  std::vector<Certificate> trusted;  // TrustedCasOf(ca_pem, bundle)
  absl::Time not_after;
  std::string subject;
};
// Reads tls.cert_file, key_file and ca_file of `config` and checks them: the key private and the
// certificate's, the certificate issued by a trusted CA and valid at `now`, its key a NODE
// identity of the config's origin in `directory`. Errors name the file.
absl::StatusOr<TlsMaterial> LoadTlsMaterial(const v1::NodeConfig& config,
                                            const Directory& directory, absl::Time now);

// Loads `config` (as LoadNodeConfig returns it). Fatal problems, each naming the file: a missing
// or unreadable file, a private key readable by group or others, a TLS key that does not match
// its certificate, a certificate not issued by the CA or not valid now, a bundle whose signature
// does not verify, a node certificate or log key the bundle does not list for this member.
absl::StatusOr<NodeSetup> LoadNodeSetup(const v1::NodeConfig& config, const Clock& clock);

// A serving node. Thread-safe.
class NodeServer {
 public:
  struct Options {
    // Overrides the listen address ("127.0.0.1:0" picks a free port). Default: from setup.
    std::string listen_address;
    // Overrides admin.listen_address of the configuration (port 0 picks one); "" keeps it.
    std::string admin_listen_address;
  };

  // Opens the store, binds the listener and starts serving, and logs a WARN for each certificate
  // or key that expires within 30 days (ExpiryWarnings). `clock` and `logger` must outlive
  // the server. UNAVAILABLE if the address cannot be bound; FAILED_PRECONDITION if the store
  // belongs to another member or federation, or holds a newer trust bundle version.
  static absl::StatusOr<std::unique_ptr<NodeServer>> Start(NodeSetup setup, const Clock* clock,
                                                           Logger* logger, const Options& options);
  ~NodeServer();

  // host:port actually listened on.
  const std::string& address() const { return address_; }
  // host:port of the admin listener (metrics, health); empty if there is none.
  std::string admin_address() const { return admin_ == nullptr ? "" : admin_->address(); }

  // Why the node cannot take returns now, one reason a line (its store cannot write, its clock
  // is off, it is recovering its own log, it is stopping); empty when it is ready. What /readyz
  // and the ots_ready metric say.
  std::vector<std::string> NotReadyReasons() const;

  // The admin listener's answer to a GET of `path`: /metrics, /healthz, /readyz, and
  // /dashboard (with `query` choosing its table: period, stay_cat, sex).
  AdminResponse Admin(absl::string_view path, absl::string_view query = "");
  // The dashboard page (node/server/dashboard.h) for `query`.
  std::string DashboardPage(absl::string_view query);

  // The metrics in the Prometheus text format, as /metrics serves them.
  std::string MetricsText();

  // What ots-node does on SIGHUP (systemctl reload): ReloadTls, then the configured trust
  // bundle file again, applied if it is newer than the bundle held (ApplyBundle). Each failure
  // is logged; the first is returned.
  absl::Status Reload();

  // Checks `signed_bundle`, handed over by `source` ("operator AZ/operator(...)", "peer KZ"):
  // signed by the federation's bundle key, valid, of this federation, listing this node's
  // member, and newer than the bundle held. Then keeps it in the data folder (a restart goes on
  // with it) and applies it: identities, keys, policies and peers, without a restart. The same
  // bundle again is answered as unchanged. Thread-safe.
  absl::StatusOr<v1::PushBundleResponse> ApplyBundle(const std::string& source,
                                                     const std::string& signed_bundle);

  // Reads the node's TLS certificate, key and CA file again (tls.* of its configuration) and, if
  // they check out (LoadTlsMaterial), presents them from now on: the listener from its next
  // handshake (within kServedTlsRefreshSeconds), every peer from its next call, over a new
  // connection; connections open stay up. Files as they were: OK, nothing done. Files that do not
  // check out: the ones in use stay, and the error (also logged) says why. The node calls it
  // itself when one of the files changes; ots-node on SIGHUP. Thread-safe.
  absl::Status ReloadTls();

  // Stops accepting calls, lets calls in flight finish for up to `grace` (then cancels them),
  // and closes the store cleanly. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  NodeServer() = default;

  // The steps of Start.
  absl::Status OpenStore();
  void MakeServices(const Clock* clock, absl::Duration max_clock_skew);
  // Makes the syncer's peers those of the current bundle: every member but this one that is not
  // revoked and has an endpoint (or an override in sync.peer_endpoints).
  void UpdatePeers();
  // The bundle in the data folder if it is newer than the configured file's.
  absl::Status TakeStoredBundle();
  // The log key this node signs with at `now`: of its configured keys, those the current bundle
  // lists for this member valid at `now`, the one valid from the latest time. FAILED_PRECONDITION
  // saying which keys it holds and their dates if none is.
  absl::StatusOr<const PrivateKey*> ChooseLogKey(absl::Time now) const;
  // The CA certificates the listener names to clients: `ca_pem` (the CA file's) and the current
  // bundle's.
  std::string CaNamesPem(const std::string& ca_pem) const;
  // Until Shutdown, every kWatchPeriod: ReloadTls whenever the TLS files' inode, size or time
  // changes, and again after a new bundle if they were not taken; and the witness's
  // CosignLatestOnKeyChange (a witness key rotation takes over at its time, or with a bundle).
  void WatchFilesAndKeys();
  // Witness::CosignLatestOnKeyChange, its failures logged once each.
  void RecosignOnKeyChange();
  // Whether every peer that is not stale holds trust bundle `version` or a newer one.
  bool PeersHold(uint64_t version) const;
  absl::Status Listen(const std::string& address);
  // Starts the admin listener on `address` (HTTPS off loopback, AdminServer).
  absl::Status StartAdmin(const std::string& address);
  // The trust bundle file of the configuration, applied if newer (Reload).
  absl::Status ReloadBundleFile();

  NodeSetup setup_;
  std::unique_ptr<ClockCheck> clock_check_;
  std::unique_ptr<OwnLogGuard> own_log_;  // null on the Secretariat, which signs no returns
  std::unique_ptr<Store> store_;
  std::unique_ptr<OriginLogs> logs_;
  std::unique_ptr<Publisher> publisher_;
  NodeContext context_;
  std::unique_ptr<SubmissionService> submission_;
  std::unique_ptr<QueryService> query_;
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<FederationService> federation_;
  std::unique_ptr<Syncer> syncer_;
  std::shared_ptr<HandshakeAddresses> handshake_addresses_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  SyncOptions sync_options_;
  absl::Mutex bundle_mu_;  // one bundle applied at a time
  absl::Mutex reload_mu_;  // one TLS reload at a time
  // Guards setup_.cert_pem, key_pem, ca_pem and tls_spki, which ReloadTls replaces.
  mutable absl::Mutex tls_mu_;
  std::shared_ptr<ServedTlsFiles> served_tls_;   // what the listener presents
  std::shared_ptr<PresentedIdentity> identity_;  // what the peer channels present
  std::thread watcher_;
  bool recosign_ok_ = true;  // as last logged; by Start, then the watcher thread only
  absl::Notification stop_watching_;
  const Clock* clock_ = nullptr;
  Logger* logger_ = nullptr;
  // Counted by the services, witness and syncer; exported by MetricsText.
  EventCounts counts_;
  std::unique_ptr<RpcMetrics> rpc_metrics_;
  std::unique_ptr<AdminServer> admin_;
  std::atomic<bool> serving_{false};
};

}  // namespace ots

#endif  // OTS_NODE_SERVER_NODE_SERVER_H_
