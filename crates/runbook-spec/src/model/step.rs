//! A step: common fields (id, when, timeout, retry, on_failure, confirm) plus exactly one kind.
//!
//! The YAML form is `StepDoc`: one optional field per kind, so that unknown keys, misspelled
//! kinds and wrong types all surface with their position through the schema. `Step::from_doc`
//! then turns it into `Step` with a `StepKind` enum, refusing a step with no kind or two.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::DurationSpec;
use super::kinds::{
    AwaitSpec, CompareDevicesSpec, FailoverSpec, HealthCheckSpec, SnapshotSpec, ValidateSpec,
};
use super::recovery::AwaitRecoverySpec;
use super::template::TemplateText;

/// What happens to the run when this step fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// Stop the run; `rollback` then `finally` run. The default.
    #[default]
    Abort,
    /// Record the step as a warning and go on; the run can still succeed.
    Warn,
    /// Record the step as failed and go on; the run fails at the end.
    Continue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backoff {
    #[default]
    Fixed,
    Exponential,
}

/// Re-running a failed step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Total attempts, the first included.
    #[schemars(range(min = 1, max = 100))]
    #[serde(deserialize_with = "super::constraints::attempts")]
    pub attempts: u32,
    #[serde(default)]
    pub backoff: Backoff,
    /// Wait before the second attempt.
    #[serde(default = "default_retry_delay")]
    pub delay: DurationSpec,
    /// Cap on the wait for exponential backoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<DurationSpec>,
}

fn default_retry_delay() -> DurationSpec {
    DurationSpec(std::time::Duration::from_secs(5))
}

/// Step kind names as written in YAML, in documentation order.
pub const KIND_NAMES: &[&str] = &[
    "validate",
    "snapshot-metrics",
    "failover",
    "await",
    "compare-devices",
    "health-check",
    "sleep",
    "await-recovery",
];

/// A step as written in YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    /// Unique id: lowercase letters, digits and `_`, starting with a letter.
    #[schemars(regex(pattern = r"^[a-z][a-z0-9_]*$"), length(max = 64))]
    #[serde(deserialize_with = "super::constraints::step_id")]
    pub id: String,
    /// Human name for reports; the id is used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Runs the step only when this template renders `true`; otherwise it is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<TemplateText>,
    /// Fails the attempt when it takes longer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySpec>,
    #[serde(default)]
    pub on_failure: OnFailure,
    /// A question put to the operator before the step runs; `--yes` answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<TemplateText>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate: Option<ValidateSpec>,
    #[serde(
        default,
        rename = "snapshot-metrics",
        skip_serializing_if = "Option::is_none"
    )]
    pub snapshot_metrics: Option<SnapshotSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<FailoverSpec>,
    #[serde(default, rename = "await", skip_serializing_if = "Option::is_none")]
    pub await_: Option<AwaitSpec>,
    #[serde(
        default,
        rename = "compare-devices",
        skip_serializing_if = "Option::is_none"
    )]
    pub compare_devices: Option<CompareDevicesSpec>,
    #[serde(
        default,
        rename = "health-check",
        skip_serializing_if = "Option::is_none"
    )]
    pub health_check: Option<HealthCheckSpec>,
    /// Waits this long (e.g. to let the hub settle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep: Option<DurationSpec>,
    #[serde(
        default,
        rename = "await-recovery",
        skip_serializing_if = "Option::is_none"
    )]
    pub await_recovery: Option<AwaitRecoverySpec>,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Validate(ValidateSpec),
    SnapshotMetrics(SnapshotSpec),
    Failover(FailoverSpec),
    Await(AwaitSpec),
    CompareDevices(CompareDevicesSpec),
    HealthCheck(HealthCheckSpec),
    Sleep(DurationSpec),
    AwaitRecovery(AwaitRecoverySpec),
}

impl StepKind {
    /// The kind's YAML name.
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Validate(_) => "validate",
            StepKind::SnapshotMetrics(_) => "snapshot-metrics",
            StepKind::Failover(_) => "failover",
            StepKind::Await(_) => "await",
            StepKind::CompareDevices(_) => "compare-devices",
            StepKind::HealthCheck(_) => "health-check",
            StepKind::Sleep(_) => "sleep",
            StepKind::AwaitRecovery(_) => "await-recovery",
        }
    }

    /// Whether the step changes Azure (skipped under `--dry-run`).
    pub fn is_mutation(&self) -> bool {
        matches!(self, StepKind::Failover(_))
    }
}

/// A typed step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: String,
    pub name: Option<String>,
    pub when: Option<TemplateText>,
    pub timeout: Option<DurationSpec>,
    pub retry: Option<RetrySpec>,
    pub on_failure: OnFailure,
    pub confirm: Option<TemplateText>,
    pub kind: StepKind,
}

/// Why a `StepDoc` is not a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindError {
    Missing,
    Several(Vec<&'static str>),
}

impl Step {
    pub fn from_doc(doc: StepDoc) -> Result<Step, KindError> {
        let mut kinds: Vec<StepKind> = Vec::with_capacity(1);
        kinds.extend(doc.validate.map(StepKind::Validate));
        kinds.extend(doc.snapshot_metrics.map(StepKind::SnapshotMetrics));
        kinds.extend(doc.failover.map(StepKind::Failover));
        kinds.extend(doc.await_.map(StepKind::Await));
        kinds.extend(doc.compare_devices.map(StepKind::CompareDevices));
        kinds.extend(doc.health_check.map(StepKind::HealthCheck));
        kinds.extend(doc.sleep.map(StepKind::Sleep));
        kinds.extend(doc.await_recovery.map(StepKind::AwaitRecovery));
        if kinds.len() > 1 {
            return Err(KindError::Several(
                kinds.iter().map(StepKind::name).collect(),
            ));
        }
        let kind = kinds.pop().ok_or(KindError::Missing)?;
        Ok(Step {
            id: doc.id,
            name: doc.name,
            when: doc.when,
            timeout: doc.timeout,
            retry: doc.retry,
            on_failure: doc.on_failure,
            confirm: doc.confirm,
            kind,
        })
    }

    /// The name reports show.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}
