//! The `/_emulator/` control API: state flips (now or later), faults, call counters, the request and state-change logs, reset, latency.

use std::time::{Duration, Instant};

use aws_sdk_ivsrealtime::error::ProvideErrorMetadata;
use aws_sdk_ivsrealtime::types::IngestConfigurationState;
use reqwest::Method;
use serde_json::json;

use crate::support::{
    ACCOUNT, REGION, admin_get, admin_post, call_count, calls, client, create_config, create_stage,
    fault, raw, set_state, start, start_with,
};

#[tokio::test]
async fn setting_state_flips_the_config_and_the_stage_session() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let arn = create_config(&client, "c", Some(&stage)).await;

    let answer = admin_post(
        &emu,
        "ingest-configuration-state",
        json!({"arn": arn, "state": "ACTIVE"}),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["arn"], json!(arn));
    assert_eq!(answer.body["state"], "ACTIVE");
    assert!(answer.body.get("streamKey").is_none(), "a summary, no key");

    let got = client
        .get_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.ingest_configuration().map(|c| c.state()),
        Some(&IngestConfigurationState::Active)
    );
    let stage_out = client.get_stage().arn(&stage).send().await.expect("stage");
    let session = stage_out
        .stage()
        .and_then(|s| s.active_session_id())
        .expect("a live stage has a session")
        .to_owned();
    assert!(
        session.starts_with("st-") && session.len() == 16,
        "{session}"
    );
    let listed = client.list_stages().send().await.expect("list");
    assert_eq!(
        listed.stages()[0].active_session_id(),
        Some(session.as_str())
    );

    set_state(&emu, &arn, "INACTIVE").await;
    let stage_out = client.get_stage().arn(&stage).send().await.expect("stage");
    assert_eq!(stage_out.stage().and_then(|s| s.active_session_id()), None);
}

#[tokio::test]
async fn setting_state_finds_configs_in_any_region_and_refuses_unknown_or_bad_requests() {
    let emu = start();
    let eu = client(&emu, "eu-central-1").await;
    let arn = create_config(&eu, "c", None).await;
    set_state(&emu, &arn, "ACTIVE").await;

    let unknown = admin_post(
        &emu,
        "ingest-configuration-state",
        json!({"arn": format!("arn:aws:ivs:{REGION}:{ACCOUNT}:ingest-configuration/nope"), "state": "ACTIVE"}),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["__type"], "ResourceNotFoundException");
    let other_account = admin_post(
        &emu,
        "ingest-configuration-state",
        json!({"arn": arn.replace(ACCOUNT, "999999999999"), "state": "ACTIVE"}),
    )
    .await;
    assert_eq!(other_account.status, 404);

    for bad in [
        json!({"arn": arn, "state": "LIVE"}),
        json!({"arn": "nope", "state": "ACTIVE"}),
        json!({"state": "ACTIVE"}),
        json!([]),
    ] {
        let answer = admin_post(&emu, "ingest-configuration-state", bad.clone()).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.body["__type"], "ValidationException");
    }
    let not_json = raw(
        &emu,
        Method::POST,
        "/_emulator/ingest-configuration-state",
        None,
        Some("{"),
    )
    .await;
    assert_eq!(not_json.status, 400);
}

#[tokio::test]
async fn faults_queue_per_operation_fail_or_delay_then_run_out() {
    let emu = start();
    let client = client(&emu, REGION).await;
    fault(
        &emu,
        json!({"operation": "ListStages", "error": "InternalServerException", "count": 2}),
    )
    .await;
    fault(&emu, json!({"operation": "ListStages", "delayMs": 300})).await;

    for _ in 0..2 {
        let err = client.list_stages().send().await.expect_err("injected");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    }
    let started = Instant::now();
    client
        .list_stages()
        .send()
        .await
        .expect("delayed, then fine");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    client.list_stages().send().await.expect("no fault left");
    assert!(started.elapsed() < Duration::from_millis(300));
    // Other operations were never touched.
    client
        .list_ingest_configurations()
        .send()
        .await
        .expect("unaffected");
}

#[tokio::test]
async fn faults_with_unknown_operations_or_errors_are_refused() {
    let emu = start();
    for bad in [
        json!({"operation": "CreateChannel", "error": "ConflictException"}),
        json!({"operation": "ListStages", "error": "TeapotException"}),
        json!({"operation": "ListStages", "error": "UnknownOperationException"}),
        json!({"operation": "ListStages"}),
        json!({"operation": "ListStages", "error": "ConflictException", "delayMs": 5}),
        json!({"operation": "ListStages", "error": "ConflictException", "count": 0}),
        json!({"operation": "ListStages", "error": "ConflictException", "extra": 1}),
    ] {
        let answer = admin_post(&emu, "faults", bad.clone()).await;
        assert_eq!(answer.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn calls_are_counted_per_operation_and_region_including_failures() {
    let emu = start();
    let us = client(&emu, REGION).await;
    let eu = client(&emu, "eu-west-1").await;
    us.list_stages().send().await.expect("list");
    us.list_stages().send().await.expect("list");
    eu.list_stages().send().await.expect("list");
    us.get_stage()
        .arn(format!("arn:aws:ivs:{REGION}:{ACCOUNT}:stage/missing"))
        .send()
        .await
        .expect_err("404 still counts");
    let counts = calls(&emu).await;
    assert_eq!(counts["calls"]["ListStages"], 3);
    assert_eq!(counts["calls"]["GetStage"], 1);
    assert_eq!(counts["regions"][REGION]["calls"]["ListStages"], 2);
    assert_eq!(counts["regions"]["eu-west-1"]["calls"]["ListStages"], 1);
    assert!(counts["calls"].get("DeleteStage").is_none());
    assert_eq!(counts["throttled"], json!({}));
}

#[tokio::test]
async fn reset_empties_state_counters_and_faults() {
    let emu = start();
    let client = client(&emu, REGION).await;
    create_stage(&client, "s").await;
    create_config(&client, "c", None).await;
    fault(
        &emu,
        json!({"operation": "ListStages", "error": "ConflictException", "count": 5}),
    )
    .await;
    let answer = admin_post(&emu, "reset", json!({})).await;
    assert_eq!(answer.status, 200);
    assert_eq!(calls(&emu).await["calls"], json!({}));
    let stages = client.list_stages().send().await.expect("no fault left");
    assert!(stages.stages().is_empty());
    let configs = client
        .list_ingest_configurations()
        .send()
        .await
        .expect("list");
    assert!(configs.ingest_configurations().is_empty());
    assert_eq!(call_count(&emu, "ListStages").await, 1);
}

#[tokio::test]
async fn latency_is_added_to_api_calls_but_not_to_controls() {
    let emu = start_with(|c| c.latency = Duration::from_millis(200));
    let client = client(&emu, REGION).await;
    let started = Instant::now();
    client.list_stages().send().await.expect("list");
    assert!(started.elapsed() >= Duration::from_millis(200));
    let started = Instant::now();
    calls(&emu).await;
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn throttled_and_refused_calls_cost_the_round_trip_too() {
    let emu = start_with(|c| {
        c.latency = Duration::from_millis(200);
        c.rate_limit_tps = Some(1.0);
    });
    let client = client(&emu, REGION).await;
    client.list_stages().send().await.expect("the burst of one");
    let started = Instant::now();
    let throttled = client
        .list_stages()
        .send()
        .await
        .expect_err("over the limit");
    assert_eq!(throttled.code(), Some("ThrottlingException"));
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "a 429 came back in {:?}, sooner than the round trip",
        started.elapsed()
    );
    let started = Instant::now();
    let refused = raw(&emu, Method::POST, "/ListStages", None, Some("{}")).await;
    assert_eq!(refused.status, 403);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn the_service_acts_half_a_round_trip_after_the_send() {
    let emu = start_with(|c| c.latency = Duration::from_millis(400));
    let client = client(&emu, REGION).await;
    let sent = Instant::now();
    let listing = tokio::spawn(async move { client.list_stages().send().await });
    // Poll the (latency-free) call counter until the call arrives.
    let arrived = loop {
        if call_count(&emu, "ListStages").await == 1 {
            break sent.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    listing.await.expect("join").expect("list");
    let answered = sent.elapsed();
    assert!(
        arrived >= Duration::from_millis(200) && arrived < Duration::from_millis(390),
        "counted at {arrived:?}, expected about half of 400 ms"
    );
    assert!(
        answered >= Duration::from_millis(400),
        "answered at {answered:?}"
    );
}

#[tokio::test]
async fn unknown_controls_are_clean_404s() {
    let emu = start();
    let answer = raw(&emu, Method::GET, "/_emulator/nothing", None, None).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body["__type"], "UnknownOperationException");
    let wrong_method = raw(&emu, Method::GET, "/_emulator/reset", None, None).await;
    assert_eq!(wrong_method.status, 404);
}

/// The `at_ms` of every entry of a log, checking each is a whole number.
fn at_ms(entries: &[serde_json::Value]) -> Vec<u64> {
    entries
        .iter()
        .map(|e| {
            e["at_ms"]
                .as_u64()
                .unwrap_or_else(|| panic!("at_ms in {e}"))
        })
        .collect()
}

#[tokio::test]
async fn requests_and_state_changes_are_logged_on_the_emulator_clock() {
    let before_start = Instant::now();
    let emu = start();
    let us = client(&emu, REGION).await;
    let eu = client(&emu, "eu-west-1").await;
    let stage = create_stage(&us, "s").await;
    let arn = create_config(&us, "c", None).await;
    eu.list_ingest_configurations().send().await.expect("list");
    us.update_ingest_configuration()
        .arn(&arn)
        .stage_arn(&stage)
        .send()
        .await
        .expect("update");
    set_state(&emu, &arn, "ACTIVE").await;
    us.update_ingest_configuration()
        .arn(&arn)
        .stage_arn("")
        .send()
        .await
        .expect_err("ACTIVE: refused, and still logged");

    let requests = admin_get(&emu, "requests").await;
    let requests = requests.as_array().expect("an array");
    let seen: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| {
            (
                r["operation"].as_str().unwrap_or_default(),
                r["region"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("CreateStage", REGION),
            ("CreateIngestConfiguration", REGION),
            ("ListIngestConfigurations", "eu-west-1"),
            ("UpdateIngestConfiguration", REGION),
            ("UpdateIngestConfiguration", REGION),
        ]
    );
    let request_times = at_ms(requests);
    assert!(request_times.is_sorted(), "{request_times:?}");

    let changes = admin_get(&emu, "state-changes").await;
    let changes = changes.as_array().expect("an array");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["arn"], json!(arn));
    assert_eq!(changes[0]["state"], "ACTIVE");
    let change_at = at_ms(changes)[0];
    // One clock: the change came between the two updates, and nothing is later than now.
    assert!(request_times[3] <= change_at && change_at <= request_times[4]);
    assert!(u128::from(request_times[4]) <= before_start.elapsed().as_millis());

    admin_post(&emu, "reset", json!({})).await;
    assert_eq!(admin_get(&emu, "requests").await, json!([]));
    assert_eq!(admin_get(&emu, "state-changes").await, json!([]));
}
