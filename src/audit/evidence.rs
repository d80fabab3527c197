//! Evidence beside the log; documented on [`EvidenceRef`].

use core::fmt;
use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::EvidenceError;
use crate::SubjectId;
use crate::ids::InvalidId;
use crate::pii::Category;
use crate::vault::{FieldLabel, KeyScope, RawOpened, Vault};

const EVIDENCE_LABEL: &[u8] = b"custodian/audit/evidence/v1";

/// A hash commitment to evidence kept beside the log, sealed to the
/// subject.
///
/// Some events need more than closed fields: an auditor may have to see
/// what a rectification changed. That payload is personal data, so it never
/// enters the log. Instead:
///
/// 1. the payload is **sealed to the subject** by an [`EvidenceSealer`]
///    ([`Vault`] implements it with the subject's data key);
/// 2. the sealed bytes go to an [`EvidenceStore`] beside the log;
/// 3. the event carries an [`EvidenceRef`], a hash of the sealed bytes.
///
/// Erasing the subject forgets their data key (crypto-shredding), and the
/// store may delete the sealed bytes too. The log entry is untouched, so
/// the log still verifies; the reference reveals nothing, because it is a
/// hash of ciphertext under a key that no longer exists.
///
/// # Commitment
///
/// `EvidenceRef = SHA-256("custodian/audit/evidence/v1" || 0x00 || sealed)`,
/// printed as 64 lower-case hex digits. An auditor checks stored evidence
/// against its reference without any key, and opens it only with the
/// vault's help.
///
/// # Examples
///
/// ```
/// use custodian::audit::{EvidenceRef, EvidenceStore, MemoryEvidence};
///
/// let store = MemoryEvidence::new();
/// let sealed = b"...ciphertext from the vault...".to_vec();
/// let reference = store.put(&sealed)?;
/// assert_eq!(reference, EvidenceRef::of(&sealed));
/// assert_eq!(store.get(&reference)?, sealed);
/// store.remove(&reference)?;
/// assert!(store.get(&reference).is_err());
/// # Ok::<(), custodian::audit::EvidenceError>(())
/// ```
///
/// # Security
///
/// The sealer must be randomised (AES-GCM with a fresh nonce, as the vault
/// does): a deterministic sealer would give equal references for equal
/// payloads of one subject.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceRef([u8; 32]);

impl EvidenceRef {
    /// The reference of sealed bytes.
    pub fn of(sealed: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(EVIDENCE_LABEL);
        h.update([0x00]);
        h.update(sealed);
        Self(h.finalize().into())
    }

    /// Wraps 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses 64 lower-case hex digits.
    ///
    /// # Errors
    ///
    /// [`InvalidId`] (`evidence reference`) for anything else.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        crate::hex::decode(s.as_bytes())
            .map(Self)
            .ok_or(InvalidId::new("evidence reference"))
    }
}

impl fmt::Display for EvidenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::hex::write(f, &self.0)
    }
}

impl fmt::Debug for EvidenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EvidenceRef({self})")
    }
}

crate::string_form::string_form!(EvidenceRef, InvalidId);

/// Seals evidence to a subject, so that forgetting the subject's key
/// shreds it. [`Vault`] implements this; hosts may too.
///
/// `Subject` is whatever names a subject to the sealer (the vault's
/// subject id).
pub trait EvidenceSealer: Send + Sync + fmt::Debug {
    /// How the sealer names a subject.
    type Subject: ?Sized;

    /// Seals `plaintext` to `subject`.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::Seal`] on any failure, including a subject whose
    /// key was forgotten and a payload larger than the sealer takes.
    fn seal_evidence(
        &self,
        subject: &Self::Subject,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, EvidenceError>;

    /// Opens what [`seal_evidence`](EvidenceSealer::seal_evidence) produced.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::Shredded`] if the subject's key was forgotten;
    /// [`EvidenceError::Seal`] on any other failure (tampered bytes,
    /// another subject's evidence).
    fn open_evidence(
        &self,
        subject: &Self::Subject,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, EvidenceError>;
}

/// Where sealed evidence is kept, addressed by its [`EvidenceRef`].
pub trait EvidenceStore: Send + Sync + fmt::Debug {
    /// Stores sealed bytes and returns their reference. Storing the same
    /// bytes twice is harmless.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::Io`] if storage fails.
    fn put(&self, sealed: &[u8]) -> Result<EvidenceRef, EvidenceError>;

    /// The sealed bytes under `reference`, checked against it.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::NotFound`] if absent (or removed);
    /// [`EvidenceError::Mismatch`] if the stored bytes were altered;
    /// [`EvidenceError::Io`] if reading fails.
    fn get(&self, reference: &EvidenceRef) -> Result<Vec<u8>, EvidenceError>;

    /// Deletes the sealed bytes (after the subject's key is forgotten, or
    /// to shred without the vault). Removing what is absent is not an
    /// error.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::Io`] if deletion fails.
    fn remove(&self, reference: &EvidenceRef) -> Result<(), EvidenceError>;
}

/// What evidence is sealed to: a subject, and the category of the data it
/// records (both are bound into the vault's envelope).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceFor {
    subject: SubjectId,
    category: Category,
}

impl EvidenceFor {
    /// Evidence about `subject`'s data of `category`.
    pub fn new(subject: &SubjectId, category: Category) -> Self {
        Self {
            subject: subject.clone(),
            category,
        }
    }

    /// The subject.
    pub fn subject(&self) -> &SubjectId {
        &self.subject
    }

    /// The category.
    pub fn category(&self) -> Category {
        self.category
    }
}

/// The vault's field label for evidence.
const EVIDENCE_FIELD: FieldLabel = FieldLabel::new("custodian.audit.evidence");

/// The vault seals evidence with the subject's data key, under the field
/// label `custodian.audit.evidence` and the evidence's category, so that
/// [`Vault::forget`] shreds it with the rest of the subject's data.
///
/// ```
/// # use std::sync::Arc;
/// # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
/// use custodian::SubjectId;
/// use custodian::audit::{EvidenceError, EvidenceFor, EvidenceSealer, EvidenceStore, MemoryEvidence};
/// use custodian::pii::Category;
///
/// # let vault = Vault::builder().build(
/// #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
/// let ada = EvidenceFor::new(&SubjectId::new("cust_1815"), Category::Contact);
/// let store = MemoryEvidence::new();
/// let reference = custodian::audit::seal_and_store(&vault, &store, &ada, b"email: old -> new")?;
///
/// let sealed = store.get(&reference)?;
/// assert_eq!(vault.open_evidence(&ada, &sealed)?.as_slice(), b"email: old -> new");
/// vault.forget(ada.subject())?;
/// assert!(matches!(vault.open_evidence(&ada, &sealed), Err(EvidenceError::Shredded)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl EvidenceSealer for Vault {
    type Subject = EvidenceFor;

    fn seal_evidence(&self, to: &EvidenceFor, plaintext: &[u8]) -> Result<Vec<u8>, EvidenceError> {
        let scope = KeyScope::subject(&to.subject);
        self.seal_raw(&scope, to.category, EVIDENCE_FIELD, plaintext)
            .map_err(|_| EvidenceError::Seal)
    }

    fn open_evidence(
        &self,
        to: &EvidenceFor,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, EvidenceError> {
        let scope = KeyScope::subject(&to.subject);
        match self.open_raw(sealed, &scope, to.category, EVIDENCE_FIELD) {
            Ok(RawOpened::Plain(plain)) => Ok(plain),
            Ok(RawOpened::Shredded) => Err(EvidenceError::Shredded),
            Err(_) => Err(EvidenceError::Seal),
        }
    }
}

/// Seals `plaintext` to `subject` and stores it; returns the reference to
/// put in the event ([`AuditEvent::with_evidence`](super::AuditEvent::with_evidence)).
///
/// # Errors
///
/// Those of the sealer and the store.
pub fn seal_and_store<S: EvidenceSealer + ?Sized>(
    sealer: &S,
    store: &(impl EvidenceStore + ?Sized),
    subject: &S::Subject,
    plaintext: &[u8],
) -> Result<EvidenceRef, EvidenceError> {
    let sealed = sealer.seal_evidence(subject, plaintext)?;
    store.put(&sealed)
}

/// Evidence in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryEvidence {
    items: Mutex<HashMap<EvidenceRef, Vec<u8>>>,
}

impl MemoryEvidence {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl EvidenceStore for MemoryEvidence {
    fn put(&self, sealed: &[u8]) -> Result<EvidenceRef, EvidenceError> {
        let reference = EvidenceRef::of(sealed);
        // A poisoned lock only means another thread panicked mid-insert of
        // a whole value; the map itself is intact.
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        items.insert(reference, sealed.to_vec());
        Ok(reference)
    }

    fn get(&self, reference: &EvidenceRef) -> Result<Vec<u8>, EvidenceError> {
        let items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        let bytes = items.get(reference).ok_or(EvidenceError::NotFound)?;
        check(reference, bytes.clone())
    }

    fn remove(&self, reference: &EvidenceRef) -> Result<(), EvidenceError> {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(reference);
        Ok(())
    }
}

/// Evidence as files in a directory (by default `evidence/` in the log
/// directory), one file per reference named by its hex form.
///
/// Files are written to a temporary name, synced, then renamed, so a crash
/// never leaves a half-written file under a valid name.
#[derive(Debug)]
pub struct FileEvidence {
    dir: PathBuf,
}

impl FileEvidence {
    /// Opens (creating if needed) the store in `dir`.
    ///
    /// # Errors
    ///
    /// [`EvidenceError::Io`] if the directory cannot be created.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, EvidenceError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io("creating the directory"))?;
        Ok(Self { dir })
    }

    fn path(&self, reference: &EvidenceRef) -> PathBuf {
        self.dir.join(reference.to_string())
    }
}

impl EvidenceStore for FileEvidence {
    fn put(&self, sealed: &[u8]) -> Result<EvidenceRef, EvidenceError> {
        let reference = EvidenceRef::of(sealed);
        let path = self.path(&reference);
        if path.exists() {
            return Ok(reference);
        }
        let tmp = self.dir.join(format!("{reference}.tmp"));
        let mut file = fs::File::create(&tmp).map_err(io("writing"))?;
        file.write_all(sealed).map_err(io("writing"))?;
        file.sync_all().map_err(io("syncing"))?;
        fs::rename(&tmp, &path).map_err(io("renaming"))?;
        sync_dir(&self.dir).map_err(io("syncing the directory"))?;
        Ok(reference)
    }

    fn get(&self, reference: &EvidenceRef) -> Result<Vec<u8>, EvidenceError> {
        match fs::read(self.path(reference)) {
            Ok(bytes) => check(reference, bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(EvidenceError::NotFound),
            Err(e) => Err(EvidenceError::Io {
                op: "reading",
                source: e,
            }),
        }
    }

    fn remove(&self, reference: &EvidenceRef) -> Result<(), EvidenceError> {
        match fs::remove_file(self.path(reference)) {
            Ok(()) => sync_dir(&self.dir).map_err(io("syncing the directory")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(EvidenceError::Io {
                op: "removing",
                source: e,
            }),
        }
    }
}

fn check(reference: &EvidenceRef, bytes: Vec<u8>) -> Result<Vec<u8>, EvidenceError> {
    if EvidenceRef::of(&bytes) == *reference {
        Ok(bytes)
    } else {
        Err(EvidenceError::Mismatch)
    }
}

fn io(op: &'static str) -> impl FnOnce(std::io::Error) -> EvidenceError {
    move |source| EvidenceError::Io { op, source }
}

/// Makes a rename or removal in `dir` durable (POSIX needs the directory
/// synced; elsewhere this is a no-op).
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_known_answer() {
        // SHA-256("custodian/audit/evidence/v1" || 0x00 || "abc"), computed
        // independently with Python hashlib.
        assert_eq!(
            EvidenceRef::of(b"abc").to_string(),
            "5bf54fa13ffc509fbab59bc146242b787056530be94cb0e7ac14ce169f4908c9"
        );
    }

    #[test]
    fn file_store_round_trips_detects_tamper_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileEvidence::open(dir.path().join("evidence")).unwrap();
        let r = store.put(b"sealed").unwrap();
        assert_eq!(store.put(b"sealed").unwrap(), r);
        assert_eq!(store.get(&r).unwrap(), b"sealed");
        fs::write(store.path(&r), b"SEALED").unwrap();
        assert!(matches!(store.get(&r), Err(EvidenceError::Mismatch)));
        store.remove(&r).unwrap();
        store.remove(&r).unwrap();
        assert!(matches!(store.get(&r), Err(EvidenceError::NotFound)));
    }

    #[test]
    fn memory_store_detects_tamper() {
        let store = MemoryEvidence::new();
        let r = store.put(b"x").unwrap();
        store.items.lock().unwrap().insert(r, b"y".to_vec());
        assert!(matches!(store.get(&r), Err(EvidenceError::Mismatch)));
    }
}
