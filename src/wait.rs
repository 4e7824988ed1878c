//! Waiting for publishers to leave (`--wait-for-inactive`): one paced ACTIVE-list poll per region
//! per interval, whatever the number waiting, and each update sent the moment its config is
//! absent from the list. The planner says what each sighting and answer means.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use crate::api::Api;
use crate::live::LiveConfig;
use crate::plan::{self, Change, ItemResult, Watched};
use crate::send::{Progress, update_one, write_tags};
use crate::token_bucket::TokenBucket;

/// How long to wait for publishers to leave, and how often to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// From the start of apply; items still ACTIVE then are skipped.
    pub deadline: Duration,
    /// Between the starts of two polls of a region's ACTIVE list.
    pub poll_interval: Duration,
}

/// One change waiting, and since when.
struct Waiter {
    change: Change,
    since: Instant,
}

/// Waits for every change of one region, then updates it; returns each item's verdict. A stop
/// request ends the wait at once (updates in flight finish).
pub(crate) async fn region(
    api: &impl Api,
    changes: Vec<Change>,
    waiting: Waiting,
    bucket: &TokenBucket,
    mut stop: watch::Receiver<bool>,
    progress: &dyn Progress,
) -> Vec<ItemResult> {
    let Some(region) = changes.first().map(|c| c.region.clone()) else {
        return Vec::new();
    };
    let started = Instant::now();
    let deadline = started + waiting.deadline;
    let mut results = Vec::new();
    let mut waiters: Vec<Waiter> = Vec::with_capacity(changes.len());
    for mut change in changes {
        // Tags are not held back by a live publisher: written now, the stage waits.
        if change.tags_drifted() {
            if let Err(error) = write_tags(api, &change, progress).await {
                results.push(plan::tags_failed(&change, error));
                continue;
            }
            change.tags = None;
        }
        progress.wait_started(&change.arn, change.name.as_deref(), waiting.deadline);
        waiters.push(Waiter {
            change,
            since: started,
        });
    }
    let mut sending = FuturesUnordered::new();
    // Polls start on a fixed cadence, so a slow answer never stretches the interval.
    let mut next_poll = started + waiting.poll_interval;
    loop {
        if waiters.is_empty() && sending.is_empty() {
            break;
        }
        let ending = *stop.borrow() || Instant::now() >= deadline;
        if ending && !waiters.is_empty() {
            let interrupted = *stop.borrow();
            for waiter in waiters.drain(..) {
                progress.wait_ended(&waiter.change.arn);
                results.push(plan::gave_up(
                    &waiter.change,
                    waiter.since.elapsed(),
                    interrupted,
                ));
            }
            continue;
        }
        tokio::select! {
            Some((waiter, result)) = sending.next() => {
                let Waiter { change, since } = waiter;
                match plan::after_wait(result, since.elapsed()) {
                    Some(result) => {
                        progress.wait_ended(&change.arn);
                        results.push(result);
                    }
                    // The encoder reconnected before the update landed: its next window.
                    None => waiters.push(Waiter { change, since }),
                }
            }
            () = sleep_until(next_poll), if !waiters.is_empty() => {
                next_poll += waiting.poll_interval;
                let now = Instant::now();
                if next_poll < now {
                    // Polls fell behind (a slow answer, a paced wait): keep the cadence.
                    next_poll = now + waiting.poll_interval;
                }
                let active = match api.list_active(&region).await {
                    Ok(active) => active,
                    Err(error) => {
                        progress.poll_failed(&error);
                        continue;
                    }
                };
                let mut still = Vec::with_capacity(waiters.len());
                for waiter in waiters.drain(..) {
                    let seen: Option<&LiveConfig> =
                        active.iter().find(|c| c.arn == waiter.change.arn);
                    match plan::watched(&waiter.change, seen, waiter.since.elapsed()) {
                        Watched::StillActive => still.push(waiter),
                        Watched::Done(result) => {
                            progress.wait_ended(&waiter.change.arn);
                            results.push(*result);
                        }
                        Watched::Left => {
                            let stop = stop.clone();
                            sending.push(async move {
                                let result =
                                    update_one(api, bucket, &waiter.change, stop, progress).await;
                                (waiter, result)
                            });
                        }
                    }
                }
                waiters = still;
                progress.waiting(waiters.len(), started.elapsed(), waiting.deadline);
            }
            () = sleep_until(deadline), if !waiters.is_empty() => {}
            _ = stop.changed(), if !waiters.is_empty() && !*stop.borrow() => {}
        }
    }
    results
}
