#include "node/server/metrics.h"

#include <cmath>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "crypto/note.h"
#include "node/rpc/services.h"
#include "prometheus/text_serializer.h"
#include "sync/witness.h"

namespace ots {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// Latency buckets in seconds: from a status call on loopback to a million-cell submission.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  return *buckets;
}

// "Query/Status" of "/ots.v1.Query/Status"; gRPC's own services keep their package
// ("grpc.health.v1.Health/Check").
std::string MethodLabel(absl::string_view method) {
  absl::ConsumePrefix(&method, "/");
  absl::ConsumePrefix(&method, "ots.v1.");
  return std::string(method);
}

class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(RpcMetrics* metrics, const Clock* clock, std::string method)
      : metrics_(metrics), clock_(clock), method_(std::move(method)), start_(clock->Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->Record(method_, methods->GetSendStatus().error_code(), clock_->Now() - start_);
    }
    methods->Proceed();
  }

 private:
  RpcMetrics* const metrics_;
  const Clock* const clock_;
  const std::string method_;
  const absl::Time start_;
};

// Appends one sample of `family` (a gauge or a counter).
void AddSample(MetricFamily& family, Labels labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  family.metric.push_back(std::move(m));
}

double Seconds(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

absl::string_view ExpiryKind(Expiry::Kind kind) {
  switch (kind) {
    case Expiry::kTlsCertificate:
      return "tls";
    case Expiry::kCaCertificate:
      return "ca";
    case Expiry::kLogKey:
      return "log";
    case Expiry::kWitnessKey:
      return "witness";
  }
  return "unknown";
}

}  // namespace

RpcMetrics::RpcMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("ots_rpc_requests_total")
                   .Help("gRPC calls served, by method and status code")
                   .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("ots_rpc_duration_seconds")
                  .Help(
                      "Time from a gRPC call's start to its status, by method (a Watch stream "
                      "lasts as long as it is open)")
                  .Register(*registry_);
}

void RpcMetrics::Record(absl::string_view method, grpc::StatusCode code, absl::Duration latency) {
  const std::string name = MethodLabel(method);
  requests_
      ->Add({{"method", name},
             {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}})
      .Increment();
  latency_->Add({{"method", name}}, LatencyBuckets())
      .Observe(std::max(0.0, absl::ToDoubleSeconds(latency)));
}

std::vector<prometheus::MetricFamily> RpcMetrics::Collect() const { return registry_->Collect(); }

grpc::experimental::Interceptor* RpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcMetricsInterceptor(metrics_, clock_, info->method());
}

std::optional<absl::Time> CosignatureTime(absl::string_view line) {
  absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
  if (!sig.ok() || sig->signature.size() != 8 + 64) {
    return std::nullopt;
  }
  uint64_t seconds = 0;
  for (int i = 0; i < 8; ++i) {
    seconds = (seconds << 8) | static_cast<unsigned char>(sig->signature[i]);
  }
  if (seconds > static_cast<uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
}

std::vector<prometheus::MetricFamily> NodeMetricFamilies(const MetricsInput& in, absl::Time now) {
  const v1::StatusResponse& st = in.status;
  // A deque: the references family() returns stay valid as more families are added. Every
  // family is emitted, even without samples, so that a scrape shows all the node exports.
  std::deque<MetricFamily> out;
  auto family = [&](const std::string& name, const std::string& help,
                    MetricType type) -> MetricFamily& {
    out.push_back(MetricFamily{name, help, type, {}});
    return out.back();
  };
  auto gauge = [&](const std::string& name, const std::string& help, double value) {
    AddSample(family(name, help, MetricType::Gauge), {}, value);
  };

  AddSample(family("ots_node_info", "The node: its member, role, federation and software",
                   MetricType::Gauge),
            {{"member", st.member()},
             {"role", st.role()},
             {"federation", st.federation()},
             {"version", st.version()}},
            1);
  gauge("ots_ready", "1 while the node serves and can accept returns (what /readyz says)",
        in.ready ? 1 : 0);
  gauge("ots_bundle_version", "Version of the trust bundle the node holds",
        static_cast<double>(st.bundle_version()));

  // Per origin.
  std::set<std::string> frozen;
  std::map<std::string, int> evidence;
  for (const v1::Evidence& e : st.alarms()) {
    frozen.insert(e.origin());
    ++evidence[e.origin()];
  }
  {
    MetricFamily& size =
        family("ots_log_size", "Entries of each origin's log held", MetricType::Gauge);
    for (const v1::OriginStatus& o : st.origins()) {
      AddSample(size, {{"origin", o.origin()}}, static_cast<double>(o.log_size()));
    }
  }
  {
    MetricFamily& age = family("ots_checkpoint_age_seconds",
                               "Seconds since the newest cosignature of the latest checkpoint "
                               "held of each origin",
                               MetricType::Gauge);
    for (const auto& [origin, at] : in.checkpoint_time) {
      AddSample(age, {{"origin", origin}}, absl::ToDoubleSeconds(now - at));
    }
  }
  {
    MetricFamily& latest = family("ots_origin_latest_return_timestamp_seconds",
                                  "created_at of the latest return held of each origin (Unix time)",
                                  MetricType::Gauge);
    for (const auto& [origin, at] : in.latest_return_time) {
      AddSample(latest, {{"origin", origin}}, Seconds(at));
    }
  }
  {
    // The reporting calendar: the returns that are overdue, per state and period.
    MetricFamily& late = family("ots_return_late_seconds",
                                "Seconds since a return the reporting calendar expects was due, "
                                "for each state and period not received",
                                MetricType::Gauge);
    std::map<std::string, int> late_count;
    for (const v1::LateReturn& l : st.late_returns()) {
      AddSample(late, {{"origin", l.origin()}, {"period", l.period()}, {"dataflow", l.dataflow()}},
                static_cast<double>(l.late_seconds()));
      ++late_count[l.origin()];
    }
    MetricFamily& count =
        family("ots_returns_late", "Returns overdue per state (the calendar)", MetricType::Gauge);
    for (const auto& [origin, n] : late_count) {
      AddSample(count, {{"origin", origin}}, n);
    }
  }
  {
    MetricFamily& behind = family("ots_origin_behind_entries",
                                  "Entries of each origin's log that this node has seen cosigned "
                                  "but does not hold",
                                  MetricType::Gauge);
    for (const v1::OriginStatus& o : st.origins()) {
      const uint64_t gap = o.seen().size() > o.log_size() ? o.seen().size() - o.log_size() : 0;
      AddSample(behind, {{"origin", o.origin()}}, static_cast<double>(gap));
    }
  }
  {
    MetricFamily& f = family("ots_origin_frozen",
                             "1 while the node holds proof that the origin signed two "
                             "inconsistent histories (a split view): it accepts nothing more of it",
                             MetricType::Gauge);
    for (const v1::OriginStatus& o : st.origins()) {
      AddSample(f, {{"origin", o.origin()}}, frozen.count(o.origin()) ? 1 : 0);
    }
    MetricFamily& ev =
        family("ots_split_view_evidence", "Proofs of a split view the node holds, by origin",
               MetricType::Gauge);
    for (const auto& [origin, n] : evidence) {
      AddSample(ev, {{"origin", origin}}, n);
    }
  }

  // Per peer.
  {
    MetricFamily& up = family("ots_peer_up",
                              "1 if the latest successful exchange with the peer is recent (not "
                              "stale: within twice the poll interval)",
                              MetricType::Gauge);
    MetricFamily& state = family(
        "ots_peer_state", "1 for the state replication with the peer is in", MetricType::Gauge);
    MetricFamily& age =
        family("ots_peer_last_success_age_seconds",
               "Seconds since the latest successful exchange with the peer", MetricType::Gauge);
    MetricFamily& failures =
        family("ots_peer_consecutive_failures",
               "Failed exchanges with the peer since the latest success", MetricType::Gauge);
    MetricFamily& lag_entries = family("ots_replication_lag_entries",
                                       "Entries of the origin's log the peer holds and this node "
                                       "does not yet",
                                       MetricType::Gauge);
    MetricFamily& lag_seconds = family("ots_replication_lag_seconds",
                                       "Seconds this node has been behind the peer's copy of the "
                                       "origin's log (0: not behind)",
                                       MetricType::Gauge);
    for (const v1::PeerStatus& p : st.peers()) {
      AddSample(up, {{"peer", p.member()}}, p.stale() ? 0 : 1);
      for (absl::string_view s : {"watching", "polling", "backoff", "connecting"}) {
        AddSample(state, {{"peer", p.member()}, {"state", std::string(s)}}, p.state() == s ? 1 : 0);
      }
      AddSample(age, {{"peer", p.member()}}, static_cast<double>(p.age_seconds()));
      AddSample(failures, {{"peer", p.member()}}, static_cast<double>(p.failures()));
      for (const v1::OriginLag& lag : p.lags()) {
        Labels labels = {{"peer", p.member()}, {"origin", lag.origin()}};
        AddSample(lag_entries, labels, static_cast<double>(lag.behind_entries()));
        AddSample(lag_seconds, labels, static_cast<double>(lag.behind_seconds()));
      }
    }
  }

  // Certificates and keys.
  {
    MetricFamily& certs = family("ots_certificate_expiry_timestamp_seconds",
                                 "End of validity of the node's TLS certificate and of each CA "
                                 "certificate of its CA file (Unix time)",
                                 MetricType::Gauge);
    MetricFamily& keys = family("ots_key_expiry_timestamp_seconds",
                                "End of validity the trust bundle gives the node's log and "
                                "witness keys in use (a key a rotation replaces is left out)",
                                MetricType::Gauge);
    for (const Expiry& e : in.expiries) {
      if (e.kind == Expiry::kTlsCertificate || e.kind == Expiry::kCaCertificate) {
        AddSample(certs,
                  {{"kind", std::string(ExpiryKind(e.kind))},
                   {"file", e.file},
                   {"subject", e.kind == Expiry::kCaCertificate ? e.name : ""}},
                  Seconds(e.end));
      } else if (!e.replaced) {
        AddSample(keys, {{"use", std::string(ExpiryKind(e.kind))}, {"key_id", e.name}},
                  Seconds(e.end));
      }
    }
  }

  // Clock, store, own log.
  gauge("ots_clock_offset_seconds",
        "Median of the peers' clocks minus this node's (0 until a peer has answered)",
        static_cast<double>(st.clock_offset_ms()) / 1000);
  gauge("ots_clock_peers", "Peers the clock offset is the median of",
        static_cast<double>(st.clock_peers()));
  gauge("ots_clock_alarm",
        "1 while the node's clock is further from its peers' than allowed: it signs nothing",
        st.clock_alarm().empty() ? 0 : 1);
  gauge("ots_clock_max_skew_seconds", "The clock bound of the configuration (sync)",
        static_cast<double>(in.max_clock_skew_seconds));
  gauge("ots_store_size_bytes", "Bytes of the node's store on disk (RocksDB SST and WAL files)",
        static_cast<double>(in.store_bytes));
  gauge("ots_store_write_stopped", "1 while RocksDB has stopped writes (compaction behind)",
        in.store_write_stopped ? 1 : 0);
  gauge("ots_store_delayed_write_rate_bytes",
        "The rate RocksDB slows writes to while it is behind (0: not slowed)",
        static_cast<double>(in.store_delayed_write_rate));
  gauge("ots_store_degraded",
        "1 while the store cannot write (a full disk, an I/O error): the node accepts nothing",
        st.store_degraded().empty() ? 0 : 1);
  gauge("ots_own_log_recovering",
        "1 while the node signs nothing of its own state until it has its own log back",
        st.own_log_recovery().empty() ? 0 : 1);

  // Counters.
  auto count = [&](const EventCounts::Key& key) -> double {
    auto it = in.counts.find(key);
    return it == in.counts.end() ? 0 : static_cast<double>(it->second);
  };
  {
    MetricFamily& submits = family(
        "ots_submits_total", "Returns submitted to this node, by outcome", MetricType::Counter);
    for (absl::string_view outcome : {"stored", "unchanged", "rejected"}) {
      AddSample(submits, {{"outcome", std::string(outcome)}},
                count({std::string(kSubmitCount), std::string(outcome)}));
    }
    // Every reason from the start, at 0, so that the first rejection is an increase.
    std::set<std::string> reasons = {"unknown_caller", "denied",    "not_a_state", "unreadable",
                                     "cancelled",      "invalid",   "revoked",     "disk_full",
                                     "not_signing",    "not_stored"};
    for (const auto& [key, n] : in.counts) {
      if (key.first == kSubmitRejectionCount) {
        reasons.insert(key.second);
      }
    }
    MetricFamily& rejections = family("ots_submit_rejections_total",
                                      "Returns this node refused, by reason", MetricType::Counter);
    for (const std::string& reason : reasons) {
      AddSample(rejections, {{"reason", reason}},
                count({std::string(kSubmitRejectionCount), reason}));
    }
  }
  AddSample(family("ots_cosignatures_made_total", "Cosignatures this node's witness made",
                   MetricType::Counter),
            {}, count({std::string(kCosignatureMadeCount), ""}));
  AddSample(family("ots_cosignatures_merged_total",
                   "Cosignatures of other witnesses this node verified and added to the "
                   "checkpoints it holds",
                   MetricType::Counter),
            {}, count({std::string(kCosignatureMergedCount), ""}));
  return std::vector<MetricFamily>(std::make_move_iterator(out.begin()),
                                   std::make_move_iterator(out.end()));
}

std::string ExpositionText(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace ots
