//! The store's error, and how it travels through each storage trait's own
//! error type.

use std::time::Duration;

use thiserror::Error;

use crate::audit::{EvidenceError, SinkError, SubjectPseudonym};
use crate::consent::StoreError;
use crate::error::VaultError;

/// A durable store failed.
///
/// No message carries a subject id, a value or key material: rows are
/// named by their table and, where the row is about a subject, by the
/// subject's [pseudonym](super::Store::pseudonym). Driver messages are
/// kept only where they cannot quote stored data (connection failures,
/// SQLite messages); a PostgreSQL server error keeps its SQLSTATE code and
/// primary message, never its `DETAIL` (which may quote key values).
///
/// Through the storage traits it arrives wrapped: as the source of
/// [`VaultError::Store`] (key store), [`SinkError::Host`] (audit sink) and
/// [`EvidenceError::Io`] (evidence), each of which can be downcast to it,
/// and as [`StoreError::Busy`], [`StoreError::Corrupt`] or
/// [`StoreError::Unavailable`] (consent).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StorageError {
    /// Another writer held the database (or the rows) longer than the
    /// configured [busy timeout](super::StoreOptions::busy_timeout).
    /// Nothing was written; retry later.
    #[error("the database stayed locked by another writer for {waited:?}")]
    Busy {
        /// How long the store waited.
        waited: Duration,
    },
    /// A stored row does not decode or fails its digest: damaged on disk
    /// or edited by hand. Other rows keep working.
    #[error("a row of {table} is corrupt{}", subject.map_or(String::new(), |s| format!(" (subject {s})")))]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The subject the row is about, if it names one and that part
        /// was readable.
        subject: Option<SubjectPseudonym>,
    },
    /// The database was written by a newer version of this crate: its
    /// schema is newer than any this version knows. Nothing was changed.
    #[error(
        "the database has schema version {found}; this version of custodian reads up to {supported}"
    )]
    SchemaTooNew {
        /// The version found in the database.
        found: u32,
        /// The newest version this crate knows.
        supported: u32,
    },
    /// The database cannot be reached or refused a statement.
    #[error("the database failed while {op}: {detail}")]
    Backend {
        /// What the store was doing.
        op: &'static str,
        /// The engine's error code and message (never stored data).
        detail: String,
    },
    /// A value does not fit the database (a counter above 2⁶³ − 1).
    #[error("{what} is out of range for the database")]
    OutOfRange {
        /// What did not fit.
        what: &'static str,
    },
    /// Writing an [export](super::StoreAudit::export) of the audit log
    /// failed (the directory already holds a log, or a write failed).
    #[error("exporting the audit log failed")]
    Export {
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A lock in this process was poisoned by a panic in another thread.
    #[error("a store lock was poisoned")]
    Poisoned,
    /// A bug in the store: an invariant the code relies on did not hold.
    #[error("internal store error")]
    Internal,
}

impl From<StorageError> for VaultError {
    fn from(e: StorageError) -> Self {
        VaultError::Store(Box::new(e))
    }
}

impl From<StorageError> for SinkError {
    fn from(e: StorageError) -> Self {
        SinkError::Host(Box::new(e))
    }
}

impl From<StorageError> for EvidenceError {
    fn from(e: StorageError) -> Self {
        EvidenceError::Io {
            op: "using the evidence table",
            source: std::io::Error::other(e),
        }
    }
}

impl From<StorageError> for StoreError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Busy { .. } => StoreError::Busy,
            StorageError::Corrupt { table, subject } => StoreError::Corrupt { table, subject },
            _ => StoreError::Unavailable,
        }
    }
}
