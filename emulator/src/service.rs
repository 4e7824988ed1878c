//! The emulated service's world, apart from HTTP: the store, its state file, the quotas and limits, the clock and its logs, and the stop signal that releases held calls.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::config::{ActiveUpdateError, Config};
use crate::error::ApiError;
use crate::journal::Journal;
use crate::limits::Limits;
use crate::schedule::{Pending, Schedule};
use crate::state::{ConfigState, IngestConfig, Store};
use crate::validate;

/// A configuration checked and its state loaded: everything that can fail before the socket.
pub(crate) struct Prepared {
    config: Config,
    store: Store,
}

/// Checks a configuration and loads its state file, so a bad one is refused before binding.
pub(crate) fn prepare(config: Config) -> io::Result<Prepared> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    if config.account_id.is_empty() || !config.account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "account id must be digits (it goes into ARNs): {:?}",
            config.account_id
        )));
    }
    if !validate::is_region(&config.region) {
        return Err(invalid(format!(
            "region must match [a-z0-9-]+: {:?}",
            config.region
        )));
    }
    if let Some(tps) = config.rate_limit_tps
        && !(tps.is_finite() && tps > 0.0)
    {
        return Err(invalid(format!(
            "rate limit must be a positive number of calls per second: {tps}"
        )));
    }
    let store = match &config.state_file {
        Some(path) => Store::load(path)?,
        None => Store::default(),
    };
    Ok(Prepared { config, store })
}

/// The service every operation and control acts on.
pub(crate) struct Service {
    pub(crate) account_id: String,
    /// The region of calls whose SigV4 scope names none.
    pub(crate) default_region: String,
    pub(crate) max_ingest_configurations: usize,
    pub(crate) active_update_error: ActiveUpdateError,
    state_file: Option<PathBuf>,
    store: Mutex<Store>,
    pub(crate) limits: Limits,
    /// The emulator's clock, and the requests and state changes it has seen.
    pub(crate) journal: Journal,
    /// State changes waiting for their time.
    pub(crate) schedule: Schedule,
    /// Flips to `true` at shutdown, so held calls (latency, delay faults) stop waiting.
    stopping: watch::Receiver<bool>,
}

impl Service {
    /// The service for a prepared configuration; `stopping` turning `true` releases every hold.
    fn new(prepared: Prepared, stopping: watch::Receiver<bool>) -> Service {
        let config = prepared.config;
        Service {
            account_id: config.account_id,
            default_region: config.region,
            max_ingest_configurations: config.max_ingest_configurations,
            active_update_error: config.active_update_error,
            state_file: config.state_file,
            store: Mutex::new(prepared.store),
            limits: Limits::new(config.latency, config.rate_limit_tps),
            journal: Journal::new(),
            schedule: Schedule::default(),
            stopping,
        }
    }

    /// The service, with its task that applies scheduled state changes running on the current
    /// runtime until `stopping` turns `true` (pending changes are then dropped, not awaited).
    pub(crate) fn start(prepared: Prepared, stopping: watch::Receiver<bool>) -> Arc<Service> {
        let service = Arc::new(Service::new(prepared, stopping));
        tokio::spawn(Arc::clone(&service).apply_scheduled());
        service
    }

    /// Sleeps until the next scheduled change is due, applies every due one in time order, and
    /// again, re-reading the queue whenever a change is scheduled.
    async fn apply_scheduled(self: Arc<Self>) {
        let mut stopping = self.stopping.clone();
        loop {
            let next = self.schedule.next_due();
            let due = async {
                match next {
                    Some(due) => tokio::time::sleep_until(due.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                // Stopping, or the server gone (the sender dropped): either way, quit.
                _ = stopping.wait_for(|s| *s) => return,
                () = self.schedule.changed() => continue,
                () = due => {}
            }
            for pending in self.schedule.take_due(Instant::now()) {
                self.apply(&pending);
            }
        }
    }

    /// Applies a scheduled change as the control would have; a configuration deleted meanwhile
    /// drops it. A state file that cannot be written is reported by `persist`, and the change
    /// stays in memory, as for an immediate change.
    fn apply(&self, pending: &Pending) {
        let _ = self.set_config_state(&pending.region, &pending.arn, pending.state);
    }

    /// The world, locked. Operations are short and synchronous, so a plain mutex suffices; a
    /// poisoned one is still consistent (every mutation completes before anything can panic).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the state file, if any, while the caller still holds the lock, so the file's
    /// versions follow the order of mutations.
    pub(crate) fn persist(&self, store: &Store) -> Result<(), ApiError> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        store.save(path).map_err(|e| {
            eprintln!(
                "ivs-realtime-emulator: cannot write state file {}: {e}",
                path.display()
            );
            ApiError::internal("The emulator could not write its state file")
        })
    }

    /// Sets an ingest configuration's state as if a publisher connected or left: the stage it is
    /// attached to gains or loses its session accordingly, the change is journaled and the state
    /// file rewritten. Returns the configuration as it now is.
    pub(crate) fn set_config_state(
        &self,
        region_name: &str,
        arn: &str,
        state: ConfigState,
    ) -> Result<IngestConfig, ApiError> {
        let not_found = || ApiError::not_found("IngestConfiguration", arn);
        let mut store = self.store();
        // Looked up first so an unknown region is not created by the lookup.
        if store.region(region_name).is_none() {
            return Err(not_found());
        }
        let region = store.region_mut(region_name);
        let config = region.config_mut(arn).ok_or_else(not_found)?;
        config.state = state;
        let stage_arn = config.stage_arn.clone();
        if !stage_arn.is_empty() {
            region.refresh_session(&stage_arn);
        }
        let updated = region.config(arn).cloned().ok_or_else(not_found)?;
        self.journal.record_state_change(arn, state);
        self.persist(&store)?;
        Ok(updated)
    }

    /// Sleeps, unless the server is stopping.
    pub(crate) async fn hold(&self, duration: Duration) {
        if duration.is_zero() {
            return;
        }
        let mut stopping = self.stopping.clone();
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
    }
}
