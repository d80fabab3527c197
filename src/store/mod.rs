//! Durable storage: every wrapped key, consent event, audit entry and piece
//! of evidence in one database that survives restarts — an embedded SQLite
//! file (feature `sqlite`, on by default) for one app server, or
//! PostgreSQL (feature `postgres`) for several sharing one database.
//!
//! A [`Store`] opens the database, applies the embedded schema migrations,
//! and hands out the stores the crate needs:
//!
//! | trait | store | tables |
//! |---|---|---|
//! | [`KeyStore`](crate::vault::KeyStore) | [`StoreKeys`] | `custodian_keys`, `custodian_key_versions` |
//! | [`ConsentStore`](crate::consent::ConsentStore) | [`StoreConsent`] | `custodian_consent_subjects`, `custodian_consent_events` |
//! | [`AuditSink`](crate::audit::AuditSink) | [`StoreAudit`] (a verifiable log) | `custodian_audit_entries`, `custodian_audit_checkpoints` |
//! | [`EvidenceStore`](crate::audit::EvidenceStore) | [`StoreEvidence`] | `custodian_evidence` |
//! | [`RequestStore`](crate::rights::RequestStore) | [`StoreRequests`] | `custodian_rights_requests` |
//! | [`HoldStore`](crate::retention::HoldStore) | [`StoreHolds`] | `custodian_holds` |
//! | [`DisclosureLog`](crate::disclosure::DisclosureLog) | [`StoreDisclosures`] | `custodian_disclosures` |
//!
//! ```
//! # #[cfg(feature = "sqlite")] {
//! use std::sync::Arc;
//! use custodian::SubjectId;
//! use custodian::pii::Email;
//! use custodian::store::Store;
//! use custodian::vault::{FieldLabel, KeyScope, RootKey, RootKeyRing};
//!
//! let dir = tempfile::tempdir()?;
//! let root = Arc::new(RootKeyRing::new(1, RootKey::generate()?)); // a KMS in production
//! const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");
//! let ada = KeyScope::subject(&SubjectId::new("cust_1815"));
//!
//! let store = Store::sqlite(dir.path().join("custodian.db"))?;
//! let sealed = store.vault(root.clone())?.seal(&Email::parse("ada@example.com")?, &ada, LOGIN)?;
//! drop(store);
//!
//! // After a restart, the key is still there.
//! let vault = Store::sqlite(dir.path().join("custodian.db"))?.vault(root)?;
//! let opened = vault.open::<Email>(&sealed, &ada, LOGIN)?;
//! assert_eq!(opened.present().map(Email::expose), Some("ada@example.com"));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Custodian::builder().store(..)`](crate::front::CustodianBuilder::store)
//! wires all of it into the front door in one call.
//!
//! # Durability
//!
//! Every change is one transaction, durable when the call returns:
//!
//! - **SQLite**: WAL journal with `synchronous = FULL`: the WAL is synced
//!   at every commit, so a committed transaction survives a crash of the
//!   process and a power failure (on storage that honours `fsync`).
//!   Readers never block writers. Writers from several processes
//!   serialize on the file's write lock, taken at the start of each
//!   transaction (`BEGIN IMMEDIATE`), waiting up to
//!   [`busy_timeout`](StoreOptions::busy_timeout) before
//!   [`StorageError::Busy`]. `secure_delete` is on, so destroyed keys are
//!   overwritten in the file.
//! - **PostgreSQL**: the server's default `synchronous_commit = on`: a
//!   commit returns after its WAL record is flushed (and, with synchronous
//!   replicas configured, replicated). Writers serialize on row locks
//!   (`SELECT … FOR UPDATE`) with `lock_timeout` set to the busy timeout;
//!   connecting waits at most as long.
//!
//! A writer killed at any point leaves either the whole change or none of
//! it (the crash tests SIGKILL writers mid-workload and check exactly
//! that).
//!
//! # Engines
//!
//! The statements are kept to what SQLite (3.35+, bundled), PostgreSQL
//! (12+) and the PostgreSQL-compatible distributed engines **CockroachDB**
//! and **YugabyteDB** share: plain tables with primary keys and unique
//! constraints, `INSERT … ON CONFLICT DO NOTHING`, `SELECT … FOR UPDATE`,
//! `LIMIT`, `COALESCE`, `LEFT JOIN` and `IN (subquery)`. No sequences,
//! `SERIAL`, advisory locks, `LISTEN`/`NOTIFY`, triggers, stored
//! procedures or extensions; indexes are assigned under row locks, so no
//! counter depends on an engine-specific sequence. A transaction the
//! engine aborts for a serialization conflict or a deadlock (SQLSTATE
//! `40001`, `40P01`; CockroachDB runs every transaction `SERIALIZABLE`) is
//! retried. Migrations are idempotent (`IF NOT EXISTS`), since some of
//! these engines commit DDL outside the surrounding transaction. The
//! suite runs against SQLite and PostgreSQL; the distributed engines are
//! a target of the SQL, not yet of the tests.
//!
//! # Caches across processes
//!
//! The [vault](crate::vault::Vault) caches unwrapped keys per process. A
//! vault from [`Store::vault`] (or watched with [`Store::watch`]) polls the
//! store's key generation — a counter that every destroy and key update
//! bumps in the same transaction — every
//! [`watch_interval`](StoreOptions::watch_interval) (default 1 s), and
//! drops its cache when it moved, and once more on the following tick
//! (for a record that was being read while the destroy committed). So a
//! subject forgotten in one process **opens nowhere else later than two
//! watch intervals** (plus one database read) after the forget returned.
//! If the generation cannot be read, the cache is dropped too (fail
//! closed). Polling one row works on every engine above, which is why it
//! was chosen over `LISTEN`/`NOTIFY`. Consent is never cached: every
//! decision reads the database, so a withdrawal counts everywhere at once.
//!
//! # Row digests
//!
//! Key and consent rows carry a 16-byte digest of their columns (the
//! framing is documented in the source, `store/sql.rs`). A row that fails
//! it, or whose values do not decode, is [`StorageError::Corrupt`] naming
//! the table and the subject's [pseudonym](Store::pseudonym); other rows
//! keep working. The digest is not a MAC: someone who can write the
//! database can recompute it. What protects keys against deliberate edits
//! is the wrapping's authentication tag, and the audit log has its Merkle
//! tree and signed checkpoints.
//!
//! # Residual risks
//!
//! - The database holds subject ids in clear (key rows, consent events):
//!   protect it and its backups as personal data.
//! - Destroyed wrapped keys may survive in places the engine manages: the
//!   SQLite WAL until it is checkpointed and reused, PostgreSQL dead
//!   tuples until `VACUUM`, either engine's backups and WAL archives.
//!   They are useless without the root key version that wrapped them;
//!   see the [vault's residual risks](crate::vault#residual-risks) for how
//!   root-key rotation bounds this.
//! - Keep the key tables apart from the data they protect where you can:
//!   a separate database (or file) for the key store means a leaked data
//!   backup holds no wrapped keys at all.

/// Declares one of the store handles: a struct over the shared state, its
/// `Debug` (the backend only) and its constructor.
macro_rules! handle {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            shared: std::sync::Arc<super::Shared>,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("backend", &self.shared.backend)
                    .finish_non_exhaustive()
            }
        }

        impl $name {
            pub(crate) fn new(shared: std::sync::Arc<super::Shared>) -> Self {
                Self { shared }
            }
        }
    };
}

mod audit;
mod consent;
mod error;
mod evidence;
mod keys;
#[cfg(feature = "postgres")]
mod postgres;
mod rights;
mod schema;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use audit::{Exported, StoreAudit};
pub use consent::StoreConsent;
pub use error::StorageError;
pub use evidence::StoreEvidence;
pub use keys::StoreKeys;
pub use rights::{StoreDisclosures, StoreHolds, StoreRequests};

use self::sql::Backend;
use crate::SubjectId;
use crate::audit::merkle::Frontier;
use crate::audit::{Pseudonymizer, SubjectPseudonym};
use crate::error::VaultError;
use crate::purpose::Purpose;
use crate::vault::{RootKeyProvider, Vault, WeakVault};

/// Default [`StoreOptions::busy_timeout`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Default [`StoreOptions::watch_interval`].
pub const DEFAULT_WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// What the four stores of one database share.
pub(crate) struct Shared {
    pub(crate) backend: Box<dyn Backend>,
    /// Names subjects in errors.
    pub(crate) names: Pseudonymizer,
    pub(crate) host_purposes: Vec<Purpose>,
    /// The audit tree's frontier as of this process's last checkpoint.
    pub(crate) frontier: Mutex<Frontier>,
    watch_interval: Duration,
}

/// One database holding everything the crate keeps for the host; see the
/// [module docs](self). Cheap to clone; every clone and every store it
/// hands out share one connection pool.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.shared.backend)
            .finish_non_exhaustive()
    }
}

/// How to open a [`Store`].
#[derive(Clone, Debug)]
pub struct StoreOptions {
    busy_timeout: Duration,
    watch_interval: Duration,
    host_purposes: Vec<Purpose>,
    pseudonymizer: Option<Pseudonymizer>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            watch_interval: DEFAULT_WATCH_INTERVAL,
            host_purposes: Vec::new(),
            pseudonymizer: None,
        }
    }
}

impl StoreOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a change waits for another writer's lock (and, for
    /// PostgreSQL, for a connection) before [`StorageError::Busy`] (default
    /// [`DEFAULT_BUSY_TIMEOUT`]).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How often a watched vault checks for keys destroyed or changed by
    /// other processes (default [`DEFAULT_WATCH_INTERVAL`]); see
    /// [caches across processes](self#caches-across-processes).
    pub fn watch_interval(mut self, every: Duration) -> Self {
        self.watch_interval = every.max(Duration::from_millis(1));
        self
    }

    /// The host purposes (see [`Purpose::host`]) consent events may name,
    /// so that they read back.
    pub fn host_purposes(mut self, purposes: impl IntoIterator<Item = Purpose>) -> Self {
        self.host_purposes = purposes.into_iter().collect();
        self
    }

    /// Names subjects in errors with `names` (for instance the audit
    /// pseudonymizer, [`Pseudonymizer::from_vault`], so that an error and
    /// the audit trail name a subject alike). By default the store keys
    /// them with a random secret it keeps in `custodian_meta`.
    pub fn pseudonymizer(mut self, names: Pseudonymizer) -> Self {
        self.pseudonymizer = Some(names);
        self
    }

    /// Opens (creating if needed) the SQLite database at `path`.
    ///
    /// # Errors
    ///
    /// [`StorageError::SchemaTooNew`] for a database written by a newer
    /// version of the crate; [`StorageError::Busy`] if another process
    /// holds it past the busy timeout; [`StorageError::Backend`] if the
    /// file cannot be opened or is not a SQLite database.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(self, path: impl AsRef<std::path::Path>) -> Result<Store, StorageError> {
        let backend = sqlite::Sqlite::open(path.as_ref(), self.busy_timeout)?;
        self.open(Box::new(backend))
    }

    /// Connects to PostgreSQL (or a compatible engine, see
    /// [engines](self#engines)) with a libpq-style connection string
    /// (`"host=/run/postgresql dbname=shop user=custodian"`, or a
    /// `postgresql://` URL), without TLS: connect over a Unix socket or a
    /// private network, or terminate TLS in front of the server.
    ///
    /// # Errors
    ///
    /// [`StorageError::Backend`] if the string does not parse or the
    /// server cannot be reached within the busy timeout; as
    /// [`sqlite`](Self::sqlite) otherwise.
    #[cfg(feature = "postgres")]
    pub fn postgres(self, config: &str) -> Result<Store, StorageError> {
        let backend = postgres::Postgres::connect(config, self.busy_timeout)?;
        self.open(Box::new(backend))
    }

    fn open(self, backend: Box<dyn Backend>) -> Result<Store, StorageError> {
        // An up-to-date database opens without the write lock, so opening
        // never waits for busy writers in other processes.
        let key = match sql::read(&*backend, schema::ready) {
            Ok(Some(key)) => zeroize::Zeroizing::new(key),
            Err(e @ StorageError::SchemaTooNew { .. }) => return Err(e),
            Ok(None) | Err(_) => migrate(&*backend)?,
        };
        let names = self
            .pseudonymizer
            .unwrap_or_else(|| Pseudonymizer::from_bytes(*key));
        Ok(Store {
            shared: Arc::new(Shared {
                backend,
                names,
                host_purposes: self.host_purposes,
                frontier: Mutex::new(Frontier::new()),
                watch_interval: self.watch_interval,
            }),
        })
    }
}

/// Creates or upgrades the schema; the store's pseudonym key.
fn migrate(backend: &dyn Backend) -> Result<zeroize::Zeroizing<[u8; 32]>, StorageError> {
    // Two processes creating the version table at once may collide on
    // engines that do not serialize DDL; the second attempt finds it.
    if sql::write(backend, schema::bootstrap).is_err() {
        sql::write(backend, schema::bootstrap)?;
    }
    sql::write(backend, |sql| {
        schema::migrate(sql)?;
        schema::pseudonym_key(sql).map(zeroize::Zeroizing::new)
    })
}

impl Store {
    /// Opens the SQLite database at `path` with the default
    /// [options](StoreOptions).
    ///
    /// # Errors
    ///
    /// As [`StoreOptions::sqlite`].
    #[cfg(feature = "sqlite")]
    pub fn sqlite(path: impl AsRef<std::path::Path>) -> Result<Self, StorageError> {
        StoreOptions::new().sqlite(path)
    }

    /// Connects to PostgreSQL with the default [options](StoreOptions).
    ///
    /// # Errors
    ///
    /// As [`StoreOptions::postgres`].
    #[cfg(feature = "postgres")]
    pub fn postgres(config: &str) -> Result<Self, StorageError> {
        StoreOptions::new().postgres(config)
    }

    /// The key store.
    pub fn keys(&self) -> StoreKeys {
        StoreKeys::new(Arc::clone(&self.shared))
    }

    /// The consent store.
    pub fn consent(&self) -> StoreConsent {
        StoreConsent::new(Arc::clone(&self.shared))
    }

    /// The audit log.
    pub fn audit(&self) -> StoreAudit {
        StoreAudit::new(Arc::clone(&self.shared))
    }

    /// The evidence store.
    pub fn evidence(&self) -> StoreEvidence {
        StoreEvidence::new(Arc::clone(&self.shared))
    }

    /// The store of rights requests.
    pub fn requests(&self) -> StoreRequests {
        StoreRequests::new(Arc::clone(&self.shared))
    }

    /// The store of legal holds.
    pub fn holds(&self) -> StoreHolds {
        StoreHolds::new(Arc::clone(&self.shared))
    }

    /// The log of disclosures that went ahead.
    pub fn disclosures(&self) -> StoreDisclosures {
        StoreDisclosures::new(Arc::clone(&self.shared))
    }

    /// How this store's errors name `subject`
    /// ([`StorageError::Corrupt`]): an operator holding the database can
    /// check which subject an error is about.
    pub fn pseudonym(&self, subject: &SubjectId) -> SubjectPseudonym {
        self.shared.names.subject(subject.as_str())
    }

    /// A vault over this store's keys, recording its key operations in this
    /// store's audit log, and [watched](Self::watch) for keys other
    /// processes destroy or change.
    ///
    /// # Errors
    ///
    /// As [`VaultBuilder::build`](crate::vault::VaultBuilder::build);
    /// [`VaultError::Store`] if the watch cannot start.
    pub fn vault(&self, root: Arc<dyn RootKeyProvider>) -> Result<Vault, VaultError> {
        let vault = Vault::builder()
            .audit(Arc::new(self.audit()))
            .build(root, Arc::new(self.keys()))?;
        self.watch(&vault)?;
        Ok(vault)
    }

    /// Drops `vault`'s cached keys whenever another process destroys or
    /// changes a key record, checked every
    /// [`watch_interval`](StoreOptions::watch_interval) by a background
    /// thread that ends once the vault is dropped. For vaults built over
    /// [`keys`](Self::keys) by hand; [`vault`](Self::vault) does this
    /// itself.
    ///
    /// # Errors
    ///
    /// [`StorageError`] if the generation cannot be read or the thread
    /// cannot start.
    pub fn watch(&self, vault: &Vault) -> Result<(), StorageError> {
        let keys = self.keys();
        let first = keys.generation()?;
        let watched = vault.downgrade();
        let every = self.shared.watch_interval;
        std::thread::Builder::new()
            .name("custodian-key-watch".into())
            .spawn(move || watch(&keys, &watched, every, first))
            .map(drop)
            .map_err(|e| StorageError::Backend {
                op: "starting the key watch",
                detail: e.to_string(),
            })
    }
}

/// The watch loop: see [caches across processes](self#caches-across-processes).
fn watch(keys: &StoreKeys, vault: &WeakVault, every: Duration, first: u64) {
    let mut last = Some(first);
    let mut settle = false;
    loop {
        std::thread::sleep(every);
        let Some(vault) = vault.upgrade() else {
            return;
        };
        let now = keys.generation().ok();
        let changed = now.is_none() || now != last;
        if changed || settle {
            // A poisoned cache fails every later call anyway.
            let _ = vault.clear_cache();
        }
        settle = changed;
        last = now;
    }
}
