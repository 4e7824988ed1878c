//! Sending one item's writes: its `UpdateIngestConfiguration`, paced and sent again while
//! another client's calls throttle it, and its tag writes; and the progress events they raise.
//! Both apply and the wait for publishers send through here.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::api::{Api, ApiError, ErrorKind, Update};
use crate::plan::{self, Change, ItemResult, Refusal};
use crate::token_bucket::TokenBucket;

/// How long an update the service keeps throttling is sent again, behind the bucket, before it is
/// reported failed. Throttled despite the pacing means another client is spending the same quota:
/// that passes, and failing the update for it would leave the account half-converged.
pub(crate) const THROTTLED_PATIENCE: Duration = Duration::from_secs(300);

/// What apply tells its caller as it goes: calls sent and answered (so a second signal can name
/// those in flight), throttled calls sent again, waits, and items finished (for progress).
pub trait Progress: Sync {
    fn sent(&self, _arn: &str) {}
    fn answered(&self, _arn: &str) {}
    /// The first time an update is throttled despite the pacing.
    fn throttled(&self, _arn: &str, _patience: Duration) {}
    /// A config starts waiting for its publisher to leave, for at most `deadline`.
    fn wait_started(&self, _arn: &str, _name: Option<&str>, _deadline: Duration) {}
    /// After each poll: how many still wait, and for how long so far.
    fn waiting(&self, _count: usize, _elapsed: Duration, _deadline: Duration) {}
    /// A config stopped waiting (updated, stale, given up).
    fn wait_ended(&self, _arn: &str) {}
    /// A poll of the ACTIVE list failed; the wait goes on.
    fn poll_failed(&self, _error: &ApiError) {}
    fn finished(&self, done: usize, total: usize, result: &ItemResult);
}

impl Progress for () {
    fn finished(&self, _: usize, _: usize, _: &ItemResult) {}
}

/// At most one `TagResource` (adds and changes) and one `UntagResource` (removals), each paced
/// at the tag quota by the client.
pub(crate) async fn write_tags(
    api: &impl Api,
    change: &Change,
    progress: &dyn Progress,
) -> Result<(), ApiError> {
    let Some(tags) = &change.tags else {
        return Ok(());
    };
    let set = tags.to_set();
    if !set.is_empty() {
        progress.sent(&change.arn);
        let answer = api.tag(&change.region, &change.arn, &set).await;
        progress.answered(&change.arn);
        answer?;
    }
    let remove = tags.to_remove();
    if !remove.is_empty() {
        progress.sent(&change.arn);
        let answer = api.untag(&change.region, &change.arn, &remove).await;
        progress.answered(&change.arn);
        answer?;
    }
    Ok(())
}

/// One update, sent when the bucket allows and again while the service throttles it.
pub(crate) async fn update_one(
    api: &impl Api,
    bucket: &TokenBucket,
    change: &Change,
    mut stop: watch::Receiver<bool>,
    progress: &dyn Progress,
) -> ItemResult {
    let update = Update {
        region: change.region.clone(),
        arn: change.arn.clone(),
        stage_arn: change.after.stage_arn.clone(),
        redundant_ingest: change.after.redundant_ingest,
    };
    let started = Instant::now();
    let mut throttled: Option<ApiError> = None;
    loop {
        let permit = if *stop.borrow() {
            None
        } else {
            tokio::select! {
                permit = bucket.acquire() => Some(permit),
                _ = stop.wait_for(|s| *s) => None,
            }
        };
        let Some(permit) = permit else {
            return plan::not_started(change, throttled);
        };
        progress.sent(&change.arn);
        let answer = api.update(&update).await;
        progress.answered(&change.arn);
        match answer {
            Err(error)
                if error.kind == ErrorKind::Throttled && started.elapsed() < THROTTLED_PATIENCE =>
            {
                permit.throttled();
                if throttled.is_none() {
                    progress.throttled(&change.arn, THROTTLED_PATIENCE);
                }
                throttled = Some(error);
            }
            // The permit is charged now that the answer is in.
            Ok(()) => return plan::updated(change),
            Err(error) => {
                drop(permit);
                return match plan::refused(change, error) {
                    Refusal::Final(result) => result,
                    Refusal::CheckActive(refusal) => {
                        let active = api
                            .list_active(&change.region)
                            .await
                            .ok()
                            .map(|active| active.iter().any(|c| c.arn == change.arn));
                        plan::checked(change, refusal, active)
                    }
                };
            }
        }
    }
}
