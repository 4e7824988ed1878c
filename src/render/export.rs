//! The live bindings as a desired-state file, for adopting an existing account in one command.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use crate::arn::account_of;
use crate::live::Live;
use crate::plan::own_tags;

/// Every config of every region read, bound by ARN to its live stage, with names as comments.
/// Sorted by region and ARN, so exporting twice gives the same file. With `with_tags`, each
/// binding manages its tags (`live.tags` must hold every config's): tags every config shares
/// go in `defaultTags:`, the rest in each binding's `tags:`; AWS's own `aws:` keys never.
pub fn export_yaml(live: &Live, with_tags: bool) -> String {
    let mut out = String::new();
    let regions: Vec<&str> = live.regions.keys().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "# Exported by ingestctl {} from {}: the live binding of every ingest configuration.\n\
         # Review it, commit it, and `ingestctl plan` reports no changes. Editors validate it with a\n\
         # `# yaml-language-server: $schema=<path to schema/ingestctl.schema.json>` line.",
        env!("CARGO_PKG_VERSION"),
        regions.join(", ")
    );
    let _ = writeln!(out, "version: 1");
    if regions.len() == 1 {
        let _ = writeln!(out, "region: {}", regions[0]);
    }
    let account = live
        .regions
        .values()
        .flat_map(|r| &r.configs)
        .find_map(|c| account_of(&c.arn));
    if let Some(account) = account {
        let _ = writeln!(out, "account: \"{account}\"");
    }
    let total: usize = live.regions.values().map(|r| r.configs.len()).sum();
    let own: HashMap<&str, BTreeMap<String, String>> = live
        .regions
        .values()
        .flat_map(|r| &r.configs)
        .map(|c| {
            let tags = live.tags.get(&c.arn).map(own_tags).unwrap_or_default();
            (c.arn.as_str(), tags)
        })
        .collect();
    let shared: BTreeMap<String, String> = if with_tags {
        let mut all = own.values();
        let first = all.next().cloned().unwrap_or_default();
        all.fold(first, |shared, tags| {
            shared
                .into_iter()
                .filter(|(k, v)| tags.get(k) == Some(v))
                .collect()
        })
    } else {
        BTreeMap::new()
    };
    if with_tags {
        let _ = writeln!(
            out,
            "defaultTags:{}",
            if shared.is_empty() { " {}" } else { "" }
        );
        for (key, value) in &shared {
            let _ = writeln!(out, "  {}: {}", quoted(key), quoted(value));
        }
    }
    if total == 0 {
        let _ = writeln!(out, "bindings: []");
        return out;
    }
    let _ = writeln!(out, "bindings:");
    for (region, state) in &live.regions {
        let stage_names: HashMap<&str, &str> = state
            .stages
            .iter()
            .flatten()
            .filter_map(|s| Some((s.arn.as_str(), s.name.as_deref()?)))
            .collect();
        let mut configs: Vec<_> = state.configs.iter().collect();
        configs.sort_by(|a, b| a.arn.cmp(&b.arn));
        if regions.len() > 1 && !configs.is_empty() {
            let _ = writeln!(out, "  # {region}");
        }
        for config in configs {
            let stage_comment = match config.stage_arn.as_str() {
                "" => "no stage".to_owned(),
                arn => stage_names
                    .get(arn)
                    .map_or_else(|| "unnamed stage".to_owned(), |n| format!("stage {n}")),
            };
            let _ = writeln!(
                out,
                "  - ingestConfiguration: {}  # {}\n    stage: {}  # {stage_comment}\n    redundantIngest: {}",
                config.arn,
                comment(config.name.as_deref().unwrap_or("unnamed")),
                if config.stage_arn.is_empty() {
                    "null"
                } else {
                    &config.stage_arn
                },
                config.redundant_ingest
            );
            if with_tags {
                let rest: Vec<(&String, &String)> = own
                    .get(config.arn.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| !shared.contains_key(*k))
                    .collect();
                if !rest.is_empty() {
                    let _ = writeln!(out, "    tags:");
                    for (key, value) in rest {
                        let _ = writeln!(out, "      {}: {}", quoted(key), quoted(value));
                    }
                }
            }
        }
    }
    out
}

/// A double-quoted YAML scalar (JSON's string syntax is YAML's), whatever the text holds.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// Names are `[a-zA-Z0-9-_]` on the service, but a comment must never break a line regardless.
fn comment(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}
