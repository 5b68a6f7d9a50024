#!/usr/bin/env bash
# Refused TLS handshakes say who and why, on both sides (docs/operations.md, "Reading handshake
# refusals"), with certificates made by plain openssl (dated by faketime) for AZ's operator key, which
# the trust bundle lists:
# - ots-ctl checks its own certificate first and says what is wrong with it: expired on ..., not
#   valid before ..., not issued by the CA of its ca_file, self-signed, not for client
#   authentication, a key that is not the certificate's;
# - the node logs each refused handshake (WARN) with the client's address, the certificate's
#   subject and issuer and the reason, and folds a second identical one from the same address;
# - ots-ctl says when the node refused a certificate it found fine itself, and when the node's own
#   certificate has expired; a peer node logs why it refuses another's certificate;
# - a node warns of certificates and keys that expire within 30 days, at start and in status;
# - gRPC health answers per service name (ots.v1.Query, ...), NOT_FOUND for any other name.
#   tls_diagnostics_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
test_setup tls-diagnostics
command -v faketime >/dev/null || fail "faketime is needed (apt-get install faketime)"
export TZ=UTC

fed=$work/fed
"$ctl" pki init --out "$fed" --states AZ,KZ --witness-quorum 0 >/dev/null
ca=$fed/ca/ca.pem
start_node "$fed/az/node.textproto" az
log=$work/az.log
az=$fed/az

# --- Certificates for AZ's operator key, made with openssl ----------------------------------
subject="/O=ots-mx/CN=AZ operator"
openssl req -new -key "$az/operator.key" -subj "$subject" -out "$work/operator.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$work/base.ext"
{
  cat "$work/base.ext"
  echo "extendedKeyUsage=clientAuth"
} >"$work/client.ext"
{
  cat "$work/base.ext"
  echo "extendedKeyUsage=serverAuth"
} >"$work/server.ext"
# sign OUT EXT CA_PEM CA_KEY [FAKETIME DAYS]: the operator's CSR signed by that CA. FAKETIME is in
# libfaketime's own format (faketime -f): an absolute date stops the clock there, so a slow start
# under load cannot move the certificate's dates.
sign() {
  local out=$1 ext=$2 ca_pem=$3 ca_key=$4 when=${5:-} days=${6:-30}
  local cmd=(openssl x509 -req -in "$work/operator.csr" -CA "$ca_pem" -CAkey "$ca_key"
    -CAcreateserial -days "$days" -extfile "$ext" -out "$az/$out.pem")
  if [ -n "$when" ]; then cmd=(faketime -f "$when" "${cmd[@]}"); fi
  "${cmd[@]}" 2>/dev/null || fail "openssl could not make $out.pem"
}
sign expired "$work/client.ext" "$ca" "$fed/ca/ca.key" "2026-01-01 10:00:00" 1
sign early "$work/client.ext" "$ca" "$fed/ca/ca.key" "+30d"
sign serveronly "$work/server.ext" "$ca" "$fed/ca/ca.key"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Other CA" \
  -days 30 -keyout "$work/other-ca.key" -out "$work/other-ca.pem" 2>/dev/null
sign otherca "$work/client.ext" "$work/other-ca.pem" "$work/other-ca.key"
openssl req -x509 -new -key "$az/operator.key" -subj "$subject" -days 30 \
  -addext "extendedKeyUsage=clientAuth" -out "$az/selfsigned.pem" 2>/dev/null
# The dates openssl wrote, as the messages show them.
cert_date() {  # cert_date FILE startdate|enddate
  date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC'
}
expired_on=$(cert_date "$az/expired.pem" enddate)
[ "$expired_on" = "2026-01-02 10:00:00 UTC" ] || fail "faketime: expired.pem ends $expired_on"
early_from=$(cert_date "$az/early.pem" startdate)
fed_ca="CN=ots-mx federation CA,O=ots-mx"

# config NAME CERT [KEY] [CA]: AZ's operator configuration with other TLS files.
config() {
  sed -e "s|\"operator.pem\"|\"$2\"|" -e "s|\"operator.key\"|\"${3:-operator.key}\"|" \
    -e "s|\"../ca/ca.pem\"|\"${4:-../ca/ca.pem}\"|" "$az/operator.textproto" >"$az/$1.textproto"
}
# ctl_fails NAME CODE TEXT: `ots-ctl status` with configuration NAME exits CODE saying TEXT.
ctl_fails() {
  expect_fail "$2" "$ctl" status --config "$az/$1.textproto" --node "$node_addr"
  must_say "$3"
}
# node_refuses CERT: a client with CERT (and the operator's key) that does not check its own
# certificate first, as ots-ctl does, is refused by the node in the TLS handshake.
node_refuses() {
  local rc=0
  "$tool" call --target "$node_addr" --ca "$ca" --name az.node.ots-mx --cert "$az/$1" \
    --key "$az/operator.key" --method status >"$work/out" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] && grep -qF UNAVAILABLE "$work/out" ||
    fail "the node did not refuse $1 in the handshake: $(cat "$work/out")"
}
# refusal_logged TEXT: the node logged a WARN for a refused handshake from a loopback address
# (the client's) whose line says TEXT.
refusal_logged() {
  wait_for "the refusal \"$1\" in $log" 10 refusal_in_log "$1"
}
refusal_in_log() {
  grep -E "WARN peer=127\.0\.0\.1:[0-9]+ TLS handshake refused: " "$log" | grep -qF -- "$1"
}

# --- Expired ------------------------------------------------------------------------------------
config expired expired.pem
ctl_fails expired 2 "our certificate $az/expired.pem (CN=AZ operator,O=ots-mx) expired on $expired_on"
node_refuses expired.pem
refusal_logged "client certificate expired on $expired_on (subject CN=AZ operator,O=ots-mx; issuer $fed_ca)"
# The same refusal again from the same address is folded into the first line.
node_refuses expired.pem
[ "$(grep -c "client certificate expired on" "$log")" -eq 1 ] ||
  fail "a second identical refusal was not folded: $(grep "handshake refused" "$log")"

# --- Not yet valid ------------------------------------------------------------------------------
config early early.pem
ctl_fails early 2 "our certificate $az/early.pem (CN=AZ operator,O=ots-mx) not valid before $early_from"
node_refuses early.pem
refusal_logged "client certificate not valid before $early_from (subject CN=AZ operator,O=ots-mx; issuer $fed_ca)"

# --- Another CA ---------------------------------------------------------------------------------
config otherca otherca.pem
ctl_fails otherca 2 "our certificate $az/otherca.pem (CN=AZ operator,O=ots-mx) is not issued by the CA in $az/../ca/ca.pem (its issuer is CN=Other CA)"
node_refuses otherca.pem
refusal_logged "client certificate issued by a CA this federation does not trust (issuer CN=Other CA) (subject CN=AZ operator,O=ots-mx; issuer CN=Other CA)"
# A client that trusts that CA too finds its certificate fine; the node still refuses it, and
# ots-ctl says that it is the node that refused it.
cat "$ca" "$work/other-ca.pem" >"$az/both-cas.pem"
config trusting otherca.pem operator.key both-cas.pem
ctl_fails trusting 3 "cannot connect to the node at $node_addr: the node refused our certificate $az/otherca.pem"

# --- Self-signed --------------------------------------------------------------------------------
config selfsigned selfsigned.pem
ctl_fails selfsigned 2 "our certificate $az/selfsigned.pem (CN=AZ operator,O=ots-mx) is self-signed, not issued by the CA in $az/../ca/ca.pem"
node_refuses selfsigned.pem
refusal_logged "client certificate self-signed (subject CN=AZ operator,O=ots-mx; issuer CN=AZ operator,O=ots-mx)"

# --- For servers only ---------------------------------------------------------------------------
config serveronly serveronly.pem
ctl_fails serveronly 2 "our certificate $az/serveronly.pem (CN=AZ operator,O=ots-mx) not for client authentication (extended key usage serverAuth only)"
node_refuses serveronly.pem
refusal_logged "client certificate not for client authentication (extended key usage serverAuth only) (subject CN=AZ operator,O=ots-mx; issuer $fed_ca)"

# --- A key that is not the certificate's, and no certificate at all -----------------------------
config wrongkey auditor.pem operator.key
ctl_fails wrongkey 2 "$az/operator.key: is not the key of $az/auditor.pem (CN=AZ auditor,O=ots-mx)"
"$tool" call --target "$node_addr" --ca "$ca" --name az.node.ots-mx --method status \
  >"$work/out" 2>&1 && fail "a call without a certificate succeeded"
refusal_logged "no client certificate"

# The operator's own certificate still works, as before.
"$ctl" status --config "$az/operator.textproto" --node "$node_addr" >"$work/status" ||
  fail "status with the operator's certificate: $(cat "$work/status")"
grep -qF "you are     AZ operator" "$work/status" || fail "status: caller identity"
grep -qF "WARNING" "$work/status" && fail "expiry warnings for a year-long federation"

# --- Health per service -------------------------------------------------------------------------
health() {  # health SERVICE: prints the node's answer for SERVICE
  "$tool" call --target "$node_addr" --ca "$ca" --name az.node.ots-mx --cert "$az/auditor.pem" \
    --key "$az/auditor.key" --method health --service "$1" 2>&1 || true
}
for s in ots.v1.Query ots.v1.Submission ots.v1.Federation; do
  [ "$(health "$s")" = "SERVING OK " ] || fail "health of $s: $(health "$s")"
done
[ "$(health "")" = "SERVING OK " ] || fail "health of the server: $(health "")"
[[ "$(health ots.v1.Nothing)" == "NOT_FOUND "* ]] || fail "health of an unknown service: $(health ots.v1.Nothing)"
stop_node "$node_pid"
node_pid=

# --- A node whose certificate has expired, seen by ots-ctl and by a peer ------------------------
# AZ's node key with a certificate that ran out on 2026-01-31, presented by openssl s_server
# (-www: it serves until killed, reading nothing from stdin).
openssl req -new -key "$az/node.key" -subj "/O=ots-mx/CN=AZ node" -out "$work/node.csr" 2>/dev/null
{
  cat "$work/base.ext"
  echo "extendedKeyUsage=serverAuth,clientAuth"
  echo "subjectAltName=DNS:az.node.ots-mx,IP:127.0.0.1"
} >"$work/node.ext"
faketime -f "2026-01-01 10:00:00" openssl x509 -req -in "$work/node.csr" -CA "$ca" \
  -CAkey "$fed/ca/ca.key" -CAcreateserial -days 30 -extfile "$work/node.ext" \
  -out "$az/old-node.pem" 2>/dev/null || fail "openssl could not make old-node.pem"
node_expired_on=$(cert_date "$az/old-node.pem" enddate)
openssl s_server -accept 127.0.0.1:0 -cert "$az/old-node.pem" -key "$az/node.key" -tls1_3 \
  -alpn h2 -www </dev/null >"$work/s_server.out" 2>&1 &
test_pids+=($!)
wait_for "openssl s_server to listen" 10 grep -q "^ACCEPT " "$work/s_server.out"
old_addr=$(sed -n 's/^ACCEPT //p' "$work/s_server.out" | head -1)
refused_node="the certificate of the node at $old_addr (CN=AZ node,O=ots-mx, issuer $fed_ca) expired on $node_expired_on"
expect_fail 3 "$ctl" status --config "$az/auditor.textproto" --node "$old_addr"
must_say "cannot connect to the node at $old_addr: we refuse it: $refused_node"
# KZ's node, pointed at it as AZ's node, logs why it refuses it, and shows it in status.
{
  cat "$fed/kz/node.textproto"
  echo "sync { backoff_max_ms: 1000 poll_interval_seconds: 2"
  echo "  peer_endpoints { key: \"AZ\" value: \"$old_addr\" } }"
} >"$fed/kz/peer.textproto"
start_node "$fed/kz/peer.textproto" kz
log_says "$work/kz.log" "WARN peer=$old_addr TLS handshake refused: $refused_node"
kz_status() {
  "$ctl" status --config "$fed/kz/auditor.textproto" --node "$node_addr" >"$work/kz.status" 2>&1 &&
    grep -qF "$refused_node" "$work/kz.status"
}
wait_for "KZ's status to show why AZ's node is refused" 20 kz_status
stop_node "$node_pid"
node_pid=

# --- Expiry warnings: a federation whose certificates and keys last 20 days -------------------
fed3=$work/fed3
"$ctl" pki init --out "$fed3" --states AZ --witness-quorum 0 --days 20 --ca-days 21 >/dev/null
start_node "$fed3/az/node.textproto" az3
for w in "TLS certificate $fed3/az/node.pem expires on" "CA certificate $fed_ca in $fed3/az/../ca/ca.pem expires on" \
  "log key " "witness key "; do
  log_says "$work/az3.log" "WARN peer=- $w"
done
"$ctl" status --config "$fed3/az/auditor.textproto" --node "$node_addr" >"$work/status3" ||
  fail "status of the 20-day federation: $(cat "$work/status3")"
grep -qE "^WARNING TLS certificate $fed3/az/node.pem expires on [0-9-]+ \(in 19 days\)$" "$work/status3" ||
  fail "status: no expiry warning for the TLS certificate: $(cat "$work/status3")"
[ "$(grep -c '^WARNING ' "$work/status3")" -eq 4 ] ||
  fail "status: expected 4 expiry warnings: $(cat "$work/status3")"
stop_node "$node_pid"
node_pid=
echo "tls_diagnostics_test: all checks passed"
