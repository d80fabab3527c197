//! The seam between the stores and the database engines.
//!
//! Every store ([keys](super::StoreKeys), [consent](super::StoreConsent),
//! [audit](super::StoreAudit), [evidence](super::StoreEvidence)) is written
//! once, against [`Sql`]: statements with positional parameters and rows
//! of four kinds of value. A backend only runs statements and
//! transactions. The statements are kept to SQL that SQLite, PostgreSQL
//! and the PostgreSQL-compatible distributed engines share (see the
//! [module docs](super#engines)); where they differ (row locks), the
//! statement is picked by [`Dialect`].

use std::fmt;

use sha2::{Digest, Sha256};

use super::error::StorageError;
use crate::audit::SubjectPseudonym;

/// Which SQL a backend speaks where the engines differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    #[cfg_attr(
        not(feature = "sqlite"),
        expect(
            dead_code,
            reason = "the statements keep both dialects whatever is built"
        )
    )]
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The statement for this dialect.
    pub(crate) fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Self::Sqlite => sqlite,
            Self::Postgres => postgres,
        }
    }
}

/// A statement parameter.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> Param<'a> {
    pub(crate) fn opt_int(v: Option<i64>) -> Self {
        v.map_or(Self::Null, Self::Int)
    }

    pub(crate) fn opt_text(v: Option<&'a str>) -> Self {
        v.map_or(Self::Null, Self::Text)
    }
}

/// A value read from a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
    /// A kind of value the schema never stores (a floating-point number):
    /// every decoder refuses it.
    Unreadable,
}

impl Value {
    pub(crate) fn as_param(&self) -> Param<'_> {
        match self {
            Self::Null | Self::Unreadable => Param::Null,
            Self::Int(i) => Param::Int(*i),
            Self::Text(s) => Param::Text(s),
            Self::Blob(b) => Param::Blob(b),
        }
    }
}

/// Runs statements, inside a transaction or (for reads) on their own.
///
/// SQL uses `$1`, `$2`, … in order of first appearance, which both
/// engines bind positionally.
pub(crate) trait Sql {
    /// Runs a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, StorageError>;

    /// Runs a query; returns its rows.
    fn query(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Row>, StorageError>;

    /// The backend's dialect.
    fn dialect(&self) -> Dialect;
}

/// A database engine.
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    /// Runs `f` with single-statement reads (each statement sees a
    /// consistent snapshot of its own).
    fn read(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), StorageError>;

    /// Runs `f` in one write transaction, committed when `f` returns `Ok`
    /// and durable once this returns; rolled back otherwise. `f` may run
    /// more than once (the engine asked for a retry); only the last run
    /// counts.
    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>,
    ) -> Result<(), StorageError>;
}

/// Reads with `f`, returning what it returns.
pub(crate) fn read<T>(
    backend: &dyn Backend,
    f: impl FnMut(&mut dyn Sql) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    returning(f, |run| backend.read(run))
}

/// Writes with `f` in one transaction, returning what its last run
/// returned.
pub(crate) fn write<T>(
    backend: &dyn Backend,
    f: impl FnMut(&mut dyn Sql) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    returning(f, |run| backend.write(run))
}

type Run<'a> = &'a mut dyn FnMut(&mut dyn Sql) -> Result<(), StorageError>;

/// Runs `f` through `go` (which takes closures without a result, being
/// object-safe) and hands back `f`'s last result.
fn returning<T>(
    mut f: impl FnMut(&mut dyn Sql) -> Result<T, StorageError>,
    go: impl FnOnce(Run<'_>) -> Result<(), StorageError>,
) -> Result<T, StorageError> {
    let mut out = None;
    go(&mut |sql| {
        out = Some(f(sql)?);
        Ok(())
    })?;
    out.ok_or(StorageError::Internal)
}

/// One row, read in the context of a table and (once known) a subject, so
/// that a value that does not decode becomes [`StorageError::Corrupt`]
/// naming both.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    values: Vec<Value>,
}

impl Row {
    pub(crate) fn new(values: Vec<Value>) -> Self {
        Self { values }
    }

    pub(crate) fn at<'r>(&'r self, table: &'static str) -> Cells<'r> {
        Cells {
            row: self,
            table,
            subject: None,
        }
    }
}

/// The cells of a [`Row`], with the context a decoding error names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cells<'r> {
    row: &'r Row,
    table: &'static str,
    subject: Option<SubjectPseudonym>,
}

impl<'r> Cells<'r> {
    /// Names `subject` in errors from here on.
    pub(crate) fn about(mut self, subject: Option<SubjectPseudonym>) -> Self {
        self.subject = subject;
        self
    }

    pub(crate) fn corrupt(&self) -> StorageError {
        StorageError::Corrupt {
            table: self.table,
            subject: self.subject,
        }
    }

    fn value(&self, i: usize) -> Result<&'r Value, StorageError> {
        self.row.values.get(i).ok_or_else(|| self.corrupt())
    }

    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError> {
        match self.value(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            _ => Err(self.corrupt()),
        }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64, StorageError> {
        self.opt_int(i)?.ok_or_else(|| self.corrupt())
    }

    /// A non-negative integer that fits `T`.
    pub(crate) fn count<T: TryFrom<i64>>(&self, i: usize) -> Result<T, StorageError> {
        T::try_from(self.int(i)?).map_err(|_| self.corrupt())
    }

    pub(crate) fn opt_count<T: TryFrom<i64>>(&self, i: usize) -> Result<Option<T>, StorageError> {
        self.opt_int(i)?
            .map(|v| T::try_from(v).map_err(|_| self.corrupt()))
            .transpose()
    }

    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<&'r str>, StorageError> {
        match self.value(i)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v)),
            _ => Err(self.corrupt()),
        }
    }

    pub(crate) fn text(&self, i: usize) -> Result<&'r str, StorageError> {
        self.opt_text(i)?.ok_or_else(|| self.corrupt())
    }

    pub(crate) fn blob(&self, i: usize) -> Result<&'r [u8], StorageError> {
        match self.value(i)? {
            Value::Blob(v) => Ok(v),
            _ => Err(self.corrupt()),
        }
    }

    /// A blob of exactly `N` bytes.
    pub(crate) fn array<const N: usize>(&self, i: usize) -> Result<[u8; N], StorageError> {
        self.blob(i)?.try_into().map_err(|_| self.corrupt())
    }

    /// Checks the row digest stored in column `cells.end` over `cells`.
    pub(crate) fn check_digest(&self, cells: std::ops::Range<usize>) -> Result<(), StorageError> {
        let stored = self.blob(cells.end)?;
        let params: Vec<Param<'_>> = self
            .row
            .values
            .get(cells)
            .ok_or_else(|| self.corrupt())?
            .iter()
            .map(Value::as_param)
            .collect();
        // Not secret: a digest against accidental damage and careless
        // edits, compared plainly. Deliberate edits of key rows are caught
        // by the wrapping's authentication tag.
        if stored == row_digest(self.table, &params) {
            Ok(())
        } else {
            Err(self.corrupt())
        }
    }
}

/// Bytes of a row digest.
pub(crate) const DIGEST_LEN: usize = 16;

/// The digest stored with each key and consent row:
///
/// ```text
/// SHA-256("custodian/store/row/v1" ‖ 0x00 ‖ table ‖ 0x00 ‖ cell*)[..16]
/// cell = 0x00                          NULL
///      | 0x01 ‖ i64 BE                 integer
///      | 0x02 ‖ u32 BE length ‖ UTF-8  text
///      | 0x03 ‖ u32 BE length ‖ bytes  blob
/// ```
///
/// over the row's columns in table order, up to the digest column.
pub(crate) fn row_digest(table: &str, cells: &[Param<'_>]) -> [u8; DIGEST_LEN] {
    let mut h = Sha256::new();
    h.update(b"custodian/store/row/v1\0");
    h.update(table.as_bytes());
    h.update([0]);
    for cell in cells {
        match cell {
            Param::Null => h.update([0]),
            Param::Int(v) => {
                h.update([1]);
                h.update(v.to_be_bytes());
            }
            Param::Text(s) => framed(&mut h, 2, s.as_bytes()),
            Param::Blob(b) => framed(&mut h, 3, b),
        }
    }
    let full = h.finalize();
    let mut out = [0; DIGEST_LEN];
    out.copy_from_slice(&full[..DIGEST_LEN]);
    out
}

fn framed(h: &mut Sha256, tag: u8, bytes: &[u8]) {
    h.update([tag]);
    // Cells are far below 4 GiB (entries are capped at 1 MiB).
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

/// A `u64` as stored: SQL integers are signed 64-bit.
pub(crate) fn int(v: u64, what: &'static str) -> Result<i64, StorageError> {
    i64::try_from(v).map_err(|_| StorageError::OutOfRange { what })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_known_answer_and_framing() {
        // Computed independently with Python hashlib over the framing above.
        let d = row_digest("t", &[Param::Null, Param::Int(1), Param::Text("a")]);
        assert_eq!(
            d,
            crate::hex::decode::<16>(b"ec855c5cf2c6ebcdd5e0bf1ba49fc222").unwrap()
        );
        // Text and blob of the same bytes differ; so do split fields.
        assert_ne!(
            row_digest("t", &[Param::Text("ab")]),
            row_digest("t", &[Param::Blob(b"ab")])
        );
        assert_ne!(
            row_digest("t", &[Param::Text("ab")]),
            row_digest("t", &[Param::Text("a"), Param::Text("b")])
        );
    }

    #[test]
    fn cells_refuse_wrong_kinds_naming_the_table() {
        let row = Row::new(vec![Value::Text("x".into()), Value::Int(-1)]);
        let cells = row.at("custodian_things");
        assert!(matches!(
            cells.int(0),
            Err(StorageError::Corrupt {
                table: "custodian_things",
                subject: None
            })
        ));
        assert!(cells.count::<u64>(1).is_err());
        assert!(cells.text(5).is_err());
        assert_eq!(cells.text(0).unwrap(), "x");
    }
}
