//! The PostgreSQL backend (feature `postgres`): the synchronous `postgres`
//! client, a small pool of connections, row locks, retried serialization
//! failures.
//!
//! The sync client runs its own small Tokio runtime per connection; the
//! crate stays free of async in its API. `tokio-postgres` behind a facade
//! would only move that runtime into the crate.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, GenericClient, NoTls, Statement};

use super::error::StorageError;
use super::sql::{Backend, Dialect, Param, Row, Sql, Value};

/// Idle connections kept for reuse.
const POOL: usize = 8;

/// Attempts at a transaction the engine aborted for a conflict.
const RETRIES: u32 = 16;

/// A PostgreSQL (or compatible) database.
pub(crate) struct Postgres {
    config: Config,
    busy: Duration,
    idle: Mutex<Vec<Connection>>,
}

/// A client and the statements prepared on it.
struct Connection {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl fmt::Debug for Postgres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Postgres")
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

impl Postgres {
    pub(crate) fn connect(config: &str, busy: Duration) -> Result<Self, StorageError> {
        let mut config: Config =
            config
                .parse()
                .map_err(|e: postgres::Error| StorageError::Backend {
                    op: "reading the connection string",
                    detail: e.to_string(),
                })?;
        config.connect_timeout(busy);
        let db = Self {
            config,
            busy,
            idle: Mutex::new(Vec::new()),
        };
        let conn = db.open()?;
        db.release(conn);
        Ok(db)
    }

    fn open(&self) -> Result<Connection, StorageError> {
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|e| error("connecting", self.busy, &e))?;
        // A lock held longer than the busy timeout fails the statement
        // (SQLSTATE 55P03) instead of waiting for ever.
        let millis = self.busy.as_millis().max(1);
        client
            .batch_execute(&format!("SET lock_timeout = {millis}"))
            .map_err(|e| error("configuring the session", self.busy, &e))?;
        Ok(Connection {
            client,
            prepared: HashMap::new(),
        })
    }

    fn acquire(&self) -> Result<Connection, StorageError> {
        let pooled = self.idle.lock().map_err(|_| StorageError::Poisoned)?.pop();
        match pooled {
            Some(conn) if !conn.client.is_closed() => Ok(conn),
            _ => self.open(),
        }
    }

    fn release(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < POOL && !conn.client.is_closed() {
                idle.push(conn);
            }
        }
    }

    fn run(
        &self,
        transaction: bool,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let mut conn = self.acquire()?;
        let mut attempt = 0;
        let result = loop {
            let result = self.once(&mut conn, transaction, f);
            match result {
                Err(Retry::Again) if attempt < RETRIES => {
                    attempt += 1;
                    // Spread retries of conflicting writers apart.
                    std::thread::sleep(Duration::from_millis(u64::from(attempt)));
                }
                Err(Retry::Again) => {
                    break Err(StorageError::Busy { waited: self.busy });
                }
                Err(Retry::Failed(e)) => break Err(e),
                Ok(()) => break Ok(()),
            }
        };
        self.release(conn);
        result
    }

    fn once(
        &self,
        conn: &mut Connection,
        transaction: bool,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), Retry> {
        let busy = self.busy;
        let Connection { client, prepared } = conn;
        if !transaction {
            let mut sql = Statements {
                client,
                prepared,
                busy,
                conflict: false,
            };
            return f(&mut sql).map_err(|e| sql.retry(e));
        }
        let mut tx = client
            .transaction()
            .map_err(|e| Retry::from(error("starting a transaction", busy, &e)))?;
        let mut sql = Statements {
            client: &mut tx,
            prepared,
            busy,
            conflict: false,
        };
        let outcome = f(&mut sql);
        let conflict = sql.conflict;
        match outcome {
            Ok(()) => tx.commit().map_err(|e| {
                if is_conflict(&e) {
                    Retry::Again
                } else {
                    Retry::Failed(error("committing", busy, &e))
                }
            }),
            // Dropping the transaction rolls it back.
            Err(_) if conflict => Err(Retry::Again),
            Err(e) => Err(Retry::Failed(e)),
        }
    }
}

/// Whether a failed attempt should run again.
enum Retry {
    Again,
    Failed(StorageError),
}

impl From<StorageError> for Retry {
    fn from(e: StorageError) -> Self {
        Self::Failed(e)
    }
}

impl Backend for Postgres {
    fn read(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        self.run(false, f)
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        self.run(true, f)
    }
}

fn is_conflict(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// The store's error for a client error: its SQLSTATE and primary
/// message, never the server's `DETAIL` (which can quote key values).
fn error(op: &'static str, busy: Duration, e: &postgres::Error) -> StorageError {
    if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
        return StorageError::Busy { waited: busy };
    }
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => match e.source() {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    };
    StorageError::Backend { op, detail }
}

/// Statements on one client (or transaction).
struct Statements<'c, C: GenericClient> {
    client: &'c mut C,
    prepared: &'c mut HashMap<&'static str, Statement>,
    busy: Duration,
    /// The engine aborted the transaction for a conflict: retry it.
    conflict: bool,
}

impl<C: GenericClient> Statements<'_, C> {
    fn statement(&mut self, sql: &'static str) -> Result<Statement, StorageError> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let statement = self
            .client
            .prepare(sql)
            .map_err(|e| self.fail("preparing", &e))?;
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }

    fn fail(&mut self, op: &'static str, e: &postgres::Error) -> StorageError {
        self.conflict |= is_conflict(e);
        error(op, self.busy, e)
    }

    fn retry(&self, e: StorageError) -> Retry {
        if self.conflict {
            Retry::Again
        } else {
            Retry::Failed(e)
        }
    }
}

impl<C: GenericClient> Sql for Statements<'_, C> {
    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, StorageError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        self.client
            .execute(&statement, &params)
            .map_err(|e| self.fail("writing", &e))
    }

    fn query(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Row>, StorageError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = self
            .client
            .query(&statement, &params)
            .map_err(|e| self.fail("reading", &e))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<_, Value>(i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row::new)
                    .map_err(|e| self.fail("reading", &e))
            })
            .collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(v) => v.to_sql(ty, out),
            Param::Text(v) => v.to_sql(ty, out),
            Param::Blob(v) => v.to_sql(ty, out),
        }
    }

    /// Every column the schema has takes one of the four kinds; a
    /// mismatch is reported by the server.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::TEXT | Type::VARCHAR => Value::Text(String::from_sql(ty, raw)?),
            Type::BYTEA => Value::Blob(Vec::from_sql(ty, raw)?),
            _ => Value::Unreadable,
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
