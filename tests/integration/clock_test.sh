#!/usr/bin/env bash
# Wrong clocks (docs/reliability.md), with faketime: the Secretariat and three states on their
# bundle endpoints in a network namespace of the test's own.
#  1. AZ's node runs 30 days ahead. Alone, before it hears a peer, it signs a return dated 30
#     days ahead. Its peers refuse that entry (dated beyond the bound in their future) and keep
#     refusing it; AZ, once it hears them, raises the clock alarm in status and its log (once)
#     and refuses to sign (exit 4).
#  2. A node whose clock is 30 hours slow (against the clock of the pki init that made its
#     federation) starts and serves: pki init backdates certificates and keys by two days.
#   clock_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
fed_setup clock-test AZ,KZ "$@"
# libfaketime preloaded directly: the faketime wrapper names a semaphore after its PID, and in
# the test's PID namespace PIDs repeat from run to run.
libfaketime=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -f "$libfaketime" ] || fail "libfaketime is needed (deploy/install-deps.sh installs faketime)"
# fake_time OFFSET COMMAND...: becomes COMMAND (exec) with its clock moved by OFFSET (+30d, -2h);
# run in a subshell or as the prefix of a node that fed_launch starts in the background.
fake_time() {
  local offset=$1
  shift
  exec env LD_PRELOAD="$libfaketime" FAKETIME="$offset" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    FAKETIME_NO_CACHE=1 "$@"
}

fed_prefix=(fake_time +30d)
fed_launch az
fed_prefix=()
fed_ready az
fed_submit az "$work/returns/AZ_2015.csv"
grep -q "^submitted AZ 2015 revision 1" "$work/submitted.az" || fail "AZ did not sign alone"

fed_start ots kz
alarmed() { fed_status az; grep -q "^CLOCK this node's clock is 30d ahead of its peers'" "$work/status.az"; }
wait_for "AZ to raise the clock alarm" 60 alarmed
expect_fail 4 "$ctl" submit --config "$fed/az/operator.textproto" "$work/returns/AZ_2020.csv"
must_say "refusing to sign the return of AZ for 2020: this node's clock is 30d ahead"
[ "$(grep -c "clock: this node's clock is 30d ahead" "$work/az.log")" -eq 1 ] ||
  fail "AZ's clock alarm was not logged exactly once"

# KZ refuses the entry AZ dated in its future, and holds nothing of AZ.
log_says "$work/kz.log" "AZ log index 0 (2015 revision 1) is dated"
grep "AZ log index 0 (2015 revision 1) is dated" "$work/kz.log" | head -1 |
  grep -q "30d ahead of this node's clock" || fail "KZ's refusal does not say by how much"
fed_status kz || fail "status of KZ"
if grep -q "^origin AZ   log size [1-9]" "$work/status.kz"; then
  fail "KZ accepted a header dated 30 days ahead: $(grep '^origin AZ' "$work/status.kz")"
fi
grep -qE "^peer AZ .*, clock \+30d" "$work/status.kz" ||
  fail "KZ's status does not show AZ's clock 30 days ahead: $(grep '^peer AZ' "$work/status.kz")"

# A node 30 hours slow starts and works with its peers: the federation's certificates and keys
# are made by a pki init whose clock reads 30 hours ahead of the nodes'. (faketime is not put
# under a running node here: it moves the clock the node reads, not the one the kernel times its
# waits by, so the node's timed waits would end 30 hours early.)
slow=$work/slow
(fake_time +30h "$ctl" pki init --out "$slow" --states KG) >"$work/slow-pki.out" 2>&1 ||
  fail "pki init under faketime: $(cat "$work/slow-pki.out")"
start_node "$slow/kg/node.textproto" kg-slow
"$ctl" status --config "$slow/kg/auditor.textproto" --node "$node_addr" >"$work/status.slow" ||
  fail "a node 30 hours behind its certificates' issuer cannot be used: $(cat "$work/status.slow")"
stop_node "$node_pid"
node_pid=
fed_stop ots az kz
echo "clock test: passed"
