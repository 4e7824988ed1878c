//! `ingestctl apply PLAN`: the saved plan is its own approval, and is checked against live state.

use serde_json::Value;
use sha2::{Digest, Sha256};

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
        &text.replace("\"format_version\": \"3\"", "\"format_version\": \"9\""),
    );
    world
        .ingestctl(["apply", "future.json"])
        .run()
        .code(1)
        .stderr_has("plan file format 9 is newer than this ingestctl reads");
}

/// Edits the saved plan and seals it again with a correct checksum, as anyone can: the checksum
/// is a guard against accidents, so what refuses an edited plan must be something else.
fn reseal(world: &World, edit: impl FnOnce(&mut Value)) {
    let path = world.dir.path().join("plan.json");
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let object = plan.as_object_mut().unwrap();
    object.remove("checksum");
    edit(&mut plan);
    let digest = Sha256::digest(serde_json::to_string(&plan).unwrap().as_bytes());
    let checksum: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    plan["checksum"] = Value::String(checksum);
    std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
}

/// `apply plan.json` is refused whole, with `says` on stderr, and writes nothing.
#[track_caller]
fn refused(world: &World, says: &str) {
    let before = world.calls();
    world
        .ingestctl(["apply", "plan.json"])
        .run()
        .code(1)
        .stderr_has(says)
        .stderr_has("nothing was applied");
    assert_eq!(world.calls().writes(), before.writes(), "no write call");
}

#[test]
fn a_resealed_plan_aimed_at_an_undeclared_stage_is_refused_with_no_write() {
    let mut world = World::new();
    let (_, a, b) = planned(&mut world);
    let elsewhere = world.stage("elsewhere");
    reseal(&world, |plan| {
        plan["changes"][0]["after"]["stageArn"] = Value::String(elsewhere.clone());
    });
    refused(&world, "but the file declares");
    assert_eq!(world.live(&a).0, "");
    assert_eq!(world.live(&b).0, "");
}

#[test]
fn a_resealed_plan_that_adds_a_config_no_file_declares_is_refused() {
    let mut world = World::new();
    let (_, _, _) = planned(&mut world);
    let c = world.config("c", None);
    reseal(&world, |plan| {
        let mut extra = plan["changes"][0].clone();
        extra["arn"] = Value::String(c.clone());
        extra["declared"]["ingestConfiguration"] = Value::String(c.clone());
        plan["changes"].as_array_mut().unwrap().push(extra);
    });
    refused(&world, "which no desired file declares");
    assert_eq!(world.live(&c).0, "");
}

#[test]
fn a_resealed_plan_that_leaves_a_binding_out_is_refused() {
    let mut world = World::new();
    planned(&mut world);
    reseal(&world, |plan| {
        plan["changes"].as_array_mut().unwrap().pop();
    });
    refused(&world, "the plan (plan.json) leaves it out");
}

#[test]
fn a_resealed_plan_that_changes_redundant_ingest_is_refused() {
    let mut world = World::new();
    planned(&mut world);
    reseal(&world, |plan| {
        plan["changes"][1]["after"]["redundantIngest"] = Value::Bool(true);
    });
    refused(&world, "the plan sets redundantIngest");
}

#[test]
fn a_resealed_plan_that_points_a_name_at_another_config_is_refused() {
    let mut world = World::new();
    let main = world.stage("main");
    world.config("enc", None);
    let victim = world.config("victim", None);
    world.file(
        "b.yaml",
        &format!("version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: {main}\n"),
    );
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0);
    reseal(&world, |plan| {
        plan["changes"][0]["arn"] = Value::String(victim.clone());
    });
    refused(&world, "the plan resolved ingest configuration `enc` to");
    assert_eq!(world.live(&victim).0, "");
}

#[test]
fn applying_a_plan_again_after_a_partial_apply_converges() {
    let mut world = World::new();
    let (main, a, b) = planned(&mut world);
    // The first apply fails one item (access is not retried).
    world.fault("UpdateIngestConfiguration", "AccessDeniedException", 1);
    let first = world
        .ingestctl([
            "apply",
            "plan.json",
            "--format",
            "json",
            "--parallelism",
            "1",
        ])
        .run();
    first.code(1);
    assert_eq!(first.json()["summary"]["updated"], 1);
    // The rerun reports the one done as already applied, finishes the other, and succeeds.
    let before = world.calls();
    let out = world
        .ingestctl(["apply", "plan.json", "--detailed-exitcode"])
        .run();
    out.code(0)
        .stdout_has("(already applied)")
        .stdout_has("Apply complete: 1 updated, 0 skipped, 0 failed.");
    assert_eq!(world.calls().since(&before, "UpdateIngestConfiguration"), 1);
    assert_eq!(world.live(&a).0, main);
    assert_eq!(world.live(&b).0, main);
    // And once more: nothing to write, all already applied.
    let out = world
        .ingestctl(["apply", "plan.json", "--format", "json"])
        .run();
    out.code(0);
    let json = out.json();
    for result in json["results"].as_array().unwrap() {
        assert_eq!(result["outcome"], "unchanged");
        assert_eq!(result["reason"], "already_applied");
    }
}

#[test]
fn a_no_op_in_a_saved_plan_is_checked_against_live_state() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", Some(&main));
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0)
        .stdout_has("No changes.");
    let other = world.stage("other");
    world.move_config(&a, &other);
    let out = world
        .ingestctl(["apply", "plan.json", "--format", "json"])
        .run();
    out.code(1);
    assert_eq!(out.json()["results"][0]["outcome"], "stale");
    assert_eq!(world.live(&a).0, other, "left as someone else set it");
}

#[test]
fn a_planned_skip_whose_publisher_left_is_applied() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.set_active(&a, true);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0);
    world.set_active(&a, false);
    world
        .ingestctl(["apply", "plan.json"])
        .run()
        .code(0)
        .stdout_has("Apply complete: 1 updated, 0 skipped, 0 failed.");
    assert_eq!(world.live(&a).0, main);
}

#[test]
fn load_errors_on_the_saved_plan_path_keep_their_position_and_annotation() {
    let mut world = World::new();
    planned(&mut world);
    world.file(
        "b.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: [\n",
    );
    let before = world.calls();
    world
        .ingestctl(["apply", "plan.json"])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .code(1)
        .stderr_has("error: b.yaml:")
        .stderr_has("::error file=b.yaml,line=");
    assert_eq!(world.calls().total(), before.total(), "no call");
}
