//! The unsigned `/_emulator/` control API: flip an ingest configuration's state, inject faults, read call counters and the request and state-change logs, reset.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorCode, json_response};
use crate::limits::FaultAction;
use crate::operation::Operation;
use crate::schedule::Pending;
use crate::service::Service;
use crate::shapes;
use crate::state::{ConfigState, Store};
use crate::validate::{self, ArnKind};

/// Longest delay a fault may hold a call: beyond it a test has surely made a mistake.
const MAX_DELAY_MS: u64 = 10 * 60 * 1000;

pub(crate) fn handle(
    service: &Service,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let output = match (method, path) {
        (&Method::POST, "ingest-configuration-state") => set_state(service, parse(body)?)?,
        (&Method::POST, "faults") => add_fault(service, parse(body)?)?,
        (&Method::POST, "aws-tags") => set_aws_tags(service, parse(body)?)?,
        (&Method::GET, "calls") => service.limits.calls_json(),
        (&Method::GET, "requests") => service.journal.requests_json(),
        (&Method::GET, "state-changes") => service.journal.state_changes_json(),
        (&Method::POST, "reset") => reset(service)?,
        _ => {
            return Err(ApiError::new(
                ErrorCode::UnknownOperation,
                format!("No emulator control matches {method} /_emulator/{path}"),
            ));
        }
    };
    Ok(json_response(StatusCode::OK, &output))
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::validation(format!("Invalid control request: {e}")))
}

/// Longest a state change may be scheduled ahead: a day.
const MAX_AFTER_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StateRequest {
    arn: String,
    state: String,
    /// Taken as any JSON value so a bad one gets a message naming the rule, not serde's.
    after_ms: Option<Value>,
}

/// `afterMs`: absent, `null` or 0 mean now; otherwise a whole number of milliseconds up to a day.
fn after_ms(value: Option<&Value>) -> Result<Option<u64>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(0) => Ok(None),
            Some(ms) if ms <= MAX_AFTER_MS => Ok(Some(ms)),
            _ => Err(ApiError::validation(format!(
                "afterMs must be a whole number of milliseconds from 0 to {MAX_AFTER_MS}, not {value}"
            ))),
        },
    }
}

/// Sets an ingest configuration's state as if a publisher connected or left; the ARN names its
/// region. The stage it is attached to gains or loses its session accordingly. A configuration
/// attached to no stage may be set ACTIVE too: this is a test lever, not a publisher.
///
/// With `afterMs` the change is scheduled that long after this answer and applied then exactly
/// as now (dropped if the configuration is gone by then); the answer is the configuration as it
/// is now, plus `scheduledState`, `appliesInMs` and `appliesAtMs` (on the emulator's clock).
fn set_state(service: &Service, request: StateRequest) -> Result<Value, ApiError> {
    let arn = validate::check_arn("arn", &request.arn, ArnKind::IngestConfiguration)?;
    let state = ConfigState::parse(&request.state).ok_or_else(|| {
        ApiError::validation(format!(
            "state must be ACTIVE or INACTIVE, not {:?}",
            request.state
        ))
    })?;
    let after = after_ms(request.after_ms.as_ref())?;
    let not_found = || ApiError::not_found("IngestConfiguration", &request.arn);
    if arn.account != service.account_id {
        return Err(not_found());
    }
    let Some(after) = after else {
        let updated = service.set_config_state(&arn.region, &request.arn, state)?;
        return Ok(shapes::config_summary_json(&updated));
    };
    let mut summary = {
        let store = service.store();
        let config = store
            .region(&arn.region)
            .and_then(|r| r.config(&request.arn))
            .ok_or_else(not_found)?;
        shapes::config_summary_json(config)
    };
    let due = Instant::now() + Duration::from_millis(after);
    service.schedule.push(
        due,
        Pending {
            region: arn.region,
            arn: request.arn,
            state,
        },
    );
    if let Value::Object(map) = &mut summary {
        map.insert("scheduledState".into(), json!(state.as_str()));
        map.insert("appliesInMs".into(), json!(after));
        map.insert("appliesAtMs".into(), json!(service.journal.ms_at(due)));
    }
    Ok(summary)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AwsTagsRequest {
    arn: String,
    tags: std::collections::BTreeMap<String, String>,
}

/// Tags as AWS itself sets them (`aws:cloudformation:stack-name`, say), which TagResource
/// refuses to a client: only keys with the reserved `aws:` prefix, added to what is there.
fn set_aws_tags(service: &Service, request: AwsTagsRequest) -> Result<Value, ApiError> {
    let arn = validate::check_arn("arn", &request.arn, ArnKind::IngestConfiguration)?;
    if let Some(key) = request
        .tags
        .keys()
        .find(|k| !validate::is_reserved_tag_key(k))
    {
        return Err(ApiError::validation(format!(
            "aws-tags sets only keys with the aws: prefix, not {key:?}; use TagResource"
        )));
    }
    let mut store = service.store();
    let config = store
        .region_mut(&arn.region)
        .config_mut(&request.arn)
        .ok_or_else(|| ApiError::not_found("IngestConfiguration", &request.arn))?;
    config.tags.extend(request.tags);
    let tags = config.tags.clone();
    service.persist(&store)?;
    Ok(json!({ "tags": tags }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FaultRequest {
    operation: String,
    error: Option<String>,
    delay_ms: Option<u64>,
    count: Option<u32>,
}

fn add_fault(service: &Service, request: FaultRequest) -> Result<Value, ApiError> {
    let op = Operation::from_name(&request.operation).ok_or_else(|| {
        ApiError::validation(format!(
            "Unknown operation {:?}; expected one of {}",
            request.operation,
            Operation::ALL.map(Operation::name).join(", ")
        ))
    })?;
    let action = match (&request.error, request.delay_ms) {
        (Some(name), None) => FaultAction::Fail(ErrorCode::injectable(name).ok_or_else(|| {
            ApiError::validation(format!(
                "Unknown error {name:?}; expected one of {}",
                ErrorCode::injectable_names().join(", ")
            ))
        })?),
        (None, Some(ms)) if ms <= MAX_DELAY_MS => FaultAction::Delay(Duration::from_millis(ms)),
        (None, Some(_)) => {
            return Err(ApiError::validation(format!(
                "delayMs must be at most {MAX_DELAY_MS}"
            )));
        }
        _ => {
            return Err(ApiError::validation(
                "A fault needs exactly one of error or delayMs",
            ));
        }
    };
    let count = request.count.unwrap_or(1);
    if count == 0 {
        return Err(ApiError::validation("count must be at least 1"));
    }
    let pending = service.limits.push_fault(op, action, count);
    Ok(json!({ "operation": op.name(), "pending": pending }))
}

fn reset(service: &Service) -> Result<Value, ApiError> {
    service.limits.reset();
    service.schedule.clear();
    service.journal.clear();
    let mut store = service.store();
    *store = Store::default();
    service.persist(&store)?;
    Ok(json!({}))
}
