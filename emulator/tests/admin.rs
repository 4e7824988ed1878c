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

/// Polls `probe` every 10 ms until it finds something, for at most 5 s.
async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The logged state changes of `arn`, as (state, at_ms).
async fn changes_of(emu: &ivs_realtime_emulator::Emulator, arn: &str) -> Vec<(String, u64)> {
    let changes = admin_get(emu, "state-changes").await;
    changes
        .as_array()
        .expect("an array")
        .iter()
        .filter(|c| c["arn"] == json!(arn))
        .map(|c| {
            let state = c["state"].as_str().unwrap_or_default().to_owned();
            (state, at_ms(std::slice::from_ref(c))[0])
        })
        .collect()
}

/// Schedules `state` for `arn` in `after_ms` and returns the answer's `appliesAtMs`.
async fn schedule(
    emu: &ivs_realtime_emulator::Emulator,
    arn: &str,
    state: &str,
    after_ms: u64,
) -> u64 {
    let answer = admin_post(
        emu,
        "ingest-configuration-state",
        json!({"arn": arn, "state": state, "afterMs": after_ms}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["scheduledState"], state);
    assert_eq!(answer.body["appliesInMs"], after_ms);
    answer.body["appliesAtMs"].as_u64().expect("appliesAtMs")
}

async fn stage_session(client: &aws_sdk_ivsrealtime::Client, stage: &str) -> Option<String> {
    let out = client.get_stage().arn(stage).send().await.expect("stage");
    out.stage()
        .and_then(|s| s.active_session_id())
        .map(str::to_owned)
}

#[tokio::test]
async fn a_scheduled_state_change_answers_at_once_and_applies_after_its_delay() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let arn = create_config(&client, "c", Some(&stage)).await;
    set_state(&emu, &arn, "ACTIVE").await;

    let scheduled = Instant::now();
    let answer = admin_post(
        &emu,
        "ingest-configuration-state",
        json!({"arn": arn, "state": "INACTIVE", "afterMs": 300}),
    )
    .await;
    let answered = scheduled.elapsed();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answered < Duration::from_millis(300),
        "answered in {answered:?}"
    );
    assert_eq!(answer.body["arn"], json!(arn));
    assert_eq!(
        answer.body["state"], "ACTIVE",
        "the configuration as it is now"
    );
    assert_eq!(answer.body["scheduledState"], "INACTIVE");
    assert_eq!(answer.body["appliesInMs"], 300);
    assert!(answer.body.get("streamKey").is_none(), "a summary, no key");
    let applies_at = answer.body["appliesAtMs"].as_u64().expect("appliesAtMs");

    let changed = eventually("the scheduled INACTIVE", async || {
        let got = client
            .get_ingest_configuration()
            .arn(&arn)
            .send()
            .await
            .expect("get");
        let state = got.ingest_configuration().map(|c| c.state().clone());
        (state == Some(IngestConfigurationState::Inactive)).then(|| scheduled.elapsed())
    })
    .await;
    assert!(
        changed >= Duration::from_millis(300),
        "applied {changed:?} after scheduling, sooner than 300 ms"
    );
    assert_eq!(
        stage_session(&client, &stage).await,
        None,
        "the publisher left: the session ended"
    );
    let changes = changes_of(&emu, &arn).await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[1].0, "INACTIVE");
    assert!(changes[1].1 >= applies_at, "{changes:?} vs {applies_at}");
}

#[tokio::test]
async fn scheduled_changes_apply_in_time_order_as_a_publisher_leaves_and_reconnects() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let arn = create_config(&client, "c", Some(&stage)).await;
    let other = create_config(&client, "other", None).await;
    set_state(&emu, &arn, "ACTIVE").await;
    let first_session = stage_session(&client, &stage).await.expect("a session");

    // Scheduled out of time order, on two configurations.
    let reconnect_at = schedule(&emu, &arn, "ACTIVE", 900).await;
    let leave_at = schedule(&emu, &arn, "INACTIVE", 300).await;
    let other_at = schedule(&emu, &other, "ACTIVE", 600).await;

    let changes = eventually("the reconnect", async || {
        let changes = changes_of(&emu, &arn).await;
        (changes.len() == 3).then_some(changes)
    })
    .await;
    let states: Vec<&str> = changes.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(states, ["ACTIVE", "INACTIVE", "ACTIVE"]);
    assert!(
        changes[1].1 >= leave_at && changes[2].1 >= reconnect_at,
        "{changes:?}"
    );
    let other_changes = changes_of(&emu, &other).await;
    assert_eq!(other_changes.len(), 1, "{other_changes:?}");
    assert!(other_changes[0].1 >= other_at);

    // The whole log follows the times the changes were due.
    let log = admin_get(&emu, "state-changes").await;
    let times = at_ms(log.as_array().expect("an array"));
    assert!(times.is_sorted(), "{times:?}");
    let mut expected = [(leave_at, &arn), (other_at, &other), (reconnect_at, &arn)];
    expected.sort();
    let applied: Vec<&str> = log.as_array().expect("an array")[1..]
        .iter()
        .map(|c| c["arn"].as_str().unwrap_or_default())
        .collect();
    let expected: Vec<&str> = expected.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(applied, expected);

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
    let second_session = stage_session(&client, &stage)
        .await
        .expect("a session again");
    assert_ne!(
        first_session, second_session,
        "a reconnect is a new session"
    );
}

#[tokio::test]
async fn a_bad_after_ms_is_refused_and_zero_means_now() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_config(&client, "c", None).await;
    for bad in [
        json!(-1),
        json!(1.5),
        json!("300"),
        json!(true),
        json!({}),
        json!(86_400_001),
    ] {
        let answer = admin_post(
            &emu,
            "ingest-configuration-state",
            json!({"arn": arn, "state": "ACTIVE", "afterMs": bad}),
        )
        .await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.body["__type"], "ValidationException");
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(message.contains("afterMs"), "{message}");
    }
    assert!(changes_of(&emu, &arn).await.is_empty(), "nothing applied");

    let now = admin_post(
        &emu,
        "ingest-configuration-state",
        json!({"arn": arn, "state": "ACTIVE", "afterMs": 0}),
    )
    .await;
    assert_eq!(now.status, 200, "{}", now.body);
    assert_eq!(now.body["state"], "ACTIVE");
    assert!(now.body.get("scheduledState").is_none(), "{}", now.body);
}

#[tokio::test]
async fn a_pending_change_for_a_deleted_config_is_dropped() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let gone = create_config(&client, "gone", None).await;
    let sentinel = create_config(&client, "sentinel", None).await;
    schedule(&emu, &gone, "ACTIVE", 400).await;
    schedule(&emu, &sentinel, "ACTIVE", 700).await;
    client
        .delete_ingest_configuration()
        .arn(&gone)
        .send()
        .await
        .expect("delete");

    eventually("the sentinel's change", async || {
        (!changes_of(&emu, &sentinel).await.is_empty()).then_some(())
    })
    .await;
    assert!(changes_of(&emu, &gone).await.is_empty(), "dropped");
    let err = client
        .get_ingest_configuration()
        .arn(&gone)
        .send()
        .await
        .expect_err("still gone");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn shutdown_does_not_wait_for_pending_changes() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_config(&client, "c", None).await;
    schedule(&emu, &arn, "ACTIVE", 86_400_000).await;
    let stopping = Instant::now();
    tokio::task::spawn_blocking(move || emu.shutdown())
        .await
        .expect("shutdown");
    assert!(
        stopping.elapsed() < Duration::from_secs(1),
        "shutdown took {:?}",
        stopping.elapsed()
    );
}

#[tokio::test]
async fn aws_tags_are_set_only_for_the_reserved_prefix_and_survive_beside_client_tags() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_config(&client, "c", None).await;
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("team", "video")
        .send()
        .await
        .expect("TagResource");
    let set = admin_post(
        &emu,
        "aws-tags",
        json!({"arn": arn, "tags": {"aws:cloudformation:stack-name": "live"}}),
    )
    .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let refused = admin_post(
        &emu,
        "aws-tags",
        json!({"arn": arn, "tags": {"team": "audio"}}),
    )
    .await;
    assert_eq!(refused.status, 400);
    let listed = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("ListTagsForResource");
    let mut tags: Vec<(&String, &String)> = listed.tags().iter().collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            (
                &"aws:cloudformation:stack-name".to_owned(),
                &"live".to_owned()
            ),
            (&"team".to_owned(), &"video".to_owned()),
        ]
    );
}
