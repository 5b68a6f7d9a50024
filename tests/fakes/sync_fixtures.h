// Helpers the store, log and sync tests share: stores in a temporary folder with their origin
// logs, the keys and trust bundle of a small federation, a small valid return, a logger that
// records its lines, and an origin's log exported as a peer would pull it.
#ifndef OTS_TESTS_FAKES_SYNC_FIXTURES_H_
#define OTS_TESTS_FAKES_SYNC_FIXTURES_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "node/base/event_log.h"
#include "node/log/names.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "node/trust/trust_bundle.h"
#include "proto/bundle.pb.h"
#include "sync/federation.h"
#include "sync/replica.h"
#include "sync/witness.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/store_peer.h"
#include "tests/fakes/temp_dir.h"

namespace ots {

// The federation name every test bundle carries.
constexpr char kTestFederation[] = "ots-mx";

class RecordingLogger : public Logger {
 public:
  void Log(LogLevel /*level*/, absl::string_view peer, absl::string_view message) override {
    absl::MutexLock lock(&mu_);
    lines_.push_back(absl::StrCat(peer, ": ", message));
  }
  // Lines containing `text`.
  int Count(absl::string_view text) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const std::string& line : lines_) {
      n += absl::StrContains(line, text) ? 1 : 0;
    }
    return n;
  }
  // The lines containing `text`, each "peer: message".
  std::vector<std::string> Lines(absl::string_view text) {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (const std::string& line : lines_) {
      if (absl::StrContains(line, text)) {
        out.push_back(line);
      }
    }
    return out;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

// A new store in `dir`/`name`.
inline std::unique_ptr<Store> OpenStore(const TempDir& dir, const std::string& name) {
  Store::Options options;
  options.create_if_missing = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir.File(name), options);
  REQUIRE(store.ok());
  return std::move(*store);
}

// The stored cell lines of `origin`'s return for `period` at `revision`, in stored order.
inline std::vector<std::string> StoredCells(Store& store, absl::string_view origin,
                                            absl::string_view period, uint64_t revision) {
  std::vector<std::string> lines;
  REQUIRE(store
              .ForEachCell(origin, period, revision,
                           [&](absl::string_view line) {
                             lines.emplace_back(line);
                             return absl::OkStatus();
                           })
              .ok());
  return lines;
}

// One node's store and the origin logs over it.
struct TestNode {
  std::unique_ptr<Store> store;
  std::unique_ptr<OriginLogs> logs;

  Store* operator->() const { return store.get(); }
  Store& operator*() const { return *store; }
};

// A new store in `dir`/`name` with the logs of kTestFederation over it.
inline TestNode OpenNode(const TempDir& dir, const std::string& name) {
  TestNode node;
  node.store = OpenStore(dir, name);
  node.logs = std::make_unique<OriginLogs>(node.store.get(), kTestFederation);
  return node;
}

// The keys and trust bundle of a test federation: each member added has fresh log and witness
// keys. Members are added before the bundle is built; the keys live as long as this.
class TestBundle {
 public:
  // Adds `code`, which shares its data with `share_with`; a member `with_log_key` false reports
  // nothing (as the Secretariat).
  TestBundle& Add(const std::string& code, std::vector<std::string> share_with = {},
                  bool with_log_key = true) {
    Keys& k = keys_[code];
    k.log = *PrivateKey::Generate();
    k.witness = *PrivateKey::Generate();
    v1::Member* m = bundle_.add_members();
    m->set_code(code);
    // What a signed bundle must also say of a member (node/trust/trust_bundle.h); unused here.
    m->set_role(code == "OTS" ? v1::SECRETARIAT : v1::MEMBER);
    m->set_endpoint(absl::StrCat("127.0.0.1:", bundle_.members_size()));  // one per member
    v1::TlsIdentity* node = m->add_tls_identities();
    node->set_kind(v1::TlsIdentity::NODE);
    node->set_spki_sha256(HexEncode(HashBytes(Sha256(code))));
    if (with_log_key) {
      m->add_log_keys()->set_ed25519(k.log.public_key().raw());
    }
    m->add_witness_keys()->set_ed25519(k.witness.public_key().raw());
    for (const std::string& to : share_with) {
      m->add_share_with(to);
    }
    return *this;
  }
  const PrivateKey& LogKey(const std::string& code) const { return keys_.at(code).log; }
  const PrivateKey& WitnessKey(const std::string& code) const { return keys_.at(code).witness; }
  v1::TrustBundle Bundle() const {
    v1::TrustBundle b = bundle_;
    b.set_federation(kTestFederation);
    b.set_version(1);
    return b;
  }
  // The bundle with `witness_quorum`, signed by this federation's bundle key.
  TrustAnchor Anchor(uint32_t witness_quorum = 0) const {
    v1::TrustBundle b = Bundle();
    b.set_witness_quorum(witness_quorum);
    absl::StatusOr<std::string> text = SignTrustBundle(b, bundle_key_);
    REQUIRE(text.ok());
    return TrustAnchor{*text, bundle_key_.public_key().ToPem(), bundle_key_.public_key().KeyId(),
                       b};
  }
  const PrivateKey& bundle_key() const { return bundle_key_; }

 private:
  struct Keys {
    PrivateKey log = *PrivateKey::Generate();
    PrivateKey witness = *PrivateKey::Generate();
  };
  std::map<std::string, Keys> keys_;
  v1::TrustBundle bundle_;
  PrivateKey bundle_key_ = *PrivateKey::Generate();
};

// The directory an audit of folders written with `log_keys` (origin -> its log keys) trusts: a
// bundle of kTestFederation listing exactly those keys and no witness keys.
inline Directory AuditDirectory(const std::map<std::string, std::vector<PublicKey>>& log_keys) {
  v1::TrustBundle b;
  b.set_federation(kTestFederation);
  b.set_version(1);
  for (const auto& [origin, keys] : log_keys) {
    v1::Member* m = b.add_members();
    m->set_code(origin);
    for (const PublicKey& k : keys) {
      m->add_log_keys()->set_ed25519(k.raw());
    }
  }
  return Directory(b);
}

// The CSV text of a valid three-cell return of `origin` for `period`; `value` is its first
// cell's (CITIZEN TJ, SEX F).
inline std::string ReturnCsv(const std::string& origin, const std::string& period, int value) {
  return absl::StrCat(
      "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
      "STOCK_FLOW\n",
      origin, ",", period, ",TJ,_T,F,_T,", value, ",A,F,STK\n",  //
      origin, ",", period, ",TJ,_T,M,_T,7856,A,F,STK\n",         //
      origin, ",", period, ",KG,_T,_T,_T,3456,A,F,STK\n");
}

// That return, parsed.
inline ParsedReturn Return(const std::string& origin, const std::string& period, int value) {
  absl::StatusOr<ParsedReturn> ret =
      ParseReturnCsv("r.csv", ReturnCsv(origin, period, value), origin, nullptr);
  REQUIRE(ret.ok());
  return *ret;
}

// The cosignature line of `member`'s witness `key` over the text of `note`, at `timestamp`.
inline std::string CosignLine(const std::string& note, const std::string& member,
                              const PrivateKey& key, uint64_t timestamp = 1790000000) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  REQUIRE(parsed.ok());
  Note mine{parsed->text, {}};
  REQUIRE(CosignNote(&mine, WitnessName(kTestFederation, member), key, timestamp).ok());
  return FormatSignatureLine(mine.signatures.back());
}

// Whether `line` is a cosignature of `note` by `member`'s witness `key`.
inline bool CosignatureVerifies(const std::string& note, const std::string& line,
                                const std::string& member, const PublicKey& key) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
  if (!parsed.ok() || !sig.ok()) {
    return false;
  }
  const Note one{parsed->text, {*sig}};
  return VerifyCosignature(one, WitnessName(kTestFederation, member), key).ok();
}

// Entries from `from` to the end of `origin`'s log in `logs`, as one pull of them arrives: served
// by ServePull (to the origin itself, without limits) and put together by PullAssembler.
inline absl::StatusOr<ReplicaBatch> ExportBatch(OriginLogs& logs, const std::string& origin,
                                                uint64_t from) {
  const Directory nobody{v1::TrustBundle()};
  StorePeer peer(&logs, &nobody, origin, origin);
  peer.limits.max_entries = UINT64_MAX;
  peer.limits.max_cells = UINT64_MAX;
  v1::PullRequest request;
  request.set_origin(origin);
  request.set_from(from);
  absl::StatusOr<PulledBatch> pulled = peer.Pull(request);
  if (!pulled.ok()) {
    return pulled.status();
  }
  return std::move(pulled->batch);
}

// AZ publishes on its node (`az`) and, with the same log key, a forked history on `fork`. KZ's
// node (`kz`) receives AZ's data and witnesses it; HU is a member AZ does not share with. Only
// AZ reports.
struct ForkedOrigin {
  TempDir dir;
  FakeClock clock;
  RecordingLogger logger;
  TestBundle keys = TestBundle().Add("AZ", {"KZ"}).Add("KZ", {}, false).Add("HU", {}, false);
  Directory directory{keys.Bundle()};
  const PrivateKey& az_key = keys.LogKey("AZ");
  const PrivateKey& kz_witness_key = keys.WitnessKey("KZ");
  const PrivateKey& hu_witness_key = keys.WitnessKey("HU");
  PrivateKey stranger_key = *PrivateKey::Generate();
  TestNode az = OpenNode(dir, "az");
  TestNode fork = OpenNode(dir, "fork");
  TestNode kz = OpenNode(dir, "kz");
  Publisher az_publisher{az.logs.get(), &az_key, &clock};
  Publisher fork_publisher{fork.logs.get(), &az_key, &clock};
  Witness kz_witness{kz.logs.get(), &directory, "KZ", {&kz_witness_key}, &clock, &logger};

  // AZ's return for `period` on its own node, or on the fork.
  void Publish(int value, const std::string& period = "2020") {
    REQUIRE(az_publisher.Publish(Return("AZ", period, value)).ok());
  }
  void PublishFork(int value, const std::string& period = "2020") {
    REQUIRE(fork_publisher.Publish(Return("AZ", period, value)).ok());
  }
  std::vector<v1::Evidence> Evidence() {
    absl::StatusOr<std::vector<v1::Evidence>> e = kz->ListEvidence("AZ");
    REQUIRE(e.ok());
    return *e;
  }
};

}  // namespace ots

#endif  // OTS_TESTS_FAKES_SYNC_FIXTURES_H_
