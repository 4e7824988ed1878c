//! Progress of a long apply on stderr: a line redrawn in place on a terminal, a line every few
//! seconds in a log, nothing for a short apply.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::apply::Progress;
use crate::console::Stderr;
use crate::plan::ItemResult;
use crate::render::{progress_bar, progress_line};

/// Progress for long applies: a line redrawn in place on a terminal, a line every few seconds in
/// a log. Short applies print nothing.
pub(crate) struct StderrProgress<'a> {
    stderr: &'a Stderr,
    updates: usize,
    started: Instant,
    last: Mutex<(Instant, usize)>,
}

impl<'a> StderrProgress<'a> {
    const QUIET_FOR: Duration = Duration::from_secs(2);
    const LOG_EVERY: Duration = Duration::from_secs(5);

    pub(crate) fn new(stderr: &'a Stderr, updates: usize) -> StderrProgress<'a> {
        let now = Instant::now();
        StderrProgress {
            stderr,
            updates,
            started: now,
            last: Mutex::new((now, 0)),
        }
    }

    pub(crate) fn done(&self) {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if self.stderr.terminal && last.1 > 0 {
            self.stderr.raw("\r\x1b[2K");
        }
    }
}

impl Progress for StderrProgress<'_> {
    fn finished(&self, done: usize, total: usize, _: &ItemResult) {
        if self.updates == 0 {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.1 = done;
        let now = Instant::now();
        let elapsed = now.duration_since(self.started);
        let every = if self.stderr.terminal {
            Duration::from_millis(100)
        } else {
            Self::LOG_EVERY
        };
        if elapsed < Self::QUIET_FOR || now.duration_since(last.0) < every {
            return;
        }
        last.0 = now;
        if self.stderr.terminal {
            self.stderr
                .raw(&format!("\r\x1b[2K{}", progress_bar(done, total, elapsed)));
        } else {
            self.stderr
                .raw(&format!("{}\n", progress_line(done, total, elapsed)));
        }
    }
}
