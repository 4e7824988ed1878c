//! Runs one subcommand from start to exit code: dispatch, confirmation, what goes to stdout and
//! stderr, and the exit code. The work itself is [`crate::reconcile`]'s; the words are render/'s.

use std::io::{self, BufRead, IsTerminal};
use std::process::ExitCode;

use clap::CommandFactory;

use crate::api::Api;
use crate::apply::{self, Pacing, Report};
use crate::atomic_write::write_atomically;
use crate::cli::{
    ApplyArgs, Aws, Cli, Command, CompletionsArgs, Connection, ExportArgs, PlanArgs, ValidateArgs,
};
use crate::console::{Stderr, painter, write_stdout};
use crate::desired;
use crate::ivs::{AwsOptions, Ivs};
use crate::live::Reads;
use crate::plan::{self, Action, Outcome, Plan, Task, WhenActive};
use crate::progress::StderrProgress;
use crate::reconcile::{self, Error};
use crate::render::{self, Format, Level, Note};
use crate::signal::{Abort, InFlight, Signal, Stop};
use crate::wait::Waiting;
use crate::wait_progress::WaitProgress;

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

/// Why a command stopped: reconciling's error, or one of the run's own refusals.
enum Failure {
    Reconcile(Error),
    Note(Note),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Reconcile(error)
    }
}

impl<T> From<T> for Failure
where
    Error: From<T>,
    T: NotError,
{
    fn from(error: T) -> Failure {
        Failure::Reconcile(Error::from(error))
    }
}

/// The errors that convert into [`Error`] (a marker, so `Error` itself keeps its own `From`).
trait NotError {}
impl NotError for crate::diagnostic::Diagnostics {}
impl NotError for crate::plan::Problems {}
impl NotError for crate::api::ApiError {}
impl NotError for crate::saved_plan::PlanFileError {}

type Outcome_ = Result<Exit, Failure>;

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
        abort = stop.aborted() => return aborted(abort, &stderr),
    };
    result.unwrap_or_else(|failure| {
        match failure {
            Failure::Reconcile(error) => {
                for (location, message) in render::error_lines(&error) {
                    let shown = match &location {
                        Some(location) => format!("{location}: {message}"),
                        None => message.clone(),
                    };
                    stderr.error(&shown);
                    if matches!(error, Error::Load(_) | Error::Plan(_)) {
                        stderr.annotate(Level::Error, location.as_ref(), &message);
                    }
                }
            }
            Failure::Note(note) => stderr.error(&note.text()),
        }
        Exit::Error
    })
}

/// Says why the run ends without finishing, and with which code.
fn aborted(abort: Abort, stderr: &Stderr) -> Exit {
    match abort {
        Abort::BeforeApply(signal) => {
            stderr.warning(&Note::StoppedBeforeChange.text());
            Exit::Interrupted(signal)
        }
        Abort::Again { signal, in_flight } => {
            stderr.warning(&Note::StoppedAgain { in_flight }.text());
            Exit::Interrupted(signal)
        }
    }
}

/// Writes the product; a reader that went away (`| head`) is not an error for a read-only
/// command, whose exit code still says what it found.
fn show(text: &str) -> Result<(), Failure> {
    match write_stdout(text) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure::Reconcile(Error::Io {
                path: "<stdout>".into(),
                writing: true,
                error,
            }))
        }
        _ => Ok(()),
    }
}

async fn plan_command(args: PlanArgs, stderr: &Stderr) -> Outcome_ {
    let desired = desired::load(&args.files.paths)?;
    let ivs = Ivs::connect(&aws_options(&args.aws)).await;
    let planned = reconcile::plan(&ivs, desired).await?;
    warn_skips(&planned.plan, stderr);
    let painter = painter(args.output.color, io::stdout().is_terminal());
    show(&match args.output.format {
        Format::Text => render::plan_text(&planned.plan, painter),
        Format::Json => render::plan_json(&planned.plan),
        Format::Markdown => render::plan_markdown(&planned.plan),
    })?;
    if let Some(out) = &args.out {
        reconcile::save(&planned, out)?;
        stderr.note(
            &Note::Saved {
                path: out.display().to_string(),
            }
            .text(),
        );
    }
    Ok(if args.detailed_exitcode && planned.plan.has_drift() {
        Exit::Changes
    } else {
        Exit::Success
    })
}

async fn apply_command(args: ApplyArgs, stderr: &Stderr, stop: &Stop) -> Outcome_ {
    let painter = painter(args.output.color, io::stdout().is_terminal());
    let pacing = Pacing {
        max_tps: args.max_tps,
        parallelism: usize::from(args.parallelism),
    };
    let (when, waiting) = match args.wait_for_inactive {
        Some(deadline) => (
            WhenActive::Wait,
            Some(Waiting {
                deadline,
                poll_interval: args.poll_interval,
            }),
        ),
        None => (WhenActive::Skip, None),
    };
    let ivs;
    let tasks = if let Some(plan_path) = &args.plan {
        ivs = Ivs::connect(&aws_options(&args.aws)).await;
        reconcile::saved(&ivs, plan_path, &args.paths, when).await?
    } else {
        let desired = desired::load(&args.paths)?;
        ivs = Ivs::connect(&aws_options(&args.aws)).await;
        let planned = reconcile::plan(&ivs, desired).await?;
        let plan = planned.plan;
        let asking = plan.summary().update > 0 && !args.auto_approve;
        if args.output.format == Format::Text {
            // Nothing is applied that could not be shown.
            write_stdout(&render::plan_text_waiting(
                &plan,
                painter,
                args.wait_for_inactive,
            ))
            .map_err(|error| {
                Failure::Note(Note::PlanNotShown {
                    error: error.to_string(),
                })
            })?;
        } else if asking && io::stdin().is_terminal() {
            // stdout carries JSON or markdown: the plan being confirmed goes to stderr.
            stderr.raw(&render::plan_text_waiting(
                &plan,
                stderr.painter,
                args.wait_for_inactive,
            ));
        }
        if asking {
            confirm(stderr).await?;
        }
        plan.changes
            .into_iter()
            .map(|change| plan::task_with(change, when))
            .collect()
    };
    let (report, signal) = execute(&ivs, tasks, pacing, waiting, stderr, stop).await;
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
        stderr.error(
            &Note::ReportNotShown {
                error: error.to_string(),
            }
            .text(),
        );
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

fn validate_command(args: &ValidateArgs, stderr: &Stderr) -> Outcome_ {
    let desired = desired::load(&args.all_paths())?;
    stderr.note(
        &Note::Valid {
            bindings: desired.bindings.len(),
            files: desired.sources.len(),
        }
        .text(),
    );
    Ok(Exit::Success)
}

async fn export_command(args: ExportArgs, stderr: &Stderr) -> Outcome_ {
    let ivs = Ivs::connect(&connection_options(&args.connection, None)).await;
    let regions = if args.regions.is_empty() {
        match ivs.default_region() {
            Some(region) => vec![region],
            None => return Err(Failure::Note(Note::NoRegionToExport)),
        }
    } else {
        args.regions.clone()
    };
    let reads: Reads = regions.into_iter().map(|region| (region, true)).collect();
    let mut live = ivs.read_live(&reads).await?;
    if args.with_tags {
        let every: Vec<(String, String)> = live
            .regions
            .iter()
            .flat_map(|(region, state)| {
                state
                    .configs
                    .iter()
                    .map(|c| (region.clone(), c.arn.clone()))
            })
            .collect();
        live.tags = ivs.read_tags(&every).await?;
    }
    let yaml = render::export_yaml(&live, args.with_tags);
    match &args.output {
        Some(path) => {
            let io_error = |path: &std::path::Path, error| {
                Failure::Reconcile(Error::Io {
                    path: path.to_owned(),
                    writing: true,
                    error,
                })
            };
            // A new repository's bindings/ directory may not exist yet.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
            }
            write_atomically(path, &yaml).map_err(|e| io_error(path, e))?;
            let bindings = live.regions.values().map(|r| r.configs.len()).sum();
            stderr.note(
                &Note::Exported {
                    bindings,
                    path: path.display().to_string(),
                }
                .text(),
            );
        }
        None => show(&yaml)?,
    }
    Ok(Exit::Success)
}

fn completions_command(args: &CompletionsArgs) -> Outcome_ {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "ingestctl", &mut script);
    show(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}

fn man_command() -> Outcome_ {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|error| {
            Failure::Reconcile(Error::Io {
                path: "<man page>".into(),
                writing: true,
                error,
            })
        })?;
    show(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Success)
}

/// Asks for `yes` on a terminal; without one, refuses rather than hang or assume.
async fn confirm(stderr: &Stderr) -> Result<(), Failure> {
    if !io::stdin().is_terminal() {
        return Err(Failure::Note(Note::NoTerminal));
    }
    stderr.prompt(&Note::Confirm.text());
    // Read on a blocking thread, so a signal at the prompt is still heard.
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer).map(|_| answer)
    })
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default();
    if answer.trim() != "yes" {
        return Err(Failure::Note(Note::Cancelled));
    }
    Ok(())
}

/// Applies the tasks; a signal from now on stops new calls instead of ending the run.
async fn execute(
    api: &impl Api,
    tasks: Vec<Task>,
    pacing: Pacing,
    waiting: Option<Waiting>,
    stderr: &Stderr,
    stop: &Stop,
) -> (Report, Option<Signal>) {
    let updates = tasks
        .iter()
        .filter(|t| matches!(t, Task::Update(_)))
        .count();
    let progress = Watched {
        bar: StderrProgress::new(stderr, updates),
        waits: WaitProgress::new(stderr),
        in_flight: stop.in_flight(),
        stderr,
    };
    let report = reconcile::execute(api, tasks, pacing, waiting, stop.applying(), &progress).await;
    progress.bar.done();
    (report, stop.caught())
}

/// Apply's progress: the bar on stderr, the calls in flight for a second signal to name, and a
/// warning when another client's calls throttle ours.
struct Watched<'a> {
    bar: StderrProgress<'a>,
    waits: WaitProgress<'a>,
    in_flight: &'a InFlight,
    stderr: &'a Stderr,
}

impl apply::Progress for Watched<'_> {
    fn sent(&self, arn: &str) {
        self.in_flight.sent(arn);
    }

    fn answered(&self, arn: &str) {
        self.in_flight.answered(arn);
    }

    fn throttled(&self, arn: &str, patience: std::time::Duration) {
        self.stderr.warning(
            &Note::Throttled {
                arn: arn.to_owned(),
                patience,
            }
            .text(),
        );
    }

    fn wait_started(&self, arn: &str, name: Option<&str>, deadline: std::time::Duration) {
        self.waits.started(arn, name, deadline);
    }

    fn waiting(&self, count: usize, elapsed: std::time::Duration, deadline: std::time::Duration) {
        self.waits.tick(count, elapsed, deadline);
    }

    fn wait_ended(&self, arn: &str) {
        self.waits.ended(arn);
    }

    fn poll_failed(&self, error: &crate::api::ApiError) {
        self.stderr.warning(
            &Note::PollFailed {
                error: render::api_error(error),
            }
            .text(),
        );
    }

    fn finished(&self, done: usize, total: usize, result: &plan::ItemResult) {
        self.waits.finished(result);
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
