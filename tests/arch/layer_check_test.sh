#!/usr/bin/env bash
# The layer check must fail on each kind of violation: run on a small made-up tree of three
# layers (a below b below c), once clean, then once per wrong include.
#
#   tests/arch/layer_check_test.sh SOURCE_ROOT
set -euo pipefail
check="$1/tests/arch/layer_check.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

mkdir -p "$work/src/lib/a" "$work/src/lib/b" "$work/src/c" "$work/src/proto"
cat >"$work/layers.txt" <<'T'
# layer folder uses...
p proto
a lib/a p
b lib/b a
c c b
T
echo '#include "absl/strings/str_cat.h"' >"$work/src/lib/a/a.h"
printf '#include "lib/a/a.h"\n#include "proto/x.pb.h"\n' >"$work/src/lib/b/b.h"
printf '#include "lib/b/b.h"\n#include "lib/a/a.h"\n#include "grpcpp/grpcpp.h"\n' >"$work/src/c/c.cc"

# expect_violation FILE LINE TEXT: the check fails and says TEXT.
expect_violation() {
  local rc=0
  bash "$check" "$work/layers.txt" "$work/src" >"$work/out" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "expected exit 1, got $rc: $(cat "$work/out")"
  grep -qF -- "$1" "$work/out" || fail "the check does not say \"$1\": $(cat "$work/out")"
}

bash "$check" "$work/layers.txt" "$work/src" >"$work/out" || fail "clean tree: $(cat "$work/out")"
grep -q "layer check passed: 3 files" "$work/out" || fail "clean tree: $(cat "$work/out")"

# A layer includes the layer above it.
cp "$work/src/lib/a/a.h" "$work/a.h"
echo '#include "lib/b/b.h"' >>"$work/src/lib/a/a.h"
expect_violation 'lib/a/a.h:2: #include "lib/b/b.h": a (lib/a) may not use b (lib/b)'
cp "$work/a.h" "$work/src/lib/a/a.h"

# Two layers up (c uses b uses a: a may use neither).
echo '#include "c/c.h"' >>"$work/src/lib/a/a.h"
expect_violation 'lib/a/a.h:2: #include "c/c.h": a (lib/a) may not use c (c)'
cp "$work/a.h" "$work/src/lib/a/a.h"

# A relative path out of the folder.
echo '#include "../b/b.h"' >>"$work/src/lib/a/a.h"
expect_violation 'lib/a/a.h:2: #include "../b/b.h": a relative path out of its folder'
cp "$work/a.h" "$work/src/lib/a/a.h"

# Product code including test code; a header named without its path.
echo '#include "tests/fakes/x.h"' >>"$work/src/lib/a/a.h"
expect_violation 'product code includes test code'
cp "$work/a.h" "$work/src/lib/a/a.h"
echo '#include "b.h"' >>"$work/src/lib/a/a.h"
expect_violation '"b.h": name headers by their path'
cp "$work/a.h" "$work/src/lib/a/a.h"

# A file outside every layer's folder.
echo 'int x;' >"$work/src/lib/stray.cc"
expect_violation 'lib/stray.cc: belongs to no layer'
rm "$work/src/lib/stray.cc"

# A table whose layer uses one declared after it (a cycle could hide there).
printf '# layer folder uses...\np proto\na lib/a b\nb lib/b a\nc c b\n' >"$work/layers.txt"
expect_violation 'a uses b, which is not declared before it'

echo "layer check self-test passed"
