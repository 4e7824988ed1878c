//! Turning the parsers' errors into our diagnostics: the location taken out of the message, serde's
//! words for YAML's, and the user's text shortened.

use std::sync::Arc;

use saphyr_parser::Parser;

use super::locations::{self, at};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, Position};

/// Messages quote the offending text; past this many characters its middle is left out, so a
/// megabyte-long value cannot flood the terminal. Valid-length names and ARNs (128) stay whole.
const MAX_EXCERPT_CHARS: usize = 160;

/// The same for a whole message, in case the user's text holds the quote that ends an excerpt.
const MAX_MESSAGE_CHARS: usize = 1_000;

/// Turns a parser error into a diagnostic whose location is ours, not part of the message.
pub(crate) fn yaml_error(error: &serde_yaml::Error, text: &str, path: &Arc<str>) -> Diagnostics {
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
        if let Some(second) = locations::second_document(text) {
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
            .and_then(|mapping| locations::repeated_key(text, mapping, key));
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
        "defaultTags: ",
        "defaultTags.",
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

/// The key named by serde's "duplicate field `key`" message, or by our "duplicate tag `key`"
/// (raised, as serde's is, at the mapping that holds the key twice).
fn duplicate_field(message: &str) -> Option<&str> {
    let rest = ["duplicate field `", "duplicate tag `"]
        .iter()
        .find_map(|start| Some(&message[message.find(start)? + start.len()..]))?;
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

#[cfg(test)]
mod tests {
    //! The translation above matches on serde_norway's words. Each test here feeds it an input
    //! that makes one of those messages and pins the exact text relied on, so that an update of
    //! the dependency that rewords it fails here, not silently in a user's terminal.

    use serde::de::DeserializeOwned;

    use super::super::schema::RawFile;
    use super::*;

    /// The message and location serde_norway gives for `yaml` read as a `T`.
    fn error<T: DeserializeOwned>(yaml: &str) -> (String, Option<(usize, usize)>) {
        let Err(error) = serde_yaml::from_str::<T>(yaml) else {
            panic!("{yaml:?} was accepted");
        };
        let location = error.location().map(|l| (l.line(), l.column()));
        (error.to_string(), location)
    }

    fn file_error(yaml: &str) -> String {
        error::<RawFile>(yaml).0
    }

    #[test]
    fn serde_norway_still_says_invalid_type() {
        let message = file_error("version: 1\nbindings: 5\n");
        assert!(message.starts_with("bindings: invalid type: "), "{message}");
        assert!(is_data_error(&message));
    }

    #[test]
    fn serde_norway_still_says_invalid_value() {
        let (message, _) = error::<u8>("300");
        assert!(message.starts_with("invalid value: "), "{message}");
        assert!(is_data_error(&message));
    }

    #[test]
    fn serde_norway_still_says_invalid_length() {
        let (message, _) = error::<(u8, u8)>("[1]");
        assert!(message.starts_with("invalid length "), "{message}");
        assert!(is_data_error(&message));
    }

    #[test]
    fn serde_norway_still_says_missing_field() {
        let message = file_error("bindings: []\n");
        assert_eq!(message, "missing field `version`");
        assert!(is_data_error(&message));
    }

    #[test]
    fn serde_norway_still_says_unknown_field() {
        let message = file_error("version: 1\nbindngs: []\n");
        assert!(message.starts_with("unknown field `bindngs`"), "{message}");
        assert!(is_data_error(&message));
    }

    #[test]
    fn serde_norway_still_says_duplicate_field_at_the_mapping() {
        let (message, location) =
            error::<RawFile>("# header\nversion: 1\nversion: 1\nbindings: []\n");
        assert!(
            message.starts_with("duplicate field `version`"),
            "{message}"
        );
        assert!(is_data_error(&message));
        assert_eq!(duplicate_field(&message), Some("version"));
        // `repeated_key` looks for the repeated key from here on.
        assert_eq!(location, Some((2, 1)));
    }

    #[test]
    fn serde_norway_still_prefixes_the_path_of_the_value() {
        for (yaml, path) in [
            ("version: x\nbindings: []\n", "version: "),
            ("version: 1\nregion: 42\nbindings: []\n", "region: "),
            ("version: 1\nbindings: 5\n", "bindings: "),
            ("version: 1\nbindings: [5]\n", "bindings[0]: "),
            (
                "version: 1\nbindings: [{ingestConfiguration: a, stage: 7}]\n",
                "bindings[0].stage: ",
            ),
        ] {
            let message = file_error(yaml);
            assert!(message.starts_with(path), "{message}");
            assert!(is_data_error(&message), "{message}");
        }
    }

    #[test]
    fn serde_norway_still_appends_at_line_column() {
        let (message, location) =
            error::<RawFile>("version: 1\nbindings:\n  - {ingestConfiguration: a, stage: 7}\n");
        assert_eq!(location, Some((3, 37)));
        assert!(message.ends_with(" at line 3 column 37"), "{message}");
    }

    #[test]
    fn serde_norway_still_calls_null_a_unit_value() {
        let message = file_error("version: 1\nbindings: null\n");
        assert!(message.contains("invalid type: unit value,"), "{message}");
    }

    #[test]
    fn serde_norway_still_calls_a_key_a_field_identifier() {
        let message = file_error("version: 1\n[a]: 1\nbindings: []\n");
        assert!(message.contains("expected field identifier"), "{message}");
    }

    #[test]
    fn serde_norway_still_says_more_than_one_document() {
        let message = file_error("version: 1\nbindings: []\n---\nversion: 1\n");
        assert!(message.contains("more than one document"), "{message}");
    }

    #[test]
    fn a_syntax_error_is_not_a_data_error() {
        let message = file_error("version: 1\nbindings: [\n");
        assert!(!is_data_error(&message), "{message}");
    }
}
