//! The seam between ingestctl and IVS Real-Time: the three calls it makes, their errors in our
//! terms, and reading the live state of every region the desired state touches.

use std::fmt;
use std::future::Future;

use futures_util::future::try_join_all;

use crate::live::{Live, LiveConfig, LiveStage, Reads, RegionState};

/// The operations ingestctl calls, by their API names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    ListIngestConfigurations,
    ListStages,
    UpdateIngestConfiguration,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::ListIngestConfigurations => "ListIngestConfigurations",
            Operation::ListStages => "ListStages",
            Operation::UpdateIngestConfiguration => "UpdateIngestConfiguration",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `UpdateIngestConfiguration` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    pub region: String,
    pub arn: String,
    /// Always sent, `""` to detach: what omitting it does is undocumented.
    pub stage_arn: String,
    /// Sent only when the binding declares it.
    pub redundant_ingest: Option<bool>,
}

/// What kind of failure a call had, which decides what ingestctl does about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `ConflictException`: perhaps the config went ACTIVE, which apply checks.
    Conflict,
    /// Another client error (4xx) than those below, such as `ValidationException`: AWS does not
    /// document which error refuses an update of an ACTIVE config, so this may be one too.
    Invalid,
    NotFound,
    AccessDenied,
    /// Still throttled after the SDK's retries.
    Throttled,
    /// No answer within `--timeout`.
    Timeout,
    /// No credentials could be found.
    Credentials,
    /// The endpoint could not be reached.
    Network,
    /// Any other error the service or the SDK reported.
    Other,
}

/// A failed call, naming the operation and, where there is one, the ARN. It never holds a
/// response body, so it cannot carry a stream key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub operation: Operation,
    pub region: String,
    pub arn: Option<String>,
    pub kind: ErrorKind,
    /// The service's error code, such as `ConflictException`.
    pub code: Option<String>,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
        match &self.arn {
            Some(arn) => write!(f, " {arn}")?,
            None => write!(f, " in {}", self.region)?,
        }
        match &self.code {
            Some(code) => write!(f, " failed: {code}: {}", self.message),
            None => write!(f, " failed: {}", self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// IVS Real-Time as ingestctl uses it. The real implementation is [`crate::ivs::Ivs`]; tests can
/// supply their own.
pub trait Api: Send + Sync {
    /// The region names are looked up in when a file sets none.
    fn default_region(&self) -> Option<String> {
        None
    }

    /// Every ingest configuration in the region, from `ListIngestConfigurations` pages of 100.
    fn list_configs(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<LiveConfig>, ApiError>> + Send;

    /// Every stage in the region, from `ListStages` pages of 100.
    fn list_stages(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<LiveStage>, ApiError>> + Send;

    /// The region's ACTIVE configs, from `ListIngestConfigurations` filtered by state: usually one
    /// page, whatever the account's size.
    fn list_active(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<LiveConfig>, ApiError>> + Send;

    /// One `UpdateIngestConfiguration`; the response, which holds the stream key, is dropped.
    fn update(&self, update: &Update) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// Reads every region at once, and in each the stages alongside the configs when they are
/// needed: the reads overlap instead of queueing behind each other.
pub async fn read_live(api: &impl Api, reads: &Reads) -> Result<Live, ApiError> {
    let regions = try_join_all(reads.iter().map(|(region, needs_stages)| async move {
        let configs = api.list_configs(region);
        let state = if *needs_stages {
            let (configs, stages) =
                futures_util::future::try_join(configs, api.list_stages(region)).await?;
            RegionState {
                configs,
                stages: Some(stages),
            }
        } else {
            RegionState {
                configs: configs.await?,
                stages: None,
            }
        };
        Ok::<_, ApiError>((region.clone(), state))
    }))
    .await?;
    Ok(Live {
        regions: regions.into_iter().collect(),
    })
}
