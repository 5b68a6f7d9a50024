// Fuzzes the trust bundle (node/trust/trust_bundle.h, directory.h): the file every node, client
// and auditor starts from. The input is read two ways:
//   - as the signed file (DSSE JSON), verified with the seed federation's bundle key as a node
//     does at start-up (VerifyTrustBundle), then made the Directory;
//   - as the signed payload itself (a serialized v1::TrustBundle), which only the key holder can
//     get past the signature: validated (ValidateTrustBundle), made a Directory and asked every
//     question a node asks of it, then signed with the seed bundle key and verified back.
//
// Invariants, beyond not crashing:
//   - a bundle that verifies carries the signature the seed bundle key makes (IsGenuine);
//   - a valid bundle signs, and verifies back to the same bundle;
//   - the Directory of a valid bundle finds every member, key and TLS identity the bundle lists,
//     and asks for no larger witness quorum than there are other members.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "node/model/envelope.h"
#include "node/trust/directory.h"
#include "node/trust/trust_bundle.h"
#include "proto/bundle.pb.h"
#include "proto/data.pb.h"
#include "tests/fuzz/fuzz_util.h"

namespace ots::fuzz {
namespace {

constexpr absl::string_view kFileName = "trust-bundle.json";
// A fixed instant for key validity (harnesses never read the clock).
constexpr absl::string_view kAt = "2024-06-01T12:00:00Z";

// Every question a node asks of its Directory, with each member and with codes no bundle lists.
void AskDirectory(const Directory& d) {
  const v1::TrustBundle& bundle = d.bundle();
  size_t members = 0;
  for (const v1::Member& m : bundle.members()) {
    ++members;
    Check(d.Find(m.code()) != nullptr && d.Find(m.code())->code() == m.code(),
          "the Directory does not find a listed member");
    Check(d.LogKeys(m.code()).size() == static_cast<size_t>(m.log_keys_size()),
          "the Directory lost a log key of a valid bundle");
    Check(d.WitnessKeys(m.code()).size() == static_cast<size_t>(m.witness_keys_size()),
          "the Directory lost a witness key of a valid bundle");
    Check(d.MaySee(m.code(), m.code()), "a member may not see its own data");
    for (const v1::Member& other : bundle.members()) {
      d.MaySee(other.code(), m.code());
    }
    Check(d.WitnessQuorum(m.code()) <= bundle.witness_quorum() &&
              d.WitnessQuorum(m.code()) < static_cast<size_t>(bundle.members_size()),
          "a witness quorum larger than the bundle's or than the other members");
    for (const v1::TlsIdentity& id : m.tls_identities()) {
      absl::StatusOr<CallerIdentity> who = d.Identify(id.spki_sha256());
      Check(who.ok() && who->member == m.code() && who->kind == id.kind(),
            "the Directory does not identify a listed TLS identity");
      (void)d.AuthorizeSubmit(*who, m.code());
      (void)who->Describe();
    }
    for (const v1::PublicKeyEntry& k : m.log_keys()) {
      Check(FindLogKey(bundle, m.code(), k.ed25519()) != nullptr,
            "FindLogKey does not find a listed log key");
      (void)CheckKeyValidAt(k, kAt);
    }
    (void)RoleName(m.role());
  }
  Check(d.Find("XX") == nullptr && d.LogKeys("XX").empty() && d.WitnessKeys("XX").empty(),
        "the Directory finds a member the bundle does not list");
  Check(!d.Identify("").ok(), "the Directory identifies an empty fingerprint");
  Check(members == static_cast<size_t>(bundle.members_size()), "members miscounted");
}

// The input as the signed file.
void FuzzSigned(absl::string_view input) {
  const SeedFederation& fed = SeedFederation::Get();
  absl::StatusOr<v1::TrustBundle> bundle =
      VerifyTrustBundle(kFileName, input, fed.bundle_key.public_key());
  if (!bundle.ok()) {
    Check(absl::IsInvalidArgument(bundle.status()) || absl::IsPermissionDenied(bundle.status()),
          "VerifyTrustBundle failed with another code");
    return;
  }
  v1::Envelope env;
  Check(google::protobuf::util::JsonStringToMessage(
            google::protobuf::StringPiece(input.data(), input.size()), &env)
            .ok(),
        "a verified bundle is not an envelope");
  const std::string key_id = fed.bundle_key.public_key().KeyId();
  const std::string pae = DssePae(env.payload_type(), env.payload());
  bool genuine = false;
  for (const v1::Signature& s : env.signatures()) {
    genuine = genuine || (s.keyid() == key_id && IsGenuine(fed.bundle_key, pae, s.sig()));
  }
  Check(genuine, "forged trust bundle accepted");
  Check(ValidateTrustBundle(*bundle).ok(), "VerifyTrustBundle returned an invalid bundle");

  TrustAnchor anchor{std::string(input), fed.bundle_key.public_key().ToPem(), key_id, *bundle};
  const Directory directory(std::move(anchor));
  Check(directory.signed_bundle() == input && directory.bundle_key_id() == key_id,
        "the Directory does not keep the signed bundle it was built from");
  AskDirectory(directory);
}

// The input as the payload: what a bundle key holder could sign.
void FuzzPayload(const uint8_t* data, size_t size) {
  v1::TrustBundle bundle;
  if (!bundle.ParseFromArray(data, static_cast<int>(size))) {
    return;
  }
  if (!ValidateTrustBundle(bundle).ok()) {
    return;
  }
  AskDirectory(Directory(bundle));
  const SeedFederation& fed = SeedFederation::Get();
  absl::StatusOr<std::string> text = SignTrustBundle(bundle, fed.bundle_key);
  Check(text.ok(), "a valid bundle does not sign");
  absl::StatusOr<v1::TrustBundle> back =
      VerifyTrustBundle(kFileName, *text, fed.bundle_key.public_key());
  Check(back.ok(), "a bundle just signed does not verify");
  Check(google::protobuf::util::MessageDifferencer::Equals(*back, bundle),
        "a bundle just signed verifies to another bundle");
}

}  // namespace
}  // namespace ots::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ots::fuzz::WarmUp();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ots::fuzz::ResetOpenSslErrors();
  ots::fuzz::FuzzSigned(ots::fuzz::AsText(data, size));
  ots::fuzz::FuzzPayload(data, size);
  return 0;
}
