//! `validate`: reads the hub (or reuses a reading moments old, see `hub_reading`) and checks
//! each expectation; any miss fails the step and the
//! message lists every miss, not just the first.

use runbook_record::ErrorCode;
use runbook_spec::ValidateSpec;

use super::context::StepContext;
use super::hub_reading::{hub_outputs, read_reusable};
use crate::outcome::{StepDone, StepFail};
use crate::region::same_region;

pub(crate) async fn run(
    cx: &mut StepContext<'_>,
    spec: &ValidateSpec,
) -> Result<StepDone, StepFail> {
    let state = cx.render_opt(spec.state.as_ref())?;
    let provisioning = cx.render_opt(spec.provisioning_state.as_ref())?;
    let location = cx.render_opt(spec.location.as_ref())?;
    let secondary = cx.render_opt(spec.secondary.as_ref())?;
    let hub = read_reusable(cx).await?;
    let outputs = hub_outputs(&hub);
    let mut misses = Vec::new();
    if let Some(want) = &state
        && !hub.state().eq_ignore_ascii_case(want)
    {
        misses.push(format!(
            "state is {}, expected {want}",
            or_none(hub.state())
        ));
    }
    if let Some(want) = &provisioning
        && !hub.provisioning_state().eq_ignore_ascii_case(want)
    {
        misses.push(format!(
            "provisioning state is {}, expected {want}",
            or_none(hub.provisioning_state())
        ));
    }
    if let Some(want) = &location
        && !same_region(hub.primary_location(), want)
    {
        misses.push(format!(
            "location is {}, expected {want}",
            hub.primary_location()
        ));
    }
    if let Some(want) = &secondary {
        let got = hub.secondary_location().unwrap_or("");
        if !same_region(got, want) {
            misses.push(format!(
                "secondary region is {}, expected {want}",
                or_none(got)
            ));
        }
    }
    if misses.is_empty() {
        Ok(StepDone::ran(
            format!(
                "hub {} is {} in {}",
                cx.target.hub,
                or_none(hub.state()),
                hub.primary_location()
            ),
            outputs,
        ))
    } else {
        Err(StepFail::new(
            ErrorCode::ExpectationNotMet,
            format!("hub {}: {}", cx.target.hub, misses.join("; ")),
        )
        .with_outputs(outputs))
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "(none)" } else { s }
}
