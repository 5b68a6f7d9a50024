#include "node/trust/pki.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "node/model/codes.h"
#include "node/trust/trust_bundle.h"
#include "proto/bundle.pb.h"

namespace ots {
namespace {

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

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

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
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

std::string ClientConfigText(const std::string& member, const std::string& endpoint,
                             const std::string& server_name, const std::string& identity) {
  return absl::StrCat("# ots-ctl client configuration: ", identity, " of ", member,
                      ", written by pki init.\n", "member: \"", member, "\"\n", "node_address: \"",
                      endpoint, "\"\n", "node_name: \"", server_name, "\"\n",
                      "tls {\n  cert_file: \"", identity, ".pem\"\n  key_file: \"", identity,
                      ".key\"\n  ca_file: \"../ca/ca.pem\"\n}\n");
}

}  // namespace

std::string NodeServerName(absl::string_view code, absl::string_view federation) {
  return absl::StrCat(absl::AsciiStrToLower(code), ".node.", federation);
}

absl::Status InitPki(const PkiOptions& options, const Clock& clock,
                     std::vector<std::string>* out_summary) {
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
  std::map<std::string, std::string> endpoints;
  int next_port = options.base_port + 1;
  for (const std::string& code : codes) {
    auto it = options.endpoints.find(code);
    const int port = code == kSecretariatCode ? options.base_port : next_port++;
    std::string endpoint = it != options.endpoints.end()
                               ? it->second
                               : absl::StrCat(options.host.find(':') != std::string::npos
                                                  ? absl::StrCat("[", options.host, "]")
                                                  : options.host,
                                              ":", port);
    OTS_RETURN_IF_ERROR(SplitEndpoint(endpoint).status());
    endpoints[code] = endpoint;
  }
  for (const auto& [code, endpoint] : options.endpoints) {
    if (endpoints.count(code) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("pki init: endpoint given for ", code, ", which is not being created"));
    }
  }

  const std::string& out = options.out_dir;
  OTS_RETURN_IF_ERROR(MakeDir(out));
  const std::string ca_dir = out + "/ca";
  struct stat st;
  if (stat(ca_dir.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat(ca_dir, ": already holds a federation CA; pki init never overwrites keys"));
  }
  OTS_RETURN_IF_ERROR(MakeDir(ca_dir));
  const absl::Time now = clock.Now();
  // Backdated a little so that a peer whose clock runs slightly behind accepts new certificates.
  const absl::Time not_before = now - absl::Hours(1);
  const absl::Time not_after = now + options.validity;

  CertificateSpec ca_spec;
  ca_spec.common_name = absl::StrCat(options.federation, " federation CA");
  ca_spec.organization = options.federation;
  ca_spec.is_ca = true;
  ca_spec.not_before = not_before;
  ca_spec.not_after = not_after + absl::Hours(24);
  OTS_ASSIGN_OR_RETURN(TlsKey ca_key, TlsKey::Generate());
  OTS_ASSIGN_OR_RETURN(Certificate ca, IssueCertificate(ca_spec, ca_key, nullptr, ca_key));
  OTS_RETURN_IF_ERROR(ca_key.SavePemFile(ca_dir + "/ca.key"));
  OTS_RETURN_IF_ERROR(WritePublicFile(ca_dir + "/ca.pem", ca.ToPem()));
  if (out_summary != nullptr) {
    out_summary->push_back(absl::StrCat(ca_dir, "/: federation CA (ca.pem, ca.key)"));
  }

  v1::TrustBundle bundle;
  bundle.set_federation(options.federation);
  bundle.set_version(1);
  bundle.set_issued_at(Rfc3339(now));
  for (const std::string& code : codes) {
    const bool secretariat = code == kSecretariatCode;
    const std::string dir = absl::StrCat(out, "/", absl::AsciiStrToLower(code));
    OTS_RETURN_IF_ERROR(MakeDir(dir));
    const std::string& endpoint = endpoints[code];
    OTS_ASSIGN_OR_RETURN(auto host_port, SplitEndpoint(endpoint));
    const std::string server_name = NodeServerName(code, options.federation);

    v1::Member* m = bundle.add_members();
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

    auto add_identity = [&](v1::TlsIdentity::Kind kind, const std::string& name,
                            bool server) -> absl::Status {
      CertificateSpec spec;
      spec.common_name = absl::StrCat(code, " ", name);
      spec.organization = options.federation;
      spec.client_auth = true;
      spec.server_auth = server;
      if (server) {
        spec.dns_names.push_back(server_name);
        if (IsIpLiteral(host_port.first)) {
          spec.ip_addresses.push_back(host_port.first);
        } else {
          spec.dns_names.push_back(host_port.first);
        }
      }
      spec.not_before = not_before;
      spec.not_after = not_after;
      OTS_ASSIGN_OR_RETURN(std::string spki, WriteIdentity(dir, name, spec, ca, ca_key));
      v1::TlsIdentity* id = m->add_tls_identities();
      id->set_kind(kind);
      id->set_spki_sha256(spki);
      id->set_common_name(spec.common_name);
      return absl::OkStatus();
    };
    OTS_RETURN_IF_ERROR(add_identity(v1::TlsIdentity::NODE, "node", /*server=*/true));
    if (!secretariat) {
      OTS_RETURN_IF_ERROR(add_identity(v1::TlsIdentity::OPERATOR, "operator", false));
    }
    OTS_RETURN_IF_ERROR(add_identity(v1::TlsIdentity::AUDITOR, "auditor", false));

    auto add_key = [&](const PrivateKey& key, v1::PublicKeyEntry* e) {
      e->set_ed25519(key.public_key().raw());
      e->set_valid_from(Rfc3339(not_before));
      e->set_valid_until(Rfc3339(not_after));
    };
    std::string node_config =
        absl::StrCat("# ots-node configuration of ", code, ", written by pki init.\n", "origin: \"",
                     code, "\"\n", "data_dir: \"data\"\n");
    if (!secretariat) {
      OTS_ASSIGN_OR_RETURN(PrivateKey log_key, WriteSigningKey(dir, "log"));
      add_key(log_key, m->add_log_keys());
      absl::StrAppend(&node_config, "log_key_file: \"log.key\"\n");
    }
    OTS_ASSIGN_OR_RETURN(PrivateKey witness_key, WriteSigningKey(dir, "witness"));
    add_key(witness_key, m->add_witness_keys());
    absl::StrAppend(&node_config, "witness_key_file: \"witness.key\"\n", "listen_address: \"",
                    endpoint, "\"\n",
                    "tls {\n  cert_file: \"node.pem\"\n  key_file: \"node.key\"\n"
                    "  ca_file: \"../ca/ca.pem\"\n}\n",
                    "trust_bundle_file: \"../federation/trust-bundle.json\"\n",
                    "bundle_public_key_file: \"../federation/bundle.pub.pem\"\n");
    OTS_RETURN_IF_ERROR(WritePublicFile(dir + "/node.textproto", node_config));
    if (!secretariat) {
      OTS_RETURN_IF_ERROR(WritePublicFile(
          dir + "/operator.textproto", ClientConfigText(code, endpoint, server_name, "operator")));
    }
    OTS_RETURN_IF_ERROR(WritePublicFile(dir + "/auditor.textproto",
                                        ClientConfigText(code, endpoint, server_name, "auditor")));
    if (out_summary != nullptr) {
      out_summary->push_back(absl::StrCat(dir, "/: ", code, " at ", endpoint, " (node.textproto",
                                          secretariat ? "" : ", operator.textproto",
                                          ", auditor.textproto, keys and certificates)"));
    }
  }

  const std::string fed_dir = out + "/federation";
  OTS_RETURN_IF_ERROR(MakeDir(fed_dir));
  OTS_ASSIGN_OR_RETURN(PrivateKey bundle_key, WriteSigningKey(fed_dir, "bundle"));
  OTS_ASSIGN_OR_RETURN(std::string signed_bundle, SignTrustBundle(bundle, bundle_key));
  OTS_RETURN_IF_ERROR(WritePublicFile(fed_dir + "/trust-bundle.json", signed_bundle));
  if (out_summary != nullptr) {
    out_summary->push_back(absl::StrCat(fed_dir,
                                        "/: signed trust bundle version 1 (trust-bundle.json), "
                                        "its signing key (bundle.key, bundle.pub.pem)"));
  }
  return absl::OkStatus();
}

}  // namespace ots
