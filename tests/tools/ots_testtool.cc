// Test tool for the integration tests: makes the certificates a federation must refuse, and
// calls a node with exactly the TLS credentials a test wants (none at all, for one).
//
//   ots_testtool issue --ca-cert F --ca-key F --cn NAME --out PREFIX [--expired]
//       Issues a client certificate (PREFIX.pem, PREFIX.key) from the given CA; --expired makes
//       one whose validity ended yesterday.
//   ots_testtool synth --origin CC --period P --cells N --out FILE
//       Writes a valid synthetic return of N cells (up to about 1.4 million).
//   ots_testtool copy-log --from DIR --to DIR --origin CC
//       Copies CC's log, returns and checkpoints from one data folder to another (created if
//       missing) as replication would, without its checks: a folder holding several states.
//   ots_testtool call --target HOST:PORT --ca F [--cert F --key F] [--name N]
//                     [--method health|status|reflection] [--service NAME]
//       Makes one call and prints its status code name (OK, UNAVAILABLE, PERMISSION_DENIED...);
//       exit 0 only if the call succeeded. Without --cert the client offers no certificate.
//       health asks about the whole server, or with --service about that service
//       (ots.v1.Query, ...), and prints SERVING or NOT_SERVING before the code.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/x509.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "node/rpc/tls.h"
#include "node/server/node_server.h"
#include "node/trust/config.h"
#include "proto/services.grpc.pb.h"
#include "tests/fakes/copy_log.h"
#include "tests/fakes/rpc_calls.h"
#include "tests/tools/synthetic_return.h"

namespace ots {
namespace {

// The status code's name as gRPC spells it: OK, UNAVAILABLE, PERMISSION_DENIED, ...
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::map<std::string, std::string> Flags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--expired") {
      // insert_or_assign, not operator=(const char*): GCC 12 at -O3 warns falsely (-Wrestrict,
      // GCC bug 105329) about the latter.
      flags.insert_or_assign("expired", std::string("1"));
    } else if (i + 1 < argc) {
      flags[name.substr(2)] = argv[++i];
    }
  }
  return flags;
}

int Issue(std::map<std::string, std::string> f) {
  absl::StatusOr<Certificate> ca = Certificate::LoadPemFile(f["ca-cert"]);
  absl::StatusOr<TlsKey> ca_key = TlsKey::LoadPemFile(f["ca-key"]);
  absl::StatusOr<TlsKey> key = TlsKey::Generate();
  if (!ca.ok() || !ca_key.ok() || !key.ok()) {
    std::cerr << "issue: cannot load the CA or make a key\n";
    return 2;
  }
  CertificateSpec spec;
  spec.common_name = f["cn"];
  spec.client_auth = true;
  const absl::Time now = absl::Now();
  spec.not_before = now - absl::Hours(f.count("expired") ? 72 : 1);
  spec.not_after = f.count("expired") ? now - absl::Hours(24) : now + absl::Hours(24);
  absl::StatusOr<Certificate> cert = IssueCertificate(spec, *key, &*ca, *ca_key);
  if (!cert.ok()) {
    std::cerr << "issue: " << cert.status().message() << "\n";
    return 2;
  }
  absl::Status s = key->SavePemFile(f["out"] + ".key");
  if (s.ok()) {
    s = WritePublicFile(f["out"] + ".pem", cert->ToPem());
  }
  if (!s.ok()) {
    std::cerr << "issue: " << s.message() << "\n";
    return 2;
  }
  return 0;
}

int Call(std::map<std::string, std::string> f) {
  absl::StatusOr<std::string> ca = ReadFile(f["ca"]);
  if (!ca.ok()) {
    std::cerr << "call: " << ca.status().message() << "\n";
    return 2;
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ca;
  if (f.count("cert")) {
    absl::StatusOr<std::string> cert = ReadFile(f["cert"]);
    absl::StatusOr<std::string> key = ReadFile(f["key"]);
    if (!cert.ok() || !key.ok()) {
      std::cerr << "call: cannot read --cert or --key\n";
      return 2;
    }
    tls.pem_cert_chain = *cert;
    tls.pem_private_key = *key;
  }
  grpc::ChannelArguments args;
  if (f.count("name")) {
    args.SetSslTargetNameOverride(f["name"]);
  }
  auto channel = grpc::CreateCustomChannel(f["target"], grpc::SslCredentials(tls), args);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status;
  if (f["method"] == "reflection") {
    // grpc.reflection.v1alpha ServerReflectionInfo, one request: list_services (field 7, "").
    grpc::GenericStub stub(channel);
    grpc::CompletionQueue cq;
    auto call = stub.PrepareCall(
        &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
    void* tag = nullptr;
    bool ok = false;
    auto step = [&](intptr_t id) {
      return cq.Next(&tag, &ok) && tag == reinterpret_cast<void*>(id) && ok;
    };
    call->StartCall(reinterpret_cast<void*>(1));
    grpc::Slice list(std::string("\x3a\x00", 2));
    grpc::ByteBuffer request(&list, 1), response;
    std::string bytes;
    if (step(1)) {
      call->Write(request, reinterpret_cast<void*>(2));
      if (step(2)) {
        call->WritesDone(reinterpret_cast<void*>(3));
        step(3);
        call->Read(&response, reinterpret_cast<void*>(4));
        if (step(4)) {
          bytes = BufferBytes(response);
        }
      }
    }
    call->Finish(&status, reinterpret_cast<void*>(5));
    cq.Next(&tag, &ok);
    // The service names appear verbatim in the response.
    for (const char* name : {"ots.v1.Submission", "ots.v1.Query", "grpc.health.v1.Health"}) {
      if (bytes.find(name) != std::string::npos) {
        std::cout << name << " ";
      }
    }
  } else if (f["method"] == "status") {
    v1::StatusResponse response;
    status = v1::Query::NewStub(channel)->Status(&context, v1::StatusRequest(), &response);
  } else {
    bool serving = false;
    status = HealthCheck(channel, context, &serving, f.count("service") ? f["service"] : "");
    if (status.ok()) {
      std::cout << (serving ? "SERVING " : "NOT_SERVING ");
    }
  }
  std::cout << CodeName(status.error_code()) << " " << status.error_message() << "\n";
  return status.ok() ? 0 : 1;
}

int Synth(std::map<std::string, std::string> f) {
  size_t cells = std::strtoull(f["cells"].c_str(), nullptr, 10);
  std::string csv = SyntheticReturn(f["origin"], f["period"], cells);
  if (csv.empty()) {
    std::cerr << "synth: " << cells << " cells do not fit the code lists\n";
    return 2;
  }
  absl::Status s = WritePublicFile(f["out"], csv);
  if (!s.ok()) {
    std::cerr << "synth: " << s.message() << "\n";
    return 2;
  }
  return 0;
}

int CopyLogVerb(std::map<std::string, std::string> f) {
  Store::Options read;
  read.read_only = true;
  Store::Options write;
  write.create_if_missing = true;
  absl::StatusOr<std::unique_ptr<Store>> from = Store::Open(f["from"], read);
  if (!from.ok()) {
    std::cerr << "copy-log: " << from.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<Store>> to = Store::Open(f["to"], write);
  if (!to.ok()) {
    std::cerr << "copy-log: " << to.status().message() << "\n";
    return 2;
  }
  absl::Status s = CopyLog(**from, **to, f["origin"]);
  if (!s.ok()) {
    std::cerr << "copy-log: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

int Main(int argc, char** argv) {
  RestrictTlsToVersion13();
  if (argc < 2) {
    std::cerr << "usage: ots_testtool issue|synth|call|copy-log ...\n";
    return 2;
  }
  std::string verb = argv[1];
  if (verb == "issue") {
    return Issue(Flags(argc, argv));
  }
  if (verb == "synth") {
    return Synth(Flags(argc, argv));
  }
  if (verb == "call") {
    return Call(Flags(argc, argv));
  }
  if (verb == "copy-log") {
    return CopyLogVerb(Flags(argc, argv));
  }
  std::cerr << "unknown verb " << verb << "\n";
  return 2;
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
