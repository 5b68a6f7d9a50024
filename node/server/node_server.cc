#include "node/server/node_server.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/support/server_interceptor.h"
#include "node/base/rfc3339.h"
#include "node/base/text.h"
#include "node/model/return_header.h"
#include "node/query/consolidate.h"
#include "node/query/disclosure.h"
#include "node/rpc/grpc_peer.h"
#include "node/rpc/identity.h"
#include "node/rpc/tls_credentials.h"
#include "node/server/dashboard.h"
#include "node/server/expiry.h"
#include "node/server/metrics.h"
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
// How often a node looks at its TLS files for a change (docs/operations.md, "Renewing
// certificates") and at which witness key is valid ("Rotating a witness key").
constexpr absl::Duration kWatchPeriod = absl::Seconds(2);

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

std::vector<Certificate> TrustedCasOf(const std::string& ca_pem, const v1::TrustBundle& bundle) {
  std::vector<Certificate> out;
  auto add = [&out](absl::string_view pem) {
    absl::StatusOr<std::vector<Certificate>> cas = CertificatesFromPem(pem);
    if (cas.ok()) {
      out.insert(out.end(), cas->begin(), cas->end());
    }
  };
  add(ca_pem);
  for (const v1::Member& m : bundle.members()) {
    if (m.revoked_at().empty()) {
      for (const std::string& pem : m.tls_ca_certificates()) {
        add(pem);
      }
    }
  }
  return out;
}

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const v1::NodeConfig& config,
                                            const Directory& directory, absl::Time now) {
  // Key file private, matching its certificate, issued by a trusted CA, valid now.
  TlsMaterial out;
  const v1::TlsFiles& tls = config.tls();
  OTS_ASSIGN_OR_RETURN(TlsKey tls_key, TlsKey::LoadPemFile(tls.key_file()));
  OTS_ASSIGN_OR_RETURN(out.cert_pem, ReadFile(tls.cert_file()));
  OTS_ASSIGN_OR_RETURN(out.ca_pem, ReadFile(tls.ca_file()));
  absl::StatusOr<Certificate> cert = Certificate::FromPem(out.cert_pem);
  OTS_RETURN_IF_ERROR(Named(tls.cert_file(), cert.status()));
  absl::StatusOr<std::vector<Certificate>> ca_file = CertificatesFromPem(out.ca_pem);
  OTS_RETURN_IF_ERROR(Named(tls.ca_file(), ca_file.status()));
  out.trusted = TrustedCasOf(out.ca_pem, directory.bundle());
  if (cert->SpkiSha256Hex() != tls_key.SpkiSha256Hex()) {
    return absl::FailedPreconditionError(
        absl::StrCat(tls.key_file(), ": is not the key of ", tls.cert_file()));
  }
  // The CA file may hold several CAs, and the bundle may list more (a state that keeps its own);
  // one must have issued this node's certificate.
  absl::Status issued = absl::NotFoundError("no CA certificate");
  for (const Certificate& ca : out.trusted) {
    issued = VerifyIssuedBy(*cert, ca, now);
    if (issued.ok()) {
      break;
    }
  }
  if (!issued.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(tls.cert_file(), ": does not verify against ", tls.ca_file(),
                     " or the CAs the trust bundle lists: ", issued.message()));
  }
  absl::StatusOr<CallerIdentity> me = directory.Identify(cert->SpkiSha256Hex());
  if (!me.ok() || me->member != config.origin() || me->kind != v1::TlsIdentity::NODE) {
    return absl::FailedPreconditionError(
        absl::StrCat(tls.cert_file(), ": its key is not a node identity of ", config.origin(),
                     " in trust bundle version ", directory.version(), " (",
                     config.trust_bundle_file(), " or a newer one the node took)"));
  }
  out.key_pem = tls_key.ToPem();
  out.spki = cert->SpkiSha256Hex();
  out.not_after = cert->NotAfter();
  out.subject = cert->Subject();
  return out;
}

namespace {

// The trust bundle kept in the data folder of `config` (a pushed or fetched one) if it is newer
// than `directory`'s, made current, and said in `*note`. The folder is opened read-only (no lock:
// harmless while another process holds it); a folder without a store yet is skipped, one that
// cannot be opened (a newer format, damage) fails the start with the store's own words.
absl::Status TakeKeptBundle(const v1::NodeConfig& config, Directory* directory, std::string* note) {
  struct stat st;
  if (config.data_dir().empty() || stat(config.data_dir().c_str(), &st) != 0) {
    return absl::OkStatus();
  }
  Store::Options options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(config.data_dir(), options);
  if (absl::IsNotFound(store.status())) {
    return absl::OkStatus();
  }
  OTS_RETURN_IF_ERROR(store.status());
  absl::StatusOr<std::string> kept = (*store)->GetMeta(kTrustBundleMeta);
  if (absl::IsNotFound(kept.status())) {
    return absl::OkStatus();
  }
  const std::string where = absl::StrCat(config.data_dir(), " (the trust bundle kept there)");
  OTS_RETURN_IF_ERROR(Named(where, kept.status()));
  const uint64_t file_version = directory->version();
  OTS_ASSIGN_OR_RETURN(bool taken, directory->TakeIfNewer(*kept, where));
  if (taken) {
    *note = absl::StrCat("trust bundle: going on with version ", directory->version(),
                         " kept in the data folder, newer than version ", file_version, " of ",
                         config.trust_bundle_file());
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
  // Everything below is checked against the newest bundle the node holds, as it will run with.
  OTS_RETURN_IF_ERROR(TakeKeptBundle(config, setup.directory.get(), &setup.bundle_note));
  const v1::Member* self = setup.directory->Find(config.origin());
  if (self == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        config.trust_bundle_file(), ": ", config.origin(), " is not a member of the federation"));
  }

  OTS_ASSIGN_OR_RETURN(TlsMaterial tls, LoadTlsMaterial(config, *setup.directory, clock.Now()));
  setup.cert_pem = std::move(tls.cert_pem);
  setup.key_pem = std::move(tls.key_pem);
  setup.ca_pem = std::move(tls.ca_pem);
  setup.tls_spki = std::move(tls.spki);
  setup.trusted_cas = std::make_shared<TrustedCas>(std::move(tls.trusted));

  // Signing keys: of `file` and `more_files`, one at least must be one of this member's keys for
  // `use` in the bundle; the others may wait for a bundle that lists them (a rotation).
  auto load_keys = [&](const std::string& file,
                       const google::protobuf::RepeatedPtrField<std::string>& more_files,
                       KeyUse use,
                       absl::string_view more_field) -> absl::StatusOr<std::vector<PrivateKey>> {
    std::vector<PrivateKey> keys;
    for (int i = -1; i < more_files.size(); ++i) {
      OTS_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::LoadPemFile(i < 0 ? file : more_files[i]));
      keys.push_back(std::move(key));
    }
    for (const PrivateKey& k : keys) {
      if (FindKey(setup.directory->bundle(), config.origin(), use, k.public_key().raw()) !=
          nullptr) {
        return keys;
      }
    }
    return absl::FailedPreconditionError(
        absl::StrCat(file, ": key ", keys[0].public_key().KeyId(), " is not a ", KeyUseName(use),
                     " of ", config.origin(), " in ", config.trust_bundle_file(),
                     more_files.empty() ? "" : absl::StrCat(", nor is any of ", more_field)));
  };
  if (self->role() != v1::SECRETARIAT) {
    OTS_ASSIGN_OR_RETURN(
        std::vector<PrivateKey> keys,
        load_keys(config.log_key_file(), config.log_key_files(), KeyUse::kLog, "log_key_files"));
    setup.log_key = std::move(keys[0]);
    std::move(keys.begin() + 1, keys.end(), std::back_inserter(setup.more_log_keys));
  }
  if (!config.witness_key_file().empty()) {
    OTS_ASSIGN_OR_RETURN(std::vector<PrivateKey> keys,
                         load_keys(config.witness_key_file(), config.witness_key_files(),
                                   KeyUse::kWitness, "witness_key_files"));
    setup.witness_key = std::move(keys[0]);
    std::move(keys.begin() + 1, keys.end(), std::back_inserter(setup.more_witness_keys));
  } else if (!config.witness_key_files().empty()) {
    return absl::InvalidArgumentError(
        "witness_key_files is set without witness_key_file; name the key in use there");
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
  // A node goes on with the newest trust bundle it has held: a pushed or fetched one kept in the
  // folder if newer than the file's, and it accepts no file older than the newest it ran with.
  OTS_RETURN_IF_ERROR(TakeStoredBundle());
  const uint64_t version = setup_.directory->version();
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
    // The key the bundle makes valid at each signing: a rotated key takes over at its time.
    publisher_->set_key_choice([this](absl::Time now) { return ChooseLogKey(now); });
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
  context_.expiry_warnings = [this, clock] {
    absl::MutexLock lock(&tls_mu_);
    return ExpiryWarnings(setup_, clock->Now());
  };
  context_.expiries = [this, clock] {
    absl::MutexLock lock(&tls_mu_);
    return ExpiryWarnings(setup_, clock->Now(), absl::InfiniteDuration());
  };
  context_.apply_bundle = [this](const std::string& source, const std::string& signed_bundle) {
    return ApplyBundle(source, signed_bundle);
  };
  context_.counts = &counts_;
  submission_ = std::make_unique<SubmissionService>(&context_);
  query_ = std::make_unique<QueryService>(&context_);
  std::vector<const PrivateKey*> witness_keys;
  if (s.witness_key.has_value()) {
    witness_keys.push_back(&*s.witness_key);
  }
  for (const PrivateKey& k : s.more_witness_keys) {
    witness_keys.push_back(&k);
  }
  witness_ = std::make_unique<Witness>(logs_.get(), s.directory.get(), context_.member,
                                       std::move(witness_keys), clock, logger_);
  witness_->set_clock_check(clock_check_.get());
  witness_->set_counts(&counts_);
  if (own_log_ != nullptr) {
    absl::StatusOr<bool> frozen = witness_->Frozen(s.config.origin());
    if (!frozen.ok() || *frozen) {
      own_log_->NoteFrozen();  // proof kept from before, or unreadable: sign nothing
    }
  }
}

void NodeServer::UpdatePeers() {
  if (syncer_ == nullptr) {
    return;
  }
  const NodeSetup& s = setup_;
  const v1::SyncConfig& sync = s.config.sync();
  std::map<std::string, std::string> wanted;
  for (const v1::Member& peer : s.directory->bundle().members()) {
    if (peer.code() == context_.member || !peer.revoked_at().empty()) {
      continue;
    }
    auto override_it = sync.peer_endpoints().find(peer.code());
    std::string endpoint =
        override_it != sync.peer_endpoints().end() ? override_it->second : peer.endpoint();
    if (!endpoint.empty()) {
      wanted[peer.code()] = std::move(endpoint);
    }
  }
  for (const auto& [member, endpoint] : syncer_->Peers()) {
    auto it = wanted.find(member);
    if (it == wanted.end() || it->second != endpoint) {
      logger_->Log(
          LogLevel::kInfo, member,
          it == wanted.end()
              ? absl::StrCat("sync: no longer replicating with ", member,
                             " (revoked or removed in trust bundle version ",
                             s.directory->version(), ")")
              : absl::StrCat("sync: ", member, " moved from ", endpoint, " to ", it->second));
      syncer_->RemovePeer(member);
    }
  }
  const std::map<std::string, std::string> have = syncer_->Peers();
  for (const auto& [member, endpoint] : wanted) {
    if (have.count(member) != 0) {
      continue;
    }
    GrpcPeerOptions peer_options;
    peer_options.member = member;
    peer_options.endpoint = endpoint;
    peer_options.server_name = NodeServerName(member, s.directory->federation());
    {
      absl::MutexLock lock(&tls_mu_);
      peer_options.cert_pem = s.cert_pem;
      peer_options.key_pem = s.key_pem;
      peer_options.ca_pem = s.ca_pem;
    }
    peer_options.identity = identity_;
    peer_options.trusted_cas = s.trusted_cas;
    peer_options.clock = clock_;
    peer_options.logger = logger_;
    peer_options.watch_timeout = std::max(absl::Minutes(1), 4 * sync_options_.poll_interval);
    peer_options.reconnect_max = sync_options_.backoff_max;
    // A watch answers at least every poll interval; silent for two, it is taken for dead.
    peer_options.watch_keepalive = sync_options_.poll_interval;
    syncer_->AddPeer(member, endpoint,
                     std::make_unique<GrpcPeerTransport>(peer_options, s.directory.get()));
  }
}

absl::Status NodeServer::TakeStoredBundle() {
  absl::StatusOr<std::string> stored = store_->GetMeta(kTrustBundleMeta);
  if (absl::IsNotFound(stored.status())) {
    return absl::OkStatus();
  }
  const std::string where = absl::StrCat(setup_.config.data_dir(), " (trust bundle kept there)");
  OTS_RETURN_IF_ERROR(Named(where, stored.status()));
  const uint64_t before = setup_.directory->version();
  OTS_ASSIGN_OR_RETURN(bool taken, setup_.directory->TakeIfNewer(*stored, where));
  if (!taken) {
    return absl::OkStatus();
  }
  logger_->Log(LogLevel::kInfo, "-",
               absl::StrCat("trust bundle: going on with version ", setup_.directory->version(),
                            " kept in the data folder, newer than version ", before, " of ",
                            setup_.config.trust_bundle_file()));
  if (setup_.trusted_cas != nullptr) {
    setup_.trusted_cas->Set(TrustedCasOf(setup_.ca_pem, setup_.directory->bundle()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PushBundleResponse> NodeServer::ApplyBundle(const std::string& source,
                                                               const std::string& signed_bundle) {
  absl::MutexLock lock(&bundle_mu_);
  Directory& directory = *setup_.directory;
  v1::PushBundleResponse response;
  response.set_previous_version(directory.version());
  OTS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::FromPem(directory.bundle_key_pem()));
  OTS_ASSIGN_OR_RETURN(v1::TrustBundle bundle,
                       VerifyTrustBundle("the trust bundle from " + source, signed_bundle, key));
  if (bundle.federation() != directory.federation()) {
    return absl::FailedPreconditionError(absl::StrCat("the trust bundle is of federation ",
                                                      bundle.federation(), ", this node's is ",
                                                      directory.federation()));
  }
  if (bundle.version() <= directory.version()) {
    if (signed_bundle == directory.signed_bundle()) {
      response.set_version(directory.version());
      response.set_unchanged(true);
      return response;
    }
    return absl::FailedPreconditionError(
        absl::StrCat("trust bundle version ", bundle.version(), " is not newer than version ",
                     directory.version(), " this node holds; a bundle is never downgraded"));
  }
  const std::string& self = context_.member;
  const v1::Member* me = nullptr;
  for (const v1::Member& m : bundle.members()) {
    if (m.code() == self) {
      me = &m;
    }
  }
  if (me == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("trust bundle version ", bundle.version(),
                                                      " does not list ", self,
                                                      ", the member this node is"));
  }
  // Kept first: a restart never goes back to a version peers were already told of.
  const uint64_t version = bundle.version();
  const std::string version_text = absl::StrCat(version);
  OTS_RETURN_IF_ERROR(
      store_->PutMetas({{kTrustBundleMeta, signed_bundle}, {kBundleVersionMeta, version_text}}));
  std::vector<std::string> revoked;
  for (const v1::Member& m : bundle.members()) {
    if (!m.revoked_at().empty()) {
      revoked.push_back(m.code());
    }
  }
  const size_t members = bundle.members_size();
  OTS_RETURN_IF_ERROR(directory.Update(
      TrustAnchor{signed_bundle, directory.bundle_key_pem(), key.KeyId(), std::move(bundle)}));
  if (setup_.trusted_cas != nullptr) {
    absl::MutexLock tls_lock(&tls_mu_);
    setup_.trusted_cas->Set(TrustedCasOf(setup_.ca_pem, directory.bundle()));
  }
  if (served_tls_ != nullptr) {
    absl::MutexLock tls_lock(&tls_mu_);
    absl::Status named =
        served_tls_->Set(setup_.cert_pem, setup_.key_pem, CaNamesPem(setup_.ca_pem));
    if (!named.ok()) {
      logger_->Log(
          LogLevel::kWarn, "-",
          absl::StrCat("TLS: the CA names of the new bundle are not in use: ", named.message()));
    }
  }
  // In force: every watch stream answers again now, with the new version (so that peers fetch it
  // within milliseconds) or ends, if the bundle revoked its caller.
  store_->NoteChange();
  response.set_version(version);
  logger_->Log(
      LogLevel::kInfo, "-",
      absl::StrCat(
          "trust bundle ", directory.federation(), " version ", version, " applied (was ",
          response.previous_version(), "; from ", source, "): ", members, " members",
          revoked.empty() ? "" : absl::StrCat(", revoked: ", absl::StrJoin(revoked, " "))));
  if (!me->revoked_at().empty()) {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat(self, " is revoked in trust bundle version ", version, " since ",
                              me->revoked_at(), ": no peer will accept this node"));
  }
  std::string spki;
  {
    absl::MutexLock tls_lock(&tls_mu_);
    spki = setup_.tls_spki;
  }
  if (!directory.Identify(spki).ok()) {
    logger_->Log(LogLevel::kWarn, "-",
                 absl::StrCat("this node's TLS certificate is not a node identity of ", self,
                              " in trust bundle version ", version,
                              ": peers will refuse it until it is renewed (ots-ctl pki renew) "
                              "and reloaded"));
  }
  UpdatePeers();
  // A certificate with a new key that waits in the TLS files for a bundle that lists the key is
  // taken by WatchFilesAndKeys once the peers hold this bundle too.
  return response;
}

absl::StatusOr<const PrivateKey*> NodeServer::ChooseLogKey(absl::Time now) const {
  std::vector<const PrivateKey*> keys = {&*setup_.log_key};
  for (const PrivateKey& k : setup_.more_log_keys) {
    keys.push_back(&k);
  }
  return ChooseKey(*setup_.directory, setup_.config.origin(), KeyUse::kLog, keys, now);
}

std::string NodeServer::CaNamesPem(const std::string& ca_pem) const {
  std::string pem = ca_pem;
  for (const v1::Member& m : setup_.directory->bundle().members()) {
    if (m.revoked_at().empty()) {
      for (const std::string& ca : m.tls_ca_certificates()) {
        absl::StrAppend(&pem, pem.empty() || pem.back() == '\n' ? "" : "\n", ca);
      }
    }
  }
  return pem;
}

absl::Status NodeServer::ReloadTls() {
  absl::MutexLock reload(&reload_mu_);
  absl::StatusOr<TlsMaterial> tls =
      LoadTlsMaterial(setup_.config, *setup_.directory, clock_->Now());
  if (!tls.ok()) {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat("TLS: not reloaded, still presenting the certificate in use: ",
                              tls.status().message()));
    return tls.status();
  }
  {
    absl::MutexLock lock(&tls_mu_);
    if (tls->cert_pem == setup_.cert_pem && tls->key_pem == setup_.key_pem &&
        tls->ca_pem == setup_.ca_pem) {
      return absl::OkStatus();
    }
    // What the listener presents first (the one step that can fail), then the rest; the CAs of
    // the bundle current now, under the lock ApplyBundle takes to change them.
    if (served_tls_ != nullptr) {
      absl::Status served = served_tls_->Set(tls->cert_pem, tls->key_pem, CaNamesPem(tls->ca_pem));
      if (!served.ok()) {
        logger_->Log(LogLevel::kError, "-",
                     absl::StrCat("TLS: not reloaded, still presenting the certificate in use: ",
                                  served.message()));
        return served;
      }
    }
    setup_.cert_pem = tls->cert_pem;
    setup_.key_pem = tls->key_pem;
    setup_.ca_pem = tls->ca_pem;
    setup_.tls_spki = tls->spki;
    setup_.trusted_cas->Set(TrustedCasOf(setup_.ca_pem, setup_.directory->bundle()));
  }
  identity_->Set(tls->cert_pem, tls->key_pem);
  const v1::TlsFiles& files = setup_.config.tls();
  logger_->Log(
      LogLevel::kInfo, "-",
      absl::StrCat("TLS: reloaded ", files.cert_file(), " (", tls->subject, ", valid until ",
                   Rfc3339(tls->not_after), "), ", files.key_file(), " and ", files.ca_file(),
                   ": new connections present them; open connections stay up"));
  return absl::OkStatus();
}

void NodeServer::WatchFilesAndKeys() {
  const v1::TlsFiles& files = setup_.config.tls();
  auto stamps = [&files] {
    std::string out;
    for (const std::string& path : {files.cert_file(), files.key_file(), files.ca_file()}) {
      struct stat st;
      if (stat(path.c_str(), &st) == 0) {
        absl::StrAppend(&out, st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                        st.st_mtim.tv_nsec, ";");
      } else {
        absl::StrAppend(&out, "missing;");
      }
    }
    return out;
  };
  std::string last = stamps();
  // Files that changed but were not taken (a certificate with a new key the bundle does not list
  // yet) are tried again after each new bundle version, once every live peer holds that version
  // too: a peer still on an older bundle would refuse the new certificate, and could then not
  // fetch the bundle from this node.
  bool pending = false;
  uint64_t tried_version = setup_.directory->version();
  // Real time, whatever clock the node runs on: files change in the real world. Timed by the
  // steady clock (SystemClock::WaitFor), which no step of the wall clock stretches.
  const SystemClock real_time;
  while (!real_time.WaitFor(stop_watching_, kWatchPeriod)) {
    RecosignOnKeyChange();
    std::string now = stamps();
    if (now != last) {
      last = std::move(now);
      tried_version = setup_.directory->version();
      pending = !ReloadTls().ok();  // logs either way
      continue;
    }
    const uint64_t version = setup_.directory->version();
    if (pending && version != tried_version && PeersHold(version)) {
      tried_version = version;
      pending = !ReloadTls().ok();
    }
  }
}

void NodeServer::RecosignOnKeyChange() {
  absl::StatusOr<int> made = witness_->CosignLatestOnKeyChange();
  // Said once when it starts failing (the message names the time, so it differs every call),
  // and once when it works again.
  if (made.ok() == recosign_ok_) {
    return;
  }
  recosign_ok_ = made.ok();
  if (!made.ok()) {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat("witness: not cosigning: ", made.status().message()));
  } else {
    logger_->Log(LogLevel::kInfo, "-", "witness: cosigning again");
  }
}

bool NodeServer::PeersHold(uint64_t version) const {
  if (syncer_ == nullptr) {
    return true;
  }
  for (const v1::PeerStatus& peer : syncer_->PeerStatuses()) {
    if (!peer.stale() && peer.bundle_version() < version) {
      return false;
    }
  }
  return true;
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
  absl::StatusOr<std::unique_ptr<ServedTlsFiles>> served;
  {
    absl::MutexLock lock(&tls_mu_);
    tls.cert_pem = s.cert_pem;
    tls.key_pem = s.key_pem;
    tls.ca_pem = s.ca_pem;
    served = ServedTlsFiles::Create(tls.cert_pem, tls.key_pem, CaNamesPem(tls.ca_pem));
  }
  if (!served.ok()) {
    return served.status();
  }
  served_tls_ = std::move(*served);
  tls.files = served_tls_;
  tls.trusted = s.trusted_cas;
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
  // Every call counted and timed for the metrics, by method and status code.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(
      std::make_unique<RpcMetricsInterceptorFactory>(rpc_metrics_.get(), clock_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
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
  node->rpc_metrics_ = std::make_unique<RpcMetrics>();
  const NodeSetup& s = node->setup_;
  OTS_RETURN_IF_ERROR(node->OpenStore());
  node->identity_ = std::make_shared<PresentedIdentity>(s.cert_pem, s.key_pem);
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
    node->syncer_->set_counts(&node->counts_);
    NodeServer* self = node.get();
    node->syncer_->set_bundle_sink(
        [self](absl::string_view peer, const std::string& signed_bundle) -> absl::Status {
          return self->ApplyBundle(absl::StrCat("peer ", peer), signed_bundle).status();
        });
    node->sync_options_ = sync_options;
    node->UpdatePeers();
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
  if (!s.bundle_note.empty()) {
    logger->Log(LogLevel::kInfo, "-", s.bundle_note);
  }
  const std::string admin = options.admin_listen_address.empty() ? s.config.admin().listen_address()
                                                                 : options.admin_listen_address;
  if (!admin.empty()) {
    OTS_RETURN_IF_ERROR(node->StartAdmin(admin));
  }
  node->serving_ = true;
  std::vector<std::string> warnings;
  {
    absl::MutexLock lock(&node->tls_mu_);
    warnings = ExpiryWarnings(s, clock->Now());
  }
  for (const std::string& warning : warnings) {
    logger->Log(LogLevel::kWarn, "-", warning);
  }
  // Cosigned again with a witness key that took over while the node was down, before the peers
  // are asked; from then on the watcher does so when the key changes.
  node->RecosignOnKeyChange();
  if (node->syncer_ != nullptr) {
    node->syncer_->Start();
  }
  NodeServer* self = node.get();
  node->watcher_ = std::thread([self] { self->WatchFilesAndKeys(); });
  return node;
}

void NodeServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) {
    return;
  }
  logger_->Log(LogLevel::kInfo, "-", "stopping: draining calls in flight");
  serving_ = false;
  if (admin_ != nullptr) {
    admin_->Stop();  // before the store closes: its metrics read the store
  }
  if (!stop_watching_.HasBeenNotified()) {
    stop_watching_.Notify();
  }
  if (watcher_.joinable()) {
    watcher_.join();
  }
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

absl::Status NodeServer::StartAdmin(const std::string& address) {
  AdminTls tls;
  tls.current = [this] {
    absl::MutexLock lock(&tls_mu_);
    return AdminTls::Pems{setup_.cert_pem, setup_.key_pem, CaNamesPem(setup_.ca_pem)};
  };
  // One of this member's own identities, listed in the current trust bundle (a revoked one is
  // not): the metrics show every origin the node holds, whatever its sharing policy.
  tls.authorize = [this](const std::string& cert_pem) -> absl::Status {
    OTS_ASSIGN_OR_RETURN(std::string spki, CertificatePemSpkiSha256Hex(cert_pem));
    OTS_ASSIGN_OR_RETURN(CallerIdentity who, setup_.directory->Identify(spki));
    if (who.member != context_.member) {
      return absl::PermissionDeniedError(absl::StrCat(
          who.Describe(), " is not an identity of ", context_.member,
          "; only they may read this node's metrics, which show every origin it holds"));
    }
    return absl::OkStatus();
  };
  absl::StatusOr<std::unique_ptr<AdminServer>> admin = AdminServer::Start(
      address,
      [this](absl::string_view path, absl::string_view query) { return Admin(path, query); },
      std::move(tls), logger_);
  if (!admin.ok()) {
    return absl::Status(admin.status().code(), absl::StrCat(admin.status().message(),
                                                            " (admin.listen_address or the "
                                                            "--admin-listen flag)"));
  }
  admin_ = *std::move(admin);
  logger_->Log(LogLevel::kInfo, "-",
               absl::StrCat("admin listener on ", admin_->address(),
                            admin_->tls() ? " (HTTPS, federation client certificates only)"
                                          : " (HTTP, loopback)",
                            ": /metrics /healthz /readyz /dashboard"));
  return absl::OkStatus();
}

std::vector<std::string> NodeServer::NotReadyReasons() const {
  if (!serving_) {
    return {"not serving: starting or stopping"};
  }
  std::vector<std::string> reasons;
  absl::Status failure = store_->WriteFailure();
  if (!failure.ok()) {
    reasons.push_back(absl::StrCat("the store cannot write: ", failure.message()));
  }
  if (std::string alarm = clock_check_->Alarm(); !alarm.empty()) {
    reasons.push_back(std::move(alarm));
  }
  if (context_.own_log_recovery) {
    if (std::string recovering = context_.own_log_recovery(); !recovering.empty()) {
      reasons.push_back(std::move(recovering));
    }
  }
  return reasons;
}

AdminResponse NodeServer::Admin(absl::string_view path, absl::string_view query) {
  AdminResponse response;
  if (path == "/dashboard" || path == "/") {
    response.content_type = "text/html; charset=utf-8";
    response.body = DashboardPage(query);
  } else if (path == "/metrics") {
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = MetricsText();
  } else if (path == "/healthz") {
    // Alive: the process answers. A load balancer's liveness check; readiness is /readyz.
    response.code = serving_ ? 200 : 503;
    response.body = serving_ ? "ok\n" : "stopping\n";
  } else if (path == "/readyz") {
    std::vector<std::string> reasons = NotReadyReasons();
    response.code = reasons.empty() ? 200 : 503;
    response.body = reasons.empty() ? "ready\n" : absl::StrCat(absl::StrJoin(reasons, "\n"), "\n");
  } else {
    response.code = 404;
    response.body = "not found; this listener serves /dashboard, /metrics, /healthz and /readyz\n";
  }
  return response;
}

std::string NodeServer::DashboardPage(absl::string_view query) {
  DashboardView view;
  view.generated_at = Rfc3339(clock_->Now());
  CallerIdentity self;  // the node's own operator sees everything the node holds
  self.member = context_.member;
  self.kind = v1::TlsIdentity::OPERATOR;
  if (absl::StatusOr<v1::StatusResponse> status = NodeStatus(context_, self); status.ok()) {
    view.status = *std::move(status);
  }
  // Every period some held return is of; the latest annual one (else the latest) by default.
  std::set<std::string> periods;
  if (absl::StatusOr<std::vector<std::string>> origins = store_->Origins(); origins.ok()) {
    for (const std::string& origin : *origins) {
      absl::StatusOr<std::vector<v1::LogEntry>> log = store_->ReadLog(origin);
      absl::StatusOr<std::vector<std::string>> own =
          log.ok() ? PeriodsInRange(*log, origin, "", "") : log.status();
      if (own.ok()) {
        periods.insert(own->begin(), own->end());
      }
    }
  }
  view.periods.assign(periods.begin(), periods.end());
  const std::map<std::string, std::string> asked = ParseQueryString(query);
  const auto pick = [&](const char* name, const std::string& fallback) {
    auto it = asked.find(name);
    return it == asked.end() || it->second.empty() ? fallback : it->second;
  };
  std::string latest = view.periods.empty() ? "" : view.periods.back();
  for (const std::string& p : view.periods) {
    latest = p.size() == 4 ? p : latest;
  }
  view.period = pick("period", latest);
  view.stay_cat = pick("stay_cat", "_T");
  view.sex = pick("sex", "_T");
  if (view.period.empty()) {
    view.table_error = "This node holds no return yet.";
    return RenderDashboard(view);
  }
  // The table as it may be published: the dashboard is shown on screens.
  const DisclosurePolicy policy = PolicyOf(context_.directory->bundle());
  v1::ConsolidatedRequest request;
  request.set_period(view.period);
  request.set_stay_cat(view.stay_cat);
  request.set_sex(view.sex);
  const auto all = [](absl::string_view) { return true; };
  absl::StatusOr<v1::ConsolidatedResponse> table = Consolidate(*context_.logs, request, all);
  absl::Status published = table.ok() ? Publish(policy, &*table) : table.status();
  if (!published.ok()) {
    view.table_error = std::string(published.message());
    return RenderDashboard(view);
  }
  view.table = *std::move(table);
  // The series of the same category over every held period of the chosen one's frequency.
  std::string first, last;
  for (const std::string& p : view.periods) {
    if (SameFrequency(p, view.period)) {
      first = first.empty() ? p : first;
      last = p;
    }
  }
  request.set_period(first);
  request.set_period_to(last);
  absl::StatusOr<v1::ConsolidatedResponse> series = Consolidate(*context_.logs, request, all);
  if (series.ok() && Publish(policy, &*series).ok()) {
    view.series = *std::move(series);
  }
  return RenderDashboard(view);
}

std::string NodeServer::MetricsText() {
  MetricsInput in;
  CallerIdentity self;  // the node's own operator sees everything the node holds
  self.member = context_.member;
  self.kind = v1::TlsIdentity::OPERATOR;
  absl::StatusOr<v1::StatusResponse> status = NodeStatus(context_, self);
  if (status.ok()) {
    in.status = *std::move(status);
  } else {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat("metrics: reading the status: ", status.status().message()));
  }
  for (const v1::OriginStatus& o : in.status.origins()) {
    absl::StatusOr<v1::StoredCheckpoint> cp = store_->LatestCheckpoint(o.origin());
    if (cp.ok()) {
      std::optional<absl::Time> newest;
      for (const std::string& line : cp->cosignature_lines()) {
        std::optional<absl::Time> at = CosignatureTime(line);
        if (at.has_value() && (!newest.has_value() || *at > *newest)) {
          newest = at;
        }
      }
      if (newest.has_value()) {
        in.checkpoint_time[o.origin()] = *newest;
      }
    }
    if (o.log_size() > 0) {
      absl::StatusOr<v1::LogEntry> entry = store_->GetLogEntry(o.origin(), o.log_size() - 1);
      absl::StatusOr<v1::ReturnHeader> header =
          entry.ok() ? ParseReturnHeader(entry->header().payload()) : entry.status();
      absl::StatusOr<absl::Time> created =
          header.ok() ? ParseRfc3339(header->created_at()) : header.status();
      if (created.ok()) {
        in.latest_return_time[o.origin()] = *created;
      }
    }
  }
  {
    absl::MutexLock lock(&tls_mu_);
    in.expiries = Expiries(setup_);
  }
  const EngineStats stats = store_->Stats();
  in.store_bytes = stats.bytes;
  in.store_write_stopped = stats.write_stopped;
  in.store_delayed_write_rate = stats.delayed_write_rate;
  in.counts = counts_.Snapshot();
  in.ready = NotReadyReasons().empty();
  const uint32_t skew = setup_.config.sync().max_clock_skew_seconds();
  in.max_clock_skew_seconds = skew > 0 ? skew : kDefaultMaxClockSkewSeconds;
  std::vector<prometheus::MetricFamily> families = NodeMetricFamilies(in, clock_->Now());
  std::vector<prometheus::MetricFamily> rpc = rpc_metrics_->Collect();
  families.insert(families.end(), std::make_move_iterator(rpc.begin()),
                  std::make_move_iterator(rpc.end()));
  return ExpositionText(families);
}

absl::Status NodeServer::Reload() {
  // The bundle first: a new certificate may come from a CA only the new bundle lists.
  absl::Status bundle = ReloadBundleFile();
  absl::Status tls = ReloadTls();
  bundle.Update(tls);
  return bundle;
}

absl::Status NodeServer::ReloadBundleFile() {
  const std::string& path = setup_.config.trust_bundle_file();
  absl::StatusOr<std::string> text = ReadFile(path);
  absl::StatusOr<PublicKey> key = PublicKey::FromPem(setup_.directory->bundle_key_pem());
  absl::StatusOr<v1::TrustBundle> bundle = !text.ok() ? text.status()
                                           : key.ok() ? VerifyTrustBundle(path, *text, *key)
                                                      : key.status();
  if (!bundle.ok()) {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat("reload: trust bundle file not taken: ", bundle.status().message()));
    return bundle.status();
  }
  if (bundle->version() <= setup_.directory->version()) {
    logger_->Log(LogLevel::kInfo, "-",
                 absl::StrCat("reload: ", path, " holds trust bundle version ", bundle->version(),
                              "; this node holds version ", setup_.directory->version(),
                              ": nothing to apply"));
    return absl::OkStatus();
  }
  absl::StatusOr<v1::PushBundleResponse> applied = ApplyBundle(absl::StrCat("file ", path), *text);
  if (!applied.ok()) {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat("reload: trust bundle file not taken: ", applied.status().message()));
    return applied.status();
  }
  return absl::OkStatus();
}

}  // namespace ots
