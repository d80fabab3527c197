//! The error returned when input does not parse as a PII value.

use thiserror::Error;

use super::PiiKind;

/// Input did not parse as a PII value of the given kind.
///
/// The message names the kind and what is wrong, never the input itself:
/// errors end up in logs, and the input is personal data.
///
/// ```
/// use custodian::pii::{Email, PiiKind, Reason};
///
/// let err = Email::parse("ada.example.com").unwrap_err();
/// assert_eq!(err.kind(), PiiKind::Email);
/// assert_eq!(err.reason(), Reason::MissingSeparator);
/// assert_eq!(err.to_string(), "invalid email: the separator is missing");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("invalid {kind}: {reason}")]
pub struct PiiError {
    kind: PiiKind,
    reason: Reason,
}

impl PiiError {
    pub(crate) const fn new(kind: PiiKind, reason: Reason) -> Self {
        Self { kind, reason }
    }

    /// The kind of value that failed to parse.
    pub const fn kind(&self) -> PiiKind {
        self.kind
    }

    /// What was wrong with the input.
    pub const fn reason(&self) -> Reason {
        self.reason
    }
}

/// Why input was rejected. Positions count characters from 0, after
/// surrounding whitespace is trimmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Reason {
    /// Nothing but whitespace.
    #[error("the input is empty")]
    Empty,
    /// Longer than the kind allows.
    #[error("longer than {max} {unit}")]
    TooLong {
        /// The limit.
        max: usize,
        /// What is counted: `bytes`, `characters` or `digits`.
        unit: &'static str,
    },
    /// Shorter than the kind allows.
    #[error("shorter than {min} {unit}")]
    TooShort {
        /// The limit.
        min: usize,
        /// What is counted: `bytes`, `characters` or `digits`.
        unit: &'static str,
    },
    /// A character the kind does not allow.
    #[error("character {position} is not allowed here")]
    InvalidCharacter {
        /// Where, counting characters from 0.
        position: usize,
    },
    /// The separator (`@` of an email) is missing.
    #[error("the separator is missing")]
    MissingSeparator,
    /// More than one separator.
    #[error("the separator appears more than once")]
    RepeatedSeparator,
    /// A part that must not be empty is empty.
    #[error("the {part} is empty")]
    EmptyPart {
        /// Which part: `local part`, `locality`, ...
        part: &'static str,
    },
    /// A part is malformed.
    #[error("the {part} is malformed")]
    MalformedPart {
        /// Which part.
        part: &'static str,
    },
    /// A check digit or checksum does not match.
    #[error("the checksum does not match")]
    ChecksumMismatch,
    /// Structurally fine, but no known issuer or scheme uses this prefix.
    #[error("the prefix belongs to no known issuer")]
    UnknownIssuer,
    /// The country code is not an assigned ISO 3166-1 alpha-2 code, or the
    /// kind does not know the country.
    #[error("the country code is not known")]
    UnknownCountry,
    /// The length does not match what the country or scheme prescribes.
    #[error("expected {expected} characters, found {found}")]
    WrongLength {
        /// The prescribed length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A phone number without an international prefix, and no default
    /// calling code was given.
    #[error("no country calling code: start with + or 00, or give a default")]
    MissingCountryCode,
    /// Not a real calendar date.
    #[error("not a real calendar date")]
    NotACalendarDate,
    /// A date after today.
    #[error("the date is in the future")]
    InFuture,
    /// A date too far in the past to be a living person's.
    #[error("the date is more than 150 years ago")]
    TooOld,
    /// Reserved or never-issued numbers (such as SSN area 000).
    #[error("the number is in a range that is never issued")]
    NeverIssued,
    /// A phone number of a possible length that no number type of its
    /// country's numbering plan matches (an unused prefix, or a length the
    /// plan uses only for other prefixes).
    #[error("the number is not in its numbering plan")]
    NotInNumberingPlan,
}
