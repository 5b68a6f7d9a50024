// Tests for sync/syncer: the backoff schedule; Reconcile and Exchange against an in-process peer
// (tests/fakes/store_peer.h) that serves a real store through the Federation protocol code:
// pulling a peer that is ahead (in one pull or several), verifying, storing and cosigning;
// merging only cosignatures that verify; refusing checkpoints the origin did not sign and origins
// that do not share with this node; and telling a split view (evidence kept, origin frozen) from
// a peer that forges a consistency proof (its fault, nothing kept).
#include "sync/syncer.h"

#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "node/log/evidence.h"
#include "node/log/names.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "node/query/consolidate.h"
#include "node/query/status.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/store_peer.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

// A note with the text of `note`, signed by `key` under the log name of `origin`.
std::string Resign(const std::string& note, const PrivateKey& key,
                   const std::string& origin = "AZ") {
  absl::StatusOr<Note> parsed = ParseNote(note);
  REQUIRE(parsed.ok());
  Note out{parsed->text, {}};
  REQUIRE(SignNote(&out, LogName(kTestFederation, origin), key).ok());
  return FormatNote(out);
}

// `line` with one character of its signature changed.
std::string Altered(std::string line) {
  const size_t at = line.size() - 10;
  line[at] = line[at] == 'A' ? 'B' : 'A';
  return line;
}

// Whether `cp` carries a cosignature line that verifies under `member`'s witness name and `key`.
bool CosignedBy(const v1::StoredCheckpoint& cp, const std::string& member, const PublicKey& key) {
  for (const std::string& line : cp.cosignature_lines()) {
    if (CosignatureVerifies(cp.note(), line, member, key)) {
      return true;
    }
  }
  return false;
}

bool Contains(const v1::StoredCheckpoint& cp, const std::string& line) {
  return std::find(cp.cosignature_lines().begin(), cp.cosignature_lines().end(), line) !=
         cp.cosignature_lines().end();
}

// ForkedOrigin, with KZ's syncer and in-process peers serving AZ's log and the fork to KZ, and
// HU's node.
struct Net : ForkedOrigin {
  TestNode hu = OpenNode(dir, "hu");
  Syncer kz_syncer{kz.logs.get(), &directory, &kz_witness, &clock, &logger, SyncOptions()};
  StorePeer az_peer{az.logs.get(), &directory, "AZ", "KZ"};
  StorePeer fork_peer{fork.logs.get(), &directory, "AZ", "KZ"};

  v1::OriginCheckpoint Announced(StorePeer& peer) {
    absl::StatusOr<v1::OriginCheckpoint> o = peer.Announced("AZ");
    REQUIRE(o.ok());
    return *o;
  }
  absl::Status SyncFrom(StorePeer& peer) {
    return kz_syncer.Reconcile("AZ", peer, Announced(peer));
  }
  uint64_t KzSize() { return *kz->LogSize("AZ"); }
  // AZ publishes revisions 1 and 2 of its 2020 return (figures 100, 101) on its node; with the
  // same key, the fork publishes revisions of 2020 with the figures `fork`.
  void Histories(const std::vector<int>& fork) {
    Publish(100);
    Publish(101);
    for (int value : fork) {
      PublishFork(value);
    }
  }
  // KZ takes AZ's log from AZ's node, then meets the fork: the split view is proven (ABORTED),
  // AZ frozen. Returns the one evidence kept, which verifies under AZ's key.
  v1::Evidence ProveSplitView() {
    REQUIRE(SyncFrom(az_peer).ok());
    absl::Status s = SyncFrom(fork_peer);
    INFO(s.message());
    CHECK(absl::IsAborted(s));
    std::vector<v1::Evidence> evidence = Evidence();
    REQUIRE(evidence.size() == 1);
    absl::Status verified = VerifyEvidence(evidence[0], kTestFederation, {az_key.public_key()});
    INFO(verified.message());
    CHECK(verified.ok());
    CHECK(*kz_witness.Frozen("AZ"));
    return evidence[0];
  }
};

TEST_CASE("the backoff doubles from the initial delay and stops at the maximum", "[sync]") {
  SyncOptions options;
  options.backoff_initial = absl::Milliseconds(200);
  options.backoff_max = absl::Seconds(10);
  CHECK(BackoffDelay(options, 1) == absl::Milliseconds(200));
  CHECK(BackoffDelay(options, 2) == absl::Milliseconds(400));
  CHECK(BackoffDelay(options, 3) == absl::Milliseconds(800));
  CHECK(BackoffDelay(options, 6) == absl::Milliseconds(6400));
  CHECK(BackoffDelay(options, 7) == absl::Seconds(10));  // 12.8 s, capped
  CHECK(BackoffDelay(options, 1000) == absl::Seconds(10));

  options.backoff_initial = absl::Seconds(3);
  options.backoff_max = absl::Seconds(5);
  CHECK(BackoffDelay(options, 1) == absl::Seconds(3));
  CHECK(BackoffDelay(options, 2) == absl::Seconds(5));
  // An initial delay above the maximum is capped too.
  options.backoff_initial = absl::Seconds(20);
  CHECK(BackoffDelay(options, 1) == absl::Seconds(5));
}

TEST_CASE("a peer ahead is pulled, verified, stored and cosigned", "[sync]") {
  Net n;
  n.Publish(100);
  n.Publish(101);  // revision 2
  n.Publish(200, "2021");
  REQUIRE(n.SyncFrom(n.az_peer).ok());

  REQUIRE(n.az_peer.pull_calls() == 1);
  CHECK(n.az_peer.pulls()[0].from() == 0);
  CHECK_FALSE(n.az_peer.pulls()[0].headers_only());
  REQUIRE(n.KzSize() == 3);
  std::vector<v1::LogEntry> ours = *n.kz->ReadLog("AZ"), theirs = *n.az->ReadLog("AZ");
  REQUIRE(ours.size() == theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    CHECK(ours[i].SerializeAsString() == theirs[i].SerializeAsString());
  }
  CHECK(StoredCells(*n.kz, "AZ", "2020", 2).size() == 3);

  absl::StatusOr<v1::StoredCheckpoint> stored = n.kz->GetCheckpoint("AZ", 3);
  REQUIRE(stored.ok());
  CHECK(stored->note() == n.az->LatestCheckpoint("AZ")->note());
  CHECK(CosignedBy(*stored, "KZ", n.kz_witness_key.public_key()));
  // The line is by KZ's witness name, not another's.
  CHECK_FALSE(CosignedBy(*stored, "HU", n.kz_witness_key.public_key()));
  CHECK(stored->cosignature_lines_size() == 1);
}

TEST_CASE("a node without a witness key replicates but cosigns nothing", "[sync]") {
  Net n;
  n.Publish(100);
  Witness witness(n.hu.logs.get(), &n.directory, "KZ", {}, &n.clock, &n.logger);
  Syncer syncer(n.hu.logs.get(), &n.directory, &witness, &n.clock, &n.logger, SyncOptions());
  REQUIRE(syncer.Reconcile("AZ", n.az_peer, n.Announced(n.az_peer)).ok());
  CHECK(*n.hu->LogSize("AZ") == 1);
  CHECK(n.hu->GetCheckpoint("AZ", 1)->cosignature_lines_size() == 0);
}

TEST_CASE("cosignatures that come with a pull are kept only if they verify", "[sync]") {
  Net n;
  n.Publish(100);
  n.Publish(101);
  const std::string note = n.az->LatestCheckpoint("AZ")->note();
  const std::string hu_line = CosignLine(note, "HU", n.hu_witness_key);
  const std::string stranger = CosignLine(note, "HU", n.stranger_key);
  const std::string altered = Altered(hu_line);
  // The serving node's store holds lines it never checked (a relay could add anything).
  REQUIRE(n.az->AddCosignatures("AZ", 2, {hu_line, stranger, altered}).ok());
  REQUIRE(n.SyncFrom(n.az_peer).ok());
  absl::StatusOr<v1::StoredCheckpoint> stored = n.kz->GetCheckpoint("AZ", 2);
  REQUIRE(stored.ok());
  CHECK(Contains(*stored, hu_line));
  CHECK_FALSE(Contains(*stored, stranger));
  CHECK_FALSE(Contains(*stored, altered));
  CHECK(CosignedBy(*stored, "KZ", n.kz_witness_key.public_key()));
  CHECK(stored->cosignature_lines_size() == 2);
}

TEST_CASE("a peer at our size is not pulled, its verified cosignatures are merged", "[sync]") {
  Net n;
  n.Publish(100);
  n.Publish(101);
  n.az_peer.limits.max_entries = 1;  // so that KZ stores the checkpoints of sizes 1 and 2
  REQUIRE(n.SyncFrom(n.az_peer).ok());
  const int pulls = n.az_peer.pull_calls();
  REQUIRE(pulls == 2);
  const std::string note = n.az->LatestCheckpoint("AZ")->note();
  const std::string hu_line = CosignLine(note, "HU", n.hu_witness_key);
  v1::OriginCheckpoint theirs = n.Announced(n.az_peer);
  theirs.mutable_checkpoint()->add_cosignature_lines(hu_line);

  SECTION("a valid cosignature of a bundle witness is merged") {
    REQUIRE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    CHECK(n.az_peer.pull_calls() == pulls);
    absl::StatusOr<v1::StoredCheckpoint> stored = n.kz->GetCheckpoint("AZ", 2);
    REQUIRE(stored.ok());
    CHECK(Contains(*stored, hu_line));
    CHECK(stored->cosignature_lines_size() == 2);  // KZ's own and HU's
    // Merging the same again adds nothing.
    REQUIRE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    CHECK(n.kz->GetCheckpoint("AZ", 2)->cosignature_lines_size() == 2);
  }
  SECTION("a witness that rotated its key: its new key's line is merged beside the first") {
    REQUIRE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    const PrivateKey hu_new = *PrivateKey::Generate();
    v1::TrustBundle next = n.keys.Bundle();
    next.set_version(2);
    for (v1::Member& m : *next.mutable_members()) {
      if (m.code() == "HU") {
        m.add_witness_keys()->set_ed25519(hu_new.public_key().raw());
      }
    }
    REQUIRE(n.directory.Update(TrustAnchor{{}, {}, {}, next}).ok());
    const std::string hu_new_line = CosignLine(note, "HU", hu_new);
    theirs.mutable_checkpoint()->add_cosignature_lines(hu_new_line);
    REQUIRE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    absl::StatusOr<v1::StoredCheckpoint> stored = n.kz->GetCheckpoint("AZ", 2);
    REQUIRE(stored.ok());
    CHECK(Contains(*stored, hu_line));
    CHECK(Contains(*stored, hu_new_line));
    CHECK(stored->cosignature_lines_size() == 3);  // KZ's own and HU's two
  }
  SECTION("forged cosignature lines are dropped") {
    theirs.mutable_checkpoint()->clear_cosignature_lines();
    const std::string stranger = CosignLine(note, "HU", n.stranger_key);
    const std::string altered = Altered(hu_line);
    // HU's valid cosignature of another checkpoint of AZ, presented as one of this one.
    const std::string other_note =
        CosignLine(n.az->GetCheckpoint("AZ", 1)->note(), "HU", n.hu_witness_key);
    for (const std::string& line : {stranger, altered, other_note}) {
      theirs.mutable_checkpoint()->add_cosignature_lines(line);
    }
    REQUIRE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    CHECK(n.az_peer.pull_calls() == pulls);
    absl::StatusOr<v1::StoredCheckpoint> stored = n.kz->GetCheckpoint("AZ", 2);
    REQUIRE(stored.ok());
    CHECK(stored->cosignature_lines_size() == 1);  // only KZ's own
    CHECK_FALSE(Contains(*stored, stranger));
    CHECK_FALSE(Contains(*stored, altered));
    CHECK_FALSE(Contains(*stored, other_note));
  }
  SECTION("a peer behind: cosignatures of the prefix checkpoint are merged into it") {
    v1::OriginCheckpoint behind;
    behind.set_origin("AZ");
    behind.set_size(1);
    const std::string note1 = n.az->GetCheckpoint("AZ", 1)->note();
    behind.mutable_checkpoint()->set_note(note1);
    const std::string line1 = CosignLine(note1, "HU", n.hu_witness_key);
    behind.mutable_checkpoint()->add_cosignature_lines(line1);
    REQUIRE(n.kz_syncer.Reconcile("AZ", n.az_peer, behind).ok());
    CHECK(n.az_peer.pull_calls() == pulls);
    CHECK(Contains(*n.kz->GetCheckpoint("AZ", 1), line1));
    CHECK_FALSE(Contains(*n.kz->GetCheckpoint("AZ", 2), line1));
    CHECK(n.KzSize() == 2);
  }
}

TEST_CASE("a checkpoint the origin did not sign is refused and nothing is stored", "[sync]") {
  Net n;
  n.Publish(100);
  n.Publish(101);
  v1::OriginCheckpoint theirs = n.Announced(n.az_peer);
  const std::string genuine = theirs.checkpoint().note();

  SECTION("the announced checkpoint is signed by another key") {
    theirs.mutable_checkpoint()->set_note(Resign(genuine, n.stranger_key));
    absl::Status s = n.kz_syncer.Reconcile("AZ", n.az_peer, theirs);
    INFO(s.message());
    CHECK(absl::IsInvalidArgument(s));
    CHECK(n.az_peer.pull_calls() == 0);
  }
  SECTION("the announced checkpoint names another log") {
    absl::StatusOr<Note> parsed = ParseNote(genuine);
    REQUIRE(parsed.ok());
    absl::StatusOr<Checkpoint> cp = ParseCheckpoint(parsed->text);
    REQUIRE(cp.ok());
    cp->origin = LogName(kTestFederation, "KZ");
    Note other{FormatCheckpoint(*cp), {}};
    REQUIRE(SignNote(&other, LogName(kTestFederation, "AZ"), n.az_key).ok());
    theirs.mutable_checkpoint()->set_note(FormatNote(other));
    CHECK(absl::IsInvalidArgument(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs)));
    CHECK(n.az_peer.pull_calls() == 0);
  }
  SECTION("the pulled checkpoint is signed by another key") {
    n.az_peer.checkpoint_note = Resign(genuine, n.stranger_key);
    absl::Status s = n.kz_syncer.Reconcile("AZ", n.az_peer, theirs);
    INFO(s.message());
    CHECK(absl::IsInvalidArgument(s));
    CHECK(n.az_peer.pull_calls() == 1);
  }
  SECTION("the pulled checkpoint, validly signed, is not of the size the pull reaches") {
    n.az_peer.checkpoint_note = n.az->GetCheckpoint("AZ", 1)->note();
    absl::Status s = n.kz_syncer.Reconcile("AZ", n.az_peer, theirs);
    INFO(s.message());
    CHECK(absl::IsInvalidArgument(s));
  }
  SECTION("the pulled cells are tampered with") {
    n.az_peer.chunk_mutator = [](v1::PullChunk* chunk) {
      if (chunk->has_cells()) {
        std::string cells = chunk->cells();
        cells[cells.find(",7856,")] = ';';
        chunk->set_cells(cells);
      }
      return true;
    };
    CHECK(absl::IsInvalidArgument(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs)));
  }
  CHECK(n.KzSize() == 0);
  CHECK_FALSE(n.kz->LatestCheckpoint("AZ").ok());
  CHECK(n.Evidence().empty());
}

TEST_CASE("a pull capped by the serving node's limits is completed by further pulls", "[sync]") {
  Net n;
  for (int i = 0; i < 5; ++i) {
    n.Publish(100 + i, absl::StrCat(2015 + i));
  }
  SECTION("by entries") { n.az_peer.limits.max_entries = 2; }
  SECTION("by cells") { n.az_peer.limits.max_cells = 4; }  // 3 cells a return
  REQUIRE(n.SyncFrom(n.az_peer).ok());
  CHECK(n.KzSize() == 5);
  REQUIRE(n.az_peer.pull_calls() == 3);
  CHECK(n.az_peer.pulls()[0].from() == 0);
  CHECK(n.az_peer.pulls()[1].from() == 2);
  CHECK(n.az_peer.pulls()[2].from() == 4);
  // Each batch's checkpoint was stored and cosigned as it arrived.
  for (uint64_t size : {2, 4, 5}) {
    absl::StatusOr<v1::StoredCheckpoint> cp = n.kz->GetCheckpoint("AZ", size);
    REQUIRE(cp.ok());
    CHECK(cp->note() == n.az->GetCheckpoint("AZ", size)->note());
    CHECK(CosignedBy(*cp, "KZ", n.kz_witness_key.public_key()));
  }
}

TEST_CASE("an origin that does not share with this node is neither pulled nor stored", "[sync]") {
  Net n;
  n.Publish(100);
  Witness witness(n.hu.logs.get(), &n.directory, "HU", {&n.hu_witness_key}, &n.clock, &n.logger);
  Syncer syncer(n.hu.logs.get(), &n.directory, &witness, &n.clock, &n.logger, SyncOptions());
  // The peer (wrongly) offers AZ's checkpoint to HU.
  absl::Status s = syncer.Reconcile("KZ", n.az_peer, n.Announced(n.az_peer));
  INFO(s.message());
  CHECK(absl::IsInvalidArgument(s));
  CHECK(absl::StrContains(s.message(), "does not share its data with HU"));
  CHECK(n.az_peer.pull_calls() == 0);
  CHECK(*n.hu->LogSize("AZ") == 0);
}

TEST_CASE("a checkpoint of our own log beyond its end: the entries are taken back first",
          "[sync]") {
  Net n;
  // `fork` repeats AZ's two returns (same key, same clock: the same entries) and adds a third:
  // what AZ's node signed before its folder was restored from a backup of size 2.
  n.Histories({100, 101, 102});
  REQUIRE(n.fork->GetCheckpoint("AZ", 2)->note() == n.az->GetCheckpoint("AZ", 2)->note());
  Witness witness(n.az.logs.get(), &n.directory, "AZ", {&n.keys.WitnessKey("AZ")}, &n.clock,
                  &n.logger);
  Syncer syncer(n.az.logs.get(), &n.directory, &witness, &n.clock, &n.logger, SyncOptions());
  OwnLogGuard guard(OwnLogGuard::Wait::kUntilAsked);
  syncer.set_own_log_guard(&guard);
  CHECK_FALSE(guard.MaySign(2).ok());  // the peers were not asked yet

  StorePeer peer(n.fork.logs.get(), &n.directory, "KZ", "AZ");
  absl::Status s = syncer.Reconcile("KZ", peer, n.Announced(peer));
  INFO(s.message());
  CHECK(s.ok());
  CHECK(guard.shown() == 3);
  CHECK(*n.az->LogSize("AZ") == 3);  // verified and stored as any replica's
  CHECK(n.az->LatestCheckpoint("AZ")->note() == n.fork->LatestCheckpoint("AZ")->note());
  CHECK(n.logger.Count("shows a checkpoint of size 3 signed with this node's log key") == 1);
  CHECK(n.logger.Count("ALARM") == 0);
  // Behind what was shown, nothing may be signed; at the size shown, once the peers were asked.
  CHECK(absl::StrContains(guard.MaySign(2).message(), "recovering own log from peers"));
  CHECK_FALSE(guard.MaySign(3).ok());  // at the size shown, but the peers were not all asked
  guard.PeersAsked();
  CHECK(guard.MaySign(3).ok());
  CHECK(guard.State(3).empty());

  // For a restored folder, an answer counts only once it compared our own log.
  OwnLogGuard restored(OwnLogGuard::Wait::kUntilAnswered);
  restored.PeersAsked();
  syncer.set_own_log_guard(&restored);
  CHECK(syncer.Exchange("KZ", peer, v1::CheckpointsResponse()).ok());
  CHECK_FALSE(restored.MaySign(3).ok());
  v1::CheckpointsResponse with_ours;
  *with_ours.add_origins() = n.Announced(peer);
  CHECK(syncer.Exchange("KZ", peer, with_ours).ok());
  CHECK(restored.MaySign(3).ok());
}

TEST_CASE("our own log forked by our own key is still a split view, and nothing is signed",
          "[sync]") {
  Net n;
  n.Publish(100);
  n.Publish(101);
  // The peer holds another history of AZ under AZ's key: AZ's first return, then others.
  n.PublishFork(100);
  n.PublishFork(999);
  n.PublishFork(102);
  Witness witness(n.az.logs.get(), &n.directory, "AZ", {&n.keys.WitnessKey("AZ")}, &n.clock,
                  &n.logger);
  Syncer syncer(n.az.logs.get(), &n.directory, &witness, &n.clock, &n.logger, SyncOptions());
  OwnLogGuard guard(OwnLogGuard::Wait::kNo);
  syncer.set_own_log_guard(&guard);
  StorePeer peer(n.fork.logs.get(), &n.directory, "KZ", "AZ");
  v1::CheckpointsResponse answer;
  *answer.add_origins() = n.Announced(peer);
  CHECK(syncer.Exchange("KZ", peer, answer).ok());  // a split view is not the peer's fault
  CHECK(*witness.Frozen("AZ"));
  CHECK(*n.az->LogSize("AZ") == 2);
  CHECK(absl::StrContains(guard.MaySign(2).message(), "the own log is frozen"));
  CHECK(absl::StrContains(guard.MaySign(3).message(), "the own log is frozen"));
}

TEST_CASE("a checkpoint of our size with another root proves a split view", "[sync]") {
  Net n;
  n.Histories({100, 999});  // the same size, another root
  const v1::Evidence evidence = n.ProveSplitView();
  CHECK(n.fork_peer.pull_calls() == 0);
  CHECK(evidence.reported_by() == "KZ");
  CHECK(n.logger.Count("ALARM split view") == 1);

  // From now on nothing more of AZ is taken, however valid.
  n.Publish(102);
  const int pulls = n.az_peer.pull_calls();
  CHECK(n.SyncFrom(n.az_peer).ok());
  CHECK(n.SyncFrom(n.az_peer).ok());
  CHECK(n.az_peer.pull_calls() == pulls);
  CHECK(n.logger.Count("is frozen after a split view") == 1);  // said once per size
  CHECK(n.KzSize() == 2);
  CHECK(n.kz->LatestCheckpoint("AZ")->note() == n.az->GetCheckpoint("AZ", 2)->note());
  // Meeting the fork again stores nothing new.
  n.SyncFrom(n.fork_peer).IgnoreError();
  CHECK(n.Evidence().size() == 1);
}

TEST_CASE("a smaller checkpoint with another root proves a split view", "[sync]") {
  Net n;
  n.Histories({999});
  CHECK(n.ProveSplitView().leaf_hashes_size() == 2);
}

TEST_CASE("a larger fork fails the consistency proof and the probe proves the split view",
          "[sync]") {
  Net n;
  n.Histories({100, 999, 1000});
  CHECK(n.ProveSplitView().leaf_hashes_size() == 3);
  REQUIRE(n.fork_peer.pull_calls() == 2);
  CHECK(n.fork_peer.pulls()[0].from() == 2);
  CHECK(n.fork_peer.pulls()[1].from() == 0);
  CHECK(n.fork_peer.pulls()[1].headers_only());
  CHECK(n.KzSize() == 2);
  CHECK(n.kz->LatestCheckpoint("AZ")->note() == n.az->GetCheckpoint("AZ", 2)->note());
}

TEST_CASE("a wrong consistency proof for an honest extension is the peer's fault", "[sync]") {
  Net n;
  n.Publish(100);
  n.Publish(101);
  REQUIRE(n.SyncFrom(n.az_peer).ok());
  n.Publish(102);
  n.Publish(103);
  const int pulls = n.az_peer.pull_calls();

  SECTION("a hash of the proof changed") {
    n.az_peer.chunk_mutator = [](v1::PullChunk* chunk) {
      if (chunk->has_start() && chunk->start().consistency_proof_size() > 0) {
        std::string* h = chunk->mutable_start()->mutable_consistency_proof(0);
        (*h)[0] ^= 1;
      }
      return true;
    };
  }
  SECTION("the proof left out") {
    n.az_peer.chunk_mutator = [](v1::PullChunk* chunk) {
      if (chunk->has_start()) {
        chunk->mutable_start()->clear_consistency_proof();
      }
      return true;
    };
  }
  absl::Status s = n.SyncFrom(n.az_peer);
  INFO(s.message());
  CHECK(absl::IsInvalidArgument(s));
  CHECK(n.az_peer.pull_calls() == pulls + 2);  // the batch, then the probe
  CHECK(n.Evidence().empty());
  CHECK_FALSE(*n.kz_witness.Frozen("AZ"));
  CHECK(n.KzSize() == 2);

  // An honest peer is then followed as usual.
  n.az_peer.chunk_mutator = nullptr;
  REQUIRE(n.SyncFrom(n.az_peer).ok());
  CHECK(n.KzSize() == 4);
}

TEST_CASE(
    "Exchange records verified evidence, rejects false evidence, and is not failed by a "
    "split view",
    "[sync]") {
  Net n;
  n.Histories({100, 999});
  REQUIRE(n.SyncFrom(n.az_peer).ok());

  SECTION("a split view met in the answer") {
    absl::StatusOr<v1::CheckpointsResponse> answer = n.fork_peer.Checkpoints();
    REQUIRE(answer.ok());
    CHECK(n.kz_syncer.Exchange("AZ", n.fork_peer, *answer).ok());
    CHECK(n.Evidence().size() == 1);
  }
  SECTION("evidence a peer holds") {
    v1::Evidence e;
    e.set_origin("AZ");
    e.set_note_a(n.az->GetCheckpoint("AZ", 2)->note());
    e.set_note_b(n.fork->GetCheckpoint("AZ", 2)->note());
    e.set_reported_by("HU");
    v1::CheckpointsResponse answer;
    answer.set_member("HU");
    *answer.add_evidence() = e;
    CHECK(n.kz_syncer.Exchange("HU", n.az_peer, answer).ok());
    std::vector<v1::Evidence> evidence = n.Evidence();
    REQUIRE(evidence.size() == 1);
    CHECK(evidence[0].reported_by() == "HU");
    CHECK(*n.kz_witness.Frozen("AZ"));
  }
  SECTION("evidence that proves nothing") {
    v1::Evidence e;
    e.set_origin("AZ");
    e.set_note_a(n.az->GetCheckpoint("AZ", 2)->note());
    e.set_note_b(Resign(n.az->GetCheckpoint("AZ", 2)->note(), n.az_key));  // consistent
    v1::CheckpointsResponse answer;
    *answer.add_evidence() = e;
    e.set_note_b(Resign(n.fork->GetCheckpoint("AZ", 2)->note(), n.stranger_key));  // not AZ's
    *answer.add_evidence() = e;
    absl::Status s = n.kz_syncer.Exchange("HU", n.az_peer, answer);
    CHECK(absl::IsInvalidArgument(s));
    CHECK(n.Evidence().empty());
    CHECK_FALSE(*n.kz_witness.Frozen("AZ"));
  }
}

TEST_CASE("a slow peer does not hold up an origin another peer delivers", "[sync]") {
  Net n;
  n.Publish(100);
  // The slow peer stalls inside its pull until released.
  StorePeer slow{n.az.logs.get(), &n.directory, "AZ", "KZ"};
  StorePeer fast{n.az.logs.get(), &n.directory, "AZ", "KZ"};
  absl::Notification entered, release;
  slow.chunk_mutator = [&](v1::PullChunk*) {
    if (!entered.HasBeenNotified()) {
      entered.Notify();
      release.WaitForNotification();
    }
    return true;
  };
  absl::Status slow_result;
  std::thread stalled([&] { slow_result = n.SyncFrom(slow); });
  entered.WaitForNotification();

  // While the stalled pull is recent, the same size from another peer is not pulled twice...
  REQUIRE(n.SyncFrom(fast).ok());
  CHECK(fast.pull_calls() == 0);
  CHECK(n.KzSize() == 0);
  // ...but once it has taken longer than the poll interval, the other peer delivers it, with
  // no lock held by the stalled call.
  n.clock.Advance(SyncOptions().poll_interval + absl::Seconds(1));
  REQUIRE(n.SyncFrom(fast).ok());
  CHECK(fast.pull_calls() == 1);
  CHECK(n.KzSize() == 1);

  // The stalled pull finishes late: the store refuses its stale batch; nothing is doubled.
  release.Notify();
  stalled.join();
  INFO(slow_result.message());
  CHECK(slow_result.ok());
  CHECK(n.KzSize() == 1);
}

TEST_CASE("retries are jittered: within the upper half of the delay, and not all equal", "[sync]") {
  absl::BitGen gen;
  const absl::Duration delay = absl::Seconds(4);
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const absl::Duration d = Jittered(delay, gen);
    CHECK(d > delay / 2);
    CHECK(d <= delay);
    seen.insert(absl::ToInt64Microseconds(d));
  }
  CHECK(seen.size() > 100);
}

TEST_CASE("the largest checkpoint seen cosigned is kept, held or not", "[sync][freshness]") {
  Net n;
  n.Publish(100);
  n.Publish(101);
  REQUIRE(n.SyncFrom(n.az_peer).ok());  // KZ holds 2
  n.Publish(200, "2021");
  v1::OriginCheckpoint theirs = n.Announced(n.az_peer);  // size 3
  REQUIRE(theirs.size() == 3);

  SECTION("announced without a witness's cosignature: not recorded") {
    n.az_peer.error = absl::UnavailableError("the relay dropped the pull");
    CHECK_FALSE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    CHECK(n.kz->SeenCheckpoints()->empty());
  }
  SECTION("cosigned by HU, but the pull fails: KZ knows it is behind") {
    theirs.mutable_checkpoint()->add_cosignature_lines(
        CosignLine(theirs.checkpoint().note(), "HU", n.hu_witness_key));
    theirs.mutable_checkpoint()->add_cosignature_lines(
        Altered(CosignLine(theirs.checkpoint().note(), "KZ", n.kz_witness_key)));
    n.az_peer.error = absl::UnavailableError("the relay dropped the pull");
    CHECK_FALSE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    CHECK(n.KzSize() == 2);
    absl::StatusOr<std::map<std::string, v1::SeenCheckpoint>> seen = n.kz->SeenCheckpoints();
    REQUIRE(seen.ok());
    REQUIRE(seen->count("AZ") == 1);
    const v1::SeenCheckpoint& az = seen->at("AZ");
    CHECK(az.size() == 3);
    CHECK(az.seen_from() == "AZ");
    // Only the line that verified is kept.
    CHECK(std::vector<std::string>(az.cosigned_by().begin(), az.cosigned_by().end()) ==
          std::vector<std::string>{"HU"});
    CHECK(az.checkpoint().cosignature_lines_size() == 1);
    CHECK(az.checkpoint().note() == theirs.checkpoint().note());

    // KZ says so: in its status, and in a table taken at the latest checkpoints.
    absl::StatusOr<v1::StatusResponse> status = DescribeNode(
        *n.kz, n.directory, "KZ", "now", CallerIdentity{"KZ", v1::TlsIdentity::AUDITOR, "kz", ""});
    REQUIRE(status.ok());
    REQUIRE(status->origins_size() == 1);
    CHECK(status->origins(0).seen().size() == 3);
    CHECK(absl::StartsWith(status->origins(0).behind(),
                           "AZ: data at size 2, size 3 cosigned by "
                           "HU since "));
    v1::ConsolidatedRequest request;
    request.set_period("2020");
    absl::StatusOr<v1::ConsolidatedResponse> table =
        Consolidate(*n.kz.logs, request, [](absl::string_view) { return true; });
    REQUIRE(table.ok());
    CHECK(table->checkpoints(0).behind() == status->origins(0).behind());
    CHECK(std::count_if(table->notes().begin(), table->notes().end(), [](const std::string& note) {
            return absl::StartsWith(note, "BEHIND AZ: data at size 2, size 3");
          }) == 1);
    // Taken at a named size, the table is what it says it is: no gap to report.
    (*request.mutable_at_sizes())["AZ"] = 2;
    table = Consolidate(*n.kz.logs, request, [](absl::string_view) { return true; });
    REQUIRE(table.ok());
    CHECK(table->checkpoints(0).behind().empty());

    // A smaller one seen later does not replace it; once the pull succeeds, KZ is not behind.
    n.az_peer.error = absl::OkStatus();
    REQUIRE(n.kz_syncer.Reconcile("AZ", n.az_peer, theirs).ok());
    CHECK(n.KzSize() == 3);
    CHECK(n.kz->SeenCheckpoints()->at("AZ").size() == 3);
  }
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

// PeerStatus.lags of `member` in `syncer`'s statuses, for `origin`.
v1::OriginLag LagOf(const Syncer& syncer, const std::string& member, const std::string& origin) {
  for (const v1::PeerStatus& p : syncer.PeerStatuses()) {
    if (p.member() != member) {
      continue;
    }
    for (const v1::OriginLag& lag : p.lags()) {
      if (lag.origin() == origin) {
        return lag;
      }
    }
  }
  FAIL("no lag of " << origin << " for peer " << member);
  return {};
}

TEST_CASE("the lag behind a peer counts entries it announced and since when they are missing",
          "[sync]") {
  Net n;
  n.Publish(100);
  n.Publish(101);
  n.kz_syncer.AddPeer("AZ", "az.example:7401",
                      std::make_unique<StorePeer>(n.az.logs.get(), &n.directory, "AZ", "KZ"));
  // AZ's node announces its two entries but withholds them: every pulled chunk is dropped.
  StorePeer withholding{n.az.logs.get(), &n.directory, "AZ", "KZ"};
  withholding.chunk_mutator = [](v1::PullChunk*) { return false; };
  v1::CheckpointsResponse answer;
  answer.set_member("AZ");
  *answer.add_origins() = n.Announced(withholding);
  (void)n.kz_syncer.Exchange("AZ", withholding, answer);
  REQUIRE(n.KzSize() == 0);
  v1::OriginLag lag = LagOf(n.kz_syncer, "AZ", "AZ");
  CHECK(lag.peer_size() == 2);
  CHECK(lag.behind_entries() == 2);
  CHECK(lag.behind_seconds() == 0);

  // Still behind 90 s later, at the next answer: the lag dates from the first.
  n.clock.Advance(absl::Seconds(90));
  (void)n.kz_syncer.Exchange("AZ", withholding, answer);
  lag = LagOf(n.kz_syncer, "AZ", "AZ");
  CHECK(lag.behind_entries() == 2);
  CHECK(lag.behind_seconds() == 90);

  // An answer whose checkpoint AZ did not sign moves nothing.
  v1::CheckpointsResponse forged = answer;
  forged.mutable_origins(0)->mutable_checkpoint()->set_note("not a checkpoint");
  forged.mutable_origins(0)->set_size(50);
  (void)n.kz_syncer.Exchange("AZ", withholding, forged);
  CHECK(LagOf(n.kz_syncer, "AZ", "AZ").peer_size() == 2);

  // Once the entries arrive, nothing is behind.
  REQUIRE(n.kz_syncer.Exchange("AZ", n.az_peer, answer).ok());
  REQUIRE(n.KzSize() == 2);
  lag = LagOf(n.kz_syncer, "AZ", "AZ");
  CHECK(lag.peer_size() == 2);
  CHECK(lag.behind_entries() == 0);
  CHECK(lag.behind_seconds() == 0);
}

}  // namespace
}  // namespace ots
