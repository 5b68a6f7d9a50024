#!/usr/bin/env bash
# The layer check (docs/architecture.md): every #include "..." of the product code names a header
# of its own layer, of a layer it uses (directly or through the layers it uses), or of a library
# outside the project. Fails, naming file, line, header and layers, on anything else: a header of
# a layer above or beside, a relative path out of the folder, a file that belongs to no layer.
#
#   tests/arch/layer_check.sh LAYERS_TXT SOURCE_ROOT
#
# LAYERS_TXT is the table CMake writes (build/layers.txt: "layer folder uses..." per line, each
# layer after the layers it uses). Exit 0 when all holds, 1 with one line per violation, 2 on
# usage.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -d "$2" ]; then
  echo "usage: layer_check.sh LAYERS_TXT SOURCE_ROOT" >&2
  exit 2
fi
table=$1
root=$(cd "$2" && pwd)

# Every source file under the folders of the layers, and the top folders they live in.
folders=$(awk '!/^#/ && NF >= 2 { print $2 }' "$table")
tops=$(for f in $folders; do echo "${f%%/*}"; done | sort -u)
files=$(cd "$root" && for t in $tops; do
  [ "$t" = proto ] || find "$t" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.inc' -o -name '*.in' \)
done | sort)

# awk reads the table, then "FILE<TAB>LINE<TAB>INCLUDED" records.
for f in $files; do
  awk -v f="$f" 'match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/) {
    s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
    printf "%s\t%d\t%s\n", f, NR, s }
    FNR == 1 { printf "%s\t0\t\n", f }' "$root/$f"
done | awk -F'\t' -v table="$table" '
  BEGIN {
    while ((getline line < table) > 0) {
      if (line ~ /^#/ || line ~ /^[ \t]*$/) continue
      n = split(line, w, /[ \t]+/)
      name = w[1]; order[++layers] = name; dir[name] = w[2]; declared[name] = 1
      for (i = 3; i <= n; i++) {
        if (w[i] == "") continue
        if (!(w[i] in declared)) {
          printf "%s: %s uses %s, which is not declared before it (layers form no cycle)\n", table, name, w[i]
          bad++
        }
        uses[name, w[i]] = 1
      }
    }
    # Transitive closure, in declaration order (each layer after the ones it uses).
    for (k = 1; k <= layers; k++) for (i = 1; i <= layers; i++) for (j = 1; j <= layers; j++) {
      x = order[i]; y = order[k]; z = order[j]
      if ((x, y) in uses && (y, z) in uses) uses[x, z] = 1
    }
  }
  # The layer of a path: the one with the longest folder that is a prefix of it.
  function layer_of(path,    best, l, name) {
    best = ""; l = 0
    for (name in dir) if (index(path, dir[name] "/") == 1 && length(dir[name]) > l) { best = name; l = length(dir[name]) }
    return best
  }
  {
    file = $1; line = $2; inc = $3
    if (line == 0) {
      files++
      mine[file] = layer_of(file)
      if (mine[file] == "") { printf "%s: belongs to no layer (see build/layers.txt)\n", file; bad++ }
      next
    }
    includes++
    self = mine[file]
    if (inc ~ /(^|\/)\.\.\//) { printf "%s:%d: #include \"%s\": a relative path out of its folder\n", file, line, inc; bad++; next }
    if (inc ~ /^tests\//) { printf "%s:%d: #include \"%s\": product code includes test code\n", file, line, inc; bad++; next }
    target = layer_of(inc)
    if (target == "") {
      if (inc !~ /\//) { printf "%s:%d: #include \"%s\": name headers by their path (\"%s/%s\")\n", file, line, inc, dir[self], inc; bad++ }
      next  # a library outside the project (absl/, grpcpp/, rocksdb/, google/, openssl/...)
    }
    if (self == "" || target == self || (self, target) in uses) next
    printf "%s:%d: #include \"%s\": %s (%s) may not use %s (%s); it uses only the layers below it\n", file, line, inc, self, dir[self], target, dir[target]
    bad++
  }
  END {
    if (bad > 0) { printf "layer check FAILED: %d violation(s) in %d files\n", bad, files; exit 1 }
    printf "layer check passed: %d files, %d quoted includes, %d layers\n", files, includes, layers
  }'
