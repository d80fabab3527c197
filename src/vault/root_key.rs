//! Root keys (key-encryption keys) and the provider trait a KMS plugs into.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::error::VaultError;

/// Length of a wrapped data key produced by [`RootKeyRing`].
pub(crate) const WRAPPED_LEN: usize = 12 + 32 + 16;

/// A 256-bit root key (key-encryption key).
///
/// `Debug` prints no key bytes, there is no `Display`, and the bytes are
/// zeroized on drop.
///
/// ```
/// use custodian::vault::RootKey;
///
/// let key = RootKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// assert_eq!(format!("{key:?}"), "RootKey(..)");
/// # Ok::<(), custodian::VaultError>(())
/// ```
pub struct RootKey(Zeroizing<[u8; 32]>);

impl RootKey {
    /// A root key from 32 raw bytes.
    ///
    /// # Errors
    ///
    /// [`VaultError::RootKeyLength`] if `bytes` is not 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return Err(VaultError::RootKeyLength { found: bytes.len() });
        }
        key.copy_from_slice(bytes);
        Ok(Self(key))
    }

    /// A root key from standard padded base64 (as `openssl rand -base64 32`
    /// prints). Surrounding whitespace is ignored.
    ///
    /// # Errors
    ///
    /// [`VaultError::RootKeyEncoding`] if the text is not base64,
    /// [`VaultError::RootKeyLength`] if it does not decode to 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, VaultError> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| VaultError::RootKeyEncoding)?,
        );
        Self::from_bytes(&bytes)
    }

    /// A root key from an environment variable holding base64.
    ///
    /// # Errors
    ///
    /// [`VaultError::RootKeyMissing`] if the variable is unset or not
    /// unicode, else as [`RootKey::from_base64`].
    ///
    /// # Security
    ///
    /// The key stays in the process environment after this call: it is
    /// readable in `/proc/<pid>/environ` by the same user, appears in crash
    /// reports that dump the environment, and is inherited by every child
    /// process started without clearing it (`Command::env_clear`). Safe
    /// Rust cannot remove it (`std::env::remove_var` is `unsafe` since the
    /// 2024 edition). Prefer [`RootKey::from_file`] with a secret file
    /// mounted by the platform (systemd credentials, a Kubernetes secret
    /// volume), or a [`RootKeyProvider`] backed by a KMS, which never
    /// hands the key to the process at all.
    pub fn from_env(name: &str) -> Result<Self, VaultError> {
        let text = Zeroizing::new(std::env::var(name).map_err(|_| VaultError::RootKeyMissing {
            name: name.to_owned(),
        })?);
        Self::from_base64(&text)
    }

    /// A root key from a file holding its standard base64 (as
    /// [`RootKey::export_base64`] writes it; surrounding whitespace is
    /// ignored), such as a secret mounted by systemd (`LoadCredential=`,
    /// under `$CREDENTIALS_DIRECTORY`) or a Kubernetes secret volume.
    ///
    /// ```
    /// use custodian::vault::RootKey;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("root-key");
    /// std::fs::write(&path, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")?;
    /// let key = RootKey::from_file(&path)?;
    /// # drop(key);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`VaultError::RootKeyFile`] if the file cannot be read or is larger
    /// than 1 KiB (no key file is), else as [`RootKey::from_base64`].
    ///
    /// # Security
    ///
    /// The file's text is read into a buffer that is zeroized after
    /// decoding. Keep the file readable by the service's user only (mode
    /// `0400`), outside the application's data and backups.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, VaultError> {
        use std::io::Read as _;
        const LIMIT: u64 = 1024;
        let path = path.as_ref();
        let unreadable = |kind| VaultError::RootKeyFile {
            path: path.to_owned(),
            kind,
        };
        let file = std::fs::File::open(path).map_err(|e| unreadable(e.kind()))?;
        let mut text = Zeroizing::new(Vec::new());
        file.take(LIMIT + 1)
            .read_to_end(&mut text)
            .map_err(|e| unreadable(e.kind()))?;
        if text.len() as u64 > LIMIT {
            return Err(unreadable(std::io::ErrorKind::FileTooLarge));
        }
        let text = std::str::from_utf8(&text).map_err(|_| VaultError::RootKeyEncoding)?;
        Self::from_base64(text)
    }

    /// A fresh random root key from the operating system's generator.
    ///
    /// # Errors
    ///
    /// [`VaultError::Random`] if the operating system generator fails.
    pub fn generate() -> Result<Self, VaultError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|_| VaultError::Random)?;
        Ok(Self(key))
    }

    /// The key as standard base64, to hand a freshly generated key to a
    /// secret manager.
    ///
    /// # Security
    ///
    /// This is the one way key bytes leave the type. Never log the result.
    pub fn export_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&(*self.0).into())
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(..)")
    }
}

/// Where root keys live: wraps and unwraps data keys by exact version.
///
/// Implement it for a KMS, Vault transit or an HSM (a sketch follows);
/// [`RootKeyRing`] is the in-process implementation.
///
/// # Security
///
/// `context` must be authenticated (AES-GCM associated data, a KMS
/// encryption context): it names the key record, the data key version and
/// the root key version, so a wrapped key copied to another record fails to
/// unwrap. Implementations never log key bytes.
///
/// Root keys never encrypt data: they only wrap the random data keys kept in
/// the [key store](super::KeyStore). A root key is versioned; the version is
/// stored beside every wrapped data key, so unwrapping picks the exact key
/// and never tries keys in turn.
///
/// [`RootKeyRing`] is the in-process implementation: 256-bit keys held in
/// memory, zeroized on drop. It is right for development, tests and hosts
/// whose secret manager injects the key at start-up. In production the root
/// key should live in a KMS or HSM; implement [`RootKeyProvider`] for it:
///
/// ```ignore
/// /// Sketch of a KMS-backed provider (the client type is the host's).
/// #[derive(Debug)]
/// struct KmsRootKeys { client: KmsClient, key_arns: BTreeMap<u32, String>, active: u32 }
///
/// impl RootKeyProvider for KmsRootKeys {
///     fn active_version(&self) -> Result<u32, VaultError> { Ok(self.active) }
///
///     fn wrap(&self, version: u32, context: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, VaultError> {
///         let arn = self.key_arns.get(&version).ok_or(VaultError::UnknownRootKey { version })?;
///         // KMS Encrypt with the context as the encryption context (it is
///         // authenticated by KMS exactly like our AAD).
///         self.client.encrypt(arn, key, &[("custodian", base64(context))])
///             .map_err(|e| VaultError::Store(e.into()))
///     }
///
///     fn unwrap(&self, version: u32, context: &[u8], wrapped: &[u8])
///         -> Result<Zeroizing<[u8; 32]>, VaultError> {
///         let arn = self.key_arns.get(&version).ok_or(VaultError::UnknownRootKey { version })?;
///         let plain = self.client.decrypt(arn, wrapped, &[("custodian", base64(context))])
///             .map_err(|_| VaultError::Crypto)?;
///         let mut key = Zeroizing::new([0; 32]);
///         key.copy_from_slice(plain.get(..32).ok_or(VaultError::Crypto)?);
///         Ok(key)
///     }
/// }
/// ```
///
/// The vault calls `unwrap` once per data key version and caches the result
/// (with its AES key schedule), so KMS latency (tens of milliseconds) is paid
/// on the first use of a subject's key in a process, not per value.
///
/// # Wrapped data key layout
///
/// [`RootKeyRing`] wraps a 32-byte data key as `nonce (12) ‖ ciphertext (32)
/// ‖ tag (16)`, 60 bytes: AES-256-GCM under the root key, with a random
/// nonce from the operating system and the context (see
/// [`KeyRecord`](super::KeyRecord)) as associated data.
pub trait RootKeyProvider: Send + Sync + fmt::Debug {
    /// The version that wraps new data keys.
    ///
    /// # Errors
    ///
    /// Whatever the provider's backend reports.
    fn active_version(&self) -> Result<u32, VaultError>;

    /// Wraps a data key under root key `version`, authenticating `context`.
    ///
    /// # Errors
    ///
    /// [`VaultError::UnknownRootKey`] if the version is not loaded;
    /// backend failures.
    fn wrap(&self, version: u32, context: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, VaultError>;

    /// Unwraps a data key wrapped under root key `version` with `context`.
    ///
    /// # Errors
    ///
    /// [`VaultError::UnknownRootKey`] if the version is not loaded,
    /// [`VaultError::Crypto`] if the wrapped bytes or the context do not
    /// authenticate.
    fn unwrap(
        &self,
        version: u32,
        context: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, VaultError>;
}

/// In-process root keys: a set of versioned [`RootKey`]s, one of them
/// active.
///
/// Rotation (add → promote → re-wrap → remove) works at run time through
/// `&self`; share the ring with the vault through an [`Arc`]:
///
/// ```
/// use std::sync::Arc;
/// use custodian::vault::{RootKey, RootKeyRing, RootKeyProvider};
///
/// let ring = Arc::new(RootKeyRing::new(1, RootKey::generate()?));
/// ring.add(2, RootKey::generate()?)?; // decrypt-only until promoted
/// ring.promote(2)?;
/// assert_eq!(ring.active_version()?, 2);
/// // ... vault.rewrap_data_keys() ..., then:
/// ring.remove(1)?;
/// # Ok::<(), custodian::VaultError>(())
/// ```
pub struct RootKeyRing {
    state: RwLock<RingState>,
}

struct RingState {
    keys: BTreeMap<u32, Arc<Aes256Gcm>>,
    active: u32,
}

impl RootKeyRing {
    /// A ring holding one key, active, with the given version.
    pub fn new(version: u32, key: RootKey) -> Self {
        let keys = BTreeMap::from([(version, Arc::new(key.cipher()))]);
        Self {
            state: RwLock::new(RingState {
                keys,
                active: version,
            }),
        }
    }

    /// Adds a key version that unwraps but does not wrap until promoted.
    ///
    /// # Errors
    ///
    /// [`VaultError::VersionExists`] if the version is loaded already,
    /// [`VaultError::Poisoned`] after a panic in another thread.
    pub fn add(&self, version: u32, key: RootKey) -> Result<(), VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        if state.keys.contains_key(&version) {
            return Err(VaultError::VersionExists { version });
        }
        state.keys.insert(version, Arc::new(key.cipher()));
        Ok(())
    }

    /// Makes a loaded version the one that wraps new data keys.
    ///
    /// # Errors
    ///
    /// [`VaultError::UnknownRootKey`] if the version is not loaded,
    /// [`VaultError::Poisoned`] after a panic in another thread.
    pub fn promote(&self, version: u32) -> Result<(), VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        if !state.keys.contains_key(&version) {
            return Err(VaultError::UnknownRootKey { version });
        }
        state.active = version;
        Ok(())
    }

    /// Forgets a version (its key bytes are zeroized). Do this only after
    /// [`Vault::rewrap_data_keys`](super::Vault::rewrap_data_keys) moved
    /// every data key off it, and after key-store backups wrapped under it
    /// have expired: that is what makes shredded keys in old backups
    /// unrecoverable.
    ///
    /// # Errors
    ///
    /// [`VaultError::ActiveVersion`] for the active version,
    /// [`VaultError::UnknownRootKey`] if not loaded,
    /// [`VaultError::Poisoned`] after a panic in another thread.
    pub fn remove(&self, version: u32) -> Result<(), VaultError> {
        let mut state = self.state.write().map_err(|_| VaultError::Poisoned)?;
        if state.active == version {
            return Err(VaultError::ActiveVersion { version });
        }
        state
            .keys
            .remove(&version)
            .map(drop)
            .ok_or(VaultError::UnknownRootKey { version })
    }

    /// The loaded versions, in ascending order.
    ///
    /// # Errors
    ///
    /// [`VaultError::Poisoned`] after a panic in another thread.
    pub fn versions(&self) -> Result<Vec<u32>, VaultError> {
        let state = self.state.read().map_err(|_| VaultError::Poisoned)?;
        Ok(state.keys.keys().copied().collect())
    }

    fn cipher(&self, version: u32) -> Result<Arc<Aes256Gcm>, VaultError> {
        let state = self.state.read().map_err(|_| VaultError::Poisoned)?;
        state
            .keys
            .get(&version)
            .cloned()
            .ok_or(VaultError::UnknownRootKey { version })
    }
}

impl fmt::Debug for RootKeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("RootKeyRing");
        if let Ok(state) = self.state.read() {
            s.field("versions", &state.keys.keys().collect::<Vec<_>>())
                .field("active", &state.active);
        }
        s.finish_non_exhaustive()
    }
}

impl RootKeyProvider for RootKeyRing {
    fn active_version(&self) -> Result<u32, VaultError> {
        Ok(self.state.read().map_err(|_| VaultError::Poisoned)?.active)
    }

    fn wrap(&self, version: u32, context: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, VaultError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| VaultError::Random)?;
        wrap_with_nonce(&*self.cipher(version)?, &nonce, context, key)
    }

    fn unwrap(
        &self,
        version: u32,
        context: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        if wrapped.len() != WRAPPED_LEN {
            return Err(VaultError::Crypto);
        }
        let cipher = self.cipher(version)?;
        let (nonce, sealed) = wrapped.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| VaultError::Crypto)?;
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &nonce,
                    Payload {
                        msg: sealed,
                        aad: context,
                    },
                )
                .map_err(|_| VaultError::Crypto)?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(plain.get(..32).ok_or(VaultError::Crypto)?);
        Ok(key)
    }
}

/// `nonce ‖ AES-256-GCM(root, nonce, key, aad = context)`. Split out so the
/// known-answer test can fix the nonce.
pub(crate) fn wrap_with_nonce(
    cipher: &Aes256Gcm,
    nonce: &[u8; 12],
    context: &[u8],
    key: &[u8; 32],
) -> Result<Vec<u8>, VaultError> {
    let sealed = cipher
        .encrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: key,
                aad: context,
            },
        )
        .map_err(|_| VaultError::Crypto)?;
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.extend_from_slice(nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

#[cfg(test)]
pub(crate) fn test_cipher(key: &RootKey) -> Aes256Gcm {
    key.cipher()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_from_bytes_base64_and_env() {
        assert!(matches!(
            RootKey::from_bytes(&[0; 31]),
            Err(VaultError::RootKeyLength { found: 31 })
        ));
        assert!(RootKey::from_bytes(&[7; 32]).is_ok());
        assert!(matches!(
            RootKey::from_base64("not base64!"),
            Err(VaultError::RootKeyEncoding)
        ));
        assert!(matches!(
            RootKey::from_base64("AAAA"),
            Err(VaultError::RootKeyLength { found: 3 })
        ));
        let generated = RootKey::generate().expect("os rng");
        let again = RootKey::from_base64(&generated.export_base64()).expect("round trip");
        assert_eq!(generated.0.as_ref(), again.0.as_ref());
        assert!(matches!(
            RootKey::from_env("CUSTODIAN_TEST_SURELY_UNSET"),
            Err(VaultError::RootKeyMissing { .. })
        ));
    }

    #[test]
    fn loads_from_a_file_and_refuses_bad_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key");
        let generated = RootKey::generate().expect("os rng");
        std::fs::write(&path, format!("{}\n", *generated.export_base64())).expect("write");
        let loaded = RootKey::from_file(&path).expect("load");
        assert_eq!(generated.0.as_ref(), loaded.0.as_ref());

        let missing = RootKey::from_file(dir.path().join("absent"));
        assert!(matches!(
            missing,
            Err(VaultError::RootKeyFile {
                kind: std::io::ErrorKind::NotFound,
                ..
            })
        ));
        std::fs::write(&path, vec![b'A'; 4096]).expect("write");
        assert!(matches!(
            RootKey::from_file(&path),
            Err(VaultError::RootKeyFile {
                kind: std::io::ErrorKind::FileTooLarge,
                ..
            })
        ));
        std::fs::write(&path, [0xff, 0xfe, 0x00]).expect("write");
        assert!(matches!(
            RootKey::from_file(&path),
            Err(VaultError::RootKeyEncoding)
        ));
        std::fs::write(&path, "AAAA").expect("write");
        let short = RootKey::from_file(&path).map(|_| ()).expect_err("3 bytes");
        // The error names the problem, never the file's contents.
        assert!(!short.to_string().contains("AAAA"), "{short}");
    }

    #[test]
    fn debug_prints_no_key_bytes() {
        let key = RootKey::from_bytes(&[0xAB; 32]).expect("32 bytes");
        assert_eq!(format!("{key:?}"), "RootKey(..)");
        let ring = RootKeyRing::new(3, key);
        let debug = format!("{ring:?}");
        assert!(
            !debug.to_lowercase().contains("ab, ab") && !debug.contains("171"),
            "{debug}"
        );
    }

    #[test]
    fn wraps_by_exact_version_with_authenticated_context() {
        let ring = RootKeyRing::new(1, RootKey::from_bytes(&[1; 32]).expect("32 bytes"));
        ring.add(2, RootKey::from_bytes(&[2; 32]).expect("32 bytes"))
            .expect("new version");
        let dek = [9u8; 32];
        let wrapped = ring.wrap(1, b"ctx", &dek).expect("wrap");
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        assert_eq!(*ring.unwrap(1, b"ctx", &wrapped).expect("unwrap"), dek);
        assert!(matches!(
            ring.unwrap(2, b"ctx", &wrapped),
            Err(VaultError::Crypto)
        ));
        assert!(matches!(
            ring.unwrap(1, b"ctX", &wrapped),
            Err(VaultError::Crypto)
        ));
        assert!(matches!(
            ring.unwrap(9, b"ctx", &wrapped),
            Err(VaultError::UnknownRootKey { version: 9 })
        ));
        assert!(matches!(
            ring.unwrap(1, b"ctx", &wrapped[1..]),
            Err(VaultError::Crypto)
        ));
    }

    #[test]
    fn rotation_steps_are_checked() {
        let ring = RootKeyRing::new(1, RootKey::generate().expect("rng"));
        assert!(matches!(
            ring.add(1, RootKey::generate().expect("rng")),
            Err(VaultError::VersionExists { .. })
        ));
        assert!(matches!(
            ring.promote(2),
            Err(VaultError::UnknownRootKey { version: 2 })
        ));
        ring.add(2, RootKey::generate().expect("rng")).expect("add");
        assert_eq!(ring.active_version().expect("active"), 1);
        ring.promote(2).expect("promote");
        assert!(matches!(
            ring.remove(2),
            Err(VaultError::ActiveVersion { version: 2 })
        ));
        ring.remove(1).expect("remove");
        assert_eq!(ring.versions().expect("versions"), vec![2]);
    }
}
