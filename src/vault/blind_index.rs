//! Blind indexes: keyed hashes of normalized values, for equality lookups

use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::key_store::{KeyScope, SharedKeyName};
use super::{Vault, subkey};
use crate::error::{SealError, VaultError};
use crate::seal::Sealable;

/// The definition of one blind index: a stable name, a version, a length,
/// fast or slow.
///
/// ```
/// use custodian::vault::BlindIndex;
///
/// const BY_EMAIL: BlindIndex = BlindIndex::new("customer.email");
/// assert_eq!(BY_EMAIL.len(), 16);
/// assert_eq!(BY_EMAIL.truncated(8).version(2).len(), 8);
/// ```
///
/// (find a customer by email, enforce uniqueness) without storing
/// plaintext.
///
/// # Construction
///
/// ```text
/// index key = HKDF(data key of shared record "custodian:bidx:<category code>.<index name>", version 1;
///                  info = "custodian/v1/bidx" ‖ 0x00 ‖ category ‖ u16 len ‖ name ‖ index version)
/// fast: tag = HMAC-SHA256(index key, normalized value)
/// slow: tag = Argon2id(password = normalized value, salt = index key, t = 2, m = 19 MiB (19456 KiB), p = 1, 32 bytes)
/// term  = index version (u32 BE) ‖ tag[..len]          (len 1..=32, default 16)
/// ```
///
/// The index key lives in its own shared key record, never the key of any
/// sealed value, and is not per subject: a lookup must work before the
/// subject is known. Normalization is per kind (see
/// [`Sealable`](crate::seal::Sealable)): emails, names and addresses are
/// lower-cased, other kinds use their canonical form.
///
/// # What it leaks
///
/// Equal values have equal terms, so the index reveals which rows share a
/// value and how often each value occurs (frequency). No ordering, range
/// or prefix search is offered: those leak much more. Shorter terms (fewer
/// bytes) deliberately collide, trading exactness (filter after opening)
/// for less leakage.
///
/// Without the index key no one can compute a term, however few values a
/// field can take. Whoever holds the key (the key store and a root key)
/// can test guesses: about a microsecond each in the fast mode. The slow
/// mode uses OWASP's current minimum for Argon2id (m = 19 MiB, t = 2,
/// p = 1; about 20–40 ms a term on the machines we measure) and what it
/// buys depends on the field's entropy, because an equality index cannot
/// have a salt per row: one pass over every possible value maps the whole
/// index. For birth dates (about 36,500 values in a century) that pass
/// takes a CPU-hour or less, so the slow mode **does not protect birth
/// dates** from a key holder; it matters for fields with 10⁸ or more
/// likely values (a phone number, a name with a postcode), where the same
/// pass costs CPU-years. It also makes writes and backfills slow.
///
/// # Unique constraints and term length
///
/// Distinct values collide with probability about n²/2^(8·len+1) over n
/// values:
///
/// | term length | 10⁶ values | 10⁸ values |
/// |---|---|---|
/// | 4 bytes | ~116 colliding pairs | ~10⁶ pairs |
/// | 6 bytes | 0.2% chance of one | ~18 pairs |
/// | 8 bytes | 3 × 10⁻⁸ | 3 × 10⁻⁴ |
/// | 16 bytes (default) | 10⁻²⁷ | 10⁻²³ |
///
/// A `UNIQUE` constraint on terms would reject a legitimate new customer
/// on a collision, so put one only on terms of 8 bytes or more (16 for
/// tables that may grow past 10⁸ rows); shorter terms are for lookups
/// that filter after opening.
///
/// An index version is never rotated in place: add version v+1, write both,
/// backfill, switch queries, drop v.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlindIndex {
    name: &'static str,
    version: u32,
    len: usize,
    slow: bool,
}

impl BlindIndex {
    /// Default term length in bytes (after the version).
    pub const DEFAULT_LEN: usize = 16;

    /// A fast (HMAC-SHA256) index, version 1, 16-byte terms.
    ///
    /// # Panics
    ///
    /// Panics if `name` is empty or longer than 200 bytes (a compile error
    /// in a `const` item).
    pub const fn new(name: &'static str) -> Self {
        assert!(
            !name.is_empty() && name.len() <= 200,
            "index names are 1 to 200 bytes"
        );
        Self {
            name,
            version: 1,
            len: Self::DEFAULT_LEN,
            slow: false,
        }
    }

    /// The same index with another version (a new key: terms of different
    /// versions never match).
    pub const fn version(self, version: u32) -> Self {
        Self { version, ..self }
    }

    /// Terms of `len` bytes instead of 16.
    ///
    /// # Panics
    ///
    /// Panics unless `1 <= len <= 32`.
    pub const fn truncated(self, len: usize) -> Self {
        assert!(len >= 1 && len <= 32, "index terms are 1 to 32 bytes");
        Self { len, ..self }
    }

    /// Argon2id (OWASP's minimum: m = 19 MiB, t = 2, p = 1) instead of
    /// HMAC. Each term costs tens of milliseconds; see "What it leaks"
    /// above for which fields that protects.
    #[cfg(feature = "argon2")]
    #[cfg_attr(docsrs, doc(cfg(feature = "argon2")))]
    pub const fn slow(self) -> Self {
        Self { slow: true, ..self }
    }

    /// The term length in bytes (after the 4-byte version).
    #[allow(clippy::len_without_is_empty, reason = "an index is never empty")]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// The index name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// One blind-index term: `version (u32 BE) ‖ tag`. Compare in constant
/// time with `==`; store [`IndexTerm::as_bytes`] in a binary column (with a
/// unique constraint where values must be unique) or
/// [`IndexTerm::to_text`] in a text column.
#[derive(Clone)]
pub struct IndexTerm {
    bytes: [u8; 36],
    len: usize,
}

impl IndexTerm {
    /// The stored form: version then tag.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Base64url (no padding) of [`IndexTerm::as_bytes`].
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.as_bytes())
    }

    /// The index version.
    pub fn version(&self) -> u32 {
        u32::from_be_bytes([self.bytes[0], self.bytes[1], self.bytes[2], self.bytes[3]])
    }
}

impl PartialEq for IndexTerm {
    fn eq(&self, other: &Self) -> bool {
        crate::pii::ct_eq(self.as_bytes(), other.as_bytes())
    }
}

impl Eq for IndexTerm {}

impl fmt::Debug for IndexTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IndexTerm").field(&self.to_text()).finish()
    }
}

/// A cached index key, with its HMAC state keyed once.
struct IndexKey {
    mac: Hmac<Sha256>,
    #[cfg_attr(
        not(feature = "argon2"),
        allow(dead_code, reason = "salt of the slow mode")
    )]
    key: Zeroizing<[u8; 32]>,
}

/// (category code, index name, index version).
type IndexSlot = (u16, &'static str, u32);

/// Index keys by slot. A host has a handful of indexes: a linear scan,
/// where index names (`'static` constants) usually compare by pointer,
/// beats hashing the name on every lookup.
#[derive(Default)]
pub(crate) struct IndexCache {
    keys: RwLock<Vec<(IndexSlot, Arc<IndexKey>)>>,
}

impl IndexCache {
    fn find(keys: &[(IndexSlot, Arc<IndexKey>)], slot: IndexSlot) -> Option<&Arc<IndexKey>> {
        let (category, name, version) = slot;
        keys.iter()
            .find(|((c, n, v), _)| {
                *c == category && *v == version && (core::ptr::eq(*n, name) || *n == name)
            })
            .map(|(_, key)| key)
    }
}

impl IndexCache {
    pub(crate) fn clear(&self) -> Result<(), VaultError> {
        self.keys.write().map_err(|_| VaultError::Poisoned)?.clear();
        Ok(())
    }
}

impl Vault {
    /// The blind-index term of a value.
    ///
    /// # Errors
    ///
    /// [`SealError::Vault`] if the key store or root key provider fails.
    ///
    /// # Security
    ///
    /// See "What it leaks" in the [`BlindIndex`] docs.
    pub fn blind_index<T: Sealable>(
        &self,
        index: &BlindIndex,
        value: &T,
    ) -> Result<IndexTerm, SealError> {
        let key = self.index_key(T::CATEGORY.code(), index)?;
        let mut bytes = [0u8; 36];
        bytes[..4].copy_from_slice(&index.version.to_be_bytes());
        let tag = value.with_index_form(|normalized| compute(&key, index, normalized))?;
        bytes[4..4 + index.len].copy_from_slice(&tag[..index.len]);
        Ok(IndexTerm {
            bytes,
            len: 4 + index.len,
        })
    }

    fn index_key(&self, category: u16, index: &BlindIndex) -> Result<Arc<IndexKey>, VaultError> {
        let slot = (category, index.name, index.version);
        let cache = &self.inner.indexes;
        if let Some(key) =
            IndexCache::find(&cache.keys.read().map_err(|_| VaultError::Poisoned)?, slot)
        {
            return Ok(Arc::clone(key));
        }
        // Index names are at most 200 bytes, so the record name fits in 255.
        let name = SharedKeyName::internal(format!("custodian:bidx:{category}.{}", index.name))
            .ok_or(VaultError::Corrupt { what: "index name" })?;
        let scope = KeyScope::Shared(name);
        let keys = self.keys_for_sealing(&scope)?;
        let data_key = keys.data_key(&*self.inner.root, 1)?;
        let key = subkey::index_key(&data_key, category, index.name, index.version);
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_ref())
            .map_err(|_| VaultError::Crypto)?;
        let key = Arc::new(IndexKey { mac, key });
        let mut keys = cache.keys.write().map_err(|_| VaultError::Poisoned)?;
        // Another thread may have derived it meanwhile: keep the first.
        if let Some(key) = IndexCache::find(&keys, slot) {
            return Ok(Arc::clone(key));
        }
        keys.push((slot, Arc::clone(&key)));
        Ok(key)
    }
}

fn compute(
    key: &IndexKey,
    index: &BlindIndex,
    normalized: &[u8],
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let mut tag = Zeroizing::new([0u8; 32]);
    if index.slow {
        slow(key, normalized, &mut tag)?;
    } else {
        let mut mac = key.mac.clone();
        mac.update(normalized);
        tag.copy_from_slice(&mac.finalize().into_bytes());
    }
    Ok(tag)
}

#[cfg(feature = "argon2")]
fn slow(key: &IndexKey, normalized: &[u8], tag: &mut [u8; 32]) -> Result<(), VaultError> {
    use argon2::{Algorithm, Argon2, Params, Version};
    // OWASP Password Storage Cheat Sheet minimum for Argon2id.
    let params = Params::new(19 * 1024, 2, 1, Some(32)).map_err(|_| VaultError::Crypto)?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(normalized, key.key.as_ref(), tag)
        .map_err(|_| VaultError::Crypto)
}

#[cfg(not(feature = "argon2"))]
fn slow(_: &IndexKey, _: &[u8], _: &mut [u8; 32]) -> Result<(), VaultError> {
    // `BlindIndex::slow` only exists with the feature, so this is never
    // reached; fail closed rather than fall back to the fast mode.
    Err(VaultError::Crypto)
}
