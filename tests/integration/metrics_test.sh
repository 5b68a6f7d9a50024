#!/usr/bin/env bash
# What an operator monitors (docs/operations.md, "Monitoring"), on real nodes of the Secretariat,
# AZ and KZ with admin listeners from `pki init --admin-base-port`:
# - every node's /metrics passes `promtool check metrics`, and its figures follow what happens:
#   log sizes, submissions and rejections by reason, RPCs by method and code with latencies,
#   cosignatures made and merged, peers up, replication lag, bundle version, certificate and key
#   ends, readiness;
# - /healthz and /readyz answer as load balancers expect; anything else is 404 or 405;
# - off loopback the admin listener speaks only HTTPS, and only to the federation's clients;
# - `ots-ctl status --format json` is one JSON object with every field of the status;
# - `--log-format json` writes one JSON object a line, with journald priorities when stderr is
#   the journal's stream.
# Runs in a network namespace of its own.
#   metrics_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_pki_args=(--admin-base-port 9400)
fed_setup metrics-test AZ,KZ "$@"
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus)"

# metric FILE NAME [LABEL=VALUE...]: the value of the one sample of NAME in the scrape FILE with
# these labels (and maybe others); fails if there is none.
metric() {
  local file=$1 name=$2
  shift 2
  python3 - "$file" "$name" "$@" <<'PY'
import re, sys
path, name, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
for line in open(path):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line.strip())
    if not m or m.group(1) != name:
        continue
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    if all(labels.get(k) == v for k, v in want.items()):
        print(m.group(4))
        sys.exit(0)
sys.exit(1)
PY
}
# scrape CC: CC's /metrics into $work/CC.metrics, checked by promtool.
scrape() {
  local port
  port=$(sed -n 's/^  listen_address: "127\.0\.0\.1:\([0-9]*\)"$/\1/p' "$fed/$1/node.textproto")
  [ -n "$port" ] || fail "no admin listen_address in $fed/$1/node.textproto"
  curl -sf "http://127.0.0.1:$port/metrics" >"$work/$1.metrics" ||
    fail "GET /metrics of $1 failed"
  promtool check metrics <"$work/$1.metrics" >"$work/promtool.out" 2>&1 || {
    cat "$work/promtool.out" >&2
    fail "promtool check metrics rejects the metrics of $1"
  }
}
# expect_metric CC NAME LABELS... OP VALUE: after a fresh scrape of CC, NAME{LABELS} OP VALUE
# holds (OP one of == >= <=, compared as numbers).
expect_metric() {
  local cc=$1 name=$2 op=${*: -2:1} want=${*: -1} labels=("${@:3:$#-4}") got
  scrape "$cc"
  got=$(metric "$work/$cc.metrics" "$name" ${labels[@]+"${labels[@]}"}) || return 1
  python3 -c "import sys; sys.exit(0 if float('$got') $op float('$want') else 1)"
}

# KZ logs JSON, to a file the node takes for the journal's stream.
touch "$work/kz.log"
fed_flags[kz]="--log-format json"
fed_prefix=(env "JOURNAL_STREAM=$(stat -c '%d:%i' "$work/kz.log")")
fed_launch kz
fed_prefix=()
fed_start ots az
fed_ready kz
log_says "$work/az.log" "admin listener on 127.0.0.1:9401 (HTTP, loopback): /metrics /healthz /readyz"

echo "--- /metrics follows a submission, its replication and its cosignatures"
fed_submit az "$work/returns/AZ_2020.csv"
wait_for "KZ to hold AZ's return cosigned by OTS" 60 fed_cosigned kz AZ 1 OTS KZ
for cc in ots az kz; do scrape "$cc"; done
expect_metric az ots_log_size origin=AZ == 1 || fail "AZ's log size is not 1 on AZ"
expect_metric az ots_submits_total outcome=stored == 1 || fail "AZ counts no stored submission"
expect_metric az ots_rpc_requests_total method=Submission/Submit code=OK == 1 ||
  fail "AZ counts no Submit call"
expect_metric az ots_rpc_duration_seconds_count method=Submission/Submit == 1 ||
  fail "AZ timed no Submit call"
expect_metric az ots_node_info member=AZ role=member federation=ots-mx == 1 ||
  fail "no ots_node_info of AZ"
expect_metric az ots_ready == 1 || fail "AZ is not ready"
expect_metric az ots_bundle_version == 1 || fail "AZ's bundle version is not 1"
wait_for "KZ to see AZ up and nothing to catch up" 30 \
  expect_metric kz ots_replication_lag_entries peer=AZ origin=AZ == 0
expect_metric kz ots_peer_up peer=AZ == 1 || fail "KZ does not see AZ up"
expect_metric kz ots_peer_state peer=AZ state=watching == 1 || fail "KZ does not watch AZ"
expect_metric kz ots_log_size origin=AZ == 1 || fail "AZ's log size is not 1 on KZ"
expect_metric kz ots_cosignatures_made_total '>=' 1 || fail "KZ counts no cosignature made"
expect_metric kz ots_cosignatures_merged_total '>=' 1 || fail "KZ counts no cosignature merged"
expect_metric kz ots_origin_frozen origin=AZ == 0 || fail "AZ shows frozen on KZ"
expect_metric kz ots_checkpoint_age_seconds origin=AZ '<=' 600 ||
  fail "AZ's checkpoint age on KZ is not that of a fresh cosignature"
now=$(date +%s)
expect_metric kz ots_origin_latest_return_timestamp_seconds origin=AZ '>=' $((now - 3600)) ||
  fail "the time of AZ's latest return on KZ is not within the last hour"
expect_metric az ots_certificate_expiry_timestamp_seconds kind=tls '>=' $((now + 364 * 86400)) ||
  fail "AZ's TLS certificate does not end a year from now"
expect_metric az ots_key_expiry_timestamp_seconds use=log '>=' $((now + 364 * 86400)) ||
  fail "AZ's log key does not end a year from now"
expect_metric ots ots_store_size_bytes '>=' 0 || fail "no store size on OTS"

echo "--- a rejected return is counted by its reason"
printf 'not,a,return\n' >"$work/bad.csv"
expect_fail 1 "$ctl" submit --config "$fed/az/operator.textproto" "$work/bad.csv"
expect_metric az ots_submit_rejections_total reason=invalid == 1 ||
  fail "AZ does not count the invalid return"
expect_metric az ots_submits_total outcome=rejected == 1 || fail "AZ counts no rejected submission"
expect_metric az ots_submit_rejections_total reason=denied == 0 ||
  fail "reasons that did not happen are not at 0"
expect_metric az ots_rpc_requests_total method=Submission/Submit code=INVALID_ARGUMENT == 1 ||
  fail "AZ does not count the Submit call that failed by its code"

echo "--- health for load balancers"
http_code() { curl -s -o "$work/body" -w '%{http_code}' "$@" || true; }
[ "$(http_code http://127.0.0.1:9401/healthz)" = 200 ] || fail "/healthz is not 200"
[ "$(http_code http://127.0.0.1:9401/readyz)" = 200 ] || fail "/readyz is not 200"
grep -qx ready "$work/body" || fail "/readyz does not say ready"
[ "$(http_code http://127.0.0.1:9401/nothing)" = 404 ] || fail "an unknown path is not 404"
[ "$(http_code -X POST http://127.0.0.1:9401/metrics)" = 405 ] || fail "a POST is not 405"
[ "$(http_code -I http://127.0.0.1:9401/readyz)" = 200 ] || fail "HEAD /readyz is not 200"
# A request that never ends its headers is cut off, and nothing else waits on it.
head -c 20000 /dev/zero | tr '\0' a >"$work/huge"
[ "$(http_code -H "X-Big: $(cat "$work/huge")" http://127.0.0.1:9401/metrics)" = 431 ] ||
  fail "a 20 kB header is not refused with 431"

echo "--- off loopback: HTTPS with a federation client certificate only"
fed_stop kz
sed 's/^  listen_address: "127\.0\.0\.1:9402"$/  listen_address: "0.0.0.0:9402"/' \
  "$fed/kz/node.textproto" >"$fed/kz/node.public.textproto"
grep -q '"0.0.0.0:9402"' "$fed/kz/node.public.textproto" || fail "no admin address to replace"
fed_base[kz]=$fed/kz/node.public.textproto
fed_flags[kz]=
fed_start kz
log_says "$work/kz.log" "admin listener on 0.0.0.0:9402 (HTTPS, federation client certificates only)"
https=(curl -s --resolve kz.node.ots-mx:9402:127.0.0.1 --cacert "$fed/ca/ca.pem")
"${https[@]}" -f --cert "$fed/kz/auditor.pem" --key "$fed/kz/auditor.key" \
  -o "$work/kz.metrics" https://kz.node.ots-mx:9402/metrics || fail "KZ's auditor cannot scrape KZ"
grep -q '^ots_log_size{origin="AZ"} 1$' "$work/kz.metrics" || fail "the HTTPS scrape lacks AZ's size"
# Another member's identity is refused: the metrics show every origin the node holds.
[ "$(http_code "${https[@]:1}" --cert "$fed/az/auditor.pem" --key "$fed/az/auditor.key" \
  https://kz.node.ots-mx:9402/metrics)" = 403 ] || fail "AZ's auditor may read KZ's metrics"
log_says "$work/kz.log" "admin listener: refused: AZ/auditor"
rc=0
"${https[@]}" https://kz.node.ots-mx:9402/metrics >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "KZ's admin listener answers a client without a certificate"
openssl req -x509 -newkey ed25519 -nodes -subj /CN=stranger -days 2 -keyout "$work/stranger.key" \
  -out "$work/stranger.pem" 2>/dev/null
rc=0
"${https[@]}" --cert "$work/stranger.pem" --key "$work/stranger.key" \
  https://kz.node.ots-mx:9402/metrics >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "KZ's admin listener answers a certificate of another CA"
rc=0
curl -sf http://127.0.0.1:9402/metrics >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "KZ's admin listener off loopback answers plain HTTP"

echo "--- ots-ctl status --format json"
"$ctl" status --config "$fed/kz/auditor.textproto" --format json >"$work/status.json" ||
  fail "status --format json failed"
python3 - "$work/status.json" <<'PY' || fail "status --format json is not what docs/operations.md says"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["member"] == "KZ" and d["role"] == "member", d
assert d["caller_kind"] == "auditor", d
for key in ("federation", "bundle_version", "origins", "peers", "alarms", "clock_alarm",
            "store_degraded", "expiries", "expiry_warnings", "own_log_recovery", "version"):
    assert key in d, key
az = [o for o in d["origins"] if o["origin"] == "AZ"]
assert az and az[0]["log_size"] == "1", d["origins"]
peers = {p["member"]: p for p in d["peers"]}
assert set(peers) == {"AZ", "OTS"}, peers
assert all("lags" in p and "stale" in p for p in peers.values()), peers
PY
expect_fail 2 "$ctl" status --config "$fed/kz/auditor.textproto" --format yaml
must_say "--format"

echo "--- JSON logs with journald priorities"
python3 - "$work/kz.log" <<'PY' || fail "KZ's first run did not log JSON lines with priorities"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("<")]
assert lines, "no line with a priority prefix"
seen_serving = False
for l in lines:
    assert l[:3] in ("<3>", "<4>", "<6>"), l
    e = json.loads(l[3:])
    assert set(e) == {"time", "level", "event", "peer", "identity", "fields"}, e
    assert {"<3>": "ERROR", "<4>": "WARN", "<6>": "INFO"}[l[:3]] == e["level"], l
    seen_serving |= e["fields"]["message"].startswith("serving KZ (member) on 127.0.0.1:7402")
assert seen_serving, "no 'serving' event"
PY
expect_fail 2 "$node_bin" --config "$fed/kz/node.textproto" --log-format xml
must_say "unknown log format"

fed_stop ots az kz
echo "PASS"
