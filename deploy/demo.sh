#!/usr/bin/env bash
# The demo: Azerbaijan's national node as its IT team would run it. Creates a federation's
# certificates and keys with pki init, starts a real ots-node behind mutual TLS, submits the
# UN DESA 2020 figures for Azerbaijan (every year, total and by sex) through ots-ctl, queries
# them back as the auditor, proves one cell and checks the proof with openssl alone, then stops
# the node cleanly and audits its data folder offline.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
ctl="$root/$build/node/ots-ctl"
[ -x "$ctl" ] || ctl="$build/node/ots-ctl"
node_bin="$(dirname "$ctl")/ots-node"
work=$(mktemp -d /tmp/ots-demo.XXXXXX)
node_pid=
cleanup() {
  [ -z "$node_pid" ] || kill -TERM "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "PKI: a federation CA, Azerbaijan's node, operator and auditor, the signed trust bundle"
"$ctl" pki init --out "$work/fed" --states AZ --secretariat
fed=$work/fed

step "Start Azerbaijan's node (TLS 1.3, client certificates required)"
"$node_bin" --config "$fed/az/node.textproto" --listen 127.0.0.1:0 \
  --ready-file "$work/az.ready" 2>"$work/az.log" &
node_pid=$!
deadline=$((SECONDS + 30))
until [ -s "$work/az.ready" ]; do
  kill -0 "$node_pid" 2>/dev/null || {
    cat "$work/az.log"
    exit 1
  }
  [ "$SECONDS" -lt "$deadline" ] || {
    echo "ots-node did not start within 30s" >&2
    exit 1
  }
  sleep 0.05
done
addr=$(cat "$work/az.ready")
cat "$work/az.log"
op=(--config "$fed/az/operator.textproto" --node "$addr")
aud=(--config "$fed/az/auditor.textproto" --node "$addr")

step "Sample returns: UN DESA International Migrant Stock 2020, hosted by Azerbaijan"
bash "$root/deploy/make-sample-returns.sh" "$work/returns" AZ
ls "$work/returns"

step "Submit as Azerbaijan's operator: the node validates, signs and stores each return"
for f in "$work"/returns/AZ_*.csv; do
  "$ctl" submit "${op[@]}" "$f" | head -1
done

step "Node status, as the auditor sees it"
"$ctl" status "${aud[@]}"

step "Persons born abroad living in Azerbaijan, by country of birth (all sexes), over the wire"
"$ctl" query "${aud[@]}" --totals-by CITIZEN

step "2020, by sex"
"$ctl" query "${aud[@]}" --filter TIME_PERIOD=2020 --totals-by CITIZEN,SEX

step "Proof of one cell from the node: women born in Uzbekistan living in Azerbaijan, 2020"
"$ctl" prove "${aud[@]}" --origin AZ --period 2020 --cell CITIZEN=UZ --cell SEX=F \
  --out "$work/proof"
ls "$work/proof"

step "The auditor's check: openssl and coreutils only"
bash "$work/proof/verify.sh"

step "Stop the node (SIGTERM: calls in flight finish, RocksDB closes)"
kill -TERM "$node_pid"
wait "$node_pid"
node_pid=
tail -3 "$work/az.log"

step "Offline audit of the node's data folder against Azerbaijan's log key"
"$ctl" audit --data-dir "$fed/az/data" --log-pubkey "AZ=$fed/az/log.pub.pem"

step "Demo finished: every step passed"
