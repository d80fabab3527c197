//! Helpers shared by the audit tests.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce};
use custodian::audit::{CheckpointSigner, EvidenceError, EvidenceSealer};
use zeroize::Zeroizing;

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

/// A real AES-256-GCM sealer with one random key per subject, standing in
/// for the vault: forgetting a subject's key shreds their evidence.
#[derive(Debug, Default)]
pub(crate) struct TestSealer {
    keys: Mutex<HashMap<String, Zeroizing<[u8; 32]>>>,
}

impl TestSealer {
    pub(crate) fn forget(&self, subject: &str) {
        self.keys.lock().unwrap().remove(subject);
    }

    fn key(&self, subject: &str, create: bool) -> Option<Zeroizing<[u8; 32]>> {
        let mut keys = self.keys.lock().unwrap();
        if create && !keys.contains_key(subject) {
            let mut k = Zeroizing::new([0u8; 32]);
            getrandom::fill(k.as_mut_slice()).unwrap();
            keys.insert(subject.to_owned(), k);
        }
        keys.get(subject).cloned()
    }
}

impl EvidenceSealer for TestSealer {
    type Subject = str;

    fn seal(&self, subject: &str, plaintext: &[u8]) -> Result<Vec<u8>, EvidenceError> {
        let key = self.key(subject, true).ok_or(EvidenceError::Seal)?;
        let cipher = Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| EvidenceError::Seal)?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| EvidenceError::Seal)?;
        let sealed = cipher
            .encrypt(&Nonce::<Aes256Gcm>::from(nonce), plaintext)
            .map_err(|_| EvidenceError::Seal)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    fn open(&self, subject: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, EvidenceError> {
        let key = self.key(subject, false).ok_or(EvidenceError::Seal)?;
        let cipher = Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| EvidenceError::Seal)?;
        let (nonce, ct) = sealed.split_at_checked(12).ok_or(EvidenceError::Seal)?;
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| EvidenceError::Seal)?;
        cipher
            .decrypt(&nonce, ct)
            .map(Zeroizing::new)
            .map_err(|_| EvidenceError::Seal)
    }
}
