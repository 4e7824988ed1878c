//! Stop requests: SIGINT, SIGTERM and SIGHUP. Before the first write a signal ends the run at
//! once, since nothing has changed; during apply the first stops new updates and lets the report
//! be printed, and a second ends the run without waiting for the calls in flight.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::console::Stderr;
use crate::render::Note;

/// The signal that stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Hangup,
    Interrupt,
    Terminate,
}

impl Signal {
    /// 128 plus the signal's number, as shells report it.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Hangup => 129,
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

/// Why the run must end now, without finishing what it was doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Abort {
    /// A signal before any write: nothing was changed.
    BeforeApply(Signal),
    /// A second signal during apply: these updates were in flight, their outcome unknown.
    Again {
        signal: Signal,
        in_flight: Vec<String>,
    },
}

/// The ARNs whose update has been sent and not yet answered.
#[derive(Clone, Default)]
pub(crate) struct InFlight(Arc<Mutex<BTreeSet<String>>>);

impl InFlight {
    pub(crate) fn sent(&self, arn: &str) {
        self.lock().insert(arn.to_owned());
    }

    pub(crate) fn answered(&self, arn: &str) {
        self.lock().remove(arn);
    }

    fn list(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The process's stop state, shared by the signal listener, apply and the dispatcher.
pub(crate) struct Stop {
    caught: Arc<Mutex<Option<Signal>>>,
    applying: Arc<AtomicBool>,
    requested: watch::Receiver<bool>,
    abort: watch::Receiver<Option<Abort>>,
    in_flight: InFlight,
}

impl Stop {
    /// Starts listening for SIGINT, SIGTERM and SIGHUP on the current runtime.
    pub(crate) fn listen() -> Stop {
        let caught = Arc::new(Mutex::new(None));
        let applying = Arc::new(AtomicBool::new(false));
        let in_flight = InFlight::default();
        let (stop_tx, requested) = watch::channel(false);
        let (abort_tx, abort) = watch::channel(None);
        let (task_caught, task_applying, task_in_flight) = (
            Arc::clone(&caught),
            Arc::clone(&applying),
            in_flight.clone(),
        );
        tokio::spawn(async move {
            let mut signals = Signals::new();
            let mut first = true;
            while let Some(signal) = signals.next().await {
                if !task_applying.load(Ordering::SeqCst) {
                    *task_caught.lock().unwrap_or_else(|e| e.into_inner()) = Some(signal);
                    let _ = abort_tx.send(Some(Abort::BeforeApply(signal)));
                } else if first {
                    *task_caught.lock().unwrap_or_else(|e| e.into_inner()) = Some(signal);
                    Stderr::new().warning(&Note::Stopping.text());
                    let _ = stop_tx.send(true);
                } else {
                    let _ = abort_tx.send(Some(Abort::Again {
                        signal,
                        in_flight: task_in_flight.list(),
                    }));
                }
                first = false;
            }
        });
        Stop {
            caught,
            applying,
            requested,
            abort,
            in_flight,
        }
    }

    /// From now on a signal stops apply gracefully instead of ending the run; the receiver turns
    /// true when it does.
    pub(crate) fn applying(&self) -> watch::Receiver<bool> {
        self.applying.store(true, Ordering::SeqCst);
        self.requested.clone()
    }

    /// The updates in flight, kept by apply for a second signal to name.
    pub(crate) fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    /// The signal received, if any.
    pub(crate) fn caught(&self) -> Option<Signal> {
        *self.caught.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves when the run must end at once.
    pub(crate) async fn aborted(&self) -> Abort {
        let mut abort = self.abort.clone();
        loop {
            if let Some(reason) = abort.borrow_and_update().clone() {
                return reason;
            }
            if abort.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}

/// The signals that stop a run, as one stream.
struct Signals {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = match (
                signal(SignalKind::hangup()),
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(hup), Ok(int), Ok(term)) => Some([hup, int, term]),
                _ => None,
            };
            Signals { streams }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    async fn next(&mut self) -> Option<Signal> {
        #[cfg(unix)]
        {
            let Some([hup, int, term]) = &mut self.streams else {
                return std::future::pending().await;
            };
            tokio::select! {
                _ = hup.recv() => Some(Signal::Hangup),
                _ = int.recv() => Some(Signal::Interrupt),
                _ = term.recv() => Some(Signal::Terminate),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .ok()
                .map(|()| Signal::Interrupt)
        }
    }
}
