//! Key rotation: data key versions, resealing, root-key re-wrapping.
//!
//! The order for a data key (Tink's add → promote, Vault's rewrap/trim):
//!
//! 1. [`Vault::add_key_version`]: a new version that opens but does not
//!    seal; roll it out to every process ([`Vault::clear_cache`] there).
//! 2. [`Vault::promote_key_version`]: new values seal under it; older
//!    versions keep opening.
//! 3. [`Vault::reseal`] / [`Vault::reseal_batch`]: move stored values to the
//!    active version, in batches, without plaintext reaching the caller.
//! 4. [`Vault::retire_key_version`]: delete the old version once nothing
//!    references it.
//!
//! Root keys: promote a new root version in the provider, then
//! [`Vault::rewrap_data_keys`] re-wraps every data key version (no value is
//! re-encrypted), then remove the old root version.

use super::audited::system_event;
use super::key_store::{KeyRecord, KeyScope, KeyState};
use super::{Envelope, FieldLabel, RawOpened, Vault, wrap_context};
use crate::audit::{Action, Outcome};
use crate::error::{SealError, VaultError};
use crate::seal::Sealable;

/// Attempts at a compare-and-set update before giving up.
const RETRIES: usize = 8;

/// What [`Vault::reseal`] did with one stored value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resealed {
    /// Already sealed under the active version: store nothing.
    Current,
    /// Sealed again under the active version: store this instead.
    Moved(Envelope),
    /// The subject was forgotten: the value can be deleted.
    Shredded,
}

impl Vault {
    /// Adds a data key version to a scope's record, in the decrypt-only
    /// state, and returns its number.
    ///
    /// # Errors
    ///
    /// [`VaultError::NoKey`] if the scope has no key yet, key store and
    /// root key provider failures, [`VaultError::Conflict`] if the record
    /// kept changing concurrently.
    pub fn add_key_version(&self, scope: &KeyScope) -> Result<u32, VaultError> {
        self.update_record(scope, |vault, record| {
            let version = record.versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
            let (entry, _) =
                vault.new_version(&record.id, &record.scope, version, KeyState::DecryptOnly)?;
            record.versions.push(entry);
            Ok(version)
        })
    }

    /// Makes `version` the one that seals; the previous active version
    /// becomes decrypt-only.
    ///
    /// # Errors
    ///
    /// [`VaultError::UnknownVersion`], [`VaultError::NoKey`], key store
    /// failures, [`VaultError::Conflict`]; [`VaultError::Audit`] if the
    /// `key_rotated` event was not recorded (nothing is changed then).
    pub fn promote_key_version(&self, scope: &KeyScope, version: u32) -> Result<(), VaultError> {
        self.audited(
            |names| system_event(Action::KeyRotated, names, Some(scope)).with_key_version(version),
            || self.promote_unaudited(scope, version),
        )
    }

    fn promote_unaudited(&self, scope: &KeyScope, version: u32) -> Result<(), VaultError> {
        self.update_record(scope, |_, record| {
            if record.version(version).is_none() {
                return Err(VaultError::UnknownVersion { version });
            }
            for entry in &mut record.versions {
                entry.state = if entry.version == version {
                    KeyState::Active
                } else {
                    KeyState::DecryptOnly
                };
            }
            Ok(())
        })
    }

    /// Adds a version and promotes it at once: for single-process hosts
    /// and tests. Multi-process hosts add, roll out, then promote.
    ///
    /// # Errors
    ///
    /// As [`Vault::add_key_version`] and [`Vault::promote_key_version`].
    /// If the promotion is refused (for instance [`VaultError::Audit`]),
    /// the added version stays decrypt-only: promote it later.
    pub fn rotate_key(&self, scope: &KeyScope) -> Result<u32, VaultError> {
        let version = self.add_key_version(scope)?;
        self.promote_key_version(scope, version)?;
        Ok(version)
    }

    /// Deletes a version that is no longer active. Values still sealed
    /// under it will fail to open: reseal them first.
    ///
    /// # Errors
    ///
    /// [`VaultError::ActiveVersion`], [`VaultError::UnknownVersion`],
    /// [`VaultError::NoKey`], key store failures, [`VaultError::Conflict`];
    /// [`VaultError::Audit`] if the `key_retired` event was not recorded
    /// (the version is kept then).
    pub fn retire_key_version(&self, scope: &KeyScope, version: u32) -> Result<(), VaultError> {
        self.audited(
            |names| system_event(Action::KeyRetired, names, Some(scope)).with_key_version(version),
            || self.retire_unaudited(scope, version),
        )
    }

    fn retire_unaudited(&self, scope: &KeyScope, version: u32) -> Result<(), VaultError> {
        self.update_record(scope, |_, record| {
            match record.version(version) {
                None => return Err(VaultError::UnknownVersion { version }),
                Some(entry) if entry.state == KeyState::Active => {
                    return Err(VaultError::ActiveVersion { version });
                }
                Some(_) => {}
            }
            record.versions.retain(|v| v.version != version);
            Ok(())
        })
    }

    /// Moves one stored value of kind `T` to its scope's active key
    /// version. The plaintext stays inside the crate (zeroized after use).
    ///
    /// # Errors
    ///
    /// As [`Vault::open`] and [`Vault::seal`];
    /// [`SealError::Vault`]`(`[`VaultError::Audit`]`)` if the `resealed`
    /// event was not recorded (nothing is opened then).
    pub fn reseal<T: Sealable>(
        &self,
        stored: &Envelope,
        scope: &KeyScope,
        label: FieldLabel,
    ) -> Result<Resealed, SealError> {
        self.audited(
            |names| {
                system_event(Action::Resealed, names, Some(scope))
                    .with_categories([T::CATEGORY])
                    .with_count(1)
            },
            || self.reseal_unaudited::<T>(stored, scope, label),
        )
    }

    fn reseal_unaudited<T: Sealable>(
        &self,
        stored: &Envelope,
        scope: &KeyScope,
        label: FieldLabel,
    ) -> Result<Resealed, SealError> {
        let generation = self.inner.cache.generation();
        // Looked up, never created: a reseal job must not give a forgotten
        // subject a new key record (with their id in it).
        let keys = self
            .existing_keys(scope)
            .map_err(|err| super::erased_or(err, T::CATEGORY))?;
        // Always authenticate, even a current value: a reseal job must not
        // bless garbage.
        let plain = match self.open_raw(stored.as_bytes(), scope, T::CATEGORY, label)? {
            RawOpened::Plain(plain) => plain,
            RawOpened::Shredded => return Ok(Resealed::Shredded),
        };
        // It opened, so its record was live a moment ago: if the lookup
        // found none, the subject was forgotten in between.
        let keys = keys.ok_or(SealError::Shredded {
            category: T::CATEGORY,
        })?;
        if keys.record.id == stored.key_id() && keys.active == Some(stored.key_version()) {
            return Ok(Resealed::Current);
        }
        let bytes = self.seal_under(&keys, generation, T::CATEGORY, label, &plain)?;
        Ok(Resealed::Moved(Envelope::from_checked(bytes)))
    }

    /// [`Vault::reseal`] over a batch of stored values of one field (one
    /// kind and label), each with its own scope: one page of a column in a
    /// background job. One result per item, in order; a failing item does
    /// not stop the batch.
    ///
    /// With an [audit sink](super::VaultBuilder::audit), the batch records
    /// one `resealed` event (category, count of items) before it starts,
    /// and a `partial` or `failed` follow-up with the number of failed
    /// items if any failed. If the first event is not recorded, every item
    /// is [`SealError::Vault`]`(`[`VaultError::Audit`]`)` and nothing is
    /// opened.
    pub fn reseal_batch<'a, T: Sealable>(
        &self,
        label: FieldLabel,
        items: impl IntoIterator<Item = (&'a Envelope, &'a KeyScope)>,
    ) -> Vec<Result<Resealed, SealError>> {
        let items: Vec<_> = items.into_iter().collect();
        let recorded = match self.audit_before(|names| {
            system_event(Action::Resealed, names, None)
                .with_categories([T::CATEGORY])
                .with_count(items.len() as u64)
        }) {
            Ok(recorded) => recorded,
            Err(refused) => {
                return items
                    .iter()
                    .map(|_| Err(VaultError::from(refused.clone()).into()))
                    .collect();
            }
        };
        let results: Vec<_> = items
            .into_iter()
            .map(|(stored, scope)| self.reseal_unaudited::<T>(stored, scope, label))
            .collect();
        let failed = results.iter().filter(|r| r.is_err()).count();
        if let (true, Some(recorded)) = (failed > 0, recorded) {
            let outcome = if failed == results.len() {
                Outcome::Failed
            } else {
                Outcome::Partial
            };
            recorded.follow_up(outcome, Some(failed as u64));
        }
        results
    }

    /// Re-wraps every data key version not wrapped under the root key
    /// provider's active version, `batch` records at a time, and returns
    /// how many versions it re-wrapped. No value is re-encrypted.
    ///
    /// # Errors
    ///
    /// Key store and root key provider failures (for instance a record
    /// wrapped under a root version the provider no longer holds);
    /// [`VaultError::Audit`] if the `keys_rewrapped` event was not
    /// recorded (nothing is re-wrapped then).
    pub fn rewrap_data_keys(&self, batch: usize) -> Result<usize, VaultError> {
        let active = self.inner.root.active_version()?;
        self.audited(
            |names| system_event(Action::KeysRewrapped, names, None).with_key_version(active),
            || self.rewrap_unaudited(active, batch),
        )
    }

    fn rewrap_unaudited(&self, active: u32, batch: usize) -> Result<usize, VaultError> {
        let mut after = None;
        let mut count = 0;
        loop {
            let page = self.inner.store.list(after.as_ref(), batch.max(1))?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for record in page {
                if record.versions.iter().any(|v| v.root_version != active) {
                    count += self.rewrap_record(record, active)?;
                }
            }
        }
        Ok(count)
    }

    fn rewrap_record(&self, mut record: KeyRecord, active: u32) -> Result<usize, VaultError> {
        for _ in 0..RETRIES {
            let mut count = 0;
            for entry in &mut record.versions {
                if entry.root_version == active {
                    continue;
                }
                let old =
                    wrap_context(&record.id, entry.version, entry.root_version, &record.scope);
                let key = self
                    .inner
                    .root
                    .unwrap(entry.root_version, &old, &entry.wrapped)?;
                let new = wrap_context(&record.id, entry.version, active, &record.scope);
                entry.wrapped = self.inner.root.wrap(active, &new, &key)?;
                entry.root_version = active;
                count += 1;
            }
            record.revision += 1;
            match self.inner.store.update(&record) {
                Ok(()) => {
                    self.inner.cache.evict(&record.id)?;
                    return Ok(count);
                }
                Err(VaultError::Conflict) => match self.inner.store.load(&record.id)? {
                    Some(super::StoredKey::Live(fresh)) => record = fresh,
                    // Destroyed meanwhile: nothing left to re-wrap.
                    _ => return Ok(0),
                },
                Err(err) => return Err(err),
            }
        }
        Err(VaultError::Conflict)
    }

    /// Loads a scope's record, applies `change`, and stores it with
    /// compare-and-set, retrying on conflicts; evicts the cached copy.
    fn update_record<R>(
        &self,
        scope: &KeyScope,
        mut change: impl FnMut(&Self, &mut KeyRecord) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        for _ in 0..RETRIES {
            let mut record = self.inner.store.find(scope)?.ok_or(VaultError::NoKey)?;
            let result = change(self, &mut record)?;
            record.revision += 1;
            match self.inner.store.update(&record) {
                Ok(()) => {
                    self.inner.cache.evict(&record.id)?;
                    return Ok(result);
                }
                Err(VaultError::Conflict) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(VaultError::Conflict)
    }
}
