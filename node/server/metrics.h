// The node's Prometheus metrics (docs/operations.md, "Metrics"): what the admin listener serves
// at /metrics, in the text exposition format. Gauges are read at each scrape from the node's own
// status (NodeStatus, as the node's operator would see it) and store; counters come from the
// components that count (EventCounts) and from the RPC interceptor here.
#ifndef OTS_NODE_SERVER_METRICS_H_
#define OTS_NODE_SERVER_METRICS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"
#include "node/base/clock.h"
#include "node/base/event_counts.h"
#include "node/server/expiry.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "proto/services.pb.h"

namespace ots {

// RPCs served, by method and status code, and their latency. Thread-safe.
class RpcMetrics {
 public:
  RpcMetrics();
  // `method` as gRPC names it ("/ots.v1.Query/Status"); `code` its status code.
  void Record(absl::string_view method, grpc::StatusCode code, absl::Duration latency);
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
};

// Installs RpcMetrics on a grpc::ServerBuilder (experimental().SetInterceptorCreators).
class RpcMetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Both must outlive the server.
  RpcMetricsInterceptorFactory(RpcMetrics* metrics, const Clock* clock)
      : metrics_(metrics), clock_(clock) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  RpcMetrics* const metrics_;
  const Clock* const clock_;
};

// What the gauges are made of, gathered by the server at each scrape.
struct MetricsInput {
  v1::StatusResponse status;  // every origin the node holds, its peers, clock, store state
  bool ready = false;         // what /readyz says
  uint64_t max_clock_skew_seconds = 0;
  // origin -> the time of its newest cosignature on the latest checkpoint held, and the
  // created_at of its latest return.
  std::map<std::string, absl::Time> checkpoint_time;
  std::map<std::string, absl::Time> latest_return_time;
  std::vector<Expiry> expiries;
  uint64_t store_bytes = 0;
  bool store_write_stopped = false;
  uint64_t store_delayed_write_rate = 0;
  std::map<EventCounts::Key, uint64_t> counts;
};

// The metric families of `in` at `now`, RPC metrics left out.
std::vector<prometheus::MetricFamily> NodeMetricFamilies(const MetricsInput& in, absl::Time now);

// `families` in the Prometheus text exposition format (version 0.0.4).
std::string ExpositionText(const std::vector<prometheus::MetricFamily>& families);

// The time a cosignature line states (c2sp.org/tlog-cosignature: the first 8 bytes of its
// signature), unverified; nullopt if the line is not a cosignature/v1.
std::optional<absl::Time> CosignatureTime(absl::string_view line);

}  // namespace ots

#endif  // OTS_NODE_SERVER_METRICS_H_
