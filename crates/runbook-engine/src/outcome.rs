//! What one attempt of a step produced, before the runner turns it into a `StepRecord`.
//!
//! Step kinds return `Result<StepDone, StepFail>`; the runner wraps that with `Cancelled` into
//! an `Attempt`, applies `retry` to retryable failures, and routes the last one by
//! `on_failure`. ARM errors become `StepFail`s here, keeping ARM's code for the DR log.

use runbook_record::ErrorCode;
use serde_json::{Map, Value};

/// A step that finished without failing.
#[derive(Debug, Default)]
pub(crate) struct StepDone {
    /// It did not run (`when` was false, a dry run left out a change, nothing to wait for).
    pub skipped: bool,
    /// It ran but something deserves a look (e.g. a failover ARM's answer to was lost).
    pub warning: bool,
    /// A dry run left out the change this step would have made (a failover's POST).
    pub dry_run_skip: bool,
    pub details: String,
    pub outputs: Map<String, Value>,
}

impl StepDone {
    pub fn ran(details: String, outputs: Map<String, Value>) -> Self {
        Self {
            details,
            outputs,
            ..Self::default()
        }
    }

    pub fn skipped(details: String) -> Self {
        Self {
            skipped: true,
            details,
            ..Self::default()
        }
    }
}

/// A step that failed.
#[derive(Debug)]
pub(crate) struct StepFail {
    pub code: ErrorCode,
    pub message: String,
    pub outputs: Map<String, Value>,
    /// Worth another attempt under `retry`. An expectation miss is; a refused failover is not.
    pub retryable: bool,
    /// The hub may have been changed by this attempt (a failover whose answer was lost).
    pub changed: bool,
    /// Stops the run whatever `on_failure` says (a declined confirmation).
    pub aborts_run: bool,
}

impl StepFail {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            outputs: Map::new(),
            retryable: true,
            changed: false,
            aborts_run: false,
        }
    }

    pub fn final_(mut self) -> Self {
        self.retryable = false;
        self
    }

    pub fn with_outputs(mut self, outputs: Map<String, Value>) -> Self {
        self.outputs = outputs;
        self
    }

    /// Whether a dry run should expect this miss: a reading that differs because the
    /// failover it would have made was left out.
    pub fn expected_in_dry_run(&self) -> bool {
        matches!(
            self.code,
            ErrorCode::ExpectationNotMet | ErrorCode::AwaitTimeout
        )
    }
}

impl From<iothub_arm::ArmError> for StepFail {
    fn from(e: iothub_arm::ArmError) -> Self {
        use iothub_arm::ArmError as E;
        let code = match (&e, e.code(), e.status()) {
            // ARM's own code, kept as ARM spelled it.
            (_, Some(code), _) => ErrorCode::from_text(code),
            (E::Http { .. } | E::Auth { .. }, None, Some(status)) => {
                ErrorCode::Arm(format!("Http{status}"))
            }
            (E::Throttled { .. }, ..) => ErrorCode::Throttled,
            (E::FailoverOutcomeUnknown { .. }, ..) => ErrorCode::FailoverOutcomeUnknown,
            (E::OperationFailed { .. }, ..) => ErrorCode::OperationFailed,
            (E::Timeout { .. }, ..) => ErrorCode::Timeout,
            (E::Transport { .. }, ..) => ErrorCode::Transport,
            (E::Credential { .. }, ..) => ErrorCode::Credential,
            _ => ErrorCode::ArmError,
        };
        // Authentication and bad input will not get better by trying again.
        let retryable = !matches!(
            e,
            E::Auth { .. }
                | E::Credential { .. }
                | E::InvalidInput { .. }
                | E::InsecureEndpoint { .. }
        );
        Self {
            code,
            message: e.to_string(),
            outputs: Map::new(),
            retryable,
            changed: false,
            aborts_run: false,
        }
    }
}

/// One attempt's result, as the runner sees it.
pub(crate) enum Attempt {
    Done(StepDone),
    Failed(StepFail),
    Cancelled,
}
