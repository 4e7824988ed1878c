//! What each binding needs: resolve it against live state, compare, and pick update, skip or
//! no-op; and the account check that runs before any of it.

use std::collections::{BTreeSet, HashMap};

use super::resolve::Index;
use super::{
    AccountOf, Action, After, Before, Change, Declared, Plan, Problem, ProblemKind, Problems,
    TagChange, Unmanaged, own_tags,
};
use crate::arn::{Ref, account_of};
use crate::desired::{Binding, Desired};
use crate::live::{Live, TagReads};

/// Decides each binding's action. Every binding must have a region (see
/// [`Desired::with_default_region`]) and `live` must hold every region the bindings name, with
/// stages wherever a stage is named by name. Reports every unresolvable binding at once.
pub fn plan(desired: &Desired, live: &Live) -> Result<Plan, Problems> {
    check_accounts(desired, live)?;
    let indexes: HashMap<&str, Index> = live
        .regions
        .iter()
        .map(|(region, state)| (region.as_str(), Index::new(state)))
        .collect();
    let mut problems = Vec::new();
    let mut changes = Vec::with_capacity(desired.bindings.len());
    let mut bound: HashMap<&str, &Binding> = HashMap::with_capacity(desired.bindings.len());
    for binding in &desired.bindings {
        let Some(region) = binding.region.as_deref() else {
            problems.push(Problem::at(
                &binding.location,
                ProblemKind::NoRegion {
                    config: binding.config.clone(),
                },
            ));
            continue;
        };
        let Some(index) = indexes.get(region) else {
            problems.push(Problem::at(
                &binding.location,
                ProblemKind::RegionNotRead {
                    region: region.to_owned(),
                },
            ));
            continue;
        };
        let config = match index.config(&binding.config, region) {
            Ok(config) => config,
            Err(kind) => {
                problems.push(Problem::at(&binding.location, kind));
                continue;
            }
        };
        if let Some(earlier) = bound.insert(&config.arn, binding) {
            // Only a name and an ARN can meet here: ARN twins are caught at load time.
            problems.push(Problem::at(
                &binding.location,
                ProblemKind::BoundTwice {
                    arn: config.arn.clone(),
                    name: config.name.clone(),
                    first: earlier.location.clone(),
                },
            ));
            continue;
        }
        let (after_stage_arn, after_stage_name) = match &binding.stage {
            None => (String::new(), None),
            Some(Ref::Arn(arn)) => (arn.to_string(), index.stage_name(arn.as_str())),
            Some(Ref::Name(name)) => match index.stage(name, region) {
                Ok(stage) => (stage.arn.clone(), stage.name.clone()),
                Err(kind) => {
                    problems.push(Problem::at(&binding.stage_location, kind));
                    continue;
                }
            },
        };
        let before = Before {
            stage_arn: config.stage_arn.clone(),
            state: config.state.clone(),
            redundant_ingest: config.redundant_ingest,
        };
        let after = After {
            stage_arn: after_stage_arn,
            redundant_ingest: binding.redundant_ingest,
        };
        let drifted = before.stage_arn != after.stage_arn
            || after
                .redundant_ingest
                .is_some_and(|wanted| wanted != before.redundant_ingest);
        let tags = match &binding.tags {
            None => None,
            Some(declared) => match live.tags.get(&config.arn) {
                Some(have) => Some(TagChange {
                    before: own_tags(have),
                    after: declared.clone(),
                }),
                None => {
                    problems.push(Problem::at(
                        &binding.location,
                        ProblemKind::TagsNotRead {
                            arn: config.arn.clone(),
                        },
                    ));
                    continue;
                }
            },
        };
        let tags_drifted = tags.as_ref().is_some_and(TagChange::drifted);
        // Tags are written by their own API, which an ACTIVE config does not refuse: a change
        // of tags alone is an update whatever the state.
        let action = match (drifted, before.state.is_updatable(), tags_drifted) {
            (false, _, false) => Action::NoOp,
            (false, _, true) | (true, true, _) => Action::Update,
            (true, false, _) => Action::Skip,
        };
        changes.push(Change {
            arn: config.arn.clone(),
            name: config.name.clone(),
            region: region.to_owned(),
            action,
            before_stage_name: index.stage_name(&before.stage_arn),
            before,
            after,
            after_stage_name,
            declared: Declared {
                config: binding.config.clone(),
                stage: binding.stage.clone(),
            },
            tags,
            location: binding.location.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    changes.sort_by(|a, b| a.arn.cmp(&b.arn));
    let unmanaged: BTreeSet<Unmanaged> = live
        .regions
        .iter()
        .flat_map(|(region, state)| {
            state
                .configs
                .iter()
                .filter(|config| !bound.contains_key(config.arn.as_str()))
                .map(move |config| Unmanaged {
                    arn: config.arn.clone(),
                    name: config.name.clone(),
                    region: region.clone(),
                })
        })
        .collect();
    Ok(Plan {
        changes,
        unmanaged: unmanaged.into_iter().collect(),
    })
}

/// The configs whose tags must be read for `desired`: those of the bindings that declare tags,
/// resolved against the lists already read. Unresolvable ones are left to [`plan`] to report.
pub fn tag_reads(desired: &Desired, live: &Live) -> TagReads {
    let indexes: HashMap<&str, Index> = live
        .regions
        .iter()
        .map(|(region, state)| (region.as_str(), Index::new(state)))
        .collect();
    desired
        .bindings
        .iter()
        .filter(|binding| binding.tags.is_some())
        .filter_map(|binding| {
            let region = binding.region.as_deref()?;
            let config = indexes.get(region)?.config(&binding.config, region).ok()?;
            Some((region.to_owned(), config.arn.clone()))
        })
        .collect()
}

/// Checks that the credentials reach the account each binding belongs to: the file's
/// `account:`, and the account of every ARN it binds. The account reached is read from the ARNs
/// the region's list returned, so it costs no call; a region with no configs cannot tell, and
/// its bindings then fail to resolve instead. Every mismatch names both accounts, where a lookup
/// would only have said "not found".
pub fn check_accounts(desired: &Desired, live: &Live) -> Result<(), Problems> {
    let reached: HashMap<&str, &str> = live
        .regions
        .iter()
        .filter_map(|(region, state)| {
            let account = state.configs.iter().find_map(|c| account_of(&c.arn))?;
            Some((region.as_str(), account))
        })
        .collect();
    let mut problems = Vec::new();
    for binding in &desired.bindings {
        let Some(region) = binding.region.as_deref() else {
            continue;
        };
        let Some(&account) = reached.get(region) else {
            continue;
        };
        let mut wanted = Vec::new();
        if let Some(file_account) = &binding.account {
            wanted.push((file_account.as_str(), AccountOf::File, &binding.location));
        }
        if let Ref::Arn(arn) = &binding.config {
            wanted.push((arn.account(), AccountOf::Config, &binding.location));
        }
        if let Some(Ref::Arn(arn)) = &binding.stage {
            wanted.push((arn.account(), AccountOf::Stage, &binding.stage_location));
        }
        if let Some((expected, of, location)) = wanted.into_iter().find(|(a, ..)| *a != account) {
            problems.push(Problem::at(
                location,
                ProblemKind::OtherAccount {
                    of,
                    expected: expected.to_owned(),
                    reached: account.to_owned(),
                    region: region.to_owned(),
                },
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Problems(problems))
    }
}
