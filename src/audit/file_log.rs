//! The verifiable log on disk; documented on [`FileLog`].

use core::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::bundle::{ConsistencyBundle, InclusionBundle};
use super::checkpoint::{CheckpointSigner, CheckpointVerifier, MAX_NOTE_LEN, SignedCheckpoint};
use super::error::{CheckpointError, LogError, ProofError, SinkError};
use super::event::AuditEvent;
use super::evidence::sync_dir;
use super::frame::{self, CHECKPOINTS_MAGIC, ENTRIES_MAGIC, Next, RECORD_HEADER_LEN, Reader};
use super::merkle::{self, ConsistencyProof, Hash, InclusionProof, Tree};
use super::sink::AuditSink;
use crate::time::Timestamp;

/// The largest entry the log takes, in bytes (1 MiB).
pub const MAX_ENTRY_LEN: usize = 1 << 20;

/// Pending bytes of a batch that are handed to the OS before the batch
/// ends, bounding the memory a batch holds.
const MAX_PENDING: usize = 64 * 1024;

/// The name of the entries file in a log directory.
pub const ENTRIES_FILE: &str = "entries";

/// The name of the checkpoints file in a log directory.
pub const CHECKPOINTS_FILE: &str = "checkpoints";

/// When appended entries reach stable storage (see
/// [`FileLog`](FileLog#durability)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// Sync before every [`append`](FileLog::append) returns.
    EveryEntry,
    /// Buffer entries in the process; write and sync them together when
    /// `max_entries` are waiting or the oldest has waited `max_delay`.
    Batched {
        /// Entries per sync (at least 1).
        max_entries: u32,
        /// Longest time an entry waits for its sync.
        max_delay: Duration,
    },
    /// Never sync explicitly; the OS writes back when it likes.
    OsBuffered,
}

/// How to open a log.
#[derive(Clone, Debug)]
pub struct LogOptions {
    durability: Durability,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            durability: Durability::EveryEntry,
        }
    }
}

impl LogOptions {
    /// The defaults: [`Durability::EveryEntry`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the durability.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Opens the log in `dir`, creating it if needed, and signs checkpoints
    /// with `signer` (whose name is the log's origin).
    ///
    /// # Errors
    ///
    /// - [`LogError::Io`] if the files cannot be created or read;
    /// - [`LogError::NotALog`] if a file has the wrong magic;
    /// - [`LogError::Corrupt`] for damage that is not a torn tail (see
    ///   [`FileLog`](FileLog#crashes)), or a stored checkpoint that does not
    ///   verify with `signer`'s key or does not match the entries.
    pub fn open(
        self,
        dir: impl AsRef<Path>,
        signer: CheckpointSigner,
    ) -> Result<(FileLog, OpenReport), LogError> {
        FileLog::open_with(dir.as_ref(), signer, self.durability)
    }
}

/// What opening a log found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenReport {
    /// Entries in the log.
    pub entries: u64,
    /// Checkpoints in the log.
    pub checkpoints: u64,
    /// Partial last records that were cut off (at most one per file).
    pub recovered: Vec<Recovered>,
}

/// A partial last record that opening cut off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// [`ENTRIES_FILE`] or [`CHECKPOINTS_FILE`].
    pub file: &'static str,
    /// Where the partial record started.
    pub offset: u64,
    /// How many bytes were cut.
    pub len: u64,
    /// Where the cut bytes were saved.
    pub saved_to: PathBuf,
}

/// The verifiable log on disk: append-only files, an in-memory Merkle tree,
/// signed checkpoints.
///
/// # Files
///
/// A log is a directory with two append-only files, both framed as
/// described below:
///
/// - `entries`: one record per entry, in order. The record's index is the
///   entry's leaf index and its check value is the entry's RFC 6962 leaf
///   hash, so damage is found at the entry where it happened.
/// - `checkpoints`: one record per signed checkpoint (its note text), in
///   the order they were made.
///
/// ```text
/// file   = magic record*                 magic: "custodian-log-1\n" (entries)
///                                               "custodian-ckp-1\n" (checkpoints)
/// record = length (u32 BE) || index (u64 BE) || check (32 bytes) || body
///          check = SHA-256(0x00 || body)
/// ```
///
/// Entries are at most [`MAX_ENTRY_LEN`] bytes. Files are created with their
/// magic under a temporary name and renamed, so a file never lacks its
/// magic. A foreign verifier needs only this framing, SHA-256 and Ed25519:
/// recompute leaf hashes, the RFC 6962 root, and check it against a
/// checkpoint (see [`verify`](super::verify())).
///
/// # Durability
///
/// [`Durability`] says when appended bytes are forced to stable storage
/// (`fdatasync`):
///
/// - [`EveryEntry`](Durability::EveryEntry) (the default): before
///   [`append`](FileLog::append) returns. Nothing acknowledged is lost on
///   power failure. Costs one sync per entry.
/// - [`Batched`](Durability::Batched) (group commit): appended records
///   are framed into a buffer in the process and written to the file and
///   synced together when `max_entries` entries are waiting, or the oldest
///   has waited `max_delay` (checked on every append and by a background
///   thread every `max_delay`); a batch holding 64 KiB is handed to the
///   OS early. A crash of the process or the machine loses at most the
///   entries of the last batch, which were acknowledged; a batch cut
///   mid-write leaves a partial last entry (see *Crashes*). Reading an
///   entry ([`entry`](FileLog::entry)) writes the batch out first.
/// - [`OsBuffered`](Durability::OsBuffered): left to the operating system.
///   Survives a crash of the process, not of the machine.
///
/// [`checkpoint`](FileLog::checkpoint) always syncs the entries first, so a
/// checkpoint never covers an entry that could still be lost.
///
/// # Crashes
///
/// Opening a log reads every record. A crash can leave a file ending in a
/// **torn tail**, from a record boundary to the end:
///
/// - inside a record (a write cut short);
/// - in zeros, header included, at most one record long (the file system
///   recorded the new size before any of the data);
/// - in a complete record whose body does not hash to its check value (part
///   of the data never landed).
///
/// The tail is copied to `entries.torn-<offset>` (`checkpoints.torn-<offset>`
/// for the checkpoints file) beside the log, cut off, and reported in
/// [`OpenReport::recovered`]; every complete record before it is kept, and
/// the log appends after them.
///
/// Anything else is not a crash, and opening fails with
/// [`LogError::Corrupt`]: damage before the last record, a record claiming
/// more than [`MAX_ENTRY_LEN`] bytes, a signed checkpoint covering the torn
/// tail, and an intact last record (its body matches its check value) at
/// the wrong position. The last one is what deleting the second-to-last
/// entry leaves behind, even an entry no checkpoint covers yet: the intact
/// record after the gap carries the next index. Setting it aside as a torn
/// write would hide the deletion and remove an entry that nobody lost, so
/// the log refuses to open and [`verify`](super::verify()) names the gap
/// ([`Problem::OutOfSequence`](super::Problem::OutOfSequence)). A crash
/// cannot make such a record: the writer frames index, check value and
/// body together, and data that did not land fails the check value.
///
/// # Concurrency
///
/// A [`FileLog`] is `Send + Sync`; appends from many threads are serialized
/// by a mutex (hashing happens outside it). Open a directory once: two
/// `FileLog`s on the same directory, in one process or two, would
/// interleave their records. The crate does not lock it (`std` file locks
/// need a newer Rust than the crate's minimum).
///
/// # Memory
///
/// The tree keeps every leaf hash and every complete subtree hash (64 bytes
/// per entry) plus 8 bytes of offset per entry: 72 MB for a million
/// entries. Every signed checkpoint is kept too (its note, about 400 bytes
/// each with its parsed form), for [`checkpoints`](FileLog::checkpoints). Start a new log directory per period (month, year) to bound
/// it; checkpoints of the old log stay verifiable.
///
/// # Examples
///
/// ```
/// use custodian::audit::{Action, AuditEvent, AuditSink, CheckpointSigner, LogOptions, Outcome};
///
/// let dir = tempfile::tempdir()?;
/// let signer = CheckpointSigner::from_secret_bytes("shop.example/audit", [1; 32])?;
/// let verifier = signer.verifier();
/// let (log, report) = LogOptions::new().open(dir.path(), signer)?;
/// assert_eq!(report.entries, 0);
///
/// log.record(&AuditEvent::new(Action::PolicyActivated, Outcome::Done))?;
/// let checkpoint = log.checkpoint()?;
/// assert_eq!(checkpoint.checkpoint().size(), 1);
///
/// let proof = log.prove_inclusion(0)?;
/// proof.verify_entry(&log.entry(0)?)?;
/// let report = custodian::audit::verify(dir.path(), &verifier, None)?;
/// assert!(report.is_verified());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FileLog {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

struct Shared {
    dir: PathBuf,
    signer: CheckpointSigner,
    durability: Durability,
    state: Mutex<State>,
    stop: Mutex<bool>,
    wake: Condvar,
}

struct State {
    entries: File,
    reader: File,
    end: u64,
    tree: Tree,
    offsets: Vec<u64>,
    /// Framed records appended but not yet handed to the OS (batched
    /// durability only); `end` counts them.
    pending: Vec<u8>,
    unsynced: u32,
    oldest_unsynced: Option<Instant>,
    poisoned: bool,
    checkpoints: File,
    history: History,
}

/// Every signed checkpoint, in the order of the checkpoints file.
#[derive(Default)]
struct History {
    all: Vec<SignedCheckpoint>,
    /// Position of the latest: the largest size, the later of equals.
    latest: Option<usize>,
}

impl History {
    fn len(&self) -> u64 {
        self.all.len() as u64
    }

    fn push(&mut self, signed: SignedCheckpoint) {
        let size = signed.checkpoint().size();
        if self.latest().is_none_or(|l| l.checkpoint().size() <= size) {
            self.latest = Some(self.all.len());
        }
        self.all.push(signed);
    }

    fn latest(&self) -> Option<&SignedCheckpoint> {
        self.latest.and_then(|i| self.all.get(i))
    }
}

/// The result of reading one file without changing it.
struct Scan<T> {
    items: T,
    /// Offset of a partial last record to cut off.
    tail: Option<u64>,
    /// Where the next record goes (after any cut).
    end: u64,
}

impl FileLog {
    fn open_with(
        dir: &Path,
        signer: CheckpointSigner,
        durability: Durability,
    ) -> Result<(Self, OpenReport), LogError> {
        fs::create_dir_all(dir).map_err(LogError::io("creating the directory"))?;
        let entries_path = dir.join(ENTRIES_FILE);
        let checkpoints_path = dir.join(CHECKPOINTS_FILE);
        ensure_file(dir, &entries_path, ENTRIES_MAGIC)?;
        ensure_file(dir, &checkpoints_path, CHECKPOINTS_MAGIC)?;

        // Read both files first, change nothing until both check out: a
        // checkpoint covering a "torn" tail means the tail was not torn.
        let entries = scan_entries(&entries_path)?;
        let (tree, offsets) = entries.items;
        let checkpoints = scan_checkpoints(&checkpoints_path, &signer.verifier(), &tree)?;
        let mut recovered = Vec::new();
        if let Some(offset) = entries.tail {
            recovered.push(cut_tail(dir, &entries_path, ENTRIES_FILE, offset)?);
        }
        if let Some(offset) = checkpoints.tail {
            recovered.push(cut_tail(dir, &checkpoints_path, CHECKPOINTS_FILE, offset)?);
        }
        let history = checkpoints.items;

        let append = |path: &Path| OpenOptions::new().append(true).open(path);
        let state = State {
            entries: append(&entries_path).map_err(LogError::io("opening entries"))?,
            reader: File::open(&entries_path).map_err(LogError::io("opening entries"))?,
            end: entries.end,
            offsets,
            pending: Vec::new(),
            unsynced: 0,
            oldest_unsynced: None,
            poisoned: false,
            checkpoints: append(&checkpoints_path).map_err(LogError::io("opening checkpoints"))?,
            history,
            tree,
        };
        let report = OpenReport {
            entries: state.tree.len(),
            checkpoints: state.history.len(),
            recovered,
        };
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            signer,
            durability,
            state: Mutex::new(state),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        });
        let flusher = match durability {
            Durability::Batched { max_delay, .. } => {
                let shared = Arc::clone(&shared);
                let handle = std::thread::Builder::new()
                    .name("custodian-audit-flush".into())
                    .spawn(move || flush_loop(&shared, max_delay))
                    .map_err(LogError::io("starting the flush thread"))?;
                Some(handle)
            }
            _ => None,
        };
        Ok((Self { shared, flusher }, report))
    }

    /// Appends an entry and returns its index.
    ///
    /// Audit events go through [`AuditSink::record`], which appends their
    /// canonical encoding; `append` is the raw form, for benchmarks and for
    /// hosts logging other closed-form records.
    ///
    /// # Errors
    ///
    /// - [`LogError::EntryTooLarge`] above [`MAX_ENTRY_LEN`];
    /// - [`LogError::Poisoned`] after an earlier failed write;
    /// - [`LogError::Io`] if writing or (per [`Durability`]) syncing fails.
    ///   A failed write of a single entry is rolled back; a failed sync, or
    ///   a failed write of a batch, poisons the log, since acknowledged
    ///   entries may or may not be on disk (reopen to recover).
    ///
    /// # Security
    ///
    /// The bytes are stored as given, in clear, forever: never append
    /// anything that may hold personal data. Events built as
    /// [`AuditEvent`]s cannot.
    pub fn append(&self, entry: &[u8]) -> Result<u64, LogError> {
        if entry.len() > MAX_ENTRY_LEN {
            return Err(LogError::EntryTooLarge { max: MAX_ENTRY_LEN });
        }
        // Hash once, outside the lock; the record is framed straight into
        // the reused pending buffer under it (no allocation per append).
        let leaf = merkle::leaf_hash(entry);
        let mut st = self.write_lock()?;
        let index = st.tree.len();
        let offset = st.end;
        let start = st.pending.len();
        frame::encode_into(&mut st.pending, index, &leaf, entry);
        let len = (st.pending.len() - start) as u64;
        match self.shared.durability {
            Durability::Batched { .. } => {
                if st.pending.len() >= MAX_PENDING {
                    write_pending(&mut st)?;
                }
            }
            Durability::EveryEntry | Durability::OsBuffered => {
                let State {
                    entries, pending, ..
                } = &mut *st;
                let written = entries.write_all(pending);
                pending.clear();
                if let Err(e) = written {
                    // Cut the partial record so the next append starts
                    // clean; if even that fails, stop appending until a
                    // reopen repairs it.
                    if st.entries.set_len(offset).is_err() {
                        st.poisoned = true;
                    }
                    return Err(LogError::Io {
                        op: "appending",
                        source: e,
                    });
                }
            }
        }
        st.end += len;
        // A failed sync reports this entry as failed (it may or may not be
        // on disk; the log is poisoned), so it joins the tree only after.
        self.after_write(&mut st)?;
        st.tree.push(leaf);
        st.offsets.push(offset);
        Ok(index)
    }

    fn after_write(&self, st: &mut State) -> Result<(), LogError> {
        match self.shared.durability {
            Durability::EveryEntry => sync_entries(st),
            Durability::Batched {
                max_entries,
                max_delay,
            } => {
                st.unsynced += 1;
                let oldest = *st.oldest_unsynced.get_or_insert_with(Instant::now);
                if st.unsynced >= max_entries.max(1) || oldest.elapsed() >= max_delay {
                    sync_entries(st)?;
                }
                Ok(())
            }
            Durability::OsBuffered => Ok(()),
        }
    }

    /// Forces every appended entry to stable storage now.
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] if the sync fails (the log is then poisoned);
    /// [`LogError::Poisoned`] after an earlier failure.
    pub fn sync(&self) -> Result<(), LogError> {
        let mut st = self.write_lock()?;
        sync_entries(&mut st)
    }

    /// Signs and stores a checkpoint of the whole log as it is now.
    ///
    /// Entries are synced first, so the checkpoint never covers an entry a
    /// power failure could remove. Export the result to witnesses with
    /// [`SignedCheckpoint::note`].
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] if syncing or storing fails (the log is then
    /// poisoned); [`LogError::Poisoned`] after an earlier failure.
    pub fn checkpoint(&self) -> Result<SignedCheckpoint, LogError> {
        let mut st = self.write_lock()?;
        sync_entries(&mut st)?;
        let signed = self
            .shared
            .signer
            .sign(st.tree.len(), st.tree.root(), Timestamp::now());
        let note = signed.note().as_bytes();
        let record = frame::encode(st.history.len(), &merkle::leaf_hash(note), note);
        let stored = st
            .checkpoints
            .write_all(&record)
            .and_then(|()| st.checkpoints.sync_data());
        if let Err(e) = stored {
            st.poisoned = true;
            return Err(LogError::Io {
                op: "storing a checkpoint",
                source: e,
            });
        }
        st.history.push(signed.clone());
        Ok(signed)
    }

    /// The number of entries.
    pub fn size(&self) -> u64 {
        self.read_lock().tree.len()
    }

    /// The RFC 6962 root of all entries.
    pub fn root(&self) -> Hash {
        self.read_lock().tree.root()
    }

    /// The most recent checkpoint (the one of the largest size), if any
    /// was made.
    pub fn latest_checkpoint(&self) -> Option<SignedCheckpoint> {
        self.read_lock().history.latest().cloned()
    }

    /// Every checkpoint the log has signed, oldest first: the history an
    /// auditor's earlier checkpoints come from, kept in the checkpoints
    /// file and read back on open.
    ///
    /// Each is a [`SignedCheckpoint`] ready to hand out, and any of them
    /// can be proved against with [`prove_inclusion_in`](Self::prove_inclusion_in)
    /// and [`prove_consistency_to`](Self::prove_consistency_to).
    pub fn checkpoints(&self) -> Vec<SignedCheckpoint> {
        self.read_lock().history.all.clone()
    }

    /// What the log looked like at `time`: the last checkpoint signed at or
    /// before it, or `None` if there was none yet.
    ///
    /// Checkpoint times come from the host's clock; if it was set back,
    /// "last" means last in signing order among those at or before `time`.
    pub fn checkpoint_at(&self, time: Timestamp) -> Option<SignedCheckpoint> {
        let st = self.read_lock();
        let at_or_before = |c: &&SignedCheckpoint| c.checkpoint().time() <= time;
        st.history.all.iter().rev().find(at_or_before).cloned()
    }

    /// The public key auditors need.
    pub fn verifier(&self) -> CheckpointVerifier {
        self.shared.signer.verifier()
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Reads entry `index` back from disk, checking it against the leaf
    /// hash recorded when it was appended.
    ///
    /// # Errors
    ///
    /// [`LogError::NoSuchEntry`] past the end; [`LogError::Corrupt`] if
    /// the bytes on disk changed since; [`LogError::Io`] if reading fails.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, LogError> {
        let mut st = self.read_lock();
        if !st.pending.is_empty() {
            if st.poisoned {
                return Err(LogError::Poisoned);
            }
            write_pending(&mut st)?;
        }
        let offset = usize::try_from(index)
            .ok()
            .and_then(|i| st.offsets.get(i).copied())
            .ok_or(LogError::NoSuchEntry)?;
        let expected = st.tree.leaf(index).ok_or(LogError::NoSuchEntry)?;
        let corrupt = LogError::Corrupt {
            file: ENTRIES_FILE,
            index,
        };
        let read = |file: &mut File| -> io::Result<Option<Vec<u8>>> {
            file.seek(SeekFrom::Start(offset))?;
            let mut header = [0u8; RECORD_HEADER_LEN as usize];
            file.read_exact(&mut header)?;
            let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
            if len > MAX_ENTRY_LEN {
                return Ok(None);
            }
            let mut body = vec![0u8; len];
            file.read_exact(&mut body)?;
            Ok(Some(body))
        };
        let body = match read(&mut st.reader) {
            Ok(Some(body)) => body,
            Ok(None) => return Err(corrupt),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(corrupt),
            Err(e) => {
                return Err(LogError::Io {
                    op: "reading an entry",
                    source: e,
                });
            }
        };
        if merkle::leaf_hash(&body) != expected {
            return Err(corrupt);
        }
        Ok(body)
    }

    /// The inclusion proof of entry `index` in the tree of the first
    /// `size` entries.
    ///
    /// # Errors
    ///
    /// [`LogError::Proof`] if `index >= size` or `size` exceeds the log.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, LogError> {
        Ok(self.read_lock().tree.inclusion_proof(index, size)?)
    }

    /// The consistency proof from the first `old` entries to the first
    /// `new`: empty from `old` 0 (every tree extends the empty tree), as in
    /// [`prove_consistency`](Self::prove_consistency).
    ///
    /// # Errors
    ///
    /// [`LogError::Proof`] if `old > new` or `new` exceeds the log.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, LogError> {
        Ok(self.read_lock().tree.consistency_proof(old, new)?)
    }

    /// Entry `index`'s inclusion proof against the latest checkpoint, as a
    /// self-contained [`InclusionBundle`].
    ///
    /// # Errors
    ///
    /// [`LogError::Proof`] ([`ProofError::IndexOutOfRange`]) if there is
    /// no checkpoint yet or it does not cover `index`.
    pub fn prove_inclusion(&self, index: u64) -> Result<InclusionBundle, LogError> {
        let latest = self
            .latest_checkpoint()
            .ok_or(ProofError::IndexOutOfRange)?;
        self.prove_inclusion_in(index, &latest)
    }

    /// Entry `index`'s inclusion proof against `checkpoint`, which may be
    /// any checkpoint of this log: one of [`checkpoints`](Self::checkpoints),
    /// or an auditor's copy of one (witness cosignatures included, which
    /// the bundle then carries).
    ///
    /// # Errors
    ///
    /// - [`LogError::Checkpoint`] ([`CheckpointError::Malformed`],
    ///   `origin`) for another log's checkpoint;
    /// - [`LogError::Proof`]: [`ProofError::SizeBeyondTree`] if it is
    ///   larger than the log, [`ProofError::RootMismatch`] if its root is
    ///   not this log's at its size, [`ProofError::IndexOutOfRange`] if it
    ///   does not cover `index`.
    ///
    /// # Security
    ///
    /// A checkpoint that verifies with this log's key but fails with
    /// [`ProofError::RootMismatch`] means the key signed another history:
    /// treat it as a compromise of the key (see
    /// [`Equivocation`](super::Equivocation)).
    pub fn prove_inclusion_in(
        &self,
        index: u64,
        checkpoint: &SignedCheckpoint,
    ) -> Result<InclusionBundle, LogError> {
        let st = self.read_lock();
        let size = self.size_of_own(&st.tree, checkpoint)?;
        let proof = st.tree.inclusion_proof(index, size)?;
        Ok(InclusionBundle::new(proof, checkpoint.clone())?)
    }

    /// The consistency proof from a tree of `old_size` entries (an
    /// auditor's earlier checkpoint) to the latest checkpoint, as a
    /// [`ConsistencyBundle`] (the C2SP witness request body). From
    /// `old_size` 0 the proof is empty (`old 0`).
    ///
    /// # Errors
    ///
    /// [`LogError::Proof`] if there is no checkpoint yet, or `old_size` is
    /// larger than it.
    pub fn prove_consistency(&self, old_size: u64) -> Result<ConsistencyBundle, LogError> {
        let latest = self.latest_checkpoint().ok_or(ProofError::SizeBeyondTree)?;
        self.prove_consistency_to(old_size, &latest)
    }

    /// The consistency proof from a tree of `old_size` entries to
    /// `checkpoint`, which may be any checkpoint of this log (see
    /// [`prove_inclusion_in`](Self::prove_inclusion_in)): an auditor holding
    /// an old checkpoint catches up to any later one.
    ///
    /// # Errors
    ///
    /// As [`prove_inclusion_in`](Self::prove_inclusion_in), with
    /// [`ProofError::SizeOrder`] if `old_size` is larger than the
    /// checkpoint.
    pub fn prove_consistency_to(
        &self,
        old_size: u64,
        checkpoint: &SignedCheckpoint,
    ) -> Result<ConsistencyBundle, LogError> {
        let st = self.read_lock();
        let size = self.size_of_own(&st.tree, checkpoint)?;
        let proof = st.tree.consistency_proof(old_size, size)?;
        Ok(ConsistencyBundle::new(proof, checkpoint.clone())?)
    }

    /// The size of `checkpoint` if it is a tree head of this log: its
    /// origin, and its root at its size.
    fn size_of_own(&self, tree: &Tree, checkpoint: &SignedCheckpoint) -> Result<u64, LogError> {
        let c = checkpoint.checkpoint();
        if c.origin() != self.shared.signer.name() {
            return Err(CheckpointError::Malformed { what: "origin" }.into());
        }
        if tree.root_at(c.size())? != c.root() {
            return Err(ProofError::RootMismatch.into());
        }
        Ok(c.size())
    }

    /// Stops the flush thread and syncs, reporting any error (dropping the
    /// log does the same but cannot report).
    ///
    /// # Errors
    ///
    /// [`LogError::Io`] or [`LogError::Poisoned`] if the final sync fails.
    pub fn close(mut self) -> Result<(), LogError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), LogError> {
        if let Some(handle) = self.flusher.take() {
            *self
                .shared
                .stop
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = true;
            self.shared.wake.notify_all();
            // The flush thread does not panic; if it did, the final sync
            // below still runs.
            let _ = handle.join();
        }
        let mut st = self.write_lock()?;
        if st.unsynced > 0 {
            sync_entries(&mut st)
        } else {
            Ok(())
        }
    }

    /// The state for changes: refuses a poisoned log, and treats a mutex
    /// poisoned by a panic the same way.
    fn write_lock(&self) -> Result<MutexGuard<'_, State>, LogError> {
        let st = self.shared.state.lock().map_err(|_| LogError::Poisoned)?;
        if st.poisoned {
            return Err(LogError::Poisoned);
        }
        Ok(st)
    }

    /// The state for reads, which stay valid after a failed write.
    fn read_lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FileLog {
    fn drop(&mut self) {
        // Best effort; `close` reports errors.
        let _ = self.shutdown();
    }
}

impl fmt::Debug for FileLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileLog")
            .field("dir", &self.shared.dir)
            .field("origin", &self.shared.signer.name())
            .field("size", &self.size())
            .field("durability", &self.shared.durability)
            .finish_non_exhaustive()
    }
}

/// The log as a sink: each event's [`AuditEvent::to_json`] bytes become
/// one entry.
impl AuditSink for FileLog {
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        self.append(&event.to_json())
            .map(drop)
            .map_err(SinkError::Log)
    }
}

/// Hands the pending records of a batch to the OS. A failure poisons the
/// log: acknowledged entries may or may not have reached the file.
fn write_pending(st: &mut State) -> Result<(), LogError> {
    let State {
        entries, pending, ..
    } = st;
    let written = entries.write_all(pending);
    pending.clear();
    if let Err(e) = written {
        st.poisoned = true;
        return Err(LogError::Io {
            op: "appending",
            source: e,
        });
    }
    Ok(())
}

fn sync_entries(st: &mut State) -> Result<(), LogError> {
    write_pending(st)?;
    if let Err(e) = st.entries.sync_data() {
        st.poisoned = true;
        return Err(LogError::Io {
            op: "syncing",
            source: e,
        });
    }
    st.unsynced = 0;
    st.oldest_unsynced = None;
    Ok(())
}

fn flush_loop(shared: &Shared, max_delay: Duration) {
    let mut stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
    while !*stop {
        stop = match shared.wake.wait_timeout(stop, max_delay) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        };
        if *stop {
            break;
        }
        // Sync without holding the stop lock.
        drop(stop);
        if let Ok(mut st) = shared.state.lock() {
            if !st.poisoned && st.unsynced > 0 {
                // A failure poisons the log; the next append reports it.
                let _ = sync_entries(&mut st);
            }
        }
        stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
    }
}

/// Creates `path` holding only `magic`, atomically, if it does not exist.
fn ensure_file(dir: &Path, path: &Path, magic: &[u8; 16]) -> Result<(), LogError> {
    if path.exists() {
        return Ok(());
    }
    let tmp = path.with_extension("new");
    let create = || -> io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(magic)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    };
    create().map_err(LogError::io("creating the log files"))
}

fn open_reader(
    path: &Path,
    magic: &[u8; 16],
    max: usize,
    file: &'static str,
) -> Result<Reader, LogError> {
    let f = File::open(path).map_err(LogError::io("reading the log"))?;
    Reader::new(f, magic, max)
        .map_err(LogError::io("reading the log"))?
        .ok_or(LogError::NotALog { file })
}

fn scan_entries(path: &Path) -> Result<Scan<(Tree, Vec<u64>)>, LogError> {
    let mut reader = open_reader(path, ENTRIES_MAGIC, MAX_ENTRY_LEN, ENTRIES_FILE)?;
    let (mut tree, mut offsets) = (Tree::new(), Vec::new());
    let tail = loop {
        let corrupt = LogError::Corrupt {
            file: ENTRIES_FILE,
            index: tree.len(),
        };
        match reader
            .next_record()
            .map_err(LogError::io("reading the log"))?
        {
            Next::End => break None,
            Next::Incomplete { offset } => break Some(offset),
            Next::Oversized => return Err(corrupt),
            Next::Record(r) => match r.check(tree.len()) {
                Ok(leaf) => {
                    offsets.push(r.offset);
                    tree.push(leaf);
                }
                Err(_) if r.is_torn() => break Some(r.offset),
                Err(_) => return Err(corrupt),
            },
        }
    };
    let end = tail.unwrap_or(reader.offset());
    Ok(Scan {
        items: (tree, offsets),
        tail,
        end,
    })
}

fn scan_checkpoints(
    path: &Path,
    verifier: &CheckpointVerifier,
    tree: &Tree,
) -> Result<Scan<History>, LogError> {
    let mut reader = open_reader(path, CHECKPOINTS_MAGIC, MAX_NOTE_LEN, CHECKPOINTS_FILE)?;
    let mut history = History::default();
    let tail = loop {
        let count = history.len();
        let corrupt = || LogError::Corrupt {
            file: CHECKPOINTS_FILE,
            index: count,
        };
        match reader
            .next_record()
            .map_err(LogError::io("reading the log"))?
        {
            Next::End => break None,
            Next::Incomplete { offset } => break Some(offset),
            Next::Oversized => return Err(corrupt()),
            Next::Record(r) => {
                if r.check(count).is_err() {
                    if r.is_torn() {
                        break Some(r.offset);
                    }
                    return Err(corrupt());
                }
                let note = std::str::from_utf8(&r.body).map_err(|_| corrupt())?;
                let signed = SignedCheckpoint::parse(note, verifier).map_err(|_| corrupt())?;
                let c = signed.checkpoint();
                if c.size() > tree.len() {
                    // Entries the log signed for are gone.
                    return Err(LogError::Corrupt {
                        file: ENTRIES_FILE,
                        index: tree.len(),
                    });
                }
                if tree.root_at(c.size()).ok() != Some(c.root()) {
                    return Err(corrupt());
                }
                history.push(signed);
            }
        }
    };
    let end = tail.unwrap_or(reader.offset());
    Ok(Scan {
        items: history,
        tail,
        end,
    })
}

/// Saves the bytes from `offset` to the end beside the log, then cuts them.
fn cut_tail(
    dir: &Path,
    path: &Path,
    file: &'static str,
    offset: u64,
) -> Result<Recovered, LogError> {
    let io = LogError::io("recovering a partial record");
    let run = || -> io::Result<Recovered> {
        let mut f = OpenOptions::new().read(true).write(true).open(path)?;
        let len = f.metadata()?.len() - offset;
        f.seek(SeekFrom::Start(offset))?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        let saved_to = dir.join(format!("{file}.torn-{offset}"));
        let mut saved = File::create(&saved_to)?;
        saved.write_all(&bytes)?;
        saved.sync_all()?;
        f.set_len(offset)?;
        f.sync_all()?;
        sync_dir(dir)?;
        Ok(Recovered {
            file,
            offset,
            len,
            saved_to,
        })
    };
    run().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log batching up to 1000 entries for `max_delay`.
    fn batched_log(dir: &Path, max_delay: Duration) -> FileLog {
        let durability = Durability::Batched {
            max_entries: 1000,
            max_delay,
        };
        let (log, _) = LogOptions::new()
            .durability(durability)
            .open(dir, signer())
            .unwrap();
        log
    }

    fn signer() -> CheckpointSigner {
        CheckpointSigner::from_secret_bytes("test.example/log", [4; 32]).unwrap()
    }

    #[test]
    fn reopen_keeps_entries_and_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _) = LogOptions::new().open(dir.path(), signer()).unwrap();
        for i in 0..10u8 {
            assert_eq!(log.append(&[i; 3]).unwrap(), u64::from(i));
        }
        let cp = log.checkpoint().unwrap();
        let root = log.root();
        drop(log);
        let (log, report) = LogOptions::new().open(dir.path(), signer()).unwrap();
        assert_eq!((report.entries, report.checkpoints), (10, 1));
        assert!(report.recovered.is_empty());
        assert_eq!(log.root(), root);
        assert_eq!(log.latest_checkpoint(), Some(cp));
        assert_eq!(log.entry(7).unwrap(), vec![7; 3]);
        assert!(matches!(log.entry(10), Err(LogError::NoSuchEntry)));
    }

    #[test]
    fn a_different_key_cannot_open_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _) = LogOptions::new().open(dir.path(), signer()).unwrap();
        log.append(b"x").unwrap();
        log.checkpoint().unwrap();
        drop(log);
        let other = CheckpointSigner::from_secret_bytes("test.example/log", [5; 32]).unwrap();
        assert!(matches!(
            LogOptions::new().open(dir.path(), other),
            Err(LogError::Corrupt {
                file: CHECKPOINTS_FILE,
                index: 0
            })
        ));
    }

    #[test]
    fn oversized_entries_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _) = LogOptions::new().open(dir.path(), signer()).unwrap();
        assert!(matches!(
            log.append(&vec![0; MAX_ENTRY_LEN + 1]),
            Err(LogError::EntryTooLarge { .. })
        ));
        assert_eq!(log.size(), 0);
    }

    #[test]
    fn batched_durability_syncs_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let log = batched_log(dir.path(), Duration::from_millis(5));
        log.append(b"a").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while log.read_lock().unsynced > 0 {
            assert!(Instant::now() < deadline, "the flush thread never synced");
            std::thread::sleep(Duration::from_millis(1));
        }
        log.close().unwrap();
    }

    #[test]
    fn a_batch_waits_in_the_process_until_synced_or_read() {
        let dir = tempfile::tempdir().unwrap();
        let log = batched_log(dir.path(), Duration::from_secs(3600));
        let file_len = || fs::metadata(dir.path().join(ENTRIES_FILE)).unwrap().len();
        for i in 0..3u8 {
            log.append(&[i; 10]).unwrap();
        }
        assert_eq!(file_len(), 16, "only the magic is on disk");
        // Reading an entry writes the batch out first.
        assert_eq!(log.entry(1).unwrap(), vec![1; 10]);
        assert_eq!(file_len(), 16 + 3 * (RECORD_HEADER_LEN + 10));
        log.append(b"more").unwrap();
        log.sync().unwrap();
        assert_eq!(
            file_len(),
            16 + 3 * (RECORD_HEADER_LEN + 10) + RECORD_HEADER_LEN + 4
        );
        assert_eq!(log.read_lock().unsynced, 0);
        log.close().unwrap();
    }

    #[test]
    fn a_full_batch_buffer_is_handed_to_the_os_early() {
        let dir = tempfile::tempdir().unwrap();
        let log = batched_log(dir.path(), Duration::from_secs(3600));
        let entry = vec![7u8; 1000];
        let per_buffer = MAX_PENDING / (RECORD_HEADER_LEN as usize + entry.len()) + 1;
        for _ in 0..per_buffer {
            log.append(&entry).unwrap();
        }
        let on_disk = fs::metadata(dir.path().join(ENTRIES_FILE)).unwrap().len();
        assert!(on_disk >= MAX_PENDING as u64, "{on_disk}");
        assert!(log.read_lock().unsynced > 0, "written, not yet synced");
        log.close().unwrap();
    }

    #[test]
    fn files_with_another_magic_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ENTRIES_FILE), b"not a custodian log at all").unwrap();
        assert!(matches!(
            LogOptions::new().open(dir.path(), signer()),
            Err(LogError::NotALog { file: ENTRIES_FILE })
        ));
    }
}
