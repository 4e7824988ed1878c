//! Looking bindings up in one region's live state: configs by ARN or name, stages by name, each
//! match exactly one or a problem listing the candidates.

use std::collections::HashMap;

use super::ProblemKind;
use crate::arn::{Kind, Ref};
use crate::live::{LiveConfig, LiveStage, RegionState};

/// Lookups over one region's live state, built once so planning stays linear.
pub(super) struct Index<'a> {
    configs_by_arn: HashMap<&'a str, &'a LiveConfig>,
    configs_by_name: HashMap<&'a str, Vec<&'a LiveConfig>>,
    all_configs: &'a [LiveConfig],
    stages: Option<&'a [LiveStage]>,
    stages_by_arn: HashMap<&'a str, &'a LiveStage>,
    stages_by_name: HashMap<&'a str, Vec<&'a LiveStage>>,
}

impl<'a> Index<'a> {
    pub(super) fn new(state: &'a RegionState) -> Index<'a> {
        let mut configs_by_name: HashMap<&str, Vec<&LiveConfig>> = HashMap::new();
        for config in &state.configs {
            if let Some(name) = config.name.as_deref() {
                configs_by_name.entry(name).or_default().push(config);
            }
        }
        let stages = state.stages.as_deref();
        let mut stages_by_name: HashMap<&str, Vec<&LiveStage>> = HashMap::new();
        for stage in stages.unwrap_or_default() {
            if let Some(name) = stage.name.as_deref() {
                stages_by_name.entry(name).or_default().push(stage);
            }
        }
        Index {
            configs_by_arn: state.configs.iter().map(|c| (c.arn.as_str(), c)).collect(),
            configs_by_name,
            all_configs: &state.configs,
            stages,
            stages_by_arn: stages
                .unwrap_or_default()
                .iter()
                .map(|s| (s.arn.as_str(), s))
                .collect(),
            stages_by_name,
        }
    }

    pub(super) fn config(
        &self,
        reference: &Ref,
        region: &str,
    ) -> Result<&'a LiveConfig, ProblemKind> {
        match reference {
            Ref::Arn(arn) => self
                .configs_by_arn
                .get(arn.as_str())
                .copied()
                .ok_or_else(|| ProblemKind::ConfigMissing {
                    arn: arn.to_string(),
                    region: region.to_owned(),
                }),
            Ref::Name(name) => {
                let found = self
                    .configs_by_name
                    .get(name.as_str())
                    .map_or(&[][..], Vec::as_slice);
                let names = self.all_configs.iter().filter_map(|c| c.name.as_deref());
                pick(
                    Kind::IngestConfiguration,
                    name,
                    region,
                    found,
                    |c| &c.arn,
                    names,
                )
            }
        }
    }

    pub(super) fn stage(&self, name: &str, region: &str) -> Result<&'a LiveStage, ProblemKind> {
        let Some(stages) = self.stages else {
            return Err(ProblemKind::StagesNotRead {
                region: region.to_owned(),
            });
        };
        let found = self.stages_by_name.get(name).map_or(&[][..], Vec::as_slice);
        let names = stages.iter().filter_map(|s| s.name.as_deref());
        pick(Kind::Stage, name, region, found, |s| &s.arn, names)
    }

    pub(super) fn stage_name(&self, arn: &str) -> Option<String> {
        self.stages_by_arn.get(arn).and_then(|s| s.name.clone())
    }
}

/// Exactly one match, or the candidates: the matching ARNs when the name is ambiguous, the
/// nearest names (at most five) when nothing matches.
fn pick<'a, T>(
    kind: Kind,
    name: &str,
    region: &str,
    found: &[&'a T],
    arn: impl Fn(&T) -> &String,
    all_names: impl Iterator<Item = &'a str>,
) -> Result<&'a T, ProblemKind> {
    match found {
        [one] => Ok(one),
        [] => {
            let mut near: Vec<(usize, &str)> = all_names
                .map(|candidate| (strsim::levenshtein(name, candidate), candidate))
                .filter(|(distance, candidate)| {
                    *distance <= name.len().max(candidate.len()) / 2 + 1
                })
                .collect();
            near.sort();
            near.dedup();
            Err(ProblemKind::NoSuchName {
                kind,
                name: name.to_owned(),
                region: region.to_owned(),
                near: near.iter().take(5).map(|(_, n)| (*n).to_owned()).collect(),
            })
        }
        many => {
            let mut arns: Vec<String> = many.iter().map(|t| arn(t).clone()).collect();
            arns.sort_unstable();
            Err(ProblemKind::Ambiguous {
                kind,
                name: name.to_owned(),
                region: region.to_owned(),
                arns,
            })
        }
    }
}
