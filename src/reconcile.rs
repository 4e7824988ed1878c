//! The library's main use case, end to end and silent: plan desired files against the live
//! account, save a plan and read one back against its files, and execute the tasks. The binary,
//! the quickstart and the bench all call these.

use std::path::{Path, PathBuf};

use tokio::sync::watch;

use crate::api::{Api, ApiError};
use crate::apply::{self, Pacing, Progress, Report};
use crate::atomic_write::write_atomically;
use crate::desired::{self, Desired};
use crate::diagnostic::Diagnostics;
use crate::live::Reads;
use crate::plan::{self, Plan, Problems, Task, WhenActive};
use crate::saved_plan::{NotAPlan, PlanFileError, SavedPlan};
use crate::wait::Waiting;

/// Why reconciling stopped before any write. render/ words each.
#[derive(Debug)]
pub enum Error {
    /// The desired files are not valid.
    Load(Diagnostics),
    /// A binding cannot be resolved, the account is wrong, or a saved plan does not follow from
    /// its files.
    Plan(Problems),
    /// A read failed.
    Api(Box<ApiError>),
    /// A saved plan file cannot be used.
    PlanFile(PlanFileError),
    /// A file could not be read or written.
    Io {
        path: PathBuf,
        writing: bool,
        error: std::io::Error,
    },
}

impl From<Diagnostics> for Error {
    fn from(diagnostics: Diagnostics) -> Error {
        Error::Load(diagnostics)
    }
}

impl From<Problems> for Error {
    fn from(problems: Problems) -> Error {
        Error::Plan(problems)
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Error {
        Error::Api(Box::new(error))
    }
}

impl From<PlanFileError> for Error {
    fn from(error: PlanFileError) -> Error {
        Error::PlanFile(error)
    }
}

/// A plan, and the desired state it was made from (its regions filled in).
#[derive(Clone, Debug)]
pub struct Planned {
    pub desired: Desired,
    pub plan: Plan,
}

/// What to read for `desired`: every region its bindings touch, with the stages only where a
/// stage is named by name.
pub fn reads(desired: &Desired) -> Reads {
    let mut reads = Reads::new();
    for binding in &desired.bindings {
        if let Some(region) = &binding.region {
            let needs_stages = matches!(binding.stage, Some(crate::arn::Ref::Name(_)));
            *reads.entry(region.clone()).or_default() |= needs_stages;
        }
    }
    reads
}

/// Gives names the default region, reads what the bindings need, and plans.
pub async fn plan(api: &impl Api, desired: Desired) -> Result<Planned, Error> {
    let desired = desired.with_default_region(api.default_region().as_deref())?;
    let mut live = api.read_live(&reads(&desired)).await?;
    // Tags only for the configs whose tags are declared: each costs a call.
    live.tags = api.read_tags(&plan::tag_reads(&desired, &live)).await?;
    let plan = plan::plan(&desired, &live)?;
    Ok(Planned { desired, plan })
}

/// Saves a plan for `apply PLAN`, whole or not at all.
pub fn save(planned: &Planned, path: &Path) -> Result<(), Error> {
    let files = planned
        .desired
        .sources
        .iter()
        .map(|s| s.path.to_string())
        .collect();
    let saved = SavedPlan::new(&planned.plan, planned.desired.digest(), files);
    write_atomically(path, &saved.to_json()).map_err(|error| Error::Io {
        path: path.to_owned(),
        writing: true,
        error,
    })
}

/// Reads a saved plan and the desired files it was made from (or those given), checks that the
/// plan follows from them and that names still resolve as planned, and asks the planner for
/// each change's task against live state now. Any refusal comes before any write.
pub async fn saved(
    api: &impl Api,
    path: &Path,
    paths: &[PathBuf],
    when: WhenActive,
) -> Result<Vec<Task>, Error> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| Error::Io {
        path: path.to_owned(),
        writing: false,
        error,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| PlanFileError::NotAPlan {
        path: shown.clone(),
        why: NotAPlan::NotUtf8,
    })?;
    let mut saved = SavedPlan::from_json(&shown, &text)?;
    let files: Vec<PathBuf> = if paths.is_empty() {
        saved.files.iter().map(PathBuf::from).collect()
    } else {
        paths.to_vec()
    };
    let desired = desired::load(&files)?;
    if desired.digest() != saved.desired_digest {
        return Err(PlanFileError::OtherDesired {
            path: shown,
            files: desired.sources.iter().map(|s| s.path.to_string()).collect(),
        }
        .into());
    }
    let desired = desired.with_default_region(api.default_region().as_deref())?;
    saved.check_follows(&shown, &desired)?;
    let mut live = api.read_live(&saved.reads()).await?;
    let tagged: Vec<(String, String)> = saved
        .changes
        .iter()
        .filter(|c| c.tags.is_some())
        .map(|c| (c.region.clone(), c.arn.clone()))
        .collect();
    live.tags = api.read_tags(&tagged).await?;
    plan::check_accounts(&desired, &live)?;
    saved.check_names(&live)?;
    Ok(plan::recheck_with(&saved.changes, &live, when))
}

/// Executes the tasks (see [`apply::apply`]); `waiting` for the configs that wait for their
/// publisher to leave.
pub async fn execute(
    api: &impl Api,
    tasks: Vec<Task>,
    pacing: Pacing,
    waiting: Option<Waiting>,
    stop: watch::Receiver<bool>,
    progress: &dyn Progress,
) -> Report {
    apply::apply(api, tasks, pacing, waiting, stop, progress).await
}
