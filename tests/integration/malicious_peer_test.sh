#!/usr/bin/env bash
# A malicious peer: a real ots-node holding KG's valid node certificate, serving a data folder
# written by ots_forge. KZ must reject a forged header and a tampered cell (logging who sent
# them, storing nothing), and must keep proof of an equivocating checkpoint of AZ (a second log
# validly signed with AZ's key), freeze AZ, raise the alarm in `ots-ctl status` and have
# `ots-ctl audit` report it (on KZ, and on AZ, which the evidence reaches). Runs in its own network namespace: the bundle's fixed ports.
#   malicious_peer_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
if [ -z "${OTS_IN_NETNS:-}" ]; then
  exec env OTS_IN_NETNS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up
ctl=$1
src=$2
bin=$(dirname "$ctl")
node_bin=$bin/ots-node
forge=$(dirname "$bin")/tests/ots_forge
work=$(mktemp -d /tmp/ots-malicious-test.XXXXXX)
declare -A pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"

fed=$work/fed
"$ctl" pki init --out "$fed" --states AZ,KZ,KG --secretariat >/dev/null
for m in az kz kg; do
  echo 'sync { backoff_initial_ms: 50 backoff_max_ms: 300 poll_interval_seconds: 1 }' \
    >>"$fed/$m/node.textproto"
done
# The evil KG serves its folder and pulls nothing.
sed -e 's/^data_dir:.*/data_dir: "evil"/' -e '/^sync /d' "$fed/kg/node.textproto" \
  >"$fed/kg/evil.textproto"
echo 'sync { disabled: true }' >>"$fed/kg/evil.textproto"

# start NAME CONFIG: a node on its bundle endpoint, logging to $work/NAME.log.
start() {
  rm -f "$work/$1.ready"
  "$node_bin" --config "$2" --ready-file "$work/$1.ready" 2>>"$work/$1.log" &
  pids[$1]=$!
  wait_for "$1 ready" 30 test -s "$work/$1.ready"
}
stop() {
  stop_node "${pids[$1]}"
  unset "pids[$1]"
}
status_of() { "$ctl" status --config "$fed/$1/auditor.textproto" >"$work/status.$1" 2>&1; }
# holds NODE ORIGIN SIZE: NODE's status shows ORIGIN at log size SIZE.
holds() {
  status_of "$1" || true
  grep -q "^origin $2 *log size $3," "$work/status.$1"
}

bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ >/dev/null
returns=("$work"/returns/AZ_*.csv)

# AZ publishes one return, then goes offline: KG (evil) is the only source of AZ for KZ.
start az "$fed/az/node.textproto"
"$ctl" submit --config "$fed/az/operator.textproto" "${returns[0]}" >/dev/null
stop az

# --- 1. A forged header: rejected, logged with the sender, nothing stored ----------------------
"$forge" --mode header --from "$fed/az/data" --origin AZ --to "$fed/kg/evil" >/dev/null
start kg "$fed/kg/evil.textproto"
start kz "$fed/kz/node.textproto"
log_says "$work/kz.log" "sync: AZ from KG rejected: AZ log index 0: header signature"
status_of kz
grep -q "^origin AZ" "$work/status.kz" && fail "KZ stored AZ from a forged header"
stop kz
stop kg

# --- 2. A tampered cell: the cells do not hash to the signed root ------------------------------
rm -rf "$fed/kg/evil"
"$forge" --mode cell --from "$fed/az/data" --origin AZ --to "$fed/kg/evil" >/dev/null
start kg "$fed/kg/evil.textproto"
start kz "$fed/kz/node.textproto"
log_says "$work/kz.log" "sync: AZ from KG rejected: AZ log index 0 (1990 revision 1): cells root"
status_of kz
grep -q "^origin AZ" "$work/status.kz" && fail "KZ stored AZ with a tampered cell"
stop kg

# --- 3. Equivocation: AZ's key signed a second, inconsistent log --------------------------------
# KZ first gets the real AZ log (size 1) from AZ itself.
start az "$fed/az/node.textproto"
wait_for "KZ to hold the real AZ log" 30 holds kz AZ 1
status_of kz || fail "KZ raises an alarm before any split view"
# The fork: another year's return first, then another (size 2 > 1: KZ must probe the fork).
rm -rf "$fed/kg/evil"
"$forge" --mode equivocate --origin AZ --log-key "$fed/az/log.key" --owner KG --federation ots-mx \
  --to "$fed/kg/evil" "${returns[1]}" "${returns[2]}" >/dev/null
start kg "$fed/kg/evil.textproto"
log_says "$work/kz.log" "ALARM split view, AZ frozen on this node"
expect_fail 1 "$ctl" status --config "$fed/kz/auditor.textproto"
grep -qF "ALARM split view: AZ signed two inconsistent checkpoints" "$work/out" ||
  fail "status does not show the alarm: $(cat "$work/out")"
grep -q "^origin AZ *log size 1," "$work/out" || fail "KZ lost the AZ log it had accepted"

# Frozen: AZ's next real return is not accepted by KZ.
"$ctl" submit --config "$fed/az/operator.textproto" "${returns[1]}" >/dev/null
log_says "$work/kz.log" "AZ is frozen after a split view; not accepting its checkpoint of size 2"
holds kz AZ 1 || fail "KZ accepted AZ after freezing it"

stop kg
stop kz
stop az

# --- The offline audit reports the proven split view; the honest origin's folder passes --------
audit_args=(--trust-bundle "$fed/federation/trust-bundle.json"
  --bundle-pubkey "$fed/federation/bundle.pub.pem")
expect_fail 1 "$ctl" audit --data-dir "$fed/kz/data" "${audit_args[@]}"
grep -qF "SPLIT VIEW (proof verified): AZ signed two inconsistent checkpoints" "$work/out" ||
  fail "audit does not report the split view: $(cat "$work/out")"
must_say "AUDIT FAILED: split view"
# The evidence travelled to AZ itself (KZ serves it to every node that may see AZ): AZ's
# operators learn that their log key signed a log they never published.
expect_fail 1 "$ctl" audit --data-dir "$fed/az/data" "${audit_args[@]}"
grep -qF "SPLIT VIEW (proof verified): AZ signed two inconsistent checkpoints" "$work/out" ||
  fail "AZ's folder lacks the evidence: $(cat "$work/out")"
echo "PASS malicious_peer_test"
