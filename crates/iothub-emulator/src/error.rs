//! Errors of the library API: scenario loading (with origin:line:col), server start-up, and
//! test-control requests.
//!
//! Request-level failures are not Rust errors: they are ARM error responses built in `arm_error`.

/// A scenario could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{origin}: cannot read scenario: {source}")]
    Io {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    /// The YAML is malformed or does not fit the scenario format (unknown key, wrong type...).
    #[error("{origin}:{line}:{column}: {message}")]
    Parse {
        origin: String,
        line: u64,
        column: u64,
        message: String,
    },
    /// The YAML parsed but says something impossible (duplicate hub, fault that does nothing...).
    #[error("{origin}: {path}: {message}")]
    Invalid {
        origin: String,
        path: String,
        message: String,
    },
}

/// The emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// Binding the listening socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The configuration is unusable (e.g. a non-positive time scale).
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// The scenario is unusable (e.g. two hubs with the same coordinates).
    #[error("invalid scenario: {0}")]
    Scenario(String),
}

/// A control request (`complete_failover`) that cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// No hub has this name.
    #[error("no hub named {0:?}")]
    NoSuchHub(String),
    /// Several hubs (in different resource groups or subscriptions) have this name.
    #[error("{count} hubs are named {name:?}; complete-failover needs a unique name")]
    AmbiguousHub { name: String, count: usize },
    /// The hub has no failover in progress.
    #[error("hub {0:?} has no failover in progress")]
    NoFailoverInProgress(String),
}
