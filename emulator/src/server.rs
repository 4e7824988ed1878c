//! The HTTP front: routing a request to its operation by method and path, the SigV4 scope that picks its region, and the order of checks every API call passes.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tokio::sync::watch;

use crate::admin;
use crate::config::{ActiveUpdateError, Config};
use crate::error::{ApiError, ErrorCode, REQUEST_ID, json_response};
use crate::limits::{FaultAction, Limits};
use crate::operation::Operation;
use crate::ops::{self, Call};
use crate::state::Store;
use crate::validate;

/// Request bodies larger than this are refused; the largest legal input is a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

/// How long in-flight requests get to finish once shutdown is asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) account_id: String,
    pub(crate) default_region: String,
    pub(crate) max_ingest_configurations: usize,
    pub(crate) active_update_error: ActiveUpdateError,
    state_file: Option<PathBuf>,
    store: Mutex<Store>,
    pub(crate) limits: Limits,
    /// Flips to `true` at shutdown, so held calls (latency, delay faults) stop waiting.
    stopping: watch::Receiver<bool>,
}

impl Shared {
    /// The world, locked. Operations are short and synchronous, so a plain mutex suffices; a
    /// poisoned one is still consistent (every mutation completes before anything can panic).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the state file, if any, while the caller still holds the lock, so the file's
    /// versions follow the order of mutations.
    pub(crate) fn persist(&self, store: &Store) -> Result<(), ApiError> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        store.save(path).map_err(|e| {
            eprintln!(
                "ivs-realtime-emulator: cannot write state file {}: {e}",
                path.display()
            );
            ApiError::internal("The emulator could not write its state file")
        })
    }

    /// Sleeps, unless the server is stopping.
    pub(crate) async fn hold(&self, duration: Duration) {
        if duration.is_zero() {
            return;
        }
        let mut stopping = self.stopping.clone();
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
    }
}

/// A configuration checked and its state loaded: everything that can fail before the socket.
pub(crate) struct Prepared {
    config: Config,
    store: Store,
}

pub(crate) fn prepare(config: Config) -> io::Result<Prepared> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    if config.account_id.is_empty() || !config.account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "account id must be digits (it goes into ARNs): {:?}",
            config.account_id
        )));
    }
    if !validate::is_region(&config.region) {
        return Err(invalid(format!(
            "region must match [a-z0-9-]+: {:?}",
            config.region
        )));
    }
    if let Some(tps) = config.rate_limit_tps
        && !(tps.is_finite() && tps > 0.0)
    {
        return Err(invalid(format!(
            "rate limit must be a positive number of calls per second: {tps}"
        )));
    }
    let store = match &config.state_file {
        Some(path) => Store::load(path)?,
        None => Store::default(),
    };
    Ok(Prepared { config, store })
}

/// Serves on `listener` until `shutdown` resolves, then lets in-flight requests finish (for at
/// most [`SHUTDOWN_GRACE`]).
pub(crate) async fn run(
    listener: tokio::net::TcpListener,
    prepared: Prepared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let config = prepared.config;
    let shared = Arc::new(Shared {
        account_id: config.account_id,
        default_region: config.region,
        max_ingest_configurations: config.max_ingest_configurations,
        active_update_error: config.active_update_error,
        state_file: config.state_file,
        store: Mutex::new(prepared.store),
        limits: Limits::new(config.latency, config.rate_limit_tps),
        stopping: stop_rx.clone(),
    });
    let app = Router::new().fallback(handle).with_state(shared);
    let mut graceful_rx = stop_rx;
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = graceful_rx.wait_for(|s| *s).await;
        })
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        () = shutdown => {}
    }
    let _ = stop_tx.send(true);
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(result) => result,
        // A client holding a request open past the grace period is not worth waiting for.
        Err(_) => Ok(()),
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let request_id = new_request_id();
    let mut response = match route(&shared, request).await {
        Ok(response) => response,
        Err(error) => error.to_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Where a request is going.
enum Target {
    Admin(String),
    Api {
        op: Operation,
        resource_arn: Option<String>,
    },
}

/// Every stage and ingest-configuration operation is `POST /<Name>`; the tag operations share
/// `/tags/{resourceArn}` by method. Anything else is an unknown operation.
fn resolve(method: &Method, path: &str) -> Result<Target, ApiError> {
    if let Some(rest) = path.strip_prefix("/_emulator/") {
        return Ok(Target::Admin(rest.to_owned()));
    }
    let unknown = || {
        ApiError::new(
            ErrorCode::UnknownOperation,
            format!("No operation matches {method} {path}"),
        )
    };
    if let Some(label) = path.strip_prefix("/tags/") {
        let op = match *method {
            Method::POST => Operation::TagResource,
            Method::DELETE => Operation::UntagResource,
            Method::GET => Operation::ListTagsForResource,
            _ => return Err(unknown()),
        };
        if label.is_empty() {
            return Err(unknown());
        }
        // Clients encode the label's `:` and `/`; a raw `/` is accepted too.
        let arn = percent_encoding::percent_decode_str(label)
            .decode_utf8()
            .map_err(|_| ApiError::validation("resourceArn is not valid UTF-8"))?;
        return Ok(Target::Api {
            op,
            resource_arn: Some(arn.into_owned()),
        });
    }
    let name = path.strip_prefix('/').unwrap_or(path);
    match Operation::from_post_path(name) {
        Some(op) if *method == Method::POST => Ok(Target::Api {
            op,
            resource_arn: None,
        }),
        _ => Err(unknown()),
    }
}

async fn route(shared: &Shared, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let target = resolve(&parts.method, parts.uri.path())?;
    // Read the body before answering anything, so even a refusal leaves the connection reusable.
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::serialization("The request body is too large or unreadable"))?;
    match target {
        Target::Admin(path) => admin::handle(shared, &parts.method, &path, &body),
        Target::Api { op, resource_arn } => {
            // The latency is a network round trip: the request reaches the service after half of
            // it and the answer, whatever it is, takes the other half back. So a throttled or
            // refused call costs a round trip, as it does against AWS, and the service charges
            // its token bucket at the midpoint, not when the client sends.
            let latency = shared.limits.latency();
            let inbound = latency / 2;
            shared.hold(inbound).await;
            let answer = async {
                let region = scope_region(&parts.headers, &shared.default_region)?;
                let arn = resource_arn.as_deref();
                api_call(shared, op, &region, &body, arn, parts.uri.query()).await
            }
            .await;
            shared.hold(latency - inbound).await;
            answer
        }
    }
}

/// What the service does with a call that reached it and was authenticated: count it, throttle
/// it, meet an injected fault, and finally run the operation.
async fn api_call(
    shared: &Shared,
    op: Operation,
    region: &str,
    body: &Bytes,
    resource_arn: Option<&str>,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    shared.limits.record_call(region, op);
    if !shared.limits.admit(region, op) {
        return Err(ApiError::new(ErrorCode::Throttling, "Rate exceeded"));
    }
    match shared.limits.take_fault(op) {
        Some(FaultAction::Fail(code)) => {
            return Err(ApiError::new(
                code,
                format!("Injected fault for {}", op.name()),
            ));
        }
        Some(FaultAction::Delay(delay)) => shared.hold(delay).await,
        None => {}
    }
    let call = Call {
        region,
        body,
        resource_arn,
        query,
    };
    let output = ops::execute(shared, op, &call)?;
    Ok(json_response(StatusCode::OK, &output))
}

/// The region named by the SigV4 credential scope of `Authorization`
/// (`AWS4-HMAC-SHA256 Credential=<akid>/<yyyymmdd>/<region>/ivs/aws4_request, ...`).
///
/// The signature is not verified; only the shape, and that the scope is for the `ivs` signing
/// name, are checked, which is what catches a client signing for the wrong service. An empty
/// region in the scope falls back to the configured default.
fn scope_region(headers: &HeaderMap, default_region: &str) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::access_denied("Missing Authentication Token"))?;
    let malformed = || {
        ApiError::access_denied(
            "Authorization header requires an AWS4-HMAC-SHA256 Credential scoped to <date>/<region>/ivs/aws4_request",
        )
    };
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(malformed)?;
    let credential = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))
        .ok_or_else(malformed)?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = scope.as_slice() else {
        return Err(malformed());
    };
    if akid.is_empty()
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
        || *terminator != "aws4_request"
    {
        return Err(malformed());
    }
    if *service != "ivs" {
        return Err(ApiError::access_denied(format!(
            "Credential should be scoped to correct service: 'ivs', not '{service}'"
        )));
    }
    if region.is_empty() {
        return Ok(default_region.to_owned());
    }
    if !validate::is_region(region) {
        return Err(malformed());
    }
    Ok((*region).to_owned())
}

/// A UUID-shaped request id, as AWS sends.
fn new_request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(auth) {
            map.insert(header::AUTHORIZATION, value);
        }
        map
    }

    #[test]
    fn the_region_comes_from_the_credential_scope() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/ivs/aws4_request, SignedHeaders=host, Signature=00";
        assert_eq!(
            scope_region(&headers(auth), "us-east-1").ok().as_deref(),
            Some("eu-west-1")
        );
        let no_region = "AWS4-HMAC-SHA256 Credential=AKID/20240101//ivs/aws4_request";
        assert_eq!(
            scope_region(&headers(no_region), "us-east-1")
                .ok()
                .as_deref(),
            Some("us-east-1")
        );
    }

    #[test]
    fn other_services_and_shapes_are_denied() {
        for auth in [
            "",
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ivsrealtime/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/ivs/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ivs",
            "AWS4-HMAC-SHA256 SignedHeaders=host",
        ] {
            let err = scope_region(&headers(auth), "us-east-1").err();
            assert_eq!(err.map(|e| e.code), Some(ErrorCode::AccessDenied), "{auth}");
        }
    }

    #[test]
    fn request_ids_look_like_uuids() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
