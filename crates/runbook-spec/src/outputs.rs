//! The outputs each step kind produces, for `{{steps.ID.OUTPUT}}` and the DR log.
//!
//! This table is the contract between the language (which checks references at load time) and
//! the engine (which fills these keys when a step runs). Every kind also has `status`.

/// Output names of a step kind (by YAML kind name).
pub fn outputs_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "validate" => &[
            "status",
            "state",
            "provisioning_state",
            "location",
            "secondary",
        ],
        "snapshot-metrics" => &[
            "status",
            "state",
            "provisioning_state",
            "location",
            "secondary",
            "device_count",
            "enabled_devices",
            "disabled_devices",
            "quotas",
            "endpoints_total",
            "endpoints_healthy",
            "endpoints_unhealthy",
            "endpoints",
            "connected_devices",
            "telemetry_per_minute",
            "event_hub_endpoint",
            "monitor",
        ],
        "failover" => &["status", "region", "from_region", "started_at"],
        "await" => &[
            "status",
            "completed_at",
            "duration_seconds",
            "detection_lag_seconds",
            "state",
            "location",
        ],
        "compare-devices" => &["status", "before", "after", "drift"],
        "health-check" => &[
            "status",
            "total",
            "healthy",
            "unhealthy",
            "accepted",
            "endpoints",
        ],
        "await-recovery" => &[
            "status",
            "baseline_connected_devices",
            "baseline_telemetry_per_minute",
            "connected_devices",
            "telemetry_per_minute",
            "devices_missing",
            "device_recovery_seconds",
            "telemetry_recovery_seconds",
            "event_hub_endpoint",
            "event_hub_endpoint_changed",
            "series",
        ],
        _ => &["status"],
    }
}

/// Outputs that are objects, so deeper paths below them are allowed.
pub fn is_object_output(name: &str) -> bool {
    matches!(name, "quotas" | "endpoints" | "monitor")
}

/// Fields of the `target` context.
pub const TARGET_FIELDS: &[&str] = &["subscription", "resource_group", "hub"];

/// Fields of the `run` context.
pub const RUN_FIELDS: &[&str] = &["id", "started_at", "dry_run", "runbook"];
