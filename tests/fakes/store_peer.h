// An in-process PeerTransport: the node of `self` answering `caller` from its Store, through the
// same protocol code the gRPC service uses (LatestCheckpoints, ServePull) and the same
// PullAssembler the gRPC client uses. Tests tamper with what it returns through the public hooks
// and count the calls it receives.
//
// Not thread-safe: hooks are set before the peer is used, from the test's thread.
#ifndef OTS_TESTS_FAKES_STORE_PEER_H_
#define OTS_TESTS_FAKES_STORE_PEER_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/log/origin_log.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"
#include "sync/federation.h"
#include "sync/peer_transport.h"

namespace ots {

class StorePeer : public PeerTransport {
 public:
  // `logs` and `directory` must outlive the peer.
  StorePeer(OriginLogs* logs, const Directory* directory, std::string self, std::string caller)
      : logs_(logs), directory_(directory), self_(std::move(self)), caller_(std::move(caller)) {}

  // What the serving node allows itself per pull. Default: PullLimits().
  PullLimits limits;
  // Called on every chunk the server writes, before the assembler sees it; may change it.
  // Returning false drops the chunk. Default: none.
  std::function<bool(v1::PullChunk*)> chunk_mutator;
  // If set, replaces the checkpoint note in every pull's start. Default: none.
  std::optional<std::string> checkpoint_note;
  // If not OK, every call fails with it. Default: OK.
  absl::Status error = absl::OkStatus();

  int checkpoints_calls() const { return checkpoints_calls_; }
  int pull_calls() const { return static_cast<int>(pulls_.size()); }
  const std::vector<v1::PullRequest>& pulls() const { return pulls_; }

  absl::StatusOr<v1::CheckpointsResponse> Checkpoints() override {
    ++checkpoints_calls_;
    if (!error.ok()) {
      return error;
    }
    if (cancelled_) {
      return absl::CancelledError("cancelled");
    }
    return LatestCheckpoints(logs_->store(), *directory_, self_, caller_);
  }

  // The peer's OriginCheckpoint of `origin` as it would announce it to `caller`.
  absl::StatusOr<v1::OriginCheckpoint> Announced(const std::string& origin) {
    absl::StatusOr<v1::CheckpointsResponse> all =
        LatestCheckpoints(logs_->store(), *directory_, self_, caller_);
    if (!all.ok()) {
      return all.status();
    }
    for (const v1::OriginCheckpoint& o : all->origins()) {
      if (o.origin() == origin) {
        return o;
      }
    }
    return absl::NotFoundError(origin + " is not announced");
  }

  absl::StatusOr<PulledBatch> Pull(const v1::PullRequest& request) override {
    pulls_.push_back(request);
    if (!error.ok()) {
      return error;
    }
    if (cancelled_) {
      return absl::CancelledError("cancelled");
    }
    PullAssembler assembler(request.origin(), request.headers_only());
    absl::Status assembled = absl::OkStatus();
    absl::Status served =
        ServePull(*logs_, *directory_, caller_, request, limits, [&](const v1::PullChunk& chunk) {
          v1::PullChunk c = chunk;
          if (c.has_start() && checkpoint_note.has_value()) {
            c.mutable_start()->set_checkpoint_note(*checkpoint_note);
          }
          if (chunk_mutator && !chunk_mutator(&c)) {
            return true;
          }
          assembled = assembler.Add(c);
          return assembled.ok();
        });
    if (!assembled.ok()) {
      return assembled;
    }
    if (!served.ok()) {
      return served;
    }
    return assembler.Finish();
  }

  // One answer, then the stream ends.
  absl::Status Watch(
      const std::function<void(const v1::CheckpointsResponse&)>& on_update) override {
    absl::StatusOr<v1::CheckpointsResponse> now = Checkpoints();
    if (!now.ok()) {
      return now.status();
    }
    on_update(*now);
    return absl::OkStatus();
  }

  void Cancel() override { cancelled_ = true; }

 private:
  OriginLogs* const logs_;
  const Directory* const directory_;
  const std::string self_;
  const std::string caller_;
  int checkpoints_calls_ = 0;
  std::vector<v1::PullRequest> pulls_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace ots

#endif  // OTS_TESTS_FAKES_STORE_PEER_H_
