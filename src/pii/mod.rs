//! Typed personal data: values that parse, know their category and mask
//! themselves.
//!
//! Every kind here is constructed only by parsing, stores its value in a
//! normalized form, and follows the same contract:
//!
//! - `Display` writes the masked form (for UIs, support tools and logs);
//!   `Debug` writes the type name around the same masked form. Neither
//!   allocates.
//! - The plaintext comes out only through `expose()` (or
//!   [`Credential::expose`]): grep for `expose` to review every place that
//!   touches it.
//! - Equality is constant-time over the normalized bytes.
//! - The plaintext is zeroized when the value is dropped.
//! - There is no `Deref`, `AsRef` or `From` route to the inner value.
//!
//! | kind | category | masked as |
//! |---|---|---|
//! | [`Email`] | contact | `a•••@example.com` |
//! | [`Phone`] | contact | `+•••5678` |
//! | [`CardNumber`] | financial | `Visa •••• 4242` |
//! | [`Iban`] | financial | `DE•••3000` |
//! | [`PersonName`] | identity | `A••• L•••` |
//! | [`PostalAddress`] | location | `•••, Berlin, DE` |
//! | [`IpAddress`] | engagement | `192.0.2.•` / `2001:db8:85a3:•` |
//! | [`DateOfBirth`] | identity | `1990-••-••` |
//! | [`NationalId`] | identity | `US SSN •••6789` |
//! | [`Credential`] | credential | `[credential]` |
//! | [`Custom`] | chosen by the host | chosen by the host |
//!
//! # Judgement calls
//!
//! Where established validators disagree, each kind goes the way a
//! customer filling in a checkout form would expect, and says why:
//!
//! | kind | question | reference validators | this crate | why |
//! |---|---|---|---|---|
//! | all | surrounding whitespace | some trim, some refuse | trimmed for every kind | pasted values carry it; it is never part of the value |
//! | all | fullwidth and other non-ASCII digits (`０３`, `٠٣`) | libphonenumber and python-stdnum map them to ASCII | refused by every kind | a form field should show what is stored; mapped digits hide homoglyph tricks |
//! | [`Email`] | dots in the local part | RFC 5322 quoted strings allow any; WHATWG allows leading, trailing and doubled dots | dot-separated atoms only (no leading, trailing or doubled dot) | the forms mail providers hand out; the others bounce at most receivers |
//! | [`Email`] | single-label domains (`ada@localhost`) | WHATWG accepts, RFC 5322 accepts | refused | no customer has one; it is a typo for `…@gmail.com` or an internal host |
//! | [`Email`] | internationalized addresses | WHATWG refuses non-ASCII, RFC 6531 accepts | accepted (UTF-8 local parts, Unicode or punycode domains, kept as given) | customers have them, and sending works where the provider supports SMTPUTF8 |
//! | [`CardNumber`] | 13- and 18-digit Visa | the IIN registry allows 13–19; `credit-card-type` lists 16, 18, 19 | 13, 16 and 19 digits | 13 digits were issued and may still be on file; 18-digit Visa cards are not issued |
//! | [`CardNumber`] | 14- and 15-digit UnionPay | `credit-card-type` lists 14–19 | 16–19 digits | UnionPay issues 16–19 digits; shorter ones are typos |
//! | [`IpAddress`] | IPv6 zone ids (`fe80::1%eth0`) | RFC 6874 text forms allow them | refused | a zone names an interface of one host, meaningless in stored data |
//! | [`DateOfBirth`] | the window | none fixed | not after today, not more than 150 years ago | the oldest living people are under 120; the free-text detector, which has no clock, uses 1880–2099 |
//! | [`Phone`] | valid or possible | libphonenumber `isValidNumber` vs `isPossibleNumber` | valid: a number type of the plan must match | carriers refuse numbers outside the plan; length alone accepts unused prefixes |
//! | [`Phone`] | vanity numbers, extensions | libphonenumber maps letters to digits and parses extensions | refused before parsing | a delivery phone is dialled and texted as digits |
//! | [`Iban`] | separators | python-stdnum drops spaces and dashes anywhere; schwifty drops whitespace | single spaces anywhere; dashes, dots, tabs, doubled spaces refused | the paper form groups by four with single spaces; a dash marks a national account number |
//! | [`Iban`] | national check digits | python-stdnum checks BE, ES, NO; schwifty also FI, FR, IT, PL and others | BE, ES, FI, FR, IT, MC, NO, PL, PT, SM | one checked table each; Germany's per-bank methods need a bank table the crate does not carry |
//! | [`NationalId`] (SSN) | layouts | python-stdnum: `AAA-GG-SSSS`, nine digits, either dash alone | the same; spaces, dots, slashes, other dashes refused | what the SSA prints and forms accept |
//! | [`NationalId`] (SSN) | advertising numbers (078-05-1120, 219-09-9999, 457-55-5462) | python-stdnum refuses; shape validators accept | refused as never issued; the free-text redactor still finds them | they are nobody's number, so a form must not take one; text that carries one means it as an SSN |
//!
//! Values implement neither `Hash` nor `Ord`: a hash map keyed by plaintext
//! invites timing and logging leaks. Look values up through a blind index
//! instead.
//!
//! # Misuse that does not compile
//!
//! There is no implicit way to the plaintext:
//!
//! ```compile_fail
//! let email = custodian::pii::Email::parse("ada@example.com").unwrap();
//! let text: &str = &email; // no Deref to the inner string
//! ```
//!
//! ```compile_fail
//! let email = custodian::pii::Email::parse("ada@example.com").unwrap();
//! let text: &str = email.as_ref(); // no AsRef<str>
//! ```
//!
//! ```compile_fail
//! let card = custodian::pii::CardNumber::parse("4242424242424242").unwrap();
//! let text = String::from(card); // no From<CardNumber> for String
//! ```
//!
//! and no way to add a kind that skips the contract, since [`Pii`] is
//! sealed:
//!
//! ```compile_fail
//! #[derive(Debug)]
//! struct Raw(String);
//! impl std::fmt::Display for Raw {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(&self.0) }
//! }
//! impl custodian::pii::Pii for Raw {
//!     fn kind(&self) -> custodian::pii::PiiKind { custodian::pii::PiiKind::Custom("raw") }
//!     fn category(&self) -> custodian::pii::Category { custodian::pii::Category::Contact }
//! }
//! ```

mod address;
mod card;
mod category;
mod country;
mod credential;
mod custom;
mod dob;
mod email;
mod error;
mod iban;
mod ip;
pub mod mask;
mod name;
mod national_id;
mod phone;

use core::fmt;

pub use address::{AddressParts, PostalAddress, PostalAddressBuilder};
pub use card::{CardBrand, CardNumber};
pub use category::{Category, HostCategory};
pub use country::CountryCode;
pub use credential::{Credential, CredentialKind};
pub use custom::{Custom, CustomKind};
pub use dob::DateOfBirth;
pub use email::Email;
pub use error::{PiiError, Reason};
pub use iban::Iban;
pub use ip::IpAddress;
pub use name::PersonName;
pub use national_id::{IdScheme, NationalId};
pub(crate) use phone::valid_national;
pub use phone::{CallingCode, Phone, PhoneType};

/// What a PII value is: one variant per kind in this module.
///
/// Printed in lower snake case (`email`, `card_number`, ...); that name
/// appears in error messages and masked serializations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PiiKind {
    /// An [`Email`].
    Email,
    /// A [`Phone`].
    Phone,
    /// A [`CardNumber`].
    CardNumber,
    /// An [`Iban`].
    Iban,
    /// A [`PersonName`].
    PersonName,
    /// A [`PostalAddress`].
    PostalAddress,
    /// An [`IpAddress`].
    IpAddress,
    /// A [`DateOfBirth`].
    DateOfBirth,
    /// A [`NationalId`].
    NationalId,
    /// A [`Credential`].
    Credential,
    /// A [`Custom`] value; the name is [`CustomKind::NAME`].
    Custom(&'static str),
}

impl PiiKind {
    /// The kind's name in lower snake case.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::CardNumber => "card_number",
            Self::Iban => "iban",
            Self::PersonName => "person_name",
            Self::PostalAddress => "postal_address",
            Self::IpAddress => "ip_address",
            Self::DateOfBirth => "date_of_birth",
            Self::NationalId => "national_id",
            Self::Credential => "credential",
            Self::Custom(name) => name,
        }
    }
}

impl fmt::Display for PiiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The contract every PII value in this module keeps.
///
/// The trait is sealed: host-defined kinds go through [`Custom`] and
/// [`CustomKind`], so that every value the crate seals or indexes has a
/// canonical encoding the crate controls.
pub trait Pii: fmt::Display + fmt::Debug + Sized + private::Sealed {
    /// Which kind of value this is.
    fn kind(&self) -> PiiKind;

    /// The data category the value belongs to.
    fn category(&self) -> Category;
}

pub(crate) mod private {
    use super::PiiError;

    /// Crate-internal access to the canonical plaintext encoding, used by
    /// sealing and blind indexing. Not nameable outside the crate.
    pub trait Sealed: Sized {
        /// Calls `f` with the canonical bytes of the value. Values that must
        /// build their encoding zeroize the buffer afterwards.
        #[allow(dead_code, reason = "used by the vault")]
        fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;

        /// Parses canonical bytes back into a value, validating them again.
        #[allow(dead_code, reason = "used by the vault")]
        fn from_canonical(bytes: &[u8]) -> Result<Self, PiiError>;

        /// [`from_canonical`](Sealed::from_canonical) of a buffer just
        /// decrypted, taken by value: kinds that store their canonical text
        /// keep the buffer instead of copying the plaintext once more.
        #[allow(dead_code, reason = "used by the vault")]
        fn from_opened(bytes: zeroize::Zeroizing<Vec<u8>>) -> Result<Self, PiiError> {
            Self::from_canonical(&bytes)
        }
    }
}

/// Constant-time equality of two byte strings (lengths may leak).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// Implements the parts of the contract that are the same for every kind:
/// `Pii`, constant-time `PartialEq`/`Eq` over the canonical bytes, and a
/// `Debug` that wraps the masked `Display` in the type name.
macro_rules! impl_pii {
    ($ty:ident, $kind:expr, $category:expr) => {
        impl $crate::pii::Pii for $ty {
            fn kind(&self) -> $crate::pii::PiiKind {
                $kind
            }

            fn category(&self) -> $crate::pii::Category {
                $category
            }
        }

        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                use $crate::pii::private::Sealed;
                self.with_canonical(|a| other.with_canonical(|b| $crate::pii::ct_eq(a, b)))
            }
        }

        impl Eq for $ty {}

        impl ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_tuple(stringify!($ty))
                    .field(&format_args!("{self}"))
                    .finish()
            }
        }
    };
}
pub(crate) use impl_pii;

/// Implements the canonical encoding of kinds that store one normalized
/// string: the canonical bytes are that string, and reading them back
/// validates it again on every open — through `parse`, or, when a kind
/// names a constructor that checks an already-normalized string in place
/// (taking `Zeroizing<String>`), through that, without another copy.
macro_rules! impl_text_canonical {
    ($ty:ident, $field:ident, $kind:expr) => {
        $crate::pii::impl_text_canonical!($ty, $field, $kind, |text: zeroize::Zeroizing<
            String,
        >| { Self::parse(&text) });
    };
    ($ty:ident, $field:ident, $kind:expr, $from_normalized:expr) => {
        impl $crate::pii::private::Sealed for $ty {
            fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                f(self.$field.as_bytes())
            }

            fn from_canonical(bytes: &[u8]) -> Result<Self, $crate::pii::PiiError> {
                Self::from_opened(zeroize::Zeroizing::new(bytes.to_vec()))
            }

            fn from_opened(
                mut bytes: zeroize::Zeroizing<Vec<u8>>,
            ) -> Result<Self, $crate::pii::PiiError> {
                // Moved out, not copied: the String owns the buffer and is
                // zeroized in its turn.
                let text = String::from_utf8(core::mem::take(&mut *bytes)).map_err(|e| {
                    // Wipe the rejected bytes before they are dropped.
                    zeroize::Zeroize::zeroize(&mut e.into_bytes());
                    $crate::pii::PiiError::new(
                        $kind,
                        $crate::pii::Reason::MalformedPart { part: "encoding" },
                    )
                })?;
                ($from_normalized)(zeroize::Zeroizing::new(text))
            }
        }
    };
}
pub(crate) use impl_text_canonical;
