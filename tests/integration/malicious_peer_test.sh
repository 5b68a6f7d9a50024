#!/usr/bin/env bash
# A malicious peer: a real ots-node holding KG's valid node certificate, serving a data folder
# written by ots_forge. KZ must reject a forged header and a tampered cell (logging who sent
# them, storing nothing), and must keep proof of an equivocating checkpoint of AZ (a second log
# validly signed with AZ's key), freeze AZ, raise the alarm in `ots-ctl status` (AZ's own node,
# shown the fork too, then signs nothing more with that key) and have
# `ots-ctl audit` report it (on KZ, and on AZ, which the evidence reaches). Runs in network and
# PID namespaces of its own (the bundle's fixed ports).
#   malicious_peer_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup malicious-peer-test AZ,KZ,KG "$@"
fed_test_sync="backoff_initial_ms: 50 backoff_max_ms: 300 poll_interval_seconds: 1"
# The evil KG, node "evil": KG's node certificate serving its own folder, pulling nothing.
sed -e 's/^data_dir:.*/data_dir: "evil"/' "$fed/kg/node.textproto" >"$fed/kg/evil.textproto"
fed_base[evil]=$fed/kg/evil.textproto
fed_sync[evil]="disabled: true"
returns=("$work"/returns/AZ_*.csv)

# rejected MODE TEXT: the evil KG serves a copy of AZ's folder that ots_forge altered in MODE; KZ,
# started against it, logs TEXT (naming KG as the sender) and stores nothing of AZ.
rejected() {
  rm -rf "$fed/kg/evil"
  "$forge" --mode "$1" --from "$fed/az/data" --origin AZ --to "$fed/kg/evil" >/dev/null
  fed_start evil kz
  log_says "$work/kz.log" "$2"
  fed_status kz || fail "status of KZ"
  # (An "origin AZ   log size 0" line is what KZ saw announced: the evil node cosigns what it
  # serves, as any node cosigns the logs it holds.)
  grep -q "^origin AZ   log size [1-9]" "$work/status.kz" &&
    fail "KZ stored AZ served with a forged $1"
  fed_stop kz evil
}

# AZ publishes one return, then goes offline: KG (evil) is the only source of AZ for KZ.
fed_start az
"$ctl" submit --config "$fed/az/operator.textproto" "${returns[0]}" >/dev/null
fed_stop az

# --- 1. A forged header: rejected, logged with the sender, nothing stored ----------------------
rejected header "sync: AZ from KG rejected: AZ log index 0: header signature"

# --- 2. A tampered cell: the cells do not hash to the signed root ------------------------------
rejected cell "sync: AZ from KG rejected: AZ log index 0 (1990 revision 1): cells root"

# --- 3. Equivocation: AZ's key signed a second, inconsistent log --------------------------------
# KZ first gets the real AZ log (size 1) from AZ itself.
fed_start az kz
wait_for "KZ to hold the real AZ log" 30 fed_holds kz AZ 1
# The fork: another year's return first, then another (size 2 > 1: KZ must probe the fork).
rm -rf "$fed/kg/evil"
"$forge" --mode equivocate --origin AZ --log-key "$fed/az/log.key" --owner KG --federation ots-mx \
  --to "$fed/kg/evil" "${returns[1]}" "${returns[2]}" >/dev/null
fed_start evil
log_says "$work/kz.log" "ALARM split view, AZ frozen on this node"
expect_fail 1 "$ctl" status --config "$fed/kz/auditor.textproto"
grep -qF "ALARM split view: AZ signed two inconsistent checkpoints" "$work/out" ||
  fail "status does not show the alarm: $(cat "$work/out")"
grep -q "^origin AZ *log size 1," "$work/out" || fail "KZ lost the AZ log it had accepted"

# AZ's node, shown the fork of its own log, proves it too and signs nothing more with that key.
az_frozen() { fed_shows az AZ 1 && grep -q "^OWN LOG the own log is frozen" "$work/status.az"; }
wait_for "AZ's own node to hold the proof and refuse to sign" 30 az_frozen
expect_fail 4 "$ctl" submit --config "$fed/az/operator.textproto" "${returns[1]}"
must_say "refusing to sign: the own log is frozen: this node holds proof that its log key signed two histories"
fed_shows kz AZ 1 || fail "KZ accepted AZ after freezing it"

fed_stop evil kz az

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
