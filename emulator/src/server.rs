//! The HTTP front and nothing else: route a request by method and path, read its SigV4 scope for the region, wrap the call in the network latency, and turn the answer into a response.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tokio::sync::watch;

use crate::admin;
use crate::error::{ApiError, ErrorCode, REQUEST_ID, json_response};
use crate::operation::Operation;
use crate::ops::{self, Call};
use crate::service::{Prepared, Service};
use crate::validate;

/// Request bodies larger than this are refused; the largest legal input is a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

/// How long in-flight requests get to finish once shutdown is asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Serves on `listener` until `shutdown` resolves, then lets in-flight requests finish (for at
/// most [`SHUTDOWN_GRACE`]).
pub(crate) async fn run(
    listener: tokio::net::TcpListener,
    prepared: Prepared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let service = Service::start(prepared, stop_rx.clone());
    let app = Router::new().fallback(handle).with_state(service);
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

async fn handle(State(service): State<Arc<Service>>, request: Request) -> Response {
    let request_id = new_request_id();
    let mut response = match route(&service, request).await {
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

async fn route(service: &Service, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let target = resolve(&parts.method, parts.uri.path())?;
    // Read the body before answering anything, so even a refusal leaves the connection reusable.
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::serialization("The request body is too large or unreadable"))?;
    match target {
        Target::Admin(path) => admin::handle(service, &parts.method, &path, &body),
        Target::Api { op, resource_arn } => {
            // The latency is a network round trip: the request reaches the service after half of
            // it and the answer, whatever it is, takes the other half back. So a throttled or
            // refused call costs a round trip, as it does against AWS, and the service charges
            // its token bucket at the midpoint, not when the client sends.
            let latency = service.limits.latency();
            let inbound = latency / 2;
            service.hold(inbound).await;
            let answer = async {
                let region = scope_region(&parts.headers, &service.default_region)?;
                let call = Call {
                    region: &region,
                    body: &body,
                    resource_arn: resource_arn.as_deref(),
                    query: parts.uri.query(),
                };
                let output = ops::call(service, op, &call).await?;
                Ok(json_response(StatusCode::OK, &output))
            }
            .await;
            service.hold(latency - inbound).await;
            answer
        }
    }
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
