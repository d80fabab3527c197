//! The one list of PII kinds that seal: their category, default label and
//! blind-index normalization, and their `Serialize`/`Deserialize` impls.
//!
//! Adding a kind to `crate::pii` means adding one line here.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use super::{Sealable, codec, hidden::IndexForm};
use crate::pii::private::Sealed as _;
use crate::pii::{Category, Email, PiiKind};
use crate::vault::FieldLabel;

/// Lower-cases the canonical text (Unicode-aware) for blind indexes.
fn lowercase<R>(canonical: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    match core::str::from_utf8(canonical) {
        Ok(text) => f(Zeroizing::new(text.to_lowercase()).as_bytes()),
        Err(_) => f(canonical),
    }
}

/// The canonical form as it is.
#[allow(dead_code, reason = "used by kinds still landing in main")]
fn canonical<R>(canonical: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    f(canonical)
}

macro_rules! sealable_kinds {
    ($($ty:ty => $kind:expr, $category:expr, $normalize:ident;)*) => {$(
        impl Sealable for $ty {
            const KIND: PiiKind = $kind;
            const CATEGORY: Category = $category;
            const DEFAULT_LABEL: FieldLabel = FieldLabel::new($kind.name());
        }

        impl IndexForm for $ty {
            fn with_index_form<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                self.with_canonical(|bytes| $normalize(bytes, f))
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                codec::serialize(self, <Self as Sealable>::DEFAULT_LABEL, s)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                codec::deserialize(<Self as Sealable>::DEFAULT_LABEL, d)
            }
        }
    )*};
}

// Kind => its PiiKind, category, blind-index normalization.
// Pending in main: Phone, CardNumber, Iban, PersonName (lowercase),
// PostalAddress (lowercase), IpAddress, DateOfBirth, NationalId,
// Custom<K>; Credential gets refusing impls.
sealable_kinds! {
    Email => PiiKind::Email, Category::Contact, lowercase;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constants above repeat what each kind reports at run time;
    /// check they agree.
    #[test]
    fn constants_match_the_kinds() {
        fn check<T: Sealable>(value: T) {
            assert_eq!(value.kind(), T::KIND);
            assert_eq!(value.category(), T::CATEGORY);
            assert_eq!(T::DEFAULT_LABEL.as_str(), T::KIND.name());
        }
        check(Email::parse("ada@example.com").expect("valid"));
    }

    #[test]
    fn email_index_form_is_lower_case() {
        let email = Email::parse("Ada@Example.com").expect("valid");
        email.with_index_form(|bytes| assert_eq!(bytes, b"ada@example.com"));
    }
}
