#include "sync/syncer.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/base/clock_check.h"
#include "node/base/rfc3339.h"
#include "node/log/evidence.h"
#include "node/log/log_checker.h"
#include "node/log/names.h"

namespace ots {
absl::Duration BackoffDelay(const SyncOptions& options, int failures) {
  absl::Duration d = options.backoff_initial;
  for (int i = 1; i < failures && d < options.backoff_max; ++i) {
    d *= 2;
  }
  return std::min(d, options.backoff_max);
}

absl::Duration Jittered(absl::Duration delay, absl::BitGenRef gen) {
  return delay - absl::Uniform(gen, 0.0, 0.5) * delay;
}

Syncer::Syncer(OriginLogs* logs, const Directory* directory, Witness* witness, const Clock* clock,
               Logger* logger, const SyncOptions& options)
    : store_(&logs->store()),
      directory_(directory),
      witness_(witness),
      clock_(clock),
      logger_(logger),
      options_(options),
      replicator_(logs, directory, witness->self()) {}

Syncer::~Syncer() { Stop(); }

void Syncer::set_clock_check(ClockCheck* clock_check) {
  clock_check_ = clock_check;
  replicator_.set_clock_check(clock_check);
}

void Syncer::set_bundle_sink(BundleSink sink) { bundle_sink_ = std::move(sink); }

void Syncer::AddPeer(std::string member, std::string endpoint,
                     std::unique_ptr<PeerTransport> transport) {
  ReapRetired();
  auto peer = std::make_unique<Peer>();
  peer->last_ok = clock_->Now();
  peer->member = std::move(member);
  peer->endpoint = std::move(endpoint);
  peer->transport = std::move(transport);
  peer->status.set_member(peer->member);
  peer->status.set_endpoint(peer->endpoint);
  peer->status.set_state("connecting");
  Peer* p = peer.get();
  absl::MutexLock lock(&status_mu_);
  if (stopped_) {
    return;  // shutting down: the transport goes with the peer
  }
  peers_.push_back(std::move(peer));
  if (started_ && !stop_.HasBeenNotified()) {
    p->asked = true;  // the own-log guard counts the peers of the start only
    p->thread = std::thread([this, p] { Run(p); });
  }
}

void Syncer::RemovePeer(absl::string_view member) {
  Peer* removed = nullptr;
  {
    absl::MutexLock lock(&status_mu_);
    if (stopped_) {
      return;  // Stop cancels and joins every peer
    }
    for (auto it = peers_.begin(); it != peers_.end(); ++it) {
      if ((*it)->member == member) {
        removed = it->get();
        removed->stop.Notify();  // under the lock: Stop notifies only peers not yet notified
        retired_.push_back(std::move(*it));
        peers_.erase(it);
        break;
      }
    }
  }
  if (removed != nullptr) {
    removed->transport->Cancel();
  }
  ReapRetired();
}

void Syncer::ReapRetired() {
  std::vector<std::unique_ptr<Peer>> ended;
  {
    absl::MutexLock lock(&status_mu_);
    if (stopped_) {
      return;  // Stop joins them
    }
    for (auto it = retired_.begin(); it != retired_.end();) {
      Peer* p = it->get();
      const bool ours = p->thread.joinable() && p->thread.get_id() == std::this_thread::get_id();
      if (!ours && (!p->thread.joinable() || p->done)) {
        ended.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& p : ended) {
    if (p->thread.joinable()) {
      p->thread.join();
    }
  }
}

std::map<std::string, std::string> Syncer::Peers() const {
  absl::MutexLock lock(&status_mu_);
  std::map<std::string, std::string> out;
  for (const auto& p : peers_) {
    out[p->member] = p->endpoint;
  }
  return out;
}

void Syncer::set_own_log_guard(OwnLogGuard* guard) { own_log_ = guard; }

void Syncer::MarkAsked(Peer* peer) {
  {
    absl::MutexLock lock(&status_mu_);
    if (peer->asked) {
      return;
    }
    peer->asked = true;
    for (const auto& p : peers_) {
      if (!p->asked) {
        return;
      }
    }
  }
  if (own_log_ != nullptr) {
    own_log_->PeersAsked();
  }
}

void Syncer::Start() {
  absl::MutexLock lock(&status_mu_);
  if (started_.exchange(true)) {
    return;
  }
  if (peers_.empty() && own_log_ != nullptr) {
    own_log_->PeersAsked();  // nobody to ask (and so no answer: a restored folder waits)
  }
  for (auto& peer : peers_) {
    Peer* p = peer.get();
    p->thread = std::thread([this, p] { Run(p); });
  }
}

void Syncer::Stop() {
  std::vector<Peer*> all;
  {
    absl::MutexLock lock(&status_mu_);
    // From here on nobody else joins or frees a peer (AddPeer, RemovePeer and ReapRetired do
    // nothing), so the pointers below stay valid; a second Stop only joins what is joinable.
    stopped_ = true;
    if (!stop_.HasBeenNotified()) {
      stop_.Notify();
    }
    for (auto& peer : peers_) {
      all.push_back(peer.get());
    }
    for (auto& peer : retired_) {
      all.push_back(peer.get());
    }
    for (Peer* peer : all) {
      if (!peer->stop.HasBeenNotified()) {
        peer->stop.Notify();
      }
    }
  }
  for (Peer* peer : all) {
    peer->transport->Cancel();
  }
  for (Peer* peer : all) {
    if (peer->thread.joinable()) {
      peer->thread.join();
    }
  }
}

void Syncer::SetState(Peer* peer, absl::string_view state, const absl::Status& result) {
  const absl::Time now = clock_->Now();
  std::string event;
  LogLevel level = LogLevel::kInfo;
  {
    absl::MutexLock lock(&status_mu_);
    peer->status.set_state(std::string(state));
    const absl::Duration age = now - peer->last_ok;
    if (result.ok()) {
      peer->status.set_failures(0);
      peer->status.clear_last_error();
      peer->status.set_last_success_at(Rfc3339(now));
      peer->last_ok = now;
      if (peer->stale_logged) {
        peer->stale_logged = false;
        event = absl::StrCat("sync: ", peer->member, " answers again after ", DescribeOffset(age),
                             " without a successful exchange");
      }
    } else {
      peer->status.set_failures(peer->status.failures() + 1);
      peer->status.set_last_error(std::string(result.message()));
      if (!peer->stale_logged && age >= StaleAfter(options_)) {
        peer->stale_logged = true;
        level = LogLevel::kWarn;
        event = absl::StrCat("sync: ", peer->member, " is stale: no successful exchange for ",
                             DescribeOffset(age), " (last error: ", result.message(), ")");
      }
    }
  }
  if (!event.empty()) {
    logger_->Log(level, absl::StrCat(peer->member, "@", peer->endpoint), event);
  }
}

void Syncer::NoteClock(Peer* peer, const v1::CheckpointsResponse& response) {
  if (response.sent_at_unix_ms() == 0) {
    return;  // a node of an earlier version
  }
  const absl::Time theirs = absl::FromUnixMillis(response.sent_at_unix_ms());
  {
    absl::MutexLock lock(&status_mu_);
    peer->clock_offset = theirs - clock_->Now();
  }
  if (clock_check_ != nullptr) {
    clock_check_->Note(peer->member, theirs);
  }
}

void Syncer::NoteBundle(Peer* peer, const v1::CheckpointsResponse& response) {
  const uint64_t theirs = response.bundle_version();
  {
    absl::MutexLock lock(&status_mu_);
    peer->status.set_bundle_version(theirs);
    if (theirs <= directory_->version() || theirs == peer->bundle_refused || !bundle_sink_) {
      return;
    }
  }
  absl::StatusOr<v1::TrustBundleResponse> fetched = peer->transport->TrustBundle();
  absl::Status applied = fetched.status();
  if (fetched.ok()) {
    applied = bundle_sink_(peer->member, fetched->signed_bundle());
  }
  if (!applied.ok() && theirs > directory_->version()) {
    // A bundle that does not check is not fetched from this peer again; a failed fetch or store
    // is tried again at the next answer.
    const bool refused =
        fetched.ok() && (absl::IsPermissionDenied(applied) || absl::IsInvalidArgument(applied) ||
                         absl::IsFailedPrecondition(applied));
    if (refused) {
      absl::MutexLock lock(&status_mu_);
      peer->bundle_refused = theirs;
    }
    logger_->Log(LogLevel::kWarn, absl::StrCat(peer->member, "@", peer->endpoint),
                 absl::StrCat("sync: ", peer->member, " holds trust bundle version ", theirs,
                              " but it was not applied: ", applied.message()));
  }
}

std::vector<v1::PeerStatus> Syncer::PeerStatuses() const {
  const absl::Time now = clock_->Now();
  std::vector<v1::PeerStatus> out;
  std::vector<std::map<std::string, std::pair<uint64_t, absl::Time>>> announced;
  {
    absl::MutexLock lock(&status_mu_);
    for (const auto& peer : peers_) {
      out.push_back(StatusOf(*peer, now));
      announced.push_back(peer->announced);
    }
  }
  // The sizes held are read outside the lock, once per origin.
  std::map<std::string, uint64_t> held;
  for (size_t i = 0; i < out.size(); ++i) {
    for (const auto& [origin, theirs] : announced[i]) {
      auto it = held.find(origin);
      if (it == held.end()) {
        absl::StatusOr<uint64_t> size = store_->LogSize(origin);
        it = held.emplace(origin, size.ok() ? *size : 0).first;
      }
      v1::OriginLag* lag = out[i].add_lags();
      lag->set_origin(origin);
      lag->set_peer_size(theirs.first);
      if (theirs.first > it->second && theirs.second != absl::InfinitePast()) {
        lag->set_behind_entries(theirs.first - it->second);
        lag->set_behind_seconds(static_cast<uint64_t>(
            absl::ToInt64Seconds(std::max(absl::ZeroDuration(), now - theirs.second))));
      }
    }
  }
  return out;
}

v1::PeerStatus Syncer::StatusOf(const Peer& peer, absl::Time now) const {
  v1::PeerStatus status = peer.status;
  const absl::Duration age = std::max(absl::ZeroDuration(), now - peer.last_ok);
  status.set_age_seconds(static_cast<uint64_t>(absl::ToInt64Seconds(age)));
  // A failing peer becomes stale at once when its failures have lasted that long; a watch
  // that has gone silent becomes stale here too, before its watchdog gives up on it.
  status.set_stale(age >= StaleAfter(options_));
  if (peer.clock_offset.has_value()) {
    status.set_clock_known(true);
    status.set_clock_offset_ms(absl::ToInt64Milliseconds(*peer.clock_offset));
  }
  return status;
}

absl::Status Syncer::WatchOnce(Peer* peer, int* failures) {
  return peer->transport->Watch([&](const v1::CheckpointsResponse& response) {
    *failures = 0;
    NoteClock(peer, response);
    NoteBundle(peer, response);
    SetState(peer, "watching", absl::OkStatus());
    absl::Status s = Exchange(peer->member, *peer->transport, response);
    if (!s.ok()) {
      SetState(peer, "watching", s);
    }
    MarkAsked(peer);
  });
}

absl::Status Syncer::PollOnce(Peer* peer, int* failures) {
  absl::StatusOr<v1::CheckpointsResponse> polled = peer->transport->Checkpoints();
  if (!polled.ok()) {
    return polled.status();
  }
  *failures = 0;
  NoteClock(peer, *polled);
  NoteBundle(peer, *polled);
  SetState(peer, "polling", absl::OkStatus());
  absl::Status s = Exchange(peer->member, *peer->transport, *polled);
  if (!s.ok()) {
    SetState(peer, "polling", s);
  }
  MarkAsked(peer);
  return absl::OkStatus();
}

void Syncer::Run(Peer* peer) {
  absl::Cleanup done = [peer] { peer->done = true; };
  int failures = 0;
  bool watch_supported = true;
  while (!peer->stop.HasBeenNotified()) {
    absl::Status ended;
    if (watch_supported) {
      ended = WatchOnce(peer, &failures);
      if (peer->stop.HasBeenNotified()) {
        break;
      }
      // A stream that reached its deadline is renewed at once; anything else is a failure.
      if (ended.code() == absl::StatusCode::kDeadlineExceeded) {
        continue;
      }
      watch_supported = ended.code() != absl::StatusCode::kUnimplemented;
    }
    if (!watch_supported) {
      ended = PollOnce(peer, &failures);
      if (ended.ok()) {
        clock_->WaitFor(peer->stop, options_.poll_interval);
        continue;
      }
    }
    ++failures;
    if (ended.ok()) {
      ended = absl::UnavailableError("the watch stream ended");
    }
    SetState(peer, "backoff", ended);
    MarkAsked(peer);
    if (failures == 1 || failures % 10 == 0) {
      logger_->Log(LogLevel::kWarn, absl::StrCat(peer->member, "@", peer->endpoint),
                   absl::StrCat("sync: ", ended.message(), " (failure ", failures,
                                "; retrying with backoff)"));
    }
    absl::Duration wait;
    {
      absl::MutexLock lock(&rng_mu_);
      wait = Jittered(BackoffDelay(options_, failures), rng_);
    }
    clock_->WaitFor(peer->stop, wait);
  }
}

absl::Mutex* Syncer::OriginMutex(absl::string_view origin) {
  absl::MutexLock lock(&origins_mu_);
  std::unique_ptr<absl::Mutex>& mu = origin_mu_[origin];
  if (mu == nullptr) {
    mu = std::make_unique<absl::Mutex>();
  }
  return mu.get();
}

absl::Status Syncer::Exchange(absl::string_view peer_member, PeerTransport& transport,
                              const v1::CheckpointsResponse& response) {
  absl::Status first_fault = absl::OkStatus();
  const std::string self = witness_->self();
  for (const v1::Evidence& evidence : response.evidence()) {
    absl::Status verified =
        VerifyEvidence(evidence, directory_->federation(), directory_->LogKeys(evidence.origin()));
    if (verified.ok()) {
      OTS_RETURN_IF_ERROR(witness_->Record(evidence, peer_member));
      if (evidence.origin() == self && own_log_ != nullptr) {
        own_log_->NoteFrozen();  // proof that our own key signed two histories
      }
    } else {
      logger_->Log(
          LogLevel::kWarn, peer_member,
          absl::StrCat("sync: rejected evidence from ", peer_member, ": ", verified.message()));
      first_fault.Update(absl::InvalidArgumentError(verified.message()));
    }
  }
  // The sizes the peer holds, as its origins signed them, whatever became of their pulls: a
  // peer that withholds entries it announced leaves this node behind it, which the lag shows.
  std::vector<std::pair<std::string, uint64_t>> verified_sizes, to_heal;
  for (const v1::OriginCheckpoint& theirs : response.origins()) {
    uint64_t signed_size = 0;
    absl::Status s = Reconcile(peer_member, transport, theirs, &signed_size);
    if (signed_size > 0) {
      verified_sizes.emplace_back(theirs.origin(), signed_size);
    }
    if (s.code() == absl::StatusCode::kAborted && theirs.origin() == self && own_log_ != nullptr) {
      own_log_->NoteFrozen();  // a split view of our own log, proven just now
    }
    if (s.ok() && signed_size > 0) {
      to_heal.emplace_back(theirs.origin(), signed_size);
    }
    if (s.ok() && theirs.origin() == self && own_log_ != nullptr) {
      // This peer's copy of our own log was compared with ours (and taken if larger): an answer
      // the own-log guard can count. A peer that does not receive our log never gives one.
      own_log_->PeerAnswered();
    }
    if (s.ok() || s.code() == absl::StatusCode::kAborted) {
      continue;
    }
    logger_->Log(
        LogLevel::kWarn, peer_member,
        absl::StrCat("sync: ", theirs.origin(), " from ", peer_member, " rejected: ", s.message()));
    first_fault.Update(s);
  }
  NoteAnnounced(peer_member, verified_sizes);
  // Last, once the answer is taken: openings of entries held sealed (a few pulls at most).
  for (const auto& [origin, size] : to_heal) {
    HealOpenings(peer_member, transport, origin, size);
  }
  return first_fault;
}

void Syncer::HealOpenings(absl::string_view peer_member, PeerTransport& transport,
                          absl::string_view origin, uint64_t peer_size) {
  const std::string self = witness_->self();
  if (!directory_->MaySeeConfidential(self, origin) ||
      !(peer_member == origin || directory_->MaySeeConfidential(peer_member, origin))) {
    return;
  }
  absl::StatusOr<std::vector<uint64_t>> missing = replicator_.MissingOpenings(origin);
  if (!missing.ok() || missing->empty()) {
    return;
  }
  // The entries this peer could not open are not asked of it again until its log grows: it may
  // have taken them meanwhile. The others' are asked one entry at a time, a few per exchange.
  const std::string key = absl::StrCat(origin, "/", peer_member);
  std::set<uint64_t> refused;
  {
    absl::MutexLock lock(&status_mu_);
    HealRefusals& r = heal_refused_[key];
    if (r.peer_size != peer_size) {
      r = HealRefusals{peer_size, {}};
    }
    refused = r.indexes;
  }
  constexpr int kPullsPerExchange = 8;
  int pulls = 0;
  size_t taken = 0;
  for (uint64_t index : *missing) {
    if (index >= peer_size || pulls == kPullsPerExchange) {
      break;
    }
    if (refused.count(index) > 0) {
      continue;
    }
    ++pulls;
    v1::PullRequest request;
    request.set_origin(std::string(origin));
    request.set_from(index);
    request.set_max_entries(1);
    absl::StatusOr<PulledBatch> pulled = transport.Pull(request);
    absl::StatusOr<size_t> completed = size_t{0};
    if (!pulled.ok()) {
      completed = pulled.status();
    } else {
      absl::MutexLock lock(OriginMutex(origin));
      completed = replicator_.AcceptOpenings(pulled->batch);
    }
    if (!completed.ok()) {
      logger_->Log(LogLevel::kWarn, peer_member,
                   absl::StrCat("sync: the openings of ", origin, " log index ", index, " from ",
                                peer_member, ": ", completed.status().message()));
    }
    absl::StatusOr<std::vector<uint64_t>> now = replicator_.MissingOpenings(origin);
    const bool still = !now.ok() || std::find(now->begin(), now->end(), index) != now->end();
    if (still) {
      absl::MutexLock lock(&status_mu_);
      heal_refused_[key].indexes.insert(index);
    }
    taken += completed.ok() ? *completed : 0;
  }
  if (taken > 0) {
    logger_->Log(LogLevel::kInfo, peer_member,
                 absl::StrCat("sync: took the openings of ", taken, " ", origin,
                              taken == 1 ? " entry" : " entries",
                              " (confidential cells held sealed) from ", peer_member));
  }
}

void Syncer::NoteAnnounced(absl::string_view peer_member,
                           const std::vector<std::pair<std::string, uint64_t>>& sizes) {
  std::vector<uint64_t> held;
  for (const auto& [origin, size] : sizes) {
    absl::StatusOr<uint64_t> ours = store_->LogSize(origin);
    held.push_back(ours.ok() ? *ours : 0);
  }
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&status_mu_);
  for (const auto& peer : peers_) {
    if (peer->member != peer_member) {
      continue;
    }
    for (size_t i = 0; i < sizes.size(); ++i) {
      auto [it, added] = peer->announced.try_emplace(sizes[i].first, 0, absl::InfinitePast());
      it->second.first = sizes[i].second;
      if (sizes[i].second <= held[i]) {
        it->second.second = absl::InfinitePast();
      } else if (it->second.second == absl::InfinitePast()) {
        it->second.second = now;
      }
    }
  }
}

void Syncer::MergeCosignatures(absl::string_view origin, uint64_t size, absl::string_view note,
                               const std::vector<std::string>& lines) {
  if (lines.empty()) {
    return;
  }
  absl::StatusOr<v1::StoredCheckpoint> stored = store_->GetCheckpoint(origin, size);
  if (!stored.ok()) {
    return;
  }
  absl::StatusOr<Note> ours = ParseNote(stored->note());
  absl::StatusOr<Note> theirs = ParseNote(note);
  if (!ours.ok() || !theirs.ok() || ours->text != theirs->text) {
    return;
  }
  // Only lines by a witness and key this checkpoint has no cosignature of yet: each is verified
  // once. (A witness that rotated its key cosigns again with the new one: both lines are kept.)
  std::set<std::pair<std::string, std::string>> known;
  for (const std::string& have : stored->cosignature_lines()) {
    absl::StatusOr<NoteSignature> sig = ParseSignatureLine(have);
    if (sig.ok()) {
      known.emplace(sig->name, sig->key_id);
    }
  }
  std::vector<std::string> fresh;
  for (const std::string& line : lines) {
    absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
    if (sig.ok() && known.emplace(sig->name, sig->key_id).second) {
      fresh.push_back(line);
    }
  }
  if (fresh.empty()) {
    return;
  }
  std::vector<std::string> verified = witness_->VerifiedCosignatures(stored->note(), fresh);
  if (!verified.empty()) {
    absl::StatusOr<size_t> added = store_->AddCosignatures(origin, size, verified);
    if (!added.ok()) {
      logger_->Log(
          LogLevel::kError, "-",
          absl::StrCat("sync: storing cosignatures of ", origin, ": ", added.status().message()));
    } else if (counts_ != nullptr && *added > 0) {
      counts_->Add(kCosignatureMergedCount, "", *added);
    }
  }
}

void Syncer::NoteSeen(absl::string_view peer_member, absl::string_view origin, uint64_t size,
                      absl::string_view note, const std::vector<std::string>& lines) {
  {
    absl::MutexLock lock(&status_mu_);
    auto it = seen_size_.find(origin);
    if (it == seen_size_.end()) {
      absl::StatusOr<std::map<std::string, v1::SeenCheckpoint>> stored = store_->SeenCheckpoints();
      uint64_t held = 0;
      if (stored.ok()) {
        auto s = stored->find(std::string(origin));
        held = s == stored->end() ? 0 : s->second.size();
      }
      it = seen_size_.emplace(origin, held).first;
    }
    if (size <= it->second) {
      return;
    }
  }
  v1::SeenCheckpoint seen;
  seen.set_size(size);
  seen.mutable_checkpoint()->set_note(std::string(note));
  for (const std::string& line : witness_->VerifiedCosignatures(note, lines)) {
    absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
    const std::string member =
        sig.ok() ? WitnessMember(directory_->federation(), sig->name) : std::string();
    if (member.empty() || member == origin) {
      continue;
    }
    seen.mutable_checkpoint()->add_cosignature_lines(line);
    seen.add_cosigned_by(member);
  }
  if (seen.cosigned_by().empty()) {
    return;  // nobody but the origin vouches for it yet
  }
  std::sort(seen.mutable_cosigned_by()->begin(), seen.mutable_cosigned_by()->end());
  // A witness that rotated its key may have cosigned twice; it is one witness.
  seen.mutable_cosigned_by()->erase(
      std::unique(seen.mutable_cosigned_by()->begin(), seen.mutable_cosigned_by()->end()),
      seen.mutable_cosigned_by()->end());
  seen.set_first_seen_at(Rfc3339(clock_->Now()));
  seen.set_seen_from(std::string(peer_member));
  absl::StatusOr<bool> stored = store_->PutSeenCheckpoint(origin, seen);
  if (!stored.ok()) {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat("sync: recording the seen checkpoint of ", origin, ": ",
                              stored.status().message()));
    return;
  }
  absl::MutexLock lock(&status_mu_);
  uint64_t& known = seen_size_[origin];
  known = std::max(known, size);
}

absl::Status Syncer::SkipFrozen(absl::string_view peer_member, absl::string_view origin,
                                const VerifiedCheckpoint& theirs) {
  OTS_ASSIGN_OR_RETURN(uint64_t local_size, store_->LogSize(origin));
  absl::MutexLock status_lock(&status_mu_);
  uint64_t& logged = frozen_logged_[origin];
  if (theirs.checkpoint.size > local_size && theirs.checkpoint.size != logged) {
    logged = theirs.checkpoint.size;
    logger_->Log(LogLevel::kWarn, peer_member,
                 absl::StrCat("sync: ", origin,
                              " is frozen after a split view; not accepting its checkpoint of "
                              "size ",
                              theirs.checkpoint.size, " from ", peer_member));
  }
  return absl::OkStatus();
}

bool Syncer::ClaimPull(absl::string_view origin, uint64_t size) {
  absl::MutexLock lock(&origins_mu_);
  InFlight& in_flight = in_flight_[origin];
  const absl::Time now = clock_->Now();
  if (in_flight.size >= size && now - in_flight.started < options_.poll_interval) {
    return false;
  }
  in_flight = InFlight{size, now};
  return true;
}

void Syncer::ReleasePull(absl::string_view origin, uint64_t size) {
  absl::MutexLock lock(&origins_mu_);
  InFlight& in_flight = in_flight_[origin];
  if (in_flight.size == size) {
    in_flight = InFlight();
  }
}

absl::Status Syncer::CheckConsistency(absl::string_view peer_member, PeerTransport& transport,
                                      absl::string_view origin, uint64_t local_size,
                                      const PulledBatch& pulled,
                                      const VerifiedCheckpoint& pulled_cp) {
  if (local_size == 0) {
    return absl::OkStatus();
  }
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint ours, store_->GetCheckpoint(origin, local_size));
  OTS_ASSIGN_OR_RETURN(Checkpoint our_cp, ParseCheckpointNote(ours.note()));
  std::vector<Hash> proof;
  for (const std::string& bytes : pulled.start.consistency_proof()) {
    Hash h;
    if (!HashFromBytes(bytes, &h)) {
      return absl::InvalidArgumentError("a consistency proof hash is not 32 bytes");
    }
    proof.push_back(h);
  }
  absl::Status consistent = MerkleVerifyConsistency(local_size, pulled_cp.checkpoint.size,
                                                    our_cp.root, pulled_cp.checkpoint.root, proof);
  if (!consistent.ok()) {
    // Either the peer forged the proof, or the origin signed a fork: find out which.
    return ProbeSplitView(peer_member, transport, origin, pulled_cp);
  }
  return absl::OkStatus();
}

void Syncer::AfterAccept(absl::string_view origin, uint64_t size, const PulledBatch& pulled) {
  // While the clock alarms (said once in the log), this node cosigns nothing.
  const bool clock_ok = clock_check_ == nullptr || clock_check_->Alarm().empty();
  if (witness_->self() != origin && clock_ok) {
    absl::StatusOr<std::string> mine = witness_->CosignStored(origin, size);
    // FAILED_PRECONDITION: no witness key, or none valid now (the node's watcher says so once).
    if (!mine.ok() && mine.status().code() != absl::StatusCode::kFailedPrecondition) {
      logger_->Log(LogLevel::kError, "-",
                   absl::StrCat("witness: cannot cosign ", origin, ": ", mine.status().message()));
    }
  }
  std::vector<std::string> lines(pulled.start.cosignature_lines().begin(),
                                 pulled.start.cosignature_lines().end());
  MergeCosignatures(origin, size, pulled.start.checkpoint_note(), lines);
}

absl::StatusOr<uint64_t> Syncer::PullUpTo(absl::string_view peer_member, PeerTransport& transport,
                                          absl::string_view origin, uint64_t local_size,
                                          uint64_t size) {
  const std::vector<PublicKey>& keys = directory_->LogKeys(origin);
  while (local_size < size) {
    v1::PullRequest request;
    request.set_origin(std::string(origin));
    request.set_from(local_size);
    OTS_ASSIGN_OR_RETURN(PulledBatch pulled, transport.Pull(request));
    if (pulled.start.from() != local_size) {
      return absl::InvalidArgumentError(absl::StrCat("asked for ", origin, " from ", local_size,
                                                     ", the pull starts at ", pulled.start.from()));
    }
    OTS_ASSIGN_OR_RETURN(VerifiedCheckpoint pulled_cp,
                         VerifyOriginCheckpoint(directory_->federation(), origin, keys,
                                                pulled.start.checkpoint_note()));
    if (pulled_cp.checkpoint.size != pulled.start.size() || pulled.start.size() <= local_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pull of ", origin, " from ", local_size, " ended at size ", pulled.start.size(),
          " under a checkpoint of size ", pulled_cp.checkpoint.size));
    }
    OTS_RETURN_IF_ERROR(
        CheckConsistency(peer_member, transport, origin, local_size, pulled, pulled_cp));
    absl::StatusOr<uint64_t> accepted;
    {
      absl::MutexLock lock(OriginMutex(origin));
      accepted = replicator_.Accept(pulled.batch);
    }
    if (accepted.status().code() == absl::StatusCode::kFailedPrecondition) {
      // Another peer's batch landed first, or the origin was frozen meanwhile.
      OTS_ASSIGN_OR_RETURN(bool now_frozen, witness_->Frozen(origin));
      OTS_ASSIGN_OR_RETURN(uint64_t now_size, store_->LogSize(origin));
      if (now_frozen) {
        return now_size;
      }
      if (now_size == local_size) {
        return accepted.status();
      }
      local_size = now_size;
      continue;
    }
    OTS_RETURN_IF_ERROR(accepted.status());
    logger_->Log(LogLevel::kInfo, peer_member,
                 absl::StrCat("sync: accepted ", origin, " entries ", local_size, "..",
                              *accepted - 1, " from ", peer_member, "; log size ", *accepted));
    local_size = *accepted;
    AfterAccept(origin, local_size, pulled);
  }
  return local_size;
}

absl::Status Syncer::Reconcile(absl::string_view peer_member, PeerTransport& transport,
                               const v1::OriginCheckpoint& theirs, uint64_t* signed_size) {
  const std::string& origin = theirs.origin();
  const std::string self = witness_->self();
  if (!directory_->MaySee(self, origin)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "offered ", origin, ", which does not share its data with ", self, " (ignored)"));
  }
  const std::string& note = theirs.checkpoint().note();
  std::vector<std::string> cosignatures(theirs.checkpoint().cosignature_lines().begin(),
                                        theirs.checkpoint().cosignature_lines().end());
  // The common case, answered without a signature check or reading the log: the peer's note is
  // byte for byte one this node verified and stored (the note names its own size).
  absl::StatusOr<v1::StoredCheckpoint> same = store_->GetCheckpoint(origin, theirs.size());
  if (same.ok() && same->note() == note) {
    if (signed_size != nullptr) {
      *signed_size = theirs.size();
    }
    NoteSeen(peer_member, origin, theirs.size(), note, cosignatures);
    MergeCosignatures(origin, theirs.size(), note, cosignatures);
    return absl::OkStatus();
  }
  OTS_ASSIGN_OR_RETURN(
      VerifiedCheckpoint cp,
      VerifyOriginCheckpoint(directory_->federation(), origin, directory_->LogKeys(origin), note));
  if (signed_size != nullptr) {
    *signed_size = cp.checkpoint.size;
  }
  NoteSeen(peer_member, origin, cp.checkpoint.size, note, cosignatures);

  // No lock is held across the network: a slow peer must not hold up the same origin coming
  // from another. The append itself is serialized per origin and refused by the store if the
  // log grew meanwhile; then we start over from the new size.
  OTS_ASSIGN_OR_RETURN(bool frozen, witness_->Frozen(origin));
  if (frozen) {
    if (origin == self && own_log_ != nullptr) {
      own_log_->NoteFrozen();
    }
    return SkipFrozen(peer_member, origin, cp);
  }
  OTS_ASSIGN_OR_RETURN(uint64_t local_size, store_->LogSize(origin));
  if (cp.checkpoint.size <= local_size) {
    absl::Status s = witness_->CheckAgainstLocal(origin, cp, note, peer_member);
    if (s.ok()) {
      MergeCosignatures(origin, cp.checkpoint.size, note, cosignatures);
    }
    return s;
  }
  if (origin == self) {
    // A checkpoint of our own log, signed with our key, beyond what this folder holds: the
    // folder lost what this node signed (a restored backup, a rolled-back snapshot, a lost disk)
    // or the key signs elsewhere. Nothing is signed until the entries are back, and they are
    // taken from the peer as any replica's: verified, and a split view (frozen) if they do not
    // extend what this folder holds.
    if (own_log_ != nullptr) {
      own_log_->NoteShown(cp.checkpoint.size);
    }
    logger_->Log(
        LogLevel::kWarn, peer_member,
        absl::StrCat("own log: ", peer_member, " shows a checkpoint of size ", cp.checkpoint.size,
                     " signed with this node's log key; this folder "
                     "holds ",
                     local_size,
                     " entries: taking them back (a restored or lost data folder, or the "
                     "log key signs elsewhere); signing nothing meanwhile"));
  }
  // Every peer announces a new checkpoint at about the same moment; one pull is enough. Another
  // peer's announcement of the same size is skipped while a pull started recently is under way
  // (not for longer: that pull may be from a slow peer), and retried at its next answer.
  if (!ClaimPull(origin, cp.checkpoint.size)) {
    return absl::OkStatus();
  }
  absl::Cleanup release = [&] { ReleasePull(origin, cp.checkpoint.size); };
  OTS_ASSIGN_OR_RETURN(local_size,
                       PullUpTo(peer_member, transport, origin, local_size, cp.checkpoint.size));
  if (local_size == cp.checkpoint.size) {
    MergeCosignatures(origin, local_size, note, cosignatures);
  }
  return absl::OkStatus();
}

absl::Status Syncer::ProbeSplitView(absl::string_view peer_member, PeerTransport& transport,
                                    absl::string_view origin, const VerifiedCheckpoint& theirs) {
  v1::PullRequest request;
  request.set_origin(std::string(origin));
  request.set_from(0);
  request.set_headers_only(true);
  request.set_max_entries(theirs.checkpoint.size);
  OTS_ASSIGN_OR_RETURN(PulledBatch all, transport.Pull(request));
  const std::string& note = all.start.checkpoint_note();
  const std::vector<PublicKey>& keys = directory_->LogKeys(origin);
  OTS_ASSIGN_OR_RETURN(VerifiedCheckpoint cp,
                       VerifyOriginCheckpoint(directory_->federation(), origin, keys, note));
  // Every header must be the origin's, signed with a key valid at its time, and the leaves must
  // hash to its signed root, signed with a key valid at the time of the last of them.
  LogChecker checker(std::string(origin), keys, absl::StatusCode::kInvalidArgument);
  checker.set_key_validity([this, origin](const PublicKey& key, absl::string_view time) {
    return directory_->CheckLogKeyAt(origin, key, time);
  });
  std::string last_time;
  for (const v1::LogEntry& entry : all.batch.entries) {
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, checker.CheckHeader(entry.header(), nullptr));
    last_time = h.created_at();
  }
  if (!last_time.empty()) {
    absl::Status valid = directory_->CheckLogKeyAt(origin, cp.key, last_time);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, " checkpoint of size ", cp.checkpoint.size, " from ", peer_member,
                       ": signed with log key ", cp.key.KeyId(), ", not valid at ", last_time, ": ",
                       valid.message()));
    }
  }
  if (checker.leaves().size() != cp.checkpoint.size ||
      MerkleRoot(checker.leaves()) != cp.checkpoint.root) {
    return absl::InvalidArgumentError(absl::StrCat("the consistency proof for ", origin,
                                                   " does not hold, and the log it serves does not "
                                                   "match its checkpoint"));
  }
  OTS_ASSIGN_OR_RETURN(uint64_t local_size, store_->LogSize(origin));
  if (cp.checkpoint.size <= local_size) {
    absl::Status s = witness_->CheckAgainstLocal(origin, cp, note, peer_member);
    if (!s.ok()) {
      return s;
    }
  } else {
    OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint ours, store_->GetCheckpoint(origin, local_size));
    absl::StatusOr<v1::Evidence> evidence = MakeEvidence(
        origin, ours.note(), note, checker.leaves(),
        absl::StrCat("the log served by ", peer_member,
                     " is signed by the origin but does not extend the log this node accepted"));
    if (evidence.ok()) {
      OTS_RETURN_IF_ERROR(witness_->Record(*evidence, peer_member));
      return absl::AbortedError(absl::StrCat("split view: ", DescribeEvidence(*evidence)));
    }
  }
  // The peer's log extends ours after all: the proof it sent was wrong.
  return absl::InvalidArgumentError(absl::StrCat("the consistency proof for ", origin, " size ",
                                                 theirs.checkpoint.size, " does not hold"));
}

}  // namespace ots
