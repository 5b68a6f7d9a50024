#include "node/query/signed_return.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/model/codes.h"

namespace ots {

absl::Status ServeSignedReturn(OriginLogs& logs, const v1::SignedReturnRequest& request,
                               const std::function<bool(const v1::SignedReturnChunk&)>& write,
                               bool open) {
  const std::string& origin = request.origin();
  if (!IsTimePeriod(request.period())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "period \"", request.period(), "\" is not a TIME_PERIOD (2020, 2020-Q2, 2020-05, ...)"));
  }
  Store& store = logs.store();
  OTS_ASSIGN_OR_RETURN(uint64_t log_size, store.LogSize(origin));
  if (log_size == 0) {
    return absl::NotFoundError(absl::StrCat("this node holds no log of ", origin));
  }
  if (request.size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, "=0: a signed return is served at a log size of 1 or more"));
  }
  OTS_ASSIGN_OR_RETURN(LogPoint point, FindLogPoint(logs, origin, request.size()));
  auto send = [&](const v1::SignedReturnChunk& c) -> absl::Status {
    return write(c) ? absl::OkStatus()
                    : absl::CancelledError("the caller went away during the answer");
  };
  v1::SignedReturnChunk chunk;
  v1::SignedReturnStart* start = chunk.mutable_start();
  start->set_size(point.size);
  start->set_checkpoint_note(point.checkpoint.note());
  start->mutable_cosignature_lines()->CopyFrom(point.checkpoint.cosignature_lines());
  OTS_RETURN_IF_ERROR(send(chunk));

  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> entries,
                       store.ReadLogRange(origin, 0, point.size));
  OTS_ASSIGN_OR_RETURN(std::optional<v1::ReturnHeader> in_force,
                       ReturnInForce(entries, origin, request.period()));
  for (v1::LogEntry& entry : entries) {
    chunk.Clear();
    *chunk.mutable_entry() = std::move(entry);
    OTS_RETURN_IF_ERROR(send(chunk));
  }
  if (!in_force.has_value()) {
    return absl::OkStatus();
  }
  OTS_RETURN_IF_ERROR(store.ForEachCellBlock(origin, in_force->period(), in_force->revision(),
                                             kSignedReturnBlockBytes,
                                             [&](absl::string_view block) -> absl::Status {
                                               chunk.Clear();
                                               chunk.set_cells(std::string(block));
                                               return send(chunk);
                                             }));
  if (!open || in_force->sealed_count() == 0) {
    return absl::OkStatus();
  }
  OTS_ASSIGN_OR_RETURN(Openings openings,
                       store.GetOpenings(origin, in_force->period(), in_force->revision()));
  if (openings.empty()) {
    return absl::OkStatus();
  }
  chunk.Clear();
  chunk.set_openings(openings.Serialize());
  return send(chunk);
}

SignedReturnChecker::SignedReturnChecker(const Directory& directory, const TableCategory& category,
                                         std::string origin, uint64_t size)
    : directory_(directory),
      category_(category),
      origin_(std::move(origin)),
      size_(size),
      log_checker_(origin_, directory.LogKeys(origin_), absl::StatusCode::kInvalidArgument) {
  row_.origin = origin_;
  row_.log_size = size_;
  log_checker_.set_key_validity([this](const PublicKey& key, absl::string_view time) {
    return directory_.CheckLogKeyAt(origin_, key, time);
  });
}

SignedReturnChecker::~SignedReturnChecker() = default;

absl::Status SignedReturnChecker::Fail(absl::string_view what) const {
  return absl::InvalidArgumentError(absl::StrCat(origin_, " at log size ", size_, ": ", what));
}

absl::Status SignedReturnChecker::Add(const v1::SignedReturnChunk& chunk) {
  switch (chunk.part_case()) {
    case v1::SignedReturnChunk::kStart:
      return AddStart(chunk.start());
    case v1::SignedReturnChunk::kEntry:
      return AddEntry(chunk.entry());
    case v1::SignedReturnChunk::kCells:
      return AddCells(chunk.cells());
    case v1::SignedReturnChunk::kOpenings:
      return AddOpenings(chunk.openings());
    case v1::SignedReturnChunk::PART_NOT_SET:
      break;
  }
  return Fail("an empty message in the answer");
}

absl::Status SignedReturnChecker::AddStart(const v1::SignedReturnStart& start) {
  if (checkpoint_.has_value()) {
    return Fail("a second checkpoint in the answer");
  }
  const std::string& federation = directory_.federation();
  absl::StatusOr<VerifiedCheckpoint> cp = VerifyOriginCheckpoint(
      federation, origin_, directory_.LogKeys(origin_), start.checkpoint_note());
  if (!cp.ok()) {
    return Fail(absl::StrCat("checkpoint: ", cp.status().message()));
  }
  if (cp->checkpoint.size != size_ || start.size() != size_) {
    return Fail(absl::StrCat("checkpoint: the answer is of log size ", cp->checkpoint.size));
  }
  const std::vector<std::string> lines(start.cosignature_lines().begin(),
                                       start.cosignature_lines().end());
  // A line this client's bundle does not count (a witness key it does not list, or one used
  // outside its validity) is left out, as prove leaves it out; one that fails its signature under
  // the key it names fails the answer.
  std::vector<std::string> uncounted;
  absl::StatusOr<std::vector<CheckedCosignature>> cosigs =
      VerifyCosignatureLines(federation, start.checkpoint_note(), lines, WitnessKeysOf(directory_),
                             WitnessKeyValidityOf(directory_), &uncounted);
  if (!cosigs.ok()) {
    return Fail(absl::StrCat("checkpoint cosignatures: ", cosigs.status().message()));
  }
  cosigners_ = IndependentCosigners(*cosigs, origin_, MayWitness(directory_, origin_));
  for (const std::string& line : lines) {
    if (std::find(uncounted.begin(), uncounted.end(), line) == uncounted.end()) {
      counted_lines_.push_back(line);
    }
  }
  checkpoint_ = cp->checkpoint;
  row_.checkpoint_note = start.checkpoint_note();
  return absl::OkStatus();
}

absl::Status SignedReturnChecker::AddEntry(const v1::LogEntry& entry) {
  if (!checkpoint_.has_value() || entries_closed_) {
    return Fail("a log entry out of place (before the checkpoint or after cells)");
  }
  if (entries_.size() == size_) {
    return Fail(absl::StrCat("more than the ", size_, " log entries of the checkpoint"));
  }
  absl::StatusOr<v1::ReturnHeader> header = log_checker_.CheckHeader(entry.header(), nullptr);
  if (!header.ok()) {
    return Fail(header.status().message());
  }
  entries_.push_back(entry);
  return absl::OkStatus();
}

absl::Status SignedReturnChecker::CloseEntries() {
  entries_closed_ = true;
  if (entries_.size() != size_) {
    return Fail(absl::StrCat("log entries: ", entries_.size(), " came, the checkpoint covers ",
                             size_, " (an entry withheld)"));
  }
  const Hash root = MerkleRoot(log_checker_.leaves());
  if (root != checkpoint_->root) {
    return Fail(absl::StrCat("log root: the ", size_, " headers give ", HexEncode(HashBytes(root)),
                             ", the checkpoint says ", HexEncode(HashBytes(checkpoint_->root))));
  }
  absl::StatusOr<std::optional<v1::ReturnHeader>> in_force =
      ReturnInForce(entries_, origin_, category_.period, &row_.log_index);
  if (!in_force.ok()) {
    return Fail(in_force.status().message());
  }
  in_force_ = *std::move(in_force);
  absl::StatusOr<std::vector<std::string>> periods = PeriodsInRange(entries_, origin_, "", "");
  if (!periods.ok()) {
    return Fail(periods.status().message());
  }
  periods_ = *std::move(periods);
  if (in_force_.has_value()) {
    row_.revision = in_force_->revision();
    row_.submitted_at = in_force_->created_at();
    in_force_where_ = absl::StrCat(origin_, " ", category_.period, " revision ", row_.revision);
    cells_ = std::make_unique<CellsChecker>(*in_force_, absl::StatusCode::kInvalidArgument);
  }
  return absl::OkStatus();
}

absl::Status SignedReturnChecker::AddCells(absl::string_view block) {
  if (!checkpoint_.has_value()) {
    return Fail("cells before the checkpoint");
  }
  if (!entries_closed_) {
    OTS_RETURN_IF_ERROR(CloseEntries());
  }
  if (cells_ == nullptr) {
    return Fail(absl::StrCat("cells came, but no return of ", category_.period,
                             " is in force at that size"));
  }
  while (!block.empty()) {
    const size_t nl = block.find('\n');
    if (nl == absl::string_view::npos) {
      return Fail("a block of cells does not end in a newline");
    }
    const absl::string_view line = block.substr(0, nl);
    if (openings_.has_value()) {
      return Fail("cells after the openings");
    }
    cells_->Add(line);
    if (IsSealedLine(line)) {
      sealed_.emplace_back(line);  // taken at Finish, opened if an opening comes
    } else if (row_status_.ok()) {
      row_status_ = AddTableCell(category_, line, absl::StatusCode::kInvalidArgument, &row_);
    }
    block.remove_prefix(nl + 1);
  }
  return absl::OkStatus();
}

absl::Status SignedReturnChecker::AddOpenings(absl::string_view text) {
  if (cells_ == nullptr || openings_.has_value()) {
    return Fail("openings without cells, or twice");
  }
  absl::StatusOr<Openings> openings = Openings::Parse(text, in_force_where_);
  if (!openings.ok()) {
    return Fail(openings.status().message());
  }
  size_t found = 0;
  for (const std::string& s : sealed_) {
    found += openings->Find(s) != nullptr ? 1 : 0;
  }
  if (found != openings->size()) {
    return Fail(absl::StrCat(in_force_where_, ": ", openings->size() - found, " of ",
                             openings->size(), " openings open no sealed cell of the return"));
  }
  openings_ = *std::move(openings);
  return absl::OkStatus();
}

absl::StatusOr<CheckedReturn> SignedReturnChecker::Finish() {
  if (!checkpoint_.has_value()) {
    return Fail("the answer has no checkpoint");
  }
  if (!entries_closed_) {
    OTS_RETURN_IF_ERROR(CloseEntries());
  }
  CheckedReturn out;
  if (cells_ != nullptr) {
    if (absl::Status s = cells_->Finish(in_force_where_); !s.ok()) {
      return Fail(s.message());
    }
    for (const std::string& sealed : sealed_) {
      const Openings::Opening* o = openings_.has_value() ? openings_->Find(sealed) : nullptr;
      const size_t taken = row_.figures.size() + (row_.total.has_value() ? 1 : 0);
      if (row_status_.ok()) {
        row_status_ = AddTableCell(category_, o != nullptr ? absl::string_view(o->line) : sealed,
                                   absl::StatusCode::kInvalidArgument, &row_);
      }
      // Only a withheld cell the table takes keeps a figure from being recomputed.
      const bool in_table = row_.figures.size() + (row_.total.has_value() ? 1 : 0) > taken;
      out.withheld += o == nullptr && in_table ? 1 : 0;
    }
    if (!row_status_.ok()) {
      return Fail(row_status_.message());
    }
    out.cell_count = cells_->count();
  }
  out.row = std::move(row_);
  out.cosigners = std::move(cosigners_);
  out.periods = std::move(periods_);
  out.cosignature_lines = std::move(counted_lines_);
  return out;
}

}  // namespace ots
