// LogChecker and CellsChecker (node/log/log_checker.h), the checks of every receiver of an
// origin's log: a valid chain of revisions passes, in a walk from the start or from the middle
// (the PriorLookup standing in for the entries before), under either of two log keys (rotation);
// each way a header can be wrong fails with its own message and the caller's code; and the cells
// that come with a header must be lines of that return, strictly ascending, and match its count,
// cells root and value sum, each mismatch with its own message.
#include "node/log/log_checker.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "node/model/cell_lines.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"
#include "node/model/sealed_cells.h"

namespace ots {
namespace {

// Two cell lines of `origin`'s `period`, sorted, summing to 12.
std::vector<std::string> Cells(const std::string& origin, const std::string& period) {
  return {absl::StrCat(origin, ",", period, ",TJ,_T,F,_T,5,A,F,STK"),
          absl::StrCat(origin, ",", period, ",TJ,_T,M,_T,7,A,F,STK")};
}

Hash CellsRoot(const std::vector<std::string>& lines) {
  std::vector<Hash> leaves;
  for (const std::string& line : lines) {
    leaves.push_back(MerkleLeafHash(line));
  }
  return MerkleRoot(leaves);
}

// A header of revision `revision` of `period` over Cells(origin, period), superseding the header
// text `supersedes` (none if empty), naming `signer` as its key.
v1::ReturnHeader Header(const std::string& period, uint64_t revision, const std::string& supersedes,
                        const PrivateKey& signer, const std::string& origin = "AZ") {
  v1::ReturnHeader h;
  h.set_origin(origin);
  h.set_period(period);
  h.set_revision(revision);
  h.set_cell_count(2);
  h.set_cells_root(HashBytes(CellsRoot(Cells(origin, period))));
  h.set_value_sum(12);
  h.set_created_at("2026-01-01T00:00:00Z");
  if (!supersedes.empty()) {
    h.set_supersedes(HashBytes(Sha256(supersedes)));
  }
  h.set_key_id(signer.public_key().KeyId());
  return h;
}

v1::Envelope Sign(const v1::ReturnHeader& h, const PrivateKey& key) {
  absl::StatusOr<DsseEnvelope> env = DsseSign(key, kReturnHeaderPayloadType, FormatReturnHeader(h));
  REQUIRE(env.ok());
  return DsseToProto(*env);
}

struct Keys {
  PrivateKey key = *PrivateKey::Generate();
  PrivateKey rotated = *PrivateKey::Generate();  // the origin's second key
  PrivateKey stranger = *PrivateKey::Generate();
  std::vector<PublicKey> one{key.public_key()};
  std::vector<PublicKey> both{key.public_key(), rotated.public_key()};
};

// AZ's log: 2020 r1, 2021 r1 (by the rotated key), 2020 r2.
std::vector<v1::Envelope> ValidLog(const Keys& k) {
  std::vector<v1::Envelope> log;
  log.push_back(Sign(Header("2020", 1, "", k.key), k.key));
  log.push_back(Sign(Header("2021", 1, "", k.rotated), k.rotated));
  log.push_back(Sign(Header("2020", 2, log[0].payload(), k.key), k.key));
  return log;
}

TEST_CASE("a valid chain passes and is recorded", "[log_checker]") {
  Keys k;
  const std::vector<v1::Envelope> log = ValidLog(k);
  LogChecker checker("AZ", k.both, absl::StatusCode::kDataLoss);
  std::vector<std::string> where;
  for (const v1::Envelope& e : log) {
    std::string w;
    absl::StatusOr<v1::ReturnHeader> h = checker.CheckHeader(e, &w);
    INFO(h.status().ToString());
    REQUIRE(h.ok());
    CHECK(FormatReturnHeader(*h) == e.payload());
    where.push_back(w);
  }
  CHECK(where == std::vector<std::string>{"AZ log index 0 (2020 revision 1)",
                                          "AZ log index 1 (2021 revision 1)",
                                          "AZ log index 2 (2020 revision 2)"});
  std::vector<Hash> leaves;
  for (const v1::Envelope& e : log) {
    leaves.push_back(MerkleLeafHash(e.payload()));
  }
  CHECK(checker.leaves() == leaves);
  REQUIRE(checker.latest().size() == 2);
  const LogChecker::Latest& latest = checker.latest().at("2020");
  CHECK(latest.revision == 2);
  CHECK(latest.log_index == 2);
  CHECK(latest.header_hash == Sha256(log[2].payload()));
}

TEST_CASE("each wrong header fails with its own message and the caller's code", "[log_checker]") {
  Keys k;
  const std::string first = FormatReturnHeader(Header("2020", 1, "", k.key));
  auto renamed = [&] {
    v1::ReturnHeader h = Header("2020", 1, "", k.key);
    h.set_key_id(k.rotated.public_key().KeyId());  // names the other key of AZ
    return Sign(h, k.key);
  };
  struct Case {
    const char* name;
    std::vector<PublicKey> keys;
    std::vector<v1::Envelope> log;  // the last one fails
    std::string says;
  };
  const std::vector<Case> cases = {
      {"signed by a key outside the set",
       k.one,
       {Sign(Header("2020", 1, "", k.stranger), k.stranger)},
       "AZ log index 0: header signature"},
      {"signed by the origin's other key, which is not in the set",
       k.one,
       {Sign(Header("2020", 1, "", k.rotated), k.rotated)},
       "AZ log index 0: header signature"},
      {"naming another signer than the key that signed it",
       k.both,
       {renamed()},
       absl::StrCat("AZ log index 0 (2020 revision 1): header names signer key ",
                    k.rotated.public_key().KeyId(), ", not the trusted key ",
                    k.key.public_key().KeyId(), " that signed it")},
      {"of another origin, signed with the origin's key",
       k.one,
       {Sign(Header("2020", 1, "", k.key, "KZ"), k.key)},
       "header origin is KZ, not AZ"},
      {"starting a period at revision 2",
       k.one,
       {Sign(Header("2020", 2, first, k.key), k.key)},
       "AZ log index 0 (2020 revision 2): revision chain: expected revision 1"},
      {"skipping a revision",
       k.one,
       {Sign(Header("2020", 1, "", k.key), k.key), Sign(Header("2020", 3, first, k.key), k.key)},
       "AZ log index 1 (2020 revision 3): revision chain: expected revision 2"},
      {"repeating a revision",
       k.one,
       {Sign(Header("2020", 1, "", k.key), k.key), Sign(Header("2020", 1, "", k.key), k.key)},
       "AZ log index 1 (2020 revision 1): revision chain: expected revision 2"},
      {"superseding another header",
       k.one,
       {Sign(Header("2020", 1, "", k.key), k.key),
        Sign(Header("2020", 2, first + " ", k.key), k.key)},
       absl::StrCat("AZ log index 1 (2020 revision 2): supersedes: header says ",
                    HexEncode(HashBytes(Sha256(first + " "))), ", previous revision is ",
                    HexEncode(HashBytes(Sha256(first))))},
      {"a first revision superseding something",
       k.one,
       {Sign(Header("2020", 1, first, k.key), k.key)},
       "AZ log index 0 (2020 revision 1): supersedes: header says "},
      {"a header text that does not parse",
       k.one,
       {DsseToProto(*DsseSign(k.key, kReturnHeaderPayloadType, "not a header\n"))},
       "AZ log index 0: return header"},
  };
  for (absl::StatusCode code : {absl::StatusCode::kDataLoss, absl::StatusCode::kInvalidArgument}) {
    for (const Case& c : cases) {
      LogChecker checker("AZ", c.keys, code);
      for (size_t i = 0; i + 1 < c.log.size(); ++i) {
        REQUIRE(checker.CheckHeader(c.log[i], nullptr).ok());
      }
      std::string where = "unchanged";
      absl::StatusOr<v1::ReturnHeader> h = checker.CheckHeader(c.log.back(), &where);
      INFO(c.name << ": " << h.status().ToString());
      CHECK(h.status().code() == code);
      CHECK(absl::StrContains(h.status().message(), c.says));
      // Nothing of the failed entry is recorded.
      CHECK(checker.leaves().size() == c.log.size() - 1);
      CHECK(where == "unchanged");
    }
  }
}

TEST_CASE("a walk from the middle of a log continues the chain the lookup reports",
          "[log_checker]") {
  Keys k;
  const std::string earlier = FormatReturnHeader(Header("2020", 1, "", k.key));
  std::vector<std::string> asked;
  auto prior = [&](absl::string_view period) -> absl::StatusOr<std::optional<LogChecker::Latest>> {
    asked.emplace_back(period);
    if (period == "2020") {
      return std::optional<LogChecker::Latest>(LogChecker::Latest{1, 3, Sha256(earlier)});
    }
    if (period == "1999") {
      return absl::DataLossError("current view of AZ 1999: stored value does not parse");
    }
    return std::optional<LogChecker::Latest>();
  };
  LogChecker checker("AZ", k.one, absl::StatusCode::kInvalidArgument, 5, prior);
  std::string where;
  REQUIRE(checker.CheckHeader(Sign(Header("2020", 2, earlier, k.key), k.key), &where).ok());
  CHECK(where == "AZ log index 5 (2020 revision 2)");
  const v1::Envelope third = Sign(Header("2020", 3, "", k.key), k.key);
  REQUIRE(checker.CheckHeader(Sign(Header("2022", 1, "", k.key), k.key), &where).ok());
  CHECK(where == "AZ log index 6 (2022 revision 1)");
  // Revision 3 must supersede revision 2 from this walk, not what the lookup said.
  absl::Status s = checker.CheckHeader(third, nullptr).status();
  CHECK(absl::StrContains(s.message(), "AZ log index 7 (2020 revision 3): supersedes"));
  // The lookup is asked once per period; its failure fails the entry.
  s = checker.CheckHeader(Sign(Header("1999", 1, "", k.key), k.key), nullptr).status();
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(
      absl::StrContains(s.message(), "AZ log index 7 (1999 revision 1): current view of AZ 1999"));
  CHECK(asked == std::vector<std::string>{"2020", "2022", "1999"});
  CHECK(checker.leaves().size() == 2);
}

TEST_CASE("entries signed by either of two keys of the origin are accepted", "[log_checker]") {
  Keys k;
  const std::vector<v1::Envelope> log = ValidLog(k);
  LogChecker both("AZ", k.both, absl::StatusCode::kDataLoss);
  for (const v1::Envelope& e : log) {
    CHECK(both.CheckHeader(e, nullptr).ok());
  }
  // With the keys in the other order too.
  const std::vector<PublicKey> reversed{k.rotated.public_key(), k.key.public_key()};
  LogChecker other_order("AZ", reversed, absl::StatusCode::kDataLoss);
  for (const v1::Envelope& e : log) {
    CHECK(other_order.CheckHeader(e, nullptr).ok());
  }
  // Without the rotated key, its entry is refused.
  LogChecker old_key_only("AZ", k.one, absl::StatusCode::kDataLoss);
  CHECK(old_key_only.CheckHeader(log[0], nullptr).ok());
  absl::Status s = old_key_only.CheckHeader(log[1], nullptr).status();
  CHECK(absl::StrContains(s.message(), "AZ log index 1: header signature"));
}

TEST_CASE("CellsChecker passes the cells of a header and names each mismatch", "[log_checker]") {
  Keys k;
  const v1::ReturnHeader header = Header("2020", 1, "", k.key);
  const std::vector<std::string> right = Cells("AZ", "2020");
  struct Case {
    const char* name;
    std::vector<std::string> lines;
    uint64_t value_sum;  // of the header checked
    std::string says;    // empty: passes
  };
  const std::vector<Case> cases = {
      {"the right cells", right, 12, ""},
      {"a line of another period",
       {right[0], "AZ,2021,TJ,_T,M,_T,7,A,F,STK"},
       12,
       "AZ 2020: stored cell is not a cell line of this return: \"AZ,2021,TJ,_T,M,_T,7,A,F,STK\""},
      {"a line of another origin",
       {right[0], "KZ,2020,TJ,_T,M,_T,7,A,F,STK"},
       12,
       "stored cell is not a cell line of this return: \"KZ,2020,"},
      {"a line that is no cell line",
       {right[0], "AZ,2020,garbage"},
       12,
       "stored cell is not a cell line of this return: \"AZ,2020,garbage\""},
      {"unsorted lines", {right[1], right[0]}, 12, "cells are not in strictly ascending order"},
      {"a duplicate line",
       {right[0], right[0], right[1]},
       12,
       "cells are not in strictly ascending order"},
      {"a missing line", {right[0]}, 12, "cell count: header says 2, store holds 1"},
      {"an extra line",
       {right[0], right[1], "AZ,2020,UZ,_T,_T,_T,0,A,F,STK"},
       12,
       "cell count: header says 2, store holds 3"},
      {"a changed figure",
       {right[0], "AZ,2020,TJ,_T,M,_T,8,A,F,STK"},
       12,
       absl::StrCat("cells root: header says ", HexEncode(header.cells_root()),
                    ", stored cells give ")},
      {"a header whose value sum is not the cells'", right, 13,
       "value sum: header says 13, stored cells add up to 12"},
  };
  for (const Case& c : cases) {
    v1::ReturnHeader h = header;
    h.set_value_sum(c.value_sum);
    CellsChecker checker(h, absl::StatusCode::kDataLoss);
    for (const std::string& line : c.lines) {
      checker.Add(line);
    }
    absl::Status s = checker.Finish("AZ 2020");
    INFO(c.name << ": " << s.ToString());
    CHECK(checker.count() == c.lines.size());
    if (c.says.empty()) {
      CHECK(s.ok());
    } else {
      CHECK(s.code() == absl::StatusCode::kDataLoss);
      CHECK(absl::StartsWith(s.message(), "AZ 2020: "));
      CHECK(absl::StrContains(s.message(), c.says));
    }
  }
}

TEST_CASE("CellsChecker of a v2 header: sealed cells counted, open confidential cells refused",
          "[log_checker][sealed]") {
  Keys k;
  const std::string sealed = SealLine("AZ,2020,UZ,_T,F,_T,12,A,C,STK", std::string(32, 'x'));
  const std::string open = "AZ,2020,UZ,_T,M,_T,5,A,F,STK";
  const auto check = [&](std::vector<std::string> lines, uint64_t sealed_count,
                         uint64_t value_sum) {
    std::sort(lines.begin(), lines.end());
    CellLines sorted;
    for (const std::string& l : lines) {
      sorted.Add(l);
    }
    v1::ReturnHeader h = Header("2020", 1, "", k.key);
    h.set_cell_count(lines.size());
    h.set_sealed_count(sealed_count);
    h.set_value_sum(value_sum);
    h.set_cells_root(HashBytes(CellsRoot(sorted)));
    CellsChecker checker(h, absl::StatusCode::kInvalidArgument);
    for (const std::string& l : lines) {
      checker.Add(l);
    }
    return checker.Finish("AZ 2020");
  };
  CHECK(check({sealed, open}, 1, 5).ok());
  // The sum of a v2 header leaves the sealed cell out; its count must be the header's.
  CHECK(absl::StrContains(check({sealed, open}, 1, 17).message(), "value sum: header says 17"));
  CHECK(absl::StrContains(check({sealed, open}, 0, 5).message(),
                          "sealed cells: header says 0, store holds 1"));
  // A confidential cell left open in a v2 return is refused.
  CHECK(absl::StrContains(check({sealed, "AZ,2020,UZ,_T,_T,_T,17,A,D,STK"}, 1, 17).message(),
                          "stored cell is not a cell line of this return"));
}

}  // namespace
}  // namespace ots
