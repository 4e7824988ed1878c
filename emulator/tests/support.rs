//! Shared test plumbing: start an emulator, build an SDK client for it, speak raw HTTP and the control API.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_ivsrealtime::Client;
use aws_sdk_ivsrealtime::config::{Credentials, Region};
use aws_sdk_ivsrealtime::types::IngestProtocol;
use ivs_realtime_emulator::{Config, Emulator};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

pub fn start() -> Emulator {
    start_with(|_| {})
}

pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Emulator {
    let mut config = Config::ephemeral();
    adjust(&mut config);
    Emulator::spawn(config).expect("the emulator starts")
}

/// A client for `region` that never retries, so every answer is the emulator's first.
pub async fn client(emu: &Emulator, region: &str) -> Client {
    client_with_retry(emu, region, RetryConfig::disabled()).await
}

/// A client with standard retries (`attempts` in all) and a negligible backoff.
pub async fn retrying_client(emu: &Emulator, attempts: u32) -> Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5));
    client_with_retry(emu, REGION, retry).await
}

async fn client_with_retry(emu: &Emulator, region: &str, retry: RetryConfig) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(emu.url())
        .credentials_provider(Credentials::new("AKID", "SECRET", None, None, "test"))
        .retry_config(retry)
        .load()
        .await;
    Client::new(&config)
}

pub async fn create_stage(client: &Client, name: &str) -> String {
    let out = client
        .create_stage()
        .name(name)
        .send()
        .await
        .expect("CreateStage succeeds");
    out.stage().expect("a stage").arn().to_owned()
}

pub async fn create_config(client: &Client, name: &str, stage_arn: Option<&str>) -> String {
    let mut request = client
        .create_ingest_configuration()
        .name(name)
        .ingest_protocol(IngestProtocol::Rtmps);
    if let Some(stage_arn) = stage_arn {
        request = request.stage_arn(stage_arn);
    }
    let out = request
        .send()
        .await
        .expect("CreateIngestConfiguration succeeds");
    out.ingest_configuration()
        .expect("an ingest configuration")
        .arn()
        .to_owned()
}

/// A SigV4-shaped Authorization header for `region` (the emulator reads the scope, not the signature).
pub fn auth_header(region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/{region}/ivs/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef"
    )
}

/// One raw HTTP answer.
pub struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends `method path` with an optional signed-looking header and JSON body; the answer's body
/// must be JSON (the emulator never answers otherwise).
pub async fn raw(
    emu: &Emulator,
    method: reqwest::Method,
    path: &str,
    region: Option<&str>,
    body: Option<&str>,
) -> Raw {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", emu.url()));
    if let Some(region) = region {
        request = request.header("authorization", auth_header(region));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the emulator answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("body is JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    Raw {
        status,
        headers,
        body,
    }
}

/// `POST /<operation>` signed for `region`.
pub async fn call(emu: &Emulator, operation: &str, region: &str, body: Value) -> Raw {
    raw(
        emu,
        reqwest::Method::POST,
        &format!("/{operation}"),
        Some(region),
        Some(&body.to_string()),
    )
    .await
}

pub async fn admin_post(emu: &Emulator, path: &str, body: Value) -> Raw {
    raw(
        emu,
        reqwest::Method::POST,
        &format!("/_emulator/{path}"),
        None,
        Some(&body.to_string()),
    )
    .await
}

pub async fn set_state(emu: &Emulator, arn: &str, state: &str) {
    let raw = admin_post(
        emu,
        "ingest-configuration-state",
        json!({ "arn": arn, "state": state }),
    )
    .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
}

pub async fn fault(emu: &Emulator, body: Value) {
    let raw = admin_post(emu, "faults", body).await;
    assert_eq!(raw.status, 200, "{}", raw.body);
}

pub async fn calls(emu: &Emulator) -> Value {
    raw(emu, reqwest::Method::GET, "/_emulator/calls", None, None)
        .await
        .body
}

/// `GET /_emulator/<path>`, which must answer 200.
pub async fn admin_get(emu: &Emulator, path: &str) -> Value {
    let raw = raw(
        emu,
        reqwest::Method::GET,
        &format!("/_emulator/{path}"),
        None,
        None,
    )
    .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    raw.body
}

/// How many calls of `operation` the emulator has counted (all regions).
pub async fn call_count(emu: &Emulator, operation: &str) -> u64 {
    calls(emu).await["calls"][operation].as_u64().unwrap_or(0)
}

/// One HTTP/1.1 exchange over a plain socket, for tests that have no async runtime: returns the
/// status code and the body.
pub fn blocking_http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
