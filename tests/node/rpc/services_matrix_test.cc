// Who may call what (DESIGN §4, docs/federation.md §1): every RPC of Submission, Query, Federation
// and grpc.health.v1.Health, called on a real AZ node in this process over real gRPC with mutual
// TLS 1.3 (tests/fakes/test_server.h), as each identity of the federation, as a certificate of the
// federation CA that the bundle does not list, and without a client certificate. AZ's data goes to
// KZ and the Secretariat but not to HU (a bundle version 2 narrows pki init's share-with-all).
//   Submission  an operator of AZ only (each state submits to, backs up and pushes a trust bundle
//               to its own node);
//   Query       any member identity, limited to origins that share with the caller: naming AZ is
//               refused to HU's identities (Cells, LatestCheckpoint, Prove, Consolidated,
//               SignedReturn);
//   Federation  node identities only; Pull, Watch and Cosign of AZ not to HU's node; TrustBundle
//               to any member identity (the bundle is signed);
//   Health      any member identity.
// The gate refuses the unlisted certificate everywhere; without a certificate no call completes
// the TLS handshake.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proto/services.grpc.pb.h"
#include "tests/fakes/rpc_calls.h"
#include "tests/fakes/temp_dir.h"
#include "tests/fakes/test_server.h"

namespace ots {
namespace {

using Channel = NodeChannel;
constexpr grpc::StatusCode OK = grpc::StatusCode::OK;
constexpr grpc::StatusCode DENIED = grpc::StatusCode::PERMISSION_DENIED;
constexpr grpc::StatusCode NO_TLS = grpc::StatusCode::UNAVAILABLE;  // the handshake fails

// The callers, in the order of the matrix's columns.
struct Caller {
  const char* name;
  const char* member;  // nullptr: the stranger or no certificate
  const char* kind;
};
const Caller kCallers[] = {
    {"AZ/node", "AZ", "node"},
    {"AZ/operator", "AZ", "operator"},
    {"AZ/auditor", "AZ", "auditor"},
    {"KZ/node", "KZ", "node"},
    {"KZ/operator", "KZ", "operator"},
    {"KZ/auditor", "KZ", "auditor"},
    {"HU/node", "HU", "node"},
    {"HU/operator", "HU", "operator"},
    {"HU/auditor", "HU", "auditor"},
    {"OTS/node", "OTS", "node"},
    {"OTS/auditor", "OTS", "auditor"},
    {"stranger", nullptr, "stranger"},
    {"no certificate", nullptr, nullptr},
};
constexpr size_t kCallerCount = sizeof(kCallers) / sizeof(kCallers[0]);

// The RPCs, each made once with fixed arguments naming origin AZ where there is one.
struct Rpc {
  const char* name;
  std::function<grpc::Status(const Channel&)> call;
  grpc::StatusCode want[kCallerCount];
};

grpc::Status Cells(const Channel& channel, const std::vector<std::string>& origins) {
  v1::CellsRequest request;
  if (!origins.empty()) {
    v1::ColumnFilter* f = request.add_filters();
    f->set_column("REF_AREA");
    f->mutable_codes()->Add(origins.begin(), origins.end());
  }
  return CallCells(channel, request);
}

// The proof of AZ's 2020 cell CITIZEN=TJ SEX=F.
grpc::Status Prove(const Channel& channel) {
  v1::ProveRequest request;
  request.set_origin("AZ");
  request.set_period("2020");
  for (const auto& [column, code] : {std::pair{"CITIZEN", "TJ"}, std::pair{"SEX", "F"}}) {
    v1::ColumnFilter* f = request.add_cell();
    f->set_column(column);
    f->add_codes(code);
  }
  return CallProve(channel, request);
}

// The consolidated table of 2020, naming AZ's log size if `name_az`.
grpc::Status Consolidated(const Channel& channel, bool name_az) {
  v1::ConsolidatedRequest request;
  request.set_period("2020");
  if (name_az) {
    (*request.mutable_at_sizes())["AZ"] = 1;
  }
  return CallConsolidated(channel, request);
}

// The signed data of AZ's 2020 row at log size 1.
grpc::Status SignedReturnAz(const Channel& channel) {
  v1::SignedReturnRequest request;
  request.set_origin("AZ");
  request.set_size(1);
  request.set_period("2020");
  return CallSignedReturn(channel, request);
}

grpc::Status Submit(const Channel& channel, bool dry_run) {
  return CallSubmit(channel, "az.csv", ReturnCsv("AZ", "2021", 42), dry_run);
}

grpc::Status PullAz(const Channel& channel) {
  v1::PullRequest request;
  request.set_origin("AZ");
  return CallPull(channel, request);
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// AZ's node, holding one AZ return of 2020 under a bundle in which AZ shares with KZ and OTS.
struct AzNode {
  TestFederation fed;
  std::unique_ptr<TestServer> server;
  std::vector<Channel> channels;  // one per kCallers entry
  ClientIdentity stranger = fed.Issue("stranger");

  AzNode() {
    fed.ShareOnly("AZ", {"KZ", "OTS"});
    // Nobody cosigns here: a proof needs no witness (the quorum has its own tests).
    fed.EditBundle([](v1::TrustBundle& b) { b.set_witness_quorum(0); });
    fed.Publish("AZ", Return("AZ", "2020", 100));
    server = std::make_unique<TestServer>(fed, "AZ");
    for (const Caller& c : kCallers) {
      channels.push_back(c.member != nullptr ? server->ChannelAs(c.member, c.kind)
                         : c.kind != nullptr ? server->Channel(&stranger)
                                             : server->Channel(nullptr));
    }
  }

  // AZ's latest checkpoint note, as AZ's auditor reads it.
  std::string AzNote() {
    v1::CheckpointResponse response;
    REQUIRE(CallLatestCheckpoint(channels[2], "AZ", &response).ok());
    return response.checkpoint().note();
  }
};

TEST_CASE("every RPC answers exactly the identities it is for", "[rpc][matrix]") {
  AzNode az;
  const std::string note = az.AzNote();
  TempDir backups;
  int backup_count = 0;  // each backup goes into a new folder
  auto backup = [&](const Channel& c) {
    return CallBackup(c, backups.File(absl::StrCat("b", ++backup_count)));
  };
  const std::string held = *ReadFile(az.fed.Path("federation/trust-bundle.json"));
  auto push = [&held](const Channel& c) { return CallPushBundle(c, held); };
  // clang-format off
  const Rpc kMatrix[] = {
      //AZ/node  operator auditor   KZ/node  operator auditor   HU/node  operator auditor   OTS/node auditor   stranger none
      {"Submission.Submit", [](const Channel& c) { return Submit(c, false); },
       {DENIED,  OK,      DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,   DENIED,  NO_TLS}},
      {"Submission.Validate", [](const Channel& c) { return Submit(c, true); },
       {DENIED,  OK,      DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,   DENIED,  NO_TLS}},
      {"Submission.Backup", backup,
       {DENIED,  OK,      DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,   DENIED,  NO_TLS}},
      {"Submission.PushBundle (the one held)", push,
       {DENIED,  OK,      DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,  DENIED,   DENIED,  DENIED,   DENIED,  NO_TLS}},
      {"Query.Cells REF_AREA=AZ", [](const Channel& c) { return Cells(c, {"AZ"}); },
       {OK,      OK,      OK,       OK,      OK,      OK,       DENIED,  DENIED,  DENIED,   OK,      OK,       DENIED,  NO_TLS}},
      {"Query.Cells REF_AREA=KZ,AZ", [](const Channel& c) { return Cells(c, {"KZ", "AZ"}); },
       {OK,      OK,      OK,       OK,      OK,      OK,       DENIED,  DENIED,  DENIED,   OK,      OK,       DENIED,  NO_TLS}},
      {"Query.Cells (all visible)", [](const Channel& c) { return Cells(c, {}); },
       {OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,       DENIED,  NO_TLS}},
      {"Query.LatestCheckpoint AZ", [](const Channel& c) { return CallLatestCheckpoint(c, "AZ"); },
       {OK,      OK,      OK,       OK,      OK,      OK,       DENIED,  DENIED,  DENIED,   OK,      OK,       DENIED,  NO_TLS}},
      {"Query.Status", [](const Channel& c) { return CallStatus(c); },
       {OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,       DENIED,  NO_TLS}},
      {"Query.Prove AZ", Prove,
       {OK,      OK,      OK,       OK,      OK,      OK,       DENIED,  DENIED,  DENIED,   OK,      OK,       DENIED,  NO_TLS}},
      {"Query.Consolidated at AZ=1", [](const Channel& c) { return Consolidated(c, true); },
       {OK,      OK,      OK,       OK,      OK,      OK,       DENIED,  DENIED,  DENIED,   OK,      OK,       DENIED,  NO_TLS}},
      {"Query.Consolidated", [](const Channel& c) { return Consolidated(c, false); },
       {OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,       DENIED,  NO_TLS}},
      {"Query.SignedReturn AZ", SignedReturnAz,
       {OK,      OK,      OK,       OK,      OK,      OK,       DENIED,  DENIED,  DENIED,   OK,      OK,       DENIED,  NO_TLS}},
      {"Federation.Checkpoints", [](const Channel& c) { return CallCheckpoints(c); },
       {OK,      DENIED,  DENIED,   OK,      DENIED,  DENIED,   OK,      DENIED,  DENIED,   OK,      DENIED,   DENIED,  NO_TLS}},
      {"Federation.Pull AZ", PullAz,
       {OK,      DENIED,  DENIED,   OK,      DENIED,  DENIED,   DENIED,  DENIED,  DENIED,   OK,      DENIED,   DENIED,  NO_TLS}},
      {"Federation.Watch", [](const Channel& c) { return CallWatchFirst(c); },
       {OK,      DENIED,  DENIED,   OK,      DENIED,  DENIED,   OK,      DENIED,  DENIED,   OK,      DENIED,   DENIED,  NO_TLS}},
      {"Federation.Cosign AZ", [&note](const Channel& c) { return CallCosign(c, "AZ", note); },
       {OK,      DENIED,  DENIED,   OK,      DENIED,  DENIED,   DENIED,  DENIED,  DENIED,   OK,      DENIED,   DENIED,  NO_TLS}},
      {"Federation.TrustBundle", [](const Channel& c) { return CallTrustBundle(c); },
       {OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,       DENIED,  NO_TLS}},
      {"grpc.health.v1.Health.Check", CallHealth,
       {OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,      OK,       OK,      OK,       DENIED,  NO_TLS}},
  };
  // clang-format on
  std::vector<std::string> wrong;
  for (const Rpc& rpc : kMatrix) {
    for (size_t i = 0; i < kCallerCount; ++i) {
      const grpc::Status got = rpc.call(az.channels[i]);
      if (got.error_code() != rpc.want[i]) {
        wrong.push_back(absl::StrCat(rpc.name, " as ", kCallers[i].name, ": got ",
                                     CodeName(got.error_code()), " (", got.error_message(),
                                     "), want ", CodeName(rpc.want[i])));
      }
    }
  }
  CHECK(wrong == std::vector<std::string>{});
}

TEST_CASE("refusals say why, and the node logs the refused caller", "[rpc][matrix]") {
  AzNode az;
  const std::string note = az.AzNote();
  const Channel& az_auditor = az.channels[2];
  const Channel& kz_operator = az.channels[4];
  const Channel& hu_node = az.channels[6];
  const Channel& hu_auditor = az.channels[8];
  const Channel& stranger = az.channels[11];
  v1::CheckpointResponse checkpoint;
  struct Refusal {
    const char* what;
    grpc::Status status;
    const char* says;
    const char* logged;  // nullptr: not logged by the handler
  };
  const Refusal kRefusals[] = {
      {"KZ's operator submitting to AZ's node", Submit(kz_operator, false),
       "operator of KZ may not submit to the node of AZ",
       "KZ/operator(KZ operator): submit denied"},
      {"AZ's auditor submitting", Submit(az_auditor, false), "is not an operator",
       "AZ/auditor(AZ auditor): submit denied"},
      {"HU's auditor asking for AZ's cells", Cells(hu_auditor, {"AZ"}),
       "AZ does not share its data with HU", "HU/auditor(HU auditor): query denied"},
      {"HU's auditor proving an AZ cell", Prove(hu_auditor), "AZ does not share its data with HU",
       "prove denied"},
      {"HU's auditor asking for AZ's checkpoint",
       CallLatestCheckpoint(hu_auditor, "AZ", &checkpoint), "AZ does not share its data with HU",
       "HU/auditor(HU auditor): checkpoint denied"},
      {"HU's auditor asking for AZ's signed return", SignedReturnAz(hu_auditor),
       "AZ does not share its data with HU", "HU/auditor(HU auditor): signed return denied"},
      {"HU's node pulling AZ", PullAz(hu_node), "AZ does not share its data with HU",
       "HU/node(HU node): pull refused"},
      {"HU's node asking for a cosignature of AZ", CallCosign(hu_node, "AZ", note),
       "AZ does not share its data with HU", "cosign refused"},
      {"AZ's auditor asking for checkpoints", CallCheckpoints(az_auditor),
       "Federation.Checkpoints is for member nodes", "AZ/auditor(AZ auditor): Federation"},
      {"a stranger asking for the status", CallStatus(stranger), "is not a member identity",
       nullptr},
  };
  for (const Refusal& r : kRefusals) {
    INFO(r.what << ": " << r.status.error_message());
    CHECK(r.status.error_code() == DENIED);
    CHECK(absl::StrContains(r.status.error_message(), r.says));
    if (r.logged != nullptr) {
      CHECK(az.server->logger().Count(r.logged) == 1);
    }
  }
  // An origin the federation does not have is not found, not "not shared".
  grpc::Status unknown = CallLatestCheckpoint(az_auditor, "XX", &checkpoint);
  CHECK(unknown.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(absl::StrContains(unknown.error_message(), "\"XX\" is no origin of federation ots-mx"));
  unknown = CallLatestCheckpoint(hu_auditor, "OTS", &checkpoint);  // the Secretariat reports none
  CHECK(unknown.error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("a caller that may not see AZ gets none of it where it is not named", "[rpc][matrix]") {
  AzNode az;
  for (size_t i : {size_t{5}, size_t{8}}) {  // KZ's auditor sees AZ, HU's does not
    INFO(kCallers[i].name);
    int rows = 0;
    REQUIRE(CallCells(az.channels[i], v1::CellsRequest(), [&](const v1::TableChunk& chunk) {
              rows += chunk.rows_size();
            }).ok());
    CHECK(rows == (i == 5 ? 3 : 0));
    v1::StatusResponse status;
    REQUIRE(CallStatus(az.channels[i], &status).ok());
    CHECK(status.origins_size() == (i == 5 ? 1 : 0));
  }
}

TEST_CASE("SignedReturn serves what a verifier needs, or says why it cannot", "[rpc][matrix]") {
  AzNode az;
  const Channel& kz_auditor = az.channels[5];
  v1::SignedReturnRequest request;
  request.set_origin("AZ");
  request.set_size(1);
  request.set_period("2020");
  std::vector<v1::SignedReturnChunk::PartCase> parts;
  std::string cells;
  REQUIRE(CallSignedReturn(kz_auditor, request, [&](const v1::SignedReturnChunk& chunk) {
            parts.push_back(chunk.part_case());
            cells += chunk.cells();
          }).ok());
  CHECK(parts == std::vector<v1::SignedReturnChunk::PartCase>{v1::SignedReturnChunk::kStart,
                                                              v1::SignedReturnChunk::kEntry,
                                                              v1::SignedReturnChunk::kCells});
  CHECK(cells ==
        "AZ,2020,KG,_T,_T,_T,3456,A,F,STK\nAZ,2020,TJ,_T,F,_T,100,A,F,STK\n"
        "AZ,2020,TJ,_T,M,_T,7856,A,F,STK\n");

  request.set_origin("KZ");  // KZ shares with everyone, but this node holds no log of it
  grpc::Status s = CallSignedReturn(kz_auditor, request);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(absl::StrContains(s.error_message(), "this node holds no log of KZ"));
  request.set_origin("AZ");
  request.set_size(2);
  s = CallSignedReturn(kz_auditor, request);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StrContains(s.error_message(), "AZ=2 is beyond the end of its log (1 entries"));
  request.set_size(1);
  request.set_period("2020-13");
  s = CallSignedReturn(kz_auditor, request);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StrContains(s.error_message(), "not a TIME_PERIOD"));
}

}  // namespace
}  // namespace ots
