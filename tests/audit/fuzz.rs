//! Hostile bytes never panic: the log reader (opening and verifying a
//! directory of arbitrary or damaged files), the checkpoint and bundle
//! parsers, the event decoder and the proof verifiers.

use std::fs;

use custodian::audit::merkle::{self, Tree};
use custodian::audit::{
    AuditEvent, CHECKPOINTS_FILE, CheckpointVerifier, ConsistencyBundle, Durability, ENTRIES_FILE,
    InclusionBundle, LogOptions, SignedCheckpoint, verify,
};
use custodian::time::Timestamp;
use proptest::prelude::*;

use crate::common::signer;

const ENTRIES_MAGIC: &[u8] = b"custodian-log-1\n";
const CHECKPOINTS_MAGIC: &[u8] = b"custodian-ckp-1\n";

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// Opens and verifies `dir` and, if it opens, uses it: nothing may panic.
fn exercise(dir: &std::path::Path) {
    let verifier = signer().verifier();
    let _ = verify(dir, &verifier, None).map(|r| r.to_string());
    if let Ok((log, _)) = LogOptions::new()
        .durability(Durability::OsBuffered)
        .open(dir, signer())
    {
        for i in 0..log.size().min(8) {
            let _ = log.entry(i);
            let _ = log.inclusion_proof(i, log.size());
        }
        let _ = log.append(b"after");
        let _ = log.checkpoint();
    }
    let _ = verify(dir, &verifier, None);
}

/// A small valid log's two files, written once for all cases.
fn valid_log() -> (Vec<u8>, Vec<u8>) {
    static LOG: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    LOG.get_or_init(write_valid_log).clone()
}

fn write_valid_log() -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = LogOptions::new()
        .durability(Durability::OsBuffered)
        .open(dir.path(), signer())
        .unwrap();
    for i in 0..6u8 {
        log.append(&[i; 9]).unwrap();
        if i % 3 == 2 {
            log.checkpoint().unwrap();
        }
    }
    log.close().unwrap();
    (
        fs::read(dir.path().join(ENTRIES_FILE)).unwrap(),
        fs::read(dir.path().join(CHECKPOINTS_FILE)).unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_log_files_never_panic(
        entries in bytes(600),
        checkpoints in bytes(600),
        magic_entries: bool,
        magic_checkpoints: bool,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let with = |magic: &[u8], yes: bool, body: &[u8]| {
            if yes { [magic, body].concat() } else { body.to_vec() }
        };
        fs::write(dir.path().join(ENTRIES_FILE), with(ENTRIES_MAGIC, magic_entries, &entries)).unwrap();
        fs::write(
            dir.path().join(CHECKPOINTS_FILE),
            with(CHECKPOINTS_MAGIC, magic_checkpoints, &checkpoints),
        )
        .unwrap();
        exercise(dir.path());
    }

    #[test]
    fn damaged_log_files_never_panic(
        edits in prop::collection::vec((any::<bool>(), any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let (mut entries, mut checkpoints) = valid_log();
        for (which, at, value, how) in edits {
            let file = if which { &mut entries } else { &mut checkpoints };
            if file.is_empty() {
                file.push(value);
                continue;
            }
            let k = at.index(file.len());
            match how {
                0 => file[k] = value,
                1 => file.insert(k, value),
                _ => file.truncate(k),
            }
        }
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ENTRIES_FILE), &entries).unwrap();
        fs::write(dir.path().join(CHECKPOINTS_FILE), &checkpoints).unwrap();
        exercise(dir.path());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parsers(raw in bytes(700)) {
        let v = signer().verifier();
        let text = String::from_utf8_lossy(&raw);
        let _ = SignedCheckpoint::parse(&text, &v);
        let _ = InclusionBundle::parse(&text, &v);
        let _ = ConsistencyBundle::parse(&text, &v);
        let _ = CheckpointVerifier::from_vkey(&text);
        let _ = AuditEvent::from_json(&raw);
        let _ = merkle::Hash::from_base64(&text);
        let chunks: Vec<&[u8]> = raw.chunks(32).collect();
        let _ = merkle::verify_inclusion(&raw, raw.len() as u64, u64::MAX, &chunks, &raw);
        let _ = merkle::verify_consistency(raw.len() as u64, u64::MAX, &chunks, &raw, &raw);
    }

    #[test]
    fn garbage_around_a_valid_bundle_is_refused(
        before in "\\PC{0,40}",
        after in "\\PC{0,40}",
        n in 2u64..50,
    ) {
        prop_assume!(!before.is_empty() || !after.is_empty());
        let s = signer();
        let mut tree = Tree::new();
        for i in 0..n {
            tree.push(merkle::leaf_hash(&i.to_be_bytes()));
        }
        let checkpoint = s.sign(n, tree.root(), Timestamp::EPOCH);
        let leaf = merkle::leaf_hash(&1u64.to_be_bytes());
        let inclusion = InclusionBundle::new(tree.inclusion_proof(1, n).unwrap(), checkpoint.clone()).unwrap();
        let consistency = ConsistencyBundle::new(tree.consistency_proof(1, n).unwrap(), checkpoint.clone()).unwrap();
        let old = s.sign(1, tree.root_at(1).unwrap(), Timestamp::EPOCH);
        for (kind, text) in [("inclusion", inclusion.to_text()), ("consistency", consistency.to_text()), ("checkpoint", checkpoint.note().to_owned())] {
            let wrapped = format!("{before}{text}{after}");
            let accepted = match kind {
                "inclusion" => InclusionBundle::parse(&wrapped, &s.verifier()).is_ok_and(|b| b.verify_leaf(&leaf).is_ok()),
                "consistency" => ConsistencyBundle::parse(&wrapped, &s.verifier()).is_ok_and(|b| b.verify_from(old.checkpoint()).is_ok()),
                _ => SignedCheckpoint::parse(&wrapped, &s.verifier()).is_ok(),
            };
            prop_assert!(!accepted, "{} with garbage around it was accepted: {:?}", kind, wrapped);
        }
    }
}
