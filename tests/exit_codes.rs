//! Exit codes a CI job can branch on: usage errors are 1 (never 2, which is drift or skips), help
//! and version are 0, absurd numbers are refused, and a closed stdout never hides a failure.

use std::io::Read;
use std::process::Stdio;

use crate::support::{Output, World, bindings_yaml, drifted};

#[test]
fn a_usage_error_exits_1_for_every_subcommand_with_clap_message() {
    let world = World::new();
    world.file("b.yaml", "version: 1\nbindings: []\n");
    for args in [
        vec![
            "apply",
            "-f",
            "b.yaml",
            "--auto-aprove",
            "--detailed-exitcode",
        ],
        vec![
            "plan",
            "-f",
            "b.yaml",
            "--detailed-exitcode",
            "--formt",
            "json",
        ],
        vec!["plan", "-f", "b.yaml", "--format", "yaml"],
        vec!["plan"],
        vec!["apply"],
        vec!["validate"],
        vec!["export", "--bogus"],
        vec!["completions"],
        vec!["man", "extra"],
        vec!["frobnicate"],
        vec![],
    ] {
        let out = world.ingestctl(&args).run();
        out.code(1);
        assert!(
            out.stderr.contains("error:") || out.stderr.contains("Usage:"),
            "{args:?}: clap says why\n{out}"
        );
        assert!(out.stdout.is_empty(), "{args:?}\n{out}");
    }
    assert_eq!(world.calls().total(), 0, "no call for a usage error");
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let world = World::new();
    for args in [
        vec!["--help"],
        vec!["-h"],
        vec!["--version"],
        vec!["-V"],
        vec!["apply", "--help"],
        vec!["plan", "-h"],
        vec!["help", "plan"],
    ] {
        let out = world.ingestctl(&args).run();
        out.code(0);
        assert!(!out.stdout.is_empty(), "{args:?}\n{out}");
    }
}

#[test]
fn absurd_numbers_are_refused_with_a_clear_error_never_a_panic() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 1, &main);
    let before = world.calls();
    for (flag, value, says) in [
        ("--timeout", "1e20", "longer than a day"),
        ("--timeout=-3s", "", "positive duration"),
        ("--timeout", "NaN", "positive duration"),
        ("--max-tps", "1e-20", "between 0.01 and 10000"),
        ("--max-tps", "inf", "between 0.01 and 10000"),
        ("--max-tps", "0", "between 0.01 and 10000"),
        ("--parallelism", "0", "0 is not in 1..=256"),
    ] {
        let mut args = vec!["apply", "-f", "b.yaml", "--auto-approve", flag];
        if !value.is_empty() {
            args.push(value);
        }
        let out = world.ingestctl(&args).run();
        out.code(1).stderr_has(says);
        assert!(!out.stderr.contains("panicked"), "{out}");
    }
    assert_eq!(world.calls().total(), before.total(), "no call at all");
}

/// Runs ingestctl with its stdout closed before it writes anything.
fn with_stdout_closed(world: &World, args: &[&str]) -> Output {
    let mut child = world.ingestctl(args).spawn_with_stdout(Stdio::piped());
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr reads");
    let status = child.wait().expect("ingestctl exits");
    Output {
        code: status.code(),
        stdout: String::new(),
        stderr,
    }
}

#[test]
fn a_closed_stdout_never_turns_a_failed_item_into_success() {
    let mut world = World::new();
    let main = world.stage("main");
    drifted(&mut world, 2, &main);
    world.fault("UpdateIngestConfiguration", "AccessDeniedException", 1);
    let out = with_stdout_closed(
        &world,
        &[
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--format",
            "json",
        ],
    );
    out.code(1)
        .stderr_has("AccessDeniedException")
        .stderr_has("cannot write the report to stdout");
    assert_eq!(world.calls().of("UpdateIngestConfiguration"), 2);
}

#[test]
fn a_plan_that_cannot_be_shown_is_not_applied() {
    let mut world = World::new();
    let main = world.stage("main");
    let a = world.config("a", None);
    world.file("b.yaml", &bindings_yaml(&[(&a, Some(&main))]));
    let before = world.calls();
    let out = with_stdout_closed(&world, &["apply", "-f", "b.yaml", "--auto-approve"]);
    out.code(1)
        .stderr_has("cannot show the plan on stdout")
        .stderr_has("nothing was applied");
    assert_eq!(world.calls().writes(), before.writes());
    assert_eq!(world.live(&a).0, "");
}
