//! `runbook resume DIR|DIR/fleet.json`: the resume plan (`runbook_fleet::plan_resume`: the
//! fleet log, the unchanged runbook, every hub's journal) run as the fleet ran, its log
//! rewritten in place.

use std::path::Path;

use runbook_fleet::{Budgets, ResumeError, plan_resume};

use super::connect::connect;
use super::drive;
use crate::azure_args::TargetArgs;
use crate::exit_code;
use crate::hub_guard::SafetyArgs;

/// `runbook resume DIR|DIR/fleet.json`.
pub fn resume(
    path: &Path,
    sets: &[String],
    target: &TargetArgs,
    safety: &SafetyArgs,
    yes: bool,
) -> i32 {
    let plan = match plan_resume(path, sets) {
        Ok(p) => p,
        // Already a complete, located message.
        Err(ResumeError::Prepare(text)) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    let code = runtime.block_on(async {
        // A shard resumes with the share of the budget it ran with.
        let divisor = plan.header().shard.map_or(1, |s| s.budget_divisor);
        let conn = match connect(target, &[], Budgets::ARM.divided(divisor)).await {
            Ok(c) => c,
            Err(e) => {
                errln!("error: {}", e.0);
                return exit_code::INVALID;
            }
        };
        let req = plan.request(yes, safety.cooldown(target), conn.time_scale);
        drive(req, conn, target, safety, &plan.dir, plan.header()).await
    });
    runtime.shutdown_background();
    code
}
