// Tests for crypto/note: C2SP signed notes, checkpoints and cosignatures.
#include "crypto/note.h"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"

namespace ots {
namespace {

constexpr char kDash[] = "\xE2\x80\x94";  // U+2014 EM DASH

std::string B64(absl::string_view b64) {
  absl::StatusOr<std::string> bytes = Base64DecodeStrict(b64);
  REQUIRE(bytes.ok());
  return *bytes;
}

std::string Unhex(absl::string_view hex) {
  absl::StatusOr<std::string> bytes = HexDecode(hex);
  REQUIRE(bytes.ok());
  return *bytes;
}

PrivateKey KeyFromSeed(const std::string& seed) {
  absl::StatusOr<PrivateKey> key = PrivateKey::FromSeed(seed);
  REQUIRE(key.ok());
  return *key;
}

PrivateKey NewKey() {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  REQUIRE(key.ok());
  return *key;
}

// The checkpoint body of the examples in c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature.
constexpr char kSpecCheckpoint[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

// ---------------------------------------------------------------------------------------------
// Published vectors

// golang.org/x/mod/sumdb/note (package documentation and note_test.go TestSignerVerifier/TestSign):
// skey "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
// vkey "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW". The base64 parts are
// the algorithm byte 0x01 followed by the seed or public key; c74f20a3 is the key id.
TEST_CASE("Note: Go sumdb/note PeterNeumann vector", "[note]") {
  const std::string skey = B64("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
  const std::string vkey = B64("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE(skey[0] == 0x01);
  REQUIRE(vkey[0] == 0x01);
  const PrivateKey key = KeyFromSeed(skey.substr(1));
  CHECK(key.public_key().raw() == vkey.substr(1));
  CHECK(HexEncode(NoteKeyId("PeterNeumann", kNoteKeyTypeEd25519, key.public_key())) == "c74f20a3");

  const std::string text =
      "If you think cryptography is the answer to your problem,\n"
      "then you don't know what your problem is.\n";
  const std::string want = text + "\n" + kDash +
                           " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC"
                           "2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
  Note note{text, {}};
  REQUIRE(SignNote(&note, "PeterNeumann", key).ok());
  CHECK(FormatNote(note) == want);

  absl::StatusOr<Note> parsed = ParseNote(want);
  REQUIRE(parsed.ok());
  CHECK(parsed->text == text);
  REQUIRE(parsed->signatures.size() == 1);
  CHECK(parsed->signatures[0].name == "PeterNeumann");
  CHECK(HexEncode(parsed->signatures[0].key_id) == "c74f20a3");
  CHECK(parsed->signatures[0].signature.size() == kEd25519SignatureSize);
  absl::StatusOr<PublicKey> pub = PublicKey::FromRaw(vkey.substr(1));
  REQUIRE(pub.ok());
  CHECK(VerifyNote(*parsed, "PeterNeumann", *pub).ok());

  // As in the Go test: a tampered note fails, and another key finds no signature.
  std::string tampered = want;
  tampered.replace(tampered.find("cryptography"), 12, "cryptographY");
  absl::StatusOr<Note> tampered_note = ParseNote(tampered);
  REQUIRE(tampered_note.ok());
  CHECK(VerifyNote(*tampered_note, "PeterNeumann", *pub).code() ==
        absl::StatusCode::kInvalidArgument);
  const PrivateKey other = KeyFromSeed(std::string(32, '\0'));
  CHECK(VerifyNote(*parsed, "Other", other.public_key()).code() == absl::StatusCode::kNotFound);
  CHECK(VerifyNote(*parsed, "PeterNeumann", other.public_key()).code() ==
        absl::StatusCode::kNotFound);
}

// c2sp.org/tlog-cosignature's example: a checkpoint with a log signature and a cosignature made
// at "time 1679315147" (the example signed message in the same document).
std::string CosignedExample() {
  return std::string(kSpecCheckpoint) + "\n" + kDash +
         " example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
         "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" +
         kDash +
         " witness.example.com/w1 "
         "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyi"
         "n1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
}

// The published examples of c2sp.org parse into their text and signatures (name, key id) and
// format back byte for byte.
TEST_CASE("Note: c2sp examples parse and format back", "[note]") {
  // c2sp.org/signed-note's example, whose text contains an empty line: the text ends at the last.
  const std::string poem =
      "Ognuno sta solo sul cuor della terra\n"
      "trafitto da un raggio di sole:\n"
      "\n"
      "ed \xC3\xA8 subito sera.\n";
  const struct {
    std::string note;
    std::string text;
    std::vector<std::pair<std::string, std::string>> signatures;  // name, key id (hex)
  } kExamples[] = {
      {CosignedExample(),
       kSpecCheckpoint,
       {{"example.com/behind-the-sofa", ""}, {"witness.example.com/w1", "8d66cf3f"}}},
      {poem + "\n" + kDash +
           " quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnG"
           "ITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n",
       poem,
       {{"quasimodo.example/salvatore", "367ba04b"}}},
  };
  for (const auto& example : kExamples) {
    INFO(example.note);
    absl::StatusOr<Note> note = ParseNote(example.note);
    REQUIRE(note.ok());
    CHECK(note->text == example.text);
    REQUIRE(note->signatures.size() == example.signatures.size());
    for (size_t i = 0; i < note->signatures.size(); ++i) {
      CHECK(note->signatures[i].name == example.signatures[i].first);
      if (!example.signatures[i].second.empty()) {
        CHECK(HexEncode(note->signatures[i].key_id) == example.signatures[i].second);
      }
    }
    CHECK(FormatNote(*note) == example.note);
  }
}

TEST_CASE("Note: the c2sp tlog-cosignature example's signatures and checkpoint",
          "[note][cosignature]") {
  absl::StatusOr<Note> note = ParseNote(CosignedExample());
  REQUIRE(note.ok());
  REQUIRE(note->signatures.size() == 2);
  CHECK(note->signatures[0].signature.size() == kEd25519SignatureSize);
  REQUIRE(note->signatures[1].signature.size() == 8 + kEd25519SignatureSize);
  CHECK(GetBigEndian64(note->signatures[1].signature) == 1679315147);

  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(note->text);
  REQUIRE(cp.ok());
  CHECK(cp->origin == "example.com/behind-the-sofa");
  CHECK(cp->size == 20852163);
  CHECK(HexEncode(HashBytes(cp->root)) ==
        "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62");
  CHECK(cp->extensions.empty());
  CHECK(FormatCheckpoint(*cp) == note->text);
}

// A cosignature with a known key, so that the exact bytes are pinned. The witness key is RFC 8032
// TEST 2. Expected line computed independently with python3 and the cryptography package from the
// c2sp.org/tlog-cosignature text: key id = SHA-256(name || "\n" || 0x04 || pubkey)[:4], signed
// message = "cosignature/v1\ntime 1679315147\n" || checkpoint, line = id || u64be(time) || sig.
TEST_CASE("Note: cosignature/v1 known-answer", "[note][cosignature]") {
  const PrivateKey witness =
      KeyFromSeed(Unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  Note note{kSpecCheckpoint, {}};
  REQUIRE(CosignNote(&note, "witness.example.com/w1", witness, 1679315147).ok());
  CHECK(FormatNote(note) ==
        std::string(kSpecCheckpoint) + "\n" + kDash +
            " witness.example.com/w1 6EmBcgAAAABkGFDLU5VmHzFyg1moo3QxI1Ge6wHfwyl"
            "QEoWhcwJH/SvRJW3LjvpU4PIuE1VI/0HWdoZ4oGL67Rl5yx89mAducLUyBQ==\n");
  absl::StatusOr<uint64_t> t =
      VerifyCosignature(note, "witness.example.com/w1", witness.public_key());
  REQUIRE(t.ok());
  CHECK(*t == 1679315147);
}

// ---------------------------------------------------------------------------------------------
// Round trips and tampering

TEST_CASE("Note: sign then format then parse then verify", "[note]") {
  const PrivateKey key = NewKey();
  const PrivateKey key2 = NewKey();
  Note note{"hello\n\nworld\n", {}};
  REQUIRE(SignNote(&note, "example.com/log", key).ok());
  REQUIRE(SignNote(&note, "other.example/log", key2).ok());
  const std::string wire = FormatNote(note);
  absl::StatusOr<Note> parsed = ParseNote(wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->text == note.text);
  CHECK(parsed->signatures.size() == 2);
  CHECK(FormatNote(*parsed) == wire);
  CHECK(VerifyNote(*parsed, "example.com/log", key.public_key()).ok());
  CHECK(VerifyNote(*parsed, "other.example/log", key2.public_key()).ok());
  // Right key, wrong name; right name, wrong key.
  CHECK(VerifyNote(*parsed, "example.com/log2", key.public_key()).code() ==
        absl::StatusCode::kNotFound);
  CHECK(VerifyNote(*parsed, "example.com/log", key2.public_key()).code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("Note: any changed text byte breaks the signature", "[note]") {
  const PrivateKey key = NewKey();
  Note note{"example.com/log\n42\nsome text\n", {}};
  REQUIRE(SignNote(&note, "example.com/log", key).ok());
  for (size_t i = 0; i < note.text.size(); ++i) {
    Note tampered = note;
    tampered.text[i] = tampered.text[i] == 'x' ? 'y' : 'x';
    INFO("byte " << i);
    absl::Status s = VerifyNote(tampered, "example.com/log", key.public_key());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  }
  Note tampered = note;
  tampered.signatures[0].signature[10] ^= 0x04;
  CHECK(VerifyNote(tampered, "example.com/log", key.public_key()).code() ==
        absl::StatusCode::kInvalidArgument);
  // A bad line by the key fails the note even if a good one follows.
  tampered.signatures.push_back(note.signatures[0]);
  CHECK(VerifyNote(tampered, "example.com/log", key.public_key()).code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Note: signing validates its inputs", "[note]") {
  const PrivateKey key = NewKey();
  for (const char* text : {"", "no newline", "tab\there\n", "cr\r\n", "bad \xff utf8\n"}) {
    INFO(text);
    Note note{text, {}};
    CHECK(SignNote(&note, "name", key).code() == absl::StatusCode::kInvalidArgument);
    CHECK(note.signatures.empty());
  }
  for (const char* name : {"", "a b", "a+b", "a\nb",
                           "a\xC2\xA0"
                           "b",
                           "a\xE3\x80\x80"
                           "b"}) {
    INFO(name);
    Note note{"text\n", {}};
    CHECK(SignNote(&note, name, key).code() == absl::StatusCode::kInvalidArgument);
  }
  Note note{"text\n", {}};
  CHECK(SignNote(&note, "\xC3\xA9t\xC3\xA9/log", key).ok());  // non-ASCII names are fine
}

TEST_CASE("Note: cosign and verify", "[note][cosignature]") {
  const PrivateKey log_key = NewKey();
  const PrivateKey witness = NewKey();
  Checkpoint cp;
  cp.origin = "example.org/log";
  cp.size = 7;
  cp.root = Sha256("root");
  Note note{FormatCheckpoint(cp), {}};
  REQUIRE(SignNote(&note, "example.org/log", log_key).ok());
  REQUIRE(CosignNote(&note, "witness.example/w1", witness, 1700000000).ok());

  absl::StatusOr<Note> parsed = ParseNote(FormatNote(note));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->signatures.size() == 2);
  absl::StatusOr<uint64_t> t =
      VerifyCosignature(*parsed, "witness.example/w1", witness.public_key());
  REQUIRE(t.ok());
  CHECK(*t == 1700000000);
  CHECK(VerifyNote(*parsed, "example.org/log", log_key.public_key()).ok());

  // The line's bytes follow c2sp.org/tlog-cosignature, checked here from first principles.
  const NoteSignature& line = parsed->signatures[1];
  const std::string pub = witness.public_key().raw();
  CHECK(line.key_id ==
        HashBytes(Sha256(absl::StrCat("witness.example/w1\n\x04", pub))).substr(0, 4));
  REQUIRE(line.signature.size() == 72);
  CHECK(line.signature.substr(0, 8) == std::string("\x00\x00\x00\x00\x65\x53\xf1\x00", 8));
  CHECK(witness.public_key()
            .Verify("cosignature/v1\ntime 1700000000\n" + note.text, line.signature.substr(8))
            .ok());

  // A cosignature is not an Ed25519 note signature and vice versa (different key id types).
  CHECK(VerifyNote(*parsed, "witness.example/w1", witness.public_key()).code() ==
        absl::StatusCode::kNotFound);
  CHECK(VerifyCosignature(*parsed, "example.org/log", log_key.public_key()).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(VerifyCosignature(*parsed, "witness.example/w2", witness.public_key()).status().code() ==
        absl::StatusCode::kNotFound);

  // Any change to what the cosignature covers, or to the signature, fails it.
  const struct {
    const char* name;
    void (*tamper)(Note&);
  } kTampered[] = {
      {"timestamp", [](Note& n) { n.signatures[1].signature[7] ^= 1; }},
      {"text", [](Note& n) { n.text[0] = 'E'; }},
      {"signature", [](Note& n) { n.signatures[1].signature[40] ^= 1; }},
      {"truncated signature", [](Note& n) { n.signatures[1].signature.pop_back(); }},
  };
  for (const auto& t : kTampered) {
    INFO("tampered " << t.name);
    Note tampered = *parsed;
    t.tamper(tampered);
    CHECK(VerifyCosignature(tampered, "witness.example/w1", witness.public_key()).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Note: cosigning validates its inputs", "[note][cosignature]") {
  const PrivateKey witness = NewKey();
  Note not_checkpoint{"just some text\n", {}};
  CHECK(CosignNote(&not_checkpoint, "w", witness, 1).code() == absl::StatusCode::kInvalidArgument);
  Note cp{kSpecCheckpoint, {}};
  CHECK(CosignNote(&cp, "w", witness, uint64_t{1} << 63).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(CosignNote(&cp, "bad name", witness, 1).code() == absl::StatusCode::kInvalidArgument);
  CHECK(cp.signatures.empty());
  REQUIRE(CosignNote(&cp, "w", witness, (uint64_t{1} << 63) - 1).ok());
  absl::StatusOr<uint64_t> t = VerifyCosignature(cp, "w", witness.public_key());
  REQUIRE(t.ok());
  CHECK(*t == (uint64_t{1} << 63) - 1);
}

// ---------------------------------------------------------------------------------------------
// Malformed notes

TEST_CASE("Note: ParseNote rejects malformed notes", "[note]") {
  const std::string sig = "AAAAAAA=";  // 5 bytes: 4-byte key id and a 1-byte signature
  const std::string good = std::string("text\n\n") + kDash + " name " + sig + "\n";
  REQUIRE(ParseNote(good).ok());

  struct Case {
    std::string note;
    const char* why;  // expected in the message
  };
  const std::string d = kDash;
  const std::vector<Case> cases = {
      {"", "blank line"},
      {"text\n", "blank line"},
      {"text\n" + d + " name " + sig + "\n", "blank line"},
      {"text\n\n", "no signature lines"},
      {"text\n\n" + d + " name " + sig, "newline"},
      {"text\n\n-- name " + sig + "\n", "em dash"},
      {"text\n\n" + d + "name " + sig + "\n", "em dash"},
      {"text\n\n " + d + " name " + sig + "\n", "em dash"},
      {"text\n\n" + d + " name" + sig + "\n", "no space"},
      {"text\n\n" + d + "  " + sig + "\n", "key name is empty"},
      {"text\n\n" + d + " a+b " + sig + "\n", "'+'"},
      {"text\n\n" + d + " a\xC2\xA0" + "b " + sig + "\n", "space"},
      {"text\n\n" + d + " name AAAAAAA\n", "base64"},
      {"text\n\n" + d + " name AAAAAAA==\n", "base64"},
      {"text\n\n" + d + " name !!!!\n", "base64"},
      {"text\n\n" + d + " name " + sig + " \n", "base64"},
      {"text\n\n" + d + " name AAAAAA==\n", "too short"},
      {"text\n\n" + d + " name \n", "too short"},
      {"te\x01xt\n\n" + d + " name " + sig + "\n", "control character"},
      {"text\r\n\n" + d + " name " + sig + "\n", "control character"},
      {"te\txt\n\n" + d + " name " + sig + "\n", "control character"},
      {"te\xffxt\n\n" + d + " name " + sig + "\n", "UTF-8"},
      {"te\xC0\xAFxt\n\n" + d + " name " + sig + "\n", "UTF-8"},      // overlong '/'
      {"te\xED\xA0\x80xt\n\n" + d + " name " + sig + "\n", "UTF-8"},  // surrogate
      {"text\n\n" + d + " name " + sig + "\n" + d + " other\n", "no space"},
      {"text\n\n" + d + " name " + sig + "\nx\n", "em dash"},
  };
  for (const Case& c : cases) {
    INFO(absl::CHexEscape(c.note));
    absl::StatusOr<Note> r = ParseNote(c.note);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()), Catch::Contains(c.why));
  }
}

TEST_CASE("Note: the separator is the last blank line", "[note]") {
  const std::string sig = "AAAAAAA=";
  const std::string note =
      std::string("a\n\n") + kDash + " x " + sig + "\n\n" + kDash + " y " + sig + "\n";
  absl::StatusOr<Note> r = ParseNote(note);
  REQUIRE(r.ok());
  CHECK(r->text == std::string("a\n\n") + kDash + " x " + sig + "\n");
  REQUIRE(r->signatures.size() == 1);
  CHECK(r->signatures[0].name == "y");
  // Text that is a single empty line.
  absl::StatusOr<Note> empty_line = ParseNote(std::string("\n\n") + kDash + " x " + sig + "\n");
  REQUIRE(empty_line.ok());
  CHECK(empty_line->text == "\n");
}

TEST_CASE("Note: signature count limit", "[note]") {
  std::string note = "text\n\n";
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&note, kDash, " k", i, " AAAAAAA=\n");
  }
  absl::StatusOr<Note> hundred = ParseNote(note);
  REQUIRE(hundred.ok());
  CHECK(hundred->signatures.size() == 100);
  absl::StrAppend(&note, kDash, " k100 AAAAAAA=\n");
  CHECK(ParseNote(note).status().code() == absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

TEST_CASE("Checkpoint: format and parse round trip", "[checkpoint]") {
  Checkpoint cp;
  cp.origin = "example.com/log42";
  cp.size = 0;
  cp.root = Sha256("");
  CHECK(FormatCheckpoint(cp) ==
        "example.com/log42\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  cp.size = UINT64_MAX;
  cp.extensions = {"ext one", "ext:two"};
  const std::string text = FormatCheckpoint(cp);
  CHECK(text ==
        "example.com/log42\n18446744073709551615\n"
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next:two\n");
  absl::StatusOr<Checkpoint> back = ParseCheckpoint(text);
  REQUIRE(back.ok());
  CHECK(back->origin == cp.origin);
  CHECK(back->size == cp.size);
  CHECK(back->root == cp.root);
  CHECK(back->extensions == cp.extensions);
}

TEST_CASE("Checkpoint: malformed bodies are rejected", "[checkpoint]") {
  const std::string root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  REQUIRE(ParseCheckpoint("o\n1\n" + root + "\n").ok());
  const std::vector<std::pair<std::string, const char*>> cases = {
      {"", "newline"},
      {"o\n1\n" + root, "newline"},
      {"o\n1\n", "lines"},
      {"o\n", "lines"},
      {"\n1\n" + root + "\n", "origin"},
      {"o\n01\n" + root + "\n", "size"},
      {"o\n00\n" + root + "\n", "size"},
      {"o\n-1\n" + root + "\n", "size"},
      {"o\n+1\n" + root + "\n", "size"},
      {"o\n 1\n" + root + "\n", "size"},
      {"o\n1 \n" + root + "\n", "size"},
      {"o\n1a\n" + root + "\n", "size"},
      {"o\n0x10\n" + root + "\n", "size"},
      {"o\n\n" + root + "\n", "size"},
      {"o\n18446744073709551616\n" + root + "\n", "size"},
      {"o\n99999999999999999999\n" + root + "\n", "size"},
      {"o\n1\n\n", "root"},
      {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n", "root"},
      {"o\n1\n47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=\n", "root"},
      {"o\n1\nAAAA\n", "root"},
      {"o\n1\n" + root + "AAAA\n", "root"},
      {"o\n1\n" + root + "\n\n", "extension line 4 is empty"},
      {"o\n1\n" + root + "\next\n\n", "extension line 5 is empty"},
      {"o\n1\n" + root + "\ne\x01xt\n", "control character"},
      {"o\r\n1\n" + root + "\n", "control character"},
  };
  for (const auto& [text, why] : cases) {
    INFO(absl::CHexEscape(text));
    absl::StatusOr<Checkpoint> r = ParseCheckpoint(text);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()), Catch::Contains(why));
  }
}

TEST_CASE("Checkpoint: signed checkpoint end to end", "[checkpoint][note]") {
  const PrivateKey log_key = NewKey();
  Checkpoint cp;
  cp.origin = "ots.example/AZ";
  cp.size = 3;
  cp.root = Sha256("three");
  Note note{FormatCheckpoint(cp), {}};
  REQUIRE(SignNote(&note, cp.origin, log_key).ok());
  const std::string wire = FormatNote(note);
  absl::StatusOr<Note> parsed = ParseNote(wire);
  REQUIRE(parsed.ok());
  REQUIRE(VerifyNote(*parsed, cp.origin, log_key.public_key()).ok());
  absl::StatusOr<Checkpoint> back = ParseCheckpoint(parsed->text);
  REQUIRE(back.ok());
  CHECK(back->origin == cp.origin);
  CHECK(back->size == 3);
  CHECK(back->root == cp.root);
}

}  // namespace
}  // namespace ots
