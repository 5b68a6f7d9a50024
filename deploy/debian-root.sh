#!/usr/bin/env bash
# A clean Debian 12 root with the given Debian packages installed: debootstrap (minbase) from
# Debian's archive, then `apt-get install` of the .deb files inside it, which resolves the
# dependencies they declare from the archive. Used by deploy/install-test.sh --full and
# deploy/container/build-image.sh. Logs go to ROOT.log.
#   deploy/debian-root.sh ROOT DEB...        (as root; ROOT must not exist)
set -euo pipefail
root=${1:?usage: debian-root.sh ROOT DEB...}
shift
[ $# -gt 0 ] || { echo "usage: debian-root.sh ROOT DEB..." >&2; exit 2; }
[ ! -e "$root" ] || { echo "debian-root: $root exists" >&2; exit 2; }
log=$root.log
echo "debian-root: debootstrap of a minimal Debian 12 root in $root" >&2
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$log" 2>&1 || {
  tail -n 20 "$log" >&2
  echo "debian-root: debootstrap failed (log: $log)" >&2
  exit 1
}
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs"
cp "$@" "$root/tmp/debs/"
echo "debian-root: apt-get install of $(cd "$root/tmp/debs" && echo *.deb)" >&2
unshare --mount --fork bash -euo pipefail -c '
  root=$1
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  chroot "$root" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$root" sh -c \
    "apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb && apt-get clean"
' _ "$root" >>"$log" 2>&1 || {
  tail -n 30 "$log" >&2
  echo "debian-root: apt-get install of the packages failed (log: $log)" >&2
  exit 1
}
rm -rf "$root/tmp/debs"
