//! Sections by name: which list of the runbook a step record comes from.
//!
//! The engine records each step with its section; the DR-log fold and the objectives look
//! only at the drill's own steps (`steps`), and the printers and the report mark a rollback's
//! or a finally's steps. The JSON names are the runbook's keys.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `steps`, `rollback` or `finally`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionName {
    /// The drill itself.
    #[default]
    Steps,
    /// Run only when a step failed and aborted the run.
    Rollback,
    /// Always run, at the end.
    Finally,
}

impl SectionName {
    pub fn as_str(self) -> &'static str {
        match self {
            SectionName::Steps => "steps",
            SectionName::Rollback => "rollback",
            SectionName::Finally => "finally",
        }
    }
}

impl fmt::Display for SectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_the_runbooks_key() {
        for s in [
            SectionName::Steps,
            SectionName::Rollback,
            SectionName::Finally,
        ] {
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::from(s.as_str()))
            );
        }
    }
}
