//! The `ivs-realtime-emulator` binary: flags to a [`Config`], the listening line on stdout, serve until SIGINT or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ivs_realtime_emulator::{ActiveUpdateError, Config, serve};

/// A local emulator of the AWS IVS Real-Time API (stages and ingest configurations).
///
/// Prints `listening on http://HOST:PORT` as its first line on stdout, then serves until
/// interrupted. Controls live under /_emulator/ (see the crate README).
#[derive(Parser, Debug)]
#[command(name = "ivs-realtime-emulator", version)]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:4599")]
    listen: SocketAddr,
    /// Region for requests whose SigV4 scope names none.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Account id used in ARNs and stream keys.
    #[arg(long, default_value = "123456789012")]
    account_id: String,
    /// Round trip in milliseconds of every API call, throttled ones included: the service sees
    /// the call after half of it.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Calls per second per operation per region before 429 ThrottlingException.
    #[arg(long)]
    rate_limit_tps: Option<f64>,
    /// Ingest configurations per region before 402 ServiceQuotaExceededException.
    #[arg(long, default_value_t = 100)]
    max_ingest_configurations: usize,
    /// JSON file holding state across restarts.
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// The error an update of an ACTIVE ingest configuration gets (AWS does not document it):
    /// ConflictException or ValidationException.
    #[arg(long, default_value = "ConflictException", value_name = "CODE")]
    active_update_error: ActiveUpdateError,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config {
        listen: args.listen,
        region: args.region,
        account_id: args.account_id,
        latency: Duration::from_millis(args.latency_ms),
        rate_limit_tps: args.rate_limit_tps,
        max_ingest_configurations: args.max_ingest_configurations,
        state_file: args.state_file,
        active_update_error: args.active_update_error,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ivs-realtime-emulator: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(config, stop_signal(), |addr| {
        let mut stdout = std::io::stdout().lock();
        // Whoever started us waits for this line; a closed stdout must not stop the server.
        let _ = writeln!(stdout, "listening on http://{addr}");
        let _ = stdout.flush();
    }));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ivs-realtime-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGINT or SIGTERM (Ctrl-C elsewhere). If a handler cannot be installed, that
/// signal keeps its default action, which still ends the process.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            (Ok(mut only), Err(_)) | (Err(_), Ok(mut only)) => {
                only.recv().await;
            }
            (Err(_), Err(_)) => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
