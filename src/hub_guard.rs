//! The CLI's side of "one drill per hub": `--lock-dir`, `--force-cooldown`, and taking the
//! hub lock for `exec` and `resume`.
//!
//! After the runbook is validated and its target rendered, `lock_plan` turns the ARM endpoint
//! (from `--arm-endpoint` or `--cloud`) and the target into the `HubKey` whose lock the
//! engine's `Session` takes in the lock directory (`--lock-dir`, `RUNBOOK_LOCK_DIR`, or
//! `<temp>/runbook-locks`) before any ARM call or journal, and holds until the DR log is
//! written. `history_plan` / `fleet_history_dir` say where the session reads the hub's
//! failover history (`--history-dir`, `RUNBOOK_HISTORY_DIR`). With `--emulator` the hub is
//! private to the process, so no lock is taken, and no local failover history applies.

use std::path::{Path, PathBuf};

use runbook_engine::session::{HubKey, default_lock_dir, log_directory};
use runbook_engine::{CooldownPolicy, HistoryPlan, HubTarget, LockPlan, Redactor};

use crate::azure_args::TargetArgs;

#[derive(Debug, Clone, clap::Args)]
pub struct SafetyArgs {
    /// Directory of the per-hub lock files that keep a second drill off a hub while one runs
    /// (default: <temp>/runbook-locks, created if missing). Every runbook process that may
    /// drive the same hub must use the same directory. Not used with --emulator, whose hub is
    /// private to the process.
    #[arg(long, value_name = "DIR", env = "RUNBOOK_LOCK_DIR")]
    pub lock_dir: Option<PathBuf>,
    /// Fail over even if the hub's failover history (DR logs and journals beside this run's
    /// log, and this run's own failovers) says Azure's limits forbid it: an hour after the last
    /// completed failover, at most 2 per direction per 24 h. The override is recorded in the
    /// step's details; Azure's own refusal still applies.
    #[arg(long)]
    pub force_cooldown: bool,
    /// Where the hub's failover history is read for the cooldown check: the DR logs and
    /// journals in DIR and in the fleet directories directly inside it. Default: the DR log's
    /// directory for one hub, the fleet directory's parent for a fleet (so
    /// drills/2026-12-04/ sees drills/2026-12-03/). Not used with --emulator.
    #[arg(long, value_name = "DIR", env = "RUNBOOK_HISTORY_DIR")]
    pub history_dir: Option<PathBuf>,
}

impl SafetyArgs {
    /// How the run treats the hub's failover history.
    pub fn cooldown(&self, target: &TargetArgs) -> CooldownPolicy {
        if target.emulator {
            CooldownPolicy::PrivateEmulator
        } else if self.force_cooldown {
            CooldownPolicy::Forced
        } else {
            CooldownPolicy::Enforce
        }
    }

    /// The hub lock a run must take for `command` (`exec`, `resume`); `Ok(None)` when none is
    /// needed (--emulator). A secret in the target shows only as a hash in the lock's file
    /// name, its details and the "already running" message.
    pub fn lock_plan(
        &self,
        target_args: &TargetArgs,
        target: &HubTarget,
        command: &str,
        redactor: &Redactor,
    ) -> Result<Option<LockPlan>, String> {
        let Some(authority) = target_args
            .lock_authority()
            .map_err(|e| format!("error: {}", e.0))?
        else {
            return Ok(None);
        };
        Ok(Some(LockPlan {
            dir: self.lock_dir.clone().unwrap_or_else(default_lock_dir),
            key: HubKey::with_secrets(&authority, target, redactor),
            command: command.to_string(),
        }))
    }

    /// Where a single run reads the hub's failover history: `--history-dir`, else the DR
    /// log's directory; none with --emulator.
    pub fn history_plan(&self, target_args: &TargetArgs, log_path: &Path) -> HistoryPlan {
        if target_args.emulator {
            return HistoryPlan::None;
        }
        HistoryPlan::Dir(
            self.history_dir
                .clone()
                .unwrap_or_else(|| log_directory(log_path)),
        )
    }

    /// Where a fleet reads its hubs' failover history: `--history-dir`, else the fleet
    /// directory's parent (so a fleet sees the fleets run beside it); none with --emulator.
    pub fn fleet_history_dir(&self, target_args: &TargetArgs, fleet_dir: &Path) -> Option<PathBuf> {
        if target_args.emulator {
            return None;
        }
        Some(self.history_dir.clone().unwrap_or_else(|| {
            let abs = std::path::absolute(fleet_dir).unwrap_or_else(|_| fleet_dir.to_path_buf());
            abs.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        }))
    }
}
