//! The right account and region: a file may name its account, and nothing it declares is planned
//! or applied with credentials that reach another; no binding crosses regions, wherever its
//! region comes from.

use crate::support::{World, bindings_yaml};

/// The account the test world's credentials reach (the emulator's default).
const ACCOUNT: &str = "123456789012";

#[test]
fn a_file_for_another_account_is_refused_before_any_write_naming_both_accounts() {
    let mut world = World::new();
    world.stage("main");
    let a = world.config("enc", None);
    world.file(
        "prod.yaml",
        "version: 1\naccount: \"999999999999\"\nregion: us-east-1\nbindings:\n  - ingestConfiguration: enc\n    stage: main\n",
    );
    let before = world.calls();
    for args in [
        &["plan", "-f", "prod.yaml"][..],
        &["apply", "-f", "prod.yaml", "--auto-approve"],
    ] {
        world
            .ingestctl(args)
            .run()
            .code(1)
            .stderr_has("prod.yaml:5:26: this file is for account 999999999999, but the credentials reach account 123456789012");
    }
    assert_eq!(world.calls().writes(), before.writes(), "no write call");
    assert_eq!(world.live(&a).0, "");
}

#[test]
fn a_file_for_the_account_reached_plans_and_applies() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("enc", None);
    world.file(
        "prod.yaml",
        &format!("version: 1\naccount: \"{ACCOUNT}\"\nbindings:\n  - ingestConfiguration: enc\n    stage: main\n"),
    );
    world
        .ingestctl(["apply", "-f", "prod.yaml", "--auto-approve"])
        .run()
        .code(0);
    assert_eq!(world.live(&a).0, main);
}

#[test]
fn an_arn_of_another_account_than_the_file_is_an_error_at_load_time() {
    let world = World::new();
    world.file(
        "prod.yaml",
        "version: 1\naccount: \"999999999999\"\nbindings:\n  - ingestConfiguration: arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456\n    stage: null\n",
    );
    world
        .ingestctl(["validate", "prod.yaml"])
        .run()
        .code(1)
        .stderr_has("prod.yaml:4:26: `arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456` is in account 123456789012, but this file is for account 999999999999");
    assert_eq!(world.calls().total(), 0);
}

#[test]
fn an_unquoted_or_malformed_account_is_refused() {
    let world = World::new();
    for account in ["123456789012", "\"12345\"", "\"abcdefghijkl\""] {
        world.file(
            "a.yaml",
            &format!("version: 1\naccount: {account}\nbindings: []\n"),
        );
        let out = world.ingestctl(["validate", "a.yaml"]).run();
        out.code(1).stderr_has("a.yaml:2:10:");
    }
}

#[test]
fn a_binding_arn_of_another_account_names_both_accounts_not_not_found() {
    let mut world = World::with(|c| c.account_id = "210987654321".to_owned());
    let stage = world.stage("main");
    world.config("enc", None);
    // Written for production, run with staging's credentials.
    let prod_config = "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456";
    world.file("b.yaml", &bindings_yaml(&[(prod_config, Some(&stage))]));
    let before = world.calls();
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(1)
        .stderr_has("the ingest configuration is in account 123456789012, but the credentials reach account 210987654321");
    assert_eq!(world.calls().writes(), before.writes());
}

#[test]
fn export_writes_the_account_and_plans_to_no_changes() {
    let mut world = World::new();
    let main = world.stage("main");
    world.config("a", Some(&main));
    world
        .ingestctl(["export", "-o", "bindings/us-east-1.yaml"])
        .run()
        .code(0);
    let text = std::fs::read_to_string(world.dir.path().join("bindings/us-east-1.yaml")).unwrap();
    assert!(
        text.contains(&format!("account: \"{ACCOUNT}\"\n")),
        "{text}"
    );
    world
        .ingestctl(["plan", "-f", "bindings/", "--detailed-exitcode"])
        .run()
        .code(0);
}

#[test]
fn a_stage_in_another_region_than_the_default_region_is_refused_before_any_write() {
    let mut world = World::new();
    world.config("enc", None);
    let emea = world.stage_in("eu-west-1", "emea");
    // No `region:`: the name is looked up in AWS_REGION (us-east-1), the stage is in eu-west-1.
    world.file(
        "b.yaml",
        &format!("version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: {emea}\n"),
    );
    let before = world.calls();
    world
        .ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
        .run()
        .code(1)
        .stderr_has("b.yaml:4:12: stage `")
        .stderr_has("is in region eu-west-1, but the ingest configuration is in us-east-1");
    assert_eq!(
        world.calls().total(),
        before.total(),
        "refused before any call"
    );
}
