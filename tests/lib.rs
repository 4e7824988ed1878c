//! End-to-end tests: the real `ingestctl` binary against the in-process IVS Real-Time emulator.

mod support;

mod account;
mod apply;
mod bad_input;
mod examples;
mod exit_codes;
mod faults;
mod gitops;
mod interrupt;
mod pacing;
mod plan;
mod saved_plan;
mod schema;
mod secret;
mod tags;
mod wait;
