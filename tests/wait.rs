//! `apply --wait-for-inactive`: ACTIVE configs wait for their publisher to leave, watched with
//! one ACTIVE-list poll per region per interval, and each is updated in its window; the deadline,
//! a reconnect, a rebinding by someone else and a signal each end a wait truthfully.

use std::time::Duration;

use crate::support::{Output, World, bindings_yaml, wait_for_calls};

/// A stage, and `names` configs attached to none, each ACTIVE, bound to the stage in `b.yaml`.
fn live_configs(world: &mut World, names: &[&str]) -> (String, Vec<String>) {
    let main = world.stage("main");
    let configs: Vec<String> = names.iter().map(|n| world.config(n, None)).collect();
    for config in &configs {
        world.set_active(config, true);
    }
    let bindings: Vec<(&str, Option<&str>)> = configs
        .iter()
        .map(|c| (c.as_str(), Some(main.as_str())))
        .collect();
    world.file("b.yaml", &bindings_yaml(&bindings));
    (main, configs)
}

fn result<'a>(report: &'a serde_json::Value, arn: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["arn"] == arn)
        .unwrap()
}

#[test]
fn configs_are_applied_as_their_publishers_leave_and_the_rest_skipped_at_the_deadline() {
    let mut world = World::new();
    let (main, configs) = live_configs(&mut world, &["early", "late", "stays"]);
    world.set_active_after(&configs[0], false, 400);
    world.set_active_after(&configs[1], false, 1_200);
    let before = world.calls();
    let out = world
        .apply_json(&[
            "--wait-for-inactive",
            "3s",
            "--poll-interval",
            "300ms",
            "--detailed-exitcode",
        ])
        .run();
    let after = world.calls();
    out.code(2)
        .stderr_has("waiting for early's publisher to leave")
        .leaks_none_of(&world.stream_keys);
    let report = out.json();
    for (config, waited_at_least) in [(&configs[0], 400), (&configs[1], 1_200)] {
        let item = result(&report, config);
        assert_eq!(item["outcome"], "updated", "{item}");
        let waited = item["waitedMs"].as_u64().unwrap();
        assert!(waited >= waited_at_least, "{item}");
    }
    let stays = result(&report, &configs[2]);
    assert_eq!(stays["outcome"], "skipped");
    assert_eq!(stays["reason"], "still_active");
    assert!(
        stays["message"]
            .as_str()
            .unwrap()
            .starts_with("still ACTIVE after"),
        "{stays}"
    );
    // Watching costs list calls only: about one per interval for the region, never a Get.
    let lists = after.since(&before, "ListIngestConfigurations");
    assert!((3..=14).contains(&lists), "{lists} list calls");
    assert_eq!(after.since(&before, "GetIngestConfiguration"), 0);
    assert_eq!(after.since(&before, "UpdateIngestConfiguration"), 2);
    assert_eq!(world.live(&configs[0]).0, main);
    assert_eq!(world.live(&configs[1]).0, main);
    assert_eq!(world.live(&configs[2]).0, "", "never forced");
}

#[test]
fn a_publisher_that_reconnects_before_the_update_lands_sends_it_back_to_waiting() {
    let mut world = World::new();
    let (main, configs) = live_configs(&mut world, &["flappy"]);
    let flappy = &configs[0];
    // It leaves at 200 ms; the update it prompts is held at the service while the encoder
    // reconnects at 600 ms, so it is refused; the encoder leaves for good at 1,500 ms.
    world.set_active_after(flappy, false, 200);
    world.set_active_after(flappy, true, 600);
    world.set_active_after(flappy, false, 1_500);
    world.delay("UpdateIngestConfiguration", 900, 1);
    let out = world
        .apply_json(&["--wait-for-inactive", "10s", "--poll-interval", "250ms"])
        .run();
    out.code(0);
    let item = result(&out.json(), flappy).clone();
    assert_eq!(item["outcome"], "updated", "{item}");
    assert!(item["waitedMs"].as_u64().unwrap() >= 1_500, "{item}");
    assert_eq!(world.calls().of("UpdateIngestConfiguration"), 2);
    assert_eq!(world.live(flappy).0, main);
}

#[test]
fn a_config_rebound_by_someone_else_while_waiting_is_stale_and_left_alone() {
    let mut world = World::new();
    let (_, configs) = live_configs(&mut world, &["shared"]);
    let shared = &configs[0];
    let other = world.stage("other");
    // Between two polls the publisher leaves, someone rebinds the config, and a publisher
    // connects again: the next poll sees it ACTIVE on another stage.
    world.set_active_after(shared, false, 100);
    let child = world
        .apply_json(&["--wait-for-inactive", "10s", "--poll-interval", "2s"])
        .spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !world
        .state_changes()
        .iter()
        .any(|(arn, state)| arn == shared && state == "INACTIVE")
    {
        assert!(std::time::Instant::now() < deadline, "it never left");
        std::thread::sleep(Duration::from_millis(10));
    }
    world.move_config(shared, &other);
    world.set_active(shared, true);
    let out = Output::of(child.wait_with_output().expect("ingestctl exits"));
    out.code(1).stderr_has("refused as stale");
    let item = result(&out.json(), shared).clone();
    assert_eq!(item["outcome"], "stale", "{item}");
    assert_eq!(
        world.calls().of("UpdateIngestConfiguration"),
        1,
        "only the test's own"
    );
    assert_eq!(world.live(shared).0, other, "never overwritten");
}

#[test]
fn an_interrupt_during_the_wait_stops_it_at_once_with_a_truthful_report() {
    let mut world = World::new();
    let (_, configs) = live_configs(&mut world, &["a", "b"]);
    let child = world
        .apply_json(&["--wait-for-inactive", "10m", "--poll-interval", "250ms"])
        .spawn();
    // Signal once the wait is under way: the plan's read and one poll.
    wait_for_calls(&world, "ListIngestConfigurations", 2);
    let started = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    let out = Output::of(child.wait_with_output().expect("ingestctl exits"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it kept waiting"
    );
    out.code(130);
    let report = out.json();
    assert_eq!(report["interrupted"], true);
    for config in &configs {
        let item = result(&report, config);
        assert_eq!(item["outcome"], "skipped", "{item}");
        assert_eq!(item["reason"], "wait_interrupted", "{item}");
    }
    assert_eq!(world.calls().of("UpdateIngestConfiguration"), 0);
}

#[test]
fn without_the_flag_an_active_config_is_skipped_at_once_and_poll_interval_needs_it() {
    let mut world = World::new();
    live_configs(&mut world, &["a"]);
    let before = world.calls();
    world
        .apply_json(&["--detailed-exitcode"])
        .run()
        .code(2)
        .stderr_has("skipped: it is ACTIVE");
    assert_eq!(
        world.calls().since(&before, "ListIngestConfigurations"),
        1,
        "no poll"
    );
    world
        .apply_json(&["--poll-interval", "1s"])
        .run()
        .code(1)
        .stderr_has("--wait-for-inactive");
    world
        .apply_json(&["--wait-for-inactive", "1m", "--poll-interval", "10ms"])
        .run()
        .code(1)
        .stderr_has("too short");
}

#[test]
fn a_saved_plan_waits_too() {
    let mut world = World::new();
    let (main, configs) = live_configs(&mut world, &["a"]);
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0);
    world.set_active_after(&configs[0], false, 300);
    world
        .ingestctl([
            "apply",
            "plan.json",
            "--wait-for-inactive",
            "5s",
            "--poll-interval",
            "250ms",
        ])
        .run()
        .code(0)
        .stdout_has("after waiting");
    assert_eq!(world.live(&configs[0]).0, main);
}

#[test]
fn the_plan_shown_before_applying_says_which_configs_will_wait() {
    let mut world = World::new();
    let (main, configs) = live_configs(&mut world, &["studio"]);
    world.set_active_after(&configs[0], false, 300);
    world
        .ingestctl([
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--wait-for-inactive",
            "5s",
            "--poll-interval",
            "250ms",
        ])
        .run()
        .code(0)
        .stdout_has(
            "is ACTIVE: it will be updated in place once its publisher leaves (waiting up to 5s)",
        )
        .stdout_has("Plan: 0 to update, 1 to wait for (ACTIVE), 0 unchanged.")
        .stdout_has("after waiting");
    assert_eq!(world.live(&configs[0]).0, main);
}
