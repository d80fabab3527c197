//! Equivocation: two validly signed checkpoints of one size with different
//! roots are named as such, with both as evidence, before any entry is
//! compared; not reported as entries that fail to match a root.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use custodian::audit::{CHECKPOINTS_FILE, LogOptions, SignedCheckpoint, Verdict, merkle, verify};
use custodian::time::Timestamp;

use crate::common::{open_fails_at, signer};

/// A log of five entries with a checkpoint after the third and the fifth;
/// returns the checkpoints.
fn log_of_five(dir: &Path) -> Vec<SignedCheckpoint> {
    let (log, _) = LogOptions::new().open(dir, signer()).unwrap();
    for i in 0..5u8 {
        log.append(&[b'e', i]).unwrap();
        if i == 2 {
            log.checkpoint().unwrap();
        }
    }
    log.checkpoint().unwrap();
    log.checkpoints()
}

/// The log's own key over another tree of `size` entries.
fn forked(size: u64) -> SignedCheckpoint {
    let time = Timestamp::from_unix_millis(1_700_000_000_000).unwrap();
    signer().sign(size, merkle::leaf_hash(b"another history"), time)
}

fn equivocation(verdict: Verdict) -> custodian::audit::Equivocation {
    match verdict {
        Verdict::Equivocation(evidence) => evidence,
        other => panic!("expected an equivocation, got {other:?}"),
    }
}

#[test]
fn a_held_checkpoint_forking_the_log_is_equivocation() {
    let dir = tempfile::tempdir().unwrap();
    let stored = log_of_five(dir.path());
    let held = forked(5);
    let report = verify(dir.path(), &signer().verifier(), Some(&held)).unwrap();
    assert!(!report.is_verified());
    assert!(
        report
            .to_string()
            .starts_with("EQUIVOCATION: the log signed two different trees of size 5: root "),
        "{report}"
    );
    let evidence = equivocation(report.verdict);
    assert_eq!(evidence.size(), 5);
    assert_eq!(evidence.first(), &held);
    assert_eq!(evidence.second(), &stored[1]);
    // The evidence convinces a third party with the public key alone.
    for c in [evidence.first(), evidence.second()] {
        SignedCheckpoint::parse(c.note(), &signer().verifier()).unwrap();
    }
}

#[test]
fn a_fork_at_an_earlier_size_is_equivocation_too() {
    let dir = tempfile::tempdir().unwrap();
    let stored = log_of_five(dir.path());
    let report = verify(dir.path(), &signer().verifier(), Some(&forked(3))).unwrap();
    let evidence = equivocation(report.verdict);
    assert_eq!(evidence.size(), 3);
    assert_eq!(evidence.second(), &stored[0]);
}

#[test]
fn equivocating_stored_checkpoints_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let stored = log_of_five(dir.path());
    // A third stored checkpoint, validly signed and framed (record 2),
    // for the size of the second with another root.
    let note = forked(5).note().to_owned();
    let mut record = (note.len() as u32).to_be_bytes().to_vec();
    record.extend_from_slice(&2u64.to_be_bytes());
    record.extend_from_slice(merkle::leaf_hash(note.as_bytes()).as_bytes());
    record.extend_from_slice(note.as_bytes());
    OpenOptions::new()
        .append(true)
        .open(dir.path().join(CHECKPOINTS_FILE))
        .unwrap()
        .write_all(&record)
        .unwrap();

    let report = verify(dir.path(), &signer().verifier(), None).unwrap();
    let evidence = equivocation(report.verdict);
    assert_eq!(evidence.first(), &stored[1]);
    assert_eq!(evidence.second().note(), note);
    // The log itself refuses the checkpoint its entries do not match.
    open_fails_at(dir.path(), CHECKPOINTS_FILE, 2);
}

#[test]
fn the_same_tree_signed_twice_is_no_equivocation() {
    let dir = tempfile::tempdir().unwrap();
    let stored = log_of_five(dir.path());
    let c = stored[1].checkpoint();
    let later = c.time().plus_days(1).unwrap();
    let again = signer().sign(c.size(), c.root(), later);
    let report = verify(dir.path(), &signer().verifier(), Some(&again)).unwrap();
    assert!(
        matches!(report.verdict, Verdict::Verified { size: 5, .. }),
        "{report}"
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "verify writes nothing"
    );
}
