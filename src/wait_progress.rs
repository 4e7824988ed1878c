//! Progress of `--wait-for-inactive` on stderr: on a terminal one live line per waiting config
//! (indicatif's `MultiProgress`); in a log, a line when a config starts waiting, when its wait
//! ends, and every 30 s while any waits.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::console::Stderr;
use crate::plan::ItemResult;
use crate::render::Note;

/// The waits' lines.
pub(crate) struct WaitProgress<'a> {
    stderr: &'a Stderr,
    /// On a terminal: the live lines, by ARN.
    live: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
    last_log: Mutex<Instant>,
}

impl<'a> WaitProgress<'a> {
    const LOG_EVERY: Duration = Duration::from_secs(30);

    pub(crate) fn new(stderr: &'a Stderr) -> WaitProgress<'a> {
        let live = stderr.terminal.then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                Mutex::new(HashMap::new()),
            )
        });
        WaitProgress {
            stderr,
            live,
            last_log: Mutex::new(Instant::now()),
        }
    }

    pub(crate) fn started(&self, arn: &str, name: Option<&str>, deadline: Duration) {
        let label = name.unwrap_or(arn).to_owned();
        match &self.live {
            Some((multi, bars)) => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(Note::WaitLine { label, deadline }.text());
                bar.enable_steady_tick(Duration::from_millis(200));
                bars.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(arn.to_owned(), bar);
            }
            None => self
                .stderr
                .note(&Note::WaitStarted { label, deadline }.text()),
        }
    }

    pub(crate) fn tick(&self, count: usize, elapsed: Duration, deadline: Duration) {
        if self.live.is_some() || count == 0 {
            return;
        }
        let mut last = self.last_log.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= Self::LOG_EVERY {
            *last = Instant::now();
            self.stderr.note(
                &Note::StillWaiting {
                    count,
                    elapsed,
                    deadline,
                }
                .text(),
            );
        }
    }

    pub(crate) fn ended(&self, arn: &str) {
        if let Some((multi, bars)) = &self.live
            && let Some(bar) = bars.lock().unwrap_or_else(|e| e.into_inner()).remove(arn)
        {
            bar.finish_and_clear();
            multi.remove(&bar);
        }
    }

    /// In a log, an item that waited says how its wait ended.
    pub(crate) fn finished(&self, result: &ItemResult) {
        if self.live.is_none()
            && let Some(waited) = result.waited
        {
            self.stderr.note(
                &Note::WaitEnded {
                    label: result.name.clone().unwrap_or_else(|| result.arn.clone()),
                    outcome: result.outcome.as_str(),
                    waited,
                }
                .text(),
            );
        }
    }
}
