#!/usr/bin/env bash
# Regenerates docs/fleet-report.png, the README's picture of a fleet report: runs two small
# fleets (shards of one fleet, one subscription each; east-0002's failover fails) against the
# built-in emulator, renders one page for both with `runbook report east west`, and has
# headless Chromium photograph it.
#
#   bash docs/fleet-screenshot.sh      # needs chromium (apt-get install -y chromium) or RUNBOOK_CHROMIUM
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

browser="${RUNBOOK_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$browser" ]; then
  echo "docs/fleet-screenshot.sh: needs Chromium: apt-get install -y chromium, or set RUNBOOK_CHROMIUM" >&2
  exit 1
fi

cd "$root"
cargo build --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/debug/runbook"
shard() { # name subscription
  (cd "$work" && "$bin" exec "$root/tests/fixtures/fleet/drill.yaml" --emulator \
    --scenario "$root/tests/fixtures/fleet/report-$1.yaml" --yes --fleet-dir "$1" \
    --set "subscription=$2" >/dev/null) || true # east fails one hub on purpose (exit 1)
}
shard east 11111111-1111-1111-1111-111111111111
shard west 22222222-2222-2222-2222-222222222222
(cd "$work" && "$bin" report east west -o fleet.html)

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,1600 \
  --screenshot="$root/docs/fleet-report.png" "file://$work/fleet.html" 2>/dev/null
echo "wrote docs/fleet-report.png"
