#include "node/log/own_log_guard.h"

#include "absl/strings/str_cat.h"
#include "node/base/clock.h"

namespace ots {
namespace {

std::string Entries(uint64_t n) { return absl::StrCat(n, n == 1 ? " entry" : " entries"); }

}  // namespace

void OwnLogGuard::NoteShown(uint64_t size) {
  absl::MutexLock lock(&mu_);
  if (size > shown_) {
    shown_ = size;
  }
}

void OwnLogGuard::PeersAsked() {
  absl::MutexLock lock(&mu_);
  peers_asked_ = true;
}

void OwnLogGuard::PeerAnswered() {
  absl::MutexLock lock(&mu_);
  peer_answered_ = true;
}

void OwnLogGuard::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void OwnLogGuard::NoteFrozen() {
  absl::MutexLock lock(&mu_);
  frozen_ = true;
}

bool OwnLogGuard::Waiting() const {
  switch (wait_) {
    case Wait::kNo:
      return false;
    case Wait::kUntilAsked:
      return !peers_asked_;
    case Wait::kUntilAnswered:
      return !peers_asked_ || !peer_answered_;
  }
  return true;
}

bool OwnLogGuard::DoneWaiting() const { return stopped_ || !Waiting(); }

void OwnLogGuard::AwaitPeers(absl::Duration timeout) const {
  // Steadily (node/base/clock.h): Abseil's AwaitWithTimeout follows steps of the wall clock.
  WaitSteadily(timeout, [this] {
    absl::MutexLock lock(&mu_);
    return DoneWaiting();
  });
}

std::string OwnLogGuard::State(uint64_t local_size) const {
  absl::MutexLock lock(&mu_);
  if (stopped_) {
    return "the node is stopping";
  }
  if (frozen_) {
    return "the own log is frozen: this node holds proof that its log key signed two histories "
           "(see ALARM in status); the federation accepts nothing more signed with that key, "
           "which must be replaced";
  }
  if (shown_ > local_size) {
    return absl::StrCat("recovering own log from peers: holds ", Entries(local_size),
                        ", peers showed ", shown_,
                        " signed with this node's log key (a restored or lost data folder); "
                        "nothing is signed until they are back");
  }
  if (Waiting()) {
    return wait_ == Wait::kUntilAnswered
               ? absl::StrCat(
                     "waiting for a peer to show its copy of the own log before signing "
                     "(the data folder was restored, and holds ",
                     Entries(local_size), "; no peer that receives it has answered yet)")
               : absl::StrCat(
                     "waiting for every peer to show its copy of the own log before "
                     "signing (holds ",
                     Entries(local_size), ")");
  }
  return "";
}

absl::Status OwnLogGuard::MaySign(uint64_t local_size) const {
  std::string state = State(local_size);
  return state.empty() ? absl::OkStatus()
                       : absl::UnavailableError(absl::StrCat("refusing to sign: ", state));
}

uint64_t OwnLogGuard::shown() const {
  absl::MutexLock lock(&mu_);
  return shown_;
}

}  // namespace ots
