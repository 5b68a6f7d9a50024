#include "node/log/publisher.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/parallel.h"
#include "crypto/status_macros.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"

namespace ots {

std::string LogName(absl::string_view origin) { return absl::StrCat("ots-mx/log/", origin); }

std::vector<Hash> CellLeafHashes(const CellLines& sorted_lines) {
  std::vector<Hash> out(sorted_lines.size());
  auto hash_range = [&](size_t begin, size_t end) {
    Sha256Hasher hasher;
    const char leaf_prefix = 0x00;
    for (size_t i = begin; i < end; ++i) {
      out[i] = hasher.Digest(absl::string_view(&leaf_prefix, 1), sorted_lines[i]);
    }
  };
  const size_t half = sorted_lines.size() / 2;
  if (half < 4096) {
    hash_range(0, sorted_lines.size());
  } else {
    RunBoth([&] { hash_range(0, half); }, [&] { hash_range(half, sorted_lines.size()); });
  }
  return out;
}

std::vector<Hash> LogLeafHashes(const std::vector<v1::LogEntry>& log) {
  std::vector<Hash> out;
  out.reserve(log.size());
  for (const v1::LogEntry& e : log) {
    out.push_back(MerkleLeafHash(e.header().payload()));
  }
  return out;
}

absl::Status Publisher::BindKey(absl::string_view origin) {
  // A node signs for one state only: the first publication names it.
  absl::StatusOr<std::string> own = store_->GetMeta(kNodeOriginMeta);
  if (own.ok() && *own != origin) {
    return absl::FailedPreconditionError(absl::StrCat("this data folder is the node of ", *own,
                                                      "; it does not sign returns of ", origin));
  }
  if (!own.ok() && !absl::IsNotFound(own.status())) {
    return own.status();
  }
  if (!own.ok()) {
    OTS_RETURN_IF_ERROR(store_->PutMeta(kNodeOriginMeta, origin));
  }
  const std::string name = absl::StrCat(kLogPublicKeyMeta, origin);
  const std::string pem = log_key_->public_key().ToPem();
  absl::StatusOr<std::string> bound = store_->GetMeta(name);
  if (bound.ok()) {
    if (*bound != pem) {
      return absl::FailedPreconditionError(
          absl::StrCat("this data folder holds the log of ", origin,
                       " signed with another log key; refusing to sign with key ",
                       log_key_->public_key().KeyId()));
    }
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(bound.status())) {
    return bound.status();
  }
  return store_->PutMeta(name, pem);
}

absl::StatusOr<PublishResult> Publisher::Publish(const ParsedReturn& ret) {
  absl::MutexLock lock(&mu_);
  const std::string& origin = ret.origin;
  const std::string log_name = LogName(origin);

  OTS_RETURN_IF_ERROR(BindKey(origin));
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store_->ReadLog(origin));
  std::vector<Hash> log_leaves = LogLeafHashes(log);

  // Never sign a checkpoint that contradicts the last one: the stored log must still be what
  // that checkpoint committed to.
  if (!log.empty()) {
    OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint last, store_->LatestCheckpoint(origin));
    OTS_ASSIGN_OR_RETURN(Note note, ParseNote(last.note()));
    OTS_ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpoint(note.text));
    if (cp.size != log.size() || cp.root != MerkleRoot(log_leaves)) {
      return absl::DataLossError(
          absl::StrCat("refusing to sign: the stored log of ", origin, " (", log.size(),
                       " entries) no longer matches its last signed checkpoint (size ", cp.size,
                       "); run ots-ctl audit"));
    }
  }

  v1::ReturnHeader header;
  header.set_origin(origin);
  header.set_period(ret.period);
  OTS_ASSIGN_OR_RETURN(std::optional<v1::CurrentEntry> current,
                       store_->GetCurrent(origin, ret.period));
  if (current.has_value()) {
    if (current->log_index() >= log.size()) {
      return absl::DataLossError(absl::StrCat("current view of ", origin, " ", ret.period,
                                              " points past the end of the log"));
    }
    header.set_revision(current->revision() + 1);
    header.set_supersedes(HashBytes(Sha256(log[current->log_index()].header().payload())));
  } else {
    header.set_revision(1);
  }
  header.set_cell_count(ret.lines.size());
  header.set_cells_root(HashBytes(MerkleRoot(CellLeafHashes(ret.lines))));
  header.set_value_sum(ret.value_sum);
  header.set_created_at(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_->Now(), absl::UTCTimeZone()));
  header.set_key_id(log_key_->public_key().KeyId());
  const std::string payload = FormatReturnHeader(header);

  OTS_ASSIGN_OR_RETURN(DsseEnvelope env, DsseSign(*log_key_, kReturnHeaderPayloadType, payload));
  Store::Append append;
  append.origin = origin;
  append.log_index = log.size();
  *append.entry.mutable_header() = DsseToProto(env);
  append.period = ret.period;
  append.revision = header.revision();
  append.cell_lines = &ret.lines;

  log_leaves.push_back(MerkleLeafHash(payload));
  Checkpoint cp;
  cp.origin = log_name;
  cp.size = log_leaves.size();
  cp.root = MerkleRoot(log_leaves);
  Note note;
  note.text = FormatCheckpoint(cp);
  OTS_RETURN_IF_ERROR(SignNote(&note, log_name, *log_key_));
  append.checkpoint.set_note(FormatNote(note));

  OTS_RETURN_IF_ERROR(store_->AppendReturn(append));
  PublishResult result;
  result.header = std::move(header);
  result.log_index = append.log_index;
  result.checkpoint_note = append.checkpoint.note();
  return result;
}

}  // namespace ots
