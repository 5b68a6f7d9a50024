#include "node/server/expiry.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/x509.h"
#include "node/base/rfc3339.h"

namespace ots {
namespace {

// "expires on 2027-01-05 (in 12 days)" or "expired on 2027-01-05 (3 days ago)", the time of day
// left out unless the end is less than a day away.
std::string Ending(absl::Time end, absl::Time now) {
  const absl::Duration left = end - now;
  const absl::Duration abs = left < absl::ZeroDuration() ? -left : left;
  const int64_t days = absl::ToInt64Hours(abs) / 24;
  std::string when;
  if (days >= 1) {
    when = absl::StrCat(days, days == 1 ? " day" : " days");
  } else {
    const int64_t hours = absl::ToInt64Hours(abs);
    when = hours >= 1 ? absl::StrCat(hours, hours == 1 ? " hour" : " hours")
                      : absl::StrCat(absl::ToInt64Minutes(abs), " minutes");
  }
  const char* format = days >= 1 ? "%Y-%m-%d" : "%Y-%m-%d %H:%M UTC";
  const std::string date = absl::FormatTime(format, end, absl::UTCTimeZone());
  return left > absl::ZeroDuration() ? absl::StrCat("expires on ", date, " (in ", when, ")")
                                     : absl::StrCat("expired on ", date, " (", when, " ago)");
}

// The end of the validity the bundle gives `key` among `entries`; nullopt if it names none.
std::optional<absl::Time> BundleEnd(
    const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>& entries, const PublicKey& key) {
  for (const v1::PublicKeyEntry& e : entries) {
    if (e.ed25519() == key.raw() && !e.valid_until().empty()) {
      absl::StatusOr<absl::Time> end = ParseRfc3339(e.valid_until());
      if (end.ok()) {
        return *end;
      }
    }
  }
  return std::nullopt;
}

// Whether `entries` list `key`.
bool Listed(const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>& entries,
            const PublicKey& key) {
  for (const v1::PublicKeyEntry& e : entries) {
    if (e.ed25519() == key.raw()) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<Expiry> Expiries(const NodeSetup& setup) {
  std::vector<Expiry> out;
  const v1::TlsFiles& tls = setup.config.tls();
  absl::StatusOr<Certificate> cert = Certificate::FromPem(setup.cert_pem);
  if (cert.ok()) {
    out.push_back(
        Expiry{Expiry::kTlsCertificate, tls.cert_file(), tls.cert_file(), cert->NotAfter(), false});
  }
  absl::StatusOr<std::vector<Certificate>> cas = CertificatesFromPem(setup.ca_pem);
  if (cas.ok()) {
    for (const Certificate& ca : *cas) {
      out.push_back(
          Expiry{Expiry::kCaCertificate, ca.Subject(), tls.ca_file(), ca.NotAfter(), false});
    }
  }
  const v1::Member* self =
      setup.directory == nullptr ? nullptr : setup.directory->Find(setup.config.origin());
  if (self == nullptr) {
    return out;
  }
  struct Key {
    Expiry::Kind kind;
    const PrivateKey* key;
    std::string file;
    const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>* entries;
  };
  std::vector<Key> keys;
  if (setup.log_key.has_value()) {
    keys.push_back(
        Key{Expiry::kLogKey, &*setup.log_key, setup.config.log_key_file(), &self->log_keys()});
  }
  for (int i = 0; i < static_cast<int>(setup.more_log_keys.size()); ++i) {
    keys.push_back(Key{Expiry::kLogKey, &setup.more_log_keys[i],
                       i < setup.config.log_key_files_size() ? setup.config.log_key_files(i) : "",
                       &self->log_keys()});
  }
  if (setup.witness_key.has_value()) {
    keys.push_back(Key{Expiry::kWitnessKey, &*setup.witness_key, setup.config.witness_key_file(),
                       &self->witness_keys()});
  }
  for (int i = 0; i < static_cast<int>(setup.more_witness_keys.size()); ++i) {
    keys.push_back(
        Key{Expiry::kWitnessKey, &setup.more_witness_keys[i],
            i < setup.config.witness_key_files_size() ? setup.config.witness_key_files(i) : "",
            &self->witness_keys()});
  }
  // A key that ends is no worry while another of the same use the node holds, listed in the
  // bundle, takes over by then and lasts longer (a rotation); a listed key without valid_until
  // never ends.
  struct Last {
    std::optional<absl::Time> end;
    bool without_end = false;
  };
  Last last[2];  // [0]: witness keys, [1]: log keys
  for (const Key& k : keys) {
    if (!Listed(*k.entries, k.key->public_key())) {
      continue;
    }
    Last& l = last[k.kind == Expiry::kLogKey ? 1 : 0];
    std::optional<absl::Time> end = BundleEnd(*k.entries, k.key->public_key());
    if (!end.has_value()) {
      l.without_end = true;
    } else if (!l.end.has_value() || *end > *l.end) {
      l.end = end;
    }
  }
  for (const Key& k : keys) {
    std::optional<absl::Time> end = BundleEnd(*k.entries, k.key->public_key());
    if (!end.has_value()) {
      continue;
    }
    const Last& l = last[k.kind == Expiry::kLogKey ? 1 : 0];
    const bool replaced = l.without_end || (l.end.has_value() && *end < *l.end);
    out.push_back(Expiry{k.kind, k.key->public_key().KeyId(), k.file, *end, replaced});
  }
  return out;
}

std::vector<std::string> ExpiryWarnings(const NodeSetup& setup, absl::Time now,
                                        absl::Duration warn_before) {
  // Every key's end when all are listed (status' expiries); otherwise a log key replaced by a
  // later one is not warned about.
  const bool warn_only_last = warn_before != absl::InfiniteDuration();
  std::vector<std::string> out;
  for (const Expiry& e : Expiries(setup)) {
    if (e.end - now > warn_before || (warn_only_last && e.replaced)) {
      continue;
    }
    switch (e.kind) {
      case Expiry::kTlsCertificate:
        out.push_back(absl::StrCat("TLS certificate ", e.file, " ", Ending(e.end, now)));
        break;
      case Expiry::kCaCertificate:
        out.push_back(
            absl::StrCat("CA certificate ", e.name, " in ", e.file, " ", Ending(e.end, now)));
        break;
      case Expiry::kLogKey:
      case Expiry::kWitnessKey:
        out.push_back(absl::StrCat(e.kind == Expiry::kLogKey ? "log key " : "witness key ", e.name,
                                   " (", e.file, ") ", Ending(e.end, now),
                                   " per the trust bundle"));
        break;
    }
  }
  return out;
}

}  // namespace ots
