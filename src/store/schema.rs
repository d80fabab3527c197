//! The tables, as versioned migrations embedded in the crate and applied
//! when a store is opened.
//!
//! `custodian_schema` holds one row: the version of the newest migration
//! applied. Opening reads it inside a write transaction (so two processes
//! opening a fresh database at once migrate it once), refuses a version
//! newer than [`LATEST`] with [`StorageError::SchemaTooNew`], and applies
//! every missing migration, statement by statement, in that transaction.
//! Every statement is idempotent (`IF NOT EXISTS`, `ON CONFLICT DO
//! NOTHING`), so an engine that commits DDL on its own still converges.
//!
//! | table | one row per | written by |
//! |---|---|---|
//! | `custodian_keys` | key record, or tombstone with its scope tag | [`StoreKeys`](super::StoreKeys) |
//! | `custodian_key_versions` | wrapped data key version | [`StoreKeys`](super::StoreKeys) |
//! | `custodian_consent_subjects` | subject with consent events (last time, count) | [`StoreConsent`](super::StoreConsent) |
//! | `custodian_consent_events` | consent event | [`StoreConsent`](super::StoreConsent) |
//! | `custodian_audit_entries` | audit log entry (index, leaf hash, bytes) | [`StoreAudit`](super::StoreAudit) |
//! | `custodian_audit_checkpoints` | signed checkpoint | [`StoreAudit`](super::StoreAudit) |
//! | `custodian_evidence` | sealed evidence by reference | [`StoreEvidence`](super::StoreEvidence) |
//! | `custodian_rights_requests` | rights request (id, subject, closed time, revision, JSON document); migration 2 | [`StoreRequests`](super::StoreRequests) |
//! | `custodian_holds` | legal hold, restriction or freeze (id, subject, JSON document); migration 2 | [`StoreHolds`](super::StoreHolds) |
//! | `custodian_disclosures` | disclosure that went ahead (subject, time, recipient, purpose, category codes); migration 2 | [`StoreDisclosures`](super::StoreDisclosures) |
//! | `custodian_counters` | counter: the audit log's size, the key generation | all |
//! | `custodian_meta` | store secret (the error-pseudonym key) | opening |

use super::error::StorageError;
use super::sql::{Dialect, Param, Sql};

/// The newest schema version this crate knows.
pub(crate) const LATEST: u32 = 2;

/// Migration `n + 1` is `MIGRATIONS[n]`: its statements per dialect.
const MIGRATIONS: [Migration; LATEST as usize] = [V1, V2];

struct Migration {
    sqlite: &'static [&'static str],
    postgres: &'static [&'static str],
}

const BOOTSTRAP_SQLITE: &str = "CREATE TABLE IF NOT EXISTS custodian_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)";
const BOOTSTRAP_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS custodian_schema (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)";
const BOOTSTRAP_ROW: &str =
    "INSERT INTO custodian_schema (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING";

const V1: Migration = Migration {
    sqlite: &[
        "CREATE TABLE IF NOT EXISTS custodian_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_keys (id BLOB PRIMARY KEY, scope_kind INTEGER, scope_name TEXT, revision INTEGER NOT NULL, created_at INTEGER NOT NULL, destroyed_at INTEGER, scope_tag BLOB, digest BLOB NOT NULL, UNIQUE (scope_kind, scope_name))",
        "CREATE INDEX IF NOT EXISTS custodian_keys_by_tag ON custodian_keys (scope_tag)",
        "CREATE TABLE IF NOT EXISTS custodian_key_versions (key_id BLOB NOT NULL REFERENCES custodian_keys (id), version INTEGER NOT NULL, state INTEGER NOT NULL, root_version INTEGER NOT NULL, wrapped BLOB NOT NULL, encryptions INTEGER NOT NULL, digest BLOB NOT NULL, PRIMARY KEY (key_id, version))",
        "CREATE TABLE IF NOT EXISTS custodian_consent_subjects (subject TEXT PRIMARY KEY, last_time INTEGER NOT NULL, events INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_consent_events (subject TEXT NOT NULL, seq INTEGER NOT NULL, id BLOB NOT NULL, purpose TEXT NOT NULL, recipient TEXT, status TEXT NOT NULL, negative INTEGER NOT NULL, version TEXT NOT NULL, time INTEGER NOT NULL, expires INTEGER, method TEXT NOT NULL, jurisdiction TEXT NOT NULL, proof TEXT, gpc_conflict INTEGER NOT NULL, lifts_objection INTEGER NOT NULL, digest BLOB NOT NULL, PRIMARY KEY (subject, seq))",
        "CREATE INDEX IF NOT EXISTS custodian_consent_by_purpose ON custodian_consent_events (subject, purpose, seq)",
        "CREATE TABLE IF NOT EXISTS custodian_audit_entries (idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, body BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_audit_checkpoints (seq INTEGER PRIMARY KEY, size INTEGER NOT NULL, note TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_evidence (reference BLOB PRIMARY KEY, sealed BLOB NOT NULL)",
        COUNTERS,
    ],
    postgres: &[
        "CREATE TABLE IF NOT EXISTS custodian_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_keys (id BYTEA PRIMARY KEY, scope_kind BIGINT, scope_name TEXT, revision BIGINT NOT NULL, created_at BIGINT NOT NULL, destroyed_at BIGINT, scope_tag BYTEA, digest BYTEA NOT NULL, UNIQUE (scope_kind, scope_name))",
        "CREATE INDEX IF NOT EXISTS custodian_keys_by_tag ON custodian_keys (scope_tag)",
        "CREATE TABLE IF NOT EXISTS custodian_key_versions (key_id BYTEA NOT NULL REFERENCES custodian_keys (id), version BIGINT NOT NULL, state BIGINT NOT NULL, root_version BIGINT NOT NULL, wrapped BYTEA NOT NULL, encryptions BIGINT NOT NULL, digest BYTEA NOT NULL, PRIMARY KEY (key_id, version))",
        "CREATE TABLE IF NOT EXISTS custodian_consent_subjects (subject TEXT PRIMARY KEY, last_time BIGINT NOT NULL, events BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_consent_events (subject TEXT NOT NULL, seq BIGINT NOT NULL, id BYTEA NOT NULL, purpose TEXT NOT NULL, recipient TEXT, status TEXT NOT NULL, negative BIGINT NOT NULL, version TEXT NOT NULL, time BIGINT NOT NULL, expires BIGINT, method TEXT NOT NULL, jurisdiction TEXT NOT NULL, proof TEXT, gpc_conflict BIGINT NOT NULL, lifts_objection BIGINT NOT NULL, digest BYTEA NOT NULL, PRIMARY KEY (subject, seq))",
        "CREATE INDEX IF NOT EXISTS custodian_consent_by_purpose ON custodian_consent_events (subject, purpose, seq)",
        "CREATE TABLE IF NOT EXISTS custodian_audit_entries (idx BIGINT PRIMARY KEY, leaf BYTEA NOT NULL, body BYTEA NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_audit_checkpoints (seq BIGINT PRIMARY KEY, size BIGINT NOT NULL, note TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS custodian_evidence (reference BYTEA PRIMARY KEY, sealed BYTEA NOT NULL)",
        COUNTERS,
    ],
};

/// Rights requests, holds and disclosures.
const V2: Migration = Migration {
    sqlite: &[
        "CREATE TABLE IF NOT EXISTS custodian_rights_requests (id BLOB PRIMARY KEY, subject TEXT NOT NULL, closed_at INTEGER, revision INTEGER NOT NULL, body BLOB NOT NULL)",
        "CREATE INDEX IF NOT EXISTS custodian_rights_requests_by_subject ON custodian_rights_requests (subject)",
        "CREATE INDEX IF NOT EXISTS custodian_rights_requests_by_closed ON custodian_rights_requests (closed_at)",
        "CREATE TABLE IF NOT EXISTS custodian_holds (id BLOB PRIMARY KEY, subject TEXT NOT NULL, body BLOB NOT NULL)",
        "CREATE INDEX IF NOT EXISTS custodian_holds_by_subject ON custodian_holds (subject)",
        "CREATE TABLE IF NOT EXISTS custodian_disclosures (id BLOB PRIMARY KEY, subject TEXT NOT NULL, at INTEGER NOT NULL, recipient TEXT NOT NULL, purpose TEXT NOT NULL, categories TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS custodian_disclosures_by_subject ON custodian_disclosures (subject, at)",
    ],
    postgres: &[
        "CREATE TABLE IF NOT EXISTS custodian_rights_requests (id BYTEA PRIMARY KEY, subject TEXT NOT NULL, closed_at BIGINT, revision BIGINT NOT NULL, body BYTEA NOT NULL)",
        "CREATE INDEX IF NOT EXISTS custodian_rights_requests_by_subject ON custodian_rights_requests (subject)",
        "CREATE INDEX IF NOT EXISTS custodian_rights_requests_by_closed ON custodian_rights_requests (closed_at)",
        "CREATE TABLE IF NOT EXISTS custodian_holds (id BYTEA PRIMARY KEY, subject TEXT NOT NULL, body BYTEA NOT NULL)",
        "CREATE INDEX IF NOT EXISTS custodian_holds_by_subject ON custodian_holds (subject)",
        "CREATE TABLE IF NOT EXISTS custodian_disclosures (id BYTEA PRIMARY KEY, subject TEXT NOT NULL, at BIGINT NOT NULL, recipient TEXT NOT NULL, purpose TEXT NOT NULL, categories TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS custodian_disclosures_by_subject ON custodian_disclosures (subject, at)",
    ],
};

const COUNTERS: &str = "INSERT INTO custodian_counters (name, value) VALUES ('audit_size', 0), ('key_generation', 0) ON CONFLICT DO NOTHING";

/// Creates the version table if needed (its own statement: some engines
/// cannot create a table and lock its row in one transaction).
pub(crate) fn bootstrap(sql: &mut dyn Sql) -> Result<(), StorageError> {
    let create = sql.dialect().pick(BOOTSTRAP_SQLITE, BOOTSTRAP_POSTGRES);
    sql.execute(create, &[])?;
    sql.execute(BOOTSTRAP_ROW, &[])?;
    Ok(())
}

/// Applies the missing migrations; call inside one write transaction,
/// after [`bootstrap`]. Returns the version now in force.
///
/// # Errors
///
/// [`StorageError::SchemaTooNew`] if the database is newer than
/// [`LATEST`]; backend failures.
pub(crate) fn migrate(sql: &mut dyn Sql) -> Result<u32, StorageError> {
    let lock = sql.dialect().pick(
        "SELECT version FROM custodian_schema WHERE id = 1",
        "SELECT version FROM custodian_schema WHERE id = 1 FOR UPDATE",
    );
    let rows = sql.query(lock, &[])?;
    let found: u32 = match rows.first() {
        Some(row) => row.at("custodian_schema").count(0)?,
        None => return Err(StorageError::Internal),
    };
    if found > LATEST {
        return Err(StorageError::SchemaTooNew {
            found,
            supported: LATEST,
        });
    }
    for migration in &MIGRATIONS[found as usize..] {
        let statements = match sql.dialect() {
            Dialect::Sqlite => migration.sqlite,
            Dialect::Postgres => migration.postgres,
        };
        for statement in statements {
            sql.execute(statement, &[])?;
        }
    }
    sql.execute(
        "UPDATE custodian_schema SET version = $1 WHERE id = 1",
        &[Param::Int(i64::from(LATEST))],
    )?;
    Ok(LATEST)
}

/// The pseudonym key of a database already at [`LATEST`], without taking
/// any lock: `None` if it needs [`migrate`] first.
///
/// # Errors
///
/// [`StorageError::SchemaTooNew`] for a newer database; backend failures
/// (a database without the version table fails here too).
pub(crate) fn ready(sql: &mut dyn Sql) -> Result<Option<[u8; 32]>, StorageError> {
    let rows = sql.query("SELECT version FROM custodian_schema WHERE id = 1", &[])?;
    let found: u32 = match rows.first() {
        Some(row) => row.at("custodian_schema").count(0)?,
        None => return Ok(None),
    };
    if found > LATEST {
        return Err(StorageError::SchemaTooNew {
            found,
            supported: LATEST,
        });
    }
    if found < LATEST {
        return Ok(None);
    }
    let rows = sql.query(KEY, &[])?;
    rows.first()
        .map(|row| row.at("custodian_meta").array::<32>(0))
        .transpose()
}

const KEY: &str = "SELECT value FROM custodian_meta WHERE name = 'pseudonym_key'";

/// The store's pseudonym key for error messages: created at random on
/// first open, read back by every later one (and by other processes).
pub(crate) fn pseudonym_key(sql: &mut dyn Sql) -> Result<[u8; 32], StorageError> {
    let mut fresh = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(fresh.as_mut()).map_err(|_| StorageError::Backend {
        op: "drawing the pseudonym key",
        detail: "the operating system random number generator failed".into(),
    })?;
    sql.execute(
        "INSERT INTO custodian_meta (name, value) VALUES ('pseudonym_key', $1) ON CONFLICT DO NOTHING",
        &[Param::Blob(fresh.as_ref())],
    )?;
    let rows = sql.query(KEY, &[])?;
    let row = rows.first().ok_or(StorageError::Internal)?;
    row.at("custodian_meta").array::<32>(0)
}
