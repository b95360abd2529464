//! Building `StepRecord`s for steps that did not run, or that an interrupted run left
//! half-recorded; the runner builds the others as steps finish. Also the language's step
//! kinds and sections by name, as records carry them.

use runbook_record::step::{StepIdentity, status_value};
use runbook_record::{SectionName, StepKindName, StepRecord, StepStatus};
use runbook_spec::{Section, Step, StepKind};
use serde_json::{Map, Value, json};

/// Why a step was not run: the run was interrupted before it.
pub(crate) const INTERRUPTED: &str = "not run: the run was interrupted";
/// Why a step was not run: it needs a confirmation nobody can give.
pub(crate) const NO_CONFIRMATION: &str = "not run: no confirmation possible";

/// The record's name of a step's kind.
pub fn kind_name(kind: &StepKind) -> StepKindName {
    match kind {
        StepKind::Validate(_) => StepKindName::Validate,
        StepKind::SnapshotMetrics(_) => StepKindName::SnapshotMetrics,
        StepKind::Failover(_) => StepKindName::Failover,
        StepKind::Await(_) => StepKindName::Await,
        StepKind::CompareDevices(_) => StepKindName::CompareDevices,
        StepKind::HealthCheck(_) => StepKindName::HealthCheck,
        StepKind::Sleep(_) => StepKindName::Sleep,
        StepKind::AwaitRecovery(_) => StepKindName::AwaitRecovery,
    }
}

/// The record's name of a runbook section.
pub fn section_name(section: Section) -> SectionName {
    match section {
        Section::Steps => SectionName::Steps,
        Section::Rollback => SectionName::Rollback,
        Section::Finally => SectionName::Finally,
    }
}

/// A record for a step that was not run, and why (see `StepRecord::is_not_run`).
pub(crate) fn not_run(section: Section, step: &Step, now: &str, why: &str) -> StepRecord {
    let id = StepIdentity {
        section: section_name(section),
        step: &step.id,
        name: step.display_name(),
        kind: kind_name(&step.kind),
    };
    StepRecord::not_run(id, now, why)
}

/// A record for a failover the journal shows as accepted by ARM but whose step was never
/// recorded (the process died in between).
pub(crate) fn started_failover(
    section: Section,
    step: &str,
    region: &str,
    time: &str,
) -> StepRecord {
    let mut outputs = Map::new();
    outputs.insert("status".into(), status_value(StepStatus::Success));
    outputs.insert("region".into(), json!(region));
    outputs.insert("started_at".into(), json!(time));
    StepRecord {
        step: step.to_string(),
        name: step.to_string(),
        kind: StepKindName::Failover,
        section: section_name(section),
        status: StepStatus::Success,
        timestamp: time.to_string(),
        ended_at: time.to_string(),
        duration_ms: 0,
        attempts: 1,
        http_retries: 0,
        details: format!("failover to {region} was started before the interruption"),
        inputs: Value::Null,
        outputs,
        error: None,
        reused_reading: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_section_is_named_as_the_language_names_it() {
        let names: Vec<&str> = StepKindName::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, runbook_spec::model::step::KIND_NAMES);
        let sleep = StepKind::Sleep(runbook_spec::DurationSpec(std::time::Duration::from_secs(
            1,
        )));
        assert_eq!(kind_name(&sleep).as_str(), sleep.name());
        for s in Section::ALL {
            assert_eq!(section_name(s).as_str(), s.key());
        }
    }
}
