// A PeerTransport whose Watch and Checkpoints calls follow a script, for tests of the syncer's
// per-peer loop (Syncer::Run): each call fails, delivers an answer and then ends some way, or
// blocks until Cancel, as a real stream blocks until the server answers. Once its script has run
// out a call blocks, so that a loop under test stops at a known point; the test waits for that
// with a deadline (AwaitBlocked), never a sleep.
//
// Thread-safe: the syncer's thread calls it while the test's thread waits on it.
#ifndef OTS_TESTS_FAKES_SCRIPTED_PEER_H_
#define OTS_TESTS_FAKES_SCRIPTED_PEER_H_

#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sync/peer_transport.h"

namespace ots {

class ScriptedPeer : public PeerTransport {
 public:
  // What one call does: delivers `answer` first (if `deliver`), then ends with `ends`, or blocks
  // until Cancel (then ends CANCELLED) if `block`.
  struct Step {
    bool deliver = false;
    absl::Status ends = absl::OkStatus();
    bool block = false;
  };
  static Step Fail(absl::Status s) { return Step{false, std::move(s), false}; }
  static Step Answer(absl::Status then = absl::OkStatus()) { return Step{true, std::move(then)}; }
  static Step AnswerThenBlock() { return Step{true, absl::OkStatus(), true}; }
  static Step Block() { return Step{false, absl::OkStatus(), true}; }

  // What every delivered answer is. Default: an empty answer from "AZ".
  v1::CheckpointsResponse answer = [] {
    v1::CheckpointsResponse r;
    r.set_member("AZ");
    return r;
  }();
  // What TrustBundle answers; unset: UNIMPLEMENTED, as the default PeerTransport.
  std::function<absl::StatusOr<v1::TrustBundleResponse>()> bundle;
  // Called at the start of every call (outside any lock of this peer); what it returns is kept,
  // in order, in observed(). Default: none.
  std::function<std::string()> observe;

  void ScriptWatch(std::vector<Step> steps) {
    absl::MutexLock lock(&mu_);
    watch_.assign(steps.begin(), steps.end());
  }
  void ScriptCheckpoints(std::vector<Step> steps) {
    absl::MutexLock lock(&mu_);
    checkpoints_.assign(steps.begin(), steps.end());
  }

  // Waits until a call is blocked, at most `timeout`. Returns whether one is.
  bool AwaitBlocked(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&blocked_), timeout);
  }

  // How the peer has been called so far.
  struct Calls {
    int watch = 0;        // Watch calls made
    int checkpoints = 0;  // Checkpoints calls made
    int bundles = 0;      // TrustBundle calls made
    int returned = 0;     // calls of both kinds that have returned
    bool cancelled = false;
  };
  Calls calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<std::string> observed() const {
    absl::MutexLock lock(&mu_);
    return observed_;
  }

  absl::StatusOr<v1::CheckpointsResponse> Checkpoints() override {
    const Step step = Next(/*watch=*/false);
    absl::Status ends = Finish(step);
    if (step.deliver && ends.ok()) {
      return answer;
    }
    return ends.ok() ? absl::InternalError("a poll must answer or fail") : ends;
  }

  absl::StatusOr<PulledBatch> Pull(const v1::PullRequest& /*request*/) override {
    return absl::UnimplementedError("ScriptedPeer serves no pulls");
  }

  absl::Status Watch(
      const std::function<void(const v1::CheckpointsResponse&)>& on_update) override {
    const Step step = Next(/*watch=*/true);
    if (step.deliver) {
      on_update(answer);
    }
    return Finish(step);
  }

  absl::StatusOr<v1::TrustBundleResponse> TrustBundle() override {
    {
      absl::MutexLock lock(&mu_);
      ++calls_.bundles;
    }
    return bundle ? bundle() : PeerTransport::TrustBundle();
  }

  void Cancel() override {
    absl::MutexLock lock(&mu_);
    calls_.cancelled = true;
  }

 private:
  // The step of this Watch (or Checkpoints) call: Block once the script has run out. Counted and
  // observed.
  Step Next(bool watch) {
    std::string seen = observe ? observe() : std::string();
    absl::MutexLock lock(&mu_);
    ++(watch ? calls_.watch : calls_.checkpoints);
    std::deque<Step>& script = watch ? watch_ : checkpoints_;
    if (observe) {
      observed_.push_back(std::move(seen));
    }
    if (script.empty()) {
      return Block();
    }
    Step step = std::move(script.front());
    script.pop_front();
    return step;
  }
  // How the call ends: at once, or once cancelled if it blocks.
  absl::Status Finish(const Step& step) {
    absl::MutexLock lock(&mu_);
    if (step.block) {
      blocked_ = true;
      mu_.Await(absl::Condition(&calls_.cancelled));
      blocked_ = false;
    }
    ++calls_.returned;
    return step.block ? absl::CancelledError("cancelled") : step.ends;
  }

  mutable absl::Mutex mu_;
  std::deque<Step> watch_ ABSL_GUARDED_BY(mu_);
  std::deque<Step> checkpoints_ ABSL_GUARDED_BY(mu_);
  Calls calls_ ABSL_GUARDED_BY(mu_);
  bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> observed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ots

#endif  // OTS_TESTS_FAKES_SCRIPTED_PEER_H_
