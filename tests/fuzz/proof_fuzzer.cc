// Fuzzes the check of a cell proof (node/query/proof_check.h, VerifyProofFiles): what ots-ctl
// runs on every proof before it writes one, trusting only the bundle key id, here the seed
// federation's.
//
// The input is a set of named files, each "\0file NAME\n" followed by its contents, up to the
// next "\0file " (tests/fuzz/make_seeds.sh writes the seed proofs so; a file may be binary, as
// header.sig is). A name given twice keeps its first contents. Input before the first marker is
// ignored.
//
// Invariants, beyond not crashing:
//   - a proof that verifies rests on the seed federation: every signature in it is the one the
//     seed key makes (the bundle's, the header's, the checkpoint's and each cosignature), so
//     nothing was forged;
//   - the cell it proves is the one at the index it names among the cells AZ really signed, of
//     the header at the index it names in AZ's log (seed_keys.h lists both), so no Merkle path
//     led elsewhere than it says;
//   - it names the cell, origin and period of its files, and met its quorum with witnesses that
//     are not the origin.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "google/protobuf/util/json_util.h"
#include "node/log/names.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"
#include "node/query/proof_check.h"
#include "proto/data.pb.h"
#include "tests/fuzz/fuzz_util.h"

namespace ots::fuzz {
namespace {

constexpr absl::string_view kMarker = absl::string_view("\0file ", 6);

ProofFiles SplitFiles(absl::string_view input) {
  ProofFiles files;
  size_t at = input.find(kMarker);
  while (at != absl::string_view::npos) {
    const size_t name_start = at + kMarker.size();
    const size_t name_end = input.find('\n', name_start);
    if (name_end == absl::string_view::npos) {
      break;
    }
    const size_t next = input.find(kMarker, name_end + 1);
    const size_t end = next == absl::string_view::npos ? input.size() : next;
    files.emplace(std::string(input.substr(name_start, name_end - name_start)),
                  std::string(input.substr(name_end + 1, end - name_end - 1)));
    at = next;
  }
  return files;
}

// Every signature the verified proof rests on was made by the seed federation's keys.
void CheckSignatures(const ProofFiles& files, const ProofSummary& summary) {
  const SeedFederation& fed = SeedFederation::Get();

  v1::Envelope bundle;
  Check(google::protobuf::util::JsonStringToMessage(files.at("trust-bundle.json"), &bundle).ok(),
        "a verified proof's trust bundle is not an envelope");
  const std::string bundle_pae = DssePae(bundle.payload_type(), bundle.payload());
  bool genuine = false;
  for (const v1::Signature& s : bundle.signatures()) {
    genuine = genuine || (s.keyid() == fed.bundle_key.public_key().KeyId() &&
                          IsGenuine(fed.bundle_key, bundle_pae, s.sig()));
  }
  Check(genuine, "a verified proof rests on a forged trust bundle");

  const std::string& header = files.at("header.txt");
  Check(
      IsGenuine(fed.az_log_key, DssePae(kReturnHeaderPayloadType, header), files.at("header.sig")),
      "a verified proof rests on a forged header signature");

  absl::StatusOr<Note> note = ParseNote(files.at("checkpoint.note"));
  Check(note.ok(), "a verified proof's checkpoint does not parse");
  bool signed_by_origin = false;
  for (const NoteSignature& sig : note->signatures) {
    if (sig.name == summary.log_name) {
      Check(IsGenuine(fed.az_log_key, note->text, sig.signature),
            "a verified proof rests on a forged checkpoint signature");
      signed_by_origin = true;
      continue;
    }
    const std::string member = WitnessMember(summary.federation, sig.name);
    auto key = fed.witness_keys.find(member);
    Check(key != fed.witness_keys.end(), "a verified proof has a cosignature of no seed witness");
    Note remade{note->text, {}};
    Check(sig.signature.size() > 8 &&
              CosignNote(&remade, sig.name, key->second, GetBigEndian64(sig.signature)).ok() &&
              remade.signatures[0].signature == sig.signature,
          "a verified proof rests on a forged cosignature");
  }
  Check(signed_by_origin, "a verified proof's checkpoint has no signature by the origin's log");
}

// The proven cell and header are where the proof says, among what AZ signed.
void CheckPositions(const ProofFiles& files, const ProofSummary& summary) {
  Check(summary.log_size <= std::size(kSeedAzLog) && summary.log_index < summary.log_size,
        "a verified proof names a log position AZ never had");
  const SeedLogEntry& entry = kSeedAzLog[summary.log_index];
  Check(HexEncode(HashBytes(Sha256(files.at("header.txt")))) == entry.header_sha256,
        "a verified proof's header is not the one at the log index it names");
  const std::vector<absl::string_view> cells =
      absl::StrSplit(absl::string_view(entry.cells), '\n', absl::SkipEmpty());
  Check(summary.cell_count == cells.size() && summary.cell_index < cells.size() &&
            cells[summary.cell_index] == files.at("cell.line"),
        "a verified proof's cell is not the one at the index it names");
}

}  // namespace
}  // namespace ots::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ots::fuzz::WarmUp();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ots::fuzz::ResetOpenSslErrors();
  using namespace ots;
  using namespace ots::fuzz;
  const ProofFiles files = SplitFiles(AsText(data, size));
  const std::string bundle_key_id = SeedFederation::Get().bundle_key.public_key().KeyId();
  absl::StatusOr<ProofSummary> summary = VerifyProofFiles(files, bundle_key_id);
  if (!summary.ok()) {
    Check(absl::IsInvalidArgument(summary.status()) || absl::IsPermissionDenied(summary.status()),
          "VerifyProofFiles failed with another code");
    return 0;
  }
  Check(summary->cell_line == files.at("cell.line"), "the summary names another cell line");
  absl::StatusOr<v1::ReturnHeader> header = ParseReturnHeader(files.at("header.txt"));
  Check(header.ok() && summary->origin == header->origin() && summary->period == header->period() &&
            summary->revision == header->revision(),
        "the summary names another origin, period or revision than header.txt");
  Check(summary->log_name == LogName(summary->federation, summary->origin),
        "the summary names another log");
  Check(summary->cosigners.size() >= summary->quorum, "a proof verified below its quorum");
  for (const std::string& c : summary->cosigners) {
    Check(c != summary->origin, "the origin counted as its own witness");
  }
  CheckSignatures(files, *summary);
  CheckPositions(files, *summary);
  return 0;
}
