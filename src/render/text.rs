//! Plans and apply reports for a terminal or a log, in the shape Terraform users read every day.

use std::fmt::Write;
use std::time::Duration;

use super::{Painter, config_label, ending, plural, stage_label};
use super::{duration, reason_text, tag_edit_text};
use crate::apply::Report;
use crate::live::State;
use crate::plan::{Action, Change, Plan, TagEdit};
use crate::plan::{Outcome, Reason};

/// One block per change, the unmanaged configs, then the `Plan:` line.
pub fn plan_text(plan: &Plan, painter: Painter) -> String {
    plan_text_waiting(plan, painter, None)
}

/// [`plan_text`] for an apply that waits up to `wait` for ACTIVE configs' publishers to leave
/// (`--wait-for-inactive`): those are shown as waiting, not skipped.
pub fn plan_text_waiting(plan: &Plan, painter: Painter, wait: Option<Duration>) -> String {
    let mut out = String::new();
    let summary = plan.summary();
    if summary.update + summary.skip == 0 {
        let _ = writeln!(
            out,
            "{} The live bindings match the desired state.\n",
            painter.green(&painter.bold("No changes."))
        );
    } else {
        let _ = writeln!(
            out,
            "ingestctl will perform the following actions:\n\n  {} update in place\n  {} skipped: ACTIVE, cannot be updated\n",
            painter.yellow("~"),
            painter.red("!")
        );
    }
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        change_block(&mut out, change, painter, wait);
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "{} in the account that no file declares (left alone):",
            plural(
                plan.unmanaged.len(),
                "ingest configuration",
                "ingest configurations"
            )
        );
        for unmanaged in &plan.unmanaged {
            let _ = writeln!(
                out,
                "  {}",
                painter.dim(&config_label(&unmanaged.arn, unmanaged.name.as_deref()))
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} {} to update, {} {} (ACTIVE), {} unchanged.",
        painter.bold("Plan:"),
        summary.update,
        summary.skip,
        if wait.is_some() {
            "to wait for"
        } else {
            "skipped"
        },
        summary.no_op
    );
    out
}

fn change_block(out: &mut String, change: &Change, painter: Painter, wait: Option<Duration>) {
    let label = change
        .name
        .as_deref()
        .map_or_else(|| change.arn.clone(), |n| format!("\"{n}\""));
    match change.action {
        Action::Update => {
            let _ = writeln!(
                out,
                "  {} ingest configuration {} will be updated in place",
                painter.yellow("~"),
                painter.bold(&label)
            );
        }
        Action::Skip if wait.is_some() && change.before.state == State::Active => {
            let _ = writeln!(
                out,
                "  {} ingest configuration {} is ACTIVE: it will be updated in place once its publisher leaves (waiting up to {}){}",
                painter.yellow("~"),
                painter.bold(&label),
                duration(wait.unwrap_or_default()),
                if change.tags_drifted() {
                    "; its tags are updated at once"
                } else {
                    ""
                }
            );
        }
        Action::Skip => {
            let _ = writeln!(
                out,
                "  {} ingest configuration {} is skipped: it is {} (a publisher is live), and the service refuses to update it{}",
                painter.red("!"),
                painter.bold(&label),
                change.before.state,
                if change.tags_drifted() {
                    "; its tags are updated (tagging is a separate API)"
                } else {
                    ""
                }
            );
        }
        Action::NoOp => {}
    }
    let _ = writeln!(out, "      arn:   {}", change.arn);
    if change.before.stage_arn != change.after.stage_arn {
        let _ = writeln!(
            out,
            "    {} stage: {} -> {}",
            painter.yellow("~"),
            stage_label(
                &change.before.stage_arn,
                change.before_stage_name.as_deref()
            ),
            stage_label(&change.after.stage_arn, change.after_stage_name.as_deref())
        );
    }
    if let Some(wanted) = change.after.redundant_ingest
        && wanted != change.before.redundant_ingest
    {
        let _ = writeln!(
            out,
            "    {} redundantIngest: {} -> {wanted}",
            painter.yellow("~"),
            change.before.redundant_ingest
        );
    }
    if let Some(tags) = &change.tags {
        for edit in tags.edits() {
            let sign = match edit {
                TagEdit::Add { .. } => painter.green("+"),
                TagEdit::Change { .. } => painter.yellow("~"),
                TagEdit::Remove { .. } => painter.red("-"),
            };
            let _ = writeln!(out, "    {sign} {}", tag_edit_text(&edit));
        }
    }
    let _ = writeln!(
        out,
        "      {}\n",
        painter.dim(&format!("declared at {}", change.location))
    );
}

/// Each item's outcome, then the `Apply complete:` line.
pub fn report_text(report: &Report, painter: Painter) -> String {
    let mut out = String::new();
    for result in &report.results {
        if result.outcome == Outcome::Unchanged && result.reason.is_none() {
            continue;
        }
        let word = format!("{:<9}", result.outcome.as_str());
        let word = match result.outcome {
            Outcome::Updated => painter.green(&word),
            Outcome::Skipped => painter.yellow(&word),
            Outcome::Stale | Outcome::Failed => painter.red(&word),
            Outcome::Unchanged => word,
        };
        let label = config_label(&result.arn, result.name.as_deref());
        let waited = match (result.waited, &result.reason) {
            (Some(waited), None | Some(Reason::AlreadyApplied)) => {
                format!(" after waiting {}", duration(waited))
            }
            _ => String::new(),
        };
        if result.reason == Some(Reason::AlreadyApplied) {
            let _ = writeln!(out, "{word} {label} (already applied){waited}");
            continue;
        }
        match &result.reason {
            Some(reason) => {
                let _ = writeln!(out, "{word} {label}: {}", reason_text(reason));
            }
            None => {
                let _ = writeln!(out, "{word} {label}{waited}");
            }
        }
    }
    let tally = report.tally();
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = write!(
        out,
        "{} {} updated, {} skipped, {} failed",
        painter.bold(ending(report)),
        tally.updated,
        tally.skipped,
        tally.failed
    );
    if tally.stale > 0 {
        let _ = write!(out, ", {} stale", tally.stale);
    }
    let _ = writeln!(out, ".");
    out
}
