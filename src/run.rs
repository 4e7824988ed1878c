//! Runs one subcommand from start to exit code: load, read live state, plan, confirm, apply, and
//! write what render made to stdout and stderr.

use std::collections::BTreeMap;
use std::io::{self, BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::api::{self, Api};
use crate::apply::{self, Outcome, Pacing, Report, Task};
use crate::atomic_write::write_atomically;
use crate::console::{Stderr, painter, write_stdout};
use crate::progress::StderrProgress;
use crate::signal::{Abort, InFlight, Signal, Stop};
use anyhow::{Context, bail};
use clap::CommandFactory;

use crate::cli::{
    ApplyArgs, Aws, Cli, Command, CompletionsArgs, Connection, ExportArgs, PlanArgs, ValidateArgs,
};
use crate::desired::{self, Desired};
use crate::diagnostic::Diagnostics;
use crate::ivs::{AwsOptions, Ivs};
use crate::live::Reads;
use crate::plan::{self, Action, Plan};
use crate::render::{self, Format, Level};
use crate::saved_plan::{PlanFileError, SavedPlan};

/// How the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success,
    Error,
    /// `--detailed-exitcode`: drift (plan) or skips (apply).
    Changes,
    Interrupted(Signal),
}

impl Exit {
    /// The process exit code: 0, 1, 2, or 128 plus the signal's number.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Error => 1,
            Exit::Changes => 2,
            Exit::Interrupted(signal) => signal.exit_code(),
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// Runs the parsed command line. A signal before the first write, or a second one during apply,
/// ends it at once.
pub async fn run(cli: Cli) -> Exit {
    let stderr = Stderr::new();
    crate::logging::init(cli.verbose, stderr.painter.enabled);
    let stop = Stop::listen();
    let work = async {
        match cli.command {
            Command::Plan(args) => plan_command(args, &stderr).await,
            Command::Apply(args) => apply_command(args, &stderr, &stop).await,
            Command::Validate(args) => validate_command(&args, &stderr),
            Command::Export(args) => export_command(args, &stderr).await,
            Command::Completions(args) => completions_command(&args),
            Command::Man => man_command(),
        }
    };
    let result = tokio::select! {
        result = work => result,
        abort = stop.aborted() => return aborted(&abort, &stderr),
    };
    result.unwrap_or_else(|failure| {
        match failure.downcast_ref::<Diagnostics>() {
            Some(diagnostics) => {
                for diagnostic in &diagnostics.0 {
                    stderr.error(&diagnostic.to_string());
                    stderr.annotate(
                        Level::Error,
                        diagnostic.location.as_ref(),
                        &diagnostic.message,
                    );
                }
            }
            None => stderr.error(&format!("{failure:#}")),
        }
        Exit::Error
    })
}

/// Says why the run ends without finishing, and with which code.
fn aborted(abort: &Abort, stderr: &Stderr) -> Exit {
    match abort {
        Abort::BeforeApply(signal) => {
            stderr.warning("interrupted before any change: nothing was changed");
            Exit::Interrupted(*signal)
        }
        Abort::Again { signal, in_flight } => {
            if in_flight.is_empty() {
                stderr.warning("interrupted again: exiting now; no update was in flight");
            } else {
                stderr.warning(&format!(
                    "interrupted again: exiting now without waiting for {} update(s) in flight, \
                     whose outcome is unknown (run `ingestctl plan` to see where they stand): {}",
                    in_flight.len(),
                    in_flight.join(", ")
                ));
            }
            Exit::Interrupted(*signal)
        }
    }
}

/// Writes the product; a reader that went away (`| head`) is not an error for a read-only
/// command, whose exit code still says what it found.
fn show(text: &str) -> anyhow::Result<()> {
    match write_stdout(text) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(error).context("cannot write to stdout"))
        }
        _ => Ok(()),
    }
}

async fn plan_command(args: PlanArgs, stderr: &Stderr) -> anyhow::Result<Exit> {
    let desired = desired::load(&args.files.paths)?;
    let ivs = Ivs::connect(&aws_options(&args.aws)).await;
    let (desired, plan) = make_plan(&ivs, desired).await?;
    warn_skips(&plan, stderr);
    let painter = painter(args.output.color, io::stdout().is_terminal());
    show(&match args.output.format {
        Format::Text => render::plan_text(&plan, painter),
        Format::Json => render::plan_json(&plan),
        Format::Markdown => render::plan_markdown(&plan),
    })?;
    if let Some(out) = &args.out {
        let saved = SavedPlan::new(&plan, desired.digest(), file_list(&desired));
        write_atomically(out, &saved.to_json())
            .with_context(|| format!("{}: cannot write the plan", out.display()))?;
        stderr.note(&format!(
            "Saved the plan to {}; apply it with `ingestctl apply {}`.",
            out.display(),
            out.display()
        ));
    }
    Ok(if args.detailed_exitcode && plan.has_drift() {
        Exit::Changes
    } else {
        Exit::Success
    })
}

async fn apply_command(args: ApplyArgs, stderr: &Stderr, stop: &Stop) -> anyhow::Result<Exit> {
    let painter = painter(args.output.color, io::stdout().is_terminal());
    let pacing = Pacing {
        max_tps: args.max_tps,
        parallelism: usize::from(args.parallelism),
    };
    let tasks;
    let ivs;
    if let Some(plan_path) = &args.plan {
        let (mut saved, desired) = read_saved_plan(plan_path, &args.paths)?;
        ivs = Ivs::connect(&aws_options(&args.aws)).await;
        let desired = desired.with_default_region(ivs.default_region().as_deref())?;
        saved.check_follows(&plan_path.display().to_string(), &desired)?;
        let live = api::read_live(&ivs, &saved.reads()).await?;
        plan::check_accounts(&desired, &live)?;
        saved.check_names(&live)?;
        tasks = saved.recheck(&live);
    } else {
        let desired = desired::load(&args.paths)?;
        ivs = Ivs::connect(&aws_options(&args.aws)).await;
        let (_, plan) = make_plan(&ivs, desired).await?;
        let asking = plan.summary().update > 0 && !args.auto_approve;
        if args.output.format == Format::Text {
            // Nothing is applied that could not be shown.
            write_stdout(&render::plan_text(&plan, painter)).map_err(|error| {
                anyhow::anyhow!("cannot show the plan on stdout ({error}); nothing was applied")
            })?;
        } else if asking && io::stdin().is_terminal() {
            // stdout carries JSON or markdown: the plan being confirmed goes to stderr.
            stderr.raw(&render::plan_text(&plan, stderr.painter));
        }
        if asking {
            confirm(stderr).await?;
        }
        tasks = plan.changes.into_iter().map(Task::from_change).collect();
    }
    let (report, signal) = execute(&ivs, tasks, pacing, stderr, stop).await;
    for result in &report.results {
        if let Some(warning) = render::result_warning(result) {
            let level = match result.outcome {
                Outcome::Skipped => {
                    stderr.warning(&warning);
                    Level::Warning
                }
                _ => {
                    stderr.error(&warning);
                    Level::Error
                }
            };
            stderr.annotate(level, Some(&result.location), &warning);
        }
    }
    let text = match args.output.format {
        Format::Text => format!("\n{}", render::report_text(&report, painter)),
        Format::Json => render::report_json(&report),
        Format::Markdown => render::report_markdown(&report),
    };
    // The exit code below is the items' whatever became of stdout.
    if let Err(error) = write_stdout(&text) {
        stderr.error(&format!(
            "cannot write the report to stdout ({error}); the exit code still gives the outcome"
        ));
    }
    let tally = report.tally();
    Ok(if let Some(signal) = signal {
        Exit::Interrupted(signal)
    } else if tally.failed + tally.stale > 0 {
        Exit::Error
    } else if args.detailed_exitcode && tally.skipped > 0 {
        Exit::Changes
    } else {
        Exit::Success
    })
}

fn validate_command(args: &ValidateArgs, stderr: &Stderr) -> anyhow::Result<Exit> {
    let desired = desired::load(&args.all_paths())?;
    stderr.note(&format!(
        "{} valid: {} in {}.",
        if desired.sources.len() == 1 {
            "File is"
        } else {
            "Files are"
        },
        count(desired.bindings.len(), "binding"),
        count(desired.sources.len(), "file")
    ));
    Ok(Exit::Success)
}

async fn export_command(args: ExportArgs, stderr: &Stderr) -> anyhow::Result<Exit> {
    let ivs = Ivs::connect(&connection_options(&args.connection, None)).await;
    let regions = if args.regions.is_empty() {
        match ivs.default_region() {
            Some(region) => vec![region],
            None => {
                bail!("no region to export: pass --region, or set AWS_REGION or a profile's region")
            }
        }
    } else {
        args.regions.clone()
    };
    let reads: Reads = regions.into_iter().map(|region| (region, true)).collect();
    let live = api::read_live(&ivs, &reads).await?;
    let yaml = render::export_yaml(&live);
    match &args.output {
        Some(path) => {
            // A new repository's bindings/ directory may not exist yet.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("{}: cannot create", dir.display()))?;
            }
            write_atomically(path, &yaml)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            let configs: usize = live.regions.values().map(|r| r.configs.len()).sum();
            stderr.note(&format!(
                "Exported {} to {}; `ingestctl plan -f {}` should report no changes.",
                count(configs, "binding"),
                path.display(),
                path.display()
            ));
        }
        None => show(&yaml)?,
    }
    Ok(Exit::Success)
}

fn completions_command(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "ingestctl", &mut script);
    show(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}

fn man_command() -> anyhow::Result<Exit> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .context("cannot render the man page")?;
    show(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Success)
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Reads the regions the bindings touch (stages only where a stage is named by name) and plans.
async fn make_plan(api: &impl Api, desired: Desired) -> anyhow::Result<(Desired, Plan)> {
    let desired = desired.with_default_region(api.default_region().as_deref())?;
    let mut reads: Reads = BTreeMap::new();
    for binding in &desired.bindings {
        if let Some(region) = &binding.region {
            let needs_stages = matches!(binding.stage, Some(crate::arn::Ref::Name(_)));
            *reads.entry(region.clone()).or_default() |= needs_stages;
        }
    }
    let live = api::read_live(api, &reads).await?;
    let plan = plan::plan(&desired, &live)?;
    Ok((desired, plan))
}

/// Reads a saved plan and the desired files it was made from (or those given with `-f`),
/// refusing a plan whose files have another digest.
fn read_saved_plan(path: &Path, paths: &[PathBuf]) -> anyhow::Result<(SavedPlan, Desired)> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).with_context(|| format!("{shown}: cannot read the plan"))?;
    let text = String::from_utf8(text).map_err(|_| PlanFileError::NotAPlan {
        path: shown.clone(),
        reason: "it is not UTF-8 text".to_owned(),
    })?;
    let saved = SavedPlan::from_json(&shown, &text)?;
    let files: Vec<PathBuf> = if paths.is_empty() {
        saved.files.iter().map(PathBuf::from).collect()
    } else {
        paths.to_vec()
    };
    // Load problems keep their file:line:column: they are the files' own.
    let desired = desired::load(&files)?;
    if desired.digest() != saved.desired_digest {
        return Err(PlanFileError::OtherDesired {
            path: shown,
            reason: format!(
                "{} differ from what was planned",
                file_list(&desired).join(", ")
            ),
        }
        .into());
    }
    Ok((saved, desired))
}

fn file_list(desired: &Desired) -> Vec<String> {
    desired.sources.iter().map(|s| s.path.to_string()).collect()
}

/// Asks for `yes` on a terminal; without one, refuses rather than hang or assume.
async fn confirm(stderr: &Stderr) -> anyhow::Result<()> {
    if !io::stdin().is_terminal() {
        bail!(
            "refusing to apply without confirmation: stdin is not a terminal; pass --auto-approve, \
             or apply a saved plan (`ingestctl plan --out plan.json`, then `ingestctl apply plan.json`)"
        );
    }
    stderr.prompt("Do you want to apply these changes? Only 'yes' will be accepted: ");
    // Read on a blocking thread, so a signal at the prompt is still heard.
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer).map(|_| answer)
    })
    .await
    .context("cannot read the answer")?
    .context("cannot read the answer")?;
    if answer.trim() != "yes" {
        bail!("Apply cancelled: nothing was changed.");
    }
    Ok(())
}

/// Applies the tasks; a signal from now on stops new calls instead of ending the process.
async fn execute(
    api: &impl Api,
    tasks: Vec<Task>,
    pacing: Pacing,
    stderr: &Stderr,
    stop: &Stop,
) -> (Report, Option<Signal>) {
    let updates = tasks
        .iter()
        .filter(|t| matches!(t, Task::Update(_)))
        .count();
    let progress = Watched {
        bar: StderrProgress::new(stderr, updates),
        in_flight: stop.in_flight(),
    };
    let report = apply::apply(api, tasks, pacing, stop.applying(), &progress).await;
    progress.bar.done();
    (report, stop.caught())
}

/// Apply's progress: the bar on stderr, and the calls in flight for a second signal to name.
struct Watched<'a> {
    bar: StderrProgress<'a>,
    in_flight: &'a InFlight,
}

impl apply::Progress for Watched<'_> {
    fn sent(&self, arn: &str) {
        self.in_flight.sent(arn);
    }

    fn answered(&self, arn: &str) {
        self.in_flight.answered(arn);
    }

    fn finished(&self, done: usize, total: usize, result: &apply::ItemResult) {
        self.bar.finished(done, total, result);
    }
}

fn warn_skips(plan: &Plan, stderr: &Stderr) {
    for change in plan.changes.iter().filter(|c| c.action == Action::Skip) {
        let warning = render::skip_warning(change);
        stderr.warning(&warning);
        stderr.annotate(Level::Warning, Some(&change.location), &warning);
    }
}

fn aws_options(aws: &Aws) -> AwsOptions {
    connection_options(&aws.connection, aws.region.clone())
}

fn connection_options(connection: &Connection, region: Option<String>) -> AwsOptions {
    AwsOptions {
        region,
        profile: connection.profile.clone(),
        endpoint_url: connection.endpoint_url.clone(),
        timeout: Some(connection.timeout),
    }
}
