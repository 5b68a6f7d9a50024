// ots-ctl release write and release check: the Secretariat's release folder of a published
// consolidated table (node/query/release.h), and its check by anyone with the trust bundle.
#include <dirent.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/files.h"
#include "crypto/sha256.h"
#include "crypto/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "node/base/rfc3339.h"
#include "node/cli/command.h"
#include "node/log/checkpoint.h"
#include "node/model/envelope.h"
#include "node/query/consolidate.h"
#include "node/query/disclosure.h"
#include "node/query/release.h"
#include "node/query/sdmx.h"
#include "node/query/table_check.h"
#include "node/trust/config.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

constexpr char kReleaseWriteHelp[] =
    "Writes a release folder of a published consolidated table, signed by the Secretariat.\n"
    "The node of --config computes the table with disclosure control (--publish); it is\n"
    "verified against the signed returns before anything is written. The folder holds the\n"
    "table as JSON, CSV, SDMX-CSV 2.0 and SDMX-JSON 2.0 (tables/), the checkpoints it was\n"
    "computed at with the witnesses' cosignatures (checkpoints/), the withheld figures\n"
    "(suppression.csv), and a MANIFEST of their SHA-256 digests signed (DSSE) with --key, a\n"
    "release key of the Secretariat listed in the trust bundle. `ots-ctl release check`\n"
    "checks it. See docs/statistics.md.\n";

constexpr char kReleaseCheckHelp[] =
    "Checks a release folder against the trust bundle alone.\n"
    "The MANIFEST must be signed by a release key the bundle lists for the Secretariat, valid\n"
    "at its released-at; every file must be listed and have its digest; every checkpoint must\n"
    "be signed by its state and its cosignatures verify; every export must be the table's.\n"
    "With --config (and --source nodes) every published figure, withheld ones included, is\n"
    "recomputed from the states' signed returns and compared. Exit 1 naming the first failure.\n";

// The flags of the table a release holds, as query --consolidated takes them.
struct TableFlags {
  std::string period;
  std::string period_to;
  std::string by;
  std::string citizen;
  std::string stay_cat;
  std::string sex;
  std::string age;
};

struct WriteFlags {
  ClientFlags client;
  TableFlags table;
  std::string key;
  std::string out;
  std::string title;
};

struct CheckFlags {
  std::string dir;
  std::string trust_bundle;
  std::string bundle_pubkey;
  std::string bundle_key_id;
  ClientFlags client;
  std::vector<std::string> sources;
};

std::string JsonOf(const v1::ConsolidatedResponse& table) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(table, &out, options);
  return out;
}

// The exports of `table`, by file suffix.
absl::StatusOr<std::map<std::string, std::string>> Exports(const v1::ConsolidatedResponse& table) {
  std::map<std::string, std::string> out;
  const Table observations = ConsolidatedObservations(table);
  const ExportHeader header = ConsolidatedHeader(table, table.computed_at());
  const std::pair<const char*, ExportFormat> formats[] = {{".csv", ExportFormat::kCsv},
                                                          {".sdmx.csv", ExportFormat::kSdmxCsv2},
                                                          {".sdmx.json", ExportFormat::kSdmxJson}};
  for (const auto& [suffix, format] : formats) {
    OTS_ASSIGN_OR_RETURN(out[suffix], RenderExport(observations, format, header));
  }
  return out;
}

// The checkpoint files of a verified table: each origin's note with the cosignature lines that
// count, by file name.
std::map<std::string, std::string> CheckpointFiles(const TableVerification& verified) {
  std::map<std::string, std::string> out;
  for (const TableVerification::Origin& o : verified.origins) {
    const TableOrigin& row = o.checked.row;
    std::string text = row.checkpoint_note;
    for (const std::string& line : o.checked.cosignature_lines) {
      absl::StrAppend(&text, line, absl::EndsWith(line, "\n") ? "" : "\n");
    }
    out[CheckpointFileName(row.origin, row.log_size)] = text;
  }
  return out;
}

std::string Sha256Hex(absl::string_view data) { return HexEncode(HashBytes(Sha256(data))); }

int RunWrite(const Console& console, const WriteFlags& flags) {
  v1::ConsolidatedRequest request;
  request.set_period(flags.table.period);
  request.set_period_to(flags.table.period_to);
  request.set_by(flags.table.by);
  request.set_citizen(flags.table.citizen);
  request.set_stay_cat(flags.table.stay_cat);
  request.set_sex(flags.table.sex);
  request.set_age(flags.table.age);
  request.set_publish(true);
  if (absl::Status s = ValidateConsolidatedRequest(request); !s.ok()) {
    return console.Usage(s.message());
  }
  if (flags.title.find('\n') != std::string::npos) {
    return console.Usage("--title must be one line");
  }
  absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(flags.key);
  if (!key.ok()) {
    return console.Fail(key.status(), kExitUsage);
  }
  int exit_code = kExitOk;
  std::unique_ptr<NodeClient> node = Connect(console, flags.client, &exit_code);
  if (node == nullptr) {
    return exit_code;
  }
  absl::StatusOr<TrustAnchor> anchor = node->NewestTrust();
  if (!anchor.ok()) {
    return console.Fail(anchor.status(), kExitUsage);
  }
  const Directory directory(*anchor);
  const absl::Time now = absl::Now();
  bool listed = false;
  for (const PublicKey& k : ReleaseKeysAt(directory.bundle(), now)) {
    listed = listed || k.KeyId() == key->public_key().KeyId();
  }
  if (!listed) {
    return console.Fail(
        absl::FailedPreconditionError(absl::StrCat(
            flags.key, " (key id ", key->public_key().KeyId(),
            ") is not a release key of the Secretariat valid now in trust bundle version ",
            directory.bundle().version())),
        kExitUsage);
  }
  absl::StatusOr<v1::ConsolidatedResponse> table = node->Consolidated(request);
  if (!table.ok()) {
    return console.FailCall(table.status());
  }
  if (absl::Status s = CheckTableAnswers(request, *table); !s.ok()) {
    return console.Fail(s);
  }
  const DisclosurePolicy policy = PolicyOf(directory.bundle());
  if (!table->published() || table->min_count() != policy.min_count ||
      table->protection() != policy.protection) {
    return console.Fail(absl::FailedPreconditionError(absl::StrCat(
        "the node did not publish the table with the trust bundle's disclosure control "
        "(min_count ",
        policy.min_count, ", protection ", policy.protection, ")")));
  }
  const TableSource source{node->address(), [&](const auto& r, const auto& sink) {
                             return node->SignedReturn(r, sink);
                           }};
  absl::StatusOr<TableVerification> verified =
      VerifyConsolidatedTable(*table, directory, absl::Span<const TableSource>(&source, 1));
  if (!verified.ok()) {
    return console.FailCall(verified.status());
  }
  // A release is recomputable in full by its publisher: a table with figures the node could not
  // open (openings not taken yet from the origin, or a state that does not entitle this
  // identity) would be checked against another suppression pattern by those who can.
  if (verified->withheld_cells > 0 || verified->served_withheld > 0) {
    return console.Fail(absl::FailedPreconditionError(
        "the table depends on confidential cells whose values the node does not give to this "
        "identity (not yet taken from their state, or not shared with it): nothing written; "
        "write the release once the node holds them (ots-ctl query --consolidated --verify "
        "then says every figure is recomputed)"));
  }
  // Everything but the MANIFEST and its signature, by name.
  std::map<std::string, std::string> files = CheckpointFiles(*verified);
  const std::string base = TableBaseName(*table);
  files[base + ".json"] = JsonOf(*table);
  absl::StatusOr<std::map<std::string, std::string>> exports = Exports(*table);
  if (!exports.ok()) {
    return console.Fail(exports.status());
  }
  for (auto& [suffix, text] : *exports) {
    files[base + suffix] = std::move(text);
  }
  files["suppression.csv"] = SuppressionCsv(*table);

  ReleaseManifest manifest;
  manifest.federation = directory.federation();
  manifest.bundle_version = directory.bundle().version();
  manifest.released_at = Rfc3339(now);
  manifest.title = flags.title;
  manifest.min_count = table->min_count();
  manifest.protection = table->protection();
  for (const auto& [name, text] : files) {
    manifest.files.emplace_back(name, Sha256Hex(text));
  }
  const std::string manifest_text = ManifestText(manifest);
  absl::StatusOr<DsseEnvelope> signature = DsseSign(*key, kReleasePayloadType, manifest_text);
  if (!signature.ok()) {
    return console.Fail(signature.status());
  }
  files[std::string(kManifestFile)] = manifest_text;
  files[std::string(kManifestSignatureFile)] = DsseToJson(*signature) + "\n";
  for (const char* sub : {"", "/tables", "/checkpoints"}) {
    if (absl::Status s = MakeDirectory(flags.out + sub, 0755); !s.ok()) {
      return console.Fail(s);
    }
  }
  for (const auto& [name, text] : files) {
    if (absl::Status s = WriteNewFile(absl::StrCat(flags.out, "/", name), text, 0644); !s.ok()) {
      return console.Fail(s);
    }
  }
  console.out() << "release written to " << flags.out << ": " << files.size() << " files, "
                << table->checkpoints_size() << " states at their checkpoints, "
                << (table->series_size() > 0 ? table->series_size() : 1) << " period(s); "
                << "signed with release key " << key->public_key().KeyId()
                << " (trust bundle version " << manifest.bundle_version << ")\n";
  return kExitOk;
}

// Every regular file under `dir`, relative to it. Errors name the path.
absl::Status ListFiles(const std::string& dir, const std::string& prefix,
                       std::vector<std::string>* out) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrCat(dir, ": cannot read the folder"));
  }
  absl::Status status;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    const std::string path = absl::StrCat(dir, "/", name);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      status = absl::NotFoundError(absl::StrCat(path, ": cannot stat"));
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      status = ListFiles(path, absl::StrCat(prefix, name, "/"), out);
      if (!status.ok()) {
        break;
      }
    } else {
      out->push_back(absl::StrCat(prefix, name));
    }
  }
  closedir(d);
  return status;
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("release does not check: ", what));
}

// Checks the MANIFEST's signature and every file's digest; the manifest.
absl::StatusOr<ReleaseManifest> CheckManifest(const std::string& dir, const Directory& directory,
                                              std::map<std::string, std::string>* contents) {
  OTS_ASSIGN_OR_RETURN(std::string text,
                       ReadFile(absl::StrCat(dir, "/", kManifestFile), uint64_t{1} << 20));
  OTS_ASSIGN_OR_RETURN(std::string sig_json,
                       ReadFile(absl::StrCat(dir, "/", kManifestSignatureFile), uint64_t{1} << 20));
  v1::Envelope env;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(sig_json, &env, options).ok()) {
    return Invalid(absl::StrCat(kManifestSignatureFile, " is not a DSSE envelope in JSON"));
  }
  if (env.payload() != text) {
    return Invalid(
        absl::StrCat(kManifestSignatureFile, " signs another text than ", kManifestFile));
  }
  absl::StatusOr<ReleaseManifest> manifest = ParseManifest(text);
  if (!manifest.ok()) {
    return Invalid(manifest.status().message());
  }
  if (manifest->federation != directory.federation()) {
    return Invalid(absl::StrCat("it is of federation ", manifest->federation, ", the bundle of ",
                                directory.federation()));
  }
  const absl::Time at = *ParseRfc3339(manifest->released_at);  // checked by ParseManifest
  bool signed_ok = false;
  for (const PublicKey& key : ReleaseKeysAt(directory.bundle(), at)) {
    signed_ok = signed_ok || DsseVerify(DsseFromProto(env), kReleasePayloadType, key).ok();
  }
  if (!signed_ok) {
    return Invalid(absl::StrCat(kManifestFile,
                                " is not signed by a release key the bundle "
                                "lists for the Secretariat, valid at ",
                                manifest->released_at));
  }
  std::vector<std::string> present;
  OTS_RETURN_IF_ERROR(ListFiles(dir, "", &present));
  std::set<std::string> listed;
  for (const auto& [name, digest] : manifest->files) {
    listed.insert(name);
    absl::StatusOr<std::string> file = ReadFile(absl::StrCat(dir, "/", name), uint64_t{1} << 32);
    if (!file.ok()) {
      return Invalid(absl::StrCat(name, ": ", file.status().message()));
    }
    if (Sha256Hex(*file) != digest) {
      return Invalid(absl::StrCat(name, ": its SHA-256 is not the one the MANIFEST signs"));
    }
    (*contents)[name] = *std::move(file);
  }
  for (const std::string& name : present) {
    if (name != kManifestFile && name != kManifestSignatureFile && !listed.contains(name)) {
      return Invalid(absl::StrCat(name, " is in the folder but not in the MANIFEST"));
    }
  }
  return manifest;
}

// Checks one checkpoint file: the origin's signature and every cosignature line. Returns the
// independent cosigners.
absl::StatusOr<std::vector<std::string>> CheckCheckpoint(const Directory& directory,
                                                         const v1::OriginStatus& point,
                                                         absl::string_view file) {
  const std::string where = CheckpointFileName(point.origin(), point.log_size());
  if (!absl::StartsWith(file, point.checkpoint_note())) {
    return Invalid(absl::StrCat(where, " is not the checkpoint the table names"));
  }
  absl::StatusOr<VerifiedCheckpoint> cp =
      VerifyOriginCheckpoint(directory.federation(), point.origin(),
                             directory.LogKeys(point.origin()), point.checkpoint_note());
  if (!cp.ok() || cp->checkpoint.size != point.log_size()) {
    return Invalid(absl::StrCat(where, ": ", cp.ok() ? "another log size" : cp.status().message()));
  }
  std::vector<std::string> lines;
  for (absl::string_view line :
       absl::StrSplit(file.substr(point.checkpoint_note().size()), '\n', absl::SkipEmpty())) {
    lines.emplace_back(line);
  }
  // A line whose witness key a later bundle no longer lists no longer counts; one that fails its
  // signature fails the release.
  std::vector<std::string> uncounted;
  absl::StatusOr<std::vector<CheckedCosignature>> cosigs =
      VerifyCosignatureLines(directory.federation(), point.checkpoint_note(), lines,
                             WitnessKeysOf(directory), WitnessKeyValidityOf(directory), &uncounted);
  if (!cosigs.ok()) {
    return Invalid(absl::StrCat(where, ": ", cosigs.status().message()));
  }
  return IndependentCosigners(*cosigs, point.origin(), MayWitness(directory, point.origin()));
}

int RunCheck(const Console& console, const CheckFlags& flags) {
  absl::StatusOr<TrustAnchor> anchor =
      LoadTrustAnchor(flags.trust_bundle, flags.bundle_pubkey, flags.bundle_key_id);
  if (!anchor.ok()) {
    return console.Fail(anchor.status(), kExitUsage);
  }
  const Directory directory(*anchor);
  std::map<std::string, std::string> contents;
  absl::StatusOr<ReleaseManifest> manifest = CheckManifest(flags.dir, directory, &contents);
  if (!manifest.ok()) {
    return console.Fail(manifest.status());
  }
  console.out() << "release of " << manifest->federation << " at " << manifest->released_at
                << " (\"" << manifest->title << "\"): MANIFEST signed by a Secretariat release key "
                << "of trust bundle version " << directory.bundle().version() << "; "
                << manifest->files.size() << " files, each with its digest\n";
  // Sources of the signed returns, if any.
  std::vector<std::unique_ptr<NodeClient>> clients;
  std::vector<TableSource> sources;
  std::vector<std::string> configs = flags.sources;
  if (!flags.client.config.empty()) {
    configs.insert(configs.begin(), flags.client.config);
  }
  for (const std::string& path : configs) {
    absl::StatusOr<v1::ClientConfig> config = LoadClientConfig(path);
    if (!config.ok()) {
      return console.Fail(config.status(), kExitUsage);
    }
    absl::StatusOr<std::unique_ptr<NodeClient>> client =
        NodeClient::Connect(*config, "", absl::Seconds(10));
    if (!client.ok()) {
      continue;  // VerifyConsolidatedTable names what no source could serve
    }
    NodeClient* c = clients.emplace_back(*std::move(client)).get();
    sources.push_back(
        {c->address(), [c](const auto& r, const auto& sink) { return c->SignedReturn(r, sink); }});
  }
  int tables = 0;
  for (const auto& [name, text] : contents) {
    if (!absl::StartsWith(name, "tables/") || !absl::EndsWith(name, ".json") ||
        absl::EndsWith(name, ".sdmx.json")) {
      continue;
    }
    ++tables;
    v1::ConsolidatedResponse table;
    if (!google::protobuf::util::JsonStringToMessage(text, &table).ok()) {
      return console.Fail(Invalid(absl::StrCat(name, " is not a consolidated table in JSON")));
    }
    if (!table.published() || table.min_count() != manifest->min_count ||
        table.protection() != manifest->protection) {
      return console.Fail(
          Invalid(absl::StrCat(name, " is not published with the MANIFEST's disclosure control")));
    }
    std::vector<std::string> cosigned;
    for (const v1::OriginStatus& point : table.checkpoints()) {
      auto file = contents.find(CheckpointFileName(point.origin(), point.log_size()));
      if (file == contents.end()) {
        return console.Fail(
            Invalid(absl::StrCat(name, " names ", point.origin(), " at size ", point.log_size(),
                                 ", whose checkpoint the "
                                 "release does not hold")));
      }
      absl::StatusOr<std::vector<std::string>> cosigners =
          CheckCheckpoint(directory, point, file->second);
      if (!cosigners.ok()) {
        return console.Fail(cosigners.status());
      }
      cosigned.push_back(
          absl::StrCat(point.origin(), "@", point.log_size(), " cosigned by ",
                       cosigners->empty() ? "nobody" : absl::StrJoin(*cosigners, " ")));
    }
    const std::string base = name.substr(0, name.size() - 5);
    absl::StatusOr<std::map<std::string, std::string>> exports = Exports(table);
    if (!exports.ok()) {
      return console.Fail(exports.status());
    }
    for (const auto& [suffix, expected] : *exports) {
      auto file = contents.find(base + suffix);
      if (file == contents.end() || file->second != expected) {
        return console.Fail(Invalid(absl::StrCat(base, suffix, " is not the export of ", name)));
      }
    }
    auto suppression = contents.find("suppression.csv");
    if (suppression == contents.end() || suppression->second != SuppressionCsv(table)) {
      return console.Fail(
          Invalid(absl::StrCat("suppression.csv is not the withheld figures of ", name)));
    }
    console.out() << name << ": checkpoints signed by their states ("
                  << absl::StrJoin(cosigned, "; ")
                  << "); its CSV, SDMX-CSV and SDMX-JSON are its own\n";
    if (sources.empty() && configs.empty()) {
      console.out() << name << ": figures not recomputed (give --config or --source: a node "
                    << "that serves the signed returns to you)\n";
      continue;
    }
    absl::StatusOr<TableVerification> verified = VerifyConsolidatedTable(table, directory, sources);
    if (!verified.ok()) {
      return console.FailCall(verified.status());
    }
    if (verified->withheld_cells > 0 || verified->served_withheld > 0) {
      console.out() << name << ": " << verified->unchecked
                    << " figures depend on confidential cells whose values this check was not "
                    << "given (their state does not share them with this identity, or the source "
                    << "has not taken them yet), and were not recomputed, nor was the "
                    << "suppression pattern; every other figure was recomputed from the states' "
                    << "signed returns\n";
      continue;
    }
    console.out() << name << ": every figure, withheld ones included, recomputed from the "
                  << "states' signed returns and the disclosure control\n";
  }
  if (tables == 0) {
    return console.Fail(Invalid("it holds no table"));
  }
  console.out() << "release checked\n";
  return kExitOk;
}

void AddTableFlags(CLI::App* command, TableFlags* flags) {
  AddFlag(command, "--period", &flags->period, "P", "TIME_PERIOD of the table")->required();
  AddFlag(command, "--period-to", &flags->period_to, "P", "a time series from --period to P");
  AddFlag(command, "--by", &flags->by, "DIM", "the columns: CITIZEN (default), SEX, STAY_CAT, AGE");
  AddFlag(command, "--citizen", &flags->citizen, "C", "CITIZEN when --by is not CITIZEN");
  AddFlag(command, "--stay-cat", &flags->stay_cat, "C", "STAY_CAT (default _T)");
  AddFlag(command, "--sex", &flags->sex, "S", "SEX (default _T)");
  AddFlag(command, "--age", &flags->age, "A", "AGE (default _T)");
}

void AddWriteFlags(CLI::App* write, WriteFlags* flags) {
  AddClientFlags(write, &flags->client, /*required=*/true);
  AddTableFlags(write, &flags->table);
  AddFlag(write, "--key", &flags->key, "RELEASE.key", "a release key of the Secretariat")
      ->required();
  AddFlag(write, "--out", &flags->out, "DIR", "the release folder to create")->required();
  AddFlag(write, "--title", &flags->title, "TEXT", "one line saying what the release is");
}

void AddCheckFlags(CLI::App* check, CheckFlags* flags) {
  AddFlag(check, "--dir", &flags->dir, "DIR", "the release folder")->required();
  AddFlag(check, "--trust-bundle", &flags->trust_bundle, "FILE", "the signed trust bundle")
      ->required();
  AddFlag(check, "--bundle-pubkey", &flags->bundle_pubkey, "FILE", "the key that signs it")
      ->required();
  AddFlag(check, "--bundle-key-id", &flags->bundle_key_id, "HEX",
          "the bundle key id as published out of band");
  AddClientFlags(check, &flags->client, /*required=*/false);
  AddRepeatedFlag(check, "--source", &flags->sources, "CLIENT",
                  "another node to fetch signed returns from\n(repeatable)");
}

}  // namespace

void AddReleaseCommands(CLI::App* app, Commands* commands) {
  CLI::App* release = app->add_subcommand(
      "release", "Writes or checks a signed release of published statistics.\n");
  release->require_subcommand(1);
  AddCommand<WriteFlags>(release, commands, "write", kReleaseWriteHelp, AddWriteFlags, RunWrite);
  AddCommand<CheckFlags>(release, commands, "check", kReleaseCheckHelp, AddCheckFlags, RunCheck);
}

}  // namespace ots
