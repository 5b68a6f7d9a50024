#include "node/query/release.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/status_macros.h"
#include "node/base/rfc3339.h"

namespace ots {
namespace {

constexpr absl::string_view kFirstLine = "OTS release v1";

// A file name a manifest may list: relative, without "." or ".." parts, printable ASCII.
bool SafeName(absl::string_view name) {
  if (name.empty() || name.front() == '/') {
    return false;
  }
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 127 && c != '\\'; });
}

}  // namespace

std::string ManifestText(const ReleaseManifest& m) {
  std::string out = absl::StrCat(
      kFirstLine, "\nfederation: ", m.federation, "\nbundle-version: ", m.bundle_version,
      "\nreleased-at: ", m.released_at, "\ntitle: ", m.title,
      "\ndisclosure: min_count=", m.min_count, " protection=", m.protection, "\n");
  std::vector<std::pair<std::string, std::string>> files = m.files;
  std::sort(files.begin(), files.end());
  for (const auto& [name, digest] : files) {
    absl::StrAppend(&out, digest, "  ", name, "\n");
  }
  return out;
}

absl::StatusOr<ReleaseManifest> ParseManifest(absl::string_view text) {
  ReleaseManifest m;
  if (!absl::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError("MANIFEST does not end in a newline");
  }
  std::vector<absl::string_view> lines = absl::StrSplit(text.substr(0, text.size() - 1), '\n');
  const auto bad = [](size_t n, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("MANIFEST:", n, ": ", what));
  };
  const auto field = [&](size_t i, absl::string_view key) -> absl::StatusOr<std::string> {
    if (i >= lines.size() || !absl::StartsWith(lines[i], absl::StrCat(key, ": "))) {
      return bad(i + 1, absl::StrCat("expected \"", key, ": ...\""));
    }
    return std::string(lines[i].substr(key.size() + 2));
  };
  if (lines.empty() || lines[0] != kFirstLine) {
    return bad(1, absl::StrCat("expected \"", kFirstLine, "\""));
  }
  OTS_ASSIGN_OR_RETURN(m.federation, field(1, "federation"));
  OTS_ASSIGN_OR_RETURN(std::string version, field(2, "bundle-version"));
  if (!absl::SimpleAtoi(version, &m.bundle_version) || m.bundle_version == 0) {
    return bad(3, "bundle-version is not a version");
  }
  OTS_ASSIGN_OR_RETURN(m.released_at, field(3, "released-at"));
  if (!ParseRfc3339(m.released_at).ok()) {
    return bad(4, "released-at is not RFC 3339");
  }
  OTS_ASSIGN_OR_RETURN(m.title, field(4, "title"));
  OTS_ASSIGN_OR_RETURN(std::string disclosure, field(5, "disclosure"));
  std::vector<absl::string_view> parts = absl::StrSplit(disclosure, ' ');
  if (parts.size() != 2 || !absl::StartsWith(parts[0], "min_count=") ||
      !absl::StartsWith(parts[1], "protection=") ||
      !absl::SimpleAtoi(parts[0].substr(10), &m.min_count) ||
      !absl::SimpleAtoi(parts[1].substr(11), &m.protection)) {
    return bad(6, "expected \"disclosure: min_count=N protection=N\"");
  }
  std::set<std::string> seen;
  for (size_t i = 6; i < lines.size(); ++i) {
    const absl::string_view line = lines[i];
    if (line.size() < 67 || !IsSha256Hex(line.substr(0, 64)) || line.substr(64, 2) != "  " ||
        !SafeName(line.substr(66))) {
      return bad(i + 1, "expected \"<64 hex digits>  <relative file name>\"");
    }
    std::string name(line.substr(66));
    if (!seen.insert(name).second) {
      return bad(i + 1, absl::StrCat(name, " is listed twice"));
    }
    m.files.emplace_back(std::move(name), std::string(line.substr(0, 64)));
  }
  return m;
}

std::vector<PublicKey> ReleaseKeysAt(const v1::TrustBundle& bundle, absl::Time at) {
  std::vector<PublicKey> out;
  for (const v1::Member& m : bundle.members()) {
    if (m.role() != v1::SECRETARIAT) {
      continue;
    }
    for (const v1::PublicKeyEntry& e : m.release_keys()) {
      absl::StatusOr<absl::Time> from = ParseRfc3339(e.valid_from());
      absl::StatusOr<absl::Time> until = ParseRfc3339(e.valid_until());
      absl::StatusOr<PublicKey> key = PublicKey::FromRaw(e.ed25519());
      if (from.ok() && until.ok() && key.ok() && *from <= at && at < *until) {
        out.push_back(*std::move(key));
      }
    }
  }
  return out;
}

std::string CheckpointFileName(absl::string_view origin, uint64_t size) {
  return absl::StrCat("checkpoints/", origin, ".", size, ".note");
}

std::string TableBaseName(const v1::ConsolidatedResponse& t) {
  return absl::StrCat("tables/consolidated_", t.period(),
                      t.period_to().empty() ? "" : absl::StrCat("_", t.period_to()), "_",
                      t.by().empty() ? "CITIZEN" : t.by());
}

std::string SuppressionCsv(const v1::ConsolidatedResponse& table) {
  std::string out = "TIME_PERIOD,REF_AREA,COLUMN,CONF_STATUS\n";
  const auto one = [&](const v1::ConsolidatedResponse& t) {
    const auto add = [&](absl::string_view area, absl::string_view column,
                         const v1::ConsolidatedResponse::Figure& f) {
      if (f.suppressed()) {
        absl::StrAppend(&out, t.period(), ",", area, ",", column, ",", f.conf_status(), "\n");
      }
    };
    for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
      for (int c = 0; c < r.figures_size() && c < t.citizens_size(); ++c) {
        add(r.ref_area(), t.citizens(c), r.figures(c));
      }
      add(r.ref_area(), "_T", r.total());
    }
    for (int c = 0; c < t.column_totals_size() && c < t.citizens_size(); ++c) {
      add("_T", t.citizens(c), t.column_totals(c));
    }
    add("_T", "_T", t.grand_total());
  };
  if (table.series_size() == 0) {
    one(table);
  }
  for (const v1::ConsolidatedResponse& t : table.series()) {
    one(t);
  }
  return out;
}

}  // namespace ots
