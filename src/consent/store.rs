//! Where consent events live: the [`ConsentStore`] trait, and
//! [`MemoryStore`], which keeps everything in memory.
//!
//! A store appends events and answers two questions: a subject's history,
//! and the current state of one scope. The second has a default answer (a
//! [`fold`] of the history), which is what a simple durable store can
//! start with. The in-memory store instead updates each subject's folded
//! state as events arrive, so a decision costs one hash lookup and a scan
//! of a few slots, never a fold.

use std::collections::HashMap;
use std::fmt;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use thiserror::Error;

use super::state::{ConsentState, Scope, fold};
use super::{Collection, ConsentEvent, ConsentStatus};
use crate::SubjectId;
use crate::ids::{ConsentEventId, Jurisdiction, PolicyVersion, RecipientId};
use crate::purpose::Purpose;
use crate::time::Timestamp;

/// A consent store failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The event is older than the subject's latest event; the ledger is
    /// append-only in time order, so the fold stays well defined.
    #[error("consent event is older than the subject's latest event")]
    OutOfOrder,
    /// The store cannot be reached, or a previous writer panicked.
    #[error("consent store unavailable")]
    Unavailable,
    /// The store ran out of room for distinct values (more than 65,535
    /// policy versions, jurisdictions or host purposes in one shard).
    #[error("consent store is full")]
    Full,
    /// Another writer held the store past its busy timeout; nothing was
    /// written.
    #[error("consent store busy: another writer held it too long")]
    Busy,
    /// A stored event does not decode (damaged or edited): the table and
    /// the subject's pseudonym say where. Other subjects keep working.
    #[error("a consent row of {table} is corrupt{}", subject.map_or(String::new(), |s| format!(" (subject {s})")))]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The subject's pseudonym, if the row's subject was readable.
        subject: Option<crate::audit::SubjectPseudonym>,
    },
}

/// Storage for the consent ledger.
///
/// Implementations must be append-only: events are never changed or
/// removed (erasure of a subject is a matter for the rights workflow, by
/// crypto-shredding), and [`append`](Self::append) must refuse an event
/// older than the subject's latest one, atomically with the append.
///
/// # Security
///
/// Events hold subject ids and proof references, never data values. A
/// store should still be protected like any personal data.
pub trait ConsentStore: Send + Sync + fmt::Debug {
    /// Appends an event.
    ///
    /// # Errors
    ///
    /// [`StoreError::OutOfOrder`] if the event is older than the subject's
    /// latest; other [`StoreError`]s if the backend fails.
    fn append(&self, event: ConsentEvent) -> Result<(), StoreError>;

    /// Every event of `subject`, in ledger order.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the backend fails.
    fn history(&self, subject: &SubjectId) -> Result<Vec<ConsentEvent>, StoreError>;

    /// The time of `subject`'s latest event: by default read from the
    /// history. The ledger records a new event no earlier than this.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the backend fails.
    fn latest(&self, subject: &SubjectId) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.history(subject)?.last().map(ConsentEvent::time))
    }

    /// The current state of `scope` for `subject`: by default a [`fold`]
    /// of the history.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the backend fails.
    fn state(
        &self,
        subject: &SubjectId,
        scope: Scope<'_>,
    ) -> Result<Option<ConsentState>, StoreError> {
        Ok(fold(&self.history(subject)?, scope))
    }
}

/// A shared store: several ledgers (one per app server, or a test's two
/// writers) over one store.
impl<S: ConsentStore + ?Sized> ConsentStore for std::sync::Arc<S> {
    fn append(&self, event: ConsentEvent) -> Result<(), StoreError> {
        (**self).append(event)
    }

    fn history(&self, subject: &SubjectId) -> Result<Vec<ConsentEvent>, StoreError> {
        (**self).history(subject)
    }

    fn latest(&self, subject: &SubjectId) -> Result<Option<Timestamp>, StoreError> {
        (**self).latest(subject)
    }

    fn state(
        &self,
        subject: &SubjectId,
        scope: Scope<'_>,
    ) -> Result<Option<ConsentState>, StoreError> {
        (**self).state(subject, scope)
    }
}

/// Shards keep writers to one subject from blocking readers of others.
const SHARDS: usize = 16;

/// The slot recipient index of a purpose-wide state.
const PURPOSE_WIDE: u32 = 0;
/// The slot recipient index of the last purpose-wide negative event, the
/// state of every recipient the subject never named.
const WIDE_NEGATIVE: u32 = u32::MAX;
/// Stored `expires` meaning "never".
const NEVER: u64 = u64::MAX;

/// An in-memory [`ConsentStore`]: fast, and gone when the process ends.
///
/// Subjects are spread over 16 shards, each behind its own lock. Per
/// subject it keeps the events (with purposes, recipients, versions and
/// jurisdictions interned to small integers) and the folded state of
/// every scope the events touched, updated on each append.
///
/// ```
/// use custodian::audit::{Auditor, MemorySink, Pseudonymizer};
/// use custodian::consent::{ConsentLedger, MemoryStore};
///
/// let auditor = Auditor::new(MemorySink::new(), Pseudonymizer::from_bytes([1; 32]));
/// let ledger = ConsentLedger::new(MemoryStore::new(), auditor);
/// # let _ = ledger;
/// ```
#[derive(Default)]
pub struct MemoryStore {
    shards: [RwLock<Shard>; SHARDS],
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many subjects have at least one event.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if a lock is poisoned.
    pub fn subjects(&self) -> Result<usize, StoreError> {
        self.shards
            .iter()
            .try_fold(0, |n, shard| Ok(n + read(shard)?.subjects.len()))
    }

    fn shard(&self, subject: &SubjectId) -> &RwLock<Shard> {
        // FNV-1a over the id: cheap, and a skewed spread only costs
        // concurrency, never correctness.
        let hash = subject
            .as_str()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        &self.shards[(hash % SHARDS as u64) as usize]
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

fn read(lock: &RwLock<Shard>) -> Result<RwLockReadGuard<'_, Shard>, StoreError> {
    lock.read().map_err(|_| StoreError::Unavailable)
}

fn write(lock: &RwLock<Shard>) -> Result<RwLockWriteGuard<'_, Shard>, StoreError> {
    lock.write().map_err(|_| StoreError::Unavailable)
}

impl ConsentStore for MemoryStore {
    fn append(&self, event: ConsentEvent) -> Result<(), StoreError> {
        write(self.shard(event.subject()))?.append(event)
    }

    fn history(&self, subject: &SubjectId) -> Result<Vec<ConsentEvent>, StoreError> {
        Ok(read(self.shard(subject))?.history(subject))
    }

    fn latest(&self, subject: &SubjectId) -> Result<Option<Timestamp>, StoreError> {
        Ok(read(self.shard(subject))?
            .subjects
            .get(key(subject))
            .and_then(|r| r.events.last())
            .map(|e| e.state.time))
    }

    fn state(
        &self,
        subject: &SubjectId,
        scope: Scope<'_>,
    ) -> Result<Option<ConsentState>, StoreError> {
        Ok(read(self.shard(subject))?.state(subject, scope))
    }
}

/// Ids up to this many bytes are stored inline in the map key.
const INLINE_ID: usize = 23;

/// A subject id in the map: inline up to [`INLINE_ID`] bytes (most
/// database keys and prefixed ids), so comparing a key during a lookup
/// does not chase a pointer to another cache line.
///
/// Looked up by `&[u8]` through `Borrow`, so a lookup never builds one;
/// `Hash` and `Eq` agree with those of the byte slice, as `Borrow`
/// requires.
enum SubjectKey {
    Inline { len: u8, bytes: [u8; INLINE_ID] },
    Heap(Box<[u8]>),
}

impl SubjectKey {
    fn new(id: &[u8]) -> Self {
        match u8::try_from(id.len()) {
            Ok(len) if id.len() <= INLINE_ID => {
                let mut bytes = [0; INLINE_ID];
                bytes[..id.len()].copy_from_slice(id);
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(id.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(b) => b,
        }
    }
}

impl std::borrow::Borrow<[u8]> for SubjectKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for SubjectKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SubjectKey {}

impl std::hash::Hash for SubjectKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

fn key(subject: &SubjectId) -> &[u8] {
    subject.as_str().as_bytes()
}

#[derive(Default)]
struct Shard {
    subjects: HashMap<SubjectKey, Record>,
    host_purposes: Vec<Purpose>,
    recipients: Vec<RecipientId>,
    versions: Vec<PolicyVersion>,
    jurisdictions: Vec<Jurisdiction>,
}

#[derive(Default)]
struct Record {
    slots: Slots,
    events: Vec<StoredEvent>,
}

/// How many slots live inside the map entry itself. Most subjects touch
/// two or three scopes; keeping them inline saves the decision hot path a
/// pointer chase to another cache line (and page) per lookup.
const INLINE_SLOTS: usize = 2;

/// A small vector of slots, inline up to [`INLINE_SLOTS`].
enum Slots {
    Inline {
        len: u8,
        items: [Slot; INLINE_SLOTS],
    },
    Heap(Vec<Slot>),
}

impl Default for Slots {
    fn default() -> Self {
        Self::Inline {
            len: 0,
            items: [Slot::EMPTY; INLINE_SLOTS],
        }
    }
}

impl Slots {
    fn as_slice(&self) -> &[Slot] {
        match self {
            Self::Inline { len, items } => &items[..usize::from(*len)],
            Self::Heap(v) => v,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [Slot] {
        match self {
            Self::Inline { len, items } => &mut items[..usize::from(*len)],
            Self::Heap(v) => v,
        }
    }

    fn push(&mut self, slot: Slot) {
        match self {
            Self::Inline { len, items } if usize::from(*len) < INLINE_SLOTS => {
                items[usize::from(*len)] = slot;
                *len += 1;
            }
            Self::Inline { items, .. } => {
                let mut v = Vec::with_capacity(2 * INLINE_SLOTS);
                v.extend_from_slice(items);
                v.push(slot);
                *self = Self::Heap(v);
            }
            Self::Heap(v) => v.push(slot),
        }
    }
}

/// The folded state of one scope.
#[derive(Clone, Copy)]
struct Slot {
    purpose: u16,
    recipient: u32,
    state: CompactState,
}

impl Slot {
    /// Filler for unused inline slots; never read (slices stop at `len`).
    const EMPTY: Slot = Slot {
        purpose: u16::MAX,
        recipient: WIDE_NEGATIVE,
        state: CompactState {
            status: ConsentStatus::Invalidated,
            version: 0,
            time: Timestamp::EPOCH,
            expires: NEVER,
            event: ConsentEventId::from_bytes([0; 16]),
        },
    };
}

#[derive(Clone, Copy)]
struct CompactState {
    status: ConsentStatus,
    version: u16,
    time: Timestamp,
    expires: u64,
    event: ConsentEventId,
}

struct StoredEvent {
    state: CompactState,
    purpose: u16,
    recipient: u32,
    jurisdiction: u16,
    method: super::CollectionMethod,
    gpc_conflict: bool,
    proof: Option<crate::ids::Reference>,
}

/// Index of `value` in `table`, appending it if new.
fn intern<T: PartialEq + Clone>(
    table: &mut Vec<T>,
    value: &T,
    limit: usize,
) -> Result<usize, StoreError> {
    if let Some(i) = table.iter().position(|v| v == value) {
        return Ok(i);
    }
    if table.len() >= limit {
        return Err(StoreError::Full);
    }
    table.push(value.clone());
    Ok(table.len() - 1)
}

impl Shard {
    fn purpose_index(&self, purpose: Purpose) -> Option<u16> {
        let builtin = Purpose::BUILT_IN.iter().position(|&p| p == purpose);
        let index = builtin.or_else(|| {
            let host = self.host_purposes.iter().position(|&p| p == purpose)?;
            Some(Purpose::BUILT_IN.len() + host)
        })?;
        u16::try_from(index).ok()
    }

    fn recipient_index(&self, recipient: Option<&RecipientId>) -> Option<u32> {
        match recipient {
            None => Some(PURPOSE_WIDE),
            Some(r) => {
                let i = self.recipients.iter().position(|x| x == r)?;
                // Index 0 is "purpose-wide"; recipients start at 1.
                u32::try_from(i + 1).ok()
            }
        }
    }

    fn append(&mut self, event: ConsentEvent) -> Result<(), StoreError> {
        if let Some(last) = self
            .subjects
            .get(key(event.subject()))
            .and_then(|r| r.events.last())
        {
            if event.time() < last.state.time {
                return Err(StoreError::OutOfOrder);
            }
        }
        let purpose = match self.purpose_index(event.purpose()) {
            Some(p) => p,
            None => {
                let host = intern(
                    &mut self.host_purposes,
                    &event.purpose(),
                    usize::from(u16::MAX) - 32,
                )?;
                // The limit keeps built-in count + host index within u16.
                u16::try_from(Purpose::BUILT_IN.len() + host).map_err(|_| StoreError::Full)?
            }
        };
        let recipient = match event.recipient() {
            None => PURPOSE_WIDE,
            Some(r) => {
                let i = intern(&mut self.recipients, r, (u32::MAX - 2) as usize)?;
                u32::try_from(i + 1).map_err(|_| StoreError::Full)?
            }
        };
        let version = intern(&mut self.versions, event.version(), usize::from(u16::MAX))?;
        let jurisdiction = intern(
            &mut self.jurisdictions,
            event.jurisdiction(),
            usize::from(u16::MAX),
        )?;
        let state = CompactState {
            status: event.status(),
            // Both indexes are below the u16 limits passed to `intern`.
            version: u16::try_from(version).map_err(|_| StoreError::Full)?,
            time: event.time(),
            expires: event.expires().map_or(NEVER, Timestamp::unix_millis),
            event: event.id(),
        };
        let stored = StoredEvent {
            state,
            purpose,
            recipient,
            jurisdiction: u16::try_from(jurisdiction).map_err(|_| StoreError::Full)?,
            method: event.method(),
            gpc_conflict: event.gpc_conflict(),
            proof: event.proof().cloned(),
        };
        let record = match self.subjects.get_mut(key(event.subject())) {
            Some(record) => record,
            None => self
                .subjects
                .entry(SubjectKey::new(key(event.subject())))
                .or_default(),
        };
        record.apply(&stored);
        record.events.push(stored);
        Ok(())
    }

    fn state(&self, subject: &SubjectId, scope: Scope<'_>) -> Option<ConsentState> {
        let record = self.subjects.get(key(subject))?;
        let purpose = self.purpose_index(scope.purpose)?;
        let slot = match self.recipient_index(scope.recipient) {
            Some(recipient) => record.slot(purpose, recipient),
            None => None,
        };
        // A recipient the subject never named falls back to the last
        // purpose-wide negative event.
        let slot = match (slot, scope.recipient) {
            (None, Some(_)) => record.slot(purpose, WIDE_NEGATIVE),
            (slot, _) => slot,
        }?;
        Some(self.expand(&slot.state))
    }

    fn expand(&self, state: &CompactState) -> ConsentState {
        ConsentState {
            status: state.status,
            event: state.event,
            time: state.time,
            // Versions are interned before any state refers to them.
            version: self.versions[usize::from(state.version)],
            expires: (state.expires != NEVER)
                .then(|| Timestamp::from_unix_millis(state.expires))
                .flatten(),
        }
    }

    fn history(&self, subject: &SubjectId) -> Vec<ConsentEvent> {
        let Some(record) = self.subjects.get(key(subject)) else {
            return Vec::new();
        };
        record
            .events
            .iter()
            .map(|e| self.rebuild(subject, e))
            .collect()
    }

    /// The full event from its stored form. Every index in `e` was
    /// interned into this shard's tables by `append` before `e` was
    /// stored, and tables only grow, so the lookups below stay in bounds.
    fn rebuild(&self, subject: &SubjectId, e: &StoredEvent) -> ConsentEvent {
        let full = self.expand(&e.state);
        let purpose = Purpose::BUILT_IN
            .get(usize::from(e.purpose))
            .copied()
            .unwrap_or_else(|| {
                self.host_purposes[usize::from(e.purpose) - Purpose::BUILT_IN.len()]
            });
        let recipient = (e.recipient != PURPOSE_WIDE)
            .then(|| self.recipients[e.recipient as usize - 1].clone());
        let mut how = Collection::new(
            full.version,
            full.time,
            e.method,
            self.jurisdictions[usize::from(e.jurisdiction)].clone(),
        );
        if let Some(proof) = &e.proof {
            how = how.proof(proof.clone());
        }
        if let Some(expires) = full.expires {
            how = how.expires(expires);
        }
        let event = ConsentEvent::new(
            full.event,
            subject.clone(),
            purpose,
            recipient,
            full.status,
            &how,
        );
        if e.gpc_conflict {
            event.with_gpc_conflict()
        } else {
            event
        }
    }
}

impl Record {
    fn slot(&self, purpose: u16, recipient: u32) -> Option<&Slot> {
        self.slots
            .as_slice()
            .iter()
            .find(|s| s.purpose == purpose && s.recipient == recipient)
    }

    fn set(&mut self, purpose: u16, recipient: u32, state: CompactState) {
        match self
            .slots
            .as_mut_slice()
            .iter_mut()
            .find(|s| s.purpose == purpose && s.recipient == recipient)
        {
            Some(slot) => slot.state = state,
            None => self.slots.push(Slot {
                purpose,
                recipient,
                state,
            }),
        }
    }

    /// Keeps the slots equal to [`fold`] of the events.
    fn apply(&mut self, e: &StoredEvent) {
        self.set(e.purpose, e.recipient, e.state);
        if e.recipient == PURPOSE_WIDE && e.state.status.is_negative() {
            self.set(e.purpose, WIDE_NEGATIVE, e.state);
            for slot in self.slots.as_mut_slice() {
                if slot.purpose == e.purpose && slot.recipient != PURPOSE_WIDE {
                    slot.state = e.state;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::CollectionMethod;
    use crate::ids::Reference;

    fn event(
        subject: &SubjectId,
        purpose: Purpose,
        status: ConsentStatus,
        secs: u64,
    ) -> ConsentEvent {
        let how = Collection::new(
            PolicyVersion::new("1"),
            Timestamp::from_unix_secs(secs).unwrap(),
            CollectionMethod::Api,
            Jurisdiction::new("EU"),
        )
        .proof(Reference::new("api:call/1"));
        ConsentEvent::new(
            ConsentEventId::random().unwrap(),
            subject.clone(),
            purpose,
            None,
            status,
            &how,
        )
    }

    #[test]
    fn slots_spill_from_inline_to_heap_without_losing_state() {
        let store = MemoryStore::new();
        let ada = SubjectId::try_new("ada").unwrap();
        let purposes = [
            Purpose::Marketing,
            Purpose::ServiceImprovement,
            Purpose::FraudPrevention,
            Purpose::Refunds,
        ];
        for (i, &p) in purposes.iter().enumerate() {
            store
                .append(event(&ada, p, ConsentStatus::Given, i as u64))
                .unwrap();
        }
        for (i, &p) in purposes.iter().enumerate() {
            let state = store.state(&ada, Scope::purpose(p)).unwrap().unwrap();
            assert_eq!(state.time, Timestamp::from_unix_secs(i as u64).unwrap());
        }
        assert_eq!(store.history(&ada).unwrap(), store.history(&ada).unwrap());
        assert_eq!(store.history(&ada).unwrap().len(), 4);
        assert_eq!(store.subjects(), Ok(1));
    }

    #[test]
    fn events_out_of_time_order_are_refused_per_subject() {
        let store = MemoryStore::new();
        let (ada, bo) = (
            SubjectId::try_new("ada").unwrap(),
            SubjectId::try_new("bo").unwrap(),
        );
        store
            .append(event(&ada, Purpose::Marketing, ConsentStatus::Given, 10))
            .unwrap();
        // Same instant is fine; earlier is not; other subjects are independent.
        store
            .append(event(
                &ada,
                Purpose::Marketing,
                ConsentStatus::Withdrawn,
                10,
            ))
            .unwrap();
        let late = event(&ada, Purpose::Marketing, ConsentStatus::Given, 9);
        assert_eq!(store.append(late), Err(StoreError::OutOfOrder));
        store
            .append(event(&bo, Purpose::Marketing, ConsentStatus::Given, 1))
            .unwrap();
        let state = store
            .state(&ada, Scope::purpose(Purpose::Marketing))
            .unwrap()
            .unwrap();
        assert_eq!(state.status, ConsentStatus::Withdrawn);
        assert_eq!(
            store.state(&ada, Scope::purpose(Purpose::Shipping)),
            Ok(None)
        );
        let unknown = SubjectId::try_new("nobody").unwrap();
        assert_eq!(
            store.state(&unknown, Scope::purpose(Purpose::Marketing)),
            Ok(None)
        );
        assert!(store.history(&unknown).unwrap().is_empty());
    }
}
