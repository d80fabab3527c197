//! The vault: keys, sealing and opening, crypto-shredding, rotation, blind
//! indexes.
//!
//! ```
//! use std::sync::Arc;
//! use custodian::SubjectId;
//! use custodian::pii::Email;
//! use custodian::vault::{FieldLabel, KeyScope, MemoryKeyStore, RootKey, RootKeyRing, Vault};
//!
//! let vault = Vault::builder().build(
//!     Arc::new(RootKeyRing::new(1, RootKey::generate()?)),
//!     Arc::new(MemoryKeyStore::new()),
//! )?;
//! let alice = KeyScope::subject(&SubjectId::new("cust_1"));
//! const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");
//!
//! let email = Email::parse("ada@example.com")?;
//! let sealed = vault.seal(&email, &alice, LOGIN)?;
//! let opened = vault.open::<Email>(&sealed, &alice, LOGIN)?;
//! assert_eq!(opened.present().map(Email::expose), Some("ada@example.com"));
//!
//! vault.forget(&SubjectId::new("cust_1"))?;
//! assert!(vault.open::<Email>(&sealed, &alice, LOGIN)?.is_erased());
//! # Ok::<(), custodian::Error>(())
//! ```
//!
//! Most code does not call the vault directly: PII values seal themselves
//! when serialized inside a [scope](crate::seal).
//!
//! # Key hierarchy
//!
//! 1. **Root keys** (key-encryption keys), versioned, behind
//!    [`RootKeyProvider`] (a KMS in production, [`RootKeyRing`] in process).
//!    They only wrap data keys.
//! 2. **Data keys**: random 256-bit keys, one record per subject (created on
//!    first use) or per shared name, each with numbered versions, stored
//!    wrapped in a [`KeyStore`]. A subject's key is **random, not derived**:
//!    derived keys could be derived again after erasure; a random key that
//!    is deleted is gone.
//! 3. **Subkeys** below a data key with HKDF-SHA256, one per (category,
//!    field label, subject or shared name), cached with their AES key
//!    schedule (see [`subkey`]).
//!
//! Values are sealed with AES-256-GCM in the [`envelope`] layout. Opening
//! picks the exact key record and version written in the envelope; it never
//! tries keys in turn.
//!
//! # Crypto-shredding
//!
//! [`Vault::forget`] destroys every version of a subject's data key and
//! leaves a tombstone. From then on every value sealed for that subject —
//! in the database, in an exported JSON file, in a data backup — opens as
//! [`Erasable::Erased`] (or [`SealError::Shredded`] where a plain value is
//! required), distinct from tampering ([`SealError::Crypto`]); other
//! subjects are unaffected.
//!
//! # Rotation
//!
//! - **Data keys**: [`Vault::add_key_version`] adds a version that only
//!   opens; once every process has it, [`Vault::promote_key_version`] makes
//!   it the one that seals ([`Vault::rotate_key`] does both, for a single
//!   process). [`Vault::reseal`] / [`Vault::reseal_batch`] move stored values
//!   to the active version without handing plaintext to the caller; then
//!   [`Vault::retire_key_version`] deletes the old version.
//! - **Shared keys** count encryptions per version and refuse to seal past
//!   [`VaultBuilder::shared_key_limit`] (default 2³⁰, a 4× margin under
//!   NIST SP 800-38D §8.3's 2³² random-nonce invocations per key). Rotate
//!   them at the limit or every 90 days, whichever comes first.
//! - **Subject keys** have no encryption counter: each field of a subject
//!   (label and category) seals under its own HKDF-derived key, so the
//!   2³² bound of random 96-bit nonces applies per field and version.
//!   With n seals of one field the chance of any repeated nonce is about
//!   n²/2⁹⁷: below 10⁻¹⁷ for a million rewrites of one customer's email.
//!   They rotate on suspicion of compromise.
//! - **Root keys**: add and promote a new root key version, run
//!   [`Vault::rewrap_data_keys`] (re-wraps data keys only; no value is
//!   re-encrypted), then remove the old root version.
//! - **Blind indexes** never rotate in place: add an index version,
//!   dual-write, backfill, switch queries, drop the old one.
//!
//! # Residual risks
//!
//! - **Key-store backups** hold wrapped copies of destroyed keys. They are
//!   useless without the root key version that wrapped them, so rotate the
//!   root key every `R` days and remove each old root version once every
//!   key-store backup made under it has expired (`B` days). After `R + B`
//!   days no backup anywhere can open a forgotten subject's values: publish
//!   that as the erasure bound (for example R = 7 and B = 21 gives four
//!   weeks, inside GDPR Art. 12(3)'s one month). Alternatively keep the key
//!   store out of long-term backups.
//! - **Blind indexes in old data backups** let whoever holds the index key
//!   confirm a guess ("is this row alice@example.com?"). Erase index
//!   columns with the subject's records; old backups expire on their own
//!   schedule.
//! - **Caches in other processes** keep a forgotten subject's keys until
//!   [`Vault::clear_cache`] or a restart. Within one process a tombstone
//!   is final: a read of the key record that was in flight when
//!   [`Vault::forget`] ran may finish its own call, but its record is never
//!   cached, and no later call seals or opens under it.
//! - **Forked processes** copy the cache; that is harmless (the same keys),
//!   while the two pieces of state that must not be shared — nonce
//!   generators and encryption leases — are renewed in the child before
//!   its first seal (see [`nonce`]).
//! - **Linkability**: the key id in an envelope links every value of one
//!   subject; the subject id is stored in the key store in clear.
//! - **Erased cannot be authenticated**: once a key is destroyed nothing can
//!   check a value's tag, so someone who can write the database can make a
//!   value read as erased (pointing it at a tombstone) — as they could
//!   delete it. Every other change fails to open.
//! - Copies the host made of plaintext (logs, search engines, caches) are
//!   outside the crate's reach.
//!
//! # Audit
//!
//! With [`VaultBuilder::audit`], forgetting a key, rotating, retiring,
//! resealing, re-wrapping and revealed serialization each record an
//! [audit event](crate::audit::AuditEvent), fail closed.
//!
//! Each audited operation records its event (outcome `done`) **before**
//! its irreversible or revealing step, and does not run that step if
//! recording fails: the caller gets [`VaultError::Audit`] and nothing
//! changed. If the step itself then fails, a second event with the same
//! correlation id, outcome `failed` (or `partial` with the number of
//! failed items, for a reseal batch) and a later time is recorded, best
//! effort; the caller always gets the step's own error. An auditor reads a
//! `done` event with no later `failed`/`partial` event of its correlation
//! id as carried out. A crash between the two steps leaves a `done` event
//! for a step that may not have happened: the log over-reports, it never
//! misses a step.

mod audited;
mod blind_index;
mod cache;
pub mod envelope;
mod erasable;
mod fork;
mod key_store;
mod label;
pub mod nonce;
mod pseudonym;
mod root_key;
mod rotation;
pub mod subkey;

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use blind_index::{BlindIndex, IndexTerm};
pub use envelope::Envelope;
pub use erasable::{Erasable, Erased};
pub use key_store::{
    DataKeyVersion, KeyId, KeyRecord, KeyScope, KeyState, KeyStore, MemoryKeyStore, ScopeTag,
    SharedKeyName, StoredKey, Tombstone,
};
pub use label::FieldLabel;
pub use pseudonym::PseudonymKey;
pub use root_key::{RootKey, RootKeyProvider, RootKeyRing};
pub use rotation::Resealed;

use subtle::ConstantTimeEq as _;

use self::cache::{Cache, Entry, Keys};
use crate::audit::{Action, AuditSink};
use crate::error::{SealError, VaultError};
use crate::pii::Category;
use crate::seal::Sealable;
use crate::subject::{Owned, SubjectId};

/// Default [`VaultBuilder::shared_key_limit`]: 2³⁰ encryptions per shared
/// data key version.
pub const DEFAULT_SHARED_KEY_LIMIT: u64 = 1 << 30;

/// Default [`VaultBuilder::lease_size`].
pub const DEFAULT_LEASE: u64 = 4096;

/// Seals and opens PII values; owns the key cache. Cheap to clone (an
/// [`Arc`] inside); share one per process.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    root: Arc<dyn RootKeyProvider>,
    store: Arc<dyn KeyStore>,
    shared_limit: u64,
    lease: u64,
    cache: Cache,
    indexes: blind_index::IndexCache,
    /// Set once, by the builder or by the [`Custodian`](crate::Custodian)
    /// the vault is given to; every clone of the vault shares it.
    audit: std::sync::OnceLock<audited::Auditor>,
    /// Keys the scope fingerprints of tombstones; derived on first use.
    tombstone_key: std::sync::OnceLock<PseudonymKey>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the provider nor the store: their `Debug` is the host's
        // (a store's may list subject ids and wrapped keys).
        f.debug_struct("Vault")
            .field("shared_limit", &self.inner.shared_limit)
            .field("lease", &self.inner.lease)
            .field("audited", &self.inner.audit.get().is_some())
            .finish_non_exhaustive()
    }
}

/// Configures a [`Vault`]; the root keys and key store are given to
/// [`VaultBuilder::build`].
#[derive(Clone, Debug)]
pub struct VaultBuilder {
    shared_limit: u64,
    lease: u64,
    audit: Option<Arc<dyn AuditSink>>,
}

impl Default for VaultBuilder {
    fn default() -> Self {
        Self {
            shared_limit: DEFAULT_SHARED_KEY_LIMIT,
            lease: DEFAULT_LEASE,
            audit: None,
        }
    }
}

impl VaultBuilder {
    /// How many values one version of a shared key may seal (default
    /// [`DEFAULT_SHARED_KEY_LIMIT`]). Past it, sealing fails with
    /// [`VaultError::EncryptionLimit`] until a new version is promoted.
    ///
    /// # Security
    ///
    /// Random 96-bit GCM nonces collide with probability about n²/2⁹⁷ after
    /// n encryptions; NIST SP 800-38D §8.3 caps n at 2³². Raising the limit
    /// above 2³² is refused (clamped).
    pub fn shared_key_limit(mut self, limit: u64) -> Self {
        self.shared_limit = limit.min(1 << 32);
        self
    }

    /// How many encryptions a process reserves from the key store at a time
    /// for a shared key (default [`DEFAULT_LEASE`]). The counter is
    /// conservative: reservations a process does not use are lost, never
    /// reused.
    pub fn lease_size(mut self, lease: u64) -> Self {
        self.lease = lease.max(1);
        self
    }

    /// Records the vault's own data activities in `sink`, fail closed.
    ///
    /// Audited, each with one [`AuditEvent`](crate::audit::AuditEvent)
    /// (actor `system` unless noted; subjects as pseudonyms keyed by
    /// [`Vault::pseudonym_key`]`("audit")`, see
    /// [`Pseudonymizer::from_vault`](crate::audit::Pseudonymizer::from_vault)):
    ///
    /// | operation | action | fields |
    /// |---|---|---|
    /// | [`Vault::forget`] (a key existed) | `subject_key_forgotten` | subject |
    /// | [`Vault::reinstate`] (no live key) | `subject_key_reinstated` | subject |
    /// | [`Vault::promote_key_version`], [`Vault::rotate_key`] | `key_rotated` | subject (subject keys), key version |
    /// | [`Vault::retire_key_version`] | `key_retired` | subject (subject keys), key version |
    /// | [`Vault::reseal`] | `resealed` | subject (subject keys), category, count 1 |
    /// | [`Vault::reseal_batch`] | `resealed` | category, count of items |
    /// | [`Vault::rewrap_data_keys`] | `keys_rewrapped` | root key version |
    /// | [`Scope::run`](crate::seal::Scope::run) of a [revealed](crate::seal::Scope::revealed) scope | `export_produced` | actor `subject`, subject (subject scopes), right `access` or `portability` |
    ///
    /// [`Vault::add_key_version`] is not audited on its own (it only adds a
    /// key that cannot seal yet); [`Vault::rotate_key`] records one
    /// `key_rotated` event.
    ///
    /// # Security
    ///
    /// Each event is recorded **before** the step it describes; if the
    /// sink fails, the operation returns [`VaultError::Audit`] and does
    /// nothing: the key is not destroyed, the revealed closure does not
    /// run. If the step fails after its event was recorded, a second
    /// event with the same correlation id and outcome `failed` (`partial`
    /// for a batch) follows. Details in the [audit ordering
    /// notes](self#audit).
    ///
    /// Without a sink the vault behaves as before and records nothing; a
    /// production setup should configure one (the privacy policy promises
    /// that every data activity is logged).
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Builds the vault.
    ///
    /// # Errors
    ///
    /// Whatever [`RootKeyProvider::active_version`] reports: the provider
    /// is asked once so a misconfigured KMS fails at start-up. With an
    /// [audit sink](VaultBuilder::audit), key store failures while deriving
    /// the audit pseudonym key (which creates the shared pseudonym record
    /// on first use).
    pub fn build(
        self,
        root: Arc<dyn RootKeyProvider>,
        store: Arc<dyn KeyStore>,
    ) -> Result<Vault, VaultError> {
        root.active_version()?;
        let vault = Vault {
            inner: Arc::new(Inner {
                root,
                store,
                shared_limit: self.shared_limit,
                lease: self.lease,
                cache: Cache::default(),
                indexes: blind_index::IndexCache::default(),
                audit: std::sync::OnceLock::new(),
                tombstone_key: std::sync::OnceLock::new(),
            }),
        };
        if let Some(sink) = self.audit {
            vault.audit_into(sink)?;
        }
        Ok(vault)
    }
}

/// The result of opening raw bytes.
pub(crate) enum RawOpened {
    Plain(zeroize::Zeroizing<Vec<u8>>),
    Shredded,
}

impl Vault {
    /// A builder with the default limits.
    pub fn builder() -> VaultBuilder {
        VaultBuilder::default()
    }

    /// Seals a value for a scope under a field label.
    ///
    /// A subject's data key is created on first use, unless the subject
    /// was forgotten (see [`Vault::reinstate`]).
    ///
    /// # Errors
    ///
    /// [`SealError::Shredded`] if the subject was forgotten (also when
    /// [`Vault::forget`] ran during this call); [`SealError::Vault`] if the
    /// key store or root key provider fails, or a shared key reached its
    /// encryption limit.
    pub fn seal<T: Sealable>(
        &self,
        value: &T,
        scope: &KeyScope,
        label: FieldLabel,
    ) -> Result<Envelope, SealError> {
        value
            .with_canonical(|plain| self.seal_raw(scope, T::CATEGORY, label, plain))
            .map(Envelope::from_checked)
    }

    /// Opens a value sealed for `scope` under `label`.
    ///
    /// # Errors
    ///
    /// - [`SealError::WrongCategory`] if the envelope holds another category,
    /// - [`SealError::WrongSubject`] if it was sealed for another scope,
    /// - [`SealError::Crypto`] if it does not authenticate (tampered, wrong
    ///   label, unknown key or version),
    /// - [`SealError::Invalid`] if the plaintext does not parse as `T`,
    /// - [`SealError::Vault`] for key store or provider failures.
    ///
    /// A shredded subject is not an error: it gives [`Erasable::Erased`].
    pub fn open<T: Sealable>(
        &self,
        envelope: &Envelope,
        scope: &KeyScope,
        label: FieldLabel,
    ) -> Result<Erasable<T>, SealError> {
        match self.open_raw(envelope.as_bytes(), scope, T::CATEGORY, label)? {
            RawOpened::Plain(plain) => Ok(Erasable::Present(T::from_opened(plain)?)),
            RawOpened::Shredded => Ok(Erasable::Erased(Erased::new(envelope.clone()))),
        }
    }

    /// Opens a value sealed for `subject` under `label`, and keeps whose
    /// it is: what a [reveal](crate::decision::Decider::reveal) takes.
    ///
    /// # Errors
    ///
    /// As [`Vault::open`].
    pub fn open_owned<T: Sealable>(
        &self,
        envelope: &Envelope,
        subject: &SubjectId,
        label: FieldLabel,
    ) -> Result<Erasable<Owned<T>>, SealError> {
        Ok(
            match self.open::<T>(envelope, &KeyScope::subject(subject), label)? {
                Erasable::Present(value) => Erasable::Present(Owned::new(subject.clone(), value)),
                Erasable::Erased(erased) => Erasable::Erased(erased),
            },
        )
    }

    /// Crypto-shreds a subject: destroys every version of their data key
    /// and leaves a tombstone. Returns the tombstone, or `None` if the
    /// subject had no key.
    ///
    /// # Errors
    ///
    /// Key store failures; [`VaultError::Audit`] if the vault has an
    /// [audit sink](VaultBuilder::audit) and it did not record the
    /// `subject_key_forgotten` event — the key is then left intact.
    ///
    /// # Security
    ///
    /// Irreversible for every copy of the subject's sealed values, within
    /// the bounds described under "Residual risks" in the [module
    /// docs](self#residual-risks). Other processes must
    /// [`clear_cache`](Vault::clear_cache). Erase the subject's blind-index
    /// entries with their records.
    ///
    /// # References
    ///
    /// GDPR Art. 17 (right to erasure).
    pub fn forget(&self, subject: &SubjectId) -> Result<Option<Tombstone>, VaultError> {
        self.forget_scope(&KeyScope::subject(subject))
    }

    /// [`forget`](Self::forget) for any scope: the key of a legal hold is
    /// a shared scope, destroyed when the hold is released.
    pub(crate) fn forget_scope(&self, scope: &KeyScope) -> Result<Option<Tombstone>, VaultError> {
        let scope = scope.clone();
        let Some(record) = self.inner.store.find(&scope)? else {
            self.inner
                .cache
                .by_scope(&scope)?
                .map_or(Ok(()), |keys| self.inner.cache.evict(&keys.record.id))?;
            return Ok(None);
        };
        let tombstone = Tombstone {
            id: record.id,
            destroyed_at: now(),
            scope: self.scope_tag(&scope)?,
        };
        self.audited(
            |names| audited::system_event(Action::SubjectKeyForgotten, names, Some(&scope)),
            || {
                self.inner.store.destroy(&tombstone)?;
                self.inner.cache.mark_destroyed(&tombstone, Some(&scope))?;
                Ok(Some(tombstone))
            },
        )
    }

    /// Moves a sealed value from one scope to another without handing its
    /// plaintext out (a legal hold takes a subject's held fields under its
    /// own key before the subject's key is destroyed). The plaintext is
    /// zeroized on return.
    pub(crate) fn rescope(
        &self,
        envelope: &Envelope,
        from: &KeyScope,
        to: &KeyScope,
        category: Category,
        label: FieldLabel,
    ) -> Result<Envelope, SealError> {
        match self.open_raw(envelope.as_bytes(), from, category, label)? {
            RawOpened::Plain(plain) => self
                .seal_raw(to, category, label, &plain)
                .map(Envelope::from_checked),
            RawOpened::Shredded => Err(SealError::Shredded { category }),
        }
    }

    /// Opens a sealed value to its canonical bytes (zeroized on drop), or
    /// `None` when its key was destroyed.
    pub(crate) fn open_bytes(
        &self,
        envelope: &Envelope,
        scope: &KeyScope,
        category: Category,
        label: FieldLabel,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, SealError> {
        Ok(
            match self.open_raw(envelope.as_bytes(), scope, category, label)? {
                RawOpened::Plain(plain) => Some(plain),
                RawOpened::Shredded => None,
            },
        )
    }

    /// Seals canonical bytes of `category` (free text of a complaint,
    /// for instance) for `scope`.
    pub(crate) fn seal_bytes(
        &self,
        plain: &[u8],
        scope: &KeyScope,
        category: Category,
        label: FieldLabel,
    ) -> Result<Envelope, SealError> {
        self.seal_raw(scope, category, label, plain)
            .map(Envelope::from_checked)
    }

    /// Gives a forgotten subject a new data key, so values can be sealed
    /// for them again: for a person who comes back after erasure (a new
    /// account under the same host id). Their values sealed before the
    /// erasure stay erased; only new values open. Does nothing if the
    /// subject has a live key.
    ///
    /// Without this call, sealing for a forgotten subject fails with
    /// [`SealError::Shredded`]: a stale copy of a record written back
    /// after erasure does not bring the person's data back.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use custodian::vault::{FieldLabel, KeyScope, MemoryKeyStore, RootKey, RootKeyRing, Vault};
    /// # use custodian::{pii::Email, SubjectId};
    /// # let vault = Vault::builder().build(
    /// #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
    /// const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");
    /// let ada = SubjectId::new("cust_1");
    /// let email = Email::parse("ada@example.com")?;
    /// let old = vault.seal(&email, &KeyScope::subject(&ada), LOGIN)?;
    /// vault.forget(&ada)?;
    /// let refused = vault.seal(&email, &KeyScope::subject(&ada), LOGIN).unwrap_err();
    /// assert!(refused.is_shredded());
    ///
    /// vault.reinstate(&ada)?;
    /// let new = vault.seal(&email, &KeyScope::subject(&ada), LOGIN)?;
    /// assert!(vault.open::<Email>(&new, &KeyScope::subject(&ada), LOGIN)?.present().is_some());
    /// assert!(vault.open::<Email>(&old, &KeyScope::subject(&ada), LOGIN)?.is_erased());
    /// # Ok::<(), custodian::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Key store and root key provider failures; [`VaultError::Audit`] if
    /// the vault has an [audit sink](VaultBuilder::audit) and it did not
    /// record the `subject_key_reinstated` event (no key is created then).
    pub fn reinstate(&self, subject: &SubjectId) -> Result<(), VaultError> {
        let scope = KeyScope::subject(subject);
        if self.existing_keys(&scope)?.is_some() {
            return Ok(());
        }
        self.audited(
            |names| audited::system_event(Action::SubjectKeyReinstated, names, Some(&scope)),
            || self.create_record(&scope, None).map(|_| ()),
        )
    }

    /// The keyed fingerprint of a scope that its tombstone keeps.
    fn scope_tag(&self, scope: &KeyScope) -> Result<ScopeTag, VaultError> {
        let key = match self.inner.tombstone_key.get() {
            Some(key) => key,
            None => {
                let key = self.pseudonym_key("custodian.tombstone")?;
                self.inner.tombstone_key.get_or_init(|| key)
            }
        };
        let name = scope.name().as_bytes();
        // Scope names are at most 255 bytes (checked by their constructors).
        let len = (name.len() as u16).to_be_bytes();
        let mac = key.pseudonym_parts(&[&[scope.tag()], &len, name]);
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&mac[..16]);
        Ok(ScopeTag::from_bytes(tag))
    }

    /// Drops every cached key. Call it when another process forgot a
    /// subject or promoted a key version, or periodically (the cache holds
    /// unwrapped keys).
    ///
    /// # Errors
    ///
    /// [`VaultError::Poisoned`] after a panic in another thread.
    pub fn clear_cache(&self) -> Result<(), VaultError> {
        self.inner.cache.clear()?;
        self.inner.indexes.clear()
    }

    /// Seals canonical bytes. The caller's label is 'static, the scope's
    /// name at most 255 bytes, so both fit the field key's HKDF info.
    pub(crate) fn seal_raw(
        &self,
        scope: &KeyScope,
        category: Category,
        label: FieldLabel,
        plain: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        if plain.len() > envelope::MAX_PLAINTEXT {
            return Err(SealError::Malformed {
                category,
                fault: crate::error::EnvelopeFault::TooLong,
            });
        }
        let cache = &self.inner.cache;
        let (code, name) = (category.code(), label.as_str());
        let recent = cache.with_recent_seal(scope, code, name, |keys, version, field| {
            if scope.is_subject() {
                return Some(self.seal_with(None, version, field, plain));
            }
            // Shared keys count encryptions on their record; if it was
            // evicted meanwhile, take the slow path below.
            let keys = keys.upgrade()?;
            Some(self.seal_with(Some(&keys), version, field, plain))
        });
        if let Some(sealed) = recent.flatten() {
            return sealed;
        }
        let generation = cache.generation();
        let keys = self
            .keys_for_sealing(scope)
            .map_err(|err| erased_or(err, category))?;
        self.seal_under(&keys, generation, category, label, plain)
    }

    /// Seals under a record's active version, and remembers the field for
    /// this thread's next seal.
    fn seal_under(
        &self,
        keys: &Arc<Keys>,
        generation: u64,
        category: Category,
        label: FieldLabel,
        plain: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let (code, name) = (category.code(), label.as_str());
        let version = keys.active.ok_or(VaultError::NoKey)?;
        let cipher = keys.field(&*self.inner.root, version, code, name)?;
        self.inner.cache.remember_seal(&cache::FieldUse {
            generation,
            keys,
            version,
            category: code,
            label: name,
            cipher: &cipher,
        });
        let shared = (!keys.record.scope.is_subject()).then_some(&**keys);
        self.seal_with(shared, version, &cipher, plain)
    }

    /// Seals with a resolved field cipher: counts the encryption (`shared`
    /// keys), draws a nonce, writes the envelope.
    fn seal_with(
        &self,
        shared: Option<&Keys>,
        version: u32,
        field: &envelope::FieldKey,
        plain: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        if let Some(keys) = shared {
            self.count_encryption(keys, version)?;
        }
        let nonce = nonce::next()?;
        envelope::seal(field, nonce, plain).map_err(|()| SealError::Vault(VaultError::Crypto))
    }

    /// Opens envelope bytes expected to hold `category` for `scope`.
    pub(crate) fn open_raw(
        &self,
        bytes: &[u8],
        scope: &KeyScope,
        category: Category,
        label: FieldLabel,
    ) -> Result<RawOpened, SealError> {
        envelope::check(bytes).map_err(|fault| SealError::Malformed { category, fault })?;
        let found = envelope::category_code(bytes);
        if found != category.code() {
            return Err(SealError::WrongCategory {
                expected: category,
                found,
            });
        }
        if envelope::is_subject_keyed(bytes) != scope.is_subject() {
            return Err(SealError::WrongSubject { category });
        }
        let id = envelope::key_id(bytes);
        let version = envelope::key_version(bytes);
        let name = label.as_str();
        let open = |field: &envelope::FieldKey| {
            envelope::open(field, bytes)
                .map(RawOpened::Plain)
                .map_err(|()| SealError::Crypto { category })
        };
        let cache = &self.inner.cache;
        // The remembered field matches the expected scope too; a record of
        // another scope takes the slow path, which tells it apart.
        if let Some(opened) = cache.with_recent_open(&id, scope, version, found, name, open) {
            return opened;
        }
        let generation = cache.generation();
        let keys = match self.keys_for_opening(&id, version) {
            Ok(Entry::Live(keys)) => keys,
            // Erased, but whose? Only the expected subject learns it.
            Ok(Entry::Destroyed(tag))
                if bool::from(tag.as_bytes().ct_eq(self.scope_tag(scope)?.as_bytes())) =>
            {
                return Ok(RawOpened::Shredded);
            }
            Ok(Entry::Destroyed(_)) => return Err(SealError::WrongSubject { category }),
            Err(VaultError::NoKey) => return Err(SealError::Crypto { category }),
            Err(err) => return Err(err.into()),
        };
        if keys.record.scope != *scope {
            return Err(SealError::WrongSubject { category });
        }
        if keys.record.version(version).is_none() {
            return Err(SealError::Crypto { category });
        }
        let cipher = keys.field(&*self.inner.root, version, found, name)?;
        cache.remember_open(&cache::FieldUse {
            generation,
            keys: &keys,
            version,
            category: found,
            label: name,
            cipher: &cipher,
        });
        open(&cipher)
    }

    /// The cached keys of a scope, loading or creating the record; a
    /// forgotten subject gets no new record ([`VaultError::Destroyed`]).
    fn keys_for_sealing(&self, scope: &KeyScope) -> Result<Arc<Keys>, VaultError> {
        match self.existing_keys(scope)? {
            Some(keys) => Ok(keys),
            None => {
                let tag = scope
                    .is_subject()
                    .then(|| self.scope_tag(scope))
                    .transpose()?;
                self.create_record(scope, tag.as_ref())
            }
        }
    }

    /// The cached keys of a scope's live record, loaded if need be; `None`
    /// if the scope has none. Never creates a record: every path but a
    /// first seal goes through here.
    fn existing_keys(&self, scope: &KeyScope) -> Result<Option<Arc<Keys>>, VaultError> {
        let cache = &self.inner.cache;
        if let Some(keys) = cache.by_scope(scope)? {
            return Ok(Some(keys));
        }
        let mark = cache.read_mark();
        match self.inner.store.find(scope)? {
            // Destroyed between the read and now: do not seal under it.
            Some(record) => live(cache.insert(Keys::new(record), mark)?).map(Some),
            None => Ok(None),
        }
    }

    /// The cached keys of a key id, or the tombstone's scope if the record
    /// was destroyed. Reloads once when the version is not in the cached
    /// record (another process may have added it).
    fn keys_for_opening(&self, id: &KeyId, version: u32) -> Result<Entry, VaultError> {
        let cache = &self.inner.cache;
        match cache.by_id(id)? {
            Some(Entry::Live(keys)) if keys.record.version(version).is_none() => {}
            Some(entry) => return Ok(entry),
            None => {}
        }
        let mark = cache.read_mark();
        match self.inner.store.load(id)? {
            Some(StoredKey::Live(record)) => cache.insert(Keys::new(record), mark),
            Some(StoredKey::Destroyed(tombstone)) => {
                cache.mark_destroyed(&tombstone, None)?;
                Ok(Entry::Destroyed(tombstone.scope))
            }
            // No such record in this store: indistinguishable from a forged
            // key id, so the caller reports an opaque failure.
            None => Err(VaultError::NoKey),
        }
    }

    /// Creates the first record of a scope, unless a tombstone carries
    /// `forgotten` (see [`KeyStore::create`]).
    fn create_record(
        &self,
        scope: &KeyScope,
        forgotten: Option<&ScopeTag>,
    ) -> Result<Arc<Keys>, VaultError> {
        let id = KeyId::generate()?;
        let (entry, data_key) = self.new_version(&id, scope, 1, KeyState::Active)?;
        let record = KeyRecord {
            id,
            scope: scope.clone(),
            versions: vec![entry],
            revision: 0,
            created_at: now(),
        };
        let mark = self.inner.cache.read_mark();
        let stored = self.inner.store.create(record, forgotten)?;
        let keys = if stored.id == id {
            Keys::new(stored).with_data_key(1, data_key)
        } else {
            Keys::new(stored)
        };
        live(self.inner.cache.insert(keys, mark)?)
    }

    /// A fresh random data key version, wrapped under the active root key.
    fn new_version(
        &self,
        id: &KeyId,
        scope: &KeyScope,
        version: u32,
        state: KeyState,
    ) -> Result<(DataKeyVersion, zeroize::Zeroizing<[u8; 32]>), VaultError> {
        let mut data_key = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(data_key.as_mut()).map_err(|_| VaultError::Random)?;
        let root_version = self.inner.root.active_version()?;
        let wrapped = self.inner.root.wrap(
            root_version,
            &wrap_context(id, version, root_version, scope),
            &data_key,
        )?;
        let entry = DataKeyVersion {
            version,
            state,
            root_version,
            wrapped,
            encryptions: 0,
        };
        Ok((entry, data_key))
    }

    /// Counts one encryption under a shared key, reserving a new lease from
    /// the store when the current one is used up or belongs to the process
    /// this one was forked from.
    fn count_encryption(&self, keys: &Keys, version: u32) -> Result<(), VaultError> {
        let pid = fork::process_id();
        if keys.take_from_lease(pid) {
            return Ok(());
        }
        let _guard = keys.lease_lock.lock().map_err(|_| VaultError::Poisoned)?;
        if keys.take_from_lease(pid) {
            return Ok(());
        }
        let granted = self.inner.store.reserve(
            &keys.record.id,
            version,
            self.inner.lease,
            self.inner.shared_limit,
        )?;
        // One of the granted encryptions is this one.
        keys.renew_lease(pid, granted - 1);
        Ok(())
    }
}

/// A destroyed key met while sealing is the value's erasure, reported as
/// such: [`SealError::Shredded`].
pub(crate) fn erased_or(err: VaultError, category: Category) -> SealError {
    match err {
        VaultError::Destroyed => SealError::Shredded { category },
        err => SealError::Vault(err),
    }
}

/// The keys to seal with; a record destroyed while it was being read is
/// [`VaultError::Destroyed`], never sealed under.
fn live(entry: Entry) -> Result<Arc<Keys>, VaultError> {
    match entry {
        Entry::Live(keys) => Ok(keys),
        Entry::Destroyed(_) => Err(VaultError::Destroyed),
    }
}

/// The context a data key version is wrapped with (see the
/// [key store docs](key_store)).
pub(crate) fn wrap_context(
    id: &KeyId,
    version: u32,
    root_version: u32,
    scope: &KeyScope,
) -> Vec<u8> {
    const DOMAIN: &[u8] = b"custodian/dek/v1";
    let name = scope.name().as_bytes();
    let mut context = Vec::with_capacity(DOMAIN.len() + 16 + 4 + 4 + 1 + 2 + name.len());
    context.extend_from_slice(DOMAIN);
    context.extend_from_slice(&id.to_bytes());
    context.extend_from_slice(&version.to_be_bytes());
    context.extend_from_slice(&root_version.to_be_bytes());
    context.push(scope.tag());
    // Scope names are at most 255 bytes (checked by their constructors).
    context.extend_from_slice(&(name.len() as u16).to_be_bytes());
    context.extend_from_slice(name);
    context
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A handle that does not keep a vault alive, for background work that
/// should end with the vault (the store's cache watch).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct WeakVault(std::sync::Weak<Inner>);

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl Vault {
    pub(crate) fn downgrade(&self) -> WeakVault {
        WeakVault(Arc::downgrade(&self.inner))
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl WeakVault {
    /// The vault, unless every clone of it was dropped.
    pub(crate) fn upgrade(&self) -> Option<Vault> {
        self.0.upgrade().map(|inner| Vault { inner })
    }
}

#[cfg(test)]
mod tests;
