//! The planner's unit and property tests.

use std::sync::Arc;

use super::*;
use crate::api::ApiError;
use crate::desired::{Binding, Desired};
use crate::live::{Live, LiveConfig, LiveStage, RegionState};

const REGION: &str = "us-east-1";

/// The problems as ingestctl words them.
fn words(problems: &Problems) -> String {
    problems
        .0
        .iter()
        .map(|p| match &p.location {
            Some(location) => format!("{location}: {}", crate::render::problem_text(&p.kind)),
            None => crate::render::problem_text(&p.kind),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

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
        tags: None,
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
        tags: Default::default(),
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
        .map(|_| ())
        .map_err(|p| words(&p))
        .unwrap_err();
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
        .map(|_| ())
        .map_err(|p| words(&p))
        .unwrap_err();
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
        .map(|_| ())
        .map_err(|p| words(&p))
        .unwrap_err();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn same_config_by_name_and_arn_is_bound_twice() {
    let live = live(vec![live_config("a", "enc", "", State::Inactive)], None);
    let mut second = binding(&config_arn("a"), None);
    second.location.position = Some(crate::diagnostic::Position { line: 9, column: 5 });
    let err = plan(&desired(vec![binding("enc", None), second]), &live)
        .map(|_| ())
        .map_err(|p| words(&p))
        .unwrap_err();
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

mod waiting {
    use std::time::Duration;

    use super::*;

    fn waiting_change() -> Change {
        let live = live(
            vec![live_config("a", "enc", "", State::Active)],
            Some(vec![stage("s1", "main")]),
        );
        let plan = plan(&desired(vec![binding("enc", Some("main"))]), &live).unwrap();
        plan.changes.into_iter().next().unwrap()
    }

    fn seen(stage: &str) -> LiveConfig {
        live_config("a", "enc", stage, State::Active)
    }

    #[test]
    fn an_active_config_waits_only_when_asked() {
        let change = waiting_change();
        assert!(matches!(task(change.clone()), Task::Done(_)));
        assert!(matches!(task_with(change, WhenActive::Wait), Task::Wait(_)));
    }

    #[test]
    fn a_sighting_tells_left_still_active_and_rebound_apart() {
        let change = waiting_change();
        let second = Duration::from_secs(1);
        assert_eq!(watched(&change, None, second), Watched::Left);
        assert_eq!(
            watched(&change, Some(&seen("")), second),
            Watched::StillActive
        );
        let Watched::Done(moved) = watched(&change, Some(&seen(&stage_arn("s9"))), second) else {
            panic!("a rebound config is decided");
        };
        assert_eq!(moved.outcome, Outcome::Stale);
        assert_eq!(moved.waited, Some(second));
        let Watched::Done(done) = watched(&change, Some(&seen(&stage_arn("s1"))), second) else {
            panic!("an applied config is decided");
        };
        assert_eq!(done.reason, Some(Reason::AlreadyApplied));
    }

    #[test]
    fn a_refusal_because_the_publisher_reconnected_waits_again() {
        let change = waiting_change();
        let refusal = ApiError {
            operation: crate::api::Operation::UpdateIngestConfiguration,
            region: REGION.to_owned(),
            arn: Some(change.arn.clone()),
            kind: crate::api::ErrorKind::Conflict,
            code: Some("ConflictException".to_owned()),
            message: "ACTIVE".to_owned(),
            credentials: None,
        };
        let second = Duration::from_secs(1);
        assert_eq!(
            after_wait(checked(&change, refusal.clone(), Some(true)), second),
            None
        );
        let failed = after_wait(checked(&change, refusal, Some(false)), second).unwrap();
        assert_eq!(failed.outcome, Outcome::Failed);
        let updated = after_wait(updated(&change), second).unwrap();
        assert_eq!(updated.waited, Some(second));
        let given_up = gave_up(&change, second, false);
        assert_eq!(
            given_up.reason,
            Some(Reason::StillActive { waited: second })
        );
    }
}
