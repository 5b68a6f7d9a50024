#include "node/rpc/services.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/x509.h"
#include "node/query/consolidate.h"
#include "node/rpc/grpc_status.h"
#include "node/query/prove.h"
#include "node/query/query.h"
#include "node/model/return_csv.h"

namespace ots {
namespace {

// Rows per streamed table part: keeps each message far below gRPC's 4 MiB default.
constexpr size_t kRowsPerChunk = 4096;

std::string Property(const grpc::AuthContext& auth, const char* name) {
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(name);
  return values.empty() ? "" : std::string(values[0].data(), values[0].size());
}

// How an identity the bundle does not know appears in the log.
std::string DescribeUnknown(const grpc::AuthContext& auth, absl::string_view spki) {
  std::string cn = Property(auth, "x509_common_name");
  return absl::StrCat("unknown(CN=", cn.empty() ? "?" : cn, ",key=", spki.substr(0, 16), ")");
}

}  // namespace

absl::StatusOr<CallerIdentity> IdentifyCaller(const grpc::AuthContext& auth,
                                              const Directory& directory) {
  std::string pem = Property(auth, "x509_pem_cert");
  if (pem.empty()) {
    return absl::UnauthenticatedError("the call carries no client certificate");
  }
  absl::StatusOr<std::string> spki = CertificatePemSpkiSha256Hex(pem);
  if (!spki.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("client certificate does not parse: ", spki.status().message()));
  }
  return directory.Identify(*spki);
}

grpc::Status IdentityGate::Process(const InputMetadata& /*auth_metadata*/,
                                   grpc::AuthContext* context,
                                   OutputMetadata* /*consumed_auth_metadata*/,
                                   OutputMetadata* /*response_metadata*/) {
  absl::StatusOr<CallerIdentity> caller = IdentifyCaller(*context, *directory_);
  if (caller.ok()) {
    return grpc::Status::OK;
  }
  std::string pem = Property(*context, "x509_pem_cert");
  absl::StatusOr<std::string> spki = CertificatePemSpkiSha256Hex(pem);
  logger_->Log(LogLevel::kWarn, DescribeUnknown(*context, spki.ok() ? *spki : ""),
               absl::StrCat("call refused: ", caller.status().message()));
  return ToGrpcStatus(caller.status());
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

grpc::Status SubmissionService::Handle(grpc::ServerContext* context,
                                       grpc::ServerReader<v1::SubmitChunk>* reader, bool dry_run,
                                       v1::SubmitResponse* response) {
  const char* verb = dry_run ? "validate" : "submit";
  absl::StatusOr<CallerIdentity> caller =
      IdentifyCaller(*context->auth_context(), *node_->directory);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const std::string who = caller->Describe();
  absl::Status allowed = node_->directory->AuthorizeSubmit(*caller, node_->member);
  if (!allowed.ok()) {
    node_->logger->Log(LogLevel::kWarn, who, absl::StrCat(verb, " denied: ", allowed.message()));
    return ToGrpcStatus(allowed);
  }
  if (!dry_run && node_->publisher == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "this node signs no returns (the Secretariat aggregates only)");
  }

  v1::SubmitChunk chunk;
  if (!reader->Read(&chunk) || !chunk.has_start()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "a submission starts with its file name and size");
  }
  const std::string file_name =
      chunk.start().file_name().empty() ? "return.csv" : chunk.start().file_name();
  if (chunk.start().total_bytes() > node_->max_return_bytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(file_name, ": ", chunk.start().total_bytes(),
                                     " bytes; this node accepts returns of at most ",
                                     node_->max_return_bytes, " bytes (max_return_bytes)"));
  }
  std::string contents;
  contents.reserve(chunk.start().total_bytes());
  while (reader->Read(&chunk)) {
    if (!chunk.has_data()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "a submission has one start message, then only data");
    }
    if (contents.size() + chunk.data().size() > node_->max_return_bytes) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat(file_name, ": more than ", node_->max_return_bytes,
                                       " bytes; this node accepts no larger return"));
    }
    contents.append(chunk.data());
  }
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the submission");
  }

  std::vector<std::string> problems;
  absl::StatusOr<ParsedReturn> ret = ParseReturnCsv(file_name, contents, node_->member, &problems);
  if (!ret.ok()) {
    node_->logger->Log(
        LogLevel::kWarn, who,
        absl::StrCat(verb, " rejected ", file_name, ": ", problems.size(), " problem(s), first: ",
                     problems.empty() ? ret.status().message() : problems[0]));
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(file_name, " rejected: ", problems.size(),
                                     problems.size() == 1 ? " problem" : " problems",
                                     ", nothing stored\n", absl::StrJoin(problems, "\n")));
  }
  response->set_origin(ret->origin);
  response->set_period(ret->period);
  response->set_cell_count(ret->lines.size());
  response->set_value_sum(ret->value_sum);
  if (dry_run) {
    node_->logger->Log(LogLevel::kInfo, who,
                       absl::StrCat("validated ", file_name, ": ", ret->origin, " ", ret->period,
                                    ", ", ret->lines.size(), " cells"));
    return grpc::Status::OK;
  }
  absl::StatusOr<PublishResult> published = node_->publisher->Publish(*ret);
  if (!published.ok()) {
    node_->logger->Log(
        LogLevel::kError, who,
        absl::StrCat("submit of ", file_name, " failed: ", published.status().message()));
    return ToGrpcStatus(published.status());
  }
  *response->mutable_header() = published->header;
  response->set_log_index(published->log_index);
  response->set_checkpoint_note(published->checkpoint_note);
  node_->logger->Log(LogLevel::kInfo, who,
                     absl::StrCat("accepted ", file_name, ": ", ret->origin, " ", ret->period,
                                  " revision ", published->header.revision(), ", ",
                                  ret->lines.size(), " cells, log entry ", published->log_index));
  return grpc::Status::OK;
}

grpc::Status QueryService::Cells(grpc::ServerContext* context, const v1::CellsRequest* request,
                                 grpc::ServerWriter<v1::TableChunk>* writer) {
  absl::StatusOr<CallerIdentity> caller =
      IdentifyCaller(*context->auth_context(), *node_->directory);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  std::vector<std::string> specs;
  for (const v1::ColumnFilter& f : request->filters()) {
    specs.push_back(absl::StrCat(f.column(), "=", absl::StrJoin(f.codes(), ",")));
  }
  absl::StatusOr<CellFilter> filter = ParseCellFilter(specs);
  if (!filter.ok()) {
    return ToGrpcStatus(filter.status());
  }
  // The caller sees only the origins that share with it.
  std::vector<std::string>& areas = filter->allowed[0];
  if (areas.empty()) {
    absl::StatusOr<std::vector<std::string>> origins = node_->store->Origins();
    if (!origins.ok()) {
      return ToGrpcStatus(origins.status());
    }
    for (const std::string& o : *origins) {
      if (node_->directory->MaySee(caller->member, o)) {
        areas.push_back(o);
      }
    }
    if (areas.empty()) {
      areas.push_back("");  // matches no cell
    }
  } else {
    for (const std::string& o : areas) {
      if (!node_->directory->MaySee(caller->member, o)) {
        node_->logger->Log(
            LogLevel::kWarn, caller->Describe(),
            absl::StrCat("query denied: ", o, " does not share with ", caller->member));
        return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                            absl::StrCat(o, " does not share its data with ", caller->member));
      }
    }
  }
  absl::StatusOr<Table> table;
  if (request->totals_by().empty()) {
    table = QueryCells(*node_->store, *filter);
  } else {
    absl::StatusOr<std::vector<int>> columns =
        ParseColumnList(absl::StrJoin(request->totals_by(), ","));
    if (!columns.ok()) {
      return ToGrpcStatus(columns.status());
    }
    table = QueryTotals(*node_->store, *filter, *columns);
  }
  if (!table.ok()) {
    return ToGrpcStatus(table.status());
  }
  v1::TableChunk chunk;
  for (const std::string& c : table->columns) {
    chunk.add_columns(c);
  }
  for (const std::string& n : table->notes) {
    chunk.add_notes(n);
  }
  for (const std::vector<std::string>& row : table->rows) {
    v1::TableChunk::Row* r = chunk.add_rows();
    for (const std::string& field : row) {
      r->add_fields(field);
    }
    if (static_cast<size_t>(chunk.rows_size()) == kRowsPerChunk) {
      if (!writer->Write(chunk)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      }
      chunk.Clear();
    }
  }
  if (chunk.rows_size() > 0 || chunk.columns_size() > 0) {
    writer->Write(chunk);
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::LatestCheckpoint(grpc::ServerContext* context,
                                            const v1::CheckpointRequest* request,
                                            v1::CheckpointResponse* response) {
  absl::StatusOr<CallerIdentity> caller =
      IdentifyCaller(*context->auth_context(), *node_->directory);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  if (!node_->directory->MaySee(caller->member, request->origin())) {
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat(request->origin(), " does not share its data with ", caller->member));
  }
  absl::StatusOr<uint64_t> size = node_->store->LogSize(request->origin());
  if (!size.ok()) {
    return ToGrpcStatus(size.status());
  }
  absl::StatusOr<v1::StoredCheckpoint> cp = node_->store->LatestCheckpoint(request->origin());
  if (!cp.ok()) {
    return ToGrpcStatus(cp.status());
  }
  response->set_size(*size);
  *response->mutable_checkpoint() = std::move(*cp);
  return grpc::Status::OK;
}

grpc::Status QueryService::Status(grpc::ServerContext* context,
                                  const v1::StatusRequest* /*request*/,
                                  v1::StatusResponse* response) {
  absl::StatusOr<CallerIdentity> caller =
      IdentifyCaller(*context->auth_context(), *node_->directory);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const v1::TrustBundle& bundle = node_->directory->bundle();
  const v1::Member* self = node_->directory->Find(node_->member);
  response->set_member(node_->member);
  response->set_role(std::string(RoleName(self == nullptr ? v1::ROLE_UNSPECIFIED : self->role())));
  response->set_federation(bundle.federation());
  response->set_bundle_version(bundle.version());
  response->set_caller_member(caller->member);
  response->set_caller_kind(std::string(KindName(caller->kind)));
  response->set_started_at(node_->started_at);
  absl::StatusOr<std::vector<std::string>> origins = node_->store->Origins();
  if (!origins.ok()) {
    return ToGrpcStatus(origins.status());
  }
  for (const std::string& o : *origins) {
    if (!node_->directory->MaySee(caller->member, o)) {
      continue;
    }
    v1::OriginStatus* s = response->add_origins();
    s->set_origin(o);
    absl::StatusOr<uint64_t> size = node_->store->LogSize(o);
    absl::StatusOr<v1::StoredCheckpoint> cp = node_->store->LatestCheckpoint(o);
    if (!size.ok() || !cp.ok()) {
      return ToGrpcStatus(size.ok() ? cp.status() : size.status());
    }
    s->set_log_size(*size);
    s->set_checkpoint_note(cp->note());
    for (absl::string_view line : cp->cosignature_lines()) {
      // "— ots-mx/witness/KZ <base64>\n": the stored lines were verified when they came in.
      constexpr absl::string_view kWitnessPrefix = "\xE2\x80\x94 ots-mx/witness/";
      if (absl::StartsWith(line, kWitnessPrefix)) {
        line.remove_prefix(kWitnessPrefix.size());
        s->add_cosigned_by(std::string(line.substr(0, line.find(' '))));
      }
    }
  }
  absl::StatusOr<std::vector<v1::Evidence>> evidence = node_->store->ListEvidence("");
  if (!evidence.ok()) {
    return ToGrpcStatus(evidence.status());
  }
  for (v1::Evidence& e : *evidence) {
    if (node_->directory->MaySee(caller->member, e.origin())) {
      *response->add_alarms() = std::move(e);
    }
  }
  if (node_->peer_statuses) {
    for (v1::PeerStatus& p : node_->peer_statuses()) {
      *response->add_peers() = std::move(p);
    }
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::Prove(grpc::ServerContext* context, const v1::ProveRequest* request,
                                 v1::ProveResponse* response) {
  absl::StatusOr<CallerIdentity> caller =
      IdentifyCaller(*context->auth_context(), *node_->directory);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const std::string& origin = request->origin();
  if (!node_->directory->MaySee(caller->member, origin)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat(origin, " does not share its data with ", caller->member));
  }
  std::vector<std::string> specs;
  for (const v1::ColumnFilter& f : request->cell()) {
    specs.push_back(absl::StrCat(f.column(), "=", absl::StrJoin(f.codes(), ",")));
  }
  absl::StatusOr<CellFilter> selection = ParseCellFilter(specs);
  if (!selection.ok()) {
    return ToGrpcStatus(selection.status());
  }
  // The proof names the key the origin's log is bound to, which must be one the bundle lists.
  absl::StatusOr<std::string> pem = node_->store->GetMeta(absl::StrCat(kLogPublicKeyMeta, origin));
  if (!pem.ok()) {
    return absl::IsNotFound(pem.status())
               ? grpc::Status(grpc::StatusCode::NOT_FOUND,
                              absl::StrCat("this node holds no log of ", origin))
               : ToGrpcStatus(pem.status());
  }
  absl::StatusOr<PublicKey> key = PublicKey::FromPem(*pem);
  if (!key.ok()) {
    return ToGrpcStatus(key.status());
  }
  const v1::Member* member = node_->directory->Find(origin);
  const bool listed =
      member != nullptr &&
      std::any_of(member->log_keys().begin(), member->log_keys().end(),
                  [&](const v1::PublicKeyEntry& e) { return e.ed25519() == key->raw(); });
  if (!listed) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("the log of ", origin, " is signed with key ", key->KeyId(),
                                     ", which the trust bundle does not list"));
  }
  absl::StatusOr<ProofFiles> files =
      BuildCellProof(*node_->store, origin, request->period(), *selection, *key);
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
  absl::StatusOr<CallerIdentity> caller =
      IdentifyCaller(*context->auth_context(), *node_->directory);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  // Naming an origin that does not share with the caller is refused, as in Cells; the others
  // are left out of the table silently.
  for (const auto& [origin, size] : request->at_sizes()) {
    if (!node_->directory->MaySee(caller->member, origin)) {
      node_->logger->Log(
          LogLevel::kWarn, caller->Describe(),
          absl::StrCat("consolidated denied: ", origin, " does not share with ", caller->member));
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          absl::StrCat(origin, " does not share its data with ", caller->member));
    }
  }
  absl::StatusOr<v1::ConsolidatedResponse> table = Consolidate(
      *node_->store, *request,
      [&](absl::string_view origin) { return node_->directory->MaySee(caller->member, origin); });
  if (!table.ok()) {
    return ToGrpcStatus(table.status());
  }
  *response = *std::move(table);
  return grpc::Status::OK;
}

}  // namespace ots
