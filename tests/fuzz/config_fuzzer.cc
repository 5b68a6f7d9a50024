// Fuzzes the configuration files (node/trust/config.h): the node configuration ots-node starts
// from and the client configuration of ots-ctl, both protobuf text. The input is the text, read
// as each (ParseNodeConfig, ParseClientConfig: what LoadNodeConfig and LoadClientConfig do after
// reading the file; no file is written or read here).
//
// Invariants, beyond not crashing:
//   - a failure is INVALID_ARGUMENT and names the file;
//   - an accepted configuration holds what the validation promises (a federation state or OTS,
//     data_dir, log_key_file for a state; node_address host:port and the TLS and bundle files);
//   - printed back as protobuf text, it parses and validates to the same configuration;
//   - every path resolves against the configuration's folder as LoadNodeConfig resolves it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "crypto/bytes.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "node/model/codes.h"
#include "node/trust/config.h"
#include "tests/fuzz/fuzz_util.h"

namespace ots::fuzz {
namespace {

constexpr absl::string_view kFileName = "fuzz.textproto";
constexpr absl::string_view kDir = "/etc/ots";

void CheckFailure(const absl::Status& s) {
  Check(absl::IsInvalidArgument(s),
        "a configuration fails with another code than INVALID_ARGUMENT");
  Check(absl::StartsWith(s.message(), kFileName), "a configuration error does not name the file");
}

void CheckResolved(absl::string_view path) {
  const std::string resolved = ResolvePath(kDir, path);
  Check(path.empty() ? resolved.empty() : resolved[0] == '/',
        "a path does not resolve to an absolute one");
  Check(path.empty() || path[0] == '/' || absl::EndsWith(resolved, path),
        "a relative path is not kept under the folder");
}

template <typename Config, typename Parse>
absl::StatusOr<Config> ParseAndReprint(absl::string_view input, Parse parse) {
  absl::StatusOr<Config> config = parse(kFileName, input);
  if (!config.ok()) {
    CheckFailure(config.status());
    return config;
  }
  std::string text;
  Check(google::protobuf::TextFormat::PrintToString(*config, &text),
        "an accepted configuration does not print");
  absl::StatusOr<Config> again = parse(kFileName, text);
  Check(again.ok(), "an accepted configuration, printed back, is refused");
  Check(google::protobuf::util::MessageDifferencer::Equals(*again, *config),
        "an accepted configuration, printed back, parses to another one");
  return config;
}

void FuzzNodeConfig(absl::string_view input) {
  absl::StatusOr<v1::NodeConfig> c = ParseAndReprint<v1::NodeConfig>(input, ParseNodeConfig);
  if (!c.ok()) {
    return;
  }
  const bool secretariat = c->origin() == kSecretariatCode;
  Check(secretariat || IsFederationState(c->origin()), "a node of no federation state");
  Check(!c->data_dir().empty(), "a node configuration without data_dir");
  Check(secretariat || !c->log_key_file().empty(), "a state's node without log_key_file");
  for (const std::string* path :
       {&c->data_dir(), &c->log_key_file(), &c->witness_key_file(), &c->trust_bundle_file(),
        &c->bundle_public_key_file(), &c->tls().cert_file(), &c->tls().key_file(),
        &c->tls().ca_file()}) {
    CheckResolved(*path);
  }
}

void FuzzClientConfig(absl::string_view input) {
  absl::StatusOr<v1::ClientConfig> c = ParseAndReprint<v1::ClientConfig>(input, ParseClientConfig);
  if (!c.ok()) {
    return;
  }
  const size_t colon = c->node_address().rfind(':');
  Check(colon != std::string::npos && colon + 1 < c->node_address().size(),
        "a client configuration whose node_address is not host:port");
  Check(!c->tls().cert_file().empty() && !c->tls().key_file().empty() &&
            !c->tls().ca_file().empty() && !c->trust_bundle_file().empty() &&
            !c->bundle_public_key_file().empty(),
        "a client configuration without its TLS or bundle files");
  Check(c->bundle_key_id().empty() || IsSha256Hex(c->bundle_key_id()),
        "a client configuration with a bundle_key_id that is not a key id");
  for (const std::string* path :
       {&c->trust_bundle_file(), &c->bundle_public_key_file(), &c->tls().cert_file(),
        &c->tls().key_file(), &c->tls().ca_file()}) {
    CheckResolved(*path);
  }
}

}  // namespace
}  // namespace ots::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input = ots::fuzz::AsText(data, size);
  ots::fuzz::FuzzNodeConfig(input);
  ots::fuzz::FuzzClientConfig(input);
  return 0;
}
