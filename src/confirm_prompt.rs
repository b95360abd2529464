//! Asking the operator on the terminal before a `confirm:` step. Only `yes` approves.

use std::io::{BufRead, Write};

use runbook_engine::{Confirmation, Confirmer};

#[derive(Debug, Default)]
pub struct TerminalPrompt;

impl Confirmer for TerminalPrompt {
    fn confirm(&mut self, step_id: &str, question: &str) -> Confirmation {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\n[{step_id}] {question}\nType 'yes' to proceed: ");
        let _ = err.flush();
        let mut answer = String::new();
        match std::io::stdin().lock().read_line(&mut answer) {
            Ok(0) | Err(_) => Confirmation::Unavailable(format!(
                "step `{step_id}` needs confirmation but standard input closed; re-run with --yes to approve"
            )),
            Ok(_) if answer.trim().eq_ignore_ascii_case("yes") => Confirmation::Approved,
            Ok(_) => Confirmation::Declined,
        }
    }
}
