// Conversion between the crypto library's DsseEnvelope and its protobuf form (v1::Envelope),
// in which nodes store and send envelopes. The payload bytes are copied verbatim both ways.
#ifndef OTS_NODE_MODEL_ENVELOPE_H_
#define OTS_NODE_MODEL_ENVELOPE_H_

#include "absl/strings/string_view.h"
#include "crypto/dsse.h"
#include "proto/data.pb.h"

namespace ots {

// The payloadType of each kind of DSSE envelope the federation signs.
constexpr absl::string_view kReturnHeaderPayloadType = "application/vnd.ots.return-header.v1";
constexpr absl::string_view kTrustBundlePayloadType = "application/vnd.ots.trust-bundle.v1";

inline DsseEnvelope DsseFromProto(const v1::Envelope& e) {
  DsseEnvelope out;
  out.payload_type = e.payload_type();
  out.payload = e.payload();
  for (const v1::Signature& s : e.signatures()) {
    out.signatures.push_back({s.keyid(), s.sig()});
  }
  return out;
}

inline v1::Envelope DsseToProto(const DsseEnvelope& e) {
  v1::Envelope out;
  out.set_payload(e.payload);
  out.set_payload_type(e.payload_type);
  for (const DsseSignature& s : e.signatures) {
    v1::Signature* sig = out.add_signatures();
    sig->set_keyid(s.keyid);
    sig->set_sig(s.sig);
  }
  return out;
}

}  // namespace ots

#endif  // OTS_NODE_MODEL_ENVELOPE_H_
