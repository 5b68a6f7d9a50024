#!/usr/bin/env bash
# The Debian packages ots-node and ots-ctl of a build tree (CPack, cmake/OtsPackaging.cmake),
# checked with lintian. make package runs it on the build of make build, which carries Debian's
# own compiler and linker flags (dpkg-buildflags, OTS_DEBIAN_FLAGS) and installs to /usr.
# Prints the paths of the two .deb files.
#   deploy/make-packages.sh BUILD-DIR [OUT-DIR]     (OUT-DIR: BUILD-DIR/packages)
set -euo pipefail
build=$(cd "${1:?usage: make-packages.sh BUILD-DIR [OUT-DIR]}" && pwd)
out=${2:-$build/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)

rm -f "$out"/ots-node_*.deb "$out"/ots-ctl_*.deb
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || {
  cat "$out/cpack.log" >&2
  echo "make-packages: cpack failed (log above)" >&2
  exit 1
}
rm -rf "$out/_CPack_Packages"

debs=("$out"/ots-node_*.deb "$out"/ots-ctl_*.deb)
# Every tag at warning or error fails; overrides live in the packages, each with its reason
# (deploy/debian/*.lintian-overrides).
if ! lintian --fail-on error,warning --suppress-tags-from-file /dev/null "${debs[@]}" >"$out/lintian.log" 2>&1; then
  cat "$out/lintian.log" >&2
  echo "make-packages: lintian found problems (above)" >&2
  exit 1
fi
for deb in "${debs[@]}"; do
  echo "$deb"
done
