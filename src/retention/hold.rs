//! Legal holds and freezes.
//!
//! - A **legal hold** keeps records an erasure request would have erased,
//!   because the law requires them (invoices for tax law, Art. 17(3)(b))
//!   or for legal claims (Art. 17(3)(e)). The held fields are moved under
//!   a key of the hold's own before the subject's key is destroyed, the
//!   data is restricted to the hold's purpose (Art. 18; the
//!   [decider](crate::decision::Decider::restricted_by) denies every
//!   other purpose), and it is purged when the hold ends: the sweep
//!   erases the records and destroys the hold's key.
//! - A **freeze** (a dispute, a pending case) suspends purges of all of a
//!   subject's records without restricting them; it has no key and no
//!   records of its own.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use crate::SubjectId;
use crate::audit::{
    Action, AuditEvent, Auditor, CorrelationId, HoldId, HoldReason, Outcome, Withheld,
};
use crate::decision::Restrictions;
use crate::pii::Category;
use crate::purpose::Purpose;
use crate::records::RecordId;
use crate::rights::RequestStoreError;
use crate::time::{Date, Timestamp};
use crate::vault::KeyScope;

/// What a hold does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HoldKind {
    /// Records kept from an erasure: under the hold's own key, restricted
    /// to its purpose, purged when it ends.
    Erasure,
    /// Records whose processing the subject restricted (Art. 18): under
    /// the subject's key, restricted to the hold's purpose, lifted when
    /// it ends.
    Restriction,
    /// Purges of all of the subject's records suspended; processing is
    /// not restricted.
    Freeze,
}

/// A legal hold, a restriction or a freeze.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    /// The id.
    pub id: HoldId,
    /// What it does.
    pub kind: HoldKind,
    /// Whose data.
    pub subject: SubjectId,
    /// The records held (a freeze holds all of the subject's, and lists
    /// none).
    pub records: Vec<RecordId>,
    /// The categories of the held records.
    pub categories: Vec<Category>,
    /// The legal ground.
    pub reason: HoldReason,
    /// The only purpose held data may be used for.
    pub purpose: Purpose,
    /// The legal source (a retention rule's, or a case reference).
    pub source: Cow<'static, str>,
    /// The last day it holds; `None` until released explicitly.
    pub until: Option<Date>,
    /// When it was placed.
    pub placed: Timestamp,
}

impl Hold {
    /// A freeze of all of `subject`'s records (a dispute, a pending case),
    /// until `until` or until released.
    pub fn freeze(
        id: HoldId,
        subject: SubjectId,
        reason: HoldReason,
        source: &str,
        until: Option<Date>,
        placed: Timestamp,
    ) -> Self {
        Self {
            id,
            kind: HoldKind::Freeze,
            subject,
            records: Vec::new(),
            categories: Vec::new(),
            reason,
            purpose: Purpose::LegalCompliance,
            source: Cow::Owned(source.to_owned()),
            until,
            placed,
        }
    }

    /// Whether it restricts the use of its records to its purpose.
    pub fn restricts(&self) -> bool {
        matches!(self.kind, HoldKind::Erasure | HoldKind::Restriction)
    }

    /// Whether it keeps `record` (a freeze keeps all of the subject's).
    pub fn keeps(&self, record: &RecordId) -> bool {
        self.kind == HoldKind::Freeze || self.records.contains(record)
    }

    /// Whether it still holds on `today`.
    pub fn holds_on(&self, today: Date) -> bool {
        self.until.is_none_or(|last| today <= last)
    }

    /// The correlation id of the hold's audit events: the hold id's bytes.
    pub(crate) fn correlation(&self) -> CorrelationId {
        CorrelationId::from_bytes(*self.id.as_bytes())
    }

    /// The `action` event about this hold (placed, released): subject,
    /// categories, the legal ground per category, the number of records.
    pub(crate) fn event(&self, action: Action, auditor: &Auditor, at: Timestamp) -> AuditEvent {
        AuditEvent::new(action, Outcome::Done)
            .at(at)
            .with_subject(auditor.subject(&self.subject))
            .with_categories(self.categories.iter().copied())
            .with_withheld(self.categories.iter().map(|&category| Withheld {
                category,
                reason: self.reason,
            }))
            .with_count(self.records.len() as u64)
            .with_correlation(self.correlation())
    }

    /// The key scope its held fields are sealed under.
    pub(crate) fn scope(&self) -> KeyScope {
        KeyScope::shared(format!("custodian.hold.{}", self.id))
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// The JSON form durable stores keep of a hold.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    id: HoldId,
    kind: StoredKind,
    subject: String,
    records: Vec<String>,
    categories: Vec<u16>,
    reason: HoldReason,
    purpose: Purpose,
    source: String,
    until: Option<Date>,
    placed: Timestamp,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredKind {
    Erasure,
    Restriction,
    Freeze,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl Hold {
    /// The document a durable store keeps.
    pub(crate) fn to_stored(&self) -> Vec<u8> {
        let stored = Stored {
            id: self.id,
            kind: match self.kind {
                HoldKind::Erasure => StoredKind::Erasure,
                HoldKind::Restriction => StoredKind::Restriction,
                HoldKind::Freeze => StoredKind::Freeze,
            },
            subject: self.subject.as_str().to_owned(),
            records: self.records.iter().map(|r| r.as_str().to_owned()).collect(),
            categories: self.categories.iter().map(|c| c.code()).collect(),
            reason: self.reason,
            purpose: self.purpose,
            source: self.source.to_string(),
            until: self.until,
            placed: self.placed,
        };
        // Every member is a string, number, or a list of them.
        serde_json::to_vec(&stored).unwrap_or_default()
    }

    /// A hold from its stored document; `None` if it does not decode.
    pub(crate) fn from_stored(bytes: &[u8]) -> Option<Self> {
        let s: Stored = serde_json::from_slice(bytes).ok()?;
        Some(Self {
            id: s.id,
            kind: match s.kind {
                StoredKind::Erasure => HoldKind::Erasure,
                StoredKind::Restriction => HoldKind::Restriction,
                StoredKind::Freeze => HoldKind::Freeze,
            },
            subject: SubjectId::try_new(s.subject).ok()?,
            records: s
                .records
                .iter()
                .map(|r| RecordId::parse(r).ok())
                .collect::<Option<_>>()?,
            categories: s
                .categories
                .into_iter()
                .map(Category::from_code)
                .collect::<Option<_>>()?,
            reason: s.reason,
            purpose: s.purpose,
            source: Cow::Owned(s.source),
            until: s.until,
            placed: s.placed,
        })
    }
}

/// Where holds are kept.
pub trait HoldStore: Send + Sync + fmt::Debug {
    /// Stores a hold (replacing one with the same id).
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn put(&self, hold: &Hold) -> Result<(), RequestStoreError>;

    /// Removes a hold; `false` if there was none.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn remove(&self, id: HoldId) -> Result<bool, RequestStoreError>;

    /// The holds on a subject's data.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Hold>, RequestStoreError>;
}

/// Holds in memory. `Debug` shows the count only.
#[derive(Default)]
pub struct MemoryHolds {
    holds: Mutex<BTreeMap<HoldId, Hold>>,
}

impl MemoryHolds {
    /// No holds.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, BTreeMap<HoldId, Hold>>, RequestStoreError> {
        self.holds
            .lock()
            .map_err(|_| RequestStoreError::Unavailable)
    }
}

impl fmt::Debug for MemoryHolds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.lock().map_or(0, |h| h.len());
        f.debug_struct("MemoryHolds")
            .field("holds", &count)
            .finish()
    }
}

impl HoldStore for MemoryHolds {
    fn put(&self, hold: &Hold) -> Result<(), RequestStoreError> {
        self.lock()?.insert(hold.id, hold.clone());
        Ok(())
    }

    fn remove(&self, id: HoldId) -> Result<bool, RequestStoreError> {
        Ok(self.lock()?.remove(&id).is_some())
    }

    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Hold>, RequestStoreError> {
        Ok(self
            .lock()?
            .values()
            .filter(|h| &h.subject == subject)
            .cloned()
            .collect())
    }
}

/// The restrictions of a hold store, for the decider: a category of held
/// records is restricted to its hold's purpose while the hold holds.
/// A store that cannot be read restricts everything to legal compliance
/// (fail closed).
#[derive(Clone, Debug)]
pub(crate) struct HeldData(pub(crate) std::sync::Arc<dyn HoldStore>);

impl Restrictions for HeldData {
    fn restricted_to(
        &self,
        subject: &SubjectId,
        category: Category,
        at: Timestamp,
    ) -> Option<Purpose> {
        let Ok(holds) = self.0.of_subject(subject) else {
            return Some(Purpose::LegalCompliance);
        };
        holds
            .into_iter()
            .find(|h| h.restricts() && h.holds_on(Date::of(at)) && h.categories.contains(&category))
            .map(|h| h.purpose)
    }
}
