//! The memory stores against the same contracts as the durable ones.

use std::sync::Arc;

use custodian::audit::{MemoryEvidence, MemorySink};
use custodian::consent::MemoryStore;
use custodian::vault::MemoryKeyStore;

use crate::contract::Stores;

fn open() -> Option<Stores> {
    let sink = Arc::new(MemorySink::new());
    let read = Arc::clone(&sink);
    Some(Stores {
        keys: Box::new(MemoryKeyStore::new()),
        consent: Box::new(MemoryStore::new()),
        evidence: Box::new(MemoryEvidence::new()),
        audit: Box::new(sink),
        requests: Arc::new(custodian::rights::MemoryRequests::new()),
        holds: Box::new(custodian::retention::MemoryHolds::new()),
        disclosures: Box::new(custodian::disclosure::MemoryDisclosures::new()),
        read_back: Box::new(move || read.events()),
        _guard: None,
    })
}

crate::conformance!(open);
