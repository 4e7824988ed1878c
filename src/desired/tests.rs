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
