//! `ingestctl plan`: actions, formats, exit codes, name resolution, and the calls it makes.

use crate::support::{World, bindings_yaml};

#[test]
fn plan_shows_update_skip_and_no_op_with_terraform_summary() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let drifted = world.config("drifted", None);
    let live = world.config("live", None);
    let fine = world.config("fine", Some(&main));
    world.set_active(&live, true);
    world.file(
        "bindings.yaml",
        &bindings_yaml(&[
            (&drifted, Some(&main)),
            (&live, Some(&main)),
            (&fine, Some(&main)),
        ]),
    );
    let out = world.ingestctl(["plan", "-f", "bindings.yaml"]).run();
    out.code(0)
        .stdout_has("~ ingest configuration \"drifted\" will be updated in place")
        .stdout_has(&format!("~ stage: (none) -> {main}"))
        .stdout_has("! ingest configuration \"live\" is skipped: it is ACTIVE")
        .stdout_has("Plan: 1 to update, 1 skipped (ACTIVE), 1 unchanged.")
        .stderr_has(&format!("warning: skipping live ({live})"))
        .leaks_none_of(&world.stream_keys);
    assert!(
        !out.stdout.contains("\"fine\""),
        "no-ops get no block\n{out}"
    );
}

#[test]
fn detailed_exitcode_tells_drift_from_sync() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let config = world.config("enc", None);
    world.file("b.yaml", &bindings_yaml(&[(&config, Some(&main))]));
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(2);
    world.move_config(&config, &main);
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(0)
        .stdout_has("No changes.")
        .stdout_has("Plan: 0 to update, 0 skipped (ACTIVE), 1 unchanged.");
}

#[test]
fn skip_alone_is_drift_for_detailed_exitcode() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let config = world.config("enc", None);
    world.set_active(&config, true);
    world.file("b.yaml", &bindings_yaml(&[(&config, Some(&main))]));
    world
        .ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
        .run()
        .code(2);
}

#[test]
fn json_plan_is_sorted_by_arn_with_the_documented_shape() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let configs: Vec<String> = (0..5)
        .map(|i| world.config(&format!("enc{i}"), Some(&main)))
        .collect();
    let unmanaged = world.config("unmanaged", None);
    // Declared in reverse order: the output must not care.
    let bindings: Vec<(&str, Option<&str>)> =
        configs.iter().rev().map(|c| (c.as_str(), None)).collect();
    world.file("b.yaml", &bindings_yaml(&bindings));
    let out = world
        .ingestctl(["plan", "-f", "b.yaml", "--format", "json"])
        .run();
    out.code(0).leaks_none_of(&world.stream_keys);
    let json = out.json();
    assert_eq!(json["format_version"], "2");
    let changes = json["changes"].as_array().unwrap();
    let arns: Vec<&str> = changes.iter().map(|c| c["arn"].as_str().unwrap()).collect();
    let mut sorted = arns.clone();
    sorted.sort_unstable();
    assert_eq!(arns, sorted);
    let first = &changes[0];
    assert_eq!(first["action"], "update");
    assert_eq!(first["before"]["stageArn"], main.as_str());
    assert_eq!(first["before"]["state"], "INACTIVE");
    assert_eq!(first["before"]["redundantIngest"], false);
    assert_eq!(first["after"]["stageArn"], "");
    assert_eq!(first["after"]["redundantIngest"], false);
    assert!(first["name"].as_str().unwrap().starts_with("enc"));
    assert_eq!(json["unmanaged"], serde_json::json!([unmanaged]));
    assert_eq!(
        json["summary"],
        serde_json::json!({"update": 5, "skip": 0, "no-op": 0})
    );
}

#[test]
fn markdown_plan_leads_with_the_summary_and_collapses_details() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let config = world.config("enc", None);
    let live = world.config("live", None);
    world.set_active(&live, true);
    world.file(
        "b.yaml",
        &bindings_yaml(&[(&config, Some(&main)), (&live, Some(&main))]),
    );
    let out = world
        .ingestctl(["plan", "-f", "b.yaml", "--format", "markdown"])
        .run();
    out.code(0)
        .stdout_has("**Plan: 1 to update, 1 skipped (ACTIVE), 0 unchanged.**")
        .stdout_has("> [!WARNING]")
        .stdout_has("<details><summary>Details (2)</summary>")
        .stdout_has(&format!("+ stage: {main}"));
    let summary = out.stdout.find("**Plan:").unwrap();
    assert!(summary < out.stdout.find("<details>").unwrap());
}

#[test]
fn plan_reads_with_one_list_call_and_no_stages_when_none_is_named() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let config = world.config("enc", None);
    world.file("b.yaml", &bindings_yaml(&[(&config, Some(&main))]));
    let before = world.calls();
    world.ingestctl(["plan", "-f", "b.yaml"]).run().code(0);
    let after = world.calls();
    assert_eq!(after.since(&before, "ListIngestConfigurations"), 1);
    assert_eq!(after.since(&before, "ListStages"), 0);
    assert_eq!(after.since(&before, "GetIngestConfiguration"), 0);
    assert_eq!(after.total() - before.total(), 1);
}

#[test]
fn names_resolve_and_stages_are_listed_only_then() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let config = world.config("studio-b-encoder", None);
    world.file(
        "b.yaml",
        "version: 1\nregion: us-east-1\nbindings:\n  - ingestConfiguration: studio-b-encoder\n    stage: main-stage\n    redundantIngest: true\n",
    );
    let before = world.calls();
    let out = world
        .ingestctl(["plan", "-f", "b.yaml", "--format", "json"])
        .run();
    out.code(0);
    let after = world.calls();
    assert_eq!(after.since(&before, "ListStages"), 1);
    let change = &out.json()["changes"][0];
    assert_eq!(change["arn"], config.as_str());
    assert_eq!(change["after"]["stageArn"], main.as_str());
    assert_eq!(change["after"]["redundantIngest"], true);
}

#[test]
fn unknown_and_ambiguous_names_list_candidates_and_change_nothing() {
    let mut world = World::new();
    world.stage("main");
    world.stage("main");
    world.config("studio-b-encoder", None);
    let before = world.calls();
    world.file(
        "b.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: studio-c-encoder\n    stage: null\n  - ingestConfiguration: studio-b-encoder\n    stage: main\n",
    );
    let out = world.ingestctl(["plan", "-f", "b.yaml"]).run();
    out.code(1)
        .stderr_has("b.yaml:3:26: no ingest configuration named `studio-c-encoder` in us-east-1; did you mean `studio-b-encoder`?")
        .stderr_has("b.yaml:6:12: 2 stages are named `main` in us-east-1: arn:aws:ivs:us-east-1:");
    assert_eq!(out.stdout, "", "no plan on stdout after an error");
    assert_eq!(world.calls().writes(), before.writes());
}

#[test]
fn an_arn_not_in_the_account_is_an_error() {
    let world = World::new();
    world.file(
        "b.yaml",
        &bindings_yaml(&[(
            "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/NoSuchConfig",
            None,
        )]),
    );
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .run()
        .code(1)
        .stderr_has("b.yaml:3:26: ingest configuration `arn:aws:ivs:us-east-1:123456789012:ingest-configuration/NoSuchConfig` does not exist");
}

#[test]
fn directory_of_files_is_read_in_order_and_duplicates_name_both_places() {
    let mut world = World::new();
    let config = world.config("enc", None);
    world.file("bindings/a.yaml", &bindings_yaml(&[(&config, None)]));
    world.file("bindings/b.yml", &bindings_yaml(&[(&config, None)]));
    world.file("bindings/notes.txt", "not yaml");
    let out = world.ingestctl(["plan", "-f", "bindings"]).run();
    out.code(1).stderr_has(&format!(
        "bindings/b.yml:3:26: ingest configuration `{config}` is bound twice: here and at bindings/a.yaml:3:26"
    ));
    assert_eq!(
        world.calls().total(),
        1,
        "offline errors make no call (only the test's create)"
    );
}

#[test]
fn name_and_arn_of_the_same_config_are_bound_twice() {
    let mut world = World::new();
    let config = world.config("enc", None);
    world.file(
        "b.yaml",
        &format!("version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n  - ingestConfiguration: {config}\n    stage: null\n"),
    );
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .run()
        .code(1)
        .stderr_has("b.yaml:5:26: ingest configuration")
        .stderr_has("is bound twice: here and at b.yaml:3:26");
}

#[test]
fn bad_yaml_is_reported_with_position_and_no_call() {
    let world = World::new();
    world.file(
        "b.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    stag: x\n",
    );
    let out = world.ingestctl(["plan", "-f", "b.yaml"]).run();
    out.code(1)
        .stderr_has("error: b.yaml:5:5: bindings[0]: unknown field `stag`");
    assert_eq!(world.calls().total(), 0);
}

#[test]
fn missing_file_is_a_clear_error() {
    let world = World::new();
    world
        .ingestctl(["plan", "-f", "nope.yaml"])
        .run()
        .code(1)
        .stderr_has("nope.yaml: cannot read: no such file or directory");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let mut world = World::new();
    let config = world.config("enc", None);
    let main = world.stage("main");
    world.file("b.yaml", &bindings_yaml(&[(&config, Some(&main))]));
    let piped = world.ingestctl(["plan", "-f", "b.yaml"]).run();
    assert!(!piped.stdout.contains('\x1b'), "no colour into a pipe");
    let forced = world
        .ingestctl(["plan", "-f", "b.yaml", "--color", "always"])
        .run();
    assert!(forced.stdout.contains("\x1b[33m~\x1b[0m"), "{forced}");
    let never = world
        .ingestctl(["plan", "-f", "b.yaml", "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .run();
    assert!(!never.stdout.contains('\x1b'));
}

#[test]
fn names_without_any_region_are_refused_before_any_call() {
    let world = World::new();
    world.file(
        "b.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n",
    );
    let out = world
        .ingestctl(["plan", "-f", "b.yaml"])
        .env_remove("AWS_REGION")
        .run();
    out.code(1)
        .stderr_has("b.yaml:3:26: `enc` is a name, and no region is set to look it up in");
    assert_eq!(world.calls().total(), 0);
}

#[test]
fn endpoint_flag_beats_the_environment() {
    let mut world = World::new();
    let config = world.config("enc", None);
    world.file("b.yaml", &bindings_yaml(&[(&config, None)]));
    let url = world.emulator.url();
    world
        .ingestctl([
            "plan",
            "-f",
            "b.yaml",
            "--endpoint-url",
            &url,
            "--timeout",
            "5s",
        ])
        .env("AWS_ENDPOINT_URL_IVS_REALTIME", "http://127.0.0.1:9")
        .run()
        .code(0);
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .env_remove("AWS_ENDPOINT_URL_IVS_REALTIME")
        .env("AWS_ENDPOINT_URL", &url)
        .run()
        .code(0);
    // The service-specific variable beats the generic one.
    world
        .ingestctl(["plan", "-f", "b.yaml", "--timeout", "5s"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .run()
        .code(0);
}

#[test]
fn bindings_in_two_regions_are_read_in_each() {
    let mut world = World::new();
    let east_stage = world.stage_in("us-east-1", "main");
    let west_stage = world.stage_in("eu-west-1", "main");
    let east = world.config_in("us-east-1", "enc", None);
    let west = world.config_in("eu-west-1", "enc", None);
    world.file(
        "b.yaml",
        &bindings_yaml(&[(&east, Some(&east_stage)), (&west, Some(&west_stage))]),
    );
    let before = world.calls();
    let out = world
        .ingestctl(["plan", "-f", "b.yaml", "--format", "json"])
        .run();
    out.code(0);
    assert_eq!(out.json()["summary"]["update"], 2);
    assert_eq!(world.calls().since(&before, "ListIngestConfigurations"), 2);
}

#[test]
fn saved_plan_holds_no_secret() {
    let mut world = World::new();
    let main = world.stage("main");
    let config = world.config("enc", None);
    world.file("b.yaml", &bindings_yaml(&[(&config, Some(&main))]));
    world
        .ingestctl(["plan", "-f", "b.yaml", "--out", "plan.json"])
        .run()
        .code(0)
        .stderr_has("Saved the plan to plan.json");
    let text = std::fs::read_to_string(world.dir.path().join("plan.json")).unwrap();
    for key in &world.stream_keys {
        crate::support::assert_no_secret(&text, key, "plan.json");
    }
    let plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(plan["changes"][0]["before"]["stageArn"], "");
    assert_eq!(plan["changes"][0]["before"]["state"], "INACTIVE");
    assert_eq!(plan["changes"][0]["after"]["stageArn"], main.as_str());
    assert_eq!(plan["desired"]["digest"].as_str().unwrap().len(), 64);
}

#[test]
fn profile_supplies_the_region_for_names() {
    let mut world = World::new();
    let stage = world.stage_in("eu-west-1", "main");
    let config = world.config_in("eu-west-1", "enc", None);
    world.file("aws-config", "[profile emea]\nregion = eu-west-1\n");
    world.file(
        "b.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: main\n",
    );
    let out = world
        .ingestctl([
            "plan",
            "-f",
            "b.yaml",
            "--profile",
            "emea",
            "--format",
            "json",
        ])
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", world.dir.path().join("aws-config"))
        .run();
    out.code(0);
    assert_eq!(out.json()["changes"][0]["arn"], config.as_str());
    assert_eq!(
        out.json()["changes"][0]["after"]["stageArn"],
        stage.as_str()
    );
    // --region beats the profile.
    world
        .ingestctl([
            "plan",
            "-f",
            "b.yaml",
            "--profile",
            "emea",
            "--region",
            "us-east-1",
        ])
        .env("AWS_CONFIG_FILE", world.dir.path().join("aws-config"))
        .run()
        .code(1)
        .stderr_has("no ingest configuration named `enc` in us-east-1");
}
