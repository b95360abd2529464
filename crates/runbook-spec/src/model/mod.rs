//! The typed model of a runbook, as serde reads it from the YAML tree.
//!
//! `runbook` holds the document and the typed form; `step` the step and its common fields;
//! `kinds` each kind's body; `objectives` the recovery objectives; `recovery` the Monitor baseline and `await-recovery`; `fleet` the
//! `targets:`/`rollout:` of fleet runbooks; `parameter`, `duration` and `template` the value
//! types.

pub mod constraints;
pub mod duration;
pub mod fleet;
pub mod kinds;
pub mod objectives;
pub mod parameter;
pub mod recovery;
pub mod runbook;
pub mod step;
pub mod template;
