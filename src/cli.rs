//! The command line as clap sees it: subcommands, flags and their help, nothing else.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "ingestctl",
    version,
    about = "GitOps for AWS IVS Real-Time: declare ingest-configuration to stage bindings in YAML, plan and apply them",
    after_help = "Examples:\n  ingestctl plan -f bindings/\n  ingestctl plan -f bindings/ --out plan.json --detailed-exitcode\n  ingestctl apply plan.json\n  ingestctl validate -f bindings/"
)]
pub struct Cli {
    /// More diagnostics on stderr: -v ingestctl's steps, -vv with AWS SDK activity, -vvv
    /// everything (RUST_LOG overrides)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would change, without changing anything
    #[command(
        after_help = "Examples:\n  ingestctl plan -f bindings.yaml\n  ingestctl plan -f bindings/ --format markdown > comment.md\n  ingestctl plan -f bindings/ --out plan.json --detailed-exitcode\n\nExit codes: 0 success, 1 error; with --detailed-exitcode 0 in sync, 1 error, 2 drift."
    )]
    Plan(PlanArgs),
    /// Update drifted ingest configurations (from a saved plan, or after planning)
    #[command(
        after_help = "Examples:\n  ingestctl apply -f bindings/               # plan, confirm, apply\n  ingestctl apply -f bindings/ --auto-approve\n  ingestctl apply plan.json                  # a saved plan is its own approval\n  ingestctl apply plan.json --wait-for-inactive 10m   # apply live configs as their publishers leave\n\nExit codes: 0 nothing failed or went stale, 1 otherwise; with --detailed-exitcode 2 when nothing failed but something was skipped."
    )]
    Apply(ApplyArgs),
    /// Check desired-state files offline: syntax, schema, ARNs, duplicates (no AWS call)
    #[command(
        after_help = "Examples:\n  ingestctl validate -f bindings/\n  ingestctl validate a.yaml b.yaml\n\nExit codes: 0 valid, 1 invalid."
    )]
    Validate(ValidateArgs),
    /// Write a desired-state file of the live bindings: adoption in one command
    #[command(
        after_help = "Examples:\n  ingestctl export -o bindings/us-east-1.yaml\n  ingestctl export --region us-east-1 --region eu-west-1 > bindings.yaml\n\nThe file binds every ingest configuration by ARN (names as comments) and plans to no changes."
    )]
    Export(ExportArgs),
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  ingestctl completions bash > /etc/bash_completion.d/ingestctl\n  ingestctl completions zsh > \"${fpath[1]}/_ingestctl\"\n  ingestctl completions fish > ~/.config/fish/completions/ingestctl.fish\n  ingestctl completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff)
    #[command(
        after_help = "Examples:\n  ingestctl man > /usr/local/share/man/man1/ingestctl.1\n  ingestctl man | man -l -"
    )]
    Man,
}

#[derive(Debug, Args)]
pub struct Files {
    /// A desired-state file, or a directory of *.yaml/*.yml files; repeat for more
    #[arg(short = 'f', long = "file", value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Output {
    /// How to write the result on stdout
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// When to colour text output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless NO_COLOR is set or TERM=dumb
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct Aws {
    /// Region for names in files that set none [env: AWS_REGION; default: the profile's]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub connection: Connection,
}

/// How to reach AWS, apart from the region.
#[derive(Debug, Args)]
pub struct Connection {
    /// Named profile from the AWS config files [env: AWS_PROFILE]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send requests here instead of AWS [env: AWS_ENDPOINT_URL_IVS_REALTIME, AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// The longest one API operation may take, retries included (e.g. 30s, 500ms)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub files: Files,
    #[command(flatten)]
    pub output: Output,
    /// Exit 0 when in sync, 2 when anything drifted, 1 on error
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also save the plan to this file, for `ingestctl apply PLAN`
    #[arg(long, value_name = "PLAN")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub aws: Aws,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved by `ingestctl plan --out`; applied without a question
    #[arg(value_name = "PLAN", required_unless_present = "paths")]
    pub plan: Option<PathBuf>,
    /// A desired-state file or directory to plan and apply (with PLAN: must match the plan's)
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Apply without asking for confirmation
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub output: Output,
    /// Exit 2 when nothing failed but something was skipped
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Update calls per second per region (the service allows 5)
    #[arg(long, value_name = "N", default_value_t = 5.0, value_parser = parse_tps)]
    pub max_tps: f64,
    /// Update calls in flight per region
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Wait up to this long (e.g. 10m) for ACTIVE configs' publishers to leave, and update each
    /// the moment its publisher does, instead of skipping it
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait_for_inactive: Option<Duration>,
    /// While waiting, how often to read each region's list of ACTIVE configs (one paced call)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_poll_interval, requires = "wait_for_inactive")]
    pub poll_interval: Duration,
    #[command(flatten)]
    pub aws: Aws,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Desired-state files or directories (as `-f`; handy for pre-commit, which appends files)
    #[arg(value_name = "PATH", required_unless_present = "files")]
    pub paths: Vec<PathBuf>,
    /// A desired-state file, or a directory of *.yaml/*.yml files; repeat for more
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
}

impl ValidateArgs {
    /// Every path given, flags first, in order.
    pub fn all_paths(&self) -> Vec<PathBuf> {
        self.files.iter().chain(&self.paths).cloned().collect()
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A region to export; repeat for more [default: --region's default, AWS_REGION or the profile's]
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Write to this file instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write each config's tags (one ListTagsForResource per config), so the file manages
    /// them; tags every config shares go in `defaultTags:`
    #[arg(long)]
    pub with_tags: bool,
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Ends a command line clap refused: help and version on stdout with 0, any usage error on
/// stderr with 1, since 2 is `--detailed-exitcode`'s "drift" and a typo must never look like it.
pub fn usage_exit(error: &clap::Error) -> ExitCode {
    let _ = error.print();
    if error.use_stderr() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The longest duration any flag takes: a day. Longer is a typo, and would overflow timers.
const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// `30s`, `500ms`, `2m`, `1h`, or plain seconds; positive and at most a day.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (such as 30s, 500ms or 2m)"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("`{text}` must be a positive duration"));
    }
    match Duration::try_from_secs_f64(value * scale) {
        Ok(duration) if duration >= Duration::from_millis(1) && duration <= MAX_DURATION => {
            Ok(duration)
        }
        Ok(duration) if duration < Duration::from_millis(1) => {
            Err(format!("`{text}` is shorter than a millisecond"))
        }
        _ => Err(format!("`{text}` is longer than a day (24h)")),
    }
}

/// The shortest poll interval: five polls a second would be a region's whole list quota.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// A duration of at least [`MIN_POLL_INTERVAL`].
fn parse_poll_interval(text: &str) -> Result<Duration, String> {
    let interval = parse_duration(text)?;
    if interval < MIN_POLL_INTERVAL {
        return Err(format!(
            "`{text}` is too short: polling more often than every {} ms would spend the region's \
             whole ListIngestConfigurations quota",
            MIN_POLL_INTERVAL.as_millis()
        ));
    }
    Ok(interval)
}

/// The most calls a second `--max-tps` takes: far above any quota, below float nonsense.
const MAX_TPS: f64 = 10_000.0;

/// The fewest: one call every 100 s, beyond which an apply would never end.
const MIN_TPS: f64 = 0.01;

/// A rate in calls a second, between [`MIN_TPS`] and [`MAX_TPS`].
fn parse_tps(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value.is_finite() && (MIN_TPS..=MAX_TPS).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is out of range: calls per second must be between {MIN_TPS} and {MAX_TPS}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_accept_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("1e20").is_err());
        assert!(parse_duration("inf").is_err());
        assert!(parse_duration("NaN").is_err());
        assert!(parse_duration("1e-20").is_err());
        assert!(parse_duration("25h").is_err());
    }

    #[test]
    fn rates_refuse_nonsense() {
        assert_eq!(parse_tps("5"), Ok(5.0));
        assert_eq!(parse_tps("0.5"), Ok(0.5));
        for bad in ["0", "-1", "1e-20", "inf", "NaN", "1e20", "five"] {
            assert!(parse_tps(bad).is_err(), "{bad}");
        }
    }
}
