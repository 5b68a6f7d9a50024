// ots_liar: a lying Secretariat for the integration tests. A gRPC server presenting a node's real
// certificate (the Secretariat's, from pki init) with mutual TLS 1.3, whose Query service passes
// every call on to the real node and alters exactly one figure of every consolidated table it
// passes back, keeping the table's totals consistent with it: only the origins' signed returns
// can show the lie. The honest ots-node is not changed to lie.
//
//   ots_liar --config NODE_CONFIG --upstream CLIENT_CONFIG --alter ROW,COLUMN,DELTA
//            [--listen HOST:PORT] [--ready-file FILE]
//       NODE_CONFIG: the node configuration whose TLS identity (certificate, key, CA) the liar
//       presents. CLIENT_CONFIG: how it calls the real node (its node_address). --alter AZ,UZ,1
//       adds 1 to the figure of row AZ, column UZ, and to AZ's row total, UZ's column total and the
//       grand total. Listens on --listen (default 127.0.0.1:0) and writes the address it serves on
//       to --ready-file. Runs until killed.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/files.h"
#include "grpcpp/grpcpp.h"
#include "node/rpc/client.h"
#include "node/rpc/grpc_status.h"
#include "node/rpc/tls.h"
#include "node/trust/config.h"
#include "proto/services.grpc.pb.h"
#include "tests/tools/node_identity_server.h"

namespace ots {
namespace {

// The one figure the liar changes.
struct Lie {
  std::string row;     // REF_AREA
  std::string column;  // CITIZEN
  int64_t delta = 0;
};

// Adds `delta` to `f` if it has a value.
void Shift(v1::ConsolidatedResponse::Figure* f, int64_t delta) {
  if (f->has_value()) {
    f->set_value(f->value() + static_cast<uint64_t>(delta));
  }
}

// Tells `lie` in `table`, with the totals made to agree with it. False if the table has no such
// figure.
bool Tell(const Lie& lie, v1::ConsolidatedResponse* table) {
  int column = -1;
  for (int c = 0; c < table->citizens_size(); ++c) {
    if (table->citizens(c) == lie.column) {
      column = c;
    }
  }
  for (v1::ConsolidatedResponse::Row& row : *table->mutable_rows()) {
    if (row.ref_area() != lie.row || column < 0 || column >= row.figures_size() ||
        !row.figures(column).has_value()) {
      continue;
    }
    Shift(row.mutable_figures(column), lie.delta);
    Shift(row.mutable_total(), lie.delta);
    if (column < table->column_totals_size()) {
      Shift(table->mutable_column_totals(column), lie.delta);
    }
    Shift(table->mutable_grand_total(), lie.delta);
    return true;
  }
  return false;
}

class LyingQuery final : public v1::Query::Service {
 public:
  LyingQuery(std::unique_ptr<NodeClient> upstream, Lie lie)
      : upstream_(std::move(upstream)), lie_(std::move(lie)) {}

  grpc::Status Cells(grpc::ServerContext*, const v1::CellsRequest* request,
                     grpc::ServerWriter<v1::TableChunk>* writer) override {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Table> table = upstream_->Cells(*request);
    if (!table.ok()) {
      return ToGrpcStatus(table.status());
    }
    v1::TableChunk chunk;
    chunk.mutable_columns()->Add(table->columns.begin(), table->columns.end());
    chunk.mutable_notes()->Add(table->notes.begin(), table->notes.end());
    for (const std::vector<std::string>& row : table->rows) {
      chunk.add_rows()->mutable_fields()->Add(row.begin(), row.end());
    }
    writer->Write(chunk);
    return grpc::Status::OK;
  }
  grpc::Status LatestCheckpoint(grpc::ServerContext*, const v1::CheckpointRequest* request,
                                v1::CheckpointResponse* response) override {
    absl::MutexLock lock(&mu_);
    return Pass(upstream_->LatestCheckpoint(request->origin()), response);
  }
  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest*,
                      v1::StatusResponse* response) override {
    absl::MutexLock lock(&mu_);
    return Pass(upstream_->Status(), response);
  }
  grpc::Status Prove(grpc::ServerContext*, const v1::ProveRequest* request,
                     v1::ProveResponse* response) override {
    absl::MutexLock lock(&mu_);
    return Pass(upstream_->Prove(*request), response);
  }
  grpc::Status Consolidated(grpc::ServerContext*, const v1::ConsolidatedRequest* request,
                            v1::ConsolidatedResponse* response) override {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<v1::ConsolidatedResponse> table = upstream_->Consolidated(*request);
    if (table.ok() && !Tell(lie_, &*table)) {
      std::cerr << "ots_liar: the table has no figure " << lie_.row << " x " << lie_.column
                << " to alter\n";
    }
    return Pass(std::move(table), response);
  }
  grpc::Status SignedReturn(grpc::ServerContext*, const v1::SignedReturnRequest* request,
                            grpc::ServerWriter<v1::SignedReturnChunk>* writer) override {
    absl::MutexLock lock(&mu_);
    return ToGrpcStatus(upstream_->SignedReturn(*request, [&](const v1::SignedReturnChunk& chunk) {
      return writer->Write(chunk) ? absl::OkStatus() : absl::CancelledError("caller gone");
    }));
  }

 private:
  template <typename Response>
  static grpc::Status Pass(absl::StatusOr<Response> got, Response* response) {
    if (!got.ok()) {
      return ToGrpcStatus(got.status());
    }
    *response = *std::move(got);
    return grpc::Status::OK;
  }

  // NodeClient is thread-compatible and gRPC may run calls at once: one call upstream at a time.
  absl::Mutex mu_;
  std::unique_ptr<NodeClient> upstream_ ABSL_GUARDED_BY(mu_);
  const Lie lie_;
};

int Fail(absl::string_view what) {
  std::cerr << "ots_liar: " << what << "\n";
  return 2;
}

int Main(int argc, char** argv) {
  RestrictTlsToVersion13();
  std::map<std::string, std::string> f = {{"listen", "127.0.0.1:0"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    f[std::string(argv[i]).substr(2)] = argv[i + 1];
  }
  std::vector<std::string> alter = absl::StrSplit(f["alter"], ',');
  Lie lie;
  if (alter.size() != 3 || !absl::SimpleAtoi(alter[2], &lie.delta)) {
    return Fail("--alter ROW,COLUMN,DELTA (e.g. AZ,UZ,1) is required");
  }
  lie.row = alter[0];
  lie.column = alter[1];
  absl::StatusOr<v1::NodeConfig> node = LoadNodeConfig(f["config"]);
  absl::StatusOr<v1::ClientConfig> upstream_config = LoadClientConfig(f["upstream"]);
  if (!node.ok() || !upstream_config.ok()) {
    return Fail(!node.ok() ? node.status().message() : upstream_config.status().message());
  }
  absl::StatusOr<std::unique_ptr<NodeClient>> upstream =
      NodeClient::Connect(*upstream_config, "", absl::Seconds(10));
  absl::StatusOr<NodeTlsFiles> tls = ReadNodeTls(*node);
  if (!upstream.ok() || !tls.ok()) {
    return Fail(!upstream.ok() ? upstream.status().message() : tls.status().message());
  }
  LyingQuery query(*std::move(upstream), lie);
  return Fail(ServeAsNode(*tls, f["listen"], &query, f["ready-file"]).message());
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
