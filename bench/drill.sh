#!/usr/bin/env bash
# Benchmarks a whole `runbook exec bench/seed-drill.yaml` process (the drill the Python scripts
# do: runbooks/drill.yaml without the wait for devices to come back) against the in-process
# emulator, with a zero-length failover and waits scaled to almost nothing, so what is measured
# is the tool itself: start-up, loading, the emulator, every ARM call, the journal's fsyncs and
# the DR log. Against it, the same drill as the hand-written Python scripts do it
# (bench/seed_drill.py, azure-mgmt-iothub) against `runbook emulator`, both at time scale 0.0001;
# the ratio of the medians is the speed-up (goal: 30x). Then counts the fsyncs of one drill
# (strace), and measures how long after the emulator completes a failover the engine records
# it (the detection lag), which must stay within one poll interval.
#
# The binary is the installed build (`--profile dist`, README "Install"): whole-program
# optimised. PROFILE=release measures the plain release build instead.
#
# Needs hyperfine and strace (apt-get install -y hyperfine strace) and the Python SDK
# (pip install azure-mgmt-iothub). Usage: bench/drill.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
profile="${PROFILE:-dist}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --profile "$profile" --locked -q
bin="$CARGO_TARGET_DIR/$profile/runbook"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== whole drill, zero failover, time scale 0.0001 ($runs runs)"
# -N: no shell around either command (hyperfine discards their output), so a shell's start-up
# is not counted in either.
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/hf.json" --prepare "rm -f $work/dr.json $work/dr.json.jsonl" \
  "$bin exec bench/seed-drill.yaml --emulator --scenario bench/zero-failover.yaml --time-scale 0.0001 --yes --log $work/dr.json --output json"
python3 - "$work/hf.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"  median {r['median'] * 1000:.1f} ms (target < 50 ms)")
PY

echo
echo "== the same drill with the Python SDK (bench/seed_drill.py) against runbook emulator ($runs runs)"
port=$((20000 + RANDOM % 20000))
"$bin" emulator --addr "127.0.0.1:$port" --scenario bench/zero-failover.yaml --time-scale 0.0001 >"$work/emu.log" 2>&1 &
emu_pid=$!
trap 'kill $emu_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$work/emu.log" && break; sleep 0.05; done
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/py.json" \
  "python3 bench/seed_drill.py http://127.0.0.1:$port 0.0001 $work/py-dr.json"
python3 - "$work/hf.json" "$work/py.json" <<'PY'
import json, sys
rb = json.load(open(sys.argv[1]))["results"][0]["median"]
py = json.load(open(sys.argv[2]))["results"][0]["median"]
print(f"  runbook {rb * 1000:.1f} ms, Python SDK {py * 1000:.1f} ms: {py / rb:.1f}x (goal 30x)")
PY

echo
echo "== the same two, alternating run by run ($runs pairs): the ratio holds when the machine's speed drifts"
python3 - "$bin" "$work" "$port" "$runs" <<'PY'
import statistics, subprocess, sys, time
bin, work, port, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t
ratios = []
for i in range(runs + 3):
    rb = timed([bin, "exec", "bench/seed-drill.yaml", "--emulator", "--scenario", "bench/zero-failover.yaml",
                "--time-scale", "0.0001", "--yes", "--log", f"{work}/pair-{i}.json", "--output", "json"])
    py = timed(["python3", "bench/seed_drill.py", f"http://127.0.0.1:{port}", "0.0001", f"{work}/pair-py.json"])
    if i >= 3:  # warm-up pairs
        ratios.append(py / rb)
print(f"  median of {runs} pair ratios: {statistics.median(ratios):.1f}x (min {min(ratios):.1f}, max {max(ratios):.1f}; goal 30x)")
PY

echo
echo "== fsyncs in one drill (strace -f)"
rm -f "$work/dr.json" "$work/dr.json.jsonl"
strace -f -qq -c -e trace=fsync,fdatasync -o "$work/strace.txt" \
  "$bin" exec bench/seed-drill.yaml --emulator --scenario bench/zero-failover.yaml --time-scale 0.0001 --yes --log "$work/dr.json" --output json > /dev/null
awk '/fsync|fdatasync/ { n += $4; printf "  %s: %s\n", $NF, $4 } END { printf "  total: %d per drill\n", n }' "$work/strace.txt"
echo "  journal lines: $(wc -l < "$work/dr.json.jsonl"), of which progress ticks: $(grep -c step_progress "$work/dr.json.jsonl" || true)"

echo
echo "== detection lag: 2 s failover, 15 s poll interval, time scale 0.01 (20 ms failover, 150 ms polls)"
for i in 1 2 3 4 5; do
  rm -f "$work/lag.json" "$work/lag.json.jsonl"
  "$bin" exec bench/seed-drill.yaml --emulator --time-scale 0.01 --yes --log "$work/lag.json" --output json > /dev/null
  python3 - "$work/lag.json" <<'PY'
import json, sys
from datetime import datetime
log = json.load(open(sys.argv[1]))
parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")[:26] + "+00:00" if "." in s else s.replace("Z", "+00:00"))
started = parse(log["failover_started"]); done = parse(log["failover_completed"])
emulated_done_ms = 2000 * 0.01
lag_ms = (done - started).total_seconds() * 1000 - emulated_done_ms
print(f"  failover recorded {lag_ms:6.1f} ms after the emulator completed it (poll interval 150 ms)")
PY
done
