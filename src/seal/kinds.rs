//! The one list of PII kinds that seal: their category, default label,
//! blind-index normalization and revealed (plaintext) form, and their
//! `Serialize`/`Deserialize` impls. `Credential` gets impls that always
//! refuse.
//!
//! Adding a kind to `crate::pii` means adding one line here (which also
//! makes it a field `#[derive(Personal)]` seals).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use super::{Sealable, codec, hidden::Forms};
use crate::error::SealError;
use crate::pii::private::Sealed as _;
use crate::pii::{
    CardNumber, Category, Credential, Custom, CustomKind, DateOfBirth, Email, Iban, IpAddress,
    NationalId, PersonName, Phone, PiiError, PiiKind, PostalAddress,
};
use crate::vault::FieldLabel;

/// Blind-index normalization: the canonical text lower-cased (Unicode).
fn lowercase<R>(canonical: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    // Short ASCII text, the usual case, is lower-cased on the stack (ASCII
    // and Unicode lower-casing agree on it); the copy is wiped on drop.
    const STACK: usize = 64;
    if canonical.len() <= STACK && canonical.is_ascii() {
        let mut buf = Zeroizing::new([0u8; STACK]);
        let lower = &mut buf[..canonical.len()];
        lower.copy_from_slice(canonical);
        lower.make_ascii_lowercase();
        return f(lower);
    }
    match core::str::from_utf8(canonical) {
        Ok(text) => f(Zeroizing::new(text.to_lowercase()).as_bytes()),
        Err(_) => f(canonical),
    }
}

/// Blind-index normalization: the canonical form as it is (already
/// normalized by parsing: E.164 phones, digit-only cards, upper-case IBANs).
fn canonical<R>(canonical: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    f(canonical)
}

/// Revealed form of kinds whose canonical form is UTF-8 text.
fn text_form<T: Sealable, R>(value: &T, f: impl FnOnce(&str) -> R) -> R {
    value.with_canonical(|bytes| match core::str::from_utf8(bytes) {
        Ok(text) => f(text),
        // Every text kind's canonical form is UTF-8; an empty string is the
        // fail-closed answer should one ever not be.
        Err(_) => f(""),
    })
}

fn from_text_form<T: Sealable>(text: &str) -> Result<T, PiiError> {
    T::from_canonical(text.as_bytes())
}

macro_rules! sealable_kinds {
    ($($ty:ty => $kind:expr, $category:expr, $normalize:ident;)*) => {$(
        impl Sealable for $ty {
            const KIND: PiiKind = $kind;
            const CATEGORY: Category = $category;
            const DEFAULT_LABEL: FieldLabel = FieldLabel::new($kind.name());
        }

        super::field::leaf_field!($ty);

        impl Forms for $ty {
            fn with_index_form<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                self.with_canonical(|bytes| $normalize(bytes, f))
            }

            fn with_revealed<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                reveal::$normalize(self, f)
            }

            fn from_revealed(text: &str) -> Result<Self, PiiError> {
                reveal::parse(text)
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

// kind => PiiKind, category, blind-index normalization
sealable_kinds! {
    Email => PiiKind::Email, Category::Contact, lowercase;
    Phone => PiiKind::Phone, Category::Contact, canonical;
    CardNumber => PiiKind::CardNumber, Category::Financial, canonical;
    Iban => PiiKind::Iban, Category::Financial, canonical;
    PersonName => PiiKind::PersonName, Category::Identity, lowercase;
    PostalAddress => PiiKind::PostalAddress, Category::Location, lowercase;
    DateOfBirth => PiiKind::DateOfBirth, Category::Identity, canonical;
    NationalId => PiiKind::NationalId, Category::Identity, canonical;
}

// The IP address's canonical form is binary (4 or 16 bytes), so its
// revealed form is the usual text notation.
impl Sealable for IpAddress {
    const KIND: PiiKind = PiiKind::IpAddress;
    const CATEGORY: Category = Category::Engagement;
    const DEFAULT_LABEL: FieldLabel = FieldLabel::new(PiiKind::IpAddress.name());
}

super::field::leaf_field!(IpAddress);

impl Forms for IpAddress {
    fn with_index_form<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        self.with_canonical(f)
    }

    fn with_revealed<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(&Zeroizing::new(self.expose().to_string()))
    }

    fn from_revealed(text: &str) -> Result<Self, PiiError> {
        IpAddress::parse(text)
    }
}

impl Serialize for IpAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        codec::serialize(self, <Self as Sealable>::DEFAULT_LABEL, s)
    }
}

impl<'de> Deserialize<'de> for IpAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        codec::deserialize(<Self as Sealable>::DEFAULT_LABEL, d)
    }
}

/// Host-defined kinds: category and name from the [`CustomKind`]; the
/// default label is the kind's name (checked at compile time).
impl<K: CustomKind> Sealable for Custom<K> {
    const KIND: PiiKind = PiiKind::Custom(K::NAME);
    const CATEGORY: Category = K::CATEGORY;
    const DEFAULT_LABEL: FieldLabel = FieldLabel::new(K::NAME);
}

super::field::leaf_field!(impl[K: CustomKind] Custom<K>);

impl<K: CustomKind> Forms for Custom<K> {
    fn with_index_form<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        self.with_canonical(f)
    }

    fn with_revealed<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        text_form(self, f)
    }

    fn from_revealed(text: &str) -> Result<Self, PiiError> {
        from_text_form(text)
    }
}

impl<K: CustomKind> Serialize for Custom<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        codec::serialize(self, <Self as Sealable>::DEFAULT_LABEL, s)
    }
}

impl<'de, K: CustomKind> Deserialize<'de> for Custom<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        codec::deserialize(<Self as Sealable>::DEFAULT_LABEL, d)
    }
}

/// Credentials are never serialized, in any mode: hash them (a password
/// hash is not PII to seal) or keep them out of serialized structs.
impl Serialize for Credential {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(SealError::Refused {
            kind: PiiKind::Credential,
        }))
    }
}

/// Credentials are never deserialized.
impl<'de> Deserialize<'de> for Credential {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(SealError::Refused {
            kind: PiiKind::Credential,
        }))
    }
}

/// Revealed forms by the normalization name used in the list (both
/// `lowercase` and `canonical` kinds have UTF-8 canonical forms).
mod reveal {
    use super::{PiiError, Sealable, from_text_form, text_form};

    pub(super) fn lowercase<T: Sealable, R>(value: &T, f: impl FnOnce(&str) -> R) -> R {
        text_form(value, f)
    }

    pub(super) fn canonical<T: Sealable, R>(value: &T, f: impl FnOnce(&str) -> R) -> R {
        text_form(value, f)
    }

    pub(super) fn parse<T: Sealable>(text: &str) -> Result<T, PiiError> {
        from_text_form(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pii::{CallingCode, IdScheme};

    /// The constants above repeat what each kind reports at run time;
    /// check they agree.
    fn check<T: Sealable + PartialEq>(value: T) {
        assert_eq!(value.kind(), T::KIND);
        assert_eq!(value.category(), T::CATEGORY);
        assert_eq!(T::DEFAULT_LABEL.as_str(), T::KIND.name());
        let back = value
            .with_revealed(|text| T::from_revealed(text))
            .expect("revealed form parses");
        assert!(back == value, "revealed form round-trips");
    }

    #[derive(Debug)]
    struct Note;
    impl CustomKind for Note {
        const NAME: &'static str = "support_note";
        const CATEGORY: Category = Category::Engagement;
    }

    #[test]
    fn constants_match_the_kinds() {
        check(Email::parse("ada@example.com").expect("valid"));
        check(
            Phone::parse_national("030 1234 5678", CallingCode::new(49).expect("code"))
                .expect("valid"),
        );
        check(CardNumber::parse("4242 4242 4242 4242").expect("valid"));
        check(Iban::parse("DE89 3704 0044 0532 0130 00").expect("valid"));
        check(PersonName::parse("Ada Lovelace").expect("valid"));
        check(
            PostalAddress::builder()
                .line("Unter den Linden 77")
                .postal_code("10117")
                .locality("Berlin")
                .country("de")
                .build()
                .expect("valid"),
        );
        check(IpAddress::parse("192.0.2.7").expect("valid"));
        check(IpAddress::parse("2001:db8::1").expect("valid"));
        check(DateOfBirth::parse("1990-05-17").expect("valid"));
        check(NationalId::parse(IdScheme::Ssn, "US", "123-45-6789").expect("valid"));
        check(Custom::<Note>::parse("called about order 17").expect("valid"));
    }

    #[test]
    fn index_forms_are_normalized() {
        let email = Email::parse("Ada@Example.com").expect("valid");
        email.with_index_form(|bytes| assert_eq!(bytes, b"ada@example.com"));
        let name = PersonName::parse("Ada Lovelace").expect("valid");
        name.with_index_form(|bytes| assert_eq!(bytes, b"ada lovelace"));
    }

    #[test]
    fn credentials_refuse_serde() {
        let secret = Credential::new(
            crate::pii::CredentialKind::Password,
            "hunter2hunter2".into(),
        );
        let secret = secret.expect("valid");
        let err = serde_json::to_string(&secret).expect_err("refused");
        assert!(
            err.to_string()
                .contains("credential values are never serialized")
        );
        assert!(serde_json::from_str::<Credential>("\"hunter2\"").is_err());
    }
}
