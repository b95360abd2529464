//! Stage 4: semantic analysis of a typed runbook. Collects every problem, not just the first.
//!
//! Checks what a schema cannot: unique step ids; `await.operation` names an earlier `failover`;
//! `compare-devices` names earlier snapshots; every template compiles and each reference
//! resolves to a declared parameter, a target field, a run field, or an output that an earlier
//! step of that kind produces; durations are positive and consistent; parameter defaults fit
//! their type; objectives are possible and measurable (`objectives`). It also warns where a
//! reviewer would (a failover with no validation before it, or no await after it).

mod objectives;
mod recovery;

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, field_from_pointer};
use crate::model::duration::DurationSpec;
use crate::model::kinds::HealthCheckSpec;
use crate::model::parameter::{ParamType, Parameter};
use crate::model::runbook::{Runbook, Section};
use crate::model::step::{Step, StepKind};
use crate::model::template::{self, TemplateText};
use crate::outputs::{RUN_FIELDS, TARGET_FIELDS, is_object_output, outputs_of};
use crate::repair::StandIns;
use crate::source::SourceFile;
use crate::suggest;
use crate::yaml_tree::YamlDocument;

pub(crate) struct Ctx<'a> {
    pub(crate) src: &'a SourceFile,
    pub(crate) doc: &'a YamlDocument,
    pub(crate) rb: &'a Runbook,
    out: Vec<Diagnostic>,
    /// Step id -> (run order, kind name), for every step of the runbook.
    order: HashMap<&'a str, (usize, &'static str)>,
    /// Steps set aside by `repair`: not checked themselves; a reference to one is checked
    /// against the kind it names, or taken as valid (`ANY_KIND`) when it names none or several.
    stand_ins: &'a StandIns,
}

/// The kind recorded in `Ctx::order` for a set-aside step: whatever a reference needs.
const ANY_KIND: &str = "*";

impl Ctx<'_> {
    /// Whether some steps were set aside, so checks over the whole runbook's kinds (is there a
    /// failover before this?) cannot be answered.
    pub(crate) fn partial(&self) -> bool {
        !self.stand_ins.positions.is_empty()
    }

    /// Whether an id no step has may be the one a set-aside step lacks (`id` missing or
    /// invalid), so saying "no step has id" would blame the wrong line.
    fn unknown_id_may_be_set_aside(&self) -> bool {
        self.stand_ins.nameless
    }

    /// The section a run-order position falls in.
    fn section_at(&self, position: usize) -> Section {
        let steps = self.rb.steps.len();
        let rollback = self.rb.rollback.len();
        if position < steps {
            Section::Steps
        } else if position < steps + rollback {
            Section::Rollback
        } else {
            Section::Finally
        }
    }

    /// Why a step at `from` cannot rely on the step at `to` having run, if it cannot: rollback
    /// steps run only when the drill fails, so `finally` (which always runs) cannot use them.
    fn may_not_have_run(&self, from: usize, to: usize) -> Option<String> {
        (self.section_at(from) == Section::Finally && self.section_at(to) == Section::Rollback).then(|| {
            "rollback steps run only when the drill fails, so a `finally` step cannot rely on them".to_string()
        })
    }

    pub(crate) fn error(&mut self, pointer: &str, message: String, hint: Option<String>) {
        self.push(Diagnostic::error, pointer, message, hint);
    }

    /// How many diagnostics so far (to tell whether a check added one).
    fn error_count(&self) -> usize {
        self.out.len()
    }

    fn warning(&mut self, pointer: &str, message: String, hint: Option<String>) {
        self.push(Diagnostic::warning, pointer, message, hint);
    }

    /// An error located at `pointer` but naming `field` (a missing key, located at its parent).
    pub(crate) fn error_named(&mut self, pointer: &str, field: &str, message: String) {
        let d = Diagnostic::error(
            &self.src.name,
            self.doc.positions.value(pointer),
            field.to_string(),
            message,
        );
        self.out.push(d);
    }

    /// Locates a diagnostic at `pointer` and records it.
    fn push(
        &mut self,
        make: fn(&str, Option<crate::diagnostic::Pos>, String, String) -> Diagnostic,
        pointer: &str,
        message: String,
        hint: Option<String>,
    ) {
        let d = make(
            &self.src.name,
            self.doc.positions.value(pointer),
            field_from_pointer(pointer),
            message,
        )
        .with_hint(hint);
        self.out.push(d);
    }
}

pub fn check(src: &SourceFile, doc: &YamlDocument, rb: &Runbook) -> Vec<Diagnostic> {
    check_around(src, doc, rb, &StandIns::default())
}

/// As `check`, for a runbook in which the steps at `stand_ins` (run-order positions) were set
/// aside by `repair`.
pub(crate) fn check_around(
    src: &SourceFile,
    doc: &YamlDocument,
    rb: &Runbook,
    stand_ins: &StandIns,
) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        src,
        doc,
        rb,
        out: Vec::new(),
        order: HashMap::new(),
        stand_ins,
    };
    check_parameters(&mut cx);
    check_unique_ids(&mut cx);
    for (k, t) in [
        ("subscription", &rb.target.subscription),
        ("resource_group", &rb.target.resource_group),
        ("hub", &rb.target.hub),
    ] {
        check_template(&mut cx, &format!("/target/{k}"), t, None, true);
    }
    crate::fleet_check::check(&mut cx);
    let mut position = 0usize;
    for section in Section::ALL {
        for (i, step) in rb.section(section).iter().enumerate() {
            if !stand_ins.positions.contains(&position) {
                let pointer = format!("/{}/{i}", section.key());
                check_step(&mut cx, &pointer, position, step);
            }
            position += 1;
        }
    }
    if !cx.partial() {
        check_reviewer_warnings(&mut cx);
    }
    objectives::check(&mut cx);
    cx.out
}

fn check_parameters(cx: &mut Ctx) {
    let params: Vec<(String, Parameter)> = cx
        .rb
        .parameters
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (name, p) in params {
        let pointer = format!("/parameters/{name}");
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name {
            cx.error(
                &pointer,
                format!("parameter name `{name}` is not valid"),
                Some(
                    "use lowercase letters, digits and _ (templates say {{params.NAME}})"
                        .to_string(),
                ),
            );
        }
        if let Some(default) = &p.default
            && let Err(why) = check_value_type(p.kind, default)
        {
            cx.error(&format!("{pointer}/default"), why, None);
        }
        for (i, allowed) in p.allowed.iter().flatten().enumerate() {
            if let Err(why) = check_value_type(p.kind, allowed) {
                cx.error(&format!("{pointer}/allowed/{i}"), why, None);
            }
        }
        if let (Some(default), Some(allowed)) = (&p.default, &p.allowed)
            && !allowed.contains(default)
        {
            cx.error(
                &format!("{pointer}/default"),
                format!("default {default} is not among the allowed values"),
                None,
            );
        }
        if p.secret && p.default.is_some() {
            cx.warning(
                &format!("{pointer}/default"),
                format!("secret parameter `{name}` has a default written in the runbook"),
                Some("take secrets from `env` or `--set`, not from the file".to_string()),
            );
        }
    }
}

/// Whether a YAML value fits a parameter type; the message says what was expected.
pub fn check_value_type(kind: ParamType, v: &serde_json::Value) -> Result<(), String> {
    let ok = match kind {
        ParamType::String => v.is_string(),
        ParamType::Integer => v.is_i64() || v.is_u64(),
        ParamType::Boolean => v.is_boolean(),
        ParamType::Duration => v.as_str().is_some_and(|s| DurationSpec::parse(s).is_ok()),
    };
    if ok {
        Ok(())
    } else {
        let article = if kind == ParamType::Integer {
            "an"
        } else {
            "a"
        };
        Err(format!(
            "expected {article} {} value, found {}",
            kind.name(),
            crate::schema::describe(v)
        ))
    }
}

fn check_unique_ids(cx: &mut Ctx) {
    let mut seen: HashMap<&str, String> = HashMap::new();
    let mut dups = Vec::new();
    for (position, (section, i, step)) in cx.rb.all_steps().enumerate() {
        let pointer = format!("/{}/{i}/id", section.key());
        if let Some(first) = seen.get(step.id.as_str()) {
            dups.push((pointer, step.id.clone(), first.clone()));
        } else {
            seen.insert(&step.id, field_from_pointer(&pointer));
            let kind = if cx.stand_ins.positions.contains(&position) {
                cx.stand_ins
                    .kinds
                    .get(&position)
                    .copied()
                    .unwrap_or(ANY_KIND)
            } else {
                step.kind.name()
            };
            cx.order.insert(&step.id, (position, kind));
        }
    }
    for (pointer, id, first) in dups {
        cx.error(
            &pointer,
            format!("duplicate step id `{id}` (first used at {first})"),
            Some("step ids must be unique across steps, rollback and finally".to_string()),
        );
    }
}

fn check_step(cx: &mut Ctx, pointer: &str, position: usize, step: &Step) {
    if let Some(w) = &step.when {
        check_template(cx, &format!("{pointer}/when"), w, Some(position), false);
    }
    if let Some(c) = &step.confirm {
        check_template(cx, &format!("{pointer}/confirm"), c, Some(position), false);
    }
    if let Some(t) = step.timeout {
        positive(cx, &format!("{pointer}/timeout"), t);
        if step.kind.is_mutation() {
            cx.error(
                &format!("{pointer}/timeout"),
                "a failover step cannot have a timeout: abandoning its request mid-flight could leave a failover running that nothing records".to_string(),
                Some("bound the wait on the `await` step that follows it".to_string()),
            );
        }
    }
    if let Some(r) = &step.retry {
        positive(cx, &format!("{pointer}/retry/delay"), r.delay);
        if let Some(max) = r.max_delay
            && max < r.delay
        {
            cx.error(
                &format!("{pointer}/retry/max_delay"),
                format!("max_delay {max} is shorter than delay {}", r.delay),
                None,
            );
        }
        let pointless = match &step.kind {
            StepKind::Await(_) => Some(
                "raise its `timeout` instead; a failed or timed-out failover does not recover by waiting again",
            ),
            StepKind::CompareDevices(_) => Some(
                "it compares counts already recorded by the snapshots, so another attempt gives the same answer",
            ),
            _ => None,
        };
        if let Some(why) = pointless
            && r.attempts > 1
        {
            cx.error(
                &format!("{pointer}/retry"),
                format!("`{}` steps cannot be retried: {why}", step.kind.name()),
                None,
            );
        }
        if step.kind.is_mutation() && r.attempts > 1 {
            cx.error(
                &format!("{pointer}/retry"),
                "a failover step cannot be retried: a second attempt could fail the hub back"
                    .to_string(),
                Some(
                    "the ARM client already retries requests the server refused; remove `retry`"
                        .to_string(),
                ),
            );
        }
    }
    let kp = format!("{pointer}/{}", step.kind.name());
    match &step.kind {
        StepKind::Validate(v) => {
            for (k, t) in [
                ("state", &v.state),
                ("provisioning_state", &v.provisioning_state),
                ("location", &v.location),
                ("secondary", &v.secondary),
            ] {
                if let Some(t) = t {
                    check_template(cx, &format!("{kp}/{k}"), t, Some(position), false);
                }
            }
            if v.state.is_none()
                && v.provisioning_state.is_none()
                && v.location.is_none()
                && v.secondary.is_none()
            {
                cx.warning(
                    &kp,
                    format!("validate step `{}` checks nothing", step.id),
                    Some("add an expectation such as `state: Active`".to_string()),
                );
            }
        }
        StepKind::SnapshotMetrics(s) => {
            if s.include.is_empty() {
                cx.error(
                    &format!("{kp}/include"),
                    "`include` is empty: a snapshot must read something".to_string(),
                    Some("omit `include` to read hub, stats, quotas and endpoints".to_string()),
                );
            }
            recovery::check_snapshot(cx, &kp, s);
        }
        StepKind::Failover(f) => {
            if let Some(r) = &f.region {
                check_template(cx, &format!("{kp}/region"), r, Some(position), false);
            }
        }
        StepKind::Await(a) => {
            match (&a.operation, &a.until) {
                (Some(op), None) => {
                    check_step_ref(cx, &format!("{kp}/operation"), op, position, &["failover"]);
                }
                (None, Some(until)) => {
                    for (k, t) in [("state", &until.state), ("location", &until.location)] {
                        if let Some(t) = t {
                            check_template(cx, &format!("{kp}/until/{k}"), t, Some(position), false);
                        }
                    }
                    if until.state.is_none() && until.location.is_none() {
                        cx.error(
                            &format!("{kp}/until"),
                            "`until` names no condition, so it would hold at once".to_string(),
                            Some("give `state` and/or `location`".to_string()),
                        );
                    }
                }
                (Some(_), Some(_)) => cx.error(
                    &kp,
                    "`await` takes either `operation` or `until`, not both".to_string(),
                    Some("wait for the failover step's operation, or for a hub condition".to_string()),
                ),
                (None, None) => cx.error(
                    &kp,
                    "`await` needs `operation` (an earlier failover step) or `until` (a hub condition)".to_string(),
                    None,
                ),
            }
            positive(cx, &format!("{kp}/timeout"), a.timeout);
            positive(cx, &format!("{kp}/interval"), a.interval);
            if a.timeout < a.interval {
                cx.error(
                    &format!("{kp}/timeout"),
                    format!(
                        "timeout {} is shorter than interval {}: the operation would never be polled",
                        a.timeout, a.interval
                    ),
                    None,
                );
            }
        }
        StepKind::CompareDevices(c) => {
            check_step_ref(
                cx,
                &format!("{kp}/before"),
                &c.before,
                position,
                &["snapshot-metrics"],
            );
            check_step_ref(
                cx,
                &format!("{kp}/after"),
                &c.after,
                position,
                &["snapshot-metrics"],
            );
            if c.before == c.after {
                cx.error(
                    &format!("{kp}/after"),
                    format!(
                        "`before` and `after` are both `{}`: compare two different snapshots",
                        c.after
                    ),
                    None,
                );
            }
        }
        StepKind::HealthCheck(h) => check_health(cx, &kp, h),
        StepKind::Sleep(d) => positive(cx, &kp, *d),
        StepKind::AwaitRecovery(a) => recovery::check_await_recovery(cx, &kp, position, a),
    }
    check_timeout_fits(cx, pointer, step);
}

/// A step `timeout` shorter than the kind's own polling interval would end every attempt
/// before its second look.
fn check_timeout_fits(cx: &mut Ctx, pointer: &str, step: &Step) {
    let Some(timeout) = step.timeout else { return };
    let interval = match &step.kind {
        StepKind::Await(a) => Some(a.interval),
        StepKind::HealthCheck(h) if h.wait.is_some() => Some(h.interval),
        _ => None,
    };
    if let Some(interval) = interval
        && timeout < interval
    {
        cx.error(
            &format!("{pointer}/timeout"),
            format!("step timeout {timeout} is shorter than its interval {interval}: it would stop before looking twice"),
            None,
        );
    }
}

fn check_health(cx: &mut Ctx, kp: &str, h: &HealthCheckSpec) {
    positive(cx, &format!("{kp}/interval"), h.interval);
    if let Some(w) = h.wait
        && w < h.interval
    {
        cx.error(
            &format!("{kp}/wait"),
            format!("wait {w} is shorter than interval {}", h.interval),
            None,
        );
    }
    if let Some(p) = &h.min_healthy {
        let v: f64 = p.trim_end_matches('%').parse().unwrap_or(f64::NAN);
        if !(0.0..=100.0).contains(&v) {
            cx.error(
                &format!("{kp}/min_healthy"),
                format!("`{p}` is not a share between 0% and 100%"),
                None,
            );
        }
    }
    if h.allowed.is_empty() {
        cx.error(
            &format!("{kp}/allowed"),
            "`allowed` is empty: no endpoint could ever count as healthy".to_string(),
            None,
        );
    }
}

fn positive(cx: &mut Ctx, pointer: &str, d: DurationSpec) {
    if d.0.is_zero() {
        cx.error(
            pointer,
            "duration must be greater than zero".to_string(),
            None,
        );
    }
}

/// Checks that `id` names a step that runs before `position` and is of one of `kinds`.
fn check_step_ref(cx: &mut Ctx, pointer: &str, id: &str, position: usize, kinds: &[&str]) {
    let wanted = kinds.join(" or ");
    match cx.order.get(id).copied() {
        None if cx.unknown_id_may_be_set_aside() => {}
        None => {
            let hint = {
                let candidates: Vec<&str> = cx
                    .order
                    .iter()
                    .filter(|(_, (p, k))| *p < position && kinds.contains(k))
                    .map(|(name, _)| *name)
                    .collect();
                suggest::did_you_mean(id, candidates)
            };
            cx.error(pointer, format!("no step has id `{id}`"), hint);
        }
        Some((p, _)) if p >= position => cx.error(
            pointer,
            format!("step `{id}` runs later; it must come before this step"),
            None,
        ),
        Some((p, _)) if cx.may_not_have_run(position, p).is_some() => {
            let why = cx.may_not_have_run(position, p);
            cx.error(pointer, format!("step `{id}` may not have run"), why);
        }

        Some((_, k)) if k != ANY_KIND && !kinds.contains(&k) => cx.error(
            pointer,
            format!("step `{id}` is a `{k}` step; expected a {wanted} step"),
            None,
        ),
        Some(_) => {}
    }
}

/// Compiles a template and checks every reference it makes. `position` is the run order of the
/// step the template belongs to (`None` for the target, which renders before any step).
pub(crate) fn check_template(
    cx: &mut Ctx,
    pointer: &str,
    t: &TemplateText,
    position: Option<usize>,
    in_target: bool,
) {
    let refs = match template::references(t.as_str()) {
        Ok(r) => r,
        Err(why) => {
            cx.error(pointer, format!("template does not compile: {why}"), None);
            return;
        }
    };
    for r in refs {
        if let Err((msg, hint)) = check_reference(cx, &r, position, in_target) {
            cx.error(pointer, msg, hint);
        }
    }
}

type RefError = (String, Option<String>);

fn check_reference(
    cx: &Ctx,
    reference: &str,
    position: Option<usize>,
    in_target: bool,
) -> Result<(), RefError> {
    let parts: Vec<&str> = reference.split('.').collect();
    let root = parts[0];
    let field = parts.get(1).copied();
    let missing_field = |what: &str| {
        (
            format!("`{{{{{reference}}}}}` is incomplete: name a {what}"),
            None,
        )
    };
    match root {
        "params" => {
            let Some(name) = field else {
                return Err(missing_field("parameter"));
            };
            if !cx.rb.parameters.contains_key(name) {
                return Err((
                    format!("`{{{{{reference}}}}}`: no parameter `{name}` is declared"),
                    suggest::did_you_mean(name, cx.rb.parameters.keys().map(String::as_str))
                        .or_else(|| Some("declare it under `parameters:`".to_string())),
                ));
            }
            Ok(())
        }
        "target" if !in_target => fixed_field(reference, "target", field, TARGET_FIELDS),
        "run" => fixed_field(reference, "run", field, RUN_FIELDS),
        "steps" if !in_target => {
            let Some(id) = field else {
                return Err(missing_field("step"));
            };
            let Some((p, kind)) = cx.order.get(id).copied() else {
                if cx.unknown_id_may_be_set_aside() {
                    return Ok(());
                }
                let before: Vec<&str> = cx
                    .order
                    .iter()
                    .filter(|(_, (p, _))| position.is_some_and(|pos| *p < pos))
                    .map(|(n, _)| *n)
                    .collect();
                return Err((
                    format!("`{{{{{reference}}}}}`: no step has id `{id}`"),
                    suggest::did_you_mean(id, before),
                ));
            };
            if position.is_none_or(|pos| p >= pos) {
                return Err((
                    format!("`{{{{{reference}}}}}`: step `{id}` has not run yet at this point"),
                    Some("a template can only use outputs of steps that run before it".to_string()),
                ));
            }
            if let Some(why) = position.and_then(|pos| cx.may_not_have_run(pos, p)) {
                return Err((
                    format!("`{{{{{reference}}}}}`: step `{id}` may not have run"),
                    Some(why),
                ));
            }
            let Some(output) = parts.get(2).copied() else {
                return Err(missing_field("step output"));
            };
            if kind == ANY_KIND {
                return Ok(());
            }
            let outputs = outputs_of(kind);
            if !outputs.contains(&output) {
                return Err((
                    format!("`{{{{{reference}}}}}`: a `{kind}` step has no output `{output}`"),
                    suggest::did_you_mean(output, outputs.iter().copied())
                        .or_else(|| Some(format!("its outputs: {}", outputs.join(", ")))),
                ));
            }
            if parts.len() > 3 && !is_object_output(output) {
                return Err((
                    format!(
                        "`{{{{{reference}}}}}`: output `{output}` is a plain value with no fields"
                    ),
                    None,
                ));
            }
            Ok(())
        }
        "steps" | "target" if in_target => Err((
            format!(
                "`{{{{{reference}}}}}`: the target is resolved before any step runs, so it cannot use `{root}.`"
            ),
            Some("the target can use `params.` and `run.`".to_string()),
        )),
        _ => {
            let roots: &[&str] = if in_target {
                &["params", "run"]
            } else {
                &["params", "target", "steps", "run"]
            };
            Err((
                format!("`{{{{{reference}}}}}` does not name anything a template can use here"),
                Some(format!(
                    "references start with {}",
                    roots
                        .iter()
                        .map(|r| format!("`{r}.`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ))
        }
    }
}

/// A reference into a context with a fixed set of fields (`target.hub`, `run.id`).
fn fixed_field(
    reference: &str,
    context: &str,
    field: Option<&str>,
    fields: &[&str],
) -> Result<(), RefError> {
    let Some(name) = field else {
        return Err((
            format!("`{{{{{reference}}}}}` is incomplete: name a {context} field"),
            None,
        ));
    };
    if fields.contains(&name) {
        return Ok(());
    }
    Err((
        format!("`{{{{{reference}}}}}`: {context} has no field `{name}`"),
        suggest::did_you_mean(name, fields.iter().copied())
            .or_else(|| Some(format!("{context} fields: {}", fields.join(", ")))),
    ))
}

fn check_reviewer_warnings(cx: &mut Ctx) {
    let steps = &cx.rb.steps;
    for (i, step) in steps.iter().enumerate() {
        let StepKind::Failover(_) = step.kind else {
            continue;
        };
        let pointer = format!("/steps/{i}/failover");
        let validated = steps[..i]
            .iter()
            .any(|s| matches!(s.kind, StepKind::Validate(_)));
        if !validated {
            cx.warning(
                &pointer,
                format!("failover `{}` has no `validate` step before it", step.id),
                Some("check the hub is Active before failing it over".to_string()),
            );
        }
        let awaited = steps[i + 1..]
            .iter()
            .any(|s| matches!(&s.kind, StepKind::Await(a) if a.operation.as_deref() == Some(step.id.as_str())));
        if !awaited {
            cx.warning(
                &pointer,
                format!("failover `{}` is never awaited", step.id),
                Some(format!(
                    "add a step `await: {{ operation: {} }}` so the run sees it finish",
                    step.id
                )),
            );
        }
    }
}
