//! The tags scenario: plan and apply over tag-managed configs at the tag APIs' quota (10 TPS),
//! against their floors, with every throttled call counted.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use aws_sdk_ivsrealtime::types::IngestProtocol;
use ingestctl::apply::Pacing;
use ingestctl::desired;
use ingestctl::plan;
use ingestctl::reconcile;
use ivs_realtime_emulator::{Config, Emulator};
use tokio::runtime::Runtime;
use tokio::sync::watch;

use super::{REGIONS, connect, counts, said, sdk_client};

/// The tag APIs' quota per account and region.
const TAG_TPS: f64 = 10.0;

/// Tag-managed configs in the scenario.
const CONFIGS: usize = 100;

pub(crate) fn run(runtime: &Runtime, latency: Duration) -> Result<String> {
    // The emulator's one rate limit is the tag quota here: the list call is a single page, and
    // ingestctl paces it at 5 anyway.
    let emulator = Emulator::spawn(Config {
        latency,
        rate_limit_tps: Some(TAG_TPS),
        ..Config::ephemeral()
    })?;
    let url = emulator.url();
    let dir = tempfile::tempdir()?;
    let result = runtime.block_on(async {
        let client = sdk_client(&url, REGIONS[0], None).await;
        let mut yaml = String::from("version: 1\ndefaultTags:\n  team: video\nbindings:\n");
        for i in 0..CONFIGS {
            let created = client
                .create_ingest_configuration()
                .name(format!("enc-{i:03}"))
                .ingest_protocol(IngestProtocol::Rtmps)
                .tags("team", "audio")
                .send()
                .await?;
            let arn = created
                .ingest_configuration()
                .map(|c| c.arn().to_owned())
                .ok_or_else(|| anyhow!("no config"))?;
            writeln!(yaml, "  - ingestConfiguration: {arn}\n    stage: null")?;
            // Let the emulator's bucket refill: seeding is not measured.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let file = dir.path().join("bindings.yaml");
        std::fs::write(&file, yaml)?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let http = reqwest::Client::new();
        let before = counts(&http, &url).await?;
        let ivs = connect(&url).await;
        let started = Instant::now();
        let desired = desired::load(&[file]).map_err(|d| anyhow!("{d}"))?;
        let planned = reconcile::plan(&ivs, desired).await.map_err(said)?;
        let plan_time = started.elapsed().as_secs_f64();
        let after_plan = counts(&http, &url).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let tasks = planned.plan.changes.into_iter().map(plan::task).collect();
        let (_stop_tx, stop_rx) = watch::channel(false);
        let applying = Instant::now();
        let report = reconcile::execute(&ivs, tasks, Pacing::default(), None, stop_rx, &()).await;
        let apply_time = applying.elapsed().as_secs_f64();
        let after_apply = counts(&http, &url).await?;
        Ok::<_, anyhow::Error>((
            plan_time,
            after_plan.minus(&before),
            apply_time,
            after_apply.minus(&after_plan),
            report.tally().updated,
        ))
    });
    emulator.shutdown();
    let (plan_time, plan_calls, apply_time, apply_calls, updated) = result?;
    let rtt = latency.as_secs_f64();
    // Reads: one list page, then the tag reads at the quota after its burst, plus a round trip.
    let reads = (CONFIGS as f64 - TAG_TPS).max(0.0) / TAG_TPS + rtt;
    let plan_floor = rtt + reads;
    let writes_floor = (CONFIGS as f64 - TAG_TPS).max(0.0) / TAG_TPS + rtt;
    let throttled = |c: &super::Counts| c.throttled.values().sum::<u64>();
    let mut out = String::new();
    writeln!(
        out,
        "\nTags: {CONFIGS} tag-managed configs, each needing one tag changed, {:.0} ms round trip, \
         the tag APIs' {TAG_TPS} TPS.\n",
        rtt * 1e3
    )?;
    out.push_str(
        "| measure | floor | measured | ratio | target | verdict |\n|---|---:|---:|---:|---|---|\n",
    );
    let plan_ratio = plan_time / plan_floor;
    writeln!(
        out,
        "| plan ({} ListTagsForResource, {} list page, {} throttled) | {plan_floor:.2} s | {plan_time:.2} s | {plan_ratio:.3}× | ≤ 1.1× | {} |",
        plan_calls.calls_of("ListTagsForResource"),
        plan_calls.calls_of("ListIngestConfigurations"),
        throttled(&plan_calls),
        verdict(plan_ratio <= 1.1 && throttled(&plan_calls) == 0)
    )?;
    let apply_ratio = apply_time / writes_floor;
    writeln!(
        out,
        "| apply of tag-only changes ({updated} updated; {} TagResource, {} UntagResource, {} UpdateIngestConfiguration, {} throttled) | {writes_floor:.2} s | {apply_time:.2} s | {apply_ratio:.3}× | ≤ 1.1× | {} |",
        apply_calls.calls_of("TagResource"),
        apply_calls.calls_of("UntagResource"),
        apply_calls.calls_of("UpdateIngestConfiguration"),
        throttled(&apply_calls),
        verdict(apply_ratio <= 1.1 && throttled(&apply_calls) == 0)
    )?;
    Ok(out)
}

fn verdict(pass: bool) -> &'static str {
    if pass { "met" } else { "**missed**" }
}
