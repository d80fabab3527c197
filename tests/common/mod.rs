//! Helpers shared by the record tests (`personal`, `default_vault`).

use std::sync::Arc;

use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};

/// A vault over a fresh random root key and an in-memory key store.
pub(crate) fn memory_vault() -> Vault {
    Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng"))),
            Arc::new(MemoryKeyStore::new()),
        )
        .expect("vault")
}
