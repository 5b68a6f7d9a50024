#include "crypto/dsse.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crypto/status_macros.h"

namespace ots {
namespace {

// `s` as a JSON string literal (RFC 8259 §7): quotes, backslashes and control characters are
// escaped; all other bytes are copied as they are.
std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

}  // namespace

std::string DssePae(absl::string_view payload_type, absl::string_view payload) {
  return absl::StrCat("DSSEv1 ", payload_type.size(), " ", payload_type, " ", payload.size(), " ",
                      payload);
}

absl::StatusOr<DsseEnvelope> DsseSign(const PrivateKey& key, absl::string_view payload_type,
                                      absl::string_view payload) {
  OTS_ASSIGN_OR_RETURN(std::string sig, key.Sign(DssePae(payload_type, payload)));
  DsseEnvelope env;
  env.payload_type = std::string(payload_type);
  env.payload = std::string(payload);
  env.signatures.push_back(DsseSignature{key.public_key().KeyId(), std::move(sig)});
  return env;
}

absl::Status DsseVerify(const DsseEnvelope& env, absl::string_view expected_type,
                        const PublicKey& key) {
  if (env.payload_type != expected_type) {
    return absl::InvalidArgumentError(absl::StrCat("DSSE payload type is \"",
                                                   absl::CHexEscape(env.payload_type),
                                                   "\", expected \"", expected_type, "\""));
  }
  const std::string key_id = key.KeyId();
  const std::string pae = DssePae(env.payload_type, env.payload);
  bool found = false;
  for (const DsseSignature& s : env.signatures) {
    if (s.keyid != key_id) {
      continue;
    }
    found = true;
    if (key.Verify(pae, s.sig).ok()) {
      return absl::OkStatus();
    }
  }
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat("DSSE envelope has no signature by key id ", key_id));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("DSSE signature by key id ", key_id, " does not verify"));
}

std::string DsseToJson(const DsseEnvelope& env) {
  std::string out =
      absl::StrCat("{\"payload\":", JsonString(absl::Base64Escape(env.payload)),
                   ",\"payloadType\":", JsonString(env.payload_type), ",\"signatures\":[");
  for (size_t i = 0; i < env.signatures.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"keyid\":", JsonString(env.signatures[i].keyid),
                    ",\"sig\":", JsonString(absl::Base64Escape(env.signatures[i].sig)), "}");
  }
  out += "]}";
  return out;
}

}  // namespace ots
