//! Integration tests of the audit subsystem, through the public API only.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns fail the test loudly too"
)]

mod common;
mod concurrency;
mod crash;
mod differential;
mod equivocation;
mod formats;
mod fuzz;
mod history;
mod merkle_props;
mod no_pii;
mod rfc6962;
mod tamper;
mod tamper_props;
mod vault_wiring;
mod verifier_keys;
