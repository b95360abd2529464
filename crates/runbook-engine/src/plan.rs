//! `runbook plan`: the resolved steps and the ARM calls each would make, calling nothing.
//!
//! Templates that depend only on parameters and the target are rendered; those that need a
//! step's output are shown as written, since that output exists only at run time.

use iothub_arm::{ArmClient, CallKind};
use runbook_record::{SectionName, StepKindName};
use runbook_spec::{Runbook, Section, SnapshotPart, Step, StepKind};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::context::TemplateContext;
use crate::record;
use crate::target::HubTarget;

#[derive(Debug, Clone, Serialize)]
pub struct PlannedCall {
    pub method: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    pub section: SectionName,
    pub id: String,
    pub name: String,
    pub kind: StepKindName,
    pub inputs: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
    pub on_failure: runbook_spec::OnFailure,
    pub calls: Vec<PlannedCall>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub runbook: String,
    pub target: HubTarget,
    pub steps: Vec<PlannedStep>,
}

pub fn plan(
    rb: &Runbook,
    target: &HubTarget,
    params: Map<String, Value>,
    client: &ArmClient,
) -> Plan {
    let mut ctx = TemplateContext::new(
        params,
        serde_json::json!({"id": "(plan)", "started_at": "", "dry_run": true, "runbook": rb.name}),
    );
    ctx.set_target(target.to_value());
    // Step outputs exist only at run time: stand in `<steps.ID.OUTPUT>` for each, so the rest
    // of a template still renders and the reader sees where run-time values go.
    for (_, _, step) in rb.all_steps() {
        let outputs: Map<String, Value> = runbook_spec::outputs::outputs_of(step.kind.name())
            .iter()
            .map(|o| {
                (
                    o.to_string(),
                    Value::String(format!("<steps.{}.{o}>", step.id)),
                )
            })
            .collect();
        ctx.set_step_outputs(&step.id, &outputs);
    }
    let steps = rb
        .all_steps()
        .map(|(section, _, step)| planned(section, step, target, client, &mut ctx))
        .collect();
    Plan {
        runbook: rb.name.clone(),
        target: target.clone(),
        steps,
    }
}

fn planned(
    section: Section,
    step: &Step,
    t: &HubTarget,
    client: &ArmClient,
    ctx: &mut TemplateContext,
) -> PlannedStep {
    let call = |kind: CallKind| PlannedCall {
        method: kind.method().to_string(),
        url: client.call_url(kind, &t.resource_group, &t.hub).to_string(),
    };
    let poll = PlannedCall {
        method: "GET".to_string(),
        url: "(the Azure-AsyncOperation URL ARM returns for the failover)".to_string(),
    };
    // Azure Monitor's read: its window is known only when the step runs.
    let metrics = |names: &str, when: &str| PlannedCall {
        method: "GET".to_string(),
        url: format!(
            "{}/providers/Microsoft.Insights/metrics?api-version={}&metricnames={names}&interval=PT1M ({when})",
            client
                .hub_url(&t.resource_group, &t.hub)
                .as_str()
                .split('?')
                .next()
                .unwrap_or_default(),
            iothub_arm::METRICS_API_VERSION
        ),
    };
    let calls = match &step.kind {
        StepKind::Validate(_) => vec![call(CallKind::GetHub)],
        StepKind::SnapshotMetrics(s) => {
            let mut calls: Vec<PlannedCall> = s
                .include
                .iter()
                .map(|p| match p {
                    SnapshotPart::Hub => call(CallKind::GetHub),
                    SnapshotPart::Stats => call(CallKind::Stats),
                    SnapshotPart::Quotas => call(CallKind::QuotaMetrics),
                    SnapshotPart::Endpoints => call(CallKind::EndpointHealth),
                })
                .collect();
            if let Some(m) = &s.monitor {
                for name in ["connectedDeviceCount", "d2c.telemetry.ingress.success"] {
                    calls.push(metrics(
                        name,
                        &format!("the {} before the snapshot", m.window),
                    ));
                }
            }
            calls
        }
        StepKind::AwaitRecovery(_) => vec![
            metrics("connectedDeviceCount", "once a minute"),
            metrics("d2c.telemetry.ingress.success", "once a minute"),
            call(CallKind::GetHub),
        ],
        StepKind::Failover(_) => vec![call(CallKind::GetHub), call(CallKind::Failover)],
        // `until:` watches the hub only; an operation's status URL exists only after a failover.
        StepKind::Await(a) if a.operation.is_none() => vec![call(CallKind::GetHub)],
        StepKind::Await(_) => vec![poll, call(CallKind::GetHub)],
        StepKind::CompareDevices(_) | StepKind::Sleep(_) => Vec::new(),
        StepKind::HealthCheck(_) => vec![call(CallKind::EndpointHealth)],
    };
    let inputs = ctx.step_inputs(&step.kind);
    let render = |t: &Option<runbook_spec::TemplateText>, ctx: &mut TemplateContext| {
        t.as_ref()
            .map(|t| ctx.render(t).unwrap_or_else(|_| t.as_str().to_string()))
    };
    PlannedStep {
        section: record::section_name(section),
        id: step.id.clone(),
        name: step.display_name().to_string(),
        kind: record::kind_name(&step.kind),
        inputs,
        // A condition on placeholders would mislead; show it as written.
        when: step.when.as_ref().map(|w| w.as_str().to_string()),
        confirm: render(&step.confirm, ctx),
        on_failure: step.on_failure,
        calls,
    }
}
