//! The run's own lines on stderr, in words: what was saved or exported, prompts and refusals,
//! signals, and the progress of a long apply.

use std::time::Duration;

use super::duration;

/// One line ingestctl says about the run itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// `plan --out` saved the plan.
    Saved { path: String },
    /// `validate` found nothing wrong.
    Valid { bindings: usize, files: usize },
    /// `export -o` wrote a file.
    Exported { bindings: usize, path: String },
    /// `export` without a region to export.
    NoRegionToExport,
    /// The confirmation question.
    Confirm,
    /// No terminal to ask on, and no `--auto-approve`.
    NoTerminal,
    /// Anything but `yes` at the prompt.
    Cancelled,
    /// The plan could not be written, so nothing is applied.
    PlanNotShown { error: String },
    /// The report could not be written; the exit code still tells.
    ReportNotShown { error: String },
    /// The first signal during apply.
    Stopping,
    /// A signal before any write.
    StoppedBeforeChange,
    /// A second signal during apply, with the updates still in flight.
    StoppedAgain { in_flight: Vec<String> },
    /// An update throttled despite the pacing, sent again for up to `patience`.
    Throttled { arn: String, patience: Duration },
    /// In a log: a config starts waiting for its publisher to leave.
    WaitStarted { label: String, deadline: Duration },
    /// On a terminal: a waiting config's live line (the elapsed time follows it).
    WaitLine { label: String, deadline: Duration },
    /// In a log, every 30 s: how many still wait.
    StillWaiting {
        count: usize,
        elapsed: Duration,
        deadline: Duration,
    },
    /// In a log: how a config's wait ended.
    WaitEnded {
        label: String,
        outcome: &'static str,
        waited: Duration,
    },
    /// A poll of the ACTIVE list failed; the wait goes on.
    PollFailed { error: String },
}

impl Note {
    pub fn text(&self) -> String {
        match self {
            Note::Saved { path } => {
                format!("Saved the plan to {path}; apply it with `ingestctl apply {path}`.")
            }
            Note::Valid { bindings, files } => format!(
                "{} valid: {} in {}.",
                if *files == 1 { "File is" } else { "Files are" },
                count(*bindings, "binding"),
                count(*files, "file")
            ),
            Note::Exported { bindings, path } => format!(
                "Exported {} to {path}; `ingestctl plan -f {path}` should report no changes.",
                count(*bindings, "binding")
            ),
            Note::NoRegionToExport => {
                "no region to export: pass --region, or set AWS_REGION or a profile's region"
                    .to_owned()
            }
            Note::Confirm => {
                "Do you want to apply these changes? Only 'yes' will be accepted: ".to_owned()
            }
            Note::NoTerminal => "refusing to apply without confirmation: stdin is not a \
                                 terminal; pass --auto-approve, or apply a saved plan \
                                 (`ingestctl plan --out plan.json`, then `ingestctl apply \
                                 plan.json`)"
                .to_owned(),
            Note::Cancelled => "Apply cancelled: nothing was changed.".to_owned(),
            Note::PlanNotShown { error } => {
                format!("cannot show the plan on stdout ({error}); nothing was applied")
            }
            Note::ReportNotShown { error } => format!(
                "cannot write the report to stdout ({error}); the exit code still gives the outcome"
            ),
            Note::Stopping => "interrupted: no new updates will start; waiting for those in \
                               flight (signal again to stop waiting)"
                .to_owned(),
            Note::StoppedBeforeChange => {
                "interrupted before any change: nothing was changed".to_owned()
            }
            Note::StoppedAgain { in_flight } if in_flight.is_empty() => {
                "interrupted again: exiting now; no update was in flight".to_owned()
            }
            Note::StoppedAgain { in_flight } => format!(
                "interrupted again: exiting now without waiting for {} update(s) in flight, whose \
                 outcome is unknown (run `ingestctl plan` to see where they stand): {}",
                in_flight.len(),
                in_flight.join(", ")
            ),
            Note::Throttled { arn, patience } => format!(
                "{arn}: still throttled after the SDK's retries, so another client is spending \
                 this account's UpdateIngestConfiguration quota; sending it again when the pace \
                 allows, for up to {} s",
                patience.as_secs()
            ),
            Note::WaitStarted { label, deadline } => format!(
                "waiting for {label}'s publisher to leave (ACTIVE; up to {})",
                duration(*deadline)
            ),
            Note::WaitLine { label, deadline } => format!(
                "{label}: ACTIVE, waiting for its publisher to leave (deadline {})",
                duration(*deadline)
            ),
            Note::StillWaiting {
                count,
                elapsed,
                deadline,
            } => format!(
                "waiting: {count} still ACTIVE after {} (deadline {})",
                duration(*elapsed),
                duration(*deadline)
            ),
            Note::WaitEnded {
                label,
                outcome,
                waited,
            } => format!("{label}: {outcome} after waiting {}", duration(*waited)),
            Note::PollFailed { error } => {
                format!("could not read the ACTIVE configs ({error}); still waiting")
            }
        }
    }
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A log line: `applying: 40/100 items done after 8s`.
pub fn progress_line(done: usize, total: usize, elapsed: Duration) -> String {
    format!(
        "applying: {done}/{total} items done after {:.0}s",
        elapsed.as_secs_f64()
    )
}

/// A terminal bar: `applying [########------------]  40/100  8s`.
pub fn progress_bar(done: usize, total: usize, elapsed: Duration) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "applying [{}{}] {done:>w$}/{total}  {:.0}s",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        elapsed.as_secs_f64(),
        w = total.to_string().len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_count_items_and_seconds() {
        assert_eq!(
            progress_line(40, 100, Duration::from_millis(8_200)),
            "applying: 40/100 items done after 8s"
        );
    }

    #[test]
    fn bars_fill_in_proportion() {
        assert_eq!(
            progress_bar(40, 100, Duration::from_secs(8)),
            "applying [############------------------]  40/100  8s"
        );
        assert!(progress_bar(100, 100, Duration::ZERO).contains(&"#".repeat(30)));
        assert!(progress_bar(0, 0, Duration::ZERO).contains(&"#".repeat(30)));
    }
}
