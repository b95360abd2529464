//! The fleet log on disk: written atomically into the fleet directory, rewritten by
//! `resume`, read back by it. The log's types and the fleet's exit code are plain data in
//! `runbook_record::fleet`, re-exported here.

use std::path::Path;

pub use runbook_record::fleet::{
    FLEET_LOG_NAME, FleetCounts, FleetHubRecord, FleetHubStatus, FleetLog, FleetShard,
    fleet_exit_code, fleet_log_schema_text,
};

/// Writes the fleet log atomically (a temp file renamed over it): it is the fleet's current
/// state, rewritten by `resume`.
pub fn write(path: &Path, log: &FleetLog) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(log).map_err(std::io::Error::other)?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    crate::log_file::sync_parent_dir(path)
}

/// Reads a fleet log.
pub fn read(path: &Path) -> Result<FleetLog, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a fleet log: {e}", path.display()))
}
