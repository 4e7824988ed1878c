//! Speed at the API quota (issue 4): how close `ingestctl plan` and `ingestctl apply` come to the
//! fastest the IVS Real-Time quota (5 calls/s per API per account and region) allows, against two
//! naive baselines, and what ingestctl costs locally at 10,000 bindings.
//!
//! Everything runs against the in-process emulator (`Emulator::spawn`) with a rate limit and an
//! added latency, through the real AWS SDK. Each strategy gets a fresh emulator loaded from the
//! same seeded state file, so every strategy starts from identical state and full buckets; calls
//! are counted from the emulator's `/_emulator/calls` before and after.
//!
//! - **ingestctl plan**: `desired::load`, then `reconcile::plan` (default region, reads, plan),
//!   in-process through the library.
//! - **ingestctl apply**: the plan above, then `reconcile::execute` with `Pacing` (5 TPS, 8 in flight).
//! - **baseline refresh**: one `GetIngestConfiguration` per config, 10 in flight, SDK defaults.
//! - **baseline loop**: every declared binding updated one after another, no pacing, SDK
//!   defaults: what a script does with the desired-state file and no read of the live state.
//! - **reference: loop told the drift**: the same loop over only the drifted bindings, as if it
//!   knew them without reading. No tool can know that for free; it is the bound a read-first tool
//!   is measured against, shown but not a baseline.
//! - **local cost**: load + validate + plan of 10,000 bindings in-process, the peak RSS and wall
//!   time of a real `ingestctl plan` process over them, and `ingestctl --version`.
//!
//! The floor of each strategy is the fastest its calls can finish given the emulator's token
//! bucket (a burst of `tps`, then `tps` per second, per operation and region) and its latency.
//!
//! Run one scenario, or the full table (under 5 minutes on 2 cores):
//!
//! ```sh
//! cargo run --release --example bench -- --configs 100 --drift 100 --latency-ms 50
//! cargo run --release --example bench -- --all
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ivsrealtime::Client;
use aws_sdk_ivsrealtime::config::retry::RetryPartition;
use aws_sdk_ivsrealtime::error::DisplayErrorContext;
use aws_sdk_ivsrealtime::types::IngestProtocol;
use clap::Parser;
use futures_util::{StreamExt, stream};
use ingestctl::api::Api;
use ingestctl::apply::Pacing;
use ingestctl::desired::{self, Desired};
use ingestctl::ivs::{AwsOptions, Ivs};
use ingestctl::live::Reads;
use ingestctl::plan::{self, Plan};
use ingestctl::{reconcile, render};
use ivs_realtime_emulator::{Config, Emulator};
use serde_json::Value;
use tokio::runtime::Runtime;
use tokio::sync::watch;

/// Regions IVS Real-Time is offered in; scenarios use the first `--regions` of them.
const REGIONS: [&str; 7] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
];

/// Concurrency of the refresh baseline.
const REFRESH_IN_FLIGHT: usize = 10;

#[derive(Parser, Debug)]
#[command(about = "ingestctl at the IVS Real-Time API quota, against the in-process emulator")]
struct Args {
    /// Ingest configurations per region.
    #[arg(long, default_value_t = 100)]
    configs: usize,
    /// How many of them are drifted (bound to another stage than declared), per region.
    #[arg(long, default_value_t = 100)]
    drift: usize,
    /// Latency the emulator adds to every API call.
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// Regions, each with `--configs` configs and `--drift` drifted ones.
    #[arg(long, default_value_t = 1)]
    regions: usize,
    /// The emulator's rate limit, per operation and region (the service's quota is 5).
    #[arg(long, default_value_t = 5.0)]
    tps: f64,
    /// ingestctl's `--max-tps` (its default is 5).
    #[arg(long, default_value_t = 5.0)]
    max_tps: f64,
    /// ingestctl's `--parallelism` (its default is 8).
    #[arg(long, default_value_t = 8)]
    parallelism: usize,
    /// A baseline whose floor is above this many seconds is not run: it cannot beat its floor,
    /// so the floor is reported as a lower bound instead. The default runs every row of `--all`
    /// (the slowest floor there is 199 s); `--baseline-cap-s 60` gives a quicker table.
    #[arg(long, default_value_t = 300.0)]
    baseline_cap_s: f64,
    /// Which strategies to run in a single scenario (not with `--all`).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "plan,apply,refresh,loop,loop-told-drift"
    )]
    strategies: Vec<Strategy>,
    /// Run the full table (three scenarios, targets, local cost) instead of one scenario.
    #[arg(long)]
    all: bool,
    /// Bindings and live configs for the local-cost measurements (with `--all`).
    #[arg(long, default_value_t = 10_000)]
    local_configs: usize,
    /// Run only the wait scenario (`--wait-for-inactive`; also part of `--all`).
    #[arg(long)]
    wait: bool,
    /// Run only the local-cost rows (also part of `--all`).
    #[arg(long)]
    local: bool,
    /// Run only the tags scenario (also part of `--all`).
    #[arg(long)]
    tags: bool,
    /// The wait scenario's `--poll-interval`, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    poll_interval_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Strategy {
    Plan,
    Apply,
    Refresh,
    Loop,
    /// Not a baseline: the loop handed the drift it could only learn by reading.
    LoopToldDrift,
}

impl Strategy {
    fn label(self) -> &'static str {
        match self {
            Strategy::Plan => "ingestctl plan",
            Strategy::Apply => "ingestctl apply",
            Strategy::Refresh => "baseline refresh",
            Strategy::Loop => "baseline loop",
            Strategy::LoopToldDrift => "reference: loop told the drift",
        }
    }

    fn is_baseline(self) -> bool {
        matches!(
            self,
            Strategy::Refresh | Strategy::Loop | Strategy::LoopToldDrift
        )
    }
}

struct Scenario {
    name: String,
    /// Per region.
    configs: usize,
    /// Per region.
    drift: usize,
    regions: usize,
    latency: Duration,
    tps: f64,
    strategies: Vec<Strategy>,
}

/// A seeded account: its state file, the desired-state file, and what is in them.
struct Seeded {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    state: PathBuf,
    desired: PathBuf,
    max_configs: usize,
    /// Every binding, in file order.
    bindings: Vec<SeededBinding>,
}

/// One binding of the desired-state file, and whether the live config differs from it.
struct SeededBinding {
    region: String,
    arn: String,
    /// The stage the binding declares.
    stage: String,
    drifted: bool,
}

impl Seeded {
    fn drifted(&self) -> impl Iterator<Item = &SeededBinding> + Clone {
        self.bindings.iter().filter(|b| b.drifted)
    }
}

/// Calls and throttled calls per operation, as `/_emulator/calls` reports them.
#[derive(Clone, Debug, Default)]
struct Counts {
    calls: BTreeMap<String, u64>,
    throttled: BTreeMap<String, u64>,
}

impl Counts {
    fn minus(&self, before: &Counts) -> Counts {
        let sub = |after: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>| {
            after
                .iter()
                .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
                .filter(|(_, n)| *n > 0)
                .collect()
        };
        Counts {
            calls: sub(&self.calls, &before.calls),
            throttled: sub(&self.throttled, &before.throttled),
        }
    }

    fn calls_of(&self, op: &str) -> u64 {
        self.calls.get(op).copied().unwrap_or(0)
    }

    fn throttled_of(&self, op: &str) -> u64 {
        self.throttled.get(op).copied().unwrap_or(0)
    }

    fn total_throttled(&self) -> u64 {
        self.throttled.values().sum()
    }
}

/// One measured (or, for a baseline above the cap, bounded) strategy.
struct Row {
    scenario: String,
    strategy: Strategy,
    /// `None`: not run; the floor is the bound.
    wall: Option<f64>,
    counts: Counts,
    failed: usize,
    floor: f64,
    formula: String,
    note: String,
}

impl Row {
    /// The wall time, or the floor for a baseline that was not run (it cannot do better).
    fn time_or_bound(&self) -> f64 {
        self.wall.unwrap_or(self.floor)
    }
}

fn main() -> ExitCode {
    // The emulator accepts any SigV4 credentials. Set the environment before any thread starts;
    // the ingestctl defaults (retries, endpoint) are what is measured, so overrides are removed.
    // SAFETY: nothing else runs yet, so no thread can read the environment concurrently.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDBENCH");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench-secret");
        std::env::set_var("AWS_REGION", REGIONS[0]);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        for name in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_IVS_REALTIME",
            "AWS_MAX_ATTEMPTS",
            "AWS_RETRY_MODE",
        ] {
            std::env::remove_var(name);
        }
    }
    let args = Args::parse();
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with `cargo run --release --example bench`");
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

mod tags;
mod wait;

fn run(args: &Args) -> Result<()> {
    if args.regions == 0 || args.regions > REGIONS.len() {
        bail!("--regions must be 1 to {}", REGIONS.len());
    }
    if args.drift > args.configs {
        bail!("--drift cannot exceed --configs");
    }
    if !(args.tps.is_finite() && args.tps > 0.0 && args.max_tps.is_finite() && args.max_tps > 0.0) {
        bail!("--tps and --max-tps must be positive");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let pacing = Pacing {
        max_tps: args.max_tps,
        parallelism: args.parallelism.max(1),
    };
    let latency = Duration::from_millis(args.latency_ms);
    let all = [
        Strategy::Plan,
        Strategy::Apply,
        Strategy::Refresh,
        Strategy::Loop,
        Strategy::LoopToldDrift,
    ];
    let fixed = |name: &str, configs: usize, regions: usize| Scenario {
        name: format!("{name}, {}ms", args.latency_ms),
        configs,
        drift: 100,
        regions,
        latency,
        tps: args.tps,
        strategies: all.to_vec(),
    };
    let wait_bench = wait::WaitBench {
        latency,
        tps: args.tps,
        poll_interval: Duration::from_millis(args.poll_interval_ms.max(250)),
    };
    if args.wait || args.local || args.tags {
        if args.tags {
            eprintln!("== tags");
            println!("{}", tags::run(&runtime, latency)?);
        }
        if args.local {
            eprintln!("== local cost, {} bindings", args.local_configs);
            println!("{}", local_cost(&runtime, args.local_configs)?.0);
        }
        if args.wait {
            eprintln!("== wait for inactive");
            println!("{}", wait::run(&runtime, &wait_bench)?);
        }
        return Ok(());
    }
    let scenarios = if args.all {
        vec![
            fixed("A: N=100 D=100, 1 region", 100, 1),
            fixed("B: N=1000 D=100, 1 region", 1000, 1),
            fixed("C: N=100 D=100 ×3 regions", 100, 3),
        ]
    } else {
        vec![Scenario {
            name: format!(
                "N={} D={}{}, {}ms",
                args.configs,
                args.drift,
                if args.regions == 1 {
                    ", 1 region".to_owned()
                } else {
                    format!(" ×{} regions", args.regions)
                },
                args.latency_ms
            ),
            configs: args.configs,
            drift: args.drift,
            regions: args.regions,
            latency,
            tps: args.tps,
            strategies: args.strategies.clone(),
        }]
    };

    let started = Instant::now();
    let mut excluded = 0.0;
    let mut rows = Vec::new();
    for scenario in &scenarios {
        eprintln!("== {}", scenario.name);
        let seeded = seed_scenario(&runtime, scenario)?;
        for &strategy in &scenario.strategies {
            if strategy == Strategy::LoopToldDrift
                && seeded.drifted().count() == seeded.bindings.len()
            {
                eprintln!(
                    "   {:<17} the baseline loop: every binding is drifted",
                    strategy.label()
                );
                continue;
            }
            let row = measure(&runtime, scenario, &seeded, strategy, pacing, args)?;
            eprintln!(
                "   {:<17} {}",
                strategy.label(),
                match row.wall {
                    Some(wall) => format!("{wall:.3} s (floor {:.3} s)", row.floor),
                    None => format!("not run: floor {:.3} s", row.floor),
                }
            );
            rows.push(row);
        }
    }

    let mut out = String::new();
    writeln!(
        out,
        "\nEmulator: rate limit {} TPS per operation and region (burst {}), ingestctl pacing \
         --max-tps {} --parallelism {}, SDK retries: ingestctl standard/5 attempts, baselines \
         standard/3.\n",
        args.tps,
        args.tps.max(1.0),
        pacing.max_tps,
        pacing.parallelism
    )?;
    out.push_str(&rows_table(&rows));
    out.push_str(&comparisons(&rows));
    if args.all {
        out.push_str(&targets(&rows));
        eprintln!("== local cost, {} bindings", args.local_configs);
        let (local, build_time) = local_cost(&runtime, args.local_configs)?;
        out.push_str(&local);
        excluded = build_time;
        eprintln!("== wait for inactive");
        out.push_str(&wait::run(&runtime, &wait_bench)?);
        eprintln!("== tags");
        out.push_str(&tags::run(&runtime, latency)?);
    }
    writeln!(
        out,
        "\nTotal bench time: {:.0} s{}.",
        started.elapsed().as_secs_f64() - excluded,
        if excluded > 1.0 {
            format!(" (plus {excluded:.0} s building the ingestctl binary)")
        } else {
            String::new()
        }
    )?;
    println!("{out}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Seeding

/// Seeds an unlimited emulator that persists to a state file, then stops it: every measured
/// emulator starts from a copy of that file.
fn seed_scenario(runtime: &Runtime, scenario: &Scenario) -> Result<Seeded> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().to_owned();
    let state = path.join("seed-state.json");
    let max_configs = scenario.configs.max(100);
    let emulator = Emulator::spawn(Config {
        max_ingest_configurations: max_configs,
        state_file: Some(state.clone()),
        ..Config::ephemeral()
    })?;
    let started = Instant::now();
    let regions = &REGIONS[..scenario.regions];
    let seeded = runtime.block_on(seed(
        &emulator.url(),
        regions,
        scenario.configs,
        scenario.drift,
    ));
    emulator.shutdown();
    let (bindings, yaml) = seeded?;
    let desired = path.join("bindings.yaml");
    std::fs::write(&desired, yaml)?;
    eprintln!(
        "   seeded {} configs in {} region(s) in {:.1} s",
        bindings.len(),
        regions.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(Seeded {
        _dir: dir,
        dir: path,
        state,
        desired,
        max_configs,
        bindings,
    })
}

type SeedResult = (Vec<SeededBinding>, String);

/// Creates stages and configs in every region; config `i` lives on stage `i % S`, and the first
/// `drift` are declared on stage `(i + 1) % S`. Returns the bindings and the desired-state YAML
/// that binds every config by ARN.
async fn seed(url: &str, regions: &[&str], configs: usize, drift: usize) -> Result<SeedResult> {
    let stage_count = (configs / 10).clamp(2, 100);
    let mut bindings = Vec::new();
    let mut yaml = String::from("version: 1\nbindings:\n");
    for &region in regions {
        let client = sdk_client(url, region, None).await;
        let mut stages = Vec::with_capacity(stage_count);
        for s in 0..stage_count {
            let out = client
                .create_stage()
                .name(format!("stage-{s:03}"))
                .send()
                .await
                .map_err(|e| anyhow!("CreateStage: {}", DisplayErrorContext(&e)))?;
            stages.push(
                out.stage()
                    .map(|s| s.arn().to_owned())
                    .ok_or_else(|| anyhow!("CreateStage returned no stage"))?,
            );
        }
        let stages = &stages;
        let mut created: Vec<(usize, String)> = stream::iter(0..configs)
            .map(|i| {
                let client = client.clone();
                async move {
                    let out = client
                        .create_ingest_configuration()
                        .name(format!("enc-{i:05}"))
                        .ingest_protocol(IngestProtocol::Rtmps)
                        .stage_arn(&stages[i % stages.len()])
                        .send()
                        .await
                        .map_err(|e| {
                            anyhow!("CreateIngestConfiguration: {}", DisplayErrorContext(&e))
                        })?;
                    let arn = out
                        .ingest_configuration()
                        .map(|c| c.arn().to_owned())
                        .ok_or_else(|| anyhow!("CreateIngestConfiguration returned nothing"))?;
                    Ok::<_, anyhow::Error>((i, arn))
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_>>()?;
        created.sort();
        for (i, arn) in created {
            let declared = if i < drift {
                &stages[(i + 1) % stages.len()]
            } else {
                &stages[i % stages.len()]
            };
            writeln!(
                yaml,
                "  - ingestConfiguration: {arn}\n    stage: {declared}"
            )?;
            bindings.push(SeededBinding {
                region: region.to_owned(),
                arn,
                stage: declared.clone(),
                drifted: i < drift,
            });
        }
    }
    Ok((bindings, yaml))
}

/// A plain SDK client with the SDK's default retries (standard, 3 attempts). `partition` gives
/// it a retry token bucket of its own, so a baseline's retries never drain ingestctl's.
async fn sdk_client(url: &str, region: &str, partition: Option<String>) -> Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(url)
        .load()
        .await;
    let mut builder = aws_sdk_ivsrealtime::config::Builder::from(&sdk);
    if let Some(partition) = partition {
        builder = builder.retry_partition(RetryPartition::new(partition));
    }
    Client::from_conf(builder.build())
}

// ---------------------------------------------------------------------------------------------
// Measuring

async fn counts(http: &reqwest::Client, url: &str) -> Result<Counts> {
    let value: Value = http
        .get(format!("{url}/_emulator/calls"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let map = |key: &str| -> BTreeMap<String, u64> {
        value[key]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(op, n)| (op.clone(), n.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Counts {
        calls: map("calls"),
        throttled: map("throttled"),
    })
}

/// What one run of a strategy reports besides its wall time.
struct Outcome {
    wall: f64,
    failed: usize,
    note: String,
}

fn measure(
    runtime: &Runtime,
    scenario: &Scenario,
    seeded: &Seeded,
    strategy: Strategy,
    pacing: Pacing,
    args: &Args,
) -> Result<Row> {
    let (floor, formula) = floor(scenario, seeded, strategy, pacing);
    let mut row = Row {
        scenario: scenario.name.clone(),
        strategy,
        wall: None,
        counts: Counts::default(),
        failed: 0,
        floor,
        formula,
        note: String::new(),
    };
    if strategy.is_baseline() && floor > args.baseline_cap_s {
        row.note = format!(
            "not run: its floor is above --baseline-cap-s {}",
            args.baseline_cap_s
        );
        return Ok(row);
    }
    let state = seeded.dir.join(format!("state-{strategy:?}.json"));
    std::fs::copy(&seeded.state, &state)?;
    let emulator = Emulator::spawn(Config {
        latency: scenario.latency,
        rate_limit_tps: Some(scenario.tps),
        max_ingest_configurations: seeded.max_configs,
        state_file: Some(state),
        ..Config::ephemeral()
    })?;
    let url = emulator.url();
    let result = runtime.block_on(async {
        let http = reqwest::Client::new();
        let before = counts(&http, &url).await?;
        let outcome = match strategy {
            Strategy::Plan | Strategy::Apply => {
                ingestctl_run(&url, seeded, strategy == Strategy::Apply, pacing, || {
                    counts(&http, &url)
                })
                .await?
            }
            Strategy::Refresh => refresh(&url, seeded).await,
            Strategy::Loop => update_loop(&url, seeded.bindings.iter()).await,
            Strategy::LoopToldDrift => update_loop(&url, seeded.drifted()).await,
        };
        let after = match &outcome.1 {
            Some(after) => after.clone(),
            None => counts(&http, &url).await?,
        };
        Ok::<_, anyhow::Error>((outcome.0, after.minus(&before)))
    });
    emulator.shutdown();
    let (outcome, delta) = result?;
    row.wall = Some(outcome.wall);
    row.failed = outcome.failed;
    row.note = outcome.note;
    row.counts = delta;
    Ok(row)
}

/// Loads, validates, reads live state and plans, as `ingestctl plan` does: the library's
/// `reconcile::plan`, the very function the binary calls.
async fn ingestctl_plan(ivs: &Ivs, path: &Path) -> Result<(Desired, Plan)> {
    let desired = desired::load(&[path.to_owned()]).map_err(|d| anyhow!("{d}"))?;
    let planned = reconcile::plan(ivs, desired).await.map_err(said)?;
    Ok((planned.desired, planned.plan))
}

/// A reconcile error as ingestctl would word it.
fn said(error: reconcile::Error) -> anyhow::Error {
    let lines: Vec<String> = render::error_lines(&error)
        .into_iter()
        .map(|(_, line)| line)
        .collect();
    anyhow!(lines.join("; "))
}

async fn connect(url: &str) -> Ivs {
    Ivs::connect(&AwsOptions {
        region: Some(REGIONS[0].to_owned()),
        endpoint_url: Some(url.to_owned()),
        timeout: Some(Duration::from_secs(30)),
        ..AwsOptions::default()
    })
    .await
}

/// ingestctl plan (and apply) in-process. `snapshot` takes the call counts right after the timed
/// part, before the untimed check that apply converged.
async fn ingestctl_run<F, Fut>(
    url: &str,
    seeded: &Seeded,
    apply: bool,
    pacing: Pacing,
    snapshot: F,
) -> Result<(Outcome, Option<Counts>)>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Counts>>,
{
    let started = Instant::now();
    let ivs = connect(url).await;
    let (desired, plan) = ingestctl_plan(&ivs, &seeded.desired).await?;
    let summary = plan.summary();
    if !apply {
        let wall = started.elapsed().as_secs_f64();
        return Ok((
            Outcome {
                wall,
                failed: 0,
                note: format!("{} to update, {} no-op", summary.update, summary.no_op),
            },
            None,
        ));
    }
    let planned = started.elapsed().as_secs_f64();
    let tasks = plan.changes.into_iter().map(plan::task).collect();
    let (stop_tx, stop_rx) = watch::channel(false);
    let report = reconcile::execute(&ivs, tasks, pacing, None, stop_rx, &()).await;
    let wall = started.elapsed().as_secs_f64();
    drop(stop_tx);
    let after = snapshot().await?;
    let tally = report.tally();
    // Untimed: a second plan must find nothing left to do.
    let live = ivs
        .read_live(&reconcile::reads(&desired))
        .await
        .map_err(|e| said(e.into()))?;
    let again = plan::plan(&desired, &live).map_err(|p| said(p.into()))?;
    let left = again.summary().update;
    Ok((
        Outcome {
            wall,
            failed: tally.failed,
            note: format!(
                "plan {planned:.3} s + updates {:.3} s; {} updated; {}",
                wall - planned,
                tally.updated,
                if left == 0 {
                    "converged".to_owned()
                } else {
                    format!("{left} still drifted")
                }
            ),
        },
        Some(after),
    ))
}

/// Retry partitions unique to each baseline run.
fn partition(kind: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("bench-{kind}-{n}")
}

async fn clients(url: &str, regions: impl Iterator<Item = String>) -> HashMap<String, Client> {
    let kind = partition("baseline");
    let regions: std::collections::BTreeSet<String> = regions.collect();
    let mut clients = HashMap::new();
    for region in regions {
        let client = sdk_client(url, &region, Some(format!("{kind}-{region}"))).await;
        clients.insert(region, client);
    }
    clients
}

/// One GetIngestConfiguration per config, 10 in flight, in file order.
async fn refresh(url: &str, seeded: &Seeded) -> (Outcome, Option<Counts>) {
    let started = Instant::now();
    let clients = clients(url, seeded.bindings.iter().map(|b| b.region.clone())).await;
    let clients = &clients;
    let results: Vec<bool> = stream::iter(&seeded.bindings)
        .map(|binding| async move {
            clients[&binding.region]
                .get_ingest_configuration()
                .arn(&binding.arn)
                .send()
                .await
                .is_ok()
        })
        .buffer_unordered(REFRESH_IN_FLIGHT)
        .collect()
        .await;
    let wall = started.elapsed().as_secs_f64();
    let failed = results.iter().filter(|ok| !**ok).count();
    (
        Outcome {
            wall,
            failed,
            note: incomplete(results.len() - failed, "read", failed),
        },
        None,
    )
}

/// A baseline's note: what it did, and what it gave up on (it then ends sooner than its floor).
fn incomplete(done: usize, verb: &str, failed: usize) -> String {
    if failed == 0 {
        format!("{done} {verb}")
    } else {
        format!("{done} {verb}; {failed} failed when the SDK stopped retrying, so incomplete")
    }
}

/// The given bindings' updates one after another, no pacing.
async fn update_loop<'a>(
    url: &str,
    bindings: impl Iterator<Item = &'a SeededBinding> + Clone,
) -> (Outcome, Option<Counts>) {
    let started = Instant::now();
    let clients = clients(url, bindings.clone().map(|b| b.region.clone())).await;
    let mut failed = 0;
    let mut sent = 0;
    for binding in bindings {
        sent += 1;
        let result = clients[&binding.region]
            .update_ingest_configuration()
            .arn(&binding.arn)
            .stage_arn(&binding.stage)
            .send()
            .await;
        if result.is_err() {
            failed += 1;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    (
        Outcome {
            wall,
            failed,
            note: incomplete(sent - failed, "updated", failed),
        },
        None,
    )
}

// ---------------------------------------------------------------------------------------------
// Floors

/// The emulator's token bucket for one (region, operation): created full (`max(tps, 1)` tokens)
/// at its first call, refilled at `tps` per second, and a call needs a whole token.
struct Bucket {
    tokens: f64,
    last: f64,
}

impl Bucket {
    /// Takes a token at `t` or as soon after it as one is there; returns when.
    fn take(this: &mut Option<Bucket>, t: f64, tps: f64) -> f64 {
        let burst = tps.max(1.0);
        let bucket = this.get_or_insert(Bucket {
            tokens: burst,
            last: t,
        });
        let available = (bucket.tokens + (t - bucket.last) * tps).min(burst);
        let (at, left) = if available >= 1.0 {
            (t, available - 1.0)
        } else {
            (t + (1.0 - available) / tps, 0.0)
        };
        bucket.tokens = left;
        bucket.last = at;
        at
    }
}

/// The earliest finish of calls started in the given order (each a region index), at most
/// `slots` at once, each taking `latency` and needing a token of its region's bucket. Starting
/// each call as early as it can is optimal for in-order dispatch.
fn schedule(calls: &[usize], slots: usize, latency: f64, tps: f64, start: f64) -> f64 {
    let mut free = vec![start; slots.max(1)];
    let mut buckets: HashMap<usize, Option<Bucket>> = HashMap::new();
    let mut last_start = start;
    let mut end = start;
    for &region in calls {
        let (slot, &slot_free) = free
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("at least one slot");
        let t = Bucket::take(
            buckets.entry(region).or_default(),
            slot_free.max(last_start),
            tps,
        );
        last_start = t;
        free[slot] = t + latency;
        end = end.max(t + latency);
    }
    end
}

/// Pages of `ListIngestConfigurations` for `n` configs: `ceil(n/100)`, at least one.
fn pages(n: usize) -> usize {
    n.div_ceil(100).max(1)
}

/// The floor of a strategy in seconds, and how it is computed.
fn floor(
    scenario: &Scenario,
    seeded: &Seeded,
    strategy: Strategy,
    pacing: Pacing,
) -> (f64, String) {
    let l = scenario.latency.as_secs_f64();
    let r = scenario.tps;
    let b = r.max(1.0);
    let p = pages(scenario.configs);
    // Regions are read in parallel, pages one after another.
    let read = schedule(&vec![0; p], 1, l, r, 0.0);
    let read_formula = if p == 1 {
        "L".to_owned()
    } else {
        format!("{p} pages in sequence, each ≥ L, the k-th ≥ (k+1−{b})/{r} s")
    };
    let region_of = |region: &str| REGIONS.iter().position(|r| *r == region).unwrap_or(0);
    match strategy {
        Strategy::Plan => (read, read_formula),
        Strategy::Apply => {
            let updates = schedule(&vec![0; scenario.drift], pacing.parallelism, l, r, 0.0);
            (
                read + updates,
                format!(
                    "read ({read_formula}) + max(0,(D−{b})/{r}) s + L{}",
                    if scenario.regions > 1 {
                        ", regions in parallel"
                    } else {
                        ""
                    }
                ),
            )
        }
        Strategy::Refresh => {
            let calls: Vec<usize> = seeded
                .bindings
                .iter()
                .map(|b| region_of(&b.region))
                .collect();
            let floor = schedule(&calls, REFRESH_IN_FLIGHT, l, r, 0.0);
            (
                floor,
                format!(
                    "max(0,(N−{b})/{r}) s + L{}",
                    if scenario.regions > 1 {
                        " per region, regions in file order, 10 in flight"
                    } else {
                        ""
                    }
                ),
            )
        }
        Strategy::Loop | Strategy::LoopToldDrift => {
            let (calls, n): (Vec<usize>, &str) = if strategy == Strategy::Loop {
                let all = seeded.bindings.iter();
                (all.map(|b| region_of(&b.region)).collect(), "N")
            } else {
                (
                    seeded.drifted().map(|b| region_of(&b.region)).collect(),
                    "D",
                )
            };
            let floor = schedule(&calls, 1, l, r, 0.0);
            (
                floor,
                format!(
                    "max(0,({n}−{b})/{r}) s + L{}",
                    if scenario.regions > 1 {
                        " per region, one region after another"
                    } else {
                        ""
                    }
                ),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting

fn short(op: &str) -> String {
    op.replace("IngestConfiguration", "IC")
}

fn rows_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | strategy | wall (s) | calls | throttled | failed | floor (s) | × floor | floor formula | notes |\n\
         |---|---|---:|---|---|---:|---:|---:|---|---|\n",
    );
    for row in rows {
        let ops = |map: &BTreeMap<String, u64>| {
            if map.is_empty() {
                "0".to_owned()
            } else {
                map.iter()
                    .map(|(op, n)| format!("{} {n}", short(op)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let (wall, calls, throttled, failed, ratio) = match row.wall {
            Some(wall) => (
                format!("{wall:.3}"),
                ops(&row.counts.calls),
                ops(&row.counts.throttled),
                row.failed.to_string(),
                format!("{:.2}", wall / row.floor),
            ),
            None => (
                format!("≥ {:.3}", row.floor),
                "–".to_owned(),
                "–".to_owned(),
                "–".to_owned(),
                "≥ 1".to_owned(),
            ),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {wall} | {calls} | {throttled} | {failed} | {:.3} | {ratio} | {} | {} |",
            row.scenario,
            row.strategy.label(),
            row.floor,
            row.formula,
            row.note
        );
    }
    out
}

fn find<'a>(rows: &'a [Row], scenario_prefix: &str, strategy: Strategy) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.scenario.starts_with(scenario_prefix) && r.strategy == strategy)
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// Like for like in every scenario: plan against the refresh baseline (both learn the live
/// state), apply against the loop baseline (both converge it).
fn comparisons(rows: &[Row]) -> String {
    let mut out = String::from(
        "\n| scenario | ingestctl | baseline | ingestctl (s) | baseline (s) | speed-up | faster |\n\
         |---|---|---|---:|---:|---:|---|\n",
    );
    let mut scenarios: Vec<&str> = rows.iter().map(|r| r.scenario.as_str()).collect();
    scenarios.dedup();
    for scenario in scenarios {
        for (ours, theirs) in [
            (Strategy::Plan, Strategy::Refresh),
            (Strategy::Apply, Strategy::Loop),
            (Strategy::Apply, Strategy::LoopToldDrift),
        ] {
            let (Some(a), Some(b)) = (find(rows, scenario, ours), find(rows, scenario, theirs))
            else {
                continue;
            };
            let Some(a_wall) = a.wall else { continue };
            let b_time = b.time_or_bound();
            let bound = if b.wall.is_none() { "≥ " } else { "" };
            let failures = if b.wall.is_some() && b.failed > 0 {
                format!(" ({} failed)", b.failed)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {scenario} | {} | {} | {a_wall:.3} | {bound}{b_time:.3}{failures} | {bound}{:.2}× | {} |",
                ours.label(),
                theirs.label(),
                b_time / a_wall,
                match theirs {
                    Strategy::LoopToldDrift if a_wall < b_time => "yes (reference)",
                    Strategy::LoopToldDrift => "no (reference)",
                    _ => verdict(a_wall < b_time && a.failed == 0),
                }
            );
        }
    }
    out
}

/// The issue's targets, each with what was measured.
fn targets(rows: &[Row]) -> String {
    let mut out = String::from("\n| target | measured | result |\n|---|---|---|\n");
    if let Some(row) = find(rows, "B:", Strategy::Plan)
        && let Some(wall) = row.wall
    {
        let throttled = row.counts.total_throttled();
        let _ = writeln!(
            out,
            "| plan N=1000 ≤ 1.2× floor, zero throttled | {wall:.4} s = {:.3}× floor {:.3} s, {throttled} throttled | {} |",
            wall / row.floor,
            row.floor,
            verdict(wall <= 1.2 * row.floor && throttled == 0)
        );
    }
    if let Some(row) = find(rows, "A:", Strategy::Apply)
        && let Some(wall) = row.wall
    {
        let op = "UpdateIngestConfiguration";
        let updates = row.counts.calls_of(op);
        let throttled = row.counts.throttled_of(op);
        let share = if updates == 0 {
            0.0
        } else {
            100.0 * throttled as f64 / updates as f64
        };
        let _ = writeln!(
            out,
            "| apply D=100 @50ms ≤ 1.1× floor, zero failed, ≤ 2% of updates throttled | {wall:.4} s = {:.3}× floor {:.3} s, {} failed, {throttled}/{updates} = {share:.1}% throttled | {} |",
            wall / row.floor,
            row.floor,
            row.failed,
            verdict(wall <= 1.1 * row.floor && row.failed == 0 && share <= 2.0)
        );
    }
    if let (Some(three), Some(one)) = (
        find(rows, "C:", Strategy::Apply),
        find(rows, "A:", Strategy::Apply),
    ) && let (Some(t3), Some(t1)) = (three.wall, one.wall)
    {
        let _ = writeln!(
            out,
            "| apply in three regions ≤ 1.2× one region | {t3:.4} s vs {t1:.4} s = {:.3}× | {} |",
            t3 / t1,
            verdict(t3 <= 1.2 * t1 && three.failed == 0)
        );
    }
    let baselines: Vec<(String, bool)> = [
        (Strategy::Plan, Strategy::Refresh),
        (Strategy::Apply, Strategy::Loop),
    ]
    .into_iter()
    .flat_map(|(ours, theirs)| speed_ups(rows, ours, theirs))
    .collect();
    let _ = writeln!(
        out,
        "| faster than both baselines on every row | speed-ups {} | {} |",
        baselines
            .iter()
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        verdict(baselines.iter().all(|(_, faster)| *faster))
    );
    let told = speed_ups(rows, Strategy::Apply, Strategy::LoopToldDrift);
    if !told.is_empty() {
        let _ = writeln!(
            out,
            "| (not a target) apply against the loop told the drift | speed-ups {} | reference |",
            told.iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

/// ingestctl's speed-up over `theirs` in every scenario where both have a row ("A apply: 1.03×"),
/// and whether it was faster with nothing failed.
fn speed_ups(rows: &[Row], ours: Strategy, theirs: Strategy) -> Vec<(String, bool)> {
    rows.iter()
        .filter(|r| r.strategy == ours)
        .filter_map(|row| {
            let wall = row.wall?;
            let base = find(rows, &row.scenario, theirs)?.time_or_bound();
            let label = format!(
                "{} {}: {:.2}×",
                &row.scenario[..1],
                ours.label().trim_start_matches("ingestctl "),
                base / wall
            );
            Some((label, wall < base && row.failed == 0))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Local cost

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The local-cost table, and the seconds spent building the binary (not part of the bench).
fn local_cost(runtime: &Runtime, n: usize) -> Result<(String, f64)> {
    let dir = tempfile::tempdir()?;
    let emulator = Emulator::spawn(Config {
        max_ingest_configurations: n.max(100),
        ..Config::ephemeral()
    })?;
    let url = emulator.url();
    let started = Instant::now();
    let (configs, yaml) = runtime.block_on(seed(&url, &REGIONS[..1], n, n / 10))?;
    let seed_time = started.elapsed().as_secs_f64();
    let file = dir.path().join("bindings.yaml");
    std::fs::write(&file, &yaml)?;
    eprintln!(
        "   seeded {} configs in {seed_time:.1} s; the file is {} bytes",
        configs.len(),
        yaml.len()
    );

    // The network read, once, on its own.
    let (read_time, live, pages_read) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let before = counts(&http, &url).await?;
        let ivs = connect(&url).await;
        let mut reads = Reads::new();
        reads.insert(REGIONS[0].to_owned(), false);
        let started = Instant::now();
        let live = ivs.read_live(&reads).await.map_err(|e| said(e.into()))?;
        let read_time = started.elapsed().as_secs_f64();
        let after = counts(&http, &url).await?;
        let pages = after.minus(&before).calls_of("ListIngestConfigurations");
        Ok::<_, anyhow::Error>((read_time, live, pages))
    })?;

    // Load + validate + plan, in-process, against that live state.
    let mut plan_times = Vec::new();
    let mut updates = 0;
    for _ in 0..30 {
        let started = Instant::now();
        let desired = desired::load(std::slice::from_ref(&file)).map_err(|d| anyhow!("{d}"))?;
        let desired = desired
            .with_default_region(Some(REGIONS[0]))
            .map_err(|d| anyhow!("{d}"))?;
        let plan = plan::plan(&desired, &live).map_err(|p| said(p.into()))?;
        plan_times.push(started.elapsed().as_secs_f64());
        updates = plan.summary().update;
    }

    // The real binary.
    let building = Instant::now();
    let binary = build_ingestctl()?;
    let build_time = building.elapsed().as_secs_f64();
    let file_arg = file.display().to_string();
    let plan_run = run_measured(&binary, &["plan", "-f", &file_arg, "--endpoint-url", &url])?;
    let version_run = run_measured(&binary, &["--version"])?;
    let mut version = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let status = Command::new(&binary)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        version.push(started.elapsed().as_secs_f64());
        if !status.success() {
            bail!("ingestctl --version failed: {status}");
        }
    }
    emulator.shutdown();

    let mut out = String::new();
    writeln!(
        out,
        "\nLocal cost: {n} bindings (by ARN, {} drifted) vs {n} live configs, no latency, no rate limit.\n",
        n / 10
    )?;
    out.push_str("| measure | value |\n|---|---:|\n");
    writeln!(
        out,
        "| seeding the emulator through the SDK (not ingestctl) | {seed_time:.1} s |"
    )?;
    writeln!(
        out,
        "| desired-state file | {:.2} MiB |",
        yaml.len() as f64 / (1024.0 * 1024.0)
    )?;
    writeln!(
        out,
        "| read live state in-process ({pages_read} ListIngestConfigurations pages) | {:.1} ms |",
        read_time * 1e3
    )?;
    writeln!(
        out,
        "| load + validate + plan in-process, median of 30 (min {:.1} ms; {updates} updates planned) | {:.1} ms |",
        plan_times.iter().copied().fold(f64::INFINITY, f64::min) * 1e3,
        median(plan_times.clone()) * 1e3
    )?;
    writeln!(
        out,
        "| `ingestctl plan` process: wall time (the paced read included) | {:.1} ms |",
        plan_run.wall * 1e3
    )?;
    writeln!(
        out,
        "| `ingestctl plan` process: CPU time, user + system | {} |",
        plan_run
            .cpu
            .map(|cpu| format!("{:.1} ms", cpu * 1e3))
            .unwrap_or_else(|| "–".to_owned())
    )?;
    writeln!(
        out,
        "| `ingestctl plan` process: peak RSS ({}) | {:.1} MiB |",
        plan_run.method,
        plan_run.rss_kib as f64 / 1024.0
    )?;
    writeln!(
        out,
        "| `ingestctl --version` process: peak RSS, for scale | {:.1} MiB |",
        version_run.rss_kib as f64 / 1024.0
    )?;
    writeln!(
        out,
        "| `ingestctl --version` wall time, median of 20 | {:.2} ms |",
        median(version) * 1e3
    )?;
    Ok((out, build_time))
}

/// Builds the release binary (a no-op when it is up to date) and returns its path.
fn build_ingestctl() -> Result<PathBuf> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "ingestctl"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .context("running cargo build")?;
    // target/<profile>/examples/bench -> target/release/ingestctl
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .ok_or_else(|| anyhow!("cannot find the target directory from {}", exe.display()))?;
    let binary = target.join("release").join("ingestctl");
    if !status.success() {
        if binary.exists() {
            eprintln!(
                "warning: cargo build failed; measuring the existing {}",
                binary.display()
            );
        } else {
            bail!("cargo build --release --bin ingestctl failed: {status}");
        }
    }
    Ok(binary)
}

/// One process run.
struct Measured {
    /// Seconds.
    wall: f64,
    /// User + system seconds, when `/usr/bin/time` reports them.
    cpu: Option<f64>,
    rss_kib: u64,
    /// How the peak RSS was measured.
    method: &'static str,
}

/// Runs a command to completion with stdout discarded, measuring its wall time and peak RSS
/// (with `/usr/bin/time -v` when present, else by polling `/proc/<pid>/status` for `VmHWM`).
fn run_measured(binary: &Path, args: &[&str]) -> Result<Measured> {
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let started = Instant::now();
        let output = Command::new(time)
            .arg("-v")
            .arg(binary)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()?;
        let wall = started.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            bail!("{} {args:?} failed: {stderr}", binary.display());
        }
        let field = |name: &str| -> Option<f64> {
            stderr.lines().find_map(|l| {
                l.trim()
                    .strip_prefix(name)
                    .and_then(|v| v.trim().parse().ok())
            })
        };
        let rss = field("Maximum resident set size (kbytes):")
            .ok_or_else(|| anyhow!("no peak RSS in /usr/bin/time -v output"))?;
        let cpu = field("User time (seconds):")
            .zip(field("System time (seconds):"))
            .map(|(user, system)| user + system);
        return Ok(Measured {
            wall,
            cpu,
            rss_kib: rss as u64,
            method: "/usr/bin/time -v",
        });
    }
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kib) = text.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{} {args:?} failed: {status}", binary.display());
    }
    Ok(Measured {
        wall,
        cpu: None,
        rss_kib: peak,
        method: "VmHWM polled",
    })
}
