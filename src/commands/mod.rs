//! One module per subcommand; each takes its parsed arguments and returns an exit code.

pub mod schema;
pub mod validate;
