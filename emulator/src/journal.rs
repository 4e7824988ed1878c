//! The emulator's clock (milliseconds since it started) and what it records on it: API requests as they reach the service, and ingest-configuration state changes as they apply.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{Value, json};

use crate::operation::Operation;
use crate::state::ConfigState;

/// Entries kept per log; the oldest go first, so a long benchmark cannot grow the emulator
/// without bound.
pub(crate) const MAX_ENTRIES: usize = 100_000;

struct Request {
    op: Operation,
    region: String,
    at_ms: u64,
}

struct StateChange {
    arn: String,
    state: ConfigState,
    at_ms: u64,
}

pub(crate) struct Journal {
    started: Instant,
    requests: Mutex<VecDeque<Request>>,
    state_changes: Mutex<VecDeque<StateChange>>,
}

/// A poisoned lock only means another request panicked mid-push; the log is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn push_bounded<T>(log: &mut VecDeque<T>, entry: T) {
    if log.len() >= MAX_ENTRIES {
        log.pop_front();
    }
    log.push_back(entry);
}

impl Journal {
    /// A journal whose clock starts now.
    pub(crate) fn new() -> Journal {
        Journal {
            started: Instant::now(),
            requests: Mutex::default(),
            state_changes: Mutex::default(),
        }
    }

    /// `instant` on the emulator's clock: whole milliseconds since it started.
    pub(crate) fn ms_at(&self, instant: Instant) -> u64 {
        let elapsed = instant.saturating_duration_since(self.started).as_millis();
        u64::try_from(elapsed).unwrap_or(u64::MAX)
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.ms_at(Instant::now())
    }

    /// An API request reached the service (the moment it is counted).
    pub(crate) fn record_request(&self, region: &str, op: Operation) {
        let at_ms = self.now_ms();
        push_bounded(
            &mut lock(&self.requests),
            Request {
                op,
                region: region.to_owned(),
                at_ms,
            },
        );
    }

    /// An ingest configuration's state was set, by a control now or by a scheduled change.
    pub(crate) fn record_state_change(&self, arn: &str, state: ConfigState) {
        let at_ms = self.now_ms();
        push_bounded(
            &mut lock(&self.state_changes),
            StateChange {
                arn: arn.to_owned(),
                state,
                at_ms,
            },
        );
    }

    /// `[{"operation", "region", "at_ms"}]`, oldest first.
    pub(crate) fn requests_json(&self) -> Value {
        let requests = lock(&self.requests);
        Value::Array(
            requests
                .iter()
                .map(|r| json!({ "operation": r.op.name(), "region": r.region, "at_ms": r.at_ms }))
                .collect(),
        )
    }

    /// `[{"arn", "state", "at_ms"}]`, oldest first.
    pub(crate) fn state_changes_json(&self) -> Value {
        let changes = lock(&self.state_changes);
        Value::Array(
            changes
                .iter()
                .map(|c| json!({ "arn": c.arn, "state": c.state.as_str(), "at_ms": c.at_ms }))
                .collect(),
        )
    }

    /// Empties both logs; the clock keeps running.
    pub(crate) fn clear(&self) {
        lock(&self.requests).clear();
        lock(&self.state_changes).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_keep_the_newest_entries_in_order() {
        let journal = Journal::new();
        for _ in 0..MAX_ENTRIES + 2 {
            journal.record_request("r1", Operation::ListStages);
        }
        journal.record_request("r2", Operation::GetStage);
        let requests = journal.requests_json();
        let entries = requests.as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert_eq!(entries[MAX_ENTRIES - 1]["operation"], "GetStage");
        assert_eq!(entries[MAX_ENTRIES - 1]["region"], "r2");
        journal.clear();
        assert_eq!(journal.requests_json(), json!([]));
    }

    #[test]
    fn the_clock_counts_from_the_start() {
        let journal = Journal::new();
        let later = journal.started + std::time::Duration::from_millis(1500);
        assert_eq!(journal.ms_at(later), 1500);
        assert_eq!(journal.ms_at(journal.started), 0);
    }
}
