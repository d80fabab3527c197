//! The crate's error types.
//!
//! [`Error`] is the one error at the crate root; it nests one typed enum per
//! concern so callers match only as deep as they need:
//!
//! - [`PiiError`]: input did not parse as a PII value;
//! - [`VaultError`]: key management (root keys, the key store, rotation,
//!   encryption limits);
//! - [`SealError`]: sealing or opening one value (envelopes, serde).
//!
//! No error carries plaintext or key material. Every cryptographic failure
//! (wrong key, tampered bytes, a value moved to another field or person) is
//! the one opaque [`SealError::Crypto`]; an erased subject's value is the
//! distinct [`SealError::Shredded`].

use std::error::Error as StdError;

use thiserror::Error;

use crate::pii::{Category, PiiError, PiiKind};

/// Any error this crate returns.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// Input did not parse as a PII value.
    #[error(transparent)]
    Pii(#[from] PiiError),
    /// Key management failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Sealing or opening a value failed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// Key management failed: root keys, the key store, rotation, limits.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VaultError {
    /// Root key material was not 32 bytes.
    #[error("a root key is 32 bytes, found {found}")]
    RootKeyLength {
        /// How many bytes were given.
        found: usize,
    },
    /// Root key text was not valid base64.
    #[error("root key text is not valid base64")]
    RootKeyEncoding,
    /// The environment variable holding a root key is not set or not UTF-8.
    #[error("environment variable {name} is not set or not unicode")]
    RootKeyMissing {
        /// The variable's name.
        name: String,
    },
    /// The file holding a root key could not be read (or is too large to
    /// be one).
    #[error("root key file {} cannot be read: {kind}", path.display())]
    RootKeyFile {
        /// The file's path.
        path: std::path::PathBuf,
        /// Why, as the operating system reported it.
        kind: std::io::ErrorKind,
    },
    /// No root key with this version is loaded.
    #[error("root key version {version} is not loaded")]
    UnknownRootKey {
        /// The version asked for.
        version: u32,
    },
    /// A root key or data key version already exists.
    #[error("key version {version} already exists")]
    VersionExists {
        /// The version.
        version: u32,
    },
    /// A data key record has no such version (or it was retired).
    #[error("key version {version} does not exist")]
    UnknownVersion {
        /// The version asked for.
        version: u32,
    },
    /// The active version cannot be retired or removed; promote another
    /// version first.
    #[error("key version {version} is active and cannot be removed")]
    ActiveVersion {
        /// The version.
        version: u32,
    },
    /// No key record exists for this scope.
    #[error("no key exists for this scope")]
    NoKey,
    /// The scope's key was destroyed (crypto-shredded).
    #[error("the key for this scope was destroyed")]
    Destroyed,
    /// A shared data key version reached its encryption limit: add and
    /// promote a new version.
    #[error("key version {version} reached its limit of {limit} encryptions; rotate the key")]
    EncryptionLimit {
        /// The exhausted version.
        version: u32,
        /// The limit.
        limit: u64,
    },
    /// A wrapped data key failed to unwrap, or a key failed to wrap. Opaque
    /// on purpose.
    #[error("a data key failed to wrap or unwrap")]
    Crypto,
    /// The operating system's random number generator failed.
    #[error("the operating system random number generator failed")]
    Random,
    /// Someone else changed the key record first; retry.
    #[error("the key record changed concurrently")]
    Conflict,
    /// A lock was poisoned by a panic in another thread.
    #[error("a key store lock was poisoned")]
    Poisoned,
    /// A stored record is inconsistent (missing fields, bad lengths).
    #[error("a stored key record is corrupt: {what}")]
    Corrupt {
        /// What is wrong, without key material.
        what: &'static str,
    },
    /// An argument is out of range (a name too long or empty).
    #[error("invalid {what}")]
    InvalidInput {
        /// What was invalid.
        what: &'static str,
    },
    /// The key store backend failed.
    #[error("the key store failed")]
    Store(#[source] Box<dyn StdError + Send + Sync>),
    /// The vault's audit sink did not record the event of an audited
    /// operation, so the operation was not carried out (fail closed; see
    /// [`VaultBuilder::audit`](crate::vault::VaultBuilder::audit)).
    #[error("the operation was not carried out: its audit event was not recorded")]
    Audit(#[source] std::sync::Arc<crate::audit::SinkError>),
}

/// Sealing or opening one value failed.
///
/// Each variant names the data category of the value involved (never the
/// value). Match on [`SealError::Shredded`] to keep loading records whose
/// subject was erased; treat every other variant as a failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SealError {
    /// A PII value was serialized or deserialized with no vault in scope.
    /// Fail closed: plaintext is never written instead.
    #[error(
        "no vault in scope for a {category} value: set a default vault or serialize inside Vault::subject(..).run"
    )]
    NoVault {
        /// The value's category.
        category: Category,
    },
    /// A vault is in reach but no subject is known for a PII value: it is
    /// outside every [`Personal`](crate::seal::Personal) record and subject
    /// scope, or inside a record whose subject field had not been read yet
    /// (a value the derive does not see, read before the subject). Fail
    /// closed: it is never sealed or opened under another subject.
    #[error(
        "no subject for a {category} value: put it in a #[derive(Personal)] record or inside Vault::subject(..).run"
    )]
    NoSubject {
        /// The value's category.
        category: Category,
    },
    /// The value could not be opened: wrong key, tampered bytes, or a value
    /// moved to another field, category or subject. Deliberately opaque.
    #[error("cannot open the sealed {category} value")]
    Crypto {
        /// The category the caller expected.
        category: Category,
    },
    /// The value was sealed for a subject whose key was destroyed: it is
    /// erased for good.
    #[error("the sealed {category} value was erased")]
    Shredded {
        /// The category the caller expected.
        category: Category,
    },
    /// The bytes are not a well-formed envelope.
    #[error("malformed sealed {category} value: {fault}")]
    Malformed {
        /// The category the caller expected.
        category: Category,
        /// What is wrong with the layout.
        fault: EnvelopeFault,
    },
    /// The envelope holds a value of another category.
    #[error("expected a sealed {expected} value, found {found}")]
    WrongCategory {
        /// The category the caller expected.
        expected: Category,
        /// The category code in the envelope.
        found: u16,
    },
    /// The envelope was sealed under a key of another subject or shared
    /// scope than the one in scope.
    #[error("the sealed {category} value belongs to another subject or scope")]
    WrongSubject {
        /// The category the caller expected.
        category: Category,
    },
    /// Plain text was found where a sealed value was expected (outside a
    /// revealed scope).
    #[error("expected a sealed {category} value, found plain data")]
    NotSealed {
        /// The category the caller expected.
        category: Category,
    },
    /// Masked output was given back: masked values never deserialize.
    #[error("a masked {category} value cannot be deserialized")]
    Masked {
        /// The category the caller expected.
        category: Category,
    },
    /// This kind of value is never serialized in any mode.
    #[error("{kind} values are never serialized or deserialized")]
    Refused {
        /// The refused kind.
        kind: PiiKind,
    },
    /// The opened plaintext did not parse as the expected kind.
    #[error(transparent)]
    Invalid(#[from] PiiError),
    /// Key management failed while sealing or opening.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl SealError {
    /// Whether the value was erased by crypto-shredding (as opposed to any
    /// failure).
    pub fn is_shredded(&self) -> bool {
        matches!(self, Self::Shredded { .. })
    }
}

/// What is wrong with an envelope's layout. Checked before any decryption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EnvelopeFault {
    /// Shorter than the header and tag.
    #[error("too short")]
    Truncated,
    /// Longer than the crate ever seals.
    #[error("too long")]
    TooLong,
    /// An envelope version this crate does not know.
    #[error("unknown version {0}")]
    UnknownVersion(u8),
    /// An algorithm id this crate does not implement.
    #[error("unknown algorithm {0}")]
    UnknownAlgorithm(u8),
    /// Flag bits that must be zero are set.
    #[error("reserved flags are set")]
    ReservedFlags,
    /// The text form lacks the `cst1:` prefix.
    #[error("missing the cst1: prefix")]
    MissingPrefix,
    /// The text form is not valid unpadded base64url.
    #[error("invalid base64url")]
    Encoding,
}
