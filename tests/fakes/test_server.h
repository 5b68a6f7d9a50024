// A federation on disk and one of its nodes serving in this process, for tests of the wire:
//   TestFederation  `ots-ctl pki init` (InitPki) into a temporary folder: the CA, every member's
//                   node, operator and auditor certificates, log and witness keys, node
//                   configurations and the signed trust bundle. Tests narrow the sharing policy by
//                   re-signing the bundle with the bundle key pki init wrote, issue certificates
//                   the bundle does not list, and publish returns into a node's data folder before
//                   the node starts.
//   TestServer      that member's real NodeServer (node/server/node_server.h) from its
//   LoadNodeSetup'd
//                   configuration, on 127.0.0.1:0, replication disabled; and gRPC channels to it
//                   with mutual TLS, carrying the certificate of whichever identity a test calls
//                   as.
//
// gRPC reads the TLS settings RestrictTlsToVersion13 makes once, when it initializes:
// tests/main.cc calls it before any test runs, and TestFederation checks it did.
//
// Not thread-safe: set up from the test's thread; channels may then be used from any thread.
#ifndef OTS_TESTS_FAKES_TEST_SERVER_H_
#define OTS_TESTS_FAKES_TEST_SERVER_H_

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/files.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "node/base/clock.h"
#include "node/server/node_server.h"
#include "node/trust/config.h"
#include "node/trust/pki.h"
#include "node/trust/trust_bundle.h"
#include "tests/fakes/copy_log.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {

// A client's TLS identity, as PEM text.
struct ClientIdentity {
  std::string cert_pem;
  std::string key_pem;
};

class TestFederation {
 public:
  // The Secretariat and `states`, as `ots-ctl pki init --secretariat --states ...` writes them.
  explicit TestFederation(std::vector<std::string> states = {"AZ", "KZ", "HU"}) {
    const char* suites = std::getenv("GRPC_SSL_CIPHER_SUITES");
    INFO("tests/main.cc must call RestrictTlsToVersion13 before any gRPC object exists");
    REQUIRE(suites != nullptr);
    PkiOptions options;
    options.out_dir = dir_.File("fed");
    options.states = std::move(states);
    options.secretariat = true;
    options.federation = kTestFederation;
    absl::Status s = InitPki(options, clock_, nullptr);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }

  // A file of the federation's folder ("ca/ca.pem").
  std::string Path(absl::string_view relative) const {
    return absl::StrCat(dir_.path(), "/fed/", relative);
  }
  // The folder pki init wrote for `member` ("AZ" -> .../fed/az).
  std::string MemberDir(absl::string_view member) const {
    return Path(absl::AsciiStrToLower(member));
  }

  // The trust bundle as the nodes will load it, verified.
  v1::TrustBundle Bundle() const {
    absl::StatusOr<v1::TrustBundle> b =
        VerifyTrustBundle(BundleFile(), Read(BundleFile()), *PublicKey::LoadPemFile(BundleKey()));
    REQUIRE(b.ok());
    return *b;
  }
  // Applies `edit` to the bundle and signs the result as the next version with the bundle key,
  // as the bundle keeper does (`ots-ctl bundle sign`). Before any node starts.
  void EditBundle(const std::function<void(v1::TrustBundle&)>& edit) {
    v1::TrustBundle b = Bundle();
    edit(b);
    b.set_version(b.version() + 1);
    absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(Path("federation/bundle.key"));
    REQUIRE(key.ok());
    absl::StatusOr<std::string> text = SignTrustBundle(b, *key);
    INFO(text.status().ToString());
    REQUIRE(text.ok());
    REQUIRE(WriteFileReplacing(BundleFile(), *text, 0644).ok());
  }
  // `origin` shares its data with exactly `recipients` from the next bundle version on.
  void ShareOnly(const std::string& origin, const std::vector<std::string>& recipients) {
    EditBundle([&](v1::TrustBundle& b) {
      for (v1::Member& m : *b.mutable_members()) {
        if (m.code() == origin) {
          m.clear_share_with();
          for (const std::string& r : recipients) {
            m.add_share_with(r);
          }
        }
      }
    });
  }

  PrivateKey LogKey(const std::string& member) const { return KeyFile(member, "log.key"); }
  PrivateKey WitnessKey(const std::string& member) const { return KeyFile(member, "witness.key"); }

  // The certificate and key pki init wrote for `member`'s `kind` ("node", "operator", "auditor").
  ClientIdentity Identity(const std::string& member, const std::string& kind) const {
    const std::string prefix = absl::StrCat(MemberDir(member), "/", kind);
    return ClientIdentity{Read(prefix + ".pem"), Read(prefix + ".key")};
  }
  // A client certificate `common_name` issued now by the federation CA, for a fresh key the
  // bundle does not list, valid from `not_before` to `not_after` (default: an hour either side of
  // now).
  ClientIdentity Issue(const std::string& common_name,
                       absl::Time not_before = absl::Now() - absl::Hours(1),
                       absl::Time not_after = absl::Now() + absl::Hours(1)) const {
    return IssueFrom(Path("ca/ca.pem"), Path("ca/ca.key"), common_name, not_before, not_after);
  }
  // The same from another CA (`ca_cert`, `ca_key` files).
  static ClientIdentity IssueFrom(const std::string& ca_cert, const std::string& ca_key,
                                  const std::string& common_name, absl::Time not_before,
                                  absl::Time not_after) {
    absl::StatusOr<Certificate> ca = Certificate::LoadPemFile(ca_cert);
    absl::StatusOr<TlsKey> issuer = TlsKey::LoadPemFile(ca_key);
    absl::StatusOr<TlsKey> key = TlsKey::Generate();
    REQUIRE(ca.ok());
    REQUIRE(issuer.ok());
    REQUIRE(key.ok());
    CertificateSpec spec;
    spec.common_name = common_name;
    spec.client_auth = true;
    spec.not_before = not_before;
    spec.not_after = not_after;
    absl::StatusOr<Certificate> cert = IssueCertificate(spec, *key, &*ca, *issuer);
    REQUIRE(cert.ok());
    return ClientIdentity{cert->ToPem(), key->ToPem()};
  }
  std::string CaPem() const { return Read(Path("ca/ca.pem")); }

  // Publishes `ret` with its origin's log key into the origin's node's data folder and, for
  // another member `at`, copies the origin's log into that node's folder as replication would
  // leave it. Neither node may be running.
  void Publish(const std::string& at, const ParsedReturn& ret) {
    const std::string& origin = ret.origin;
    {
      std::unique_ptr<Store> store = OpenData(origin);
      OriginLogs logs(store.get(), kTestFederation);
      const PrivateKey key = LogKey(origin);
      Publisher publisher(&logs, &key, &clock_);
      absl::StatusOr<PublishResult> published = publisher.Publish(ret);
      INFO(published.status().ToString());
      REQUIRE(published.ok());
      if (at == origin) {
        return;
      }
      std::unique_ptr<Store> to = OpenData(at);
      absl::Status copied = CopyLog(*store, *to, origin);
      INFO(copied.ToString());
      REQUIRE(copied.ok());
    }
  }

  // `member`'s node configuration as pki init wrote it, paths resolved.
  v1::NodeConfig NodeConfig(const std::string& member) const {
    absl::StatusOr<v1::NodeConfig> config =
        LoadNodeConfig(absl::StrCat(MemberDir(member), "/node.textproto"));
    REQUIRE(config.ok());
    return *config;
  }

 private:
  std::string BundleFile() const { return Path("federation/trust-bundle.json"); }
  std::string BundleKey() const { return Path("federation/bundle.pub.pem"); }
  static std::string Read(const std::string& path) {
    absl::StatusOr<std::string> text = ReadFile(path);
    REQUIRE(text.ok());
    return *text;
  }
  PrivateKey KeyFile(const std::string& member, const std::string& name) const {
    absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(MemberDir(member) + "/" + name);
    REQUIRE(key.ok());
    return *key;
  }
  std::unique_ptr<Store> OpenData(const std::string& member) const {
    Store::Options options;
    options.create_if_missing = true;
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(NodeConfig(member).data_dir(), options);
    INFO(store.status().ToString());
    REQUIRE(store.ok());
    return std::move(*store);
  }

  TempDir dir_;
  SystemClock clock_;
};

class TestServer {
 public:
  // Starts `member`'s node of `fed`: its configuration as pki init wrote it, with replication
  // disabled, a Watch keepalive of `keepalive` (so that in a test only a store change makes a
  // Watch stream answer again), listening on 127.0.0.1:0. The node runs on `clock` (which must
  // outlive it), or the system's clock if null.
  TestServer(const TestFederation& fed, const std::string& member,
             absl::Duration keepalive = absl::Hours(1), const Clock* clock = nullptr)
      : fed_(fed), member_(member) {
    const Clock& node_clock = clock != nullptr ? *clock : clock_;
    v1::NodeConfig config = fed.NodeConfig(member);
    config.mutable_sync()->set_disabled(true);
    config.mutable_sync()->set_poll_interval_seconds(
        static_cast<uint32_t>(absl::ToInt64Seconds(keepalive)));
    absl::StatusOr<NodeSetup> setup = LoadNodeSetup(config, node_clock);
    INFO(setup.status().ToString());
    REQUIRE(setup.ok());
    NodeServer::Options options;
    options.listen_address = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<NodeServer>> server =
        NodeServer::Start(std::move(*setup), &node_clock, &logger_, options);
    INFO(server.status().ToString());
    REQUIRE(server.ok());
    server_ = std::move(*server);
  }
  ~TestServer() { Shutdown(absl::ZeroDuration()); }

  const std::string& member() const { return member_; }
  const std::string& address() const { return server_->address(); }
  RecordingLogger& logger() { return logger_; }

  // A channel to the node presenting `identity`, or no client certificate at all if it is null.
  // It checks that the server is this member's node, by the name its certificate carries.
  std::shared_ptr<grpc::Channel> Channel(const ClientIdentity* identity) const {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = fed_.CaPem();
    if (identity != nullptr) {
      tls.pem_cert_chain = identity->cert_pem;
      tls.pem_private_key = identity->key_pem;
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(NodeServerName(member_, kTestFederation));
    // A connection of its own: never one that another identity's channel opened.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(address(), grpc::SslCredentials(tls), args);
  }
  // A channel presenting the certificate of `member`'s `kind` ("node", "operator", "auditor").
  std::shared_ptr<grpc::Channel> ChannelAs(const std::string& member,
                                           const std::string& kind) const {
    const ClientIdentity identity = fed_.Identity(member, kind);
    return Channel(&identity);
  }

  // NodeServer::Shutdown. Idempotent.
  void Shutdown(absl::Duration grace) {
    if (server_ != nullptr) {
      server_->Shutdown(grace);
    }
  }

 private:
  const TestFederation& fed_;
  const std::string member_;
  SystemClock clock_;
  RecordingLogger logger_;
  std::unique_ptr<NodeServer> server_;
};

}  // namespace ots

#endif  // OTS_TESTS_FAKES_TEST_SERVER_H_
