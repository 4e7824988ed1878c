//! The state file: loaded at start, rewritten atomically after each mutation, refused when unreadable.

use aws_sdk_ivsrealtime::types::IngestConfigurationState;
use ivs_realtime_emulator::{Config, Emulator};
use serde_json::json;

use crate::support::{REGION, admin_post, client, create_config, create_stage, set_state};

fn with_state_file(path: &std::path::Path) -> Emulator {
    Emulator::spawn(Config {
        state_file: Some(path.to_owned()),
        ..Config::ephemeral()
    })
    .expect("starts")
}

#[tokio::test]
async fn state_survives_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let (stage, config, key) = {
        let emu = with_state_file(&path);
        let client = client(&emu, REGION).await;
        let stage = create_stage(&client, "persisted").await;
        let config = create_config(&client, "cfg", Some(&stage)).await;
        set_state(&emu, &config, "ACTIVE").await;
        let got = client
            .get_ingest_configuration()
            .arn(&config)
            .send()
            .await
            .expect("get");
        let key = got
            .ingest_configuration()
            .expect("config")
            .stream_key()
            .to_owned();
        emu.shutdown();
        (stage, config, key)
    };
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(entries.len(), 1, "no temporary file left: {entries:?}");

    let emu = with_state_file(&path);
    let client = client(&emu, REGION).await;
    let got = client
        .get_ingest_configuration()
        .arn(&config)
        .send()
        .await
        .expect("still there");
    let got = got.ingest_configuration().expect("config");
    assert_eq!(got.stream_key(), key);
    assert_eq!(got.stage_arn(), stage);
    assert_eq!(got.state(), &IngestConfigurationState::Active);
    let stage_out = client.get_stage().arn(&stage).send().await.expect("stage");
    assert_eq!(stage_out.stage().and_then(|s| s.name()), Some("persisted"));
    // New resources continue the creation order after the restored ones.
    let later = create_config(&client, "later", None).await;
    let list = client
        .list_ingest_configurations()
        .send()
        .await
        .expect("list");
    let arns: Vec<&str> = list
        .ingest_configurations()
        .iter()
        .map(|c| c.arn())
        .collect();
    assert_eq!(arns, vec![config.as_str(), later.as_str()]);
}

#[tokio::test]
async fn reset_rewrites_the_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let emu = with_state_file(&path);
    let client = client(&emu, REGION).await;
    create_stage(&client, "s").await;
    let before: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("written")).expect("json");
    assert_eq!(
        before["regions"][REGION]["stages"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(admin_post(&emu, "reset", json!({})).await.status, 200);
    let after: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("written")).expect("json");
    assert_eq!(after["regions"], json!({}));
}

#[test]
fn an_unreadable_state_file_refuses_to_start_instead_of_wiping_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    std::fs::write(&path, b"{ not json").expect("write");
    let err = Emulator::spawn(Config {
        state_file: Some(path.clone()),
        ..Config::ephemeral()
    })
    .expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    std::fs::write(&path, br#"{"format": "something-else", "regions": {}}"#).expect("write");
    assert!(
        Emulator::spawn(Config {
            state_file: Some(path.clone()),
            ..Config::ephemeral()
        })
        .is_err()
    );
    assert_eq!(
        std::fs::read(&path).expect("kept"),
        br#"{"format": "something-else", "regions": {}}"#
    );
}

#[test]
fn a_missing_state_file_starts_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let emu = with_state_file(&dir.path().join("absent.json"));
    emu.shutdown();
}

#[tokio::test]
async fn a_scheduled_state_change_rewrites_the_state_file_when_it_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let emu = with_state_file(&path);
    let client = client(&emu, REGION).await;
    let config = create_config(&client, "cfg", None).await;
    let stored_state = || -> Option<String> {
        let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        let configs = file["regions"][REGION]["ingestConfigurations"].as_array()?;
        let stored = configs.iter().find(|c| c["arn"] == json!(config))?;
        stored["state"].as_str().map(str::to_owned)
    };
    assert_eq!(stored_state().as_deref(), Some("INACTIVE"));
    let answer = admin_post(
        &emu,
        "ingest-configuration-state",
        json!({"arn": config, "state": "ACTIVE", "afterMs": 100}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while stored_state().as_deref() != Some("ACTIVE") {
        assert!(
            std::time::Instant::now() < deadline,
            "the state file still says {:?}",
            stored_state()
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
