//! The test harness: an emulated account seeded through the real SDK, a scratch directory for
//! desired-state files, and a fluent builder that runs the real `ingestctl` binary against them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use aws_config::BehaviorVersion;
use aws_sdk_ivsrealtime::Client;
use aws_sdk_ivsrealtime::config::retry::RetryConfig;
use aws_sdk_ivsrealtime::config::{Credentials, Region};
use aws_sdk_ivsrealtime::types::IngestProtocol;
use ivs_realtime_emulator::{Config, Emulator};
use serde_json::Value;

pub const REGION: &str = "us-east-1";

/// An emulated account, a scratch directory, and every stream key the account has handed out,
/// so tests can check that none ever appears in ingestctl's output.
pub struct World {
    pub emulator: Emulator,
    pub dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    clients: BTreeMap<String, Client>,
    pub stream_keys: Vec<String>,
    configs: Vec<String>,
}

impl World {
    pub fn new() -> World {
        World::with(|_| {})
    }

    /// A world whose emulator is configured by `adjust` (latency, rate limit, quota).
    pub fn with(adjust: impl FnOnce(&mut Config)) -> World {
        let mut config = Config::ephemeral();
        adjust(&mut config);
        World {
            emulator: Emulator::spawn(config).expect("the emulator starts"),
            dir: tempfile::tempdir().expect("a temp dir"),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            clients: BTreeMap::new(),
            stream_keys: Vec::new(),
            configs: Vec::new(),
        }
    }

    /// Stops the emulator and starts it again from its state file (which `with` must have set)
    /// with a new configuration: seed freely, then measure under a rate limit.
    pub fn restart(&mut self, adjust: impl FnOnce(&mut Config)) {
        let mut config = Config::ephemeral();
        config.state_file = Some(self.dir.path().join("emulator-state.json"));
        config.max_ingest_configurations = 10_000;
        adjust(&mut config);
        let old = std::mem::replace(
            &mut self.emulator,
            Emulator::spawn(config).expect("the emulator restarts"),
        );
        old.shutdown();
        self.clients.clear();
    }

    /// A world whose emulator persists its state, so it can be restarted with other limits.
    pub fn persistent() -> World {
        let dir = tempfile::tempdir().expect("a temp dir");
        let state = dir.path().join("emulator-state.json");
        let mut world = World::with(|c| {
            c.state_file = Some(state);
            c.max_ingest_configurations = 10_000;
        });
        world.dir = dir;
        world
    }

    fn client(&mut self, region: &str) -> Client {
        if !self.clients.contains_key(region) {
            let config = self.runtime.block_on(
                aws_config::defaults(BehaviorVersion::latest())
                    .region(Region::new(region.to_owned()))
                    .endpoint_url(self.emulator.url())
                    .credentials_provider(Credentials::new(
                        "AKIDTEST", "secret", None, None, "test",
                    ))
                    // Setting up a rate-limited world is throttled. With the SDK's default 3
                    // attempts about one create in 750 failed, so a test creating 20 configs
                    // failed in setup about once in 40 runs (simulated; seen once for real).
                    .retry_config(RetryConfig::standard().with_max_attempts(10))
                    .load(),
            );
            self.clients.insert(region.to_owned(), Client::new(&config));
        }
        self.clients[region].clone()
    }

    /// Creates a stage in the default region and returns its ARN.
    pub fn stage(&mut self, name: &str) -> String {
        self.stage_in(REGION, name)
    }

    pub fn stage_in(&mut self, region: &str, name: &str) -> String {
        let client = self.client(region);
        let out = self
            .runtime
            .block_on(client.create_stage().name(name).send())
            .expect("CreateStage");
        out.stage().expect("a stage").arn().to_owned()
    }

    /// Creates an ingest configuration attached to `stage` (or none) and returns its ARN.
    pub fn config(&mut self, name: &str, stage: Option<&str>) -> String {
        self.config_in(REGION, name, stage)
    }

    pub fn config_in(&mut self, region: &str, name: &str, stage: Option<&str>) -> String {
        let client = self.client(region);
        let out = self
            .runtime
            .block_on(
                client
                    .create_ingest_configuration()
                    .name(name)
                    .ingest_protocol(IngestProtocol::Rtmps)
                    .set_stage_arn(stage.map(str::to_owned))
                    .send(),
            )
            .expect("CreateIngestConfiguration");
        let config = out.ingest_configuration().expect("a config");
        self.stream_keys.push(config.stream_key().to_owned());
        self.configs.push(config.arn().to_owned());
        config.arn().to_owned()
    }

    /// The config's live stage ARN (`""` for none), state and redundant-ingest flag.
    pub fn live(&mut self, arn: &str) -> (String, String, bool) {
        let region = arn.split(':').nth(3).expect("an ARN").to_owned();
        let client = self.client(&region);
        let out = self
            .runtime
            .block_on(client.get_ingest_configuration().arn(arn).send())
            .expect("GetIngestConfiguration");
        let config = out.ingest_configuration().expect("a config");
        (
            config.stage_arn().to_owned(),
            config.state().as_str().to_owned(),
            config.redundant_ingest(),
        )
    }

    /// Every stream key the account holds now, redundant-ingest credentials included.
    pub fn all_stream_keys(&mut self) -> Vec<String> {
        let mut keys = self.stream_keys.clone();
        for arn in self.configs.clone() {
            let region = arn.split(':').nth(3).expect("an ARN").to_owned();
            let client = self.client(&region);
            {
                let got = self
                    .runtime
                    .block_on(client.get_ingest_configuration().arn(&arn).send())
                    .expect("GetIngestConfiguration");
                let config = got.ingest_configuration().expect("a config");
                keys.push(config.stream_key().to_owned());
                for credential in config.redundant_ingest_credentials() {
                    keys.extend(credential.stream_key().map(str::to_owned));
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// Moves a config's stage behind ingestctl's back.
    pub fn move_config(&mut self, arn: &str, stage: &str) {
        let region = arn.split(':').nth(3).expect("an ARN").to_owned();
        let client = self.client(&region);
        self.runtime
            .block_on(
                client
                    .update_ingest_configuration()
                    .arn(arn)
                    .stage_arn(stage)
                    .send(),
            )
            .expect("UpdateIngestConfiguration");
    }

    /// A publisher connects (`true`) or leaves.
    pub fn set_active(&self, arn: &str, active: bool) {
        let state = if active { "ACTIVE" } else { "INACTIVE" };
        self.admin_post(
            "/_emulator/ingest-configuration-state",
            &serde_json::json!({"arn": arn, "state": state}),
        );
    }

    /// Tags a resource through TagResource, as a person would by hand.
    pub fn tag(&mut self, arn: &str, tags: &[(&str, &str)]) {
        let region = arn.split(':').nth(3).expect("an ARN").to_owned();
        let client = self.client(&region);
        let mut request = client.tag_resource().resource_arn(arn);
        for (key, value) in tags {
            request = request.tags(*key, *value);
        }
        self.runtime.block_on(request.send()).expect("TagResource");
    }

    /// A resource's tags, sorted.
    pub fn tags(&mut self, arn: &str) -> Vec<(String, String)> {
        let region = arn.split(':').nth(3).expect("an ARN").to_owned();
        let client = self.client(&region);
        let out = self
            .runtime
            .block_on(client.list_tags_for_resource().resource_arn(arn).send())
            .expect("ListTagsForResource");
        let mut tags: Vec<(String, String)> = out
            .tags()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        tags.sort();
        tags
    }

    /// Tags only AWS may set (`aws:` keys), through the emulator's control.
    pub fn aws_tags(&self, arn: &str, tags: &[(&str, &str)]) {
        let tags: serde_json::Map<String, Value> = tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        self.admin_post(
            "/_emulator/aws-tags",
            &serde_json::json!({"arn": arn, "tags": tags}),
        );
    }

    /// A publisher connects (`true`) or leaves `after_ms` from now, on the emulator's clock.
    pub fn set_active_after(&self, arn: &str, active: bool, after_ms: u64) {
        let state = if active { "ACTIVE" } else { "INACTIVE" };
        self.admin_post(
            "/_emulator/ingest-configuration-state",
            &serde_json::json!({"arn": arn, "state": state, "afterMs": after_ms}),
        );
    }

    /// The states the emulator applied so far, oldest first: `(arn, state)`.
    pub fn state_changes(&self) -> Vec<(String, String)> {
        let value: Value =
            reqwest::blocking::get(format!("{}/_emulator/state-changes", self.emulator.url()))
                .expect("the admin API answers")
                .json()
                .expect("JSON");
        value
            .as_array()
            .expect("a list")
            .iter()
            .map(|c| {
                (
                    c["arn"].as_str().unwrap_or_default().to_owned(),
                    c["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Makes the next `count` calls of `operation` fail with `error`.
    pub fn fault(&self, operation: &str, error: &str, count: u32) {
        self.admin_post(
            "/_emulator/faults",
            &serde_json::json!({"operation": operation, "error": error, "count": count}),
        );
    }

    fn admin_post(&self, path: &str, body: &Value) {
        let response = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.emulator.url()))
            .json(body)
            .send()
            .expect("the admin API answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    /// Makes the next `count` calls of `operation` wait `delay_ms` before answering.
    pub fn delay(&self, operation: &str, delay_ms: u64, count: u32) {
        self.admin_post(
            "/_emulator/faults",
            &serde_json::json!({"operation": operation, "delayMs": delay_ms, "count": count}),
        );
    }

    /// Requests received per operation since the last reset.
    pub fn calls(&self) -> Calls {
        let value: Value =
            reqwest::blocking::get(format!("{}/_emulator/calls", self.emulator.url()))
                .expect("the admin API answers")
                .json()
                .expect("JSON");
        Calls(value)
    }

    /// Writes a file in the scratch directory and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    /// The real binary, run in the scratch directory against the emulator.
    pub fn ingestctl<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        self.run(env!("CARGO_BIN_EXE_ingestctl"), &args)
    }

    /// `ingestctl apply -f b.yaml --auto-approve --format json` and `extra`: the run most fault
    /// tests make.
    pub fn apply_json(&self, extra: &[&str]) -> Run {
        let mut args = vec![
            "apply",
            "-f",
            "b.yaml",
            "--auto-approve",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        self.ingestctl(args)
    }

    /// A clean `apply -f b.yaml` succeeds and a plan after it finds nothing to do: the rerun
    /// after any fault converges.
    #[track_caller]
    pub fn rerun_converges(&self) {
        self.ingestctl(["apply", "-f", "b.yaml", "--auto-approve"])
            .run()
            .code(0);
        self.ingestctl(["plan", "-f", "b.yaml", "--detailed-exitcode"])
            .run()
            .code(0);
    }

    /// The real binary with a pseudo-terminal for stdin and stdout (through util-linux
    /// `script`), so it behaves as it would for a person at a keyboard.
    pub fn ingestctl_in_terminal(&self, args: &[&str]) -> Run {
        let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_ingestctl"))
            .chain(args.iter().copied())
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect();
        let script = ["-qec".to_owned(), quoted.join(" "), "/dev/null".to_owned()];
        self.run("script", &script)
    }

    fn run(&self, program: &str, args: &[String]) -> Run {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_REGION", REGION)
            .env("AWS_ENDPOINT_URL_IVS_REALTIME", self.emulator.url())
            .env("AWS_CONFIG_FILE", self.dir.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true");
        Run {
            command,
            stdin: None,
        }
    }
}

/// One ingestctl invocation being set up.
pub struct Run {
    command: Command,
    stdin: Option<String>,
}

impl Run {
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Run {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Run {
        self.command.env_remove(key);
        self
    }

    pub fn stdin(mut self, text: &str) -> Run {
        self.stdin = Some(text.to_owned());
        self
    }

    /// Starts the process without waiting, for tests that signal it.
    pub fn spawn(mut self) -> std::process::Child {
        self.command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.command.spawn().expect("ingestctl starts")
    }

    /// Starts the process with `stdout` as given and stderr piped, without waiting.
    pub fn spawn_with_stdout(mut self, stdout: Stdio) -> std::process::Child {
        self.command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped());
        self.command.spawn().expect("ingestctl starts")
    }

    pub fn run(mut self) -> Output {
        self.command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("ingestctl starts");
        let mut stdin = child.stdin.take().expect("stdin");
        if let Some(text) = &self.stdin {
            let _ = stdin.write_all(text.as_bytes());
        }
        drop(stdin);
        Output::of(child.wait_with_output().expect("ingestctl runs"))
    }
}

/// What a run printed and how it exited, with assertions that show both streams on failure.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Output {
        assert_eq!(self.code, Some(expected), "exit code\n{self}");
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Output {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Output {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self}"
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }

    /// Fails if any stream key, or any 12-character run of one, appears in either stream.
    #[track_caller]
    pub fn leaks_none_of(&self, keys: &[String]) -> &Output {
        for key in keys {
            assert_no_secret(&self.stdout, key, "stdout");
            assert_no_secret(&self.stderr, key, "stderr");
        }
        self
    }
}

/// Asserts that no 12-character window of `key` occurs in `text`.
#[track_caller]
pub fn assert_no_secret(text: &str, key: &str, place: &str) {
    let chars: Vec<char> = key.chars().collect();
    // The key's public prefix (`rt_<account>_<region>_<id>_`) is not secret; its tail is.
    let secret_start = key.rfind('_').map_or(0, |i| key[..=i].chars().count());
    for start in secret_start..chars.len().saturating_sub(11) {
        let window: String = chars[start..start + 12].iter().collect();
        assert!(
            !text.contains(&window),
            "{place} contains part of a stream key ({window})"
        );
    }
    assert!(!text.contains(key), "{place} contains a stream key");
}

impl Output {
    /// Reads a finished child's output.
    pub fn of(output: std::process::Output) -> Output {
        Output {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- code: {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `GET /_emulator/calls`, with the count of one operation as a number.
#[derive(Debug, Clone)]
pub struct Calls(pub Value);

impl Calls {
    pub fn of(&self, operation: &str) -> u64 {
        self.0["calls"][operation].as_u64().unwrap_or(0)
    }

    /// Calls of `operation` made since `earlier`.
    pub fn throttled(&self, operation: &str) -> u64 {
        self.0["throttled"][operation].as_u64().unwrap_or(0)
    }

    pub fn since(&self, earlier: &Calls, operation: &str) -> u64 {
        self.of(operation) - earlier.of(operation)
    }

    /// Every write operation's count: a test of "no write call" compares these.
    pub fn writes(&self) -> u64 {
        [
            "UpdateIngestConfiguration",
            "CreateIngestConfiguration",
            "DeleteIngestConfiguration",
            "CreateStage",
            "DeleteStage",
        ]
        .iter()
        .map(|op| self.of(op))
        .sum()
    }

    /// Every API call, of any operation.
    pub fn total(&self) -> u64 {
        self.0["calls"]
            .as_object()
            .map_or(0, |calls| calls.values().filter_map(Value::as_u64).sum())
    }
}

/// Waits (up to 30 s, however slowly this machine starts a process) until the emulator has seen
/// `count` calls of `operation`.
#[track_caller]
pub fn wait_for_calls(world: &World, operation: &str, count: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while world.calls().of(operation) < count {
        assert!(
            std::time::Instant::now() < deadline,
            "{operation} was never called {count} times"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `count` configs named `c0`, `c1`, … attached to no stage, and a file `b.yaml` binding them
/// all to `stage` (`None`: to no stage, so already in sync).
pub fn bound_to(world: &mut World, count: usize, stage: Option<&str>) -> Vec<String> {
    let configs: Vec<String> = (0..count)
        .map(|i| world.config(&format!("c{i}"), None))
        .collect();
    let bindings: Vec<(&str, Option<&str>)> = configs.iter().map(|c| (c.as_str(), stage)).collect();
    world.file("b.yaml", &bindings_yaml(&bindings));
    configs
}

/// `count` configs attached to no stage, and `b.yaml` binding them all to `stage`.
pub fn drifted(world: &mut World, count: usize, stage: &str) -> Vec<String> {
    bound_to(world, count, Some(stage))
}

/// A desired-state file from `(config, stage)` pairs; `None` for `stage: null`.
pub fn bindings_yaml(bindings: &[(&str, Option<&str>)]) -> String {
    let mut yaml = String::from("version: 1\nbindings:\n");
    for (config, stage) in bindings {
        yaml.push_str(&format!(
            "  - ingestConfiguration: {config}\n    stage: {}\n",
            stage.unwrap_or("null")
        ));
    }
    yaml
}
