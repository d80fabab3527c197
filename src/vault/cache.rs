//! The in-process key cache: unwrapped data keys and per-field AES-GCM
//! instances (key schedule and GHASH key computed once).
//!
//! Lookups on the hot path take one read lock on a map by scope (sealing) or
//! by key id (opening), then one read lock on the record's field list. A miss
//! goes to the key store, the root key provider (one unwrap per data key
//! version) and HKDF, then fills the cache.
//!
//! Each thread also remembers the last eight fields it sealed with and the
//! last eight it opened with (a host struct's PII fields, one after the
//! other), checked against the cache's generation (bumped by every change
//! to the maps), so a run of values for one subject skips the map lookups
//! and their SipHash.
//!
//! The cache is per process. [`Vault::forget`](super::Vault::forget) and the
//! rotation methods evict what they change here; other processes sharing the
//! key store keep their cached keys until
//! [`Vault::clear_cache`](super::Vault::clear_cache) (or a restart), so a
//! multi-process host propagates erasures and promotions by calling it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::KeyInit;
use zeroize::Zeroizing;

use super::envelope::{self, FieldKey};
use super::key_store::{KeyId, KeyRecord, KeyScope, ScopeTag, Tombstone};
use super::root_key::RootKeyProvider;
use super::subkey;
use crate::error::VaultError;

/// The cached keys of one record.
pub(crate) struct Keys {
    pub(crate) record: KeyRecord,
    /// The version that seals, if any.
    pub(crate) active: Option<u32>,
    state: RwLock<KeyMaterial>,
    /// Encryptions left in the current lease (shared keys).
    lease_left: AtomicU64,
    /// The process the lease was reserved by: a forked child starts with a
    /// copy of the parent's lease and must not spend it (both would count
    /// the same encryptions once).
    lease_pid: AtomicU32,
    pub(crate) lease_lock: Mutex<()>,
}

#[derive(Default)]
struct KeyMaterial {
    data_keys: Vec<(u32, Zeroizing<[u8; 32]>)>,
    fields: Vec<Field>,
}

struct Field {
    version: u32,
    category: u16,
    label: &'static str,
    cipher: Arc<FieldKey>,
}

impl Keys {
    pub(crate) fn new(record: KeyRecord) -> Self {
        let active = record.active().map(|v| v.version);
        Self {
            record,
            active,
            state: RwLock::new(KeyMaterial::default()),
            lease_left: AtomicU64::new(0),
            lease_pid: AtomicU32::new(0),
            lease_lock: Mutex::new(()),
        }
    }

    /// Seeds the cache with a data key this process just generated, so the
    /// first seal for a new subject does not unwrap it again.
    pub(crate) fn with_data_key(self, version: u32, key: Zeroizing<[u8; 32]>) -> Self {
        if let Ok(mut state) = self.state.write() {
            state.data_keys.push((version, key));
        }
        self
    }

    /// The AES-GCM instance of one field, derived and cached on first use.
    pub(crate) fn field(
        &self,
        root: &dyn RootKeyProvider,
        version: u32,
        category: u16,
        label: &'static str,
    ) -> Result<Arc<FieldKey>, VaultError> {
        {
            let state = self.state.read().map_err(|_| VaultError::Poisoned)?;
            if let Some(field) = state.find(version, category, label) {
                return Ok(Arc::clone(&field.cipher));
            }
        }
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        if let Some(field) = state.find(version, category, label) {
            return Ok(Arc::clone(&field.cipher));
        }
        let data_key = state.data_key(&self.record, root, version)?;
        let scope = &self.record.scope;
        let prefix =
            envelope::header_prefix(scope.is_subject(), category, &self.record.id, version);
        let key = subkey::field_key(&data_key, &prefix, label, scope.name());
        let cipher = Arc::new(FieldKey::new(Aes256Gcm::new(&(*key).into()), prefix));
        state.fields.push(Field {
            version,
            category,
            label,
            cipher: Arc::clone(&cipher),
        });
        Ok(cipher)
    }

    /// The unwrapped data key of a version (for index and pseudonym keys).
    pub(crate) fn data_key(
        &self,
        root: &dyn RootKeyProvider,
        version: u32,
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        state.data_key(&self.record, root, version)
    }
}

impl KeyMaterial {
    fn find(&self, version: u32, category: u16, label: &str) -> Option<&Field> {
        // A record has a handful of fields: a linear scan beats hashing.
        // Labels are 'static constants: the pointer usually settles it.
        self.fields.iter().find(|f| {
            f.version == version
                && f.category == category
                && (core::ptr::eq(f.label, label) || f.label == label)
        })
    }

    fn data_key(
        &mut self,
        record: &KeyRecord,
        root: &dyn RootKeyProvider,
        version: u32,
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        if let Some((_, key)) = self.data_keys.iter().find(|(v, _)| *v == version) {
            return Ok(key.clone());
        }
        let entry = record
            .version(version)
            .ok_or(VaultError::UnknownVersion { version })?;
        let context = super::wrap_context(&record.id, version, entry.root_version, &record.scope);
        let key = root.unwrap(entry.root_version, &context, &entry.wrapped)?;
        self.data_keys.push((version, key.clone()));
        Ok(key)
    }
}

/// The cache's invalidation count before a store read; see
/// [`Cache::insert`].
#[derive(Clone, Copy)]
pub(crate) struct ReadMark(u64);

/// A cached answer for a key id.
#[derive(Clone)]
pub(crate) enum Entry {
    Live(Arc<Keys>),
    /// Destroyed; whose it was, as its tombstone says.
    Destroyed(ScopeTag),
}

/// Both maps of the cache, its process-unique id, its generation and its
/// count of invalidations.
pub(crate) struct Cache {
    by_scope: RwLock<HashMap<KeyScope, Arc<Keys>>>,
    by_id: RwLock<HashMap<KeyId, Entry>>,
    id: u64,
    generation: AtomicU64,
    /// Bumped by every destroy, eviction and clear: a record read from the
    /// store before one of them may be stale and is not cached.
    invalidations: AtomicU64,
}

static NEXT_CACHE_ID: AtomicU64 = AtomicU64::new(1);

/// A thread's memory of a record and field it used recently.
///
/// It holds weak references: the cache maps own the keys, so evicting or
/// destroying a record frees (and zeroizes) its keys at once, whatever
/// threads remember it.
struct Recent {
    cache: u64,
    generation: u64,
    key_id: KeyId,
    scope: KeyScope,
    /// Whether `version` is the record's active version.
    seals: bool,
    version: u32,
    category: u16,
    label: &'static str,
    keys: Weak<Keys>,
    cipher: Weak<FieldKey>,
}

/// What to remember: a record and one of its field ciphers.
pub(crate) struct FieldUse<'a> {
    pub(crate) generation: u64,
    pub(crate) keys: &'a Arc<Keys>,
    pub(crate) version: u32,
    pub(crate) category: u16,
    pub(crate) label: &'static str,
    pub(crate) cipher: &'a Arc<FieldKey>,
}

/// Fields a thread remembers for sealing, and as many for opening: enough
/// for a host struct's PII fields serialized one after the other.
const RECENT_FIELDS: usize = 8;

/// A thread's remembered fields, replaced in turn.
struct Recents {
    fields: [Option<Recent>; RECENT_FIELDS],
    next: usize,
}

type Slot = &'static std::thread::LocalKey<RefCell<Recents>>;

thread_local! {
    static RECENT_SEAL: RefCell<Recents> = const { RefCell::new(Recents::EMPTY) };
    static RECENT_OPEN: RefCell<Recents> = const { RefCell::new(Recents::EMPTY) };
}

impl Recents {
    const EMPTY: Self = Self {
        fields: [const { None }; RECENT_FIELDS],
        next: 0,
    };
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            by_scope: RwLock::default(),
            by_id: RwLock::default(),
            id: NEXT_CACHE_ID.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
        }
    }
}

impl Cache {
    /// The generation to remember a lookup under; read before the lookup.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Maps change first, then the generation moves: a thread that read the
    /// old generation either saw the old maps (and its memory is now stale)
    /// or the new ones.
    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Runs `f` with a field this thread remembers if it is still current
    /// and `matches`; `None` otherwise. No lock, no map lookup; only the
    /// field key is upgraded (one atomic operation each way), the record's
    /// keys are handed over as a weak reference for `f` to upgrade if it
    /// needs them (shared keys, to count encryptions).
    fn with_recent<R>(
        &self,
        slot: Slot,
        matches: impl Fn(&Recent) -> bool,
        f: impl FnOnce(&Weak<Keys>, u32, &FieldKey) -> R,
    ) -> Option<R> {
        let generation = self.generation();
        slot.with(|recents| {
            let recents = recents.try_borrow().ok()?;
            let recent = recents.fields.iter().flatten().find(|recent| {
                recent.cache == self.id && recent.generation == generation && matches(recent)
            })?;
            let cipher = recent.cipher.upgrade()?;
            Some(f(&recent.keys, recent.version, &cipher))
        })
    }

    fn remember(&self, slot: Slot, used: &FieldUse<'_>) {
        slot.with(|recents| {
            if let Ok(mut recents) = recents.try_borrow_mut() {
                let at = recents.next;
                recents.next = (at + 1) % RECENT_FIELDS;
                recents.fields[at] = Some(Recent {
                    cache: self.id,
                    generation: used.generation,
                    key_id: used.keys.record.id,
                    scope: used.keys.record.scope.clone(),
                    seals: used.keys.active == Some(used.version),
                    version: used.version,
                    category: used.category,
                    label: used.label,
                    keys: Arc::downgrade(used.keys),
                    cipher: Arc::downgrade(used.cipher),
                });
            }
        });
    }

    /// Runs `f` with a field this thread sealed with recently, if it is for
    /// `scope`, `category` and `label`, under the record's active version.
    pub(crate) fn with_recent_seal<R>(
        &self,
        scope: &KeyScope,
        category: u16,
        label: &'static str,
        f: impl FnOnce(&Weak<Keys>, u32, &FieldKey) -> R,
    ) -> Option<R> {
        let matches = |r: &Recent| {
            r.category == category
                && (core::ptr::eq(r.label, label) || r.label == label)
                && r.seals
                && r.scope == *scope
        };
        self.with_recent(&RECENT_SEAL, matches, f)
    }

    pub(crate) fn remember_seal(&self, used: &FieldUse<'_>) {
        self.remember(&RECENT_SEAL, used);
    }

    /// Runs `f` with a field this thread opened with recently, if it is record
    /// `id` of `scope`, `version`, `category` and `label`.
    pub(crate) fn with_recent_open<R>(
        &self,
        id: &KeyId,
        scope: &KeyScope,
        version: u32,
        category: u16,
        label: &'static str,
        f: impl FnOnce(&FieldKey) -> R,
    ) -> Option<R> {
        let matches = |r: &Recent| {
            r.version == version
                && r.category == category
                && (core::ptr::eq(r.label, label) || r.label == label)
                && r.key_id == *id
                && r.scope == *scope
        };
        self.with_recent(&RECENT_OPEN, matches, |_, _, field| f(field))
    }

    pub(crate) fn remember_open(&self, used: &FieldUse<'_>) {
        self.remember(&RECENT_OPEN, used);
    }

    pub(crate) fn by_scope(&self, scope: &KeyScope) -> Result<Option<Arc<Keys>>, VaultError> {
        let map = self.by_scope.read().map_err(|_| VaultError::Poisoned)?;
        Ok(map.get(scope).cloned())
    }

    pub(crate) fn by_id(&self, id: &KeyId) -> Result<Option<Entry>, VaultError> {
        let map = self.by_id.read().map_err(|_| VaultError::Poisoned)?;
        Ok(map.get(id).cloned())
    }

    /// What to pass to [`Cache::insert`]: read it before reading the
    /// record from the store.
    pub(crate) fn read_mark(&self) -> ReadMark {
        ReadMark(self.invalidations.load(Ordering::Acquire))
    }

    /// Caches a record read from the store after `mark` was taken, and
    /// returns the handle to use (an earlier one for the same record wins,
    /// so its derived keys are kept), or the tombstone's scope if the
    /// record was destroyed meanwhile.
    ///
    /// A tombstone is final: a record whose id this cache knows as
    /// destroyed is never cached or used again. A record read before any
    /// other invalidation (an eviction after rotation, a clear) may be
    /// stale: it serves the one call that read it and is not cached.
    pub(crate) fn insert(&self, keys: Keys, mark: ReadMark) -> Result<Entry, VaultError> {
        let mut by_id = self.by_id.write().map_err(|_| VaultError::Poisoned)?;
        match by_id.get(&keys.record.id) {
            Some(destroyed @ Entry::Destroyed(_)) => return Ok(destroyed.clone()),
            Some(Entry::Live(existing)) if existing.record == keys.record => {
                return Ok(Entry::Live(Arc::clone(existing)));
            }
            _ => {}
        }
        let keys = Arc::new(keys);
        // Checked under the write lock that every invalidation also takes,
        // so none can slip between the check and the insert.
        if self.invalidations.load(Ordering::Acquire) != mark.0 {
            return Ok(Entry::Live(keys));
        }
        by_id.insert(keys.record.id, Entry::Live(Arc::clone(&keys)));
        let mut by_scope = self.by_scope.write().map_err(|_| VaultError::Poisoned)?;
        by_scope.insert(keys.record.scope.clone(), Arc::clone(&keys));
        self.changed();
        Ok(Entry::Live(keys))
    }

    /// Counts an invalidation; called with the `by_id` write lock held.
    fn invalidated(&self) {
        self.invalidations.fetch_add(1, Ordering::AcqRel);
    }

    /// Remembers a tombstone for good (until [`Cache::clear`]) and drops
    /// the record's keys; `scope` is the destroyed record's, where known.
    pub(crate) fn mark_destroyed(
        &self,
        tombstone: &Tombstone,
        scope: Option<&KeyScope>,
    ) -> Result<(), VaultError> {
        let id = tombstone.id;
        let mut by_id = self.by_id.write().map_err(|_| VaultError::Poisoned)?;
        self.invalidated();
        by_id.insert(id, Entry::Destroyed(tombstone.scope));
        let mut by_scope = self.by_scope.write().map_err(|_| VaultError::Poisoned)?;
        if let Some(scope) = scope {
            by_scope.remove(scope);
        }
        by_scope.retain(|_, keys| keys.record.id != id);
        self.changed();
        Ok(())
    }

    pub(crate) fn evict(&self, id: &KeyId) -> Result<(), VaultError> {
        let mut by_id = self.by_id.write().map_err(|_| VaultError::Poisoned)?;
        self.invalidated();
        by_id.remove(id);
        let mut by_scope = self.by_scope.write().map_err(|_| VaultError::Poisoned)?;
        by_scope.retain(|_, keys| keys.record.id != *id);
        self.changed();
        Ok(())
    }

    pub(crate) fn clear(&self) -> Result<(), VaultError> {
        let mut by_id = self.by_id.write().map_err(|_| VaultError::Poisoned)?;
        self.invalidated();
        by_id.clear();
        drop(by_id);
        self.by_scope
            .write()
            .map_err(|_| VaultError::Poisoned)?
            .clear();
        self.changed();
        Ok(())
    }
}

impl Keys {
    /// Takes one encryption from this process's lease; `false` when the
    /// lease is used up or was reserved by another process (the parent of a
    /// fork).
    pub(crate) fn take_from_lease(&self, pid: u32) -> bool {
        self.lease_pid.load(Ordering::Acquire) == pid
            && self
                .lease_left
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok()
    }

    /// Installs a new lease of `left` encryptions for process `pid`; called
    /// under `lease_lock`. The count is set before the owner, so a thread
    /// that sees its own pid also sees the new count.
    pub(crate) fn renew_lease(&self, pid: u32, left: u64) {
        self.lease_left.store(left, Ordering::Release);
        self.lease_pid.store(pid, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::key_store::KeyScope;

    #[test]
    fn a_lease_is_spent_only_by_the_process_that_reserved_it() {
        let keys = Keys::new(KeyRecord {
            id: KeyId::from_bytes([1; 16]),
            scope: KeyScope::shared("catalog"),
            versions: Vec::new(),
            revision: 0,
            created_at: 0,
        });
        assert!(!keys.take_from_lease(7), "no lease yet");
        keys.renew_lease(7, 2);
        assert!(!keys.take_from_lease(8), "a forked child's copy");
        assert!(keys.take_from_lease(7));
        assert!(keys.take_from_lease(7));
        assert!(!keys.take_from_lease(7), "used up");
    }
}
