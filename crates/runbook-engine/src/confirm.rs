//! Confirmation of risky steps: the engine asks, the CLI decides how to answer.
//!
//! The runner renders a step's `confirm:` question, masks secrets in it, and hands it to the
//! `Confirmer` the CLI chose: `AutoApprove` for `--yes`, a terminal prompt, or `NoConfirmer`
//! when there is neither, in which case a run that needs confirmation stops before its first
//! step.

/// The answer to a `confirm:` question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    Approved,
    Declined,
    /// Nobody can answer (no terminal and no `--yes`); the message says how to proceed.
    Unavailable(String),
}

/// Answers `confirm:` questions. `--yes` approves everything; a terminal prompts.
pub trait Confirmer: Send {
    fn confirm(&mut self, step_id: &str, question: &str) -> Confirmation;

    /// Whether this confirmer can ever approve; a run that needs confirmation and has none
    /// stops before its first step.
    fn can_answer(&self) -> bool {
        true
    }
}

/// Approves every question (`--yes`).
#[derive(Debug, Default)]
pub struct AutoApprove;

impl Confirmer for AutoApprove {
    fn confirm(&mut self, _: &str, _: &str) -> Confirmation {
        Confirmation::Approved
    }
}

/// Answers nothing: used when there is no terminal and no `--yes`.
#[derive(Debug, Default)]
pub struct NoConfirmer;

impl Confirmer for NoConfirmer {
    fn can_answer(&self) -> bool {
        false
    }

    fn confirm(&mut self, step_id: &str, _: &str) -> Confirmation {
        Confirmation::Unavailable(format!(
            "step `{step_id}` needs confirmation, but there is no terminal to ask on; re-run with --yes to approve, or run it from a terminal"
        ))
    }
}
