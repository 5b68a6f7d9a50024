// What the libFuzzer harnesses of tests/fuzz share: the failure of an invariant, which libFuzzer
// must see as a crash, and the fixed keys of the federation the seed corpora were made with
// (tests/fuzz/seed_keys.h, written by tests/fuzz/make_seeds.sh).
//
// A harness keeps its keys in function-local statics built on first use and never freed: they
// are the same for every input, and LeakSanitizer does not report memory still reachable.
#ifndef OTS_TESTS_FUZZ_FUZZ_UTIL_H_
#define OTS_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <openssl/err.h>

#include "absl/strings/string_view.h"
#include "crypto/ed25519.h"
#include "tests/fuzz/seed_keys.h"

namespace ots::fuzz {

// Stops the run: an invariant of the code under test does not hold for this input. The message
// goes to stderr; abort() makes libFuzzer report a crash and write the input as a reproducer.
[[noreturn]] inline void Fail(absl::string_view what) {
  std::fprintf(stderr, "fuzz invariant failed: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void Check(bool holds, absl::string_view what) {
  if (!holds) {
    Fail(what);
  }
}

// The private key of a PEM in seed_keys.h. A key that does not load is a broken harness, not a
// finding: it aborts too, on the first input, whatever the input is.
inline PrivateKey SeedKey(absl::string_view pem) {
  absl::StatusOr<PrivateKey> key = PrivateKey::FromPem(pem);
  if (!key.ok()) {
    Fail("a key of seed_keys.h does not load; run tests/fuzz/make_seeds.sh again");
  }
  return *std::move(key);
}

// Whether `signature` is the one `key` makes over `message`. Ed25519 signatures are
// deterministic (RFC 8032 §5.1.6) and every seed was signed with these keys by the project's own
// signing code, so a signature that verified under `key`'s public key but is not this one was not
// made by the key holder: a forgery, or a verifier that checked other bytes than it says.
inline bool IsGenuine(const PrivateKey& key, absl::string_view message,
                      absl::string_view signature) {
  absl::StatusOr<std::string> expected = key.Sign(message);
  if (!expected.ok()) {
    Fail("signing with a seed key failed");
  }
  return *expected == signature;
}

// The keys of the seed federation (seed_keys.h): its bundle key, AZ's log key and every
// member's witness key. Built once, on first use, and never freed.
struct SeedFederation {
  PrivateKey bundle_key;
  PrivateKey az_log_key;
  std::map<std::string, PrivateKey, std::less<>> witness_keys;                // member -> key
  std::map<std::string, std::vector<PublicKey>, std::less<>> witness_public;  // member -> [key]

  static const SeedFederation& Get() {
    static const SeedFederation* const kFederation = [] {
      auto* f = new SeedFederation{SeedKey(kSeedBundleKey), SeedKey(kSeedAzLogKey), {}, {}};
      for (const SeedWitnessKey& w : kSeedWitnessKeys) {
        PrivateKey key = SeedKey(w.key_pem);
        f->witness_public[w.member].push_back(key.public_key());
        f->witness_keys.emplace(w.member, std::move(key));
      }
      return f;
    }();
    return *kFederation;
  }
};

// For LLVMFuzzerInitialize: builds the seed keys before the first input, so that no input pays
// for it (or looks as if it leaked it).
inline void WarmUp() { SeedFederation::Get(); }

// For the start of every input that reaches OpenSSL: its per-thread error queue as a new process
// has it. OpenSSL keeps the strings of a popped error in its slot of a ring of ERR_NUM_ERRORS until
// the slot is reused or ERR_clear_error frees them (the memory stays bounded: no leak). An input
// whose parse fails inside OpenSSL (PEM_read_bio_PUBKEY) therefore ends with more mallocs than
// frees, until Ed25519 verification (PublicKey::Verify clears the queue) or the next failure frees
// them. libFuzzer takes such an input for a possible leak and checks it with a full LeakSanitizer
// pass; before this reset the proof harness spent most of its time there. Clearing first makes the
// run of each input free what the one before left and balance on its own.
inline void ResetOpenSslErrors() { ERR_clear_error(); }

inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace ots::fuzz

#endif  // OTS_TESTS_FUZZ_FUZZ_UTIL_H_
