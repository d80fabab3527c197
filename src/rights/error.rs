//! The rights workflow's error.

use thiserror::Error;

use super::deadline::DeadlineError;
use super::request::{RequestKind, Status};
use crate::audit::SinkError;
use crate::consent::ConsentError;
use crate::ids::RandomnessError;
use crate::pii::PiiError;
use crate::purpose::Purpose;
use crate::{SealError, VaultError};

/// A request store failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RequestStoreError {
    /// A request with this id exists already.
    #[error("a request with this id exists already")]
    Duplicate,
    /// The stored request changed since it was read (compare-and-set on
    /// its revision failed).
    #[error("the request changed concurrently")]
    Conflict,
    /// The store cannot be reached, or a previous writer panicked.
    #[error("request store unavailable")]
    Unavailable,
}

/// The host's storage failed. The message is fixed; the host's own error
/// is kept as the source and must be free of personal data.
#[derive(Debug, Error)]
#[error("the host's storage failed")]
pub struct HostError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl HostError {
    /// Wraps the host's error.
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Box::new(source))
    }
}

/// A rights or retention step failed; nothing was changed unless the
/// variant says otherwise.
///
/// No message contains personal data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RightsError {
    /// No request has this id.
    #[error("unknown request")]
    UnknownRequest,
    /// The request cannot go from its status to the one asked for.
    #[error("a request cannot go from {from} to {to}")]
    IllegalTransition {
        /// The status it has.
        from: Status,
        /// The status asked for.
        to: Status,
    },
    /// The step belongs to another kind of request.
    #[error("this step is for {expected} requests, not {found}")]
    WrongKind {
        /// The kind the step handles.
        expected: RequestKind,
        /// The request's kind.
        found: RequestKind,
    },
    /// Request records are read only for legal compliance (CCPA §7101).
    #[error("request records are locked to legal compliance, not {purpose}")]
    PurposeLocked {
        /// The purpose asked for.
        purpose: Purpose,
    },
    /// Request records are kept at least 24 months.
    #[error("request records must be kept at least {minimum} months")]
    RetentionTooShort {
        /// The legal minimum, in months.
        minimum: u32,
    },
    /// A deadline rule refused.
    #[error(transparent)]
    Deadline(#[from] DeadlineError),
    /// The host does not hold that record or field.
    #[error("no such record or field")]
    NoSuchField,
    /// The new value of a rectification did not parse; the old value is
    /// untouched.
    #[error("the new value is invalid: {0}")]
    Invalid(#[from] PiiError),
    /// The held data is restricted to its hold's purpose (Art. 18).
    #[error("held data may only be used for {allowed}, not {asked}")]
    Restricted {
        /// The purpose the hold allows.
        allowed: Purpose,
        /// The purpose asked for.
        asked: Purpose,
    },
    /// The policy refused the hold's own purpose for this data (the
    /// decision's reason says why).
    #[error(transparent)]
    Refused(#[from] crate::decision::Refusal),
    /// No hold keeps this record (it was released and purged, or never
    /// held).
    #[error("the record is not held")]
    NotHeld,
    /// The export could not be encoded.
    #[error("the export could not be encoded")]
    Encoding,
    /// The step could not be audited, so it did not happen.
    #[error("not done: {0}")]
    Unaudited(#[from] SinkError),
    /// The request store failed.
    #[error(transparent)]
    Store(#[from] RequestStoreError),
    /// The host's storage failed.
    #[error(transparent)]
    Host(#[from] HostError),
    /// Sealing or opening failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The vault failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The consent ledger refused.
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// The OS random number generator failed.
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
}
