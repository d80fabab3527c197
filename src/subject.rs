//! Subjects: the people personal data is about.

use core::fmt;

use crate::error::VaultError;

/// The host application's identifier for a subject (a customer, a seller).
///
/// The crate needs nothing more than this id: it names the subject's data
/// key and is bound into every value sealed for them, so a value copied
/// into another subject's record fails to open.
///
/// Use an opaque, stable id (a database key or a UUID), never an email or a
/// name: the id is stored in the key store in clear and is part of the
/// authenticated data of envelopes. At most 255 bytes.
///
/// ```
/// use custodian::SubjectId;
///
/// let alice = SubjectId::new("cust_8f3a");
/// assert_eq!(alice.as_str(), "cust_8f3a");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectId(Box<str>);

impl SubjectId {
    /// The longest id accepted, in bytes.
    pub const MAX_LEN: usize = 255;

    /// Wraps the host's id.
    ///
    /// # Panics
    ///
    /// Panics if `id` is empty or longer than [`SubjectId::MAX_LEN`] bytes:
    /// host ids come from the host's own database, so this is a programming
    /// error. Use [`SubjectId::try_new`] for untrusted input.
    pub fn new(id: impl Into<String>) -> Self {
        match Self::try_new(id) {
            Ok(id) => id,
            Err(_) => panic!("subject ids are 1 to 255 bytes"),
        }
    }

    /// Wraps the host's id.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidInput`] if it is empty or longer than
    /// [`SubjectId::MAX_LEN`] bytes.
    pub fn try_new(id: impl Into<String>) -> Result<Self, VaultError> {
        let id: String = id.into();
        if id.is_empty() || id.len() > Self::MAX_LEN {
            return Err(VaultError::InvalidInput {
                what: "subject id length",
            });
        }
        Ok(Self(id.into_boxed_str()))
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The one string form's parser (`FromStr`, serde).
    fn parse(id: &str) -> Result<Self, VaultError> {
        Self::try_new(id)
    }
}

// A record's subject field is a `SubjectId` as often as not: it reads and
// writes as its text.
crate::string_form::string_form!(SubjectId, VaultError, as_str);

impl fmt::Debug for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SubjectId").field(&self.0).finish()
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A PII value together with the subject it belongs to.
///
/// What [`Vault::open_owned`](crate::vault::Vault::open_owned) gives back
/// (the owner is the subject the envelope was sealed for, checked by the
/// key), and what a [reveal](crate::decision::Decider::reveal) takes, so
/// that the consent check and the audit event go to the value's owner:
/// revealing Bob's email while naming Carol is
/// [`UseError::WrongSubject`](crate::decision::UseError::WrongSubject).
///
/// [`Owned::new`] binds a value where it is collected (a sign-up form the
/// subject filled in themselves). `Debug` shows the value as the value's
/// own `Debug` does (masked) and not the owner.
///
/// ```
/// use custodian::{Owned, SubjectId, pii::Email};
///
/// let email = Owned::new(SubjectId::new("cus_ada"), Email::parse("ada@example.com")?);
/// assert_eq!(email.owner().as_str(), "cus_ada");
/// assert_eq!(format!("{email:?}"), "Owned(Email(a•••@example.com))");
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Owned<T> {
    owner: SubjectId,
    value: T,
}

impl<T> Owned<T> {
    /// `value`, collected from `owner`.
    pub fn new(owner: SubjectId, value: T) -> Self {
        Self { owner, value }
    }

    /// Whose value it is.
    pub fn owner(&self) -> &SubjectId {
        &self.owner
    }

    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The value, without its owner.
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Owned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Owned").field(&self.value).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_bounded() {
        assert!(SubjectId::try_new("").is_err());
        assert!(SubjectId::try_new("a".repeat(255)).is_ok());
        assert!(SubjectId::try_new("a".repeat(256)).is_err());
    }
}
