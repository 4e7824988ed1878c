//! Declared tags: the service's limits on keys, values and their number, checked offline, and
//! `defaultTags` merged into each binding's `tags`.

use std::collections::BTreeMap;

/// A resource's tags, as the service takes them: a key to its value, in key order.
pub(crate) type Tags = BTreeMap<String, String>;

/// At most this many tags per resource (the service model's `Tags` map).
pub(crate) const MAX_TAGS: usize = 50;

/// Tag keys are 1 to this many characters (the model's `TagKey`).
pub(crate) const MAX_KEY_CHARS: usize = 128;

/// Tag values are 0 to this many characters (the model's `TagValue`).
pub(crate) const MAX_VALUE_CHARS: usize = 256;

/// Keys with this prefix, in any case, are AWS's own; no file may declare one. AWS's tagging
/// rules reserve `aws:`, `AWS:` and every mix of the two, and the service refuses them.
pub(crate) const AWS_PREFIX: &str = "aws:";

/// Whether `key` starts with the reserved prefix, in any case.
pub(crate) fn is_aws_key(key: &str) -> bool {
    key.get(..AWS_PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(AWS_PREFIX))
}

/// Why `key` cannot be a tag key, if it cannot.
pub(crate) fn key_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("empty tag key".to_owned());
    }
    if is_aws_key(key) {
        return Some(format!(
            "tag key `{}` starts with `{AWS_PREFIX}`, which AWS reserves for its own tags; \
             use another key",
            shown(key)
        ));
    }
    let length = key.chars().count();
    (length > MAX_KEY_CHARS).then(|| {
        format!("tag key is {length} characters long; the service allows at most {MAX_KEY_CHARS}")
    })
}

/// A key as messages quote it: whole, but with control characters and line breaks escaped
/// (`\t`), which a double-quoted YAML string can hold, so a message stays on one line.
pub(crate) fn shown(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c != ' ' && (c.is_control() || c.is_whitespace()) {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Why `value` cannot be a tag value, if it cannot.
pub(crate) fn value_problem(value: &str) -> Option<String> {
    let length = value.chars().count();
    (length > MAX_VALUE_CHARS).then(|| {
        format!(
            "tag value is {length} characters long; the service allows at most {MAX_VALUE_CHARS}"
        )
    })
}

/// A binding's tags: `defaultTags` with its own `tags` over them, the binding's value winning
/// for the same key. `None` when it has neither, so that its tags are left alone; `Some` of an
/// empty map when either is `{}`, so that it must have none.
pub(crate) fn merge(defaults: Option<&Tags>, own: Option<Tags>) -> Option<Tags> {
    match (defaults, own) {
        (None, None) => None,
        (None, Some(own)) => Some(own),
        (Some(defaults), own) => {
            let mut merged = defaults.clone();
            merged.extend(own.unwrap_or_default());
            Some(merged)
        }
    }
}

/// Why `merged`, a binding's tags of which `own` were its own, are too many, if they are.
/// `field` is where they were declared, as serde names paths (`bindings[3].tags`).
pub(crate) fn count_problem(field: &str, merged: usize, own: usize) -> Option<String> {
    (merged > MAX_TAGS).then(|| {
        let inherited = merged - own;
        let from_defaults = if inherited > 0 && own > 0 {
            format!(", {inherited} of them from `defaultTags`")
        } else {
            String::new()
        };
        format!("{field}: {merged} tags{from_defaults}; the service allows at most {MAX_TAGS}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn the_binding_wins_over_the_defaults() {
        let defaults = tags(&[("team", "video"), ("env", "prod")]);
        let merged = merge(Some(&defaults), Some(tags(&[("env", "dev"), ("x", "")])));
        assert_eq!(
            merged,
            Some(tags(&[("team", "video"), ("env", "dev"), ("x", "")]))
        );
    }

    #[test]
    fn empty_means_none_at_all_and_absent_means_leave_alone() {
        assert_eq!(merge(None, None), None);
        assert_eq!(merge(None, Some(Tags::new())), Some(Tags::new()));
        assert_eq!(merge(Some(&Tags::new()), None), Some(Tags::new()));
        let defaults = tags(&[("team", "video")]);
        assert_eq!(merge(Some(&defaults), None), Some(defaults.clone()));
        assert_eq!(
            merge(Some(&defaults), Some(Tags::new())),
            Some(defaults.clone())
        );
    }

    #[test]
    fn keys_are_1_to_128_characters_not_bytes() {
        assert_eq!(key_problem(""), Some("empty tag key".to_owned()));
        assert_eq!(key_problem("k"), None);
        assert_eq!(key_problem(&"k".repeat(128)), None);
        assert_eq!(
            key_problem(&"k".repeat(129)),
            Some("tag key is 129 characters long; the service allows at most 128".to_owned())
        );
        // 128 characters of two bytes each.
        assert_eq!(key_problem(&"é".repeat(128)), None);
        assert!(key_problem(&"é".repeat(129)).is_some());
    }

    #[test]
    fn values_are_0_to_256_characters_not_bytes() {
        assert_eq!(value_problem(""), None);
        assert_eq!(value_problem(&"v".repeat(256)), None);
        assert_eq!(
            value_problem(&"v".repeat(257)),
            Some("tag value is 257 characters long; the service allows at most 256".to_owned())
        );
        assert_eq!(value_problem(&"€".repeat(256)), None);
        assert!(value_problem(&"€".repeat(257)).is_some());
    }

    #[test]
    fn only_the_exact_lowercase_aws_prefix_is_reserved() {
        assert_eq!(
            key_problem("aws:team"),
            Some(
                "tag key `aws:team` starts with `aws:`, which AWS reserves for its own tags; \
                 use another key"
                    .to_owned()
            )
        );
        assert!(key_problem("aws:").is_some());
        assert!(key_problem("aWs:team").is_some());
        assert!(key_problem("AWS:team").is_some());
        for key in ["aws", "awsteam", "aws-team", "my:aws:team"] {
            assert_eq!(key_problem(key), None, "{key}");
        }
    }

    #[test]
    fn keys_are_quoted_whole_but_on_one_line() {
        assert_eq!(shown("cost center: it's \"x\""), "cost center: it's \"x\"");
        assert_eq!(shown("a\tb\nc\u{2028}d"), "a\\tb\\nc\\u{2028}d");
    }

    #[test]
    fn the_count_says_how_many_came_from_the_defaults() {
        assert_eq!(count_problem("bindings[0].tags", 50, 50), None);
        assert_eq!(count_problem("bindings[0].tags", 50, 1), None);
        assert_eq!(
            count_problem("bindings[0].tags", 51, 51),
            Some("bindings[0].tags: 51 tags; the service allows at most 50".to_owned())
        );
        assert_eq!(
            count_problem("bindings[2].tags", 51, 1),
            Some(
                "bindings[2].tags: 51 tags, 50 of them from `defaultTags`; the service allows \
                 at most 50"
                    .to_owned()
            )
        );
        assert_eq!(
            count_problem("defaultTags", 51, 0),
            Some("defaultTags: 51 tags; the service allows at most 50".to_owned())
        );
    }
}
