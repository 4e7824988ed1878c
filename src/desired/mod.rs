//! The desired-state files: the types they load into, and `load`, which reads them, checks them
//! and reports every problem found.

mod block_style;
mod checks;
mod discovery;
mod guards;
mod locations;
mod schema;
mod tags;
mod translate;

pub(crate) use tags::is_aws_key;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::arn::Ref;
use crate::diagnostic::{Diagnostic, Diagnostics, Location};

use locations::at;
use schema::RawFile;

/// The only version of the format this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// Larger files are refused before they are read: a desired-state file of 10,000 bindings is
/// under 2 MiB, so anything this big is a mistake or an attack.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Problems reported from one load, as a compiler stops after its first screenfuls of errors.
const MAX_PROBLEMS: usize = 100;

/// Everything the files declare, in file order, with the digest that ties a saved plan to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Desired {
    pub sources: Vec<Source>,
    pub bindings: Vec<Binding>,
}

/// One file that was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub path: Arc<str>,
    pub sha256: String,
}

/// One declared binding: this ingest configuration should be attached to that stage (or none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub config: Ref,
    /// `None` means attached to no stage (`stage: null`).
    pub stage: Option<Ref>,
    /// `None` means leave it as it is.
    pub redundant_ingest: Option<bool>,
    /// The region the config lives in, if known offline: its ARN's region, else the file's
    /// `region:`. Names in a file without one are looked up in the default region.
    pub region: Option<String>,
    /// The file's `account:`: the only account its bindings may resolve in.
    pub account: Option<String>,
    /// The tags the config should have, apart from AWS's own (`aws:`): the file's `defaultTags`
    /// with the binding's `tags` over them. `Some` of an empty map means it should have none;
    /// `None`, where neither is declared, means its tags are neither read nor changed.
    pub tags: Option<BTreeMap<String, String>>,
    /// Where `ingestConfiguration` was declared.
    pub location: Location,
    /// Where `stage` was declared.
    pub stage_location: Location,
}

impl Desired {
    /// A digest of the content of every file, in order, so a saved plan can tell whether it was
    /// made from the same desired state. Paths are left out: a CI checkout lives elsewhere.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for source in &self.sources {
            hasher.update(source.sha256.as_bytes());
            hasher.update(b"\n");
        }
        hex(&hasher.finalize())
    }

    /// Gives every binding without a region the default one, or reports each that needs one.
    /// A binding that gets its region here is checked for crossing regions as the others were
    /// at load time, so that no update is ever sent for a stage in another region.
    pub fn with_default_region(mut self, default: Option<&str>) -> Result<Desired, Diagnostics> {
        let problems = checks::default_region(&mut self.bindings, default);
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(Diagnostics(problems))
        }
    }
}

/// Loads every path (a file, or a directory's `*.yaml`/`*.yml` files in sorted order) and checks
/// everything that can be checked offline. Reports every problem found, not just the first.
pub fn load(paths: &[PathBuf]) -> Result<Desired, Diagnostics> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        match discovery::expand(path) {
            Ok(found) => files.extend(found),
            Err(problem) => problems.push(problem),
        }
    }
    let mut desired = Desired {
        sources: Vec::new(),
        bindings: Vec::new(),
    };
    for file in files {
        let display: Arc<str> = Arc::from(file.display().to_string());
        match load_file(&file, &display) {
            Ok((source, bindings)) => {
                desired.sources.push(source);
                desired.bindings.extend(bindings);
            }
            Err(problem) => problems.extend(problem.0),
        }
    }
    let problems = if problems.is_empty() {
        at_most(checks::duplicates(&desired.bindings), MAX_PROBLEMS)
    } else {
        at_most(problems.into_iter(), MAX_PROBLEMS)
    };
    if problems.is_empty() {
        Ok(desired)
    } else {
        Err(Diagnostics(problems))
    }
}

/// The first `max` problems and a count of the rest, which are never built: a file that repeats
/// one binding (or one alias) a million times would otherwise print hundreds of megabytes.
fn at_most(mut problems: impl Iterator<Item = Diagnostic>, max: usize) -> Vec<Diagnostic> {
    let mut shown: Vec<Diagnostic> = problems.by_ref().take(max).collect();
    let rest = problems.count();
    if rest > 0 {
        shown.push(Diagnostic::new(
            None,
            format!("{rest} more problems not shown; fix these first"),
        ));
    }
    shown
}

fn load_file(file: &Path, path: &Arc<str>) -> Result<(Source, Vec<Binding>), Diagnostics> {
    let bytes = discovery::read(file, path)?;
    let source = Source {
        path: Arc::clone(path),
        sha256: hex(&Sha256::digest(&bytes)),
    };
    let bindings = parse(&bytes, path)?;
    Ok((source, bindings))
}

/// Parses one file's bytes and checks what its contents alone allow. A file in the plain block
/// layout is read directly ([`block_style`]); any other, and any with a mistake, goes through the
/// guards and then the parsers. Public within the crate so tests and `validate` share it.
pub(crate) fn parse(bytes: &[u8], path: &Arc<str>) -> Result<Vec<Binding>, Diagnostics> {
    let text = guards::decode(bytes, path)?;
    let bindings = match block_style::read(text, path) {
        Some(bindings) => bindings,
        None => {
            guards::scan(text, path)?;
            guards::not_empty(text, path)?;
            with_parsers(text, path)?
        }
    };
    let problems = checks::in_file(&bindings);
    if problems.is_empty() {
        Ok(bindings)
    } else {
        Err(Diagnostics(problems))
    }
}

/// Reads a file with serde_norway, and its positions with saphyr-parser: any file that
/// [`block_style`] declines, and every file with a mistake in it.
fn with_parsers(text: &str, path: &Arc<str>) -> Result<Vec<Binding>, Diagnostics> {
    let raw: RawFile =
        serde_yaml::from_str(text).map_err(|e| translate::yaml_error(&e, text, path))?;
    if raw.version.0 != FORMAT_VERSION {
        let spans = locations::locate(text);
        return Err(Diagnostic::new(
            Some(
                spans
                    .version
                    .map_or_else(|| Location::file(path), |p| at(path, p)),
            ),
            format!(
                "unsupported version {}: this ingestctl reads version {FORMAT_VERSION}{}",
                raw.version.0,
                if raw.version.0 > FORMAT_VERSION {
                    "; upgrade ingestctl to read this file"
                } else {
                    ""
                }
            ),
        )
        .into());
    }
    let spans = locations::locate(text);
    let region = raw.region.map(|r| r.0);
    let account = raw.account.map(|a| a.0);
    let defaults = raw.default_tags;
    let mut problems = Vec::new();
    if let Some(defaults) = &defaults
        && let Some(problem) = tags::count_problem("defaultTags", defaults.len(), 0)
    {
        let location = spans
            .default_tags
            .map_or_else(|| Location::file(path), |p| at(path, p));
        problems.push(Diagnostic::at(&location, problem));
    }
    let mut bindings = Vec::with_capacity(raw.bindings.len());
    for (index, raw) in raw.bindings.into_iter().enumerate() {
        let span = spans.bindings.get(index).copied().unwrap_or_default();
        let item = span
            .item
            .map_or_else(|| Location::file(path), |p| at(path, p));
        let location = span.config.map_or_else(|| item.clone(), |p| at(path, p));
        let stage_location = span.stage.map_or_else(|| item.clone(), |p| at(path, p));
        let own = raw.tags.as_ref().map_or(0, BTreeMap::len);
        let tags = tags::merge(defaults.as_ref(), raw.tags);
        // Too many without a tag of its own is the defaults' fault, reported once above.
        if own > 0
            && let Some(merged) = &tags
            && let Some(problem) =
                tags::count_problem(&format!("bindings[{index}].tags"), merged.len(), own)
        {
            let location = span.tags.map_or_else(|| item.clone(), |p| at(path, p));
            problems.push(Diagnostic::at(&location, problem));
        }
        bindings.push(Binding {
            tags,
            ..binding(
                raw.ingest_configuration.0,
                raw.stage.0,
                raw.redundant_ingest,
                &region,
                &account,
                location,
                stage_location,
            )
        });
    }
    if problems.is_empty() {
        Ok(bindings)
    } else {
        Err(Diagnostics(problems))
    }
}

/// A binding as declared in a file with `region` and `account` (its top-level keys, if any),
/// and no tags.
fn binding(
    config: Ref,
    stage: Option<Ref>,
    redundant_ingest: Option<bool>,
    region: &Option<String>,
    account: &Option<String>,
    location: Location,
    stage_location: Location,
) -> Binding {
    let region = match &config {
        Ref::Arn(arn) => Some(arn.region().to_owned()),
        Ref::Name(_) => region.clone(),
    };
    Binding {
        config,
        stage,
        redundant_ingest,
        region,
        account: account.clone(),
        tags: None,
        location,
        stage_location,
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests;
