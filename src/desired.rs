//! The desired-state files: their YAML format, loading them with the location of every binding,
//! and the checks that need no AWS call (ARN and name syntax, regions, duplicates).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use saphyr_parser::{Event, Parser};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use sha2::{Digest, Sha256};

use crate::arn::{Kind, Ref};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, Position};

/// The only version of the format this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// Larger files are refused before they are read: a desired-state file of 10,000 bindings is
/// under 2 MiB, so anything this big is a mistake or an attack.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

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
    pub fn with_default_region(mut self, default: Option<&str>) -> Result<Desired, Diagnostics> {
        let mut problems = Vec::new();
        for binding in &mut self.bindings {
            if binding.region.is_none() {
                match default {
                    Some(region) => binding.region = Some(region.to_owned()),
                    None => problems.push(Diagnostic::at(
                        &binding.location,
                        format!(
                            "`{}` is a name, and no region is set to look it up in: add `region:` \
                             to the file, or pass --region or set AWS_REGION",
                            binding.config
                        ),
                    )),
                }
            }
        }
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
        match expand(path) {
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
    if problems.is_empty() {
        problems.extend(duplicates(&desired.bindings));
    }
    if problems.is_empty() {
        Ok(desired)
    } else {
        Err(Diagnostics(problems))
    }
}

fn expand(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let shown = path.display().to_string();
    let metadata = std::fs::metadata(path)
        .map_err(|e| Diagnostic::new(None, format!("{shown}: cannot read: {}", io_reason(&e))))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Diagnostic::new(None, format!("{shown}: cannot list: {}", io_reason(&e))))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            Diagnostic::new(None, format!("{shown}: cannot list: {}", io_reason(&e)))
        })?;
        let file = entry.path();
        let is_yaml = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if is_yaml && file.is_file() {
            files.push(file);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Diagnostic::new(
            None,
            format!("{shown}: directory has no *.yaml or *.yml files"),
        ));
    }
    Ok(files)
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

fn load_file(file: &Path, path: &Arc<str>) -> Result<(Source, Vec<Binding>), Diagnostics> {
    let whole = Location::file(path);
    let metadata = std::fs::metadata(file)
        .map_err(|e| Diagnostic::at(&whole, format!("cannot read: {}", io_reason(&e))))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::at(
            &whole,
            format!(
                "file is {} bytes; desired-state files are limited to {} MiB",
                metadata.len(),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .into());
    }
    let bytes = std::fs::read(file)
        .map_err(|e| Diagnostic::at(&whole, format!("cannot read: {}", io_reason(&e))))?;
    let source = Source {
        path: Arc::clone(path),
        sha256: hex(&Sha256::digest(&bytes)),
    };
    let bindings = parse(&bytes, path)?;
    Ok((source, bindings))
}

/// Parses one file's bytes. Public within the crate so tests and `validate` share it.
pub(crate) fn parse(bytes: &[u8], path: &Arc<str>) -> Result<Vec<Binding>, Diagnostics> {
    let text = decode(bytes, path)?;
    if text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        return Err(Diagnostic::at(
            &Location::file(path),
            "file is empty: expected a mapping with `version: 1` and `bindings`",
        )
        .into());
    }
    let raw: RawFile = serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, path))?;
    if raw.version.0 != FORMAT_VERSION {
        let spans = locate(text);
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
    let spans = locate(text);
    let file_region = raw.region.map(|r| r.0);
    let mut problems = Vec::new();
    let mut bindings = Vec::with_capacity(raw.bindings.len());
    for (index, raw_binding) in raw.bindings.into_iter().enumerate() {
        let span = spans.bindings.get(index).copied().unwrap_or_default();
        let item = span
            .item
            .map_or_else(|| Location::file(path), |p| at(path, p));
        let location = span.config.map_or_else(|| item.clone(), |p| at(path, p));
        let stage_location = span.stage.map_or_else(|| item.clone(), |p| at(path, p));
        let config = raw_binding.ingest_configuration.0;
        let stage = raw_binding.stage.0;
        let region = match &config {
            Ref::Arn(arn) => Some(arn.region().to_owned()),
            Ref::Name(_) => file_region.clone(),
        };
        if let (Some(Ref::Arn(stage_arn)), Some(region)) = (&stage, &region)
            && stage_arn.region() != region
        {
            problems.push(Diagnostic::at(
                &stage_location,
                format!(
                    "stage `{stage_arn}` is in region {}, but the ingest configuration is in \
                     {region}: a binding cannot cross regions",
                    stage_arn.region()
                ),
            ));
        }
        bindings.push(Binding {
            config,
            stage,
            redundant_ingest: raw_binding.redundant_ingest,
            region,
            location,
            stage_location,
        });
    }
    if problems.is_empty() {
        Ok(bindings)
    } else {
        Err(Diagnostics(problems))
    }
}

fn at(path: &Arc<str>, position: Position) -> Location {
    Location {
        path: Arc::clone(path),
        position: Some(position),
    }
}

fn decode<'a>(bytes: &'a [u8], path: &Arc<str>) -> Result<&'a str, Diagnostics> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Diagnostic::at(
            &Location::file(path),
            "file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8",
        )
        .into());
    }
    // A UTF-8 byte-order mark is legal YAML and common from Windows editors.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // Only valid UTF-8 lies before the error, so this cannot fail.
        let column = std::str::from_utf8(&valid[line_start..]).map_or(1, |s| s.chars().count() + 1);
        Diagnostic::at(
            &Location::at(path, line, column),
            format!(
                "invalid UTF-8 (byte 0x{:02X}): desired-state files must be UTF-8",
                bytes[e.valid_up_to()]
            ),
        )
        .into()
    })
}

/// Turns a parser error into a diagnostic whose location is ours, not part of the message.
fn yaml_error(error: &serde_yaml::Error, text: &str, path: &Arc<str>) -> Diagnostics {
    let mut message = error.to_string();
    let location = match error.location() {
        Some(l) => {
            let suffix = format!(" at line {} column {}", l.line(), l.column());
            message = message.replacen(&suffix, "", 1);
            Location::at(path, l.line(), l.column())
        }
        None => Location::file(path),
    };
    if message.contains("more than one document") {
        message = "file holds more than one YAML document (`---`); put one document in each file"
            .to_owned();
    } else if error.location().is_some_and(|l| {
        text.lines()
            .nth(l.line().saturating_sub(1))
            .is_some_and(|line| line.contains('\t'))
    }) {
        message.push_str(" (YAML does not allow tabs for indentation; use spaces)");
    }
    Diagnostic::at(&location, message).into()
}

/// Two bindings of the same config (the same ARN, or the same name in the same region) are a
/// contradiction the user must resolve; name-versus-ARN duplicates are found after resolution.
fn duplicates(bindings: &[Binding]) -> Vec<Diagnostic> {
    let mut first: BTreeMap<(&Option<String>, &Ref), &Binding> = BTreeMap::new();
    let mut problems = Vec::new();
    for binding in bindings {
        let key = match &binding.config {
            // An ARN carries its region: the file's region does not change which config it is.
            Ref::Arn(_) => (&None, &binding.config),
            Ref::Name(_) => (&binding.region, &binding.config),
        };
        if let Some(earlier) = first.get(&key) {
            problems.push(bound_twice(&binding.config.to_string(), earlier, binding));
        } else {
            first.insert(key, binding);
        }
    }
    problems
}

/// The diagnostic for a config bound in two places.
pub(crate) fn bound_twice(config: &str, first: &Binding, second: &Binding) -> Diagnostic {
    Diagnostic::at(
        &second.location,
        format!(
            "ingest configuration `{config}` is bound twice: here and at {}; keep one binding",
            first.location
        ),
    )
}

/// The file's top level, as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Version,
    #[serde(default)]
    region: Option<Region>,
    bindings: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawBinding {
    ingest_configuration: ConfigRef,
    stage: StageRef,
    #[serde(default)]
    redundant_ingest: Option<bool>,
}

struct Version(u32);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Version;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the format version, an integer ({FORMAT_VERSION})")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Version, E> {
                u32::try_from(v)
                    .map(Version)
                    .map_err(|_| E::custom(format!("unsupported version {v}")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Version, E> {
                Err(E::custom(format!(
                    "unsupported version {v}: this ingestctl reads version {FORMAT_VERSION}"
                )))
            }
        }
        deserializer.deserialize_any(V)
    }
}

struct Region(String);

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let valid = !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(Region(text))
        } else {
            Err(de::Error::custom(format!(
                "`{}` is not a region name (such as us-east-1)",
                text.escape_debug()
            )))
        }
    }
}

struct ConfigRef(Ref);

impl<'de> Deserialize<'de> for ConfigRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ConfigRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ingest-configuration ARN or name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ConfigRef, E> {
                Ref::parse(v, Kind::IngestConfiguration)
                    .map(ConfigRef)
                    .map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// `stage` must be present; `null` is a deliberate "attached to no stage", never a default.
struct StageRef(Option<Ref>);

impl<'de> Deserialize<'de> for StageRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StageRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a stage ARN, a stage name, or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<StageRef, E> {
                Ok(StageRef(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<StageRef, E> {
                Ok(StageRef(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StageRef, E> {
                Ref::parse(v, Kind::Stage)
                    .map(|r| StageRef(Some(r)))
                    .map_err(E::custom)
            }
        }
        // `deserialize_any`, not `Option`: a missing `stage` must be an error, not a null.
        deserializer.deserialize_any(V)
    }
}

/// Positions found by a second, event-level pass, since serde does not report where values were.
#[derive(Default)]
struct Spans {
    version: Option<Position>,
    bindings: Vec<BindingSpan>,
}

#[derive(Clone, Copy, Default)]
struct BindingSpan {
    item: Option<Position>,
    config: Option<Position>,
    stage: Option<Position>,
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Root,
    BindingList,
    Binding,
    Other,
}

enum Frame {
    Map {
        role: Role,
        expect_key: bool,
        key: Option<String>,
    },
    Seq {
        role: Role,
    },
}

/// Walks the YAML events of an already-validated document and records where the version and
/// each binding's values are. Iterative, so deep nesting cannot overflow the stack.
fn locate(text: &str) -> Spans {
    let mut spans = Spans::default();
    let mut stack: Vec<Frame> = Vec::new();
    for result in Parser::new_from_str(text) {
        let Ok((event, span)) = result else { break };
        let position = Position {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        let starts_node = matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
        );
        if starts_node {
            let role = match stack.last_mut() {
                None => Role::Root,
                Some(Frame::Map {
                    expect_key: expect_key @ true,
                    key,
                    ..
                }) => {
                    *key = match &event {
                        Event::Scalar(value, ..) => Some(value.to_string()),
                        _ => None,
                    };
                    *expect_key = false;
                    Role::Other
                }
                Some(Frame::Map {
                    role,
                    key,
                    expect_key,
                    ..
                }) => {
                    let child = match (*role, key.as_deref()) {
                        (Role::Root, Some("bindings")) => Role::BindingList,
                        (Role::Root, Some("version")) => {
                            spans.version = Some(position);
                            Role::Other
                        }
                        (Role::Binding, Some("ingestConfiguration")) => {
                            if let Some(b) = spans.bindings.last_mut() {
                                b.config = Some(position);
                            }
                            Role::Other
                        }
                        (Role::Binding, Some("stage")) => {
                            if let Some(b) = spans.bindings.last_mut() {
                                b.stage = Some(position);
                            }
                            Role::Other
                        }
                        _ => Role::Other,
                    };
                    *expect_key = true;
                    child
                }
                Some(Frame::Seq { role }) => {
                    if *role == Role::BindingList {
                        spans.bindings.push(BindingSpan {
                            item: Some(position),
                            ..BindingSpan::default()
                        });
                        Role::Binding
                    } else {
                        Role::Other
                    }
                }
            };
            match event {
                Event::MappingStart(..) => stack.push(Frame::Map {
                    role,
                    expect_key: true,
                    key: None,
                }),
                Event::SequenceStart(..) => stack.push(Frame::Seq { role }),
                _ => {}
            }
        } else if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
            stack.pop();
        }
    }
    spans
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
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<Binding>, String> {
        parse(text.as_bytes(), &Arc::from("bindings.yaml")).map_err(|d| d.to_string())
    }

    const CONFIG: &str = "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456";
    const STAGE: &str = "arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345";

    #[test]
    fn reads_arns_names_null_stage_and_positions() {
        let text = format!(
            "version: 1\nregion: eu-west-1\nbindings:\n  - ingestConfiguration: {CONFIG}\n    stage: {STAGE}\n  - ingestConfiguration: studio-b\n    stage: main\n    redundantIngest: true\n  - ingestConfiguration: other\n    stage: null\n"
        );
        let bindings = parse_str(&text).unwrap();
        assert_eq!(bindings.len(), 3);
        assert_eq!(bindings[0].region.as_deref(), Some("us-east-1"));
        assert_eq!(bindings[0].location.to_string(), "bindings.yaml:4:26");
        assert_eq!(bindings[0].stage_location.to_string(), "bindings.yaml:5:12");
        assert_eq!(bindings[1].config, Ref::Name("studio-b".into()));
        assert_eq!(bindings[1].region.as_deref(), Some("eu-west-1"));
        assert_eq!(bindings[1].redundant_ingest, Some(true));
        assert_eq!(bindings[2].stage, None);
        assert_eq!(bindings[2].redundant_ingest, None);
    }

    #[test]
    fn missing_stage_is_an_error_not_a_detach() {
        let err = parse_str("version: 1\nbindings:\n  - ingestConfiguration: a\n").unwrap_err();
        assert_eq!(err, "bindings.yaml:3:5: bindings[0]: missing field `stage`");
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let err = parse_str("version: 1\nbindings:\n  - ingestConfiguration: a\n    stag: b\n")
            .unwrap_err();
        assert!(
            err.starts_with("bindings.yaml:4:5: bindings[0]: unknown field `stag`"),
            "{err}"
        );
    }

    #[test]
    fn future_and_missing_versions_are_refused() {
        let err = parse_str("version: 2\nbindings: []\n").unwrap_err();
        assert_eq!(
            err,
            "bindings.yaml:1:10: unsupported version 2: this ingestctl reads version 1; upgrade ingestctl to read this file"
        );
        let err = parse_str("bindings: []\n").unwrap_err();
        assert!(err.contains("missing field `version`"), "{err}");
    }

    #[test]
    fn empty_and_comment_only_files_say_so() {
        for text in ["", "\n\n", "# just a comment\n"] {
            assert!(parse_str(text).unwrap_err().contains("file is empty"));
        }
    }

    #[test]
    fn bad_arn_is_reported_at_its_value() {
        let err = parse_str(&format!(
            "version: 1\nbindings:\n  - ingestConfiguration: {STAGE}\n    stage: null\n"
        ))
        .unwrap_err();
        assert!(
            err.starts_with("bindings.yaml:3:26: bindings[0].ingestConfiguration: `arn:aws:ivs"),
            "{err}"
        );
        assert!(err.contains("is a stage ARN"), "{err}");
    }

    #[test]
    fn cross_region_binding_is_refused() {
        let stage = STAGE.replace("us-east-1", "eu-west-1");
        let err = parse_str(&format!(
            "version: 1\nbindings:\n  - ingestConfiguration: {CONFIG}\n    stage: {stage}\n"
        ))
        .unwrap_err();
        assert!(err.contains("cannot cross regions"), "{err}");
        assert!(err.starts_with("bindings.yaml:4:12:"), "{err}");
    }

    #[test]
    fn utf8_bom_is_accepted_and_utf16_is_explained() {
        assert!(
            parse_str("\u{feff}version: 1\nbindings: []\n")
                .unwrap()
                .is_empty()
        );
        let err = parse(b"\xFF\xFEv\0", &Arc::from("x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("UTF-16"), "{err}");
    }

    #[test]
    fn invalid_utf8_points_at_the_byte() {
        let err = parse(b"version: 1\nbindings: [\xC3\x28]\n", &Arc::from("x.yaml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "x.yaml:2:12: invalid UTF-8 (byte 0xC3): desired-state files must be UTF-8"
        );
    }

    #[test]
    fn tabs_get_a_hint() {
        let err = parse_str("version: 1\nbindings:\n\t- a: 1\n").unwrap_err();
        assert!(err.contains("tabs"), "{err}");
    }

    #[test]
    fn duplicates_name_both_places() {
        let text = format!(
            "version: 1\nbindings:\n  - ingestConfiguration: {CONFIG}\n    stage: null\n  - ingestConfiguration: {CONFIG}\n    stage: {STAGE}\n"
        );
        let bindings = parse_str(&text).unwrap();
        let problems = duplicates(&bindings);
        assert_eq!(problems.len(), 1);
        let message = problems[0].to_string();
        assert!(message.starts_with("bindings.yaml:5:26:"), "{message}");
        assert!(
            message.contains("bound twice: here and at bindings.yaml:3:26"),
            "{message}"
        );
    }

    #[test]
    fn locate_survives_flow_style_and_aliases() {
        let line = "bindings: [&x {ingestConfiguration: a, stage: b}, *x]";
        let spans = locate(&format!("version: 1\n{line}\n"));
        assert_eq!(spans.bindings.len(), 2);
        let column = line.find("b}").unwrap() + 1;
        assert_eq!(spans.bindings[0].stage, Some(Position { line: 2, column }));
        assert_eq!(
            spans.bindings[1].item,
            Some(Position {
                line: 2,
                column: line.find("*x").unwrap() + 1
            })
        );
    }

    #[test]
    fn digest_depends_on_content_only() {
        let a = Desired {
            sources: vec![Source {
                path: Arc::from("a.yaml"),
                sha256: "00".into(),
            }],
            bindings: vec![],
        };
        let mut b = a.clone();
        b.sources[0].path = Arc::from("elsewhere/a.yaml");
        assert_eq!(a.digest(), b.digest());
        b.sources[0].sha256 = "01".into();
        assert_ne!(a.digest(), b.digest());
    }
}
