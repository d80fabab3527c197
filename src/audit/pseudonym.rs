//! Keyed pseudonyms; documented on [`Pseudonymizer`].

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::VaultError;
use crate::vault::{self, Vault};

const SUBJECT_LABEL: &[u8] = b"custodian/audit/subject/v1";
const ACTOR_LABEL: &[u8] = b"custodian/audit/actor/v1";

/// Names people in audit events by keyed pseudonyms: the subjects events
/// are about and the staff who act.
///
/// An audit event never names a subject or a staff member by the host's
/// id. It carries `HMAC-SHA256(key, label || 0x00 || id)`, where the key is
/// a 32-byte secret kept outside the log (the vault's pseudonym key for the
/// purpose `"audit"`, see [`Pseudonymizer::from_vault`]) and `label`
/// separates the two uses:
///
/// | pseudonym | label (ASCII) |
/// |---|---|
/// | [`SubjectPseudonym`] | `custodian/audit/subject/v1` |
/// | [`ActorPseudonym`] | `custodian/audit/actor/v1` |
///
/// The same id under the same key always gives the same pseudonym, so an
/// auditor can follow one person through the log; without the key nobody
/// can go from an id to its pseudonym or back.
///
/// # Examples
///
/// ```
/// use custodian::audit::Pseudonymizer;
///
/// let key = Pseudonymizer::from_bytes([7; 32]); // or from_vault(&vault)
/// let p = key.subject("cust_8f3a");
/// assert_eq!(p, key.subject("cust_8f3a"));
/// assert_ne!(p.to_string(), key.actor("cust_8f3a").to_string());
/// assert_eq!(p.to_string().len(), 64);
/// assert!(!p.to_string().contains("8f3a"));
/// ```
///
/// # Security
///
/// - A plain or salted hash would not do: host ids and e-mail addresses are
///   guessable, and a dictionary of candidate ids inverts any unkeyed hash.
///   The HMAC key is what makes the mapping one-way for whoever reads the
///   log.
/// - Pseudonymised data is still personal data (EDPB Guidelines 01/2025):
///   anyone holding the key can test a guess. Keep the key in the vault,
///   never in the log directory.
/// - Rotating the key changes every pseudonym from then on; events before
///   and after the rotation can only be linked by someone holding both
///   keys.
/// - The key is zeroized on drop; `Debug` does not print it.
#[derive(Clone, ZeroizeOnDrop)]
pub struct Pseudonymizer {
    key: Zeroizing<[u8; 32]>,
}

impl Pseudonymizer {
    /// The vault's purpose name for the audit pseudonym key.
    pub const VAULT_PURPOSE: &'static str = "audit";

    /// The pseudonymizer keyed by the vault: its pseudonym key for the
    /// purpose [`"audit"`](Pseudonymizer::VAULT_PURPOSE), the same in every
    /// process that shares the key store.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
    /// use custodian::SubjectId;
    /// use custodian::audit::Pseudonymizer;
    ///
    /// # let vault = Vault::builder().build(
    /// #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
    /// let names = Pseudonymizer::from_vault(&vault)?;
    /// let ada = SubjectId::new("cust_1815");
    /// assert_eq!(names.subject(ada.as_str()), Pseudonymizer::from_vault(&vault)?.subject("cust_1815"));
    /// # Ok::<(), custodian::VaultError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The vault's, when its key store or root key provider fails.
    pub fn from_vault(vault: &Vault) -> Result<Self, VaultError> {
        Ok(Self::from_vault_key(
            &vault.pseudonym_key(Self::VAULT_PURPOSE)?,
        ))
    }

    /// The pseudonymizer keyed by a vault pseudonym key (of any purpose).
    pub fn from_vault_key(key: &vault::PseudonymKey) -> Self {
        Self {
            key: Zeroizing::new(*key.expose_secret()),
        }
    }

    /// Wraps key bytes (from the host's secret store, or tests).
    ///
    /// # Security
    ///
    /// Use 32 bytes from a CSPRNG or a KDF, never a password. The caller's
    /// copy of `bytes` is the caller's to zeroize.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            key: Zeroizing::new(bytes),
        }
    }

    /// The pseudonym of a subject, from the host's id for them.
    ///
    /// Use one stable representation of the id everywhere (the same bytes
    /// for the same person), such as the vault's subject id.
    pub fn subject(&self, id: impl AsRef<[u8]>) -> SubjectPseudonym {
        SubjectPseudonym(self.mac(SUBJECT_LABEL, id.as_ref()))
    }

    /// The pseudonym of an actor (a staff member or a service account),
    /// from the host's id for them.
    pub fn actor(&self, id: impl AsRef<[u8]>) -> ActorPseudonym {
        ActorPseudonym(self.mac(ACTOR_LABEL, id.as_ref()))
    }

    fn mac(&self, label: &[u8], id: &[u8]) -> [u8; 32] {
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(self.key.as_slice()) else {
            // HMAC takes keys of any length (RFC 2104 §2); the hmac crate
            // never returns this error for it.
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(label);
        // The labels contain no 0x00, so label || 0x00 || id is unambiguous.
        mac.update(&[0x00]);
        mac.update(id);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymizer([redacted])")
    }
}

crate::hex::hex_newtype!(
    /// A subject as audit events name them: HMAC-SHA256 of the host's
    /// subject id under a [`Pseudonymizer`] (or computed by an auditor's
    /// tool that holds the key).
    SubjectPseudonym,
    32,
    "64",
    "subject pseudonym"
);

crate::hex::hex_newtype!(
    /// A staff member or service account as audit events name them:
    /// HMAC-SHA256 of the host's id for them under a [`Pseudonymizer`] (or
    /// computed by an auditor's tool that holds the key).
    ActorPseudonym,
    32,
    "64",
    "actor pseudonym"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Known answers computed independently (Python `hmac`), pinning the
    /// framing: key, label, 0x00, id.
    #[test]
    fn pseudonym_known_answers() {
        let key = Pseudonymizer::from_bytes([0x0b; 32]);
        assert_eq!(
            key.subject("cust_1").to_string(),
            "feab87e724d42150e162b1b95b1703647e5d3ce9d4606f7690a31a94d6948385"
        );
        assert_eq!(
            key.actor("agent_7").to_string(),
            "9a1fed76416534665d239559745a88366c287ba1f4b4e258cd11f5761e4db684"
        );
    }

    #[test]
    fn rfc4231_case_2_through_the_same_hmac() {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let out: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(
            SubjectPseudonym(out).to_string(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn domains_keys_and_ids_separate() {
        let a = Pseudonymizer::from_bytes([1; 32]);
        let b = Pseudonymizer::from_bytes([2; 32]);
        assert_ne!(a.subject("x").as_bytes(), a.actor("x").as_bytes());
        assert_ne!(a.subject("x"), b.subject("x"));
        assert_ne!(a.subject("x"), a.subject("y"));
        assert_eq!(format!("{a:?}"), "Pseudonymizer([redacted])");
    }

    #[test]
    fn hex_form_round_trips_and_is_strict() {
        let p = Pseudonymizer::from_bytes([3; 32]).subject("s");
        assert_eq!(SubjectPseudonym::parse(&p.to_string()), Ok(p));
        assert!(SubjectPseudonym::parse(&p.to_string().to_uppercase()).is_err());
        assert!(SubjectPseudonym::parse(&p.to_string()[1..]).is_err());
        assert_eq!(
            ActorPseudonym::parse("ada@example.com")
                .unwrap_err()
                .to_string(),
            "invalid actor pseudonym"
        );
    }
}
