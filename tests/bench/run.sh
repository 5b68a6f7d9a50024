#!/usr/bin/env bash
# Runs the benchmark programs of the build folder $1 (default: build). Each prints its figures
# beside the machine's own limit measured in the same run (docs/performance.md).
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
echo "== import of a 1,000,000-cell return beside db_bench fillseq"
"$build/tests/ots_import_bench"
echo
echo "== submit of the same size over mTLS beside the offline import"
bash "$here/submit_bench.sh" "$build"
echo
echo "== replication of the same size to a peer over mTLS beside db_bench fillseq"
bash "$here/replicate_bench.sh" "$build"
echo
echo "== origin commit to visible at the Secretariat, 8 live nodes, 200 returns"
bash "$here/latency_bench.sh" "$build"
