//! Everything ingestctl shows a person or a program: plans, apply reports, warnings and errors,
//! as text, JSON or markdown. The only module that decides what output looks like.

mod errors;
mod export;
mod json;
mod markdown;
mod notes;
mod reasons;
mod text;

pub use errors::{error_lines, plan_file_error, problem_text};
pub use export::export_yaml;
pub use json::{plan_json, report_json};
pub use markdown::{MARKDOWN_LIMIT, plan_markdown, report_markdown};
pub use notes::{Note, progress_bar, progress_line};
pub use reasons::{api_error, duration, reason_text, result_warning, skip_warning};
pub use text::{plan_text, plan_text_waiting, report_text};

use crate::apply::Report;
use crate::diagnostic::Location;
use crate::plan::TagEdit;

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

/// How serious an annotation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Warning,
    Error,
}

/// A GitHub Actions workflow command that annotates the YAML line a message is about.
pub fn annotation(level: Level, location: Option<&Location>, message: &str) -> String {
    let command = match level {
        Level::Warning => "warning",
        Level::Error => "error",
    };
    let mut properties = Vec::new();
    if let Some(location) = location {
        properties.push(format!("file={}", escape_property(&location.path)));
        if let Some(position) = location.position {
            properties.push(format!("line={}", position.line));
            properties.push(format!("col={}", position.column));
        }
    }
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!(" {}", properties.join(","))
    };
    format!("::{command}{properties}::{}\n", escape_data(message))
}

/// Workflow-command data escapes, so a message can never end the command or start another.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
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

/// How the report's last line starts: a stop request cut the run short, or it ran to the end.
fn ending(report: &Report) -> &'static str {
    if report.interrupted {
        "Apply interrupted:"
    } else {
        "Apply complete:"
    }
}

/// One tag's change in words: `tag "team" = "video"`, `tag "venue": "a" -> "b"`.
fn tag_edit_text(edit: &TagEdit<'_>) -> String {
    match edit {
        TagEdit::Add { key, value } | TagEdit::Remove { key, value } => {
            format!("tag {key:?} = {value:?}")
        }
        TagEdit::Change { key, before, after } => format!("tag {key:?}: {before:?} -> {after:?}"),
    }
}

/// Counts as words: `1 ingest configuration`, `2 ingest configurations`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests;
