// ots-node: the national node daemon (and, with origin "OTS", the Secretariat's). This file only
// parses flags, loads the configuration and wires the real clock, logger and signals.
//
//   ots-node --config FILE [--listen HOST:PORT] [--admin-listen HOST:PORT] [--ready-file FILE]
//            [--log-format text|json]                                  (also --help, --version)
//
// A flag's value may follow it or be joined to it (--config=FILE). --ready-file: written
// (atomically) with the address listened on once the node serves; tests and scripts wait for it
// instead of sleeping. Under systemd (Type=notify) it also says READY=1 then, RELOADING=1 on
// SIGHUP and STOPPING=1 on SIGTERM, and its log lines carry journald priorities. Exit codes: 0
// stopped cleanly, 1 the configuration or what it names is unusable, 2 usage (one line on
// stderr).
#include <grpc/support/log.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crypto/files.h"
#include "node/base/clock.h"
#include "node/base/event_log.h"
#include "node/base/version.h"
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

// Whether stderr is the journal's stream of this service: systemd sets JOURNAL_STREAM to its
// device and inode (systemd.exec(5)), which a redirected stderr no longer matches.
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  struct stat st;
  if (stream == nullptr || fstat(STDERR_FILENO, &st) != 0) {
    return false;
  }
  return absl::StrCat(st.st_dev, ":", st.st_ino) == stream;
}

// A command line ots-node cannot use: one line naming the problem, and exit code 2.
int Usage(const CLI::App& app, const CLI::ParseError& e) {
  std::string problem = e.what();
  // An argument no flag took explains most errors (a misspelt flag leaves the right one missing).
  const std::vector<std::string> extra = app.remaining();
  auto arg =
      std::find_if(extra.begin(), extra.end(), [](const std::string& a) { return a != "--"; });
  if (arg != extra.end()) {
    problem = absl::StartsWith(*arg, "-")
                  ? absl::StrCat("unknown flag ", arg->substr(0, arg->find('=')))
                  : absl::StrCat("unexpected argument \"", *arg, "\"");
  } else if (absl::EndsWith(problem, " missing")) {  // "--config: 1 required FILE missing"
    problem = absl::StrCat(problem.substr(0, problem.find(':')), " needs a value");
  }
  std::fprintf(stderr, "ots-node: %s (run 'ots-node --help')\n", problem.c_str());
  return 2;
}

int Main(int argc, char** argv) {
  std::string config_path, listen, admin_listen, ready_file, log_format = "text";
  CLI::App app(
      "The node of one state of the OTS Migration Exchange (with origin OTS, the Secretariat's):\n"
      "it stores and signs its state's returns, replicates and witnesses the other members' logs,\n"
      "and serves them over gRPC with mutual TLS, as its configuration says.",
      "ots-node");
  app.set_help_flag("-h,--help", "print this help and exit");
  app.set_version_flag("--version", VersionLine("ots-node"), "print the version and exit");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--config", config_path, "node configuration (NodeConfig, protobuf text)")
      ->type_name("FILE")
      ->required();
  app.add_option("--listen", listen, "listen here instead (127.0.0.1:0 picks a free port)")
      ->type_name("HOST:PORT");
  app.add_option("--admin-listen", admin_listen,
                 "serve metrics and health here instead of admin.listen_address")
      ->type_name("HOST:PORT");
  app.add_option("--ready-file", ready_file, "write the address listened on here once serving")
      ->type_name("FILE");
  app.add_option("--log-format", log_format, "text (the default) or json, one object a line")
      ->type_name("FORMAT");
  app.footer(
      "Stops on SIGTERM or SIGINT. On SIGHUP (systemctl reload), and by itself when they change,\n"
      "reloads its TLS certificate, key and CA file without dropping its peers; on SIGHUP also\n"
      "its trust bundle file, applied if newer than the bundle it holds. Exit codes: 0 stopped\n"
      "cleanly, 1 the configuration or what it names is unusable, 2 usage.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForVersion& version) {
    std::printf("%s\n", version.what());
    return 0;
  } catch (const CLI::ParseError& e) {
    return Usage(app, e);
  }

  // Signals are taken by sigwait below; block them before any thread exists so every thread
  // inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The data folder holds every origin's returns whatever their sharing policy: whatever this
  // process creates is for its own user only.
  umask(077);

  // Blocks of 256 KiB and more come from their own mappings and go back to the system when
  // freed. Left to itself glibc raises that threshold after the first large free (up to 32 MB),
  // and then a million-cell return's buffers stay in the heap after it is stored: measured, the
  // node's peak while storing one grew by a further 20 MB (docs/performance.md).
  mallopt(M_MMAP_THRESHOLD, 256 << 10);

  absl::StatusOr<LogFormat> format = ParseLogFormat(log_format);
  if (!format.ok()) {
    std::fprintf(stderr, "ots-node: --log-format: %s (run 'ots-node --help')\n",
                 std::string(format.status().message()).c_str());
    return 2;
  }

  SystemClock clock;
  StreamLogger stream(&clock, stderr, *format, StderrIsJournal());
  // Repeated failures of one peer are counted, not written each time (docs/operations.md).
  RateLimitedLogger logger(&stream, &clock);
  grpc_logger = &logger;
  gpr_set_log_function(GrpcLog);
  RestrictTlsToVersion13();

  absl::StatusOr<v1::NodeConfig> config = LoadNodeConfig(config_path);
  if (!config.ok()) {
    logger.Log(LogLevel::kError, "-", absl::StrCat("fatal: ", config.status().message()));
    return 1;
  }
  // What the configuration names is checked next; each failure names the configuration too.
  const auto fatal = [&](const absl::Status& s) {
    logger.Log(LogLevel::kError, "-",
               absl::StrCat("fatal: ", absl::StartsWith(s.message(), config_path)
                                           ? std::string(s.message())
                                           : absl::StrCat(config_path, ": ", s.message())));
    return 1;
  };
  absl::StatusOr<NodeSetup> setup = LoadNodeSetup(*config, clock);
  if (!setup.ok()) {
    return fatal(setup.status());
  }
  NodeServer::Options options;
  options.listen_address = listen;
  options.admin_listen_address = admin_listen;
  absl::StatusOr<std::unique_ptr<NodeServer>> server =
      NodeServer::Start(std::move(*setup), &clock, &logger, options);
  if (!server.ok()) {
    return fatal(server.status());
  }
  if (!ready_file.empty()) {
    absl::Status written =
        WriteFileReplacing(ready_file, absl::StrCat((*server)->address(), "\n"), 0644);
    if (!written.ok()) {
      logger.Log(LogLevel::kError, "-", absl::StrCat("fatal: ", written.message()));
      return 1;
    }
  }
  // Ready for systemd (Type=notify): serving, and the ready file written. Without systemd
  // (no NOTIFY_SOCKET) this does nothing.
  sd_notifyf(0, "READY=1\nSTATUS=serving on %s", (*server)->address().c_str());
  int signal_number = 0;
  for (;;) {
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) {
      break;
    }
    // The TLS files again (a renewed certificate; the node also does so by itself when they
    // change) and the trust bundle file. A reload that fails keeps what is in use and says why
    // in the log.
    sd_notify(0, "RELOADING=1");
    logger.Log(LogLevel::kInfo, "-",
               "received SIGHUP: reloading the TLS certificate, key and CA file, and the trust "
               "bundle file");
    absl::Status reloaded = (*server)->Reload();
    // Serving either way; systemctl status shows a reload that failed (the log says why).
    sd_notifyf(0, "READY=1\nSTATUS=serving on %s%s", (*server)->address().c_str(),
               reloaded.ok() ? "" : "; the latest reload failed (see the log)");
  }
  sd_notify(0, "STOPPING=1");
  logger.Log(LogLevel::kInfo, "-", absl::StrCat("received ", strsignal(signal_number)));
  (*server)->Shutdown(absl::Seconds(30));
  server->reset();
  grpc_logger = nullptr;
  return 0;
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
