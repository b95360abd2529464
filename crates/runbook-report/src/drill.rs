//! What the report asks of one DR log besides its fields: when the run started and ended,
//! an objective by name, and the hub it drilled (to group drills of the same hub).

use runbook_record::ObjectiveResult;
use time::OffsetDateTime;

use crate::Drill;
use crate::fmt;

/// The report's questions to a DR log.
pub(crate) trait DrillExt {
    fn started(&self) -> Option<OffsetDateTime>;
    /// When the run ended: its `end_time`, else the last step's end (a log of a killed run).
    fn ended(&self) -> Option<OffsetDateTime>;
    fn objective(&self, name: &str) -> Option<&ObjectiveResult>;
    /// The hub's identity, for grouping drills of the same hub.
    fn hub_key(&self) -> (String, String, String);
}

impl DrillExt for Drill {
    fn started(&self) -> Option<OffsetDateTime> {
        fmt::parse_time(&self.start_time)
    }

    fn ended(&self) -> Option<OffsetDateTime> {
        self.end_time
            .as_deref()
            .and_then(fmt::parse_time)
            .or_else(|| {
                self.steps
                    .iter()
                    .filter_map(|s| fmt::parse_time(&s.ended_at))
                    .max()
            })
    }

    fn objective(&self, name: &str) -> Option<&ObjectiveResult> {
        self.objectives.iter().find(|o| o.objective == name)
    }

    fn hub_key(&self) -> (String, String, String) {
        (
            self.subscription.to_ascii_lowercase(),
            self.resource_group.to_ascii_lowercase(),
            self.hub_name.to_ascii_lowercase(),
        )
    }
}
