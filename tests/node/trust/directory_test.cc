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

TEST_CASE("a newer bundle replaces the current one, an older, equal or foreign one does not",
          "[directory]") {
  Directory d(TrustAnchor{"v3", "pem", "key-1", Bundle()});
  const v1::Member* az_before = d.Find("AZ");
  REQUIRE(az_before != nullptr);

  // Revoke AZ and remove KZ's operator identity in version 4.
  v1::TrustBundle next = Bundle();
  next.set_version(4);
  next.mutable_members(0)->set_revoked_at("2027-03-01T00:00:00Z");
  next.mutable_members(1)->mutable_tls_identities()->DeleteSubrange(1, 1);
  for (uint64_t version : {3, 2}) {
    v1::TrustBundle older = next;
    older.set_version(version);
    absl::Status s = d.Update(TrustAnchor{"old", "pem", "key-1", older});
    CHECK(absl::IsFailedPrecondition(s));
    CHECK(absl::StrContains(s.message(), "is not newer than version 3"));
  }
  absl::Status other_key = d.Update(TrustAnchor{"v4", "pem", "key-2", next});
  CHECK(absl::StrContains(other_key.message(), "not by the federation's bundle key key-1"));
  v1::TrustBundle foreign = next;
  foreign.set_federation("other");
  CHECK(absl::IsFailedPrecondition(d.Update(TrustAnchor{"v4", "pem", "key-1", foreign})));
  CHECK(d.version() == 3);
  CHECK(d.Identify(Spki(0, v1::TlsIdentity::NODE)).ok());

  REQUIRE(d.Update(TrustAnchor{"v4", "pem", "key-1", next}).ok());
  CHECK(d.version() == 4);
  CHECK(d.signed_bundle() == "v4");
  // Every identity of the revoked member is refused, saying so.
  absl::StatusOr<CallerIdentity> az = d.Identify(Spki(0, v1::TlsIdentity::NODE));
  CHECK(absl::IsPermissionDenied(az.status()));
  CHECK(absl::StrContains(az.status().message(), "identity of AZ, revoked on 2027-03-01"));
  CHECK(d.Revoked("AZ"));
  CHECK_FALSE(d.Revoked("KZ"));
  // A revoked member sees nothing, even its own log; the others still see what it signed.
  CHECK_FALSE(d.MaySee("AZ", "AZ"));
  CHECK(d.MaySee("KZ", "AZ"));
  // One removed identity is refused; the member's others still work.
  CHECK(absl::IsPermissionDenied(d.Identify(Spki(1, v1::TlsIdentity::OPERATOR)).status()));
  CHECK(d.Identify(Spki(1, v1::TlsIdentity::NODE)).ok());
  // What a caller read from the previous version stays readable.
  CHECK(az_before->code() == "AZ");
  CHECK(az_before->revoked_at().empty());
}

}  // namespace
}  // namespace ots
