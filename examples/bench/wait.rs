//! The wait scenario: `--wait-for-inactive` against encoders the emulator plays, measured on the
//! emulator's own clock (when a config went INACTIVE, when its update reached the service).
//! Reaction time, short windows caught, and the list calls the watching costs.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use aws_sdk_ivsrealtime::types::IngestProtocol;
use ingestctl::apply::Pacing;
use ingestctl::desired;
use ingestctl::plan::{self, Task, WhenActive};
use ingestctl::reconcile;
use ingestctl::wait::Waiting;
use ivs_realtime_emulator::{Config, Emulator};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use tokio::sync::watch;

use super::{REGIONS, connect, median, said, sdk_client};

/// Trials per measure, as the targets ask.
const TRIALS: usize = 50;

/// Regions the trials are spread over, so that no two configs in one region leave in the same
/// poll interval often enough to queue behind the update quota.
const TRIAL_REGIONS: usize = 5;

/// How the wait scenario is run.
pub(crate) struct WaitBench {
    pub(crate) latency: Duration,
    pub(crate) tps: f64,
    pub(crate) poll_interval: Duration,
}

/// One config's schedule: when it leaves, and when (if ever) it reconnects, from the start.
struct Trial {
    region: &'static str,
    arn: String,
    leaves_ms: u64,
    returns_ms: Option<u64>,
}

/// What one run measured.
struct Run {
    /// Per trial: the reported outcome.
    outcomes: HashMap<String, String>,
    /// Per ARN: emulator ms of the state changes, in order.
    changes: HashMap<String, Vec<(String, u64)>>,
    /// Per region: emulator ms of every UpdateIngestConfiguration and ListIngestConfigurations.
    requests: Vec<(String, String, u64)>,
    /// The configs' live stage after the run.
    stages: HashMap<String, String>,
    /// Emulator ms when the wait started.
    started_ms: u64,
}

pub(crate) fn run(runtime: &Runtime, bench: &WaitBench) -> Result<String> {
    let mut out = String::new();
    let rtt = bench.latency.as_secs_f64() * 1e3;
    let poll = bench.poll_interval.as_secs_f64() * 1e3;
    writeln!(
        out,
        "\nWaiting for publishers to leave: `--wait-for-inactive` with `--poll-interval {:.0}ms`, \
         {rtt:.0} ms round trip, {} TPS; {TRIALS} trials each, spread over {TRIAL_REGIONS} \
         regions, each trial's moment random. Times are the emulator's clock.\n",
        poll, bench.tps
    )?;
    out.push_str("| measure | target | measured | verdict |\n|---|---|---:|---|\n");

    // Reaction: each config leaves at a random moment and stays away.
    let mut rng = XorShift::seeded();
    let span_ms = 10_000.0;
    let reaction = measure_run(runtime, bench, TRIALS, |i, region, arn| Trial {
        region,
        arn,
        leaves_ms: 1_000 + (rng.unit() * span_ms) as u64 + (i as u64 % 3),
        returns_ms: None,
    })?;
    let mut delays = Vec::new();
    for (arn, changes) in &reaction.changes {
        let Some((_, left)) = changes.iter().find(|(s, _)| s == "INACTIVE") else {
            continue;
        };
        let region = arn.split(':').nth(3).unwrap_or_default();
        let sent = reaction
            .requests
            .iter()
            .filter(|(op, r, at)| op == "UpdateIngestConfiguration" && r == region && at >= left)
            .map(|(_, _, at)| *at)
            .min();
        if let Some(sent) = sent {
            delays.push((sent - left) as f64);
        }
    }
    if delays.len() != TRIALS {
        bail!(
            "only {} of {TRIALS} reaction trials were updated",
            delays.len()
        );
    }
    let med = median(delays.clone());
    let worst = delays.iter().copied().fold(0.0, f64::max);
    let med_target = poll / 2.0 + rtt;
    let worst_target = poll + rtt;
    writeln!(
        out,
        "| reaction, median (INACTIVE to its update reaching the service) | ≤ {med_target:.0} ms | {med:.0} ms | {} |",
        verdict(med <= med_target)
    )?;
    writeln!(
        out,
        "| reaction, worst of {TRIALS} | ≤ {worst_target:.0} ms | {worst:.0} ms | {} |",
        verdict(worst <= worst_target)
    )?;
    let _ = reaction.started_ms;

    // Short windows: away for poll interval + 2 round trips, then back.
    let gap = (poll + 2.0 * rtt).ceil() as u64;
    let windows = measure_run(runtime, bench, TRIALS, |_, region, arn| {
        let leaves = 1_000 + (rng.unit() * span_ms) as u64;
        Trial {
            region,
            arn,
            leaves_ms: leaves,
            returns_ms: Some(leaves + gap),
        }
    })?;
    let caught = windows
        .outcomes
        .values()
        .filter(|outcome| *outcome == "updated")
        .count();
    let lies = windows
        .outcomes
        .iter()
        .filter(|(arn, outcome)| {
            *outcome == "updated" && windows.stages.get(*arn).is_none_or(String::is_empty)
        })
        .count();
    writeln!(
        out,
        "| windows of {gap} ms caught (poll interval + 2 round trips) | ≥ 49 of {TRIALS} | {caught} of {TRIALS} | {} |",
        verdict(caught >= 49)
    )?;
    writeln!(
        out,
        "| trials reported updated that the emulator shows unchanged | 0 | {lies} | {} |",
        verdict(lies == 0)
    )?;

    // Quota: 50 configs waiting in one region, nobody leaves, for 10 poll intervals.
    let quota_bench = WaitBench {
        latency: bench.latency,
        tps: bench.tps,
        poll_interval: bench.poll_interval,
    };
    let intervals = 10;
    let quota = measure_quota(runtime, &quota_bench, TRIALS, intervals)?;
    writeln!(
        out,
        "| ListIngestConfigurations while {TRIALS} configs wait in one region, {intervals} intervals | ≤ {} | {} | {} |",
        intervals + 1,
        quota.0,
        verdict(quota.0 <= intervals as u64 + 1)
    )?;
    writeln!(
        out,
        "| GetIngestConfiguration calls | 0 | {} | {} |",
        quota.1,
        verdict(quota.1 == 0)
    )?;
    Ok(out)
}

/// A small random source for the trials' moments; no crate needed for so little.
struct XorShift(u64);

impl XorShift {
    fn seeded() -> XorShift {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9, |d| d.as_nanos() as u64);
        XorShift(nanos | 1)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn verdict(pass: bool) -> &'static str {
    if pass { "met" } else { "**missed**" }
}

/// An emulator at the bench's latency and rate, and `count` configs ACTIVE across the trial
/// regions, each bound (drifted) to a stage of its region in a desired file; the schedule from
/// `plan` is given to the emulator, then apply waits for all of them.
fn measure_run(
    runtime: &Runtime,
    bench: &WaitBench,
    count: usize,
    mut schedule: impl FnMut(usize, &'static str, String) -> Trial,
) -> Result<Run> {
    let emulator = Emulator::spawn(Config {
        latency: bench.latency,
        rate_limit_tps: Some(bench.tps),
        ..Config::ephemeral()
    })?;
    let url = emulator.url();
    let dir = tempfile::tempdir()?;
    let result = runtime.block_on(async {
        let (file, arns) = seed(&url, dir.path(), count).await?;
        let http = reqwest::Client::new();
        let ivs = connect(&url).await;
        let tasks = waiting_tasks(&ivs, file).await?;
        let trials: Vec<Trial> = arns
            .into_iter()
            .enumerate()
            .map(|(i, (region, arn))| schedule(i, region, arn))
            .collect();
        let started_ms = now_ms(&http, &url).await?;
        for trial in &trials {
            post_state(&http, &url, &trial.arn, "INACTIVE", trial.leaves_ms).await?;
            if let Some(back) = trial.returns_ms {
                post_state(&http, &url, &trial.arn, "ACTIVE", back).await?;
            }
        }
        let last = trials
            .iter()
            .map(|t| t.returns_ms.unwrap_or(t.leaves_ms))
            .max()
            .unwrap_or(0);
        let waiting = Waiting {
            deadline: Duration::from_millis(last + 3_000),
            poll_interval: bench.poll_interval,
        };
        let (_stop_tx, stop_rx) = watch::channel(false);
        let report =
            reconcile::execute(&ivs, tasks, Pacing::default(), Some(waiting), stop_rx, &()).await;
        let outcomes = report
            .results
            .iter()
            .map(|r| (r.arn.clone(), r.outcome.as_str().to_owned()))
            .collect();
        let changes = state_changes(&http, &url).await?;
        let requests = requests(&http, &url).await?;
        let mut stages = HashMap::new();
        for trial in &trials {
            let client = sdk_client(&url, trial.region, None).await;
            let got = client
                .get_ingest_configuration()
                .arn(&trial.arn)
                .send()
                .await?;
            let stage = got
                .ingest_configuration()
                .map(|c| c.stage_arn().to_owned())
                .unwrap_or_default();
            stages.insert(trial.arn.clone(), stage);
        }
        Ok::<_, anyhow::Error>(Run {
            outcomes,
            changes,
            requests,
            stages,
            started_ms,
        })
    });
    emulator.shutdown();
    result
}

/// List and Get calls while `count` configs wait in one region for `intervals` poll intervals.
fn measure_quota(
    runtime: &Runtime,
    bench: &WaitBench,
    count: usize,
    intervals: u32,
) -> Result<(u64, u64)> {
    let emulator = Emulator::spawn(Config {
        latency: bench.latency,
        rate_limit_tps: Some(bench.tps),
        ..Config::ephemeral()
    })?;
    let url = emulator.url();
    let dir = tempfile::tempdir()?;
    let result = runtime.block_on(async {
        let (file, _) = seed_in(&url, dir.path(), count, &REGIONS[..1]).await?;
        let ivs = connect(&url).await;
        let tasks = waiting_tasks(&ivs, file).await?;
        let http = reqwest::Client::new();
        let before = requests(&http, &url).await?.len();
        let waiting = Waiting {
            deadline: bench.poll_interval * intervals,
            poll_interval: bench.poll_interval,
        };
        let (_stop_tx, stop_rx) = watch::channel(false);
        reconcile::execute(&ivs, tasks, Pacing::default(), Some(waiting), stop_rx, &()).await;
        let during = &requests(&http, &url).await?[before..];
        let of = |op: &str| during.iter().filter(|(o, _, _)| o == op).count() as u64;
        Ok::<_, anyhow::Error>((of("ListIngestConfigurations"), of("GetIngestConfiguration")))
    });
    emulator.shutdown();
    result
}

/// The file's plan as apply runs it with `--wait-for-inactive`: ACTIVE configs wait.
async fn waiting_tasks(ivs: &ingestctl::ivs::Ivs, file: std::path::PathBuf) -> Result<Vec<Task>> {
    let desired = desired::load(&[file]).map_err(|d| anyhow!("{d}"))?;
    let planned = reconcile::plan(ivs, desired).await.map_err(said)?;
    Ok(planned
        .plan
        .changes
        .into_iter()
        .map(|c| plan::task_with(c, WhenActive::Wait))
        .collect())
}

async fn seed(
    url: &str,
    dir: &std::path::Path,
    count: usize,
) -> Result<(std::path::PathBuf, Vec<(&'static str, String)>)> {
    seed_in(url, dir, count, &REGIONS[..TRIAL_REGIONS]).await
}

/// `count` configs spread over `regions`, each ACTIVE on no stage, and a file binding each to a
/// stage of its region.
async fn seed_in(
    url: &str,
    dir: &std::path::Path,
    count: usize,
    regions: &[&'static str],
) -> Result<(std::path::PathBuf, Vec<(&'static str, String)>)> {
    let http = reqwest::Client::new();
    let mut stages = HashMap::new();
    for region in regions {
        let client = sdk_client(url, region, None).await;
        let stage = client.create_stage().name("main").send().await?;
        let arn = stage
            .stage()
            .map(|s| s.arn().to_owned())
            .unwrap_or_default();
        stages.insert(*region, (client, arn));
    }
    let mut yaml = String::from("version: 1\nbindings:\n");
    let mut arns = Vec::new();
    for i in 0..count {
        let region = regions[i % regions.len()];
        let (client, stage) = &stages[region];
        let created = client
            .create_ingest_configuration()
            .name(format!("enc-{i}"))
            .ingest_protocol(IngestProtocol::Rtmps)
            .send()
            .await?;
        let arn = created
            .ingest_configuration()
            .map(|c| c.arn().to_owned())
            .unwrap_or_default();
        post_state(&http, url, &arn, "ACTIVE", 0).await?;
        let _ = writeln!(yaml, "  - ingestConfiguration: {arn}\n    stage: {stage}");
        arns.push((region, arn));
    }
    let file = dir.join("bindings.yaml");
    std::fs::write(&file, yaml)?;
    Ok((file, arns))
}

async fn post_state(
    http: &reqwest::Client,
    url: &str,
    arn: &str,
    state: &str,
    after_ms: u64,
) -> Result<()> {
    let response = http
        .post(format!("{url}/_emulator/ingest-configuration-state"))
        .json(&json!({"arn": arn, "state": state, "afterMs": after_ms}))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("state control: {}", response.status());
    }
    Ok(())
}

/// The emulator clock now, from a scheduled no-op's answer.
async fn now_ms(http: &reqwest::Client, url: &str) -> Result<u64> {
    let log: Value = http
        .get(format!("{url}/_emulator/requests"))
        .send()
        .await?
        .json()
        .await?;
    Ok(log
        .as_array()
        .and_then(|l| l.last())
        .and_then(|r| r["at_ms"].as_u64())
        .unwrap_or(0))
}

async fn state_changes(
    http: &reqwest::Client,
    url: &str,
) -> Result<HashMap<String, Vec<(String, u64)>>> {
    let log: Value = http
        .get(format!("{url}/_emulator/state-changes"))
        .send()
        .await?
        .json()
        .await?;
    let mut changes: HashMap<String, Vec<(String, u64)>> = HashMap::new();
    for change in log.as_array().into_iter().flatten() {
        let arn = change["arn"].as_str().unwrap_or_default().to_owned();
        let state = change["state"].as_str().unwrap_or_default().to_owned();
        let at = change["at_ms"].as_u64().unwrap_or(0);
        changes.entry(arn).or_default().push((state, at));
    }
    Ok(changes)
}

async fn requests(http: &reqwest::Client, url: &str) -> Result<Vec<(String, String, u64)>> {
    let log: Value = http
        .get(format!("{url}/_emulator/requests"))
        .send()
        .await?
        .json()
        .await?;
    Ok(log
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["operation"].as_str().unwrap_or_default().to_owned(),
                r["region"].as_str().unwrap_or_default().to_owned(),
                r["at_ms"].as_u64().unwrap_or(0),
            )
        })
        .collect())
}
