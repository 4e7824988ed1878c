//! The only module that speaks to AWS: the SDK client per region, and the mapping of its types and
//! errors to ours. Stream keys stop here: no SDK response leaves this module.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::profile::ProfileSet;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_runtime::retries::classifiers::THROTTLING_ERRORS;
use aws_sdk_ivsrealtime::Client;
use aws_sdk_ivsrealtime::config::http::HttpResponse;
use aws_sdk_ivsrealtime::config::retry::RetryConfig;
use aws_sdk_ivsrealtime::config::timeout::TimeoutConfig;
use aws_sdk_ivsrealtime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ivsrealtime::types::IngestConfigurationState;
use aws_smithy_http_client::tls;
use aws_smithy_types::retry::{ErrorKind as RetryKind, ProvideErrorKind};
use aws_types::os_shim_internal::{Env, Fs};

use crate::api::{Api, ApiError, CredentialSource, ErrorKind, Operation, Provider, Update};
use crate::live::{LiveConfig, LiveStage, State};
use crate::pacing::Pacer;
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

/// The selected profile as the AWS config files give it: for what the SDK does not tell, namely
/// whether retries were configured and which credential provider a failure came from.
struct ProfileView {
    name: String,
    /// Whether the profile was named (`--profile`, `AWS_PROFILE`), not the default.
    named: bool,
    set: Option<ProfileSet>,
}

impl ProfileView {
    async fn load(profile: Option<&str>) -> ProfileView {
        let set = aws_config::profile::load(
            &Fs::real(),
            &Env::real(),
            &EnvConfigFiles::default(),
            profile.map(|p| Cow::Owned(p.to_owned())),
        )
        .await
        .ok();
        let name = set.as_ref().map_or_else(
            || {
                profile
                    .map(str::to_owned)
                    .or_else(|| env("AWS_PROFILE"))
                    .unwrap_or_else(|| "default".to_owned())
            },
            |set| set.selected_profile().to_owned(),
        );
        let named = profile.is_some() || env("AWS_PROFILE").is_some();
        ProfileView { name, named, set }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.set.as_ref()?.get(key)
    }

    /// ingestctl's retries where neither the environment nor the profile sets any: standard
    /// mode with [`DEFAULT_MAX_ATTEMPTS`], or the mode one of them names with that many
    /// attempts. `None` where either sets `max_attempts`, so the SDK's own precedence
    /// (environment, then profile) decides.
    fn default_retries(&self) -> Option<RetryConfig> {
        if env("AWS_MAX_ATTEMPTS").is_some() || self.get("max_attempts").is_some() {
            return None;
        }
        let mode = env("AWS_RETRY_MODE").or_else(|| self.get("retry_mode").map(str::to_owned));
        let retry = match mode.as_deref() {
            Some("adaptive") => RetryConfig::adaptive(),
            _ => RetryConfig::standard(),
        };
        Some(retry.with_max_attempts(DEFAULT_MAX_ATTEMPTS))
    }

    /// Where credentials were to come from, as a person would look for it: `profile `ci` (SSO)`.
    /// `None` when they come from the environment's keys, which cannot fail to load.
    fn credential_source(&self) -> Option<CredentialSource> {
        if env("AWS_ACCESS_KEY_ID").is_some() {
            return None;
        }
        if env("AWS_WEB_IDENTITY_TOKEN_FILE").is_some() {
            return Some(CredentialSource {
                profile: None,
                provider: Provider::WebIdentityEnv,
                others: Vec::new(),
            });
        }
        let set = self.set.as_ref();
        let Some(profile) = set.and_then(|set| set.get_profile(&self.name)) else {
            // A mistyped profile makes the chain find nothing: say which profile, not "none".
            return self.named.then(|| CredentialSource {
                profile: Some(self.name.clone()),
                provider: Provider::MissingProfile,
                others: set
                    .map(|set| set.profiles().map(str::to_owned).collect())
                    .unwrap_or_default(),
            });
        };
        let has = |key: &str| profile.get(key).is_some();
        let provider = if has("credential_process") {
            Provider::CredentialProcess
        } else if has("sso_session") || has("sso_start_url") {
            Provider::Sso
        } else if has("web_identity_token_file") {
            Provider::WebIdentity
        } else if has("role_arn") {
            Provider::AssumeRole
        } else if has("aws_access_key_id") {
            Provider::StaticKeys
        } else {
            return None;
        };
        Some(CredentialSource {
            profile: Some(self.name.clone()),
            provider,
            others: Vec::new(),
        })
    }
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// IVS Real-Time through the AWS SDK, with one client per region and the list calls of each
/// region paced under their quota (updates are paced by apply, which owns `--max-tps`).
pub struct Ivs {
    base: SdkConfig,
    credentials: Option<CredentialSource>,
    clients: Mutex<HashMap<String, Client>>,
    pacer: Pacer,
}

impl Ivs {
    /// Loads the standard AWS configuration (credential chain, profile, environment, endpoint
    /// overrides) with the flags taking precedence, as the AWS CLI does.
    pub async fn connect(options: &AwsOptions) -> Ivs {
        // One HTTPS client for the service and every credential provider: hyper 1, rustls, ring.
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https);
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
        let profile = ProfileView::load(options.profile.as_deref()).await;
        if let Some(retry) = profile.default_retries() {
            loader = loader.retry_config(retry);
        }
        Ivs {
            credentials: profile.credential_source(),
            base: loader.load().await,
            clients: Mutex::new(HashMap::new()),
            pacer: Pacer::new(),
        }
    }

    /// `ListIngestConfigurations` pages, all of them or those in one state.
    async fn list_ingest(
        &self,
        region: &str,
        state: Option<IngestConfigurationState>,
    ) -> Result<Vec<LiveConfig>, ApiError> {
        let client = self.client(region);
        let operation = Operation::ListIngestConfigurations;
        // One quota for the operation, filtered or not.
        paginate(
            &self.pacer.reads(region, operation.as_str()),
            operation,
            region,
            |token| async {
                let page = client
                    .list_ingest_configurations()
                    .max_results(PAGE_SIZE)
                    .set_filter_by_state(state.clone())
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| self.api_error(operation, region, None, e))?;
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
            },
        )
        .await
    }

    /// Our error for an SDK error, a credentials failure naming where credentials were to come from.
    fn api_error<E>(
        &self,
        operation: Operation,
        region: &str,
        arn: Option<&str>,
        error: SdkError<E, HttpResponse>,
    ) -> ApiError
    where
        E: ProvideErrorMetadata + ProvideErrorKind + std::error::Error + 'static,
    {
        let mut error = api_error(operation, region, arn, error);
        if matches!(
            error.kind,
            ErrorKind::Credentials | ErrorKind::NoCredentials
        ) {
            error.credentials.clone_from(&self.credentials);
        }
        error
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
    fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// From `--region`, `AWS_REGION` or the profile.
    fn default_region(&self) -> Option<String> {
        self.base.region().map(|r| r.to_string())
    }

    async fn list_configs(&self, region: &str) -> Result<Vec<LiveConfig>, ApiError> {
        let configs = self.list_ingest(region, None).await?;
        tracing::info!(
            region,
            count = configs.len(),
            "listed ingest configurations"
        );
        Ok(configs)
    }

    async fn list_active(&self, region: &str) -> Result<Vec<LiveConfig>, ApiError> {
        let configs = self
            .list_ingest(region, Some(IngestConfigurationState::Active))
            .await?;
        tracing::info!(
            region,
            count = configs.len(),
            "listed ACTIVE ingest configurations"
        );
        Ok(configs)
    }

    async fn list_stages(&self, region: &str) -> Result<Vec<LiveStage>, ApiError> {
        let client = self.client(region);
        let operation = Operation::ListStages;
        let stages = paginate(
            &self.pacer.reads(region, operation.as_str()),
            operation,
            region,
            |token| async {
                let page = client
                    .list_stages()
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| self.api_error(operation, region, None, e))?;
                let stages = page.stages().iter().map(|stage| LiveStage {
                    arn: stage.arn().to_owned(),
                    name: non_empty(stage.name()),
                });
                Ok((stages.collect(), non_empty(page.next_token())))
            },
        )
        .await?;
        tracing::info!(region, count = stages.len(), "listed stages");
        Ok(stages)
    }

    async fn list_tags(
        &self,
        region: &str,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, ApiError> {
        let operation = Operation::ListTagsForResource;
        let call = self
            .client(region)
            .list_tags_for_resource()
            .resource_arn(arn)
            .send();
        let answer = paced(&self.pacer.tags(region, operation.as_str()), call)
            .await
            .map_err(|e| self.api_error(operation, region, Some(arn), e))?;
        Ok(answer
            .tags()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn tag(
        &self,
        region: &str,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let operation = Operation::TagResource;
        let call = self
            .client(region)
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send();
        paced(&self.pacer.tags(region, operation.as_str()), call)
            .await
            .map(drop)
            .map_err(|e| self.api_error(operation, region, Some(arn), e))
    }

    async fn untag(&self, region: &str, arn: &str, keys: &[String]) -> Result<(), ApiError> {
        let operation = Operation::UntagResource;
        let call = self
            .client(region)
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send();
        paced(&self.pacer.tags(region, operation.as_str()), call)
            .await
            .map(drop)
            .map_err(|e| self.api_error(operation, region, Some(arn), e))
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
                self.api_error(
                    Operation::UpdateIngestConfiguration,
                    &update.region,
                    Some(&update.arn),
                    e,
                )
            })
    }
}

/// One call sent when the bucket allows; its permit is charged once the answer is in.
async fn paced<T>(bucket: &TokenBucket, call: impl Future<Output = T>) -> T {
    let permit = bucket.acquire().await;
    let answer = call.await;
    drop(permit);
    answer
}

/// Fetches pages one after another, each when the bucket allows, until no next token comes. A
/// token the service already sent would loop for ever, so it ends the read with an error.
async fn paginate<T, F, Fut>(
    bucket: &TokenBucket,
    operation: Operation,
    region: &str,
    mut fetch: F,
) -> Result<Vec<T>, ApiError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ApiError>>,
{
    let mut items = Vec::new();
    let mut token = None;
    let mut seen = HashSet::new();
    loop {
        let (page, next) = paced(bucket, fetch(token)).await?;
        items.extend(page);
        match next {
            Some(next) if !seen.insert(next.clone()) => {
                return Err(ApiError {
                    operation,
                    region: region.to_owned(),
                    arn: None,
                    kind: ErrorKind::RepeatedToken,
                    code: None,
                    message: String::new(),
                    credentials: None,
                });
            }
            Some(next) => token = Some(next),
            None => return Ok(items),
        }
    }
}

/// The service may send an empty string where it means "none".
fn non_empty(text: Option<&str>) -> Option<String> {
    text.filter(|t| !t.is_empty()).map(str::to_owned)
}

/// Maps an SDK error to ours from its code, status and message only; response bodies are never
/// looked at. Throttling is what the SDK's own retry classifier calls throttling (any of its
/// codes, or a bare 429), not a list of our own.
fn api_error<E>(
    operation: Operation,
    region: &str,
    arn: Option<&str>,
    error: SdkError<E, HttpResponse>,
) -> ApiError
where
    E: ProvideErrorMetadata + ProvideErrorKind + std::error::Error + 'static,
{
    let (kind, code, message) = match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let status = service.raw().status().as_u16();
            let code = ProvideErrorMetadata::code(err).map(str::to_owned);
            let message = err
                .message()
                .filter(|m| !m.is_empty())
                .unwrap_or("no message")
                .to_owned();
            (classify(err, code.as_deref(), status), code, message)
        }
        SdkError::TimeoutError(_) => (ErrorKind::Timeout, None, String::new()),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            (ErrorKind::ConnectTimeout, None, String::new())
        }
        other => {
            let text = causes(&error_chain(other));
            if let Some((kind, cause)) = credentials_cause(other) {
                (kind, None, cause)
            } else if matches!(other, SdkError::DispatchFailure(_)) {
                (ErrorKind::Network, None, text)
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
        credentials: None,
    }
}

/// What a service error means for ingestctl.
fn classify(err: &impl ProvideErrorKind, code: Option<&str>, status: u16) -> ErrorKind {
    let throttling = err.retryable_error_kind() == Some(RetryKind::ThrottlingError)
        || code.is_some_and(|c| THROTTLING_ERRORS.contains(&c))
        || status == 429;
    if throttling {
        return ErrorKind::Throttled;
    }
    match code {
        Some("ConflictException") => ErrorKind::Conflict,
        Some("ResourceNotFoundException") => ErrorKind::NotFound,
        Some(
            "AccessDeniedException"
            | "PendingVerification"
            | "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "ExpiredTokenException",
        ) => ErrorKind::AccessDenied,
        _ if (400..500).contains(&status) => ErrorKind::Invalid,
        _ => ErrorKind::Other,
    }
}

/// Where a call failed before it was sent because no credentials could be had: the SDK's reason,
/// since it names what failed (a credential process's message, an expired SSO token's file).
/// Only when no source had credentials at all does the short hint replace it.
fn credentials_cause(error: &(dyn std::error::Error + 'static)) -> Option<(ErrorKind, String)> {
    let chain = error_chain(error);
    let text = chain.join(": ").to_ascii_lowercase();
    if !text.contains("credentials") {
        return None;
    }
    if text.contains("no providers in chain provided credentials")
        || text.contains("the credential provider was not enabled")
    {
        return Some((ErrorKind::NoCredentials, String::new()));
    }
    // The wrappers' own words ("dispatch failure", "other", "an error occurred while loading
    // credentials") say nothing the message does not; the provider's own words follow them.
    let cause: Vec<&str> = chain
        .iter()
        .map(String::as_str)
        .skip_while(|m| {
            let m = m.to_ascii_lowercase();
            m == "dispatch failure" || m == "other" || m.contains("error occurred while loading")
        })
        .collect();
    let cause = if cause.is_empty() {
        chain.last().cloned().unwrap_or_default()
    } else {
        causes(&cause)
    };
    Some((ErrorKind::Credentials, cause))
}

/// An error and its sources, outermost first.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut chain = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        chain.push(error.to_string());
        next = error.source();
    }
    chain
}

/// Messages joined with `: `; a message often repeats its source's, so each is kept once.
fn causes<S: AsRef<str>>(chain: &[S]) -> String {
    let mut joined = String::new();
    for message in chain.iter().map(|m| m.as_ref().trim()) {
        if joined.contains(message) {
            continue;
        }
        if !joined.is_empty() {
            joined.push_str(": ");
        }
        joined.push_str(message);
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_repeated_next_token_ends_the_read_with_an_error() {
        let bucket = TokenBucket::new(1_000.0);
        let mut pages = 0;
        let result: Result<Vec<u32>, ApiError> = paginate(
            &bucket,
            Operation::ListIngestConfigurations,
            "eu-west-1",
            |token| {
                pages += 1;
                // The service answers page 1, page 2, then page 1's token again.
                let next = match token.as_deref() {
                    None => "t1",
                    Some("t1") => "t2",
                    _ => "t1",
                };
                async move { Ok((vec![1], Some(next.to_owned()))) }
            },
        )
        .await;
        let error = result.unwrap_err();
        assert_eq!(pages, 3);
        assert_eq!(error.operation, Operation::ListIngestConfigurations);
        assert_eq!(error.region, "eu-west-1");
        assert_eq!(error.kind, ErrorKind::RepeatedToken);
    }

    /// An error that says nothing of its own kind, as most modelled errors do.
    struct Unclassified;

    impl ProvideErrorKind for Unclassified {
        fn retryable_error_kind(&self) -> Option<RetryKind> {
            None
        }
        fn code(&self) -> Option<&str> {
            None
        }
    }

    #[test]
    fn throttling_is_any_code_the_sdk_calls_throttling_or_a_bare_429() {
        for code in [
            "ThrottlingException",
            "TooManyRequestsException",
            "SlowDown",
            "RequestLimitExceeded",
        ] {
            assert_eq!(
                classify(&Unclassified, Some(code), 400),
                ErrorKind::Throttled,
                "{code}"
            );
        }
        assert_eq!(classify(&Unclassified, None, 429), ErrorKind::Throttled);
        assert_eq!(
            classify(&Unclassified, Some("SomethingNew"), 429),
            ErrorKind::Throttled
        );
    }

    #[test]
    fn client_errors_are_told_apart_from_server_errors() {
        assert_eq!(
            classify(&Unclassified, Some("ConflictException"), 409),
            ErrorKind::Conflict
        );
        assert_eq!(
            classify(&Unclassified, Some("ValidationException"), 400),
            ErrorKind::Invalid
        );
        assert_eq!(
            classify(&Unclassified, Some("ResourceNotFoundException"), 404),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify(&Unclassified, Some("AccessDeniedException"), 403),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify(&Unclassified, Some("InternalServerException"), 500),
            ErrorKind::Other
        );
    }
}
