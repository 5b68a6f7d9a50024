// The Federation service (node/rpc/federation_service.h, docs/federation.md §2) of a real KZ node
// in this process, called over real gRPC with mutual TLS as other members' nodes
// (tests/fakes/test_server.h). KZ holds its own log and AZ's (two returns, replicated before the
// node starts); AZ shares with KZ and the Secretariat only, so HU's node may see KZ but not AZ.
//   Checkpoints and Watch answer only the origins the caller may see; Watch answers at once, again
//   when the store changes (the keepalive is an hour: only the change can make it answer), and
//   ends with OK when the node stops;
//   Pull serves the entries after the caller's size with a consistency proof from its checkpoint,
//   which a receiver verifies and stores; it refuses a caller the origin does not share with;
//   Cosign refuses such a caller too, and otherwise returns a cosignature line that verifies
//   under KZ's witness key, and is kept with the checkpoint.
#include "node/rpc/federation_service.h"

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "grpcpp/grpcpp.h"
#include "node/log/checkpoint.h"
#include "node/log/names.h"
#include "proto/services.grpc.pb.h"
#include "sync/federation.h"
#include "sync/replica.h"
#include "tests/fakes/rpc_calls.h"
#include "tests/fakes/test_server.h"

namespace ots {
namespace {

using Channel = std::shared_ptr<grpc::Channel>;

// origin -> log size, as an answer announces them.
std::map<std::string, uint64_t> Sizes(const v1::CheckpointsResponse& r) {
  std::map<std::string, uint64_t> out;
  for (const v1::OriginCheckpoint& o : r.origins()) {
    out[o.origin()] = o.size();
  }
  return out;
}

struct KzNode {
  TestFederation fed;
  std::unique_ptr<TestServer> server;
  std::unique_ptr<Directory> directory;

  KzNode() {
    fed.ShareOnly("AZ", {"KZ", "OTS"});
    fed.Publish("KZ", Return("AZ", "2020", 100));
    fed.Publish("KZ", Return("AZ", "2021", 200));
    fed.Publish("KZ", Return("KZ", "2020", 300));
    directory = std::make_unique<Directory>(fed.Bundle());
    server = std::make_unique<TestServer>(fed, "KZ");
  }
  Channel As(const std::string& member) { return server->ChannelAs(member, "node"); }

  v1::CheckpointsResponse Checkpoints(const std::string& member) {
    v1::CheckpointsResponse response;
    grpc::Status s = CallCheckpoints(As(member), &response);
    INFO(member << ": " << s.error_message());
    REQUIRE(s.ok());
    return response;
  }
  // The checkpoint of `origin` that KZ's node announces to the Secretariat's.
  v1::StoredCheckpoint Announced(const std::string& origin) {
    const v1::CheckpointsResponse all = Checkpoints("OTS");
    for (const v1::OriginCheckpoint& o : all.origins()) {
      if (o.origin() == origin) {
        return o.checkpoint();
      }
    }
    FAIL("KZ's node does not announce " << origin);
    return {};
  }

  // One pull of AZ from `from` (at most `max_entries`, 0 for the node's limit) as `member`'s
  // node, assembled as a receiving node assembles it.
  grpc::Status Pull(const std::string& member, uint64_t from, uint64_t max_entries,
                    PulledBatch* out) {
    v1::PullRequest request;
    request.set_origin("AZ");
    request.set_from(from);
    request.set_max_entries(max_entries);
    PullAssembler assembler(request.origin(), request.headers_only());
    absl::Status assembled = absl::OkStatus();
    grpc::Status s = CallPull(As(member), request, [&](const v1::PullChunk& chunk) {
      if (assembled.ok()) {
        assembled = assembler.Add(chunk);
      }
    });
    if (s.ok()) {
      INFO(assembled.ToString());
      REQUIRE(assembled.ok());
      absl::StatusOr<PulledBatch> batch = assembler.Finish();
      REQUIRE(batch.ok());
      *out = *std::move(batch);
    }
    return s;
  }

  grpc::Status Cosign(const std::string& member, const std::string& origin, const std::string& note,
                      std::string* out_line) {
    v1::CosignResponse response;
    grpc::Status s = CallCosign(As(member), origin, note, &response);
    *out_line = response.cosignature_line();
    return s;
  }
};

TEST_CASE("Checkpoints answers the origins the caller may see, each signed by its origin",
          "[rpc][federation]") {
  KzNode kz;
  using Sizes_ = std::map<std::string, uint64_t>;
  for (const auto& [caller, want] : {std::pair<std::string, Sizes_>{"AZ", {{"AZ", 2}, {"KZ", 1}}},
                                     {"OTS", {{"AZ", 2}, {"KZ", 1}}},
                                     {"KZ", {{"AZ", 2}, {"KZ", 1}}},
                                     {"HU", {{"KZ", 1}}}}) {
    INFO("as " << caller << "'s node");
    const v1::CheckpointsResponse r = kz.Checkpoints(caller);
    CHECK(r.member() == "KZ");
    CHECK(Sizes(r) == want);
    for (const v1::OriginCheckpoint& o : r.origins()) {
      absl::StatusOr<VerifiedCheckpoint> cp = VerifyOriginCheckpoint(
          kTestFederation, o.origin(), kz.directory->LogKeys(o.origin()), o.checkpoint().note());
      INFO(cp.status().ToString());
      REQUIRE(cp.ok());
      CHECK(cp->checkpoint.size == o.size());
    }
    CHECK(r.evidence_size() == 0);
  }
}

TEST_CASE("Watch answers at once, again when the store changes, and ends when the node stops",
          "[rpc][federation]") {
  KzNode kz;
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::CheckpointsResponse>> reader;
    v1::CheckpointsResponse last;
  };
  std::map<std::string, Stream> streams;
  for (const std::string caller : {"OTS", "HU"}) {
    Stream& s = streams[caller];
    SetTimeout(s.context);
    s.reader = v1::Federation::NewStub(kz.As(caller))->Watch(&s.context, v1::WatchRequest());
    REQUIRE(s.reader->Read(&s.last));
  }
  CHECK(Sizes(streams["OTS"].last) == std::map<std::string, uint64_t>{{"AZ", 2}, {"KZ", 1}});
  CHECK(Sizes(streams["HU"].last) == std::map<std::string, uint64_t>{{"KZ", 1}});

  // KZ's operator submits: every watcher that may see KZ hears of the new checkpoint.
  v1::SubmitResponse submitted;
  grpc::Status s = CallSubmit(kz.server->ChannelAs("KZ", "operator"), "kz.csv",
                              ReturnCsv("KZ", "2021", 400), /*dry_run=*/false, &submitted);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(submitted.log_index() == 1);
  for (const std::string caller : {"OTS", "HU"}) {
    INFO(caller);
    Stream& stream = streams[caller];
    REQUIRE(stream.reader->Read(&stream.last));
    CHECK(Sizes(stream.last).at("KZ") == 2);
    CHECK(Sizes(stream.last).count("AZ") == (caller == "OTS" ? 1 : 0));
  }

  // Shutting down stops the service first: each stream ends at once, as a normal end (OK), not
  // cancelled when the grace period runs out.
  std::thread stop([&] { kz.server->Shutdown(absl::Minutes(5)); });
  for (auto& [caller, stream] : streams) {
    INFO(caller);
    while (stream.reader->Read(&stream.last)) {
    }
    grpc::Status ended = stream.reader->Finish();
    INFO(ended.error_message());
    CHECK(ended.ok());
  }
  stop.join();
}

TEST_CASE("Pull serves entries with a consistency proof, and not to a caller the origin refuses",
          "[rpc][federation]") {
  KzNode kz;
  TempDir dir;
  TestNode ots = OpenNode(dir, "ots");
  Replicator replicator(ots.logs.get(), kz.directory.get(), "OTS");

  // Two pulls, as a receiver stopping at each checkpoint makes them.
  PulledBatch one;
  REQUIRE(kz.Pull("OTS", 0, 1, &one).ok());
  CHECK(one.start.from() == 0);
  CHECK(one.start.size() == 1);
  CHECK(one.start.consistency_proof_size() == 0);
  REQUIRE(one.batch.entries.size() == 1);
  REQUIRE(replicator.Accept(one.batch).value_or(0) == 1);

  PulledBatch two;
  REQUIRE(kz.Pull("OTS", 1, 0, &two).ok());
  CHECK(two.start.from() == 1);
  CHECK(two.start.size() == 2);
  REQUIRE(two.batch.entries.size() == 1);
  REQUIRE(two.batch.cells.size() == 1);
  CHECK(two.batch.cells[0].size() == 3);
  const std::vector<PublicKey>& keys = kz.directory->LogKeys("AZ");
  absl::StatusOr<VerifiedCheckpoint> old_cp =
      VerifyOriginCheckpoint(kTestFederation, "AZ", keys, one.start.checkpoint_note());
  absl::StatusOr<VerifiedCheckpoint> new_cp =
      VerifyOriginCheckpoint(kTestFederation, "AZ", keys, two.start.checkpoint_note());
  REQUIRE(old_cp.ok());
  REQUIRE(new_cp.ok());
  std::vector<Hash> proof;
  for (const std::string& bytes : two.start.consistency_proof()) {
    Hash h;
    REQUIRE(HashFromBytes(bytes, &h));
    proof.push_back(h);
  }
  CHECK_FALSE(proof.empty());
  CHECK(
      MerkleVerifyConsistency(1, 2, old_cp->checkpoint.root, new_cp->checkpoint.root, proof).ok());
  // The receiver verifies the whole batch against its own log and stores it.
  absl::StatusOr<uint64_t> accepted = replicator.Accept(two.batch);
  INFO(accepted.status().ToString());
  CHECK(accepted.value_or(0) == 2);

  // HU's node may not have AZ's data from anybody: refused, and the refusal logged.
  PulledBatch refused;
  grpc::Status denied = kz.Pull("HU", 1, 0, &refused);
  CHECK(denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(absl::StrContains(denied.error_message(), "AZ does not share its data with HU"));
  CHECK(kz.server->logger().Count("HU/node(HU node): pull refused") == 1);
}

TEST_CASE("Cosign returns a verifiable cosignature only to a caller the origin shares with",
          "[rpc][federation]") {
  KzNode kz;
  // The fixture wrote AZ's log into KZ's folder uncosigned; at start the node cosigns the latest
  // checkpoint of every log it holds that lacks a line by its witness key valid now (the step
  // that carries a witness key rotation across a restart).
  const v1::StoredCheckpoint az = kz.Announced("AZ");
  const PublicKey kz_witness = kz.fed.WitnessKey("KZ").public_key();
  REQUIRE(az.cosignature_lines_size() == 1);
  CHECK(CosignatureVerifies(az.note(), az.cosignature_lines(0), "KZ", kz_witness));

  std::string line;
  grpc::Status denied = kz.Cosign("HU", "AZ", az.note(), &line);
  CHECK(denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(absl::StrContains(denied.error_message(), "AZ does not share its data with HU"));
  CHECK(line.empty());

  for (const std::string caller : {"OTS", "AZ"}) {
    INFO(caller);
    grpc::Status s = kz.Cosign(caller, "AZ", az.note(), &line);
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK(CosignatureVerifies(az.note(), line, "KZ", kz_witness));
    CHECK_FALSE(CosignatureVerifies(az.note(), line, "HU", kz_witness));
  }
  // KZ keeps its cosignature with the checkpoint (once, the one of the start) and serves it.
  const v1::StoredCheckpoint after = kz.Announced("AZ");
  REQUIRE(after.cosignature_lines_size() == 1);
  CHECK(after.cosignature_lines(0) == line);
  CHECK(CosignatureVerifies(az.note(), after.cosignature_lines(0), "KZ", kz_witness));

  // A checkpoint of AZ beyond what KZ holds cannot be witnessed yet; one AZ did not sign is
  // not AZ's.
  absl::StatusOr<Checkpoint> held = ParseCheckpointNote(az.note());
  REQUIRE(held.ok());
  auto signed_note = [&](const PrivateKey& key, uint64_t size) {
    Checkpoint cp = *held;
    cp.size = size;
    Note note{FormatCheckpoint(cp), {}};
    REQUIRE(SignNote(&note, LogName(kTestFederation, "AZ"), key).ok());
    return FormatNote(note);
  };
  CHECK(kz.Cosign("OTS", "AZ", signed_note(kz.fed.LogKey("AZ"), 3), &line).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(kz.Cosign("OTS", "AZ", signed_note(*PrivateKey::Generate(), 2), &line).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace ots
