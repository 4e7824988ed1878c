//! The `ivs-realtime-emulator` binary: the listening line first, flags applied, exit 0 on SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::blocking_http;

fn spawn(args: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivs-realtime-emulator"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a first line");
    let url = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = url.parse().expect("HOST:PORT");
    (child, addr)
}

fn wait(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

#[test]
fn the_binary_prints_the_listening_line_first_and_exits_zero_on_sigterm() {
    let (mut child, addr) = spawn(&[]);
    assert_ne!(addr.port(), 0);
    let (status, _) = blocking_http(addr, "GET", "/_emulator/calls", &[], "");
    assert_eq!(status, 200);
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    assert_eq!(wait(&mut child), Some(0));
}

#[test]
fn the_binary_applies_its_flags() {
    let (mut child, addr) = spawn(&[
        "--region",
        "eu-north-1",
        "--account-id",
        "111122223333",
        "--max-ingest-configurations",
        "0",
        "--latency-ms",
        "1",
        "--rate-limit-tps",
        "100",
    ]);
    // A scope without a region falls back to --region.
    let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240101//ivs/aws4_request, SignedHeaders=host, Signature=00";
    let (status, body) = blocking_http(
        addr,
        "POST",
        "/CreateStage",
        &[("authorization", auth)],
        "{}",
    );
    assert_eq!(status, 200, "{body}");
    let created: Value = serde_json::from_str(&body).expect("json");
    let arn = created["stage"]["arn"].as_str().unwrap_or_default();
    assert!(
        arn.starts_with("arn:aws:ivs:eu-north-1:111122223333:stage/"),
        "{arn}"
    );
    let (status, _) = blocking_http(
        addr,
        "POST",
        "/CreateIngestConfiguration",
        &[("authorization", auth)],
        r#"{"ingestProtocol": "RTMPS"}"#,
    );
    assert_eq!(status, 402, "--max-ingest-configurations 0");
    let _ = child.kill();
    let _ = child.wait();
}
