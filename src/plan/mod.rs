//! The planner: every decision about an item is made here, as data. What each binding needs
//! (`decide`), whether a saved plan's change still holds against live state, and what an update's
//! answer means (`verdict`). Pure and synchronous, over our own types; render/ words the results.

mod decide;
mod problem;
mod resolve;
mod verdict;

pub use decide::{check_accounts, plan, tag_reads};
pub use problem::{AccountOf, Problem, ProblemKind, Problems};
pub use verdict::{
    ItemResult, Outcome, Reason, Refusal, Task, Watched, WhenActive, after_wait, checked, gave_up,
    not_started, recheck, recheck_with, refused, tags_failed, task, task_with, updated, watched,
};

use std::collections::BTreeMap;

use crate::arn::{Kind, Ref};
use crate::desired::is_aws_key;
use crate::diagnostic::Location;
use crate::live::State;

/// What to do about one binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Drifted and INACTIVE: `UpdateIngestConfiguration` will fix it.
    Update,
    /// Drifted, but a publisher is live: the service refuses updates, so it is left alone.
    Skip,
    /// Already as declared.
    NoOp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Update => "update",
            Action::Skip => "skip",
            Action::NoOp => "no-op",
        }
    }
}

/// The live values a change was planned against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Before {
    /// `""` when attached to no stage.
    pub stage_arn: String,
    pub state: State,
    pub redundant_ingest: bool,
}

/// The values the binding declares.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct After {
    /// `""` for `stage: null`.
    pub stage_arn: String,
    /// `None` when the binding leaves it alone.
    pub redundant_ingest: Option<bool>,
}

impl After {
    /// The value redundant ingest will have once applied.
    pub fn redundant_ingest_or(&self, before: &Before) -> bool {
        self.redundant_ingest.unwrap_or(before.redundant_ingest)
    }
}

/// A binding as its file wrote it: names stay names, so a saved plan can be checked against the
/// files it came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Declared {
    pub config: Ref,
    /// `None` for `stage: null`.
    pub stage: Option<Ref>,
}

impl Declared {
    /// A binding by ARN to the stage ARN `stage` (`""`: to none).
    pub fn by_arn(config: &str, stage: &str) -> Result<Declared, String> {
        Ok(Declared {
            config: Ref::parse(config, Kind::IngestConfiguration)?,
            stage: match stage {
                "" => None,
                stage => Some(Ref::parse(stage, Kind::Stage)?),
            },
        })
    }
}

/// A tag-managed config's tags: what it has (AWS's own `aws:` keys left out, since they are
/// never touched) and what its files declare, its whole set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TagChange {
    pub before: BTreeMap<String, String>,
    pub after: BTreeMap<String, String>,
}

/// How one tag key changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagEdit<'a> {
    Add {
        key: &'a str,
        value: &'a str,
    },
    Change {
        key: &'a str,
        before: &'a str,
        after: &'a str,
    },
    Remove {
        key: &'a str,
        value: &'a str,
    },
}

impl TagChange {
    /// Each key that changes: adds and changes in key order, then removals in key order.
    pub fn edits(&self) -> Vec<TagEdit<'_>> {
        let set = self
            .after
            .iter()
            .filter_map(|(key, value)| match self.before.get(key) {
                None => Some(TagEdit::Add { key, value }),
                Some(before) if before != value => Some(TagEdit::Change {
                    key,
                    before,
                    after: value,
                }),
                Some(_) => None,
            });
        let removed = self
            .before
            .iter()
            .filter(|(key, _)| !self.after.contains_key(*key))
            .map(|(key, value)| TagEdit::Remove { key, value });
        set.chain(removed).collect()
    }

    /// The tags to add or change: one `TagResource`.
    pub fn to_set(&self) -> BTreeMap<String, String> {
        self.edits()
            .into_iter()
            .filter_map(|edit| match edit {
                TagEdit::Add { key, value }
                | TagEdit::Change {
                    key, after: value, ..
                } => Some((key.to_owned(), value.to_owned())),
                TagEdit::Remove { .. } => None,
            })
            .collect()
    }

    /// The keys to remove: one `UntagResource`.
    pub fn to_remove(&self) -> Vec<String> {
        self.edits()
            .into_iter()
            .filter_map(|edit| match edit {
                TagEdit::Remove { key, .. } => Some(key.to_owned()),
                _ => None,
            })
            .collect()
    }

    pub fn drifted(&self) -> bool {
        self.before != self.after
    }
}

/// A config's tags without the keys AWS owns.
pub fn own_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !is_aws_key(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One binding's planned action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Change {
    pub arn: String,
    pub name: Option<String>,
    pub region: String,
    pub action: Action,
    pub before: Before,
    pub after: After,
    /// Stage names for display, where the stages were listed.
    pub before_stage_name: Option<String>,
    pub after_stage_name: Option<String>,
    /// The binding as written.
    pub declared: Declared,
    /// The tags, where the binding manages them.
    pub tags: Option<TagChange>,
    /// Where the binding was declared.
    pub location: Location,
}

impl Change {
    /// Whether the stage binding or redundant ingest differs: what `UpdateIngestConfiguration`
    /// fixes (a tag-only change does not call it).
    pub fn binding_drifted(&self) -> bool {
        self.before.stage_arn != self.after.stage_arn
            || self
                .after
                .redundant_ingest
                .is_some_and(|wanted| wanted != self.before.redundant_ingest)
    }

    /// Whether the tags differ from the declared set.
    pub fn tags_drifted(&self) -> bool {
        self.tags.as_ref().is_some_and(TagChange::drifted)
    }
}

/// A live config that no file declares: reported, never changed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unmanaged {
    pub arn: String,
    pub name: Option<String>,
    pub region: String,
}

/// Counts of each action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub update: usize,
    pub skip: usize,
    pub no_op: usize,
}

/// Every binding's action, sorted by ARN, and the unmanaged configs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub unmanaged: Vec<Unmanaged>,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Update => summary.update += 1,
                Action::Skip => summary.skip += 1,
                Action::NoOp => summary.no_op += 1,
            }
        }
        summary
    }

    /// Whether anything differs from the declaration, updatable or not.
    pub fn has_drift(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }
}

#[cfg(test)]
mod tests;
