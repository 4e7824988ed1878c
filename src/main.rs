//! The `ingestctl` binary: parse the command line, run it on a Tokio runtime, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Parsing first keeps `--help` and `--version` free of runtime start-up.
    let cli = match ingestctl::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ingestctl::cli::usage_exit(&error),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let exit = runtime.block_on(ingestctl::run::run(cli));
    // A prompt's reader thread may still be blocked on stdin: do not wait for it.
    runtime.shutdown_background();
    exit.into()
}
