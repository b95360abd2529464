//! The test-file language: what `drill.test.yaml` may say, as serde types.
//!
//! These types are the single source of the test file's JSON Schema (`runbook schema test`,
//! generated with schemars and checked in at `schemas/runbook-test.schema.json`) and of its
//! parsing. `load` turns them into checked [`crate::TestFile`]s; nothing here runs anything.

use indexmap::IndexMap;
use runbook_record::{RunStatus, StepStatus};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A file of test cases for one runbook: `drill.test.yaml` tests `drill.yaml` beside it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "runbook test file")]
pub struct TestFileDoc {
    /// The runbook under test, relative to this file. Default: this file's name without
    /// `.test` (`drill.test.yaml` tests `drill.yaml`).
    #[serde(default)]
    pub runbook: Option<String>,
    /// Parameter values every case starts from (a case's own `set` wins). Like `--set`, but
    /// the environment is never read: a case runs the same on every machine.
    #[serde(default)]
    pub set: IndexMap<String, ParamValue>,
    /// The cases, each run on its own emulator.
    #[schemars(length(min = 1))]
    pub cases: Vec<CaseDoc>,
}

/// A parameter value as YAML writes it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    Text(String),
    Number(f64),
    Flag(bool),
}

impl ParamValue {
    /// The `--set` text form the parameter resolver reads.
    pub fn as_set_text(&self) -> String {
        match self {
            ParamValue::Text(s) => s.clone(),
            ParamValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            ParamValue::Number(n) => n.to_string(),
            ParamValue::Flag(b) => b.to_string(),
        }
    }
}

/// One way the drill can meet Azure, and what the runbook must do then.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    /// The case's name: letters, digits, `-` and `_`; it names the golden file.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"), length(max = 100))]
    pub name: String,
    /// What the case shows, for whoever reads the results.
    #[serde(default)]
    pub description: Option<String>,
    /// What the emulator serves. Absent: the runbook's target hub, Active and healthy.
    #[serde(default)]
    pub scenario: Option<ScenarioDoc>,
    /// Parameter values for this case (over the file's `set`).
    #[serde(default)]
    pub set: IndexMap<String, ParamValue>,
    /// Approve `confirm:` questions as `--yes` does (default true). `false` is a run with no
    /// terminal and no `--yes`.
    #[serde(default = "yes")]
    pub yes: bool,
    /// Run as `--dry-run`.
    #[serde(default)]
    pub dry_run: bool,
    /// This case's time scale, over `runbook test --time-scale` (e.g. 0.00001 for a case that
    /// waits out a 2 h timeout: 72 ms).
    #[serde(default)]
    #[schemars(range(min = 0.0000001, max = 1.0))]
    pub time_scale: Option<f64>,
    /// Keep and compare a golden DR log for this case (default true).
    #[serde(default = "yes")]
    pub golden: bool,
    /// What must hold after the run.
    pub expect: ExpectDoc,
}

fn yes() -> bool {
    true
}

/// A scenario file (relative to the test file), or one written inline.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ScenarioDoc {
    /// A scenario file in the emulator's format (`runbook emulator --scenario`).
    File(String),
    /// An inline scenario.
    Inline(InlineScenario),
}

/// An inline scenario: the emulator's scenario format (`hubs`, `faults`, `page_size`,
/// `resource_groups`, `locks`), plus `hub:` to change only what differs from the runbook's target hub.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InlineScenario {
    /// Fields of the runbook's target hub to change (state, location, secondary, devices,
    /// quotas, endpoints, failover: {duration, outcome, error, after, stuck}, activity_log,
    /// permissions, enable_data_residency). The hub keeps
    /// the target's name, resource group and subscription.
    #[serde(default)]
    pub hub: Option<Map<String, Value>>,
    /// The hubs, in full, instead of the target hub.
    #[serde(default)]
    pub hubs: Option<Vec<Map<String, Value>>>,
    /// Faults: `{ method, path, status, retry_after, times, delay, drop_connection, ... }`.
    #[serde(default)]
    pub faults: Vec<Map<String, Value>>,
    /// Page size of every list.
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Resource groups that exist without hubs.
    #[serde(default)]
    pub resource_groups: Vec<Map<String, Value>>,
    /// Management locks: `{ name, level, resource_group?, hub?, notes? }` (no resource_group:
    /// on the subscription), as the emulator's scenario writes them.
    #[serde(default)]
    pub locks: Vec<Map<String, Value>>,
}

/// What must hold after the run. Every part is optional; a case with a golden file is also
/// compared with it in full.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    /// The process exit code `runbook exec` would give (0, 1, 3, 4, 130).
    #[serde(default)]
    pub exit: Option<i32>,
    /// The run's status in the DR log.
    #[serde(default)]
    pub status: Option<RunStatus>,
    /// Step id -> the status its record must have.
    #[serde(default)]
    pub steps: IndexMap<String, StepStatus>,
    /// DR-log field -> its value; `present` and `absent` test only whether it is set.
    #[serde(default)]
    pub log: IndexMap<String, Value>,
    /// `"METHOD path-end"` -> how many such requests the emulator received, e.g.
    /// `"POST failover": 1` or `"GET IotHubStats": 3`.
    #[serde(default)]
    pub requests: IndexMap<String, u32>,
    /// Objective name -> how it must have ended: `met`, `missed` (`met: false`) or
    /// `not_measured` (`met: null`). A timed objective named here keeps its `met` in the golden
    /// file (its measured time is still redacted), so give such a case a time scale that
    /// leaves the outcome to the scenario, not to the machine's speed.
    #[serde(default)]
    pub objectives: IndexMap<String, ObjectiveOutcome>,
    /// Preflight check -> how it must have come out: `passed`, `warning` or `refused`.
    #[serde(default)]
    pub preflight: PreflightExpect,
}

/// How each preflight check must have come out (`expect.preflight`); a check left out is not
/// compared.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreflightExpect {
    #[serde(default)]
    pub cooldown: Option<runbook_record::PreflightOutcome>,
    #[serde(default)]
    pub locks: Option<runbook_record::PreflightOutcome>,
    #[serde(default)]
    pub data_residency: Option<runbook_record::PreflightOutcome>,
    #[serde(default)]
    pub permissions: Option<runbook_record::PreflightOutcome>,
}

impl PreflightExpect {
    /// The checks named, with the outcome each must have.
    pub fn named(
        &self,
    ) -> Vec<(
        runbook_record::PreflightCheckName,
        runbook_record::PreflightOutcome,
    )> {
        use runbook_record::PreflightCheckName as C;
        [
            (C::Cooldown, self.cooldown),
            (C::Locks, self.locks),
            (C::DataResidency, self.data_residency),
            (C::Permissions, self.permissions),
        ]
        .into_iter()
        .filter_map(|(c, o)| o.map(|o| (c, o)))
        .collect()
    }
}

/// How an objective ended, as `expect.objectives` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveOutcome {
    /// `met: true`.
    Met,
    /// `met: false`: measured and missed, or the failover was made and what the objective
    /// needed never came to be (a check after it failed).
    Missed,
    /// `met: null`: there was nothing to measure (no failover was made, or a dry run).
    NotMeasured,
}

impl ObjectiveOutcome {
    /// The DR log's `met` for this outcome.
    pub fn met(self) -> Option<bool> {
        match self {
            Self::Met => Some(true),
            Self::Missed => Some(false),
            Self::NotMeasured => None,
        }
    }

    /// The name a test file uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Missed => "missed",
            Self::NotMeasured => "not_measured",
        }
    }
}
