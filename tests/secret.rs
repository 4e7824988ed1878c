//! The stream key is a credential: no output mode, log level, error path or plan file of
//! ingestctl may contain one, nor any 12-character run of one.

use std::time::Duration;

use crate::support::{Output, World, assert_no_secret};

/// Every way ingestctl can run against a world, at the highest verbosity.
fn every_run(world: &mut World, movable: &[String]) -> Vec<Output> {
    let loud = |world: &World, args: &[&str]| {
        let mut full = vec!["-vvv"];
        full.extend_from_slice(args);
        world.ingestctl(&full).env("RUST_LOG", "trace").run()
    };
    let mut outputs = Vec::new();
    for format in ["text", "json", "markdown"] {
        outputs.push(loud(
            world,
            &[
                "plan",
                "-f",
                "b.yaml",
                "--format",
                format,
                "--out",
                &format!("plan-{format}.json"),
            ],
        ));
    }
    outputs.push(loud(world, &["apply", "plan-text.json"]));
    // Drift again, then apply from files in each format.
    for format in ["text", "json", "markdown"] {
        for arn in movable {
            world.move_config(arn, "");
        }
        outputs.push(loud(
            world,
            &[
                "apply",
                "-f",
                "b.yaml",
                "--auto-approve",
                "--format",
                format,
            ],
        ));
    }
    // Error paths: faults on every call ingestctl makes, a timeout, bad input, a bad name.
    for arn in movable {
        world.move_config(arn, "");
    }
    world.fault("UpdateIngestConfiguration", "ConflictException", 1);
    world.fault("UpdateIngestConfiguration", "AccessDeniedException", 1);
    world.fault("UpdateIngestConfiguration", "ValidationException", 1);
    world.delay("UpdateIngestConfiguration", 2000, 1);
    outputs.push(loud(
        world,
        &[
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--parallelism",
            "1",
            "--timeout",
            "1s",
        ],
    ));
    world.fault("ListIngestConfigurations", "AccessDeniedException", 1);
    outputs.push(loud(world, &["plan", "-f", "b.yaml"]));
    world.fault("ListStages", "InternalServerException", 5);
    outputs.push(loud(world, &["plan", "-f", "names.yaml"]));
    world.file(
        "bad.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: nope\n    stage: nope\n",
    );
    outputs.push(loud(world, &["plan", "-f", "bad.yaml"]));
    world.file("worse.yaml", "version: 1\nbindings: [\n");
    outputs.push(loud(world, &["plan", "-f", "worse.yaml"]));
    outputs.push(loud(world, &["validate", "-f", "b.yaml"]));
    outputs
}

#[test]
fn no_stream_key_in_any_output_log_or_plan_file() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    let b = world.config("b", None);
    let live = world.config("live", None);
    world.set_active(&live, true);
    // redundantIngest: the update response then carries a second stream key.
    world.file(
        "b.yaml",
        &format!(
            "version: 1\nbindings:\n  - ingestConfiguration: {a}\n    stage: {main}\n    redundantIngest: true\n  - ingestConfiguration: {b}\n    stage: {main}\n  - ingestConfiguration: {live}\n    stage: {main}\n"
        ),
    );
    world.file(
        "names.yaml",
        "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: main\n",
    );
    let outputs = every_run(&mut world, &[a, b]);
    std::thread::sleep(Duration::from_millis(1200));
    let keys = world.all_stream_keys();
    assert!(
        keys.len() >= 4,
        "the redundant credential is among them: {keys:?}"
    );
    let mut logged = 0;
    for output in &outputs {
        output.leaks_none_of(&keys);
        logged += output
            .stderr
            .lines()
            .filter(|l| l.contains("TRACE") || l.contains("DEBUG"))
            .count();
    }
    assert!(
        logged > 100,
        "the runs really logged at trace level ({logged} lines)"
    );
    for entry in std::fs::read_dir(world.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for key in &keys {
                assert_no_secret(&text, key, &path.display().to_string());
            }
        }
    }
}
