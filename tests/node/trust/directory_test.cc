// Tests for node/directory: identities from the trust bundle and what each may do.
#include "node/trust/directory.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace ots {
namespace {

v1::TrustBundle Bundle() {
  v1::TrustBundle b;
  b.set_federation("ots-mx");
  b.set_version(3);
  auto add = [&](const std::string& code, std::vector<std::string> share_with) {
    v1::Member* m = b.add_members();
    m->set_code(code);
    for (auto kind : {v1::TlsIdentity::NODE, v1::TlsIdentity::OPERATOR, v1::TlsIdentity::AUDITOR}) {
      v1::TlsIdentity* id = m->add_tls_identities();
      id->set_kind(kind);
      id->set_spki_sha256(std::string(64, "0123456789"[b.members_size() * 3 + kind - 3]));
      id->set_common_name(code + " " + std::string(KindName(kind)));
    }
    for (const std::string& s : share_with) {
      m->add_share_with(s);
    }
  };
  add("AZ", {"OTS", "KZ"});
  add("KZ", {"OTS"});
  add("OTS", {});
  return b;
}

std::string Spki(int member, v1::TlsIdentity::Kind kind) {
  return std::string(64, "0123456789"[(member + 1) * 3 + kind - 3]);
}

TEST_CASE("identities are found by their key, unknown keys are refused", "[directory]") {
  Directory d(Bundle());
  absl::StatusOr<CallerIdentity> op = d.Identify(Spki(0, v1::TlsIdentity::OPERATOR));
  REQUIRE(op.ok());
  CHECK(op->member == "AZ");
  CHECK(op->kind == v1::TlsIdentity::OPERATOR);
  CHECK(op->Describe() == "AZ/operator(AZ operator)");
  absl::StatusOr<CallerIdentity> unknown = d.Identify(std::string(64, 'f'));
  CHECK(absl::IsPermissionDenied(unknown.status()));
  CHECK(absl::StrContains(unknown.status().message(), "trust bundle ots-mx version 3"));
}

TEST_CASE("only a state's own operators submit to its node", "[directory]") {
  Directory d(Bundle());
  auto id = [&](int member, v1::TlsIdentity::Kind kind) {
    absl::StatusOr<CallerIdentity> c = d.Identify(Spki(member, kind));
    REQUIRE(c.ok());
    return *c;
  };
  CHECK(d.AuthorizeSubmit(id(0, v1::TlsIdentity::OPERATOR), "AZ").ok());
  absl::Status other = d.AuthorizeSubmit(id(1, v1::TlsIdentity::OPERATOR), "AZ");
  CHECK(absl::IsPermissionDenied(other));
  CHECK(absl::StrContains(other.message(), "operator of KZ may not submit to the node of AZ"));
  CHECK(absl::IsPermissionDenied(d.AuthorizeSubmit(id(0, v1::TlsIdentity::AUDITOR), "AZ")));
  CHECK(absl::IsPermissionDenied(d.AuthorizeSubmit(id(0, v1::TlsIdentity::NODE), "AZ")));
}

TEST_CASE("sharing policy decides who sees an origin", "[directory]") {
  Directory d(Bundle());
  CHECK(d.MaySee("AZ", "AZ"));
  CHECK(d.MaySee("KZ", "AZ"));
  CHECK(d.MaySee("OTS", "AZ"));
  CHECK_FALSE(d.MaySee("AZ", "KZ"));
  CHECK(d.MaySee("OTS", "KZ"));
  CHECK_FALSE(d.MaySee("AZ", "TM"));  // not a member
  CHECK(d.Find("OTS") != nullptr);
  CHECK(d.Find("TM") == nullptr);
}

}  // namespace
}  // namespace ots
