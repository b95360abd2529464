#!/usr/bin/env bash
# Benchmarks a 1,000-hub fleet drill (bench/fleet-drill.yaml: validate, snapshot, failover,
# await, validate, snapshot, compare on every hub, 50 at once), two ways:
#
# 1. in-process emulator, zero-length failovers, no throttling, time scale 0.0001: what is
#    measured is the tool (1,000 engines, ~12,000 ARM calls, 1,000 journals and DR logs).
#    Whole process wall time (hyperfine) and peak RSS (/usr/bin/time -v).
#    Targets: under 10 s, under 150 MiB.
# 2. ARM's default budgets on, enforced by a standalone `runbook emulator` (throttling: {},
#    250 reads + 25/s and 200 writes + 10/s per subscription, in emulated time) at time scale
#    $SCALE (default 0.02: an emulated second is 20 ms, so the buckets refill 1,250 reads and
#    500 writes a real second; the bench stays around 10 s). The bound the budgets impose is
#    max((reads - 250) / 25, (writes - 200) / 10) emulated seconds, times the scale; the
#    client keeps 10% of each burst in reserve, so its own bound is (reads - 225) / 25.
#    Targets: zero 429s from the emulator, total within 10% of the bound.
#
# Needs hyperfine and /usr/bin/time (apt-get install -y hyperfine time), python3, curl.
# Usage: bench/fleet.sh [runs] [scale]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
scale="${2:-0.02}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q
bin="$CARGO_TARGET_DIR/release/runbook"
work="$(mktemp -d)"
emu_pid=""
trap '[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"' EXIT

echo "== 1,000 hubs, in-process emulator, zero failover, no throttling, time scale 0.0001 ($runs runs)"
run_a="$bin exec bench/fleet-drill.yaml --emulator --scenario bench/fleet-1000.yaml --time-scale 0.0001 --yes --fleet-dir $work/a"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/hf.json" --prepare "rm -rf $work/a" "$run_a > /dev/null"
rm -rf "$work/a"
/usr/bin/time -v $run_a > /dev/null 2> "$work/time.txt"
python3 - "$work/hf.json" "$work/time.txt" "$work/a/fleet.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))["results"][0]
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read()).group(1))
fleet = json.load(open(sys.argv[3]))
print(f"  median {r['median']:.2f} s (min {r['min']:.2f}, max {r['max']:.2f}; target < 10 s)")
print(f"  peak RSS {rss_kb / 1024:.1f} MiB (target < 150 MiB)")
print(f"  hubs: {fleet['counts']}")
assert fleet["counts"]["succeeded"] == 1000, "not every hub succeeded"
PY

echo
echo "== 1,000 hubs under ARM's default budgets (standalone emulator enforcing them), time scale $scale"
"$bin" emulator --scenario bench/fleet-1000-throttled.yaml --time-scale "$scale" > "$work/emu.txt" &
emu_pid=$!
for _ in $(seq 1 500); do grep -q "listening on" "$work/emu.txt" 2>/dev/null && break; sleep 0.01; done
url="$(sed -n 's/^ARM emulator listening on //p' "$work/emu.txt")"
start=$(date +%s.%N)
"$bin" exec bench/fleet-drill.yaml --arm-endpoint "$url" --auth emulator --time-scale "$scale" --yes \
  --fleet-dir "$work/b" --lock-dir "$work/locks" > /dev/null
end=$(date +%s.%N)
curl -s "$url/_emulator/requests" > "$work/requests.json"
python3 - "$work/requests.json" "$start" "$end" "$scale" "$work/b/fleet.json" <<'PY'
import json, sys
reqs = [r for r in json.load(open(sys.argv[1])) if not r["path"].startswith("/_emulator")]
elapsed = float(sys.argv[3]) - float(sys.argv[2]); scale = float(sys.argv[4])
reads = sum(1 for r in reqs if r["method"] == "GET"); writes = len(reqs) - reads
throttled = sum(1 for r in reqs if r["status"] == 429)
arm_bound = max((reads - 250) / 25, (writes - 200) / 10) * scale
client_bound = max((reads - 225) / 25, (writes - 180) / 10) * scale
fleet = json.load(open(sys.argv[5]))
print(f"  {reads} reads, {writes} writes, {throttled} answered 429 (target 0)")
print(f"  bound: max(({reads} - 250) / 25, ({writes} - 200) / 10) = {arm_bound / scale:.0f} emulated s = {arm_bound:.2f} s at {scale}"
      f" (client, with its 10% reserve: {client_bound:.2f} s)")
print(f"  whole process {elapsed:.2f} s = {elapsed / arm_bound:.3f} x the bound (target within 10%)")
print(f"  hubs: {fleet['counts']}")
assert fleet["counts"]["succeeded"] == 1000 and throttled == 0
PY
