//! Everything ingestctl shows a person or a program: plans, apply reports, warnings and errors,
//! as text, JSON or markdown. The only module that decides what output looks like.

mod json;
mod markdown;
mod text;

pub use json::{plan_json, report_json};
pub use markdown::{MARKDOWN_LIMIT, plan_markdown, report_markdown};
pub use text::{plan_text, report_text};

use crate::apply::{ItemResult, Outcome};
use crate::plan::Change;

/// How the product on stdout is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// Whether to colour output: ANSI styles, or none at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Painter {
    pub enabled: bool,
}

impl Painter {
    pub const PLAIN: Painter = Painter { enabled: false };

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// `name (arn)`, or the ARN alone for a config without a name.
pub fn config_label(arn: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} ({arn})"),
        None => arn.to_owned(),
    }
}

/// A stage as a person reads it: `(none)` for no stage, the name first where known.
pub fn stage_label(arn: &str, name: Option<&str>) -> String {
    match (arn, name) {
        ("", _) => "(none)".to_owned(),
        (arn, Some(name)) => format!("{name} ({arn})"),
        (arn, None) => arn.to_owned(),
    }
}

/// The warning printed on stderr for each config left alone because it is live.
pub fn skip_warning(change: &Change) -> String {
    format!(
        "skipping {}: {}",
        config_label(&change.arn, change.name.as_deref()),
        crate::apply::skip_reason(change)
    )
}

/// The warning printed on stderr for an item that apply skipped or found stale.
pub fn result_warning(result: &ItemResult) -> Option<String> {
    let verb = match result.outcome {
        Outcome::Skipped => "skipped",
        Outcome::Stale => "refused as stale",
        Outcome::Failed => "failed",
        Outcome::Updated | Outcome::Unchanged => return None,
    };
    Some(format!(
        "{} {verb}: {}",
        config_label(&result.arn, result.name.as_deref()),
        result.detail.as_deref().unwrap_or("")
    ))
}

/// Counts as words: `1 ingest configuration`, `2 ingest configurations`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests;
