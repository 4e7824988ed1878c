//! Reads at the minimum number of calls, and writes paced under the API quota.

use std::time::{Duration, Instant};

use crate::support::{World, bound_to, drifted};

#[test]
fn plan_over_250_configs_makes_exactly_3_list_calls() {
    let mut world = World::with(|c| c.max_ingest_configurations = 1000);
    bound_to(&mut world, 250, None);
    let before = world.calls();
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(0)
        .stdout_has("Plan: 0 to update, 0 skipped (ACTIVE), 250 unchanged.");
    let after = world.calls();
    assert_eq!(after.since(&before, "ListIngestConfigurations"), 3);
    assert_eq!(after.total() - before.total(), 3, "no per-resource reads");
}

#[test]
fn stages_named_by_name_are_listed_in_pages_of_100() {
    let mut world = World::new();
    for i in 0..150 {
        world.stage(&format!("s{i}"));
    }
    world.config("enc", None);
    world.file(
        "b.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: s149\n",
    );
    let before = world.calls();
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .run()
        .code(0)
        .stdout_has("1 to update");
    let after = world.calls();
    assert_eq!(after.since(&before, "ListStages"), 2);
    assert_eq!(after.since(&before, "ListIngestConfigurations"), 1);
}

#[test]
fn apply_paces_updates_under_the_service_limit() {
    let mut world = World::with(|c| c.rate_limit_tps = Some(5.0));
    let main = world.stage("main");
    drifted(&mut world, 15, &main);
    // Creating the configs spent the create bucket, not the update one; let the list bucket refill.
    std::thread::sleep(Duration::from_millis(1200));
    let before = world.calls();
    let started = Instant::now();
    let out = world.apply_json(&["--max-tps", "5"]).run();
    let elapsed = started.elapsed();
    out.code(0);
    assert_eq!(out.json()["summary"]["updated"], 15, "{out}");
    let after = world.calls();
    assert_eq!(
        after.since(&before, "UpdateIngestConfiguration"),
        15,
        "no retries were needed: {:?}",
        after.0
    );
    // A burst of 5, then 10 more at 5/s: the pacing cannot be faster than this.
    assert!(elapsed >= Duration::from_millis(2000), "{elapsed:?}");
}

#[test]
fn throttling_never_loses_an_update() {
    let mut world = World::with(|c| c.rate_limit_tps = Some(5.0));
    let main = world.stage("main");
    drifted(&mut world, 20, &main);
    std::thread::sleep(Duration::from_millis(1200));
    // Ten times the quota, all at once: the service throttles and the SDK retries.
    let out = world
        .apply_json(&["--max-tps", "50", "--parallelism", "20"])
        .run();
    out.code(0);
    assert_eq!(out.json()["summary"]["updated"], 20);
    let calls = world.calls();
    assert!(
        calls.throttled("UpdateIngestConfiguration") > 0,
        "the test must provoke throttling"
    );
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(0);
}

#[test]
fn list_pages_are_paced_under_the_quota_and_never_throttled() {
    let mut world = World::persistent();
    bound_to(&mut world, 700, None);
    world.restart(|c| c.rate_limit_tps = Some(5.0));
    // Seven pages: unpaced, the sixth and seventh would follow the first five at once.
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(0);
    let calls = world.calls();
    assert_eq!(calls.of("ListIngestConfigurations"), 7, "{:?}", calls.0);
    assert_eq!(
        calls.throttled("ListIngestConfigurations"),
        0,
        "{:?}",
        calls.0
    );
}
