//! `sleep`: waits, reporting progress about once a second (runbook time), and yields to
//! Ctrl-C through the runner's cancellation race.

use std::time::{Duration, Instant};

use runbook_spec::DurationSpec;

use super::context::StepContext;
use crate::outcome::{StepDone, StepFail};

pub(crate) async fn run(cx: &mut StepContext<'_>, d: DurationSpec) -> Result<StepDone, StepFail> {
    let total = d.as_duration();
    let start = Instant::now();
    let tick = cx.clock.wait_for(Duration::from_secs(1));
    loop {
        let elapsed = cx.clock.runbook_time(start.elapsed());
        if elapsed >= total {
            break;
        }
        cx.progress(format!("sleeping {d}"), elapsed, Some(total), None);
        let left = cx.clock.wait_for(total.saturating_sub(elapsed));
        tokio::time::sleep(left.min(tick)).await;
    }
    Ok(StepDone::ran(format!("waited {d}"), Default::default()))
}
