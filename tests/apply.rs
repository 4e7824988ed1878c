//! `ingestctl apply -f`: confirmation, updates, skips, failures, idempotence and exit codes.

use ivs_realtime_emulator::ActiveUpdateError;

use crate::support::{Output, World, bindings_yaml, drifted, wait_for_calls};

#[test]
fn apply_updates_drifted_configs_and_a_second_apply_writes_nothing() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    let b = world.config("b", Some(&main));
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main)), (&b, None)]));
    let out = world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run();
    out.code(0)
        .stdout_has("Plan: 2 to update, 0 skipped (ACTIVE), 0 unchanged.")
        .stdout_has(&format!("updated   a ({a})"))
        .stdout_has("Apply complete: 2 updated, 0 skipped, 0 failed.")
        .leaks_none_of(&world.stream_keys);
    assert_eq!(world.live(&a).0, main);
    assert_eq!(world.live(&b).0, "", "stage: null detaches");

    let before = world.calls();
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(0)
        .stdout_has("No changes.")
        .stdout_has("Apply complete: 0 updated, 0 skipped, 0 failed.");
    assert_eq!(
        world.calls().writes(),
        before.writes(),
        "the second apply makes no write call"
    );
}

#[test]
fn without_a_terminal_or_auto_approve_apply_refuses_and_changes_nothing() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    let before = world.calls();
    world
        .ingestctl(["apply", "-f", "b.yaml"])
        .stdin("yes\n")
        .run()
        .code(1)
        .stderr_has(
            "refusing to apply without confirmation: stdin is not a terminal; pass --auto-approve",
        );
    assert_eq!(world.calls().writes(), before.writes());
    assert_eq!(world.live(&a).0, "");
}

#[test]
fn active_configs_are_skipped_with_a_warning_and_detailed_exit_2() {
    let mut world = World::new();
    let main = world.stage("main");
    let live = world.config("live", None);
    let idle = world.config("idle", None);
    world.set_active(&live, true);
    world.file(
        "b.yaml",
        &bindings_yaml(&[(&live, Some(&main)), (&idle, Some(&main))]),
    );
    let before = world.calls();
    let out = world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run();
    out.code(0)
        .stderr_has(&format!("warning: live ({live}) skipped: it is ACTIVE"))
        .stdout_has("Apply complete: 1 updated, 1 skipped, 0 failed.");
    assert_eq!(
        world.calls().since(&before, "UpdateIngestConfiguration"),
        1,
        "never forced"
    );
    assert_eq!(world.live(&live).0, "");
    world.move_config(&idle, "");
    world
        .ingestctl([
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--detailed-exitcode",
        ])
        .run()
        .code(2);
}

/// A publisher connects while the update is on its way: planned INACTIVE, refused as ACTIVE with
/// whichever error the service uses for it. One paced ACTIVE list tells it is a skip.
fn update_refused_because_a_publisher_connected(error: ActiveUpdateError) {
    let mut world = World::with(|c| c.active_update_error = error);
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    // The service holds the update until the publisher is live.
    world.delay("UpdateIngestConfiguration", 1_500, 1);
    let child = world.apply_json(&["--detailed-exitcode"]).spawn();
    wait_for_calls(&world, "UpdateIngestConfiguration", 1);
    world.set_active(&a, true);
    let out = Output::of(child.wait_with_output().expect("ingestctl exits"));
    out.code(2)
        .stderr_has("skipped: it went ACTIVE after planning");
    let result = &out.json()["results"][0];
    assert_eq!(result["outcome"], "skipped");
    assert_eq!(result["reason"], "went_active");
    assert_eq!(world.live(&a).0, "", "never forced");
    assert_eq!(
        world.calls().of("ListIngestConfigurations"),
        2,
        "the plan's read and one ACTIVE check"
    );
}

#[test]
fn an_update_refused_with_conflict_because_the_config_went_active_is_a_skip() {
    update_refused_because_a_publisher_connected(ActiveUpdateError::Conflict);
}

#[test]
fn an_update_refused_with_validation_because_the_config_went_active_is_a_skip() {
    update_refused_because_a_publisher_connected(ActiveUpdateError::Validation);
}

#[test]
fn a_conflict_or_validation_error_for_an_inactive_config_is_a_failure_not_a_skip() {
    for code in ["ConflictException", "ValidationException"] {
        let mut world = World::new();
        let main = world.stage("main");
        let a = world.config("a", None);
        world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
        world.fault("UpdateIngestConfiguration", code, 1);
        let out = world.apply_json(&["--detailed-exitcode"]).run();
        out.code(1)
            .stderr_has(&format!("failed: {code}: Injected fault"));
        assert!(!out.stderr.contains("ACTIVE"), "{out}");
        let result = &out.json()["results"][0];
        assert_eq!(result["outcome"], "failed");
        assert_eq!(result["reason"], "service_error");
    }
}

#[test]
fn a_failed_item_does_not_stop_the_others_and_a_rerun_converges() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 4, &main);
    // Access denied is not retried: exactly one item fails.
    world.fault("UpdateIngestConfiguration", "AccessDeniedException", 1);
    let out = world.apply_json(&["--parallelism", "1"]).run();
    out.code(1).stderr_has(
        "UpdateIngestConfiguration arn:aws:ivs:us-east-1:123456789012:ingest-configuration/",
    );
    let json = out.json();
    assert_eq!(json["summary"]["updated"], 3);
    assert_eq!(json["summary"]["failed"], 1);
    let failed = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "failed")
        .unwrap();
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("AccessDeniedException"),
        "{failed}"
    );
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(0)
        .stdout_has("1 updated");
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(0);
}

#[test]
fn apply_json_reports_every_item() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    let b = world.config("b", Some(&main));
    world.file(
        "b.yaml",
        &bindings_yaml(&[(&a, Some(&main)), (&b, Some(&main))]),
    );
    let out = world.apply_json(&[]).run();
    out.code(0).leaks_none_of(&world.stream_keys);
    let json = out.json();
    assert_eq!(json["format_version"], "2");
    let outcomes: Vec<(&str, &str)> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["arn"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    let mut expected = vec![(a.as_str(), "updated"), (b.as_str(), "unchanged")];
    expected.sort_unstable();
    assert_eq!(outcomes, expected);
    assert_eq!(
        json["summary"],
        serde_json::json!({"updated": 1, "skipped": 0, "stale": 0, "failed": 0, "unchanged": 1})
    );
}

#[test]
fn redundant_ingest_is_sent_only_when_declared() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file(
        "b.yaml",
        &format!("version: 1\nbindings:\n  - ingestConfiguration: {a}\n    stage: {main}\n    redundantIngest: true\n"),
    );
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(0);
    assert_eq!(world.live(&a), (main.clone(), "INACTIVE".to_owned(), true));
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(0)
        .stdout_has("No changes.");
    assert!(world.live(&a).2, "left alone when not declared");
}

#[test]
fn markdown_apply_report_lists_outcomes() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    world
        .ingestctl([
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--format",
            "markdown",
        ])
        .run()
        .code(0)
        .stdout_has("**Apply complete: 1 updated, 0 skipped, 0 failed.**")
        .stdout_has(&format!("- **updated** `a ({a})`"));
}

#[test]
fn on_a_terminal_apply_asks_and_yes_applies() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    world
        .ingestctl_in_terminal(&["apply", "-f", "b.yaml"])
        .stdin("yes\n")
        .run()
        .code(0)
        .stdout_has("Do you want to apply these changes? Only 'yes' will be accepted:")
        .stdout_has("1 updated");
    assert_eq!(world.live(&a).0, main);
}

#[test]
fn on_a_terminal_anything_but_yes_cancels() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    let before = world.calls();
    world
        .ingestctl_in_terminal(&["apply", "-f", "b.yaml"])
        .stdin("y\n")
        .run()
        .code(1)
        .stdout_has("Apply cancelled: nothing was changed.");
    assert_eq!(world.calls().writes(), before.writes());
}

#[test]
fn a_stage_arn_that_does_not_exist_fails_only_its_item() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    let b = world.config("b", None);
    let ghost = "arn:aws:ivs:us-east-1:123456789012:stage/NoSuchStage1";
    world.file(
        "b.yaml",
        &bindings_yaml(&[(&a, Some(ghost)), (&b, Some(&main))]),
    );
    let out = world.apply_json(&[]).run();
    out.code(1);
    let report = out.json();
    let failed = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["arn"] == a.as_str())
        .unwrap();
    assert_eq!(failed["outcome"], "failed");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("ResourceNotFoundException"),
        "{failed}"
    );
    assert_eq!(world.live(&b).0, main);
}

#[test]
fn on_a_terminal_the_plan_being_confirmed_is_shown_even_when_stdout_carries_json() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    let out = world
        .ingestctl_in_terminal(&["apply", "-f", "b.yaml", "--format", "json"])
        .stdin("no\n")
        .run();
    out.code(1).stdout_has("Apply cancelled");
    // The terminal shows both streams: the plan comes before the question.
    let plan = out.stdout.find("1 to update").expect("the plan is shown");
    let question = out.stdout.find("Do you want to apply").expect("asked");
    assert!(plan < question, "{out}");
    assert_eq!(world.live(&a).0, "");
}
