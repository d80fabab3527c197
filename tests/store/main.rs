//! Durable stores through the public API: one conformance suite run against
//! the memory stores, SQLite and a PostgreSQL server the tests start
//! themselves; cross-process concurrency and crash safety with real OS
//! processes (this test binary re-executing itself as a worker).

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns fail the test loudly too"
)]

mod contract;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod durable;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod workers;

use std::sync::Arc;

use custodian::SubjectId;
use custodian::audit::CheckpointSigner;
use custodian::consent::{Collection, CollectionMethod, ConsentEvent, ConsentStatus};
use custodian::ids::{ConsentEventId, Jurisdiction, PolicyVersion, RecipientId, Reference};
use custodian::purpose::Purpose;
use custodian::time::Timestamp;
use custodian::vault::{RootKey, RootKeyRing};

/// The root key every process of a test shares (a KMS in production).
pub(crate) fn root() -> Arc<RootKeyRing> {
    Arc::new(RootKeyRing::new(
        1,
        RootKey::from_bytes(&[9; 32]).expect("32 bytes"),
    ))
}

pub(crate) fn signer() -> CheckpointSigner {
    CheckpointSigner::from_secret_bytes("test.example/store", [5; 32]).expect("valid name")
}

pub(crate) fn subject(id: &str) -> SubjectId {
    SubjectId::try_new(id).expect("valid subject id")
}

pub(crate) fn millis(ms: u64) -> Timestamp {
    Timestamp::from_unix_millis(ms).expect("in range")
}

/// A consent event with every optional field set or not, by `full`.
pub(crate) fn event(
    who: &SubjectId,
    purpose: Purpose,
    recipient: Option<&str>,
    status: ConsentStatus,
    ms: u64,
    full: bool,
) -> ConsentEvent {
    let mut how = Collection::new(
        PolicyVersion::new("2025-06"),
        millis(ms),
        CollectionMethod::WebForm,
        Jurisdiction::new("DE"),
    );
    if full {
        how = how
            .proof(Reference::new("form:consent/v3#1"))
            .expires(millis(ms + 86_400_000));
    }
    let event = ConsentEvent::new(
        ConsentEventId::random().expect("rng"),
        who.clone(),
        purpose,
        recipient.map(|r| RecipientId::parse(r).expect("valid recipient")),
        status,
        &how,
    );
    if full {
        event.with_gpc_conflict()
    } else {
        event
    }
}
