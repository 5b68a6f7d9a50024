// docs/formats.md carries one worked example, byte for byte. This test rebuilds every value of
// it with the library and checks that the document states exactly that value.
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "node/log/publisher.h"
#include "node/model/envelope.h"
#include "node/model/return_csv.h"
#include "node/model/return_header.h"
#include "node/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

std::string ReadDoc() {
  std::ifstream in(std::string(OTS_SOURCE_DIR) + "/docs/formats.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void CheckStated(const std::string& doc, const std::string& what, const std::string& value) {
  INFO(what << " must appear in docs/formats.md as:\n" << value);
  CHECK(absl::StrContains(doc, value));
}

TEST_CASE("the worked example of docs/formats.md is what the code produces", "[formats]") {
  const std::string doc = ReadDoc();
  REQUIRE_FALSE(doc.empty());

  // RFC 8032 section 7.1 test 1 key: public, so anyone can redo the example.
  auto seed = HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  REQUIRE(seed.ok());
  auto key = PrivateKey::FromSeed(*seed);
  REQUIRE(key.ok());
  auto parsed = ParseReturnCsv(
      "example.csv",
      "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
      "STOCK_FLOW\n"
      "AZ,2020,UZ,_T,_T,_T,16254,A,F,STK\n"
      "AZ,2020,UZ,_T,F,_T,8398,A,F,STK\n"
      "AZ,2020,UZ,_T,M,_T,7856,A,F,STK\n",
      "AZ", nullptr);
  REQUIRE(parsed.ok());

  TempDir tmp;
  Store::Options options;
  options.create_if_missing = true;
  auto store = Store::Open(tmp.File("data"), options);
  REQUIRE(store.ok());
  FakeClock clock(absl::FromUnixSeconds(1768467600));  // 2026-01-15T09:00:00Z
  OriginLogs logs(store->get(), kTestFederation);
  Publisher publisher(&logs, &*key, &clock);
  auto result = publisher.Publish(*parsed);
  REQUIRE(result.ok());

  CheckStated(doc, "the key id", key->public_key().KeyId());
  for (size_t i = 0; i < parsed->lines.size(); ++i) {
    CheckStated(doc, absl::StrCat("cell line ", i), std::string(parsed->lines[i]));
    CheckStated(doc, absl::StrCat("leaf hash ", i),
                HexEncode(HashBytes(MerkleLeafHash(parsed->lines[i]))));
  }
  CheckStated(doc, "the cells root", HexEncode(result->header.cells_root()));
  const std::string header = FormatReturnHeader(result->header);
  CheckStated(doc, "the header text", header);
  CheckStated(doc, "the PAE prefix",
              absl::StrCat("DSSEv1 ", kReturnHeaderPayloadType.size(), " ",
                           kReturnHeaderPayloadType, " ", header.size(), " "));
  auto log = (*store)->ReadLog("AZ");
  REQUIRE(log.ok());
  CheckStated(doc, "the header signature", HexEncode((*log)[0].header().signatures(0).sig()));
  CheckStated(doc, "the log leaf hash", HexEncode(HashBytes(MerkleLeafHash(header))));
  CheckStated(doc, "the DSSE JSON envelope",
              DsseToJson(DsseEnvelope{kReturnHeaderPayloadType.data(),
                                      header,
                                      {{(*log)[0].header().signatures(0).keyid(),
                                        (*log)[0].header().signatures(0).sig()}}}));
  CheckStated(doc, "the checkpoint note", result->checkpoint_note);
}

}  // namespace
}  // namespace ots
