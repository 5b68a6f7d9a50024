#include "node/rpc/services.h"

#include <algorithm>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "crypto/status_macros.h"
#include "node/base/rfc3339.h"
#include "node/base/text.h"
#include "node/base/version.h"
#include "node/log/submission.h"
#include "node/model/return_csv.h"
#include "node/query/calendar.h"
#include "node/query/consolidate.h"
#include "node/query/disclosure.h"
#include "node/query/prove.h"
#include "node/query/query.h"
#include "node/query/signed_return.h"
#include "node/query/status.h"
#include "node/rpc/grpc_status.h"
#include "node/rpc/identity.h"
#include "node/store/backup.h"

namespace ots {
namespace {

// Rows per streamed table part: keeps each message far below gRPC's 4 MiB default.
constexpr size_t kRowsPerChunk = 4096;

// A file name a client sent, as messages and logs may show it.
std::string ShownFileName(absl::string_view sent) {
  if (sent.empty()) {
    return "return.csv";
  }
  return BoundedLine(sent, 120);
}

// A submission's stream: the start, then the file's bytes, at most `max_bytes` of them, each
// piece handed to `parser` as it arrives. Stops reading as soon as the parser has seen enough
// (the first line is no header, too many problems): the client's next write then fails.
absl::Status ReadSubmission(grpc::ServerContext& context,
                            grpc::ServerReader<v1::SubmitChunk>& reader, const NodeContext& node,
                            std::string* out_file_name,
                            std::unique_ptr<ReturnCsvParser>* out_parser) {
  v1::SubmitChunk chunk;
  if (!reader.Read(&chunk) || !chunk.has_start()) {
    return absl::InvalidArgumentError("a submission starts with its file name and size");
  }
  *out_file_name = ShownFileName(chunk.start().file_name());
  const uint64_t max_bytes = node.max_return_bytes;
  const uint64_t announced = chunk.start().total_bytes();
  if (announced > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        *out_file_name, ": ", announced, " bytes; this node accepts returns of at most ", max_bytes,
        " bytes (max_return_bytes); nothing was read"));
  }
  ReturnCsvOptions options;
  options.expected_origin = node.member;
  options.accepted_dataflows = node.accepted_dataflows;
  options.size_hint = announced;
  *out_parser = std::make_unique<ReturnCsvParser>(*out_file_name, std::move(options));
  ReturnCsvParser& parser = **out_parser;
  while (!parser.stopped() && reader.Read(&chunk)) {
    if (!chunk.has_data()) {
      return absl::InvalidArgumentError("a submission has one start message, then only data");
    }
    if (parser.bytes() + chunk.data().size() > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(*out_file_name, ": more than ", max_bytes,
                                                     " bytes; this node accepts no larger return"));
    }
    parser.Add(chunk.data());
  }
  if (context.IsCancelled()) {
    return absl::CancelledError("the client cancelled the submission");
  }
  if (!parser.stopped() && announced != 0 && parser.bytes() != announced) {
    return absl::InvalidArgumentError(
        absl::StrCat(*out_file_name, ": ", parser.bytes(), " bytes sent after announcing ",
                     announced, " (did the file change while it was sent?); nothing stored"));
  }
  return absl::OkStatus();
}

// Streams `table` in parts of kRowsPerChunk rows; the columns and notes go in the first.
grpc::Status WriteTable(const Table& table, grpc::ServerWriter<v1::TableChunk>& writer) {
  v1::TableChunk chunk;
  chunk.mutable_columns()->Add(table.columns.begin(), table.columns.end());
  chunk.mutable_notes()->Add(table.notes.begin(), table.notes.end());
  for (const std::vector<std::string>& row : table.rows) {
    chunk.add_rows()->mutable_fields()->Add(row.begin(), row.end());
    if (static_cast<size_t>(chunk.rows_size()) == kRowsPerChunk) {
      if (!writer.Write(chunk)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      }
      chunk.Clear();
    }
  }
  if (chunk.rows_size() > 0 || chunk.columns_size() > 0) {
    writer.Write(chunk);
  }
  return grpc::Status::OK;
}

// What a client is told when the node could not store a return it accepted as valid: no path,
// the kind of failure, and that nothing was stored.
absl::Status NotStored(const NodeContext& node, const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kResourceExhausted:
      return absl::ResourceExhaustedError(absl::StrCat(
          "node ", node.member,
          " could not store the return: its disk is full. Nothing was "
          "stored; submit again once its operator has made room (the node's log has the details)"));
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return absl::Status(
          s.code() == absl::StatusCode::kDataLoss ? s.code() : absl::StatusCode::kInternal,
          absl::StrCat("node ", node.member,
                       " could not store the return: ", node.ForClient(s).message(),
                       ". Nothing was stored (the node's log has the details)"));
    default:
      return node.ForClient(s);
  }
}

}  // namespace

absl::Status NodeContext::ForClient(const absl::Status& s) const {
  const std::string& folder = store().where();
  if (s.ok() || folder.empty() || !absl::StrContains(s.message(), folder)) {
    return s;
  }
  return absl::Status(s.code(), absl::StrReplaceAll(s.message(), {{folder, "<data folder>"}}));
}

grpc::Status SubmissionService::Submit(grpc::ServerContext* context,
                                       grpc::ServerReader<v1::SubmitChunk>* reader,
                                       v1::SubmitResponse* response) {
  return Handle(context, reader, /*dry_run=*/false, response);
}

grpc::Status SubmissionService::Validate(grpc::ServerContext* context,
                                         grpc::ServerReader<v1::SubmitChunk>* reader,
                                         v1::SubmitResponse* response) {
  return Handle(context, reader, /*dry_run=*/true, response);
}

grpc::Status SubmissionService::PushBundle(grpc::ServerContext* context,
                                           const v1::PushBundleRequest* request,
                                           v1::PushBundleResponse* response) {
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const std::string who = caller->Describe();
  absl::Status allowed =
      node_->directory->AuthorizeOperator(*caller, node_->member, "push a trust bundle");
  if (!allowed.ok()) {
    node_->logger->Log(LogLevel::kWarn, who,
                       absl::StrCat("bundle push denied: ", allowed.message()));
    return ToGrpcStatus(allowed);
  }
  if (!node_->apply_bundle) {
    return ToGrpcStatus(absl::UnimplementedError("this node does not take pushed trust bundles"));
  }
  absl::StatusOr<v1::PushBundleResponse> applied =
      node_->apply_bundle(absl::StrCat("operator ", who), request->signed_bundle());
  if (!applied.ok()) {
    node_->logger->Log(LogLevel::kWarn, who,
                       absl::StrCat("pushed trust bundle refused: ", applied.status().message()));
    return ToGrpcStatus(applied.status());
  }
  *response = *std::move(applied);
  return grpc::Status::OK;
}

grpc::Status SubmissionService::Backup(grpc::ServerContext* context,
                                       const v1::BackupRequest* request,
                                       v1::BackupResponse* response) {
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const std::string who = caller->Describe();
  absl::Status allowed =
      node_->directory->AuthorizeOperator(*caller, node_->member, "back up the data folder");
  if (!allowed.ok()) {
    node_->logger->Log(LogLevel::kWarn, who, absl::StrCat("backup denied: ", allowed.message()));
    return ToGrpcStatus(allowed);
  }
  const std::string dir = BoundedLine(request->dir(), 4096);
  const absl::Time taken = node_->clock->Now();
  absl::StatusOr<BackupInfo> info = BackupStore(node_->store(), request->dir());
  if (!info.ok()) {
    node_->logger->Log(LogLevel::kWarn, who, std::string(info.status().message()));
    return ToGrpcStatus(info.status());
  }
  response->set_dir(request->dir());
  response->set_taken_at(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", taken, absl::UTCTimeZone()));
  for (const auto& [origin, size] : info->log_sizes) {
    (*response->mutable_log_sizes())[origin] = size;
  }
  response->set_bytes(info->bytes);
  node_->logger->Log(LogLevel::kInfo, who,
                     absl::StrCat("backup of the data folder into ", dir, ": ",
                                  info->log_sizes.size(), " logs, ", info->bytes, " bytes"));
  return grpc::Status::OK;
}

grpc::Status SubmissionService::Handle(grpc::ServerContext* context,
                                       grpc::ServerReader<v1::SubmitChunk>* reader, bool dry_run,
                                       v1::SubmitResponse* response) {
  const char* verb = dry_run ? "validate" : "submit";
  // Submissions (not validations) by outcome, and rejections by reason, for the metrics.
  const auto count = [&](absl::string_view outcome, absl::string_view reason) {
    if (dry_run || node_->counts == nullptr) {
      return;
    }
    node_->counts->Add(kSubmitCount, outcome);
    if (!reason.empty()) {
      node_->counts->Add(kSubmitRejectionCount, reason);
    }
  };
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  if (!caller.ok()) {
    count("rejected", "unknown_caller");
    return ToGrpcStatus(caller.status());
  }
  const std::string who = caller->Describe();
  absl::Status allowed = node_->directory->AuthorizeSubmit(*caller, node_->member);
  if (!allowed.ok()) {
    count("rejected", "denied");
    node_->logger->Log(LogLevel::kWarn, who, absl::StrCat(verb, " denied: ", allowed.message()));
    return ToGrpcStatus(allowed);
  }
  if (!dry_run && node_->publisher == nullptr) {
    count("rejected", "not_a_state");
    return ToGrpcStatus(absl::FailedPreconditionError(
        "this node signs no returns (the Secretariat aggregates only)"));
  }
  std::string file_name;
  std::unique_ptr<ReturnCsvParser> parser;
  absl::Status read = ReadSubmission(*context, *reader, *node_, &file_name, &parser);
  if (!read.ok()) {
    count("rejected", read.code() == absl::StatusCode::kCancelled ? "cancelled" : "unreadable");
    node_->logger->Log(LogLevel::kWarn, who, absl::StrCat(verb, " refused: ", read.message()));
    return ToGrpcStatus(read);
  }
  absl::StatusOr<ParsedReturn> parsed = parser->Finish();
  if (!parsed.ok()) {
    count("rejected", "invalid");
    // The summary names the count and the first problem; Validate lists them all in the body,
    // never in the status, whose size gRPC clients bound.
    node_->logger->Log(LogLevel::kWarn, who,
                       absl::StrCat(verb, " rejected ", parsed.status().message()));
    if (dry_run) {
      *response = RejectedReturn(*parser);
      return grpc::Status::OK;
    }
    return ToGrpcStatus(absl::InvalidArgumentError(BoundedLine(
        absl::StrCat(parsed.status().message(), "; nothing stored (Validate lists every problem)"),
        kMaxSummaryBytes)));
  }
  parser.reset();  // what it kept to check the cells is not needed to sign them
  if (!dry_run) {
    // Once more before signing: a bundle applied during a long upload may have revoked the caller.
    absl::StatusOr<CallerIdentity> still = node_->directory->Identify(caller->spki_sha256);
    absl::Status allowed_now =
        still.ok() ? node_->directory->AuthorizeSubmit(*still, node_->member) : still.status();
    if (!allowed_now.ok()) {
      count("rejected", "revoked");
      node_->logger->Log(
          LogLevel::kWarn, who,
          absl::StrCat(verb, " of ", file_name, " refused: ", allowed_now.message()));
      return ToGrpcStatus(
          absl::PermissionDeniedError(absl::StrCat(allowed_now.message(), "; nothing stored")));
    }
  }
  absl::StatusOr<v1::SubmitResponse> done =
      SubmitReturn(dry_run ? nullptr : node_->publisher, *std::move(parsed));
  if (!done.ok()) {
    count("rejected", done.status().code() == absl::StatusCode::kResourceExhausted ? "disk_full"
                      : done.status().code() == absl::StatusCode::kFailedPrecondition
                          ? "not_signing"
                          : "not_stored");
    node_->logger->Log(LogLevel::kError, who,
                       absl::StrCat(verb, " of ", file_name, " failed: ", done.status().message()));
    return ToGrpcStatus(NotStored(*node_, done.status()));
  }
  *response = *std::move(done);
  count(response->unchanged() ? "unchanged" : "stored", "");
  node_->logger->Log(
      LogLevel::kInfo, who,
      dry_run ? absl::StrCat("validated ", file_name, ": ", response->origin(), " ",
                             response->period(), ", ", response->cell_count(), " cells")
      : response->unchanged()
          ? absl::StrCat("unchanged ", file_name, ": ", response->origin(), " ", response->period(),
                         " revision ", response->header().revision(), " already holds these ",
                         response->cell_count(), " cells (log entry ", response->log_index(),
                         "); nothing stored")
          : absl::StrCat("accepted ", file_name, ": ", response->origin(), " ", response->period(),
                         " revision ", response->header().revision(), ", ", response->cell_count(),
                         " cells, log entry ", response->log_index()));
  return grpc::Status::OK;
}

absl::StatusOr<CallerIdentity> QueryService::CallerSeeing(const grpc::ServerContext& context,
                                                          absl::string_view origin,
                                                          absl::string_view verb) {
  OTS_ASSIGN_OR_RETURN(CallerIdentity caller, CallerOf(context));
  // An origin the federation does not have is not found, whoever asks; refusing it as "not
  // shared" would say it exists.
  const v1::Member* member = node_->directory->Find(origin);
  if (member == nullptr || member->log_keys().empty()) {
    return absl::NotFoundError(absl::StrCat("\"", origin, "\" is no origin of federation ",
                                            node_->directory->federation(),
                                            " (no state of that code reports in it)"));
  }
  if (!node_->directory->MaySee(caller.member, origin)) {
    absl::Status denied = absl::PermissionDeniedError(
        absl::StrCat(origin, " does not share its data with ", caller.member));
    node_->logger->Log(LogLevel::kWarn, caller.Describe(),
                       absl::StrCat(verb, " denied: ", denied.message()));
    return denied;
  }
  return caller;
}

grpc::Status QueryService::Cells(grpc::ServerContext* context, const v1::CellsRequest* request,
                                 grpc::ServerWriter<v1::TableChunk>* writer) {
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<CellFilter> filter = CellFilterFromWire(request->filters());
  if (filter.ok()) {
    filter = VisibleTo(node_->store(), *node_->directory, caller->member, *std::move(filter));
    if (absl::IsPermissionDenied(filter.status())) {
      node_->logger->Log(LogLevel::kWarn, caller->Describe(),
                         absl::StrCat("query denied: ", filter.status().message()));
    }
  }
  if (!filter.ok()) {
    return ToGrpcStatus(filter.status());
  }
  if (!request->totals_by().empty()) {
    absl::StatusOr<std::vector<int>> columns = ColumnsByName(
        std::vector<std::string>(request->totals_by().begin(), request->totals_by().end()));
    absl::StatusOr<Table> totals =
        columns.ok() ? QueryTotals(*node_->logs, *filter, *columns) : columns.status();
    return totals.ok() ? WriteTable(*totals, *writer) : ToGrpcStatus(totals.status());
  }
  // Cells are streamed as they are read: the whole answer is never held at once.
  const bool provenance = request->provenance();
  v1::TableChunk chunk;
  chunk.mutable_columns()->Add(std::begin(kCellColumns), std::end(kCellColumns));
  if (provenance) {
    chunk.mutable_columns()->Add(std::begin(kProvenanceColumns), std::end(kProvenanceColumns));
  }
  const auto add_row = [&](const CellSource& source, const CellLineView& cell) {
    v1::TableChunk::Row* row = chunk.add_rows();
    for (size_t c = 0; c < kCellColumnCount; ++c) {
      row->add_fields(std::string(cell[c]));
    }
    if (provenance) {
      for (std::string& field : ProvenanceFields(source)) {
        row->add_fields(std::move(field));
      }
    }
    if (static_cast<size_t>(chunk.rows_size()) < kRowsPerChunk) {
      return absl::OkStatus();
    }
    if (!writer->Write(chunk)) {
      return absl::CancelledError("the client went away");
    }
    chunk.Clear();
    return absl::OkStatus();
  };
  absl::Status s = provenance
                       ? ForEachCurrentCellWithSource(*node_->logs, *filter, add_row)
                       : ForEachCurrentCell(*node_->logs, *filter, [&](const CellLineView& cell) {
                           return add_row(CellSource(), cell);
                         });
  if (!s.ok()) {
    return ToGrpcStatus(s);
  }
  if (chunk.rows_size() > 0 || chunk.columns_size() > 0) {
    writer->Write(chunk);
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::LatestCheckpoint(grpc::ServerContext* context,
                                            const v1::CheckpointRequest* request,
                                            v1::CheckpointResponse* response) {
  absl::StatusOr<CallerIdentity> caller = CallerSeeing(*context, request->origin(), "checkpoint");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<uint64_t> size = node_->store().LogSize(request->origin());
  absl::StatusOr<v1::StoredCheckpoint> cp =
      size.ok() ? node_->store().LatestCheckpoint(request->origin()) : size.status();
  if (!cp.ok()) {
    return ToGrpcStatus(cp.status());
  }
  response->set_size(*size);
  *response->mutable_checkpoint() = *std::move(cp);
  return grpc::Status::OK;
}

absl::StatusOr<v1::StatusResponse> NodeStatus(const NodeContext& node,
                                              const CallerIdentity& caller) {
  OTS_ASSIGN_OR_RETURN(
      v1::StatusResponse response,
      DescribeNode(node.store(), *node.directory, node.member, node.started_at, caller));
  response.set_version(absl::StrCat(ProjectVersion(), " (", GitRevision(), ")"));
  if (node.peer_statuses) {
    for (v1::PeerStatus& p : node.peer_statuses()) {
      // How far behind a peer this node is on an origin tells that origin's log size: only for
      // origins the caller may see.
      auto* lags = p.mutable_lags();
      lags->erase(std::remove_if(lags->begin(), lags->end(),
                                 [&](const v1::OriginLag& lag) {
                                   return !node.directory->MaySee(caller.member, lag.origin());
                                 }),
                  lags->end());
      *response.add_peers() = std::move(p);
    }
  }
  if (node.clock_check != nullptr) {
    response.set_clock_alarm(node.clock_check->Alarm());
    if (std::optional<ClockCheck::Offset> median = node.clock_check->Median()) {
      response.set_clock_offset_ms(absl::ToInt64Milliseconds(median->median));
      response.set_clock_peers(static_cast<uint32_t>(median->peers));
    }
  }
  if (node.expiries) {
    for (std::string& e : node.expiries()) {
      response.add_expiries(std::move(e));
    }
  }
  if (node.expiry_warnings) {
    for (std::string& w : node.expiry_warnings()) {
      response.add_expiry_warnings(std::move(w));
    }
  }
  if (node.own_log_recovery) {
    response.set_own_log_recovery(node.own_log_recovery());
  }
  absl::Status failure = node.store().WriteFailure();
  if (!failure.ok()) {
    response.set_store_degraded(
        absl::StrCat(absl::IsResourceExhausted(failure) ? "the disk is full" : "writes fail", " (",
                     node.store().FailedWrites(),
                     " failed writes); serving reads, accepting nothing, "
                     "recovering by itself once it can write"));
  }
  // The returns the reporting calendar expects that are overdue.
  // A log that cannot be read for it does not take the rest of the status down (audit says why).
  const absl::Time now = node.clock != nullptr ? node.clock->Now() : absl::Now();
  absl::StatusOr<std::vector<ReportingRow>> calendar = ReportingCalendar(
      node.store(), node.directory->bundle(), now,
      [&](absl::string_view origin) { return node.directory->MaySee(caller.member, origin); });
  for (const ReportingRow& row : calendar.ok() ? *calendar : std::vector<ReportingRow>()) {
    if (row.state != ReportingRow::State::kLate) {
      continue;
    }
    v1::LateReturn* late = response.add_late_returns();
    late->set_origin(row.origin);
    late->set_period(row.period);
    late->set_dataflow(row.dataflow);
    late->set_due_at(Rfc3339(row.due));
    late->set_late_seconds(static_cast<uint64_t>(absl::ToInt64Seconds(row.late)));
  }
  return response;
}

grpc::Status QueryService::Status(grpc::ServerContext* context,
                                  const v1::StatusRequest* /*request*/,
                                  v1::StatusResponse* response) {
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<v1::StatusResponse> status = NodeStatus(*node_, *caller);
  if (!status.ok()) {
    return ToGrpcStatus(status.status());
  }
  *response = *std::move(status);
  return grpc::Status::OK;
}

grpc::Status QueryService::Prove(grpc::ServerContext* context, const v1::ProveRequest* request,
                                 v1::ProveResponse* response) {
  absl::StatusOr<CallerIdentity> caller = CallerSeeing(*context, request->origin(), "prove");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<CellFilter> selection = CellFilterFromWire(request->cell());
  if (selection.ok()) {
    // The opening of a sealed cell only to a caller the origin entitles to it.
    selection->open_all = false;
    if (node_->directory->MaySeeConfidential(caller->member, request->origin())) {
      selection->open_origins.push_back(request->origin());
    }
  }
  absl::StatusOr<ProofFiles> files =
      selection.ok() ? BuildCellProof(*node_->logs, *node_->directory, request->origin(),
                                      request->period(), *selection)
                     : selection.status();
  if (!files.ok()) {
    return ToGrpcStatus(files.status());
  }
  for (auto& [name, contents] : *files) {
    v1::ProofFile* f = response->add_files();
    f->set_name(name);
    f->set_contents(std::move(contents));
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::Consolidated(grpc::ServerContext* context,
                                        const v1::ConsolidatedRequest* request,
                                        v1::ConsolidatedResponse* response) {
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  // Naming an origin that does not share with the caller is refused, as in Cells; the others
  // are left out of the table silently.
  for (auto it = request->at_sizes().begin(); caller.ok() && it != request->at_sizes().end();
       ++it) {
    caller = CallerSeeing(*context, it->first, "consolidated");
  }
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<v1::ConsolidatedResponse> table = Consolidate(
      *node_->logs, *request,
      [&](absl::string_view origin) { return node_->directory->MaySee(caller->member, origin); },
      [&](absl::string_view origin) {
        return node_->directory->MaySeeConfidential(caller->member, origin);
      });
  if (!table.ok()) {
    return ToGrpcStatus(table.status());
  }
  // Disclosure control: what leaves for anyone but the Secretariat is the published table.
  const v1::Member* member = node_->directory->Find(caller->member);
  if (request->publish() || member == nullptr || member->role() != v1::SECRETARIAT) {
    if (absl::Status s = Publish(PolicyOf(node_->directory->bundle()), &*table); !s.ok()) {
      return ToGrpcStatus(s);
    }
  }
  *response = *std::move(table);
  response->set_computed_at(Rfc3339(node_->clock->Now()));
  return grpc::Status::OK;
}

grpc::Status QueryService::SignedReturn(grpc::ServerContext* context,
                                        const v1::SignedReturnRequest* request,
                                        grpc::ServerWriter<v1::SignedReturnChunk>* writer) {
  absl::StatusOr<CallerIdentity> caller =
      CallerSeeing(*context, request->origin(), "signed return");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  return ToGrpcStatus(ServeSignedReturn(
      *node_->logs, *request,
      [&](const v1::SignedReturnChunk& chunk) { return writer->Write(chunk); },
      node_->directory->MaySeeConfidential(caller->member, request->origin())));
}

grpc::Status QueryService::Log(grpc::ServerContext* context, const v1::LogRequest* request,
                               grpc::ServerWriter<v1::TableChunk>* writer) {
  absl::StatusOr<CallerIdentity> caller =
      request->origin().empty() ? CallerOf(*context)
                                : CallerSeeing(*context, request->origin(), "log listing");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  std::vector<std::string> origins;
  if (!request->origin().empty()) {
    origins.push_back(request->origin());
  } else {
    absl::StatusOr<std::vector<std::string>> held = node_->store().Origins();
    if (!held.ok()) {
      return ToGrpcStatus(held.status());
    }
    for (std::string& o : *held) {
      if (node_->directory->MaySee(caller->member, o)) {
        origins.push_back(std::move(o));
      }
    }
  }
  absl::StatusOr<Table> table = LogListing(*node_->logs, origins);
  return table.ok() ? WriteTable(*table, *writer) : ToGrpcStatus(table.status());
}

grpc::Status QueryService::Calendar(grpc::ServerContext* context,
                                    const v1::CalendarRequest* /*request*/,
                                    grpc::ServerWriter<v1::TableChunk>* writer) {
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<std::vector<ReportingRow>> rows = ReportingCalendar(
      node_->store(), node_->directory->bundle(), node_->clock->Now(),
      [&](absl::string_view origin) { return node_->directory->MaySee(caller->member, origin); });
  return rows.ok() ? WriteTable(CalendarTable(*rows), *writer) : ToGrpcStatus(rows.status());
}

}  // namespace ots
