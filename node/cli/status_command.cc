// ots-ctl status: a node's identity, how it sees the caller, each visible origin's log and
// latest checkpoint, its peers, and any split view it holds evidence of.
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "node/base/clock_check.h"
#include "node/cli/command.h"
#include "node/log/checkpoint.h"
#include "node/log/evidence.h"

namespace ots {
namespace {

// `ots-ctl status --help`; its first line is the summary in the list of commands.
constexpr char kStatusHelp[] =
    "A node's identity, how it sees the caller, its origins and peers.\n"
    "Each origin visible to the caller with its log size and latest checkpoint, and each peer\n"
    "link; when each certificate and key of the node ends, and a WARNING for each that ends\n"
    "within 30 days.\n"
    "Exits 1 if the node holds evidence of a split view.\n"
    "With --format json: one JSON object, the status as the node sent it (docs/operations.md,\n"
    "\"Status as JSON\"), for monitoring scripts.\n";

struct StatusFlags : ClientFlags {
  std::string format = "text";
};

// The status as one JSON object: the proto3 JSON mapping of ots.v1.StatusResponse
// (proto/services.proto) with its field names as the proto spells them and every field present,
// so that a script finds each key whether it is set or not; bytes fields (checkpoint notes,
// evidence) in base64.
int PrintStatusJson(const Console& console, const v1::StatusResponse& status) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(status, &json, options);
  if (!printed.ok()) {
    return console.Fail(absl::InternalError(absl::StrCat("status as JSON: ", printed.ToString())));
  }
  console.out() << json << "\n";
  return status.alarms().empty() ? kExitOk : kExitRejected;
}

int RunStatus(const Console& console, const StatusFlags& flags) {
  if (flags.format != "text" && flags.format != "json") {
    return console.Usage(
        absl::StrCat("--format: unknown format \"", flags.format, "\" (text or json)"));
  }
  int exit_code = kExitOk;
  std::unique_ptr<NodeClient> client = Connect(console, flags, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  absl::StatusOr<v1::StatusResponse> r = client->Status();
  if (!r.ok()) {
    return console.FailCall(r.status());
  }
  if (flags.format == "json") {
    return PrintStatusJson(console, *r);
  }
  std::ostream& out = console.out();
  out << "node        " << r->member() << " (" << r->role() << ") at " << client->address()
      << ", up since " << r->started_at() << "\n"
      << "federation  " << r->federation() << ", trust bundle version " << r->bundle_version()
      << (r->bundle_key_id().empty() ? "" : ", bundle key " + r->bundle_key_id()) << "\n"
      << "you are     " << r->caller_member() << " " << r->caller_kind() << "\n";
  if (r->origins().empty()) {
    out << "origins     none visible to you yet\n";
  }
  for (const v1::OriginStatus& o : r->origins()) {
    out << "origin " << o.origin() << "   log size " << o.log_size();
    if (o.log_size() > 0) {
      out << ", checkpoint root " << CheckpointRootText(o.checkpoint_note()) << ", log key "
          << (o.log_key_id().empty() ? "?" : o.log_key_id()) << ", cosigned by "
          << (o.cosigned_by().empty() ? "none yet" : absl::StrJoin(o.cosigned_by(), " "));
    }
    out << "\n";
  }
  // An origin this node is behind on: its witnesses have cosigned more than it holds.
  for (const v1::OriginStatus& o : r->origins()) {
    if (!o.behind().empty()) {
      out << "BEHIND " << o.behind() << "\n";
    }
  }
  for (const v1::PeerStatus& p : r->peers()) {
    out << absl::StrFormat("peer %-7s", p.member()) << p.endpoint() << " " << p.state();
    if (p.stale()) {
      out << ", STALE: no exchange for " << DescribeOffset(absl::Seconds(p.age_seconds()));
    }
    if (!p.last_success_at().empty()) {
      out << ", last exchange " << p.last_success_at();
      if (!p.stale()) {
        out << " (" << DescribeOffset(absl::Seconds(p.age_seconds())) << " ago)";
      }
    }
    if (p.bundle_version() != 0) {
      out << ", bundle v" << p.bundle_version();
      if (p.bundle_version() < r->bundle_version()) {
        out << " (older)";
      }
    }
    if (p.clock_known()) {
      const absl::Duration offset = absl::Milliseconds(p.clock_offset_ms());
      out << ", clock " << (offset >= absl::ZeroDuration() ? "+" : "") << DescribeOffset(offset);
    }
    if (p.failures() > 0) {
      out << ", " << p.failures() << " failures";
    }
    if (!p.last_error().empty()) {
      out << ": " << p.last_error();
    }
    out << "\n";
  }
  if (!r->clock_alarm().empty()) {
    out << "CLOCK " << r->clock_alarm() << "; signing nothing until it is fixed\n";
  }
  if (!r->own_log_recovery().empty()) {
    out << "OWN LOG " << r->own_log_recovery() << "\n";
  }
  if (!r->store_degraded().empty()) {
    out << "STORE degraded: " << r->store_degraded() << "\n";
  }
  for (const std::string& e : r->expiries()) {
    out << "expiry      " << e << "\n";
  }
  // Returns the reporting calendar expects and this node does not hold (ots-ctl calendar).
  for (const v1::LateReturn& l : r->late_returns()) {
    out << "late        " << l.origin() << " " << l.period() << " (" << l.dataflow() << "): due "
        << l.due_at() << ", not received, " << DescribeOffset(absl::Seconds(l.late_seconds()))
        << " late\n";
  }
  // Certificates and keys of the node that run out within 30 days (docs/operations.md).
  for (const std::string& w : r->expiry_warnings()) {
    out << "WARNING " << w << "\n";
  }
  // A split view is the one thing an operator must not miss: say it last, loudly, and exit 1.
  for (const v1::Evidence& e : r->alarms()) {
    out << "ALARM split view: " << DescribeEvidence(e) << "; " << e.origin()
        << " is frozen on this node\n";
  }
  return r->alarms().empty() ? kExitOk : kExitRejected;
}

void AddStatusFlags(CLI::App* status, StatusFlags* flags) {
  AddClientFlags(status, flags, /*required=*/true);
  status->add_option("--format", flags->format, "text (the default) or json")->type_name("FORMAT");
}

}  // namespace

void AddStatusCommand(CLI::App* app, Commands* commands) {
  AddCommand<StatusFlags>(app, commands, "status", kStatusHelp, AddStatusFlags, RunStatus);
}

}  // namespace ots
