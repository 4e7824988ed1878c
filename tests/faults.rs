//! Faults injected by the emulator: every item is either updated as desired or reported as not
//! updated, and a rerun converges.

use std::time::{Duration, Instant};

use crate::support::{World, drifted};

/// After a faulty run: every item the report calls updated is updated, and a clean rerun leaves
/// nothing to do.
#[track_caller]
fn converges(world: &mut World, configs: &[String], stage: &str, report: &serde_json::Value) {
    for result in report["results"].as_array().expect("results") {
        let arn = result["arn"].as_str().unwrap();
        if result["outcome"] == "updated" {
            assert_eq!(world.live(arn).0, stage, "{arn} reported updated");
        }
    }
    world.rerun_converges();
    for config in configs {
        assert_eq!(world.live(config).0, stage);
    }
}

#[test]
fn throttling_bursts_on_list_and_update_are_retried_and_lose_nothing() {
    let mut world = World::new();
    let main = world.stage("main");
    let configs = drifted(&mut world, 5, &main);
    world.fault("ListIngestConfigurations", "ThrottlingException", 2);
    world.fault("UpdateIngestConfiguration", "ThrottlingException", 3);
    let before = world.calls();
    let out = world.apply_json(&[]).run();
    out.code(0);
    let report = out.json();
    assert_eq!(report["summary"]["updated"], 5);
    let after = world.calls();
    assert_eq!(
        after.since(&before, "ListIngestConfigurations"),
        3,
        "two throttled, then one page"
    );
    assert_eq!(
        after.since(&before, "UpdateIngestConfiguration"),
        8,
        "five updates, three retried"
    );
    converges(&mut world, &configs, &main, &report);
}

#[test]
fn an_update_still_throttled_after_the_sdk_retries_is_sent_again_and_lands() {
    let mut world = World::new();
    let main = world.stage("main");
    let configs = drifted(&mut world, 1, &main);
    // Another client spending the quota looks like this: throttled more times than the SDK
    // attempts (one, here), so the throttle reaches apply, which sends the update again.
    world.fault("UpdateIngestConfiguration", "ThrottlingException", 3);
    let before = world.calls();
    let out = world.apply_json(&[]).env("AWS_MAX_ATTEMPTS", "1").run();
    out.code(0)
        .stderr_has("still throttled after the SDK's retries");
    let report = out.json();
    assert_eq!(report["summary"]["updated"], 1);
    assert_eq!(
        world.calls().since(&before, "UpdateIngestConfiguration"),
        4,
        "three throttled, then the update"
    );
    converges(&mut world, &configs, &main, &report);
}

#[test]
fn internal_errors_on_list_and_update_are_retried() {
    let mut world = World::new();
    let main = world.stage("main");
    let configs = drifted(&mut world, 3, &main);
    world.fault("ListIngestConfigurations", "InternalServerException", 1);
    world.fault("UpdateIngestConfiguration", "InternalServerException", 2);
    let out = world.apply_json(&[]).run();
    out.code(0);
    let report = out.json();
    assert_eq!(report["summary"]["updated"], 3);
    converges(&mut world, &configs, &main, &report);
}

#[test]
fn persistent_server_errors_fail_the_item_and_the_rerun_converges() {
    let mut world = World::new();
    let main = world.stage("main");
    let configs = drifted(&mut world, 3, &main);
    // More failures than attempts (5): the first item fails for good, the rest go through.
    world.fault("UpdateIngestConfiguration", "InternalServerException", 5);
    let out = world.apply_json(&["--parallelism", "1"]).run();
    out.code(1).stderr_has("InternalServerException");
    let report = out.json();
    assert_eq!(report["summary"]["failed"], 1);
    assert_eq!(report["summary"]["updated"], 2);
    converges(&mut world, &configs, &main, &report);
}

#[test]
fn a_call_held_past_the_timeout_fails_that_item_only() {
    let mut world = World::new();
    let main = world.stage("main");
    let configs = drifted(&mut world, 3, &main);
    world.delay("UpdateIngestConfiguration", 5000, 1);
    let started = Instant::now();
    let out = world
        .apply_json(&["--timeout", "1s", "--parallelism", "1"])
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the timeout bounds the wait"
    );
    out.code(1);
    let report = out.json();
    assert_eq!(report["summary"]["failed"], 1);
    assert_eq!(report["summary"]["updated"], 2);
    let failed = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "failed")
        .unwrap();
    let error = failed["message"].as_str().unwrap();
    assert!(
        error.starts_with(&format!(
            "UpdateIngestConfiguration {}",
            failed["arn"].as_str().unwrap()
        )),
        "{error}"
    );
    assert!(error.contains("timeout"), "{error}");
    // The held call finishes on the server later; the rerun converges either way.
    std::thread::sleep(Duration::from_millis(4200));
    converges(&mut world, &configs, &main, &report);
}

#[test]
fn access_denied_and_pending_verification_name_the_operation_and_arn() {
    let mut world = World::new();
    let main = world.stage("main");
    let configs = drifted(&mut world, 2, &main);
    world.fault("UpdateIngestConfiguration", "AccessDeniedException", 1);
    world.fault("UpdateIngestConfiguration", "PendingVerification", 1);
    let out = world.apply_json(&["--parallelism", "1"]).run();
    out.code(1);
    let report = out.json();
    let errors: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 2);
    assert!(
        errors.iter().any(|e| e.contains("AccessDeniedException")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("PendingVerification")),
        "{errors:?}"
    );
    for result in report["results"].as_array().unwrap() {
        let arn = result["arn"].as_str().unwrap();
        let error = result["message"].as_str().unwrap();
        assert!(
            error.starts_with(&format!("UpdateIngestConfiguration {arn} failed: ")),
            "{error}"
        );
    }
    converges(&mut world, &configs, &main, &report);
}

#[test]
fn access_denied_on_list_is_a_clear_error_and_writes_nothing() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 2, &main);
    world.fault("ListIngestConfigurations", "AccessDeniedException", 1);
    let before = world.calls();
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(1)
        .stderr_has("error: ListIngestConfigurations in us-east-1 failed: AccessDeniedException: ");
    assert_eq!(world.calls().writes(), before.writes());
}

#[test]
fn missing_credentials_fail_fast_and_clearly() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 1, &main);
    let started = Instant::now();
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .run()
        .code(1)
        .stderr_has("ListIngestConfigurations in us-east-1 failed: no AWS credentials");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_unreachable_endpoint_is_a_clear_error() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 1, &main);
    let out = world
        .ingestctl([
            "plan",
            "-f",
            "b.yaml",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--timeout",
            "3s",
        ])
        .run();
    out.code(1)
        .stderr_has("ListIngestConfigurations in us-east-1 failed:");
    // Without retries the connection error itself is the answer: the SDK's reason in words, not
    // its debug dump.
    let out = world
        .ingestctl([
            "plan",
            "-f",
            "b.yaml",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .env("AWS_MAX_ATTEMPTS", "1")
        .run();
    out.code(1)
        .stderr_has("ListIngestConfigurations in us-east-1 failed: could not reach the endpoint: ")
        .stderr_has("Connection refused");
    assert!(!out.stderr.contains("DispatchFailure {"), "{out}");
}

/// A plan run with `profile` from an AWS config file holding `config`, and no keys in the
/// environment, so the profile must supply the credentials.
fn plan_with_profile(world: &World, profile: &str, config: &str) -> crate::support::Output {
    world.file("aws-config", config);
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_PROFILE", profile)
        .env("AWS_CONFIG_FILE", world.dir.path().join("aws-config"))
        .run()
}

#[test]
fn a_failing_credential_process_is_named_with_its_own_reason() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 1, &main);
    let out = plan_with_profile(
        &world,
        "ci",
        "[profile ci]\ncredential_process = sh -c \"echo 'the vault session expired' >&2; exit 3\"\n",
    );
    out.code(1)
        .stderr_has("cannot get AWS credentials from profile `ci` (credential_process)")
        .stderr_has("the vault session expired");
    assert!(!out.stderr.contains("no AWS credentials"), "{out}");
}

#[test]
fn an_sso_profile_without_a_valid_token_says_how_to_log_in() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 1, &main);
    let out = plan_with_profile(
        &world,
        "sso-admin",
        "[profile sso-admin]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
    );
    out.code(1)
        .stderr_has("cannot get AWS credentials from profile `sso-admin` (SSO)")
        .stderr_has("run `aws sso login --profile sso-admin`");
    assert!(!out.stderr.contains("no AWS credentials"), "{out}");
}

#[test]
fn a_profiles_max_attempts_is_honoured_and_the_environment_beats_it() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 1, &main);
    world.file("aws-config", "[profile once]\nmax_attempts = 1\n");
    let plan = |world: &World| {
        world
            .ingestctl(["plan", "-f", "b.yaml", "--profile", "once"])
            .env("AWS_CONFIG_FILE", world.dir.path().join("aws-config"))
    };
    // The profile allows one attempt: one server error fails the read.
    world.fault("ListIngestConfigurations", "InternalServerException", 1);
    let before = world.calls();
    plan(&world)
        .run()
        .code(1)
        .stderr_has("InternalServerException");
    assert_eq!(world.calls().since(&before, "ListIngestConfigurations"), 1);
    // AWS_MAX_ATTEMPTS beats the profile.
    world.fault("ListIngestConfigurations", "InternalServerException", 1);
    plan(&world).env("AWS_MAX_ATTEMPTS", "2").run().code(0);
    // And without either, ingestctl's own default retries it.
    world.fault("ListIngestConfigurations", "InternalServerException", 1);
    world.ingestctl(["plan", "-f", "b.yaml"]).run().code(0);
}

#[test]
fn a_mistyped_profile_is_named_with_the_profiles_there_are() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 1, &main);
    let before = world.calls();
    let out = plan_with_profile(&world, "stagign", "[profile staging]\nregion = us-east-1\n");
    out.code(1)
        .stderr_has("profile `stagign` is in neither AWS config file")
        .stderr_has("they hold staging");
    assert!(!out.stderr.contains("no AWS credentials"), "{out}");
    assert_eq!(
        world.calls().total(),
        before.total(),
        "not one call reached AWS"
    );
}
