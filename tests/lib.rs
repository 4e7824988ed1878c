//! End-to-end tests: the real `ingestctl` binary against the in-process IVS Real-Time emulator.

mod support;

mod apply;
mod bad_input;
mod examples;
mod faults;
mod gitops;
mod interrupt;
mod pacing;
mod plan;
mod saved_plan;
mod schema;
mod secret;
