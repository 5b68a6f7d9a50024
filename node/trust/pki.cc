#include "node/trust/pki.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "google/protobuf/text_format.h"
#include "node/base/rfc3339.h"
#include "node/model/codes.h"
#include "node/trust/trust_bundle.h"
#include "proto/bundle.pb.h"
#include "proto/config.pb.h"

namespace ots {
namespace {

// Certificates and keys are valid from this long before they are made: a node whose clock is
// slow by up to two days still accepts its peers' certificates, and they its own.
constexpr absl::Duration kBackdating = absl::Hours(48);

bool IsIpLiteral(absl::string_view host) {
  if (host.find(':') != absl::string_view::npos) {
    return true;  // IPv6
  }
  for (char c : host) {
    if (!(absl::ascii_isdigit(c) || c == '.')) {
      return false;
    }
  }
  return !host.empty();
}

// Splits "host:port" or "[v6]:port". INVALID_ARGUMENT otherwise.
absl::StatusOr<std::pair<std::string, std::string>> SplitEndpoint(absl::string_view endpoint) {
  size_t colon = endpoint.rfind(':');
  if (colon == absl::string_view::npos || colon == 0 || colon + 1 == endpoint.size()) {
    return absl::InvalidArgumentError(absl::StrCat("endpoint \"", endpoint, "\" is not host:port"));
  }
  std::string host(endpoint.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, std::string(endpoint.substr(colon + 1)));
}

// One TLS identity: key and certificate written as `dir`/`name`.key and .pem.
absl::StatusOr<std::string> WriteIdentity(const std::string& dir, const std::string& name,
                                          const CertificateSpec& spec, const Certificate& ca,
                                          const TlsKey& ca_key) {
  OTS_ASSIGN_OR_RETURN(TlsKey key, TlsKey::Generate());
  OTS_ASSIGN_OR_RETURN(Certificate cert, IssueCertificate(spec, key, &ca, ca_key));
  OTS_RETURN_IF_ERROR(key.SavePemFile(absl::StrCat(dir, "/", name, ".key")));
  OTS_RETURN_IF_ERROR(WritePublicFile(absl::StrCat(dir, "/", name, ".pem"), cert.ToPem()));
  return cert.SpkiSha256Hex();
}

absl::StatusOr<PrivateKey> WriteSigningKey(const std::string& dir, const std::string& name) {
  OTS_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate());
  OTS_RETURN_IF_ERROR(key.SavePemFile(absl::StrCat(dir, "/", name, ".key")));
  OTS_RETURN_IF_ERROR(
      WritePublicFile(absl::StrCat(dir, "/", name, ".pub.pem"), key.public_key().ToPem()));
  return key;
}

// Writes `config` as protobuf text, after a comment line saying what it is.
absl::Status WriteConfig(const std::string& path, absl::string_view comment,
                         const google::protobuf::Message& config) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(config, &text)) {
    return absl::InternalError(absl::StrCat(path, ": cannot print the configuration"));
  }
  return WritePublicFile(path, absl::StrCat("# ", comment, ", written by pki init.\n", text));
}

// A client configuration of `member`'s `identity` (operator, auditor).
v1::ClientConfig ClientConfigFor(const std::string& member, const std::string& endpoint,
                                 const std::string& server_name, const std::string& identity,
                                 const std::string& bundle_key_id) {
  v1::ClientConfig config;
  config.set_member(member);
  config.set_node_address(endpoint);
  config.set_node_name(server_name);
  config.mutable_tls()->set_cert_file(identity + ".pem");
  config.mutable_tls()->set_key_file(identity + ".key");
  config.mutable_tls()->set_ca_file("../ca/ca.pem");
  config.set_trust_bundle_file("../federation/trust-bundle.json");
  config.set_bundle_public_key_file("../federation/bundle.pub.pem");
  config.set_bundle_key_id(bundle_key_id);
  return config;
}

// What writing a federation shares across its steps.
struct PkiRun {
  const PkiOptions& options;
  absl::Time not_before;  // backdated a little: a peer whose clock is slightly behind accepts
  absl::Time not_after;
  std::optional<TlsKey> ca_key;
  std::optional<Certificate> ca;
  std::vector<std::string>* summary;
  std::string bundle_key_id;  // pinned in every client configuration

  void Say(std::string line) {
    if (summary != nullptr) {
      summary->push_back(std::move(line));
    }
  }
};

// The member codes to create, the Secretariat first. INVALID_ARGUMENT on a bad or repeated code.
absl::StatusOr<std::vector<std::string>> MemberCodes(const PkiOptions& options) {
  if (options.federation.empty() ||
      options.federation.find_first_of(" /+\n") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("pki init: the federation's name \"", options.federation,
                     "\" is empty or holds a space, '/' or '+' (it begins every key name)"));
  }
  if (options.states.empty() && !options.secretariat) {
    return absl::InvalidArgumentError("pki init: no members (give --states and/or --secretariat)");
  }
  std::vector<std::string> codes;
  if (options.secretariat) {
    codes.push_back(std::string(kSecretariatCode));
  }
  for (const std::string& s : options.states) {
    if (!IsFederationState(s)) {
      return absl::InvalidArgumentError(
          absl::StrCat("pki init: \"", s, "\" is not a federation state (AZ KZ KG TR UZ HU TM)"));
    }
    if (std::find(codes.begin(), codes.end(), s) != codes.end()) {
      return absl::InvalidArgumentError(absl::StrCat("pki init: ", s, " is named twice"));
    }
    codes.push_back(s);
  }
  return codes;
}

// Each member's endpoint: the Secretariat at base_port, the states after it, unless overridden.
absl::StatusOr<std::map<std::string, std::string>> Endpoints(
    const PkiOptions& options, const std::vector<std::string>& codes) {
  std::map<std::string, std::string> endpoints;
  int next_port = options.base_port + 1;
  const std::string host = options.host.find(':') != std::string::npos
                               ? absl::StrCat("[", options.host, "]")
                               : options.host;
  for (const std::string& code : codes) {
    auto it = options.endpoints.find(code);
    const int port = code == kSecretariatCode ? options.base_port : next_port++;
    std::string endpoint =
        it != options.endpoints.end() ? it->second : absl::StrCat(host, ":", port);
    OTS_RETURN_IF_ERROR(SplitEndpoint(endpoint).status());
    endpoints[code] = endpoint;
  }
  for (const auto& [code, endpoint] : options.endpoints) {
    if (endpoints.count(code) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("pki init: endpoint given for ", code, ", which is not being created"));
    }
  }
  return endpoints;
}

// The federation CA in `out`/ca. ALREADY_EXISTS if there is one: keys are never overwritten.
absl::Status WriteCa(PkiRun& run, const std::string& out) {
  const std::string ca_dir = out + "/ca";
  struct stat st;
  if (stat(ca_dir.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat(ca_dir, ": already holds a federation CA; pki init never overwrites keys"));
  }
  OTS_RETURN_IF_ERROR(MakeDirectory(ca_dir, 0755));
  CertificateSpec spec;
  spec.common_name = absl::StrCat(run.options.federation, " federation CA");
  spec.organization = run.options.federation;
  spec.is_ca = true;
  spec.not_before = run.not_before;
  // The CA outlives the certificates it issues by years: they are renewed from it (pki renew)
  // while it lasts.
  const absl::Time now = run.not_after - run.options.validity;
  spec.not_after = std::max(now + run.options.ca_validity, run.not_after + absl::Hours(24));
  OTS_ASSIGN_OR_RETURN(run.ca_key, TlsKey::Generate());
  OTS_ASSIGN_OR_RETURN(run.ca, IssueCertificate(spec, *run.ca_key, nullptr, *run.ca_key));
  OTS_RETURN_IF_ERROR(run.ca_key->SavePemFile(ca_dir + "/ca.key"));
  OTS_RETURN_IF_ERROR(WritePublicFile(ca_dir + "/ca.pem", run.ca->ToPem()));
  run.Say(absl::StrCat(ca_dir, "/: federation CA (ca.pem, ca.key)"));
  return absl::OkStatus();
}

// One TLS identity of `code` (`name`: node, operator, auditor) in `dir`, listed in `m`.
absl::Status WriteTlsIdentity(const PkiRun& run, const std::string& dir, const std::string& code,
                              const std::string& endpoint, v1::TlsIdentity::Kind kind,
                              const std::string& name, v1::Member* m) {
  const bool server = kind == v1::TlsIdentity::NODE;
  CertificateSpec spec;
  spec.common_name = absl::StrCat(code, " ", name);
  spec.organization = run.options.federation;
  spec.client_auth = true;
  spec.server_auth = server;
  if (server) {
    spec.dns_names.push_back(NodeServerName(code, run.options.federation));
    OTS_ASSIGN_OR_RETURN(auto host_port, SplitEndpoint(endpoint));
    if (IsIpLiteral(host_port.first)) {
      spec.ip_addresses.push_back(host_port.first);
    } else {
      spec.dns_names.push_back(host_port.first);
    }
  }
  spec.not_before = run.not_before;
  spec.not_after = run.not_after;
  OTS_ASSIGN_OR_RETURN(std::string spki, WriteIdentity(dir, name, spec, *run.ca, *run.ca_key));
  v1::TlsIdentity* id = m->add_tls_identities();
  id->set_kind(kind);
  id->set_spki_sha256(spki);
  id->set_common_name(spec.common_name);
  return absl::OkStatus();
}

// One signing key of `dir` (`name`: log, witness, release), listed in `entry` with its validity.
absl::Status WriteListedKey(const PkiRun& run, const std::string& dir, const std::string& name,
                            v1::PublicKeyEntry* entry) {
  OTS_ASSIGN_OR_RETURN(PrivateKey key, WriteSigningKey(dir, name));
  entry->set_ed25519(key.public_key().raw());
  entry->set_valid_from(Rfc3339(run.not_before));
  entry->set_valid_until(Rfc3339(run.not_after));
  return absl::OkStatus();
}

// Everything of one member in `out`/<code>: its TLS identities, log and witness keys and
// configurations, and its entry `m` of the bundle.
absl::Status WriteMember(PkiRun& run, const std::string& out, const std::string& code,
                         const std::string& endpoint, const std::vector<std::string>& codes,
                         v1::Member* m) {
  const bool secretariat = code == kSecretariatCode;
  const std::string dir = absl::StrCat(out, "/", absl::AsciiStrToLower(code));
  OTS_RETURN_IF_ERROR(MakeDirectory(dir, 0755));
  m->set_code(code);
  m->set_role(secretariat                    ? v1::SECRETARIAT
              : code == "HU" || code == "TM" ? v1::OBSERVER
                                             : v1::MEMBER);
  m->set_endpoint(endpoint);
  for (const std::string& other : codes) {
    if (other != code) {
      m->add_share_with(other);
    }
  }
  OTS_RETURN_IF_ERROR(WriteTlsIdentity(run, dir, code, endpoint, v1::TlsIdentity::NODE, "node", m));
  if (!secretariat) {
    OTS_RETURN_IF_ERROR(
        WriteTlsIdentity(run, dir, code, endpoint, v1::TlsIdentity::OPERATOR, "operator", m));
  }
  OTS_RETURN_IF_ERROR(
      WriteTlsIdentity(run, dir, code, endpoint, v1::TlsIdentity::AUDITOR, "auditor", m));

  v1::NodeConfig node;
  node.set_origin(code);
  // Beside the configuration, or under the data root a packaged node uses (/var/lib/ots/<cc>).
  node.set_data_dir(run.options.data_root.empty()
                        ? "data"
                        : absl::StrCat(run.options.data_root, "/", absl::AsciiStrToLower(code)));
  if (run.options.admin_base_port > 0) {
    // In the order of the codes, as the endpoints' ports: the Secretariat's first.
    const auto at = std::find(codes.begin(), codes.end(), code);
    const int index = static_cast<int>(at - codes.begin());
    const bool has_secretariat =
        std::find(codes.begin(), codes.end(), kSecretariatCode) != codes.end();
    const int offset = code == kSecretariatCode ? 0 : index + (has_secretariat ? 0 : 1);
    node.mutable_admin()->set_listen_address(
        absl::StrCat("127.0.0.1:", run.options.admin_base_port + offset));
  }
  if (!secretariat) {
    OTS_RETURN_IF_ERROR(WriteListedKey(run, dir, "log", m->add_log_keys()));
    node.set_log_key_file("log.key");
  }
  OTS_RETURN_IF_ERROR(WriteListedKey(run, dir, "witness", m->add_witness_keys()));
  node.set_witness_key_file("witness.key");
  if (secretariat) {
    // Signs the Secretariat's releases; held by its statisticians, not by its node.
    OTS_RETURN_IF_ERROR(WriteListedKey(run, dir, "release", m->add_release_keys()));
  }
  node.set_listen_address(endpoint);
  node.mutable_tls()->set_cert_file("node.pem");
  node.mutable_tls()->set_key_file("node.key");
  node.mutable_tls()->set_ca_file("../ca/ca.pem");
  node.set_trust_bundle_file("../federation/trust-bundle.json");
  node.set_bundle_public_key_file("../federation/bundle.pub.pem");
  OTS_RETURN_IF_ERROR(
      WriteConfig(dir + "/node.textproto", absl::StrCat("ots-node configuration of ", code), node));
  const std::string server_name = NodeServerName(code, run.options.federation);
  for (const char* identity : {"operator", "auditor"}) {
    if (secretariat && std::string(identity) == "operator") {
      continue;  // the Secretariat submits nothing
    }
    OTS_RETURN_IF_ERROR(
        WriteConfig(absl::StrCat(dir, "/", identity, ".textproto"),
                    absl::StrCat("ots-ctl client configuration: ", identity, " of ", code),
                    ClientConfigFor(code, endpoint, server_name, identity, run.bundle_key_id)));
  }
  run.Say(absl::StrCat(dir, "/: ", code, " at ", endpoint, " (node.textproto",
                       secretariat ? "" : ", operator.textproto",
                       ", auditor.textproto, keys and certificates)"));
  return absl::OkStatus();
}

}  // namespace

absl::Status RenewCertificates(const RenewOptions& options, const Clock& clock,
                               std::vector<std::string>* out_summary) {
  if (options.validity <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("pki renew: the validity must be positive");
  }
  const std::string ca_pem_file = options.ca_dir + "/ca.pem";
  const std::string ca_key_file = options.ca_dir + "/ca.key";
  OTS_ASSIGN_OR_RETURN(Certificate ca, Certificate::LoadPemFile(ca_pem_file));
  OTS_ASSIGN_OR_RETURN(TlsKey ca_key, TlsKey::LoadPemFile(ca_key_file));
  if (ca.SpkiSha256Hex() != ca_key.SpkiSha256Hex()) {
    return absl::FailedPreconditionError(
        absl::StrCat(ca_key_file, ": is not the key of ", ca_pem_file));
  }
  const absl::Time now = clock.Now();
  const absl::Time not_before = now - kBackdating;
  const absl::Time not_after = now + options.validity;
  if (not_after > ca.NotAfter()) {
    return absl::FailedPreconditionError(absl::StrCat(
        ca_pem_file, ": the CA ends on ", Rfc3339(ca.NotAfter()), ", before the renewed ",
        "certificates would (", Rfc3339(not_after), "): renew the CA first or ask for less"));
  }
  // Every certificate is issued before any file is written: a failure leaves all as they were.
  struct Renewal {
    std::string cert_file;
    std::string key_file;
    TlsKey key;
    Certificate cert;
  };
  std::vector<Renewal> renewals;
  for (const std::string& name : options.names) {
    const std::string cert_file = absl::StrCat(options.member_dir, "/", name, ".pem");
    const std::string key_file = absl::StrCat(options.member_dir, "/", name, ".key");
    struct stat st;
    if (stat(cert_file.c_str(), &st) != 0) {
      continue;
    }
    OTS_ASSIGN_OR_RETURN(Certificate old, Certificate::LoadPemFile(cert_file));
    OTS_ASSIGN_OR_RETURN(TlsKey key,
                         options.new_keys ? TlsKey::Generate() : TlsKey::LoadPemFile(key_file));
    if (!options.new_keys && key.SpkiSha256Hex() != old.SpkiSha256Hex()) {
      return absl::FailedPreconditionError(
          absl::StrCat(key_file, ": is not the key of ", cert_file));
    }
    absl::Status issued_by_ca = VerifyIssuedBy(old, ca, old.NotBefore());
    if (!issued_by_ca.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(cert_file, ": was not issued by the CA of ",
                                                        ca_pem_file, ": ", issued_by_ca.message()));
    }
    OTS_ASSIGN_OR_RETURN(Certificate cert,
                         RenewCertificate(old, key, ca, ca_key, not_before, not_after));
    renewals.push_back(Renewal{cert_file, key_file, std::move(key), std::move(cert)});
  }
  for (const Renewal& r : renewals) {
    if (options.new_keys) {
      OTS_RETURN_IF_ERROR(r.key.SavePemFileReplacing(r.key_file));
    }
    OTS_RETURN_IF_ERROR(WriteFileReplacing(r.cert_file, r.cert.ToPem(), 0644));
    if (out_summary != nullptr) {
      out_summary->push_back(absl::StrCat(
          r.cert_file, " (", r.cert.Subject(), "): valid until ", Rfc3339(r.cert.NotAfter()),
          options.new_keys
              ? absl::StrCat("; new key ", r.cert.SpkiSha256Hex(),
                             ": list it in the next trust bundle version (tls_identities)")
              : "; same key: the trust bundle needs no change"));
    }
  }
  const size_t renewed = renewals.size();
  if (renewed == 0) {
    return absl::NotFoundError(absl::StrCat(options.member_dir, ": holds none of the certificates ",
                                            absl::StrJoin(options.names, ".pem, "), ".pem"));
  }
  return absl::OkStatus();
}

std::string NodeServerName(absl::string_view code, absl::string_view federation) {
  return absl::StrCat(absl::AsciiStrToLower(code), ".node.", federation);
}

absl::Status InitPki(const PkiOptions& options, const Clock& clock,
                     std::vector<std::string>* out_summary) {
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> codes, MemberCodes(options));
  OTS_ASSIGN_OR_RETURN(auto endpoints, Endpoints(options, codes));
  const std::string& out = options.out_dir;
  OTS_RETURN_IF_ERROR(MakeDirectory(out, 0755));
  const absl::Time now = clock.Now();
  PkiRun run{options, now - kBackdating, now + options.validity, {}, {}, out_summary, {}};
  OTS_RETURN_IF_ERROR(WriteCa(run, out));

  // The bundle key first: every client configuration pins its key id.
  const std::string fed_dir = out + "/federation";
  OTS_RETURN_IF_ERROR(MakeDirectory(fed_dir, 0755));
  OTS_ASSIGN_OR_RETURN(PrivateKey bundle_key, WriteSigningKey(fed_dir, "bundle"));
  run.bundle_key_id = bundle_key.public_key().KeyId();

  v1::TrustBundle bundle;
  bundle.set_federation(options.federation);
  bundle.set_version(1);
  bundle.set_issued_at(Rfc3339(now));
  for (const std::string& code : codes) {
    OTS_RETURN_IF_ERROR(WriteMember(run, out, code, endpoints[code], codes, bundle.add_members()));
  }
  const int others = static_cast<int>(codes.size()) - 1;
  bundle.set_witness_quorum(options.witness_quorum >= 0 ? options.witness_quorum
                                                        : (others > 0 ? others / 2 + 1 : 0));

  OTS_ASSIGN_OR_RETURN(std::string signed_bundle, SignTrustBundle(bundle, bundle_key));
  OTS_RETURN_IF_ERROR(WritePublicFile(fed_dir + "/trust-bundle.json", signed_bundle));
  run.Say(absl::StrCat(fed_dir,
                       "/: signed trust bundle version 1 (trust-bundle.json, witness quorum ",
                       bundle.witness_quorum(),
                       "), its signing key (bundle.key, bundle.pub.pem, "
                       "key id ",
                       run.bundle_key_id, ")"));
  return absl::OkStatus();
}

}  // namespace ots
