#!/usr/bin/env bash
# Backups and restores (docs/operations.md, "Backups and restores"), with real nodes of the
# Secretariat, AZ and KZ:
# - AZ's operator backs up AZ's running node (ots-ctl backup); nobody else may;
# - AZ goes on submitting, then its folder is replaced by the backup (ots-ctl restore), which no
#   offline import may sign in;
# - restarted while every peer is down, AZ signs nothing and says why in status; once KZ is back,
#   AZ takes back the entries it signed after the backup, and its next return follows them;
# - AZ's disk is lost: started on an empty folder, it refills its own log from its peers first;
# - no split view anywhere, every return acknowledged is still there, every audit passes.
# Runs in a network namespace of its own.
#   restore_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup restore-test AZ,KZ "$@"
fed_start ots az kz
returns=$work/returns
bundle=(--trust-bundle "$fed/federation/trust-bundle.json"
  --bundle-pubkey "$fed/federation/bundle.pub.pem"
  --bundle-key-id "$(key_id "$fed/federation/bundle.pub.pem")")
# az_signs SIZE ROOT: AZ holds its own log at SIZE (and ROOT), raises no alarm and may sign.
az_signs() { fed_holds az AZ "$1" "${2:-}" && ! grep -q "^OWN LOG" "$work/status.az"; }
# last_entry: the log index of AZ's latest accepted submission.
last_entry() { sed -n 's/.*; log entry \([0-9]*\),.*/\1/p' "$work/submitted.az" | tail -1; }

# --- A backup of the running node ----------------------------------------------------------------
fed_submit az "$returns/AZ_2010.csv"
# says TEXT: the last command's standard output says TEXT.
says() { grep -qF -- "$1" "$work/out" || fail "the output does not say: $1: $(cat "$work/out")"; }
"$ctl" backup --config "$fed/az/operator.textproto" --out "$work/backup-az" >"$work/out" 2>&1 ||
  fail "backup of AZ: $(cat "$work/out")"
says "into $work/backup-az"
says "log AZ: 1 entry"
[ "$(stat -c %a "$work/backup-az")" = 700 ] || fail "the backup folder is readable by others"
expect_fail 3 "$ctl" backup --config "$fed/az/auditor.textproto" --out "$work/backup-2"
must_say "may not back up the data folder: only the operator of AZ may"
expect_fail 2 "$ctl" backup --config "$fed/az/operator.textproto" --out relative/dir
must_say "must be an absolute path"
expect_fail 1 "$ctl" backup --config "$fed/az/operator.textproto" --out "$work/backup-az"
must_say "already exists"
[ ! -e "$work/backup-2" ] || fail "a refused backup left a folder behind"

# AZ goes on: two more returns, held by the Secretariat and KZ.
fed_submit az "$returns/AZ_2015.csv" "$returns/AZ_2020.csv"
wait_for "the Secretariat to hold AZ's 3 entries" 60 fed_holds ots AZ 3
wait_for "KZ to hold AZ's 3 entries" 60 fed_holds kz AZ 3
root3=$(fed_root ots AZ)

# --- The restore ---------------------------------------------------------------------------------
fed_stop ots az kz
mv "$fed/az/data" "$work/az-data-before"
"$ctl" restore --config "$fed/az/node.textproto" --from "$work/backup-az" >"$work/out" 2>&1 ||
  fail "restore of AZ: $(cat "$work/out")"
says "log AZ: 1 entry"
expect_fail 1 "$ctl" restore --config "$fed/az/node.textproto" --from "$work/backup-az"
must_say "is not empty: move it aside first"
expect_fail 1 "$ctl" import --config "$fed/az/node.textproto" "$returns/AZ_2000.csv"
must_say "was restored"
must_say "start its node, which takes the rest back from its peers"

# Alone, the restored node signs nothing: no peer has answered.
fed_start az
"$ctl" status --config "$fed/az/auditor.textproto" >"$work/status.az" 2>&1 ||
  fail "status of the restored AZ: $(cat "$work/status.az")"
grep -q "^OWN LOG waiting for a peer to show its copy of the own log before signing (the data folder was restored, and holds 1 entry" \
  "$work/status.az" || fail "status does not say AZ waits for its peers: $(cat "$work/status.az")"

# KZ comes back: AZ takes back entries 1 and 2, then signs its next return as entry 3.
fed_start kz
wait_for "AZ to hold its own 3 entries again and sign" 60 az_signs 3 "$root3"
log_says "$work/az.log" "own log: KZ shows a checkpoint of size 3 signed with this node's log key"
fed_submit az "$returns/AZ_2000.csv"
[ "$(last_entry)" = 3 ] || fail "AZ's return after the restore is not entry 3: $(tail -1 "$work/submitted.az")"
fed_start ots
wait_for "the Secretariat to hold AZ's 4 entries, without alarm" 60 fed_holds ots AZ 4
wait_for "KZ to hold AZ's 4 entries, without alarm" 60 fed_holds kz AZ 4

# --- A lost disk ---------------------------------------------------------------------------------
fed_stop az
rm -rf "$fed/az/data"
fed_start az
wait_for "AZ to take its own 4 entries back from its peers and sign" 60 az_signs 4
fed_submit az "$returns/AZ_2005.csv"
[ "$(last_entry)" = 4 ] || fail "AZ's return after the lost disk is not entry 4: $(tail -1 "$work/submitted.az")"
wait_for "the Secretariat to hold AZ's 5 entries, without alarm" 60 fed_holds ots AZ 5
wait_for "KZ to hold AZ's 5 entries, without alarm" 60 fed_holds kz AZ 5
fed_holds az AZ 5 || fail "AZ does not hold its own 5 entries: $(cat "$work/status.az")"

# Nothing acknowledged is lost, and every folder passes its audit.
fed_stop ots az kz
for n in ots az kz; do
  "$ctl" audit --data-dir "$fed/$n/data" "${bundle[@]}" >"$work/out" 2>&1 ||
    fail "audit of $n after the restores: $(cat "$work/out")"
  grep -q "^AZ: 5 signed returns" "$work/out" || fail "$n's audit: $(cat "$work/out")"
done
echo "restore_test: backup, restore and a lost disk recovered from the peers; no split view"
