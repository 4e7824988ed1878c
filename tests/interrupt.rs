//! SIGINT and SIGTERM during apply: no new update starts, those in flight finish, every item's
//! outcome is printed, and the exit code says which signal it was.

use std::time::Duration;

use crate::support::{Output, World, drifted, wait_for_calls};

fn interrupted(signal: &str, expected_code: i32) {
    // Slow calls and a slow pace, so the signal lands mid-apply.
    let mut world = World::with(|c| c.latency = Duration::from_millis(200));
    let main = world.stage("main");
    drifted(&mut world, 20, &main);
    let child = world
        .apply_json(&["--max-tps", "4", "--parallelism", "2"])
        .spawn();
    // Signal once updates are under way, however slowly this machine starts the process.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while world.calls().of("UpdateIngestConfiguration") < 3 {
        assert!(std::time::Instant::now() < deadline, "apply never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = Output::of(child.wait_with_output().expect("ingestctl exits"));
    out.code(expected_code)
        .stderr_has("interrupted: no new updates will start");
    let report = out.json();
    assert_eq!(report["interrupted"], true);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 20, "every item is reported");
    let updated = report["summary"]["updated"].as_u64().unwrap();
    let failed = report["summary"]["failed"].as_u64().unwrap();
    assert_eq!(updated + failed, 20);
    assert!(
        updated > 0 && failed > 0,
        "the signal landed mid-apply: {updated} updated"
    );
    for result in results {
        let arn = result["arn"].as_str().unwrap();
        let live = world.live(arn).0;
        if result["outcome"] == "updated" {
            assert_eq!(live, main);
        } else {
            assert_eq!(result["message"], "not started: apply was interrupted");
            assert_eq!(result["reason"], "not_started");
            assert_eq!(live, "", "{arn} was reported not started but changed");
        }
    }
    world.rerun_converges();
}

#[test]
fn sigint_mid_apply_reports_every_item_and_exits_130() {
    interrupted("-INT", 130);
}

#[test]
fn sigterm_mid_apply_reports_every_item_and_exits_143() {
    interrupted("-TERM", 143);
}

#[test]
fn sighup_mid_apply_is_handled_like_sigterm_and_exits_129() {
    interrupted("-HUP", 129);
}

#[test]
fn an_interrupted_text_report_says_interrupted_not_complete() {
    let mut world = World::with(|c| c.latency = Duration::from_millis(200));
    let main = world.stage("main");
    drifted(&mut world, 10, &main);
    let child = world
        .ingestctl([
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--max-tps",
            "2",
            "--parallelism",
            "1",
        ])
        .spawn();
    wait_for_calls(&world, "UpdateIngestConfiguration", 2);
    signal(&child, "-INT");
    let out = Output::of(child.wait_with_output().expect("ingestctl exits"));
    out.code(130).stdout_has("Apply interrupted: ");
    assert!(!out.stdout.contains("Apply complete"), "{out}");
}

#[test]
fn a_second_signal_exits_at_once_naming_the_updates_in_flight() {
    let mut world = World::new();
    let main = world.stage("main");
    let configs = drifted(&mut world, 3, &main);
    // Every update hangs at the service, so they stay in flight.
    world.delay("UpdateIngestConfiguration", 30_000, 3);
    let child = world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .spawn();
    wait_for_calls(&world, "UpdateIngestConfiguration", 3);
    let started = std::time::Instant::now();
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "-TERM");
    let out = Output::of(child.wait_with_output().expect("ingestctl exits"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it waited for the calls in flight: {:?}",
        started.elapsed()
    );
    out.code(143)
        .stderr_has("interrupted again: exiting now without waiting for 3 update(s) in flight")
        .stderr_has("whose outcome is unknown");
    for arn in &configs {
        out.stderr_has(arn);
    }
}

fn signal(child: &std::process::Child, which: &str) {
    let status = std::process::Command::new("kill")
        .args([which, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn a_signal_before_apply_ends_at_once_and_changes_nothing() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 3, &main);
    // The read hangs: the signal arrives while planning.
    world.delay("ListIngestConfigurations", 10_000, 1);
    let child = world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while world.calls().of("ListIngestConfigurations") < 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "planning never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    let out = Output::of(child.wait_with_output().expect("ingestctl exits"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it did not wait for the read"
    );
    out.code(130)
        .stderr_has("interrupted before any change: nothing was changed");
    assert_eq!(world.calls().of("UpdateIngestConfiguration"), 0);
}
