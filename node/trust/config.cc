#include "node/trust/config.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "node/base/text.h"
#include "node/model/codes.h"
#include "node/model/return_csv.h"

namespace ots {
namespace {

// Collects the parser's complaints as "file:line:column: message".
class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(absl::string_view file) : file_(file) {}
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message);
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string file_;
  std::string first_;
};

absl::Status ParseText(absl::string_view file_name, absl::string_view text,
                       google::protobuf::Message* out) {
  google::protobuf::TextFormat::Parser parser;
  Collector errors(file_name);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), out)) {
    return absl::InvalidArgumentError(
        errors.first().empty() ? absl::StrCat(file_name, ": not a ", out->GetDescriptor()->name())
                               : errors.first());
  }
  return absl::OkStatus();
}

std::string DirOf(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? "." : std::string(path.substr(0, slash));
}

void ResolveTls(absl::string_view dir, v1::TlsFiles* tls) {
  tls->set_cert_file(ResolvePath(dir, tls->cert_file()));
  tls->set_key_file(ResolvePath(dir, tls->key_file()));
  tls->set_ca_file(ResolvePath(dir, tls->ca_file()));
}

// True for "host:port" with a port of 0 to 65535 ("[::1]:7400", "0.0.0.0:0", "az.example:7401").
bool IsHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return false;
  }
  absl::string_view host = address.substr(0, colon);
  absl::string_view port = address.substr(colon + 1);
  uint64_t n = 0;
  if (port.empty() || port.size() > 5 || !ParseCanonicalDecimal(port, &n) || n > 65535) {
    return false;
  }
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']';
  }
  return host.find(':') == absl::string_view::npos &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
         });
}

// An SDMX identifier: a letter or digit, then letters, digits, '_', '-', '@', '$'.
bool IsSdmxId(absl::string_view id) {
  return !id.empty() && absl::ascii_isalnum(id[0]) && std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '@' || c == '$' || c == '.';
  });
}

}  // namespace

uint64_t MaxReturnBytes(const v1::NodeConfig& config) {
  return config.max_return_bytes() == 0 ? kDefaultMaxReturnBytes : config.max_return_bytes();
}

std::vector<std::string> AcceptedDataflows(const v1::NodeConfig& config) {
  if (config.accepted_dataflows().empty()) {
    return {kFederationDataflow};
  }
  return {config.accepted_dataflows().begin(), config.accepted_dataflows().end()};
}

bool IsDataflowReference(absl::string_view s) {
  const size_t colon = s.find(':');
  const size_t open = s.find('(');
  if (colon == absl::string_view::npos || open == absl::string_view::npos || open < colon ||
      s.back() != ')') {
    return false;
  }
  absl::string_view version = s.substr(open + 1, s.size() - open - 2);
  return IsSdmxId(s.substr(0, colon)) && IsSdmxId(s.substr(colon + 1, open - colon - 1)) &&
         !version.empty() && std::all_of(version.begin(), version.end(), [](char c) {
           return absl::ascii_isdigit(c) || c == '.';
         });
}

std::string ResolvePath(absl::string_view base_dir, absl::string_view path) {
  if (path.empty() || path[0] == '/') {
    return std::string(path);
  }
  return absl::StrCat(base_dir, "/", path);
}

absl::StatusOr<v1::NodeConfig> ParseNodeConfig(absl::string_view file_name,
                                               absl::string_view text) {
  v1::NodeConfig config;
  OTS_RETURN_IF_ERROR(ParseText(file_name, text, &config));
  const bool secretariat = config.origin() == kSecretariatCode;
  if (!secretariat && !IsFederationState(config.origin())) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": origin ", Quoted(config.origin()),
                     config.origin().empty() ? " (origin is not set)" : "",
                     " is not a federation state (AZ KZ KG TR UZ HU TM) or OTS"));
  }
  if (config.data_dir().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": data_dir is not set"));
  }
  if (!secretariat && config.log_key_file().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": log_key_file is not set"));
  }
  if (!config.listen_address().empty() && !IsHostPort(config.listen_address())) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": listen_address ", Quoted(config.listen_address()),
                     " is not host:port (e.g. \"0.0.0.0:7400\" or \"[::1]:7400\")"));
  }
  for (const std::string& dataflow : config.accepted_dataflows()) {
    if (!IsDataflowReference(dataflow)) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ": accepted_dataflows ", Quoted(dataflow),
                       " is not an SDMX dataflow reference AGENCY:ID(VERSION), e.g. \"",
                       kFederationDataflow, "\""));
    }
  }
  return config;
}

absl::StatusOr<v1::NodeConfig> LoadNodeConfig(const std::string& path) {
  OTS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  OTS_ASSIGN_OR_RETURN(v1::NodeConfig config, ParseNodeConfig(path, text));
  const std::string dir = DirOf(path);
  config.set_data_dir(ResolvePath(dir, config.data_dir()));
  config.set_log_key_file(ResolvePath(dir, config.log_key_file()));
  for (std::string& file : *config.mutable_log_key_files()) {
    file = ResolvePath(dir, file);
  }
  config.set_witness_key_file(ResolvePath(dir, config.witness_key_file()));
  for (std::string& file : *config.mutable_witness_key_files()) {
    file = ResolvePath(dir, file);
  }
  config.set_trust_bundle_file(ResolvePath(dir, config.trust_bundle_file()));
  config.set_bundle_public_key_file(ResolvePath(dir, config.bundle_public_key_file()));
  if (config.has_tls()) {
    ResolveTls(dir, config.mutable_tls());
  }
  return config;
}

absl::StatusOr<v1::ClientConfig> ParseClientConfig(absl::string_view file_name,
                                                   absl::string_view text) {
  v1::ClientConfig config;
  OTS_RETURN_IF_ERROR(ParseText(file_name, text, &config));
  const std::string& address = config.node_address();
  if (!IsHostPort(address)) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": node_address ", Quoted(address), " is not host:port"));
  }
  if (config.tls().cert_file().empty() || config.tls().key_file().empty() ||
      config.tls().ca_file().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": tls needs cert_file, key_file and ca_file"));
  }
  if (config.trust_bundle_file().empty() || config.bundle_public_key_file().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_name,
        ": trust_bundle_file and bundle_public_key_file must name the federation's signed trust "
        "bundle and its key (everything a client checks rests on them)"));
  }
  if (!config.bundle_key_id().empty() && !IsSha256Hex(config.bundle_key_id())) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_name, ": bundle_key_id \"", config.bundle_key_id(),
        "\" is not a key id (64 lower-case hex digits, the SHA-256 of the raw public key)"));
  }
  return config;
}

absl::StatusOr<v1::ClientConfig> LoadClientConfig(const std::string& path) {
  OTS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  OTS_ASSIGN_OR_RETURN(v1::ClientConfig config, ParseClientConfig(path, text));
  ResolveTls(DirOf(path), config.mutable_tls());
  config.set_trust_bundle_file(ResolvePath(DirOf(path), config.trust_bundle_file()));
  config.set_bundle_public_key_file(ResolvePath(DirOf(path), config.bundle_public_key_file()));
  return config;
}

}  // namespace ots
