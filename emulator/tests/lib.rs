//! The emulator driven over real HTTP: by `aws-sdk-ivsrealtime` for behaviour, by raw `reqwest` for the wire itself.

mod admin;
mod binary;
mod errors;
mod lifecycle;
mod operations;
mod pagination;
mod persistence;
mod regions;
mod support;
mod wire;
