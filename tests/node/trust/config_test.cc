#include "node/trust/config.h"

#include <catch2/catch.hpp>

#include <vector>

#include "absl/strings/match.h"

namespace ots {
namespace {

TEST_CASE("a node configuration in text format is read and validated", "[config]") {
  auto config = ParseNodeConfig("az.textproto",
                                "origin: \"AZ\"\n"
                                "data_dir: \"/var/lib/ots/az\"\n"
                                "log_key_file: \"az-log.key\"\n");
  REQUIRE(config.ok());
  CHECK(config->origin() == "AZ");
  CHECK(config->data_dir() == "/var/lib/ots/az");
  CHECK(config->log_key_file() == "az-log.key");
}

TEST_CASE("a bad node configuration is a clear error naming the file", "[config]") {
  const struct {
    const char* text;
    std::vector<const char*> says;
  } kBad[] = {
      {"origin: \"AZ\"\ndata_dir: \"d\"\nlog_keyfile: \"k\"\n", {"c:3:", "log_keyfile"}},
      {"origin: \"RU\" data_dir: \"d\" log_key_file: \"k\"",
       {"c: origin \"RU\" is not a federation state (AZ KZ KG TR UZ HU TM) or OTS"}},
      {"origin: \"AZ\" log_key_file: \"k\"", {"c: data_dir is not set"}},
      {"origin: \"AZ\" data_dir: \"d\"", {"c: log_key_file is not set"}},
  };
  for (const auto& bad : kBad) {
    absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig("c", bad.text);
    INFO(bad.text << " -> " << config.status());
    REQUIRE_FALSE(config.ok());
    for (const char* text : bad.says) {
      CHECK(absl::StrContains(config.status().message(), text));
    }
  }
}

}  // namespace
}  // namespace ots
