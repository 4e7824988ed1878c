//! The two output streams: the product on stdout, and diagnostics, prompts, progress and CI
//! annotations on stderr, each coloured only where that stream is a terminal.

use std::io::{self, IsTerminal, Write};

use crate::cli::ColorChoice;
use crate::diagnostic::Location;
use crate::render::{self, Level, Painter};

/// Diagnostics on stderr, coloured only when stderr is a terminal and colour is allowed, and
/// repeated as workflow commands when running in GitHub Actions.
pub(crate) struct Stderr {
    pub(crate) terminal: bool,
    pub(crate) painter: Painter,
    github_actions: bool,
}

impl Stderr {
    pub(crate) fn new() -> Stderr {
        let terminal = io::stderr().is_terminal();
        Stderr {
            terminal,
            painter: painter(ColorChoice::Auto, terminal),
            github_actions: std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
        }
    }

    /// A `::warning`/`::error` line that GitHub shows on the YAML line that caused it. The
    /// runner reads workflow commands from stderr as well as stdout, and stdout is the product.
    pub(crate) fn annotate(&self, level: Level, location: Option<&Location>, message: &str) {
        if self.github_actions {
            self.raw(&render::annotation(level, location, message));
        }
    }

    pub(crate) fn raw(&self, text: &str) {
        let mut err = io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    pub(crate) fn error(&self, message: &str) {
        self.raw(&format!(
            "{} {message}\n",
            self.painter.red(&self.painter.bold("error:"))
        ));
    }

    pub(crate) fn warning(&self, message: &str) {
        self.raw(&format!(
            "{} {message}\n",
            self.painter.yellow(&self.painter.bold("warning:"))
        ));
    }

    pub(crate) fn note(&self, message: &str) {
        self.raw(&format!("{message}\n"));
    }

    pub(crate) fn prompt(&self, message: &str) {
        self.raw(&self.painter.bold(message));
    }
}

/// Colour only on a terminal, never with `NO_COLOR` or `TERM=dumb`, unless forced by the flag.
pub(crate) fn painter(choice: ColorChoice, terminal: bool) -> Painter {
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    };
    Painter { enabled }
}

/// The product on stdout. The caller decides what a closed pipe (`| head`) means: never an
/// exit from here, so apply's exit code always reflects its items.
pub(crate) fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}
