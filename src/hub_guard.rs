//! The CLI's side of "one drill per hub": `--lock-dir`, `--force-cooldown`, and taking the
//! hub lock for `exec` and `resume`.
//!
//! After the runbook is validated and its target rendered, and before any ARM call or any
//! journal is created, `take` turns the ARM endpoint (from `--arm-endpoint` or `--cloud`) and
//! the target into a `HubKey` and takes its `HubLock` in the lock directory (`--lock-dir`,
//! `RUNBOOK_LOCK_DIR`, or `<temp>/runbook-locks`). The command keeps the guard until it has
//! written the DR log and is about to exit. With `--emulator` the hub is private to the
//! process, so no lock is taken, and the local failover history does not apply either.

use std::path::{Path, PathBuf};

use runbook_engine::hub_lock::{self, HubKey, HubLock, LockHolder};
use runbook_engine::{CooldownPolicy, HubTarget};

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

    /// Takes the hub's lock for `command` (`exec`, `resume`) writing `log_path`; `Ok(None)`
    /// when none is needed (--emulator). On refusal, the text to print (exit 2).
    pub fn take(
        &self,
        target_args: &TargetArgs,
        target: &HubTarget,
        command: &str,
        log_path: &Path,
    ) -> Result<Option<HubLock>, String> {
        let Some(authority) = target_args
            .lock_authority()
            .map_err(|e| format!("error: {}", e.0))?
        else {
            return Ok(None);
        };
        let key = HubKey::new(&authority, target);
        let dir = self
            .lock_dir
            .clone()
            .unwrap_or_else(hub_lock::default_lock_dir);
        // The holder's log path is what another SRE reads from another directory.
        let shown = std::path::absolute(log_path).unwrap_or_else(|_| log_path.to_path_buf());
        let holder = LockHolder::this_process(command, &shown.display().to_string(), &key);
        HubLock::acquire(&dir, &key, &holder)
            .map(Some)
            .map_err(|e| format!("error: {e}"))
    }
}
