#!/usr/bin/env bash
# A withholding relay is reported at the Secretariat. The Secretariat reaches neither AZ's node
# nor KZ's; its only path to AZ's log is KG's node, played by ots_withholder: KG's real node
# certificate, relaying KZ's answers (AZ's latest checkpoint, cosigned by KZ) but withholding the
# end of every pull of AZ. The Secretariat accepts nothing broken, and says what it lacks: its
# status and its consolidated table report AZ behind, with the size cosigned and by whom, and its
# log names the relay. Runs in namespaces of its own (the bundle's fixed ports).
#   withholding_relay_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup withholding-relay-test AZ,KZ,KG "$@"
withholder=$(dirname "$bin")/tests/ots_withholder

# AZ reports two years; KZ takes them from AZ and cosigns.
fed_start az kz
fed_submit az "$work/returns/AZ_2015.csv" "$work/returns/AZ_2020.csv"
wait_for "KZ to hold AZ's checkpoint 2 with its cosignature" 60 fed_cosigned kz AZ 2 KZ

# KG's node is the withholding relay, in front of KZ's node.
"$withholder" --config "$fed/kg/node.textproto" --upstream 127.0.0.1:7402 \
  --upstream-name kz.node.ots-mx --withhold AZ --ready-file "$work/relay.ready" \
  2>"$work/relay.log" &
fed_pid[relay]=$!
wait_for "the relay to serve" 30 test -s "$work/relay.ready"
relay=$(cat "$work/relay.ready")
fed_launch ots "peer_endpoints { key: \"AZ\" value: \"127.0.0.1:1\" }
  peer_endpoints { key: \"KZ\" value: \"127.0.0.1:1\" } peer_endpoints { key: \"KG\" value: \"$relay\" }"
fed_ready ots

behind_at_ots() {
  fed_status ots && grep -q "^BEHIND AZ: data at size 0, size 2 cosigned by KZ since .* (seen from KG)" \
    "$work/status.ots"
}
wait_for "the Secretariat to report AZ behind" 60 behind_at_ots
grep -q "withheld the last part of a pull of AZ" "$work/relay.log" || fail "the relay withheld nothing"
log_says "$work/ots.log" "sync: AZ from KG rejected"
grep -q "^origin AZ   log size 0" "$work/status.ots" || fail "the Secretariat accepted a withheld pull"
"$ctl" query --consolidated --config "$fed/ots/auditor.textproto" --period 2020 --format csv \
  >"$work/table" 2>"$work/notes" || fail "consolidated table: $(cat "$work/notes")"
grep -q "BEHIND AZ: data at size 0, size 2 cosigned by KZ .*: this table has none of it" \
  "$work/notes" || fail "the consolidated table does not say it lacks AZ: $(cat "$work/notes")"
echo "withholding_relay_test: the Secretariat reports AZ behind (size 2 cosigned by KZ, via KG)"
