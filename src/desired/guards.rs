//! Hostile input, refused before the parsers see it: encodings, control characters, empty
//! files, and the nesting depth and alias count that would make the parsers slow or explode.

use std::sync::Arc;

use super::at;
use crate::diagnostic::{Diagnostic, Diagnostics, Location, Position};

/// Deeper `[`/`{` nesting is refused before parsing: both YAML parsers revisit every open flow
/// collection for each token, so 10,000 levels take a second and a 16 MiB file of `[` would
/// take hours, while a valid file never nests more than three deep.
const MAX_FLOW_DEPTH: usize = 64;

/// Aliases beyond this are refused before expansion; a hand-written file uses a handful.
const MAX_ALIASES: usize = 100;

/// The text of a file's bytes: UTF-8 (a byte-order mark is dropped), with no control characters.
pub(crate) fn decode<'a>(bytes: &'a [u8], path: &Arc<str>) -> Result<&'a str, Diagnostics> {
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
pub(crate) fn position_after(before: &str) -> Position {
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
pub(crate) fn check_structure(text: &str, path: &Arc<str>) -> Result<(), Diagnostic> {
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

/// Refuses a file with nothing but blank lines and comments.
pub(crate) fn not_empty(text: &str, path: &Arc<str>) -> Result<(), Diagnostic> {
    if text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        return Err(Diagnostic::at(
            &Location::file(path),
            "file is empty: expected a mapping with `version: 1` and `bindings`",
        ));
    }
    Ok(())
}
