//! Records: host structs that name their subject, so that each seals under
//! its own subject's key.

use crate::error::VaultError;
use crate::subject::SubjectId;

use super::data_map::{DataMap, FieldPath};

/// A host struct whose values are one subject's personal data: written by
/// `#[derive(Personal)]`, which also writes the struct's `Serialize` and
/// `Deserialize` (see the [derive's rules](crate::seal#records-derivepersonal)).
pub trait Personal {
    /// The subject the record is about: its `#[personal(subject)]` field.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidInput`] if the field does not make a valid
    /// [`SubjectId`] (empty, or longer than 255 bytes).
    fn subject(&self) -> Result<SubjectId, VaultError>;

    /// The record's personal data: each field the derive seals (by its
    /// type) or that carries `#[personal(category = "...")]`, with its
    /// category and subject, and those of the records nested in it.
    ///
    /// # Errors
    ///
    /// As [`Personal::subject`], for this record or a nested one.
    fn data_map(&self) -> Result<DataMap, VaultError> {
        let mut map = DataMap::default();
        self.map_into(&mut map, &FieldPath::root())?;
        Ok(map)
    }

    /// Adds the record's data to `map`, below `at`. Written by the derive;
    /// call [`data_map`](Personal::data_map).
    ///
    /// # Errors
    ///
    /// As [`Personal::data_map`].
    #[doc(hidden)]
    fn map_into(&self, map: &mut DataMap, at: &FieldPath) -> Result<(), VaultError>;
}

/// A type that can be a record's `#[personal(subject)]` field: it names
/// the subject.
///
/// Implemented for [`SubjectId`], `String`, `str`, `Box<str>` and the
/// integer types (their decimal text). Implement it for the host's own id
/// types (a UUID newtype).
///
/// # Security
///
/// Two ids with the same text are the same subject, the same key. If
/// customers and sellers are numbered apart (customer 7 and seller 7 are
/// different people), give each an id type whose text differs, for
/// example a newtype that writes `seller_7`: forgetting one must not erase
/// the other.
///
/// ```
/// use custodian::SubjectId;
/// use custodian::seal::SubjectKey;
/// use custodian::VaultError;
///
/// struct SellerId(u64);
///
/// impl SubjectKey for SellerId {
///     fn to_subject_id(&self) -> Result<SubjectId, VaultError> {
///         SubjectId::try_new(format!("seller_{}", self.0))
///     }
/// }
/// assert_eq!(SellerId(7).to_subject_id()?.as_str(), "seller_7");
/// # Ok::<(), VaultError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot name a record's subject",
    label = "the `#[personal(subject)]` field's type must implement `custodian::seal::SubjectKey`",
    note = "use `SubjectId`, `String` or an integer, or implement `SubjectKey` for the host's id type"
)]
pub trait SubjectKey {
    /// The subject id.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidInput`] if the text is not a valid
    /// [`SubjectId`].
    fn to_subject_id(&self) -> Result<SubjectId, VaultError>;
}

impl SubjectKey for SubjectId {
    fn to_subject_id(&self) -> Result<SubjectId, VaultError> {
        Ok(self.clone())
    }
}

impl SubjectKey for str {
    fn to_subject_id(&self) -> Result<SubjectId, VaultError> {
        SubjectId::try_new(self)
    }
}

impl SubjectKey for String {
    fn to_subject_id(&self) -> Result<SubjectId, VaultError> {
        SubjectId::try_new(self.as_str())
    }
}

impl SubjectKey for Box<str> {
    fn to_subject_id(&self) -> Result<SubjectId, VaultError> {
        SubjectId::try_new(&**self)
    }
}

macro_rules! integer_subject_keys {
    ($($ty:ty),*) => {$(
        impl SubjectKey for $ty {
            fn to_subject_id(&self) -> Result<SubjectId, VaultError> {
                SubjectId::try_new(self.to_string())
            }
        }
    )*};
}

integer_subject_keys!(u16, u32, u64, u128, i16, i32, i64, i128);
