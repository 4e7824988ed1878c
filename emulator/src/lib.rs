//! A wire-compatible local emulator of the AWS IVS Real-Time API (restJson1, 2020-07-14) for stages and ingest configurations, driven by the real `aws-sdk-ivsrealtime` in tests and benchmarks.
//!
//! Start one in-process with [`Emulator::spawn`] (its own thread and runtime, so it works from
//! sync and async tests alike), or on the current runtime with [`serve`], which the
//! `ivs-realtime-emulator` binary uses. Point a client at [`Emulator::url`]; the region of each
//! request is taken from its SigV4 credential scope and every region is a separate world.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

mod admin;
mod error;
mod limits;
mod ops;
mod server;
mod state;
mod validate;

/// How an emulator behaves. Build it from [`Config::default`] or [`Config::ephemeral`] and
/// override fields.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free port. Default `127.0.0.1:4599`.
    pub listen: SocketAddr,
    /// The region of requests whose SigV4 scope names none. Default `us-east-1`.
    pub region: String,
    /// The account in every ARN and stream key; digits only. Default `123456789012`.
    pub account_id: String,
    /// The network round trip of every API call, refused and throttled ones included (not of
    /// `/_emulator/` calls): half of it before the call reaches the service, half after. Default 0.
    pub latency: Duration,
    /// Calls per second allowed per operation per region (a token bucket with a burst of
    /// `max(tps, 1)`); calls over it get 429 ThrottlingException. Default `None`: unlimited.
    pub rate_limit_tps: Option<f64>,
    /// Ingest configurations per region before 402 ServiceQuotaExceededException. Default 100,
    /// the service's default quota.
    pub max_ingest_configurations: usize,
    /// Where state lives across restarts: loaded at start if present, rewritten atomically after
    /// every mutation. Default `None`: state dies with the emulator.
    pub state_file: Option<PathBuf>,
    /// The error an update of an ACTIVE ingest configuration gets. AWS does not document it, so
    /// clients can be tested against each plausible answer. Default `ConflictException`.
    pub active_update_error: ActiveUpdateError,
}

/// The error `UpdateIngestConfiguration` returns for an ACTIVE configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActiveUpdateError {
    /// 409 ConflictException: the modelled error that fits best.
    #[default]
    Conflict,
    /// 400 ValidationException: what a service that checks state as input might answer.
    Validation,
}

impl std::str::FromStr for ActiveUpdateError {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "ConflictException" => Ok(ActiveUpdateError::Conflict),
            "ValidationException" => Ok(ActiveUpdateError::Validation),
            other => Err(format!(
                "`{other}` is not one of ConflictException, ValidationException"
            )),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 4599)),
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            latency: Duration::ZERO,
            rate_limit_tps: None,
            max_ingest_configurations: 100,
            state_file: None,
            active_update_error: ActiveUpdateError::Conflict,
        }
    }
}

impl Config {
    /// The defaults, listening on a free port of 127.0.0.1: what tests want.
    pub fn ephemeral() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Config::default()
        }
    }
}

/// A running emulator on its own thread; stopped by [`Emulator::shutdown`] or on drop.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts serving on its own background thread with its own tokio runtime, so it works from
    /// sync tests and from inside another runtime alike. Returns once the socket is bound (and
    /// the state file, if any, is loaded).
    pub fn spawn(config: Config) -> io::Result<Emulator> {
        let listen = config.listen;
        let prepared = server::prepare(config)?;
        let listener = std::net::TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<()>>();
        let thread = std::thread::Builder::new()
            .name(format!("ivs-realtime-emulator-{}", addr.port()))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("ivs-realtime-emulator-worker")
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    // Registering with the reactor needs the runtime, hence here, not in spawn.
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let stopped = async move {
                        // A dropped sender means the handle is gone: stop as well.
                        let _ = stop_rx.await;
                    };
                    if let Err(e) = server::run(listener, prepared, stopped).await {
                        eprintln!("ivs-realtime-emulator: server stopped: {e}");
                    }
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Emulator {
                addr,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(io::Error::other("the emulator thread ended before serving"))
            }
        }
    }

    /// `http://127.0.0.1:PORT`, for `endpoint_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight calls finish (held ones are released), and joins the
    /// thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// For the binary: serve on the current runtime until `shutdown` resolves; calls
/// `on_bound(addr)` once bound.
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_bound: impl FnOnce(SocketAddr),
) -> io::Result<()> {
    let listen = config.listen;
    let prepared = server::prepare(config)?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    on_bound(listener.local_addr()?);
    server::run(listener, prepared, shutdown).await
}
