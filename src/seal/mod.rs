//! Sealing on serialize: every PII value implements `Serialize` and
//! `Deserialize`, and is written sealed (or masked, or for its subject in
//! clear) under the key of the person it is about.
//!
//! # Records: `#[derive(Personal)]`
//!
//! The first way to seal a struct: derive [`Personal`] on it and mark the
//! field that names its subject. Each record seals under its own
//! subject's key, whatever else is being serialized around it:
//!
//! ```
//! # use std::sync::Arc;
//! # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
//! use custodian::{Personal, SubjectId};
//! use custodian::pii::{Email, Phone};
//!
//! #[derive(Personal)]
//! struct Customer {
//!     #[personal(subject)]
//!     id: SubjectId,
//!     email: Email,                                  // sealed, label "email"
//!     #[personal(label = "customer.billing_email")]
//!     billing: Option<Email>,                        // sealed under its own label
//!     phones: Vec<Phone>,                            // each sealed
//!     #[personal(category = "transaction")]
//!     lifetime_spend: u64,                           // plain, but listed as personal data
//!     locale: String,                                // plain
//! }
//!
//! # let vault = Vault::builder().build(
//! #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
//! let customer = |id: &str, email: &str| -> Result<Customer, Box<dyn std::error::Error>> {
//!     Ok(Customer { id: SubjectId::try_new(id)?, email: Email::parse(email)?, billing: None,
//!                   phones: vec![], lifetime_spend: 0, locale: "en".into() })
//! };
//! let batch = vec![customer("ada", "ada@example.com")?, customer("bob", "bob@example.com")?];
//!
//! // One serde call, two subjects, two keys. (`records()` names the vault
//! // for this call; a default vault serves frameworks that serialize later.)
//! let json = vault.records().run(|| serde_json::to_string(&batch))?;
//! assert!(!json.contains("@example.com"));
//!
//! // Forgetting Bob erases his values, and only his.
//! vault.forget(&SubjectId::new("bob"))?;
//! let rows: Vec<serde_json::Value> = serde_json::from_str(&json)?;
//! let load = |row: &serde_json::Value| vault.records().run(|| serde_json::from_value::<Customer>(row.clone()));
//! assert_eq!(load(&rows[0])?.email.expose(), "ada@example.com");
//! assert!(load(&rows[1]).is_err_and(|e| e.seal_error().is_some_and(|e| e.is_shredded())));
//!
//! // The record's data map: which field holds which category, for whom.
//! let map = batch[0].data_map()?;
//! let listed: Vec<String> = map.fields().iter().map(|f| format!("{} {}", f.path(), f.category())).collect();
//! assert_eq!(listed, ["email contact", "billing contact", "phones contact", "lifetime_spend transaction"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The derive writes the struct's `Serialize` and `Deserialize` (do not
//! derive serde's as well): writing a record first puts its subject in
//! force for everything inside it; reading it takes the PII fields as
//! envelopes and opens them once the whole record — and so its subject
//! field, wherever it stood in the input — has been read.
//!
//! ## Which fields are sealed
//!
//! A field is sealed when its **type** says so: the derive asks, for each
//! field, whether its type implements a crate trait that only these types
//! implement. There is no list of type names, so aliases, imports and
//! paths do not matter.
//!
//! | field type | written | read | in the data map |
//! |---|---|---|---|
//! | a PII kind of [`crate::pii`] (`Email`, `Phone`, `Custom<K>`, …) | sealed under the record's subject | opened after the record is read | its kind, category and label |
//! | [`Erasable<K>`](crate::vault::Erasable) of a kind | the same; an erased value writes its envelope back | an erased value loads as `Erased` | the same, with its state |
//! | `Option`, `Vec` or `Box` of the above | each value as above | each value | each value (`orders[2]`), or one absent entry |
//! | another `#[derive(Personal)]` record, or `Option`/`Vec`/`Box` of one | under **its own** subject | by itself | its own fields, with its subject |
//! | `#[personal(category = "…")]` on any other type | as it is: **plain** | as it is | category and subject, marked plain |
//! | any other type | through its own serde impls | through its own serde impls | — |
//! | `Credential` | refused: an error | refused | — |
//!
//! Limits, all failing closed:
//!
//! - PII values deep inside a type the derive does not see (a plain serde
//!   struct, a `HashMap<String, Email>`) still seal under the record's
//!   subject — never another — but are not in the data map, and open only
//!   if the subject field came before them in the input (the derive always
//!   writes it first; a store that reorders keys, such as PostgreSQL
//!   `jsonb`, makes them fail with [`SealError::NoSubject`](crate::SealError::NoSubject)).
//!   Derive `Personal` on such types, or use the container types above.
//! - Generic structs, tuple structs, enums and borrowed fields are refused
//!   at compile time.
//! - The data map lists what the struct holds now: an absent nested record
//!   (a `None`) lists nothing, since its subject is unknown.
//!
//! ## Attributes
//!
//! - `#[personal(subject)]` — exactly one field; its type implements
//!   [`SubjectKey`] ([`SubjectId`](crate::SubjectId), `String`, integers,
//!   or the host's id type). Written first, never skipped.
//! - `#[personal(label = "customer.billing_email")]` — the [field
//!   label](#field-labels) a sealed field is sealed under (default: its
//!   kind's name). Two fields of one kind in a record need their own
//!   labels; a label never changes once values are stored.
//! - `#[personal(category = "transaction")]` — a plain field that is
//!   personal data: listed in the data map (for export and for erasure in
//!   the host's storage), written as it is. A built-in category name or a
//!   path to a `Category` constant (host categories). Refused on a sealed
//!   field, whose kind decides its category.
//! - `#[personal(crate = "path::to::custodian")]` — on the struct, where
//!   the crate is renamed.
//!
//! Of serde's attributes, these work as in serde: on the struct `rename`,
//! `rename_all`, `deny_unknown_fields`; on fields `rename`, `alias`,
//! `default`, `default = "path"`, `skip`, `skip_serializing_if = "path"`.
//! Any other is a compile error, never silently ignored.
//!
//! ## Where the vault comes from
//!
//! 1. The innermost scope on the thread, if any: [`Vault::records`]
//!    (records only), [`Vault::subject`] / [`Vault::scope`] (which also
//!    seal loose values), or [`masked`]. Its vault and mode are used; its
//!    subject never applies inside a record.
//! 2. Otherwise the process's default vault, set once at start-up with
//!    [`set_default_vault`]. This is what serves frameworks that serialize
//!    later, outside any closure and on other threads: axum's `Json`,
//!    sqlx's `Json<T>`, a message queue's encoder.
//! 3. Otherwise serialization fails with
//!    [`SealError::NoVault`](crate::SealError::NoVault): plaintext is never
//!    written by accident.
//!
//! In a [`masked`] scope records are masked. In a
//! [revealed](Scope::revealed) scope for Ada, Ada's records are written in
//! clear (her copy of her data) and every other subject's records inside
//! them — an order's seller — stay sealed under their own keys.
//!
//! ## When a subject is forgotten
//!
//! After [`Vault::forget`](crate::vault::Vault::forget), every copy of the
//! subject's sealed values — database, exports, backups — is gone. Read
//! back, each field of their records behaves by its type:
//!
//! | field | after the subject is forgotten |
//! |---|---|
//! | a PII kind (`Email`) | the record fails to load with [`SealError::Shredded`](crate::SealError::Shredded) |
//! | `Option`/`Vec` of a kind | `None` / `[]` load; a present value fails as above |
//! | `Erasable<Email>` (and `Option`/`Vec` of it) | loads as [`Erasable::Erased`](crate::vault::Erasable::Erased); written back, it keeps its unopenable envelope; the data map says `Erased` |
//! | a nested record of another subject (the seller) | unaffected: sealed under that subject's key |
//! | the subject field, plain fields | unchanged: they were never sealed. Fields marked with a category are listed in the data map for the host to delete |
//!
//! So use plain kinds where a record is useless without its PII (a
//! login), and `Erasable` where it must outlive its subject's erasure (an
//! invoice kept for tax law).
//!
//! Written again, a record of a forgotten subject that still holds a
//! present value (a stale copy from a cache or a job queue) fails with
//! [`SealError::Shredded`](crate::SealError::Shredded), alone, in a batch
//! or nested in another subject's record, whatever the scope: forgetting
//! is permanent, and nothing seals for the subject again until
//! [`Vault::reinstate`](crate::vault::Vault::reinstate) makes them a new
//! person. Erased values write their envelopes back, so a record loaded
//! after the erasure can be stored again. A value a record sealed opens
//! with its owner through
//! [`Vault::open_owned`](crate::vault::Vault::open_owned) under the
//! record's subject (its envelope is in the record's field), which is what
//! a reveal takes.
//!
//! ## Misuse that does not compile
//!
//! A record names its subject:
//!
//! ```compile_fail
//! #[derive(custodian::Personal)]
//! struct Customer {
//!     email: custodian::pii::Email, // no #[personal(subject)] field
//! }
//! ```
//!
//! exactly once:
//!
//! ```compile_fail
//! #[derive(custodian::Personal)]
//! struct Transfer {
//!     #[personal(subject)]
//!     from: custodian::SubjectId,
//!     #[personal(subject)]
//!     to: custodian::SubjectId, // two people: make two records
//! }
//! ```
//!
//! with a type that names a subject:
//!
//! ```compile_fail
//! #[derive(custodian::Personal)]
//! struct Reading {
//!     #[personal(subject)]
//!     id: f64,
//!     email: custodian::pii::Email,
//! }
//! ```
//!
//! A sealed field's category is its kind's, and a plain field has no
//! label:
//!
//! ```compile_fail
//! #[derive(custodian::Personal)]
//! struct Customer {
//!     #[personal(subject)]
//!     id: custodian::SubjectId,
//!     #[personal(category = "identity")]
//!     email: custodian::pii::Email,
//! }
//! ```
//!
//! ```compile_fail
//! #[derive(custodian::Personal)]
//! struct Customer {
//!     #[personal(subject)]
//!     id: custodian::SubjectId,
//!     #[personal(label = "customer.visits")]
//!     visits: u32,
//! }
//! ```
//!
//! Two fields under one label would be interchangeable:
//!
//! ```compile_fail
//! #[derive(custodian::Personal)]
//! struct Customer {
//!     #[personal(subject)]
//!     id: custodian::SubjectId,
//!     #[personal(label = "customer.email")]
//!     login: custodian::pii::Email,
//!     #[personal(label = "customer.email")]
//!     billing: custodian::pii::Email,
//! }
//! ```
//!
//! and serde attributes the derive does not implement are refused:
//!
//! ```compile_fail
//! #[derive(custodian::Personal)]
//! #[serde(tag = "type")]
//! struct Customer {
//!     #[personal(subject)]
//!     id: custodian::SubjectId,
//! }
//! ```
//!
//! Each compiles once the mistake is fixed:
//!
//! ```
//! #[derive(custodian::Personal)]
//! #[serde(rename_all = "camelCase")]
//! struct Customer {
//!     #[personal(subject)]
//!     id: custodian::SubjectId,
//!     #[personal(label = "customer.login_email")]
//!     login_email: custodian::pii::Email,
//!     #[personal(category = "engagement")]
//!     visits: u32,
//! }
//! ```
//!
//! # Values outside records: the ambient scope (advanced)
//!
//! A PII value that is not inside a record — a lone value, a plain serde
//! struct — takes its subject from a per-thread scope around the serde
//! call:
//!
//! | mode | made by | `Serialize` writes | `Deserialize` accepts |
//! |---|---|---|---|
//! | sealed (default) | [`Vault::subject`](crate::vault::Vault::subject), [`Vault::scope`](crate::vault::Vault::scope) | the envelope: `"cst1:…"` text in human-readable formats, raw bytes in binary ones | envelopes sealed for that scope |
//! | masked | [`masked`] | the masked `Display` form | nothing (error) |
//! | revealed | [`Scope::revealed`] with a [`RevealReason`] | plaintext | plaintext or envelopes |
//! | no scope | — | **error** ([`SealError::NoVault`](crate::SealError::NoVault), or [`NoSubject`](crate::SealError::NoSubject) with a default vault) | error |
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
//! # Security
//!
//! The scope's subject applies to **every** loose value inside it: a list
//! of plain structs about several people, serialized in one subject's
//! scope, is sealed under that one subject's key, and forgetting the
//! others erases nothing of theirs. Anything that holds personal data of
//! a named person should be a `Personal` record.
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
//! them. Give such fields their own labels with `#[personal(label)]` or,
//! outside records, [`field_label!`](crate::field_label); labels
//! are never taken from Rust field names, so renaming a field is safe.
//!
//! # Erased subjects
//!
//! Values of a forgotten subject fail to open with
//! [`SealError::Shredded`](crate::SealError::Shredded). Records kept for
//! legal reasons use [`Erasable<T>`](crate::vault::Erasable) for their PII
//! fields, which deserializes to [`Erasable::Erased`](crate::vault::Erasable::Erased)
//! instead (see [when a subject is forgotten](#when-a-subject-is-forgotten)).
//!
//! [`Vault::records`]: crate::vault::Vault::records
//! [`Vault::subject`]: crate::vault::Vault::subject
//! [`Vault::scope`]: crate::vault::Vault::scope

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
