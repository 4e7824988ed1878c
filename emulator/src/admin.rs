//! The unsigned `/_emulator/` control API: flip an ingest configuration's state, inject faults, read call counters and the request and state-change logs, reset.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorCode, json_response};
use crate::limits::FaultAction;
use crate::operation::Operation;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateRequest {
    arn: String,
    state: String,
}

/// Sets an ingest configuration's state as if a publisher connected or left; the ARN names its
/// region. The stage it is attached to gains or loses its session accordingly. A configuration
/// attached to no stage may be set ACTIVE too: this is a test lever, not a publisher.
fn set_state(service: &Service, request: StateRequest) -> Result<Value, ApiError> {
    let arn = validate::check_arn("arn", &request.arn, ArnKind::IngestConfiguration)?;
    let state = ConfigState::parse(&request.state).ok_or_else(|| {
        ApiError::validation(format!(
            "state must be ACTIVE or INACTIVE, not {:?}",
            request.state
        ))
    })?;
    if arn.account != service.account_id {
        return Err(ApiError::not_found("IngestConfiguration", &request.arn));
    }
    let updated = service.set_config_state(&arn.region, &request.arn, state)?;
    Ok(shapes::config_summary_json(&updated))
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
    service.journal.clear();
    let mut store = service.store();
    *store = Store::default();
    service.persist(&store)?;
    Ok(json!({}))
}
