//! Sealing on serialize: every PII value implements `Serialize` and
//! `Deserialize`, and what they write depends on the scope in force.
//!
//! | mode | made by | `Serialize` writes | `Deserialize` accepts |
//! |---|---|---|---|
//! | sealed (default) | [`Vault::subject`](crate::vault::Vault::subject), [`Vault::scope`](crate::vault::Vault::scope) | the envelope: `"cst1:…"` text in human-readable formats, raw bytes in binary ones | envelopes sealed for that scope |
//! | masked | [`masked`] | the masked `Display` form | nothing (error) |
//! | revealed | [`Scope::revealed`] with a [`RevealReason`] | plaintext | plaintext or envelopes |
//! | no scope | — | **error** ([`SealError::NoVault`](crate::SealError::NoVault)) | error |
//!
//! # Finding the vault and the subject
//!
//! `Serialize` for a value cannot see its parent struct, so the vault and
//! the subject come from a per-thread scope around the serde call:
//!
//! ```
//! # use std::sync::Arc;
//! # use custodian::SubjectId;
//! # use custodian::pii::Email;
//! # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
//! # let vault = Vault::builder().build(
//! #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
//! use serde::{Deserialize, Serialize};
//!
//! custodian::field_label!(mod billing_email = "customer.billing_email");
//!
//! #[derive(Serialize, Deserialize)]
//! struct Customer {
//!     login: Email,                       // label "email" (the kind's default)
//!     #[serde(with = "billing_email")]    // label "customer.billing_email"
//!     billing: Option<Email>,
//! }
//!
//! let alice = SubjectId::new("cust_1");
//! let c = Customer { login: Email::parse("ada@example.com")?, billing: None };
//! let json = vault.subject(&alice).run(|| serde_json::to_string(&c))?;
//! let back: Customer = vault.subject(&alice).run(|| serde_json::from_str(&json))?;
//! # assert_eq!(back.login, c.login);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Without a scope, serialization fails: plaintext is never written by
//! accident. Deserializing checks that each envelope was sealed for the
//! scope's subject, the expected category and the field's label; a value
//! moved from another person or field fails with a typed error.
//!
//! # Field labels
//!
//! A value is sealed under its field label (see
//! [`crate::vault::FieldLabel`]). By default the label is the
//! kind's name (`email`), so two `Email` fields of one record are
//! interchangeable: an attacker who can write the database could swap
//! them. Give such fields their own labels with
//! [`field_label!`](crate::field_label); labels
//! are never taken from Rust field names, so renaming a field is safe.
//!
//! # Erased subjects
//!
//! Values of a forgotten subject fail to open with
//! [`SealError::Shredded`](crate::SealError::Shredded). Records kept for
//! legal reasons use [`Erasable<T>`](crate::vault::Erasable) for their PII
//! fields, which deserializes to [`Erasable::Erased`](crate::vault::Erasable::Erased)
//! instead.

mod codec;
mod data_map;
mod default_vault;
#[doc(hidden)]
pub mod field;
mod kinds;
mod record;
mod scope;

pub use codec::LabeledField;
pub use data_map::{DataField, DataMap, FieldPath, FieldState, Holding, PathStep};
pub use default_vault::{DefaultVaultAlreadySet, default_vault, set_default_vault};
pub use record::{Personal, SubjectKey};
pub use scope::{RevealReason, Scope, ScopedError, masked};

use crate::pii::{Category, Pii, PiiKind};
use crate::vault::FieldLabel;

/// A PII kind the vault can seal, open and index: every kind in
/// [`crate::pii`] except `Credential`.
///
/// Sealed: implemented by the crate only (host kinds go through
/// `pii::Custom`).
pub trait Sealable: Pii + hidden::Forms {
    /// The kind.
    const KIND: PiiKind;
    /// The data category, written into envelopes and key derivations.
    const CATEGORY: Category;
    /// The label used when none is given: the kind's name.
    const DEFAULT_LABEL: FieldLabel;
}

pub(crate) mod hidden {
    use crate::pii::PiiError;

    /// Per-kind forms beside the canonical one; crate-private.
    pub trait Forms: Sized {
        /// Calls `f` with the normalized bytes the blind index hashes.
        fn with_index_form<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;

        /// Calls `f` with the plaintext written in a revealed scope.
        fn with_revealed<R>(&self, f: impl FnOnce(&str) -> R) -> R;

        /// Parses the plaintext accepted in a revealed scope.
        fn from_revealed(text: &str) -> Result<Self, PiiError>;
    }
}

/// Declares a module for `#[serde(with = "...")]` that seals a field under
/// an explicit, stable label.
///
/// Works for any PII kind, `Option` of one and
/// [`Erasable`](crate::vault::Erasable) of one.
///
/// ```
/// use custodian::pii::Email;
///
/// custodian::field_label!(pub mod billing_email = "customer.billing_email");
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Customer {
///     #[serde(with = "billing_email")]
///     billing: Email,
/// }
/// assert_eq!(billing_email::LABEL.as_str(), "customer.billing_email");
/// ```
///
/// The label must be printable ASCII, 1 to 255 bytes (checked at compile
/// time), and must never change once values are stored.
#[macro_export]
macro_rules! field_label {
    ($(#[$meta:meta])* $vis:vis mod $name:ident = $label:literal) => {
        $(#[$meta])*
        #[doc = concat!("Seals a field under the label `", $label, "`.")]
        #[allow(unreachable_pub)]
        $vis mod $name {
            /// The label.
            pub const LABEL: $crate::vault::FieldLabel = $crate::vault::FieldLabel::new($label);

            /// Serializes the field under [`LABEL`].
            ///
            /// # Errors
            ///
            /// As the value's own `Serialize`.
            pub fn serialize<F, S>(value: &F, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                F: $crate::seal::LabeledField,
                S: $crate::__private::serde::Serializer,
            {
                $crate::seal::LabeledField::serialize_labeled(value, LABEL, serializer)
            }

            /// Deserializes the field sealed under [`LABEL`].
            ///
            /// # Errors
            ///
            /// As the value's own `Deserialize`.
            pub fn deserialize<'de, F, D>(deserializer: D) -> ::core::result::Result<F, D::Error>
            where
                F: $crate::seal::LabeledField,
                D: $crate::__private::serde::Deserializer<'de>,
            {
                <F as $crate::seal::LabeledField>::deserialize_labeled(LABEL, deserializer)
            }
        }
    };
}

#[cfg(test)]
mod tests;
