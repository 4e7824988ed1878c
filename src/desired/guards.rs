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

/// The text of a file's bytes, which must be UTF-8 (a byte-order mark is dropped).
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
    Ok(text)
}

/// Refuses, before the parsers see them and in one pass over the bytes:
///
/// - control characters, which YAML forbids (the parser refuses them too, but by character offset
///   and without saying which);
/// - `[`/`{` nested deeper than any valid file needs (the parsers slow down quadratically with the
///   depth);
/// - more aliases than any valid file needs (each is expanded in full, so a few kilobytes of `*a`
///   can stand for millions of bindings).
///
/// A control character anywhere is reported before either limit. The nesting and aliases are
/// counted by a cheap scan that skips comments and quoted strings: it only has to be exact for
/// valid files, which never come near either limit.
pub(crate) fn scan(text: &str, path: &Arc<str>) -> Result<(), Diagnostic> {
    enum State {
        Code,
        Comment,
        Single,
        Double,
    }
    let bytes = text.as_bytes();
    let mut state = State::Code;
    let mut depth = 0usize;
    let mut aliases = 0usize;
    let mut previous = Previous::Space;
    // The first limit passed: after it, only a control character can change the outcome.
    let mut limit: Option<Diagnostic> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if limit.is_none() && matches!(state, State::Code) && PLAIN[usize::from(b)] {
            // The bulk of a file: names, ARNs and keys, which neither open nor close anything.
            i += 1;
            while i < bytes.len() && PLAIN[usize::from(bytes[i])] {
                i += 1;
            }
            previous = Previous::Other;
            continue;
        }
        if forbidden_at(bytes, i) {
            return Err(control_character(text, i, path));
        }
        if limit.is_some() {
            i += 1;
            continue;
        }
        let mut next = i + 1;
        let mut now = Previous::of_ascii(b);
        match state {
            State::Comment if b == b'\n' => state = State::Code,
            State::Single if b == b'\'' => {
                // `''` is an escaped quote inside a single-quoted string.
                if bytes.get(i + 1) == Some(&b'\'') {
                    next = i + 2;
                } else {
                    state = State::Code;
                }
            }
            State::Double if b == b'\\' => {
                // The escaped character cannot end the string, but may still be forbidden.
                if i + 1 < bytes.len() && forbidden_at(bytes, i + 1) {
                    return Err(control_character(text, i + 1, path));
                }
                next = i + 2;
            }
            State::Double if b == b'"' => state = State::Code,
            State::Code if b >= 0x80 => {
                let c = text[i..].chars().next().unwrap_or_default();
                next = i + c.len_utf8();
                if c.is_whitespace() {
                    now = Previous::Space;
                }
            }
            State::Code => {
                // Indicators only count at the start of a token, not inside a plain scalar;
                // inside `[` or `{` a plain scalar ends at the next one, so any `[` or `{` opens.
                let token_start = previous != Previous::Other;
                let opens = token_start || depth > 0;
                match b {
                    b'#' if previous == Previous::Space => state = State::Comment,
                    b'\'' if token_start => state = State::Single,
                    b'"' if token_start => state = State::Double,
                    b'[' | b'{' if opens => {
                        depth += 1;
                        if depth > MAX_FLOW_DEPTH {
                            limit = Some(Diagnostic::at(
                                &at(path, position_after(&text[..i])),
                                format!(
                                    "`[`/`{{` nested more than {MAX_FLOW_DEPTH} levels deep; a \
                                     desired-state file never needs more than 3"
                                ),
                            ));
                        }
                    }
                    b']' | b'}' => depth = depth.saturating_sub(1),
                    b'*' if token_start => {
                        aliases += 1;
                        if aliases > MAX_ALIASES {
                            limit = Some(Diagnostic::at(
                                &at(path, position_after(&text[..i])),
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
        previous = now;
        i = next;
    }
    limit.map_or(Ok(()), Err)
}

/// What the character before the current one was, as far as starting a token goes.
#[derive(Clone, Copy, PartialEq)]
enum Previous {
    /// Whitespace (or the start of the file): a `#` after it starts a comment.
    Space,
    /// One of `[{]},:'"`, after which an indicator starts a token.
    Indicator,
    Other,
}

impl Previous {
    /// For an ASCII byte; a byte of a multi-byte character is `Other`.
    fn of_ascii(b: u8) -> Previous {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => Previous::Space,
            b'[' | b'{' | b']' | b'}' | b',' | b':' | b'\'' | b'"' => Previous::Indicator,
            _ => Previous::Other,
        }
    }
}

/// Printable ASCII that means nothing to [`scan`] outside comments and quotes, and whose
/// successor does not start a token.
const PLAIN: [bool; 256] = {
    let mut plain = [false; 256];
    let mut b = 0x21;
    while b < 0x7F {
        plain[b] = !matches!(
            b as u8,
            b'#' | b'\'' | b'"' | b'[' | b']' | b'{' | b'}' | b'*' | b',' | b':' | b'\\'
        );
        b += 1;
    }
    plain
};

/// Whether the character starting at byte `i` is one YAML forbids (see [`allowed_in_yaml`]):
/// C0 controls but tab and line breaks, DEL, C1 controls but NEL, U+FFFE and U+FFFF. By bytes,
/// since it looks at every character of every file.
fn forbidden_at(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\t' | b'\n' | b'\r' => false,
        0..0x20 | 0x7F => true,
        // U+0080 to U+009F, but U+0085.
        0xC2 => bytes
            .get(i + 1)
            .is_some_and(|&next| (0x80..=0x9F).contains(&next) && next != 0x85),
        // U+FFFE and U+FFFF.
        0xEF => bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)),
        _ => false,
    }
}

/// Whether `text` holds a character YAML forbids.
pub(crate) fn any_forbidden(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|i| forbidden_at(bytes, i))
}

fn control_character(text: &str, index: usize, path: &Arc<str>) -> Diagnostic {
    let c = text[index..].chars().next().unwrap_or_default();
    let hint = if c == '\0' {
        "; is the file UTF-16 without a byte-order mark, or not text at all?"
    } else {
        ""
    };
    Diagnostic::at(
        &at(path, position_after(&text[..index])),
        format!(
            "control character U+{:04X} is not allowed in YAML{hint}",
            u32::from(c)
        ),
    )
}

/// YAML's printable characters (YAML 1.1 section 5.1, which the parser enforces).
#[cfg(test)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_bytes_are_exactly_the_characters_yaml_forbids() {
        let mut buffer = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let bytes = c.encode_utf8(&mut buffer).as_bytes();
            assert_eq!(forbidden_at(bytes, 0), !allowed_in_yaml(c), "{c:?}");
        }
    }

    fn scan_str(text: &str) -> Result<(), String> {
        scan(text, &Arc::from("x.yaml")).map_err(|d| d.to_string())
    }

    #[test]
    fn a_control_character_anywhere_comes_before_a_limit() {
        let deep = format!("a: {}\n", "[".repeat(100));
        assert!(scan_str(&deep).unwrap_err().contains("nested more than 64"));
        let err = scan_str(&format!("{deep}# \u{1}\n")).unwrap_err();
        assert_eq!(
            err,
            "x.yaml:2:3: control character U+0001 is not allowed in YAML"
        );
    }

    #[test]
    fn control_characters_are_found_in_comments_quotes_and_escapes() {
        for (text, at) in [
            ("# a\u{7}\n", "1:4"),
            ("a: 'b\u{7}'\n", "1:6"),
            ("a: \"b\\\u{7}\"\n", "1:7"),
            ("a: \"\\\u{9F}\"\n", "1:6"),
            ("a: b\u{FFFF}\n", "1:5"),
            ("é: \u{80}\n", "1:4"),
        ] {
            let err = scan_str(text).unwrap_err();
            assert!(
                err.starts_with(&format!("x.yaml:{at}: control character")),
                "{text:?}: {err}"
            );
        }
        assert!(scan_str("a: \"\\\u{85}\u{A0}\"\n").is_ok());
    }

    #[test]
    fn unicode_whitespace_starts_tokens_as_ascii_does() {
        let aliases = "*a \u{A0}".repeat(101);
        let err = scan_str(&format!("a: [{aliases}]\n")).unwrap_err();
        assert!(err.contains("more than 100 aliases"), "{err}");
        assert!(scan_str(&format!("a: \u{A0}#{}\n", "[".repeat(100))).is_ok());
    }

    /// The two passes `scan` replaced, as they were: the decoder's search for a control
    /// character, then the structure scan.
    fn two_passes(text: &str, path: &Arc<str>) -> Result<(), Diagnostic> {
        if let Some((index, _)) = text.char_indices().find(|&(_, c)| !allowed_in_yaml(c)) {
            return Err(control_character(text, index, path));
        }
        old_check_structure(text, path)
    }

    fn old_check_structure(text: &str, path: &Arc<str>) -> Result<(), Diagnostic> {
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

    proptest::proptest! {
        #[test]
        fn one_pass_finds_what_the_two_passes_found(
            text in "[\\[\\]{}*#'\" \\\\\n\r\t\u{7}\u{85}\u{A0}\u{2028}\u{9F}\u{FFFF}é:,a-]{0,600}"
        ) {
            let path: Arc<str> = Arc::from("x.yaml");
            proptest::prop_assert_eq!(scan(&text, &path), two_passes(&text, &path));
        }

        #[test]
        fn one_pass_agrees_on_deep_text(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "[", "[", "[", "{", "]", "*a ", "'", "\"", "\\", "#", " ", "\n", "x", ",",
                    "\u{A0}",
                ]),
                0..2000,
            )
        ) {
            let text = parts.concat();
            let path: Arc<str> = Arc::from("x.yaml");
            proptest::prop_assert_eq!(scan(&text, &path), two_passes(&text, &path));
        }

        #[test]
        fn one_pass_agrees_on_aliased_text(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "[", "[", "[", "{", "]", "]", "*a ", "*a ", "*a ", "*a ", "*a ", "*a ", "'", "\"",
                    "\\", "#", " ", "\n", "x", ",", "\u{A0}",
                ]),
                0..2000,
            )
        ) {
            let text = parts.concat();
            let path: Arc<str> = Arc::from("x.yaml");
            proptest::prop_assert_eq!(scan(&text, &path), two_passes(&text, &path));
        }
    }
}
