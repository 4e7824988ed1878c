//! Fitting into GitOps: adoption by export, offline validation, CI annotations, completions and
//! the man page.

use crate::support::{World, bindings_yaml};

#[test]
fn export_writes_a_file_that_plans_to_no_changes() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let attached = world.config("studio-a", Some(&main));
    let parked = world.config("parked", None);
    let live = world.config("live", Some(&main));
    world.set_active(&live, true);
    world
        .ingestctl(["export", "-o", "bindings/live.yaml"])
        .run()
        .code(0)
        .stderr_has("Exported 3 bindings to bindings/live.yaml");
    let text = std::fs::read_to_string(world.dir.path().join("bindings/live.yaml")).unwrap();
    assert!(text.contains(&format!("  - ingestConfiguration: {attached}  # studio-a\n    stage: {main}  # stage main-stage\n")), "{text}");
    assert!(
        text.contains(&format!(
            "  - ingestConfiguration: {parked}  # parked\n    stage: null  # no stage\n"
        )),
        "{text}"
    );
    world.ingestctl(["validate", "bindings"]).run().code(0);
    let before = world.calls();
    world
        .ingestctl(["plan", "-f", "bindings", "--detailed-exitcode"])
        .run()
        .code(0)
        .stdout_has("Plan: 0 to update, 0 skipped (ACTIVE), 3 unchanged.");
    assert_eq!(world.calls().writes(), before.writes());
}

#[test]
fn export_of_several_regions_to_stdout_binds_by_arn() {
    let mut world = World::new();
    let east = world.config_in("us-east-1", "east", None);
    let west_stage = world.stage_in("eu-west-1", "emea");
    let west = world.config_in("eu-west-1", "west", Some(&west_stage));
    let out = world
        .ingestctl(["export", "--region", "us-east-1", "--region", "eu-west-1"])
        .run();
    out.code(0)
        .stdout_has(&east)
        .stdout_has(&west)
        .stdout_has("  # eu-west-1\n");
    assert!(
        !out.stdout.contains("\nregion:"),
        "ARNs carry their regions\n{out}"
    );
    world.file("all.yaml", &out.stdout);
    world
        .ingestctl(["plan", "-f", "all.yaml", "--detailed-exitcode"])
        .run()
        .code(0);
}

#[test]
fn export_of_an_empty_account_is_valid() {
    let world = World::new();
    world.file("empty.yaml", &world.ingestctl(["export"]).run().stdout);
    world.ingestctl(["validate", "empty.yaml"]).run().code(0);
}

#[test]
fn validate_needs_no_credentials_and_makes_no_call() {
    let mut world = World::new();
    let config = world.config("enc", None);
    world.file(
        "b.yaml",
        &bindings_yaml(&[(&config, None), ("by-name", Some("main"))]),
    );
    let before = world.calls();
    world
        .ingestctl(["validate", "-f", "b.yaml"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .env_remove("AWS_ENDPOINT_URL_IVS_REALTIME")
        .run()
        .code(0)
        .stderr_has("File is valid: 2 bindings in 1 file.");
    assert_eq!(world.calls().total(), before.total());
    world.file(
        "c.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    colour: red\n",
    );
    world
        .ingestctl(["validate", "b.yaml", "c.yaml"])
        .run()
        .code(1)
        .stderr_has("c.yaml:5:5: bindings[0]: unknown field `colour`");
}

#[test]
fn github_actions_get_annotations_on_the_declaring_line() {
    let mut world = World::new();
    let main = world.stage("main");
    let live = world.config("live", None);
    world.set_active(&live, true);
    world.file("b.yaml", &bindings_yaml(&[(&live, Some(&main))]));
    world
        .ingestctl(["plan", "-f", "b.yaml"])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .code(0)
        .stderr_has("::warning file=b.yaml,line=3,col=26::skipping live (")
        .leaks_none_of(&world.stream_keys);
    world.file(
        "bad.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: nope\n    stage: null\n",
    );
    let out = world
        .ingestctl(["plan", "-f", "bad.yaml"])
        .env("GITHUB_ACTIONS", "true")
        .run();
    out.code(1).stderr_has(
        "::error file=bad.yaml,line=3,col=26::no ingest configuration named `nope` in us-east-1",
    );
    assert!(!out.stdout.contains("::"), "annotations stay off stdout");
    let plain = world.ingestctl(["plan", "-f", "bad.yaml"]).run();
    assert!(!plain.stderr.contains("::error"), "only in GitHub Actions");
}

#[test]
fn apply_annotates_skips_and_failures() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    world.fault("UpdateIngestConfiguration", "AccessDeniedException", 1);
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .code(1)
        .stderr_has("::error file=b.yaml,line=3,col=26::a (arn:aws:ivs:")
        .stderr_has("failed: UpdateIngestConfiguration");
}

#[test]
fn completions_are_generated_for_every_shell() {
    let world = World::new();
    for (shell, marker) in [
        ("bash", "_ingestctl()"),
        ("zsh", "#compdef ingestctl"),
        ("fish", "complete -c ingestctl"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        world
            .ingestctl(["completions", shell])
            .run()
            .code(0)
            .stdout_has(marker)
            .stdout_has("detailed-exitcode");
    }
    world.ingestctl(["completions", "tcsh"]).run().code(1);
}

#[test]
fn man_page_documents_every_command() {
    let world = World::new();
    let out = world.ingestctl(["man"]).run();
    out.code(0)
        .stdout_has(".TH ingestctl 1")
        .stdout_has("ingestctl\\-plan")
        .stdout_has("ingestctl\\-export");
}

#[test]
fn every_command_help_has_examples() {
    let world = World::new();
    for command in ["plan", "apply", "validate", "export", "completions", "man"] {
        world
            .ingestctl([command, "--help"])
            .run()
            .code(0)
            .stdout_has("Examples:\n  ingestctl ");
    }
}
