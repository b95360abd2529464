#!/usr/bin/env bash
# Throughput of GET hub and memory with 10,000 hubs, on loopback only.
#
#   bash crates/iothub-emulator/benches/loadtest.sh [DURATION_S] [CONNECTIONS]
#
# Needs `wrk` (Debian: apt-get install -y wrk). Starts the `serve` example with 10,000 hubs on
# 127.0.0.1, reads its RSS (idle, after every hub body was rendered by an unpaged list of all
# 10,000 hubs, and after the load), and runs wrk against GET hub with a Bearer header.
set -euo pipefail
duration="${1:-10}"
connections="${2:-64}"
crate_dir="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$crate_dir/../../target}"
command -v wrk >/dev/null || { echo "wrk not found (apt-get install -y wrk)" >&2; exit 1; }

cargo build --release --quiet --manifest-path "$crate_dir/Cargo.toml" --example serve
out="$(mktemp)"
"$target/release/examples/serve" --hubs 10000 >"$out" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do [ -s "$out" ] && break; sleep 0.1; done
base="$(head -n1 "$out")"
case "$base" in http://127.0.0.1:*) ;; *) echo "emulator did not start" >&2; exit 1 ;; esac

rss() { awk '/^VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$pid/status"; }
api="api-version=2023-06-30"
sub=00000000-0000-0000-0000-000000000000
echo "emulator: $base (10,000 hubs)"
echo "RSS idle:                        $(rss)"
curl -sf -o /dev/null -H 'Authorization: Bearer bench' \
  "$base/subscriptions/$sub/providers/Microsoft.Devices/IotHubs?$api"
echo "RSS after listing all 10k hubs:  $(rss)"
url="$base/subscriptions/$sub/resourceGroups/myResourceGroup/providers/Microsoft.Devices/IotHubs/hub-05000?$api"
wrk -t1 -c"$connections" -d"${duration}s" --latency -H 'Authorization: Bearer bench' "$url"
echo "RSS after load:                  $(rss)"
