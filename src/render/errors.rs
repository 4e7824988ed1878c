//! Errors in words: why a plan cannot be made (a binding that does not resolve, the wrong
//! account) and why a saved plan is refused.

use super::api_error;
use crate::arn::{Kind, Ref};
use crate::diagnostic::Location;
use crate::plan::{AccountOf, ProblemKind};
use crate::reconcile::Error;
use crate::saved_plan::{FORMAT_VERSION, NotAPlan, PlanFileError};

/// The words for a plan problem (its location is shown before them).
pub fn problem_text(kind: &ProblemKind) -> String {
    match kind {
        ProblemKind::NoRegion { config } => format!("`{config}` has no region to be looked up in"),
        ProblemKind::RegionNotRead { region } => format!("region {region} was not read"),
        ProblemKind::StagesNotRead { region } => format!("stages of {region} were not read"),
        ProblemKind::TagsNotRead { arn } => format!("the tags of {arn} were not read"),
        ProblemKind::OtherTags { arn } => {
            format!("the plan sets other tags for {arn} than the file declares")
        }
        ProblemKind::ConfigMissing { arn, region } => format!(
            "ingest configuration `{arn}` does not exist (it is not in the account's list for {region})"
        ),
        ProblemKind::NoSuchName {
            kind,
            name,
            region,
            near,
        } => {
            let hint = if near.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
                format!("; did you mean {}?", list.join(", "))
            };
            format!("no {} named `{name}` in {region}{hint}", noun(*kind))
        }
        ProblemKind::Ambiguous {
            kind,
            name,
            region,
            arns,
        } => format!(
            "{} {}s are named `{name}` in {region}: {}; bind by ARN instead",
            arns.len(),
            noun(*kind),
            arns.join(", ")
        ),
        ProblemKind::BoundTwice { arn, name, first } => format!(
            "ingest configuration `{arn} (named {})` is bound twice: here and at {first}; keep one binding",
            name.as_deref().unwrap_or("")
        ),
        ProblemKind::OtherAccount {
            of,
            expected,
            reached,
            region,
        } => {
            let what = match of {
                AccountOf::File => "this file is for",
                AccountOf::Config => "the ingest configuration is in",
                AccountOf::Stage => "the stage is in",
            };
            format!(
                "{what} account {expected}, but the credentials reach account {reached} (in \
                 {region}): check AWS_PROFILE or --profile"
            )
        }
        ProblemKind::Undeclared {
            arn,
            config,
            region,
        } => {
            format!("the plan changes {arn} ({config} in {region}), which no desired file declares")
        }
        ProblemKind::ListedTwice { config } => format!("the plan lists {config} twice"),
        ProblemKind::LeftOut { config, plan } => {
            format!("`{config}` is declared here but the plan ({plan}) leaves it out")
        }
        ProblemKind::OtherConfig { planned, declared } => {
            format!("the plan applies this binding to {planned}, not to the declared {declared}")
        }
        ProblemKind::OtherDeclaredStage { planned, declared } => format!(
            "the plan records stage {} for this binding, but the file declares {}",
            stage(planned.as_ref()),
            stage(declared.as_ref())
        ),
        ProblemKind::OtherStage {
            arn,
            planned,
            declared,
        } => format!(
            "the plan moves {arn} to stage {planned:?}, but the file declares {}",
            stage(declared.as_ref())
        ),
        ProblemKind::OtherRedundantIngest {
            arn,
            planned,
            declared,
        } => format!(
            "the plan sets redundantIngest to {planned:?} for {arn}, but the file declares {declared:?}"
        ),
        ProblemKind::PlanNotFromFiles => "the plan does not follow from the desired files, so \
                                          nothing was applied; make a new plan"
            .to_owned(),
        ProblemKind::NameMoved {
            kind,
            name,
            planned,
            region,
            now,
        } => format!(
            "the plan resolved {} `{name}` to {planned}, but in {region} that name now picks \
             out {}; make a new plan",
            noun(*kind),
            if now.is_empty() {
                "nothing".to_owned()
            } else {
                now.join(", ")
            }
        ),
        ProblemKind::NamesMoved => {
            "names resolve otherwise than when the plan was made, so nothing was applied".to_owned()
        }
    }
}

/// What a resource of this kind is called in a sentence.
fn noun(kind: Kind) -> &'static str {
    match kind {
        Kind::IngestConfiguration => "ingest configuration",
        Kind::Stage => "stage",
    }
}

fn stage(stage: Option<&Ref>) -> String {
    stage.map_or_else(|| "null".to_owned(), |s| format!("`{s}`"))
}

/// Why a saved plan file is refused.
pub fn plan_file_error(error: &PlanFileError) -> String {
    match error {
        PlanFileError::NotAPlan { path, why } => {
            let why = match why {
                NotAPlan::NotUtf8 => "it is not UTF-8 text".to_owned(),
                NotAPlan::InvalidJson {
                    line,
                    column,
                    truncated,
                } => format!(
                    "invalid JSON at line {line} column {column} ({})",
                    if *truncated { "truncated?" } else { "corrupt" }
                ),
                NotAPlan::NotAnObject => "expected a JSON object".to_owned(),
                NotAPlan::NoKind => "it has no `\"kind\": \"ingestctl-plan\"`".to_owned(),
                NotAPlan::NoVersion => "it has no string `format_version`".to_owned(),
                NotAPlan::Shape(message) | NotAPlan::BadReference(message) => message.clone(),
                NotAPlan::UnknownAction { action, arn } => {
                    format!("unknown action `{action}` for {arn}")
                }
            };
            format!("{path}: not a plan file: {why}")
        }
        PlanFileError::FutureVersion { path, found } => format!(
            "{path}: plan file format {found} is newer than this ingestctl reads \
             ({FORMAT_VERSION}); upgrade ingestctl"
        ),
        PlanFileError::OldVersion { path, found } => format!(
            "{path}: plan file format {found} was written by an older ingestctl; make a new plan \
             with this one"
        ),
        PlanFileError::Tampered { path } => format!(
            "{path}: the plan file was modified after it was written (its checksum does not \
             match); make a new plan"
        ),
        PlanFileError::OtherDesired { path, files } => format!(
            "{path}: the desired files changed since this plan was made ({} differ from what was \
             planned); make a new plan",
            files.join(", ")
        ),
    }
}

/// Each line of an error that stopped a run, with the location it is about (for annotations).
pub fn error_lines(error: &Error) -> Vec<(Option<Location>, String)> {
    match error {
        Error::Load(diagnostics) => diagnostics
            .0
            .iter()
            .map(|d| (d.location.clone(), d.message.clone()))
            .collect(),
        Error::Plan(problems) => problems
            .0
            .iter()
            .map(|p| (p.location.clone(), problem_text(&p.kind)))
            .collect(),
        Error::Api(error) => vec![(None, api_error(error))],
        Error::PlanFile(error) => vec![(None, plan_file_error(error))],
        Error::Io {
            path,
            writing,
            error,
        } => vec![(
            None,
            format!(
                "{}: cannot {}: {error}",
                path.display(),
                if *writing { "write" } else { "read" }
            ),
        )],
    }
}
