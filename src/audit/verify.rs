//! Verifying a log directory from its files alone; documented on [`verify()`].

use core::fmt;
use std::fs::File;
use std::path::Path;

use super::checkpoint::{
    Checkpoint, CheckpointVerifier, Equivocation, MAX_NOTE_LEN, SignedCheckpoint,
};
use super::error::{CheckpointError, LogError};
use super::file_log::{CHECKPOINTS_FILE, ENTRIES_FILE, MAX_ENTRY_LEN};
use super::frame::{CHECKPOINTS_MAGIC, ENTRIES_MAGIC, Fault, Next, Reader};
use super::merkle::{self, Frontier, Hash};

/// The result of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Entries read and found sound before the verdict.
    pub entries: u64,
    /// Signed checkpoints checked (stored ones plus a trusted one).
    pub checkpoints: u64,
    /// Partial last records left by a crash: (file, offset).
    pub torn: Vec<(&'static str, u64)>,
    /// The outcome.
    pub verdict: Verdict,
}

impl Report {
    /// Whether the log verified against a signed checkpoint.
    pub fn is_verified(&self) -> bool {
        matches!(self.verdict, Verdict::Verified { .. })
    }
}

/// What [`verify`] concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Every entry up to `size` matches the latest signed checkpoint.
    /// Entries after it (up to [`Report::entries`]) are sound records but
    /// not yet signed.
    Verified {
        /// The checkpoint's size.
        size: u64,
        /// Its root hash.
        root: Hash,
    },
    /// The records are sound but there is no checkpoint to check them
    /// against: nothing is attested yet.
    Unsigned,
    /// The log breaks at `entry`.
    Broken {
        /// The first broken entry (index from 0).
        entry: u64,
        /// How.
        problem: Problem,
    },
    /// Two signed checkpoints (stored ones or the trusted one) commit to
    /// different trees of the same size: the log showed two histories.
    /// Checked before any entry is read; the evidence holds both.
    Equivocation(Equivocation),
    /// A stored checkpoint does not parse or verify.
    BadCheckpoint {
        /// Its position in the checkpoints file, from 0.
        index: u64,
        /// Why.
        error: CheckpointError,
    },
}

/// How a log is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The entry's bytes do not hash to the leaf hash stored with them.
    Altered,
    /// The record at this position carries another entry's index: entries
    /// were deleted, inserted or reordered here.
    OutOfSequence {
        /// The index found.
        found: u64,
    },
    /// The record claims an impossible length; nothing after it can be
    /// read.
    Unreadable,
    /// The file ends before the entries a checkpoint covers.
    Truncated {
        /// How many entries the checkpoint covers.
        expected: u64,
    },
    /// The entries recompute to a different root than a signed checkpoint
    /// of this size.
    RootMismatch {
        /// The checkpoint's size.
        checkpoint_size: u64,
    },
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.verdict {
            Verdict::Verified { size, root } => {
                write!(
                    f,
                    "OK: {} entries; checkpoint of size {size} verified, root {root}",
                    self.entries
                )?;
                let unsigned = self.entries - size;
                if unsigned > 0 {
                    write!(f, "; {unsigned} later entries not yet checkpointed")?;
                }
            }
            Verdict::Unsigned => {
                write!(
                    f,
                    "UNVERIFIED: {} sound entries but no signed checkpoint",
                    self.entries
                )?;
            }
            Verdict::Broken { entry, problem } => {
                write!(f, "BROKEN at entry {entry}: ")?;
                match problem {
                    Problem::Altered => write!(f, "its bytes were altered")?,
                    Problem::OutOfSequence { found } => {
                        write!(
                            f,
                            "found entry {found} there (deleted, inserted or reordered)"
                        )?;
                    }
                    Problem::Unreadable => write!(f, "unreadable record")?,
                    Problem::Truncated { expected } => {
                        write!(
                            f,
                            "the log ends there but a checkpoint covers {expected} entries"
                        )?;
                    }
                    Problem::RootMismatch { checkpoint_size } => write!(
                        f,
                        "entries {entry}..{checkpoint_size} do not match the signed root of size {checkpoint_size}"
                    )?,
                }
            }
            Verdict::Equivocation(evidence) => write!(
                f,
                "EQUIVOCATION: the log signed two different trees of size {}: root {} and root {}",
                evidence.size(),
                evidence.first().checkpoint().root(),
                evidence.second().checkpoint().root()
            )?,
            Verdict::BadCheckpoint { index, error } => {
                write!(f, "BROKEN: stored checkpoint {index}: {error}")?;
            }
        }
        for (file, offset) in &self.torn {
            write!(
                f,
                "; partial record at the end of {file} (offset {offset}), left by a crash"
            )?;
        }
        Ok(())
    }
}

/// Verifies a log directory from its files alone.
///
/// It reads the `entries` and `checkpoints` files of a log (read
/// only; it never repairs anything), recomputes every leaf hash and the
/// RFC 6962 root at every checkpointed size, and checks each checkpoint's
/// Ed25519 signature. It needs only the log's public key; an auditor
/// should also pass the latest checkpoint they hold themselves (or a
/// witness holds), since a checkpoint kept only inside the directory can
/// be deleted together with the entries it covers.
///
/// Before reading any entry it compares the checkpoints with each other:
/// two of one size with different roots are [`Verdict::Equivocation`],
/// whatever the entries say, since no single history explains both. Then
/// it stops at the first problem and names the first broken entry:
///
/// | tampering | reported as |
/// |---|---|
/// | an entry's bytes edited | [`Problem::Altered`] at that entry |
/// | an entry deleted, even the second-to-last and unsigned | [`Problem::OutOfSequence`] at its position (the next entry's index is found there) |
/// | an entry inserted | [`Problem::OutOfSequence`] at the insertion point |
/// | entries reordered | [`Problem::OutOfSequence`] at the first moved position |
/// | entries cut from the end | [`Problem::Truncated`] at the first missing entry |
/// | edits with rewritten record metadata | [`Problem::RootMismatch`]: the first broken entry is at or after the reported one and before the checkpoint's size |
///
/// The last row is the limit of any unkeyed check: someone who rewrites
/// the record framing consistently is still caught by the signed root, but
/// only a checkpoint pins the place; sign checkpoints often to narrow it.
/// A torn tail at the end of a file (a record cut short, zeros where a
/// record's data never landed, or a last record whose body fails its check
/// value; see [`FileLog`](super::FileLog#crashes)) that no checkpoint
/// covers is a crash remnant, not tampering: it is reported in
/// [`Report::torn`] and verification continues.
///
/// `trusted` is a checkpoint the caller holds independently (from a
/// witness or an earlier audit); it is checked with `verifier` like the
/// stored ones and the log must contain everything it covers.
///
/// # Errors
///
/// Only when verification cannot run: [`LogError::Io`] if the files cannot
/// be read, [`LogError::NotALog`] for a wrong magic, and
/// [`LogError::Checkpoint`] if `trusted` does not verify with `verifier`.
/// Everything wrong with the log itself is in the [`Report`].
///
/// # Examples
///
/// ```
/// use custodian::audit::{CheckpointSigner, LogOptions, Verdict, verify};
///
/// let dir = tempfile::tempdir()?;
/// let signer = CheckpointSigner::from_secret_bytes("shop.example/audit", [3; 32])?;
/// let verifier = signer.verifier();
/// let (log, _) = LogOptions::new().open(dir.path(), signer)?;
/// log.append(b"an entry")?;
/// let held_by_auditor = log.checkpoint()?;
/// drop(log);
///
/// let report = verify(dir.path(), &verifier, Some(&held_by_auditor))?;
/// assert!(matches!(report.verdict, Verdict::Verified { size: 1, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(
    dir: &Path,
    verifier: &CheckpointVerifier,
    trusted: Option<&SignedCheckpoint>,
) -> Result<Report, LogError> {
    let mut signed = Vec::new();
    if let Some(t) = trusted {
        t.verify(verifier)?;
        signed.push(t.clone());
    }
    let mut torn = Vec::new();
    let stored = read_checkpoints(dir, verifier, &mut signed, &mut torn)?;
    let count = signed.len() as u64;
    let report = |entries, torn, verdict| Report {
        entries,
        checkpoints: count,
        torn,
        verdict,
    };
    if let Err(verdict) = stored {
        return Ok(report(0, torn, verdict));
    }
    // Stable: the trusted checkpoint stays first among those of its size.
    signed.sort_by_key(|c| c.checkpoint().size());
    if let Some(evidence) = first_equivocation(&signed) {
        return Ok(report(0, torn, Verdict::Equivocation(evidence)));
    }
    let checkpoints: Vec<&Checkpoint> = signed.iter().map(SignedCheckpoint::checkpoint).collect();
    let target = checkpoints.last().map(|c| (c.size(), c.root()));
    let covered = target.map_or(0, |(size, _)| size);

    let file = File::open(dir.join(ENTRIES_FILE)).map_err(LogError::io("reading entries"))?;
    let mut reader = Reader::new(file, ENTRIES_MAGIC, MAX_ENTRY_LEN)
        .map_err(LogError::io("reading entries"))?
        .ok_or(LogError::NotALog { file: ENTRIES_FILE })?;
    let mut frontier = Frontier::new();
    let mut pending = checkpoints.iter().peekable();
    let mut last_good = 0;
    let broken = |entry, problem| Verdict::Broken { entry, problem };

    // Checkpoints of the empty tree are checked before any entry.
    while let Some(c) = pending.next_if(|c| c.size() == 0) {
        if c.root() != merkle::empty_root() {
            return Ok(report(
                0,
                torn,
                broken(0, Problem::RootMismatch { checkpoint_size: 0 }),
            ));
        }
    }
    loop {
        let at = frontier.len();
        let record = match reader
            .next_record()
            .map_err(LogError::io("reading entries"))?
        {
            Next::End => break,
            Next::Oversized => return Ok(report(at, torn, broken(at, Problem::Unreadable))),
            Next::Incomplete { offset } => {
                if at < covered {
                    return Ok(report(
                        at,
                        torn,
                        broken(at, Problem::Truncated { expected: covered }),
                    ));
                }
                torn.push((ENTRIES_FILE, offset));
                break;
            }
            Next::Record(record) => record,
        };
        match record.check(at) {
            Ok(leaf) => frontier.push(leaf),
            Err(_) if record.is_torn() && at >= covered => {
                torn.push((ENTRIES_FILE, record.offset));
                break;
            }
            Err(Fault::Altered) => return Ok(report(at, torn, broken(at, Problem::Altered))),
            Err(Fault::OutOfSequence { found }) => {
                return Ok(report(
                    at,
                    torn,
                    broken(at, Problem::OutOfSequence { found }),
                ));
            }
        }
        while let Some(c) = pending.next_if(|c| c.size() == frontier.len()) {
            if frontier.root() != c.root() {
                let problem = Problem::RootMismatch {
                    checkpoint_size: c.size(),
                };
                return Ok(report(frontier.len(), torn, broken(last_good, problem)));
            }
            last_good = c.size();
        }
    }
    let entries = frontier.len();
    if entries < covered {
        return Ok(report(
            entries,
            torn,
            broken(entries, Problem::Truncated { expected: covered }),
        ));
    }
    let verdict = match target {
        Some((size, root)) => Verdict::Verified { size, root },
        None => Verdict::Unsigned,
    };
    Ok(report(entries, torn, verdict))
}

/// The first two checkpoints of one size with different roots, in
/// checkpoints sorted by size.
fn first_equivocation(sorted: &[SignedCheckpoint]) -> Option<Equivocation> {
    sorted
        .windows(2)
        .find_map(|pair| Equivocation::between(&pair[0], &pair[1]))
}

/// Reads and verifies the stored checkpoints into `out`. The inner `Err`
/// is a verdict about a bad stored checkpoint.
fn read_checkpoints(
    dir: &Path,
    verifier: &CheckpointVerifier,
    out: &mut Vec<SignedCheckpoint>,
    torn: &mut Vec<(&'static str, u64)>,
) -> Result<Result<(), Verdict>, LogError> {
    let file =
        File::open(dir.join(CHECKPOINTS_FILE)).map_err(LogError::io("reading checkpoints"))?;
    let mut reader = Reader::new(file, CHECKPOINTS_MAGIC, MAX_NOTE_LEN)
        .map_err(LogError::io("reading checkpoints"))?
        .ok_or(LogError::NotALog {
            file: CHECKPOINTS_FILE,
        })?;
    let mut index = 0u64;
    let bad = |index, what| Verdict::BadCheckpoint {
        index,
        error: CheckpointError::Malformed { what },
    };
    loop {
        match reader
            .next_record()
            .map_err(LogError::io("reading checkpoints"))?
        {
            Next::End => return Ok(Ok(())),
            Next::Incomplete { offset } => {
                torn.push((CHECKPOINTS_FILE, offset));
                return Ok(Ok(()));
            }
            Next::Oversized => return Ok(Err(bad(index, "record"))),
            Next::Record(record) => {
                if record.check(index).is_err() {
                    if record.is_torn() {
                        torn.push((CHECKPOINTS_FILE, record.offset));
                        return Ok(Ok(()));
                    }
                    return Ok(Err(bad(index, "record")));
                }
                let Ok(note) = std::str::from_utf8(&record.body) else {
                    return Ok(Err(bad(index, "note")));
                };
                match SignedCheckpoint::parse(note, verifier) {
                    Ok(signed) => out.push(signed),
                    Err(error) => return Ok(Err(Verdict::BadCheckpoint { index, error })),
                }
                index += 1;
            }
        }
    }
}
