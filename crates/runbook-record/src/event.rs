//! Run events: everything the engine has to say, as data.
//!
//! The engine's runner emits `RunEvent`s in order; its subscribers (the engine's `EventSink`s)
//! turn them into terminal output, JSON lines, the journal (one event per line) and, through
//! `DrLogFold`, the DR log. Events carry full records so a journal alone can rebuild the DR log
//! and let `resume` continue. Secrets are masked by the engine before any subscriber sees one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dr_log::RunbookIdentity;
use crate::kind::StepKindName;
use crate::objective::ObjectiveResult;
use crate::preflight::PreflightRecord;
use crate::section::SectionName;
use crate::status::RunStatus;
use crate::step::StepRecord;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    RunStarted {
        run_id: String,
        time: String,
        runbook: RunbookIdentity,
        dry_run: bool,
        /// The resolved target: subscription, resource_group, hub.
        target: Value,
        /// Parameter values (secrets masked).
        params: Value,
        /// The parameters whose values are masked in `params`: `resume` asks for exactly
        /// these again (absent in journals written before it existed).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        masked_params: Vec<String>,
        /// The runbook file as an absolute path, so `resume` finds it from any directory
        /// (absent in journals written before it existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runbook_file: Option<String>,
        /// Where the DR log will be written.
        log_path: String,
        /// Against an emulator with scaled time: emulated seconds per real second (absent
        /// against Azure, and in journals written before it existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time_scale: Option<f64>,
        /// The hub lived in an emulator inside the process that ran this (`--emulator`,
        /// `runbook test`): it ended with that process, so the run cannot be resumed. Absent
        /// otherwise (Azure, a standalone `runbook emulator`), and in older journals.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        in_process_emulator: bool,
        /// A keyed fingerprint of the hub's identity, written only when a secret parameter
        /// masks it in `target`, so this machine's failover history can still match the hub
        /// (absent otherwise, and in older journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hub_fingerprint: Option<String>,
    },
    /// Where the drill's failover is going, known before it starts (see `target_region`).
    TargetRegionKnown {
        region: String,
        /// How it is known: the failover step's rendered region, or a reading of the hub.
        source: String,
    },
    /// What the preflight found, before the first step (see `preflight`).
    PreflightChecked {
        preflight: PreflightRecord,
    },
    StepStarted {
        step: String,
        name: String,
        kind: StepKindName,
        section: SectionName,
        time: String,
        attempt: u32,
    },
    /// A long step's heartbeat: a poll, a health re-check, a sleep tick.
    StepProgress {
        step: String,
        message: String,
        elapsed_ms: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        hub_state: Option<String>,
    },
    StepRetrying {
        step: String,
        attempt: u32,
        delay_ms: u64,
        error: String,
    },
    /// A failover is about to be requested: written to the journal and fsync'd before the POST
    /// is sent. On resume, an intent with no `FailoverStarted` and no record of its step after
    /// it is an outcome to find out from the hub, never a reason to post again.
    FailoverIntent {
        step: String,
        time: String,
        from_region: String,
        region: String,
    },
    /// A failover was accepted by ARM. Written to the journal before anything else happens, so
    /// a later process can re-attach to it instead of failing over twice.
    FailoverStarted {
        step: String,
        time: String,
        region: String,
        /// The serialized `iothub_arm::FailoverOperation`, or null when ARM's answer was lost
        /// and the hub's own state is the only witness.
        operation: Value,
    },
    StepFinished {
        record: StepRecord,
    },
    /// The runbook's recovery objectives, measured once the main steps are over (see
    /// `objectives`). A resumed run measures again; the later event replaces the earlier.
    ObjectivesMeasured {
        objectives: Vec<ObjectiveResult>,
    },
    RunFinished {
        time: String,
        status: RunStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Whether anything in Azure was changed (a failover was started).
        changed: bool,
        /// Whether a rollback or finally step failed.
        cleanup_failed: bool,
    },
}

impl RunEvent {
    /// Whether `resume` depends on this event being on disk before the run goes on: a
    /// failover's intent (before its POST) and its accepted operation (after it), and the
    /// run's end. The run's start needs no sync of its own: it is the journal's first line,
    /// and the intent's sync covers every line before it (until then nothing was changed, and
    /// a journal lost to a machine crash only means the reads run again). Nor does the
    /// failover step's record: resume rebuilds it from the accepted operation. Read-only
    /// steps may simply run again.
    pub fn is_durable(&self) -> bool {
        matches!(
            self,
            RunEvent::FailoverIntent { .. }
                | RunEvent::FailoverStarted { .. }
                | RunEvent::RunFinished { .. }
        )
    }
}
