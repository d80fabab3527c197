//! The outcome of opening a value whose subject may have been forgotten.

use core::fmt;

use super::envelope::Envelope;

/// A value that is either present or erased by crypto-shredding.
///
/// [`Vault::open`](super::Vault::open) returns it, and it works as a field
/// type in host structs: `Erasable<Email>` deserializes to
/// [`Erasable::Erased`] when the subject was forgotten, so records kept for
/// legal reasons (invoices, tax records) still load with the erased fields
/// marked. A plain `Email` field fails with
/// [`SealError::Shredded`](crate::SealError::Shredded) instead.
///
/// Serializing an erased value writes its original envelope back unchanged
/// (it can never be opened again), so a record round-trips.
///
/// ```
/// use custodian::pii::Email;
/// use custodian::vault::Erasable;
///
/// let present = Erasable::Present(Email::parse("ada@example.com")?);
/// assert!(!present.is_erased());
/// assert_eq!(present.present().map(|e| e.to_string()), Some("a•••@example.com".into()));
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Erasable<T> {
    /// The value opened.
    Present(T),
    /// The subject's key was destroyed: the value is gone for good.
    Erased(Erased),
}

impl<T> Erasable<T> {
    /// The value, if present.
    pub fn present(&self) -> Option<&T> {
        match self {
            Self::Present(value) => Some(value),
            Self::Erased(_) => None,
        }
    }

    /// The value, if present.
    pub fn into_present(self) -> Option<T> {
        match self {
            Self::Present(value) => Some(value),
            Self::Erased(_) => None,
        }
    }

    /// Whether the value was erased.
    pub fn is_erased(&self) -> bool {
        matches!(self, Self::Erased(_))
    }
}

impl<T: fmt::Display> fmt::Display for Erasable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Present(value) => value.fmt(f),
            Self::Erased(_) => f.write_str(Erased::MARKER),
        }
    }
}

/// The marker left by an erased value: its (unopenable) envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erased {
    envelope: Envelope,
}

impl Erased {
    /// How an erased value displays and masks.
    pub const MARKER: &'static str = "[erased]";

    pub(crate) fn new(envelope: Envelope) -> Self {
        Self { envelope }
    }

    /// The envelope that can no longer be opened.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }
}
