#!/usr/bin/env bash
# The systemd unit of ots-node as the package installs it (deploy/systemd/ots-node@.service):
# `systemd-analyze verify` finds nothing to say about it, with the programs and manual pages it
# names in place, and `systemd-analyze security --offline=true` rates its exposure OK or better.
# The same analysis of the unit without its hardening rates it worse: the check can fail. This
# machine's PID 1 need not be systemd: both analyses run offline, on a staged install.
#   systemd_unit_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian package systemd)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The node's files as the package installs them.
DESTDIR=$stage cmake --install "$build" --prefix /usr --component node >"$stage/install.log" 2>&1 ||
  { cat "$stage/install.log" >&2; fail "cmake --install of the node component failed"; }
unit=$stage/lib/systemd/system/ots-node@.service
[ -f "$unit" ] || fail "the install has no $unit"
[ -x "$stage/usr/sbin/ots-node" ] || fail "the install has no /usr/sbin/ots-node"
[ -f "$stage/usr/share/man/man8/ots-node.8.gz" ] || fail "the install has no manual page ots-node(8)"

# An instance of the template, for the analyses: ots-node@az.
mkdir -p "$stage/etc/systemd/system"
cp "$unit" "$stage/etc/systemd/system/ots-node@az.service"
instance=$stage/etc/systemd/system/ots-node@az.service

echo "--- systemd-analyze verify"
# The unit's ExecStart and ExecReload name /usr/sbin/ots-node and /bin/kill; verify looks them up
# on this machine, so the staged ots-node is put where the unit says for the check, in a mount
# namespace of its own (nothing outside changes). Its Documentation= names man:ots-node(8),
# which `man` finds through MANPATH in the staged tree.
verify_out=$stage/verify.out
unshare --mount --fork bash -euo pipefail -c '
  stage=$1 instance=$2
  mount --make-rprivate /
  mount -t overlay overlay -o "lowerdir=$stage/usr:/usr" /usr
  MANPATH=$stage/usr/share/man: systemd-analyze verify "$instance"
' _ "$stage" "$instance" >"$verify_out" 2>&1 || {
  cat "$verify_out" >&2
  fail "systemd-analyze verify failed"
}
if [ -s "$verify_out" ]; then
  cat "$verify_out" >&2
  fail "systemd-analyze verify has something to say about the unit"
fi

# rating FILE: the overall exposure word of `systemd-analyze security --offline=true` for FILE.
rating() {
  systemd-analyze security --offline=true --no-pager "$1" 2>&1 |
    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p'
}
echo "--- systemd-analyze security --offline=true"
got=$(rating "$instance")
echo "exposure: $got"
case ${got#* } in
  OK | SAFE | PERFECT) ;;
  *) fail "the unit is rated \"$got\", not OK or better" ;;
esac

echo "--- the rating falls without the hardening"
bare=$stage/etc/systemd/system/ots-node@bare.service
sed -E '/^(Protect|Private|Restrict|NoNewPrivileges|CapabilityBoundingSet|SystemCall|LockPersonality|MemoryDenyWriteExecute|RemoveIPC|KeyringMode|DevicePolicy|ProcSubset|UMask|AmbientCapabilities)/d' \
  "$instance" >"$bare"
worse=$(rating "$bare")
echo "exposure without hardening: $worse"
case ${worse#* } in
  OK | SAFE | PERFECT) fail "the unit without its hardening is still rated \"$worse\": the check could not fail" ;;
esac
echo "PASS"
