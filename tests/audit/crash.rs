//! Crashes mid-write: reopening reports the torn tail (a partial last
//! record, or zeros where its data never landed), saves and cuts it, keeps
//! every complete entry, and appending continues; damage a crash cannot
//! explain is refused.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use custodian::audit::{
    Action, AuditEvent, AuditSink, CHECKPOINTS_FILE, Durability, ENTRIES_FILE, LogOptions,
    MAX_ENTRY_LEN, Outcome, Problem, Recovered, Verdict, merkle, verify,
};

use crate::common::{open_fails_at, signer};

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
    // An altered record followed by a sound one: the damage is not at the
    // end, so this is not a torn write and the log refuses to guess.
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    let mut altered = record(5, b"sixth entry");
    *altered.last_mut().unwrap() ^= 0x01;
    altered.extend_from_slice(&record(6, b"seventh entry"));
    append_raw(&dir.path().join(ENTRIES_FILE), &altered);
    open_fails_at(dir.path(), ENTRIES_FILE, 5);
}

#[test]
fn an_impossible_length_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    let mut header = u32::MAX.to_be_bytes().to_vec();
    header.extend_from_slice(&[0u8; 40]);
    header.extend_from_slice(&[1u8; 100]);
    append_raw(&dir.path().join(ENTRIES_FILE), &header);
    open_fails_at(dir.path(), ENTRIES_FILE, 5);
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

/// The byte offsets of the record boundaries of a log file: after the
/// magic, then after each record.
fn boundaries(bytes: &[u8]) -> Vec<usize> {
    let mut at = 16;
    let mut out = vec![at];
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 44 + len;
        out.push(at);
    }
    out
}

/// Each zero-filled tail a crash can leave on a file system that records
/// the new size before the data: `(records kept, tail offset, file bytes)`
/// for every
/// record boundary of `file` and every length from one byte to the whole
/// record that was (or, after the last, would have been) written there.
fn zero_filled_tails(file: &[u8], next_record_len: usize) -> Vec<(usize, u64, Vec<u8>)> {
    let cuts = boundaries(file);
    let mut out = Vec::new();
    for (kept, &start) in cuts.iter().enumerate() {
        let record_len = cuts
            .get(kept + 1)
            .map_or(next_record_len, |end| end - start);
        for len in 1..=record_len {
            let mut bytes = file[..start].to_vec();
            bytes.resize(start + len, 0);
            out.push((kept, start as u64, bytes));
        }
    }
    out
}

#[test]
fn zero_filled_entries_of_every_length_at_every_boundary_are_recovered() {
    // Unsigned entries of several sizes, an empty one among them.
    let dir = tempfile::tempdir().unwrap();
    let bodies: [&[u8]; 4] = [b"first", b"", b"a somewhat longer third entry", b"4th"];
    let (log, _) = LogOptions::new().open(dir.path(), signer()).unwrap();
    for body in bodies {
        log.append(body).unwrap();
    }
    log.close().unwrap();
    let entries = fs::read(dir.path().join(ENTRIES_FILE)).unwrap();
    let checkpoints = fs::read(dir.path().join(CHECKPOINTS_FILE)).unwrap();
    let after = b"after the crash";

    let cases = zero_filled_tails(&entries, 44 + after.len());
    assert_eq!(cases.len(), 44 * 5 + 5 + 29 + 3 + after.len());
    for (kept, offset, bytes) in cases {
        let case = format!(
            "{kept} entries kept, {} zero bytes",
            bytes.len() as u64 - offset
        );
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ENTRIES_FILE), &bytes).unwrap();
        fs::write(dir.path().join(CHECKPOINTS_FILE), &checkpoints).unwrap();

        // An auditor sees the remnant, and every entry before it sound.
        let report = verify(dir.path(), &signer().verifier(), None).unwrap();
        assert_eq!(report.torn, vec![(ENTRIES_FILE, offset)], "{case}");
        assert_eq!(report.entries, kept as u64, "{case}");
        assert_eq!(report.verdict, Verdict::Unsigned, "{case}");

        let (log, report) = LogOptions::new()
            .durability(Durability::OsBuffered)
            .open(dir.path(), signer())
            .unwrap();
        assert_eq!(report.entries, kept as u64, "{case}");
        let saved_to = dir.path().join(format!("{ENTRIES_FILE}.torn-{offset}"));
        let len = bytes.len() as u64 - offset;
        assert_eq!(
            report.recovered,
            vec![Recovered {
                file: ENTRIES_FILE,
                offset,
                len,
                saved_to: saved_to.clone()
            }],
            "{case}"
        );
        assert_eq!(
            fs::read(&saved_to).unwrap(),
            vec![0; len as usize],
            "{case}"
        );
        for (i, body) in bodies.iter().enumerate().take(kept) {
            assert_eq!(log.entry(i as u64).unwrap(), *body, "{case}");
        }
        assert_eq!(log.append(after).unwrap(), kept as u64, "{case}");
        log.checkpoint().unwrap();
        log.close().unwrap();
        let report = verify(dir.path(), &signer().verifier(), None).unwrap();
        assert!(
            matches!(report.verdict, Verdict::Verified { size, .. } if size == kept as u64 + 1),
            "{case}: {report}"
        );
        assert!(report.torn.is_empty(), "{case}: {report}");
    }
}

#[test]
fn zero_filled_checkpoints_of_every_length_at_every_boundary_are_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = LogOptions::new().open(dir.path(), signer()).unwrap();
    for i in 0..3u8 {
        log.append(&[b'e', i]).unwrap();
        log.checkpoint().unwrap();
    }
    log.close().unwrap();
    let entries = fs::read(dir.path().join(ENTRIES_FILE)).unwrap();
    let checkpoints = fs::read(dir.path().join(CHECKPOINTS_FILE)).unwrap();
    let cuts = boundaries(&checkpoints);
    let last_len = cuts[3] - cuts[2];

    for (kept, offset, bytes) in zero_filled_tails(&checkpoints, last_len) {
        let case = format!(
            "{kept} checkpoints kept, {} zero bytes",
            bytes.len() as u64 - offset
        );
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ENTRIES_FILE), &entries).unwrap();
        fs::write(dir.path().join(CHECKPOINTS_FILE), &bytes).unwrap();

        let report = verify(dir.path(), &signer().verifier(), None).unwrap();
        assert_eq!(report.torn, vec![(CHECKPOINTS_FILE, offset)], "{case}");
        assert_eq!(report.checkpoints, kept as u64, "{case}");

        let (log, report) = LogOptions::new().open(dir.path(), signer()).unwrap();
        assert_eq!(
            (report.entries, report.checkpoints),
            (3, kept as u64),
            "{case}"
        );
        let found: Vec<_> = report
            .recovered
            .iter()
            .map(|r| (r.file, r.offset))
            .collect();
        assert_eq!(found, vec![(CHECKPOINTS_FILE, offset)], "{case}");
        assert_eq!(log.checkpoints().len(), kept, "{case}");
        log.append(b"after the crash").unwrap();
        log.checkpoint().unwrap();
        log.close().unwrap();
        let report = verify(dir.path(), &signer().verifier(), None).unwrap();
        assert!(
            matches!(report.verdict, Verdict::Verified { size: 4, .. }),
            "{case}: {report}"
        );
        assert_eq!(report.checkpoints, kept as u64 + 1, "{case}: {report}");
    }
}

#[test]
fn zeros_longer_than_any_record_are_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    append_raw(
        &dir.path().join(ENTRIES_FILE),
        &vec![0; 44 + MAX_ENTRY_LEN + 1],
    );
    open_fails_at(dir.path(), ENTRIES_FILE, 5);
}

#[test]
fn a_zero_header_before_data_is_not_a_crash() {
    // Zeros where a record's header belongs, then bytes that landed: the
    // record's extent is unknown, so nothing is cut.
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    let mut tail = vec![0; 44];
    tail.extend_from_slice(&record(6, b"a record after the zeros"));
    append_raw(&dir.path().join(ENTRIES_FILE), &tail);
    open_fails_at(dir.path(), ENTRIES_FILE, 5);
    let report = verify(dir.path(), &signer().verifier(), None).unwrap();
    assert!(
        matches!(report.verdict, Verdict::Broken { entry: 5, .. }),
        "{report}"
    );
}

#[test]
fn deleting_the_second_to_last_unsigned_entry_is_not_a_crash() {
    // Entries 5 and 6 are unsigned; entry 5 is cut out. The intact entry 6
    // now ends the file at position 5: tampering, not a torn write, so the
    // log refuses to open instead of setting entry 6 aside too.
    let dir = tempfile::tempdir().unwrap();
    let end = log_of_five(dir.path()) as usize;
    let path = dir.path().join(ENTRIES_FILE);
    append_raw(&path, &record(5, b"sixth entry"));
    append_raw(&path, &record(6, b"seventh entry"));
    let mut bytes = fs::read(&path).unwrap();
    bytes.drain(end..end + 44 + b"sixth entry".len());
    fs::write(&path, &bytes).unwrap();

    open_fails_at(dir.path(), ENTRIES_FILE, 5);
    assert_eq!(fs::read(&path).unwrap(), bytes, "nothing was moved aside");
    assert!(
        !dir.path()
            .join(format!("{ENTRIES_FILE}.torn-{end}"))
            .exists()
    );
    let report = verify(dir.path(), &signer().verifier(), None).unwrap();
    assert_eq!(
        report.verdict,
        Verdict::Broken {
            entry: 5,
            problem: Problem::OutOfSequence { found: 6 }
        }
    );
    assert!(report.torn.is_empty());
}

#[test]
fn a_copy_of_the_last_checkpoint_after_it_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    log_of_five(dir.path());
    let path = dir.path().join(CHECKPOINTS_FILE);
    let bytes = fs::read(&path).unwrap();
    let cuts = boundaries(&bytes);
    append_raw(&path, &bytes[cuts[0]..cuts[1]]);
    open_fails_at(dir.path(), CHECKPOINTS_FILE, 1);
}
