"""The baseline `bench/drill.sh` measures runbook against: the DR drill SRE teams write by hand
with the Python SDK (azure-mgmt-iothub), run against an ARM endpoint (`runbook emulator`).

It does what `bench/seed-drill.yaml` does (`runbooks/drill.yaml` less its wait for devices),
in the way those scripts do it: read the hub and check it is Active, snapshot device counts,
quotas and endpoint health, start the manual failover and wait for it with the SDK's poller,
let the hub settle, read everything again, compare, and write a JSON DR log (fsync'd, as a careful script would). Waits are the
drill's own, multiplied by the emulator's time scale. It fails over to the hub's current
secondary, so runs against one emulator alternate between the two regions.

Usage: python3 bench/seed_drill.py ENDPOINT TIME_SCALE LOG_PATH
Needs: pip install azure-mgmt-iothub
"""

import json
import os
import sys
import time

from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import FailoverInput

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "myResourceGroup"
HUB = "myIoTHub"


class EmulatorToken:
    """The emulator takes any bearer token."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("emulator", int(time.time()) + 3600)


class BearerOverHttp(SansIOHTTPPolicy):
    """azure-core sends tokens only over https; the emulator listens on loopback http."""

    def on_request(self, request):
        request.http_request.headers["Authorization"] = "Bearer emulator"


def snapshot(client):
    hub = client.iot_hub_resource.get(RESOURCE_GROUP, HUB)
    stats = client.iot_hub_resource.get_stats(RESOURCE_GROUP, HUB)
    quotas = list(client.iot_hub_resource.get_quota_metrics(RESOURCE_GROUP, HUB))
    health = list(client.iot_hub_resource.get_endpoint_health(RESOURCE_GROUP, HUB))
    return {
        "location": hub.location,
        "state": hub.properties.state,
        "device_count": stats.total_device_count,
        "quotas": {q.name: {"current": q.current_value, "max": q.max_value} for q in quotas},
        "endpoints_total": len(health),
        "endpoints_healthy": sum(1 for e in health if e.health_status == "healthy"),
    }


def main():
    endpoint, scale, log_path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    client = IotHubClient(
        EmulatorToken(),
        SUBSCRIPTION,
        base_url=endpoint,
        authentication_policy=BearerOverHttp(),
        polling_interval=15 * scale,
    )
    start_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    hub = client.iot_hub_resource.get(RESOURCE_GROUP, HUB)
    if hub.properties.state != "Active":
        raise SystemExit(f"hub is {hub.properties.state}, not Active")
    target = next(l.location for l in hub.properties.locations if l.role.lower() == "secondary")
    log = {"operation": "iothub-dr-drill", "hub_name": HUB, "target_region": target}
    log["start_time"] = start_time
    pre = snapshot(client)
    log["pre_failover"] = pre
    started = time.time()
    poller = client.iot_hub.begin_manual_failover(
        HUB, RESOURCE_GROUP, FailoverInput(failover_region=target)
    )
    poller.result()
    log["failover_duration_seconds"] = time.time() - started
    time.sleep(5 * scale)
    post = snapshot(client)
    log["post_failover"] = post
    if post["location"].replace(" ", "").lower() != target.replace(" ", "").lower():
        raise SystemExit(f"hub is in {post['location']}, not {target}")
    log["device_drift"] = post["device_count"] - pre["device_count"]
    log["success"] = log["device_drift"] == 0
    log["end_time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(log_path, "w") as f:
        json.dump(log, f, indent=2)
        f.flush()
        os.fsync(f.fileno())


if __name__ == "__main__":
    main()
