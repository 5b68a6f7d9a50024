// Fuzzes DSSE envelopes (crypto/dsse.h, node/model/envelope.h) as a node receives them: the
// protobuf form (v1::Envelope) nodes store and send, and the JSON form of trust-bundle.json and a
// proof's header.dsse.json. Each envelope is verified as a return header of AZ (AZ's seed log key,
// and LogChecker::CheckHeader as replication checks it) and as a trust bundle (the seed bundle
// key); its payload is parsed as a return header.
//
// Invariants, beyond not crashing:
//   - DsseToProto and DsseFromProto are inverse; DsseToJson is read back by the JSON parser
//     (the one VerifyTrustBundle uses) as the same envelope;
//   - an envelope that verifies carries the signature the seed key makes over its PAE (IsGenuine):
//     anything else accepted is a forgery;
//   - a return header that parses is written back byte for byte (FormatReturnHeader);
//   - a header LogChecker accepts is AZ's, names AZ's key and verifies under it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "crypto/dsse.h"
#include "google/protobuf/util/json_util.h"
#include "node/log/log_checker.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"
#include "proto/data.pb.h"
#include "tests/fuzz/fuzz_util.h"

namespace ots::fuzz {
namespace {

bool SameEnvelope(const DsseEnvelope& a, const DsseEnvelope& b) {
  if (a.payload_type != b.payload_type || a.payload != b.payload ||
      a.signatures.size() != b.signatures.size()) {
    return false;
  }
  for (size_t i = 0; i < a.signatures.size(); ++i) {
    if (a.signatures[i].keyid != b.signatures[i].keyid ||
        a.signatures[i].sig != b.signatures[i].sig) {
      return false;
    }
  }
  return true;
}

// An envelope that verified under `key` has a signature by its key id that the key holder made.
void CheckGenuine(const DsseEnvelope& env, const PrivateKey& key, absl::string_view what) {
  const std::string key_id = key.public_key().KeyId();
  const std::string pae = DssePae(env.payload_type, env.payload);
  bool genuine = false;
  for (const DsseSignature& s : env.signatures) {
    genuine = genuine || (s.keyid == key_id && IsGenuine(key, pae, s.sig));
  }
  Check(genuine, what);
}

void FuzzEnvelope(const v1::Envelope& proto) {
  const SeedFederation& fed = SeedFederation::Get();
  const DsseEnvelope env = DsseFromProto(proto);
  Check(SameEnvelope(DsseFromProto(DsseToProto(env)), env), "DsseFromProto(DsseToProto(e)) != e");
  v1::Envelope from_json;
  Check(google::protobuf::util::JsonStringToMessage(DsseToJson(env), &from_json).ok(),
        "the JSON parser refuses what DsseToJson wrote");
  Check(SameEnvelope(DsseFromProto(from_json), env), "DsseToJson does not read back the same");

  if (DsseVerify(env, kReturnHeaderPayloadType, fed.az_log_key.public_key()).ok()) {
    CheckGenuine(env, fed.az_log_key, "forged return header signature accepted");
  }
  if (DsseVerify(env, kTrustBundlePayloadType, fed.bundle_key.public_key()).ok()) {
    CheckGenuine(env, fed.bundle_key, "forged trust bundle signature accepted");
  }
  absl::StatusOr<v1::ReturnHeader> header = ParseReturnHeader(env.payload);
  if (header.ok()) {
    Check(FormatReturnHeader(*header) == env.payload,
          "FormatReturnHeader(ParseReturnHeader(t)) != t");
  }

  const PublicKey& az = fed.az_log_key.public_key();
  LogChecker checker("AZ", absl::MakeConstSpan(&az, 1), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<v1::ReturnHeader> checked = checker.CheckHeader(proto, nullptr);
  if (checked.ok()) {
    CheckGenuine(env, fed.az_log_key, "LogChecker accepted a forged header");
    Check(checked->origin() == "AZ" && checked->key_id() == az.KeyId(),
          "LogChecker accepted a header of another origin or key");
    Check(checker.leaves().size() == 1, "LogChecker did not record the header");
  } else {
    Check(absl::IsInvalidArgument(checked.status()), "LogChecker failed with another code");
  }
}

}  // namespace
}  // namespace ots::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ots::fuzz::WarmUp();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ots::fuzz::ResetOpenSslErrors();
  const absl::string_view input = ots::fuzz::AsText(data, size);
  ots::v1::Envelope env;
  if (env.ParseFromArray(data, static_cast<int>(size))) {
    ots::fuzz::FuzzEnvelope(env);
  }
  env.Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(input.data(), input.size()), &env, options)
          .ok()) {
    ots::fuzz::FuzzEnvelope(env);
  }
  return 0;
}
