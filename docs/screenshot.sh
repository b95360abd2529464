#!/usr/bin/env bash
# Regenerates docs/report.png, the README's picture of a report (and docs/report-recovery.png,
# the same page down to its devices-and-telemetry chart): runs the full drill against
# the built-in emulator with `--report`, then has headless Chromium photograph the HTML.
#
#   bash docs/screenshot.sh            # needs chromium (apt-get install -y chromium) or RUNBOOK_CHROMIUM
#
# The drill runs from the repository root with relative paths, so the report names
# runbooks/drill.yaml as a user would see it; the log and report go to a temporary directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

browser="${RUNBOOK_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$browser" ]; then
  echo "docs/screenshot.sh: needs Chromium: apt-get install -y chromium, or set RUNBOOK_CHROMIUM" >&2
  exit 1
fi

cd "$root"
cargo run --quiet -- exec runbooks/drill.yaml --emulator --yes \
  --log "$work/dr.json" --report "$work/drill.html" >/dev/null

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,1450 \
  --screenshot="$root/docs/report.png" "file://$work/drill.html" 2>/dev/null
# The same page taller, down to the devices-and-telemetry chart under the timeline.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,1750 \
  --screenshot="$root/docs/report-recovery.png" "file://$work/drill.html" 2>/dev/null
echo "wrote docs/report.png and docs/report-recovery.png"
