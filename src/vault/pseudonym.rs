//! Pseudonym keys: stable keyed pseudonyms for audit logs and redaction.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::key_store::{KeyScope, SharedKeyName};
use super::{Vault, subkey};
use crate::error::VaultError;

/// A 256-bit key for keyed pseudonyms, zeroized on drop.
///
/// ```
/// # use std::sync::Arc;
/// # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
/// # let vault = Vault::builder().build(
/// #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
/// let key = vault.pseudonym_key("audit.subject")?;
/// assert_eq!(key.pseudonym(b"cust_1"), vault.pseudonym_key("audit.subject")?.pseudonym(b"cust_1"));
/// assert_ne!(key.pseudonym(b"cust_1"), vault.pseudonym_key("redact.email")?.pseudonym(b"cust_1"));
/// # Ok::<(), custodian::VaultError>(())
/// ```
///
/// ```text
/// key = HKDF(data key of shared record "custodian:pseudonym", version 1;
///            info = "custodian/v1/pseudonym" ‖ 0x00 ‖ u16 len ‖ purpose)
/// pseudonym(input) = HMAC-SHA256(key, input)
/// ```
///
/// One key per purpose (`"audit.subject"`, `"redact.email"`, ...), so
/// pseudonyms of different purposes cannot be joined. The key is the same
/// in every process sharing the key store, and stable across restarts.
/// Like blind indexes, pseudonyms reveal equality: the same input gives the
/// same pseudonym.
#[derive(Clone)]
pub struct PseudonymKey {
    key: Zeroizing<[u8; 32]>,
    mac: Hmac<Sha256>,
}

impl PseudonymKey {
    /// HMAC-SHA256 of `input` under the key.
    pub fn pseudonym(&self, input: &[u8]) -> [u8; 32] {
        self.pseudonym_parts(&[input])
    }

    /// HMAC-SHA256 of the concatenation of `parts`, without copying them
    /// together.
    pub(crate) fn pseudonym_parts(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The raw key bytes, for a component that runs its own HMAC.
    ///
    /// # Security
    ///
    /// Never log or store them.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.key
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl Vault {
    /// The pseudonym key for a purpose (1 to 255 bytes, for example
    /// `"audit.subject"`). Created with the shared record on first use.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidInput`] if `purpose` is empty or longer than 255
    /// bytes; key store and root key provider failures.
    pub fn pseudonym_key(&self, purpose: &str) -> Result<PseudonymKey, VaultError> {
        if purpose.is_empty() || purpose.len() > 255 {
            return Err(VaultError::InvalidInput {
                what: "pseudonym purpose length",
            });
        }
        let name = SharedKeyName::internal("custodian:pseudonym".to_owned()).ok_or(
            VaultError::Corrupt {
                what: "pseudonym record name",
            },
        )?;
        let keys = self.keys_for_sealing(&KeyScope::Shared(name))?;
        let data_key = keys.data_key(&*self.inner.root, 1)?;
        let key = subkey::pseudonym_key(&data_key, purpose);
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_ref())
            .map_err(|_| VaultError::Crypto)?;
        Ok(PseudonymKey { key, mac })
    }
}
