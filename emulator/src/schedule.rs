//! Ingest-configuration state changes waiting for their time: a queue in time order, and the wake-up for the task that applies them.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::Notify;

use crate::state::ConfigState;

/// One change to apply later, exactly as the control would apply it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) region: String,
    pub(crate) arn: String,
    pub(crate) state: ConfigState,
}

#[derive(Default)]
struct Queue {
    /// By due time, then by the order they were scheduled, so equal times keep call order.
    entries: BTreeMap<(Instant, u64), Pending>,
    next_seq: u64,
}

#[derive(Default)]
pub(crate) struct Schedule {
    queue: Mutex<Queue>,
    /// Tells the applying task the queue changed, so it re-reads the next due time.
    changed: Notify,
}

impl Schedule {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `pending` for `due`, after any already queued for the same instant.
    pub(crate) fn push(&self, due: Instant, pending: Pending) {
        {
            let mut queue = self.lock();
            queue.next_seq += 1;
            let seq = queue.next_seq;
            queue.entries.insert((due, seq), pending);
        }
        // A permit is stored if the task is not waiting yet, so no wake-up is lost.
        self.changed.notify_one();
    }

    /// When the earliest pending change is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.lock().entries.keys().next().map(|(due, _)| *due)
    }

    /// Removes and returns every change due by `now`, earliest first.
    pub(crate) fn take_due(&self, now: Instant) -> Vec<Pending> {
        let mut queue = self.lock();
        let mut due = Vec::new();
        while let Some(entry) = queue.entries.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        due
    }

    /// Resolves when a change was pushed (or the queue cleared) since the last time it resolved.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Drops every pending change.
    pub(crate) fn clear(&self) {
        self.lock().entries.clear();
        self.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn pending(arn: &str, state: ConfigState) -> Pending {
        Pending {
            region: "r1".to_owned(),
            arn: arn.to_owned(),
            state,
        }
    }

    #[test]
    fn changes_come_out_in_time_order_then_call_order() {
        let schedule = Schedule::default();
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        schedule.push(t0 + ms(900), pending("a", ConfigState::Active));
        schedule.push(t0 + ms(300), pending("a", ConfigState::Inactive));
        schedule.push(t0 + ms(300), pending("b", ConfigState::Active));
        assert_eq!(schedule.next_due(), Some(t0 + ms(300)));
        assert_eq!(schedule.take_due(t0 + ms(299)), vec![]);
        assert_eq!(
            schedule.take_due(t0 + ms(300)),
            vec![
                pending("a", ConfigState::Inactive),
                pending("b", ConfigState::Active)
            ]
        );
        assert_eq!(schedule.next_due(), Some(t0 + ms(900)));
        schedule.clear();
        assert_eq!(schedule.next_due(), None);
        assert_eq!(schedule.take_due(t0 + ms(1000)), vec![]);
    }
}
