//! Data key records and the key-store trait.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::RwLock;

use crate::error::VaultError;
use crate::subject::SubjectId;

const RESERVED: &str = "custodian:";

crate::hex::hex_newtype!(
    /// The random 128-bit id of a key record. It appears in every envelope
    /// sealed under the record; it is not derived from the subject id.
    KeyId,
    16,
    "32",
    "key id"
);

impl KeyId {
    /// The 16 bytes.
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    pub(crate) fn generate() -> Result<Self, VaultError> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|_| VaultError::Random)?;
        Ok(Self(id))
    }
}

/// The name of a shared key: for data that belongs to no subject (a
/// warehouse contact, a platform bank account). 1 to 255 bytes; names
/// starting with `custodian:` are reserved for the crate's own keys (blind
/// indexes, pseudonyms).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedKeyName(Box<str>);

impl SharedKeyName {
    /// Wraps a name.
    ///
    /// # Panics
    ///
    /// Panics if `name` is empty, longer than 255 bytes or reserved (names
    /// are chosen in code). Use [`SharedKeyName::try_new`] for names from elsewhere.
    pub fn new(name: impl Into<String>) -> Self {
        match Self::try_new(name) {
            Ok(name) => name,
            Err(_) => panic!("shared key names are 1 to 255 bytes, not starting with custodian:"),
        }
    }

    /// Wraps a name.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidInput`] if it is empty, longer than 255 bytes or
    /// starts with the reserved `custodian:`.
    pub fn try_new(name: impl Into<String>) -> Result<Self, VaultError> {
        let name: String = name.into();
        let invalid = VaultError::InvalidInput {
            what: "shared key name",
        };
        if name.starts_with(RESERVED) {
            return Err(invalid);
        }
        Self::internal(name).ok_or(invalid)
    }

    /// A crate-internal name (may use the reserved prefix); `None` if empty
    /// or too long.
    pub(crate) fn internal(name: String) -> Option<Self> {
        (!name.is_empty() && name.len() <= 255).then(|| Self(name.into_boxed_str()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for SharedKeyName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Reads back any stored name, the crate's reserved ones included (a key
/// store backup holds them), checking only the length.
impl<'de> serde::Deserialize<'de> for SharedKeyName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::internal(name)
            .ok_or_else(|| serde::de::Error::custom("shared key names are 1 to 255 bytes"))
    }
}

/// Whose key a record is: one subject's, or a shared one.
///
/// Serialized as `{"subject": "<subject id>"}` or `{"shared": "<name>"}`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    /// The data key of one subject; destroyed when the subject is forgotten.
    Subject(SubjectId),
    /// A key for data that belongs to no subject. Carries an encryption
    /// counter (see [`VaultBuilder::shared_key_limit`](super::VaultBuilder::shared_key_limit)).
    Shared(SharedKeyName),
}

impl KeyScope {
    /// A subject scope.
    pub fn subject(id: &SubjectId) -> Self {
        Self::Subject(id.clone())
    }

    /// A shared scope.
    ///
    /// # Panics
    ///
    /// As [`SharedKeyName::new`].
    pub fn shared(name: impl Into<String>) -> Self {
        Self::Shared(SharedKeyName::new(name))
    }

    /// Whether this is a subject's scope.
    pub fn is_subject(&self) -> bool {
        matches!(self, Self::Subject(_))
    }

    /// The name bound into envelopes: the subject id or the shared name.
    pub fn name(&self) -> &str {
        match self {
            Self::Subject(id) => id.as_str(),
            Self::Shared(name) => name.as_str(),
        }
    }

    pub(crate) fn tag(&self) -> u8 {
        match self {
            Self::Subject(_) => 1,
            Self::Shared(_) => 2,
        }
    }
}

/// Whether a data key version seals new values. Serialized as `"active"`
/// or `"decrypt_only"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyState {
    /// Seals new values (one per record) and opens old ones.
    Active,
    /// Opens values only: newly added (not yet promoted) or superseded.
    DecryptOnly,
}

/// One version of a record's data key, wrapped.
///
/// `Debug` shows the numbers and the wrapped key's length, not its bytes.
/// Serialized as its fields, `wrapped` in standard base64 (see
/// [`KeyStore`] for the serde form of a whole store).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataKeyVersion {
    /// The version number, from 1, written into envelopes.
    pub version: u32,
    /// Whether it seals.
    pub state: KeyState,
    /// The root key version that wraps it.
    pub root_version: u32,
    /// The wrapped key (see [`KeyStore`] for its context).
    #[serde(with = "base64_bytes")]
    pub wrapped: Vec<u8>,
    /// How many encryptions have been reserved under it (shared keys).
    pub encryptions: u64,
}

/// The data keys of one scope.
///
/// `Debug` shows the id, the kind of scope (a shared key's name, never a
/// subject id), the versions and the revision. Serialized as its fields.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    /// Random id, written into envelopes.
    pub id: KeyId,
    /// Whose key this is.
    pub scope: KeyScope,
    /// The versions still held, ascending.
    pub versions: Vec<DataKeyVersion>,
    /// Bumped by every [`KeyStore::update`]; used for compare-and-set.
    pub revision: u64,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: u64,
}

impl fmt::Debug for DataKeyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKeyVersion")
            .field("version", &self.version)
            .field("state", &self.state)
            .field("root_version", &self.root_version)
            .field("wrapped_len", &self.wrapped.len())
            .field("encryptions", &self.encryptions)
            .finish()
    }
}

impl fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope: &dyn fmt::Debug = match &self.scope {
            KeyScope::Subject(_) => &"Subject(..)",
            KeyScope::Shared(name) => name,
        };
        f.debug_struct("KeyRecord")
            .field("id", &self.id)
            .field("scope", scope)
            .field("versions", &self.versions)
            .field("revision", &self.revision)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl KeyRecord {
    /// The version that seals.
    pub fn active(&self) -> Option<&DataKeyVersion> {
        self.versions.iter().find(|v| v.state == KeyState::Active)
    }

    /// A version by number.
    pub fn version(&self, version: u32) -> Option<&DataKeyVersion> {
        self.versions.iter().find(|v| v.version == version)
    }
}

crate::hex::hex_newtype!(
    /// A keyed fingerprint of a destroyed record's scope, kept in its
    /// [`Tombstone`] so that opening a shredded value for the wrong scope
    /// is refused as [`WrongSubject`](crate::SealError::WrongSubject), as
    /// it would be before erasure. It is not the subject id and cannot be
    /// turned back into one without the vault's keys:
    ///
    /// ```text
    /// tag = HMAC-SHA256(pseudonym key "custodian.tombstone",
    ///                   scope tag (1) ‖ u16 BE length ‖ scope name)[..16]
    /// ```
    ///
    /// (pseudonym keys: [`PseudonymKey`](super::PseudonymKey); scope tag
    /// `0x01` subject, `0x02` shared).
    ScopeTag,
    16,
    "32",
    "scope tag"
);

/// What is left of a destroyed record: its id, when it was destroyed, and
/// a keyed fingerprint of its scope. No key material, no subject id.
/// Serialized as its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tombstone {
    /// The destroyed record's id.
    pub id: KeyId,
    /// Seconds since the Unix epoch.
    pub destroyed_at: u64,
    /// Whose record it was, as a keyed fingerprint.
    pub scope: ScopeTag,
}

/// A record by id: live, or destroyed. Serialized as `{"live": {…}}` or
/// `{"destroyed": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredKey {
    /// The record exists.
    Live(KeyRecord),
    /// It was crypto-shredded.
    Destroyed(Tombstone),
}

/// `wrapped` bytes as standard base64 with padding.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    pub(super) fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// Storage for wrapped data keys.
///
/// Object-safe, `Send + Sync + Debug`. Implementations must make each method
/// atomic with respect to the others (a transaction or a row lock in SQL).
///
/// # Security
///
/// The store holds only wrapped keys, subject ids and tombstones. Keep its
/// backups apart from data backups and expire them: a restored backup
/// brings destroyed keys back (still wrapped, so only together with the
/// root key version that wrapped them).
///
/// A key record holds the data keys of one scope — a subject or a shared
/// name — as numbered versions, each a random 256-bit key stored **wrapped**
/// under a root key. The store never sees a plaintext key. Destroying a
/// record (crypto-shredding) deletes every wrapped version and leaves a
/// [`Tombstone`], so later attempts to open that subject's values report
/// "shredded" rather than "tampered".
///
/// [`MemoryKeyStore`] ships here; SQL stores implement the same trait. A
/// store should live apart from the data it protects (another database or
/// schema, other backups): see "Residual risks" in the [vault docs](crate::vault#residual-risks).
///
/// # Backup and restore: the serde form
///
/// Every record type serializes, so a host backs up a key store as a list
/// of [`StoredKey`] (for [`MemoryKeyStore`]: [`MemoryKeyStore::snapshot`];
/// for any store: [`list`](KeyStore::list) pages) and restores the live
/// records with [`create`](KeyStore::create). In JSON:
///
/// ```json
/// {"live": {"id": "<32 hex digits>", "scope": {"subject": "cus_1815"},
///           "versions": [{"version": 1, "state": "active", "root_version": 1,
///                         "wrapped": "<standard base64>", "encryptions": 0}],
///           "revision": 0, "created_at": 1767225600}}
/// {"destroyed": {"id": "<32 hex digits>", "destroyed_at": 1767225600,
///                "scope": "<32 hex digits: the ScopeTag>"}}
/// ```
///
/// Shared scopes are `{"shared": "<name>"}`; unknown fields are refused.
/// The form holds wrapped keys and subject ids, never a plaintext key:
/// protect and expire it like the store itself (see the
/// [Security](#security) section above).
///
/// # Wrapping context
///
/// Each version's `wrapped` bytes authenticate this context (AES-GCM
/// associated data or KMS encryption context), so a wrapped key copied to
/// another record, version or scope fails to unwrap:
///
/// ```text
/// "custodian/dek/v1" ‖ key_id (16) ‖ version (u32 BE) ‖ root_version (u32 BE)
///   ‖ scope tag (1: 0x01 subject, 0x02 shared) ‖ u16 BE length ‖ scope name (UTF-8)
/// ```
pub trait KeyStore: Send + Sync + fmt::Debug {
    /// The live record of a scope.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn find(&self, scope: &KeyScope) -> Result<Option<KeyRecord>, VaultError>;

    /// A record or tombstone by id.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn load(&self, id: &KeyId) -> Result<Option<StoredKey>, VaultError>;

    /// Inserts a new record unless its scope already has a live one, and
    /// returns the record now in force (the existing one if another writer
    /// won the race).
    ///
    /// With `forgotten`, the scope's [tag](ScopeTag): if there is no live
    /// record and a tombstone carries that tag, the subject was forgotten
    /// and nothing is inserted. The check and the insert are one atomic
    /// step, so a first seal racing an erasure cannot resurrect the
    /// subject. [`Vault::reinstate`](super::Vault::reinstate) passes `None`.
    ///
    /// # Errors
    ///
    /// [`VaultError::Destroyed`] for a forgotten scope; backend failures.
    fn create(
        &self,
        record: KeyRecord,
        forgotten: Option<&ScopeTag>,
    ) -> Result<KeyRecord, VaultError>;

    /// Replaces the live record with the same id if the stored revision is
    /// `record.revision - 1` (compare-and-set). Encryption counters are not
    /// taken from `record` for versions already stored: they change only
    /// through [`KeyStore::reserve`].
    ///
    /// # Errors
    ///
    /// [`VaultError::Conflict`] if the revision moved,
    /// [`VaultError::Destroyed`] if the record was destroyed,
    /// [`VaultError::NoKey`] if it does not exist, backend failures.
    fn update(&self, record: &KeyRecord) -> Result<(), VaultError>;

    /// Reserves up to `want` encryptions under a version: adds
    /// `min(want, limit - counter)` to its counter and returns that amount.
    ///
    /// # Errors
    ///
    /// [`VaultError::EncryptionLimit`] if the counter already reached `limit`,
    /// [`VaultError::UnknownVersion`], [`VaultError::Destroyed`],
    /// [`VaultError::NoKey`], backend failures.
    fn reserve(&self, id: &KeyId, version: u32, want: u64, limit: u64) -> Result<u64, VaultError>;

    /// Deletes every version of record `tombstone.id` and keeps
    /// `tombstone` in its place, atomically. Idempotent: destroying a
    /// destroyed record keeps the first tombstone.
    ///
    /// # Errors
    ///
    /// [`VaultError::NoKey`] if no such record or tombstone exists, backend
    /// failures.
    fn destroy(&self, tombstone: &Tombstone) -> Result<(), VaultError>;

    /// Up to `limit` live records with ids greater than `after`, in id
    /// order (for batch jobs such as root-key rotation).
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn list(&self, after: Option<&KeyId>, limit: usize) -> Result<Vec<KeyRecord>, VaultError>;
}

/// An in-memory [`KeyStore`], for tests, examples and single-process tools.
///
/// ```
/// use custodian::vault::{KeyScope, KeyStore, MemoryKeyStore};
///
/// let store = MemoryKeyStore::new();
/// assert!(store.find(&KeyScope::shared("catalog"))?.is_none());
/// # Ok::<(), custodian::VaultError>(())
/// ```
///
/// `Debug` shows counts only.
#[derive(Default)]
pub struct MemoryKeyStore {
    state: RwLock<MemoryState>,
}

impl fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("MemoryKeyStore");
        if let Ok(state) = self.state.read() {
            let live = state.by_scope.len();
            s.field("live", &live)
                .field("destroyed", &(state.records.len() - live));
        }
        s.finish_non_exhaustive()
    }
}

#[derive(Default)]
struct MemoryState {
    records: BTreeMap<KeyId, StoredKey>,
    by_scope: HashMap<KeyScope, KeyId>,
    /// The scope tags of every tombstone.
    forgotten: HashSet<ScopeTag>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every record and tombstone, as a key-store backup would
    /// hold them (for tests of the residual-risk story).
    ///
    /// # Errors
    ///
    /// [`VaultError::Poisoned`] after a panic in another thread.
    pub fn snapshot(&self) -> Result<Vec<StoredKey>, VaultError> {
        let state = self.state.read().map_err(|_| VaultError::Poisoned)?;
        Ok(state.records.values().cloned().collect())
    }
}

fn live_mut<'a>(state: &'a mut MemoryState, id: &KeyId) -> Result<&'a mut KeyRecord, VaultError> {
    match state.records.get_mut(id) {
        Some(StoredKey::Live(record)) => Ok(record),
        Some(StoredKey::Destroyed(_)) => Err(VaultError::Destroyed),
        None => Err(VaultError::NoKey),
    }
}

impl KeyStore for MemoryKeyStore {
    fn find(&self, scope: &KeyScope) -> Result<Option<KeyRecord>, VaultError> {
        let state = self.state.read().map_err(|_| VaultError::Poisoned)?;
        Ok(state
            .by_scope
            .get(scope)
            .and_then(|id| match state.records.get(id) {
                Some(StoredKey::Live(record)) => Some(record.clone()),
                _ => None,
            }))
    }

    fn load(&self, id: &KeyId) -> Result<Option<StoredKey>, VaultError> {
        let state = self.state.read().map_err(|_| VaultError::Poisoned)?;
        Ok(state.records.get(id).cloned())
    }

    fn create(
        &self,
        record: KeyRecord,
        forgotten: Option<&ScopeTag>,
    ) -> Result<KeyRecord, VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        if let Some(id) = state.by_scope.get(&record.scope).copied() {
            if let Some(StoredKey::Live(existing)) = state.records.get(&id) {
                return Ok(existing.clone());
            }
        }
        if forgotten.is_some_and(|tag| state.forgotten.contains(tag)) {
            return Err(VaultError::Destroyed);
        }
        if state.records.contains_key(&record.id) {
            return Err(VaultError::Corrupt {
                what: "duplicate key id",
            });
        }
        state.by_scope.insert(record.scope.clone(), record.id);
        state
            .records
            .insert(record.id, StoredKey::Live(record.clone()));
        Ok(record)
    }

    fn update(&self, record: &KeyRecord) -> Result<(), VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        let stored = live_mut(&mut state, &record.id)?;
        if stored.revision.checked_add(1) != Some(record.revision) || stored.scope != record.scope {
            return Err(VaultError::Conflict);
        }
        let mut next = record.clone();
        for version in &mut next.versions {
            if let Some(old) = stored.version(version.version) {
                version.encryptions = old.encryptions;
            }
        }
        *stored = next;
        Ok(())
    }

    fn reserve(&self, id: &KeyId, version: u32, want: u64, limit: u64) -> Result<u64, VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        let record = live_mut(&mut state, id)?;
        let entry = record
            .versions
            .iter_mut()
            .find(|v| v.version == version)
            .ok_or(VaultError::UnknownVersion { version })?;
        let granted = want.min(limit.saturating_sub(entry.encryptions));
        if granted == 0 {
            return Err(VaultError::EncryptionLimit { version, limit });
        }
        entry.encryptions += granted;
        Ok(granted)
    }

    fn destroy(&self, tombstone: &Tombstone) -> Result<(), VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        match state.records.get(&tombstone.id) {
            None => Err(VaultError::NoKey),
            Some(StoredKey::Destroyed(_)) => Ok(()),
            Some(StoredKey::Live(record)) => {
                let scope = record.scope.clone();
                state.by_scope.remove(&scope);
                state.forgotten.insert(tombstone.scope);
                state
                    .records
                    .insert(tombstone.id, StoredKey::Destroyed(*tombstone));
                Ok(())
            }
        }
    }

    fn list(&self, after: Option<&KeyId>, limit: usize) -> Result<Vec<KeyRecord>, VaultError> {
        use std::ops::Bound;
        let state = self.state.read().map_err(|_| VaultError::Poisoned)?;
        let lower = after.map_or(Bound::Unbounded, |id| Bound::Excluded(*id));
        Ok(state
            .records
            .range((lower, Bound::Unbounded))
            .filter_map(|(_, stored)| match stored {
                StoredKey::Live(record) => Some(record.clone()),
                StoredKey::Destroyed(_) => None,
            })
            .take(limit)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(scope: KeyScope) -> KeyRecord {
        KeyRecord {
            id: KeyId::generate().expect("rng"),
            scope,
            versions: vec![DataKeyVersion {
                version: 1,
                state: KeyState::Active,
                root_version: 1,
                wrapped: vec![0; 60],
                encryptions: 0,
            }],
            revision: 0,
            created_at: 0,
        }
    }

    #[test]
    fn create_keeps_the_first_record_of_a_scope() {
        let store = MemoryKeyStore::new();
        let first = store
            .create(record(KeyScope::shared("a")), None)
            .expect("create");
        let second = store
            .create(record(KeyScope::shared("a")), None)
            .expect("create");
        assert_eq!(first.id, second.id);
        assert_eq!(
            store.find(&KeyScope::shared("a")).expect("find"),
            Some(first)
        );
    }

    #[test]
    fn update_is_compare_and_set_and_keeps_counters() {
        let store = MemoryKeyStore::new();
        let mut rec = store
            .create(record(KeyScope::shared("a")), None)
            .expect("create");
        assert_eq!(store.reserve(&rec.id, 1, 10, 100).expect("reserve"), 10);
        rec.revision += 1;
        store.update(&rec).expect("first update");
        assert!(matches!(store.update(&rec), Err(VaultError::Conflict)));
        let stored = store.find(&rec.scope).expect("find").expect("live");
        assert_eq!(stored.versions[0].encryptions, 10);
    }

    #[test]
    fn reserve_refuses_to_pass_the_limit() {
        let store = MemoryKeyStore::new();
        let rec = store
            .create(record(KeyScope::shared("a")), None)
            .expect("create");
        assert_eq!(store.reserve(&rec.id, 1, 60, 100).expect("reserve"), 60);
        assert_eq!(store.reserve(&rec.id, 1, 60, 100).expect("reserve"), 40);
        assert!(matches!(
            store.reserve(&rec.id, 1, 1, 100),
            Err(VaultError::EncryptionLimit { .. })
        ));
        assert!(matches!(
            store.reserve(&rec.id, 2, 1, 100),
            Err(VaultError::UnknownVersion { version: 2 })
        ));
    }

    #[test]
    fn destroy_leaves_a_tombstone_and_frees_the_scope() {
        let store = MemoryKeyStore::new();
        let rec = store
            .create(record(KeyScope::subject(&SubjectId::new("s"))), None)
            .expect("create");
        let tombstone = |destroyed_at| Tombstone {
            id: rec.id,
            destroyed_at,
            scope: ScopeTag::from_bytes([9; 16]),
        };
        store.destroy(&tombstone(42)).expect("destroy");
        store.destroy(&tombstone(43)).expect("idempotent");
        assert_eq!(
            store.load(&rec.id).expect("load"),
            Some(StoredKey::Destroyed(tombstone(42)))
        );
        assert!(store.find(&rec.scope).expect("find").is_none());
        assert!(store.list(None, 10).expect("list").is_empty());
        // Forgotten: a new record for the scope is refused when its tag is
        // given, and allowed (a reinstatement) when it is not.
        let again = || record(rec.scope.clone());
        let tag = ScopeTag::from_bytes([9; 16]);
        assert!(matches!(
            store.create(again(), Some(&tag)),
            Err(VaultError::Destroyed)
        ));
        let other = ScopeTag::from_bytes([8; 16]);
        let fresh = store.create(again(), Some(&other)).expect("other tag");
        assert!(store.find(&rec.scope).expect("find").is_some());
        assert_eq!(store.create(again(), Some(&tag)).expect("live"), fresh);
        assert!(matches!(
            store.reserve(&rec.id, 1, 1, 10),
            Err(VaultError::Destroyed)
        ));
    }

    #[test]
    fn list_pages_in_id_order() {
        let store = MemoryKeyStore::new();
        for name in ["a", "b", "c", "d", "e"] {
            store
                .create(record(KeyScope::shared(name)), None)
                .expect("create");
        }
        let first = store.list(None, 2).expect("list");
        let rest = store.list(Some(&first[1].id), 10).expect("list");
        assert_eq!(first.len() + rest.len(), 5);
        assert!(first[1].id < rest[0].id);
    }
}
