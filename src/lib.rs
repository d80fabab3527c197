//! Keep a marketplace's privacy policy in code.
//!
//! `custodian` gives order, shipping, payment and support code typed personal
//! data that cannot leak by accident: every value is parsed (invalid input is
//! a typed error), knows its data category, masks itself whenever it is
//! displayed or debug-printed, and hands out its plaintext only through one
//! explicit, greppable method.
//!
//! ```
//! use custodian::pii::{CardNumber, Email, Phone, CallingCode};
//!
//! let email = Email::parse("Ada.Lovelace@Example.COM")?;
//! let phone = Phone::parse_national("030 1234 5678", CallingCode::new(49)?)?;
//! let card = CardNumber::parse("4242 4242 4242 4242")?;
//!
//! // Display and Debug are masked: logs and UIs never see the plaintext.
//! assert_eq!(email.to_string(), "A•••@example.com");
//! assert_eq!(phone.to_string(), "+•••5678");
//! assert_eq!(format!("{card:?}"), "CardNumber(Visa •••• 4242)");
//!
//! // Plaintext only through `expose`, which is easy to find in review.
//! assert_eq!(phone.expose(), "+493012345678");
//! # Ok::<(), custodian::pii::PiiError>(())
//! ```
//!
//! # Concepts
//!
//! | the privacy policy promises | module |
//! |---|---|
//! | collect only essential data, each kind in its category | [`pii`] |
//! | mask personal data in every display | [`pii`] (`Display`/`Debug`) |
//! | encrypted storage: values sealed (AES-256-GCM, HKDF-SHA256 subkeys) whenever serialized, each record under its own subject's key | [`vault`], [`seal`] ([`Personal`] records) |
//! | know what personal data each record holds, for whom | [`seal::DataMap`] (from `#[derive(Personal)]`) |
//! | masking in transfers: a masked serialization mode | [`seal::masked`] |
//! | erasure: crypto-shredding of a subject's key | [`vault::Vault::forget`] |
//! | rights to access, rectify, erase, restrict, object, withdraw consent and complain, within legal deadlines | [`rights`] (requests, deadlines, exports, holds) over the host's [`records`] |
//! | purge obsolete records, keep the audit trail | [`retention`] (rules, holds, sweeps) |
//! | lookups without plaintext | [`vault::BlindIndex`] |
//! | each kind of data for named purposes, on a lawful basis | [`purpose`], [`policy`] (category × purpose → basis, versions, Art. 30 record) |
//! | collection grounded in consent; withdrawal at any time | [`consent`] (ledger, GPC, signed receipts) |
//! | every use checked: allowed, denied with a reason, or a policy gap | [`decision`] |
//! | staff permissions, no unauthorized viewing | [`access`] (role- and purpose-checked reveals) |
//! | no disclosure without approval, except delivery, shipping, payment | [`disclosure`] (recipients and their agreements) |
//! | every internal data activity logged and traceable | [`audit`] (events, sink trait, verifiable Merkle log); reveals, disclosures and consent changes are recorded through an [`audit::Auditor`] before they take effect |
//! | subjects, roles, recipients, versions as checked identifiers | [`ids`], [`time`] |
//! | mask personal data in logs, tickets and other free text | [`redact`] |
//! | all of it behind one door that cannot be built unaudited | [`Custodian`] ([`front`]) |
//! | robust preservation: keys, consent, audit log and evidence survive restarts, shared by several servers | `store` (SQLite, PostgreSQL) |
//!
//! Uses of personal data are decided at run time against a versioned policy
//! and the subject's consents:
//!
//! ```
//! use custodian::consent::ConsentLedger;
//! use custodian::decision::{Actor, Decider, DenialReason, Use};
//! use custodian::ids::PolicyVersion;
//! use custodian::SubjectId;
//! use custodian::pii::Category;
//! use custodian::policy::{marketplace, PolicySchedule};
//! use custodian::purpose::Purpose;
//! use custodian::time::Timestamp;
//!
//! let schedule = PolicySchedule::single(marketplace().build(PolicyVersion::new("1"), Timestamp::EPOCH)?);
//! # let auditor = custodian::audit::Auditor::new(custodian::audit::MemorySink::new(), custodian::audit::Pseudonymizer::from_bytes([1; 32]));
//! let ledger = ConsentLedger::in_memory(auditor);
//! let decider = Decider::new(&schedule, &ledger);
//! let ada = SubjectId::try_new("cus_8Hq2")?;
//! let now = Timestamp::now();
//!
//! // Shipping rests on the contract; marketing needs a consent Ada has not given.
//! assert!(decider.decide(&Use::new(&ada, &[Category::Location], Purpose::Shipping, Actor::System, now)).is_allowed());
//! let mail = decider.decide(&Use::new(&ada, &[Category::Contact], Purpose::Marketing, Actor::System, now));
//! assert_eq!(mail.denial_reason(), Some(DenialReason::NoConsent));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Security
//!
//! - Plaintext is zeroized when a value is dropped. Copies that host code
//!   makes from [`expose`](pii::Email::expose) are the host's to protect.
//! - Equality of values is constant-time over their normalized bytes (the
//!   length of a value may still show in timing).
//! - Error messages never echo the input: they name what is wrong and where.
//! - No `Deref`, `AsRef` or `From` conversion reaches the plaintext.
//! - Decisions fail closed: a use the policy does not cover is a gap, an
//!   unreadable consent ledger denies, and staff see plaintext only through
//!   a role- and purpose-checked reveal whose guard zeroizes its copy on drop.
//! - Audit fails closed: a reveal, disclosure or consent change whose audit
//!   event cannot be recorded returns an error and has no effect.
//!
//! What this crate does not protect against: a compromised host process
//! (memory can be read before it is zeroized), copies the host makes of
//! exposed plaintext, and swap or core dumps.
//!
//! Sealed values are safe to store and back up; see the
//! [vault's residual risks](vault#residual-risks) for what remains after
//! erasure (key-store backups, blind indexes in old backups).
//!
//! # Crate features
//!
//! - `derive` (default): `#[derive(Personal)]` for host structs, from the
//!   `custodian-derive` crate ([rules](seal#records-derivepersonal)).
//! - `sqlite` (default): `store::Store::sqlite`, durable storage of keys,
//!   consent, the audit log and evidence in an embedded SQLite file.
//! - `postgres`: `store::Store::postgres`, the same in PostgreSQL (or a
//!   compatible distributed engine) shared by several app servers.
//! - `argon2`: Argon2id "slow" blind indexes
//!   ([`BlindIndex::slow`](vault::BlindIndex)) for low-entropy fields.
//! - `toml`: read policy documents written in TOML
//!   ([`policy::load`]`::from_toml`).
//! - `tracing`: `tracing-subscriber` field and JSON event formatters that
//!   redact PII from every field and message before it is written
//!   (`trace`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

pub mod access;
pub mod audit;
pub mod consent;
pub mod decision;
pub mod disclosure;
mod error;
pub mod front;
mod hex;
pub mod ids;
pub mod pii;
pub mod policy;
pub mod purpose;
pub mod records;
pub mod redact;
pub mod retention;
pub mod rights;
pub mod seal;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod store;
mod string_form;
mod subject;
mod swar;
pub mod time;
#[cfg(feature = "tracing")]
pub mod trace;
pub mod validate;
pub mod vault;

/// Derives [`seal::Personal`], `Serialize` and `Deserialize` for a host
/// struct whose values are one subject's data; see [the rules](seal#records-derivepersonal).
#[cfg(feature = "derive")]
pub use custodian_derive::Personal;
pub use error::{EnvelopeFault, Error, SealError, VaultError};
pub use front::Custodian;
pub use seal::Personal;
pub use subject::{Owned, SubjectId};

// The derive names paths from `::custodian`; this makes them resolve in the
// crate's own tests too.
extern crate self as custodian;

/// Plumbing for the crate's macros. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    pub use crate::seal::field as record;
}

/// The README's examples, compiled and run as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
