//! Reporters: event sinks that show a run to people (`human`) and machines (`json_lines`,
//! `junit`). They read `RunEvent`s only; the engine never prints.

pub mod human;
pub mod json_lines;
pub mod junit;
pub mod summary;
pub mod test_junit;
