#include "node/trust/config.h"

#include <catch2/catch.hpp>

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
  auto unknown = ParseNodeConfig("az.textproto",
                                 "origin: \"AZ\"\n"
                                 "data_dir: \"d\"\n"
                                 "log_keyfile: \"k\"\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK(absl::StrContains(unknown.status().message(), "az.textproto:3:"));
  CHECK(absl::StrContains(unknown.status().message(), "log_keyfile"));

  auto origin = ParseNodeConfig("c", "origin: \"RU\" data_dir: \"d\" log_key_file: \"k\"");
  CHECK(absl::StrContains(
      origin.status().message(),
      "c: origin \"RU\" is not a federation state (AZ KZ KG TR UZ HU TM) or OTS"));
  auto no_dir = ParseNodeConfig("c", "origin: \"AZ\" log_key_file: \"k\"");
  CHECK(absl::StrContains(no_dir.status().message(), "c: data_dir is not set"));
  auto no_key = ParseNodeConfig("c", "origin: \"AZ\" data_dir: \"d\"");
  CHECK(absl::StrContains(no_key.status().message(), "c: log_key_file is not set"));
}

}  // namespace
}  // namespace ots
