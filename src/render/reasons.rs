//! Why each item ended as it did, in words: the skip warnings, the report's details, and the
//! messages of the service's errors.

use crate::api::{ApiError, CredentialSource, ErrorKind, Provider};
use crate::live::State;
use crate::plan::{Change, ItemResult, Outcome, Reason};

use super::config_label;

/// A failed call: `UpdateIngestConfiguration <arn> failed: <code>: <message>`.
pub fn api_error(error: &ApiError) -> String {
    let target = match &error.arn {
        Some(arn) => arn.clone(),
        None => format!("in {}", error.region),
    };
    let why = match (&error.kind, &error.code) {
        (ErrorKind::Timeout, _) => "no answer within the timeout (--timeout)".to_owned(),
        (ErrorKind::ConnectTimeout, _) => "connecting timed out".to_owned(),
        (ErrorKind::Network, _) => format!("could not reach the endpoint: {}", error.message),
        (ErrorKind::NoCredentials, _)
            if error
                .credentials
                .as_ref()
                .is_some_and(|c| c.provider == Provider::MissingProfile) =>
        {
            credentials(error.credentials.as_ref(), "")
        }
        (ErrorKind::NoCredentials, _) => "no AWS credentials: set AWS_PROFILE, AWS_ACCESS_KEY_ID \
                                          and AWS_SECRET_ACCESS_KEY, or run in an environment \
                                          with a role"
            .to_owned(),
        (ErrorKind::Credentials, _) => credentials(error.credentials.as_ref(), &error.message),
        (ErrorKind::RepeatedToken, _) => "the service sent a nextToken it had sent before; \
                                          stopping rather than reading the same pages for ever"
            .to_owned(),
        (_, Some(code)) => format!("{code}: {}", error.message),
        (_, None) => error.message.clone(),
    };
    format!("{} {target} failed: {why}", error.operation)
}

/// `cannot get AWS credentials from profile `ci` (SSO): <cause>; run `aws sso login …``.
fn credentials(source: Option<&CredentialSource>, cause: &str) -> String {
    let Some(source) = source else {
        return format!("cannot get AWS credentials: {cause}");
    };
    if source.provider == Provider::MissingProfile {
        let others = if source.others.is_empty() {
            "they hold no profile".to_owned()
        } else {
            format!("they hold {}", source.others.join(", "))
        };
        return format!(
            "profile `{}` is in neither AWS config file (AWS_CONFIG_FILE, \
             AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/config and ~/.aws/credentials); {others}",
            source.profile.as_deref().unwrap_or_default()
        );
    }
    let provider = match source.provider {
        Provider::CredentialProcess => "credential_process",
        Provider::Sso => "SSO",
        Provider::WebIdentity => "web identity",
        Provider::WebIdentityEnv => "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)",
        Provider::AssumeRole => "assume role",
        Provider::StaticKeys => "static keys",
        Provider::MissingProfile => "a missing profile",
    };
    let from = match &source.profile {
        Some(profile) => format!("profile `{profile}` ({provider})"),
        None => provider.to_owned(),
    };
    let fix = match (&source.profile, source.provider) {
        (Some(profile), Provider::Sso) => {
            format!("; if the SSO session expired, run `aws sso login --profile {profile}`")
        }
        _ => String::new(),
    };
    format!("cannot get AWS credentials from {from}: {cause}{fix}")
}

/// Why a config with a live publisher is left alone.
fn active(state: &State) -> String {
    format!(
        "it is {state} (a publisher is live), and the service refuses to update an active ingest configuration"
    )
}

/// The words for a reason.
pub fn reason_text(reason: &Reason) -> String {
    match reason {
        Reason::Active { state } => active(state),
        Reason::WentActive { refusal } => format!(
            "it went ACTIVE after planning (a publisher connected), and the service refused the \
             update: {}",
            refusal.message
        ),
        Reason::Moved {
            planned_stage,
            planned_redundant_ingest,
            now_stage,
            now_redundant_ingest,
        } => format!(
            "it changed since the plan was made (planned against stage {planned_stage:?}, \
             redundantIngest {planned_redundant_ingest}; now stage {now_stage:?}, redundantIngest \
             {now_redundant_ingest})"
        ),
        Reason::Deleted => "the ingest configuration no longer exists".to_owned(),
        Reason::AlreadyApplied => "already applied".to_owned(),
        Reason::NotStarted { throttled: None } => "not started: apply was interrupted".to_owned(),
        Reason::NotStarted {
            throttled: Some(error),
        } => format!(
            "{} (apply was interrupted before sending it again)",
            api_error(error)
        ),
        Reason::ServiceError(error) => api_error(error),
        Reason::StillActive { waited } => format!("still ACTIVE after {}", duration(*waited)),
        Reason::WaitInterrupted { waited } => format!(
            "apply was interrupted while it waited for the publisher to leave ({} so far)",
            duration(*waited)
        ),
    }
}

/// A duration as a person reads it: `850ms`, `12s`, `4m05s`, `1h02m`.
pub fn duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    let s = d.as_secs();
    match s {
        0 => format!("{ms}ms"),
        1..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The warning printed on stderr for each config left alone because it is live.
pub fn skip_warning(change: &Change) -> String {
    format!(
        "skipping {}: {}",
        config_label(&change.arn, change.name.as_deref()),
        active(&change.before.state)
    )
}

/// The warning printed on stderr for an item that apply skipped, found stale, or failed.
pub fn result_warning(result: &ItemResult) -> Option<String> {
    let verb = match result.outcome {
        Outcome::Skipped => "skipped",
        Outcome::Stale => "refused as stale",
        Outcome::Failed => "failed",
        Outcome::Updated | Outcome::Unchanged => return None,
    };
    Some(format!(
        "{} {verb}: {}",
        config_label(&result.arn, result.name.as_deref()),
        result.reason.as_ref().map(reason_text).unwrap_or_default()
    ))
}
