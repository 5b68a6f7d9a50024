#!/usr/bin/env bash
# `systemctl reload` (SIGHUP) takes a new trust bundle file (docs/operations.md, "Changing the
# trust bundle"), on real nodes of the Secretariat, AZ and KZ:
# - a newer signed bundle in the Secretariat's trust_bundle_file is applied on SIGHUP, and the
#   other nodes fetch it from it;
# - the same file again, or an older one, changes nothing and says so;
# - a file that does not verify is refused with the reason, and the node goes on with what it held.
# Runs in a network namespace of its own.
#   reload_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup reload-test AZ,KZ "$@"
bundle=$fed/federation/trust-bundle.json
version_of() { sed -n 's/^federation  .*, trust bundle version \([0-9]*\),.*/\1/p' "$work/status.$1"; }
holds_version() {
  fed_status "$1" || true
  [ "$(version_of "$1")" = "$2" ]
}

fed_start ots az kz
cp "$bundle" "$work/v1.json"
"$ctl" bundle show --bundle "$bundle" --key "$fed/federation/bundle.pub.pem" >"$work/v1.textproto"
sed 's/^version: 1$/version: 2/' "$work/v1.textproto" >"$work/v2.textproto"
grep -qx 'version: 2' "$work/v2.textproto" || fail "no version line to raise"
"$ctl" bundle sign --in "$work/v2.textproto" --key "$fed/federation/bundle.key" \
  --out "$work/v2.json" >"$work/out" 2>&1 || fail "bundle sign: $(cat "$work/out")"

echo "--- a newer bundle file, taken on SIGHUP"
cp "$work/v2.json" "$bundle"
kill -HUP "${fed_pid[ots]}"
log_says "$work/ots.log" "trust bundle ots-mx version 2 applied (was 1; from file $fed/ots/../federation/trust-bundle.json)"
for cc in ots az kz; do
  wait_for "$cc to hold bundle version 2" 30 holds_version "$cc" 2
done

echo "--- the same file again, then an older one: nothing to apply"
kill -HUP "${fed_pid[ots]}"
log_says "$work/ots.log" "reload: $fed/ots/../federation/trust-bundle.json holds trust bundle version 2; this node holds version 2: nothing to apply"
cp "$work/v1.json" "$bundle"
kill -HUP "${fed_pid[ots]}"
log_says "$work/ots.log" "reload: $fed/ots/../federation/trust-bundle.json holds trust bundle version 1; this node holds version 2: nothing to apply"

echo "--- a file that does not verify"
head -c 100 "$work/v2.json" >"$bundle"
kill -HUP "${fed_pid[ots]}"
log_says "$work/ots.log" "ERROR peer=- reload: trust bundle file not taken:"
holds_version ots 2 || fail "the Secretariat no longer holds version 2"
fed_stop ots az kz
echo "PASS"
