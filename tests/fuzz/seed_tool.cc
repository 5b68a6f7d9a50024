// ots_fuzz_seed_tool: the few steps of tests/fuzz/make_seeds.sh that no ots-ctl command does,
// each through the project's own code. Writes to stdout; never to a file.
//
//   ots_fuzz_seed_tool cosign NOTE_FILE KEY_NAME WITNESS_KEY_FILE TIMESTAMP
//       NOTE_FILE with a cosignature/v1 line by KEY_NAME added (CosignNote), as a witness node
//       adds it when it cosigns a checkpoint.
//   ots_fuzz_seed_tool envelope-binary DSSE_JSON_FILE
//       The DSSE envelope in its protobuf form (v1::Envelope), as nodes store and send it.
//   ots_fuzz_seed_tool bundle-payload TRUST_BUNDLE_JSON_FILE
//       The signed payload of a trust bundle: the serialized v1::TrustBundle.
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/note.h"
#include "google/protobuf/util/json_util.h"
#include "proto/data.pb.h"

namespace ots {
namespace {

int Fail(absl::string_view what) {
  std::cerr << "ots_fuzz_seed_tool: " << what << "\n";
  return 1;
}

absl::StatusOr<v1::Envelope> ReadEnvelope(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return text.status();
  }
  v1::Envelope env;
  auto parsed = google::protobuf::util::JsonStringToMessage(*text, &env);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a DSSE envelope in JSON"));
  }
  return env;
}

int Cosign(const std::string& note_file, const std::string& name, const std::string& key_file,
           const std::string& timestamp_text) {
  uint64_t timestamp = 0;
  if (!absl::SimpleAtoi(timestamp_text, &timestamp)) {
    return Fail(absl::StrCat("timestamp \"", timestamp_text, "\" is not a number"));
  }
  absl::StatusOr<std::string> text = ReadFile(note_file);
  if (!text.ok()) {
    return Fail(text.status().message());
  }
  absl::StatusOr<Note> note = ParseNote(*text);
  if (!note.ok()) {
    return Fail(absl::StrCat(note_file, ": ", note.status().message()));
  }
  absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(key_file);
  if (!key.ok()) {
    return Fail(key.status().message());
  }
  if (absl::Status s = CosignNote(&*note, name, *key, timestamp); !s.ok()) {
    return Fail(s.message());
  }
  std::cout << FormatNote(*note);
  return 0;
}

int Main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "cosign" && argc == 6) {
    return Cosign(argv[2], argv[3], argv[4], argv[5]);
  }
  if ((command == "envelope-binary" || command == "bundle-payload") && argc == 3) {
    absl::StatusOr<v1::Envelope> env = ReadEnvelope(argv[2]);
    if (!env.ok()) {
      return Fail(env.status().message());
    }
    std::cout << (command == "bundle-payload" ? env->payload() : env->SerializeAsString());
    return std::cout.good() ? 0 : Fail("writing stdout failed");
  }
  return Fail("usage: cosign NOTE NAME KEY TIMESTAMP | envelope-binary JSON | bundle-payload JSON");
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
