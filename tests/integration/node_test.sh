#!/usr/bin/env bash
# ots-node on real processes, real RocksDB and real mutual TLS with certificates from pki init:
# configuration checks at start, submit/validate/query/status/prove through ots-ctl, every
# refusal of DESIGN §4 (no client certificate, another CA, an expired certificate, a CA-signed
# identity the bundle does not list, TLS 1.2, an operator of another state, an auditor
# submitting), a 1,000,000-cell return submitted and queried back, and a clean SIGTERM stop.
#   node_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
test_setup node-test

fed=$work/fed
# One node on its own: nobody cosigns its checkpoints, so its proofs need no witness quorum.
"$ctl" pki init --out "$fed" --states AZ,KZ,HU --secretariat --witness-quorum 0 >"$work/pki.out"
grep -qF "signed trust bundle version 1" "$work/pki.out" || fail "pki init summary"
for f in ca/ca.key az/node.key az/log.key az/witness.key az/operator.key az/auditor.key \
  ots/node.key federation/bundle.key; do
  [ "$(stat -c %a "$fed/$f")" = 600 ] || fail "$f is not mode 0600"
done
openssl verify -CAfile "$fed/ca/ca.pem" "$fed/az/node.pem" "$fed/kz/operator.pem" \
  "$fed/ots/auditor.pem" >/dev/null || fail "pki init certificates do not verify with openssl"
expect_fail 1 "$ctl" pki init --out "$fed" --states AZ
must_say "never overwrites keys"

# --- Configuration checked at start: each problem fatal, naming the file -----------------------
cfg=$fed/az/node.textproto
bad_start() {  # bad_start CONFIG TEXT...: ots-node must exit 1 and log every TEXT
  local rc=0
  "$node_bin" --config "$1" --listen 127.0.0.1:0 2>"$work/err" || rc=$?
  [ "$rc" -eq 1 ] || fail "ots-node started (exit $rc) on a bad configuration $1"
  shift
  for t in "$@"; do must_say "$t"; done
}
cp "$cfg" "$fed/az/unknown.textproto"
echo 'listen_adress: "127.0.0.1:1"' >>"$fed/az/unknown.textproto"
bad_start "$fed/az/unknown.textproto" "$fed/az/unknown.textproto:14:" "listen_adress"
sed 's/"node.key"/"missing.key"/' "$cfg" >"$fed/az/missing.textproto"
bad_start "$fed/az/missing.textproto" "$fed/az/missing.key" "No such file"
cp -p "$fed/az/node.key" "$fed/az/open.key"
chmod 644 "$fed/az/open.key"
sed 's/"node.key"/"open.key"/' "$cfg" >"$fed/az/open.textproto"
bad_start "$fed/az/open.textproto" "$fed/az/open.key" "readable by group or others"
# A bundle whose signature fails: signed by another federation's bundle key.
"$ctl" pki init --out "$work/other" --states AZ >/dev/null
sed "s|../federation/bundle.pub.pem|$work/other/federation/bundle.pub.pem|" "$cfg" \
  >"$fed/az/forged.textproto"
bad_start "$fed/az/forged.textproto" "$fed/az/../federation/trust-bundle.json" \
  "signature does not verify"
# A log key the bundle does not list for AZ.
sed 's|"log.key"|"../kz/log.key"|' "$cfg" >"$fed/az/wrongkey.textproto"
bad_start "$fed/az/wrongkey.textproto" "$fed/az/../kz/log.key" "is not a log key of AZ"
[ ! -e "$fed/az/data" ] || fail "a refused start created the data folder"

# --- A running AZ node -------------------------------------------------------------------------
start_node "$cfg" az
az_pid=$node_pid
log=$work/az.log
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ
op=$fed/az/operator.textproto
aud=$fed/az/auditor.textproto
ctl_at() { "$ctl" "$1" --node "$node_addr" "${@:2}"; }

ctl_at validate --config "$op" "$work/returns/AZ_2020.csv" >"$work/out"
grep -qF "valid return of AZ for 2020, 15 cells" "$work/out" || fail "validate output"
for f in "$work"/returns/AZ_*.csv; do
  ctl_at submit --config "$op" "$f" >>"$work/submitted"
done
returns=$(ls "$work"/returns/AZ_*.csv | wc -l)
[ "$returns" -ge 2 ] || fail "sample returns missing"
[ "$(grep -c '^submitted AZ' "$work/submitted")" -eq "$returns" ] || fail "every return acknowledged"
log_says "$log" "peer=AZ/operator(AZ operator) accepted AZ_2020.csv: AZ 2020 revision 1"

# A bad return over the wire: every problem as file:line, exit 1, nothing stored.
{
  head -1 "$work/returns/AZ_2020.csv"
  echo "OTS:DF_MIGR_STOCK(1.0),AZ,2020,XZ,_T,F,_T,12,A,F,STK"
  echo "OTS:DF_MIGR_STOCK(1.0),KZ,2020,KG,_T,M,_T,-1,A,F,STK"
} >"$work/bad.csv"
expect_fail 1 ctl_at submit --config "$op" "$work/bad.csv"
must_say "bad.csv:2: CITIZEN \"XZ\" is not an ISO 3166-1 alpha-2 code"
must_say "bad.csv:3: OBS_VALUE \"-1\" is not a non-negative integer"
must_say "nothing stored"
expect_fail 1 ctl_at validate --config "$op" "$work/bad.csv"
must_say "bad.csv:3: REF_AREA \"KZ\" is not this node's state (AZ)"

# Query back what was submitted, as the auditor: the 2020 total for Uzbek citizens by sex.
ctl_at query --config "$aud" --filter TIME_PERIOD=2020 --filter CITIZEN=UZ --format csv \
  >"$work/q.csv"
grep -qx "AZ,2020,UZ,_T,F,_T,8398,A,F,STK" "$work/q.csv" || fail "query did not return the cell"
want=$(awk -F, '$1=="AZ" && $2=="UZ" && $3=="2020" && $4=="F" {print $5}' \
  "$src/deploy/sample-data/undesa_ims2020.csv")
[ "$want" = 8398 ] || fail "sample data changed: $want"
ctl_at status --config "$aud" >"$work/status"
grep -qF "you are     AZ auditor" "$work/status" || fail "status: caller identity"
grep -qF "origin AZ   log size $returns," "$work/status" || fail "status: log size"
# Remote prove: the proof verifies with openssl alone.
ctl_at prove --config "$aud" --origin AZ --period 2020 --cell CITIZEN=UZ --cell SEX=F \
  --out "$work/proof" >/dev/null
bash "$work/proof/verify.sh" "$(key_id "$fed/federation/bundle.pub.pem")" >/dev/null ||
  fail "verify.sh of a remote proof"
# gRPC health for a member identity.
"$tool" call --target "$node_addr" --ca "$fed/ca/ca.pem" --name az.node.ots-mx \
  --cert "$fed/az/auditor.pem" --key "$fed/az/auditor.key" >"$work/out" ||
  fail "health check: $(cat "$work/out")"
grep -qF "SERVING OK" "$work/out" || fail "health: not serving"
# Server reflection, so that standard gRPC tools can list and call the services.
"$tool" call --target "$node_addr" --ca "$fed/ca/ca.pem" --name az.node.ots-mx \
  --cert "$fed/az/auditor.pem" --key "$fed/az/auditor.key" --method reflection >"$work/out" ||
  fail "reflection: $(cat "$work/out")"
grep -qF "ots.v1.Submission ots.v1.Query grpc.health.v1.Health OK" "$work/out" ||
  fail "reflection does not list the services: $(cat "$work/out")"

# --- Refusals ----------------------------------------------------------------------------------
refused() {  # refused WANT CERT KEY [METHOD]: a call with this certificate gets WANT
  local rc=0
  local args=(call --target "$node_addr" --ca "$fed/ca/ca.pem" --name az.node.ots-mx
    --method "${4:-health}")
  [ -z "$2" ] || args+=(--cert "$2" --key "$3")
  "$tool" "${args[@]}" >"$work/out" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] || fail "a call with certificate '$2' succeeded"
  grep -qF "$1" "$work/out" || fail "expected $1, got: $(cat "$work/out")"
}
# No client certificate: the TLS handshake fails, and the node logs who and why.
refused UNAVAILABLE "" ""
log_says "$log" "TLS handshake refused: no client certificate"
# openssl s_client without a certificate cannot complete a call either: the node aborts the
# connection when the handshake ends, before any HTTP/2 frame. The request bytes are a valid
# HTTP/2 preface; no response frame comes back.
printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' |
  timeout 10 openssl s_client -connect "$node_addr" -CAfile "$fed/ca/ca.pem" -alpn h2 \
    -servername az.node.ots-mx -ign_eof >"$work/sclient" 2>&1 || true
grep -qiE "certificate required|unexpected eof|alert" "$work/sclient" ||
  fail "openssl s_client without a certificate was not cut off: $(cat "$work/sclient")"
# TLS 1.2 is refused even with a valid certificate.
timeout 10 openssl s_client -connect "$node_addr" -tls1_2 -CAfile "$fed/ca/ca.pem" \
  -cert "$fed/az/auditor.pem" -key "$fed/az/auditor.key" </dev/null >"$work/tls12" 2>&1 || true
grep -qE "^New, \(NONE\)|alert handshake failure" "$work/tls12" ||
  fail "a TLS 1.2 handshake was accepted: $(grep -E '^New|Protocol' "$work/tls12")"
printf 'Q' | timeout 10 openssl s_client -connect "$node_addr" -CAfile "$fed/ca/ca.pem" \
  -cert "$fed/az/auditor.pem" -key "$fed/az/auditor.key" >"$work/tls13" 2>&1 || true
grep -qF "New, TLSv1.3" "$work/tls13" || fail "no TLS 1.3 handshake with a valid certificate"
# A certificate from another CA (of the same name: another federation's).
refused UNAVAILABLE "$work/other/az/operator.pem" "$work/other/az/operator.key"
log_says "$log" "TLS handshake refused: client certificate issued by a CA this federation does not trust"
# An expired certificate from the federation CA.
"$tool" issue --ca-cert "$fed/ca/ca.pem" --ca-key "$fed/ca/ca.key" --cn expired-operator \
  --expired --out "$work/expired"
refused UNAVAILABLE "$work/expired.pem" "$work/expired.key"
log_says "$log" "TLS handshake refused: client certificate expired on"
log_says "$log" "(subject CN=expired-operator; issuer CN=ots-mx federation CA,O=ots-mx)"
# A valid certificate of the federation CA that the bundle does not list: every RPC, gRPC's own
# health service included, gets PERMISSION_DENIED.
"$tool" issue --ca-cert "$fed/ca/ca.pem" --ca-key "$fed/ca/ca.key" --cn stranger \
  --out "$work/stranger"
refused PERMISSION_DENIED "$work/stranger.pem" "$work/stranger.key" health
refused PERMISSION_DENIED "$work/stranger.pem" "$work/stranger.key" status
refused PERMISSION_DENIED "$work/stranger.pem" "$work/stranger.key" reflection
log_says "$log" "WARN peer=unknown(CN=stranger"
# KZ's operator submitting to AZ's node (pointed at it on purpose), and AZ's auditor submitting.
sed -e 's|kz.node.ots-mx|az.node.ots-mx|' "$fed/kz/operator.textproto" >"$fed/kz/at-az.textproto"
expect_fail 3 ctl_at submit --config "$fed/kz/at-az.textproto" "$work/returns/AZ_2020.csv"
must_say "operator of KZ may not submit to the node of AZ"
log_says "$log" "WARN peer=KZ/operator(KZ operator) submit denied"
expect_fail 3 ctl_at submit --config "$aud" "$work/returns/AZ_2020.csv"
must_say "is not an operator"
# The client checks the node's name: KZ's client configuration does not accept AZ's node.
expect_fail 3 ctl_at status --config "$fed/kz/operator.textproto"
must_say "cannot connect"
must_say "is not for kz.node.ots-mx (it names DNS:az.node.ots-mx, IP:127.0.0.1)"
# Nothing of the refused submissions was stored.
ctl_at status --config "$aud" >"$work/status"
grep -qF "origin AZ   log size $returns," "$work/status" || fail "a refused submit changed the log"

# --- A 1,000,000-cell return submitted and queried back ----------------------------------------
"$tool" synth --origin AZ --period 2024 --cells 1000000 --out "$work/big.csv"
ctl_at submit --config "$op" "$work/big.csv" >"$work/big.out" 2>"$work/err" ||
  fail "1M-cell submit: $(cat "$work/err")"
grep -qF "submitted AZ 2024 revision 1: 1000000 cells" "$work/big.out" || fail "1M submit output"
ctl_at query --config "$aud" --filter TIME_PERIOD=2024 --format csv >"$work/big.q"
[ "$(($(wc -l <"$work/big.q") - 1))" -eq 1000000 ] || fail "1M cells not queried back"
sum_in=$(awk -F, 'NR > 1 {s += $7} END {printf "%d", s}' "$work/big.csv")
sum_out=$(awk -F, 'NR > 1 {s += $7} END {printf "%d", s}' "$work/big.q")
[ "$sum_in" = "$sum_out" ] || fail "1M cells: value sum $sum_out, submitted $sum_in"
cmp <(tail -n +2 "$work/big.csv" | sort) <(tail -n +2 "$work/big.q" | sort) ||
  fail "1M cells queried back differ from those submitted"

# --- SIGTERM: clean stop, store closed, audit passes -------------------------------------------
stop_node "$az_pid"
node_pid=
log_says "$log" "stopped; store closed"
"$ctl" audit --data-dir "$fed/az/data" --trust-bundle "$fed/federation/trust-bundle.json" \
  --bundle-pubkey "$fed/federation/bundle.pub.pem" >/dev/null ||
  fail "audit after stop"
echo "node_test: all checks passed"
