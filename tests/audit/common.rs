//! Helpers shared by the audit tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use custodian::audit::{CheckpointSigner, LogError, LogOptions};
use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};

/// The test-vector directory: the crate's own copy, or the shared one if
/// the copy is missing.
pub(crate) fn vectors_dir(sub: &str) -> PathBuf {
    let own = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors")).join(sub);
    if own.exists() {
        return own;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors")).join(sub)
}

pub(crate) fn signer() -> CheckpointSigner {
    CheckpointSigner::from_secret_bytes("test.example/audit", [0x5a; 32]).unwrap()
}

/// Opening the log in `dir` fails: `file` is corrupt at record `index`.
pub(crate) fn open_fails_at(dir: &Path, file: &str, index: u64) {
    match LogOptions::new().open(dir, signer()) {
        Err(LogError::Corrupt { file: f, index: i }) => assert_eq!((f, i), (file, index)),
        other => panic!(
            "expected a corrupt log, got {:?}",
            other.map(|(l, r)| (l.size(), r))
        ),
    }
}

/// A vault with an in-memory key store and a fresh root key.
pub(crate) fn vault() -> Vault {
    Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().unwrap())),
            Arc::new(MemoryKeyStore::new()),
        )
        .unwrap()
}
