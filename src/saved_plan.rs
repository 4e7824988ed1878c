//! The saved plan file: what `plan --out` writes and `apply PLAN` reads back, sealed by a
//! checksum, tied to the desired files by their digest, and rechecked against live state.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::apply::{Outcome, Task, result, skip_reason};
use crate::diagnostic::{Location, Position};
use crate::live::{Live, LiveConfig, State};
use crate::plan::{Action, After, Before, Change, Plan};

/// The file format this build writes and reads.
pub const FORMAT_VERSION: &str = "1";

/// Marks the file as ours, so another JSON file is refused by name.
const KIND: &str = "ingestctl-plan";

/// A plan as saved: the changes with the live values they were planned against, and the digest
/// of the desired files they came from. Holds no secret: nothing in a plan ever had one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedPlan {
    pub desired_digest: String,
    pub files: Vec<String>,
    pub changes: Vec<Change>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    kind: String,
    format_version: String,
    ingestctl_version: String,
    desired: DesiredRecord,
    changes: Vec<ChangeRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DesiredRecord {
    digest: String,
    files: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ChangeRecord {
    arn: String,
    name: Option<String>,
    region: String,
    action: String,
    before: BeforeRecord,
    after: AfterRecord,
    declared_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BeforeRecord {
    stage_arn: String,
    state: String,
    redundant_ingest: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AfterRecord {
    stage_arn: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    redundant_ingest: Option<bool>,
}

#[derive(Deserialize)]
struct Envelope {
    kind: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
    checksum: Option<String>,
}

/// Why a plan file cannot be used. Nothing is applied in any of these cases.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanFileError {
    #[error("{path}: not a plan file: {reason}")]
    NotAPlan { path: String, reason: String },
    #[error(
        "{path}: plan file format {found} is newer than this ingestctl reads ({FORMAT_VERSION}); upgrade ingestctl"
    )]
    FutureVersion { path: String, found: String },
    #[error(
        "{path}: the plan file was modified after it was written (its checksum does not match); make a new plan"
    )]
    Tampered { path: String },
    #[error(
        "{path}: the desired files changed since this plan was made ({reason}); make a new plan"
    )]
    OtherDesired { path: String, reason: String },
}

impl SavedPlan {
    pub fn new(plan: &Plan, desired_digest: String, files: Vec<String>) -> SavedPlan {
        SavedPlan {
            desired_digest,
            files,
            changes: plan.changes.clone(),
        }
    }

    /// The file's text: a pretty JSON body with its checksum as the last member.
    pub fn to_json(&self) -> String {
        let body = Body {
            kind: KIND.to_owned(),
            format_version: FORMAT_VERSION.to_owned(),
            ingestctl_version: env!("CARGO_PKG_VERSION").to_owned(),
            desired: DesiredRecord {
                digest: self.desired_digest.clone(),
                files: self.files.clone(),
            },
            changes: self.changes.iter().map(record).collect(),
        };
        let mut value = serde_json::to_value(&body).unwrap_or_default();
        let checksum = checksum(&value);
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("checksum".to_owned(), checksum.into());
        }
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a plan file, refusing anything that is not exactly what this build wrote.
    pub fn from_json(path: &str, text: &str) -> Result<SavedPlan, PlanFileError> {
        let not_a_plan = |reason: String| PlanFileError::NotAPlan {
            path: path.to_owned(),
            reason,
        };
        let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            not_a_plan(format!(
                "invalid JSON at line {} column {} ({})",
                e.line(),
                e.column(),
                if e.is_eof() { "truncated?" } else { "corrupt" }
            ))
        })?;
        let envelope: Envelope = serde_json::from_value(value.clone())
            .map_err(|_| not_a_plan("expected a JSON object".to_owned()))?;
        if envelope.kind.as_ref().and_then(|k| k.as_str()) != Some(KIND) {
            return Err(not_a_plan(format!("it has no `\"kind\": \"{KIND}\"`")));
        }
        match envelope.format_version.as_ref().and_then(|v| v.as_str()) {
            Some(FORMAT_VERSION) => {}
            Some(other) => {
                return Err(PlanFileError::FutureVersion {
                    path: path.to_owned(),
                    found: other.to_owned(),
                });
            }
            None => return Err(not_a_plan("it has no string `format_version`".to_owned())),
        }
        let Some(found) = envelope.checksum else {
            return Err(PlanFileError::Tampered {
                path: path.to_owned(),
            });
        };
        if let serde_json::Value::Object(map) = &mut value {
            map.remove("checksum");
        }
        if checksum(&value) != found {
            return Err(PlanFileError::Tampered {
                path: path.to_owned(),
            });
        }
        let body: Body = serde_json::from_value(value).map_err(|e| not_a_plan(e.to_string()))?;
        let changes = body
            .changes
            .into_iter()
            .map(change)
            .collect::<Result<Vec<_>, String>>()
            .map_err(not_a_plan)?;
        Ok(SavedPlan {
            desired_digest: body.desired.digest,
            files: body.desired.files,
            changes,
        })
    }

    /// Decides each change against the live state now: a change whose config moved since the
    /// plan is stale, one that went ACTIVE is skipped, the rest go ahead as planned.
    pub fn recheck(&self, live: &Live) -> Vec<Task> {
        let by_arn: HashMap<&str, &LiveConfig> = live
            .regions
            .values()
            .flat_map(|region| region.configs.iter().map(|c| (c.arn.as_str(), c)))
            .collect();
        self.changes
            .iter()
            .map(|change| {
                let Some(now) = by_arn.get(change.arn.as_str()) else {
                    return Task::Done(result(
                        change,
                        Outcome::Stale,
                        Some("the ingest configuration no longer exists".to_owned()),
                    ));
                };
                match change.action {
                    Action::NoOp => return Task::Done(result(change, Outcome::Unchanged, None)),
                    Action::Skip => {
                        return Task::Done(result(
                            change,
                            Outcome::Skipped,
                            Some(skip_reason(change)),
                        ));
                    }
                    Action::Update => {}
                }
                if now.stage_arn != change.before.stage_arn
                    || now.redundant_ingest != change.before.redundant_ingest
                {
                    return Task::Done(result(
                        change,
                        Outcome::Stale,
                        Some(format!(
                            "it changed since the plan was made (planned against stage {:?}, \
                             redundantIngest {}; now stage {:?}, redundantIngest {})",
                            change.before.stage_arn,
                            change.before.redundant_ingest,
                            now.stage_arn,
                            now.redundant_ingest
                        )),
                    ));
                }
                if !now.state.is_updatable() {
                    let mut moved = change.clone();
                    moved.before.state = now.state.clone();
                    return Task::Done(result(change, Outcome::Skipped, Some(skip_reason(&moved))));
                }
                Task::Update(change.clone())
            })
            .collect()
    }
}

/// SHA-256 of the body's compact JSON; serde_json keeps object keys sorted, so it is canonical.
fn checksum(value: &serde_json::Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn record(change: &Change) -> ChangeRecord {
    ChangeRecord {
        arn: change.arn.clone(),
        name: change.name.clone(),
        region: change.region.clone(),
        action: change.action.as_str().to_owned(),
        before: BeforeRecord {
            stage_arn: change.before.stage_arn.clone(),
            state: change.before.state.as_str().to_owned(),
            redundant_ingest: change.before.redundant_ingest,
        },
        after: AfterRecord {
            stage_arn: change.after.stage_arn.clone(),
            redundant_ingest: change.after.redundant_ingest,
        },
        declared_at: change.location.to_string(),
    }
}

fn change(record: ChangeRecord) -> Result<Change, String> {
    let action = match record.action.as_str() {
        "update" => Action::Update,
        "skip" => Action::Skip,
        "no-op" => Action::NoOp,
        other => return Err(format!("unknown action `{other}` for {}", record.arn)),
    };
    Ok(Change {
        arn: record.arn,
        name: record.name,
        region: record.region,
        action,
        before: Before {
            stage_arn: record.before.stage_arn,
            state: State::parse(&record.before.state),
            redundant_ingest: record.before.redundant_ingest,
        },
        after: After {
            stage_arn: record.after.stage_arn,
            redundant_ingest: record.after.redundant_ingest,
        },
        before_stage_name: None,
        after_stage_name: None,
        location: parse_location(&record.declared_at),
    })
}

fn parse_location(text: &str) -> Location {
    let mut parts = text.rsplitn(3, ':');
    let (column, line, path) = (parts.next(), parts.next(), parts.next());
    match (
        path,
        line.and_then(|l| l.parse().ok()),
        column.and_then(|c| c.parse().ok()),
    ) {
        (Some(path), Some(line), Some(column)) => Location {
            path: Arc::from(path),
            position: Some(Position { line, column }),
        },
        _ => Location::file(&Arc::from(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::RegionState;

    const ARN: &str = "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456";
    const STAGE: &str = "arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345";

    fn saved() -> SavedPlan {
        SavedPlan {
            desired_digest: "d1".into(),
            files: vec!["desired.yaml".into()],
            changes: vec![Change {
                arn: ARN.into(),
                name: Some("enc".into()),
                region: "us-east-1".into(),
                action: Action::Update,
                before: Before {
                    stage_arn: String::new(),
                    state: State::Inactive,
                    redundant_ingest: false,
                },
                after: After {
                    stage_arn: STAGE.into(),
                    redundant_ingest: Some(true),
                },
                before_stage_name: None,
                after_stage_name: None,
                location: Location::at(&Arc::from("desired.yaml"), 4, 26),
            }],
        }
    }

    fn live(stage: &str, state: State) -> Live {
        Live {
            regions: [(
                "us-east-1".to_owned(),
                RegionState {
                    configs: vec![LiveConfig {
                        arn: ARN.into(),
                        name: Some("enc".into()),
                        stage_arn: stage.into(),
                        state,
                        redundant_ingest: false,
                    }],
                    stages: None,
                },
            )]
            .into(),
        }
    }

    #[test]
    fn round_trips() {
        let plan = saved();
        assert_eq!(
            SavedPlan::from_json("p.json", &plan.to_json()).unwrap(),
            plan
        );
    }

    #[test]
    fn an_edited_plan_is_refused() {
        let text = saved()
            .to_json()
            .replace(STAGE, &STAGE.replace("XyZ", "AbC"));
        assert!(matches!(
            SavedPlan::from_json("p.json", &text),
            Err(PlanFileError::Tampered { .. })
        ));
    }

    #[test]
    fn truncated_foreign_and_future_files_are_refused() {
        let text = saved().to_json();
        let err = SavedPlan::from_json("p.json", &text[..text.len() / 2])
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated"), "{err}");
        let err = SavedPlan::from_json("p.json", "{\"hello\": 1}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a plan file"), "{err}");
        let err = SavedPlan::from_json("p.json", "version: 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a plan file"), "{err}");
        let future = text.replace("\"format_version\": \"1\"", "\"format_version\": \"2\"");
        assert!(matches!(
            SavedPlan::from_json("p.json", &future),
            Err(PlanFileError::FutureVersion { .. })
        ));
    }

    #[test]
    fn recheck_goes_ahead_when_nothing_moved() {
        assert!(matches!(
            saved().recheck(&live("", State::Inactive))[..],
            [Task::Update(_)]
        ));
    }

    #[test]
    fn recheck_marks_moved_configs_stale() {
        let tasks = saved().recheck(&live(STAGE, State::Inactive));
        let [Task::Done(result)] = &tasks[..] else {
            panic!("{tasks:?}")
        };
        assert_eq!(result.outcome, Outcome::Stale);
    }

    #[test]
    fn recheck_skips_configs_that_went_active() {
        let tasks = saved().recheck(&live("", State::Active));
        let [Task::Done(result)] = &tasks[..] else {
            panic!("{tasks:?}")
        };
        assert_eq!(result.outcome, Outcome::Skipped);
        assert!(result.detail.as_deref().unwrap().contains("ACTIVE"));
    }

    #[test]
    fn recheck_marks_vanished_configs_stale() {
        let tasks = saved().recheck(&Live::default());
        let [Task::Done(result)] = &tasks[..] else {
            panic!("{tasks:?}")
        };
        assert_eq!(result.outcome, Outcome::Stale);
    }
}
