//! `ingestctl apply PLAN`: the saved plan is its own approval, and is checked against live state.

use crate::support::{World, bindings_yaml};

fn planned(world: &mut World) -> (String, String, String) {
    let main = world.stage("main");
    let a = world.config("a", None);
    let b = world.config("b", None);
    world.file(
        "b.yaml",
        &bindings_yaml(&[(&a, Some(&main)), (&b, Some(&main))]),
    );
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0);
    (main, a, b)
}

#[test]
fn a_saved_plan_applies_without_a_question() {
    let mut world = World::new();
    let (main, a, b) = planned(&mut world);
    world
        .ingestctl(["apply", "plan.json"])
        .run()
        .code(0)
        .stdout_has("Apply complete: 2 updated, 0 skipped, 0 failed.");
    assert_eq!(world.live(&a).0, main);
    assert_eq!(world.live(&b).0, main);
}

#[test]
fn a_config_moved_since_the_plan_is_stale_and_the_rest_apply() {
    let mut world = World::new();
    let (_, a, b) = planned(&mut world);
    let other = world.stage("other");
    world.move_config(&a, &other);
    let out = world
        .ingestctl(["apply", "plan.json", "--format", "json"])
        .run();
    out.code(1)
        .stderr_has("refused as stale: it changed since the plan was made");
    let json = out.json();
    let outcome = |arn: &str| {
        json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["arn"] == arn)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome(&a), "stale");
    assert_eq!(outcome(&b), "updated");
    assert_eq!(world.live(&a).0, other, "a stale change is never applied");
}

#[test]
fn a_config_that_went_active_since_the_plan_is_skipped() {
    let mut world = World::new();
    let (_, a, _) = planned(&mut world);
    world.set_active(&a, true);
    let before = world.calls();
    world
        .ingestctl(["apply", "plan.json", "--detailed-exitcode"])
        .run()
        .code(2)
        .stdout_has("Apply complete: 1 updated, 1 skipped, 0 failed.");
    assert_eq!(world.calls().since(&before, "UpdateIngestConfiguration"), 1);
}

#[test]
fn a_tampered_plan_is_refused_and_nothing_is_applied() {
    let mut world = World::new();
    let (main, a, _) = planned(&mut world);
    let path = world.dir.path().join("plan.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(&main, &main.replace("stage/", "stage/X"), 1),
    )
    .unwrap();
    let before = world.calls();
    world
        .ingestctl(["apply", "plan.json"])
        .run()
        .code(1)
        .stderr_has("plan.json: the plan file was modified after it was written");
    assert_eq!(world.calls().total(), before.total(), "not even a read");
    assert_eq!(world.live(&a).0, "");
}

#[test]
fn a_plan_for_other_desired_files_is_refused() {
    let mut world = World::new();
    let (_, a, _) = planned(&mut world);
    world.file("b.yaml", &bindings_yaml(&[(&a, None)]));
    let before = world.calls();
    world
        .ingestctl(["apply", "plan.json"])
        .run()
        .code(1)
        .stderr_has("plan.json: the desired files changed since this plan was made");
    assert_eq!(world.calls().total(), before.total());
}

#[test]
fn truncated_and_foreign_plan_files_are_refused() {
    let mut world = World::new();
    planned(&mut world);
    let text = std::fs::read_to_string(world.dir.path().join("plan.json")).unwrap();
    world.file("half.json", &text[..text.len() / 2]);
    world
        .ingestctl(["apply", "half.json"])
        .run()
        .code(1)
        .stderr_has("half.json: not a plan file: invalid JSON");
    world.file("other.json", "{\"format_version\": \"1\", \"changes\": []}");
    world
        .ingestctl(["apply", "other.json"])
        .run()
        .code(1)
        .stderr_has("other.json: not a plan file");
    world.file(
        "future.json",
        &text.replace("\"format_version\": \"1\"", "\"format_version\": \"9\""),
    );
    world
        .ingestctl(["apply", "future.json"])
        .run()
        .code(1)
        .stderr_has("plan file format 9 is newer than this ingestctl reads");
}
