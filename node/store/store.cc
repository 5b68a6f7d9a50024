#include "node/store/store.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crypto/bytes.h"
#include "crypto/sha256.h"
#include "crypto/status_macros.h"
#include "node/store/rocksdb_engine.h"

namespace ots {
namespace {

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

bool HasPrefix(absl::string_view s, absl::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The cells of one return in blocks of kCellsPerBlock lines, each line ending in '\n'.
void PutCells(WriteBatch& batch, absl::string_view origin, absl::string_view period,
              uint64_t revision, const CellLines& lines) {
  std::string key = CellPrefix(origin, period, revision);
  const size_t prefix = key.size();
  std::string block;
  for (size_t start = 0; start < lines.size(); start += kCellsPerBlock) {
    const size_t end = std::min(lines.size(), start + kCellsPerBlock);
    block.clear();
    for (size_t i = start; i < end; ++i) {
      block.append(lines[i].data(), lines[i].size());
      block.push_back('\n');
    }
    key.resize(prefix);
    PutBigEndian32(&key, static_cast<uint32_t>(start / kCellsPerBlock));
    batch.Put(StoreTable::kCells, key, block);
  }
}

}  // namespace

template <typename Message>
absl::StatusOr<Message> Store::GetValue(StoreTable table, absl::string_view key,
                                        absl::string_view what) {
  std::string value;
  absl::Status s = engine_->Get(table, key, &value);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError(absl::StrCat("no ", what));
  }
  OTS_RETURN_IF_ERROR(s);
  return ParseValue<Message>(value, what);
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, const Options& options) {
  RocksDbOptions rocks;
  rocks.read_only = options.read_only;
  rocks.create_if_missing = options.create_if_missing;
  OTS_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenRocksDbEngine(dir, rocks));
  auto store = std::make_unique<Store>(std::move(engine));
  OTS_RETURN_IF_ERROR(store->CheckFormat(options.read_only));
  return store;
}

absl::Status Store::CheckFormat(bool read_only) {
  absl::StatusOr<std::string> format = GetMeta(kDataFormatMeta);
  if (absl::IsNotFound(format.status())) {
    // A new folder, or one written before the format was recorded (format 1, migrated below).
    return read_only ? absl::OkStatus()
                     : PutMeta(kDataFormatMeta, absl::StrCat(kDataFormatVersion));
  }
  OTS_RETURN_IF_ERROR(format.status());
  int version = 0;
  if (!absl::SimpleAtoi(*format, &version) || version < 1) {
    return absl::DataLossError(
        absl::StrCat(where(), ": unreadable data format version \"", *format, "\""));
  }
  if (version > kDataFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        where(), " was written by a newer release (data format ", version,
        "; this release reads format ", kDataFormatVersion,
        "): run that release, or restore a backup this release made; nothing was changed"));
  }
  // Migration: format 1 holds nothing format 2 reads otherwise (kDataFormatVersion).
  if (version < kDataFormatVersion && !read_only) {
    return PutMeta(kDataFormatMeta, absl::StrCat(kDataFormatVersion));
  }
  return absl::OkStatus();
}

Store::Store(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}

Store::~Store() = default;

absl::Status Store::Commit(WriteBatch& batch) {
  OTS_RETURN_IF_ERROR(WriteSynced(batch));
  NoteChange();
  return absl::OkStatus();
}

absl::Status Store::WriteSynced(WriteBatch& batch) {
  TryRecover();
  absl::Status s = engine_->Write(batch, /*sync=*/true);
  NoteWrite(s);
  return s;
}

void Store::TryRecover() {
  {
    absl::MutexLock lock(&health_mu_);
    if (write_failure_.ok()) {
      return;
    }
  }
  absl::Status recovered = engine_->Recover();
  if (recovered.ok()) {
    NoteWrite(absl::OkStatus());
  }
}

void Store::NoteWrite(const absl::Status& result) {
  if (absl::IsInvalidArgument(result)) {
    return;  // a batch the engine cannot take (over 4 GiB), not the storage failing
  }
  bool changed = false;
  {
    absl::MutexLock lock(&health_mu_);
    if (result.ok()) {
      changed = !write_failure_.ok();
      write_failure_ = absl::OkStatus();
      failed_writes_ = 0;
    } else {
      changed = write_failure_.ok();
      if (changed) {
        write_failure_ = result;
      }
      ++failed_writes_;
    }
  }
  if (changed && health_listener_) {
    health_listener_(result);
  }
}

absl::Status Store::WriteFailure() {
  TryRecover();
  absl::MutexLock lock(&health_mu_);
  return write_failure_;
}

uint64_t Store::FailedWrites() {
  absl::MutexLock lock(&health_mu_);
  return failed_writes_;
}

absl::Status Store::AppendReturn(Append a) {
  Entries e;
  e.origin = std::move(a.origin);
  e.from = a.log_index;
  e.entries.push_back(
      Entries::Entry{std::move(a.entry), std::move(a.period), a.revision, &a.cells});
  e.checkpoint = std::move(a.checkpoint);
  e.meta = std::move(a.meta);
  // Moved out, not assigned an empty value: assigning keeps a string's buffer.
  return AppendEntries(e, [&a] { CellLines freed = std::move(a.cells); });
}

absl::Status Store::AppendEntries(const Entries& e, absl::FunctionRef<void()> batched) {
  absl::MutexLock lock(&append_mu_);
  OTS_ASSIGN_OR_RETURN(uint64_t size, LogSize(e.origin));
  if (size != e.from) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log of ", e.origin, " has ", size, " entries, not ", e.from, ": it changed meanwhile"));
  }
  // Room for every cell up front: a batch regrown as it fills holds its old and new copy at once,
  // beside the cells themselves.
  size_t cell_bytes = 0;
  for (const Entries::Entry& entry : e.entries) {
    if (entry.cell_lines != nullptr) {
      const size_t blocks = entry.cell_lines->size() / kCellsPerBlock + 1;
      cell_bytes += entry.cell_lines->byte_size() + entry.cell_lines->size() + blocks * 64;
    }
  }
  std::unique_ptr<WriteBatch> batch = engine_->NewBatch(cell_bytes + 4096 * e.entries.size());
  std::string value;
  for (size_t n = 0; n < e.entries.size(); ++n) {
    const Entries::Entry& entry = e.entries[n];
    const uint64_t index = e.from + n;
    entry.entry.SerializeToString(&value);
    batch->Put(StoreTable::kLogs, OriginKey(e.origin, index), value);
    if (entry.cell_lines != nullptr) {
      PutCells(*batch, e.origin, entry.period, entry.revision, *entry.cell_lines);
    }
    // Later entries of the same period overwrite earlier ones within the batch.
    v1::CurrentEntry current;
    current.set_revision(entry.revision);
    current.set_log_index(index);
    current.SerializeToString(&value);
    batch->Put(StoreTable::kCurrent, absl::StrCat(e.origin, "/", entry.period), value);
  }
  e.checkpoint.SerializeToString(&value);
  batch->Put(StoreTable::kCheckpoints, OriginKey(e.origin, e.from + e.entries.size()), value);
  for (const auto& [name, meta_value] : e.meta) {
    batch->Put(StoreTable::kMeta, name, meta_value);
  }
  batched();
  return Commit(*batch);
}

absl::StatusOr<uint64_t> Store::LogSize(absl::string_view origin) {
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kLogs);
  it->SeekForPrev(OriginKey(origin, UINT64_MAX));
  const std::string prefix = absl::StrCat(origin, "/");
  if (!it->Valid() || !HasPrefix(it->key(), prefix)) {
    OTS_RETURN_IF_ERROR(it->status());
    return 0;
  }
  absl::string_view key = it->key();
  if (key.size() != prefix.size() + 8) {
    return absl::DataLossError(absl::StrCat(where(), ": malformed log key for ", origin));
  }
  return GetBigEndian64(key.substr(prefix.size())) + 1;
}

absl::StatusOr<v1::LogEntry> Store::GetLogEntry(absl::string_view origin, uint64_t index) {
  return GetValue<v1::LogEntry>(StoreTable::kLogs, OriginKey(origin, index),
                                absl::StrCat("entry ", index, " in the log of ", origin));
}

absl::StatusOr<std::vector<v1::LogEntry>> Store::ReadLog(absl::string_view origin) {
  return ReadLogRange(origin, 0, UINT64_MAX);
}

absl::StatusOr<std::vector<v1::LogEntry>> Store::ReadLogRange(absl::string_view origin,
                                                              uint64_t from, uint64_t to) {
  std::vector<v1::LogEntry> out;
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kLogs);
  const std::string prefix = absl::StrCat(origin, "/");
  uint64_t want = from;
  for (it->Seek(OriginKey(origin, from)); want < to && it->Valid() && HasPrefix(it->key(), prefix);
       it->Next(), ++want) {
    absl::string_view key = it->key();
    const uint64_t index =
        key.size() == prefix.size() + 8 ? GetBigEndian64(key.substr(prefix.size())) : UINT64_MAX;
    if (index != want) {
      return absl::DataLossError(
          absl::StrCat("log of ", origin, ": entry ", want, " is missing or its key is malformed"));
    }
    OTS_ASSIGN_OR_RETURN(
        v1::LogEntry entry,
        ParseValue<v1::LogEntry>(it->value(), absl::StrCat("log of ", origin, ", entry ", index)));
    out.push_back(std::move(entry));
  }
  OTS_RETURN_IF_ERROR(it->status());
  if (to != UINT64_MAX && want != to) {
    return absl::DataLossError(absl::StrCat("log of ", origin, ": entry ", want, " is missing"));
  }
  return out;
}

absl::StatusOr<std::optional<v1::CurrentEntry>> Store::GetCurrent(absl::string_view origin,
                                                                  absl::string_view period) {
  absl::StatusOr<v1::CurrentEntry> entry =
      GetValue<v1::CurrentEntry>(StoreTable::kCurrent, absl::StrCat(origin, "/", period),
                                 absl::StrCat("current view of ", origin, " ", period));
  if (absl::IsNotFound(entry.status())) {
    return std::optional<v1::CurrentEntry>();
  }
  OTS_RETURN_IF_ERROR(entry.status());
  return std::optional<v1::CurrentEntry>(*std::move(entry));
}

absl::Status Store::ForEachCurrent(
    const std::function<absl::Status(absl::string_view, absl::string_view,
                                     const v1::CurrentEntry&)>& fn) {
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kCurrent);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::string_view key = it->key();
    const size_t slash = key.find('/');
    if (slash == absl::string_view::npos) {
      return absl::DataLossError(absl::StrCat(where(), ": malformed current-view key"));
    }
    OTS_ASSIGN_OR_RETURN(
        v1::CurrentEntry entry,
        ParseValue<v1::CurrentEntry>(it->value(), absl::StrCat("current view ", key)));
    OTS_RETURN_IF_ERROR(fn(key.substr(0, slash), key.substr(slash + 1), entry));
  }
  return it->status();
}

absl::Status Store::ForEachCell(absl::string_view origin, absl::string_view period,
                                uint64_t revision,
                                const std::function<absl::Status(absl::string_view)>& fn) {
  const std::string prefix = CellPrefix(origin, period, revision);
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kCells);
  uint32_t want = 0;
  for (it->Seek(prefix); it->Valid() && HasPrefix(it->key(), prefix); it->Next(), ++want) {
    absl::string_view key = it->key();
    if (key.size() != prefix.size() + 4 || GetBigEndian32(key.substr(prefix.size())) != want) {
      return absl::DataLossError(absl::StrCat("cells of ", origin, " ", period, " revision ",
                                              revision, ": block ", want,
                                              " is missing or its key is malformed"));
    }
    OTS_RETURN_IF_ERROR(ForEachLine(it->value(), fn));
  }
  return it->status();
}

std::string OpeningsMetaName(absl::string_view origin, absl::string_view period,
                             uint64_t revision) {
  return absl::StrCat(kOpeningsMeta, origin, "/", period, "/", revision);
}

absl::StatusOr<Openings> Store::GetOpenings(absl::string_view origin, absl::string_view period,
                                            uint64_t revision) {
  const std::string name = OpeningsMetaName(origin, period, revision);
  absl::StatusOr<std::string> text = GetMeta(name);
  if (absl::IsNotFound(text.status())) {
    return Openings();
  }
  if (!text.ok()) {
    return text.status();
  }
  absl::StatusOr<Openings> openings = Openings::Parse(*text, name);
  if (!openings.ok()) {
    return absl::DataLossError(openings.status().message());
  }
  return openings;
}

absl::Status Store::ForEachOpenedCell(
    absl::string_view origin, absl::string_view period, uint64_t revision, bool open,
    const std::function<absl::Status(absl::string_view, absl::string_view)>& fn) {
  Openings openings;
  if (open) {
    OTS_ASSIGN_OR_RETURN(openings, GetOpenings(origin, period, revision));
  }
  return ForEachCell(origin, period, revision, [&](absl::string_view leaf) -> absl::Status {
    const Openings::Opening* o = openings.empty() ? nullptr : openings.Find(leaf);
    return fn(leaf, o != nullptr ? absl::string_view(o->line) : leaf);
  });
}

absl::Status Store::ForEachCellBlock(absl::string_view origin, absl::string_view period,
                                     uint64_t revision, size_t block_bytes,
                                     const std::function<absl::Status(absl::string_view)>& fn) {
  std::string block;
  OTS_RETURN_IF_ERROR(
      ForEachCell(origin, period, revision, [&](absl::string_view line) -> absl::Status {
        block.append(line.data(), line.size());
        block.push_back('\n');
        if (block.size() < block_bytes) {
          return absl::OkStatus();
        }
        absl::Status s = fn(block);
        block.clear();
        return s;
      }));
  return block.empty() ? absl::OkStatus() : fn(block);
}

absl::Status Store::ForEachStoredCell(
    const std::function<absl::Status(absl::string_view, absl::string_view, uint64_t,
                                     absl::string_view)>& fn) {
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kCells);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::string_view key = it->key();
    const size_t s1 = key.find('/');
    const size_t s2 = s1 == absl::string_view::npos ? s1 : key.find('/', s1 + 1);
    if (s2 == absl::string_view::npos || key.size() != s2 + 1 + 8 + 4) {
      return absl::DataLossError(absl::StrCat(where(), ": malformed cell block key"));
    }
    absl::string_view origin = key.substr(0, s1);
    absl::string_view period = key.substr(s1 + 1, s2 - s1 - 1);
    const uint64_t revision = GetBigEndian64(key.substr(s2 + 1, 8));
    OTS_RETURN_IF_ERROR(ForEachLine(
        it->value(), [&](absl::string_view line) { return fn(origin, period, revision, line); }));
  }
  return it->status();
}

absl::Status Store::ForEachCheckpoint(
    absl::string_view origin, uint64_t min_size,
    const std::function<absl::Status(uint64_t, const v1::StoredCheckpoint&)>& fn) {
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kCheckpoints);
  const std::string prefix = absl::StrCat(origin, "/");
  for (it->Seek(OriginKey(origin, min_size)); it->Valid() && HasPrefix(it->key(), prefix);
       it->Next()) {
    absl::string_view key = it->key();
    if (key.size() != prefix.size() + 8) {
      return absl::DataLossError(absl::StrCat(where(), ": malformed checkpoint key for ", origin));
    }
    const uint64_t size = GetBigEndian64(key.substr(prefix.size()));
    OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint cp,
                         ParseValue<v1::StoredCheckpoint>(
                             it->value(), absl::StrCat("checkpoint of ", origin, " size ", size)));
    OTS_RETURN_IF_ERROR(fn(size, cp));
  }
  return it->status();
}

absl::StatusOr<std::vector<uint64_t>> Store::CheckpointSizes(absl::string_view origin,
                                                             uint64_t min_size, size_t limit) {
  std::vector<uint64_t> out;
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kCheckpoints);
  const std::string prefix = absl::StrCat(origin, "/");
  for (it->Seek(OriginKey(origin, min_size));
       out.size() < limit && it->Valid() && HasPrefix(it->key(), prefix); it->Next()) {
    absl::string_view key = it->key();
    if (key.size() != prefix.size() + 8) {
      return absl::DataLossError(absl::StrCat(where(), ": malformed checkpoint key for ", origin));
    }
    out.push_back(GetBigEndian64(key.substr(prefix.size())));
  }
  OTS_RETURN_IF_ERROR(it->status());
  return out;
}

absl::StatusOr<v1::StoredCheckpoint> Store::LatestCheckpoint(absl::string_view origin) {
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kCheckpoints);
  it->SeekForPrev(OriginKey(origin, UINT64_MAX));
  if (!it->Valid() || !HasPrefix(it->key(), absl::StrCat(origin, "/"))) {
    OTS_RETURN_IF_ERROR(it->status());
    return absl::NotFoundError(absl::StrCat("no checkpoint of ", origin));
  }
  return ParseValue<v1::StoredCheckpoint>(it->value(),
                                          absl::StrCat("latest checkpoint of ", origin));
}

absl::StatusOr<v1::StoredCheckpoint> Store::GetCheckpoint(absl::string_view origin, uint64_t size) {
  return GetValue<v1::StoredCheckpoint>(StoreTable::kCheckpoints, OriginKey(origin, size),
                                        absl::StrCat("checkpoint of ", origin, " at size ", size));
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
  std::unique_ptr<WriteBatch> batch = engine_->NewBatch(0);
  batch->Put(StoreTable::kCheckpoints, OriginKey(origin, size), cp.SerializeAsString());
  OTS_RETURN_IF_ERROR(Commit(*batch));
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
  absl::Status s = engine_->Get(StoreTable::kEvidence, key, &value);
  if (s.ok()) {
    return false;
  }
  if (!absl::IsNotFound(s)) {
    return s;
  }
  std::unique_ptr<WriteBatch> batch = engine_->NewBatch(0);
  batch->Put(StoreTable::kEvidence, key, evidence.SerializeAsString());
  OTS_RETURN_IF_ERROR(Commit(*batch));
  return true;
}

absl::StatusOr<std::vector<v1::Evidence>> Store::ListEvidence(absl::string_view origin) {
  std::vector<v1::Evidence> out;
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kEvidence);
  const std::string prefix = origin.empty() ? "" : absl::StrCat(origin, "/");
  for (it->Seek(prefix); it->Valid() && HasPrefix(it->key(), prefix); it->Next()) {
    OTS_ASSIGN_OR_RETURN(v1::Evidence e, ParseValue<v1::Evidence>(it->value(), "evidence"));
    out.push_back(std::move(e));
  }
  OTS_RETURN_IF_ERROR(it->status());
  return out;
}

void Store::NoteChange() {
  {
    std::lock_guard<std::mutex> lock(change_mu_);
    ++changes_;
  }
  changed_.notify_all();
}

uint64_t Store::ChangeCount() {
  std::lock_guard<std::mutex> lock(change_mu_);
  return changes_;
}

uint64_t Store::WaitForChange(uint64_t seen, absl::Duration timeout) {
  // A steady-clock wait (std::condition_variable::wait_for), not Abseil's, which times its
  // waits by the wall clock: a clock stepped back by NTP must not stretch the keepalive.
  std::unique_lock<std::mutex> lock(change_mu_);
  changed_.wait_for(lock, absl::ToChronoNanoseconds(std::max(timeout, absl::ZeroDuration())),
                    [&] { return changes_ != seen || woken_; });
  return changes_;
}

void Store::WakeAll() {
  {
    std::lock_guard<std::mutex> lock(change_mu_);
    woken_ = true;
  }
  changed_.notify_all();
}

absl::StatusOr<std::vector<std::string>> Store::Origins() {
  std::vector<std::string> out;
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kLogs);
  it->SeekToFirst();
  while (it->Valid()) {
    absl::string_view key = it->key();
    const size_t slash = key.find('/');
    if (slash == absl::string_view::npos) {
      return absl::DataLossError(absl::StrCat(where(), ": malformed log key"));
    }
    out.emplace_back(key.substr(0, slash));
    // Jump past every entry of this origin.
    it->Seek(absl::StrCat(out.back(), "0"));  // '0' sorts right after '/'
  }
  OTS_RETURN_IF_ERROR(it->status());
  return out;
}

absl::StatusOr<std::string> Store::GetMeta(absl::string_view name) {
  std::string value;
  absl::Status s = engine_->Get(StoreTable::kMeta, name, &value);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError(absl::StrCat("no metadata \"", name, "\""));
  }
  OTS_RETURN_IF_ERROR(s);
  return value;
}

absl::Status Store::PutMeta(absl::string_view name, absl::string_view value) {
  return PutMetas({{name, value}});
}

absl::Status Store::PutMetas(
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> values) {
  std::unique_ptr<WriteBatch> batch = engine_->NewBatch(0);
  for (const auto& [name, value] : values) {
    batch->Put(StoreTable::kMeta, name, value);
  }
  return WriteSynced(*batch);
}

absl::StatusOr<bool> Store::PutSeenCheckpoint(absl::string_view origin,
                                              const v1::SeenCheckpoint& seen) {
  absl::MutexLock lock(&append_mu_);
  const std::string key = absl::StrCat(kSeenCheckpointMeta, origin);
  std::string value;
  absl::Status s = engine_->Get(StoreTable::kMeta, key, &value);
  if (s.ok()) {
    v1::SeenCheckpoint held;
    if (held.ParseFromString(value) && held.size() >= seen.size()) {
      return false;
    }
  } else if (!absl::IsNotFound(s)) {
    return s;
  }
  std::unique_ptr<WriteBatch> batch = engine_->NewBatch(0);
  batch->Put(StoreTable::kMeta, key, seen.SerializeAsString());
  OTS_RETURN_IF_ERROR(WriteSynced(*batch));
  return true;
}

absl::StatusOr<std::map<std::string, v1::SeenCheckpoint>> Store::SeenCheckpoints() {
  std::map<std::string, v1::SeenCheckpoint> out;
  std::unique_ptr<Cursor> it = engine_->NewCursor(StoreTable::kMeta);
  for (it->Seek(kSeenCheckpointMeta); it->Valid(); it->Next()) {
    absl::string_view key = it->key();
    if (!absl::ConsumePrefix(&key, kSeenCheckpointMeta)) {
      break;
    }
    v1::SeenCheckpoint seen;
    if (!seen.ParseFromString(std::string(it->value()))) {
      return absl::DataLossError(absl::StrCat(where(), ": malformed seen checkpoint of ", key));
    }
    out[std::string(key)] = std::move(seen);
  }
  OTS_RETURN_IF_ERROR(it->status());
  return out;
}

absl::Status Store::VerifyChecksums() { return engine_->VerifyChecksums(); }

}  // namespace ots
