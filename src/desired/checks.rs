//! The checks that need no AWS call but more than one value: a binding crossing regions or
//! accounts, a config bound twice, and a name with no region to look it up in.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::Binding;
use crate::arn::Ref;
use crate::diagnostic::Diagnostic;

/// The problems of one file's bindings that its own contents show: crossing regions (where the
/// region is known yet) and accounts.
pub(crate) fn in_file(bindings: &[Binding]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for binding in bindings {
        problems.extend(crosses_regions(binding));
        problems.extend(other_account(binding));
    }
    problems
}

/// Gives every binding without a region `default`, checking it for crossing regions as
/// [`in_file`] checked the others, or reports each that needs one.
pub(crate) fn default_region(bindings: &mut [Binding], default: Option<&str>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for binding in bindings {
        if binding.region.is_none() {
            match default {
                Some(region) => {
                    binding.region = Some(region.to_owned());
                    problems.extend(crosses_regions(binding));
                }
                None => problems.push(Diagnostic::at(
                    &binding.location,
                    format!(
                        "`{}` is a name, and no region is set to look it up in: add `region:` \
                         to the file, or pass --region or set AWS_REGION",
                        binding.config
                    ),
                )),
            }
        }
    }
    problems
}

/// A stage ARN in another region than its config: the service would refuse it, or worse.
fn crosses_regions(binding: &Binding) -> Option<Diagnostic> {
    let (Some(Ref::Arn(stage_arn)), Some(region)) = (&binding.stage, &binding.region) else {
        return None;
    };
    (stage_arn.region() != region).then(|| {
        Diagnostic::at(
            &binding.stage_location,
            format!(
                "stage `{stage_arn}` is in region {}, but the ingest configuration is in \
                 {region}: a binding cannot cross regions",
                stage_arn.region()
            ),
        )
    })
}

/// An ARN of another account than the file's `account:`.
fn other_account(binding: &Binding) -> Option<Diagnostic> {
    let account = binding.account.as_deref()?;
    let stage = binding.stage.as_ref().map(|s| (s, &binding.stage_location));
    let arns = std::iter::once((&binding.config, &binding.location)).chain(stage);
    arns.into_iter()
        .find_map(|(reference, location)| match reference {
            Ref::Arn(arn) if arn.account() != account => Some(Diagnostic::at(
                location,
                format!(
                    "`{arn}` is in account {}, but this file is for account {account}",
                    arn.account()
                ),
            )),
            _ => None,
        })
}

/// Two bindings of the same config (the same ARN, or the same name in the same region) are a
/// contradiction the user must resolve; name-versus-ARN duplicates are found after resolution.
pub(crate) fn duplicates(bindings: &[Binding]) -> impl Iterator<Item = Diagnostic> + '_ {
    // Hashed, not ordered: comparing ARNs with a common prefix took 4 ms for 10,000 bindings.
    let mut first: HashMap<(&Option<String>, &Ref), &Binding> =
        HashMap::with_capacity(bindings.len());
    bindings.iter().filter_map(move |binding| {
        let key = match &binding.config {
            // An ARN carries its region: the file's region does not change which config it is.
            Ref::Arn(_) => (&None, &binding.config),
            Ref::Name(_) => (&binding.region, &binding.config),
        };
        match first.entry(key) {
            Entry::Occupied(earlier) => Some(bound_twice(
                &binding.config.to_string(),
                earlier.get(),
                binding,
            )),
            Entry::Vacant(slot) => {
                slot.insert(binding);
                None
            }
        }
    })
}

/// The diagnostic for a config bound in two places.
pub(crate) fn bound_twice(config: &str, first: &Binding, second: &Binding) -> Diagnostic {
    Diagnostic::at(
        &second.location,
        format!(
            "ingest configuration `{config}` is bound twice: here and at {}; keep one binding",
            first.location
        ),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const CONFIG: &str = "arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456";
    const STAGE: &str = "arn:aws:ivs:us-east-1:123456789012:stage/XyZ789012345";

    #[test]
    fn duplicates_name_both_places() {
        let text = format!(
            "version: 1\nbindings:\n  - ingestConfiguration: {CONFIG}\n    stage: null\n  - ingestConfiguration: {CONFIG}\n    stage: {STAGE}\n"
        );
        let bindings = super::super::parse(text.as_bytes(), &Arc::from("bindings.yaml")).unwrap();
        let problems: Vec<Diagnostic> = duplicates(&bindings).collect();
        assert_eq!(problems.len(), 1);
        let message = problems[0].to_string();
        assert!(message.starts_with("bindings.yaml:5:26:"), "{message}");
        assert!(
            message.contains("bound twice: here and at bindings.yaml:3:26"),
            "{message}"
        );
    }

    #[test]
    fn a_default_region_is_given_and_checked_like_a_declared_one() {
        let text = format!(
            "version: 1\nbindings:\n  - ingestConfiguration: a\n    stage: {STAGE}\n  - ingestConfiguration: b\n    stage: null\n"
        );
        let parsed = super::super::parse(text.as_bytes(), &Arc::from("b.yaml")).unwrap();
        let mut bindings = parsed.clone();
        let problems = default_region(&mut bindings, Some("eu-west-1"));
        assert_eq!(bindings[1].region.as_deref(), Some("eu-west-1"));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .to_string()
                .starts_with("b.yaml:4:12: stage `arn:"),
            "{}",
            problems[0]
        );
        let mut bindings = parsed;
        let problems = default_region(&mut bindings, None);
        assert_eq!(problems.len(), 2);
        assert!(
            problems[1]
                .to_string()
                .starts_with("b.yaml:5:26: `b` is a name, and no region"),
            "{}",
            problems[1]
        );
    }
}
