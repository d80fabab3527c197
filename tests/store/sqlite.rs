//! The SQLite backend: the conformance suite and the durable-store tests
//! on real database files in temporary directories.

use std::path::PathBuf;
use std::time::Duration;

use custodian::consent::ConsentStore as _;
use custodian::store::{StorageError, Store, StoreOptions};

use crate::contract::Stores;
use crate::durable::Database as _;

/// A database file in its own temporary directory.
pub(crate) struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    pub(crate) fn fresh() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn path(&self) -> PathBuf {
        self.dir.path().join("custodian.db")
    }

    /// Runs `sql` on its own connection; the first column of each row.
    pub(crate) fn raw(&self, sql: &str) -> Vec<String> {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |row| {
                Ok(match row.get_ref(0)? {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{other:?}"),
                })
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }
}

fn open() -> Option<Stores> {
    let db = Db::fresh();
    Some(Stores::of(&db.open(), Some(db.dir)))
}

crate::conformance!(open);

impl crate::durable::Database for Db {
    fn try_open(&self) -> Result<Store, StorageError> {
        Store::sqlite(self.path())
    }

    fn raw(&self, sql: &str) -> Vec<String> {
        Db::raw(self, sql)
    }
}

mod durable_suite {
    crate::durable!(|| Some(super::Db::fresh()));
}

mod processes {
    fn fresh() -> Option<(super::Db, String)> {
        let db = super::Db::fresh();
        let spec = format!("sqlite:{}", db.path().display());
        Some((db, spec))
    }

    crate::processes!(fresh);
}

#[test]
fn a_locked_database_is_a_typed_error_after_the_busy_timeout() {
    let db = Db::fresh();
    let timeout = Duration::from_millis(300);
    let store = StoreOptions::new()
        .busy_timeout(timeout)
        .sqlite(db.path())
        .unwrap();
    // Another process's writer holds the write lock.
    let holder = rusqlite::Connection::open(db.path()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    crate::durable::busy_is_typed(&store, timeout, || {
        holder.execute_batch("ROLLBACK").unwrap();
    });
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let db = Db::fresh();
    std::fs::write(
        db.path(),
        b"definitely not a sqlite file, just bytes of text....",
    )
    .unwrap();
    assert!(matches!(db.try_open(), Err(StorageError::Backend { .. })));
    assert_eq!(
        std::fs::read(db.path()).unwrap(),
        b"definitely not a sqlite file, just bytes of text....",
        "nothing was written into it"
    );
}

#[test]
fn an_up_to_date_database_opens_while_another_process_writes() {
    let db = Db::fresh();
    drop(db.open());
    let holder = rusqlite::Connection::open(db.path()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let store = StoreOptions::new()
        .busy_timeout(Duration::from_millis(200))
        .sqlite(db.path())
        .expect("opening takes no write lock");
    assert!(
        store
            .consent()
            .history(&crate::subject("anyone"))
            .unwrap()
            .is_empty()
    );
    holder.execute_batch("ROLLBACK").unwrap();
}
