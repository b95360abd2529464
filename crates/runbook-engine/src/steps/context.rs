//! What a step runs with: the `StepContext` the runner lends to `steps::run` for one attempt.
//!
//! It borrows the runner's parts for the length of the attempt: the ARM client, the clock,
//! the target hub, the template context (rendering `{{...}}` and reading earlier steps'
//! outputs), the event fan-out (progress lines, and the durable failover events) and the run
//! state. Cancellation is not here: the runner races each attempt against Ctrl-C and a step's
//! timeout, and a failover is never raced.

use std::time::Duration;

use iothub_arm::ArmClient;
use runbook_record::ErrorCode;
use runbook_spec::TemplateText;

use crate::clock::Clock;
use crate::context::TemplateContext;
use crate::cooldown::CooldownPolicy;
use crate::emitter::Emitter;
use crate::event::RunEvent;
use crate::in_flight::ChangesInFlight;
use crate::outcome::StepFail;
use crate::run_state::RunState;
use crate::target::HubTarget;

/// One step attempt's view of the run, see the module doc.
pub(crate) struct StepContext<'a> {
    /// The step's id, for its events.
    pub step: &'a str,
    pub client: &'a ArmClient,
    pub clock: Clock,
    pub target: &'a HubTarget,
    pub templates: &'a mut TemplateContext,
    pub events: &'a mut Emitter,
    pub state: &'a mut RunState,
    pub dry_run: bool,
    pub cooldown: CooldownPolicy,
    /// Counts a change request in flight, so a second Ctrl-C waits for ARM's answer.
    pub in_flight: &'a ChangesInFlight,
}

impl std::fmt::Debug for StepContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepContext")
            .field("step", &self.step)
            .field("target", &self.target)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

impl StepContext<'_> {
    /// Emits a progress event for this step.
    pub fn progress(
        &mut self,
        message: String,
        elapsed: Duration,
        timeout: Option<Duration>,
        hub_state: Option<String>,
    ) {
        self.events.emit(RunEvent::StepProgress {
            step: self.step.to_string(),
            message,
            elapsed_ms: elapsed.as_millis() as u64,
            timeout_ms: timeout.map(|t| t.as_millis() as u64),
            hub_state,
        });
    }

    /// Renders an optional template field, as a step failure when it cannot be.
    pub fn render_opt(&mut self, t: Option<&TemplateText>) -> Result<Option<String>, StepFail> {
        t.map(|t| self.templates.render(t))
            .transpose()
            .map_err(|e| StepFail::new(ErrorCode::TemplateError, e.to_string()).final_())
    }

    /// The target hub's resource group and name, owned (steps hold them across awaits).
    pub fn hub_coordinates(&self) -> (String, String) {
        (self.target.resource_group.clone(), self.target.hub.clone())
    }
}
