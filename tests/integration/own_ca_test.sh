#!/usr/bin/env bash
# docs/operations.md §5, run as written against a running federation (the Secretariat, AZ, KZ):
# a new state, UZ, makes its own CA, certificates and keys with plain openssl; the bundle keeper
# adds it to a new trust bundle version, carrying UZ's CA, and pushes it to KZ's node alone. No
# running node changes a file or restarts: every one takes the bundle from a peer, trusts UZ's
# CA, and replicates with UZ's node once it starts. UZ's operator submits, its auditor queries;
# KZ's operator is refused at UZ's node. Also: UZ's node refuses the bundle's predecessor once it
# has run with it.
# Runs in a network namespace of its own.
#   own_ca_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup own-ca-test AZ,KZ "$@"
export PATH="$bin:$PATH"
fed_start ots az kz
fed_submit az "$work/returns/AZ_2020.csv"

export STATE_DIR=$work/uz FED_DIR=$fed NODE_IP=127.0.0.1 ENDPOINT=127.0.0.1:7410
export PUSH_CONFIG=$fed/kz/operator.textproto

# The shell blocks of §5, marked "```sh own-ca", in order.
awk '/^```sh own-ca$/ {on = 1; n++; print "# block " n; next} /^```$/ {on = 0} on' \
  "$src/docs/operations.md" >"$work/own-ca.sh"
[ "$(grep -c '^# block' "$work/own-ca.sh")" -eq 4 ] || fail "docs/operations.md: own-ca blocks"
(bash -euo pipefail "$work/own-ca.sh") >"$work/doc.out" 2>&1 || {
  cat "$work/doc.out" >&2
  fail "the commands of docs/operations.md §5 failed"
}
for k in ca node operator auditor log witness; do
  [ "$(stat -c %a "$STATE_DIR/$k.key")" = 600 ] || fail "$k.key is not mode 0600"
done
ots-ctl bundle show --bundle "$STATE_DIR/trust-bundle.json" --key "$STATE_DIR/bundle.pub.pem" \
  >"$work/bundle.txt"
grep -qx "version: 2" "$work/bundle.txt" || fail "the new bundle is not version 2"
grep -qF 'code: "UZ"' "$work/bundle.txt" || fail "UZ is not in the new bundle"
grep -qF 'tls_ca_certificates: "-----BEGIN CERTIFICATE-----' "$work/bundle.txt" ||
  fail "UZ's CA is not in the new bundle"

# Every running node took version 2 from a peer of KZ's, without a restart.
has_v2() { fed_status "$1" && grep -q "trust bundle version 2," "$work/status.$1"; }
for cc in ots az kz; do
  wait_for "$cc to hold trust bundle version 2" 30 has_v2 "$cc"
done

# UZ's node starts; the others replicate with it, trusting its CA through the bundle alone.
fed_base[uz]=$STATE_DIR/node.textproto
fed_start uz
bash "$src/deploy/make-sample-returns.sh" "$work/uz-returns" UZ
ots-ctl submit --config "$STATE_DIR/operator.textproto" "$work/uz-returns/UZ_2020.csv" \
  >"$work/out" || fail "submit with the state's own certificates"
grep -qF "submitted UZ 2020 revision 1" "$work/out" || fail "submit output: $(cat "$work/out")"
wait_for "the Secretariat to hold UZ's return" 60 fed_holds ots UZ 1
uz_holds() { fed_status uz "$STATE_DIR/auditor.textproto" && fed_shown uz "$1" "$2"; }
wait_for "UZ to hold AZ's return" 60 uz_holds AZ 1
ots-ctl query --config "$STATE_DIR/auditor.textproto" --filter REF_AREA=AZ --filter CITIZEN=UZ \
  --filter SEX=F --format csv >"$work/q"
grep -qF "AZ,2020,UZ,_T,F,_T,8398,A,F,STK" "$work/q" || fail "query with the state's auditor"
# The federation CA's KZ operator reaches UZ's node (its client trusts both CAs), but may not
# submit there.
cat "$fed/ca/ca.pem" "$STATE_DIR/ca.pem" >"$work/cas.pem"
sed -e "s|kz.node.ots-mx|uz.node.ots-mx|" -e "s|../ca/ca.pem|$work/cas.pem|" \
  "$fed/kz/operator.textproto" >"$fed/kz/at-uz.textproto"
expect_fail 3 ots-ctl submit --config "$fed/kz/at-uz.textproto" --node "$ENDPOINT" \
  "$work/uz-returns/UZ_2020.csv"
must_say "operator of KZ may not submit to the node of UZ"
fed_stop uz

# A node that ran with bundle version 2 refuses version 1 (it lacks UZ anyway; make one with UZ
# signed as version 1 to test the version rule alone).
sed -i 's/^version: .*/version: 1/' "$fed/federation/bundle.textproto"
ots-ctl bundle sign --in "$fed/federation/bundle.textproto" \
  --key "$fed/federation/bundle.key" --out "$STATE_DIR/trust-bundle.json" >/dev/null
rc=0
"$node_bin" --config "$STATE_DIR/node.textproto" --listen 127.0.0.1:0 2>"$work/err" || rc=$?
[ "$rc" -eq 1 ] || fail "the node started on an older bundle version (exit $rc)"
must_say "version 1 is older than version 2 this node already ran with"
echo "own_ca_test: the commands of docs/operations.md §5 work as written"
