//! Snapshots of every output format over one fixed plan and report, so any change to what users
//! see shows up in review.

use std::sync::Arc;

use super::*;
use crate::api::{ApiError, ErrorKind, Operation};
use crate::apply::Report;
use crate::diagnostic::Location;
use crate::live::State;
use crate::plan::{Action, After, Before, Change, Declared, Plan, Unmanaged};
use crate::plan::{ItemResult, Outcome, Reason};

const ACCOUNT: &str = "123456789012";

fn config_arn(id: &str) -> String {
    format!("arn:aws:ivs:us-east-1:{ACCOUNT}:ingest-configuration/{id}")
}

fn stage_arn(id: &str) -> String {
    format!("arn:aws:ivs:us-east-1:{ACCOUNT}:stage/{id}")
}

fn change(
    id: &str,
    name: Option<&str>,
    action: Action,
    before: (&str, State, bool),
    after: (&str, Option<bool>),
    line: usize,
) -> Change {
    Change {
        arn: config_arn(id),
        name: name.map(str::to_owned),
        region: "us-east-1".to_owned(),
        action,
        before: Before {
            stage_arn: before.0.to_owned(),
            state: before.1,
            redundant_ingest: before.2,
        },
        after: After {
            stage_arn: after.0.to_owned(),
            redundant_ingest: after.1,
        },
        before_stage_name: (before.0 == stage_arn("MainStage001")).then(|| "main-stage".to_owned()),
        after_stage_name: (after.0 == stage_arn("MainStage001")).then(|| "main-stage".to_owned()),
        declared: Declared::by_arn(&config_arn(id), after.0).unwrap(),
        tags: None,
        location: Location::at(&Arc::from("bindings.yaml"), line, 26),
    }
}

fn plan() -> Plan {
    let main = stage_arn("MainStage001");
    let backup = stage_arn("BackupStage1");
    Plan {
        changes: vec![
            change(
                "AbCdEf123456",
                Some("studio-a-encoder"),
                Action::Update,
                ("", State::Inactive, false),
                (&main, None),
                5,
            ),
            change(
                "BcDeFg234567",
                Some("studio-b-encoder"),
                Action::Update,
                (&backup, State::Inactive, false),
                (&main, Some(true)),
                7,
            ),
            change(
                "CdEfGh345678",
                Some("lobby-encoder"),
                Action::Skip,
                (&backup, State::Active, false),
                (&main, None),
                10,
            ),
            change(
                "DeFgHi456789",
                None,
                Action::NoOp,
                (&main, State::Inactive, false),
                (&main, None),
                12,
            ),
            change(
                "EfGhIj567890",
                Some("spare-encoder"),
                Action::Update,
                (&main, State::Inactive, false),
                ("", None),
                14,
            ),
        ],
        unmanaged: vec![Unmanaged {
            arn: config_arn("ZzZzZz999999"),
            name: Some("legacy-encoder".to_owned()),
            region: "us-east-1".to_owned(),
        }],
    }
}

fn report() -> Report {
    let item = |id: &str, name: Option<&str>, outcome, reason: Option<Reason>| ItemResult {
        arn: config_arn(id),
        name: name.map(str::to_owned),
        outcome,
        reason,
        waited: None,
        location: Location::at(&Arc::from("bindings.yaml"), 5, 26),
    };
    let denied = ApiError {
        operation: Operation::UpdateIngestConfiguration,
        region: "us-east-1".to_owned(),
        arn: Some(config_arn("BcDeFg234567")),
        kind: ErrorKind::AccessDenied,
        code: Some("AccessDeniedException".to_owned()),
        message: "<not allowed>".to_owned(),
        credentials: None,
    };
    Report {
        results: vec![
            item(
                "AbCdEf123456",
                Some("studio-a-encoder"),
                Outcome::Updated,
                None,
            ),
            item(
                "BcDeFg234567",
                Some("studio-b-encoder"),
                Outcome::Failed,
                Some(Reason::ServiceError(denied)),
            ),
            item(
                "CdEfGh345678",
                Some("lobby-encoder"),
                Outcome::Skipped,
                Some(Reason::Active {
                    state: State::Active,
                }),
            ),
            item("DeFgHi456789", None, Outcome::Unchanged, None),
            item(
                "DeFgHi456790",
                Some("rerun-encoder"),
                Outcome::Unchanged,
                Some(Reason::AlreadyApplied),
            ),
            item(
                "EfGhIj567890",
                Some("spare-encoder"),
                Outcome::Stale,
                Some(Reason::Moved {
                    planned_stage: String::new(),
                    planned_redundant_ingest: false,
                    now_stage: stage_arn("OtherStage01"),
                    now_redundant_ingest: false,
                }),
            ),
        ],
        interrupted: false,
    }
}

#[test]
fn plan_as_text() {
    insta::assert_snapshot!(plan_text(&plan(), Painter::PLAIN));
}

#[test]
fn plan_as_text_in_colour_marks_actions() {
    let text = plan_text(&plan(), Painter { enabled: true });
    assert!(text.contains("\x1b[33m~\x1b[0m ingest configuration"));
    assert!(text.contains("\x1b[31m!\x1b[0m ingest configuration"));
}

#[test]
fn plan_in_sync_says_no_changes() {
    let mut plan = plan();
    plan.changes.retain(|c| c.action == Action::NoOp);
    plan.unmanaged.clear();
    insta::assert_snapshot!(plan_text(&plan, Painter::PLAIN));
}

#[test]
fn plan_as_json() {
    insta::assert_snapshot!(plan_json(&plan()));
}

#[test]
fn plan_as_markdown() {
    insta::assert_snapshot!(plan_markdown(&plan()));
}

#[test]
fn report_as_text() {
    insta::assert_snapshot!(report_text(&report(), Painter::PLAIN));
}

#[test]
fn report_as_json() {
    insta::assert_snapshot!(report_json(&report()));
}

#[test]
fn report_as_markdown_escapes_service_messages() {
    let markdown = report_markdown(&report());
    assert!(markdown.contains("&lt;not allowed&gt;"));
    insta::assert_snapshot!(markdown);
}

/// 1,000 drifted configs: the comment stays under the limit and says what it left out.
#[test]
fn markdown_of_a_thousand_changes_fits_one_comment() {
    let main = stage_arn("MainStage001");
    let changes = (0..1000)
        .map(|i| {
            let action = if i % 10 == 0 {
                Action::Skip
            } else {
                Action::Update
            };
            let state = if action == Action::Skip {
                State::Active
            } else {
                State::Inactive
            };
            change(
                &format!("Cfg{i:09}"),
                Some(&format!("encoder-{i:04}")),
                action,
                ("", state, false),
                (&main, None),
                i + 3,
            )
        })
        .collect();
    let markdown = plan_markdown(&Plan {
        changes,
        unmanaged: vec![],
    });
    assert!(
        markdown.len() <= MARKDOWN_LIMIT,
        "{} characters",
        markdown.len()
    );
    assert!(markdown.starts_with(
        "### ingestctl plan\n\n**Plan: 900 to update, 100 skipped (ACTIVE), 0 unchanged.**"
    ));
    assert!(markdown.contains("Truncated to fit a comment"));
    insta::assert_snapshot!(markdown);
}
