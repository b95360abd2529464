//! `sleep`: waits, reporting progress about once a second (runbook time), and yields to
//! Ctrl-C through the runner's cancellation race.

use std::time::{Duration, Instant};

use runbook_spec::DurationSpec;

use crate::outcome::{StepDone, StepFail};
use crate::runner::Engine;

impl Engine {
    pub(crate) async fn run_sleep(
        &mut self,
        step: &str,
        d: DurationSpec,
    ) -> Result<StepDone, StepFail> {
        let total = d.as_duration();
        let start = Instant::now();
        let tick = self.clock.wait_for(Duration::from_secs(1));
        loop {
            let elapsed = self.clock.runbook_time(start.elapsed());
            if elapsed >= total {
                break;
            }
            self.progress(step, format!("sleeping {d}"), elapsed, Some(total), None);
            let left = self.clock.wait_for(total.saturating_sub(elapsed));
            tokio::time::sleep(left.min(tick)).await;
        }
        Ok(StepDone::ran(format!("waited {d}"), Default::default()))
    }
}
