//! Errors of the redact module.

/// Why detection setup or a redaction failed.
///
/// Messages never contain the scanned text, a finding or key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedactError {
    /// A host detector's name is not `[A-Z][A-Z0-9_]*` (at most 32 bytes),
    /// is a built-in name, or is used twice.
    #[error("invalid detector name")]
    InvalidName,
    /// A host detector's pattern does not compile or is too large.
    #[error("invalid detector pattern")]
    Pattern,
    /// The hash strategy was chosen without a pseudonym key.
    #[error("hash strategy needs a pseudonym key")]
    MissingKey,
    /// The seal strategy was chosen without a sealer.
    #[error("seal strategy needs a sealer")]
    MissingSealer,
    /// The sealer failed, or returned an envelope that cannot stand in
    /// running text (empty, or with a line break). The redaction stops:
    /// the original text is never returned in place of a sealed value.
    #[error("sealing failed")]
    Seal,
    /// A finding to be sealed is not valid UTF-8 (only host detectors can
    /// produce such findings).
    #[error("finding to seal is not valid utf-8")]
    NotUtf8,
    /// A thread of [`Redactor::redact_parallel`](super::Redactor::redact_parallel)
    /// panicked (a host sealer or detector that panics); nothing of its
    /// block was written.
    #[error("a redaction thread panicked")]
    Worker,
    /// Reading the input or writing the output failed.
    #[error("i/o error while redacting")]
    Io(#[from] std::io::Error),
}

/// A sealer's failure. Deliberately opaque: it says nothing about the key,
/// the value or which check failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("sealing failed")]
pub struct SealError;
