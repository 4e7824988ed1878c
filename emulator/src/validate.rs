//! The model's constraints (patterns, lengths, ranges) on input members, checked the way AWS's validation layer does.
//!
//! Patterns are matched whole (as if anchored with `^…$`), the stricter reading of the model's
//! unanchored ones. Lengths count Unicode scalar values, as Smithy's `@length` does for strings.

use std::collections::BTreeMap;

use crate::error::ApiError;

/// Which of the two resource kinds an ARN names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArnKind {
    Stage,
    IngestConfiguration,
}

impl ArnKind {
    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            ArnKind::Stage => "stage",
            ArnKind::IngestConfiguration => "ingest-configuration",
        }
    }
}

/// A parsed `arn:aws:ivs:<region>:<account>:<type>/<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Arn {
    pub(crate) region: String,
    pub(crate) account: String,
    pub(crate) kind: ArnKind,
}

/// Matches the model's `arn:aws:ivs:[a-z0-9-]+:[0-9]+:<type>/[a-zA-Z0-9-]+` for either type.
pub(crate) fn parse_arn(value: &str) -> Option<Arn> {
    let rest = value.strip_prefix("arn:aws:ivs:")?;
    let mut parts = rest.splitn(3, ':');
    let region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    if !is_region(region) || account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (kind, id) = if let Some(id) = resource.strip_prefix("stage/") {
        (ArnKind::Stage, id)
    } else if let Some(id) = resource.strip_prefix("ingest-configuration/") {
        (ArnKind::IngestConfiguration, id)
    } else {
        return None;
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    Some(Arn {
        region: region.to_owned(),
        account: account.to_owned(),
        kind,
    })
}

/// `[a-z0-9-]+`: the region part of an ARN and of a SigV4 scope the emulator accepts.
pub(crate) fn is_region(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn char_len(value: &str) -> usize {
    value.chars().count()
}

pub(crate) fn check_length(
    member: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ApiError> {
    let len = char_len(value);
    if len < min {
        return Err(ApiError::constraint(
            member,
            format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if len > max {
        return Err(ApiError::constraint(
            member,
            format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// An ARN of `kind` (length 1–128, the model's pattern).
pub(crate) fn check_arn(member: &str, value: &str, kind: ArnKind) -> Result<Arn, ApiError> {
    check_length(member, value, 1, 128)?;
    match parse_arn(value) {
        Some(arn) if arn.kind == kind => Ok(arn),
        _ => Err(ApiError::constraint(
            member,
            format!(
                "Member must satisfy regular expression pattern: arn:aws:ivs:[a-z0-9-]+:[0-9]+:{}/[a-zA-Z0-9-]+",
                kind.resource_type()
            ),
        )),
    }
}

/// An ARN either resource kind (the tag operations accept both).
pub(crate) fn check_resource_arn(member: &str, value: &str) -> Result<Arn, ApiError> {
    check_length(member, value, 1, 128)?;
    parse_arn(value).ok_or_else(|| {
        ApiError::constraint(
            member,
            "Member must satisfy regular expression pattern: arn:aws:ivs:[a-z0-9-]+:[0-9]+:(stage|ingest-configuration)/[a-zA-Z0-9-]+",
        )
    })
}

/// An ingest configuration's `stageArn`: `""` (attached to no stage) or a stage ARN, length 0–128.
/// Returns `None` for `""`.
pub(crate) fn check_config_stage_arn(member: &str, value: &str) -> Result<Option<Arn>, ApiError> {
    if value.is_empty() {
        return Ok(None);
    }
    check_length(member, value, 0, 128)?;
    match parse_arn(value) {
        Some(arn) if arn.kind == ArnKind::Stage => Ok(Some(arn)),
        _ => Err(ApiError::constraint(
            member,
            "Member must satisfy regular expression pattern: ^$|^arn:aws:ivs:[a-z0-9-]+:[0-9]+:stage/[a-zA-Z0-9-]+$",
        )),
    }
}

/// Stage and ingest configuration names: `[a-zA-Z0-9-_]*`, length 0–128.
pub(crate) fn check_name(member: &str, value: &str) -> Result<(), ApiError> {
    check_length(member, value, 0, 128)?;
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(ApiError::constraint(
            member,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]*",
        ))
    }
}

/// Tags: at most 50; keys 1–128, values 0–256.
///
/// Keys starting with `aws:` are refused: the tagging guide the model points to reserves that
/// prefix, and refusing is the conservative reading of "no constraints beyond what is documented".
pub(crate) fn check_tags(member: &str, tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if tags.len() > 50 {
        return Err(ApiError::constraint(
            member,
            "Member must have length less than or equal to 50",
        ));
    }
    for (key, value) in tags {
        check_tag_key(member, key)?;
        check_length(&format!("{member}.{key}"), value, 0, 256)?;
    }
    Ok(())
}

/// Whether a tag key has the prefix AWS reserves for itself, in any case.
pub(crate) fn is_reserved_tag_key(key: &str) -> bool {
    key.get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"))
}

pub(crate) fn check_tag_key(member: &str, key: &str) -> Result<(), ApiError> {
    check_length(&format!("{member} key"), key, 1, 128)?;
    if is_reserved_tag_key(key) {
        return Err(ApiError::validation(format!(
            "Tag keys starting with 'aws:' are reserved for AWS use: {key}"
        )));
    }
    Ok(())
}

/// Participant attributes: "the maximum length of this field is 1 KB total", read as the UTF-8
/// bytes of every key and value summed, at most 1024.
pub(crate) fn check_attributes(
    member: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let total: usize = attributes.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > 1024 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: '{member}' must be at most 1 KB in total (keys and values), got {total} bytes"
        )));
    }
    Ok(())
}

/// `maxResults`: 1–100, default 50.
pub(crate) fn check_max_results(value: Option<i64>) -> Result<usize, ApiError> {
    match value {
        None => Ok(50),
        Some(n) if n < 1 => Err(ApiError::constraint(
            "maxResults",
            "Member must have value greater than or equal to 1",
        )),
        Some(n) if n > 100 => Err(ApiError::constraint(
            "maxResults",
            "Member must have value less than or equal to 100",
        )),
        Some(n) => Ok(usize::try_from(n).unwrap_or(50)),
    }
}

/// `nextToken`'s shape: `[a-zA-Z0-9+/=_-]*`, length 0–1024. Whether it means anything is the
/// pagination code's business.
pub(crate) fn check_token_shape(value: &str) -> Result<(), ApiError> {
    check_length("nextToken", value, 0, 1024)?;
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b))
    {
        Ok(())
    } else {
        Err(ApiError::constraint(
            "nextToken",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9+/=_-]*",
        ))
    }
}

/// One value of an enum member.
pub(crate) fn check_enum<'a>(
    member: &str,
    value: &str,
    allowed: &[&'a str],
) -> Result<&'a str, ApiError> {
    allowed
        .iter()
        .copied()
        .find(|a| *a == value)
        .ok_or_else(|| {
            ApiError::constraint(
                member,
                format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parsing_follows_the_model_pattern() {
        let ok = parse_arn("arn:aws:ivs:us-east-1:123456789012:stage/AbC-123");
        assert_eq!(ok.map(|a| a.kind), Some(ArnKind::Stage));
        let ok = parse_arn("arn:aws:ivs:eu-west-1:1:ingest-configuration/x");
        assert_eq!(ok.map(|a| a.region), Some("eu-west-1".to_owned()));
        for bad in [
            "",
            "arn:aws:ivs:US-EAST-1:1:stage/x",
            "arn:aws:ivs:us-east-1:12a:stage/x",
            "arn:aws:ivs:us-east-1:1:stage/",
            "arn:aws:ivs:us-east-1:1:stage/a_b",
            "arn:aws:ivs:us-east-1:1:channel/x",
            "arn:aws:ivs::1:stage/x",
            "arn:aws:ivs:us-east-1:1:stage/x:y",
            "xarn:aws:ivs:us-east-1:1:stage/x",
        ] {
            assert!(parse_arn(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn names_allow_only_the_model_characters() {
        assert!(check_name("name", "").is_ok());
        assert!(check_name("name", "a-B_9").is_ok());
        assert!(check_name("name", "a b").is_err());
        assert!(check_name("name", "é").is_err());
        assert!(check_name("name", &"a".repeat(129)).is_err());
    }

    #[test]
    fn tag_keys_with_the_reserved_prefix_are_refused() {
        assert!(check_tag_key("tags", "AWS:x").is_err());
        assert!(check_tag_key("tags", "aw").is_ok());
        assert!(check_tag_key("tags", "").is_err());
    }
}
