// ots_forge: writes a data folder for a malicious peer in the integration tests. The folder is
// then served by a real ots-node (sync disabled) holding a valid node certificate, so every
// refusal is exercised over the real protocol.
//
//   ots_forge --mode header --from DIR --origin CC --to DIR
//       CC's log and returns from DIR, with the last header's signed text altered (its
//       signature no longer verifies).
//   ots_forge --mode cell --from DIR --origin CC --to DIR
//       CC's log and returns, with one cell's value of the last return changed (the cells no
//       longer hash to the signed cells root).
//   ots_forge --mode rollback --from DIR --origin CC --to DIR [--forget-seen yes]
//       A copy of every log in DIR (its federation and node bound as DIR's), with CC's log as it
//       was one checkpoint earlier: its latest entries, their cells and checkpoints gone and the
//       current view pointing back, as a restored old copy or a dishonest operator leaves it.
//       The record of the larger checkpoint the witnesses cosigned stays, unless --forget-seen.
//   ots_forge --mode equivocate --origin CC --log-key FILE --owner MM --to DIR RETURN...
//       A different log of CC, validly signed with CC's log key (as a stolen or misused key
//       would sign it): the returns given, published in order. The folder is then bound to
//       member MM's node.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "node/base/clock.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "node/model/return_header.h"
#include "node/store/store.h"
#include "node/trust/config.h"
#include "tests/fakes/copy_log.h"

namespace ots {
namespace {

int Fail(absl::string_view what) {
  std::cerr << "ots_forge: " << what << "\n";
  return 1;
}

absl::StatusOr<std::unique_ptr<Store>> OpenTo(const std::string& dir) {
  Store::Options options;
  options.create_if_missing = true;
  return Store::Open(dir, options);
}

// Copies `origin`'s log from `from` to `to`, letting `tamper` change the last entry or its cells.
int CopyTampered(const std::string& from_dir, const std::string& to_dir, const std::string& origin,
                 const std::string& mode) {
  Store::Options read;
  read.read_only = true;
  absl::StatusOr<std::unique_ptr<Store>> from = Store::Open(from_dir, read);
  if (!from.ok()) {
    return Fail(from.status().message());
  }
  absl::StatusOr<std::vector<v1::LogEntry>> log = (*from)->ReadLog(origin);
  if (!log.ok() || log->empty()) {
    return Fail(absl::StrCat("no log of ", origin, " in ", from_dir));
  }
  absl::StatusOr<v1::StoredCheckpoint> cp = (*from)->LatestCheckpoint(origin);
  if (!cp.ok()) {
    return Fail(cp.status().message());
  }
  Store::Entries entries;
  entries.origin = origin;
  std::vector<CellLines> cells(log->size());
  for (size_t i = 0; i < log->size(); ++i) {
    absl::StatusOr<v1::ReturnHeader> h = ParseReturnHeader((*log)[i].header().payload());
    if (!h.ok()) {
      return Fail(h.status().message());
    }
    std::vector<std::string> lines;
    absl::Status s =
        (*from)->ForEachCell(origin, h->period(), h->revision(), [&](absl::string_view line) {
          lines.emplace_back(line);
          return absl::OkStatus();
        });
    if (!s.ok()) {
      return Fail(s.message());
    }
    v1::LogEntry entry = (*log)[i];
    const bool last = i + 1 == log->size();
    if (last && mode == "header") {
      // "created_at ...Z": move the time by one second; the signature covers the old text.
      std::string payload = entry.header().payload();
      const size_t z = payload.find("Z\n");
      if (z == std::string::npos || z == 0) {
        return Fail("header has no created_at to alter");
      }
      payload[z - 1] = payload[z - 1] == '0' ? '1' : '0';
      entry.mutable_header()->set_payload(payload);
    }
    if (last && mode == "cell") {
      // The value is the 7th field: add one person to the first cell.
      std::vector<std::string> fields = absl::StrSplit(lines[0], ',');
      uint64_t value = 0;
      if (fields.size() < 7 || !absl::SimpleAtoi(fields[6], &value)) {
        return Fail("first cell does not parse");
      }
      fields[6] = absl::StrCat(value + 1);
      lines[0] = absl::StrJoin(fields, ",");
    }
    for (const std::string& line : lines) {
      cells[i].Add(line);
    }
    entries.entries.push_back(Store::Entries::Entry{entry, h->period(), h->revision(), &cells[i]});
  }
  entries.checkpoint.set_note(cp->note());
  absl::StatusOr<std::unique_ptr<Store>> to = OpenTo(to_dir);
  if (!to.ok()) {
    return Fail(to.status().message());
  }
  absl::Status s = (*to)->AppendEntries(entries);
  if (!s.ok()) {
    return Fail(s.message());
  }
  std::cout << "forged " << origin << " log of " << log->size() << " entries (" << mode << ") in "
            << to_dir << "\n";
  return 0;
}

int Rollback(const std::string& from_dir, const std::string& to_dir, const std::string& origin,
             bool forget_seen) {
  Store::Options read;
  read.read_only = true;
  absl::StatusOr<std::unique_ptr<Store>> from = Store::Open(from_dir, read);
  absl::StatusOr<std::unique_ptr<Store>> to =
      from.ok() ? OpenTo(to_dir) : absl::StatusOr<std::unique_ptr<Store>>(from.status());
  if (!to.ok()) {
    return Fail(to.status().message());
  }
  absl::StatusOr<std::vector<std::string>> origins = (*from)->Origins();
  absl::StatusOr<uint64_t> size = (*from)->LogSize(origin);
  if (!origins.ok() || !size.ok() || *size == 0) {
    return Fail(absl::StrCat("no log of ", origin, " in ", from_dir));
  }
  for (const std::string& o : *origins) {
    absl::Status s = CopyLog(**from, **to, o, true, o == origin ? *size - 1 : UINT64_MAX);
    if (!s.ok()) {
      return Fail(s.message());
    }
  }
  for (absl::string_view meta : {kFederationMeta, kNodeOriginMeta, kBundleVersionMeta}) {
    absl::StatusOr<std::string> value = (*from)->GetMeta(meta);
    if (value.ok() && !(*to)->PutMeta(meta, *value).ok()) {
      return Fail("cannot copy the folder's metadata");
    }
  }
  absl::StatusOr<std::map<std::string, v1::SeenCheckpoint>> seen = (*from)->SeenCheckpoints();
  if (!seen.ok()) {
    return Fail(seen.status().message());
  }
  for (const auto& [o, cp] : *seen) {
    if ((!forget_seen || o != origin) && !(*to)->PutSeenCheckpoint(o, cp).ok()) {
      return Fail("cannot copy the seen checkpoints");
    }
  }
  std::cout << "rolled " << origin << " back from " << *size << " entries to "
            << *(*to)->LogSize(origin) << " in " << to_dir
            << (forget_seen ? ", forgetting what its witnesses cosigned" : "") << "\n";
  return 0;
}

int Equivocate(const std::map<std::string, std::string>& f, const std::vector<std::string>& files) {
  absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(f.at("log-key"));
  if (!key.ok()) {
    return Fail(key.status().message());
  }
  absl::StatusOr<std::unique_ptr<Store>> to = OpenTo(f.at("to"));
  if (!to.ok()) {
    return Fail(to.status().message());
  }
  SystemClock clock;
  OriginLogs logs(to->get(), f.at("federation"));
  Publisher publisher(&logs, &*key, &clock);
  for (const std::string& file : files) {
    absl::StatusOr<std::string> contents = ReadFile(file);
    if (!contents.ok()) {
      return Fail(contents.status().message());
    }
    std::vector<std::string> problems;
    absl::StatusOr<ParsedReturn> ret = ParseReturnCsv(file, *contents, f.at("origin"), &problems);
    if (!ret.ok()) {
      return Fail(absl::StrCat(file, ": ", problems.empty() ? "" : problems[0]));
    }
    absl::StatusOr<PublishResult> published = publisher.Publish(*ret);
    if (!published.ok()) {
      return Fail(published.status().message());
    }
  }
  absl::Status s = (*to)->PutMeta(kNodeOriginMeta, f.at("owner"));
  if (!s.ok()) {
    return Fail(s.message());
  }
  std::cout << "forged a second log of " << f.at("origin") << " (" << files.size()
            << " returns) in " << f.at("to") << "\n";
  return 0;
}

int Main(int argc, char** argv) {
  std::map<std::string, std::string> f;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0 && i + 1 < argc) {
      f[arg.substr(2)] = argv[++i];
    } else {
      positional.push_back(arg);
    }
  }
  const std::string mode = f["mode"];
  if ((mode == "header" || mode == "cell") && !f["from"].empty() && !f["to"].empty() &&
      !f["origin"].empty()) {
    return CopyTampered(f["from"], f["to"], f["origin"], mode);
  }
  if (mode == "rollback" && !f["from"].empty() && !f["to"].empty() && !f["origin"].empty()) {
    return Rollback(f["from"], f["to"], f["origin"], f["forget-seen"] == "yes");
  }
  if (mode == "equivocate" && !f["to"].empty() && !f["origin"].empty() && !f["log-key"].empty() &&
      !f["owner"].empty() && !f["federation"].empty() && !positional.empty()) {
    return Equivocate(f, positional);
  }
  std::cerr << "usage: ots_forge --mode header|cell --from DIR --origin CC --to DIR\n"
               "       ots_forge --mode rollback --from DIR --origin CC --to DIR "
               "[--forget-seen yes]\n"
               "       ots_forge --mode equivocate --origin CC --log-key FILE --owner MM "
               "--federation NAME --to DIR RETURN...\n";
  return 2;
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
