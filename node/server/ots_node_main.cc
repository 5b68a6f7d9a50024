// ots-node: the national node daemon (and, with origin "OTS", the Secretariat's). This file only
// parses flags, loads the configuration and wires the real clock, logger and signals.
//
//   ots-node --config FILE [--listen HOST:PORT] [--ready-file FILE]
//
// --ready-file: written (atomically) with the address listened on once the node serves; tests
// and scripts wait for it instead of sleeping. Exit codes: 0 stopped cleanly, 1 the
// configuration or what it names is unusable, 2 usage.
#include <grpc/support/log.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "node/base/clock.h"
#include "node/base/event_log.h"
#include "node/rpc/tls.h"
#include "node/server/node_server.h"
#include "node/trust/config.h"

namespace ots {
namespace {

// gRPC's own log lines (TLS handshake failures among them) go through the node's logger, so
// that every refusal appears in the one log. Set once in main, before gRPC starts.
std::atomic<Logger*> grpc_logger{nullptr};

void GrpcLog(gpr_log_func_args* args) {
  Logger* logger = grpc_logger.load();
  if (logger == nullptr) {
    return;
  }
  LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR ? LogLevel::kError : LogLevel::kInfo;
  logger->Log(level, "-", absl::StrCat("grpc: ", args->message));
}

int Usage(absl::string_view message) {
  std::fprintf(stderr,
               "ots-node: %.*s\n\nusage: ots-node --config FILE [--listen HOST:PORT] "
               "[--ready-file FILE]\n",
               static_cast<int>(message.size()), message.data());
  return 2;
}

bool WriteReadyFile(const std::string& path, const std::string& address) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return false;
  }
  bool ok = std::fprintf(f, "%s\n", address.c_str()) > 0;
  ok = std::fclose(f) == 0 && ok;
  return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

int Main(int argc, char** argv) {
  std::string config_path, listen, ready_file;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string* target = flag == "--config"       ? &config_path
                          : flag == "--listen"     ? &listen
                          : flag == "--ready-file" ? &ready_file
                                                   : nullptr;
    if (target == nullptr) {
      return Usage(absl::StrCat("unknown argument \"", flag, "\""));
    }
    if (i + 1 >= argc) {
      return Usage(absl::StrCat(flag, " needs a value"));
    }
    *target = argv[++i];
  }
  if (config_path.empty()) {
    return Usage("--config is required");
  }

  // Signals are taken by sigwait below; block them before any thread exists so every thread
  // inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  SystemClock clock;
  StreamLogger logger(&clock, stderr);
  grpc_logger = &logger;
  gpr_set_log_function(GrpcLog);
  RestrictTlsToVersion13();

  absl::StatusOr<v1::NodeConfig> config = LoadNodeConfig(config_path);
  if (!config.ok()) {
    logger.Log(LogLevel::kError, "-", absl::StrCat("fatal: ", config.status().message()));
    return 1;
  }
  absl::StatusOr<NodeSetup> setup = LoadNodeSetup(*config, clock);
  if (!setup.ok()) {
    logger.Log(LogLevel::kError, "-", absl::StrCat("fatal: ", setup.status().message()));
    return 1;
  }
  NodeServer::Options options;
  options.listen_address = listen;
  absl::StatusOr<std::unique_ptr<NodeServer>> server =
      NodeServer::Start(std::move(*setup), &clock, &logger, options);
  if (!server.ok()) {
    logger.Log(LogLevel::kError, "-", absl::StrCat("fatal: ", server.status().message()));
    return 1;
  }
  if (!ready_file.empty() && !WriteReadyFile(ready_file, (*server)->address())) {
    logger.Log(LogLevel::kError, "-",
               absl::StrCat("fatal: cannot write ", ready_file, ": ", std::strerror(errno)));
    return 1;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  logger.Log(LogLevel::kInfo, "-", absl::StrCat("received ", strsignal(signal_number)));
  (*server)->Shutdown(absl::Seconds(30));
  server->reset();
  grpc_logger = nullptr;
  return 0;
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
