//! Reading the plain block layout that the examples and the docs use, line by line and without a
//! YAML parser; a file in any other shape, or with any mistake, is left to the parsers.
//!
//! Parsing 10,000 bindings takes serde_norway about 25 ms and a second event-level pass for
//! positions 15 ms more; this reads them, positions included, in about 4 ms (plus the 5 ms of ARN
//! and name checks that either way makes). It accepts only a subset of YAML in which every
//! construct means the same to every parser:
//!
//! ```yaml
//! # comments and blank lines anywhere
//! version: 1
//! region: us-east-1                    # optional; plain or quoted
//! account: "123456789012"              # optional; quoted
//! bindings:                            # or `bindings: []`
//!   - ingestConfiguration: studio-a    # plain or quoted, a valid name or ARN
//!     stage: arn:aws:ivs:...           # the same, or `null`
//!     redundantIngest: true            # optional; `true` or `false`
//! ```
//!
//! with the top-level keys in any order, at column 1, each once; the items of `bindings` at one
//! indentation, each key of an item on its own line two columns right of the `-`, each once;
//! values of letters, digits and `_:/-` only, plain ones starting with a letter or `_` and not
//! spelling null or a boolean. Anything else (flow style, anchors, YAML tags (`!!str`), escapes,
//! tabs outside comments, document markers, a line break YAML 1.1 knows but YAML 1.2 does not, a
//! missing or repeated key, a value the checks refuse) makes [`read`] return `None`, and the file
//! goes to serde_norway and saphyr-parser as before, which then report any mistake as they always
//! did.
//!
//! So does any other key, `defaultTags` and a binding's `tags` among them: a file that declares
//! resource tags is read by the parsers, which check them (see `tags`), and a file without them,
//! however long, stays here.

use std::sync::Arc;

use super::guards;
use super::schema::{is_account_id, is_region_name};
use super::{Binding, FORMAT_VERSION, at, binding};
use crate::arn::{Kind, Ref};
use crate::diagnostic::Position;

/// The bindings of a file in the block layout with their positions, or `None` for any other
/// file. Every character it accepts outside comments is printable ASCII, and it declines a
/// comment with a character YAML forbids, so a file it reads passes [`guards::scan`] too.
pub(crate) fn read(text: &str, path: &Arc<str>) -> Option<Vec<Binding>> {
    let mut version = false;
    let mut region = None;
    let mut account = None;
    let mut declared = false;
    // While the lines belong to `bindings:`: the items' indentation, once the first is seen.
    let mut items: Option<Option<usize>> = None;
    let mut list: Vec<Item> = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let rest = &line[indent..];
        if rest.is_empty() {
            continue;
        }
        if let Some(comment) = rest.strip_prefix('#') {
            if unusual(comment) {
                return None;
            }
            continue;
        }
        if let Some(item_indent) = items {
            let entry = rest.strip_prefix("- ");
            match (entry, item_indent) {
                (Some(entry), None) if !entry.starts_with(' ') => {
                    items = Some(Some(indent));
                    list.push(Item::default());
                    item_line(&mut list, entry, number, indent + 2)?;
                    continue;
                }
                (Some(entry), Some(n)) if n == indent && !entry.starts_with(' ') => {
                    list.push(Item::default());
                    item_line(&mut list, entry, number, indent + 2)?;
                    continue;
                }
                (None, Some(n)) if indent == n + 2 => {
                    item_line(&mut list, rest, number, indent)?;
                    continue;
                }
                // A top-level key ends the list, which must not be empty (`bindings:` alone is
                // null, left to the parsers).
                (_, Some(_)) if indent == 0 => items = None,
                _ => return None,
            }
        }
        if indent != 0 {
            return None;
        }
        let (key, after) = key(rest)?;
        match key {
            "version" if !version => {
                let (value, plain, _) = value(after)?;
                (plain && value == FORMAT_VERSION.to_string()).then_some(())?;
                version = true;
            }
            "region" if region.is_none() => {
                let (value, plain, _) = value(after)?;
                (is_region_name(value) && (!plain || is_string(value))).then_some(())?;
                region = Some(value);
            }
            "account" if account.is_none() => {
                let (value, plain, _) = value(after)?;
                (!plain && is_account_id(value)).then_some(())?;
                account = Some(value);
            }
            "bindings" if !declared => {
                declared = true;
                match after.strip_prefix(' ').map(|a| a.trim_start_matches(' ')) {
                    Some(empty) if empty.starts_with("[]") => comment_or_end(&empty[2..])?,
                    _ => {
                        comment_or_end(after)?;
                        items = Some(None);
                    }
                }
            }
            _ => return None,
        }
    }
    if items == Some(None) || !version || !declared {
        return None;
    }
    let region = region.map(str::to_owned);
    let account = account.map(str::to_owned);
    list.into_iter()
        .map(|item| {
            let (config, config_at) = item.config?;
            let (stage, stage_at) = item.stage?;
            Some(binding(
                config,
                stage,
                item.redundant_ingest,
                &region,
                &account,
                at(path, config_at),
                at(path, stage_at),
            ))
        })
        .collect()
}

/// One item of `bindings`, as its lines are read.
#[derive(Default)]
struct Item {
    config: Option<(Ref, Position)>,
    stage: Option<(Option<Ref>, Position)>,
    redundant_ingest: Option<bool>,
}

/// Reads `key: value` of the last item, from `entry`, which starts at byte `start` of its line.
fn item_line(list: &mut [Item], entry: &str, line: usize, start: usize) -> Option<()> {
    let item = list.last_mut()?;
    let (key, after) = key(entry)?;
    let (text, plain, offset) = value(after)?;
    let position = Position {
        line,
        column: start + (entry.len() - after.len()) + offset + 1,
    };
    match key {
        "ingestConfiguration" if item.config.is_none() => {
            (!plain || is_string(text)).then_some(())?;
            let config = Ref::parse(text, Kind::IngestConfiguration).ok()?;
            item.config = Some((config, position));
        }
        "stage" if item.stage.is_none() => {
            let stage = if plain && text == "null" {
                None
            } else {
                (!plain || is_string(text)).then_some(())?;
                Some(Ref::parse(text, Kind::Stage).ok()?)
            };
            item.stage = Some((stage, position));
        }
        "redundantIngest" if item.redundant_ingest.is_none() => {
            item.redundant_ingest = Some(match (plain, text) {
                (true, "true") => true,
                (true, "false") => false,
                _ => return None,
            });
        }
        _ => return None,
    }
    Some(())
}

/// A key of letters, its `:` and the text after it.
fn key(text: &str) -> Option<(&str, &str)> {
    let end = text.bytes().position(|b| !b.is_ascii_alphabetic())?;
    let (key, rest) = text.split_at(end);
    Some((key, rest.strip_prefix(':')?)).filter(|(key, _)| !key.is_empty())
}

/// The value after a key's `:` (one space or more, the value, then an optional comment): its
/// text (without quotes), whether it was plain rather than quoted, and where it starts.
fn value(after: &str) -> Option<(&str, bool, usize)> {
    let text = after.trim_start_matches(' ');
    let offset = after.len() - text.len();
    if offset == 0 {
        return None;
    }
    let (value, rest, plain) = match text.as_bytes().first()? {
        quote @ (b'"' | b'\'') => {
            let inner = &text[1..];
            let end = inner.bytes().position(|b| !is_value_byte(b))?;
            (inner.as_bytes()[end] == *quote).then_some(())?;
            (&inner[..end], &inner[end + 1..], false)
        }
        _ => {
            let end = text
                .bytes()
                .position(|b| !is_value_byte(b))
                .unwrap_or(text.len());
            // `key: a:` would be a key of its own, and an empty value a null.
            let value = &text[..end];
            (!value.is_empty() && !value.ends_with(':')).then_some(())?;
            (value, &text[end..], true)
        }
    };
    comment_or_end(rest)?;
    Some((value, plain, offset))
}

fn is_value_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'/' | b'-')
}

/// Whether a plain value of [`is_value_byte`]s reads as a string to serde_norway: one that starts
/// with a digit or `-` may be a number, and these words are null or booleans.
fn is_string(value: &str) -> bool {
    value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && !matches!(
            value,
            "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        )
}

/// The rest of a line after a value: nothing, or spaces and then a comment.
fn comment_or_end(rest: &str) -> Option<()> {
    let comment = rest.trim_start_matches(' ');
    if comment.is_empty() {
        return Some(());
    }
    // A `#` right after a value is part of it, for YAML.
    (comment.len() < rest.len()).then_some(())?;
    let comment = comment.strip_prefix('#')?;
    (!unusual(comment)).then_some(())
}

/// Whether a comment holds what this reader leaves to the guards and the parsers: a character
/// YAML forbids, a lone carriage return, or one of the line breaks YAML 1.1 has (serde_norway
/// ends the comment there) and YAML 1.2 has not.
fn unusual(comment: &str) -> bool {
    comment.contains('\r')
        || guards::any_forbidden(comment)
        || (!comment.is_ascii()
            && (comment.contains('\u{85}')
                || comment.contains('\u{2028}')
                || comment.contains('\u{2029}')))
}

#[cfg(test)]
mod tests {
    use super::super::with_parsers;
    use super::*;
    use crate::diagnostic::Diagnostics;

    fn path() -> Arc<str> {
        Arc::from("b.yaml")
    }

    /// What the parsers make of `text`, if the guards let it reach them.
    fn parsers(text: &str) -> Option<Result<Vec<Binding>, Diagnostics>> {
        let path = path();
        guards::scan(text, &path).ok()?;
        guards::not_empty(text, &path).ok()?;
        Some(with_parsers(text, &path))
    }

    /// Reads `text` both ways and fails unless this reader declined it or agreed with the parsers
    /// in every value and position. Returns whether it read it.
    fn agrees(text: &str) -> Result<bool, String> {
        let read = read(text, &path());
        let Some(expected) = parsers(text) else {
            return match read {
                None => Ok(false),
                Some(_) => Err(format!("{text:?}: read, but the guards refuse it")),
            };
        };
        match read {
            None => Ok(false),
            Some(read) => match expected {
                Ok(expected) if expected == read => Ok(true),
                Ok(expected) => Err(format!(
                    "{text:?}:\nthis reader: {read:#?}\nthe parsers: {expected:#?}"
                )),
                Err(problems) => Err(format!(
                    "{text:?}: read {read:#?}, but the parsers say {problems}"
                )),
            },
        }
    }

    const CONFIG: &str = "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456";
    const STAGE: &str = "arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345";

    #[test]
    fn examples_and_exports_are_read_without_the_parsers() {
        let export = format!(
            "# Exported by ingestctl 0.1.0 from us-east-1: the live binding of every ingest configuration.\n\
             version: 1\nregion: us-east-1\naccount: \"123456789012\"\nbindings:\n\
             \x20 - ingestConfiguration: {CONFIG}  # studio-a\n    stage: {STAGE}  # stage main\n    redundantIngest: false\n\
             \x20 - ingestConfiguration: {}  # unnamed\n    stage: null  # no stage\n    redundantIngest: true\n",
            CONFIG.replace("AbCdEf123456", "AbCdEf123457")
        );
        for text in [
            include_str!("../../examples/desired-state/bindings.yaml"),
            include_str!("../../examples/desired-state/multi-region/eu-west-1.yaml"),
            include_str!("../../examples/desired-state/multi-region/us-east-1.yaml"),
            &export,
            "version: 1\nbindings: []\n",
        ] {
            assert_eq!(agrees(text), Ok(true), "{text}");
        }
    }

    #[test]
    fn reads_the_variations_the_layout_allows() {
        for text in [
            // Keys in any order; the list at column 1; CRLF; comments everywhere; no final newline.
            "bindings:\n- stage: main\n  ingestConfiguration: a\nregion: eu-west-1\nversion: 1",
            "version: 1\r\nbindings:\r\n  - ingestConfiguration: a\r\n    stage: b\r\n",
            "# c\n\nversion: 1 # c\n  # c\nbindings: # c\n# c\n    - ingestConfiguration: a  # c\n\n      stage: 'b' # c\nregion: \"us-west-2\"\n",
            "version:   1\nbindings:    []   # none\n",
            "version: 1\naccount: '123456789012'\nbindings:\n  - ingestConfiguration: \"a\"\n    stage: \"null\"\n",
            "version: 1\nbindings:\n  - ingestConfiguration: _a\n    stage: null\n    redundantIngest: false\n",
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b\n  # é — ü\n  - ingestConfiguration: c\n    stage: d\n",
        ] {
            assert_eq!(agrees(text), Ok(true), "{text}");
        }
    }

    #[test]
    fn declines_what_it_cannot_vouch_for() {
        let binding = "  - ingestConfiguration: a\n    stage: b\n";
        for text in [
            format!("version: 2\nbindings:\n{binding}"),
            format!("version: 01\nbindings:\n{binding}"),
            format!("version: 1\nversion: 1\nbindings:\n{binding}"),
            format!("version: 1\nbindings:\n{binding}bindings: []\n"),
            format!("version: 1\nregion: null\nbindings:\n{binding}"),
            format!("version: 1\nregion: US\nbindings:\n{binding}"),
            format!("version: 1\naccount: 123456789012\nbindings:\n{binding}"),
            format!("version: 1\nextra: 1\nbindings:\n{binding}"),
            format!("---\nversion: 1\nbindings:\n{binding}"),
            format!("version: 1\nbindings:\n{binding}..."),
            "version: 1\nbindings:\n".to_owned(),
            "version: 1\nbindings:\nregion: a\n".to_owned(),
            "version: 1\nbindings: [ ]\n".to_owned(),
            "version: 1\nbindings:[]\n".to_owned(),
            "{version: 1, bindings: []}\n".to_owned(),
            "version: 1\nbindings:\n  - {ingestConfiguration: a, stage: b}\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n".to_owned(),
            "version: 1\nbindings:\n  - stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b\n    stage: c\n"
                .to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n   stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n     stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b\n - ingestConfiguration: c\n    stage: d\n".to_owned(),
            "version: 1\nbindings:\n  -  ingestConfiguration: a\n     stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b\n    redundantIngest: True\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b\n    redundantIngest: \"true\"\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: Null\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: ~\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage:\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: 1a\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: true\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a:\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a#b\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a b\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: 'it''s'\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: \"a\\x41\"\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: &x a\n    stage: *x\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: !!str a\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration:\ta\n    stage: b\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b\n  # a\rstage: c\n"
                .to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b # \u{85}x\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b # \u{7}\n".to_owned(),
            "# \u{9F}\nversion: 1\nbindings: []\n".to_owned(),
            "# \u{FFFE}\nversion: 1\nbindings: []\n".to_owned(),
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: b # \u{2028}x\n"
                .to_owned(),
            format!("version: 1\nbindings:\n  - ingestConfiguration: {STAGE}\n    stage: b\n"),
        ] {
            assert_eq!(read(&text, &path()), None, "{text}");
            assert_eq!(agrees(&text), Ok(false), "{text}");
        }
    }

    #[test]
    fn ten_thousand_bindings_without_tags_are_read_here() {
        let mut text = String::from("version: 1\nregion: us-east-1\nbindings:\n");
        for i in 0..10_000 {
            text.push_str(&format!(
                "  - ingestConfiguration: {}\n    stage: {STAGE}\n",
                CONFIG.replace("AbCdEf123456", &format!("AbCdEf{i:06}"))
            ));
        }
        let read = read(&text, &path()).expect("read without the parsers");
        assert_eq!(read.len(), 10_000);
        assert!(read.iter().all(|b| b.tags.is_none()));
    }

    #[test]
    fn leaves_tags_to_the_parsers() {
        let binding = "  - ingestConfiguration: a\n    stage: b\n";
        for text in [
            format!("version: 1\ndefaultTags:\n  team: video\nbindings:\n{binding}"),
            format!("version: 1\ndefaultTags: {{}}\nbindings:\n{binding}"),
            format!("version: 1\nbindings:\n{binding}defaultTags: {{}}\n"),
            format!("version: 1\nbindings:\n{binding}    tags:\n      team: video\n"),
            format!("version: 1\nbindings:\n{binding}    tags: {{}}\n"),
            "version: 1\nbindings:\n  - tags: {}\n    ingestConfiguration: a\n    stage: b\n"
                .to_owned(),
        ] {
            assert_eq!(read(&text, &path()), None, "{text}");
            assert_eq!(agrees(&text), Ok(false), "{text}");
            let parsed = parsers(&text).and_then(Result::ok);
            assert!(
                parsed.is_some_and(|b| b.len() == 1 && b[0].tags.is_some()),
                "{text}"
            );
        }
    }

    const KEYS: &[&str] = &[
        "ingestConfiguration",
        "stage",
        "redundantIngest",
        "ingestconfiguration",
        "version",
        "tags",
    ];
    const VALUES: &[&str] = &[
        "a",
        "studio-a",
        "_x",
        "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456",
        "arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345",
        "'q'",
        "\"dq\"",
        "null",
        "Null",
        "~",
        "true",
        "false",
        "TRUE",
        "42",
        "1e3",
        "0x1F",
        "-a",
        "a:",
        "a:b",
        "a#b",
        "'it''s'",
        "\"\"",
        "''",
        "\"a",
        "[a]",
        "{a: b}",
        "&x a",
        "*x",
        "!!str a",
        "a b",
        "inf",
        ".inf",
        "arn:aws:ivs:eu-west-1:123456789012:stage/XyZ789012345",
        "'arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345'",
        "",
    ];
    const SEPARATORS: &[&str] = &[" ", "  ", "", "\t", " \t"];
    const ENDS: &[&str] = &[
        "",
        " ",
        " # c",
        "\r",
        "#c",
        " # é\u{85}x",
        "  #\u{2028}",
        " #\rx",
        " # \u{1}",
        " # \u{9F}",
    ];
    const TOP: &[&str] = &[
        "region: eu-west-1",
        "# comment",
        "",
        "  # indented comment",
        "version: 1",
        "version: 2",
        "version: \"1\"",
        "region: us-east-1",
        "region: 'us-east-1'",
        "region: US",
        "region: null",
        "account: \"123456789012\"",
        "account: '123456789012'",
        "account: 123456789012",
        "bindings:",
        "bindings: []",
        "bindings: []x",
        "bindings: [ ]",
        "bindings: # c",
        " ",
        "\t",
        "---",
        "...",
        "extra: 1",
        "- a",
        "-",
        "defaultTags: {}",
        "defaultTags:",
        "  team: video",
        "      team: video",
        "    tags: {}",
        "    tags:",
    ];

    /// Six numbers that pick a line for [`document`].
    type Line = (u8, u8, u8, u8, u8, u8);

    /// A document of lines drawn from the pools above by the numbers in `lines`: top-level lines,
    /// items and their keys, at indentations that are right, or one off. Three times in four a
    /// number picks from the start of its pool, which holds what the layout allows.
    fn document(lines: &[Line]) -> String {
        let pick = |pool: &[&'static str], good: usize, n: u8| {
            let n = usize::from(n);
            if n % 4 == 0 {
                pool[n / 4 % pool.len()]
            } else {
                pool[n / 4 % good]
            }
        };
        let mut text = String::new();
        for &(kind, a, b, c, d, e) in lines {
            let indent = [2, 2, 2, 0, 1, 4][usize::from(e) % 6];
            let line = match kind % 8 {
                0 => pick(TOP, 4, a).to_owned(),
                1..=5 => {
                    let (lead, at) = if kind % 8 == 1 {
                        ("- ", indent)
                    } else {
                        ("", indent + [2, 2, 2, 2, 2, 1, 3][usize::from(e / 6) % 7])
                    };
                    format!(
                        "{}{lead}{}:{}{}{}",
                        " ".repeat(at),
                        pick(KEYS, 3, a),
                        pick(SEPARATORS, 2, b),
                        pick(VALUES, 8, c),
                        pick(ENDS, 3, d)
                    )
                }
                _ => format!(
                    "{}- ingestConfiguration: c{a}\n{}  stage: s{b}",
                    " ".repeat(indent),
                    " ".repeat(indent)
                ),
            };
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    /// Lines for [`document`], after a start that makes a valid file with no binding.
    fn lines() -> impl proptest::strategy::Strategy<Value = (usize, Vec<Line>)> {
        use proptest::prelude::*;
        let line = (
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
        );
        (0..HEADS.len(), proptest::collection::vec(line, 0..12))
    }

    const HEADS: &[&str] = &[
        "version: 1\nbindings:\n",
        "version: 1\nregion: us-east-1\naccount: \"123456789012\"\nbindings: # c\n",
        "# c\nbindings:\n",
        "",
    ];

    /// A valid file in the layout: bindings with their keys in any order, values of each kind,
    /// spacing, comments and line ends that vary; then, maybe, one line made wrong with something
    /// from the pools above.
    fn file() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let binding = (
            0..7usize,
            0..9usize,
            0..4usize,
            0..6usize,
            0..3usize,
            0..4usize,
            0..4usize,
        );
        (
            0..3usize,
            proptest::collection::vec(binding, 0..6),
            0..5usize,
            0..3usize,
            any::<bool>(),
            proptest::option::of((any::<proptest::sample::Index>(), any::<u8>(), any::<u8>())),
        )
            .prop_map(|(indent, bindings, region, account, crlf, spoil)| {
                const CONFIGS: &[&str] =
                    &["a", "studio-a", "_x", CONFIG, "'q'", "\"dq\"", "Studio_9"];
                const STAGES: &[&str] = &[
                    "b",
                    "null",
                    "'null'",
                    STAGE,
                    "arn:aws:ivs:eu-west-1:123456789012:stage/XyZ789012345",
                    "\"main-stage\"",
                    "'arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345'",
                    "n_1",
                    "arn:aws:ivs:us-east-1:999999999999:stage/XyZ789012345",
                ];
                let indent = [0, 2, 4][indent];
                let pad = " ".repeat(indent);
                let mut lines = vec!["# header".to_owned(), "version: 1".to_owned()];
                match region {
                    1 => lines.push("region: us-east-1".to_owned()),
                    2 => lines.push("region: 'eu-west-1'".to_owned()),
                    _ => {}
                }
                match account {
                    1 => lines.push("account: \"123456789012\"".to_owned()),
                    2 => lines.push("account: '123456789012'  # prod".to_owned()),
                    _ => {}
                }
                if bindings.is_empty() {
                    lines.push("bindings: []".to_owned());
                } else {
                    lines.push("bindings:".to_owned());
                }
                for (config, stage, redundant, order, separator, end, comment) in bindings {
                    let separator = [" ", "  ", "   "][separator];
                    let end = ["", "  # c", "\t", " #"][end];
                    let mut keys = vec![
                        format!("ingestConfiguration:{separator}{}{end}", CONFIGS[config]),
                        format!("stage:{separator}{}{end}", STAGES[stage]),
                    ];
                    match redundant {
                        1 => keys.push(format!("redundantIngest: true{end}")),
                        2 => keys.push("redundantIngest:  false".to_owned()),
                        _ => {}
                    }
                    let count = keys.len();
                    keys.rotate_left(order % count);
                    if order >= 3 {
                        keys.swap(0, count - 1);
                    }
                    match comment {
                        1 => lines.push(format!("{pad}# between")),
                        2 => lines.push(String::new()),
                        _ => {}
                    }
                    for (i, key) in keys.into_iter().enumerate() {
                        let lead = if i == 0 { "- " } else { "  " };
                        lines.push(format!("{pad}{lead}{key}"));
                    }
                }
                match region {
                    3 => lines.push("region: us-west-2 # last".to_owned()),
                    4 => lines.insert(0, "region: eu-west-1".to_owned()),
                    _ => {}
                }
                if let Some((at, how, n)) = spoil {
                    let i = at.index(lines.len());
                    let n = usize::from(n);
                    match how % 4 {
                        0 => lines.insert(i, TOP[n % TOP.len()].to_owned()),
                        1 => lines[i].insert(0, ' '),
                        2 => {
                            if let Some(colon) = lines[i].find(": ") {
                                lines[i].truncate(colon + 2);
                                lines[i].push_str(VALUES[n % VALUES.len()]);
                            }
                        }
                        _ => {
                            let end = ENDS[n % ENDS.len()];
                            lines[i].push_str(end);
                        }
                    }
                }
                let newline = if crlf { "\r\n" } else { "\n" };
                let mut text = lines.join(newline);
                text.push_str(newline);
                text
            })
    }

    /// `is_string` is this reader's copy of serde_norway's rules for plain scalars: pinned here
    /// so that an update of serde_norway that reads more words as null, booleans or numbers
    /// (YAML 1.1's `yes` and `off`, say) fails a test rather than this reader's agreement.
    #[test]
    fn serde_norway_still_reads_as_strings_what_is_string_takes_for_strings() {
        use serde_yaml::Value;
        for word in [
            "a",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Yes",
            "OFF",
            "inf",
            "nan",
            "infinity",
            "e5",
            "_1",
            "x0",
            "studio-a",
            "a:b",
            "a:-",
            "arn:aws:ivs:us-east-1:1:stage/a",
        ] {
            assert!(is_string(word), "{word}");
            assert_eq!(
                serde_yaml::from_str::<Value>(word).ok(),
                Some(Value::String(word.to_owned()))
            );
        }
        for word in [
            "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "1", "-1",
            "0x1F", "1e3", "1_000", "01",
        ] {
            assert!(!is_string(word), "{word}");
        }
    }

    proptest::proptest! {
        #[test]
        fn serde_norway_reads_as_strings_what_is_string_takes_for_strings(
            word in "[A-Za-z0-9_:/-]{1,12}"
        ) {
            if is_string(&word) && !word.ends_with(':') {
                proptest::prop_assert_eq!(
                    serde_yaml::from_str::<serde_yaml::Value>(&word).ok(),
                    Some(serde_yaml::Value::String(word.clone()))
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        #[test]
        fn whatever_it_reads_the_parsers_read_alike((head, lines) in lines()) {
            let text = format!("{}{}", HEADS[head], document(&lines));
            agrees(&text).map_err(proptest::test_runner::TestCaseError::fail)?;
        }

        #[test]
        fn it_reads_files_in_the_layout_as_the_parsers_do(text in file()) {
            agrees(&text).map_err(proptest::test_runner::TestCaseError::fail)?;
        }

        #[test]
        fn whatever_it_reads_of_a_mutated_file_the_parsers_read_alike(
            edits in proptest::collection::vec(
                (any_index(), proptest::sample::select(b"\x07\x00 -:#'\"\t\r\n\\[]{}*&!|>?%@`,.~0aA_/\xC2\x85".to_vec()), 0..3u8),
                1..6,
            )
        ) {
            let mut bytes = format!(
                "version: 1\nregion: us-east-1\nbindings:\n  - ingestConfiguration: {CONFIG}\n    stage: {STAGE}\n    redundantIngest: true\n  - ingestConfiguration: studio-b\n    stage: null # parked\n"
            )
            .into_bytes();
            for (at, byte, how) in edits {
                let at = at.index(bytes.len() + 1);
                match how {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => {}
                }
            }
            if let Ok(text) = std::str::from_utf8(&bytes) {
                agrees(text).map_err(proptest::test_runner::TestCaseError::fail)?;
            }
        }
    }

    fn any_index() -> impl proptest::strategy::Strategy<Value = proptest::sample::Index> {
        proptest::prelude::any::<proptest::sample::Index>()
    }
}
