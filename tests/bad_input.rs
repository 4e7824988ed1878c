//! Hostile input: every case in tests/bad-input/ must make both `plan` and `validate` exit 1 with
//! its exact message, and never panic, hang, print a plan, or call AWS.

use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::World;

/// A run slower than this is a hang, not a slow machine: every case takes well under a second.
const HANG: Duration = Duration::from_secs(10);

/// Cases too big to commit, written at test time; their expectations are in expected.txt too.
const GENERATED: &str = "generated/";

const CONFIG: &str = "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456";

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-input")
}

/// One case of expected.txt: a file or directory, and the messages it must produce.
struct Case {
    name: String,
    messages: Vec<String>,
}

/// Reads expected.txt: a case's name at the start of a line, then its messages, one a line,
/// indented by four spaces; `#` lines and blank lines are comments.
fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus().join("expected.txt")).expect("expected.txt");
    let mut cases: Vec<Case> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match (line.strip_prefix("    "), cases.last_mut()) {
            (Some(message), Some(case)) => case.messages.push(message.to_owned()),
            (Some(_), None) => panic!("expected.txt:{}: a message before any case", index + 1),
            (None, _) => cases.push(Case {
                name: line.to_owned(),
                messages: Vec::new(),
            }),
        }
    }
    for case in &cases {
        assert!(
            !case.messages.is_empty(),
            "{} has no message in expected.txt",
            case.name
        );
    }
    cases
}

fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("{name} is not in tests/bad-input/expected.txt"))
}

/// The content of a generated case.
fn generate(name: &str) -> Vec<u8> {
    let header = "version: 1\nbindings:\n";
    match name.strip_prefix(GENERATED).expect("a generated case") {
        "nesting-flow-10000.yaml" => format!(
            "version: 1\nbindings: {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        )
        .into_bytes(),
        "nesting-mapping-10000.yaml" => format!(
            "version: 1\nbindings: {}b{}\n",
            "{a: ".repeat(10_000),
            "}".repeat(10_000)
        )
        .into_bytes(),
        "nesting-block-10000.yaml" => {
            format!("{header}  {}studio-a\n", "- ".repeat(10_000)).into_bytes()
        }
        "string-1mb-name.yaml" => format!(
            "{header}  - ingestConfiguration: {}\n    stage: main\n",
            "a".repeat(1 << 20)
        )
        .into_bytes(),
        "string-1mb-arn.yaml" => format!(
            "{header}  - ingestConfiguration: \"{CONFIG}{}\"\n    stage: main\n",
            " x".repeat(1 << 19)
        )
        .into_bytes(),
        "string-1mb-key.yaml" => {
            format!("version: 1\n{}: 1\nbindings: []\n", "k".repeat(1 << 20)).into_bytes()
        }
        "string-1mb-explicit-key.yaml" => {
            format!("version: 1\n? {}\n: 1\nbindings: []\n", "k".repeat(1 << 20)).into_bytes()
        }
        other => panic!("no generator for {GENERATED}{other}"),
    }
}

/// Writes the 50 MB case straight to disk: exactly 50 MiB of plausible bindings.
fn write_fifty_megabytes(path: &Path) {
    const SIZE: usize = 50 * 1024 * 1024;
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut written = 0;
    let header = b"version: 1\nregion: us-east-1\nbindings:\n";
    out.write_all(header).expect("write");
    written += header.len();
    let mut index = 0;
    while written < SIZE {
        let line = format!("  - {{ingestConfiguration: studio-{index:09}, stage: main}}\n");
        let take = line.len().min(SIZE - written);
        out.write_all(&line.as_bytes()[..take]).expect("write");
        written += take;
        index += 1;
    }
    out.flush().expect("flush");
}

/// Puts case `name` in the world's directory: copied from the corpus, or generated.
fn stage_case(world: &World, name: &str) {
    let target = world.dir.path().join(name);
    std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
    if name == "generated/size-50mb.yaml" {
        write_fifty_megabytes(&target);
    } else if name.starts_with(GENERATED) {
        std::fs::write(&target, generate(name)).expect("write");
    } else {
        let source = corpus().join(name);
        if source.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            for entry in std::fs::read_dir(&source).expect("read_dir") {
                let entry = entry.expect("entry");
                std::fs::copy(entry.path(), target.join(entry.file_name())).expect("copy");
            }
        } else {
            std::fs::copy(&source, &target).expect("copy");
        }
    }
}

/// The slowest run seen, for the report.
#[derive(Default)]
struct Slowest {
    time: Duration,
    run: String,
}

impl Slowest {
    fn note(&mut self, time: Duration, run: String) {
        if time >= self.time {
            self.time = time;
            self.run = run;
        }
    }
}

/// Runs `plan` and `validate` on a staged case and returns every broken promise.
fn check(world: &World, case: &Case, slowest: &mut Slowest) -> Vec<String> {
    let mut problems = Vec::new();
    for command in ["plan", "validate"] {
        let before = world.calls().total();
        let start = Instant::now();
        let out = world.ingestctl([command, "-f", &case.name]).run();
        let time = start.elapsed();
        let calls = world.calls().total() - before;
        slowest.note(time, format!("{command} -f {}", case.name));
        let mut wrong = Vec::new();
        if out.code != Some(1) {
            wrong.push(format!("exit code {:?}, not 1", out.code));
        }
        for message in &case.messages {
            let line = format!("error: {message}");
            if !out.stderr.lines().any(|l| l == line) {
                wrong.push(format!("stderr lacks the line\n  {line}"));
            }
        }
        for sign in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            if out.stderr.contains(sign) {
                wrong.push(format!("stderr contains {sign:?}"));
            }
        }
        if !out.stdout.is_empty() {
            wrong.push("stdout is not empty".to_owned());
        }
        if calls != 0 {
            wrong.push(format!("{calls} AWS calls"));
        }
        if time > HANG {
            wrong.push(format!("took {time:?}"));
        }
        if !wrong.is_empty() {
            let mut report = format!("{command} -f {}:", case.name);
            for w in wrong {
                let _ = write!(report, "\n- {w}");
            }
            let stderr: String = out.stderr.chars().take(2_000).collect();
            let _ = write!(report, "\n--- stderr:\n{stderr}");
            problems.push(report);
        }
    }
    problems
}

/// Stages and checks the named generated cases in a fresh world, and fails with them all.
fn check_generated(names: &[&str]) {
    let world = World::new();
    let mut slowest = Slowest::default();
    let mut problems = Vec::new();
    for name in names {
        stage_case(&world, name);
        problems.extend(check(&world, &case(name), &mut slowest));
    }
    println!("slowest: {} in {:?}", slowest.run, slowest.time);
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

#[test]
fn every_committed_case_exits_1_with_its_exact_message_and_no_aws_call() {
    let world = World::new();
    let mut slowest = Slowest::default();
    let mut problems = Vec::new();
    let mut count = 0;
    for case in cases() {
        if case.name.starts_with(GENERATED) {
            continue;
        }
        stage_case(&world, &case.name);
        problems.extend(check(&world, &case, &mut slowest));
        count += 1;
    }
    println!(
        "{count} committed cases; slowest: {} in {:?}",
        slowest.run, slowest.time
    );
    assert!(count >= 40, "only {count} committed cases");
    assert!(
        problems.is_empty(),
        "{} of {} runs ({count} cases, plan and validate) broke a promise:\n\n{}",
        problems.len(),
        count * 2,
        problems.join("\n\n")
    );
}

#[test]
fn every_corpus_file_has_an_expectation_and_every_expectation_a_case() {
    let listed: Vec<String> = cases().into_iter().map(|case| case.name).collect();
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(corpus()).expect("tests/bad-input") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name != "expected.txt" && !listed.contains(&name) {
            unlisted.push(name);
        }
    }
    let missing: Vec<&String> = listed
        .iter()
        .filter(|name| !name.starts_with(GENERATED) && !corpus().join(name).exists())
        .collect();
    assert!(
        unlisted.is_empty(),
        "files without an expectation: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "expectations without a file: {missing:?}"
    );
    let mut seen = std::collections::BTreeSet::new();
    for name in &listed {
        assert!(seen.insert(name), "{name} is listed twice");
    }
}

#[test]
fn ten_thousand_deep_nesting_is_refused_at_once() {
    check_generated(&[
        "generated/nesting-flow-10000.yaml",
        "generated/nesting-mapping-10000.yaml",
        "generated/nesting-block-10000.yaml",
    ]);
}

#[test]
fn fifty_megabyte_file_is_refused_by_its_size() {
    check_generated(&["generated/size-50mb.yaml"]);
}

#[test]
fn megabyte_strings_are_refused_without_echoing_them_whole() {
    check_generated(&[
        "generated/string-1mb-name.yaml",
        "generated/string-1mb-arn.yaml",
        "generated/string-1mb-key.yaml",
        "generated/string-1mb-explicit-key.yaml",
    ]);
}

#[test]
fn every_generated_case_is_checked_by_a_test() {
    let checked = [
        "generated/nesting-flow-10000.yaml",
        "generated/nesting-mapping-10000.yaml",
        "generated/nesting-block-10000.yaml",
        "generated/size-50mb.yaml",
        "generated/string-1mb-name.yaml",
        "generated/string-1mb-arn.yaml",
        "generated/string-1mb-key.yaml",
        "generated/string-1mb-explicit-key.yaml",
    ];
    for case in cases() {
        if case.name.starts_with(GENERATED) {
            assert!(
                checked.contains(&case.name.as_str()),
                "{} is listed in expected.txt but no test generates it",
                case.name
            );
        }
    }
}

#[test]
fn utf8_byte_order_mark_is_accepted() {
    let mut world = World::new();
    let main = world.stage("main-stage");
    let config = world.config("studio-a", None);
    let yaml = format!(
        "\u{feff}version: 1\nbindings:\n  - ingestConfiguration: {config}\n    stage: {main}\n"
    );
    world.file("bom.yaml", &yaml);
    world
        .ingestctl(["validate", "-f", "bom.yaml"])
        .run()
        .code(0)
        .stderr_has("File is valid: 1 binding in 1 file.");
    let before = world.calls().total();
    world
        .ingestctl(["plan", "-f", "bom.yaml"])
        .run()
        .code(0)
        .stdout_has("Plan: 1 to update, 0 skipped (ACTIVE), 0 unchanged.");
    // The counter the corpus relies on for "no AWS call" does count a real plan's calls.
    assert!(world.calls().total() > before, "plan made no call");
}
