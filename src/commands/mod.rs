//! One module per subcommand; each takes its parsed arguments and returns an exit code.

pub mod completions;
pub mod emulator;
pub mod exec;
pub mod fleet;
pub mod init;
pub mod plan;
pub mod preflight;
pub mod report;
pub mod resume;
pub mod schema;
pub mod test;
pub mod validate;
