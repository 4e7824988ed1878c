//! ingestctl: declare IVS Real-Time ingest-configuration to stage bindings in YAML, plan them
//! against the live account, and apply them at the API's pace without ever printing a secret.

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
pub mod logging;
pub mod plan;
mod progress;
pub mod render;
pub mod run;
pub mod saved_plan;
pub mod signal;
mod token_bucket;
