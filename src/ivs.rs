//! The only module that speaks to AWS: the SDK client per region, and the mapping of its types and
//! errors to ours. Stream keys stop here: no SDK response leaves this module.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ivsrealtime::Client;
use aws_sdk_ivsrealtime::config::retry::RetryConfig;
use aws_sdk_ivsrealtime::config::timeout::TimeoutConfig;
use aws_sdk_ivsrealtime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::api::{Api, ApiError, ErrorKind, Operation, Update};
use crate::live::{LiveConfig, LiveStage, State};
use crate::token_bucket::TokenBucket;

/// How to reach AWS, from flags; the environment and profile fill in the rest.
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The longest one operation may take, retries included.
    pub timeout: Option<Duration>,
}

/// Attempts per call when neither `AWS_MAX_ATTEMPTS` nor a profile says otherwise: a few more
/// than the SDK's 3, so a burst of throttling never loses an update.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// The most a list page may hold, so N resources take ceil(N/100) calls.
const PAGE_SIZE: i32 = 100;

/// Each list operation's quota per account and region; it cannot be raised.
const READ_TPS: f64 = 5.0;

/// IVS Real-Time through the AWS SDK, with one client per region and the list calls of each
/// region paced under their quota (updates are paced by apply, which owns `--max-tps`).
pub struct Ivs {
    base: SdkConfig,
    clients: Mutex<HashMap<String, Client>>,
    buckets: Mutex<HashMap<(String, Operation), Arc<TokenBucket>>>,
}

impl Ivs {
    /// Loads the standard AWS configuration (credential chain, profile, environment, endpoint
    /// overrides) with the flags taking precedence, as the AWS CLI does.
    pub async fn connect(options: &AwsOptions) -> Ivs {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(timeout) = options.timeout {
            loader = loader.timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(timeout)
                    .connect_timeout(timeout.min(Duration::from_secs(5)))
                    .build(),
            );
        }
        let env_sets_retries = std::env::var_os("AWS_MAX_ATTEMPTS").is_some()
            || std::env::var_os("AWS_RETRY_MODE").is_some();
        if !env_sets_retries {
            loader = loader
                .retry_config(RetryConfig::standard().with_max_attempts(DEFAULT_MAX_ATTEMPTS));
        }
        Ivs {
            base: loader.load().await,
            clients: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn bucket(&self, region: &str, operation: Operation) -> Arc<TokenBucket> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            buckets
                .entry((region.to_owned(), operation))
                .or_insert_with(|| Arc::new(TokenBucket::new(READ_TPS))),
        )
    }

    fn client(&self, region: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                let config = aws_sdk_ivsrealtime::config::Builder::from(&self.base)
                    .region(Region::new(region.to_owned()))
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }
}

impl Api for Ivs {
    /// From `--region`, `AWS_REGION` or the profile.
    fn default_region(&self) -> Option<String> {
        self.base.region().map(|r| r.to_string())
    }

    async fn list_configs(&self, region: &str) -> Result<Vec<LiveConfig>, ApiError> {
        let client = self.client(region);
        let operation = Operation::ListIngestConfigurations;
        let configs = paginate(&self.bucket(region, operation), |token| async {
            let page = client
                .list_ingest_configurations()
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error(operation, region, None, e))?;
            let configs = page
                .ingest_configurations()
                .iter()
                .map(|summary| LiveConfig {
                    arn: summary.arn().to_owned(),
                    name: non_empty(summary.name()),
                    stage_arn: summary.stage_arn().to_owned(),
                    state: State::parse(summary.state().as_str()),
                    redundant_ingest: summary.redundant_ingest(),
                });
            Ok((configs.collect(), non_empty(page.next_token())))
        })
        .await?;
        tracing::info!(
            region,
            count = configs.len(),
            "listed ingest configurations"
        );
        Ok(configs)
    }

    async fn list_stages(&self, region: &str) -> Result<Vec<LiveStage>, ApiError> {
        let client = self.client(region);
        let operation = Operation::ListStages;
        let stages = paginate(&self.bucket(region, operation), |token| async {
            let page = client
                .list_stages()
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api_error(operation, region, None, e))?;
            let stages = page.stages().iter().map(|stage| LiveStage {
                arn: stage.arn().to_owned(),
                name: non_empty(stage.name()),
            });
            Ok((stages.collect(), non_empty(page.next_token())))
        })
        .await?;
        tracing::info!(region, count = stages.len(), "listed stages");
        Ok(stages)
    }

    async fn update(&self, update: &Update) -> Result<(), ApiError> {
        tracing::info!(
            arn = update.arn,
            stage_arn = update.stage_arn,
            redundant_ingest = ?update.redundant_ingest,
            "UpdateIngestConfiguration"
        );
        self.client(&update.region)
            .update_ingest_configuration()
            .arn(&update.arn)
            .stage_arn(&update.stage_arn)
            .set_redundant_ingest(update.redundant_ingest)
            .send()
            .await
            // The response carries the stream key: drop it unread.
            .map(drop)
            .map_err(|e| {
                api_error(
                    Operation::UpdateIngestConfiguration,
                    &update.region,
                    Some(&update.arn),
                    e,
                )
            })
    }
}

/// Fetches pages one after another, each when the bucket allows, until no next token comes.
async fn paginate<T, F, Fut>(bucket: &TokenBucket, mut fetch: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ApiError>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let permit = bucket.acquire().await;
        let fetched = fetch(token).await;
        drop(permit);
        let (page, next) = fetched?;
        items.extend(page);
        match next {
            Some(next) => token = Some(next),
            None => return Ok(items),
        }
    }
}

/// The service may send an empty string where it means "none".
fn non_empty(text: Option<&str>) -> Option<String> {
    text.filter(|t| !t.is_empty()).map(str::to_owned)
}

/// Maps an SDK error to ours from its code and message only; raw responses are never looked at.
fn api_error<E, R>(
    operation: Operation,
    region: &str,
    arn: Option<&str>,
    error: SdkError<E, R>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (kind, code, message) = match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().map(str::to_owned);
            let kind = match code.as_deref() {
                Some("ConflictException") => ErrorKind::Conflict,
                Some("ResourceNotFoundException") => ErrorKind::NotFound,
                Some("AccessDeniedException" | "PendingVerification") => ErrorKind::AccessDenied,
                Some("ThrottlingException" | "TooManyRequestsException") => ErrorKind::Throttled,
                Some("UnrecognizedClientException" | "InvalidSignatureException") => {
                    ErrorKind::AccessDenied
                }
                _ => ErrorKind::Other,
            };
            let message = err
                .message()
                .filter(|m| !m.is_empty())
                .unwrap_or("no message")
                .to_owned();
            (kind, code, message)
        }
        SdkError::TimeoutError(_) => (
            ErrorKind::Timeout,
            None,
            "no answer within the timeout (--timeout)".to_owned(),
        ),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            (ErrorKind::Timeout, None, "connecting timed out".to_owned())
        }
        other => {
            let text = DisplayErrorContext(other).to_string();
            if text.contains("credentials") || text.contains("Credentials") {
                (
                    ErrorKind::Credentials,
                    None,
                    "no AWS credentials: set AWS_PROFILE, AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY, or run in an environment with a role"
                        .to_owned(),
                )
            } else if matches!(other, SdkError::DispatchFailure(_)) {
                (
                    ErrorKind::Network,
                    None,
                    format!("could not reach the endpoint: {text}"),
                )
            } else {
                (ErrorKind::Other, None, text)
            }
        }
    };
    ApiError {
        operation,
        region: region.to_owned(),
        arn: arn.map(str::to_owned),
        kind,
        code,
        message,
    }
}
