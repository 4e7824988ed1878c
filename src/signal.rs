//! Stop requests: SIGINT and SIGTERM. Before the first write they end the process at once, since
//! nothing has changed; during apply they stop new updates and let the report be printed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::console::Stderr;

/// The signal that stopped an apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// 128 plus the signal's number, as shells report it.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

/// The process's stop state, shared by the signal listener and apply.
pub(crate) struct Stop {
    caught: Arc<Mutex<Option<Signal>>>,
    applying: Arc<AtomicBool>,
    requested: watch::Receiver<bool>,
}

impl Stop {
    /// Starts listening for SIGINT and SIGTERM on the current runtime.
    pub(crate) fn listen() -> Stop {
        let caught = Arc::new(Mutex::new(None));
        let applying = Arc::new(AtomicBool::new(false));
        let (tx, requested) = watch::channel(false);
        let (task_caught, task_applying) = (Arc::clone(&caught), Arc::clone(&applying));
        tokio::spawn(async move {
            let signal = wait_for_signal().await;
            *task_caught.lock().unwrap_or_else(|e| e.into_inner()) = Some(signal);
            let stderr = Stderr::new();
            if task_applying.load(Ordering::SeqCst) {
                stderr
                    .warning("interrupted: no new updates will start; waiting for those in flight");
                let _ = tx.send(true);
            } else {
                stderr.warning("interrupted before any change: nothing was changed");
                std::process::exit(i32::from(signal.exit_code()));
            }
        });
        Stop {
            caught,
            applying,
            requested,
        }
    }

    /// From now on a signal stops apply gracefully instead of ending the process; the receiver
    /// turns true when it does.
    pub(crate) fn applying(&self) -> watch::Receiver<bool> {
        self.applying.store(true, Ordering::SeqCst);
        self.requested.clone()
    }

    /// The signal received, if any.
    pub(crate) fn caught(&self) -> Option<Signal> {
        *self.caught.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn wait_for_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    }
}
