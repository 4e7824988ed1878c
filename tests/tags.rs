//! Tags: a binding's `tags:` (with its file's `defaultTags:`) are the config's whole set but
//! AWS's own; read with ListTagsForResource for tag-managed configs only, written with at most one
//! TagResource and one UntagResource per config, not held back by a live publisher.

use crate::support::World;

fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = tags
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn adding_changing_and_removing_tags_converge_in_one_apply_and_aws_keys_survive() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", Some(&main));
    world.tag(&a, &[("team", "video"), ("venue", "hall-1"), ("old", "x")]);
    world.aws_tags(&a, &[("aws:cloudformation:stack-name", "live")]);
    world.file(
        "b.yaml",
        &format!(
            "version: 1\ndefaultTags:\n  team: video\n  cost-center: \"42\"\nbindings:\n  - ingestConfiguration: {a}\n    stage: {main}\n    tags:\n      venue: hall-2\n"
        ),
    );
    let plan = world
        .ingestctl([
            "plan",
            "-f",
            "b.yaml",
            "--format",
            "json",
            "--detailed-exitcode",
        ])
        .run();
    plan.code(2);
    let change = &plan.json()["changes"][0];
    assert_eq!(change["action"], "update", "a tag-only change is an update");
    assert_eq!(change["tags"]["add"]["cost-center"], "42");
    assert_eq!(change["tags"]["change"]["venue"]["after"], "hall-2");
    assert_eq!(change["tags"]["remove"][0], "old");
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .run()
        .code(0)
        .stdout_has("+ tag \"cost-center\" = \"42\"")
        .stdout_has("~ tag \"venue\": \"hall-1\" -> \"hall-2\"")
        .stdout_has("- tag \"old\" = \"x\"")
        .stdout_has("1 to update");
    let before = world.calls();
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(0);
    let after = world.calls();
    assert_eq!(after.since(&before, "TagResource"), 1);
    assert_eq!(after.since(&before, "UntagResource"), 1);
    assert_eq!(
        after.since(&before, "UpdateIngestConfiguration"),
        0,
        "the stage was right"
    );
    assert_eq!(
        world.tags(&a),
        pairs(&[
            ("aws:cloudformation:stack-name", "live"),
            ("cost-center", "42"),
            ("team", "video"),
            ("venue", "hall-2"),
        ])
    );
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(0);
}

#[test]
fn an_active_config_gets_its_tags_while_its_stage_change_is_skipped() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.set_active(&a, true);
    world.file(
        "b.yaml",
        &format!("version: 1\nbindings:\n  - ingestConfiguration: {a}\n    stage: {main}\n    tags:\n      team: video\n"),
    );
    let out = world
        .ingestctl([
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--format",
            "json",
            "--detailed-exitcode",
        ])
        .run();
    out.code(2);
    assert_eq!(out.json()["results"][0]["outcome"], "skipped");
    assert_eq!(world.tags(&a), pairs(&[("team", "video")]));
    assert_eq!(world.live(&a).0, "", "the stage is left alone");
}

#[test]
fn configs_without_declared_tags_cost_no_tag_call() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.tag(&a, &[("team", "video")]);
    world.file(
        "b.yaml",
        &format!("version: 1\nbindings:\n  - ingestConfiguration: {a}\n    stage: {main}\n"),
    );
    let before = world.calls();
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(0);
    let after = world.calls();
    for op in ["ListTagsForResource", "TagResource", "UntagResource"] {
        assert_eq!(after.since(&before, op), 0, "{op}");
    }
    assert_eq!(world.tags(&a), pairs(&[("team", "video")]), "left alone");
}

#[test]
fn a_refused_tag_write_fails_its_item_and_the_others_go_on() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", Some(&main));
    let b = world.config("b", Some(&main));
    world.file(
        "b.yaml",
        &format!(
            "version: 1\ndefaultTags:\n  team: video\nbindings:\n  - ingestConfiguration: {a}\n    stage: {main}\n  - ingestConfiguration: {b}\n    stage: {main}\n"
        ),
    );
    world.fault("TagResource", "AccessDeniedException", 1);
    let out = world.apply_json(&["--parallelism", "1"]).run();
    out.code(1).stderr_has("TagResource");
    let json = out.json();
    assert_eq!(json["summary"]["failed"], 1);
    assert_eq!(json["summary"]["updated"], 1);
    world.rerun_converges();
}

#[test]
fn export_with_tags_round_trips_to_no_changes() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", Some(&main));
    let b = world.config("b", None);
    world.tag(&a, &[("team", "video"), ("venue", "hall-1")]);
    world.tag(&b, &[("team", "video"), ("note", "needs: \"quotes\"")]);
    world.aws_tags(&b, &[("aws:cloudformation:stack-name", "live")]);
    world
        .ingestctl(["export", "--with-tags", "-o", "bindings/all.yaml"])
        .run()
        .code(0);
    let text = std::fs::read_to_string(world.dir.path().join("bindings/all.yaml")).unwrap();
    assert!(
        text.contains("defaultTags:\n  \"team\": \"video\"\n"),
        "{text}"
    );
    assert!(!text.contains("aws:cloudformation"), "{text}");
    let before = world.calls();
    world
        .ingestctl(["plan", "-f", "bindings/", "--detailed-exitcode"])
        .run()
        .code(0);
    assert_eq!(world.calls().since(&before, "ListTagsForResource"), 2);
    // Without the flag, export is as before: no tags, so none are managed.
    world
        .ingestctl(["export", "-o", "plain.yaml"])
        .run()
        .code(0);
    let plain = std::fs::read_to_string(world.dir.path().join("plain.yaml")).unwrap();
    assert!(!plain.contains("ags:"), "{plain}");
}

#[test]
fn a_saved_plan_carries_and_rechecks_tags() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", Some(&main));
    world.file(
        "b.yaml",
        &format!("version: 1\nbindings:\n  - ingestConfiguration: {a}\n    stage: {main}\n    tags:\n      team: video\n"),
    );
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0);
    // Someone tags it by hand after the plan: the change is stale, never overwritten.
    world.tag(&a, &[("team", "audio")]);
    world
        .ingestctl(["apply", "plan.json"])
        .run()
        .code(1)
        .stderr_has("refused as stale");
    assert_eq!(world.tags(&a), pairs(&[("team", "audio")]));
    // A fresh plan applies, and applying it again converges.
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0);
    world.ingestctl(["apply", "plan.json"]).run().code(0);
    world
        .ingestctl(["apply", "plan.json"])
        .run()
        .code(0)
        .stdout_has("(already applied)");
    assert_eq!(world.tags(&a), pairs(&[("team", "video")]));
}
