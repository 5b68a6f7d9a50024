// The node's metrics as Prometheus reads them: names, labels and values from a status.
#include "node/server/metrics.h"

#include <string>

#include <catch2/catch.hpp>
#include "absl/strings/match.h"
#include "node/rpc/services.h"
#include "sync/witness.h"

namespace ots {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1790000000);

MetricsInput Input() {
  MetricsInput in;
  v1::StatusResponse& st = in.status;
  st.set_member("KZ");
  st.set_role("member");
  st.set_federation("ots-mx");
  st.set_version("0.3.0 (abc1234)");
  st.set_bundle_version(4);
  v1::OriginStatus* az = st.add_origins();
  az->set_origin("AZ");
  az->set_log_size(3);
  az->mutable_seen()->set_size(5);
  v1::OriginStatus* uz = st.add_origins();
  uz->set_origin("UZ");
  uz->set_log_size(7);
  st.add_alarms()->set_origin("UZ");
  v1::PeerStatus* peer = st.add_peers();
  peer->set_member("AZ");
  peer->set_state("backoff");
  peer->set_stale(true);
  peer->set_age_seconds(40);
  peer->set_failures(6);
  v1::OriginLag* lag = peer->add_lags();
  lag->set_origin("AZ");
  lag->set_peer_size(5);
  lag->set_behind_entries(2);
  lag->set_behind_seconds(90);
  st.set_clock_offset_ms(-1500);
  st.set_clock_peers(2);
  st.set_store_degraded("the disk is full");
  v1::LateReturn* late = st.add_late_returns();
  late->set_origin("UZ");
  late->set_period("2025");
  late->set_dataflow("OTS:DF_MIGR_STOCK(1.0)");
  late->set_late_seconds(86400);
  in.ready = false;
  in.checkpoint_time["AZ"] = kNow - absl::Seconds(30);
  in.latest_return_time["AZ"] = absl::FromUnixSeconds(1780000000);
  in.expiries.push_back(Expiry{Expiry::kTlsCertificate, "node.pem", "node.pem",
                               absl::FromUnixSeconds(1800000000), false});
  in.expiries.push_back(
      Expiry{Expiry::kLogKey, "aa11", "old.key", absl::FromUnixSeconds(1791000000), true});
  in.expiries.push_back(
      Expiry{Expiry::kLogKey, "bb22", "log.key", absl::FromUnixSeconds(1820000000), false});
  in.store_bytes = 4096;
  in.counts[{std::string(kSubmitCount), "stored"}] = 2;
  in.counts[{std::string(kSubmitRejectionCount), "invalid"}] = 1;
  in.counts[{std::string(kCosignatureMadeCount), ""}] = 9;
  return in;
}

TEST_CASE("metrics: gauges and counters follow the node's status", "[metrics]") {
  const std::string text = ExpositionText(NodeMetricFamilies(Input(), kNow));
  for (const char* line : {
           "ots_node_info{member=\"KZ\",role=\"member\",federation=\"ots-mx\","
           "version=\"0.3.0 (abc1234)\"} 1\n",
           "ots_ready 0\n",
           "ots_bundle_version 4\n",
           "ots_log_size{origin=\"AZ\"} 3\n",
           "ots_origin_behind_entries{origin=\"AZ\"} 2\n",
           "ots_origin_behind_entries{origin=\"UZ\"} 0\n",
           "ots_checkpoint_age_seconds{origin=\"AZ\"} 30\n",
           "ots_origin_latest_return_timestamp_seconds{origin=\"AZ\"} 1780000000\n",
           "ots_origin_frozen{origin=\"AZ\"} 0\n",
           "ots_origin_frozen{origin=\"UZ\"} 1\n",
           "ots_split_view_evidence{origin=\"UZ\"} 1\n",
           "ots_peer_up{peer=\"AZ\"} 0\n",
           "ots_peer_state{peer=\"AZ\",state=\"backoff\"} 1\n",
           "ots_peer_state{peer=\"AZ\",state=\"watching\"} 0\n",
           "ots_peer_consecutive_failures{peer=\"AZ\"} 6\n",
           "ots_replication_lag_entries{peer=\"AZ\",origin=\"AZ\"} 2\n",
           "ots_replication_lag_seconds{peer=\"AZ\",origin=\"AZ\"} 90\n",
           "ots_certificate_expiry_timestamp_seconds{kind=\"tls\",file=\"node.pem\",subject=\"\"} "
           "1800000000\n",
           "ots_key_expiry_timestamp_seconds{use=\"log\",key_id=\"bb22\"} 1820000000\n",
           "ots_clock_offset_seconds -1.5\n",
           "ots_clock_peers 2\n",
           "ots_store_degraded 1\n",
           "ots_store_size_bytes 4096\n",
           "ots_submits_total{outcome=\"stored\"} 2\n",
           "ots_submits_total{outcome=\"rejected\"} 0\n",
           "ots_submit_rejections_total{reason=\"invalid\"} 1\n",
           "ots_submit_rejections_total{reason=\"denied\"} 0\n",
           "ots_cosignatures_made_total 9\n",
           "ots_cosignatures_merged_total 0\n",
           "ots_return_late_seconds{origin=\"UZ\",period=\"2025\",dataflow=\"OTS:DF_MIGR_"
           "STOCK(1.0)\"} 86400\n",
           "ots_returns_late{origin=\"UZ\"} 1\n",
           "# TYPE ots_submits_total counter\n",
           "# TYPE ots_log_size gauge\n",
       }) {
    INFO(line);
    CHECK(absl::StrContains(text, line));
  }
  // The key a rotation replaces is not one to alert on.
  CHECK_FALSE(absl::StrContains(text, "aa11"));
}

TEST_CASE("metrics: RPCs by method and code, with latencies", "[metrics]") {
  RpcMetrics rpc;
  rpc.Record("/ots.v1.Query/Status", grpc::StatusCode::OK, absl::Milliseconds(3));
  rpc.Record("/ots.v1.Query/Status", grpc::StatusCode::OK, absl::Milliseconds(30));
  rpc.Record("/ots.v1.Submission/Submit", grpc::StatusCode::PERMISSION_DENIED,
             absl::Milliseconds(1));
  rpc.Record("/grpc.health.v1.Health/Check", grpc::StatusCode::OK, absl::Milliseconds(1));
  const std::string text = ExpositionText(rpc.Collect());
  for (const char* line : {
           "ots_rpc_requests_total{code=\"OK\",method=\"Query/Status\"} 2\n",
           "ots_rpc_requests_total{code=\"PERMISSION_DENIED\",method=\"Submission/Submit\"} 1\n",
           "ots_rpc_requests_total{code=\"OK\",method=\"grpc.health.v1.Health/Check\"} 1\n",
           "ots_rpc_duration_seconds_count{method=\"Query/Status\"} 2\n",
           "ots_rpc_duration_seconds_bucket{method=\"Query/Status\",le=\"0.005\"} 1\n",
           "ots_rpc_duration_seconds_bucket{method=\"Query/Status\",le=\"0.05\"} 2\n",
       }) {
    INFO(line);
    CHECK(absl::StrContains(text, line));
  }
}

TEST_CASE("metrics: the time a cosignature line states", "[metrics]") {
  // The cosignature/v1 line of the known-answer test in tests/crypto/note_test.cc, made at
  // 1679315147.
  const std::string line =
      "\xe2\x80\x94 witness.example.com/w1 6EmBcgAAAABkGFDLU5VmHzFyg1moo3QxI1Ge6wHfwyl"
      "QEoWhcwJH/SvRJW3LjvpU4PIuE1VI/0HWdoZ4oGL67Rl5yx89mAducLUyBQ==\n";
  std::optional<absl::Time> at = CosignatureTime(line);
  REQUIRE(at.has_value());
  CHECK(*at == absl::FromUnixSeconds(1679315147));
  CHECK_FALSE(CosignatureTime("not a line").has_value());
}

}  // namespace
}  // namespace ots
