#!/usr/bin/env bash
# Builds Debian 12's own Abseil (20220623.1-1+deb12u2) with ThreadSanitizer, for `make test-tsan`.
#
#   deploy/build-tsan-abseil.sh BUILD_DIR [JOBS]
#
# Why: Debian's libabsl is built without -fsanitize=thread, so absl::Mutex (out of line, in
# libabsl_synchronization.so) is invisible to TSan and every access a Mutex guards is reported
# as a race. This builds the same source, with the same Debian patches, instrumented.
#
# 1. downloads the orig tarball and Debian's debian.tar.xz from deb.debian.org into
#    BUILD_DIR/absl-cache, only if they are not there yet;
# 2. checks both against the SHA-256 sums pinned below (those of the .dsc); a mismatch stops
#    the script with exit 1 and removes the bad file;
# 3. unpacks them into BUILD_DIR/absl-src, applies debian/patches/series in order, then our own
#    patches for TSan (deploy/tsan-abseil/*.diff, each says why);
# 4. builds with clang-14, -fsanitize=thread, C++20 (ABSL_PROPAGATE_CXX_STD=ON) and installs
#    into BUILD_DIR/absl-install.
#
# The libraries are shared and keep Debian's SONAMEs (libabsl_*.so.20220623), headers and inline
# namespace (absl::debian3), so they are a drop-in for Debian's. The test binary carries a
# DT_RPATH (not RUNPATH: DT_RPATH also serves the dependencies of libraries) on
# BUILD_DIR/absl-install/lib, and each library here a RUNPATH of $ORIGIN: the loader then takes
# every libabsl_* from here, for our code and for Debian's libgrpc alike. The process holds one
# Abseil, and TSan sees gRPC's locks too. A static build would leave a second, uninstrumented
# copy in the process, loaded by libgrpc; one uninstrumented libabsl_* (even only
# libabsl_malloc_internal) is enough for false reports inside absl::Mutex.
#
# Idempotent: once BUILD_DIR/absl-install holds a build of these inputs, it does nothing.
set -euo pipefail
export LC_ALL=C

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [JOBS]" >&2
  exit 2
fi
build=$(mkdir -p "$1" && cd "$1" && pwd)
jobs=${2:-$(nproc)}

version=20220623.1
debian_revision=1+deb12u2
mirror=http://deb.debian.org/debian/pool/main/a/abseil
orig=abseil_${version}.orig.tar.gz
orig_sha256=abfe2897f3a30edaa74bc34365afe3c2a3cd012091a97dc7e008f7016adcd5fe
debian=abseil_${version}-${debian_revision}.debian.tar.xz
debian_sha256=e08490fc7b6f3beca1925953b0c4fb92df2de5e2a01295e4641e2a3d4e528eeb

ours=$(cd "$(dirname "$0")" && pwd)/tsan-abseil
cache=$build/absl-cache
src=$build/absl-src
obj=$build/absl-build
install=$build/absl-install
cxx_flags="-fsanitize=thread -g -O1 -fno-omit-frame-pointer"
# What the installed build was made from: this script and our patches. A change of either
# rebuilds.
stamp_text="$(sha256sum "$0" | cut -d' ' -f1) abseil $version-$debian_revision
$(cd "$ours" && sha256sum ./*.diff)"
stamp=$install/ots-tsan-abseil.stamp

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ]; then
  exit 0
fi

for tool in curl sha256sum tar xz patch clang++-14 cmake; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-tsan-abseil: $tool not found (run deploy/install-deps.sh)" >&2
    exit 1
  fi
done

# fetch FILE SHA256: downloads FILE into the cache unless it is there, then checks its sum.
fetch() {
  local file=$1 want=$2 got
  if [ ! -f "$cache/$file" ]; then
    echo "build-tsan-abseil: downloading $mirror/$file" >&2
    curl -fsSL --retry 3 -o "$cache/$file.part" "$mirror/$file"
    mv "$cache/$file.part" "$cache/$file"
  fi
  got=$(sha256sum "$cache/$file" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "build-tsan-abseil: SHA-256 MISMATCH for $cache/$file" >&2
    echo "  expected $want" >&2
    echo "  got      $got" >&2
    echo "  the file is removed; the next run downloads it again" >&2
    rm -f "$cache/$file"
    exit 1
  fi
}

mkdir -p "$cache"
fetch "$orig" "$orig_sha256"
fetch "$debian" "$debian_sha256"

echo "build-tsan-abseil: building Abseil $version-$debian_revision with -fsanitize=thread" >&2
rm -rf "$src" "$obj" "$install"
mkdir -p "$src"
tar -xzf "$cache/$orig" -C "$src" --strip-components=1
tar -xJf "$cache/$debian" -C "$src"
while read -r patch _; do
  case $patch in
    '' | '#'*) continue ;;
  esac
  patch -d "$src" -p1 --batch --forward --quiet <"$src/debian/patches/$patch"
done <"$src/debian/patches/series"
for patch in "$ours"/*.diff; do
  patch -d "$src" -p1 --batch --forward --quiet <"$patch"
done

cmake -S "$src" -B "$obj" -G "Unix Makefiles" \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS="$cxx_flags" \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
  -DCMAKE_CXX_STANDARD=20 -DABSL_PROPAGATE_CXX_STD=ON \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_RPATH='$ORIGIN' \
  -DBUILD_TESTING=OFF -DABSL_BUILD_TESTING=OFF -DABSL_ENABLE_INSTALL=ON \
  -DCMAKE_INSTALL_PREFIX="$install" -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
cmake --build "$obj" -j "$jobs" >/dev/null
cmake --install "$obj" >/dev/null
echo "$stamp_text" >"$stamp"
rm -rf "$src" "$obj"
echo "build-tsan-abseil: installed in $install" >&2
