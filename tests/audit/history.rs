//! Checkpoint history: every signed checkpoint is kept and listed, "what
//! did the log look like at time T" has an answer, and inclusion and
//! consistency proofs can be made against any checkpoint.

use std::time::Duration;

use custodian::audit::merkle::{self, ConsistencyProof};
use custodian::audit::{
    CheckpointError, CheckpointSigner, ConsistencyBundle, Durability, FileLog, InclusionBundle,
    LogError, LogOptions, ProofError, SignedCheckpoint,
};
use custodian::time::Timestamp;
use proptest::prelude::*;

use crate::common::signer;

fn open(dir: &std::path::Path) -> FileLog {
    let (log, _) = LogOptions::new()
        .durability(Durability::OsBuffered)
        .open(dir, signer())
        .unwrap();
    log
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

#[test]
fn every_checkpoint_is_kept_listed_in_order_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let mut signed = vec![log.checkpoint().unwrap()];
    for round in 0..3 {
        for i in 0..3 + round {
            log.append(&entry(i)).unwrap();
        }
        signed.push(log.checkpoint().unwrap());
    }
    // A second checkpoint of an unchanged log is kept too.
    signed.push(log.checkpoint().unwrap());
    assert_eq!(log.checkpoints(), signed);
    let sizes: Vec<u64> = signed.iter().map(|c| c.checkpoint().size()).collect();
    assert_eq!(sizes, [0, 3, 7, 12, 12]);
    assert_eq!(log.latest_checkpoint().as_ref(), signed.last());
    drop(log);

    let (log, report) = LogOptions::new().open(dir.path(), signer()).unwrap();
    assert_eq!(report.checkpoints, 5);
    assert_eq!(log.checkpoints(), signed);
    assert_eq!(log.latest_checkpoint().as_ref(), signed.last());
}

#[test]
fn the_log_at_a_time_is_the_last_checkpoint_signed_by_then() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let mut signed = Vec::new();
    for i in 0..4 {
        log.append(&entry(i)).unwrap();
        signed.push(log.checkpoint().unwrap());
        // Distinct millisecond times.
        std::thread::sleep(Duration::from_millis(3));
    }
    let time = |c: &SignedCheckpoint| c.checkpoint().time();
    let millis = |c: &SignedCheckpoint| time(c).unix_millis();
    assert!(signed.windows(2).all(|w| millis(&w[0]) < millis(&w[1])));
    for (k, c) in signed.iter().enumerate() {
        assert_eq!(log.checkpoint_at(time(c)).as_ref(), Some(c), "{k}");
        let just_before = Timestamp::from_unix_millis(millis(c) - 1).unwrap();
        assert_eq!(
            log.checkpoint_at(just_before).as_ref(),
            k.checked_sub(1).map(|p| &signed[p])
        );
    }
    let later = time(&signed[3]).plus_days(365).unwrap();
    assert_eq!(log.checkpoint_at(later).as_ref(), signed.last());
    assert_eq!(log.checkpoint_at(Timestamp::EPOCH), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Against every checkpoint of a random history, read back from disk:
    /// every covered entry's inclusion, and consistency from every earlier
    /// checkpoint, verify from their texts with the public key alone.
    #[test]
    fn proofs_against_any_checkpoint_verify(
        batches in prop::collection::vec(0u64..6, 1..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let log = open(dir.path());
        let mut n = 0;
        for batch in batches {
            for _ in 0..batch {
                log.append(&entry(n)).unwrap();
                n += 1;
            }
            log.checkpoint().unwrap();
        }
        drop(log);
        let log = open(dir.path());
        let verifier = log.verifier();
        let history = log.checkpoints();
        for new in &history {
            let size = new.checkpoint().size();
            for i in 0..size {
                let text = log.prove_inclusion_in(i, new).unwrap().to_text();
                let bundle = InclusionBundle::parse(&text, &verifier).unwrap();
                prop_assert_eq!(bundle.checkpoint(), new);
                prop_assert!(bundle.verify_entry(&entry(i)).is_ok());
                prop_assert!(bundle.verify_entry(&entry(i + 1)).is_err());
            }
            for old in history.iter().take_while(|c| c.checkpoint().size() <= size) {
                let text = log
                    .prove_consistency_to(old.checkpoint().size(), new)
                    .unwrap()
                    .to_text();
                let bundle = ConsistencyBundle::parse(&text, &verifier).unwrap();
                prop_assert!(bundle.verify_from(old.checkpoint()).is_ok());
            }
        }
    }
}

#[test]
fn checkpoints_of_another_history_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    for i in 0..5 {
        log.append(&entry(i)).unwrap();
    }
    let own = log.checkpoint().unwrap();
    let time = own.checkpoint().time();

    let other_log = CheckpointSigner::from_secret_bytes("other.example/audit", [0x5a; 32])
        .unwrap()
        .sign(5, own.checkpoint().root(), time);
    assert!(matches!(
        log.prove_inclusion_in(0, &other_log),
        Err(LogError::Checkpoint(CheckpointError::Malformed {
            what: "origin"
        }))
    ));
    // The log's own key over another tree: a forked history.
    let forked = signer().sign(5, merkle::leaf_hash(b"not this log"), time);
    assert!(matches!(
        log.prove_consistency_to(2, &forked),
        Err(LogError::Proof(ProofError::RootMismatch))
    ));
    let ahead = signer().sign(6, own.checkpoint().root(), time);
    assert!(matches!(
        log.prove_inclusion_in(0, &ahead),
        Err(LogError::Proof(ProofError::SizeBeyondTree))
    ));
    assert!(matches!(
        log.prove_inclusion_in(5, &own),
        Err(LogError::Proof(ProofError::IndexOutOfRange))
    ));
    assert!(matches!(
        log.prove_consistency_to(6, &own),
        Err(LogError::Proof(ProofError::SizeOrder))
    ));
}

#[test]
fn an_auditors_cosigned_copy_can_be_proved_against() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    for i in 0..7 {
        log.append(&entry(i)).unwrap();
    }
    let own = log.checkpoint().unwrap();
    let c = own.checkpoint();
    // A further signature line, as a witness adds (the log's verifier
    // ignores keys it does not know).
    let witness = CheckpointSigner::from_secret_bytes("witness.example/w1", [9; 32]).unwrap();
    let cosignature = witness.sign(c.size(), c.root(), c.time());
    let line = cosignature.note().rsplit_once("\n\n").unwrap().1;
    let held = SignedCheckpoint::parse(&format!("{}{line}", own.note()), &log.verifier()).unwrap();

    let text = log.prove_inclusion_in(3, &held).unwrap().to_text();
    assert!(text.ends_with(line), "the bundle carries the cosignature");
    let bundle = InclusionBundle::parse(&text, &log.verifier()).unwrap();
    bundle.verify_entry(&entry(3)).unwrap();
    assert_eq!(bundle.checkpoint(), &held);
}

#[test]
fn consistency_from_size_zero_is_the_empty_proof_everywhere() {
    // Regression: `consistency_proof(0, n)` was an error while
    // `prove_consistency(0)` gave the empty proof.
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let empty = log.checkpoint().unwrap();
    let first = log.prove_consistency(0).unwrap();
    assert_eq!(first.proof(), &ConsistencyProof::new(0, 0, Vec::new()));
    first.verify_from(empty.checkpoint()).unwrap();
    for i in 0..6 {
        log.append(&entry(i)).unwrap();
    }
    let latest = log.checkpoint().unwrap();
    let root = latest.checkpoint().root();
    let mut tree = merkle::Tree::new();
    for new in 0..=6 {
        let proof = log.consistency_proof(0, new).unwrap();
        assert_eq!(proof, ConsistencyProof::new(0, new, Vec::new()));
        proof.verify(&merkle::empty_root(), &tree.root()).unwrap();
        tree.push(merkle::leaf_hash(&entry(new)));
    }
    let bundle = log.prove_consistency(0).unwrap();
    assert_eq!(bundle.proof(), &log.consistency_proof(0, 6).unwrap());
    assert!(bundle.to_text().starts_with("old 0\n\n"));
    bundle.verify_from(empty.checkpoint()).unwrap();
    bundle.proof().verify(&merkle::empty_root(), &root).unwrap();
}
