#include "node/server/node_server.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "node/base/text.h"
#include "node/rpc/grpc_peer.h"
#include "node/rpc/identity.h"
#include "node/rpc/tls_credentials.h"
#include "node/server/expiry.h"
#include "node/trust/config.h"
#include "node/trust/pki.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

constexpr uint32_t kDefaultMaxClockSkewSeconds = 300;
// How long a client has for its TLS and HTTP/2 handshakes, and how much longer a connection
// counts as possibly in its handshake when a refusal's address is looked for.
constexpr absl::Duration kHandshakeTimeout = absl::Seconds(20);
constexpr absl::Duration kHandshakeAddressSlack = absl::Seconds(10);

absl::Status Named(absl::string_view file, const absl::Status& s) {
  if (s.ok() || absl::StrContains(s.message(), file)) {
    return s;
  }
  return absl::Status(s.code(), absl::StrCat(file, ": ", s.message()));
}

absl::Status Require(const std::string& value, absl::string_view config_file,
                     absl::string_view field) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(config_file, ": ", field, " is not set"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NodeSetup> LoadNodeSetup(const v1::NodeConfig& config, const Clock& clock) {
  NodeSetup setup;
  setup.config = config;
  const std::string where = "the node configuration";
  OTS_RETURN_IF_ERROR(Require(config.tls().cert_file(), where, "tls.cert_file"));
  OTS_RETURN_IF_ERROR(Require(config.tls().key_file(), where, "tls.key_file"));
  OTS_RETURN_IF_ERROR(Require(config.tls().ca_file(), where, "tls.ca_file"));
  OTS_RETURN_IF_ERROR(Require(config.trust_bundle_file(), where, "trust_bundle_file"));
  OTS_RETURN_IF_ERROR(Require(config.bundle_public_key_file(), where, "bundle_public_key_file"));

  // The trust bundle first: everything else is checked against it.
  OTS_ASSIGN_OR_RETURN(TrustAnchor anchor, LoadTrustAnchor(config.trust_bundle_file(),
                                                           config.bundle_public_key_file()));
  setup.directory = std::make_unique<Directory>(std::move(anchor));
  const v1::Member* self = setup.directory->Find(config.origin());
  if (self == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        config.trust_bundle_file(), ": ", config.origin(), " is not a member of the federation"));
  }

  // TLS identity: key file private, matching its certificate, issued by the CA, valid now.
  const v1::TlsFiles& tls = config.tls();
  OTS_ASSIGN_OR_RETURN(TlsKey tls_key, TlsKey::LoadPemFile(tls.key_file()));
  OTS_ASSIGN_OR_RETURN(setup.cert_pem, ReadFile(tls.cert_file()));
  OTS_ASSIGN_OR_RETURN(setup.ca_pem, ReadFile(tls.ca_file()));
  absl::StatusOr<Certificate> cert = Certificate::FromPem(setup.cert_pem);
  OTS_RETURN_IF_ERROR(Named(tls.cert_file(), cert.status()));
  absl::StatusOr<std::vector<Certificate>> cas = CertificatesFromPem(setup.ca_pem);
  OTS_RETURN_IF_ERROR(Named(tls.ca_file(), cas.status()));
  if (cert->SpkiSha256Hex() != tls_key.SpkiSha256Hex()) {
    return absl::FailedPreconditionError(
        absl::StrCat(tls.key_file(), ": is not the key of ", tls.cert_file()));
  }
  // The CA file may hold several CAs (one per state that keeps its own); one must have issued
  // this node's certificate.
  absl::Status issued;
  for (const Certificate& ca : *cas) {
    issued = VerifyIssuedBy(*cert, ca, clock.Now());
    if (issued.ok()) {
      break;
    }
  }
  if (!issued.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(tls.cert_file(), ": does not verify against ",
                                                      tls.ca_file(), ": ", issued.message()));
  }
  absl::StatusOr<CallerIdentity> me = setup.directory->Identify(cert->SpkiSha256Hex());
  if (!me.ok() || me->member != config.origin() || me->kind != v1::TlsIdentity::NODE) {
    return absl::FailedPreconditionError(
        absl::StrCat(tls.cert_file(), ": its key is not a node identity of ", config.origin(),
                     " in ", config.trust_bundle_file()));
  }
  setup.key_pem = tls_key.ToPem();

  // Signing keys: each must be one the bundle lists for this member.
  auto listed = [](const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>& keys,
                   const PublicKey& k) {
    for (const v1::PublicKeyEntry& e : keys) {
      if (e.ed25519() == k.raw()) {
        return true;
      }
    }
    return false;
  };
  if (self->role() != v1::SECRETARIAT) {
    OTS_ASSIGN_OR_RETURN(PrivateKey log_key, PrivateKey::LoadPemFile(config.log_key_file()));
    if (!listed(self->log_keys(), log_key.public_key())) {
      return absl::FailedPreconditionError(absl::StrCat(
          config.log_key_file(), ": key ", log_key.public_key().KeyId(), " is not a log key of ",
          config.origin(), " in ", config.trust_bundle_file()));
    }
    setup.log_key = std::move(log_key);
  }
  if (!config.witness_key_file().empty()) {
    OTS_ASSIGN_OR_RETURN(PrivateKey witness, PrivateKey::LoadPemFile(config.witness_key_file()));
    if (!listed(self->witness_keys(), witness.public_key())) {
      return absl::FailedPreconditionError(absl::StrCat(
          config.witness_key_file(), ": key ", witness.public_key().KeyId(),
          " is not a witness key of ", config.origin(), " in ", config.trust_bundle_file()));
    }
    setup.witness_key = std::move(witness);
  }
  setup.listen_address =
      config.listen_address().empty() ? self->endpoint() : config.listen_address();
  return setup;
}

absl::Status NodeServer::OpenStore() {
  const std::string& member = setup_.config.origin();
  Store::Options store_options;
  store_options.create_if_missing = true;
  OTS_ASSIGN_OR_RETURN(store_, Store::Open(setup_.config.data_dir(), store_options));
  Logger* logger = logger_;
  store_->SetHealthListener([logger](const absl::Status& s) {
    if (s.ok()) {
      logger->Log(LogLevel::kInfo, "-", "store: writes work again; accepting returns");
    } else {
      logger->Log(LogLevel::kError, "-",
                  absl::StrCat("store: a write failed: ", s.message(),
                               "; serving reads and accepting nothing until writes work again "
                               "(the node recovers by itself once the disk has room)"));
    }
  });
  absl::StatusOr<std::string> bound = store_->GetMeta(kNodeOriginMeta);
  if (bound.ok() && *bound != member) {
    return absl::FailedPreconditionError(absl::StrCat(setup_.config.data_dir(),
                                                      ": this data folder belongs to the node of ",
                                                      *bound, ", not ", member));
  }
  const std::string& federation = setup_.directory->federation();
  absl::StatusOr<std::string> holds = store_->GetMeta(kFederationMeta);
  if (holds.ok() && *holds != federation) {
    return absl::FailedPreconditionError(
        absl::StrCat(setup_.config.data_dir(), ": this data folder holds the logs of federation ",
                     *holds, ", not ", federation, " (", setup_.config.trust_bundle_file(), ")"));
  }
  // A node accepts only a trust bundle at least as new as the newest it has run with.
  const uint64_t version = setup_.directory->bundle().version();
  absl::StatusOr<std::string> seen = store_->GetMeta(kBundleVersionMeta);
  uint64_t seen_version = 0;
  if (seen.ok() && absl::SimpleAtoi(*seen, &seen_version) && seen_version > version) {
    return absl::FailedPreconditionError(
        absl::StrCat(setup_.config.trust_bundle_file(), ": version ", version,
                     " is older than version ", seen_version, " this node already ran with"));
  }
  OTS_RETURN_IF_ERROR(store_->PutMeta(kBundleVersionMeta, absl::StrCat(version)));
  logs_ = std::make_unique<OriginLogs>(store_.get(), federation);
  return absl::OkStatus();
}

void NodeServer::MakeServices(const Clock* clock, absl::Duration max_clock_skew) {
  const NodeSetup& s = setup_;
  int peers = 0;
  for (const v1::Member& m : s.directory->bundle().members()) {
    peers += m.code() != s.config.origin() ? 1 : 0;
  }
  clock_check_ = std::make_unique<ClockCheck>(clock, logger_, max_clock_skew, absl::Minutes(10),
                                              std::min(peers, 2));
  if (s.log_key.has_value()) {
    publisher_ = std::make_unique<Publisher>(logs_.get(), &*s.log_key, clock, clock_check_.get());
    // Every start waits for the peers before signing: they may hold more of the own log than
    // the folder does (a folder rolled back or emptied). A restored folder waits for a peer that
    // holds the log; so does a folder whose mark cannot be read (docs/operations.md, "Backups
    // and restores").
    absl::StatusOr<std::string> restored = store_->GetMeta(kRestoredMeta);
    const bool marked = restored.ok() ? !restored->empty() : !absl::IsNotFound(restored.status());
    OwnLogGuard::Wait wait = OwnLogGuard::Wait::kUntilAsked;
    if (marked) {
      wait = OwnLogGuard::Wait::kUntilAnswered;  // with replication off, it never signs
    } else if (s.config.sync().disabled()) {
      wait = OwnLogGuard::Wait::kNo;  // no peer to ask
    }
    own_log_ = std::make_unique<OwnLogGuard>(wait);
    publisher_->set_own_log_guard(own_log_.get());
    OwnLogGuard* guard = own_log_.get();
    Store* store = store_.get();
    const std::string origin = s.config.origin();
    context_.own_log_recovery = [guard, store, origin] {
      absl::StatusOr<uint64_t> size = store->LogSize(origin);
      return size.ok() ? guard->State(*size) : std::string(size.status().message());
    };
  }
  context_.member = s.config.origin();
  context_.logs = logs_.get();
  context_.publisher = publisher_.get();
  context_.directory = s.directory.get();
  context_.logger = logger_;
  context_.clock = clock;
  context_.max_return_bytes = MaxReturnBytes(s.config);
  context_.accepted_dataflows = AcceptedDataflows(s.config);
  context_.started_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock->Now(), absl::UTCTimeZone());
  context_.clock_check = clock_check_.get();
  context_.expiry_warnings = [this, clock] { return ExpiryWarnings(setup_, clock->Now()); };
  submission_ = std::make_unique<SubmissionService>(&context_);
  query_ = std::make_unique<QueryService>(&context_);
  witness_ = std::make_unique<Witness>(logs_.get(), s.directory.get(), context_.member,
                                       s.witness_key.has_value() ? &*s.witness_key : nullptr, clock,
                                       logger_);
  witness_->set_clock_check(clock_check_.get());
  if (own_log_ != nullptr) {
    absl::StatusOr<bool> frozen = witness_->Frozen(s.config.origin());
    if (!frozen.ok() || *frozen) {
      own_log_->NoteFrozen();  // proof kept from before, or unreadable: sign nothing
    }
  }
}

void NodeServer::AddPeers(const SyncOptions& sync_options) {
  const NodeSetup& s = setup_;
  const v1::SyncConfig& sync = s.config.sync();
  for (const v1::Member& peer : s.directory->bundle().members()) {
    if (peer.code() == context_.member) {
      continue;
    }
    auto override_it = sync.peer_endpoints().find(peer.code());
    GrpcPeerOptions peer_options;
    peer_options.member = peer.code();
    peer_options.endpoint =
        override_it != sync.peer_endpoints().end() ? override_it->second : peer.endpoint();
    if (peer_options.endpoint.empty()) {
      continue;
    }
    peer_options.server_name = NodeServerName(peer.code(), s.directory->federation());
    peer_options.cert_pem = s.cert_pem;
    peer_options.key_pem = s.key_pem;
    peer_options.ca_pem = s.ca_pem;
    peer_options.clock = clock_;
    peer_options.logger = logger_;
    peer_options.watch_timeout = std::max(absl::Minutes(1), 4 * sync_options.poll_interval);
    peer_options.reconnect_max = sync_options.backoff_max;
    // A watch answers at least every poll interval; silent for two, it is taken for dead.
    peer_options.watch_keepalive = sync_options.poll_interval;
    const std::string endpoint = peer_options.endpoint;
    syncer_->AddPeer(peer.code(), endpoint,
                     std::make_unique<GrpcPeerTransport>(peer_options, s.directory.get()));
  }
}

absl::Status NodeServer::Listen(const std::string& address) {
  const NodeSetup& s = setup_;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // Each refused handshake is logged with the client's address, which a socket mutator records
  // as connections are accepted (node/rpc/tls_credentials.h).
  handshake_addresses_ =
      std::make_shared<HandshakeAddresses>(kHandshakeTimeout + kHandshakeAddressSlack);
  ServerTlsOptions tls;
  tls.cert_pem = s.cert_pem;
  tls.key_pem = s.key_pem;
  tls.ca_pem = s.ca_pem;
  tls.clock = clock_;
  tls.logger = logger_;
  tls.addresses = handshake_addresses_;
  std::shared_ptr<grpc::ServerCredentials> credentials = NodeServerCredentials(tls);
  credentials->SetAuthMetadataProcessor(std::make_shared<IdentityGate>(s.directory.get(), logger_));

  int port = 0;
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second node on the same port would start "fine" and
  // take half of the first one's connections. Refuse to start instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // A connection must finish its TLS and HTTP/2 handshakes within this (gRPC's default is 2
  // minutes); HandshakeAddresses counts on it.
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(kHandshakeTimeout)));
  builder.SetOption(HandshakeAddresses::Option(handshake_addresses_));
  // Keepalive from this side too: a peer that vanished without a reset holds a watch stream (and
  // a thread) here until an unanswered ping closes its connection. Peers ping every 10 s; more
  // often than every 4 s would be abuse.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 4000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4 << 20);
  builder.AddListeningPort(address, credentials, &port);
  builder.RegisterService(submission_.get());
  builder.RegisterService(query_.get());
  builder.RegisterService(federation_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", Quoted(address),
        " (listen_address, the --listen flag or the member's endpoint in the trust bundle): the "
        "port is taken, or the host is not an address of this machine"));
  }
  // Health of the server ("") and of each service by name, as grpc_health_probe -service and
  // Kubernetes probes ask; any other name is NOT_FOUND.
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const char* service : {v1::Submission::service_full_name(), v1::Query::service_full_name(),
                              v1::Federation::service_full_name()}) {
    health->SetServingStatus(service, true);
  }
  address_ = absl::StrCat(address.substr(0, address.rfind(':')), ":", port);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<NodeServer>> NodeServer::Start(NodeSetup setup, const Clock* clock,
                                                              Logger* logger,
                                                              const Options& options) {
  std::unique_ptr<NodeServer> node(new NodeServer());
  node->logger_ = logger;
  node->clock_ = clock;
  node->setup_ = std::move(setup);
  const NodeSetup& s = node->setup_;
  OTS_RETURN_IF_ERROR(node->OpenStore());
  const v1::SyncConfig& sync = s.config.sync();
  node->MakeServices(
      clock, absl::Seconds(sync.max_clock_skew_seconds() > 0 ? sync.max_clock_skew_seconds()
                                                             : kDefaultMaxClockSkewSeconds));

  SyncOptions sync_options;
  if (sync.poll_interval_seconds() > 0) {
    sync_options.poll_interval = absl::Seconds(sync.poll_interval_seconds());
  }
  if (sync.backoff_initial_ms() > 0) {
    sync_options.backoff_initial = absl::Milliseconds(sync.backoff_initial_ms());
  }
  if (sync.backoff_max_ms() > 0) {
    sync_options.backoff_max = absl::Milliseconds(sync.backoff_max_ms());
  }
  node->federation_ = std::make_unique<FederationService>(&node->context_, node->witness_.get(),
                                                          PullLimits(), sync_options.poll_interval);
  if (!sync.disabled()) {
    node->syncer_ = std::make_unique<Syncer>(node->logs_.get(), s.directory.get(),
                                             node->witness_.get(), clock, logger, sync_options);
    node->syncer_->set_clock_check(node->clock_check_.get());
    node->syncer_->set_own_log_guard(node->own_log_.get());
    node->AddPeers(sync_options);
    Syncer* syncer = node->syncer_.get();
    node->context_.peer_statuses = [syncer] { return syncer->PeerStatuses(); };
  }

  OTS_RETURN_IF_ERROR(
      node->Listen(options.listen_address.empty() ? s.listen_address : options.listen_address));
  logger->Log(
      LogLevel::kInfo, "-",
      absl::StrCat("serving ", node->context_.member, " (",
                   RoleName(s.directory->Find(node->context_.member)->role()), ") on ",
                   node->address_, " with TLS 1.3 and required client certificates; trust bundle ",
                   s.directory->federation(), " version ", s.directory->bundle().version()));
  for (const std::string& warning : ExpiryWarnings(s, clock->Now())) {
    logger->Log(LogLevel::kWarn, "-", warning);
  }
  if (node->syncer_ != nullptr) {
    node->syncer_->Start();
  }
  return node;
}

void NodeServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) {
    return;
  }
  logger_->Log(LogLevel::kInfo, "-", "stopping: draining calls in flight");
  server_->GetHealthCheckService()->SetServingStatus(false);  // "" and every service
  federation_->Stop();                                        // ends the peers' watch streams
  if (syncer_ != nullptr) {
    syncer_->Stop();
  }
  if (own_log_ != nullptr) {
    own_log_->Stop();  // a submit waiting for the peers gives up now, not after its 20 s
  }
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoSeconds(grace));
  server_->Wait();
  server_.reset();
  syncer_.reset();
  federation_.reset();
  witness_.reset();
  publisher_.reset();
  logs_.reset();
  store_.reset();  // closes RocksDB
  clock_check_.reset();
  logger_->Log(LogLevel::kInfo, "-", "stopped; store closed");
}

NodeServer::~NodeServer() { Shutdown(absl::ZeroDuration()); }

}  // namespace ots
