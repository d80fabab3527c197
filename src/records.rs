//! What the host holds: its records about a subject, described to the
//! crate through one small trait, [`Host`], which the rights workflow
//! ([`rights`](crate::rights)) and retention sweeps
//! ([`retention`](crate::retention)) drive.
//!
//! A host describes each of its records as a [`Record`]: an id of its
//! own, the data category, the record class that retention rules name
//! (an invoice, a commercial letter), the dates retention counts from,
//! and the record's personal fields as sealed [`Envelope`]s. The crate
//! never needs the host's structs; a derive can compute `Record`s from
//! them later.
//!
//! [`MemoryHost`] implements the trait in memory for tests and examples.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::SubjectId;
use crate::ids::{InvalidId, Reference};
use crate::pii::Category;
use crate::purpose::LawfulBasis;
use crate::rights::HostError;
use crate::time::Timestamp;
use crate::vault::{Envelope, FieldLabel};

/// The host's id of one of its records (a table row, a document):
/// 1 to 128 characters of `A-Za-z0-9._:/#-`, starting with a letter or
/// digit. Use opaque ids, never names or e-mail addresses.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(Reference);

impl RecordId {
    /// An id known at compile time.
    ///
    /// # Panics
    ///
    /// If `id` does not have the syntax (a compile error in a `const`).
    pub const fn new(id: &'static str) -> Self {
        Self(Reference::new(id))
    }

    /// Checks an id that arrives at run time.
    ///
    /// # Errors
    ///
    /// [`InvalidId`] (`reference`) if it does not have the syntax.
    pub fn parse(id: &str) -> Result<Self, InvalidId> {
        Reference::parse(id).map(Self)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of record it is, as retention rules name it: a snake_case
/// key. The crate's rules use the constants below; a host adds its own.
///
/// ```
/// use custodian::records::RecordClass;
///
/// const RETURN_LABEL: RecordClass = RecordClass::new("return_label");
/// assert_eq!(RecordClass::INVOICE.as_str(), "invoice");
/// # let _ = RETURN_LABEL;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordClass(&'static str);

impl RecordClass {
    /// Invoices issued or received (HGB §257(1) no. 4, AO §147(1) no. 4).
    pub const INVOICE: RecordClass = RecordClass::new("invoice");
    /// Booking vouchers (HGB §257(1) no. 4).
    pub const BOOKING_VOUCHER: RecordClass = RecordClass::new("booking_voucher");
    /// Books of account and records (HGB §257(1) no. 1).
    pub const BOOKS: RecordClass = RecordClass::new("books");
    /// Annual financial statements (HGB §257(1) no. 1).
    pub const ANNUAL_ACCOUNTS: RecordClass = RecordClass::new("annual_accounts");
    /// Commercial letters received and copies of those sent (HGB §257(1)
    /// nos. 2 and 3): offers, order confirmations.
    pub const COMMERCIAL_LETTER: RecordClass = RecordClass::new("commercial_letter");
    /// A customer account (profile, preferences, addresses).
    pub const ACCOUNT: RecordClass = RecordClass::new("account");

    /// A class key: 1 to 64 characters of `a-z`, `0-9` and `_`, starting
    /// with a letter.
    ///
    /// # Panics
    ///
    /// If `key` does not have the syntax (a compile error in a `const`).
    pub const fn new(key: &'static str) -> Self {
        assert!(
            crate::ids::valid_snake_key(key.as_bytes()),
            "invalid record class"
        );
        Self(key)
    }

    /// The key.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for RecordClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// One personal field of a record, as stored: sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The label it is sealed under.
    pub label: FieldLabel,
    /// The sealed value.
    pub envelope: Envelope,
}

/// One of the host's records about a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The host's id.
    pub id: RecordId,
    /// The data category.
    pub category: Category,
    /// The record class retention rules name.
    pub class: RecordClass,
    /// The lawful basis it is processed on.
    pub basis: LawfulBasis,
    /// Whether the subject provided it (rather than the host deriving it),
    /// for portability (GDPR Art. 20).
    pub provided: bool,
    /// When it was collected or made.
    pub created: Timestamp,
    /// The subject's last activity it reflects (a login, an order).
    pub last_activity: Timestamp,
    /// When the order or transaction it belongs to was completed.
    pub completed: Option<Timestamp>,
    /// Its personal fields, sealed.
    pub fields: Vec<Field>,
}

/// The host's storage, as the rights workflow and retention sweeps need
/// it: what it holds about a subject, replacing one field, erasing one
/// record.
///
/// # Contract
///
/// - [`records`](Self::records) lists every record the host holds about
///   the subject, sealed fields included (this is also the export).
/// - [`replace`](Self::replace) swaps one sealed field for another and
///   nothing else; it fails (and changes nothing) if the record or field
///   does not exist.
/// - [`erase`](Self::erase) deletes a record with its fields and blind
///   index entries, and is idempotent: erasing a record that is gone
///   returns `false`.
/// - Errors carry no personal data.
pub trait Host: Send + Sync + fmt::Debug {
    /// The subjects the host holds records about (for retention sweeps).
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn subjects(&self) -> Result<Vec<SubjectId>, HostError>;

    /// Every record the host holds about `subject`.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn records(&self, subject: &SubjectId) -> Result<Vec<Record>, HostError>;

    /// Replaces field `label` of record `record` with `new`; returns
    /// `false` (and changes nothing) if the record or field does not
    /// exist.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn replace(
        &self,
        subject: &SubjectId,
        record: &RecordId,
        label: FieldLabel,
        new: Envelope,
    ) -> Result<bool, HostError>;

    /// Deletes a record; `false` if it did not exist.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn erase(&self, subject: &SubjectId, record: &RecordId) -> Result<bool, HostError>;
}

/// A [`Host`] in memory, for tests and examples.
///
/// `Debug` shows counts only.
#[derive(Default)]
pub struct MemoryHost {
    records: Mutex<BTreeMap<SubjectId, Vec<Record>>>,
}

impl fmt::Debug for MemoryHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.lock().map_or(0, |r| r.values().map(Vec::len).sum());
        f.debug_struct("MemoryHost")
            .field("records", &count)
            .finish()
    }
}

impl MemoryHost {
    /// An empty host.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores a record for `subject` (replacing one with the same id).
    ///
    /// # Errors
    ///
    /// [`HostError`] if a previous writer panicked.
    pub fn insert(&self, subject: &SubjectId, record: Record) -> Result<(), HostError> {
        let mut all = self.lock()?;
        let records = all.entry(subject.clone()).or_default();
        records.retain(|r| r.id != record.id);
        records.push(record);
        Ok(())
    }

    fn lock(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, BTreeMap<SubjectId, Vec<Record>>>, HostError> {
        self.records
            .lock()
            .map_err(|_: PoisonError<_>| HostError::new(Poisoned))
    }
}

/// A previous writer panicked.
#[derive(Debug, thiserror::Error)]
#[error("memory host poisoned")]
struct Poisoned;

impl Host for MemoryHost {
    fn subjects(&self) -> Result<Vec<SubjectId>, HostError> {
        Ok(self.lock()?.keys().cloned().collect())
    }

    fn records(&self, subject: &SubjectId) -> Result<Vec<Record>, HostError> {
        Ok(self.lock()?.get(subject).cloned().unwrap_or_default())
    }

    fn replace(
        &self,
        subject: &SubjectId,
        record: &RecordId,
        label: FieldLabel,
        new: Envelope,
    ) -> Result<bool, HostError> {
        let mut all = self.lock()?;
        let field = all
            .get_mut(subject)
            .and_then(|rs| rs.iter_mut().find(|r| &r.id == record))
            .and_then(|r| r.fields.iter_mut().find(|f| f.label == label));
        Ok(field.map(|f| f.envelope = new).is_some())
    }

    fn erase(&self, subject: &SubjectId, record: &RecordId) -> Result<bool, HostError> {
        let mut all = self.lock()?;
        let Some(records) = all.get_mut(subject) else {
            return Ok(false);
        };
        let before = records.len();
        records.retain(|r| &r.id != record);
        let erased = records.len() < before;
        if records.is_empty() {
            all.remove(subject);
        }
        Ok(erased)
    }
}
