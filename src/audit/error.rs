//! Errors of the audit subsystem.
//!
//! One enum per concern, so a caller matches only what it can act on. No
//! message repeats its input or carries personal data or key material:
//! what failed is named by closed values (a field name, an entry index, a
//! position in a document), never by quoting the offending text.

use std::error::Error as StdError;
use std::io;

use thiserror::Error;

use crate::ids::RandomnessError;

/// A Merkle proof was refused, or could not be produced.
///
/// Proof failures are not secret, so they say which check failed; this
/// helps operators tell a stale checkpoint from a forged proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("the leaf index is not below the tree size")]
    IndexOutOfRange,
    /// A proof was asked for a size the tree has not reached.
    #[error("the tree has not reached that size")]
    SizeBeyondTree,
    /// The older tree is larger than the newer one.
    #[error("the old tree size is larger than the new one")]
    SizeOrder,
    /// Consistency from the empty tree is not a proof (RFC 9162 §2.1.4).
    #[error("consistency proofs start from a non-empty tree")]
    EmptyTree,
    /// Too many or too few hashes for the sizes and index.
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    /// A hash is not 32 bytes (or not canonical base64).
    #[error("a hash is malformed")]
    MalformedHash,
    /// The proof leads to a different root.
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// A checkpoint, proof document or key string was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The text does not follow the format; `what` names the part.
    #[error("malformed {what}")]
    Malformed {
        /// Which part: `note`, `signature line`, `origin`, `tree size`, ...
        what: &'static str,
    },
    /// A key name is empty, too long, or contains spaces, `+` or control
    /// characters (C2SP signed-note).
    #[error("invalid key name")]
    InvalidKeyName,
    /// The checkpoint carries no signature from the trusted key.
    #[error("the checkpoint is not signed by the trusted key")]
    NotSigned,
    /// A signature from the trusted key does not verify. Deliberately
    /// opaque: it does not say why.
    #[error("checkpoint signature does not verify")]
    BadSignature,
    /// The OS random number generator failed while generating a key.
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    /// A proof bundled with the checkpoint was refused.
    #[error("bundled proof refused: {0}")]
    Proof(#[from] ProofError),
}

/// An audit entry did not decode as an [`AuditEvent`](super::AuditEvent).
///
/// Carries what kind of problem and, for JSON errors, where; never the
/// text found there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("audit entry does not decode: {problem}{}", position.map_or(String::new(), |(l, c)| format!(" at line {l}, column {c}")))]
pub struct DecodeError {
    problem: DecodeProblem,
    position: Option<(usize, usize)>,
}

impl DecodeError {
    pub(crate) const fn new(problem: DecodeProblem) -> Self {
        Self {
            problem,
            position: None,
        }
    }

    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        let problem = match e.classify() {
            serde_json::error::Category::Io | serde_json::error::Category::Eof => {
                DecodeProblem::Truncated
            }
            serde_json::error::Category::Syntax => DecodeProblem::Syntax,
            serde_json::error::Category::Data => DecodeProblem::Shape,
        };
        Self {
            problem,
            position: Some((e.line(), e.column())),
        }
    }

    /// What was wrong.
    pub const fn problem(&self) -> DecodeProblem {
        self.problem
    }

    /// Line and column (from 1) of a JSON error, if it is one.
    pub const fn position(&self) -> Option<(usize, usize)> {
        self.position
    }
}

/// What was wrong with an entry that did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeProblem {
    /// Not JSON.
    #[error("invalid json")]
    Syntax,
    /// The JSON ends early.
    #[error("truncated json")]
    Truncated,
    /// JSON, but not an event: a missing, extra or mistyped field.
    #[error("unexpected structure")]
    Shape,
    /// An entry format version this crate does not read.
    #[error("unsupported entry version")]
    Version,
    /// A field holds a value outside its closed set.
    #[error("invalid {0}")]
    Value(&'static str),
}

/// The file-backed log failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LogError {
    /// A file operation failed; `op` names it.
    #[error("audit log i/o failed while {op}")]
    Io {
        /// What the log was doing: `appending`, `syncing`, ...
        op: &'static str,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A file is not an audit log of this format (wrong header).
    #[error("{file} is not a custodian audit log file")]
    NotALog {
        /// `entries` or `checkpoints`.
        file: &'static str,
    },
    /// A stored record fails its checks in a way no crash explains (damage
    /// before the last record, or an intact record out of place; see
    /// [`FileLog`](super::FileLog#crashes)): run [`verify`](super::verify)
    /// and restore from backup.
    #[error("{file} is corrupt at record {index}")]
    Corrupt {
        /// `entries` or `checkpoints`.
        file: &'static str,
        /// The first bad record, from 0.
        index: u64,
    },
    /// An entry is larger than [`MAX_ENTRY_LEN`](super::file_log::MAX_ENTRY_LEN).
    #[error("an audit entry is larger than {max} bytes")]
    EntryTooLarge {
        /// The limit.
        max: usize,
    },
    /// An earlier write or sync failed part-way; the log refuses further
    /// appends until it is reopened (which repairs a torn tail).
    #[error("audit log is unusable after a failed write; reopen it")]
    Poisoned,
    /// No entry with that index.
    #[error("no audit entry with that index")]
    NoSuchEntry,
    /// A proof could not be produced.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A stored checkpoint did not parse or verify.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

impl LogError {
    pub(crate) fn io(op: &'static str) -> impl FnOnce(io::Error) -> LogError {
        move |source| LogError::Io { op, source }
    }
}

/// An [`AuditSink`](super::AuditSink) could not record an event; the
/// operation being audited must not happen.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The sink cannot take events right now (connection down, queue
    /// full).
    #[error("audit event not recorded: the sink is unavailable")]
    Unavailable,
    /// The crate's verifiable log failed.
    #[error("audit event not recorded: {0}")]
    Log(#[from] LogError),
    /// A host sink failed. The host error is kept as the source; the
    /// message here is fixed, so a host error that quotes data does not
    /// leak through `Display`. Hosts must keep their own errors free of
    /// personal data if they print the source chain.
    #[error("audit event not recorded by the host sink")]
    Host(#[source] Box<dyn StdError + Send + Sync>),
}

/// Evidence could not be sealed, stored or read back.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The sealer failed. Deliberately opaque, as every crypto failure.
    #[error("evidence could not be sealed")]
    Seal,
    /// No evidence under that reference (never stored, or removed).
    #[error("no evidence under that reference")]
    NotFound,
    /// The subject's key was forgotten: the evidence can never be opened.
    #[error("the evidence was shredded with the subject's key")]
    Shredded,
    /// The stored bytes do not hash to their reference: they were altered.
    #[error("stored evidence does not match its reference")]
    Mismatch,
    /// A file operation failed.
    #[error("evidence i/o failed while {op}")]
    Io {
        /// What the store was doing.
        op: &'static str,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}
