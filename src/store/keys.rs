//! Wrapped data keys in the database; documented on [`StoreKeys`].

use super::error::StorageError;
use super::sql::{self, Cells, Dialect, Param, Row, Sql, row_digest};
use crate::audit::SubjectPseudonym;
use crate::error::VaultError;
use crate::subject::SubjectId;
use crate::vault::{
    DataKeyVersion, KeyId, KeyRecord, KeyScope, KeyState, KeyStore, ScopeTag, SharedKeyName,
    StoredKey, Tombstone,
};

const KEYS: &str = "custodian_keys";
const VERSIONS: &str = "custodian_key_versions";

/// A record with its versions, one row per version (a record without
/// versions, or a tombstone, is one row with the version columns NULL),
/// selected by `$clause`.
macro_rules! record_query {
    ($clause:literal) => {
        concat!(
            "SELECT k.id, k.scope_kind, k.scope_name, k.revision, k.created_at, k.destroyed_at, k.scope_tag, k.digest, ",
            "v.key_id, v.version, v.state, v.root_version, v.wrapped, v.encryptions, v.digest ",
            "FROM custodian_keys k LEFT JOIN custodian_key_versions v ON v.key_id = k.id ",
            $clause
        )
    };
}

const BY_ID: &str = record_query!("WHERE k.id = $1 ORDER BY v.version");
const BY_SCOPE: &str =
    record_query!("WHERE k.scope_kind = $1 AND k.scope_name = $2 ORDER BY v.version");
const PAGE: &str = record_query!(
    "WHERE k.id IN (SELECT id FROM custodian_keys WHERE scope_name IS NOT NULL AND id > $1 ORDER BY id LIMIT $2) ORDER BY k.id, v.version"
);
/// Key row columns before its digest; version columns start after it.
const KEY_CELLS: std::ops::Range<usize> = 0..7;
const VERSION_CELLS: std::ops::Range<usize> = 8..14;

const INSERT_KEY: &str = "INSERT INTO custodian_keys (id, scope_kind, scope_name, revision, created_at, destroyed_at, scope_tag, digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
const UPDATE_KEY: &str = "UPDATE custodian_keys SET scope_kind = $2, scope_name = $3, revision = $4, created_at = $5, destroyed_at = $6, scope_tag = $7, digest = $8 WHERE id = $1";
const INSERT_VERSION: &str = "INSERT INTO custodian_key_versions (key_id, version, state, root_version, wrapped, encryptions, digest) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const DELETE_VERSIONS: &str = "DELETE FROM custodian_key_versions WHERE key_id = $1";
const FORGOTTEN: &str = "SELECT 1 FROM custodian_keys WHERE scope_tag = $1 LIMIT 1";
const LOCK_KEY: &str = "SELECT id FROM custodian_keys WHERE id = $1 FOR UPDATE";
const BUMP_GENERATION: &str =
    "UPDATE custodian_counters SET value = value + 1 WHERE name = 'key_generation'";
const GENERATION: &str = "SELECT value FROM custodian_counters WHERE name = 'key_generation'";

/// Scope kinds as stored.
const SUBJECT: i64 = 1;
const SHARED: i64 = 2;

handle!(
    /// The [`KeyStore`] of a [`Store`](super::Store): wrapped data keys,
    /// versions with their encryption counters, tombstones.
    ///
    /// Each method is one transaction. Compare-and-set, the scope's first
    /// record winning a race, and the encryption counter's bound hold across
    /// every process sharing the database: writers serialize on SQLite's
    /// write lock, or on a row lock (`SELECT … FOR UPDATE`) in PostgreSQL.
    /// Every row carries a digest (see the [module docs](super#row-digests));
    /// a row that fails it is [`StorageError::Corrupt`], naming the table and
    /// the subject's pseudonym.
    ///
    /// Destroying a record deletes its version rows and clears the scope from
    /// its row: the tombstone keeps the key id, the time and the keyed
    /// [`ScopeTag`], never the subject id. Creating a record for a tag that a
    /// tombstone carries is refused in the same transaction that would
    /// insert it. Destroying and updating bump the store's key generation, which
    /// other processes watch to drop their cached keys (see
    /// [`Store::vault`](super::Store::vault)).
    ///
    /// # Errors
    ///
    /// Every method returns the [`KeyStore`] errors of its contract, and
    /// [`VaultError::Store`] wrapping a [`StorageError`] when the database
    /// fails.
    StoreKeys
);

impl StoreKeys {
    /// The key generation: a counter bumped by every destroy and update,
    /// in any process. Equal generations mean no record was destroyed or
    /// changed in between.
    ///
    /// # Errors
    ///
    /// [`StorageError`] if the database fails.
    pub fn generation(&self) -> Result<u64, StorageError> {
        sql::read(&*self.shared.backend, |sql| {
            let rows = sql.query(GENERATION, &[])?;
            let row = rows.first().ok_or(StorageError::Internal)?;
            row.at("custodian_counters").count(0)
        })
    }

    fn decode(&self, rows: &[Row]) -> Result<Vec<StoredKey>, StorageError> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < rows.len() {
            let id = rows[start].at(KEYS).blob(0)?;
            let end = rows[start..]
                .iter()
                .position(|r| r.at(KEYS).blob(0).ok() != Some(id))
                .map_or(rows.len(), |n| start + n);
            out.push(decode_record(&rows[start..end], &self.shared.names)?);
            start = end;
        }
        Ok(out)
    }

    fn one(&self, rows: &[Row]) -> Result<Option<StoredKey>, StorageError> {
        Ok(self.decode(rows)?.into_iter().next())
    }

    fn by_scope(
        &self,
        sql: &mut dyn Sql,
        scope: &KeyScope,
    ) -> Result<Option<KeyRecord>, StorageError> {
        let (kind, name) = scope_cells(scope);
        let rows = sql.query(BY_SCOPE, &[Param::Int(kind), Param::Text(name)])?;
        Ok(match self.one(&rows)? {
            Some(StoredKey::Live(record)) => Some(record),
            _ => None,
        })
    }

    /// The record of `id`, locked for the rest of the transaction.
    fn locked(&self, sql: &mut dyn Sql, id: &KeyId) -> Result<Option<StoredKey>, StorageError> {
        let id = id.to_bytes();
        if sql.dialect() == Dialect::Postgres {
            sql.query(LOCK_KEY, &[Param::Blob(&id)])?;
        }
        let rows = sql.query(BY_ID, &[Param::Blob(&id)])?;
        self.one(&rows)
    }

    /// Runs `f` on the live record `id` in a write transaction; the
    /// contract's errors for a missing or destroyed record.
    fn with_live<T>(
        &self,
        id: &KeyId,
        mut f: impl FnMut(&mut dyn Sql, KeyRecord) -> Result<Result<T, VaultError>, StorageError>,
    ) -> Result<T, VaultError> {
        sql::write(&*self.shared.backend, |sql| match self.locked(sql, id)? {
            None => Ok(Err(VaultError::NoKey)),
            Some(StoredKey::Destroyed(_)) => Ok(Err(VaultError::Destroyed)),
            Some(StoredKey::Live(record)) => f(sql, record),
        })?
    }
}

impl KeyStore for StoreKeys {
    fn find(&self, scope: &KeyScope) -> Result<Option<KeyRecord>, VaultError> {
        Ok(sql::read(&*self.shared.backend, |sql| {
            self.by_scope(sql, scope)
        })?)
    }

    fn load(&self, id: &KeyId) -> Result<Option<StoredKey>, VaultError> {
        Ok(sql::read(&*self.shared.backend, |sql| {
            let rows = sql.query(BY_ID, &[Param::Blob(&id.to_bytes())])?;
            self.one(&rows)
        })?)
    }

    fn create(
        &self,
        record: KeyRecord,
        forgotten: Option<&ScopeTag>,
    ) -> Result<KeyRecord, VaultError> {
        sql::write(&*self.shared.backend, |sql| {
            if let Some(existing) = self.by_scope(sql, &record.scope)? {
                return Ok(Ok(existing));
            }
            if let Some(tag) = forgotten {
                if !sql
                    .query(FORGOTTEN, &[Param::Blob(tag.as_bytes())])?
                    .is_empty()
                {
                    return Ok(Err(VaultError::Destroyed));
                }
            }
            if write_key(
                sql,
                INSERT_KEY,
                &record.id,
                Some(&record.scope),
                &record,
                None,
            )? == 0
            {
                // Another writer took the scope since the read above (or the
                // id is taken, which a random 128-bit id never is).
                return Ok(self
                    .by_scope(sql, &record.scope)?
                    .ok_or(VaultError::Corrupt {
                        what: "duplicate key id",
                    }));
            }
            write_versions(sql, &record)?;
            Ok(Ok(record.clone()))
        })?
    }

    fn update(&self, record: &KeyRecord) -> Result<(), VaultError> {
        self.with_live(&record.id, |sql, stored| {
            if stored.revision.checked_add(1) != Some(record.revision)
                || stored.scope != record.scope
            {
                return Ok(Err(VaultError::Conflict));
            }
            let mut next = record.clone();
            for version in &mut next.versions {
                if let Some(old) = stored.version(version.version) {
                    version.encryptions = old.encryptions;
                }
            }
            write_key(sql, UPDATE_KEY, &next.id, Some(&next.scope), &next, None)?;
            sql.execute(DELETE_VERSIONS, &[Param::Blob(&next.id.to_bytes())])?;
            write_versions(sql, &next)?;
            sql.execute(BUMP_GENERATION, &[])?;
            Ok(Ok(()))
        })
    }

    fn reserve(&self, id: &KeyId, version: u32, want: u64, limit: u64) -> Result<u64, VaultError> {
        self.with_live(id, |sql, mut record| {
            let Some(entry) = record.versions.iter_mut().find(|v| v.version == version) else {
                return Ok(Err(VaultError::UnknownVersion { version }));
            };
            let granted = want.min(limit.saturating_sub(entry.encryptions));
            if granted == 0 {
                return Ok(Err(VaultError::EncryptionLimit { version, limit }));
            }
            entry.encryptions += granted;
            sql.execute(DELETE_VERSIONS, &[Param::Blob(&id.to_bytes())])?;
            write_versions(sql, &record)?;
            Ok(Ok(granted))
        })
    }

    fn destroy(&self, tombstone: &Tombstone) -> Result<(), VaultError> {
        let id = &tombstone.id;
        let result = self.with_live(id, |sql, record| {
            sql.execute(DELETE_VERSIONS, &[Param::Blob(&id.to_bytes())])?;
            write_key(sql, UPDATE_KEY, id, None, &record, Some(tombstone))?;
            sql.execute(BUMP_GENERATION, &[])?;
            Ok(Ok(()))
        });
        match result {
            Err(VaultError::Destroyed) => Ok(()),
            other => other,
        }
    }

    fn list(&self, after: Option<&KeyId>, limit: usize) -> Result<Vec<KeyRecord>, VaultError> {
        let after = after.map(|id| id.to_bytes());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let stored = sql::read(&*self.shared.backend, |sql| {
            let lower = after.as_ref().map_or(&[][..], |id| &id[..]);
            let rows = sql.query(PAGE, &[Param::Blob(lower), Param::Int(limit)])?;
            self.decode(&rows)
        })?;
        Ok(stored
            .into_iter()
            .filter_map(|s| match s {
                StoredKey::Live(record) => Some(record),
                StoredKey::Destroyed(_) => None,
            })
            .collect())
    }
}

fn scope_cells(scope: &KeyScope) -> (i64, &str) {
    match scope {
        KeyScope::Subject(id) => (SUBJECT, id.as_str()),
        KeyScope::Shared(name) => (SHARED, name.as_str()),
    }
}

/// Inserts or updates the key row of `record` (a tombstone when
/// `tombstone` is set: its time and scope tag, no scope). Returns the rows
/// changed.
fn write_key(
    sql: &mut dyn Sql,
    statement: &'static str,
    id: &KeyId,
    scope: Option<&KeyScope>,
    record: &KeyRecord,
    tombstone: Option<&Tombstone>,
) -> Result<u64, StorageError> {
    let id = id.to_bytes();
    let (kind, name) = scope.map(scope_cells).unzip();
    let destroyed_at = tombstone
        .map(|t| sql::int(t.destroyed_at, "destruction time"))
        .transpose()?;
    let tag = tombstone.map(|t| *t.scope.as_bytes());
    let cells = [
        Param::Blob(&id),
        Param::opt_int(kind),
        Param::opt_text(name),
        Param::Int(sql::int(record.revision, "revision")?),
        Param::Int(sql::int(record.created_at, "creation time")?),
        Param::opt_int(destroyed_at),
        tag.as_ref().map_or(Param::Null, |tag| Param::Blob(tag)),
    ];
    let digest = row_digest(KEYS, &cells);
    let mut params = cells.to_vec();
    params.push(Param::Blob(&digest));
    sql.execute(statement, &params)
}

fn write_versions(sql: &mut dyn Sql, record: &KeyRecord) -> Result<(), StorageError> {
    let id = record.id.to_bytes();
    for v in &record.versions {
        let state = match v.state {
            KeyState::Active => 1,
            KeyState::DecryptOnly => 2,
        };
        let cells = [
            Param::Blob(&id),
            Param::Int(i64::from(v.version)),
            Param::Int(state),
            Param::Int(i64::from(v.root_version)),
            Param::Blob(&v.wrapped),
            Param::Int(sql::int(v.encryptions, "encryption counter")?),
        ];
        let digest = row_digest(VERSIONS, &cells);
        let mut params = cells.to_vec();
        params.push(Param::Blob(&digest));
        sql.execute(INSERT_VERSION, &params)?;
    }
    Ok(())
}

/// One record from its rows (all of the same key id).
fn decode_record(
    rows: &[Row],
    names: &crate::audit::Pseudonymizer,
) -> Result<StoredKey, StorageError> {
    let first = rows.first().ok_or(StorageError::Internal)?;
    let key = first.at(KEYS);
    let kind = key.opt_int(1)?;
    let name = key.opt_text(2)?;
    let subject: Option<SubjectPseudonym> = match (kind, name) {
        (Some(SUBJECT), Some(name)) => Some(names.subject(name)),
        _ => None,
    };
    let key = key.about(subject);
    key.check_digest(KEY_CELLS)?;
    let id = KeyId::from_bytes(key.array(0)?);
    let versions = rows
        .iter()
        .filter(|r| !matches!(r.at(VERSIONS).opt_int(9), Ok(None)))
        .map(|r| decode_version(r.at(VERSIONS).about(subject), &id))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(destroyed_at) = key.opt_count::<u64>(5)? {
        if kind.is_some() || name.is_some() || !versions.is_empty() {
            return Err(key.corrupt());
        }
        let scope = ScopeTag::from_bytes(key.array(6)?);
        return Ok(StoredKey::Destroyed(Tombstone {
            id,
            destroyed_at,
            scope,
        }));
    }
    // A live row carries no scope tag (a blob there fails `opt_int` too).
    if key.opt_int(6)?.is_some() {
        return Err(key.corrupt());
    }
    let scope = match (kind, name) {
        (Some(SUBJECT), Some(name)) => {
            KeyScope::Subject(SubjectId::try_new(name).map_err(|_| key.corrupt())?)
        }
        (Some(SHARED), Some(name)) => {
            KeyScope::Shared(SharedKeyName::internal(name.to_owned()).ok_or_else(|| key.corrupt())?)
        }
        _ => return Err(key.corrupt()),
    };
    Ok(StoredKey::Live(KeyRecord {
        id,
        scope,
        versions,
        revision: key.count(3)?,
        created_at: key.count(4)?,
    }))
}

fn decode_version(cells: Cells<'_>, id: &KeyId) -> Result<DataKeyVersion, StorageError> {
    cells.check_digest(VERSION_CELLS)?;
    if cells.array::<16>(8)? != id.to_bytes() {
        return Err(cells.corrupt());
    }
    let state = match cells.int(10)? {
        1 => KeyState::Active,
        2 => KeyState::DecryptOnly,
        _ => return Err(cells.corrupt()),
    };
    Ok(DataKeyVersion {
        version: cells.count(9)?,
        state,
        root_version: cells.count(11)?,
        wrapped: cells.blob(12)?.to_vec(),
        encryptions: cells.count(13)?,
    })
}
