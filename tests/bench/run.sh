#!/usr/bin/env bash
# Runs the benchmark programs of the build folder $1 (default: build).
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
echo "== import of a 1,000,000-cell return beside db_bench fillseq"
"$build/tests/ots_import_bench"
echo
echo "== submit of the same size over mTLS beside the offline import"
bash "$here/submit_bench.sh" "$build"
