//! Executing tasks: the updates paced per region at the API quota, several in flight, a stop
//! request honoured between calls, and what happened recorded. The planner decides what each
//! answer means; this module neither decides nor words.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use futures_util::stream;
use tokio::sync::watch;

use crate::api::Api;
use crate::plan::{self, Change, ItemResult, Outcome, Task};
pub use crate::send::Progress;
use crate::send::{update_one, write_tags};
use crate::wait::{self, Waiting};

/// Every item's verdict, sorted by ARN, and whether a stop request cut the run short.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub results: Vec<ItemResult>,
    pub interrupted: bool,
}

/// Counts of each outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub updated: usize,
    pub skipped: usize,
    pub stale: usize,
    pub failed: usize,
    pub unchanged: usize,
}

impl Report {
    pub fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        for result in &self.results {
            match result.outcome {
                Outcome::Updated => tally.updated += 1,
                Outcome::Skipped => tally.skipped += 1,
                Outcome::Stale => tally.stale += 1,
                Outcome::Failed => tally.failed += 1,
                Outcome::Unchanged => tally.unchanged += 1,
            }
        }
        tally
    }
}

/// How hard to drive the API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacing {
    /// Update calls per second per region: the service allows 5.
    pub max_tps: f64,
    /// Update calls in flight per region, so latency does not slow the pace.
    pub parallelism: usize,
}

impl Default for Pacing {
    fn default() -> Pacing {
        Pacing {
            max_tps: 5.0,
            parallelism: 8,
        }
    }
}

/// Runs every task: updates paced per region, all regions at once. Once `stop` turns true no new
/// call starts; calls in flight finish, and items never started get the planner's verdict for
/// that.
pub async fn apply(
    api: &impl Api,
    tasks: Vec<Task>,
    pacing: Pacing,
    waiting: Option<Waiting>,
    stop: watch::Receiver<bool>,
    progress: &dyn Progress,
) -> Report {
    let pacer = api.pacer();
    let total = tasks.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let finish = |result: ItemResult| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        progress.finished(n, total, &result);
        result
    };
    let mut results = Vec::with_capacity(total);
    let mut by_region: BTreeMap<String, (Vec<Job>, Vec<Change>)> = BTreeMap::new();
    for task in tasks {
        match task {
            Task::Update(change) => by_region
                .entry(change.region.clone())
                .or_default()
                .0
                .push(Job::Write(change)),
            Task::Tags { change, then } => by_region
                .entry(change.region.clone())
                .or_default()
                .0
                .push(Job::Tags(change, then)),
            Task::Wait(change) => by_region
                .entry(change.region.clone())
                .or_default()
                .1
                .push(change),
            Task::Done(result) => results.push(finish(result)),
        }
    }
    // Without --wait-for-inactive no task waits; a caller that made some anyway gets them
    // skipped at once.
    let waiting = waiting.unwrap_or(Waiting {
        deadline: Duration::ZERO,
        poll_interval: Duration::from_secs(1),
    });
    let regions = by_region.into_iter().map(|(region, (updates, waits))| {
        let stop = stop.clone();
        let finish = &finish;
        async move {
            let bucket = pacer.writes(&region, pacing.max_tps);
            let bucket = &*bucket;
            let now = stream::iter(updates)
                .map(|job| {
                    let stop = stop.clone();
                    async move { finish(run_job(api, bucket, job, stop, progress).await) }
                })
                .buffer_unordered(pacing.parallelism.max(1))
                .collect::<Vec<_>>();
            let later = wait::region(api, waits, waiting, bucket, stop.clone(), progress);
            let (mut now, later) = futures_util::future::join(now, later).await;
            now.extend(later.into_iter().map(finish));
            now
        }
    });
    for region_results in join_all(regions).await {
        results.extend(region_results);
    }
    results.sort_by(|a, b| a.arn.cmp(&b.arn));
    Report {
        results,
        interrupted: *stop.borrow(),
    }
}

/// What to send for one item now.
enum Job {
    /// Its binding if it drifted, then its tags if they did.
    Write(Change),
    /// Its tags only, then the verdict given (its stage change is skipped).
    Tags(Change, Box<ItemResult>),
}

async fn run_job(
    api: &impl Api,
    bucket: &crate::token_bucket::TokenBucket,
    job: Job,
    stop: watch::Receiver<bool>,
    progress: &dyn Progress,
) -> ItemResult {
    match job {
        Job::Write(change) => {
            let result = if change.binding_drifted() {
                update_one(api, bucket, &change, stop.clone(), progress).await
            } else {
                plan::updated(&change)
            };
            if result.outcome != Outcome::Updated || !change.tags_drifted() {
                return result;
            }
            if *stop.borrow() {
                return plan::not_started(&change, None);
            }
            match write_tags(api, &change, progress).await {
                Ok(()) => result,
                Err(error) => plan::tags_failed(&change, error),
            }
        }
        Job::Tags(change, then) => {
            if *stop.borrow() {
                return plan::not_started(&change, None);
            }
            match write_tags(api, &change, progress).await {
                Ok(()) => *then,
                Err(error) => plan::tags_failed(&change, error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Operation;
    use crate::api::{ApiError, ErrorKind, Update};
    use crate::diagnostic::Location;
    use crate::live::{LiveConfig, LiveStage, State};
    use crate::plan::{Action, After, Before, Declared, Reason};
    use crate::send::THROTTLED_PATIENCE;
    use std::sync::Arc;
    use std::sync::Mutex;
    use std::time::Duration;
    use tokio::time::Instant;

    /// An in-memory API that records update times and answers from a script.
    #[derive(Default)]
    struct FakeApi {
        pacer: crate::pacing::Pacer,
        calls: Mutex<Vec<(String, Instant)>>,
        conflict: Vec<String>,
        /// Configs the ACTIVE list holds.
        active: Vec<String>,
        fail: Vec<String>,
        /// How many more times each ARN is throttled.
        throttle: Mutex<std::collections::HashMap<String, usize>>,
    }

    impl Api for FakeApi {
        fn pacer(&self) -> &crate::pacing::Pacer {
            &self.pacer
        }
        async fn list_configs(&self, _: &str) -> Result<Vec<LiveConfig>, ApiError> {
            Ok(vec![])
        }
        async fn list_stages(&self, _: &str) -> Result<Vec<LiveStage>, ApiError> {
            Ok(vec![])
        }
        async fn list_active(&self, _: &str) -> Result<Vec<LiveConfig>, ApiError> {
            Ok(self
                .active
                .iter()
                .map(|arn| LiveConfig {
                    arn: arn.clone(),
                    name: None,
                    stage_arn: String::new(),
                    state: State::Active,
                    redundant_ingest: false,
                })
                .collect())
        }
        async fn list_tags(
            &self,
            _: &str,
            _: &str,
        ) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
            Ok(Default::default())
        }
        async fn tag(
            &self,
            _: &str,
            _: &str,
            _: &std::collections::BTreeMap<String, String>,
        ) -> Result<(), ApiError> {
            Ok(())
        }
        async fn untag(&self, _: &str, _: &str, _: &[String]) -> Result<(), ApiError> {
            Ok(())
        }
        async fn update(&self, update: &Update) -> Result<(), ApiError> {
            self.calls
                .lock()
                .unwrap()
                .push((update.arn.clone(), Instant::now()));
            let error = |kind, code: &str| ApiError {
                operation: Operation::UpdateIngestConfiguration,
                region: update.region.clone(),
                arn: Some(update.arn.clone()),
                kind,
                code: Some(code.to_owned()),
                message: "scripted".to_owned(),
                credentials: None,
            };
            if self.conflict.contains(&update.arn) {
                return Err(error(ErrorKind::Conflict, "ConflictException"));
            }
            if self.fail.contains(&update.arn) {
                return Err(error(ErrorKind::Other, "InternalServerException"));
            }
            if let Some(left) = self.throttle.lock().unwrap().get_mut(&update.arn)
                && *left > 0
            {
                *left -= 1;
                return Err(error(ErrorKind::Throttled, "ThrottlingException"));
            }
            Ok(())
        }
    }

    fn change(id: usize, region: &str, action: Action) -> Change {
        Change {
            arn: format!("arn:aws:ivs:{region}:123456789012:ingest-configuration/c{id:04}"),
            name: None,
            region: region.to_owned(),
            action,
            before: Before {
                stage_arn: String::new(),
                state: State::Inactive,
                redundant_ingest: false,
            },
            after: After {
                stage_arn: format!("arn:aws:ivs:{region}:123456789012:stage/s"),
                redundant_ingest: None,
            },
            before_stage_name: None,
            after_stage_name: None,
            declared: Declared::by_arn(
                &format!("arn:aws:ivs:{region}:123456789012:ingest-configuration/c{id:04}"),
                &format!("arn:aws:ivs:{region}:123456789012:stage/s"),
            )
            .unwrap(),
            tags: None,
            location: Location::file(&Arc::from("x.yaml")),
        }
    }

    fn stop_never() -> watch::Receiver<bool> {
        let (tx, rx) = watch::channel(false);
        std::mem::forget(tx);
        rx
    }

    #[tokio::test(start_paused = true)]
    async fn updates_are_paced_at_the_rate_after_the_burst() {
        let api = FakeApi::default();
        let tasks = (0..15)
            .map(|i| plan::task(change(i, "us-east-1", Action::Update)))
            .collect();
        let start = Instant::now();
        let report = apply(
            &api,
            tasks,
            Pacing {
                max_tps: 5.0,
                parallelism: 4,
            },
            None,
            stop_never(),
            &(),
        )
        .await;
        assert_eq!(report.tally().updated, 15);
        // 5 at once (the fake answers at once), then 10 more at 5/s: 2 s.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(1990) && elapsed < Duration::from_millis(2100),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn regions_are_paced_independently() {
        let api = FakeApi::default();
        let tasks = (0..10)
            .flat_map(|i| {
                [
                    change(i, "us-east-1", Action::Update),
                    change(i, "eu-west-1", Action::Update),
                ]
            })
            .map(plan::task)
            .collect();
        let start = Instant::now();
        let report = apply(&api, tasks, Pacing::default(), None, stop_never(), &()).await;
        assert_eq!(report.tally().updated, 20);
        // Each region alone: 5 at once, then 5 at 5/s. Both in series would take twice that.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_refusal_of_an_active_config_is_a_skip_and_failure_does_not_stop_the_rest() {
        let mut api = FakeApi::default();
        let active = change(1, "us-east-1", Action::Update).arn;
        api.conflict.push(active.clone());
        api.active.push(active);
        api.fail.push(change(2, "us-east-1", Action::Update).arn);
        let tasks = (0..4)
            .map(|i| plan::task(change(i, "us-east-1", Action::Update)))
            .collect();
        let report = apply(&api, tasks, Pacing::default(), None, stop_never(), &()).await;
        let outcomes: Vec<Outcome> = report.results.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Updated,
                Outcome::Skipped,
                Outcome::Failed,
                Outcome::Updated
            ]
        );
        let Some(Reason::ServiceError(error)) = &report.results[2].reason else {
            panic!("{:?}", report.results[2]);
        };
        assert_eq!(error.code.as_deref(), Some("InternalServerException"));
        assert!(matches!(
            report.results[1].reason,
            Some(Reason::WentActive { .. })
        ));
    }

    #[tokio::test]
    async fn a_conflict_for_a_config_that_is_not_active_is_a_failure() {
        let mut api = FakeApi::default();
        api.conflict
            .push(change(0, "us-east-1", Action::Update).arn);
        let tasks = vec![plan::task(change(0, "us-east-1", Action::Update))];
        let report = apply(&api, tasks, Pacing::default(), None, stop_never(), &()).await;
        let result = &report.results[0];
        assert_eq!(result.outcome, Outcome::Failed);
        let Some(Reason::ServiceError(error)) = &result.reason else {
            panic!("{result:?}");
        };
        assert_eq!(error.code.as_deref(), Some("ConflictException"));
    }

    /// Apply with one update whose ARN is throttled `times` times; the report and the send times.
    async fn throttled_update(times: usize) -> (Report, Vec<Duration>) {
        let api = FakeApi::default();
        let change = change(0, "us-east-1", Action::Update);
        api.throttle
            .lock()
            .unwrap()
            .insert(change.arn.clone(), times);
        let start = Instant::now();
        let report = apply(
            &api,
            vec![plan::task(change)],
            Pacing::default(),
            None,
            stop_never(),
            &(),
        )
        .await;
        let sent = api
            .calls
            .lock()
            .unwrap()
            .iter()
            .map(|(_, at)| *at - start)
            .collect();
        (report, sent)
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_update_is_sent_again_at_the_pace_until_it_lands() {
        let (report, sent) = throttled_update(3).await;
        assert_eq!(report.tally().updated, 1, "{report:?}");
        // Each throttle empties the bucket, so the next try waits for a fresh token.
        let ms: Vec<u128> = sent.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 200, 400, 600]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_update_throttled_past_the_patience_fails_with_the_throttle() {
        let (report, sent) = throttled_update(usize::MAX).await;
        assert_eq!(report.tally().failed, 1);
        let Some(Reason::ServiceError(error)) = &report.results[0].reason else {
            panic!("{report:?}");
        };
        assert_eq!(error.kind, ErrorKind::Throttled);
        let last = *sent.last().unwrap();
        assert!(
            last >= THROTTLED_PATIENCE && last < THROTTLED_PATIENCE + Duration::from_secs(1),
            "the last try went at {last:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_while_an_update_is_throttled_reports_the_throttle() {
        let api = FakeApi::default();
        let change = change(0, "us-east-1", Action::Update);
        api.throttle
            .lock()
            .unwrap()
            .insert(change.arn.clone(), usize::MAX);
        let (tx, rx) = watch::channel(false);
        let stopper = async {
            tokio::time::sleep(Duration::from_millis(2100)).await;
            tx.send(true).unwrap();
        };
        let (report, ()) = tokio::join!(
            apply(
                &api,
                vec![plan::task(change)],
                Pacing::default(),
                None,
                rx,
                &()
            ),
            stopper
        );
        assert_eq!(report.tally().failed, 1);
        let Some(Reason::NotStarted {
            throttled: Some(error),
        }) = &report.results[0].reason
        else {
            panic!("{report:?}");
        };
        assert_eq!(error.code.as_deref(), Some("ThrottlingException"));
        // One try per token until the stop at 2.1 s: at 0, 200, ..., 2000 ms.
        assert_eq!(api.calls.lock().unwrap().len(), 11);
    }

    #[tokio::test]
    async fn skips_and_no_ops_make_no_call() {
        let api = FakeApi::default();
        let tasks = vec![
            plan::task(change(0, "us-east-1", Action::Skip)),
            plan::task(change(1, "us-east-1", Action::NoOp)),
        ];
        let report = apply(&api, tasks, Pacing::default(), None, stop_never(), &()).await;
        assert!(api.calls.lock().unwrap().is_empty());
        assert_eq!(
            report.tally(),
            Tally {
                skipped: 1,
                unchanged: 1,
                ..Tally::default()
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stop_prevents_new_calls_and_reports_the_rest() {
        let api = FakeApi::default();
        let (tx, rx) = watch::channel(false);
        let tasks = (0..20)
            .map(|i| plan::task(change(i, "us-east-1", Action::Update)))
            .collect();
        let stopper = async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            tx.send(true).unwrap();
        };
        let (report, ()) = tokio::join!(
            apply(
                &api,
                tasks,
                Pacing {
                    max_tps: 5.0,
                    parallelism: 2
                },
                None,
                rx,
                &()
            ),
            stopper
        );
        let tally = report.tally();
        assert_eq!(tally.updated + tally.failed, 20);
        assert_eq!(api.calls.lock().unwrap().len(), tally.updated);
        assert!(tally.updated >= 5 && tally.updated <= 8, "{tally:?}");
        assert!(
            report
                .results
                .iter()
                .any(|r| r.reason == Some(Reason::NotStarted { throttled: None }))
        );
    }
}
