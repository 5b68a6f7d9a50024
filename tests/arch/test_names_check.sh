#!/usr/bin/env bash
# ctest cuts a test's name at ';' (a CMake list separator), so a Catch2 test case whose name holds
# one is registered under a name that matches no test case and "passes" without running. Fails,
# naming them, if any unit test name holds one.
#   test_names_check.sh UNIT_TEST_BINARY
set -euo pipefail
bad=$("$1" --list-test-names-only | grep -F ';' || true)
if [ -n "$bad" ]; then
  echo "test names with ';' (ctest would run nothing for them):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "no unit test name holds ';' ($("$1" --list-test-names-only | grep -c .) names)"
