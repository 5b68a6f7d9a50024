// Tests for node/evidence: evidence of a split view verifies only when the origin's key signed
// both checkpoints and they cannot describe one append-only log (for different sizes, the leaf
// hashes given must hash to the larger root); MakeEvidence refuses consistent pairs; the store
// keeps one copy of a pair whichever order it comes in.
#include "node/log/evidence.h"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/merkle.h"
#include "node/log/names.h"
#include "node/store/store.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

std::vector<Hash> Leaves(size_t n, const std::string& salt) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(MerkleLeafHash(absl::StrCat(salt, i)));
  }
  return out;
}

// `origin`'s checkpoint of the first `size` of `leaves`, signed by `key`.
std::string Signed(const PrivateKey& key, const std::vector<Hash>& leaves, size_t size,
                   const std::string& origin = "AZ") {
  Checkpoint cp;
  cp.origin = LogName(kTestFederation, origin);
  cp.size = size;
  cp.root = MerkleRoot(absl::Span<const Hash>(leaves.data(), size));
  Note note{FormatCheckpoint(cp), {}};
  REQUIRE(SignNote(&note, LogName(kTestFederation, origin), key).ok());
  return FormatNote(note);
}

struct Logs {
  PrivateKey key = *PrivateKey::Generate();
  PrivateKey other = *PrivateKey::Generate();
  std::vector<Hash> honest = Leaves(4, "honest");
  // The same first leaf, then another history.
  std::vector<Hash> fork = [this] {
    std::vector<Hash> f = Leaves(4, "fork");
    f[0] = honest[0];
    return f;
  }();
  std::vector<PublicKey> keys{key.public_key()};

  v1::Evidence Make(const std::string& a, const std::string& b, const std::vector<Hash>& leaves) {
    absl::StatusOr<v1::Evidence> e = MakeEvidence("AZ", a, b, leaves, "test");
    INFO(e.status().message());
    REQUIRE(e.ok());
    return *e;
  }
  static v1::Evidence Raw(const std::string& a, const std::string& b,
                          const std::vector<Hash>& leaves) {
    v1::Evidence e;
    e.set_origin("AZ");
    e.set_note_a(a);
    e.set_note_b(b);
    for (const Hash& h : leaves) {
      e.add_leaf_hashes(HashBytes(h));
    }
    return e;
  }
};

TEST_CASE("evidence of a fork verifies, at one size or two", "[evidence]") {
  Logs l;
  SECTION("the same size, another root") {
    v1::Evidence e = l.Make(Signed(l.key, l.honest, 4), Signed(l.key, l.fork, 4), {});
    CHECK(e.leaf_hashes_size() == 0);
    CHECK(VerifyEvidence(e, kTestFederation, l.keys).ok());
    CHECK(absl::StrContains(DescribeEvidence(e), "AZ signed two inconsistent checkpoints: size 4"));
  }
  SECTION("a smaller checkpoint the larger log does not extend") {
    v1::Evidence e = l.Make(Signed(l.key, l.honest, 2), Signed(l.key, l.fork, 4), l.fork);
    CHECK(e.leaf_hashes_size() == 4);
    CHECK(VerifyEvidence(e, kTestFederation, l.keys).ok());
  }
  SECTION("the larger first") {
    v1::Evidence e = l.Make(Signed(l.key, l.honest, 4), Signed(l.key, l.fork, 3), l.honest);
    CHECK(VerifyEvidence(e, kTestFederation, l.keys).ok());
  }
  SECTION("one of several keys of the origin") {
    v1::Evidence e = l.Make(Signed(l.key, l.honest, 4), Signed(l.other, l.fork, 4), {});
    CHECK(VerifyEvidence(e, kTestFederation, {l.other.public_key(), l.key.public_key()}).ok());
  }
}

TEST_CASE("evidence that does not prove a split view is rejected", "[evidence]") {
  Logs l;
  const std::string two = Signed(l.key, l.honest, 2), four = Signed(l.key, l.honest, 4);
  const std::string fork = Signed(l.key, l.fork, 4), by_other = Signed(l.other, l.fork, 4);
  const v1::Evidence genuine = l.Make(four, fork, {});
  const v1::Evidence grown = l.Make(two, fork, l.fork);
  REQUIRE(VerifyEvidence(grown, kTestFederation, l.keys).ok());
  auto changed = [](v1::Evidence e, const std::function<void(v1::Evidence&)>& change) {
    change(e);
    return e;
  };
  const std::vector<PublicKey> both{l.key.public_key(), l.other.public_key()};
  struct Case {
    const char* name;
    v1::Evidence evidence;
    std::vector<PublicKey> keys;
    const char* says;
  };
  const std::vector<Case> cases = {
      // Two consistent checkpoints.
      {"a prefix and its extension", Logs::Raw(two, four, l.honest), l.keys, "consistent"},
      {"one checkpoint twice", Logs::Raw(four, four, {}), l.keys, ""},
      {"one checkpoint signed by two keys of the origin",
       Logs::Raw(four, Signed(l.other, l.honest, 4), {}), both, ""},
      // Not signed by the origin's keys.
      {"verified with another key", genuine, {l.other.public_key()}, ""},
      {"verified with no key", genuine, {}, ""},
      {"one of the notes signed by another key", Logs::Raw(four, by_other, {}), l.keys, ""},
      {"the other note signed by another key", Logs::Raw(by_other, four, {}), l.keys, ""},
      {"claimed against another origin",
       changed(genuine, [](v1::Evidence& e) { e.set_origin("UZ"); }), l.keys, ""},
      // Leaf hashes that are not the larger log's.
      {"made-up leaves against two consistent checkpoints", Logs::Raw(two, four, l.fork), l.keys,
       "do not hash to the root"},
      {"a leaf altered",
       changed(grown, [](v1::Evidence& e) { (*e.mutable_leaf_hashes(3))[0] ^= 1; }), l.keys, ""},
      {"a leaf dropped",
       changed(grown, [](v1::Evidence& e) { e.mutable_leaf_hashes()->RemoveLast(); }), l.keys, ""},
      {"no leaves", changed(grown, [](v1::Evidence& e) { e.clear_leaf_hashes(); }), l.keys, ""},
      {"a leaf hash of 31 bytes",
       changed(grown, [](v1::Evidence& e) { e.mutable_leaf_hashes(0)->pop_back(); }), l.keys, ""},
  };
  for (const Case& c : cases) {
    absl::Status s = VerifyEvidence(c.evidence, kTestFederation, c.keys);
    INFO(c.name << ": " << s.ToString());
    CHECK(absl::IsInvalidArgument(s));
    CHECK(absl::StrContains(s.message(), c.says));
  }
}

TEST_CASE("MakeEvidence refuses checkpoints that are consistent", "[evidence]") {
  Logs l;
  const std::string two = Signed(l.key, l.honest, 2), four = Signed(l.key, l.honest, 4);
  CHECK(absl::IsInvalidArgument(MakeEvidence("AZ", four, four, {}, "").status()));
  CHECK(absl::IsInvalidArgument(MakeEvidence("AZ", two, four, l.honest, "").status()));
  CHECK(absl::IsInvalidArgument(MakeEvidence("AZ", four, two, l.honest, "").status()));
  // Leaves that are not the larger log's prove nothing either.
  CHECK(absl::IsInvalidArgument(MakeEvidence("AZ", two, four, l.fork, "").status()));
  CHECK(absl::IsInvalidArgument(MakeEvidence("AZ", two, four, Leaves(3, "honest"), "").status()));
}

TEST_CASE("the store keeps one copy of a pair of checkpoints, whichever order", "[evidence]") {
  Logs l;
  TempDir dir;
  Store::Options options;
  options.create_if_missing = true;
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir.File("db"), options);
  REQUIRE(opened.ok());
  Store& store = **opened;

  const std::string a = Signed(l.key, l.honest, 4), b = Signed(l.key, l.fork, 4);
  const v1::Evidence e = l.Make(a, b, {});
  const uint64_t before = store.ChangeCount();
  CHECK(*store.PutEvidence(e));
  CHECK(store.ChangeCount() == before + 1);
  CHECK_FALSE(*store.PutEvidence(e));
  v1::Evidence swapped = e;
  swapped.set_note_a(b);
  swapped.set_note_b(a);
  swapped.set_detail("seen the other way round");
  CHECK_FALSE(*store.PutEvidence(swapped));
  CHECK(store.ChangeCount() == before + 1);  // nothing new, nothing to tell watchers
  REQUIRE(store.ListEvidence("AZ")->size() == 1);
  CHECK(store.ListEvidence("AZ")->at(0).detail() == "test");  // the first copy is kept

  // Another pair of the same origin, and evidence against another origin, are kept apart.
  CHECK(*store.PutEvidence(l.Make(Signed(l.key, l.honest, 3), Signed(l.key, l.fork, 3), {})));
  v1::Evidence uz = e;
  uz.set_origin("UZ");
  CHECK(*store.PutEvidence(uz));
  CHECK(store.ListEvidence("AZ")->size() == 2);
  CHECK(store.ListEvidence("UZ")->size() == 1);
  CHECK(store.ListEvidence("")->size() == 3);
  CHECK(store.ListEvidence("A")->empty());
}

}  // namespace
}  // namespace ots
