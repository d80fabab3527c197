//! The process-wide default vault: where records find a vault when they
//! are serialized outside every scope, by a framework, later, on another
//! thread (axum's `Json`, sqlx's `Json<T>`, a message queue's encoder).

use std::sync::OnceLock;

use thiserror::Error;

use crate::vault::Vault;

static DEFAULT: OnceLock<Vault> = OnceLock::new();

/// Sets the vault that [`Personal`](super::Personal) records seal and open
/// with when no scope is in force on the thread. Call it once, at start-up,
/// before anything is serialized.
///
/// ```
/// # use std::sync::Arc;
/// # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
/// use custodian::{Personal, SubjectId};
/// use custodian::pii::Email;
///
/// #[derive(Personal)]
/// struct Customer {
///     #[personal(subject)]
///     id: SubjectId,
///     email: Email,
/// }
///
/// # let vault = Vault::builder().build(
/// #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
/// custodian::seal::set_default_vault(vault)?;
///
/// // Later, anywhere, any thread: no closure around the serde call.
/// let ada = Customer { id: SubjectId::new("cust_1815"), email: Email::parse("ada@example.com")? };
/// let json = std::thread::spawn(move || serde_json::to_string(&ada)).join().expect("thread")?;
/// assert!(json.contains("cst1:") && !json.contains("ada@"));
/// let back: Customer = serde_json::from_str(&json)?;
/// assert_eq!(back.email.expose(), "ada@example.com");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Where a scope is in force ([`Vault::subject`], [`Vault::records`],
/// [`masked`](super::masked)), its vault and mode win. The default never
/// gives a subject: a PII value outside every record and subject scope
/// still fails with [`SealError::NoSubject`](crate::SealError::NoSubject).
///
/// # Errors
///
/// [`DefaultVaultAlreadySet`] if a default vault was set before: it is set
/// once per process and never replaced, so a value sealed early cannot
/// find another vault later.
///
/// # Security
///
/// With a default vault, every record serialized anywhere in the process
/// is sealed with it, also by code that never names the vault. That is the
/// point (no plaintext by accident); it also means tests that want the
/// fail-closed behaviour without a vault run in a process that sets none.
pub fn set_default_vault(vault: Vault) -> Result<(), DefaultVaultAlreadySet> {
    DEFAULT.set(vault).map_err(|_| DefaultVaultAlreadySet)
}

/// The vault set by [`set_default_vault`], if any.
pub fn default_vault() -> Option<&'static Vault> {
    DEFAULT.get()
}

/// [`set_default_vault`] was called a second time.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[error("a default vault is already set for this process")]
pub struct DefaultVaultAlreadySet;
