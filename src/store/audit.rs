//! The verifiable audit log in the database; documented on [`StoreAudit`].

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;

use super::error::StorageError;
use super::sql::{self, Param, Sql};
use crate::audit::frame::{self, CHECKPOINTS_MAGIC, ENTRIES_MAGIC};
use crate::audit::merkle::{self, Hash};
use crate::audit::{
    AuditEvent, AuditSink, CHECKPOINTS_FILE, CheckpointSigner, ENTRIES_FILE, MAX_ENTRY_LEN,
    SignedCheckpoint, SinkError,
};
use crate::time::Timestamp;

const ENTRIES: &str = "custodian_audit_entries";

const SIZE: &str = "SELECT value FROM custodian_counters WHERE name = 'audit_size'";
const SIZE_LOCKED: &str =
    "SELECT value FROM custodian_counters WHERE name = 'audit_size' FOR UPDATE";
const SET_SIZE: &str = "UPDATE custodian_counters SET value = $1 WHERE name = 'audit_size'";
const INSERT: &str = "INSERT INTO custodian_audit_entries (idx, leaf, body) VALUES ($1, $2, $3)";
const PAGE: &str =
    "SELECT idx, leaf, body FROM custodian_audit_entries WHERE idx >= $1 ORDER BY idx LIMIT $2";
const NEXT_CHECKPOINT: &str = "SELECT COALESCE(MAX(seq), 0) + 1 FROM custodian_audit_checkpoints";
const INSERT_CHECKPOINT: &str =
    "INSERT INTO custodian_audit_checkpoints (seq, size, note) VALUES ($1, $2, $3)";
const CHECKPOINTS: &str = "SELECT note FROM custodian_audit_checkpoints ORDER BY seq";

/// Entries read per query when catching up or exporting.
const PAGE_LEN: i64 = 1024;

handle!(
    /// The [`AuditSink`] of a [`Store`](super::Store): the crate's verifiable
    /// log kept in the database, one chain for every process that shares it.
    ///
    /// # Layout
    ///
    /// Each event's canonical bytes ([`AuditEvent::to_json`]) are one row of
    /// `custodian_audit_entries`: its index, its RFC 6962 leaf hash and the
    /// bytes, exactly the records of a [`FileLog`](crate::audit::FileLog)'s
    /// `entries` file. A transaction appends a batch under a lock on the log's
    /// size counter, so indexes are dense and in commit order across
    /// processes. [`checkpoint`](Self::checkpoint) signs the tree head over
    /// every committed entry (C2SP checkpoint, as the file log) and stores it
    /// in `custodian_audit_checkpoints`.
    ///
    /// # Verifying
    ///
    /// [`export`](Self::export) writes the log as a file-log directory, which
    /// [`audit::verify`](crate::audit::verify()) (or `examples/audit_verify.rs`,
    /// or a verifier in another language) checks against the log's public key
    /// and a checkpoint the auditor holds. Rows edited, deleted, inserted or
    /// reordered in the database show up there exactly as edits of the file
    /// would. An auditor needs the exported directory, never database access.
    ///
    /// # Durability
    ///
    /// [`record`](AuditSink::record) returns once its transaction is durable
    /// (see [the store](super#durability)); [`record_batch`](Self::record_batch)
    /// makes a batch durable in one transaction, which is how a host that
    /// produces events in bulk reaches tens of thousands per second.
    ///
    /// # Errors
    ///
    /// [`SinkError::Host`] wrapping the [`StorageError`] when the database
    /// fails or an entry exceeds [`MAX_ENTRY_LEN`].
    StoreAudit
);

/// What [`StoreAudit::export`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exported {
    /// Entries written.
    pub entries: u64,
    /// Checkpoints written.
    pub checkpoints: u64,
}

impl StoreAudit {
    /// Records several events in one durable transaction, in order, with
    /// consecutive indexes.
    ///
    /// # Errors
    ///
    /// As [`AuditSink::record`]; on error none of them is recorded.
    pub fn record_batch(&self, events: &[AuditEvent]) -> Result<(), SinkError> {
        let entries: Vec<Vec<u8>> = events.iter().map(AuditEvent::to_json).collect();
        self.append(&entries)?;
        Ok(())
    }

    /// Appends raw entries in one transaction and returns the index of the
    /// first (the log's raw form, as [`FileLog::append`](crate::audit::FileLog::append)).
    ///
    /// # Errors
    ///
    /// [`StorageError::OutOfRange`] for an entry above [`MAX_ENTRY_LEN`];
    /// database failures.
    ///
    /// # Security
    ///
    /// Entries are stored in clear, forever: never append anything that
    /// may hold personal data. Events built as [`AuditEvent`]s cannot.
    pub fn append(&self, entries: &[Vec<u8>]) -> Result<u64, StorageError> {
        if entries.iter().any(|e| e.len() > MAX_ENTRY_LEN) {
            return Err(StorageError::OutOfRange {
                what: "an audit entry's length",
            });
        }
        let leaves: Vec<Hash> = entries.iter().map(|e| merkle::leaf_hash(e)).collect();
        sql::write(&*self.shared.backend, |sql| {
            let first = locked_size(sql)?;
            let mut index = first;
            for (leaf, entry) in leaves.iter().zip(entries) {
                sql.execute(
                    INSERT,
                    &[
                        Param::Int(index),
                        Param::Blob(leaf.as_bytes()),
                        Param::Blob(entry),
                    ],
                )?;
                index += 1;
            }
            sql.execute(SET_SIZE, &[Param::Int(index)])?;
            u64::try_from(first).map_err(|_| StorageError::Internal)
        })
    }

    /// How many entries the log holds (in every process).
    ///
    /// # Errors
    ///
    /// Database failures.
    pub fn size(&self) -> Result<u64, StorageError> {
        sql::read(&*self.shared.backend, |sql| {
            let rows = sql.query(SIZE, &[])?;
            let row = rows.first().ok_or(StorageError::Internal)?;
            row.at("custodian_counters").count(0)
        })
    }

    /// Signs the tree head over every entry committed so far, stores the
    /// checkpoint and returns it.
    ///
    /// The process keeps the tree's frontier (a few hashes) and reads only
    /// the entries added since its last checkpoint, checking that each
    /// stored leaf hash matches its bytes: a log edited in the database is
    /// refused, not signed.
    ///
    /// # Errors
    ///
    /// [`StorageError::Corrupt`] (`custodian_audit_entries`) if an entry
    /// does not match its leaf hash or the indexes have a gap; database
    /// failures.
    pub fn checkpoint(&self, signer: &CheckpointSigner) -> Result<SignedCheckpoint, StorageError> {
        let mut frontier = self
            .shared
            .frontier
            .lock()
            .map_err(|_| StorageError::Poisoned)?;
        loop {
            let from = sql::int(frontier.len(), "audit log size")?;
            let rows = sql::read(&*self.shared.backend, |sql| {
                sql.query(PAGE, &[Param::Int(from), Param::Int(PAGE_LEN)])
            })?;
            for row in &rows {
                let cells = row.at(ENTRIES);
                let leaf = merkle::leaf_hash(cells.blob(2)?);
                if cells.count::<u64>(0)? != frontier.len() || cells.blob(1)? != leaf.as_bytes() {
                    return Err(cells.corrupt());
                }
                frontier.push(leaf);
            }
            if (rows.len() as i64) < PAGE_LEN {
                break;
            }
        }
        let signed = signer.sign(frontier.len(), frontier.root(), Timestamp::now());
        let size = sql::int(frontier.len(), "audit log size")?;
        sql::write(&*self.shared.backend, |sql| {
            // The size lock orders checkpoint numbers across processes.
            locked_size(sql)?;
            let rows = sql.query(NEXT_CHECKPOINT, &[])?;
            let seq = rows
                .first()
                .ok_or(StorageError::Internal)?
                .at("custodian_audit_checkpoints")
                .int(0)?;
            sql.execute(
                INSERT_CHECKPOINT,
                &[
                    Param::Int(seq),
                    Param::Int(size),
                    Param::Text(signed.note()),
                ],
            )
        })?;
        Ok(signed)
    }

    /// Writes the log into `dir` (created if needed) as a
    /// [`FileLog`](crate::audit::FileLog) directory — the `entries` and
    /// `checkpoints` files — for [`audit::verify`](crate::audit::verify())
    /// and auditors' tools. Each entry keeps the index and leaf hash stored
    /// with it, so damage in the database is reported where it is.
    ///
    /// # Errors
    ///
    /// [`StorageError::Export`] if `dir` already holds a log or a file
    /// cannot be written; database failures.
    pub fn export(&self, dir: &Path) -> Result<Exported, StorageError> {
        let io = |source| StorageError::Export { source };
        std::fs::create_dir_all(dir).map_err(io)?;
        // Checkpoints first: the entries read after them cover them all.
        let notes = sql::read(&*self.shared.backend, |sql| sql.query(CHECKPOINTS, &[]))?;
        let mut out = create(&dir.join(CHECKPOINTS_FILE), CHECKPOINTS_MAGIC)?;
        for (i, row) in notes.iter().enumerate() {
            let note = row.at("custodian_audit_checkpoints").text(0)?.as_bytes();
            let record = frame::encode(i as u64, &merkle::leaf_hash(note), note);
            out.write_all(&record).map_err(io)?;
        }
        finish(out)?;

        let mut out = create(&dir.join(ENTRIES_FILE), ENTRIES_MAGIC)?;
        let mut entries = 0u64;
        let mut from = 0i64;
        loop {
            let rows = sql::read(&*self.shared.backend, |sql| {
                sql.query(PAGE, &[Param::Int(from), Param::Int(PAGE_LEN)])
            })?;
            for row in &rows {
                let cells = row.at(ENTRIES);
                let index: u64 = cells.count(0)?;
                let leaf = Hash::from_slice(cells.blob(1)?).ok_or_else(|| cells.corrupt())?;
                out.write_all(&frame::encode(index, &leaf, cells.blob(2)?))
                    .map_err(io)?;
                from = cells.int(0)? + 1;
                entries += 1;
            }
            if (rows.len() as i64) < PAGE_LEN {
                break;
            }
        }
        finish(out)?;
        Ok(Exported {
            entries,
            checkpoints: notes.len() as u64,
        })
    }
}

impl AuditSink for StoreAudit {
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        self.append(&[event.to_json()])?;
        Ok(())
    }
}

/// The log's size, locked until the transaction ends.
fn locked_size(sql: &mut dyn Sql) -> Result<i64, StorageError> {
    let rows = sql.query(sql.dialect().pick(SIZE, SIZE_LOCKED), &[])?;
    rows.first()
        .ok_or(StorageError::Internal)?
        .at("custodian_counters")
        .int(0)
}

fn create(path: &Path, magic: &[u8; 16]) -> Result<BufWriter<File>, StorageError> {
    let io = |source| StorageError::Export { source };
    let mut out = BufWriter::new(File::create_new(path).map_err(io)?);
    out.write_all(magic).map_err(io)?;
    Ok(out)
}

fn finish(out: BufWriter<File>) -> Result<(), StorageError> {
    let io = |source| StorageError::Export { source };
    out.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)
}
