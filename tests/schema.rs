//! The JSON Schema and the loader describe one format: every example validates against both,
//! and they agree on good and bad files.

use std::path::{Path, PathBuf};

use crate::support::World;

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("schema/ingestctl.schema.json")).expect("the schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft7::new(&schema).expect("the schema is valid draft-07")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// YAML to the JSON a schema validator sees; `None` when it is not even YAML.
fn as_json(text: &str) -> Option<serde_json::Value> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    serde_json::to_value(value).ok()
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_desired_state_example_validates_against_the_schema_and_the_loader() {
    let validator = schema();
    let files = yaml_files(&root().join("examples/desired-state"));
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let json = as_json(&text).unwrap_or_else(|| panic!("{} is YAML", file.display()));
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
        World::new()
            .ingestctl(["validate", "-f", file.to_str().unwrap()])
            .run()
            .code(0);
    }
}

/// Documents the schema alone can judge, with the verdict both must reach.
const CASES: &[(&str, bool)] = &[
    ("version: 1\nbindings: []\n", true),
    (
        "version: 1\nregion: eu-west-1\nbindings:\n  - ingestConfiguration: enc\n    stage: main\n",
        true,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    redundantIngest: false\n",
        true,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbC\n    stage: arn:aws:ivs:us-east-1:123456789012:stage/XyZ\n",
        true,
    ),
    ("version: 2\nbindings: []\n", false),
    ("bindings: []\n", false),
    ("version: 1\n", false),
    ("version: \"1\"\nbindings: []\n", false),
    ("version: 1\nbindings: []\nextra: 1\n", false),
    ("version: 1\nregion: US-EAST-1\nbindings: []\n", false),
    (
        "version: 1\naccount: \"123456789012\"\nbindings: []\n",
        true,
    ),
    ("version: 1\naccount: 123456789012\nbindings: []\n", false),
    ("version: 1\naccount: \"1234\"\nbindings: []\n", false),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n",
        false,
    ),
    ("version: 1\nbindings:\n  - stage: main\n", false),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: main\n    stag: x\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: arn:aws:ivs:us-east-1:123456789012:stage/XyZ\n    stage: null\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbC\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: arn:aws-cn:ivs:cn-north-1:123456789012:ingest-configuration/AbC\n    stage: null\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: 'has space'\n    stage: null\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: ''\n    stage: null\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: 12\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: [a]\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    redundantIngest: yes please\n",
        false,
    ),
    ("version: 1\nbindings: {}\n", false),
    ("[]\n", false),
    // Tags: `defaultTags` and a binding's `tags`, at each limit and one past it.
    (
        "version: 1\ndefaultTags:\n  team: video\n  env: \"\"\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags:\n      env: prod\n",
        true,
    ),
    ("version: 1\ndefaultTags: {}\nbindings: []\n", true),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {}\n",
        true,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags:\n      \"42\": \"true\"\n      awsx: y\n      a: null-ish\n",
        true,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags:\n      AWS:x: y\n",
        false,
    ),
    (TAGS_50, true),
    (TAGS_51, false),
    (DEFAULT_TAGS_50, true),
    (DEFAULT_TAGS_51, false),
    (KEY_128, true),
    (KEY_129, false),
    (VALUE_256, true),
    (VALUE_257, false),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {'': x}\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags:\n      aws:team: x\n",
        false,
    ),
    (
        "version: 1\ndefaultTags: {'aws:': x}\nbindings: []\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {team: 42}\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {team: true}\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {team: null}\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {team: [a]}\n",
        false,
    ),
    (
        "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: null\n",
        false,
    ),
    ("version: 1\ndefaultTags: [team]\nbindings: []\n", false),
    ("version: 1\ndefaulttags: {}\nbindings: []\n", false),
];

const TAGS_50: &str = concat!(
    "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {",
    "k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v, ",
    "k10: v, k11: v, k12: v, k13: v, k14: v, k15: v, k16: v, k17: v, k18: v, k19: v, ",
    "k20: v, k21: v, k22: v, k23: v, k24: v, k25: v, k26: v, k27: v, k28: v, k29: v, ",
    "k30: v, k31: v, k32: v, k33: v, k34: v, k35: v, k36: v, k37: v, k38: v, k39: v, ",
    "k40: v, k41: v, k42: v, k43: v, k44: v, k45: v, k46: v, k47: v, k48: v, k49: v}\n",
);

const TAGS_51: &str = concat!(
    "version: 1\nbindings:\n  - ingestConfiguration: enc\n    stage: null\n    tags: {",
    "k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v, ",
    "k10: v, k11: v, k12: v, k13: v, k14: v, k15: v, k16: v, k17: v, k18: v, k19: v, ",
    "k20: v, k21: v, k22: v, k23: v, k24: v, k25: v, k26: v, k27: v, k28: v, k29: v, ",
    "k30: v, k31: v, k32: v, k33: v, k34: v, k35: v, k36: v, k37: v, k38: v, k39: v, ",
    "k40: v, k41: v, k42: v, k43: v, k44: v, k45: v, k46: v, k47: v, k48: v, k49: v, k50: v}\n",
);

const DEFAULT_TAGS_50: &str = concat!(
    "version: 1\nbindings: []\ndefaultTags: {",
    "k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v, ",
    "k10: v, k11: v, k12: v, k13: v, k14: v, k15: v, k16: v, k17: v, k18: v, k19: v, ",
    "k20: v, k21: v, k22: v, k23: v, k24: v, k25: v, k26: v, k27: v, k28: v, k29: v, ",
    "k30: v, k31: v, k32: v, k33: v, k34: v, k35: v, k36: v, k37: v, k38: v, k39: v, ",
    "k40: v, k41: v, k42: v, k43: v, k44: v, k45: v, k46: v, k47: v, k48: v, k49: v}\n",
);

const DEFAULT_TAGS_51: &str = concat!(
    "version: 1\nbindings: []\ndefaultTags: {",
    "k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v, ",
    "k10: v, k11: v, k12: v, k13: v, k14: v, k15: v, k16: v, k17: v, k18: v, k19: v, ",
    "k20: v, k21: v, k22: v, k23: v, k24: v, k25: v, k26: v, k27: v, k28: v, k29: v, ",
    "k30: v, k31: v, k32: v, k33: v, k34: v, k35: v, k36: v, k37: v, k38: v, k39: v, ",
    "k40: v, k41: v, k42: v, k43: v, k44: v, k45: v, k46: v, k47: v, k48: v, k49: v, k50: v}\n",
);

/// A key of 128 characters, each of two bytes: the limit counts characters.
const KEY_128: &str = "version: 1\ndefaultTags:\n  éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé: v\nbindings: []\n";
const KEY_129: &str = "version: 1\ndefaultTags:\n  ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé: v\nbindings: []\n";
const VALUE_256: &str = "version: 1\ndefaultTags:\n  team: €€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€\nbindings: []\n";
const VALUE_257: &str = "version: 1\ndefaultTags:\n  team: €€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€\nbindings: []\n";

#[test]
fn schema_and_loader_agree_on_good_and_bad_files() {
    let validator = schema();
    let world = World::new();
    let mut disagreements = Vec::new();
    for (i, (text, valid)) in CASES.iter().enumerate() {
        let schema_says = as_json(text).is_some_and(|json| validator.is_valid(&json));
        let name = format!("case{i}.yaml");
        world.file(&name, text);
        let loader_says = world.ingestctl(["validate", &name]).run().code == Some(0);
        if schema_says != *valid || loader_says != *valid {
            disagreements.push(format!(
                "{text:?}: expected {valid}, schema {schema_says}, loader {loader_says}"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// Bad inputs whose fault lies beyond what a JSON Schema can express: the schema accepts them,
/// and the loader must still refuse them, for the reason given.
const LOADER_ONLY: &[(&str, &str)] = &[
    (
        "arn-cross-region.yaml",
        "a stage in another region than its config",
    ),
    (
        "bound-twice-in-one-file.yaml",
        "the same config bound twice",
    ),
    (
        "alias-repeated-binding.yaml",
        "too many aliases; their expansion is valid JSON",
    ),
    (
        "tags-too-many-with-defaults.yaml",
        "51 tags once `defaultTags` are merged in; each map alone has at most 50",
    ),
    (
        "tags-key-not-string.yaml",
        "JSON keys are strings: the YAML integer key 2024 becomes \"2024\"",
    ),
    (
        "type-version-float.yaml",
        "JSON Schema cannot tell `1.0` from `1`; the loader wants an integer",
    ),
];

/// Every bad-input file: the schema rejects it, or it cannot even be read as YAML, or its fault
/// is one only the loader can see (listed above). The loader rejects all of them (tests/bad_input.rs).
#[test]
fn schema_rejects_every_bad_input_file_it_can_judge() {
    let validator = schema();
    let corpus = root().join("tests/bad-input");
    let mut problems = Vec::new();
    let mut judged = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() || !name.ends_with(".yaml") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let json = std::str::from_utf8(&bytes).ok().and_then(as_json);
        let accepted = json.as_ref().is_some_and(|json| validator.is_valid(json));
        let loader_only = LOADER_ONLY.iter().any(|(case, _)| *case == name);
        if json.is_some() {
            judged += 1;
        }
        match (accepted, loader_only) {
            (true, false) => problems.push(format!("{name}: the schema accepts it")),
            (false, true) => problems.push(format!(
                "{name}: listed as loader-only, but the schema rejects it"
            )),
            _ => {}
        }
    }
    assert!(judged >= 30, "only {judged} files were readable as YAML");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
