//! Tampering with a log on disk: verify names the first broken entry, and
//! the log refuses to open for appending.
//!
//! The record framing is parsed here independently of the crate, from the
//! format documented in `custodian::audit::formats`.

use std::fs;
use std::path::Path;

use custodian::audit::{
    Action, AuditEvent, AuditSink, CHECKPOINTS_FILE, ENTRIES_FILE, FileLog, LogError, LogOptions,
    Outcome, Problem, SignedCheckpoint, Verdict, verify,
};
use custodian::time::Timestamp;
use sha2::{Digest, Sha256};

use crate::common::{open_fails_at, signer};

const MAGIC_LEN: usize = 16;

/// Splits a log file into its magic and raw records.
fn split(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut records = Vec::new();
    let mut at = MAGIC_LEN;
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        records.push(bytes[at..at + 44 + len].to_vec());
        at += 44 + len;
    }
    (bytes[..MAGIC_LEN].to_vec(), records)
}

fn join(magic: &[u8], records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = magic.to_vec();
    for r in records {
        out.extend_from_slice(r);
    }
    out
}

/// Rewrites a record's check value to match its (edited) body, as a
/// careful forger would.
fn refresh_check(record: &mut [u8]) {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(&record[44..]);
    record[12..44].copy_from_slice(&h.finalize());
}

fn edit_file(dir: &Path, file: &str, f: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let path = dir.join(file);
    let (magic, mut records) = split(&fs::read(&path).unwrap());
    f(&mut records);
    fs::write(&path, join(&magic, &records)).unwrap();
}

/// A log of 20 events with checkpoints at 10 and 20; returns the last.
fn log_with_checkpoints(dir: &Path) -> SignedCheckpoint {
    let (log, _) = LogOptions::new().open(dir, signer()).unwrap();
    let mut last = None;
    for i in 0..20u64 {
        let event = AuditEvent::new(Action::Reveal, Outcome::Allowed)
            .at(Timestamp::from_unix_millis(1_700_000_000_000 + i).unwrap())
            .with_count(i);
        log.record(&event).unwrap();
        if i == 9 || i == 19 {
            last = Some(log.checkpoint().unwrap());
        }
    }
    last.unwrap()
}

fn verdict(dir: &Path, trusted: Option<&SignedCheckpoint>) -> Verdict {
    verify(dir, &signer().verifier(), trusted).unwrap().verdict
}

fn broken(entry: u64, problem: Problem) -> Verdict {
    Verdict::Broken { entry, problem }
}

#[test]
fn untouched_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let last = log_with_checkpoints(dir.path());
    let report = verify(dir.path(), &signer().verifier(), Some(&last)).unwrap();
    assert_eq!(
        report.verdict,
        Verdict::Verified {
            size: 20,
            root: last.checkpoint().root()
        }
    );
    assert_eq!((report.entries, report.checkpoints), (20, 3));
    assert!(report.to_string().starts_with("OK: 20 entries"), "{report}");
}

#[test]
fn an_edited_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| {
        let last = r[13].len() - 3;
        r[13][last] ^= 0x01;
    });
    assert_eq!(verdict(dir.path(), None), broken(13, Problem::Altered));
    open_fails_at(dir.path(), ENTRIES_FILE, 13);
}

#[test]
fn the_first_of_several_breaks_is_named() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| {
        r[13][50] ^= 0x20;
        r[5][50] ^= 0x20;
    });
    assert_eq!(verdict(dir.path(), None), broken(5, Problem::Altered));
}

#[test]
fn a_deleted_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| {
        r.remove(13);
    });
    assert_eq!(
        verdict(dir.path(), None),
        broken(13, Problem::OutOfSequence { found: 14 })
    );
    open_fails_at(dir.path(), ENTRIES_FILE, 13);
}

#[test]
fn an_inserted_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| {
        let copy = r[4].clone();
        r.insert(13, copy);
    });
    assert_eq!(
        verdict(dir.path(), None),
        broken(13, Problem::OutOfSequence { found: 4 })
    );
    open_fails_at(dir.path(), ENTRIES_FILE, 13);
}

#[test]
fn reordered_entries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| r.swap(13, 14));
    assert_eq!(
        verdict(dir.path(), None),
        broken(13, Problem::OutOfSequence { found: 14 })
    );
}

#[test]
fn a_truncated_log_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let last = log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| r.truncate(17));
    assert_eq!(
        verdict(dir.path(), None),
        broken(17, Problem::Truncated { expected: 20 })
    );
    open_fails_at(dir.path(), ENTRIES_FILE, 17);

    // A forger who also drops the checkpoints that cover the cut fools the
    // stored checkpoints, not an auditor holding the latest one.
    edit_file(dir.path(), CHECKPOINTS_FILE, |r| r.truncate(1));
    assert!(matches!(
        verdict(dir.path(), None),
        Verdict::Verified { size: 10, .. }
    ));
    assert_eq!(
        verdict(dir.path(), Some(&last)),
        broken(17, Problem::Truncated { expected: 20 })
    );
}

#[test]
fn a_careful_forger_is_caught_by_the_signed_root() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| {
        let body_end = r[15].len() - 3;
        r[15][body_end] ^= 0x01;
        refresh_check(&mut r[15]);
    });
    // The break lies between the last good checkpoint (10) and the first
    // bad one (20).
    assert_eq!(
        verdict(dir.path(), None),
        broken(
            10,
            Problem::RootMismatch {
                checkpoint_size: 20
            }
        )
    );
    open_fails_at(dir.path(), CHECKPOINTS_FILE, 1);
}

#[test]
fn a_tampered_last_entry_is_not_mistaken_for_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), ENTRIES_FILE, |r| r[19][50] ^= 0x01);
    assert_eq!(verdict(dir.path(), None), broken(19, Problem::Altered));
    // The checkpoint covers it, so opening must not "recover" it away.
    open_fails_at(dir.path(), ENTRIES_FILE, 19);
}

#[test]
fn a_forged_checkpoint_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    edit_file(dir.path(), CHECKPOINTS_FILE, |r| {
        // Claim a bigger tree in checkpoint 0 and fix the record framing.
        let note = String::from_utf8(r[0][44..].to_vec()).unwrap();
        let forged = note.replacen("\n10\n", "\n11\n", 1);
        let mut record = r[0][..44].to_vec();
        record[..4].copy_from_slice(&(forged.len() as u32).to_be_bytes());
        record.extend_from_slice(forged.as_bytes());
        refresh_check(&mut record);
        r[0] = record;
    });
    assert!(matches!(
        verdict(dir.path(), None),
        Verdict::BadCheckpoint { index: 0, .. }
    ));
    open_fails_at(dir.path(), CHECKPOINTS_FILE, 0);
}

#[test]
fn a_checkpoint_from_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    let other =
        custodian::audit::CheckpointSigner::from_secret_bytes("test.example/audit", [1; 32])
            .unwrap();
    let forged = other.sign(20, custodian::audit::merkle::empty_root(), Timestamp::EPOCH);
    assert!(verify(dir.path(), &signer().verifier(), Some(&forged)).is_err());
}

#[test]
fn a_replaced_file_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    let path = dir.path().join(ENTRIES_FILE);
    let mut bytes = fs::read(&path).unwrap();
    bytes[0] ^= 0x01;
    fs::write(&path, bytes).unwrap();
    assert!(matches!(
        verify(dir.path(), &signer().verifier(), None),
        Err(LogError::NotALog { file: ENTRIES_FILE })
    ));
}

#[test]
fn reading_an_entry_edited_after_open_fails() {
    let dir = tempfile::tempdir().unwrap();
    log_with_checkpoints(dir.path());
    let (log, _): (FileLog, _) = LogOptions::new().open(dir.path(), signer()).unwrap();
    assert!(log.entry(3).is_ok());
    edit_file(dir.path(), ENTRIES_FILE, |r| r[3][50] ^= 0x01);
    assert!(matches!(
        log.entry(3),
        Err(LogError::Corrupt { index: 3, .. })
    ));
}
