//! ARNs and names of IVS Real-Time resources, parsed and validated against the service's patterns.

use std::fmt;

/// The longest ARN or name the service accepts.
const MAX_LEN: usize = 128;

/// The two kinds of resource a binding names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    IngestConfiguration,
    Stage,
}

impl Kind {
    /// The resource-type segment of the ARN.
    pub fn resource_type(self) -> &'static str {
        match self {
            Kind::IngestConfiguration => "ingest-configuration",
            Kind::Stage => "stage",
        }
    }

    fn other(self) -> Kind {
        match self {
            Kind::IngestConfiguration => Kind::Stage,
            Kind::Stage => Kind::IngestConfiguration,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.resource_type())
    }
}

/// A validated ARN of one kind: `arn:aws:ivs:<region>:<account>:<type>/<id>`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn {
    text: String,
    kind: Kind,
    region_end: usize,
}

impl Arn {
    /// Parses `text` as an ARN of `kind`, explaining precisely what is wrong when it is not one.
    pub fn parse(text: &str, kind: Kind) -> Result<Arn, String> {
        let expected = format!(
            "arn:aws:ivs:<region>:<account>:{}/<id>",
            kind.resource_type()
        );
        if text.chars().any(char::is_whitespace) {
            return Err(format!(
                "`{}` contains whitespace; an ARN has none (expected {expected})",
                text.escape_debug()
            ));
        }
        if text.len() > MAX_LEN {
            return Err(format!(
                "ARN is {} characters long; the service allows at most {MAX_LEN}",
                text.len()
            ));
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err(format!("`{text}` is not an ARN (expected {expected})"));
        };
        if arn != "arn" {
            return Err(format!("`{text}` is not an ARN (expected {expected})"));
        }
        if partition != "aws" {
            return Err(format!(
                "`{text}` is in partition `{partition}`; IVS Real-Time ARNs are in `aws` (expected {expected})"
            ));
        }
        if service != "ivs" {
            return Err(format!(
                "`{text}` belongs to service `{service}`, not `ivs` (expected {expected})"
            ));
        }
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "`{text}` has an invalid region `{region}` (lowercase letters, digits and `-`)"
            ));
        }
        if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "`{text}` has an invalid account `{account}` (digits only)"
            ));
        }
        let Some((resource_type, id)) = resource.split_once('/') else {
            return Err(format!("`{text}` has no resource id (expected {expected})"));
        };
        if resource_type != kind.resource_type() {
            if resource_type == kind.other().resource_type() {
                return Err(format!(
                    "`{text}` is {} ARN, but {} ARN is expected here",
                    article(kind.other()),
                    article(kind)
                ));
            }
            return Err(format!(
                "`{text}` names resource type `{resource_type}`, not `{}` (expected {expected})",
                kind.resource_type()
            ));
        }
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!(
                "`{text}` has an invalid resource id `{id}` (letters, digits and `-`)"
            ));
        }
        Ok(Arn {
            text: text.to_owned(),
            kind,
            region_end: "arn:aws:ivs:".len() + region.len(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The region the ARN names, which is where the resource lives.
    pub fn region(&self) -> &str {
        &self.text["arn:aws:ivs:".len()..self.region_end]
    }

    /// The account the ARN names, which owns the resource.
    pub fn account(&self) -> &str {
        account_of(&self.text).unwrap_or_default()
    }
}

/// The account field of any ARN-shaped text (`arn:<partition>:<service>:<region>:<account>:…`).
pub fn account_of(text: &str) -> Option<&str> {
    text.split(':').nth(4).filter(|a| !a.is_empty())
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::IngestConfiguration => "an ingest-configuration",
        Kind::Stage => "a stage",
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

/// How a binding names a resource: by ARN, or by a name looked up in live state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    Arn(Arn),
    Name(String),
}

impl Ref {
    /// A value starting with `arn:` is an ARN of `kind`; anything else must be a valid name.
    pub fn parse(text: &str, kind: Kind) -> Result<Ref, String> {
        if text.starts_with("arn:") {
            return Arn::parse(text, kind).map(Ref::Arn);
        }
        validate_name(text, kind).map(|()| Ref::Name(text.to_owned()))
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Arn(arn) => arn.fmt(f),
            Ref::Name(name) => f.write_str(name),
        }
    }
}

/// Names as the service allows them (`[a-zA-Z0-9-_]`), and at least one character, since an
/// empty name could never pick out one resource.
fn validate_name(text: &str, kind: Kind) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("empty {kind} name"));
    }
    if text.chars().count() > MAX_LEN {
        return Err(format!(
            "{kind} name is {} characters long; the service allows at most {MAX_LEN}",
            text.chars().count()
        ));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "`{}` is neither an ARN nor a valid {kind} name: {} is not allowed \
             (names use letters, digits, `-` and `_`; ARNs start with `arn:`)",
            text.escape_debug(),
            describe_char(bad)
        ));
    }
    Ok(())
}

fn describe_char(c: char) -> String {
    if c.is_whitespace() {
        format!("whitespace ({})", c.escape_unicode())
    } else if c.is_control() {
        format!("control character {}", c.escape_unicode())
    } else {
        format!("`{c}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456";
    const STAGE: &str = "arn:aws:ivs:eu-west-1:123456789012:stage/XyZ789012345";

    #[test]
    fn parses_both_kinds_and_exposes_region() {
        let config = Arn::parse(CONFIG, Kind::IngestConfiguration).unwrap();
        assert_eq!(config.region(), "us-east-1");
        assert_eq!(config.as_str(), CONFIG);
        let stage = Arn::parse(STAGE, Kind::Stage).unwrap();
        assert_eq!(stage.region(), "eu-west-1");
    }

    #[test]
    fn wrong_kind_names_both_kinds() {
        let err = Arn::parse(STAGE, Kind::IngestConfiguration).unwrap_err();
        assert!(err.contains("is a stage ARN"), "{err}");
        assert!(
            err.contains("an ingest-configuration ARN is expected"),
            "{err}"
        );
    }

    #[test]
    fn wrong_partition_service_and_spaces_are_explained() {
        let cn = CONFIG.replace("arn:aws:", "arn:aws-cn:");
        assert!(
            Arn::parse(&cn, Kind::IngestConfiguration)
                .unwrap_err()
                .contains("partition `aws-cn`")
        );
        let svc = CONFIG.replace(":ivs:", ":s3:");
        assert!(
            Arn::parse(&svc, Kind::IngestConfiguration)
                .unwrap_err()
                .contains("service `s3`")
        );
        let spaced = format!("{CONFIG} ");
        assert!(
            Arn::parse(&spaced, Kind::IngestConfiguration)
                .unwrap_err()
                .contains("whitespace")
        );
    }

    #[test]
    fn bad_region_account_and_id_are_rejected() {
        for bad in [
            "arn:aws:ivs:US-EAST-1:123456789012:stage/abc",
            "arn:aws:ivs:us-east-1:12345678901x:stage/abc",
            "arn:aws:ivs:us-east-1:123456789012:stage/",
            "arn:aws:ivs:us-east-1:123456789012:stage/a_b",
            "arn:aws:ivs:us-east-1:123456789012:stage",
            "arn:aws:ivs::123456789012:stage/abc",
        ] {
            assert!(Arn::parse(bad, Kind::Stage).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn over_long_arn_is_rejected() {
        let long = format!(
            "arn:aws:ivs:us-east-1:123456789012:stage/{}",
            "a".repeat(100)
        );
        assert!(
            Arn::parse(&long, Kind::Stage)
                .unwrap_err()
                .contains("at most 128")
        );
    }

    #[test]
    fn names_follow_the_service_pattern() {
        assert_eq!(
            Ref::parse("studio-b_encoder1", Kind::IngestConfiguration).unwrap(),
            Ref::Name("studio-b_encoder1".into())
        );
        assert!(Ref::parse("", Kind::Stage).is_err());
        assert!(
            Ref::parse("main stage", Kind::Stage)
                .unwrap_err()
                .contains("whitespace")
        );
        assert!(
            Ref::parse("stage/1", Kind::Stage)
                .unwrap_err()
                .contains("`/`")
        );
        assert!(Ref::parse(&"n".repeat(129), Kind::Stage).is_err());
        assert!(Ref::parse(&"n".repeat(128), Kind::Stage).is_ok());
    }

    #[test]
    fn a_value_starting_with_arn_is_always_an_arn() {
        assert!(
            Ref::parse("arn:nope", Kind::Stage)
                .unwrap_err()
                .contains("not an ARN")
        );
    }
}
