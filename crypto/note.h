// C2SP signed notes (c2sp.org/signed-note), transparency-log checkpoints
// (c2sp.org/tlog-checkpoint) and witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1).
//
// A note is "<text>\n<signature lines>" where text ends in '\n' and every signature line is
// "— <key name> <base64(4-byte key id || signature)>\n" (the dash is U+2014). Ed25519 note keys
// have key id SHA-256(name || 0x0A || 0x01 || pubkey)[:4]; cosignature/v1 keys use type byte
// 0x04 and sign "cosignature/v1\ntime <t>\n" || text, the line carrying id || t (8 bytes BE)
// || signature.
#ifndef OTS_CRYPTO_NOTE_H_
#define OTS_CRYPTO_NOTE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"

namespace ots {

constexpr uint8_t kNoteKeyTypeEd25519 = 0x01;
constexpr uint8_t kNoteKeyTypeCosignatureV1 = 0x04;

// The 4-byte key id of a note key.
std::string NoteKeyId(absl::string_view name, uint8_t type, const PublicKey& key);

struct NoteSignature {
  std::string name;
  std::string key_id;     // 4 bytes
  std::string signature;  // everything after the key id (cosignatures: timestamp || sig)
};

struct Note {
  std::string text;  // the signed text, ending in '\n'
  std::vector<NoteSignature> signatures;
};

// Splits a note into text and signature lines; the text ends at the note's last blank line.
// INVALID_ARGUMENT, saying what is wrong, on any deviation from the format (not UTF-8, an ASCII
// control character other than '\n', missing blank line, bad base64, name with spaces or '+', no
// signatures, a signature of fewer than 5 bytes, more than 100 signatures, ...). Signatures are
// not verified.
absl::StatusOr<Note> ParseNote(absl::string_view note);
// The note's wire form.
std::string FormatNote(const Note& note);

// One signature line as a note carries it: "— <name> <base64(key id || signature)>\n".
std::string FormatSignatureLine(const NoteSignature& sig);
// Parses one signature line (the final newline may be left out), as ParseNote parses each line
// of a note: INVALID_ARGUMENT saying what deviates. The signature is not verified.
absl::StatusOr<NoteSignature> ParseSignatureLine(absl::string_view line);

// Appends an Ed25519 signature line by `name`/`key` to `note`. INVALID_ARGUMENT if the text is
// empty, does not end in '\n' or holds control characters, or `name` is not a valid key name.
absl::Status SignNote(Note* note, absl::string_view name, const PrivateKey& key);
// OK if `note` carries a line by `name` with `key`'s Ed25519 key id whose signature verifies.
// NOT_FOUND if there is no such line; INVALID_ARGUMENT if there is one that fails (every line by
// that name and key id must verify, as c2sp.org/signed-note recommends).
absl::Status VerifyNote(const Note& note, absl::string_view name, const PublicKey& key);

// Appends a cosignature/v1 line by witness `name`/`key` at `timestamp` (seconds since epoch).
// INVALID_ARGUMENT unless the note text is a checkpoint (ParseCheckpoint), `name` is a valid key
// name and `timestamp` <= 2^63-1 (c2sp.org/tlog-cosignature).
absl::Status CosignNote(Note* note, absl::string_view name, const PrivateKey& key,
                        uint64_t timestamp);
// Verifies the cosignature by `name`/`key`; on success returns its timestamp (the first line's,
// should there be several). NOT_FOUND if there is none; INVALID_ARGUMENT if any line by that name
// and key id fails, is not 8 + 64 bytes, or has a timestamp above 2^63-1.
absl::StatusOr<uint64_t> VerifyCosignature(const Note& note, absl::string_view name,
                                           const PublicKey& key);

// A checkpoint body: "<origin>\n<size>\n<base64 root>\n" followed by optional extension lines.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;
};

std::string FormatCheckpoint(const Checkpoint& cp);
// INVALID_ARGUMENT on a malformed body (empty origin, size not canonical decimal, root not 32
// bytes of strict base64, missing final newline, empty extension line, fewer than three lines,
// invalid UTF-8 or an ASCII control character other than '\n').
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text);

}  // namespace ots

#endif  // OTS_CRYPTO_NOTE_H_
