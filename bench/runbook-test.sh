#!/usr/bin/env bash
# Benchmarks `runbook test` as a whole process (release build): the shipped suite
# (runbooks/*.test.yaml) and a generated suite of N cases against drill.yaml that cycles
# through the shipped kinds of trouble (happy path, hub not Active, failover Failed, device
# drop, unhealthy endpoint, throttling). Goldens of the generated suite are written by a first
# run, so the timed runs compare against them as CI would.
#
# Needs hyperfine (apt-get install -y hyperfine). Usage: bench/runbook-test.sh [N] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-500}"
runs="${2:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked -q
bin="$CARGO_TARGET_DIR/release/runbook"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== shipped suite: runbook test runbooks/ ($runs runs, default -j = $(nproc) CPUs)"
cp -r runbooks "$work/shipped"
hyperfine --warmup 2 --runs "$runs" -N --export-json "$work/shipped.json" \
  "$bin test $work/shipped"
cases=$(CI=true "$bin" test "$work/shipped" | tail -n 1)
echo "  ($cases)"

echo
echo "== generated suite: $n cases against drill.yaml"
mkdir -p "$work/gen"
cp runbooks/drill.yaml "$work/gen/drill.yaml"
python3 - "$n" "$work/gen/drill.test.yaml" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
kinds = [
    ("", "exit: 0"),
    ("scenario: { hub: { state: Transitioning } }", "exit: 3"),
    ("scenario: { hub: { failover: { outcome: failed } } }", "exit: 1"),
    ("scenario: { hub: { failover: { after: { devices: { enabled: 1080 } } } } }", "exit: 1"),
    ("scenario: { hub: { endpoints: { events: healthy, archive: healthy }, failover: { after: { endpoints: { archive: unhealthy } } } } }", "exit: 0"),
    ("scenario: { faults: [ { method: GET, path: IotHubStats, status: 429, retry_after: 1, times: 2 } ] }", "exit: 0"),
]
with open(out, "w") as f:
    f.write("cases:\n")
    for i in range(n):
        scenario, expect = kinds[i % len(kinds)]
        f.write(f"  - name: case-{i:04d}\n")
        if scenario:
            f.write(f"    {scenario}\n")
        f.write(f"    expect: {{ {expect} }}\n")
PY
env -u CI "$bin" test "$work/gen" > /dev/null
hyperfine --warmup 1 --runs "$runs" -N --export-json "$work/gen.json" "$bin test $work/gen"
CI=true "$bin" test "$work/gen" | tail -n 1
python3 - "$work/shipped.json" "$work/gen.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["results"][0]
g = json.load(open(sys.argv[2]))["results"][0]
print(f"shipped suite: median {s['median']:.2f} s (target < 2 s)")
print(f"{sys.argv[3]} generated cases: median {g['median']:.2f} s (target < 15 s)")
PY
