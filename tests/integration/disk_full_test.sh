#!/usr/bin/env bash
# A full disk (docs/reliability.md): AZ's node keeps its data folder on a 24 MiB tmpfs (in a
# mount namespace of the test's own). Once the disk is filled:
#  - a submit fails with exit 4 (the node could not store it; 1 is kept for a rejected return),
#    saying the disk is full, without naming the server's data folder; the node stays up;
#  - status shows the store degraded; the node's log names the folder and the failure once;
#  - after the filler is removed the node recovers by itself, without a restart: status is
#    healthy again, the next submit is stored, and the log says writes work again;
#  - the audit of the folder passes and the log holds exactly the returns acknowledged.
#   disk_full_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$2
if [ -z "${OTS_DISK_TEST_NS:-}" ]; then
  OTS_DISK_TEST_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
test_setup disk-full-test
"$ctl" pki init --out "$work/fed" --states AZ >/dev/null
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ
disk=$work/disk
mkdir -p "$disk"
mount -t tmpfs -o size=24m tmpfs "$disk" || fail "cannot mount a tmpfs (run as root)"
trap 'umount -l "$disk" 2>/dev/null || true; test_cleanup' EXIT
config=$work/fed/az/node.disk.textproto
sed "s|^data_dir: .*|data_dir: \"$disk/data\"|" "$work/fed/az/node.textproto" >"$config"
grep -q "^data_dir: \"$disk/data\"" "$config" || fail "no data_dir line in pki init's node.textproto"
op=$work/fed/az/operator.textproto

start_node "$config" az
"$ctl" submit --config "$op" --node "$node_addr" "$work/returns/AZ_2015.csv" >/dev/null ||
  fail "the first submit failed"

# Fill the disk to the last block. RocksDB preallocates its WAL, so the first returns after that
# may still fit: submit new ones until one fails.
dd if=/dev/zero of="$disk/filler" bs=1M 2>/dev/null || true
variant() {  # a return of AZ for 2020 that differs from every other variant
  cat "$work/returns/AZ_2020.csv"
  echo "OTS:DF_MIGR_STOCK(1.0),AZ,2020,KG,_T,_T,_U,$1,A,F,STK"
}
acked=1
for ((i = 1; ; i++)); do
  [ "$i" -le 500 ] || fail "500 returns fitted on a full 24 MiB disk"
  variant "$i" >"$work/v.csv"
  rc=0
  "$ctl" submit --config "$op" --node "$node_addr" "$work/v.csv" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" -eq 0 ] || break
  acked=$((acked + 1))
done
[ "$rc" -eq 4 ] || { cat "$work/err" >&2; fail "a submit on a full disk exited $rc, not 4"; }
must_say "could not store the return: its disk is full"
must_say "Nothing was stored"
if grep -qF "$disk" "$work/err"; then
  fail "the client was told the server's data folder: $(cat "$work/err")"
fi
kill -0 "$node_pid" || fail "the node died on a full disk"
"$ctl" status --config "$op" --node "$node_addr" >"$work/status" || fail "status failed"
grep -q "^STORE degraded: the disk is full" "$work/status" ||
  fail "status does not show the store degraded: $(cat "$work/status")"
grep -q "ERROR .*store: a write failed: $disk/data" "$work/az.log" ||
  fail "the node's log does not name the failing folder"
# Every further failure is counted, not logged again.
variant $((i + 1)) >"$work/v.csv"
expect_fail 4 "$ctl" submit --config "$op" --node "$node_addr" "$work/v.csv"
[ "$(grep -c "store: a write failed" "$work/az.log")" -eq 1 ] ||
  fail "the store failure was logged more than once"

# Room again: no restart, the node heals by itself.
rm -f "$disk/filler"
healthy() {
  "$ctl" status --config "$op" --node "$node_addr" >"$work/status" && ! grep -q "^STORE" "$work/status"
}
wait_for "the store to recover without a restart" 60 healthy
out=$("$ctl" submit --config "$op" --node "$node_addr" "$work/v.csv") ||
  fail "the submit after the disk was freed failed"
acked=$((acked + 1))
grep -q "^submitted AZ 2020 revision $((acked - 1)): .*; log entry $((acked - 1))," <<<"$out" ||
  fail "the submit after recovery is not entry $((acked - 1)): $out"
log_says "$work/az.log" "store: writes work again"
stop_node "$node_pid"
node_pid=
"$ctl" audit --data-dir "$disk/data" --trust-bundle "$work/fed/federation/trust-bundle.json" \
  --bundle-pubkey "$work/fed/federation/bundle.pub.pem" >"$work/audit" 2>&1 || {
  cat "$work/audit" >&2
  fail "the audit of the folder failed after the full disk"
}
"$ctl" log --data-dir "$disk/data" --origin AZ >"$work/log.csv"
[ "$(tail -n +2 "$work/log.csv" | wc -l)" -eq "$acked" ] ||
  fail "the log does not hold exactly the $acked acknowledged entries: $(cat "$work/log.csv")"
echo "disk full test: $((acked - 2)) returns fitted after the disk was filled; the next failed" \
  "with exit 4; recovered without a restart"
echo "disk full test: passed"
