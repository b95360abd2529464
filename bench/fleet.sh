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
# 3. The same 1,000 hubs spread over three subscriptions, each with its own budget: the
#    scheduler spends all three at once, so the fleet takes the slowest subscription's bound,
#    not the sum. Run at 3 x $SCALE, so that bound is as long as run 2's and the process's
#    fixed start and finish weigh as little. Targets: zero 429s, within 10% of that bound;
#    reads per hub printed.
# 4. 10,000 hubs in-process as in 1 (one run). Targets: under 30 s, under 300 MiB.
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

echo
scale3="$(python3 -c "print($scale * 3)")"
echo "== 1,000 hubs over 3 subscriptions under ARM's budgets, time scale $scale3"
kill "$emu_pid" 2>/dev/null || true
subs="11111111-1111-1111-1111-111111111111, 22222222-2222-2222-2222-222222222222, 33333333-3333-3333-3333-333333333333"
printf 'generate:\n  count: 1000\n  subscriptions: [%s]\n  failover: { duration: 0s, retry_after: 0s }\nthrottling: {}\n' "$subs" > "$work/3subs.yaml"
sed "s/^  subscription: .*/  subscriptions: [$subs]/" bench/fleet-drill.yaml > "$work/fleet-3subs.yaml"
"$bin" emulator --scenario "$work/3subs.yaml" --time-scale "$scale3" > "$work/emu3.txt" &
emu_pid=$!
for _ in $(seq 1 500); do grep -q "listening on" "$work/emu3.txt" 2>/dev/null && break; sleep 0.01; done
url="$(sed -n 's/^ARM emulator listening on //p' "$work/emu3.txt")"
start=$(date +%s.%N)
"$bin" exec "$work/fleet-3subs.yaml" --arm-endpoint "$url" --auth emulator --time-scale "$scale3" --yes \
  --fleet-dir "$work/c" --lock-dir "$work/locks" > /dev/null
end=$(date +%s.%N)
curl -s "$url/_emulator/requests" > "$work/requests3.json"
python3 - "$work/requests3.json" "$start" "$end" "$scale3" "$work/c/fleet.json" <<'PY'
import json, re, sys, collections
reqs = [r for r in json.load(open(sys.argv[1])) if not r["path"].startswith("/_emulator")]
elapsed = float(sys.argv[3]) - float(sys.argv[2]); scale = float(sys.argv[4])
by_sub = collections.defaultdict(lambda: [0, 0])
for r in reqs:
    m = re.search(r"/subscriptions/([^/]+)/", r["path"])
    by_sub[m.group(1) if m else "?"][0 if r["method"] == "GET" else 1] += 1
throttled = sum(1 for r in reqs if r["status"] == 429)
bound = max(max((rd - 250) / 25, (wr - 200) / 10) for rd, wr in by_sub.values()) * scale
fleet = json.load(open(sys.argv[5]))
hubs = fleet["counts"]["total"]
reads = sum(rd for rd, _ in by_sub.values())
for sub, (rd, wr) in sorted(by_sub.items()):
    print(f"  {sub}: {rd} reads, {wr} writes")
print(f"  {reads / hubs:.1f} reads per hub (the listings included), {throttled} answered 429 (target 0)")
print(f"  slowest subscription's bound {bound:.2f} s at {scale}; whole process {elapsed:.2f} s = {elapsed / bound:.3f} x (target within 10%)")
print(f"  hubs: {fleet['counts']}")
assert fleet["counts"]["succeeded"] == 1000 and throttled == 0
PY

echo
echo "== 10,000 hubs, in-process emulator, zero failover, no throttling, time scale 0.0001 (one run)"
printf 'generate:\n  count: 10000\n  failover: { duration: 0s, retry_after: 0s }\n' > "$work/10k.yaml"
/usr/bin/time -v "$bin" exec bench/fleet-drill.yaml --emulator --scenario "$work/10k.yaml" --time-scale 0.0001 --yes \
  --fleet-dir "$work/d" > /dev/null 2> "$work/time10k.txt"
python3 - "$work/time10k.txt" "$work/d/fleet.json" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", t).group(1)
parts = [float(x) for x in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
fleet = json.load(open(sys.argv[2]))
print(f"  {secs:.1f} s (target < 30 s), peak RSS {rss_kb / 1024:.1f} MiB (target < 300 MiB)")
print(f"  hubs: {fleet['counts']}")
assert fleet["counts"]["succeeded"] == 10000
PY

