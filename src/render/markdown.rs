//! Plans and apply reports as markdown for a pull-request comment: summary first, skips called
//! out, details collapsed, and never longer than one comment can hold.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use super::{config_label, ending, plural, stage_label};
use super::{duration, reason_text};
use crate::apply::Report;
use crate::plan::{Action, Change, Plan};
use crate::plan::{Outcome, Reason};

/// A GitHub comment holds 65,536 characters; this leaves room for a bot's own header.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// The summary table, the skips, then each change as a collapsed diff.
pub fn plan_markdown(plan: &Plan) -> String {
    let summary = plan.summary();
    let mut head = String::new();
    let _ = writeln!(head, "### ingestctl plan\n");
    let _ = writeln!(
        head,
        "**Plan: {} to update, {} skipped (ACTIVE), {} unchanged.**\n",
        summary.update, summary.skip, summary.no_op
    );
    let _ = writeln!(head, "| Action | Count |\n|---|---:|");
    let _ = writeln!(head, "| update | {} |", summary.update);
    let _ = writeln!(head, "| skip (ACTIVE) | {} |", summary.skip);
    let _ = writeln!(head, "| no-op | {} |", summary.no_op);
    let _ = writeln!(head, "| unmanaged | {} |\n", plan.unmanaged.len());
    let skips: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Skip)
        .collect();
    if !skips.is_empty() {
        let _ = writeln!(
            head,
            "> [!WARNING]\n> {} ACTIVE (a publisher is live) and will not be updated:",
            plural(
                skips.len(),
                "ingest configuration is",
                "ingest configurations are"
            )
        );
        for change in skips.iter().take(20) {
            let _ = writeln!(
                head,
                "> - {}",
                code(&config_label(&change.arn, change.name.as_deref()))
            );
        }
        if skips.len() > 20 {
            let _ = writeln!(head, "> - …and {} more (see details)", skips.len() - 20);
        }
        head.push('\n');
    }
    let drifted: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    if drifted.is_empty() {
        head.push_str("No changes: the live bindings match the desired state.\n");
        return head;
    }
    let blocks: Vec<String> = drifted.iter().map(|change| diff_block(change)).collect();
    let unmanaged: Vec<String> = plan
        .unmanaged
        .iter()
        .map(|u| format!("- {}\n", code(&config_label(&u.arn, u.name.as_deref()))))
        .collect();
    collapse(head, "Details", &blocks, &unmanaged)
}

/// A change as a diff: what the binding is now, and what it will be.
fn diff_block(change: &Change) -> String {
    let before = format!(
        "stage: {}\nredundantIngest: {}\n",
        stage_label(
            &change.before.stage_arn,
            change.before_stage_name.as_deref()
        ),
        change.before.redundant_ingest
    );
    let after = format!(
        "stage: {}\nredundantIngest: {}\n",
        stage_label(&change.after.stage_arn, change.after_stage_name.as_deref()),
        change.after.redundant_ingest_or(&change.before)
    );
    let (mut before, mut after) = (before, after);
    if let Some(tags) = &change.tags {
        for (key, value) in &tags.before {
            let _ = writeln!(before, "tag {key:?}: {value:?}");
        }
        for (key, value) in &tags.after {
            let _ = writeln!(after, "tag {key:?}: {value:?}");
        }
    }
    let verb = match change.action {
        Action::Update => "update",
        Action::Skip => "skip: ACTIVE",
        Action::NoOp => "no-op",
    };
    let mut out = format!(
        "```diff\n# {} ({verb})\n",
        config_label(&change.arn, change.name.as_deref())
    );
    for line in TextDiff::from_lines(&before, &after).iter_all_changes() {
        let sign = match line.tag() {
            ChangeTag::Delete => '-',
            ChangeTag::Insert => '+',
            ChangeTag::Equal => ' ',
        };
        let _ = write!(out, "{sign} {}", line.value());
    }
    out.push_str("```\n");
    out
}

/// Wraps blocks in `<details>`, leaving out whole blocks once the limit is near, and saying so.
fn collapse(mut out: String, title: &str, blocks: &[String], unmanaged: &[String]) -> String {
    const CLOSING: &str = "\n</details>\n";
    let _ = writeln!(
        out,
        "<details><summary>{title} ({})</summary>\n",
        blocks.len()
    );
    // Room for the closing tag and the truncation note.
    let budget = MARKDOWN_LIMIT - 400;
    let mut shown = 0;
    for block in blocks {
        if out.len() + block.len() + CLOSING.len() > budget {
            break;
        }
        out.push_str(block);
        shown += 1;
    }
    let mut unmanaged_shown = 0;
    if shown == blocks.len() && !unmanaged.is_empty() {
        let _ = writeln!(out, "\nUnmanaged (no file declares them; left alone):\n");
        for line in unmanaged {
            if out.len() + line.len() + CLOSING.len() > budget {
                break;
            }
            out.push_str(line);
            unmanaged_shown += 1;
        }
    }
    out.push_str(CLOSING);
    let hidden = blocks.len() - shown;
    let hidden_unmanaged = unmanaged.len() - unmanaged_shown;
    let mut left_out = Vec::new();
    if hidden > 0 {
        left_out.push(plural(hidden, "change", "changes"));
    }
    if hidden_unmanaged > 0 {
        left_out.push(plural(
            hidden_unmanaged,
            "unmanaged config",
            "unmanaged configs",
        ));
    }
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "\n> [!NOTE]\n> Truncated to fit a comment ({MARKDOWN_LIMIT} characters): {} not shown. Run `ingestctl plan` for the full plan.",
            left_out.join(" and ")
        );
    }
    out
}

/// Each item's outcome: failures and skips listed, the rest collapsed.
pub fn report_markdown(report: &Report) -> String {
    let tally = report.tally();
    let mut head = String::new();
    let _ = writeln!(head, "### ingestctl apply\n");
    let _ = writeln!(
        head,
        "**{} {} updated, {} skipped, {} failed{}.**\n",
        ending(report),
        tally.updated,
        tally.skipped,
        tally.failed,
        if tally.stale > 0 {
            format!(", {} stale", tally.stale)
        } else {
            String::new()
        }
    );
    let _ = writeln!(head, "| Outcome | Count |\n|---|---:|");
    for (word, n) in [
        ("updated", tally.updated),
        ("skipped", tally.skipped),
        ("stale", tally.stale),
        ("failed", tally.failed),
        ("unchanged", tally.unchanged),
    ] {
        let _ = writeln!(head, "| {word} | {n} |");
    }
    head.push('\n');
    let blocks: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.outcome != Outcome::Unchanged || r.reason.is_some())
        .map(|r| {
            let waited = match (r.waited, &r.reason) {
                (Some(waited), None | Some(Reason::AlreadyApplied)) => {
                    format!(" after waiting {}", duration(waited))
                }
                _ => String::new(),
            };
            let detail = match &r.reason {
                Some(Reason::AlreadyApplied) => format!(" (already applied){waited}"),
                Some(reason) => format!(": {}", reason_text(reason)),
                None => waited,
            };
            format!(
                "- **{}** {}{}\n",
                r.outcome.as_str(),
                code(&config_label(&r.arn, r.name.as_deref())),
                escape(&detail)
            )
        })
        .collect();
    if blocks.is_empty() {
        return head;
    }
    collapse(head, "Results", &blocks, &[])
}

fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// Keeps service messages from being read as markdown or HTML.
fn escape(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}
