//! Diagnostic logging on stderr: `-v` raises ingestctl's level (and, from `-vv`, the AWS SDK's);
//! `RUST_LOG` overrides both. Logs never hold a stream key: ingestctl never has one, and the SDK
//! redacts sensitive members and skips bodies of operations that return them.

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger for `verbosity` (the number of `-v`). Without `-v` or `RUST_LOG`,
/// only warnings from ingestctl itself are logged, so normal output stays clean.
pub(crate) fn init(verbosity: u8, colour: bool) {
    let default = match verbosity {
        0 => "ingestctl=warn",
        1 => "ingestctl=info",
        2 => "ingestctl=debug,aws_config=info,aws_smithy_runtime=info",
        _ => {
            "ingestctl=trace,aws=debug,aws_config=debug,aws_smithy_runtime=debug,aws_sdk_ivsrealtime=debug"
        }
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(default),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(true)
        .try_init();
}
