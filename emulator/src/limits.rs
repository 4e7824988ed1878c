//! Pacing and trouble on purpose: added latency, per-region token buckets, injected faults, and call counters.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::error::ErrorCode;
use crate::operation::Operation;

/// What an injected fault does to the call it catches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultAction {
    Fail(ErrorCode),
    Delay(Duration),
}

struct Fault {
    action: FaultAction,
    remaining: u32,
}

/// A token bucket: full at `burst`, refilled at `tps` per second.
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Default, Clone, Copy)]
struct Counter {
    calls: u64,
    throttled: u64,
}

pub(crate) struct Limits {
    latency: Duration,
    tps: Option<f64>,
    buckets: Mutex<HashMap<String, HashMap<Operation, Bucket>>>,
    faults: Mutex<HashMap<Operation, VecDeque<Fault>>>,
    counters: Mutex<BTreeMap<String, BTreeMap<Operation, Counter>>>,
}

/// A poisoned lock only means another request panicked mid-update; the data are plain counters
/// and queues, still usable, and refusing every later request would be worse.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Limits {
    pub(crate) fn new(latency: Duration, tps: Option<f64>) -> Limits {
        Limits {
            latency,
            tps,
            buckets: Mutex::default(),
            faults: Mutex::default(),
            counters: Mutex::default(),
        }
    }

    pub(crate) fn latency(&self) -> Duration {
        self.latency
    }

    fn bump(&self, region: &str, op: Operation, throttled: bool) {
        let mut counters = lock(&self.counters);
        let per_op = match counters.get_mut(region) {
            Some(per_op) => per_op,
            None => counters.entry(region.to_owned()).or_default(),
        };
        let counter = per_op.entry(op).or_default();
        if throttled {
            counter.throttled += 1;
        } else {
            counter.calls += 1;
        }
    }

    pub(crate) fn record_call(&self, region: &str, op: Operation) {
        self.bump(region, op, false);
    }

    /// Takes a token from the (region, operation) bucket, or records the call as throttled.
    ///
    /// The burst is `max(tps, 1)`: with a burst below one token no call could ever pass.
    pub(crate) fn admit(&self, region: &str, op: Operation) -> bool {
        let Some(tps) = self.tps else {
            return true;
        };
        let burst = tps.max(1.0);
        let now = Instant::now();
        let admitted = {
            let mut buckets = lock(&self.buckets);
            let per_op = match buckets.get_mut(region) {
                Some(per_op) => per_op,
                None => buckets.entry(region.to_owned()).or_default(),
            };
            let bucket = per_op.entry(op).or_insert(Bucket {
                tokens: burst,
                last: now,
            });
            let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * tps).min(burst);
            bucket.last = now;
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                true
            } else {
                false
            }
        };
        if !admitted {
            self.bump(region, op, true);
        }
        admitted
    }

    /// Queues a fault behind any already queued for `op`; returns how many calls of `op` are now
    /// spoken for.
    pub(crate) fn push_fault(&self, op: Operation, action: FaultAction, count: u32) -> u64 {
        let mut faults = lock(&self.faults);
        let queue = faults.entry(op).or_default();
        queue.push_back(Fault {
            action,
            remaining: count,
        });
        queue.iter().map(|f| u64::from(f.remaining)).sum()
    }

    /// The fault the next call of `op` meets, if any, used up one call at a time.
    pub(crate) fn take_fault(&self, op: Operation) -> Option<FaultAction> {
        let mut faults = lock(&self.faults);
        let queue = faults.get_mut(&op)?;
        let front = queue.front_mut()?;
        let action = front.action;
        front.remaining = front.remaining.saturating_sub(1);
        if front.remaining == 0 {
            queue.pop_front();
        }
        Some(action)
    }

    /// `{"calls": {...}, "throttled": {...}, "regions": {"<region>": {"calls", "throttled"}}}`.
    pub(crate) fn calls_json(&self) -> Value {
        let counters = lock(&self.counters);
        let mut total_calls: BTreeMap<&str, u64> = BTreeMap::new();
        let mut total_throttled: BTreeMap<&str, u64> = BTreeMap::new();
        let mut regions = Map::new();
        for (region, per_op) in counters.iter() {
            let mut calls = Map::new();
            let mut throttled = Map::new();
            for (op, counter) in per_op {
                *total_calls.entry(op.name()).or_default() += counter.calls;
                calls.insert(op.name().to_owned(), json!(counter.calls));
                if counter.throttled > 0 {
                    *total_throttled.entry(op.name()).or_default() += counter.throttled;
                    throttled.insert(op.name().to_owned(), json!(counter.throttled));
                }
            }
            regions.insert(
                region.clone(),
                json!({ "calls": calls, "throttled": throttled }),
            );
        }
        json!({ "calls": total_calls, "throttled": total_throttled, "regions": regions })
    }

    pub(crate) fn reset(&self) {
        lock(&self.buckets).clear();
        lock(&self.faults).clear();
        lock(&self.counters).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_throttles_per_region_and_operation() {
        let limits = Limits::new(Duration::ZERO, Some(2.0));
        assert!(limits.admit("r1", Operation::GetStage));
        assert!(limits.admit("r1", Operation::GetStage));
        assert!(!limits.admit("r1", Operation::GetStage));
        assert!(limits.admit("r2", Operation::GetStage));
        assert!(limits.admit("r1", Operation::ListStages));
    }

    #[test]
    fn faults_queue_per_operation_and_run_out() {
        let limits = Limits::new(Duration::ZERO, None);
        let fail = FaultAction::Fail(ErrorCode::Conflict);
        let wait = FaultAction::Delay(Duration::from_millis(1));
        assert_eq!(limits.push_fault(Operation::GetStage, fail, 2), 2);
        assert_eq!(limits.push_fault(Operation::GetStage, wait, 1), 3);
        assert_eq!(limits.take_fault(Operation::ListStages), None);
        assert_eq!(limits.take_fault(Operation::GetStage), Some(fail));
        assert_eq!(limits.take_fault(Operation::GetStage), Some(fail));
        assert_eq!(limits.take_fault(Operation::GetStage), Some(wait));
        assert_eq!(limits.take_fault(Operation::GetStage), None);
    }
}
