//! The SQLite backend (feature `sqlite`): one database file, WAL,
//! `synchronous = FULL`, a small pool of connections.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, Value as SqliteValue, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior, params_from_iter};

use super::error::StorageError;
use super::sql::{Backend, Dialect, Param, Row, Sql, Value};

/// Idle connections kept for reuse.
const POOL: usize = 8;

/// SQLite's own wait on a lock, per attempt. Its busy handler sleeps in
/// growing steps, so a waiter can miss every gap between another process's
/// back-to-back transactions; short attempts retried here, with jitter,
/// until the busy timeout, catch those gaps.
const ATTEMPT: Duration = Duration::from_millis(2);

/// A database file shared by every process that opens it.
pub(crate) struct Sqlite {
    path: PathBuf,
    busy: Duration,
    idle: Mutex<Vec<Connection>>,
    /// Writers of this process queue here rather than on SQLite's file
    /// lock, whose busy handler sleeps in coarse steps.
    writer: Mutex<()>,
}

impl fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sqlite")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Sqlite {
    pub(crate) fn open(path: &Path, busy: Duration) -> Result<Self, StorageError> {
        let db = Self {
            path: path.to_path_buf(),
            busy,
            idle: Mutex::new(Vec::new()),
            writer: Mutex::new(()),
        };
        // Opening once checks the file and sets WAL (a property of the file).
        let conn = db.acquire()?;
        db.release(conn);
        Ok(db)
    }

    fn connect(&self) -> Result<Connection, StorageError> {
        let fail = |e| self.error("opening the database", e);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(fail)?;
        conn.busy_timeout(ATTEMPT).map_err(fail)?;
        // WAL: readers never block the writer nor each other. FULL: the WAL
        // is synced at every commit, so a transaction is durable once its
        // COMMIT returns, across power loss too (NORMAL would only survive
        // a crash of the process). secure_delete: destroyed wrapped keys
        // are overwritten in the file, not left in free pages.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(fail)?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
        )
        .map_err(fail)?;
        Ok(conn)
    }

    fn acquire(&self) -> Result<Connection, StorageError> {
        let pooled = self.idle.lock().map_err(|_| StorageError::Poisoned)?.pop();
        match pooled {
            Some(conn) => Ok(conn),
            // Switching a new file to WAL needs a moment alone with it.
            None => self.patiently(|| self.connect()),
        }
    }

    fn release(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < POOL {
                idle.push(conn);
            }
        }
    }

    fn error(&self, op: &'static str, e: rusqlite::Error) -> StorageError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StorageError::Busy { waited: self.busy }
            }
            // SQLite's messages name tables and columns, never values.
            _ => StorageError::Backend {
                op,
                detail: e.to_string(),
            },
        }
    }

    fn writer(&self) -> Result<MutexGuard<'_, ()>, StorageError> {
        self.writer.lock().map_err(|_| StorageError::Poisoned)
    }

    /// Runs `attempt` until it is not [`StorageError::Busy`] or the busy
    /// timeout has passed.
    fn patiently<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let deadline = Instant::now() + self.busy;
        loop {
            match attempt() {
                Err(StorageError::Busy { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(jitter());
                }
                other => return other,
            }
        }
    }
}

/// A pause of 100 to 1,100 µs, different across processes and calls.
fn jitter() -> Duration {
    let mut b = [0u8; 2];
    let spread = match getrandom::fill(&mut b) {
        Ok(()) => u64::from(u16::from_le_bytes(b)) % 1000,
        Err(_) => 500,
    };
    Duration::from_micros(100 + spread)
}

impl Backend for Sqlite {
    fn read(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let conn = self.acquire()?;
        let result = self.patiently(|| {
            f(&mut Statements {
                db: self,
                conn: &conn,
            })
        });
        self.release(conn);
        result
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let _queue = self.writer()?;
        let mut conn = self.acquire()?;
        let result = self.patiently(|| {
            // IMMEDIATE takes the write lock up front, so the transaction
            // never fails half-way on a lock; a refused attempt wrote nothing.
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| self.error("starting a transaction", e))?;
            f(&mut Statements {
                db: self,
                conn: &tx,
            })?;
            tx.commit().map_err(|e| self.error("committing", e))
        });
        self.release(conn);
        result
    }
}

/// Statements on one connection.
struct Statements<'c> {
    db: &'c Sqlite,
    conn: &'c Connection,
}

/// `$n` placeholders as SQLite numbers them (`?n`); SQLite reads `$n` as
/// a named parameter numbered by first appearance.
fn numbered(sql: &str) -> String {
    sql.replace('$', "?")
}

fn bind<'a>(p: &Param<'a>) -> ToSqlOutput<'a> {
    ToSqlOutput::Borrowed(match *p {
        Param::Null => ValueRef::Null,
        Param::Int(i) => ValueRef::Integer(i),
        Param::Text(s) => ValueRef::Text(s.as_bytes()),
        Param::Blob(b) => ValueRef::Blob(b),
    })
}

impl Sql for Statements<'_> {
    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, StorageError> {
        let fail = |e| self.db.error("writing", e);
        let mut stmt = self.conn.prepare_cached(&numbered(sql)).map_err(fail)?;
        let n = stmt
            .execute(params_from_iter(params.iter().map(bind)))
            .map_err(fail)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Row>, StorageError> {
        let fail = |e| self.db.error("reading", e);
        let mut stmt = self.conn.prepare_cached(&numbered(sql)).map_err(fail)?;
        let width = stmt.column_count();
        let rows = stmt
            .query_map(params_from_iter(params.iter().map(bind)), |row| {
                (0..width)
                    .map(|i| row.get::<_, SqliteValue>(i).map(value))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row::new)
            })
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

fn value(v: SqliteValue) -> Value {
    match v {
        SqliteValue::Null => Value::Null,
        SqliteValue::Integer(i) => Value::Int(i),
        SqliteValue::Text(s) => Value::Text(s),
        SqliteValue::Blob(b) => Value::Blob(b),
        // The schema stores no floating point: a REAL is damage.
        SqliteValue::Real(_) => Value::Unreadable,
    }
}
