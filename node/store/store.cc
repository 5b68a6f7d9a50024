#include "node/store/store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/sha256.h"
#include "crypto/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/options_util.h"
#include "rocksdb/write_batch.h"

namespace ots {
namespace {

enum Cf : int { kDefault = 0, kLogs, kCells, kCurrent, kCheckpoints, kEvidence, kMeta };

// Converts at the RocksDB boundary; the message names the folder.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) {
    return absl::OkStatus();
  }
  std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) {
    return absl::NotFoundError(message);
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(message);
  }
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
    return absl::UnavailableError(message);
  }
  if (s.IsInvalidArgument()) {
    return absl::InvalidArgumentError(message);
  }
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat(message, " (is another process using this data folder?)"));
  }
  return absl::InternalError(message);
}

absl::string_view View(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

rocksdb::Slice Slice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// Calls `fn` on each '\n'-terminated line of a cell block.
absl::Status ForEachLine(absl::string_view block,
                         const std::function<absl::Status(absl::string_view)>& fn) {
  while (!block.empty()) {
    size_t end = block.find('\n');
    if (end == absl::string_view::npos) {
      return absl::DataLossError("cell block does not end with a newline");
    }
    OTS_RETURN_IF_ERROR(fn(block.substr(0, end)));
    block.remove_prefix(end + 1);
  }
  return absl::OkStatus();
}

std::string OriginKey(absl::string_view origin, uint64_t n) {
  std::string key = absl::StrCat(origin, "/");
  PutBigEndian64(&key, n);
  return key;
}

std::string CellPrefix(absl::string_view origin, absl::string_view period, uint64_t revision) {
  std::string key = absl::StrCat(origin, "/", period, "/");
  PutBigEndian64(&key, revision);
  return key;
}

template <typename Message>
absl::StatusOr<Message> ParseValue(absl::string_view value, absl::string_view what) {
  Message m;
  if (!m.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat(what, ": stored value does not parse"));
  }
  return m;
}

}  // namespace

const std::vector<std::string>& Store::ColumnFamilyNames() {
  static const auto* kNames = new std::vector<std::string>{rocksdb::kDefaultColumnFamilyName,
                                                           "logs",
                                                           "cells",
                                                           "current",
                                                           "checkpoints",
                                                           "evidence",
                                                           "meta"};
  return *kNames;
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, const Options& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  db_options.paranoid_checks = true;
  // A record that fails its checksum in the middle of the WAL is an error, not a silent end
  // of the log; only a torn record at the very end (a write cut off by a crash before it was
  // acknowledged) is dropped.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.max_background_jobs = 2;

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = 64 << 20;
  cf_options.compression = rocksdb::kLZ4Compression;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : ColumnFamilyNames()) {
    descriptors.emplace_back(name, cf_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw);
  }
  if (!s.ok()) {
    if (s.IsInvalidArgument() && s.ToString().find("does not exist") != std::string::npos) {
      return absl::NotFoundError(absl::StrCat(dir, ": no node data here (", s.ToString(), ")"));
    }
    if (s.IsIOError() && s.ToString().find("No such file") != std::string::npos) {
      return absl::NotFoundError(absl::StrCat(dir, ": no node data here (", s.ToString(), ")"));
    }
    return FromRocks(s, dir);
  }
  return std::unique_ptr<Store>(new Store(dir, std::unique_ptr<rocksdb::DB>(raw), handles));
}

Store::Store(std::string dir, std::unique_ptr<rocksdb::DB> db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : dir_(std::move(dir)), db_(std::move(db)), handles_(std::move(handles)) {}

Store::~Store() {
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  // A failed close leaves the WAL for the next open to replay; nothing acknowledged is lost.
  db_->Close().PermitUncheckedError();
}

absl::Status Store::AppendReturn(const Append& a) {
  Entries e;
  e.origin = a.origin;
  e.from = a.log_index;
  e.entries.push_back(Entries::Entry{a.entry, a.period, a.revision, a.cell_lines});
  e.checkpoint = a.checkpoint;
  return AppendEntries(e);
}

absl::Status Store::AppendEntries(const Entries& e) {
  absl::MutexLock lock(&append_mu_);
  OTS_ASSIGN_OR_RETURN(uint64_t size, LogSize(e.origin));
  if (size != e.from) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log of ", e.origin, " has ", size, " entries, not ", e.from, ": it changed meanwhile"));
  }
  rocksdb::WriteBatch batch;
  std::string value;
  for (size_t n = 0; n < e.entries.size(); ++n) {
    const Entries::Entry& entry = e.entries[n];
    const uint64_t index = e.from + n;
    entry.entry.SerializeToString(&value);
    OTS_RETURN_IF_ERROR(FromRocks(batch.Put(cf(kLogs), OriginKey(e.origin, index), value), dir_));
    if (entry.cell_lines != nullptr) {
      // Cells go in blocks of kCellsPerBlock lines: one RocksDB entry per block, not per cell.
      const CellLines& lines = *entry.cell_lines;
      std::string key = CellPrefix(e.origin, entry.period, entry.revision);
      const size_t prefix = key.size();
      std::string block;
      for (size_t start = 0; start < lines.size(); start += kCellsPerBlock) {
        size_t end = std::min(lines.size(), start + kCellsPerBlock);
        block.clear();
        for (size_t i = start; i < end; ++i) {
          block.append(lines[i].data(), lines[i].size());
          block.push_back('\n');
        }
        key.resize(prefix);
        PutBigEndian32(&key, static_cast<uint32_t>(start / kCellsPerBlock));
        OTS_RETURN_IF_ERROR(FromRocks(batch.Put(cf(kCells), key, block), dir_));
      }
    }
    // Later entries of the same period overwrite earlier ones within the batch.
    v1::CurrentEntry current;
    current.set_revision(entry.revision);
    current.set_log_index(index);
    current.SerializeToString(&value);
    OTS_RETURN_IF_ERROR(
        FromRocks(batch.Put(cf(kCurrent), absl::StrCat(e.origin, "/", entry.period), value), dir_));
  }
  e.checkpoint.SerializeToString(&value);
  OTS_RETURN_IF_ERROR(FromRocks(
      batch.Put(cf(kCheckpoints), OriginKey(e.origin, e.from + e.entries.size()), value), dir_));
  for (const auto& [name, meta_value] : e.meta) {
    OTS_RETURN_IF_ERROR(FromRocks(batch.Put(cf(kMeta), name, meta_value), dir_));
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  OTS_RETURN_IF_ERROR(FromRocks(db_->Write(write_options, &batch), dir_));
  NoteChange();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Store::LogSize(absl::string_view origin) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kLogs)));
  std::string last = OriginKey(origin, UINT64_MAX);
  it->SeekForPrev(last);
  std::string prefix = absl::StrCat(origin, "/");
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    OTS_RETURN_IF_ERROR(FromRocks(it->status(), dir_));
    return 0;
  }
  absl::string_view key = View(it->key());
  if (key.size() != prefix.size() + 8) {
    return absl::DataLossError(absl::StrCat(dir_, ": malformed log key for ", origin));
  }
  return GetBigEndian64(key.substr(prefix.size())) + 1;
}

absl::StatusOr<v1::LogEntry> Store::GetLogEntry(absl::string_view origin, uint64_t index) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kLogs), OriginKey(origin, index), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("log of ", origin, " has no entry ", index));
  }
  OTS_RETURN_IF_ERROR(FromRocks(s, dir_));
  return ParseValue<v1::LogEntry>(value, absl::StrCat("log of ", origin, ", entry ", index));
}

absl::StatusOr<std::vector<v1::LogEntry>> Store::ReadLog(absl::string_view origin) {
  std::vector<v1::LogEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kLogs)));
  std::string prefix = absl::StrCat(origin, "/");
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    absl::string_view key = View(it->key());
    uint64_t index =
        key.size() == prefix.size() + 8 ? GetBigEndian64(key.substr(prefix.size())) : UINT64_MAX;
    if (index != out.size()) {
      return absl::DataLossError(absl::StrCat("log of ", origin, ": entry ", out.size(),
                                              " is missing or its key is malformed"));
    }
    OTS_ASSIGN_OR_RETURN(
        v1::LogEntry entry,
        ParseValue<v1::LogEntry>(View(it->value()),
                                 absl::StrCat("log of ", origin, ", entry ", index)));
    out.push_back(std::move(entry));
  }
  OTS_RETURN_IF_ERROR(FromRocks(it->status(), dir_));
  return out;
}

absl::StatusOr<std::optional<v1::CurrentEntry>> Store::GetCurrent(absl::string_view origin,
                                                                  absl::string_view period) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kCurrent), absl::StrCat(origin, "/", period), &value);
  if (s.IsNotFound()) {
    return std::optional<v1::CurrentEntry>();
  }
  OTS_RETURN_IF_ERROR(FromRocks(s, dir_));
  OTS_ASSIGN_OR_RETURN(
      v1::CurrentEntry entry,
      ParseValue<v1::CurrentEntry>(value, absl::StrCat("current view of ", origin, " ", period)));
  return std::optional<v1::CurrentEntry>(std::move(entry));
}

absl::Status Store::ForEachCurrent(
    const std::function<absl::Status(absl::string_view, absl::string_view,
                                     const v1::CurrentEntry&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kCurrent)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::string_view key = View(it->key());
    size_t slash = key.find('/');
    if (slash == absl::string_view::npos) {
      return absl::DataLossError(absl::StrCat(dir_, ": malformed current-view key"));
    }
    OTS_ASSIGN_OR_RETURN(
        v1::CurrentEntry entry,
        ParseValue<v1::CurrentEntry>(View(it->value()), absl::StrCat("current view ", key)));
    OTS_RETURN_IF_ERROR(fn(key.substr(0, slash), key.substr(slash + 1), entry));
  }
  return FromRocks(it->status(), dir_);
}

absl::Status Store::ForEachCell(absl::string_view origin, absl::string_view period,
                                uint64_t revision,
                                const std::function<absl::Status(absl::string_view)>& fn) {
  std::string prefix = CellPrefix(origin, period, revision);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kCells)));
  uint32_t want = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next(), ++want) {
    absl::string_view key = View(it->key());
    if (key.size() != prefix.size() + 4 || GetBigEndian32(key.substr(prefix.size())) != want) {
      return absl::DataLossError(absl::StrCat("cells of ", origin, " ", period, " revision ",
                                              revision, ": block ", want,
                                              " is missing or its key is malformed"));
    }
    OTS_RETURN_IF_ERROR(ForEachLine(View(it->value()), fn));
  }
  return FromRocks(it->status(), dir_);
}

absl::Status Store::ForEachStoredCell(
    const std::function<absl::Status(absl::string_view, absl::string_view, uint64_t,
                                     absl::string_view)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kCells)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::string_view key = View(it->key());
    size_t s1 = key.find('/');
    size_t s2 = s1 == absl::string_view::npos ? s1 : key.find('/', s1 + 1);
    if (s2 == absl::string_view::npos || key.size() != s2 + 1 + 8 + 4) {
      return absl::DataLossError(absl::StrCat(dir_, ": malformed cell block key"));
    }
    absl::string_view origin = key.substr(0, s1);
    absl::string_view period = key.substr(s1 + 1, s2 - s1 - 1);
    uint64_t revision = GetBigEndian64(key.substr(s2 + 1, 8));
    OTS_RETURN_IF_ERROR(ForEachLine(View(it->value()), [&](absl::string_view line) {
      return fn(origin, period, revision, line);
    }));
  }
  return FromRocks(it->status(), dir_);
}

absl::Status Store::ForEachCheckpoint(
    absl::string_view origin,
    const std::function<absl::Status(uint64_t, const v1::StoredCheckpoint&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kCheckpoints)));
  std::string prefix = absl::StrCat(origin, "/");
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    absl::string_view key = View(it->key());
    if (key.size() != prefix.size() + 8) {
      return absl::DataLossError(absl::StrCat(dir_, ": malformed checkpoint key for ", origin));
    }
    uint64_t size = GetBigEndian64(key.substr(prefix.size()));
    OTS_ASSIGN_OR_RETURN(
        v1::StoredCheckpoint cp,
        ParseValue<v1::StoredCheckpoint>(View(it->value()),
                                         absl::StrCat("checkpoint of ", origin, " size ", size)));
    OTS_RETURN_IF_ERROR(fn(size, cp));
  }
  return FromRocks(it->status(), dir_);
}

absl::StatusOr<v1::StoredCheckpoint> Store::LatestCheckpoint(absl::string_view origin) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kCheckpoints)));
  std::string prefix = absl::StrCat(origin, "/");
  it->SeekForPrev(OriginKey(origin, UINT64_MAX));
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    OTS_RETURN_IF_ERROR(FromRocks(it->status(), dir_));
    return absl::NotFoundError(absl::StrCat("no checkpoint of ", origin));
  }
  return ParseValue<v1::StoredCheckpoint>(View(it->value()),
                                          absl::StrCat("latest checkpoint of ", origin));
}

absl::StatusOr<v1::StoredCheckpoint> Store::GetCheckpoint(absl::string_view origin, uint64_t size) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kCheckpoints), OriginKey(origin, size), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint of ", origin, " at size ", size));
  }
  OTS_RETURN_IF_ERROR(FromRocks(s, dir_));
  return ParseValue<v1::StoredCheckpoint>(value,
                                          absl::StrCat("checkpoint of ", origin, " size ", size));
}

absl::StatusOr<size_t> Store::AddCosignatures(absl::string_view origin, uint64_t size,
                                              const std::vector<std::string>& lines) {
  absl::MutexLock lock(&append_mu_);
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint cp, GetCheckpoint(origin, size));
  size_t added = 0;
  for (const std::string& line : lines) {
    if (std::find(cp.cosignature_lines().begin(), cp.cosignature_lines().end(), line) ==
        cp.cosignature_lines().end()) {
      cp.add_cosignature_lines(line);
      ++added;
    }
  }
  if (added == 0) {
    return added;
  }
  std::string value;
  cp.SerializeToString(&value);
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  OTS_RETURN_IF_ERROR(
      FromRocks(db_->Put(write_options, cf(kCheckpoints), OriginKey(origin, size), value), dir_));
  NoteChange();
  return added;
}

absl::StatusOr<bool> Store::PutEvidence(const v1::Evidence& evidence) {
  // One key per pair of notes, whichever order they came in.
  std::string a = HexEncode(HashBytes(Sha256(evidence.note_a())));
  std::string b = HexEncode(HashBytes(Sha256(evidence.note_b())));
  if (b < a) {
    std::swap(a, b);
  }
  const std::string key = absl::StrCat(evidence.origin(), "/", a.substr(0, 16), b.substr(0, 16));
  absl::MutexLock lock(&append_mu_);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kEvidence), key, &value);
  if (s.ok()) {
    return false;
  }
  if (!s.IsNotFound()) {
    OTS_RETURN_IF_ERROR(FromRocks(s, dir_));
  }
  evidence.SerializeToString(&value);
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  OTS_RETURN_IF_ERROR(FromRocks(db_->Put(write_options, cf(kEvidence), key, value), dir_));
  NoteChange();
  return true;
}

absl::StatusOr<std::vector<v1::Evidence>> Store::ListEvidence(absl::string_view origin) {
  std::vector<v1::Evidence> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kEvidence)));
  const std::string prefix = origin.empty() ? "" : absl::StrCat(origin, "/");
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    OTS_ASSIGN_OR_RETURN(v1::Evidence e, ParseValue<v1::Evidence>(View(it->value()), "evidence"));
    out.push_back(std::move(e));
  }
  OTS_RETURN_IF_ERROR(FromRocks(it->status(), dir_));
  return out;
}

void Store::NoteChange() {
  absl::MutexLock lock(&change_mu_);
  ++changes_;
}

uint64_t Store::ChangeCount() {
  absl::MutexLock lock(&change_mu_);
  return changes_;
}

uint64_t Store::WaitForChange(uint64_t seen, absl::Time deadline) {
  absl::MutexLock lock(&change_mu_);
  auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(change_mu_) {
    return changes_ != seen || woken_;
  };
  change_mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
  return changes_;
}

void Store::WakeAll() {
  absl::MutexLock lock(&change_mu_);
  woken_ = true;
}

absl::StatusOr<std::vector<std::string>> Store::Origins() {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kLogs)));
  it->SeekToFirst();
  while (it->Valid()) {
    absl::string_view key = View(it->key());
    size_t slash = key.find('/');
    if (slash == absl::string_view::npos) {
      return absl::DataLossError(absl::StrCat(dir_, ": malformed log key"));
    }
    out.emplace_back(key.substr(0, slash));
    // Jump past every entry of this origin.
    it->Seek(absl::StrCat(out.back(), "0"));  // '0' sorts right after '/'
  }
  OTS_RETURN_IF_ERROR(FromRocks(it->status(), dir_));
  return out;
}

absl::StatusOr<std::string> Store::GetMeta(absl::string_view name) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kMeta), Slice(name), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no metadata \"", name, "\""));
  }
  OTS_RETURN_IF_ERROR(FromRocks(s, dir_));
  return value;
}

absl::Status Store::PutMeta(absl::string_view name, absl::string_view value) {
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  return FromRocks(db_->Put(write_options, cf(kMeta), Slice(name), Slice(value)), dir_);
}

absl::Status Store::VerifyChecksums() { return FromRocks(db_->VerifyChecksum(), dir_); }

}  // namespace ots
