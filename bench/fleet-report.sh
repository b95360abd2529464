#!/usr/bin/env bash
# Benchmarks the fleet report at 10,000 hubs: runs a 10,000-hub fleet drill in-process
# (bench/fleet-report-drill.yaml over bench/fleet-10000.yaml: 4 subscriptions, zero-length
# failovers, every 250th hub failing, time scale 0.0001), then
#
# 1. times `runbook report DIR -o fleet.html` and `--format md` (hyperfine) and prints the
#    sizes: the HTML should stay under a few MB, the Markdown under GitHub's 1 MiB;
# 2. opens the HTML in headless Chromium: the time from navigation to the end of the load
#    event with the layout forced (measured in the page by an appended probe), and the whole
#    browser process against the same for a blank page.
#
# Needs hyperfine, python3 and chromium (or RUNBOOK_CHROMIUM) (apt-get install -y hyperfine chromium).
# Usage: bench/fleet-report.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q
bin="$CARGO_TARGET_DIR/release/runbook"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
browser="${RUNBOOK_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"

echo "== a 10,000-hub fleet directory (in-process emulator, zero failover, time scale 0.0001)"
start=$(date +%s.%N)
# Exit 1 is expected: every 250th hub fails its failover.
"$bin" exec bench/fleet-report-drill.yaml --emulator --scenario bench/fleet-10000.yaml \
  --time-scale 0.0001 --yes --fleet-dir "$work/fleet" > /dev/null || [ $? -eq 1 ]
end=$(date +%s.%N)
python3 - "$work/fleet/fleet.json" "$start" "$end" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
print(f"  fleet run {float(sys.argv[3]) - float(sys.argv[2]):.1f} s; hubs: {f['counts']}")
assert f["counts"]["total"] == 10000
PY
du -sh "$work/fleet" | awk '{print "  fleet directory " $1}'

echo
echo "== runbook report on it ($runs runs)"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/hf.json" \
  -n html "$bin report $work/fleet -o $work/fleet.html" \
  -n md "$bin report $work/fleet -o $work/fleet.md" > /dev/null
python3 - "$work/hf.json" "$work/fleet.html" "$work/fleet.md" <<'PY'
import json, os, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"  {r['command']}: median {r['median']:.2f} s (min {r['min']:.2f}, max {r['max']:.2f})")
html, md = os.path.getsize(sys.argv[2]), os.path.getsize(sys.argv[3])
print(f"  HTML {html / 1e6:.2f} MB ({html / 10000:.0f} bytes a hub); Markdown {md / 1e6:.3f} MB (limit 1,048,576 bytes)")
assert md < 1_048_576
text = open(sys.argv[3]).read()
print("  " + next(l for l in text.splitlines() if "hubs not listed" in l)[:90] + "...")
PY

if [ -z "$browser" ]; then
  echo "no Chromium: skipping the browser timing (apt-get install -y chromium, or set RUNBOOK_CHROMIUM)"
  exit 0
fi
echo
echo "== the HTML in headless Chromium"
chrome() { # page
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --window-size=1280,2000 --dump-dom "file://$1" 2>/dev/null
}
probe='<script>window.addEventListener("load", function () { var h = document.body.offsetHeight;
var p = document.createElement("pre"); p.id = "load-ms"; p.textContent = performance.now().toFixed(0) + " " + h;
document.body.appendChild(p); });</script>'
python3 - "$work/fleet.html" "$work/probe.html" "$probe" <<'PY'
import sys
page = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(page.replace("</body>", sys.argv[3] + "\n</body>"))
PY
echo '<!DOCTYPE html><html><body></body></html>' > "$work/blank.html"
for i in 1 2 3; do
  chrome "$work/probe.html" | sed -n 's/.*<pre id="load-ms">\([0-9]*\) \([0-9]*\)<\/pre>.*/  in the page: loaded and laid out in \1 ms (page height \2 px)/p'
done
hyperfine --shell bash --warmup 1 --runs 3 -n page "$(declare -f chrome); work=$work browser=$browser chrome $work/fleet.html > /dev/null" \
  -n blank "$(declare -f chrome); work=$work browser=$browser chrome $work/blank.html > /dev/null" \
  --export-json "$work/hf2.json" > /dev/null
python3 - "$work/hf2.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"  whole headless Chromium process: {r['page']:.2f} s for the page, {r['blank']:.2f} s for a blank page (+{r['page'] - r['blank']:.2f} s)")
PY
