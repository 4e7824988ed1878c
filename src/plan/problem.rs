//! What stops a plan, as data: a binding that cannot be resolved against live state, the wrong
//! account, or a saved plan that does not follow from its files. render/ words each one.

use crate::arn::{Kind, Ref};
use crate::diagnostic::Location;

/// One problem, where it was found (the declaring line, or the plan file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub location: Option<Location>,
    pub kind: ProblemKind,
}

impl Problem {
    pub(crate) fn at(location: &Location, kind: ProblemKind) -> Problem {
        Problem {
            location: Some(location.clone()),
            kind,
        }
    }
}

/// Whose account a binding expects: its file's `account:`, or one of its ARNs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountOf {
    File,
    Config,
    Stage,
}

/// Each kind of problem, with what a message needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// A name with no region to look it up in.
    NoRegion { config: Ref },
    /// The region was not read (a caller's mistake, never the user's).
    RegionNotRead { region: String },
    /// Stages were needed but not read (likewise).
    StagesNotRead { region: String },
    /// A tag-managed config's tags were not read (likewise).
    TagsNotRead { arn: String },
    /// A config ARN missing from the account's list.
    ConfigMissing { arn: String, region: String },
    /// No resource has the name; `near` are the closest names.
    NoSuchName {
        kind: Kind,
        name: String,
        region: String,
        near: Vec<String>,
    },
    /// Several resources have the name.
    Ambiguous {
        kind: Kind,
        name: String,
        region: String,
        arns: Vec<String>,
    },
    /// The same config bound twice once names are resolved (by name and by ARN).
    BoundTwice {
        arn: String,
        name: Option<String>,
        first: Location,
    },
    /// The credentials reach another account than the binding expects.
    OtherAccount {
        of: AccountOf,
        expected: String,
        reached: String,
        region: String,
    },
    /// Saved plan: a change for a config no desired file declares.
    Undeclared {
        arn: String,
        config: Ref,
        region: String,
    },
    /// Saved plan: the same binding listed twice.
    ListedTwice { config: Ref },
    /// Saved plan: a declared binding the plan does not cover.
    LeftOut { config: Ref, plan: String },
    /// Saved plan: a binding by ARN applied to another config.
    OtherConfig { planned: String, declared: String },
    /// Saved plan: the recorded declaration of the stage differs from the file's.
    OtherDeclaredStage {
        planned: Option<Ref>,
        declared: Option<Ref>,
    },
    /// Saved plan: the target stage is not the declared one.
    OtherStage {
        arn: String,
        planned: String,
        declared: Option<Ref>,
    },
    /// Saved plan: the target redundantIngest is not the declared one.
    OtherRedundantIngest {
        arn: String,
        planned: Option<bool>,
        declared: Option<bool>,
    },
    /// Saved plan: the target tags are not the declared ones.
    OtherTags { arn: String },
    /// Saved plan: the plan does not follow from its files (closes the list above).
    PlanNotFromFiles,
    /// Saved plan: a name resolves otherwise than when planning.
    NameMoved {
        kind: Kind,
        name: String,
        planned: String,
        region: String,
        now: Vec<String>,
    },
    /// Saved plan: names resolve otherwise (closes the list above).
    NamesMoved,
}

/// Every problem found, as one error value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);
