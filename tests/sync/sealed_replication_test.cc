// Confidential cells (docs/formats.md §2a): a return with cells its state marks C or D is signed
// with those cells sealed. Their openings travel only to the members the state entitles (by
// default the Secretariat); every other member verifies and stores the same signed return with
// the cells sealed, and shows them withheld.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "node/model/return_header.h"
#include "node/model/sealed_cells.h"
#include "node/query/audit.h"
#include "node/query/consolidate.h"
#include "node/query/proof_check.h"
#include "node/query/prove.h"
#include "node/query/query.h"
#include "sync/federation.h"
#include "sync/replica.h"
#include "sync/syncer.h"
#include "sync/witness.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/store_peer.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

// AZ's return for 2020 with its female students confidential (C) and the male ones D.
ParsedReturn ConfidentialReturn(int female_students) {
  absl::StatusOr<ParsedReturn> ret = ParseReturnCsv(
      "r.csv",
      absl::StrCat("REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
                   "STOCK_FLOW\n",
                   "AZ,2020,UZ,STUDY,F,_T,", female_students, ",A,C,STK\n",
                   "AZ,2020,UZ,STUDY,M,_T,3,A,D,STK\n",  //
                   "AZ,2020,UZ,_T,F,_T,8398,A,F,STK\n",  //
                   "AZ,2020,UZ,_T,M,_T,7856,A,F,STK\n"),
      "AZ", nullptr);
  REQUIRE(ret.ok());
  return *std::move(ret);
}

struct Net {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ", {"KZ", "OTS"}).Add("KZ").Add("OTS", {}, false);
  Directory directory{keys.Bundle()};
  TestNode az = OpenNode(dir, "az");
  TestNode kz = OpenNode(dir, "kz");
  TestNode ots = OpenNode(dir, "ots");
  Publisher publisher{az.logs.get(), &keys.LogKey("AZ"), &clock};

  // One pull of AZ's log from AZ's node by `caller`, as it arrives.
  ReplicaBatch PullAs(const std::string& caller,
                      std::function<bool(v1::PullChunk*)> mutate = nullptr) {
    StorePeer peer(az.logs.get(), &directory, "AZ", caller);
    peer.chunk_mutator = std::move(mutate);
    v1::PullRequest request;
    request.set_origin("AZ");
    absl::StatusOr<PulledBatch> pulled = peer.Pull(request);
    REQUIRE(pulled.ok());
    return std::move(pulled->batch);
  }
  // The cells of AZ 2020 as `node` lists them to `filter`'s holder.
  std::vector<std::string> Cells(TestNode& node, const CellFilter& filter) {
    absl::StatusOr<Table> t = QueryCells(*node.logs, filter);
    REQUIRE(t.ok());
    std::vector<std::string> out;
    for (const auto& row : t->rows) {
      out.push_back(absl::StrJoin(row, ","));
    }
    return out;
  }
};

bool HasLine(const std::vector<std::string>& lines, absl::string_view prefix) {
  for (const std::string& l : lines) {
    if (absl::StartsWith(l, prefix)) {
      return true;
    }
  }
  return false;
}

TEST_CASE("a state's confidential cells reach only the members it entitles, sealed for the rest",
          "[sealed][replica]") {
  Net n;
  absl::StatusOr<PublishResult> published = n.publisher.Publish(ConfidentialReturn(12));
  REQUIRE(published.ok());
  const v1::ReturnHeader& h = published->header;
  CHECK(h.sealed_count() == 2);
  CHECK(h.cell_count() == 4);
  CHECK(h.value_sum() == 8398 + 7856);  // the sum of the open cells only
  CHECK(absl::StartsWith(FormatReturnHeader(h), "ots-return-header/v2\n"));
  REQUIRE(n.az->GetOpenings("AZ", "2020", 1)->size() == 2);

  // KZ (not entitled) gets the return without openings; the Secretariat gets them.
  ReplicaBatch to_kz = n.PullAs("KZ");
  REQUIRE(to_kz.openings.size() == 1);
  CHECK(to_kz.openings[0].empty());
  ReplicaBatch to_ots = n.PullAs("OTS");
  REQUIRE(to_ots.openings.size() == 1);
  CHECK_FALSE(to_ots.openings[0].empty());
  Replicator kz(n.kz.logs.get(), &n.directory, "KZ");
  Replicator ots(n.ots.logs.get(), &n.directory, "OTS");
  REQUIRE(kz.Accept(to_kz).ok());
  REQUIRE(ots.Accept(to_ots).ok());
  CHECK(n.kz->GetOpenings("AZ", "2020", 1)->empty());
  CHECK(n.ots->GetOpenings("AZ", "2020", 1)->size() == 2);
  CHECK(n.kz->LatestCheckpoint("AZ")->note() == n.ots->LatestCheckpoint("AZ")->note());

  // Nothing KZ holds says 12 (the female students); everything it holds verifies.
  bool twelve = false;
  REQUIRE(n.kz->ForEachStoredCell(
                  [&](absl::string_view, absl::string_view, uint64_t, absl::string_view line) {
                    twelve = twelve || absl::StrContains(line, ",12,");
                    return absl::OkStatus();
                  })
              .ok());
  CHECK_FALSE(twelve);
  std::vector<std::string> report;
  CHECK(AuditStore(*n.kz, n.directory, &report).ok());
  CHECK(AuditStore(*n.ots, n.directory, &report).ok());

  // Listings: sealed at KZ; opened at the Secretariat for its own holder.
  const CellFilter all;
  CHECK(HasLine(n.Cells(n.kz, all), "AZ,2020,UZ,STUDY,F,_T,sealed:"));
  CHECK(HasLine(n.Cells(n.ots, all), "AZ,2020,UZ,STUDY,F,_T,12,A,C,STK"));
  // A caller over the network that AZ does not entitle sees them sealed at the Secretariat too.
  absl::StatusOr<CellFilter> for_kz = VisibleTo(*n.ots, n.directory, "KZ", CellFilter());
  REQUIRE(for_kz.ok());
  CHECK(HasLine(n.Cells(n.ots, *for_kz), "AZ,2020,UZ,STUDY,F,_T,sealed:"));
  CHECK_FALSE(HasLine(n.Cells(n.ots, *for_kz), "AZ,2020,UZ,STUDY,F,_T,12"));

  // A table by SEX of students: the Secretariat has the values; KZ has them withheld, and so
  // the sum over them too.
  v1::ConsolidatedRequest request;
  request.set_period("2020");
  request.set_by("SEX");
  request.set_citizen("UZ");
  request.set_stay_cat("STUDY");
  const auto all_origins = [](absl::string_view) { return true; };
  absl::StatusOr<v1::ConsolidatedResponse> at_ots = Consolidate(*n.ots.logs, request, all_origins);
  absl::StatusOr<v1::ConsolidatedResponse> at_kz = Consolidate(*n.kz.logs, request, all_origins);
  REQUIRE(at_ots.ok());
  REQUIRE(at_kz.ok());
  REQUIRE(at_ots->rows_size() == 1);
  REQUIRE(at_kz->rows_size() == 1);
  CHECK(at_ots->rows(0).figures(0).value() == 12);
  CHECK(at_ots->rows(0).total().value() == 15);
  CHECK(at_kz->rows(0).figures(0).suppressed());
  CHECK_FALSE(at_kz->rows(0).figures(0).has_value());
  CHECK(at_kz->rows(0).figures(0).conf_status() == "C");
  CHECK(at_kz->rows(0).total().suppressed());
  CHECK_FALSE(at_kz->rows(0).total().has_value());
  // The Secretariat's node, asked by a caller AZ does not entitle (may_open), withholds them too.
  absl::StatusOr<v1::ConsolidatedResponse> for_other =
      Consolidate(*n.ots.logs, request, all_origins, [](absl::string_view) { return false; });
  REQUIRE(for_other.ok());
  CHECK(for_other->rows(0).figures(0).suppressed());
  CHECK_FALSE(for_other->rows(0).figures(0).has_value());
}

TEST_CASE("openings missing after a relay that is not entitled are taken from the origin later",
          "[sealed][replica]") {
  Net n;
  REQUIRE(n.publisher.Publish(ConfidentialReturn(12)).ok());
  // The Secretariat takes AZ's return from KZ's copy, which has no openings.
  Replicator kz(n.kz.logs.get(), &n.directory, "KZ");
  REQUIRE(kz.Accept(n.PullAs("KZ")).ok());
  StorePeer relay(n.kz.logs.get(), &n.directory, "KZ", "OTS");
  v1::PullRequest request;
  request.set_origin("AZ");
  absl::StatusOr<PulledBatch> relayed = relay.Pull(request);
  REQUIRE(relayed.ok());
  Replicator ots(n.ots.logs.get(), &n.directory, "OTS");
  REQUIRE(ots.Accept(relayed->batch).ok());
  CHECK(n.ots->GetOpenings("AZ", "2020", 1)->empty());
  CHECK(*ots.MissingOpenings("AZ") == std::vector<uint64_t>{0});
  // KZ itself is not entitled: it records nothing missing.
  CHECK(kz.MissingOpenings("AZ")->empty());

  // A batch whose entry is not the one held opens nothing.
  ReplicaBatch other = n.PullAs("OTS");
  other.entries[0].mutable_header()->set_payload(other.entries[0].header().payload() + " ");
  CHECK(ots.AcceptOpenings(other).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(n.ots->GetOpenings("AZ", "2020", 1)->empty());
  // The openings from AZ itself complete it.
  absl::StatusOr<size_t> completed = ots.AcceptOpenings(n.PullAs("OTS"));
  REQUIRE(completed.ok());
  CHECK(*completed == 1);
  CHECK(n.ots->GetOpenings("AZ", "2020", 1)->size() == 2);
  CHECK(ots.MissingOpenings("AZ")->empty());
  std::vector<std::string> report;
  CHECK(AuditStore(*n.ots, n.directory, &report).ok());
}

TEST_CASE("openings that open nothing are refused, and openings for the unentitled are not kept",
          "[sealed][replica]") {
  Net n;
  REQUIRE(n.publisher.Publish(ConfidentialReturn(12)).ok());
  const std::string openings = *n.az->GetMeta(OpeningsMetaName("AZ", "2020", 1));

  // A relay that changes a value in the openings it passes on: nothing is stored.
  ReplicaBatch forged = n.PullAs("OTS", [](v1::PullChunk* c) {
    if (c->has_openings()) {
      std::string text = c->openings();
      text.replace(text.find(",12,"), 4, ",13,");
      c->set_openings(text);
    }
    return true;
  });
  Replicator ots(n.ots.logs.get(), &n.directory, "OTS");
  absl::StatusOr<uint64_t> refused = ots.Accept(forged);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(refused.status().message(), "open no sealed cell"));
  CHECK(*n.ots->LogSize("AZ") == 0);

  // Openings pushed to KZ by a leaky relay: KZ keeps the return, not the openings.
  ReplicaBatch leaked = n.PullAs("KZ");
  REQUIRE(leaked.openings.size() == 1);
  leaked.openings[0] = openings;
  Replicator kz(n.kz.logs.get(), &n.directory, "KZ");
  REQUIRE(kz.Accept(leaked).ok());
  CHECK(*n.kz->LogSize("AZ") == 1);
  CHECK(absl::IsNotFound(n.kz->GetMeta(OpeningsMetaName("AZ", "2020", 1)).status()));
}

TEST_CASE("a return sent again is unchanged, and a new revision seals with fresh salts",
          "[sealed][publisher]") {
  Net n;
  absl::StatusOr<PublishResult> first = n.publisher.Publish(ConfidentialReturn(12));
  REQUIRE(first.ok());
  absl::StatusOr<PublishResult> again = n.publisher.Publish(ConfidentialReturn(12));
  REQUIRE(again.ok());
  CHECK(again->unchanged);
  CHECK(*n.az->LogSize("AZ") == 1);

  // Revision 2 changes the female students only; the male students' sealed leaf changes anyway,
  // so that a reader of both revisions cannot tell which confidential cells stayed the same.
  absl::StatusOr<PublishResult> second = n.publisher.Publish(ConfidentialReturn(14));
  REQUIRE(second.ok());
  CHECK(second->header.revision() == 2);
  const auto sealed_male = [&](uint64_t revision) {
    std::string out;
    REQUIRE(n.az->ForEachCell("AZ", "2020", revision,
                              [&](absl::string_view line) {
                                if (absl::StartsWith(line, "AZ,2020,UZ,STUDY,M,")) {
                                  out = std::string(line);
                                }
                                return absl::OkStatus();
                              })
                .ok());
    return out;
  };
  CHECK(IsSealedLine(sealed_male(1)));
  CHECK(IsSealedLine(sealed_male(2)));
  CHECK(sealed_male(1) != sealed_male(2));
}

TEST_CASE("a proof of a sealed cell carries its opening only for those entitled",
          "[sealed][prove]") {
  Net n;
  REQUIRE(n.publisher.Publish(ConfidentialReturn(12)).ok());
  REQUIRE(Replicator(n.kz.logs.get(), &n.directory, "KZ").Accept(n.PullAs("KZ")).ok());
  const Directory anchored(n.keys.Anchor());
  const std::string bundle_id = n.keys.bundle_key().public_key().KeyId();
  absl::StatusOr<CellFilter> cell = ParseCellFilter({"CITIZEN=UZ", "STAY_CAT=STUDY", "SEX=F"});
  REQUIRE(cell.ok());

  // AZ's own folder holds the opening: the proof carries it, and it verifies.
  absl::StatusOr<ProofFiles> own = BuildCellProof(*n.az.logs, anchored, "AZ", "2020", *cell, 0);
  REQUIRE(own.ok());
  REQUIRE(own->count("cell.opening") == 1);
  CHECK(IsSealedLine((*own)["cell.line"]));
  absl::StatusOr<ProofSummary> verified = VerifyProofFiles(*own, bundle_id, 0);
  REQUIRE(verified.ok());
  CHECK(verified->opened_line == "AZ,2020,UZ,STUDY,F,_T,12,A,C,STK");
  // An opening with another value is refused.
  ProofFiles altered = *own;
  altered["cell.opening"].replace(altered["cell.opening"].find(",12,"), 4, ",13,");
  absl::StatusOr<ProofSummary> refused = VerifyProofFiles(altered, bundle_id, 0);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(refused.status().message(), "cell.opening"));
  // The same proof asked for by someone not entitled (a filter that opens nothing): no opening.
  CellFilter sealed_only = *cell;
  sealed_only.open_all = false;
  absl::StatusOr<ProofFiles> closed =
      BuildCellProof(*n.az.logs, anchored, "AZ", "2020", sealed_only, 0);
  REQUIRE(closed.ok());
  CHECK(closed->count("cell.opening") == 0);
  CHECK((*closed)["cell.line"] == (*own)["cell.line"]);
  // KZ's node has no opening to give, and its proof verifies over the sealed line.
  absl::StatusOr<ProofFiles> at_kz = BuildCellProof(*n.kz.logs, anchored, "AZ", "2020", *cell, 0);
  REQUIRE(at_kz.ok());
  CHECK(at_kz->count("cell.opening") == 0);
  absl::StatusOr<ProofSummary> kz_verified = VerifyProofFiles(*at_kz, bundle_id, 0);
  REQUIRE(kz_verified.ok());
  CHECK(kz_verified->opened_line.empty());
}

TEST_CASE("confidential_with names who gets the values instead of the Secretariat",
          "[sealed][replica]") {
  Net n;
  v1::TrustBundle bundle = n.keys.Bundle();
  bundle.mutable_members(0)->add_confidential_with("KZ");
  const Directory directory(bundle);
  CHECK(directory.MaySeeConfidential("KZ", "AZ"));
  CHECK_FALSE(directory.MaySeeConfidential("OTS", "AZ"));
  CHECK(directory.MaySeeConfidential("AZ", "AZ"));
  REQUIRE(n.publisher.Publish(ConfidentialReturn(12)).ok());
  const auto pull_as = [&](const std::string& caller) {
    StorePeer peer(n.az.logs.get(), &directory, "AZ", caller);
    v1::PullRequest request;
    request.set_origin("AZ");
    absl::StatusOr<PulledBatch> pulled = peer.Pull(request);
    REQUIRE(pulled.ok());
    return std::move(pulled->batch);
  };
  ReplicaBatch to_kz = pull_as("KZ");
  ReplicaBatch to_ots = pull_as("OTS");
  CHECK_FALSE(to_kz.openings[0].empty());
  CHECK(to_ots.openings[0].empty());
  REQUIRE(Replicator(n.kz.logs.get(), &directory, "KZ").Accept(to_kz).ok());
  CHECK(n.kz->GetOpenings("AZ", "2020", 1)->size() == 2);
}

// The Secretariat's syncer, with KZ (not entitled) holding AZ's return sealed and AZ's own node
// as in-process peers.
struct SecretariatSync : Net {
  RecordingLogger logger;
  Witness ots_witness{ots.logs.get(), &directory, "OTS", {&keys.WitnessKey("OTS")},
                      &clock,         &logger};
  Syncer ots_syncer{ots.logs.get(), &directory, &ots_witness, &clock, &logger, SyncOptions()};
  StorePeer kz_peer{kz.logs.get(), &directory, "KZ", "OTS"};
  StorePeer az_peer{az.logs.get(), &directory, "AZ", "OTS"};

  SecretariatSync() {
    REQUIRE(publisher.Publish(ConfidentialReturn(12)).ok());
    REQUIRE(Replicator(kz.logs.get(), &directory, "KZ").Accept(PullAs("KZ")).ok());
  }
  // The Secretariat takes `peer`'s answer, as its watch stream brings it.
  void Exchange(const std::string& member, StorePeer& peer) {
    absl::StatusOr<v1::CheckpointsResponse> answer = peer.Checkpoints();
    REQUIRE(answer.ok());
    CHECK(ots_syncer.Exchange(member, peer, *answer).ok());
  }
};

TEST_CASE("the Secretariat's syncer takes missing openings from the origin, and asks no peer twice",
          "[sealed][sync]") {
  SecretariatSync n;
  // From KZ (not entitled): the return, sealed; KZ is not asked for openings.
  n.Exchange("KZ", n.kz_peer);
  REQUIRE(*n.ots->LogSize("AZ") == 1);
  CHECK(n.ots->GetOpenings("AZ", "2020", 1)->empty());
  CHECK(n.kz_peer.pull_calls() == 1);
  n.Exchange("KZ", n.kz_peer);
  CHECK(n.kz_peer.pull_calls() == 1);

  // From AZ: one pull of that entry, for its openings; none again once they are held.
  n.Exchange("AZ", n.az_peer);
  REQUIRE(n.az_peer.pull_calls() == 1);
  CHECK(n.az_peer.pulls()[0].from() == 0);
  CHECK(n.az_peer.pulls()[0].max_entries() == 1);
  CHECK(n.ots->GetOpenings("AZ", "2020", 1)->size() == 2);
  n.Exchange("AZ", n.az_peer);
  CHECK(n.az_peer.pull_calls() == 1);
}

TEST_CASE("a peer that cannot open a missing entry is asked again only once its log grows",
          "[sealed][sync]") {
  SecretariatSync n;
  n.Exchange("KZ", n.kz_peer);
  // AZ's folder has lost its openings (say, a restored backup).
  REQUIRE(n.az->PutMeta(OpeningsMetaName("AZ", "2020", 1), "").ok());
  n.Exchange("AZ", n.az_peer);
  CHECK(n.az_peer.pull_calls() == 1);
  n.Exchange("AZ", n.az_peer);
  CHECK(n.az_peer.pull_calls() == 1);  // not asked again at the same size
  CHECK(n.ots->GetOpenings("AZ", "2020", 1)->empty());
  // AZ signs another period: its log grows, and it is asked again (and again cannot open it).
  REQUIRE(n.publisher.Publish(Return("AZ", "2021", 5)).ok());
  n.Exchange("AZ", n.az_peer);
  CHECK(*n.ots->LogSize("AZ") == 2);
  // Pulls: entry 0 for its openings, the new entry, entry 0 again.
  REQUIRE(n.az_peer.pull_calls() == 3);
  CHECK(n.az_peer.pulls()[2].from() == 0);
  CHECK(n.az_peer.pulls()[2].max_entries() == 1);
}

}  // namespace
}  // namespace ots
