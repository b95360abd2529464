#!/usr/bin/env bash
# Times a cold `cargo build --release` (an empty target dir, the registry already downloaded)
# with cargo's --timings, and prints the wall time, the CPU time, the units on top and the
# duplicate crates left in the graph. The HTML report stays in the target dir for a closer look.
#
# Usage: bench/cold-build.sh [TARGET_DIR]   (default: a fresh temporary dir, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-}"
if [ -z "$target" ]; then
  target="$(mktemp -d)"
  trap 'rm -rf "$target"' EXIT
fi
cargo fetch --locked -q
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$target.cpu" cargo build --release --locked --timings --target-dir "$target" -q
end=$(date +%s.%N)
read -r user sys < "$target.cpu"
rm -f "$target.cpu"
python3 - "$target" "$start" "$end" "$user" "$sys" <<'PY'
import glob, json, re, sys
target, start, end, user, sys_ = sys.argv[1], *map(float, sys.argv[2:])
report = sorted(glob.glob(f"{target}/cargo-timings/cargo-timing-*.html"))[-1]
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", open(report).read(), re.S).group(1))
units.sort(key=lambda u: -u["duration"])
print(f"cold release build: {end - start:.0f} s wall, {user + sys_:.0f} s CPU, {len(units)} units")
for u in units[:10]:
    kind = " (build script)" if "build-script" in u.get("target", "") else ""
    print(f"  {u['duration']:6.1f} s  {u['name']} {u['version']}{kind}")
PY
echo "duplicate crates (cargo tree -d, normal and build edges):"
cargo tree -d -e normal,build --locked 2>/dev/null | grep -E '^[a-z]' | sort -u | sed 's/^/  /'
