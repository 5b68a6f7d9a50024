// Tests for sync/federation: what a node shows a caller (only the origins, and the evidence
// against them, that the caller may see), how it serves a pull (the sharing policy, its limits,
// chunking, the consistency proof), how PullAssembler refuses chunks out of order; and the
// store's change notification that Federation.Watch waits on.
#include "sync/federation.h"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "node/log/evidence.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "sync/replica.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/store_peer.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

// AZ shares with KZ only; UZ with KZ and HU. `az` and `uz` are their nodes; `kz` holds both.
struct Net {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle()
                        .Add("AZ", {"KZ"})
                        .Add("UZ", {"KZ", "HU"})
                        .Add("KZ", {}, false)
                        .Add("HU", {}, false);
  Directory directory{keys.Bundle()};
  const PrivateKey& az_key = keys.LogKey("AZ");
  TestNode az = OpenNode(dir, "az");
  TestNode uz = OpenNode(dir, "uz");
  TestNode kz = OpenNode(dir, "kz");
  Publisher az_publisher{az.logs.get(), &az_key, &clock};
  Publisher uz_publisher{uz.logs.get(), &keys.LogKey("UZ"), &clock};

  void Publish(int count) {
    for (int i = 0; i < count; ++i) {
      REQUIRE(az_publisher.Publish(Return("AZ", absl::StrCat(2010 + i), 100 + i)).ok());
    }
  }
  // Every chunk ServePull writes for `request` to `caller`.
  std::vector<v1::PullChunk> Serve(const v1::PullRequest& request, const PullLimits& limits = {},
                                   const std::string& caller = "KZ") {
    std::vector<v1::PullChunk> chunks;
    absl::Status s =
        ServePull(*az.logs, directory, caller, request, limits, [&](const v1::PullChunk& c) {
          chunks.push_back(c);
          return true;
        });
    INFO(s.message());
    REQUIRE(s.ok());
    return chunks;
  }
};

v1::PullRequest Request(uint64_t from, bool headers_only = false) {
  v1::PullRequest r;
  r.set_origin("AZ");
  r.set_from(from);
  r.set_headers_only(headers_only);
  return r;
}

absl::StatusOr<PulledBatch> Assemble(const std::vector<v1::PullChunk>& chunks,
                                     bool headers_only = false) {
  PullAssembler assembler("AZ", headers_only);
  for (const v1::PullChunk& c : chunks) {
    absl::Status s = assembler.Add(c);
    if (!s.ok()) {
      return s;
    }
  }
  return assembler.Finish();
}

std::vector<std::string> Origins(const v1::CheckpointsResponse& r) {
  std::vector<std::string> out;
  for (const v1::OriginCheckpoint& o : r.origins()) {
    out.push_back(o.origin());
  }
  return out;
}

std::vector<std::string> EvidenceOrigins(const v1::CheckpointsResponse& r) {
  std::vector<std::string> out;
  for (const v1::Evidence& e : r.evidence()) {
    out.push_back(e.origin());
  }
  return out;
}

TEST_CASE("LatestCheckpoints shows a caller only the origins and evidence it may see", "[sync]") {
  Net n;
  n.Publish(2);
  REQUIRE(n.uz_publisher.Publish(Return("UZ", "2020", 5)).ok());
  Replicator kz(n.kz.logs.get(), &n.directory, "KZ");
  REQUIRE(kz.Accept(*ExportBatch(*n.az.logs, "AZ", 0)).ok());
  REQUIRE(kz.Accept(*ExportBatch(*n.uz.logs, "UZ", 0)).ok());
  REQUIRE(n.kz->AddCosignatures("AZ", 2, {"\u2014 ots-mx/witness/KZ line\n"}).ok());
  for (const char* origin : {"AZ", "UZ"}) {
    v1::Evidence e;
    e.set_origin(origin);
    e.set_note_a(absl::StrCat(origin, " a"));
    e.set_note_b(absl::StrCat(origin, " b"));
    REQUIRE(*n.kz->PutEvidence(e));
  }

  absl::StatusOr<v1::CheckpointsResponse> to_kz = LatestCheckpoints(*n.kz, n.directory, "KZ", "KZ");
  REQUIRE(to_kz.ok());
  CHECK(to_kz->member() == "KZ");
  CHECK(Origins(*to_kz) == std::vector<std::string>{"AZ", "UZ"});
  CHECK(EvidenceOrigins(*to_kz) == std::vector<std::string>{"AZ", "UZ"});
  const v1::OriginCheckpoint& az = to_kz->origins(0);
  CHECK(az.size() == 2);
  CHECK(az.checkpoint().note() == n.az->LatestCheckpoint("AZ")->note());
  REQUIRE(az.checkpoint().cosignature_lines_size() == 1);
  CHECK(az.checkpoint().cosignature_lines(0) == "\u2014 ots-mx/witness/KZ line\n");

  absl::StatusOr<v1::CheckpointsResponse> to_hu = LatestCheckpoints(*n.kz, n.directory, "KZ", "HU");
  REQUIRE(to_hu.ok());
  CHECK(Origins(*to_hu) == std::vector<std::string>{"UZ"});
  CHECK(EvidenceOrigins(*to_hu) == std::vector<std::string>{"UZ"});

  // An origin sees its own data; a code the bundle does not know sees nothing.
  absl::StatusOr<v1::CheckpointsResponse> to_az = LatestCheckpoints(*n.kz, n.directory, "KZ", "AZ");
  REQUIRE(to_az.ok());
  CHECK(Origins(*to_az) == std::vector<std::string>{"AZ"});
  CHECK(EvidenceOrigins(*to_az) == std::vector<std::string>{"AZ"});
  absl::StatusOr<v1::CheckpointsResponse> to_tj = LatestCheckpoints(*n.kz, n.directory, "KZ", "TJ");
  REQUIRE(to_tj.ok());
  CHECK(to_tj->origins().empty());
  CHECK(to_tj->evidence().empty());
}

TEST_CASE("ServePull refuses a caller the origin does not share with", "[sync]") {
  Net n;
  n.Publish(2);
  int written = 0;
  absl::Status s =
      ServePull(*n.az.logs, n.directory, "HU", Request(0), PullLimits(), [&](const v1::PullChunk&) {
        ++written;
        return true;
      });
  INFO(s.message());
  CHECK(absl::IsPermissionDenied(s));
  CHECK(absl::StrContains(s.message(), "AZ does not share its data with HU"));
  CHECK(written == 0);

  // Through the in-process transport too.
  StorePeer peer(n.az.logs.get(), &n.directory, "AZ", "HU");
  CHECK(absl::IsPermissionDenied(peer.Pull(Request(0)).status()));
  CHECK(peer.Checkpoints()->origins().empty());
}

TEST_CASE("ServePull: an origin not held is NOT_FOUND, a start past the end OUT_OF_RANGE",
          "[sync]") {
  Net n;
  n.Publish(2);
  auto serve = [&](const v1::PullRequest& r) {
    return ServePull(*n.az.logs, n.directory, "KZ", r, PullLimits(),
                     [](const v1::PullChunk&) { return true; });
  };
  v1::PullRequest uz = Request(0);
  uz.set_origin("UZ");
  CHECK(absl::IsNotFound(serve(uz)));
  CHECK(absl::IsOutOfRange(serve(Request(3))));
  // A caller that goes away ends the pull.
  absl::Status s = ServePull(*n.az.logs, n.directory, "KZ", Request(0), PullLimits(),
                             [](const v1::PullChunk&) { return false; });
  CHECK(absl::IsCancelled(s));
}

TEST_CASE("a served pull assembles into the origin's batch", "[sync]") {
  Net n;
  n.Publish(3);
  absl::StatusOr<ReplicaBatch> expected = ExportBatch(*n.az.logs, "AZ", 0);
  REQUIRE(expected.ok());

  SECTION("cells in one chunk per entry") {
    std::vector<v1::PullChunk> chunks = n.Serve(Request(0));
    REQUIRE(chunks.size() == 1 + 3 * 2);
    absl::StatusOr<PulledBatch> got = Assemble(chunks);
    REQUIRE(got.ok());
    CHECK(got->start.from() == 0);
    CHECK(got->start.size() == 3);
    CHECK(got->start.consistency_proof().empty());
    CHECK(got->batch.checkpoint_note == expected->checkpoint_note);
    REQUIRE(got->batch.entries.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(got->batch.entries[i].SerializeAsString() == expected->entries[i].SerializeAsString());
      CHECK(got->batch.cells[i].ToVector() == expected->cells[i].ToVector());
    }
  }
  SECTION("cells split over chunks") {
    PullLimits limits;
    limits.chunk_bytes = 10;  // every line is a chunk of its own
    std::vector<v1::PullChunk> chunks = n.Serve(Request(0), limits);
    CHECK(chunks.size() == 1 + 3 * (1 + 3));
    absl::StatusOr<PulledBatch> got = Assemble(chunks);
    REQUIRE(got.ok());
    for (size_t i = 0; i < 3; ++i) {
      CHECK(got->batch.cells[i].ToVector() == expected->cells[i].ToVector());
    }
  }
  SECTION("headers only") {
    std::vector<v1::PullChunk> chunks = n.Serve(Request(0, true));
    CHECK(chunks.size() == 1 + 3);
    absl::StatusOr<PulledBatch> got = Assemble(chunks, true);
    REQUIRE(got.ok());
    CHECK(got->batch.entries.size() == 3);
    CHECK(got->batch.cells.empty());
  }
}

TEST_CASE("a pull from a size carries a consistency proof and stops at the limits", "[sync]") {
  Net n;
  n.Publish(5);
  SECTION("the proof from the caller's size holds") {
    std::vector<v1::PullChunk> chunks = n.Serve(Request(2));
    const v1::PullStart& start = chunks[0].start();
    CHECK(start.from() == 2);
    CHECK(start.size() == 5);
    std::vector<Hash> proof;
    for (const std::string& bytes : start.consistency_proof()) {
      Hash h;
      REQUIRE(HashFromBytes(bytes, &h));
      proof.push_back(h);
    }
    REQUIRE_FALSE(proof.empty());
    absl::StatusOr<VerifiedCheckpoint> old = VerifyOriginCheckpoint(
        kTestFederation, "AZ", {n.az_key.public_key()}, n.az->GetCheckpoint("AZ", 2)->note());
    absl::StatusOr<VerifiedCheckpoint> now = VerifyOriginCheckpoint(
        kTestFederation, "AZ", {n.az_key.public_key()}, start.checkpoint_note());
    REQUIRE(old.ok());
    REQUIRE(now.ok());
    CHECK(MerkleVerifyConsistency(2, 5, old->checkpoint.root, now->checkpoint.root, proof).ok());
    absl::StatusOr<PulledBatch> got = Assemble(chunks);
    REQUIRE(got.ok());
    CHECK(got->batch.from == 2);
    CHECK(got->batch.entries.size() == 3);
  }
  SECTION("the node's entry limit") {
    PullLimits limits;
    limits.max_entries = 2;
    std::vector<v1::PullChunk> chunks = n.Serve(Request(1), limits);
    CHECK(chunks[0].start().size() == 3);
    CHECK(chunks[0].start().checkpoint_note() == n.az->GetCheckpoint("AZ", 3)->note());
    REQUIRE(Assemble(chunks).ok());
  }
  SECTION("the caller's entry limit, under the node's") {
    v1::PullRequest r = Request(0);
    r.set_max_entries(4);
    CHECK(n.Serve(r)[0].start().size() == 4);
    PullLimits limits;
    limits.max_entries = 1;
    CHECK(n.Serve(r, limits)[0].start().size() == 1);
  }
  SECTION("the node's cell limit") {
    PullLimits limits;
    limits.max_cells = 7;  // 3 cells a return: the third return reaches it
    CHECK(n.Serve(Request(0), limits)[0].start().size() == 3);
  }
  SECTION("a start at the end sends the checkpoint and nothing else") {
    std::vector<v1::PullChunk> chunks = n.Serve(Request(5));
    REQUIRE(chunks.size() == 1);
    CHECK(chunks[0].start().size() == 5);
  }
}

TEST_CASE("PullAssembler refuses chunks out of place", "[sync]") {
  Net n;
  n.Publish(2);
  // start, entry 0, its cells, entry 1, its cells.
  const std::vector<v1::PullChunk> good = n.Serve(Request(0));
  REQUIRE(good.size() == 5);
  REQUIRE(good[0].has_start());
  REQUIRE(good[1].has_entry());
  REQUIRE(good[2].has_cells());
  REQUIRE(Assemble(good).ok());
  std::vector<v1::PullChunk> chunks = good;
  bool headers_only = false;

  SECTION("an entry before the start") { chunks.erase(chunks.begin()); }
  SECTION("no start at all") { chunks.clear(); }
  SECTION("a second start") { chunks.insert(chunks.begin() + 3, good[0]); }
  SECTION("cells before any entry") { chunks.insert(chunks.begin() + 1, good[2]); }
  SECTION("cells in a headers-only pull") { headers_only = true; }
  SECTION("more cells than the header says") {
    chunks[2].set_cells(absl::StrCat(good[2].cells(), "AZ,2010,UZ,_T,F,_T,1,A,F,STK\n"));
  }
  SECTION("more cells, in a chunk of their own") { chunks.insert(chunks.begin() + 3, good[2]); }
  SECTION("fewer cells than the header says, then the next entry") {
    std::string cells = good[2].cells();
    cells.erase(cells.rfind('\n', cells.size() - 2) + 1);
    chunks[2].set_cells(cells);
  }
  SECTION("fewer cells than the header says, at the end") {
    std::string cells = good[4].cells();
    cells.erase(cells.rfind('\n', cells.size() - 2) + 1);
    chunks[4].set_cells(cells);
  }
  SECTION("no cells for an entry") { chunks.erase(chunks.begin() + 2); }
  SECTION("fewer entries than the size announced") { chunks.resize(3); }
  SECTION("more entries than the size announced") {
    chunks.push_back(good[3]);
    chunks.push_back(good[4]);
  }
  SECTION("a cell block not ending in a newline") {
    std::string cells = good[2].cells();
    cells.pop_back();
    chunks[2].set_cells(cells);
  }
  SECTION("an entry whose header does not parse") {
    chunks[1].mutable_entry()->mutable_header()->set_payload("not a header");
  }
  SECTION("an empty chunk") { chunks.insert(chunks.begin() + 1, v1::PullChunk()); }
  SECTION("a header (not yet verified) announcing more cells than a pull may bring") {
    // Before the cap this reserved memory for 2^64-1 cells and threw std::length_error.
    std::string* payload = chunks[1].mutable_entry()->mutable_header()->mutable_payload();
    const size_t at = payload->find("\ncells ");
    REQUIRE(at != std::string::npos);
    const size_t end = payload->find('\n', at + 1);
    payload->replace(at, end - at, "\ncells 18446744073709551615");
  }

  absl::StatusOr<PulledBatch> got = Assemble(chunks, headers_only);
  INFO(got.status().message());
  CHECK(absl::IsInvalidArgument(got.status()));
}

TEST_CASE("WaitForChange returns at once on a counter that moved", "[sync]") {
  Net n;
  n.Publish(1);
  const uint64_t now = n.az->ChangeCount();
  REQUIRE(now > 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  CHECK(n.az->WaitForChange(now - 1, absl::Seconds(60)) == now);
  CHECK(absl::Now() < deadline);  // it did not wait for the timeout
  // With nothing new, it returns the same count when the time is up.
  CHECK(n.az->WaitForChange(now, absl::Milliseconds(1)) == now);
}

// What WaitForChange(seen, a minute) on `store` returned in another thread while this thread
// ran `act`, and whether it returned before its minute was up.
struct Woken {
  uint64_t count = 0;
  bool in_time = false;
};
Woken WaitDuring(Store& store, uint64_t seen, const std::function<void()>& act) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  absl::Notification waiting;
  Woken woken;
  std::thread waiter([&] {
    waiting.Notify();
    woken.count = store.WaitForChange(seen, absl::Seconds(60));
    woken.in_time = absl::Now() < deadline;
  });
  waiting.WaitForNotification();
  act();
  waiter.join();
  return woken;
}

TEST_CASE("WaitForChange returns after an append from another thread", "[sync]") {
  Net n;
  n.Publish(1);
  const uint64_t seen = n.az->ChangeCount();
  absl::Status published;
  const Woken woken = WaitDuring(
      *n.az, seen, [&] { published = n.az_publisher.Publish(Return("AZ", "2030", 1)).status(); });
  REQUIRE(published.ok());
  CHECK(woken.count != seen);
  CHECK(woken.count == n.az->ChangeCount());
  CHECK(woken.in_time);
}

TEST_CASE("WakeAll releases a waiter with no change, and every later wait", "[sync]") {
  Net n;
  n.Publish(1);
  const uint64_t seen = n.az->ChangeCount();
  const Woken woken = WaitDuring(*n.az, seen, [&] { n.az->WakeAll(); });
  CHECK(woken.count == seen);
  CHECK(woken.in_time);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  // A watcher that was between two waits when the node shut down does not sleep through it.
  CHECK(n.az->WaitForChange(seen, absl::Seconds(60)) == seen);
  CHECK(absl::Now() < deadline);
}

}  // namespace
}  // namespace ots
