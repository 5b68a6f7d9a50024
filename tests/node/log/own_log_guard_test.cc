#include "node/log/own_log_guard.h"

#include <thread>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace ots {
namespace {

TEST_CASE("own log: a node behind what its peers showed signs nothing", "[own-log]") {
  OwnLogGuard guard(OwnLogGuard::Wait::kNo);
  CHECK(guard.MaySign(0).ok());
  guard.NoteShown(3);
  guard.NoteShown(2);  // a smaller size does not lower what was shown
  CHECK(guard.shown() == 3);
  absl::Status s = guard.MaySign(1);
  CHECK(absl::IsUnavailable(s));
  CHECK(absl::StrContains(s.message(),
                          "recovering own log from peers: holds 1 entry, peers showed 3"));
  CHECK(absl::StartsWith(guard.State(2), "recovering own log from peers: holds 2 entries"));
  CHECK(guard.MaySign(3).ok());
  CHECK(guard.MaySign(4).ok());
  CHECK(guard.State(3).empty());
}

TEST_CASE("own log: an empty folder waits until every peer was asked", "[own-log]") {
  OwnLogGuard guard(OwnLogGuard::Wait::kUntilAsked);
  absl::Status s = guard.MaySign(0);
  CHECK(absl::IsUnavailable(s));
  CHECK(absl::StrContains(s.message(), "waiting for every peer"));
  guard.AwaitPeers(absl::ZeroDuration());  // returns: the wait is bounded
  guard.PeerAnswered();                    // one answer is not every peer
  CHECK_FALSE(guard.MaySign(0).ok());
  std::thread asker([&guard] { guard.PeersAsked(); });
  guard.AwaitPeers(absl::InfiniteDuration());  // returns once asked
  asker.join();
  CHECK(guard.MaySign(0).ok());
}

TEST_CASE("own log: a restored folder waits for an answer, not for failures", "[own-log]") {
  OwnLogGuard first_answer(OwnLogGuard::Wait::kUntilAnswered);
  first_answer.PeerAnswered();  // one peer answered, the others were not asked yet
  CHECK_FALSE(first_answer.MaySign(1).ok());

  OwnLogGuard guard(OwnLogGuard::Wait::kUntilAnswered);
  guard.PeersAsked();  // every peer failed: no answer yet
  absl::Status s = guard.MaySign(1);
  CHECK(absl::IsUnavailable(s));
  CHECK(absl::StrContains(s.message(), "the data folder was restored, and holds 1 entry"));
  guard.PeerAnswered();
  CHECK(guard.MaySign(1).ok());
  guard.NoteShown(4);  // what the answer showed
  CHECK_FALSE(guard.MaySign(1).ok());
  CHECK(guard.MaySign(4).ok());
}

TEST_CASE("own log: a frozen own log signs nothing, whatever the peers showed", "[own-log]") {
  OwnLogGuard guard(OwnLogGuard::Wait::kNo);
  CHECK(guard.MaySign(5).ok());
  guard.NoteFrozen();
  CHECK(absl::StrContains(guard.MaySign(5).message(), "signed two histories"));
}

TEST_CASE("own log: stopping wakes a waiting submission and refuses it", "[own-log]") {
  OwnLogGuard guard(OwnLogGuard::Wait::kUntilAnswered);
  std::thread stopper([&guard] { guard.Stop(); });
  guard.AwaitPeers(absl::InfiniteDuration());  // returns once stopped
  stopper.join();
  CHECK(absl::StrContains(guard.MaySign(0).message(), "the node is stopping"));
}

}  // namespace
}  // namespace ots
