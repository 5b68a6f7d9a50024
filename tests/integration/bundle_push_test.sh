#!/usr/bin/env bash
# A trust bundle that travels (docs/operations.md, "Changing the trust bundle"), with real nodes
# of the Secretariat, AZ, KZ and later UZ, none of them restarted to take a new bundle:
# - version 2, pushed to AZ's node alone, adds UZ and removes KZ's operator identity; every node
#   fetches it from a peer, KZ's operator is refused at once, UZ's node joins and replicates;
# - a bundle is never downgraded, the same one again changes nothing, only the node's operator
#   may push;
# - version 3, pushed to UZ's node, revokes KZ: every other node drops it as a peer and refuses
#   it, KZ receives nothing more, and what KZ signed before still passes every audit;
# - a restarted node goes on with the newest version it held, not its configuration file's.
# Runs in a network namespace of its own.
#   bundle_push_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup bundle-push-test AZ,KZ,UZ "$@"
returns=$work/returns
fedkey=$fed/federation/bundle.pub.pem

# drop_block OPEN NEEDLE: protobuf text on stdin without the blocks that open with the line OPEN
# and hold a line containing NEEDLE.
drop_block() {
  awk -v open="$1" -v needle="$2" '
    BEGIN { ind = substr(open, 1, match(open, /[^ ]/) - 1) }
    !inb && $0 == open { inb = 1; buf = $0; hit = 0; next }
    inb { buf = buf "\n" $0; if (index($0, needle)) hit = 1
          if ($0 == ind "}") { inb = 0; if (!hit) print buf }
          next }
    { print }'
}
# show FILE: the signed bundle FILE as protobuf text. sign TEXT OUT: TEXT signed into OUT.
show() { "$ctl" bundle show --bundle "$1" --key "$fedkey"; }
sign() {
  "$ctl" bundle sign --in "$1" --key "$fed/federation/bundle.key" --out "$2" >"$work/out" 2>&1 ||
    fail "bundle sign $1: $(cat "$work/out")"
}
# version_of CC: the trust bundle version in CC's last status.
version_of() { sed -n 's/^federation  .*, trust bundle version \([0-9]*\),.*/\1/p' "$work/status.$1"; }
holds_version() {
  fed_status "$1" || true
  [ "$(version_of "$1")" = "$2" ]
}
says() { grep -qF -- "$1" "$work/out" || fail "the output does not say: $1: $(cat "$work/out")"; }

# The federation starts without UZ: version 1 is pki init's bundle less UZ.
show "$fed/federation/trust-bundle.json" >"$work/full.textproto"
drop_block "members {" 'code: "UZ"' <"$work/full.textproto" | grep -vF 'share_with: "UZ"' \
  >"$work/v1.textproto"
sign "$work/v1.textproto" "$work/v1.json"
cp "$work/v1.json" "$fed/federation/trust-bundle.json"
fed_start ots az kz
fed_submit az "$returns/AZ_2010.csv"
fed_submit kz "$returns/KZ_2010.csv"
wait_for "the Secretariat to hold AZ and KZ" 60 \
  eval 'fed_holds ots AZ 1 && fed_shown ots KZ 1'

# --- Version 2: UZ joins, KZ's operator identity goes ---------------------------------------------
sed 's/^version: 1$/version: 2/' "$work/full.textproto" |
  drop_block "  tls_identities {" 'common_name: "KZ operator"' >"$work/v2.textproto"
grep -qx "version: 2" "$work/v2.textproto" || fail "v2.textproto has no version 2"
sign "$work/v2.textproto" "$work/v2.json"

expect_fail 3 "$ctl" bundle push --config "$fed/az/auditor.textproto" --bundle "$work/v2.json"
must_say "may not push a trust bundle: only the operator of AZ may"
"$ctl" bundle push --config "$fed/az/operator.textproto" --bundle "$work/v2.json" >"$work/out" \
  2>&1 || fail "push of version 2 to AZ: $(cat "$work/out")"
says "applied trust bundle ots-mx version 2 (was 1)"
log_says "$work/az.log" "trust bundle ots-mx version 2 applied (was 1; from operator AZ/operator"
for cc in ots kz; do
  wait_for "$cc to fetch version 2 from a peer" 30 holds_version "$cc" 2
done
log_says "$work/kz.log" "trust bundle ots-mx version 2 applied (was 1; from peer "
# The removed identity is refused by its own node, which never had the bundle pushed to it.
expect_fail 3 "$ctl" status --config "$fed/kz/operator.textproto"
must_say "is not a member identity in trust bundle ots-mx version 2"
# Once more: unchanged. The older version: refused, never a downgrade.
"$ctl" bundle push --config "$fed/az/operator.textproto" --bundle "$work/v2.json" >"$work/out" \
  2>&1 || fail "second push of version 2: $(cat "$work/out")"
says "already holds trust bundle ots-mx version 2"
expect_fail 1 "$ctl" bundle push --config "$fed/az/operator.textproto" --bundle "$work/v1.json"
must_say "trust bundle version 1 is not newer than version 2 this node holds"
# A bundle that does not verify against the federation's key goes nowhere: version 2's payload
# under version 1's signature.
sig1=$(sed -n 's/.*"sig":"\([^"]*\)".*/\1/p' "$work/v1.json")
[ -n "$sig1" ] || fail "no signature in v1.json"
sed "s#\"sig\":\"[^\"]*\"#\"sig\":\"$sig1\"#" "$work/v2.json" >"$work/forged.json"
expect_fail 1 "$ctl" bundle push --config "$fed/az/operator.textproto" --bundle "$work/forged.json"
must_say "signature"

# UZ's node starts with version 2; the others peer with it without a restart.
sed 's#"../federation/trust-bundle.json"#"../federation/v2.json"#' "$fed/uz/node.textproto" \
  >"$fed/uz/node.v2.textproto"
cp "$work/v2.json" "$fed/federation/v2.json"
fed_base[uz]=$fed/uz/node.v2.textproto
fed_start uz
fed_submit uz "$returns/UZ_2010.csv"
wait_for "the Secretariat to hold UZ's return" 60 fed_holds ots UZ 1
wait_for "UZ to hold AZ's and KZ's returns" 60 eval 'fed_holds uz AZ 1 && fed_shown uz KZ 1'
wait_for "AZ to watch UZ" 30 fed_peer az UZ watching
grep -qE "^peer UZ .*, bundle v2" "$work/status.az" || fail "AZ's status: UZ's bundle version"

# --- Version 3, pushed to UZ's node: KZ revoked -----------------------------------------------
revoked_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sed -e 's/^version: 2$/version: 3/' -e "/^  code: \"KZ\"\$/a\\  revoked_at: \"$revoked_at\"" \
  "$work/v2.textproto" >"$work/v3.textproto"
sign "$work/v3.textproto" "$work/v3.json"
"$ctl" bundle push --config "$fed/uz/operator.textproto" --bundle "$work/v3.json" >"$work/out" \
  2>&1 || fail "push of version 3 to UZ: $(cat "$work/out")"
for cc in ots az; do
  wait_for "$cc to fetch version 3" 30 holds_version "$cc" 3
done
log_says "$work/az.log" "sync: no longer replicating with KZ (revoked or removed in trust bundle version 3)"
fed_status az || true
! grep -q "^peer KZ " "$work/status.az" || fail "AZ still lists KZ as a peer"
# KZ's node is refused everywhere: it stays at version 2 and receives nothing more.
log_says "$work/kz.log" "is an identity of KZ, revoked on $revoked_at"
# The watch streams KZ's node held open end at once, where the bundle arrived.
log_says "$work/az.log" "watch ended: KZ/node(KZ node) is no longer a node identity"
sed "s|kz.node.ots-mx|az.node.ots-mx|" "$fed/kz/auditor.textproto" >"$fed/kz/auditor-at-az.textproto"
expect_fail 3 "$ctl" status --config "$fed/kz/auditor-at-az.textproto" --node "$(sed -n \
  's/^node_address: "\(.*\)"$/\1/p' "$fed/az/auditor.textproto")"
must_say "is an identity of KZ, revoked on $revoked_at"
fed_submit az "$returns/AZ_2015.csv"
wait_for "the Secretariat and UZ to hold AZ's second return" 60 \
  eval 'fed_holds ots AZ 2 && fed_holds uz AZ 2'
fed_holds kz AZ 1 || fail "the revoked KZ received AZ's second return"
holds_version kz 2 || fail "the revoked KZ holds version $(version_of kz)"

# --- A restart goes on with the newest version held ----------------------------------------------
fed_stop az
fed_start az
holds_version az 3 || fail "AZ restarted with version $(version_of az), not 3"
log_says "$work/az.log" "trust bundle: going on with version 3 kept in the data folder"
fed_submit az "$returns/AZ_2020.csv"
wait_for "the Secretariat to hold AZ's third return" 60 fed_holds ots AZ 3

# No split view anywhere; every folder passes its audit with the final bundle, KZ's return too.
fed_stop ots az kz uz
for n in ots az uz; do
  "$ctl" audit --data-dir "$fed/$n/data" --trust-bundle "$work/v3.json" --bundle-pubkey "$fedkey" \
    --bundle-key-id "$(key_id "$fedkey")" >"$work/out" 2>&1 ||
    fail "audit of $n with version 3: $(cat "$work/out")"
  says "KZ: 1 signed return"
done
echo "bundle push test passed"
