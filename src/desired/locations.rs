//! Where values are: serde does not say, so these walk the YAML events for positions.

use std::sync::Arc;

use saphyr_parser::{Event, Parser};

use crate::diagnostic::{Location, Position};

/// A location at `position` in the file `path`.
pub(crate) fn at(path: &Arc<str>, position: Position) -> Location {
    Location {
        path: Arc::clone(path),
        position: Some(position),
    }
}

/// Where the second document of a multi-document file starts.
pub(crate) fn second_document(text: &str) -> Option<Position> {
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
pub(crate) fn repeated_key(
    text: &str,
    mapping: Position,
    key: &str,
) -> Option<(Position, Position)> {
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

/// Positions found by a second, event-level pass, since serde does not report where values were.
#[derive(Default)]
pub(crate) struct Spans {
    pub(crate) version: Option<Position>,
    /// The `defaultTags` key.
    pub(crate) default_tags: Option<Position>,
    pub(crate) bindings: Vec<BindingSpan>,
}

#[derive(Clone, Copy, Default)]
pub(crate) struct BindingSpan {
    pub(crate) item: Option<Position>,
    pub(crate) config: Option<Position>,
    pub(crate) stage: Option<Position>,
    /// The `tags` key, not its value: a mapping's position would be its first key's.
    pub(crate) tags: Option<Position>,
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

/// Walks the YAML events of an already-validated document and records where the version, each
/// binding's values, and the `defaultTags` and `tags` keys are. Iterative, so deep nesting cannot
/// overflow the stack.
pub(crate) fn locate(text: &str) -> Spans {
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
                    role,
                    expect_key: expect_key @ true,
                    key,
                }) => {
                    *key = match &event {
                        Event::Scalar(value, ..) => Some(value.to_string()),
                        _ => None,
                    };
                    match (*role, key.as_deref()) {
                        (Role::Root, Some("defaultTags")) => spans.default_tags = Some(position),
                        (Role::Binding, Some("tags")) => {
                            if let Some(b) = spans.bindings.last_mut() {
                                b.tags = Some(position);
                            }
                        }
                        _ => {}
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_the_tags_keys_in_block_and_flow_style() {
        let text = "version: 1\n\"defaultTags\": {a: b}\nbindings:\n  - ingestConfiguration: a\n    stage: null\n    tags:\n      team: video\n  - {stage: b, tags: {}, ingestConfiguration: c}\n  - ingestConfiguration: d\n    stage: null\n";
        let spans = locate(text);
        assert_eq!(spans.default_tags, Some(Position { line: 2, column: 1 }));
        assert_eq!(spans.bindings.len(), 3);
        assert_eq!(
            spans.bindings[0].tags,
            Some(Position { line: 6, column: 5 })
        );
        assert_eq!(
            spans.bindings[1].tags,
            Some(Position {
                line: 8,
                column: 16
            })
        );
        assert_eq!(spans.bindings[2].tags, None);
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
}
