#!/usr/bin/env bash
# Benchmarks a whole `runbook exec runbooks/drill.yaml` process against the in-process
# emulator, with a zero-length failover and waits scaled to almost nothing, so what is measured
# is the tool itself: start-up, loading, the emulator, every ARM call, the journal's fsyncs and
# the DR log. Then measures how long after the emulator completes a failover the engine records
# it (the detection lag), which must stay within one poll interval.
#
# Needs hyperfine (apt-get install -y hyperfine). Usage: bench/drill.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q
bin="$CARGO_TARGET_DIR/release/runbook"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== whole drill, zero failover, time scale 0.0001 ($runs runs)"
hyperfine --warmup 3 --runs "$runs" --export-json "$work/hf.json" --prepare "rm -f $work/dr.json $work/dr.json.jsonl" \
  "$bin exec runbooks/drill.yaml --emulator --scenario bench/zero-failover.yaml --time-scale 0.0001 --yes --log $work/dr.json --output json > /dev/null"
python3 - "$work/hf.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"  median {r['median'] * 1000:.1f} ms (target < 50 ms)")
PY

echo
echo "== detection lag: 2 s failover, 15 s poll interval, time scale 0.01 (20 ms failover, 150 ms polls)"
for i in 1 2 3 4 5; do
  rm -f "$work/lag.json" "$work/lag.json.jsonl"
  "$bin" exec runbooks/drill.yaml --emulator --time-scale 0.01 --yes --log "$work/lag.json" --output json > /dev/null
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
