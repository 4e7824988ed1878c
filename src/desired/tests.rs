//! Loading whole files: what `parse` accepts, what it refuses and where it says so.

use std::sync::Arc;

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
    assert!(
        parse_str(
            "version: 1\nregion: &r us-east-1\nbindings:\n  - {ingestConfiguration: a, stage: *r}\n"
        )
        .is_ok()
    );
}

#[test]
fn missing_stage_is_an_error_not_a_detach() {
    let err = parse_str("version: 1\nbindings:\n  - ingestConfiguration: a\n").unwrap_err();
    assert_eq!(err, "bindings.yaml:3:5: bindings[0]: missing field `stage`");
}

#[test]
fn unknown_keys_are_errors_with_position() {
    let err =
        parse_str("version: 1\nbindings:\n  - ingestConfiguration: a\n    stag: b\n").unwrap_err();
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
    let err =
        parse_str("version: 1\nbindings:\n  - ingestConfiguration: a\n   stage: b\n").unwrap_err();
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
    "version: 1\ndefaultTags:\n  team: video\n  \"42\": ''\nbindings:\n  - ingestConfiguration: a\n    stage: null\n    tags: {env: prod, team: audio}\n  - ingestConfiguration: b\n    stage: c\n    tags:\n      awsx: \"\"\n",
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

/// A file of one binding whose `tags:` key is at 5:5, with `lines` under it.
fn tagged(lines: &str) -> String {
    format!(
        "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: null\n    tags:\n{lines}"
    )
}

/// `count` tags, one a line, under a key at column 5 (`prefix` keeps them apart from others).
fn many_tags(prefix: &str, count: usize) -> String {
    (0..count)
        .map(|i| format!("      {prefix}{i}: v\n"))
        .collect()
}

fn tags(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

#[test]
fn default_tags_are_merged_into_each_binding_and_the_binding_wins() {
    let text = "version: 1\ndefaultTags:\n  team: video\n  env: prod\nbindings:\n  - ingestConfiguration: a\n    stage: null\n    tags:\n      env: dev\n      owner: ana\n  - ingestConfiguration: b\n    stage: null\n  - ingestConfiguration: c\n    stage: null\n    tags: {}\n";
    let bindings = parse_str(text).unwrap();
    assert_eq!(
        bindings[0].tags,
        tags(&[("team", "video"), ("env", "dev"), ("owner", "ana")])
    );
    assert_eq!(
        bindings[1].tags,
        tags(&[("team", "video"), ("env", "prod")])
    );
    assert_eq!(
        bindings[2].tags,
        tags(&[("team", "video"), ("env", "prod")])
    );
}

#[test]
fn empty_tags_mean_none_and_no_tags_mean_leave_them_alone() {
    let text = "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: null\n    tags: {}\n  - ingestConfiguration: b\n    stage: null\n  - {ingestConfiguration: c, stage: null, tags: {team: \"\"}}\n";
    let bindings = parse_str(text).unwrap();
    assert_eq!(bindings[0].tags, tags(&[]));
    assert_eq!(bindings[1].tags, None);
    assert_eq!(bindings[2].tags, tags(&[("team", "")]));
    // Read by the block reader, which never sees tags.
    let text = "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: null\n";
    assert_eq!(parse_str(text).unwrap()[0].tags, None);
    // `defaultTags: {}`: every binding of the file must have no tags.
    let text = "version: 1\ndefaultTags: {}\nbindings:\n  - ingestConfiguration: a\n    stage: null\n  - ingestConfiguration: b\n    stage: null\n    tags: {}\n";
    let bindings = parse_str(text).unwrap();
    assert_eq!(bindings[0].tags, tags(&[]));
    assert_eq!(bindings[1].tags, tags(&[]));
}

#[test]
fn fifty_tags_are_allowed_and_fifty_one_refused_at_the_tags_key() {
    assert_eq!(
        parse_str(&tagged(&many_tags("k", 50))).unwrap()[0]
            .tags
            .as_ref()
            .map(BTreeMap::len),
        Some(50)
    );
    assert_eq!(
        parse_str(&tagged(&many_tags("k", 51))).unwrap_err(),
        "bindings.yaml:5:5: bindings[0].tags: 51 tags; the service allows at most 50"
    );
    let flow = "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: null\n  - {ingestConfiguration: b, stage: null, tags: {a: b}}\n";
    assert!(parse_str(flow).is_ok());
    let flow = flow.replace(
        "{a: b}",
        &format!(
            "{{{}}}",
            (0..51)
                .map(|i| format!("k{i}: v"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    assert_eq!(
        parse_str(&flow).unwrap_err(),
        "bindings.yaml:5:43: bindings[1].tags: 51 tags; the service allows at most 50"
    );
}

#[test]
fn every_binding_with_too_many_tags_is_reported() {
    let own = many_tags("k", 51);
    let text = format!(
        "{}  - ingestConfiguration: b\n    stage: null\n  - ingestConfiguration: c\n    stage: null\n    tags:\n{own}",
        tagged(&own)
    );
    let err = parse_str(&text).unwrap_err();
    assert_eq!(
        err,
        "bindings.yaml:5:5: bindings[0].tags: 51 tags; the service allows at most 50\n\
         error: bindings.yaml:61:5: bindings[2].tags: 51 tags; the service allows at most 50"
    );
}

#[test]
fn fifty_tags_are_counted_after_merging_the_defaults() {
    let file = |defaults: usize, own: &str| {
        format!(
            "version: 1\ndefaultTags:\n{}bindings:\n  - ingestConfiguration: a\n    stage: null\n    tags:\n{own}  - ingestConfiguration: b\n    stage: null\n",
            many_tags("d", defaults).replace("      ", "  ")
        )
    };
    // 30 of the defaults and 20 of its own: 50.
    assert!(parse_str(&file(30, &many_tags("k", 20))).is_ok());
    // One of its own overrides a default: still 50.
    let own = format!("{}      d0: mine\n", many_tags("k", 20));
    let bindings = parse_str(&file(30, &own)).unwrap();
    assert_eq!(bindings[0].tags.as_ref().map(BTreeMap::len), Some(50));
    assert_eq!(bindings[0].tags.as_ref().unwrap()["d0"], "mine");
    assert_eq!(bindings[1].tags.as_ref().map(BTreeMap::len), Some(30));
    // 30 and 21: 51, at the binding's `tags:` (line 3 + 30 defaults + 3).
    assert_eq!(
        parse_str(&file(30, &many_tags("k", 21))).unwrap_err(),
        "bindings.yaml:36:5: bindings[0].tags: 51 tags, 30 of them from `defaultTags`; the service allows at most 50"
    );
    // Too many defaults: once, at `defaultTags`, not at each binding that has none of its own.
    assert_eq!(
        parse_str(&file(51, &many_tags("k", 0)).replace("    tags:\n", "")).unwrap_err(),
        "bindings.yaml:2:1: defaultTags: 51 tags; the service allows at most 50"
    );
    assert!(parse_str(&file(50, &many_tags("d", 50))).is_ok());
}

#[test]
fn tag_keys_are_1_to_128_characters() {
    let key = "k".repeat(128);
    let bindings = parse_str(&tagged(&format!("      {key}: v\n"))).unwrap();
    assert!(bindings[0].tags.as_ref().unwrap().contains_key(&key));
    assert_eq!(
        parse_str(&tagged(&format!("      a: b\n      {key}k: v\n"))).unwrap_err(),
        "bindings.yaml:7:7: bindings[0].tags: tag key is 129 characters long; the service allows at most 128"
    );
    // Characters, not bytes.
    assert!(parse_str(&tagged(&format!("      {}: v\n", "é".repeat(128)))).is_ok());
    assert_eq!(
        parse_str(&tagged("      \"\": v\n")).unwrap_err(),
        "bindings.yaml:6:7: bindings[0].tags: empty tag key"
    );
}

#[test]
fn tag_values_are_0_to_256_characters() {
    let value = "v".repeat(256);
    let bindings = parse_str(&tagged(&format!("      team: {value}\n      none: ''\n"))).unwrap();
    assert_eq!(bindings[0].tags.as_ref().unwrap()["team"], value);
    assert_eq!(bindings[0].tags.as_ref().unwrap()["none"], "");
    assert_eq!(
        parse_str(&tagged(&format!("      team: {value}v\n"))).unwrap_err(),
        "bindings.yaml:6:13: bindings[0].tags.team: tag value is 257 characters long; the service allows at most 256"
    );
    assert!(parse_str(&tagged(&format!("      team: {}\n", "€".repeat(256)))).is_ok());
}

#[test]
fn the_aws_prefix_is_refused_in_any_case() {
    assert_eq!(
        parse_str(&tagged("      team: video\n      aws:cost: x\n")).unwrap_err(),
        "bindings.yaml:7:7: bindings[0].tags: tag key `aws:cost` starts with `aws:`, which AWS reserves for its own tags; use another key"
    );
    assert_eq!(
        parse_str("version: 1\ndefaultTags: {team: a, 'aws:': b}\nbindings: []\n").unwrap_err(),
        "bindings.yaml:2:24: defaultTags: tag key `aws:` starts with `aws:`, which AWS reserves for its own tags; use another key"
    );
    assert!(
        parse_str(&tagged("      AWS:cost: y\n"))
            .unwrap_err()
            .contains("tag key `AWS:cost` starts with `aws:`")
    );
    let bindings = parse_str(&tagged("      aws-cost: z\n      awscost: y\n")).unwrap();
    assert_eq!(bindings[0].tags.as_ref().map(BTreeMap::len), Some(2));
}

#[test]
fn yaml_types_are_not_tag_keys_or_values() {
    for value in ["42", "true", "1.5", "null", "~", ""] {
        let err = parse_str(&tagged(&format!("      team: {value}\n"))).unwrap_err();
        assert!(
            err.starts_with("bindings.yaml:6:1")
                && err.contains(": bindings[0].tags.team: invalid type: "),
            "{value}: {err}"
        );
        assert!(
            err.ends_with(", expected a tag value, a string (quote numbers, booleans and null)"),
            "{value}: {err}"
        );
        if value.is_empty() {
            // `: x` is no key at all, but a syntax error.
            continue;
        }
        let err = parse_str(&tagged(&format!("      {value}: x\n"))).unwrap_err();
        assert!(
            err.starts_with("bindings.yaml:6:7: bindings[0].tags: invalid type: "),
            "{value}: {err}"
        );
        assert!(
            err.ends_with(", expected a tag key, a string (quote numbers, booleans and null)"),
            "{value}: {err}"
        );
    }
    assert_eq!(
        parse_str(&tagged("      team: 42\n")).unwrap_err(),
        "bindings.yaml:6:13: bindings[0].tags.team: invalid type: integer `42`, expected a tag value, a string (quote numbers, booleans and null)"
    );
    let bindings = parse_str(&tagged("      \"42\": \"true\"\n      'null': '1.5'\n")).unwrap();
    assert_eq!(bindings[0].tags, tags(&[("42", "true"), ("null", "1.5")]));
}

#[test]
fn tags_are_a_mapping_never_null() {
    for (value, message) in [
        (
            " null",
            "bindings.yaml:5:11: bindings[0].tags: is null: write `tags: {}` for no tags, or leave `tags` out to leave tags as they are",
        ),
        (
            " [a]",
            "bindings.yaml:5:11: bindings[0].tags: invalid type: sequence, expected tags: a mapping of tag keys to tag values",
        ),
        (
            " team",
            "bindings.yaml:5:11: bindings[0].tags: invalid type: string \"team\", expected tags: a mapping of tag keys to tag values",
        ),
    ] {
        let text = tagged("").replace("    tags:\n", &format!("    tags:{value}\n"));
        assert_eq!(parse_str(&text).unwrap_err(), message, "{value}");
    }
    let err = parse_str("version: 1\ndefaultTags:\nbindings: []\n").unwrap_err();
    assert!(
        err.ends_with("defaultTags: is null: write `defaultTags: {}` for no tags, or leave `defaultTags` out to leave tags as they are"),
        "{err}"
    );
}

#[test]
fn duplicate_tag_keys_point_at_the_second_and_name_the_first() {
    assert_eq!(
        parse_str(&tagged("      team: a\n      env: b\n      \"team\": c\n")).unwrap_err(),
        "bindings.yaml:8:7: bindings[0].tags: duplicate tag `team`: set here and at bindings.yaml:6:7; keep one"
    );
    assert_eq!(
        parse_str("version: 1\ndefaultTags: {a: 1, b: 2}\nbindings: []\n").unwrap_err(),
        "bindings.yaml:2:18: defaultTags.a: invalid type: integer `1`, expected a tag value, a string (quote numbers, booleans and null)"
    );
    assert_eq!(
        parse_str("version: 1\ndefaultTags: {a: x, a: y}\nbindings: []\n").unwrap_err(),
        "bindings.yaml:2:21: defaultTags: duplicate tag `a`: set here and at bindings.yaml:2:15; keep one"
    );
}
