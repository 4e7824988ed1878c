//! The saved plan file: what `plan --out` writes and `apply PLAN` reads back. Its checksum guards
//! against accidents; the seal is that every change must follow from the desired files (which
//! must have the digest the plan records) and every name still resolve as it did. The planner
//! then re-checks each change against live state.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::arn::{Kind, Ref};
use crate::desired::{Binding, Desired};
use crate::diagnostic::{Location, Position};
use crate::live::{Live, Reads, State};
use crate::plan::{
    Action, After, Before, Change, Declared, Plan, Problem, ProblemKind, Problems, TagChange,
};

/// The file format this build writes and reads: 2 records each binding as declared, 3 its tags.
pub const FORMAT_VERSION: &str = "3";

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
    declared: DeclaredRecord,
    before: BeforeRecord,
    after: AfterRecord,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    tags: Option<TagsRecord>,
    declared_at: String,
}

/// A tag-managed config's tags: planned against, and declared.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsRecord {
    before: BTreeMap<String, String>,
    after: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DeclaredRecord {
    ingest_configuration: String,
    stage: Option<String>,
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

/// Why a plan file cannot be used. Nothing is applied in any of these cases; render/ words them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanFileError {
    /// Not a plan this build wrote; `why` says what gave it away.
    NotAPlan {
        path: String,
        why: NotAPlan,
    },
    FutureVersion {
        path: String,
        found: String,
    },
    OldVersion {
        path: String,
        found: String,
    },
    /// The checksum does not match.
    Tampered {
        path: String,
    },
    /// The desired files have another digest than the plan records.
    OtherDesired {
        path: String,
        files: Vec<String>,
    },
}

/// What gave away a file that is not a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotAPlan {
    NotUtf8,
    InvalidJson {
        line: usize,
        column: usize,
        truncated: bool,
    },
    NotAnObject,
    NoKind,
    NoVersion,
    /// A body that does not have the plan's shape: the parser's own words.
    Shape(String),
    UnknownAction {
        action: String,
        arn: String,
    },
    /// A declared reference that is not an ARN or name: the parser's own words.
    BadReference(String),
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
        let not_a_plan = |why: NotAPlan| PlanFileError::NotAPlan {
            path: path.to_owned(),
            why,
        };
        let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            not_a_plan(NotAPlan::InvalidJson {
                line: e.line(),
                column: e.column(),
                truncated: e.is_eof(),
            })
        })?;
        let envelope: Envelope =
            serde_json::from_value(value.clone()).map_err(|_| not_a_plan(NotAPlan::NotAnObject))?;
        if envelope.kind.as_ref().and_then(|k| k.as_str()) != Some(KIND) {
            return Err(not_a_plan(NotAPlan::NoKind));
        }
        match envelope.format_version.as_ref().and_then(|v| v.as_str()) {
            Some(FORMAT_VERSION) => {}
            Some(other) => {
                let older = other
                    .parse::<u32>()
                    .is_ok_and(|n| FORMAT_VERSION.parse::<u32>().is_ok_and(|ours| n < ours));
                let (path, found) = (path.to_owned(), other.to_owned());
                return Err(if older {
                    PlanFileError::OldVersion { path, found }
                } else {
                    PlanFileError::FutureVersion { path, found }
                });
            }
            None => return Err(not_a_plan(NotAPlan::NoVersion)),
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
        let body: Body = serde_json::from_value(value)
            .map_err(|e| not_a_plan(NotAPlan::Shape(e.to_string())))?;
        let changes = body
            .changes
            .into_iter()
            .map(change)
            .collect::<Result<Vec<_>, NotAPlan>>()
            .map_err(not_a_plan)?;
        Ok(SavedPlan {
            desired_digest: body.desired.digest,
            files: body.desired.files,
            changes,
        })
    }

    /// Checks that the plan is exactly what `desired` (with its default region applied) plans
    /// to: one change per binding and no other, each bound as declared and aimed at the declared
    /// target. Whatever the checksum says, a plan that fails this is refused whole. Each change
    /// takes its binding's location, so messages point at the file, not at the plan.
    pub fn check_follows(&mut self, path: &str, desired: &Desired) -> Result<(), Problems> {
        let plan_file = Location::file(&Arc::from(path));
        let mut bindings: HashMap<(String, &str), &Binding> = HashMap::new();
        for binding in &desired.bindings {
            let region = binding.region.as_deref().unwrap_or_default();
            bindings.insert((binding.config.to_string(), region), binding);
        }
        let mut problems = Vec::new();
        let mut covered = HashSet::new();
        for change in &mut self.changes {
            let key = (change.declared.config.to_string(), change.region.as_str());
            let Some(binding) = bindings.get(&key) else {
                problems.push(Problem::at(
                    &plan_file,
                    ProblemKind::Undeclared {
                        arn: change.arn.clone(),
                        config: change.declared.config.clone(),
                        region: change.region.clone(),
                    },
                ));
                continue;
            };
            if !covered.insert(key.clone()) {
                problems.push(Problem::at(
                    &plan_file,
                    ProblemKind::ListedTwice {
                        config: change.declared.config.clone(),
                    },
                ));
                continue;
            }
            change.location = binding.location.clone();
            if let Some(kind) = differs(change, binding) {
                problems.push(Problem::at(&binding.location, kind));
            }
        }
        for binding in &desired.bindings {
            let region = binding.region.as_deref().unwrap_or_default();
            if !covered.contains(&(binding.config.to_string(), region)) {
                problems.push(Problem::at(
                    &binding.location,
                    ProblemKind::LeftOut {
                        config: binding.config.clone(),
                        plan: path.to_owned(),
                    },
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            problems.push(Problem::at(&plan_file, ProblemKind::PlanNotFromFiles));
            Err(Problems(problems))
        }
    }

    /// What to read to re-check the plan: every region it touches, with stages where a stage is
    /// named by name (so the name's resolution can be checked).
    pub fn reads(&self) -> Reads {
        let mut reads = Reads::new();
        for change in &self.changes {
            let by_name = matches!(change.declared.stage, Some(Ref::Name(_)));
            *reads.entry(change.region.clone()).or_default() |= by_name;
        }
        reads
    }

    /// Checks that every name still picks out the resource the plan resolved it to, so an edited
    /// plan cannot aim a name at another config or stage. Refuses the whole plan otherwise.
    pub fn check_names(&self, live: &Live) -> Result<(), Problems> {
        let mut problems = Vec::new();
        for change in &self.changes {
            let Some(region) = live.regions.get(&change.region) else {
                continue;
            };
            if let Ref::Name(name) = &change.declared.config {
                let named: Vec<String> = region
                    .configs
                    .iter()
                    .filter(|c| c.name.as_deref() == Some(name))
                    .map(|c| c.arn.clone())
                    .collect();
                if named != [change.arn.as_str()] {
                    problems.push(name_moved(
                        change,
                        Kind::IngestConfiguration,
                        name,
                        &change.arn,
                        named,
                    ));
                }
            }
            if let (Some(Ref::Name(name)), Some(stages)) = (&change.declared.stage, &region.stages)
            {
                let named: Vec<String> = stages
                    .iter()
                    .filter(|s| s.name.as_deref() == Some(name))
                    .map(|s| s.arn.clone())
                    .collect();
                if named != [change.after.stage_arn.as_str()] {
                    problems.push(name_moved(
                        change,
                        Kind::Stage,
                        name,
                        &change.after.stage_arn,
                        named,
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            problems.push(Problem {
                location: None,
                kind: ProblemKind::NamesMoved,
            });
            Err(Problems(problems))
        }
    }
}

fn name_moved(change: &Change, kind: Kind, name: &str, planned: &str, now: Vec<String>) -> Problem {
    Problem::at(
        &change.location,
        ProblemKind::NameMoved {
            kind,
            name: name.to_owned(),
            planned: planned.to_owned(),
            region: change.region.clone(),
            now,
        },
    )
}

/// How a planned change departs from its binding, if it does.
fn differs(change: &Change, binding: &Binding) -> Option<ProblemKind> {
    if let Ref::Arn(arn) = &binding.config
        && change.arn != arn.as_str()
    {
        return Some(ProblemKind::OtherConfig {
            planned: change.arn.clone(),
            declared: arn.to_string(),
        });
    }
    if change.declared.stage != binding.stage {
        return Some(ProblemKind::OtherDeclaredStage {
            planned: change.declared.stage.clone(),
            declared: binding.stage.clone(),
        });
    }
    let target_ok = match &binding.stage {
        None => change.after.stage_arn.is_empty(),
        Some(Ref::Arn(arn)) => change.after.stage_arn == arn.as_str(),
        // Checked against live stages once they are read.
        Some(Ref::Name(_)) => !change.after.stage_arn.is_empty(),
    };
    if !target_ok {
        return Some(ProblemKind::OtherStage {
            arn: change.arn.clone(),
            planned: change.after.stage_arn.clone(),
            declared: binding.stage.clone(),
        });
    }
    if change.tags.as_ref().map(|t| &t.after) != binding.tags.as_ref() {
        return Some(ProblemKind::OtherTags {
            arn: change.arn.clone(),
        });
    }
    if change.after.redundant_ingest != binding.redundant_ingest {
        return Some(ProblemKind::OtherRedundantIngest {
            arn: change.arn.clone(),
            planned: change.after.redundant_ingest,
            declared: binding.redundant_ingest,
        });
    }
    None
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
        declared: DeclaredRecord {
            ingest_configuration: change.declared.config.to_string(),
            stage: change.declared.stage.as_ref().map(Ref::to_string),
        },
        before: BeforeRecord {
            stage_arn: change.before.stage_arn.clone(),
            state: change.before.state.as_str().to_owned(),
            redundant_ingest: change.before.redundant_ingest,
        },
        after: AfterRecord {
            stage_arn: change.after.stage_arn.clone(),
            redundant_ingest: change.after.redundant_ingest,
        },
        tags: change.tags.as_ref().map(|t| TagsRecord {
            before: t.before.clone(),
            after: t.after.clone(),
        }),
        declared_at: change.location.to_string(),
    }
}

fn change(record: ChangeRecord) -> Result<Change, NotAPlan> {
    let action = match record.action.as_str() {
        "update" => Action::Update,
        "skip" => Action::Skip,
        "no-op" => Action::NoOp,
        other => {
            return Err(NotAPlan::UnknownAction {
                action: other.to_owned(),
                arn: record.arn,
            });
        }
    };
    let declared = Declared {
        config: Ref::parse(
            &record.declared.ingest_configuration,
            Kind::IngestConfiguration,
        )
        .map_err(NotAPlan::BadReference)?,
        stage: record
            .declared
            .stage
            .as_deref()
            .map(|s| Ref::parse(s, Kind::Stage))
            .transpose()
            .map_err(NotAPlan::BadReference)?,
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
        declared,
        tags: record.tags.map(|t| TagChange {
            before: t.before,
            after: t.after,
        }),
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
    use crate::live::{LiveConfig, RegionState};
    use crate::plan::{Outcome, Reason, Task};

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
                declared: Declared::by_arn(ARN, STAGE).unwrap(),
                tags: None,
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
            tags: Default::default(),
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
        assert!(matches!(
            SavedPlan::from_json("p.json", &text[..text.len() / 2]),
            Err(PlanFileError::NotAPlan {
                why: NotAPlan::InvalidJson {
                    truncated: true,
                    ..
                },
                ..
            })
        ));
        assert!(matches!(
            SavedPlan::from_json("p.json", "{\"hello\": 1}"),
            Err(PlanFileError::NotAPlan {
                why: NotAPlan::NoKind,
                ..
            })
        ));
        assert!(matches!(
            SavedPlan::from_json("p.json", "version: 1\n"),
            Err(PlanFileError::NotAPlan {
                why: NotAPlan::InvalidJson { .. },
                ..
            })
        ));
        let older = text.replace("\"format_version\": \"3\"", "\"format_version\": \"2\"");
        assert!(matches!(
            SavedPlan::from_json("p.json", &older),
            Err(PlanFileError::OldVersion { .. })
        ));
        let future = text.replace("\"format_version\": \"3\"", "\"format_version\": \"4\"");
        assert!(matches!(
            SavedPlan::from_json("p.json", &future),
            Err(PlanFileError::FutureVersion { .. })
        ));
    }

    #[test]
    fn recheck_goes_ahead_when_nothing_moved() {
        assert!(matches!(
            crate::plan::recheck(&saved().changes, &live("", State::Inactive))[..],
            [Task::Update(_)]
        ));
    }

    #[test]
    fn recheck_marks_moved_configs_stale() {
        let tasks = crate::plan::recheck(&saved().changes, &live(STAGE, State::Inactive));
        let [Task::Done(result)] = &tasks[..] else {
            panic!("{tasks:?}")
        };
        assert_eq!(result.outcome, Outcome::Stale);
    }

    #[test]
    fn recheck_skips_configs_that_went_active() {
        let tasks = crate::plan::recheck(&saved().changes, &live("", State::Active));
        let [Task::Done(result)] = &tasks[..] else {
            panic!("{tasks:?}")
        };
        assert_eq!(result.outcome, Outcome::Skipped);
        assert_eq!(
            result.reason,
            Some(Reason::Active {
                state: State::Active
            })
        );
    }

    #[test]
    fn recheck_marks_vanished_configs_stale() {
        let tasks = crate::plan::recheck(&saved().changes, &Live::default());
        let [Task::Done(result)] = &tasks[..] else {
            panic!("{tasks:?}")
        };
        assert_eq!(result.outcome, Outcome::Stale);
    }
}
