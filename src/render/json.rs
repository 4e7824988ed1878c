//! Plans and apply reports as stable JSON for programs: sorted by ARN, versioned, no secrets.

use serde::Serialize;

use super::reason_text;
use crate::apply::Report;
use crate::plan::{Action, Plan, Reason, TagEdit};

/// The JSON format's version; bumped only on an incompatible change. 2: the report's `error`
/// became `message`, beside a `reason` code; skips in the plan carry both too.
const FORMAT_VERSION: &str = "2";

#[derive(Serialize)]
struct PlanJson<'a> {
    format_version: &'static str,
    changes: Vec<ChangeJson<'a>>,
    unmanaged: Vec<&'a str>,
    summary: SummaryJson,
}

#[derive(Serialize)]
struct ChangeJson<'a> {
    arn: &'a str,
    name: Option<&'a str>,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    before: BeforeJson<'a>,
    after: AfterJson<'a>,
    /// Where the binding manages tags and they differ: per key.
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<TagsJson>,
}

#[derive(Serialize)]
struct TagsJson {
    add: std::collections::BTreeMap<String, String>,
    change: std::collections::BTreeMap<String, TagValueChange>,
    remove: Vec<String>,
}

/// A tag change per key: added, changed (before and after), removed.
fn tags_json(tags: &crate::plan::TagChange) -> TagsJson {
    let mut json = TagsJson {
        add: Default::default(),
        change: Default::default(),
        remove: Vec::new(),
    };
    for edit in tags.edits() {
        match edit {
            TagEdit::Add { key, value } => {
                json.add.insert(key.to_owned(), value.to_owned());
            }
            TagEdit::Change { key, before, after } => {
                let change = TagValueChange {
                    before: before.to_owned(),
                    after: after.to_owned(),
                };
                json.change.insert(key.to_owned(), change);
            }
            TagEdit::Remove { key, .. } => json.remove.push(key.to_owned()),
        }
    }
    json
}

#[derive(Serialize)]
struct TagValueChange {
    before: String,
    after: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BeforeJson<'a> {
    stage_arn: &'a str,
    state: &'a str,
    redundant_ingest: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AfterJson<'a> {
    stage_arn: &'a str,
    redundant_ingest: bool,
}

#[derive(Serialize)]
struct SummaryJson {
    update: usize,
    skip: usize,
    #[serde(rename = "no-op")]
    no_op: usize,
}

/// `{"format_version", "changes", "unmanaged", "summary"}`, one line per run.
pub fn plan_json(plan: &Plan) -> String {
    let summary = plan.summary();
    let json = PlanJson {
        format_version: FORMAT_VERSION,
        changes: plan
            .changes
            .iter()
            .map(|change| {
                let reason = (change.action == Action::Skip).then(|| Reason::Active {
                    state: change.before.state.clone(),
                });
                ChangeJson {
                    arn: &change.arn,
                    name: change.name.as_deref(),
                    action: change.action.as_str(),
                    reason: reason.as_ref().map(Reason::code),
                    message: reason.as_ref().map(reason_text),
                    before: BeforeJson {
                        stage_arn: &change.before.stage_arn,
                        state: change.before.state.as_str(),
                        redundant_ingest: change.before.redundant_ingest,
                    },
                    after: AfterJson {
                        stage_arn: &change.after.stage_arn,
                        redundant_ingest: change.after.redundant_ingest_or(&change.before),
                    },
                    tags: change.tags.as_ref().filter(|t| t.drifted()).map(tags_json),
                }
            })
            .collect(),
        unmanaged: plan.unmanaged.iter().map(|u| u.arn.as_str()).collect(),
        summary: SummaryJson {
            update: summary.update,
            skip: summary.skip,
            no_op: summary.no_op,
        },
    };
    to_string(&json)
}

#[derive(Serialize)]
struct ReportJson<'a> {
    format_version: &'static str,
    results: Vec<ResultJson<'a>>,
    interrupted: bool,
    summary: TallyJson,
}

#[derive(Serialize)]
struct ResultJson<'a> {
    arn: &'a str,
    name: Option<&'a str>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// Milliseconds the item waited for its publisher to leave, when it did.
    #[serde(rename = "waitedMs", skip_serializing_if = "Option::is_none")]
    waited_ms: Option<u128>,
}

#[derive(Serialize)]
struct TallyJson {
    updated: usize,
    skipped: usize,
    stale: usize,
    failed: usize,
    unchanged: usize,
}

/// `{"format_version", "results", "summary"}`; `error` says why an item was not updated.
pub fn report_json(report: &Report) -> String {
    let tally = report.tally();
    let json = ReportJson {
        format_version: FORMAT_VERSION,
        results: report
            .results
            .iter()
            .map(|result| ResultJson {
                arn: &result.arn,
                name: result.name.as_deref(),
                outcome: result.outcome.as_str(),
                reason: result.reason.as_ref().map(Reason::code),
                message: result.reason.as_ref().map(reason_text),
                waited_ms: result.waited.map(|w| w.as_millis()),
            })
            .collect(),
        interrupted: report.interrupted,
        summary: TallyJson {
            updated: tally.updated,
            skipped: tally.skipped,
            stale: tally.stale,
            failed: tally.failed,
            unchanged: tally.unchanged,
        },
    };
    to_string(&json)
}

fn to_string(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
