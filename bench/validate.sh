#!/usr/bin/env bash
# Whole-process speed of `runbook validate`: builds release, then times the shipped drill and a
# generated 1,000-step runbook with hyperfine (Debian package `hyperfine`).
# Targets (issue 2): drill.yaml under 10 ms median; 1,000 steps under 100 ms.
# Usage: bench/validate.sh            (from anywhere; uses $CARGO_TARGET_DIR if set)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! command -v hyperfine >/dev/null; then
  echo "hyperfine not found: apt-get install -y hyperfine" >&2
  exit 1
fi

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/release/runbook"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1,000 steps: 125 blocks of validate, snapshot, failover, await, sleep, snapshot, compare,
# health-check, with templates that reference earlier steps.
big="$work/generated-1000.yaml"
{
  printf 'version: 1\nname: generated\nparameters:\n  hub: { default: myIoTHub }\n  region: { default: westus }\n'
  printf 'target:\n  subscription: sub\n  resource_group: rg\n  hub: "{{params.hub}}"\nsteps:\n'
  for b in $(seq 0 124); do
    cat <<YAML
  - id: check_$b
    validate: { state: Active, location: "{{params.region}}" }
    retry: { attempts: 3, backoff: exponential, delay: 1s, max_delay: 10s }
  - id: pre_$b
    snapshot-metrics: {}
  - id: go_$b
    failover: { region: "{{steps.pre_$b.secondary}}" }
    confirm: "Fail {{target.hub}} over from {{steps.pre_$b.location}}?"
  - id: wait_$b
    await: { operation: go_$b, timeout: 2h, interval: 15s }
  - id: settle_$b
    sleep: 5s
  - id: post_$b
    snapshot-metrics: { include: [hub, stats] }
  - id: devices_$b
    compare-devices: { before: pre_$b, after: post_$b, max_drift: "1%" }
  - id: health_$b
    when: '{{#if (eq steps.post_$b.state "Active")}}true{{else}}false{{/if}}'
    health-check: { require: all-healthy, wait: 1m, interval: 10s }
    on_failure: warn
YAML
  done
} > "$big"

# Both must be valid, or the numbers would time an early exit.
"$bin" validate runbooks/drill.yaml >/dev/null
"$bin" validate "$big" >/dev/null

hyperfine --warmup 5 --min-runs 50 -N \
  --export-json "$work/results.json" \
  --command-name "validate drill.yaml" "$bin validate runbooks/drill.yaml" \
  --command-name "validate 1,000 steps" "$bin validate $big"

# The targets are on the median, which hyperfine prints only in its JSON export.
echo
echo "Medians (targets: drill.yaml < 10 ms, 1,000 steps < 100 ms):"
paste <(grep -o '"command": "[^"]*"' "$work/results.json" | cut -d'"' -f4) \
      <(grep -o '"median": [0-9.e-]*' "$work/results.json" | awk '{ printf "%.2f ms\n", $2 * 1000 }')
