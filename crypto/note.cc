#include "crypto/note.h"

#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/status_macros.h"

namespace ots {
namespace {

// U+2014 EM DASH followed by a space: the start of every signature line.
constexpr absl::string_view kSigPrefix = "\xE2\x80\x94 ";
// Go's golang.org/x/mod/sumdb/note limit; c2sp.org/signed-note requires accepting at least 16.
constexpr size_t kMaxSignatures = 100;
constexpr size_t kKeyIdSize = 4;
constexpr size_t kTimestampSize = 8;
constexpr uint64_t kMaxTimestamp = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Decodes one UTF-8 code point at the start of `s` into `*cp` and returns its length, or 0 if
// `s` does not start with a valid, shortest-form, non-surrogate encoding.
size_t DecodeUtf8(absl::string_view s, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    min = 0x80;
    *cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    min = 0x800;
    *cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    min = 0x10000;
    *cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) {
    return 0;
  }
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xc0) != 0x80) {
      return 0;
    }
    *cp = (*cp << 6) | (b & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

// Unicode White_Space, as Go's unicode.IsSpace (which golang.org/x/mod/sumdb/note uses).
bool IsUnicodeSpace(uint32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

// OK if `s` is valid UTF-8 without ASCII control characters other than (if `allow_newline`)
// '\n'. Errors start with `what`.
absl::Status CheckUtf8(absl::string_view s, absl::string_view what, bool allow_newline) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(s.substr(i), &cp);
    if (len == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " is not valid UTF-8 (byte offset ", i, ")"));
    }
    if (cp < 0x20 && !(allow_newline && cp == '\n')) {
      return absl::InvalidArgumentError(absl::StrCat(what, " contains the control character 0x",
                                                     absl::Hex(cp, absl::kZeroPad2),
                                                     " (byte offset ", i, ")"));
    }
    i += len;
  }
  return absl::OkStatus();
}

absl::Status CheckKeyName(absl::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError("key name is empty");
  }
  OTS_RETURN_IF_ERROR(CheckUtf8(name, "key name", /*allow_newline=*/false));
  size_t i = 0;
  while (i < name.size()) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(name.substr(i), &cp);
    if (cp == '+') {
      return absl::InvalidArgumentError(absl::StrCat("key name \"", name, "\" contains '+'"));
    }
    if (IsUnicodeSpace(cp)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key name \"", name, "\" contains a space character"));
    }
    i += len;
  }
  return absl::OkStatus();
}

absl::Status CheckNoteText(absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError("note text is empty");
  }
  if (text.back() != '\n') {
    return absl::InvalidArgumentError("note text does not end with a newline");
  }
  return CheckUtf8(text, "note text", /*allow_newline=*/true);
}

// The message a cosignature/v1 signs (c2sp.org/tlog-cosignature, "Ed25519 signed message").
std::string CosignedMessage(absl::string_view text, uint64_t timestamp) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n", text);
}

// One signature line without its newline. Messages start with what follows "signature line N"
// in ParseNote's.
absl::StatusOr<NoteSignature> ParseLine(absl::string_view line) {
  if (!absl::ConsumePrefix(&line, kSigPrefix)) {
    return absl::InvalidArgumentError(" does not start with an em dash and a space");
  }
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) {
    return absl::InvalidArgumentError(" has no space between key name and signature");
  }
  const absl::string_view name = line.substr(0, space);
  absl::Status name_ok = CheckKeyName(name);
  if (!name_ok.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(": ", name_ok.message()));
  }
  absl::StatusOr<std::string> sig = Base64DecodeStrict(line.substr(space + 1));
  if (!sig.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(": signature is not base64: ", sig.status().message()));
  }
  if (sig->size() <= kKeyIdSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        ": signature is ", sig->size(), " bytes, too short for a 4-byte key id and a signature"));
  }
  return NoteSignature{std::string(name), sig->substr(0, kKeyIdSize), sig->substr(kKeyIdSize)};
}

}  // namespace

std::string NoteKeyId(absl::string_view name, uint8_t type, const PublicKey& key) {
  const char type_byte = static_cast<char>(type);
  const Hash h = Sha256(absl::StrCat(name, "\n", absl::string_view(&type_byte, 1), key.raw()));
  return std::string(reinterpret_cast<const char*>(h.data()), kKeyIdSize);
}

absl::StatusOr<Note> ParseNote(absl::string_view note) {
  OTS_RETURN_IF_ERROR(CheckUtf8(note, "note", /*allow_newline=*/true));
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "note has no blank line separating the text from the signatures");
  }
  Note out;
  out.text = std::string(note.substr(0, split + 1));
  absl::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) {
    return absl::InvalidArgumentError("note has no signature lines");
  }
  if (sigs.back() != '\n') {
    return absl::InvalidArgumentError("note does not end with a newline");
  }
  sigs.remove_suffix(1);
  size_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(sigs, '\n')) {
    ++line_no;
    if (line_no > kMaxSignatures) {
      return absl::InvalidArgumentError(
          absl::StrCat("note has more than ", kMaxSignatures, " signatures"));
    }
    absl::StatusOr<NoteSignature> sig = ParseLine(line);
    if (!sig.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("note signature line ", line_no, sig.status().message()));
    }
    out.signatures.push_back(*std::move(sig));
  }
  return out;
}

std::string FormatNote(const Note& note) {
  std::string out = absl::StrCat(note.text, "\n");
  for (const NoteSignature& sig : note.signatures) {
    out += FormatSignatureLine(sig);
  }
  return out;
}

std::string FormatSignatureLine(const NoteSignature& sig) {
  return absl::StrCat(kSigPrefix, sig.name, " ",
                      absl::Base64Escape(absl::StrCat(sig.key_id, sig.signature)), "\n");
}

absl::StatusOr<NoteSignature> ParseSignatureLine(absl::string_view line) {
  OTS_RETURN_IF_ERROR(CheckUtf8(line, "signature line", /*allow_newline=*/true));
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
  }
  if (line.find('\n') != absl::string_view::npos) {
    return absl::InvalidArgumentError("signature line holds more than one line");
  }
  absl::StatusOr<NoteSignature> sig = ParseLine(line);
  if (!sig.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("signature line", sig.status().message()));
  }
  return sig;
}

absl::Status SignNote(Note* note, absl::string_view name, const PrivateKey& key) {
  OTS_RETURN_IF_ERROR(CheckNoteText(note->text));
  OTS_RETURN_IF_ERROR(CheckKeyName(name));
  if (note->signatures.size() >= kMaxSignatures) {
    return absl::FailedPreconditionError(
        absl::StrCat("note already has ", note->signatures.size(), " signatures"));
  }
  OTS_ASSIGN_OR_RETURN(std::string sig, key.Sign(note->text));
  note->signatures.push_back(NoteSignature{
      std::string(name), NoteKeyId(name, kNoteKeyTypeEd25519, key.public_key()), std::move(sig)});
  return absl::OkStatus();
}

absl::Status VerifyNote(const Note& note, absl::string_view name, const PublicKey& key) {
  OTS_RETURN_IF_ERROR(CheckNoteText(note.text));
  const std::string key_id = NoteKeyId(name, kNoteKeyTypeEd25519, key);
  bool found = false;
  for (const NoteSignature& sig : note.signatures) {
    if (sig.name != name || sig.key_id != key_id) {
      continue;
    }
    found = true;
    if (!key.Verify(note.text, sig.signature).ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("note signature by ", name, " does not verify"));
    }
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("note has no signature by ", name, " with key id ", HexEncode(key_id)));
  }
  return absl::OkStatus();
}

absl::Status CosignNote(Note* note, absl::string_view name, const PrivateKey& key,
                        uint64_t timestamp) {
  if (timestamp > kMaxTimestamp) {
    return absl::InvalidArgumentError(
        absl::StrCat("cosignature timestamp ", timestamp, " exceeds 2^63-1"));
  }
  OTS_RETURN_IF_ERROR(CheckNoteText(note->text));
  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(note->text);
  if (!cp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("only checkpoints are cosigned: ", cp.status().message()));
  }
  OTS_RETURN_IF_ERROR(CheckKeyName(name));
  if (note->signatures.size() >= kMaxSignatures) {
    return absl::FailedPreconditionError(
        absl::StrCat("note already has ", note->signatures.size(), " signatures"));
  }
  OTS_ASSIGN_OR_RETURN(std::string sig, key.Sign(CosignedMessage(note->text, timestamp)));
  std::string signature;
  PutBigEndian64(&signature, timestamp);
  signature += sig;
  note->signatures.push_back(
      NoteSignature{std::string(name), NoteKeyId(name, kNoteKeyTypeCosignatureV1, key.public_key()),
                    std::move(signature)});
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> VerifyCosignature(const Note& note, absl::string_view name,
                                           const PublicKey& key) {
  OTS_RETURN_IF_ERROR(CheckNoteText(note.text));
  const std::string key_id = NoteKeyId(name, kNoteKeyTypeCosignatureV1, key);
  bool found = false;
  uint64_t first_timestamp = 0;
  for (const NoteSignature& sig : note.signatures) {
    if (sig.name != name || sig.key_id != key_id) {
      continue;
    }
    if (sig.signature.size() != kTimestampSize + kEd25519SignatureSize) {
      return absl::InvalidArgumentError(absl::StrCat("cosignature by ", name, " is ",
                                                     sig.signature.size(), " bytes, want ",
                                                     kTimestampSize + kEd25519SignatureSize));
    }
    const uint64_t timestamp = GetBigEndian64(sig.signature);
    if (timestamp > kMaxTimestamp) {
      return absl::InvalidArgumentError(
          absl::StrCat("cosignature by ", name, " has timestamp ", timestamp, " above 2^63-1"));
    }
    if (!key.Verify(CosignedMessage(note.text, timestamp),
                    absl::string_view(sig.signature).substr(kTimestampSize))
             .ok()) {
      return absl::InvalidArgumentError(absl::StrCat("cosignature by ", name, " does not verify"));
    }
    if (!found) {
      first_timestamp = timestamp;
      found = true;
    }
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("note has no cosignature by ", name, " with key id ", HexEncode(key_id)));
  }
  return first_timestamp;
}

std::string FormatCheckpoint(const Checkpoint& cp) {
  std::string out =
      absl::StrCat(cp.origin, "\n", cp.size, "\n", absl::Base64Escape(HashBytes(cp.root)), "\n");
  for (const std::string& ext : cp.extensions) {
    absl::StrAppend(&out, ext, "\n");
  }
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("checkpoint does not end with a newline");
  }
  OTS_RETURN_IF_ERROR(CheckUtf8(text, "checkpoint", /*allow_newline=*/true));
  text.remove_suffix(1);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() < 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint has ", lines.size(), " lines, want at least 3 (origin, size, root hash)"));
  }
  Checkpoint cp;
  if (lines[0].empty()) {
    return absl::InvalidArgumentError("checkpoint origin line is empty");
  }
  cp.origin = std::string(lines[0]);
  if (!ParseCanonicalDecimal(lines[1], &cp.size)) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint tree size \"", lines[1], "\" is not a canonical decimal number"));
  }
  absl::StatusOr<std::string> root = Base64DecodeStrict(lines[2]);
  if (!root.ok() || !HashFromBytes(*root, &cp.root)) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint root hash \"", lines[2], "\" is not the base64 of 32 bytes"));
  }
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint extension line ", i + 1, " is empty"));
    }
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

}  // namespace ots
