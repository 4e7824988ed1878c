//! Each item's verdict, the planner's alone: what a freshly planned change becomes, whether a
//! saved plan's change still holds against live state now, and what the service's answer to an
//! update means. apply executes the tasks and asks here what their answers mean.

use std::collections::HashMap;
use std::time::Duration;

use super::{Action, Change, own_tags};
use crate::api::{ApiError, ErrorKind};
use crate::diagnostic::Location;
use crate::live::{Live, LiveConfig, State};

/// How one item ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Updated,
    /// Not updatable (ACTIVE): left alone, with a warning.
    Skipped,
    /// The live state moved since the saved plan was made: refused.
    Stale,
    Failed,
    /// Already as declared.
    Unchanged,
}

impl Outcome {
    /// The stable code programs read.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Updated => "updated",
            Outcome::Skipped => "skipped",
            Outcome::Stale => "stale",
            Outcome::Failed => "failed",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// Why an item ended as it did, with what a message about it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Skipped: ACTIVE (or an unknown state) when planned or re-checked.
    Active { state: State },
    /// Skipped: the service refused the update and the config is ACTIVE now.
    WentActive { refusal: ApiError },
    /// Stale: the config's binding changed since the saved plan was made.
    Moved {
        planned_stage: String,
        planned_redundant_ingest: bool,
        now_stage: String,
        now_redundant_ingest: bool,
    },
    /// Stale: the config no longer exists.
    Deleted,
    /// Unchanged: a saved plan's change that live state already shows.
    AlreadyApplied,
    /// Failed: a stop request came before the update was sent (again, if it was throttled).
    NotStarted { throttled: Option<ApiError> },
    /// Failed: the service or the SDK reported an error.
    ServiceError(ApiError),
    /// Skipped: still ACTIVE when `--wait-for-inactive` ran out.
    StillActive { waited: Duration },
    /// Skipped: a stop request ended the wait.
    WaitInterrupted { waited: Duration },
}

impl Reason {
    /// The stable code programs read: the JSON plan and report carry it.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Active { .. } => "active",
            Reason::WentActive { .. } => "went_active",
            Reason::Moved { .. } => "stale",
            Reason::Deleted => "deleted",
            Reason::AlreadyApplied => "already_applied",
            Reason::NotStarted { .. } => "not_started",
            Reason::ServiceError(_) => "service_error",
            Reason::StillActive { .. } => "still_active",
            Reason::WaitInterrupted { .. } => "wait_interrupted",
        }
    }
}

/// One item's verdict: its outcome, and why, for anything but a plain update or no-op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemResult {
    pub arn: String,
    pub name: Option<String>,
    pub outcome: Outcome,
    pub reason: Option<Reason>,
    /// How long the item waited for its publisher to leave, when it did.
    pub waited: Option<Duration>,
    pub location: Location,
}

/// What apply is to do with one change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Send `UpdateIngestConfiguration`.
    Update(Change),
    /// Nothing to send: the verdict is in.
    Done(ItemResult),
    /// ACTIVE, and `--wait-for-inactive` asked to wait: send it once the publisher leaves (its
    /// tags at once).
    Wait(Change),
    /// Write the tags only (the stage change is left alone, ACTIVE), then report `then`.
    Tags {
        change: Change,
        then: Box<ItemResult>,
    },
}

/// What to do with a change whose config is ACTIVE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenActive {
    /// Report it skipped, with a warning: the default.
    Skip,
    /// Wait for the publisher to leave (`--wait-for-inactive`).
    Wait,
}

fn result(change: &Change, outcome: Outcome, reason: Option<Reason>) -> ItemResult {
    ItemResult {
        arn: change.arn.clone(),
        name: change.name.clone(),
        outcome,
        reason,
        waited: None,
        location: change.location.clone(),
    }
}

/// The task for a freshly planned change, skipping ACTIVE configs.
pub fn task(change: Change) -> Task {
    task_with(change, WhenActive::Skip)
}

/// The task for a freshly planned change. Only a config that is ACTIVE (not one in a state this
/// build does not know) is ever waited for: the ACTIVE list is what tells it left.
pub fn task_with(change: Change, when: WhenActive) -> Task {
    match change.action {
        Action::Update => Task::Update(change),
        Action::Skip if when == WhenActive::Wait && change.before.state == State::Active => {
            Task::Wait(change)
        }
        Action::Skip => {
            let reason = Reason::Active {
                state: change.before.state.clone(),
            };
            let skipped = result(&change, Outcome::Skipped, Some(reason));
            if change.tags_drifted() {
                Task::Tags {
                    change,
                    then: Box::new(skipped),
                }
            } else {
                Task::Done(skipped)
            }
        }
        Action::NoOp => Task::Done(result(&change, Outcome::Unchanged, None)),
    }
}

/// Decides each saved change against the live state now. A config already as planned is
/// unchanged (so a rerun converges); one that moved since the plan, or is gone, is stale; one
/// that is ACTIVE is skipped; the rest are updated as planned. A `skip` in the plan is a change
/// deferred because the config was ACTIVE: it goes ahead if the config is not now.
pub fn recheck(changes: &[Change], live: &Live) -> Vec<Task> {
    recheck_with(changes, live, WhenActive::Skip)
}

/// [`recheck`], waiting for ACTIVE configs when asked.
pub fn recheck_with(changes: &[Change], live: &Live, when: WhenActive) -> Vec<Task> {
    let tags_now = |change: &Change| live.tags.get(&change.arn).map(own_tags).unwrap_or_default();
    let by_arn: HashMap<&str, &LiveConfig> = live
        .regions
        .values()
        .flat_map(|region| region.configs.iter().map(|c| (c.arn.as_str(), c)))
        .collect();
    changes
        .iter()
        .map(|change| {
            let Some(now) = by_arn.get(change.arn.as_str()) else {
                return Task::Done(result(change, Outcome::Stale, Some(Reason::Deleted)));
            };
            let tags = change.tags.as_ref().map(|t| (t, tags_now(change)));
            let applied = binding_applied(change, now)
                && tags.as_ref().is_none_or(|(t, now)| t.after == *now);
            if applied {
                let reason = (change.action != Action::NoOp).then_some(Reason::AlreadyApplied);
                return Task::Done(result(change, Outcome::Unchanged, reason));
            }
            let tags_moved = tags.as_ref().is_some_and(|(t, now)| t.before != *now);
            if binding_moved(change, now) || tags_moved {
                return Task::Done(result(change, Outcome::Stale, Some(moved(change, now))));
            }
            let mut go = change.clone();
            go.before.state = now.state.clone();
            if !now.state.is_updatable() && go.binding_drifted() {
                if now.state == State::Active && when == WhenActive::Wait {
                    return Task::Wait(go);
                }
                let skipped = result(
                    change,
                    Outcome::Skipped,
                    Some(Reason::Active {
                        state: now.state.clone(),
                    }),
                );
                return if go.tags_drifted() {
                    Task::Tags {
                        change: go,
                        then: Box::new(skipped),
                    }
                } else {
                    Task::Done(skipped)
                };
            }
            go.action = Action::Update;
            Task::Update(go)
        })
        .collect()
}

/// The update was accepted.
pub fn updated(change: &Change) -> ItemResult {
    result(change, Outcome::Updated, None)
}

/// A tag write was refused: the item fails with the service's message, the others go on.
pub fn tags_failed(change: &Change, error: ApiError) -> ItemResult {
    result(change, Outcome::Failed, Some(Reason::ServiceError(error)))
}

/// A stop request came before the update was sent, or sent again after a throttle.
pub fn not_started(change: &Change, throttled: Option<ApiError>) -> ItemResult {
    result(
        change,
        Outcome::Failed,
        Some(Reason::NotStarted { throttled }),
    )
}

/// What a refused update means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The verdict is in.
    Final(ItemResult),
    /// It may mean the config went ACTIVE: look it up in the region's ACTIVE list, then ask
    /// [`checked`].
    CheckActive(ApiError),
}

/// AWS does not document which error refuses an update of an ACTIVE config, so any client error
/// that could mean it (a conflict, or another client error but not-found and access-denied)
/// must be checked against the ACTIVE list before it is called a skip.
pub fn refused(change: &Change, error: ApiError) -> Refusal {
    match error.kind {
        ErrorKind::Conflict | ErrorKind::Invalid => Refusal::CheckActive(error),
        _ => Refusal::Final(result(
            change,
            Outcome::Failed,
            Some(Reason::ServiceError(error)),
        )),
    }
}

/// The verdict on a refusal once the ACTIVE list was read: a skip if the config is there, the
/// failure the refusal says it is otherwise, or when the list could not be read (`None`).
pub fn checked(change: &Change, refusal: ApiError, active: Option<bool>) -> ItemResult {
    if active == Some(true) {
        result(
            change,
            Outcome::Skipped,
            Some(Reason::WentActive { refusal }),
        )
    } else {
        result(change, Outcome::Failed, Some(Reason::ServiceError(refusal)))
    }
}

/// Whether the config is bound as the change aims: its stage, and redundant ingest if declared.
fn binding_applied(change: &Change, now: &LiveConfig) -> bool {
    now.stage_arn == change.after.stage_arn
        && change
            .after
            .redundant_ingest
            .is_none_or(|wanted| wanted == now.redundant_ingest)
}

/// Whether someone changed the config's binding since the change was planned.
fn binding_moved(change: &Change, now: &LiveConfig) -> bool {
    now.stage_arn != change.before.stage_arn
        || now.redundant_ingest != change.before.redundant_ingest
}

fn moved(change: &Change, now: &LiveConfig) -> Reason {
    Reason::Moved {
        planned_stage: change.before.stage_arn.clone(),
        planned_redundant_ingest: change.before.redundant_ingest,
        now_stage: now.stage_arn.clone(),
        now_redundant_ingest: now.redundant_ingest,
    }
}

/// What a poll of the ACTIVE list says about a waiting change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watched {
    /// Not in the list: the publisher left (or the config is gone, which the update will tell).
    Left,
    /// Still ACTIVE, bound as planned: keep waiting.
    StillActive,
    /// Still ACTIVE, but someone changed its binding meanwhile: the verdict is in, never an
    /// overwrite.
    Done(Box<ItemResult>),
}

/// Reads a waiting change's entry in the region's ACTIVE list (`None`: not there).
pub fn watched(change: &Change, seen: Option<&LiveConfig>, waited: Duration) -> Watched {
    let Some(now) = seen else {
        return Watched::Left;
    };
    let verdict = if binding_applied(change, now) {
        result(change, Outcome::Unchanged, Some(Reason::AlreadyApplied))
    } else if binding_moved(change, now) {
        result(change, Outcome::Stale, Some(moved(change, now)))
    } else {
        return Watched::StillActive;
    };
    Watched::Done(Box::new(ItemResult {
        waited: Some(waited),
        ..verdict
    }))
}

/// The verdict on an update sent after a wait, or `None` when the publisher reconnected before
/// it landed (the service refused it and the config is ACTIVE again): wait again.
pub fn after_wait(result: ItemResult, waited: Duration) -> Option<ItemResult> {
    if matches!(result.reason, Some(Reason::WentActive { .. })) {
        return None;
    }
    Some(ItemResult {
        waited: Some(waited),
        ..result
    })
}

/// A change still waiting when the wait ends: at the deadline, or at a stop request.
pub fn gave_up(change: &Change, waited: Duration, interrupted: bool) -> ItemResult {
    let reason = if interrupted {
        Reason::WaitInterrupted { waited }
    } else {
        Reason::StillActive { waited }
    };
    ItemResult {
        waited: Some(waited),
        ..result(change, Outcome::Skipped, Some(reason))
    }
}
