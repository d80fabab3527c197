//! Crashes mid-write: reopening reports the partial last record, saves
//! and cuts it, keeps every complete entry, and appending continues.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use custodian::audit::{
    Action, AuditEvent, AuditSink, CHECKPOINTS_FILE, Durability, ENTRIES_FILE, LogError,
    LogOptions, Outcome, Recovered, Verdict, merkle, verify,
};

use crate::common::signer;

/// The record the log would write for `body` at `index` (the documented
/// framing, built independently of the crate).
fn record(index: u64, body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&index.to_be_bytes());
    out.extend_from_slice(merkle::leaf_hash(body).as_bytes());
    out.extend_from_slice(body);
    out
}

fn log_of_five(dir: &Path) -> u64 {
    let (log, _) = LogOptions::new().open(dir, signer()).unwrap();
    for i in 0..5u8 {
        log.append(&[b'e', i]).unwrap();
    }
    log.checkpoint().unwrap();
    log.close().unwrap();
    fs::metadata(dir.join(ENTRIES_FILE)).unwrap().len()
}

fn append_raw(path: &Path, bytes: &[u8]) {
    OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

fn reopen_recovers(dir: &Path, file: &'static str, offset: u64, garbage: &[u8]) {
    let (log, report) = LogOptions::new().open(dir, signer()).unwrap();
    assert_eq!(report.entries, 5);
    let saved_to = dir.join(format!("{file}.torn-{offset}"));
    assert_eq!(
        report.recovered,
        vec![Recovered {
            file,
            offset,
            len: garbage.len() as u64,
            saved_to: saved_to.clone()
        }]
    );
    assert_eq!(
        fs::read(&saved_to).unwrap(),
        garbage,
        "the cut bytes are kept for inspection"
    );
    // No complete entry was lost, and appending continues after them.
    for i in 0..5u8 {
        assert_eq!(log.entry(u64::from(i)).unwrap(), vec![b'e', i]);
    }
    assert_eq!(log.append(b"after the crash").unwrap(), 5);
    log.checkpoint().unwrap();
    drop(log);
    let report = verify(dir, &signer().verifier(), None).unwrap();
    assert!(
        matches!(report.verdict, Verdict::Verified { size: 6, .. }),
        "{report}"
    );
    assert!(report.torn.is_empty());
}

#[test]
fn every_cut_point_of_a_record_is_recovered() {
    let full = record(5, b"an entry that never finished");
    for cut in [1, 4, 11, 43, 44, 45, full.len() - 1] {
        let dir = tempfile::tempdir().unwrap();
        let end = log_of_five(dir.path());
        append_raw(&dir.path().join(ENTRIES_FILE), &full[..cut]);
        // Before reopening, an auditor sees the remnant but no break.
        let report = verify(dir.path(), &signer().verifier(), None).unwrap();
        assert_eq!(report.torn, vec![(ENTRIES_FILE, end)], "cut {cut}");
        assert!(report.is_verified());
        reopen_recovers(dir.path(), ENTRIES_FILE, end, &full[..cut]);
    }
}

#[test]
fn a_full_length_record_whose_data_never_landed_is_recovered() {
    // The file grew but the data blocks read back as zeros.
    let mut torn = record(5, b"lost data");
    torn[12..].fill(0);
    let dir = tempfile::tempdir().unwrap();
    let end = log_of_five(dir.path());
    append_raw(&dir.path().join(ENTRIES_FILE), &torn);
    reopen_recovers(dir.path(), ENTRIES_FILE, end, &torn);

    let zeros = [0u8; 44];
    let dir = tempfile::tempdir().unwrap();
    let end = log_of_five(dir.path());
    append_raw(&dir.path().join(ENTRIES_FILE), &zeros);
    reopen_recovers(dir.path(), ENTRIES_FILE, end, &zeros);
}

#[test]
fn a_partial_checkpoint_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    let path = dir.path().join(CHECKPOINTS_FILE);
    let end = fs::metadata(&path).unwrap().len();
    let garbage = record(1, b"half a note")[..30].to_vec();
    append_raw(&path, &garbage);
    reopen_recovers(dir.path(), CHECKPOINTS_FILE, end, &garbage);
}

#[test]
fn damage_before_the_last_record_is_not_a_crash() {
    // Two zeroed records: the first is not the last, so this is not a torn
    // write and the log refuses to guess.
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    append_raw(&dir.path().join(ENTRIES_FILE), &[0u8; 88]);
    assert!(matches!(
        LogOptions::new().open(dir.path(), signer()),
        Err(LogError::Corrupt {
            file: ENTRIES_FILE,
            index: 5
        })
    ));
}

#[test]
fn an_impossible_length_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    let mut header = u32::MAX.to_be_bytes().to_vec();
    header.extend_from_slice(&[0u8; 40]);
    header.extend_from_slice(&[1u8; 100]);
    append_raw(&dir.path().join(ENTRIES_FILE), &header);
    assert!(matches!(
        LogOptions::new().open(dir.path(), signer()),
        Err(LogError::Corrupt {
            file: ENTRIES_FILE,
            index: 5
        })
    ));
}

#[test]
fn a_crash_at_every_byte_of_the_last_entry_loses_nothing_complete() {
    // A log written by the crate: five checkpointed entries and a last,
    // unsigned event whose write a crash may cut anywhere.
    let dir = tempfile::tempdir().unwrap();
    let start = log_of_five(dir.path());
    let (log, _) = LogOptions::new()
        .durability(Durability::OsBuffered)
        .open(dir.path(), signer())
        .unwrap();
    let last = AuditEvent::new(Action::SubjectKeyForgotten, Outcome::Done).with_count(1);
    log.record(&last).unwrap();
    log.close().unwrap();
    let entries = fs::read(dir.path().join(ENTRIES_FILE)).unwrap();
    let checkpoints = fs::read(dir.path().join(CHECKPOINTS_FILE)).unwrap();
    let end = entries.len() as u64;
    assert_eq!(end - start, 44 + last.to_json().len() as u64);

    for cut in start..end {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ENTRIES_FILE), &entries[..cut as usize]).unwrap();
        fs::write(dir.path().join(CHECKPOINTS_FILE), &checkpoints).unwrap();
        let (log, report) = LogOptions::new()
            .durability(Durability::OsBuffered)
            .open(dir.path(), signer())
            .unwrap();
        assert_eq!(report.entries, 5, "cut at {cut}");
        let expected: Vec<(u64, u64)> = if cut == start {
            Vec::new()
        } else {
            vec![(start, cut - start)]
        };
        let found: Vec<(u64, u64)> = report.recovered.iter().map(|r| (r.offset, r.len)).collect();
        assert_eq!(found, expected, "cut at {cut}");
        for i in 0..5u8 {
            assert_eq!(
                log.entry(u64::from(i)).unwrap(),
                vec![b'e', i],
                "cut at {cut}"
            );
        }
        assert_eq!(log.append(b"after the crash").unwrap(), 5, "cut at {cut}");
        // The tree continues from the complete entries (computed here from
        // their bytes), so later checkpoints cover exactly them.
        let mut tree = merkle::Tree::new();
        for i in 0..5u8 {
            tree.push(merkle::leaf_hash(&[b'e', i]));
        }
        tree.push(merkle::leaf_hash(b"after the crash"));
        assert_eq!(log.root(), tree.root(), "cut at {cut}");
        // Signing syncs, so only the last cut signs a checkpoint over the
        // new entry; the others verify against the stored one of size 5,
        // with the new entry a sound record after it.
        let signed = (cut + 1 == end).then(|| log.checkpoint().unwrap());
        log.close().unwrap();
        let report = verify(dir.path(), &signer().verifier(), signed.as_ref()).unwrap();
        let size = if signed.is_some() { 6 } else { 5 };
        assert!(
            matches!(report.verdict, Verdict::Verified { size: s, .. } if s == size),
            "cut at {cut}: {report}"
        );
        assert_eq!(report.entries, 6, "cut at {cut}: {report}");
        assert!(report.torn.is_empty(), "cut at {cut}: {report}");
    }
}
