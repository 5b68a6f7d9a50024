#!/usr/bin/env bash
# Fails unless every libabsl_* that BINARY loads, directly or through Debian's libgrpc, is the
# ThreadSanitizer build installed in ABSL_PREFIX (deploy/build-tsan-abseil.sh). A single
# uninstrumented one, even libabsl_malloc_internal, makes TSan report accesses that an
# absl::Mutex guards.
#   abseil_check.sh BINARY ABSL_PREFIX
set -euo pipefail
binary=$1
lib=$(cd "$2/lib" && pwd -P)
loaded=$(ldd "$binary" | awk '/libabsl_/ { print $1, $3 }')
if [ -z "$loaded" ]; then
  echo "$binary loads no libabsl_* at all" >&2
  exit 1
fi
other=$(echo "$loaded" | while read -r name path; do
  if [ "$(cd "$(dirname "$path")" && pwd -P)" != "$lib" ]; then
    echo "  $name => $path"
  fi
done)
if [ -n "$other" ]; then
  echo "libabsl_* loaded from outside $lib (not instrumented):" >&2
  echo "$other" >&2
  exit 1
fi
echo "all $(echo "$loaded" | wc -l) libabsl_* come from $lib"
