//! The `runbook` command line.
fn main() {}
