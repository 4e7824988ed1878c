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

/// Deeper `[`/`{` nesting is refused before parsing: both YAML parsers revisit every open flow
/// collection for each token, so 10,000 levels take a second and a 16 MiB file of `[` would
/// take hours, while a valid file never nests more than three deep.
const MAX_FLOW_DEPTH: usize = 64;

/// Problems reported from one load, as a compiler stops after its first screenfuls of errors.
const MAX_PROBLEMS: usize = 100;

/// Aliases beyond this are refused before expansion; a hand-written file uses a handful.
const MAX_ALIASES: usize = 100;

/// Messages quote the offending text; past this many characters its middle is left out, so a
/// megabyte-long value cannot flood the terminal. Valid-length names and ARNs (128) stay whole.
const MAX_EXCERPT_CHARS: usize = 160;

/// The same for a whole message, in case the user's text holds the quote that ends an excerpt.
const MAX_MESSAGE_CHARS: usize = 1_000;

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
        let mut problems = Vec::new();
        for binding in &mut self.bindings {
            if binding.region.is_none() {
                match default {
                    Some(region) => {
                        binding.region = Some(region.to_owned());
                        problems.extend(crosses_regions(binding));
                    }
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
    let problems = if problems.is_empty() {
        at_most(duplicates(&desired.bindings), MAX_PROBLEMS)
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
    check_structure(text, path)?;
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
    let file_account = raw.account.map(|a| a.0);
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
        let binding = Binding {
            config,
            stage,
            redundant_ingest: raw_binding.redundant_ingest,
            region,
            account: file_account.clone(),
            location,
            stage_location,
        };
        problems.extend(crosses_regions(&binding));
        problems.extend(other_account(&binding));
        bindings.push(binding);
    }
    if problems.is_empty() {
        Ok(bindings)
    } else {
        Err(Diagnostics(problems))
    }
}

/// A stage ARN in another region than its config: the service would refuse it, or worse.
fn crosses_regions(binding: &Binding) -> Option<Diagnostic> {
    let (Some(Ref::Arn(stage_arn)), Some(region)) = (&binding.stage, &binding.region) else {
        return None;
    };
    (stage_arn.region() != region).then(|| {
        Diagnostic::at(
            &binding.stage_location,
            format!(
                "stage `{stage_arn}` is in region {}, but the ingest configuration is in \
                 {region}: a binding cannot cross regions",
                stage_arn.region()
            ),
        )
    })
}

/// An ARN of another account than the file's `account:`.
fn other_account(binding: &Binding) -> Option<Diagnostic> {
    let account = binding.account.as_deref()?;
    let stage = binding.stage.as_ref().map(|s| (s, &binding.stage_location));
    let arns = std::iter::once((&binding.config, &binding.location)).chain(stage);
    arns.into_iter()
        .find_map(|(reference, location)| match reference {
            Ref::Arn(arn) if arn.account() != account => Some(Diagnostic::at(
                location,
                format!(
                    "`{arn}` is in account {}, but this file is for account {account}",
                    arn.account()
                ),
            )),
            _ => None,
        })
}

fn at(path: &Arc<str>, position: Position) -> Location {
    Location {
        path: Arc::clone(path),
        position: Some(position),
    }
}

fn decode<'a>(bytes: &'a [u8], path: &Arc<str>) -> Result<&'a str, Diagnostics> {
    // UTF-32 first: its little-endian mark begins with UTF-16's.
    let foreign =
        if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
            Some("UTF-32")
        } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            Some("UTF-16")
        } else {
            None
        };
    if let Some(encoding) = foreign {
        return Err(Diagnostic::at(
            &Location::file(path),
            format!(
                "file is {encoding} (it starts with a {encoding} byte-order mark): save it as UTF-8"
            ),
        )
        .into());
    }
    // A UTF-8 byte-order mark is legal YAML and common from Windows editors.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        // Only valid UTF-8 lies before the error, so this cannot fail.
        let before = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        Diagnostic::at(
            &at(path, position_after(before)),
            format!(
                "invalid UTF-8 (byte 0x{:02X}): desired-state files must be UTF-8",
                bytes[e.valid_up_to()]
            ),
        )
    })?;
    // The parser refuses these too, but by character offset and without saying which.
    if let Some((index, c)) = text.char_indices().find(|&(_, c)| !allowed_in_yaml(c)) {
        let hint = if c == '\0' {
            "; is the file UTF-16 without a byte-order mark, or not text at all?"
        } else {
            ""
        };
        return Err(Diagnostic::at(
            &at(path, position_after(&text[..index])),
            format!(
                "control character U+{:04X} is not allowed in YAML{hint}",
                u32::from(c)
            ),
        )
        .into());
    }
    Ok(text)
}

/// YAML's printable characters (YAML 1.1 section 5.1, which the parser enforces).
fn allowed_in_yaml(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The 1-based line and column of the character that follows `before`.
fn position_after(before: &str) -> Position {
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Refuses, before the parsers see them, `[`/`{` nested deeper than any valid file needs (the
/// parsers slow down quadratically with the depth) and more aliases than any valid file needs
/// (each is expanded in full, so a few kilobytes of `*a` can stand for millions of bindings). A
/// cheap scan that skips comments and quoted strings: it only has to be exact for valid files,
/// which never come near either limit.
fn check_structure(text: &str, path: &Arc<str>) -> Result<(), Diagnostic> {
    enum State {
        Code,
        Comment,
        Single,
        Double,
    }
    let mut state = State::Code;
    let mut depth = 0usize;
    let mut aliases = 0usize;
    let mut previous = '\n';
    let mut line = 1;
    let mut column = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        match state {
            State::Comment if c == '\n' => state = State::Code,
            State::Single if c == '\'' => {
                // `''` is an escaped quote inside a single-quoted string.
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    column += 1;
                } else {
                    state = State::Code;
                }
            }
            State::Double if c == '\\' => {
                if chars.next() == Some('\n') {
                    line += 1;
                    column = 0;
                } else {
                    column += 1;
                }
            }
            State::Double if c == '"' => state = State::Code,
            State::Code => {
                // Indicators only count at the start of a token, not inside a plain scalar;
                // inside `[` or `{` a plain scalar ends at the next one, so any `[` or `{` opens.
                let token_start = previous.is_whitespace()
                    || matches!(previous, '[' | '{' | ']' | '}' | ',' | ':' | '\'' | '"');
                let opens = token_start || depth > 0;
                match c {
                    '#' if previous.is_whitespace() => state = State::Comment,
                    '\'' if token_start => state = State::Single,
                    '"' if token_start => state = State::Double,
                    '[' | '{' if opens => {
                        depth += 1;
                        if depth > MAX_FLOW_DEPTH {
                            return Err(Diagnostic::at(
                                &Location::at(path, line, column),
                                format!(
                                    "`[`/`{{` nested more than {MAX_FLOW_DEPTH} levels deep; a \
                                     desired-state file never needs more than 3"
                                ),
                            ));
                        }
                    }
                    ']' | '}' => depth = depth.saturating_sub(1),
                    '*' if token_start => {
                        aliases += 1;
                        if aliases > MAX_ALIASES {
                            return Err(Diagnostic::at(
                                &Location::at(path, line, column),
                                format!(
                                    "more than {MAX_ALIASES} aliases (`*name`); each is expanded \
                                     in full, and a desired-state file never needs this many"
                                ),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        previous = c;
    }
    Ok(())
}

/// Turns a parser error into a diagnostic whose location is ours, not part of the message.
fn yaml_error(error: &serde_yaml::Error, text: &str, path: &Arc<str>) -> Diagnostics {
    let mut message = error.to_string();
    if is_data_error(&message)
        && let Some(syntax) = strict_syntax_error(text, path)
    {
        // The parser behind serde accepts some malformed YAML (a key indented one space too
        // little or too much) and builds a different structure from it, so its complaint about
        // that structure ("missing field `stage`") would send the user to the wrong place.
        return syntax.into();
    }
    let mut location = match error.location() {
        Some(l) => {
            let suffix = format!(" at line {} column {}", l.line(), l.column());
            message = message.replacen(&suffix, "", 1);
            Location::at(path, l.line(), l.column())
        }
        None => Location::file(path),
    };
    // serde's names for YAML's null and for a mapping key.
    message = message
        .replace("invalid type: unit value", "invalid type: null")
        .replace("expected field identifier", "expected a key name");
    if message.contains("more than one document") {
        message = "file holds more than one YAML document (`---`); put one document in each file"
            .to_owned();
        if let Some(second) = second_document(text) {
            location = at(path, second);
        }
    } else if let Some(key) = duplicate_field(&message) {
        // serde points at the mapping; the second key is the one to delete or rename.
        let keys = error
            .location()
            .map(|l| Position {
                line: l.line(),
                column: l.column(),
            })
            .and_then(|mapping| repeated_key(text, mapping, key));
        if let Some((first, second)) = keys {
            message = format!("{message}: set here and at {}; keep one", at(path, first));
            location = at(path, second);
        }
    } else if error
        .location()
        .is_some_and(|l| line_has_tab(text, l.line()))
    {
        message.push_str(TAB_HINT);
    }
    Diagnostic::at(&location, elide(&message)).into()
}

/// Whether serde complains about the data (a type, a key, a value) rather than the syntax: its
/// own messages, and ours, which it prefixes with the path of the value.
fn is_data_error(message: &str) -> bool {
    [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "missing field `",
        "unknown field `",
        "duplicate field `",
        "version: ",
        "region: ",
        "bindings: ",
        "bindings[",
    ]
    .iter()
    .any(|start| message.starts_with(start))
}

/// The first syntax error a strict YAML 1.2 parser finds, if any.
fn strict_syntax_error(text: &str, path: &Arc<str>) -> Option<Diagnostic> {
    let error = Parser::new_from_str(text).find_map(Result::err)?;
    let position = Position {
        line: error.marker().line(),
        column: error.marker().col() + 1,
    };
    let mut message = error.info().to_owned();
    if line_has_tab(text, position.line) {
        message.push_str(TAB_HINT);
    }
    Some(Diagnostic::at(&at(path, position), elide(&message)))
}

const TAB_HINT: &str = " (YAML does not allow tabs for indentation; use spaces)";

fn line_has_tab(text: &str, line: usize) -> bool {
    text.lines()
        .nth(line.saturating_sub(1))
        .is_some_and(|line| line.contains('\t'))
}

/// The key named by serde's "duplicate field `key`" message.
fn duplicate_field(message: &str) -> Option<&str> {
    let rest = &message[message.find("duplicate field `")? + "duplicate field `".len()..];
    Some(&rest[..rest.find('`')?])
}

/// Shortens every quoted excerpt of the user's text in a message (between backticks or double
/// quotes) to its start and end, keeping the message's own words whole; a message that is still
/// too long, as when the user's text holds a quote, keeps its start and end.
fn elide(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        if (c == '`' || c == '"')
            && let Some(length) = chars[i..].iter().position(|&d| d == c)
        {
            out.push_str(&shorten(&chars[i..i + length], MAX_EXCERPT_CHARS));
            out.push(c);
            i += length + 1;
        }
    }
    let chars: Vec<char> = out.chars().collect();
    shorten(&chars, MAX_MESSAGE_CHARS)
}

/// `text` whole if it has at most `max` characters, else its first 5/8 and last 1/4 of `max`.
fn shorten(text: &[char], max: usize) -> String {
    if text.len() <= max {
        return text.iter().collect();
    }
    let head = max * 5 / 8;
    let tail = max / 4;
    format!(
        "{}[… {} characters left out …]{}",
        text[..head].iter().collect::<String>(),
        text.len() - head - tail,
        text[text.len() - tail..].iter().collect::<String>()
    )
}

/// Where the second document of a multi-document file starts.
fn second_document(text: &str) -> Option<Position> {
    Parser::new_from_str(text)
        .map_while(Result::ok)
        .filter(|(event, _)| matches!(event, Event::DocumentStart(_)))
        .nth(1)
        .map(|(_, span)| Position {
            line: span.start.line(),
            column: span.start.col() + 1,
        })
}

/// The first and second positions of `key` in the first mapping that starts at or after
/// `mapping` (where serde reports a duplicate) and holds that key twice.
fn repeated_key(text: &str, mapping: Position, key: &str) -> Option<(Position, Position)> {
    struct Map {
        wanted: bool,
        expect_key: bool,
        first: Option<Position>,
    }
    // `None` for a sequence, whose items are never keys.
    let mut stack: Vec<Option<Map>> = Vec::new();
    for (event, span) in Parser::new_from_str(text).map_while(Result::ok) {
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
        if starts_node && let Some(Some(map)) = stack.last_mut() {
            if map.expect_key
                && map.wanted
                && let Event::Scalar(value, ..) = &event
                && value == key
            {
                match map.first {
                    Some(first) => return Some((first, position)),
                    None => map.first = Some(position),
                }
            }
            map.expect_key = !map.expect_key;
        }
        match event {
            Event::MappingStart(..) => stack.push(Some(Map {
                wanted: position >= mapping,
                expect_key: true,
                first: None,
            })),
            Event::SequenceStart(..) => stack.push(None),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            _ => {}
        }
    }
    None
}

/// Two bindings of the same config (the same ARN, or the same name in the same region) are a
/// contradiction the user must resolve; name-versus-ARN duplicates are found after resolution.
fn duplicates(bindings: &[Binding]) -> impl Iterator<Item = Diagnostic> + '_ {
    let mut first: BTreeMap<(&Option<String>, &Ref), &Binding> = BTreeMap::new();
    bindings.iter().filter_map(move |binding| {
        let key = match &binding.config {
            // An ARN carries its region: the file's region does not change which config it is.
            Ref::Arn(_) => (&None, &binding.config),
            Ref::Name(_) => (&binding.region, &binding.config),
        };
        match first.get(&key) {
            Some(earlier) => Some(bound_twice(&binding.config.to_string(), earlier, binding)),
            None => {
                first.insert(key, binding);
                None
            }
        }
    })
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
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `version: 1` and `bindings`"
)]
struct RawFile {
    version: Version,
    #[serde(default)]
    region: Option<Region>,
    #[serde(default)]
    account: Option<Account>,
    bindings: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a binding: a mapping with `ingestConfiguration` and `stage`"
)]
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
                u32::try_from(v).map(Version).map_err(|_| {
                    E::custom(format!(
                        "unsupported version {v}: this ingestctl reads version {FORMAT_VERSION}"
                    ))
                })
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
        struct V;
        impl Visitor<'_> for V {
            type Value = Region;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a region name (such as us-east-1)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Region, E> {
                let valid = !text.is_empty()
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if valid {
                    Ok(Region(text.to_owned()))
                } else {
                    Err(E::custom(format!(
                        "`{}` is not a region name (such as us-east-1)",
                        text.escape_debug()
                    )))
                }
            }
        }
        // A visitor, not `String::deserialize` and a check after it: an error raised inside the
        // visitor gets the value's position, and `region: 42` is a type error, not a region.
        deserializer.deserialize_any(V)
    }
}

/// An AWS account id: twelve digits, quoted (YAML would read it as a number otherwise, and lose
/// its leading zeros).
struct Account(String);

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Account;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an AWS account id, twelve digits in quotes (such as \"123456789012\")")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Account, E> {
                if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(Account(text.to_owned()))
                } else {
                    Err(E::custom(format!(
                        "`{}` is not an AWS account id (twelve digits)",
                        text.escape_debug()
                    )))
                }
            }
        }
        deserializer.deserialize_any(V)
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
            fn visit_unit<E: de::Error>(self) -> Result<ConfigRef, E> {
                Err(E::custom(
                    "is null: give the ARN or name of an ingest configuration (only `stage` may be null)",
                ))
            }
        }
        // `deserialize_any`, as for `stage`: `true`, `42` and `null` are YAML types, not names
        // (`deserialize_str` would take them as the names "true", "42" and "null").
        deserializer.deserialize_any(V)
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
    fn aliases_beyond_the_limit_are_refused_before_expansion() {
        let mut text =
            String::from("version: 1\nbindings:\n  - &b {ingestConfiguration: a, stage: null}\n");
        text.push_str(&"  - *b\n".repeat(2_000_000));
        let err = parse_str(&text).unwrap_err();
        assert!(
            err.starts_with("bindings.yaml:104:5: more than 100 aliases"),
            "{err}"
        );
        // A few aliases are fine.
        assert!(parse_str("version: 1\nregion: &r us-east-1\nbindings:\n  - {ingestConfiguration: a, stage: *r}\n").is_ok());
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
        let problems: Vec<Diagnostic> = duplicates(&bindings).collect();
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
    fn duplicate_keys_point_at_the_second_and_name_the_first() {
        let err = parse_str("# header\nversion: 1\nversion: 1\nbindings: []\n").unwrap_err();
        assert_eq!(
            err,
            "bindings.yaml:3:1: duplicate field `version`: set here and at bindings.yaml:2:1; keep one"
        );
        let err = parse_str("version: 1\nbindings:\n  - stage: a\n    stage: b\n").unwrap_err();
        assert!(err.starts_with("bindings.yaml:4:5: bindings[0]: duplicate field `stage`: set here and at bindings.yaml:3:5"), "{err}");
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_the_parsers_see_it() {
        // A million levels would keep either YAML parser busy for hours.
        let text = format!("version: 1\nbindings: {}\n", "[".repeat(1_000_000));
        let err = parse_str(&text).unwrap_err();
        assert_eq!(
            err,
            "bindings.yaml:2:75: `[`/`{` nested more than 64 levels deep; a desired-state file never needs more than 3"
        );
    }

    #[test]
    fn brackets_in_comments_and_quotes_are_not_nesting() {
        let brackets = "[".repeat(100);
        let text = format!("# {brackets}\nversion: 1\nbindings: [] # {brackets}\n");
        assert!(parse_str(&text).unwrap().is_empty());
        let text = format!(
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: 'it''s {brackets}'\n"
        );
        assert!(
            parse_str(&text)
                .unwrap_err()
                .contains("neither an ARN nor a valid stage name")
        );
    }

    #[test]
    fn control_characters_are_located_and_named() {
        let err = parse(b"version: 1\nbindings: []\x1b\n", &Arc::from("x.yaml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "x.yaml:2:13: control character U+001B is not allowed in YAML"
        );
    }

    #[test]
    fn a_misindented_key_is_a_syntax_error_not_a_missing_field() {
        // The lenient parser reads this as a binding without `stage`.
        let err = parse_str("version: 1\nbindings:\n  - ingestConfiguration: a\n   stage: b\n")
            .unwrap_err();
        assert!(err.starts_with("bindings.yaml:4:4: "), "{err}");
        assert!(!err.contains("missing field"), "{err}");
    }

    #[test]
    fn long_quoted_text_is_shortened_in_messages() {
        let text = format!("version: 1\nbindings: \"{}\"\n", "z".repeat(100_000));
        let err = parse_str(&text).unwrap_err();
        assert!(err.len() < 400, "{err}");
        assert!(err.contains("[… 99860 characters left out …]"), "{err}");
        assert!(err.ends_with("\", expected a sequence"), "{err}");
    }

    #[test]
    fn problems_past_the_limit_are_counted_not_built() {
        let problem = || Diagnostic::new(None, "p");
        assert_eq!(at_most(std::iter::repeat_with(problem).take(3), 5).len(), 3);
        let shown = at_most(std::iter::repeat_with(problem).take(1_000_000), 5);
        assert_eq!(shown.len(), 6);
        assert_eq!(
            shown[5].message,
            "999995 more problems not shown; fix these first"
        );
    }

    #[test]
    fn yaml_types_are_not_config_names() {
        for value in ["42", "true", "1e3", "null", "~", ""] {
            let text =
                format!("version: 1\nbindings:\n  - ingestConfiguration: {value}\n    stage: s\n");
            let err = parse_str(&text).unwrap_err();
            assert!(err.starts_with("bindings.yaml:3:2"), "{value}: {err}");
        }
        let text = "version: 1\nbindings:\n  - ingestConfiguration: \"42\"\n    stage: s\n";
        assert_eq!(parse_str(text).unwrap()[0].config, Ref::Name("42".into()));
    }

    /// Valid documents in the shapes people write, for the mutation test to start from.
    const SEEDS: &[&str] = &[
        "version: 1\nregion: us-east-1\nbindings:\n  - ingestConfiguration: arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456\n    stage: arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345\n  - ingestConfiguration: studio-b\n    stage: null\n    redundantIngest: true\n",
        "{version: 1, bindings: [&x {ingestConfiguration: a, stage: b}, *x]}\n",
        "\u{feff}# comment\nversion: 1\nbindings: []\n",
        "---\nversion: 1\nbindings:\n- {ingestConfiguration: 'a', stage: \"b\"}\n...\n",
    ];

    /// Bytes that mean something to YAML, to UTF-8 or to the loader.
    const SPECIAL: &[u8] = b"[]{}:,-?#&*!|>'\"%@`\t\n\r \\\0\xEF\xBB\xBF\xFF\xFE\xC3";

    #[derive(Clone, Debug)]
    enum Edit {
        Insert(proptest::sample::Index, u8),
        Replace(proptest::sample::Index, u8),
        Delete(proptest::sample::Index, usize),
        /// Copies a slice to elsewhere: repeated keys, deeper nesting, stray anchors.
        Copy(proptest::sample::Index, usize, proptest::sample::Index),
    }

    fn byte() -> impl proptest::strategy::Strategy<Value = u8> {
        use proptest::prelude::*;
        prop_oneof![any::<u8>(), proptest::sample::select(SPECIAL)]
    }

    fn edit() -> impl proptest::strategy::Strategy<Value = Edit> {
        use proptest::prelude::*;
        prop_oneof![
            (any::<proptest::sample::Index>(), byte()).prop_map(|(at, b)| Edit::Insert(at, b)),
            (any::<proptest::sample::Index>(), byte()).prop_map(|(at, b)| Edit::Replace(at, b)),
            (any::<proptest::sample::Index>(), 1..16usize).prop_map(|(at, n)| Edit::Delete(at, n)),
            (
                any::<proptest::sample::Index>(),
                1..64usize,
                any::<proptest::sample::Index>()
            )
                .prop_map(|(from, n, to)| Edit::Copy(from, n, to)),
        ]
    }

    fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
        for edit in edits {
            let len = bytes.len();
            match edit {
                Edit::Insert(at, b) => bytes.insert(at.index(len + 1), *b),
                Edit::Replace(at, b) if len > 0 => bytes[at.index(len)] = *b,
                Edit::Delete(at, n) if len > 0 => {
                    let start = at.index(len);
                    bytes.drain(start..(start + n).min(len));
                }
                Edit::Copy(from, n, to) if len > 0 => {
                    let start = from.index(len);
                    let slice = bytes[start..(start + n).min(len)].to_vec();
                    let to = to.index(len + 1);
                    bytes.splice(to..to, slice);
                }
                _ => {}
            }
        }
        bytes
    }

    /// Whatever the bytes, `parse` returns: a panic would kill `ingestctl` with a stack trace.
    fn parse_returns(bytes: &[u8]) -> Result<(), proptest::test_runner::TestCaseError> {
        if let Err(problems) = parse(bytes, &Arc::from("fuzz.yaml")) {
            proptest::prop_assert!(!problems.0.is_empty());
            proptest::prop_assert!(!problems.to_string().is_empty());
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_on_random_bytes(
            bytes in proptest::collection::vec(byte(), 0..512)
        ) {
            parse_returns(&bytes)?;
        }

        #[test]
        fn parse_never_panics_on_mutated_valid_documents(
            seed in proptest::sample::select(SEEDS),
            edits in proptest::collection::vec(edit(), 1..8)
        ) {
            proptest::prop_assert!(parse(seed.as_bytes(), &Arc::from("seed.yaml")).is_ok());
            parse_returns(&apply(seed.as_bytes().to_vec(), &edits))?;
        }
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
