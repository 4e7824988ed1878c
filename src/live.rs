//! The live state of the account as read from the service, in our own types: per region, every
//! ingest configuration's binding and state, and the stages when they were needed.

use std::collections::BTreeMap;
use std::fmt;

/// Whether a publisher is live on a config, which decides whether it may be updated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Active,
    Inactive,
    /// A state this build does not know; treated like `Active`, since updating is then unsafe.
    Other(String),
}

impl State {
    pub fn parse(text: &str) -> State {
        match text {
            "ACTIVE" => State::Active,
            "INACTIVE" => State::Inactive,
            other => State::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            State::Active => "ACTIVE",
            State::Inactive => "INACTIVE",
            State::Other(other) => other,
        }
    }

    /// The service refuses to update a config while a publisher is live on it.
    pub fn is_updatable(&self) -> bool {
        *self == State::Inactive
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ingest configuration as the list call describes it. It has no stream key: the summary
/// carries none, and nothing in ingestctl ever asks for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveConfig {
    pub arn: String,
    pub name: Option<String>,
    /// `""` when attached to no stage, as on the wire.
    pub stage_arn: String,
    pub state: State,
    pub redundant_ingest: bool,
}

/// One stage, as the list call describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveStage {
    pub arn: String,
    pub name: Option<String>,
}

/// What was read of one region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionState {
    pub configs: Vec<LiveConfig>,
    /// `None` when no binding in the region names a stage by name, so stages were not listed.
    pub stages: Option<Vec<LiveStage>>,
}

/// What was read of every region the desired state touches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Live {
    pub regions: BTreeMap<String, RegionState>,
}

/// What to read: for each region, whether its stages are needed too.
pub type Reads = BTreeMap<String, bool>;
