// What the commands of ots-ctl share: exit codes, how a command reports, the flags of the
// commands that call a node, and the lookups on a data folder. Each command (or group) lives in
// its own file and adds itself to the command line with its Add*Command function; ots_ctl.cc
// builds the command line from them and runs the one selected.
#ifndef OTS_NODE_CLI_COMMAND_H_
#define OTS_NODE_CLI_COMMAND_H_

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/model/return_csv.h"
#include "node/rpc/client.h"
#include "node/store/store.h"
#include "proto/config.pb.h"
#include "proto/services.pb.h"

namespace ots {

// Exit codes of ots-ctl.
constexpr int kExitOk = 0;           // done
constexpr int kExitRejected = 1;     // the input was rejected, or a check failed
constexpr int kExitUsage = 2;        // the command line, or a configuration it names, is unusable
constexpr int kExitUnreachable = 3;  // the node could not be reached, or refused the caller
constexpr int kExitNodeFault = 4;    // the node was reached but could not do it: its store cannot
                                     // write (a full disk), or its clock is off; nothing was stored

// Where one run of a command writes, and how it reports a failure: results go to out();
// problems, notes and progress to err(). The streams are borrowed and must outlive the console.
// Thread-compatible.
class Console {
 public:
  // `command` is the command as typed, e.g. "ots-ctl pki init". `err_is_terminal` says whether
  // err() is shown on a terminal (progress is shown only there).
  Console(std::ostream& out, std::ostream& err, bool err_is_terminal, std::string command)
      : out_(out), err_(err), err_is_terminal_(err_is_terminal), command_(std::move(command)) {}

  std::ostream& out() const { return out_; }
  std::ostream& err() const { return err_; }
  bool err_is_terminal() const { return err_is_terminal_; }

  // Prints "ots-ctl: <message of s>" to err() and returns `code`.
  int Fail(const absl::Status& s, int code = kExitRejected) const;

  // Fail for a call to a node that failed: kExitUnreachable if the node was not reached or
  // refused the caller (UNAVAILABLE, DEADLINE_EXCEEDED, PERMISSION_DENIED, UNAUTHENTICATED),
  // kExitNodeFault if the node failed itself (RESOURCE_EXHAUSTED, INTERNAL, DATA_LOSS),
  // kExitRejected otherwise (the node's verdict on the input).
  int FailCall(const absl::Status& s) const;

  // A usage error: prints exactly one line to err(), "<command>: <message> (run '<command>
  // --help')" (line breaks in `message` become spaces), and returns kExitUsage.
  int Usage(absl::string_view message) const;

 private:
  std::ostream& out_;
  std::ostream& err_;
  const bool err_is_terminal_;
  const std::string command_;
};

// "ots-ctl pki init" for the subcommand `init` of `pki`: the names from the top of the command
// line down to `command`.
std::string CommandPath(const CLI::App& command);

// Runs one command once the command line has been parsed into the flags it bound; returns its
// exit code.
using CommandRun = std::function<int(const Console&)>;
// The run function of each command that can be selected, by its CLI11 (sub)command.
using Commands = std::map<const CLI::App*, CommandRun>;

// Each adds its command (or group of commands) to `app`, the top of the command line, and the
// run function of each to `commands`. The flags are bound to storage the run functions own.
void AddPkiCommand(CLI::App* app, Commands* commands);       // pki init
void AddBundleCommands(CLI::App* app, Commands* commands);   // bundle show, bundle sign
void AddKeygenCommand(CLI::App* app, Commands* commands);    // keygen
void AddImportCommand(CLI::App* app, Commands* commands);    // import
void AddSubmitCommands(CLI::App* app, Commands* commands);   // submit, validate
void AddQueryCommand(CLI::App* app, Commands* commands);     // query, query --consolidated
void AddStatusCommand(CLI::App* app, Commands* commands);    // status
void AddAuditCommand(CLI::App* app, Commands* commands);     // audit
void AddProveCommand(CLI::App* app, Commands* commands);     // prove
void AddLogCommand(CLI::App* app, Commands* commands);       // log
void AddCalendarCommand(CLI::App* app, Commands* commands);  // calendar
void AddReleaseCommands(CLI::App* app, Commands* commands);  // release write, check
void AddBackupCommands(CLI::App* app, Commands* commands);   // backup, restore

// Adds the command `name` to `parent`: a Flags value the command owns, its flags (added by
// `add_flags`, which binds them to that value), and `run`, called with the value once the command
// line has been parsed. Returns the command.
template <typename Flags>
CLI::App* AddCommand(CLI::App* parent, Commands* commands, const std::string& name,
                     const std::string& description,
                     const std::type_identity_t<std::function<void(CLI::App*, Flags*)>>& add_flags,
                     int (*run)(const Console&, const Flags&)) {
  auto flags = std::make_shared<Flags>();
  CLI::App* command = parent->add_subcommand(name, description);
  add_flags(command, flags.get());
  (*commands)[command] = [flags, run](const Console& console) { return run(console, *flags); };
  return command;
}

// Adds to `command` the flag `name` ("--out") taking one value, stored in `*value` and shown as
// `value_name` ("DIR") in the help.
CLI::Option* AddFlag(CLI::App* command, const std::string& name, std::string* value,
                     const std::string& value_name, const std::string& description);

// The same for a flag that may be given several times, one value each time ("--filter A
// --filter B"); every value is kept, in order.
CLI::Option* AddRepeatedFlag(CLI::App* command, const std::string& name,
                             std::vector<std::string>* values, const std::string& value_name,
                             const std::string& description);

// --config CLIENT and --node HOST:PORT of a command that calls a node.
struct ClientFlags {
  std::string config;  // client configuration (node/trust/config.h LoadClientConfig)
  std::string node;    // overrides its node_address if not empty
};
// Adds them to `command`; --config is required if `required`, and --node needs --config. Returns
// the --config option, so that a command can exclude its offline flags with it.
CLI::Option* AddClientFlags(CLI::App* command, ClientFlags* flags, bool required);

// Where a command that works offline or with a node reads: the node of --config, or else the
// data folder of --data-dir.
struct DataSource {
  std::unique_ptr<NodeClient> node;  // set with --config
  std::unique_ptr<Store> store;      // set otherwise, opened read-only

  // Reports a read from the source that failed: Console::FailCall for a node, Console::Fail for
  // a data folder. Returns the exit code.
  int Fail(const Console& console, const absl::Status& s) const;
};
// Prints a rejected return's problems (each "file:line: what") and the line
// "ots-ctl: FILE rejected: N problems, nothing stored" to err(); returns kExitRejected. `count`
// is how many were found, which may be more than listed.
int PrintRejectedReturn(const Console& console, absl::string_view file,
                        const std::vector<ReturnProblem>& problems, size_t count);

// Opens the source that `client` (if its config is set) or `data_dir` names. Returns kExitOk, or
// the exit code of the failure it reported: kExitUsage if neither is given, Connect's for a node,
// kExitRejected for a folder that cannot be opened.
int OpenDataSource(const Console& console, const ClientFlags& client, const std::string& data_dir,
                   DataSource* out);

// Connects as `flags` say. On failure reports it and returns nullptr with the exit code in
// `out_exit`: kExitUsage for an unusable configuration (our own certificate expired, another
// CA's, ...: NodeClient::Connect), kExitUnreachable for a node that cannot be reached or whose
// handshake fails.
std::unique_ptr<NodeClient> Connect(const Console& console, const ClientFlags& flags,
                                    int* out_exit);

// --filter and --cell values ("COLUMN=code[,code...]") in their wire form, unchecked: the node
// checks them.
void AddWireFilters(const std::vector<std::string>& specs,
                    google::protobuf::RepeatedPtrField<v1::ColumnFilter>* out);

// Opens the existing data folder `dir` read-only. Store::Open's errors.
absl::StatusOr<std::unique_ptr<Store>> OpenDataFolder(const std::string& dir);

// The federation whose logs `store` holds: `federation` if not empty; else, if `config` names a
// trust bundle and its key, the bundle's federation (the bundle verified with that key); else
// what the folder records. INVALID_ARGUMENT asking for --federation if none of them says.
absl::StatusOr<std::string> FederationOf(Store& store, absl::string_view federation,
                                         const v1::NodeConfig* config);
// The federation whose logs a folder read offline holds (log/origin_log.h StoredFederation), or
// "" if it holds no log (there is nothing to name then).
absl::StatusOr<std::string> FolderFederation(Store& store);

}  // namespace ots

#endif  // OTS_NODE_CLI_COMMAND_H_
