//! The plan engine: a pure function from desired and live state to the action each binding needs.

use std::collections::{BTreeSet, HashMap};

use crate::arn::{Kind, Ref, account_of};
use crate::desired::{Binding, Desired, bound_twice};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::live::{Live, LiveConfig, LiveStage, RegionState, State};

/// What to do about one binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Drifted and INACTIVE: `UpdateIngestConfiguration` will fix it.
    Update,
    /// Drifted, but a publisher is live: the service refuses updates, so it is left alone.
    Skip,
    /// Already as declared.
    NoOp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Update => "update",
            Action::Skip => "skip",
            Action::NoOp => "no-op",
        }
    }
}

/// The live values a change was planned against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Before {
    /// `""` when attached to no stage.
    pub stage_arn: String,
    pub state: State,
    pub redundant_ingest: bool,
}

/// The values the binding declares.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct After {
    /// `""` for `stage: null`.
    pub stage_arn: String,
    /// `None` when the binding leaves it alone.
    pub redundant_ingest: Option<bool>,
}

impl After {
    /// The value redundant ingest will have once applied.
    pub fn redundant_ingest_or(&self, before: &Before) -> bool {
        self.redundant_ingest.unwrap_or(before.redundant_ingest)
    }
}

/// A binding as its file wrote it: names stay names, so a saved plan can be checked against the
/// files it came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Declared {
    pub config: Ref,
    /// `None` for `stage: null`.
    pub stage: Option<Ref>,
}

impl Declared {
    /// A binding by ARN to the stage ARN `stage` (`""`: to none).
    pub fn by_arn(config: &str, stage: &str) -> Result<Declared, String> {
        Ok(Declared {
            config: Ref::parse(config, Kind::IngestConfiguration)?,
            stage: match stage {
                "" => None,
                stage => Some(Ref::parse(stage, Kind::Stage)?),
            },
        })
    }
}

/// One binding's planned action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Change {
    pub arn: String,
    pub name: Option<String>,
    pub region: String,
    pub action: Action,
    pub before: Before,
    pub after: After,
    /// Stage names for display, where the stages were listed.
    pub before_stage_name: Option<String>,
    pub after_stage_name: Option<String>,
    /// The binding as written.
    pub declared: Declared,
    /// Where the binding was declared.
    pub location: Location,
}

/// A live config that no file declares: reported, never changed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unmanaged {
    pub arn: String,
    pub name: Option<String>,
    pub region: String,
}

/// Counts of each action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub update: usize,
    pub skip: usize,
    pub no_op: usize,
}

/// Every binding's action, sorted by ARN, and the unmanaged configs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub unmanaged: Vec<Unmanaged>,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Update => summary.update += 1,
                Action::Skip => summary.skip += 1,
                Action::NoOp => summary.no_op += 1,
            }
        }
        summary
    }

    /// Whether anything differs from the declaration, updatable or not.
    pub fn has_drift(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }
}

/// Decides each binding's action. Every binding must have a region (see
/// [`Desired::with_default_region`]) and `live` must hold every region the bindings name, with
/// stages wherever a stage is named by name. Reports every unresolvable binding at once.
pub fn plan(desired: &Desired, live: &Live) -> Result<Plan, Diagnostics> {
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
            problems.push(Diagnostic::at(
                &binding.location,
                format!("`{}` has no region to be looked up in", binding.config),
            ));
            continue;
        };
        let Some(index) = indexes.get(region) else {
            problems.push(Diagnostic::at(
                &binding.location,
                format!("region {region} was not read"),
            ));
            continue;
        };
        let config = match index.config(&binding.config, region) {
            Ok(config) => config,
            Err(message) => {
                problems.push(Diagnostic::at(&binding.location, message));
                continue;
            }
        };
        if let Some(earlier) = bound.insert(&config.arn, binding) {
            let shown = match (&earlier.config, &binding.config) {
                (Ref::Name(_), _) | (_, Ref::Name(_)) => {
                    format!(
                        "{} (named {})",
                        config.arn,
                        config.name.as_deref().unwrap_or("")
                    )
                }
                _ => config.arn.clone(),
            };
            problems.push(bound_twice(&shown, earlier, binding));
            continue;
        }
        let (after_stage_arn, after_stage_name) = match &binding.stage {
            None => (String::new(), None),
            Some(Ref::Arn(arn)) => (arn.to_string(), index.stage_name(arn.as_str())),
            Some(Ref::Name(name)) => match index.stage(name, region) {
                Ok(stage) => (stage.arn.clone(), stage.name.clone()),
                Err(message) => {
                    problems.push(Diagnostic::at(&binding.stage_location, message));
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
        let action = match (drifted, before.state.is_updatable()) {
            (false, _) => Action::NoOp,
            (true, true) => Action::Update,
            (true, false) => Action::Skip,
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
            location: binding.location.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
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

/// Checks that the credentials reach the account each binding belongs to: the file's
/// `account:`, and the account of every ARN it binds. The account reached is read from the ARNs
/// the region's list returned, so it costs no call; a region with no configs cannot tell, and
/// its bindings then fail to resolve instead. Every mismatch names both accounts, where a lookup
/// would only have said "not found".
pub fn check_accounts(desired: &Desired, live: &Live) -> Result<(), Diagnostics> {
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
            wanted.push((file_account.as_str(), "this file is for", &binding.location));
        }
        if let Ref::Arn(arn) = &binding.config {
            wanted.push((
                arn.account(),
                "the ingest configuration is in",
                &binding.location,
            ));
        }
        if let Some(Ref::Arn(arn)) = &binding.stage {
            wanted.push((arn.account(), "the stage is in", &binding.stage_location));
        }
        if let Some((expected, what, location)) = wanted.into_iter().find(|(a, ..)| *a != account) {
            problems.push(Diagnostic::at(
                location,
                format!(
                    "{what} account {expected}, but the credentials reach account {account} \
                     (in {region}): check AWS_PROFILE or --profile"
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(problems))
    }
}

/// Lookups over one region's live state, built once so planning stays linear.
struct Index<'a> {
    configs_by_arn: HashMap<&'a str, &'a LiveConfig>,
    configs_by_name: HashMap<&'a str, Vec<&'a LiveConfig>>,
    all_configs: &'a [LiveConfig],
    stages: Option<&'a [LiveStage]>,
    stages_by_arn: HashMap<&'a str, &'a LiveStage>,
    stages_by_name: HashMap<&'a str, Vec<&'a LiveStage>>,
}

impl<'a> Index<'a> {
    fn new(state: &'a RegionState) -> Index<'a> {
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

    fn config(&self, reference: &Ref, region: &str) -> Result<&'a LiveConfig, String> {
        match reference {
            Ref::Arn(arn) => self.configs_by_arn.get(arn.as_str()).copied().ok_or_else(|| {
                format!("ingest configuration `{arn}` does not exist (it is not in the account's list for {region})")
            }),
            Ref::Name(name) => {
                let found = self.configs_by_name.get(name.as_str()).map_or(&[][..], Vec::as_slice);
                let names = self.all_configs.iter().filter_map(|c| c.name.as_deref());
                pick("ingest configuration", name, region, found, |c| &c.arn, names)
            }
        }
    }

    fn stage(&self, name: &str, region: &str) -> Result<&'a LiveStage, String> {
        let Some(stages) = self.stages else {
            return Err(format!("stages of {region} were not read"));
        };
        let found = self.stages_by_name.get(name).map_or(&[][..], Vec::as_slice);
        let names = stages.iter().filter_map(|s| s.name.as_deref());
        pick("stage", name, region, found, |s| &s.arn, names)
    }

    fn stage_name(&self, arn: &str) -> Option<String> {
        self.stages_by_arn.get(arn).and_then(|s| s.name.clone())
    }
}

/// Exactly one match, or an error that lists the candidates: the matching ARNs when the name is
/// ambiguous, the nearest names when nothing matches.
fn pick<'a, T>(
    kind: &str,
    name: &str,
    region: &str,
    found: &[&'a T],
    arn: impl Fn(&T) -> &String,
    all_names: impl Iterator<Item = &'a str>,
) -> Result<&'a T, String> {
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
            let hint = if near.is_empty() {
                String::new()
            } else {
                let list: Vec<String> =
                    near.iter().take(5).map(|(_, n)| format!("`{n}`")).collect();
                format!("; did you mean {}?", list.join(", "))
            };
            Err(format!("no {kind} named `{name}` in {region}{hint}"))
        }
        many => {
            let mut arns: Vec<&str> = many.iter().map(|t| arn(t).as_str()).collect();
            arns.sort_unstable();
            Err(format!(
                "{} {kind}s are named `{name}` in {region}: {}; bind by ARN instead",
                many.len(),
                arns.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arn::Kind;
    use std::sync::Arc;

    const REGION: &str = "us-east-1";

    fn config_arn(id: &str) -> String {
        format!("arn:aws:ivs:{REGION}:123456789012:ingest-configuration/{id}")
    }

    fn stage_arn(id: &str) -> String {
        format!("arn:aws:ivs:{REGION}:123456789012:stage/{id}")
    }

    fn live_config(id: &str, name: &str, stage: &str, state: State) -> LiveConfig {
        LiveConfig {
            arn: config_arn(id),
            name: Some(name.to_owned()),
            stage_arn: stage.to_owned(),
            state,
            redundant_ingest: false,
        }
    }

    fn binding(config: &str, stage: Option<&str>) -> Binding {
        let path: Arc<str> = Arc::from("test.yaml");
        Binding {
            config: Ref::parse(config, Kind::IngestConfiguration).unwrap(),
            stage: stage.map(|s| Ref::parse(s, Kind::Stage).unwrap()),
            redundant_ingest: None,
            region: Some(REGION.to_owned()),
            account: None,
            location: Location::at(&path, 3, 5),
            stage_location: Location::at(&path, 4, 12),
        }
    }

    fn desired(bindings: Vec<Binding>) -> Desired {
        Desired {
            sources: vec![],
            bindings,
        }
    }

    fn live(configs: Vec<LiveConfig>, stages: Option<Vec<LiveStage>>) -> Live {
        Live {
            regions: [(REGION.to_owned(), RegionState { configs, stages })].into(),
        }
    }

    fn stage(id: &str, name: &str) -> LiveStage {
        LiveStage {
            arn: stage_arn(id),
            name: Some(name.to_owned()),
        }
    }

    #[test]
    fn drifted_inactive_config_is_updated() {
        let live = live(vec![live_config("a", "enc", "", State::Inactive)], None);
        let plan = plan(
            &desired(vec![binding(&config_arn("a"), Some(&stage_arn("s")))]),
            &live,
        )
        .unwrap();
        assert_eq!(plan.changes[0].action, Action::Update);
        assert_eq!(plan.changes[0].before.stage_arn, "");
        assert_eq!(plan.changes[0].after.stage_arn, stage_arn("s"));
        assert_eq!(
            plan.summary(),
            Summary {
                update: 1,
                skip: 0,
                no_op: 0
            }
        );
    }

    #[test]
    fn drifted_active_config_is_skipped() {
        let live = live(vec![live_config("a", "enc", "", State::Active)], None);
        let plan = plan(
            &desired(vec![binding(&config_arn("a"), Some(&stage_arn("s")))]),
            &live,
        )
        .unwrap();
        assert_eq!(plan.changes[0].action, Action::Skip);
        assert!(plan.has_drift());
    }

    #[test]
    fn unknown_state_is_never_updated() {
        let live = live(
            vec![live_config("a", "enc", "", State::Other("NEW".into()))],
            None,
        );
        let plan = plan(
            &desired(vec![binding(&config_arn("a"), Some(&stage_arn("s")))]),
            &live,
        )
        .unwrap();
        assert_eq!(plan.changes[0].action, Action::Skip);
    }

    #[test]
    fn in_sync_config_is_a_no_op_even_when_active() {
        let live = live(
            vec![live_config("a", "enc", &stage_arn("s"), State::Active)],
            None,
        );
        let plan = plan(
            &desired(vec![binding(&config_arn("a"), Some(&stage_arn("s")))]),
            &live,
        )
        .unwrap();
        assert_eq!(plan.changes[0].action, Action::NoOp);
        assert!(!plan.has_drift());
    }

    #[test]
    fn null_stage_detaches() {
        let live = live(
            vec![live_config("a", "enc", &stage_arn("s"), State::Inactive)],
            None,
        );
        let plan = plan(&desired(vec![binding(&config_arn("a"), None)]), &live).unwrap();
        assert_eq!(plan.changes[0].action, Action::Update);
        assert_eq!(plan.changes[0].after.stage_arn, "");
    }

    #[test]
    fn redundant_ingest_drifts_only_when_declared() {
        let live = live(vec![live_config("a", "enc", "", State::Inactive)], None);
        let mut declared = binding(&config_arn("a"), None);
        assert_eq!(
            plan(&desired(vec![declared.clone()]), &live)
                .unwrap()
                .changes[0]
                .action,
            Action::NoOp
        );
        declared.redundant_ingest = Some(true);
        let planned = plan(&desired(vec![declared]), &live).unwrap();
        assert_eq!(planned.changes[0].action, Action::Update);
        assert_eq!(planned.changes[0].after.redundant_ingest, Some(true));
    }

    #[test]
    fn names_resolve_to_exactly_one_resource() {
        let live = live(
            vec![live_config("a", "studio-b", "", State::Inactive)],
            Some(vec![stage("s", "main-stage")]),
        );
        let plan = plan(
            &desired(vec![binding("studio-b", Some("main-stage"))]),
            &live,
        )
        .unwrap();
        assert_eq!(plan.changes[0].arn, config_arn("a"));
        assert_eq!(plan.changes[0].after.stage_arn, stage_arn("s"));
        assert_eq!(
            plan.changes[0].after_stage_name.as_deref(),
            Some("main-stage")
        );
    }

    #[test]
    fn unknown_name_suggests_near_ones() {
        let live = live(
            vec![live_config("a", "studio-b", "", State::Inactive)],
            Some(vec![]),
        );
        let err = plan(&desired(vec![binding("studio-c", None)]), &live)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "test.yaml:3:5: no ingest configuration named `studio-c` in us-east-1; did you mean `studio-b`?"
        );
    }

    #[test]
    fn ambiguous_name_lists_every_match() {
        let live = live(
            vec![live_config("a", "enc", "", State::Inactive)],
            Some(vec![stage("s1", "main"), stage("s2", "main")]),
        );
        let err = plan(&desired(vec![binding("enc", Some("main"))]), &live)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("test.yaml:4:12: 2 stages are named `main` in us-east-1:"),
            "{err}"
        );
        assert!(
            err.contains(&stage_arn("s1")) && err.contains(&stage_arn("s2")),
            "{err}"
        );
    }

    #[test]
    fn arn_missing_from_the_account_is_an_error() {
        let live = live(vec![], None);
        let err = plan(&desired(vec![binding(&config_arn("zz"), None)]), &live)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn same_config_by_name_and_arn_is_bound_twice() {
        let live = live(vec![live_config("a", "enc", "", State::Inactive)], None);
        let mut second = binding(&config_arn("a"), None);
        second.location.position = Some(crate::diagnostic::Position { line: 9, column: 5 });
        let err = plan(&desired(vec![binding("enc", None), second]), &live)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("test.yaml:9:5:"), "{err}");
        assert!(
            err.contains("bound twice: here and at test.yaml:3:5"),
            "{err}"
        );
    }

    #[test]
    fn undeclared_configs_are_unmanaged() {
        let live = live(
            vec![
                live_config("a", "enc", "", State::Inactive),
                live_config("b", "other", "", State::Inactive),
            ],
            None,
        );
        let plan = plan(&desired(vec![binding(&config_arn("a"), None)]), &live).unwrap();
        assert_eq!(plan.unmanaged.len(), 1);
        assert_eq!(plan.unmanaged[0].arn, config_arn("b"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn scenario() -> impl Strategy<Value = (Vec<LiveConfig>, Vec<Binding>)> {
            let config = (0..3usize, any::<bool>(), any::<bool>());
            prop::collection::vec(
                (
                    config,
                    0..4usize,
                    prop::option::of(any::<bool>()),
                    any::<bool>(),
                ),
                0..20,
            )
            .prop_map(|rows| {
                let mut configs = Vec::new();
                let mut bindings = Vec::new();
                for (i, ((stage, active, redundant), wanted, wanted_redundant, declared)) in
                    rows.into_iter().enumerate()
                {
                    let id = format!("cfg{i:03}");
                    let stage_of = |n: usize| {
                        if n == 0 {
                            String::new()
                        } else {
                            stage_arn(&format!("s{n}"))
                        }
                    };
                    configs.push(LiveConfig {
                        arn: config_arn(&id),
                        name: Some(format!("name{i}")),
                        stage_arn: stage_of(stage),
                        state: if active {
                            State::Active
                        } else {
                            State::Inactive
                        },
                        redundant_ingest: redundant,
                    });
                    if declared {
                        let target = stage_of(wanted);
                        let mut b = binding(
                            &config_arn(&id),
                            (!target.is_empty()).then_some(target.as_str()),
                        );
                        b.redundant_ingest = wanted_redundant;
                        bindings.push(b);
                    }
                }
                (configs, bindings)
            })
        }

        /// What the service does for each update, so a plan can be "applied" in memory.
        fn apply(plan: &Plan, live: &mut Live) {
            for change in plan.changes.iter().filter(|c| c.action == Action::Update) {
                let state = live.regions.get_mut(&change.region).unwrap();
                let config = state
                    .configs
                    .iter_mut()
                    .find(|c| c.arn == change.arn)
                    .unwrap();
                config.stage_arn = change.after.stage_arn.clone();
                if let Some(r) = change.after.redundant_ingest {
                    config.redundant_ingest = r;
                }
            }
        }

        proptest! {
            #[test]
            fn applying_a_plan_then_planning_again_leaves_only_skips((configs, bindings) in scenario()) {
                let mut live = live(configs, None);
                let desired = desired(bindings);
                let first = plan(&desired, &live).unwrap();
                apply(&first, &mut live);
                let second = plan(&desired, &live).unwrap();
                prop_assert_eq!(second.summary().update, 0);
                prop_assert_eq!(second.summary().skip, first.summary().skip);
                prop_assert_eq!(&second.unmanaged, &first.unmanaged);
            }

            #[test]
            fn input_order_never_changes_the_plan((configs, bindings) in scenario(), seed in any::<u64>()) {
                let forward = plan(&desired(bindings.clone()), &live(configs.clone(), None)).unwrap();
                let mut shuffled_bindings = bindings;
                let mut shuffled_configs = configs;
                let len_b = shuffled_bindings.len();
                let len_c = shuffled_configs.len();
                let mut state = seed;
                let mut next = || { state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (state >> 33) as usize };
                for i in (1..len_b).rev() { let j = next() % (i + 1); shuffled_bindings.swap(i, j); }
                for i in (1..len_c).rev() { let j = next() % (i + 1); shuffled_configs.swap(i, j); }
                let shuffled = plan(&desired(shuffled_bindings), &live(shuffled_configs, None)).unwrap();
                prop_assert_eq!(forward, shuffled);
            }
        }
    }
}
