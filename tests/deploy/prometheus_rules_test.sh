#!/usr/bin/env bash
# Checks deploy/prometheus: the alerting rules (promtool check rules), their unit tests
# (promtool test rules), the example Prometheus configuration (promtool check config,
# with and without its HTTPS variant), and that the unit tests catch a broken rule.
# Needs promtool (Debian package prometheus). No arguments; runs from any directory.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$repo/deploy/prometheus"
rules="$dir/ots-alerts.yml"
tests="$dir/ots-alerts.test.yml"
example="$dir/prometheus.yml.example"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step() { printf '== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() {
  printf '   FAIL: %s\n' "$*" >&2
  exit 1
}

if ! command -v promtool >/dev/null 2>&1; then
  fail "promtool not found (apt-get install prometheus)"
fi
step "promtool: $(promtool --version 2>&1 | head -n1)"

for f in "$rules" "$tests" "$example"; do
  [[ -f "$f" ]] || fail "missing $f"
done

# promtool resolves rule_files relative to the file that names them, and prints paths as
# given: run from the repository so that messages name deploy/prometheus/...
cd "$repo"

step "promtool check rules deploy/prometheus/ots-alerts.yml"
promtool check rules deploy/prometheus/ots-alerts.yml || fail "the rule file does not check"
ok "rules check"

step "promtool test rules deploy/prometheus/ots-alerts.test.yml"
promtool test rules deploy/prometheus/ots-alerts.test.yml || fail "the unit tests fail"
ok "unit tests pass"

step "every alert of the rule file has a unit test"
alerts="$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$rules" | sort -u)"
[[ -n "$alerts" ]] || fail "no alert found in $rules"
for a in $alerts; do
  grep -q "alertname: $a\$" "$tests" || fail "alert $a has no test case in $tests"
done
ok "$(echo "$alerts" | wc -l) alerts, each tested"

step "promtool check config on a copy of prometheus.yml.example"
mkdir -p "$tmp/config"
cp "$example" "$tmp/config/prometheus.yml"
cp "$rules" "$tmp/config/ots-alerts.yml"  # the example names ots-alerts.yml beside it
promtool check config "$tmp/config/prometheus.yml" || fail "the example config does not check"
ok "example config checks"

step "promtool check config on the example's HTTPS variant"
# The example up to scrape_configs, then its commented job uncommented. promtool checks
# that the TLS files exist, so they point at empty files under the temp folder.
mkdir -p "$tmp/https/etc/ots/ca" "$tmp/https/etc/ots/az"
touch "$tmp/https/etc/ots/ca/ca.pem" "$tmp/https/etc/ots/az/auditor.pem" \
  "$tmp/https/etc/ots/az/auditor.key"
{
  sed -n '1,/^scrape_configs:/p' "$example"
  sed -n '/^  # - job_name: ots-node/,$p' "$example" | sed 's/^  # /  /'
} | sed "s|/etc/ots/|$tmp/https/etc/ots/|g" >"$tmp/https/prometheus.yml"
cp "$rules" "$tmp/https/ots-alerts.yml"
grep -q '^    scheme: https' "$tmp/https/prometheus.yml" || fail "no HTTPS variant found in the example"
promtool check config "$tmp/https/prometheus.yml" || fail "the example's HTTPS variant does not check"
ok "HTTPS variant checks"

# Each mutation breaks one rule of a copy; the unit tests must then fail.
step "the unit tests fail on broken rules"
mutate() {  # name, sed script
  local name="$1" script="$2" work="$tmp/mutant-$1"
  mkdir -p "$work"
  cp "$tests" "$work/ots-alerts.test.yml"  # names ots-alerts.yml beside it: the broken copy
  sed "$script" "$rules" >"$work/ots-alerts.yml"
  if cmp -s "$rules" "$work/ots-alerts.yml"; then
    fail "mutation '$name' changed nothing: update this script"
  fi
  promtool check rules "$work/ots-alerts.yml" >/dev/null || fail "mutation '$name' does not check"
  if promtool test rules "$work/ots-alerts.test.yml" >"$work/out.txt" 2>&1; then
    cat "$work/out.txt" >&2
    fail "mutation '$name': promtool test rules passed on a broken rule"
  fi
  ok "$name: promtool test rules fails, as it should"
}
mutate frozen-expr 's/ots_origin_frozen == 1/ots_origin_frozen == 2/'
mutate node-down-for '/expr: up{job="ots-node"} == 0/{n;s/for: 5m/for: 1m/;}'
mutate lag-threshold 's/ots_replication_lag_seconds > 900/ots_replication_lag_seconds > 1800/'

step "all prometheus rule checks passed"
