#!/usr/bin/env bash
# Installs the Debian 12 packages the build, tests and demo need. Idempotent: a machine that
# already has every package runs no apt command at all.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev rocksdb-tools
  libabsl-dev libssl-dev openssl
  catch2 libcli11-dev
  clang libclang-rt-14-dev
  xxd
  iproute2 iptables faketime
  # tests/integration/hostile_input_test.sh: a gRPC client the project did not write, and the
  # peak memory of ots-ctl (/usr/bin/time -v)
  python3 python3-grpcio python3-protobuf time gzip
  # the metrics (prometheus-cpp), sd_notify (libsystemd); make package and its checks: manual
  # pages, lintian, systemd-analyze, promtool, and a clean Debian 12 root (debootstrap)
  prometheus-cpp-dev libsystemd-dev help2man lintian systemd prometheus debootstrap adduser
  # make test-tsan: deploy/build-tsan-abseil.sh fetches and builds Debian's Abseil source
  clang-14 curl xz-utils patch
  # the statistics tests: GLPK audits disclosure control (statistics_policy_test.sh), and
  # headless Chromium loads the dashboard (dashboard_test.sh)
  glpk-utils chromium
)
# Node.js and npm run the SDMX-JSON check and DuckDB in tests/integration/sdmx_export_test.sh;
# Debian's are taken only where the machine has none of its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
