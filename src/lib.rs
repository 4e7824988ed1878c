//! ingestctl: declare IVS Real-Time ingest-configuration to stage bindings in YAML, plan them
//! against the live account, and apply them at the API's pace without ever printing a secret.
//!
//! The library's use case is [`reconcile`]: plan desired files against the live account, read a
//! saved plan back, execute. [`run`] is the binary's dispatcher; everything else is the types
//! those speak and the seams (`api`, `ivs`) they speak through.

#![warn(unreachable_pub)]

pub mod api;
pub mod apply;
pub mod arn;
mod atomic_write;
pub mod cli;
mod console;
pub mod desired;
pub mod diagnostic;
pub mod ivs;
pub mod live;
mod logging;
pub mod pacing;
pub mod plan;
mod progress;
pub mod reconcile;
pub mod render;
pub mod run;
pub mod saved_plan;
mod send;
mod signal;
mod token_bucket;
pub mod wait;
mod wait_progress;

pub use signal::Signal;
