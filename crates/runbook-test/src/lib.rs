//! `runbook test`: SREs snapshot-test their own runbooks against emulated Azure behaviour.
//!
//! A test file `drill.test.yaml` beside `drill.yaml` lists cases: an emulator scenario (the
//! hub's state, a failover that fails, devices that drop, endpoints that go unhealthy, ARM
//! throttling), parameters, and what must hold afterwards (exit code, status, step statuses,
//! DR-log fields, the ARM requests made). Data flows:
//!
//! `suite::discover` (paths -> test files) -> `load` (YAML -> checked `Case`s, or located
//! diagnostics, via `model`, `schema`, `scenario`, `requests`) -> `suite::run_suite` (each
//! case on its own in-process emulator, in parallel: `run`) -> `expect` (the case's
//! expectations) and `golden` (the redacted DR log against its golden file) -> `CaseResult`s,
//! which the CLI prints. Everything runs against the real ARM client over real HTTP on
//! 127.0.0.1; nothing is mocked.

pub mod expect;
pub mod golden;
pub mod load;
pub mod model;
pub mod requests;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod suite;

pub use load::{Case, TestFile, load_test_file};
pub use suite::{CaseResult, SuiteOptions, Verdict, discover, run_suite};
