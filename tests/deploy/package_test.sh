#!/usr/bin/env bash
# The Debian packages of the build (make package, deploy/make-packages.sh): lintian finds nothing
# at warning or error; each package holds what it should, with Debian 12's runtime libraries as
# its dependencies; then deploy/install-test.sh --fast installs them (files and maintainer
# scripts) and runs two nodes with the unit's own command line, one replicating the other.
# The full install into a clean Debian 12 root (debootstrap) is `make install-test`.
#   package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "--- make-packages.sh (CPack, lintian)"
bash "$src/deploy/make-packages.sh" "$build" "$out" >"$out/debs" || fail "make-packages.sh failed"
node_deb=$(grep '/ots-node_.*_amd64\.deb$' "$out/debs") || fail "no ots-node package"
ctl_deb=$(grep '/ots-ctl_.*_amd64\.deb$' "$out/debs") || fail "no ots-ctl package"

# has DEB PATH...: the package DEB holds each PATH.
has() {
  local deb=$1 path
  shift
  dpkg-deb -c "$deb" | awk '{print $6}' >"$out/list"
  for path in "$@"; do
    grep -qx "\\.$path" "$out/list" || fail "$(basename "$deb") lacks $path"
  done
}
echo "--- contents and control fields"
has "$node_deb" /usr/sbin/ots-node /lib/systemd/system/ots-node@.service \
  /usr/share/man/man8/ots-node.8.gz /usr/share/doc/ots-node/copyright \
  /usr/share/doc/ots-node/changelog.Debian.gz /usr/share/ots-node/prometheus/ots-alerts.yml
has "$ctl_deb" /usr/bin/ots-ctl /usr/share/man/man1/ots-ctl.1.gz /usr/share/doc/ots-ctl/copyright
dpkg-deb -c "$node_deb" | grep -q ' \./etc/ots' && fail "ots-node ships files in /etc/ots"
depends=$(dpkg-deb -f "$node_deb" Depends)
for lib in adduser procps 'libgrpc++1.51' 'librocksdb7.8' 'libprometheus-cpp-core1.0' libsystemd0 libssl3; do
  [[ $depends == *"$lib"* ]] || fail "ots-node does not depend on $lib: $depends"
done
[[ $(dpkg-deb -f "$ctl_deb" Depends) == *'libgrpc++1.51'* ]] || fail "ots-ctl lacks its libraries"
dpkg-deb -I "$node_deb" postinst prerm postrm >/dev/null || fail "ots-node lacks maintainer scripts"
[ -z "$(dpkg-deb -I "$node_deb" conffiles 2>/dev/null)" ] ||
  fail "ots-node has conffiles: a configuration is the operator's, never the package's"

echo "--- install-test.sh --fast"
bash "$src/deploy/install-test.sh" --fast "$node_deb" "$ctl_deb" || fail "install-test.sh --fast failed"
echo "PASS"
