#!/usr/bin/env bash
# Renewing certificates (docs/operations.md, "Renewing certificates"), with real nodes of the
# Secretariat, AZ and KZ, none of them restarted:
# - `status` shows when each certificate and key of the node ends;
# - `ots-ctl pki renew` gives AZ's node a new certificate with its key; AZ's node sees the file
#   change and presents the new certificate from its next handshake, its peers stay connected
#   and replication goes on;
# - a certificate that does not match its key is refused, the one in use stays; SIGHUP reloads
#   too;
# - a renewal with a new key waits until a pushed trust bundle lists the key, then is taken by
#   itself.
# Runs in a network namespace of its own.
#   renewal_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup renewal-test AZ,KZ "$@"
returns=$work/returns
fed_start ots az kz
fed_submit az "$returns/AZ_2010.csv"
wait_for "KZ to hold AZ's first return" 60 fed_holds kz AZ 1

# served_cert: the certificate AZ's node presents now (PEM). served_end, served_spki: its end date
# and its key's fingerprint. file_end FILE: the end date of FILE.
served_cert() {
  openssl s_client -connect 127.0.0.1:7401 -servername az.node.ots-mx \
    -cert "$fed/kz/node.pem" -key "$fed/kz/node.key" -CAfile "$fed/ca/ca.pem" </dev/null \
    2>/dev/null | openssl x509 2>/dev/null
}
served_end() { served_cert | openssl x509 -noout -enddate 2>/dev/null; }
served_spki() {
  served_cert | openssl x509 -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER |
    sha256sum | cut -c1-64
}
file_end() { openssl x509 -in "$1" -noout -enddate; }
serves() { [ "$(served_end)" = "$1" ]; }
says() { grep -qF -- "$1" "$work/out" || fail "the output does not say: $1: $(cat "$work/out")"; }
kz_warnings_about_az() { grep -c "WARN peer=AZ" "$work/kz.log" || true; }

fed_status az
grep -q "^expiry      TLS certificate .*/az/node.pem expires on " "$work/status.az" ||
  fail "AZ's status does not show when its certificate ends"
grep -q "^expiry      log key .* expires on " "$work/status.az" ||
  fail "AZ's status does not show when its log key ends"

# --- A renewal with the same key, picked up from the file --------------------------------------
before=$(file_end "$fed/az/node.pem")
serves "$before" || fail "AZ does not serve its certificate: $(served_end)"
warnings=$(kz_warnings_about_az)
"$ctl" pki renew --ca-dir "$fed/ca" --member-dir "$fed/az" --only node --days 200 >"$work/out" \
  2>&1 || fail "pki renew: $(cat "$work/out")"
says "same key: the trust bundle needs no change"
after=$(file_end "$fed/az/node.pem")
[ "$after" != "$before" ] || fail "the renewed certificate ends when the old one did"
log_says "$work/az.log" "TLS: reloaded $fed/az/node.pem"
wait_for "AZ to serve its renewed certificate" 10 serves "$after"
fed_submit az "$returns/AZ_2015.csv"
wait_for "KZ to hold AZ's second return" 60 fed_holds kz AZ 2
[ "$(kz_warnings_about_az)" = "$warnings" ] || fail "KZ's link to AZ broke during the renewal"
fed_peer kz AZ watching || fail "KZ no longer watches AZ"

# --- A certificate that does not match its key is refused; SIGHUP reloads ------------------------
cp "$fed/az/node.pem" "$work/node.pem.good"
cp "$fed/kz/node.pem" "$fed/az/node.pem.new" && mv "$fed/az/node.pem.new" "$fed/az/node.pem"
log_says "$work/az.log" "TLS: not reloaded, still presenting the certificate in use"
serves "$after" || fail "AZ took a certificate that is not its key's"
kill -HUP "${fed_pid[az]}"
log_says "$work/az.log" "received SIGHUP: reloading the TLS certificate, key and CA file"
cp "$work/node.pem.good" "$fed/az/node.pem.new" && mv "$fed/az/node.pem.new" "$fed/az/node.pem"
serves "$after" || fail "AZ no longer serves its renewed certificate"

# --- A new key: taken once a pushed bundle lists it ----------------------------------------------
"$ctl" pki renew --ca-dir "$fed/ca" --member-dir "$fed/az" --only node --new-keys >"$work/out" \
  2>&1 || fail "pki renew --new-keys: $(cat "$work/out")"
says "list it in the next trust bundle version"
new_spki=$(sed -n 's/.*; new key \([0-9a-f]*\):.*/\1/p' "$work/out")
[ ${#new_spki} -eq 64 ] || fail "no new key fingerprint in: $(cat "$work/out")"
log_says "$work/az.log" "its key is not a node identity of AZ in trust bundle version 1"
[ "$(served_spki)" != "$new_spki" ] || fail "AZ serves a key the bundle does not list"
"$ctl" bundle show --bundle "$fed/federation/trust-bundle.json" \
  --key "$fed/federation/bundle.pub.pem" |
  sed -e 's/^version: 1$/version: 2/' \
    -e "/^  code: \"AZ\"\$/a\\  tls_identities { kind: NODE spki_sha256: \"$new_spki\" common_name: \"AZ node 2\" }" \
    >"$work/v2.textproto"
"$ctl" bundle sign --in "$work/v2.textproto" --key "$fed/federation/bundle.key" \
  --out "$work/v2.json" >/dev/null
"$ctl" bundle push --config "$fed/az/operator.textproto" --bundle "$work/v2.json" >"$work/out" \
  2>&1 || fail "push of version 2: $(cat "$work/out")"
wait_for "AZ to serve its new key" 10 eval '[ "$(served_spki)" = "$new_spki" ]'
fed_submit az "$returns/AZ_2020.csv"
wait_for "the Secretariat and KZ to hold AZ's third return" 60 \
  eval 'fed_holds ots AZ 3 && fed_holds kz AZ 3'
echo "renewal test passed"
