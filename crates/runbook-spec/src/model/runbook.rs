//! The runbook document: metadata, parameters, target, objectives, steps, rollback and finally.
//!
//! `RunbookDoc` is the YAML form (and the source of `schemas/runbook.schema.json`); `Runbook` is
//! the typed form the engine runs, with each step's kind resolved.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::fleet::{Rollout, Targets};
use super::objectives::Objectives;
use super::parameter::Parameter;
use super::step::{Step, StepDoc};
use super::template::TemplateText;

/// The hub a runbook acts on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Azure subscription id.
    pub subscription: TemplateText,
    pub resource_group: TemplateText,
    /// IoT Hub name.
    pub hub: TemplateText,
}

/// A runbook as written in YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "runbook",
    description = "A declarative Azure IoT Hub disaster-recovery runbook."
)]
pub struct RunbookDoc {
    /// Language version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    #[serde(deserialize_with = "super::constraints::version")]
    pub version: u32,
    #[schemars(length(min = 1, max = 128))]
    #[serde(deserialize_with = "super::constraints::runbook_name")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Inputs, referenced as `{{params.NAME}}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, Parameter>,
    /// The one hub this runbook drills (or `targets` for a fleet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Many hubs, each drilled with these steps (instead of `target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
    /// How a fleet run proceeds (with `targets` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
    /// Recovery objectives the drill must meet, measured around its first failover and
    /// written into the DR log.
    #[serde(default, skip_serializing_if = "Objectives::is_empty")]
    pub objectives: Objectives,
    /// The drill, run in order.
    #[schemars(length(min = 1))]
    #[serde(deserialize_with = "super::constraints::non_empty")]
    pub steps: Vec<StepDoc>,
    /// Run, in order, only when a step failed and aborted the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollback: Vec<StepDoc>,
    /// Always run, in order, at the end (also after a rollback).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finally: Vec<StepDoc>,
}

/// Which list of a runbook a step is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Steps,
    Rollback,
    Finally,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Steps, Section::Rollback, Section::Finally];

    pub fn key(self) -> &'static str {
        match self {
            Section::Steps => "steps",
            Section::Rollback => "rollback",
            Section::Finally => "finally",
        }
    }
}

/// A typed runbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runbook {
    pub version: u32,
    pub name: String,
    pub description: Option<String>,
    pub parameters: IndexMap<String, Parameter>,
    /// The hub of a single-hub runbook; all fields empty in a fleet runbook (each hub of the
    /// fleet is given to the engine as its run's target).
    pub target: Target,
    pub objectives: Objectives,
    /// The fleet, when the runbook has `targets:`.
    pub targets: Option<Targets>,
    pub rollout: Option<Rollout>,
    pub steps: Vec<Step>,
    pub rollback: Vec<Step>,
    pub finally: Vec<Step>,
}

impl Runbook {
    pub fn section(&self, s: Section) -> &[Step] {
        match s {
            Section::Steps => &self.steps,
            Section::Rollback => &self.rollback,
            Section::Finally => &self.finally,
        }
    }

    /// Every step with its section and index, in run order.
    pub fn all_steps(&self) -> impl Iterator<Item = (Section, usize, &Step)> {
        Section::ALL.into_iter().flat_map(move |s| {
            self.section(s)
                .iter()
                .enumerate()
                .map(move |(i, st)| (s, i, st))
        })
    }

    /// True for a fleet runbook (`targets:`).
    pub fn is_fleet(&self) -> bool {
        self.targets.is_some()
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.all_steps().map(|(_, _, s)| s).find(|s| s.id == id)
    }
}
