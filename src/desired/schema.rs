//! The YAML shape of a desired-state file as serde reads it, with a visitor for each value that
//! needs more than its type checked.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::FORMAT_VERSION;
use super::tags::{self, Tags};
use crate::arn::{Kind, Ref};

/// The file's top level, as serde reads it.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `version: 1` and `bindings`"
)]
pub(crate) struct RawFile {
    pub(crate) version: Version,
    #[serde(default)]
    pub(crate) region: Option<Region>,
    #[serde(default)]
    pub(crate) account: Option<Account>,
    #[serde(default, rename = "defaultTags", deserialize_with = "default_tags")]
    pub(crate) default_tags: Option<Tags>,
    pub(crate) bindings: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a binding: a mapping with `ingestConfiguration` and `stage`"
)]
pub(crate) struct RawBinding {
    pub(crate) ingest_configuration: ConfigRef,
    pub(crate) stage: StageRef,
    #[serde(default)]
    pub(crate) redundant_ingest: Option<bool>,
    #[serde(default, deserialize_with = "binding_tags")]
    pub(crate) tags: Option<Tags>,
}

pub(crate) struct Version(pub(crate) u32);

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

pub(crate) struct Region(pub(crate) String);

/// Lowercase letters, digits and `-`, as in `us-east-1`.
pub(crate) fn is_region_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Region;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a region name (such as us-east-1)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Region, E> {
                if is_region_name(text) {
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
pub(crate) struct Account(pub(crate) String);

/// Twelve digits.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Account;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an AWS account id, twelve digits in quotes (such as \"123456789012\")")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Account, E> {
                if is_account_id(text) {
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

pub(crate) struct ConfigRef(pub(crate) Ref);

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
pub(crate) struct StageRef(pub(crate) Option<Ref>);

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

/// `defaultTags`, when present: never null (absent means none, `{}` means none at all).
fn default_tags<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Tags>, D::Error> {
    deserialize_tags(deserializer, "defaultTags").map(Some)
}

/// A binding's `tags`, when present: never null, as for `defaultTags`.
fn binding_tags<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Tags>, D::Error> {
    deserialize_tags(deserializer, "tags").map(Some)
}

/// A mapping of tag keys to tag values, each checked against the service's limits where it is
/// (an error raised inside a key's or a value's visitor gets that key's or value's position).
/// Only their number is left to the caller, which knows where the `tags:` key is and what the
/// defaults add.
fn deserialize_tags<'de, D: Deserializer<'de>>(
    deserializer: D,
    field: &'static str,
) -> Result<Tags, D::Error> {
    struct V(&'static str);
    impl<'de> Visitor<'de> for V {
        type Value = Tags;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("tags: a mapping of tag keys to tag values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tags, A::Error> {
            let mut tags = Tags::new();
            while let Some(TagKey(key)) = map.next_key()? {
                if tags.contains_key(&key) {
                    // Raised here, not in the key's visitor, so that it gets the mapping's
                    // position, as serde's "duplicate field" does: `translate` then finds both.
                    return Err(de::Error::custom(format!(
                        "duplicate tag `{}`",
                        tags::shown(&key)
                    )));
                }
                let TagValue(value) = map.next_value()?;
                tags.insert(key, value);
            }
            Ok(tags)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Tags, E> {
            let field = self.0;
            Err(E::custom(format!(
                "is null: write `{field}: {{}}` for no tags, or leave `{field}` out to leave \
                 tags as they are"
            )))
        }
    }
    // `deserialize_any`, so that `null` reaches `visit_unit` rather than meaning "absent".
    deserializer.deserialize_any(V(field))
}

/// A tag key: a string (`42`, `true` and `null` are YAML types, refused as names are).
struct TagKey(String);

impl<'de> Deserialize<'de> for TagKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TagKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag key, a string (quote numbers, booleans and null)")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<TagKey, E> {
                match tags::key_problem(key) {
                    Some(problem) => Err(E::custom(problem)),
                    None => Ok(TagKey(key.to_owned())),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A tag value: a string, as a key is.
struct TagValue(String);

impl<'de> Deserialize<'de> for TagValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TagValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag value, a string (quote numbers, booleans and null)")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<TagValue, E> {
                match tags::value_problem(value) {
                    Some(problem) => Err(E::custom(problem)),
                    None => Ok(TagValue(value.to_owned())),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}
