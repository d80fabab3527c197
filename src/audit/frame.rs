//! Record framing of the log files, shared by the log and the verifier.
//!
//! ```text
//! file   = magic (16 bytes) record*
//! record = length (u32, big-endian)      number of body bytes
//!          index  (u64, big-endian)      0, 1, 2, ... in file order
//!          check  (32 bytes)             SHA-256(0x00 || body)
//!          body   (length bytes)
//! ```
//!
//! For the `entries` file the body is the log entry and `check` is its
//! RFC 6962 leaf hash; for `checkpoints` the body is a signed note.
//!
//! # What a crash leaves
//!
//! A write cut short, or one that extended the file before its data
//! reached the disk, leaves the file ending in one of three ways, each
//! starting at a record boundary; together they are the *torn tail*:
//!
//! - inside a record (fewer bytes than its header promises):
//!   [`Next::Incomplete`];
//! - in zeros, header included, no longer than the longest record:
//!   [`Next::Incomplete`] too (the file's new size was recorded, none of
//!   the record's data);
//! - in a complete record whose body does not hash to its check value:
//!   [`Record::is_torn`].
//!
//! A complete last record whose body does hash to its check value but that
//! carries another index is not among them: it is an intact record out of
//! place (an entry before it was deleted, or it was inserted or moved),
//! which a crash of the writer cannot produce.

use std::fs::File;
use std::io::{self, BufReader, Read};

use super::merkle::{self, Hash};

/// Magic of the `entries` file.
pub(crate) const ENTRIES_MAGIC: &[u8; 16] = b"custodian-log-1\n";
/// Magic of the `checkpoints` file.
pub(crate) const CHECKPOINTS_MAGIC: &[u8; 16] = b"custodian-ckp-1\n";
/// Bytes before each body.
pub(crate) const RECORD_HEADER_LEN: u64 = 4 + 8 + 32;

/// Encodes one record.
pub(crate) fn encode(index: u64, check: &Hash, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(RECORD_HEADER_LEN as usize + body.len());
    encode_into(&mut out, index, check, body);
    out
}

/// Appends one encoded record to `out`.
pub(crate) fn encode_into(out: &mut Vec<u8>, index: u64, check: &Hash, body: &[u8]) {
    out.reserve(RECORD_HEADER_LEN as usize + body.len());
    // Callers bound bodies by MAX_ENTRY_LEN / MAX_NOTE_LEN, far below 4 GiB.
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&index.to_be_bytes());
    out.extend_from_slice(check.as_bytes());
    out.extend_from_slice(body);
}

/// One record as read, before any check.
pub(crate) struct Record {
    pub(crate) offset: u64,
    pub(crate) index: u64,
    pub(crate) check: Hash,
    pub(crate) body: Vec<u8>,
    /// The record's last byte is the file's last byte.
    pub(crate) at_end: bool,
}

/// What a record fails, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// It carries another index than its position.
    OutOfSequence { found: u64 },
    /// Its body does not hash to its check value.
    Altered,
}

impl Record {
    /// Whether this is a torn write rather than tampering: the file's last
    /// record, with a body that does not hash to its check value (data that
    /// never landed). Its index does not matter.
    pub(crate) fn is_torn(&self) -> bool {
        self.at_end && merkle::leaf_hash(&self.body) != self.check
    }

    /// The body's leaf hash, if the record is sound at position `expected`.
    pub(crate) fn check(&self, expected: u64) -> Result<Hash, Fault> {
        if self.index != expected {
            return Err(Fault::OutOfSequence { found: self.index });
        }
        let leaf = merkle::leaf_hash(&self.body);
        if leaf != self.check {
            return Err(Fault::Altered);
        }
        Ok(leaf)
    }
}

/// The next thing in a file.
pub(crate) enum Next {
    /// A complete record.
    Record(Record),
    /// Clean end of file.
    End,
    /// The file ends inside a record that starts at `offset`, or in zeros
    /// from `offset` on (a record whose data never landed).
    Incomplete { offset: u64 },
    /// A record claims a body longer than the limit: its extent is
    /// unknowable.
    Oversized,
}

/// Reads records sequentially from just after the magic.
pub(crate) struct Reader {
    inner: BufReader<File>,
    offset: u64,
    len: u64,
    max_body: usize,
}

impl Reader {
    /// Checks the magic and positions after it.
    ///
    /// Returns `Ok(None)` if the magic is wrong.
    pub(crate) fn new(
        mut file: File,
        magic: &[u8; 16],
        max_body: usize,
    ) -> io::Result<Option<Self>> {
        let len = file.metadata()?.len();
        let mut head = [0u8; 16];
        if len < 16 {
            return Ok(None);
        }
        file.read_exact(&mut head)?;
        if &head != magic {
            return Ok(None);
        }
        Ok(Some(Self {
            inner: BufReader::with_capacity(1 << 16, file),
            offset: 16,
            len,
            max_body,
        }))
    }

    /// The offset of the next record.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    pub(crate) fn next_record(&mut self) -> io::Result<Next> {
        let remaining = self.len - self.offset;
        if remaining == 0 {
            return Ok(Next::End);
        }
        if remaining < RECORD_HEADER_LEN {
            return Ok(Next::Incomplete {
                offset: self.offset,
            });
        }
        let mut header = [0u8; RECORD_HEADER_LEN as usize];
        self.inner.read_exact(&mut header)?;
        // No record the crate writes has a zero header: its check value is
        // a SHA-256 output.
        if header == [0; RECORD_HEADER_LEN as usize]
            && self.rest_is_zero(remaining - RECORD_HEADER_LEN)?
        {
            return Ok(Next::Incomplete {
                offset: self.offset,
            });
        }
        let [l0, l1, l2, l3, i0, i1, i2, i3, i4, i5, i6, i7, check @ ..] = header;
        let body_len = u32::from_be_bytes([l0, l1, l2, l3]);
        let index = u64::from_be_bytes([i0, i1, i2, i3, i4, i5, i6, i7]);
        if body_len as usize > self.max_body {
            return Ok(Next::Oversized);
        }
        let total = RECORD_HEADER_LEN + u64::from(body_len);
        if remaining < total {
            return Ok(Next::Incomplete {
                offset: self.offset,
            });
        }
        let mut body = vec![0u8; body_len as usize];
        self.inner.read_exact(&mut body)?;
        let record = Record {
            offset: self.offset,
            index,
            check: Hash::from_bytes(check),
            body,
            at_end: remaining == total,
        };
        self.offset += total;
        Ok(Next::Record(record))
    }

    /// Whether the `rest` bytes after a zero header, the rest of the file,
    /// are zeros too and fit in one record's body. If not, the reader is
    /// left just after the header.
    fn rest_is_zero(&mut self, rest: u64) -> io::Result<bool> {
        if rest > self.max_body as u64 {
            return Ok(false);
        }
        // `rest` is at most `max_body`, a usize.
        let mut bytes = vec![0u8; rest as usize];
        self.inner.read_exact(&mut bytes)?;
        if bytes.iter().all(|&b| b == 0) {
            return Ok(true);
        }
        // At most 1 MiB back, well inside i64.
        self.inner.seek_relative(-(rest as i64))?;
        Ok(false)
    }
}
