//! Starting and stopping: from sync code, on a caller's runtime via `serve`, refusing bad configurations, and prompt shutdown.

use std::time::{Duration, Instant};

use ivs_realtime_emulator::{Config, Emulator, serve};
use serde_json::{Value, json};

use crate::support::{REGION, auth_header, blocking_http, client, fault, start};

#[test]
fn a_spawned_emulator_serves_plain_sync_code() {
    let emu = Emulator::spawn(Config::ephemeral()).expect("starts");
    assert_eq!(emu.url(), format!("http://{}", emu.addr()));
    assert_ne!(emu.addr().port(), 0);
    let auth = auth_header(REGION);
    let (status, body) = blocking_http(
        emu.addr(),
        "POST",
        "/CreateStage",
        &[("authorization", &auth)],
        r#"{"name": "sync"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = blocking_http(emu.addr(), "GET", "/_emulator/calls", &[], "");
    assert_eq!(status, 200);
    let counts: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(counts["calls"]["CreateStage"], 1);
    emu.shutdown();
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let emu = Emulator::spawn(Config::ephemeral()).expect("starts");
    let addr = emu.addr();
    drop(emu);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn spawn_refuses_bad_configurations_and_busy_ports() {
    for config in [
        Config {
            account_id: "abc".into(),
            ..Config::ephemeral()
        },
        Config {
            region: "US East".into(),
            ..Config::ephemeral()
        },
        Config {
            rate_limit_tps: Some(0.0),
            ..Config::ephemeral()
        },
    ] {
        let err = Emulator::spawn(config).expect_err("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let err = Emulator::spawn(Config {
        listen: busy.local_addr().expect("addr"),
        ..Config::default()
    })
    .expect_err("port in use");
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

#[test]
fn defaults_are_the_documented_ones() {
    let config = Config::default();
    assert_eq!(config.listen.to_string(), "127.0.0.1:4599");
    assert_eq!(config.region, "us-east-1");
    assert_eq!(config.account_id, "123456789012");
    assert_eq!(config.latency, Duration::ZERO);
    assert_eq!(config.rate_limit_tps, None);
    assert_eq!(config.max_ingest_configurations, 100);
    assert_eq!(config.state_file, None);
    assert_eq!(Config::ephemeral().listen.to_string(), "127.0.0.1:0");
}

#[tokio::test]
async fn serve_runs_on_the_callers_runtime_until_shutdown_resolves() {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(serve(
        Config::ephemeral(),
        async move {
            let _ = stop_rx.await;
        },
        move |addr| {
            let _ = bound_tx.send(addr);
        },
    ));
    let addr = bound_rx.await.expect("bound");
    let answer = reqwest::get(format!("http://{addr}/_emulator/calls"))
        .await
        .expect("answer");
    assert_eq!(answer.status().as_u16(), 200);
    stop_tx.send(()).expect("still serving");
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops in time")
        .expect("task");
    assert!(result.is_ok());
}

#[tokio::test]
async fn shutdown_releases_calls_held_by_a_delay_fault() {
    let emu = start();
    let client = client(&emu, REGION).await;
    fault(&emu, json!({"operation": "ListStages", "delayMs": 60000})).await;
    let held = tokio::spawn(async move { client.list_stages().send().await.is_ok() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    tokio::task::spawn_blocking(move || emu.shutdown())
        .await
        .expect("joined");
    assert!(started.elapsed() < Duration::from_secs(5));
    let answered = tokio::time::timeout(Duration::from_secs(5), held)
        .await
        .expect("the held call ends")
        .expect("task");
    assert!(answered, "the held call is answered, not dropped");
}

#[test]
fn the_handle_can_live_in_a_static_or_move_across_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<Config>();
}
