//! The seam between ingestctl and IVS Real-Time: the calls it makes and their errors, in our
//! terms. The `ivs` module holds the real implementation; tests supply their own.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use std::fmt;
use std::future::Future;

use crate::live::{self, Live, LiveConfig, LiveStage, Reads, TagReads, Tags};
use crate::pacing::Pacer;

/// The operations ingestctl calls, by their API names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    ListIngestConfigurations,
    ListStages,
    UpdateIngestConfiguration,
    ListTagsForResource,
    TagResource,
    UntagResource,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::ListIngestConfigurations => "ListIngestConfigurations",
            Operation::ListStages => "ListStages",
            Operation::UpdateIngestConfiguration => "UpdateIngestConfiguration",
            Operation::ListTagsForResource => "ListTagsForResource",
            Operation::TagResource => "TagResource",
            Operation::UntagResource => "UntagResource",
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
    /// Connecting took longer than the connect timeout.
    ConnectTimeout,
    /// No credential source had any credentials at all.
    NoCredentials,
    /// A credential source failed; the message is its reason.
    Credentials,
    /// The endpoint could not be reached; the message is the SDK's reason.
    Network,
    /// A list's `nextToken` repeated one already sent: reading on would never end.
    RepeatedToken,
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
    /// The service's (or the SDK's) own words; ingestctl's are added by render/.
    pub message: String,
    /// For a credentials failure: where credentials were to come from.
    pub credentials: Option<CredentialSource>,
}

/// The credential provider that was to supply credentials: a profile's, or the environment's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialSource {
    pub profile: Option<String>,
    pub provider: Provider,
    /// For a profile the AWS config files lack: the profiles they have.
    pub others: Vec<String>,
}

/// The kinds of credential provider a failure can be traced to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    CredentialProcess,
    Sso,
    WebIdentity,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` in the environment.
    WebIdentityEnv,
    AssumeRole,
    StaticKeys,
    /// The profile named (`--profile`, `AWS_PROFILE`) is in neither AWS config file.
    MissingProfile,
}

/// How many tag reads are in flight at once; the pacer keeps them under the quota.
const TAG_READS_IN_FLIGHT: usize = 16;

/// IVS Real-Time as ingestctl uses it. The real implementation is `ivs::Ivs`; tests can
/// supply their own.
pub trait Api: Send + Sync {
    /// The buckets every call of this client is paced by.
    fn pacer(&self) -> &Pacer;

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

    /// A resource's tags, from `ListTagsForResource` (never `GetIngestConfiguration`, which
    /// returns the stream key), paced at the tag APIs' quota.
    fn list_tags(
        &self,
        region: &str,
        arn: &str,
    ) -> impl Future<Output = Result<BTreeMap<String, String>, ApiError>> + Send;

    /// One `TagResource`: adds and changes these tags.
    fn tag(
        &self,
        region: &str,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// One `UntagResource`: removes these keys.
    fn untag(
        &self,
        region: &str,
        arn: &str,
        keys: &[String],
    ) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// The tags of every config in `targets`, several at once, each call paced.
    fn read_tags(
        &self,
        targets: &TagReads,
    ) -> impl Future<Output = Result<BTreeMap<String, Tags>, ApiError>> + Send
    where
        Self: Sized,
    {
        async move {
            let read: Vec<Result<(String, Tags), ApiError>> =
                futures_util::stream::iter(targets.iter().cloned())
                    .map(|(region, arn)| async move {
                        let tags = self.list_tags(&region, &arn).await;
                        tags.map(|tags| (arn, tags))
                    })
                    .buffer_unordered(TAG_READS_IN_FLIGHT)
                    .collect()
                    .await;
            read.into_iter().collect()
        }
    }

    /// Every region in `reads` at once, with its stages where asked (see [`live::read`]).
    fn read_live(&self, reads: &Reads) -> impl Future<Output = Result<Live, ApiError>> + Send
    where
        Self: Sized,
    {
        live::read(
            reads,
            |region| self.list_configs(region),
            |region| self.list_stages(region),
        )
    }
}
