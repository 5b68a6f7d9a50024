// The Secretariat's releases (docs/statistics.md "Releases"): a folder of published tables in
// SDMX and the project's JSON, the checkpoints and cosignatures they were computed at, and the
// disclosure control applied, listed in a MANIFEST of SHA-256 digests that a release key of the
// Secretariat, from the trust bundle, signs (DSSE). What the folder holds and how its parts are
// checked; reading and writing files is ots-ctl's (node/cli/release_command.cc).
//
// All functions are pure and thread-safe.
#ifndef OTS_NODE_QUERY_RELEASE_H_
#define OTS_NODE_QUERY_RELEASE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"

namespace ots {

constexpr absl::string_view kReleasePayloadType = "application/vnd.ots.release.v1+text";
constexpr absl::string_view kManifestFile = "MANIFEST";
constexpr absl::string_view kManifestSignatureFile = "MANIFEST.dsse.json";

// What a MANIFEST says (docs/formats.md "Release"):
//   OTS release v1
//   federation: ots-mx
//   bundle-version: 2
//   released-at: 2026-11-28T15:30:00Z
//   title: Migrant stock 2024
//   disclosure: min_count=5 protection=5
//   <sha256 hex>  <file>        one line per file, sorted by name
struct ReleaseManifest {
  std::string federation;
  uint64_t bundle_version = 0;
  std::string released_at;  // RFC 3339 UTC
  std::string title;
  uint64_t min_count = 0;
  uint64_t protection = 0;
  std::vector<std::pair<std::string, std::string>> files;  // name, lower-case hex SHA-256
};
std::string ManifestText(const ReleaseManifest& manifest);
// INVALID_ARGUMENT naming the line for anything else than ManifestText writes, a file name that
// is absolute, climbs ("..") or is listed twice.
absl::StatusOr<ReleaseManifest> ParseManifest(absl::string_view text);

// The Secretariat's release keys the bundle lists that were valid at `at`.
std::vector<PublicKey> ReleaseKeysAt(const v1::TrustBundle& bundle, absl::Time at);

// The file a checkpoint is kept in: "checkpoints/AZ.3.note".
std::string CheckpointFileName(absl::string_view origin, uint64_t size);
// The base name of a table's files: "tables/consolidated_2024_CITIZEN", or for a series
// "tables/consolidated_2020_2024_CITIZEN".
std::string TableBaseName(const v1::ConsolidatedResponse& table);

// The withheld figures of a published table (or series), one CSV line each:
// TIME_PERIOD,REF_AREA,COLUMN,CONF_STATUS (REF_AREA _T for a column total, COLUMN _T for a row
// total), with a header.
std::string SuppressionCsv(const v1::ConsolidatedResponse& table);

}  // namespace ots

#endif  // OTS_NODE_QUERY_RELEASE_H_
