//! Every example in `examples/` works against the emulator: the desired-state layouts plan and
//! apply to convergence, and every ingestctl command in the CI examples runs as written.

use std::path::{Path, PathBuf};

use crate::support::World;

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path)
}

/// The account the examples are written for.
fn seeded() -> World {
    let mut world = World::new();
    let main = world.stage("main-stage");
    world.stage("lobby-stage");
    world.config("studio-a-encoder", None);
    world.config("studio-b-encoder", Some(&main));
    world.config("lobby-encoder", Some(&main));
    world.config("spare-encoder", Some(&main));
    let americas = world.stage_in("us-east-1", "americas-main");
    world.config_in("us-east-1", "nyc-studio-encoder", None);
    world.config_in("us-east-1", "nyc-backup-encoder", Some(&americas));
    let emea = world.stage_in("eu-west-1", "emea-main");
    world.config_in("eu-west-1", "dublin-studio-encoder", None);
    world.config_in("eu-west-1", "dublin-spare-encoder", Some(&emea));
    world
}

fn converges(world: &World, path: &Path) {
    let path = path.to_str().unwrap();
    world
        .ingestctl(["plan", "-f", path, "--detailed-exitcode"])
        .run()
        .code(2);
    world
        .ingestctl(["apply", "-f", path, "--auto-approve"])
        .run()
        .code(0);
    world
        .ingestctl(["plan", "-f", path, "--detailed-exitcode"])
        .run()
        .code(0);
}

#[test]
fn single_region_example_converges() {
    let world = seeded();
    converges(&world, &example("desired-state/bindings.yaml"));
}

#[test]
fn multi_region_example_converges_in_both_regions() {
    let world = seeded();
    let before = world.calls();
    converges(&world, &example("desired-state/multi-region"));
    let after = world.calls();
    assert_eq!(
        after.0["regions"]["eu-west-1"]["calls"]["UpdateIngestConfiguration"],
        2
    );
    assert_eq!(
        after.0["regions"]["us-east-1"]["calls"]["UpdateIngestConfiguration"],
        2
    );
    assert!(after.total() > before.total());
}

/// Every `ingestctl …` command in a CI example, cut at the first shell operator.
fn commands(file: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(example(file)).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut strings = Vec::new();
    collect_strings(&yaml, &mut strings);
    let mut commands = Vec::new();
    for string in strings {
        for line in string.lines() {
            let line = line.trim().trim_start_matches("- ").trim();
            if !line.starts_with("ingestctl ") {
                continue;
            }
            let words: Vec<String> = line
                .split_whitespace()
                .take_while(|w| !matches!(*w, ">" | "|" | "||" | "&&" | ">>" | "2>&1"))
                .map(str::to_owned)
                .collect();
            commands.push(words);
        }
    }
    commands
}

fn collect_strings(value: &serde_yaml::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_yaml::Value::Mapping(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// The exit code a CI example's command must give in a fresh copy of the examples' account, in
/// which every example binding has drifted and no drifted config is ACTIVE.
fn expected_code(command: &[String]) -> i32 {
    let detailed = command.iter().any(|w| w == "--detailed-exitcode");
    match command.get(1).map(String::as_str) {
        Some("plan") if detailed => 2,
        _ => 0,
    }
}

#[test]
fn every_ingestctl_command_in_the_ci_examples_gives_its_exact_exit_code() {
    let bindings = std::fs::read_to_string(example("desired-state/bindings.yaml")).unwrap();
    let mut ran = 0;
    for file in [
        "ci/github-actions.yml",
        "ci/gitlab-ci.yml",
        "ci/pre-commit-config.yaml",
    ] {
        let found = commands(file);
        assert!(!found.is_empty(), "{file} runs ingestctl");
        for mut command in found {
            let world = seeded();
            world.file("bindings/bindings.yaml", &bindings);
            if command == ["ingestctl", "validate"] {
                // pre-commit appends the changed files.
                command.push("bindings/bindings.yaml".to_owned());
            }
            let out = world.ingestctl(&command[1..]).run();
            assert_eq!(
                out.code,
                Some(expected_code(&command)),
                "{file}: {}\n{out}",
                command.join(" ")
            );
            ran += 1;
        }
    }
    assert!(ran >= 6, "{ran} commands");
}

#[test]
fn no_example_installs_a_crate_that_is_not_published() {
    for file in ["ci/github-actions.yml", "ci/gitlab-ci.yml"] {
        let text = std::fs::read_to_string(example(file)).unwrap();
        for line in text.lines() {
            let installs_by_name = line.contains("cargo install") && !line.contains("--path");
            assert!(!installs_by_name, "{file}: {line}");
        }
    }
}
