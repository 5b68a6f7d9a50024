// Benchmark: origin commit to visible at the Secretariat, in a live federation on loopback
// (tests/bench/latency_bench.sh starts it: AZ KZ KG TR UZ HU TM and OTS, each its own ots-node).
//
//   ots_latency_bench --fed DIR [--returns 200] [--origins AZ,KZ,KG,TR,UZ,HU,TM] [--cells 142]
//                     [--pace-ms 0] [--timeout-s 30] [--federation ots-mx] [--floor-dir DIR]
//
// DIR is the folder `ots-ctl pki init --secretariat` wrote. The program
//   - holds a Federation.Watch stream to the Secretariat's node with the Secretariat's own node
//     identity (DIR/ots/node.textproto) and notes when each (origin, log size) first appears in
//     it: the node announces a checkpoint as soon as it is stored, after the pull, the full
//     verification and the synced write;
//   - submits `returns` small returns (`cells` cells, a new revision each time), cycling the
//     origins, each with that state's operator identity to its own node, and notes when each
//     submission is acknowledged (after the origin's synced write);
//   - with --pace-ms 0 (the default) submits the next return once the previous one is visible
//     at the Secretariat; otherwise starts one every pace-ms milliseconds whatever happens.
// It prints count, p50, p99 and max of acknowledged -> visible, beside the machine's own floor
// measured in the same run: the round trip of one Federation call over mutual TLS to the
// Secretariat's node and one synced RocksDB write of a return's size. A return crosses at least
// one hop (watch notice, pull, verification, synced write), so about two calls and one synced
// write is as fast as it can be.
//
// Not a test: it asserts nothing about time.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/files.h"
#include "grpcpp/grpcpp.h"
#include "node/rpc/client.h"
#include "node/rpc/tls.h"
#include "node/server/node_server.h"
#include "node/store/store.h"
#include "node/trust/config.h"
#include "node/trust/pki.h"
#include "proto/services.grpc.pb.h"
#include "tests/tools/synthetic_return.h"

namespace ots {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Key = std::pair<std::string, uint64_t>;  // origin, log size

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The q-quantile (nearest rank) of `v`, which is sorted; 0 if empty.
double Quantile(const std::vector<double>& v, double q) {
  if (v.empty()) {
    return 0;
  }
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<size_t>(rank, 1)) - 1];
}

std::string Summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return absl::StrFormat("n %4d  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms", v.size(),
                         Quantile(v, 0.5), Quantile(v, 0.99), v.empty() ? 0.0 : v.back());
}

// Holds a Watch stream to one node and remembers when each (origin, size) first appeared.
class Watcher {
 public:
  explicit Watcher(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::Federation::NewStub(std::move(channel))) {}

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      if (context_ != nullptr) {
        context_->TryCancel();
      }
    }
    thread_.join();
  }
  // Waits until the first answer has arrived (or `timeout`); false on timeout.
  bool WaitFirst(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return answers_ > 0; });
  }
  // Waits until (origin, size) has appeared; returns when, or nothing after `timeout`.
  bool WaitFor(const Key& key, SteadyClock::time_point deadline, SteadyClock::time_point* when) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return seen_at_.count(key) > 0; })) {
      return false;
    }
    *when = seen_at_[key];
    return true;
  }
  uint64_t Size(const std::string& origin) {
    std::lock_guard<std::mutex> lock(mu_);
    return size_[origin];
  }
  uint64_t answers() {
    std::lock_guard<std::mutex> lock(mu_);
    return answers_;
  }
  std::string error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void Run() {
    while (true) {
      grpc::ClientContext context;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) {
          return;
        }
        context_ = &context;
      }
      auto reader = stub_->Watch(&context, v1::WatchRequest());
      v1::CheckpointsResponse response;
      while (reader->Read(&response)) {
        const SteadyClock::time_point now = SteadyClock::now();
        std::lock_guard<std::mutex> lock(mu_);
        ++answers_;
        for (const v1::OriginCheckpoint& o : response.origins()) {
          uint64_t& size = size_[o.origin()];
          for (uint64_t s = size + 1; s <= o.size(); ++s) {
            seen_at_.emplace(Key(o.origin(), s), now);
          }
          size = std::max(size, o.size());
        }
        cv_.notify_all();
      }
      grpc::Status s = reader->Finish();
      std::lock_guard<std::mutex> lock(mu_);
      context_ = nullptr;
      if (stop_) {
        return;
      }
      error_ = s.error_message();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::unique_ptr<v1::Federation::Stub> stub_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  grpc::ClientContext* context_ = nullptr;
  uint64_t answers_ = 0;
  std::string error_;
  std::map<std::string, uint64_t> size_;
  std::map<Key, SteadyClock::time_point> seen_at_;
};

int Main(int argc, char** argv) {
  RestrictTlsToVersion13();
  std::string fed, federation = "ots-mx", floor_dir = "/tmp/ots-latency-bench-floor";
  size_t returns = 200, cells = 142;
  int pace_ms = 0, timeout_s = 30;
  std::vector<std::string> origins = {"AZ", "KZ", "KG", "TR", "UZ", "HU", "TM"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--fed") {
      fed = value;
    } else if (flag == "--returns") {
      returns = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--cells") {
      cells = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--origins") {
      origins = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (flag == "--pace-ms") {
      pace_ms = std::atoi(value.c_str());
    } else if (flag == "--timeout-s") {
      timeout_s = std::atoi(value.c_str());
    } else if (flag == "--federation") {
      federation = value;
    } else if (flag == "--floor-dir") {
      floor_dir = value;
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (fed.empty() || origins.empty()) {
    std::cerr << "usage: ots_latency_bench --fed DIR [--returns N] [--origins CC,CC] [--cells N] "
                 "[--pace-ms MS] [--timeout-s S] [--federation NAME] [--floor-dir DIR]\n";
    return 2;
  }

  // The Secretariat's node identity, as its own ots-node presents it to peers.
  absl::StatusOr<v1::NodeConfig> ots = LoadNodeConfig(fed + "/ots/node.textproto");
  if (!ots.ok()) {
    std::cerr << ots.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::string> cert = ReadFile(ots->tls().cert_file());
  absl::StatusOr<std::string> key = ReadFile(ots->tls().key_file());
  absl::StatusOr<std::string> ca = ReadFile(ots->tls().ca_file());
  if (!cert.ok() || !key.ok() || !ca.ok()) {
    std::cerr << "cannot read the Secretariat's TLS files\n";
    return 1;
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ca;
  tls.pem_private_key = *key;
  tls.pem_cert_chain = *cert;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(NodeServerName("OTS", federation));
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(ots->listen_address(), grpc::SslCredentials(tls), args);

  // The floor, first, while the federation is idle: one Federation call over mutual TLS to the
  // Secretariat's node (on its own connection), and one synced write of a return's size.
  const std::string sample = SyntheticReturn(origins[0], "2020", cells);
  if (sample.empty()) {
    std::cerr << cells << " cells do not fit the code lists\n";
    return 2;
  }
  std::vector<double> call_ms, write_ms;
  {
    grpc::ChannelArguments own = args;
    own.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // its own connection, not the watch's
    auto floor_channel =
        grpc::CreateCustomChannel(ots->listen_address(), grpc::SslCredentials(tls), own);
    auto stub = v1::Federation::NewStub(floor_channel);
    for (int i = 0; i < 220; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      v1::CheckpointsResponse response;
      auto t0 = SteadyClock::now();
      grpc::Status s = stub->Checkpoints(&context, v1::CheckpointsRequest(), &response);
      auto t1 = SteadyClock::now();
      if (!s.ok()) {
        std::cerr << "Federation.Checkpoints to the Secretariat: " << s.error_message() << "\n";
        return 1;
      }
      if (i >= 20) {  // the first calls include the handshake
        call_ms.push_back(Ms(t1 - t0));
      }
    }
    std::filesystem::remove_all(floor_dir);
    Store::Options options;
    options.create_if_missing = true;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(floor_dir, options);
    if (!store.ok()) {
      std::cerr << store.status() << "\n";
      return 1;
    }
    for (int i = 0; i < 200; ++i) {
      auto t0 = SteadyClock::now();
      absl::Status s = (*store)->PutMeta(absl::StrCat("floor", i), sample);
      auto t1 = SteadyClock::now();
      if (!s.ok()) {
        std::cerr << s << "\n";
        return 1;
      }
      write_ms.push_back(Ms(t1 - t0));
    }
    store->reset();
    std::filesystem::remove_all(floor_dir);
  }

  Watcher watcher(channel);
  watcher.Start();
  if (!watcher.WaitFirst(std::chrono::seconds(timeout_s))) {
    std::cerr << "no answer from the Secretariat's Watch: " << watcher.error() << "\n";
    watcher.Stop();
    return 1;
  }

  std::map<std::string, std::unique_ptr<NodeClient>> clients;
  std::map<std::string, std::string> csv;
  for (const std::string& origin : origins) {
    const std::string dir = fed + "/" + absl::AsciiStrToLower(origin);
    absl::StatusOr<v1::ClientConfig> config = LoadClientConfig(dir + "/operator.textproto");
    if (!config.ok()) {
      std::cerr << config.status() << "\n";
      watcher.Stop();
      return 1;
    }
    absl::StatusOr<std::unique_ptr<NodeClient>> client =
        NodeClient::Connect(*config, "", absl::Seconds(timeout_s));
    if (!client.ok()) {
      std::cerr << origin << ": " << client.status() << "\n";
      watcher.Stop();
      return 1;
    }
    clients[origin] = *std::move(client);
    // Submit streams a return from disk, as ots-ctl does.
    csv[origin] = dir + "/bench-return.csv";
    absl::Status written =
        WriteFileReplacing(csv[origin], SyntheticReturn(origin, "2020", cells), 0600);
    if (!written.ok()) {
      std::cerr << written << "\n";
      watcher.Stop();
      return 1;
    }
  }

  struct Sent {
    Key key;
    SteadyClock::time_point start, acked;
  };
  std::vector<Sent> sent;
  const auto t_begin = SteadyClock::now();
  for (size_t i = 0; i < returns; ++i) {
    const std::string& origin = origins[i % origins.size()];
    const auto start = SteadyClock::now();
    absl::StatusOr<v1::SubmitResponse> r =
        clients[origin]->Submit(absl::StrCat("bench-", i, ".csv"), csv[origin], false, nullptr);
    const auto acked = SteadyClock::now();
    if (!r.ok()) {
      std::cerr << "submit " << i << " to " << origin << ": " << r.status() << "\n";
      watcher.Stop();
      return 1;
    }
    sent.push_back(Sent{Key(origin, r->log_index() + 1), start, acked});
    if (pace_ms == 0) {
      SteadyClock::time_point when;
      if (!watcher.WaitFor(sent.back().key, acked + std::chrono::seconds(timeout_s), &when)) {
        std::cerr << origin << " size " << r->log_index() + 1 << " not visible at the "
                  << "Secretariat within " << timeout_s << " s\n";
      }
    } else {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(pace_ms));
    }
  }
  const auto t_end = SteadyClock::now();

  std::vector<double> visible_ms, ack_ms;
  size_t missing = 0;
  for (const Sent& s : sent) {
    ack_ms.push_back(Ms(s.acked - s.start));
    SteadyClock::time_point when;
    if (watcher.WaitFor(s.key, s.acked + std::chrono::seconds(timeout_s), &when)) {
      visible_ms.push_back(Ms(when - s.acked));
    } else {
      ++missing;
    }
  }
  const uint64_t answers = watcher.answers();
  watcher.Stop();

  std::cout << absl::StrFormat("%d returns of %d cells to %s (%s), %d watch answers in %.1f s\n",
                               sent.size(), cells, absl::StrJoin(origins, ","),
                               pace_ms == 0 ? std::string("each once the previous is visible")
                                            : absl::StrCat("one every ", pace_ms, " ms"),
                               answers, Ms(t_end - t_begin) / 1000);
  std::cout << "submit acknowledged (origin's commit)  " << Summary(ack_ms) << "\n";
  std::cout << "acknowledged -> visible at Secretariat " << Summary(visible_ms);
  if (missing > 0) {
    std::cout << "  (" << missing << " never visible within " << timeout_s << " s)";
  }
  std::cout << "  (aim: p99 < 250 ms)\n";
  std::cout << "floor: Federation call over mTLS       " << Summary(call_ms) << "\n";
  std::cout << "floor: synced write of " << absl::StrFormat("%-6d", sample.size()) << " bytes     "
            << Summary(write_ms) << "\n";
  std::sort(call_ms.begin(), call_ms.end());
  std::sort(write_ms.begin(), write_ms.end());
  std::cout << absl::StrFormat(
      "floor: one hop, 2 calls + 1 synced write  p50 %8.2f ms  p99 %8.2f ms\n",
      2 * Quantile(call_ms, 0.5) + Quantile(write_ms, 0.5),
      2 * Quantile(call_ms, 0.99) + Quantile(write_ms, 0.99));
  return missing == 0 ? 0 : 1;
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
