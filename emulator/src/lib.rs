//! A wire-compatible local emulator of the AWS IVS Real-Time API (restJson1, 2020-07-14) for stages and ingest configurations, driven by the real `aws-sdk-ivsrealtime` in tests and benchmarks.
//!
//! Start one in-process with [`Emulator::spawn`] (its own thread and runtime, so it works from
//! sync and async tests alike), or on the current runtime with [`serve`], which the
//! `ivs-realtime-emulator` binary uses. Point a client at [`Emulator::url`]; the region of each
//! request is taken from its SigV4 credential scope and every region is a separate world.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

mod admin;
mod config;
mod error;
mod journal;
mod limits;
mod operation;
mod ops;
mod schedule;
mod server;
mod service;
mod shapes;
mod state;
mod validate;

pub use config::{ActiveUpdateError, Config};

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
        let prepared = service::prepare(config)?;
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
    let prepared = service::prepare(config)?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    on_bound(listener.local_addr()?);
    server::run(listener, prepared, shutdown).await
}
