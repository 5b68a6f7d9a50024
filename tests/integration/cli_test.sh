#!/usr/bin/env bash
# The command lines of the real ots-ctl and ots-node: --help (of each command too) and --version
# print to stdout and exit 0; a usage error is exactly one line on stderr, naming the problem and
# ending with the hint, and exit 2; "--flag=value" works as "--flag value" (a federation set up,
# a node started and queried with joined flags only); ots-node names a configuration file it
# cannot read and exits 1.
#   cli_test.sh OTS_CTL SOURCE_DIR
set -euo pipefail
ctl=$1 src=$2
node_bin=$(dirname "$ctl")/ots-node
# shellcheck source=lib.sh
source "$src/tests/integration/lib.sh"
work=$(mktemp -d /tmp/ots-cli-test.XXXXXX)
trap 'rm -rf "$work"' EXIT  # and, once it runs, the node (below)

# prints_help USAGE CMD...: CMD exits 0 with USAGE on stdout and nothing on stderr.
prints_help() {
  local usage=$1 rc=0
  shift
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" -eq 0 ] || fail "$* exited $rc"
  grep -qF -- "$usage" "$work/out" || fail "$* does not print \"$usage\": $(cat "$work/out")"
  [ ! -s "$work/err" ] || fail "$* wrote on stderr: $(cat "$work/err")"
}
# usage_error LINE CMD...: CMD exits 2 with exactly LINE on stderr and nothing on stdout.
usage_error() {
  local line=$1
  shift
  expect_fail 2 "$@"
  if [ "$(cat "$work/err")" != "$line" ] || [ "$(wc -l <"$work/err")" -ne 1 ]; then
    fail "$*: stderr is not the one line \"$line\": $(cat "$work/err")"
  fi
  [ ! -s "$work/out" ] || fail "$*: a usage error printed on stdout: $(cat "$work/out")"
}

# --- Help and version -----------------------------------------------------------------------
prints_help "Usage: ots-ctl [OPTIONS] COMMAND" "$ctl" --help
prints_help "Usage: ots-ctl [OPTIONS] COMMAND" "$ctl" help
for cmd in pki "pki init" bundle "bundle show" "bundle sign" keygen import submit validate query \
  status log audit prove; do
  # shellcheck disable=SC2086  # "pki init" is two words
  prints_help "Usage: ots-ctl $cmd " "$ctl" $cmd --help
done
prints_help "--consolidated" "$ctl" query --help
prints_help "Usage: ots-node [OPTIONS]" "$node_bin" --help
prints_help "--ready-file FILE" "$node_bin" -h

version=$(sed -n 's/^project([a-z_]* VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || fail "no VERSION in the project() of CMakeLists.txt"
revision='([0-9a-f]{7,}|unknown)'
if git -C "$src" rev-parse --short=7 HEAD >/dev/null 2>&1; then
  revision='[0-9a-f]{7,}'  # built from a git checkout: the revision is known
fi
for prog in "$ctl" "$node_bin"; do
  name=$(basename "$prog")
  prints_help "$name $version (git " "$prog" --version
  grep -qxE "$name $version \(git $revision\)" "$work/out" ||
    fail "$name --version: $(cat "$work/out")"
  [ "$(wc -l <"$work/out")" -eq 1 ] || fail "$name --version printed more than one line"
done

# --- Usage errors: one line, exit 2 -------------------------------------------------------------
usage_error "ots-ctl: unknown flag --bogus (run 'ots-ctl --help')" "$ctl" --bogus
usage_error "ots-ctl: unknown command \"bogus\" (run 'ots-ctl --help')" "$ctl" bogus
usage_error "ots-ctl submit: --config is required (run 'ots-ctl submit --help')" \
  "$ctl" submit r.csv
usage_error "ots-ctl submit: unknown flag --bogus (run 'ots-ctl submit --help')" \
  "$ctl" submit --bogus=1 --config c r.csv
usage_error "ots-ctl pki init: --out needs a value (run 'ots-ctl pki init --help')" \
  "$ctl" pki init --out
usage_error "ots-ctl pki init: --ca-days must be a number of days larger than --days (run 'ots-ctl pki init --help')" \
  "$ctl" pki init --out "$work/never" --states AZ --days 30 --ca-days 30
usage_error "ots-ctl query: --config excludes --data-dir (run 'ots-ctl query --help')" \
  "$ctl" query --config c --data-dir d
usage_error "ots-ctl keygen: unexpected argument \"extra\" (run 'ots-ctl keygen --help')" \
  "$ctl" keygen --out k extra
expect_fail 2 "$ctl"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "ots-ctl without a command: $(cat "$work/err")"
must_say "ots-ctl: expected a command: pki, bundle, keygen"

usage_error "ots-node: unknown flag --bogus (run 'ots-node --help')" "$node_bin" --bogus
usage_error "ots-node: --config is required (run 'ots-node --help')" "$node_bin"
usage_error "ots-node: --config needs a value (run 'ots-node --help')" "$node_bin" --config
usage_error "ots-node: unexpected argument \"extra\" (run 'ots-node --help')" \
  "$node_bin" --config=node.textproto extra

# A configuration file ots-node cannot read: exit 1, naming it, however --config is written.
expect_fail 1 "$node_bin" --config="$work/missing.textproto"
must_say "$work/missing.textproto"
expect_fail 1 "$node_bin" --config "$work/missing.textproto"
must_say "$work/missing.textproto"

# --- Joined flags, end to end -------------------------------------------------------------------
bash "$src/deploy/make-sample-returns.sh" "$work/returns" AZ
"$ctl" import --dry-run --origin AZ --data-dir "$work/data" "$work/returns/AZ_2020.csv" \
  >"$work/spaced"
"$ctl" import --dry-run --origin=AZ --data-dir="$work/data" "$work/returns/AZ_2020.csv" \
  >"$work/joined"
cmp -s "$work/spaced" "$work/joined" || fail "import --dry-run: joined flags differ"
grep -qF "valid return of AZ for 2020" "$work/joined" ||
  fail "import --dry-run: $(cat "$work/joined")"

fed=$work/fed
"$ctl" pki init --out="$fed" --states=AZ,KZ --base-port=7500 --days=30 >"$work/pki.out"
grep -qF "AZ at 127.0.0.1:7501" "$work/pki.out" ||
  fail "pki init --base-port=: $(cat "$work/pki.out")"
rm -f "$work/az.ready"
"$node_bin" --config="$fed/az/node.textproto" --listen=127.0.0.1:0 --ready-file="$work/az.ready" \
  2>>"$work/az.log" &
node_pid=$!
trap 'kill -9 "$node_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for "ots-node to write its ready file" 30 test -s "$work/az.ready"
kill -0 "$node_pid" 2>/dev/null || fail "ots-node exited at start: $(cat "$work/az.log")"
addr=$(cat "$work/az.ready")
[[ $addr == 127.0.0.1:* ]] || fail "ready file: \"$addr\""
"$ctl" status --config="$fed/az/auditor.textproto" --node="$addr" >"$work/status" ||
  fail "status with joined flags: $(cat "$work/status")"
grep -qF "you are     AZ auditor" "$work/status" || fail "status: $(cat "$work/status")"
"$ctl" validate --node="$addr" --config="$fed/az/operator.textproto" \
  "$work/returns/AZ_2020.csv" >"$work/out"
grep -qF "valid return of AZ for 2020" "$work/out" || fail "validate: $(cat "$work/out")"
stop_node "$node_pid"
trap 'rm -rf "$work"' EXIT

echo "command lines: all checks passed"
