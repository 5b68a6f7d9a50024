#!/usr/bin/env bash
# Runs the benchmark programs of the build folder $1 (default: build).
set -euo pipefail
build=${1:-build}
"$build/tests/ots_import_bench"
