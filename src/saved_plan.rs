//! The saved plan file: what `plan --out` writes and `apply PLAN` reads back. Its checksum guards
//! against accidents; the seal is that every change must follow from the desired files (which
//! must have the digest the plan records), and is then re-checked against live state.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::apply::{Outcome, Reason, Task, result, skip_reason};
use crate::arn::{Kind, Ref};
use crate::desired::{Binding, Desired};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, Position};
use crate::live::{Live, LiveConfig, Reads, State};
use crate::plan::{Action, After, Before, Change, Declared, Plan};

/// The file format this build writes and reads: 2 records each binding as declared.
pub const FORMAT_VERSION: &str = "2";

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
    declared_at: String,
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
        "{path}: plan file format {found} was written by an older ingestctl; make a new plan with this one"
    )]
    OldVersion { path: String, found: String },
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

    /// Checks that the plan is exactly what `desired` (with its default region applied) plans
    /// to: one change per binding and no other, each bound as declared and aimed at the declared
    /// target. Whatever the checksum says, a plan that fails this is refused whole. Each change
    /// takes its binding's location, so messages point at the file, not at the plan.
    pub fn check_follows(&mut self, path: &str, desired: &Desired) -> Result<(), Diagnostics> {
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
                problems.push(Diagnostic::at(
                    &plan_file,
                    format!(
                        "the plan changes {} ({} in {}), which no desired file declares",
                        change.arn, change.declared.config, change.region
                    ),
                ));
                continue;
            };
            if !covered.insert(key.clone()) {
                problems.push(Diagnostic::at(
                    &plan_file,
                    format!("the plan lists {} twice", change.declared.config),
                ));
                continue;
            }
            change.location = binding.location.clone();
            if let Some(problem) = differs(change, binding) {
                problems.push(Diagnostic::at(&binding.location, problem));
            }
        }
        for binding in &desired.bindings {
            let region = binding.region.as_deref().unwrap_or_default();
            if !covered.contains(&(binding.config.to_string(), region)) {
                problems.push(Diagnostic::at(
                    &binding.location,
                    format!(
                        "`{}` is declared here but the plan ({path}) leaves it out",
                        binding.config
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            problems.push(Diagnostic::at(
                &plan_file,
                "the plan does not follow from the desired files, so nothing was applied; make a \
                 new plan",
            ));
            Err(Diagnostics(problems))
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
    pub fn check_names(&self, live: &Live) -> Result<(), Diagnostics> {
        let mut problems = Vec::new();
        for change in &self.changes {
            let Some(region) = live.regions.get(&change.region) else {
                continue;
            };
            if let Ref::Name(name) = &change.declared.config {
                let named: Vec<&str> = region
                    .configs
                    .iter()
                    .filter(|c| c.name.as_deref() == Some(name))
                    .map(|c| c.arn.as_str())
                    .collect();
                if named != [change.arn.as_str()] {
                    problems.push(Diagnostic::at(
                        &change.location,
                        format!(
                            "the plan resolved ingest configuration `{name}` to {}, but in {} that \
                             name now picks out {}; make a new plan",
                            change.arn,
                            change.region,
                            shown(&named)
                        ),
                    ));
                }
            }
            if let (Some(Ref::Name(name)), Some(stages)) = (&change.declared.stage, &region.stages)
            {
                let named: Vec<&str> = stages
                    .iter()
                    .filter(|s| s.name.as_deref() == Some(name))
                    .map(|s| s.arn.as_str())
                    .collect();
                if named != [change.after.stage_arn.as_str()] {
                    problems.push(Diagnostic::at(
                        &change.location,
                        format!(
                            "the plan resolved stage `{name}` to {}, but in {} that name now picks \
                             out {}; make a new plan",
                            change.after.stage_arn,
                            change.region,
                            shown(&named)
                        ),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            problems.push(Diagnostic::new(
                None,
                "names resolve otherwise than when the plan was made, so nothing was applied",
            ));
            Err(Diagnostics(problems))
        }
    }

    /// Decides each change against the live state now. A config already as planned is
    /// unchanged (a rerun converges); one that moved since the plan, or is gone, is stale; one
    /// that is ACTIVE is skipped; the rest are updated as planned. A `skip` in the plan is a
    /// change deferred because the config was ACTIVE: it goes ahead if the config is not now.
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
                        Some(Reason::Deleted),
                        Some("the ingest configuration no longer exists".to_owned()),
                    ));
                };
                let applied = now.stage_arn == change.after.stage_arn
                    && change
                        .after
                        .redundant_ingest
                        .is_none_or(|wanted| wanted == now.redundant_ingest);
                if applied {
                    let reason = (change.action != Action::NoOp).then_some(Reason::AlreadyApplied);
                    return Task::Done(result(change, Outcome::Unchanged, reason, None));
                }
                if now.stage_arn != change.before.stage_arn
                    || now.redundant_ingest != change.before.redundant_ingest
                {
                    return Task::Done(result(
                        change,
                        Outcome::Stale,
                        Some(Reason::Moved),
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
                    return Task::Done(result(
                        change,
                        Outcome::Skipped,
                        Some(Reason::Active),
                        Some(skip_reason(&moved)),
                    ));
                }
                let mut go = change.clone();
                go.action = Action::Update;
                go.before.state = now.state.clone();
                Task::Update(Box::new(go))
            })
            .collect()
    }
}

/// How a planned change departs from its binding, if it does.
fn differs(change: &Change, binding: &Binding) -> Option<String> {
    if let Ref::Arn(arn) = &binding.config
        && change.arn != arn.as_str()
    {
        return Some(format!(
            "the plan applies this binding to {}, not to the declared {arn}",
            change.arn
        ));
    }
    if change.declared.stage != binding.stage {
        return Some(format!(
            "the plan records stage {} for this binding, but the file declares {}",
            stage_shown(change.declared.stage.as_ref()),
            stage_shown(binding.stage.as_ref())
        ));
    }
    let target_ok = match &binding.stage {
        None => change.after.stage_arn.is_empty(),
        Some(Ref::Arn(arn)) => change.after.stage_arn == arn.as_str(),
        // Checked against live stages once they are read.
        Some(Ref::Name(_)) => !change.after.stage_arn.is_empty(),
    };
    if !target_ok {
        return Some(format!(
            "the plan moves {} to stage {:?}, but the file declares {}",
            change.arn,
            change.after.stage_arn,
            stage_shown(binding.stage.as_ref())
        ));
    }
    if change.after.redundant_ingest != binding.redundant_ingest {
        return Some(format!(
            "the plan sets redundantIngest to {:?} for {}, but the file declares {:?}",
            change.after.redundant_ingest, change.arn, binding.redundant_ingest
        ));
    }
    None
}

fn stage_shown(stage: Option<&Ref>) -> String {
    stage.map_or_else(|| "null".to_owned(), |s| format!("`{s}`"))
}

fn shown(arns: &[&str]) -> String {
    match arns {
        [] => "nothing".to_owned(),
        arns => arns.join(", "),
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
    let declared = Declared {
        config: Ref::parse(
            &record.declared.ingest_configuration,
            Kind::IngestConfiguration,
        )?,
        stage: record
            .declared
            .stage
            .as_deref()
            .map(|s| Ref::parse(s, Kind::Stage))
            .transpose()?,
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
                declared: Declared::by_arn(ARN, STAGE).unwrap(),
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
        let future = text.replace("\"format_version\": \"2\"", "\"format_version\": \"3\"");
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
