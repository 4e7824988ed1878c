//! The live state of the account, in our own types, and reading it: per region, every ingest
//! configuration's binding and state, and the stages when they were needed.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

use futures_util::future::{try_join, try_join_all};

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
    /// The tags of the configs whose tags are managed, by ARN (AWS's own `aws:` keys included):
    /// read only for those, since each costs a `ListTagsForResource`.
    pub tags: BTreeMap<String, Tags>,
}

/// A resource's tags.
pub type Tags = BTreeMap<String, String>;

/// Whose tags to read: `(region, ARN)`.
pub type TagReads = Vec<(String, String)>;

/// What to read: for each region, whether its stages are needed too.
pub type Reads = BTreeMap<String, bool>;

/// Reads every region at once, and in each the stages alongside the configs when they are
/// needed: the reads overlap instead of queueing behind each other. The two list calls are given
/// (an `Api`'s, through its `read_live`), so reading needs no client of its own.
pub async fn read<'a, E, C, S, CF, SF>(reads: &'a Reads, configs: C, stages: S) -> Result<Live, E>
where
    C: Fn(&'a str) -> CF,
    S: Fn(&'a str) -> SF,
    CF: Future<Output = Result<Vec<LiveConfig>, E>>,
    SF: Future<Output = Result<Vec<LiveStage>, E>>,
{
    let (configs, stages) = (&configs, &stages);
    let regions = try_join_all(reads.iter().map(|(region, needs_stages)| async move {
        let listed = configs(region.as_str());
        let state = if *needs_stages {
            let (configs, stages) = try_join(listed, stages(region.as_str())).await?;
            RegionState {
                configs,
                stages: Some(stages),
            }
        } else {
            RegionState {
                configs: listed.await?,
                stages: None,
            }
        };
        Ok::<_, E>((region.clone(), state))
    }))
    .await?;
    Ok(Live {
        regions: regions.into_iter().collect(),
        tags: BTreeMap::new(),
    })
}
