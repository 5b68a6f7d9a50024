#!/usr/bin/env bash
# docs/operations.md §5, run as written: a state makes its own CA, certificates and keys with
# plain openssl, the bundle keeper adds it to a new trust bundle version with ots-ctl bundle,
# and the state's node then starts, takes a submission from the state's operator and answers
# its auditor. Also: the node refuses the new bundle's predecessor once it has run with it.
#   own_ca_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
test_setup own-ca-test
export PATH="$bin:$PATH"

"$ctl" pki init --out "$work/fed" --states KZ --secretariat >/dev/null
cp "$work/fed/federation/trust-bundle.json" "$work/bundle-v1.json"
export STATE_DIR=$work/az FED_DIR=$work/fed NODE_IP=127.0.0.1 ENDPOINT=127.0.0.1:7401

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
grep -qF 'code: "AZ"' "$work/bundle.txt" || fail "AZ is not in the new bundle"

start_node "$STATE_DIR/node.textproto" az
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ
ots-ctl submit --config "$STATE_DIR/operator.textproto" --node "$node_addr" \
  "$work/returns/AZ_2020.csv" >"$work/out" || fail "submit with the state's own certificates"
grep -qF "submitted AZ 2020 revision 1" "$work/out" || fail "submit output"
ots-ctl query --config "$STATE_DIR/auditor.textproto" --node "$node_addr" \
  --filter CITIZEN=UZ --filter SEX=F --format csv >"$work/q"
grep -qF "AZ,2020,UZ,_T,F,_T,8398,A,F,STK" "$work/q" || fail "query with the state's auditor"
# The federation CA's KZ operator is trusted too (cas.pem holds both CAs), but may not submit.
sed -e "s|kz.node.ots-mx|az.node.ots-mx|" -e "s|../ca/ca.pem|$STATE_DIR/cas.pem|" \
  "$work/fed/kz/operator.textproto" >"$work/fed/kz/at-az.textproto"
expect_fail 3 ots-ctl submit --config "$work/fed/kz/at-az.textproto" --node "$node_addr" \
  "$work/returns/AZ_2020.csv"
must_say "operator of KZ may not submit to the node of AZ"
stop_node "$node_pid"
node_pid=

# A node that ran with bundle version 2 refuses version 1 (it lacks AZ anyway; make one with AZ
# signed as version 1 to test the version rule alone).
sed -i 's/^version: .*/version: 1/' "$work/fed/federation/bundle.textproto"
ots-ctl bundle sign --in "$work/fed/federation/bundle.textproto" \
  --key "$work/fed/federation/bundle.key" --out "$STATE_DIR/trust-bundle.json" >/dev/null
rc=0
"$node_bin" --config "$STATE_DIR/node.textproto" --listen 127.0.0.1:0 2>"$work/err" || rc=$?
[ "$rc" -eq 1 ] || fail "the node started on an older bundle version (exit $rc)"
must_say "version 1 is older than version 2 this node already ran with"
echo "own_ca_test: the commands of docs/operations.md §5 work as written"
