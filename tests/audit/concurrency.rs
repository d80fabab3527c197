//! Many threads appending to one log, with checkpoints taken meanwhile:
//! nothing is lost or interleaved, every proof verifies, the files verify.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use custodian::audit::{
    Action, AuditEvent, AuditSink, Durability, FanOut, LogOptions, MemorySink, Outcome,
    SignedCheckpoint, Verdict, merkle, verify,
};

use crate::common::signer;

const THREADS: u64 = 8;
const PER_THREAD: u64 = 400;

#[test]
fn concurrent_appends_and_checkpoints_verify() {
    let dir = tempfile::tempdir().unwrap();
    let durability = Durability::Batched {
        max_entries: 64,
        max_delay: Duration::from_millis(2),
    };
    let (log, _) = LogOptions::new()
        .durability(durability)
        .open(dir.path(), signer())
        .unwrap();
    let log = Arc::new(log);
    let memory = Arc::new(MemorySink::new());
    let sink = FanOut::new(vec![
        Box::new(Arc::clone(&log)),
        Box::new(Arc::clone(&memory)),
    ]);

    let checkpoints: Vec<SignedCheckpoint> = std::thread::scope(|s| {
        for t in 0..THREADS {
            let sink = &sink;
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    // key_version says which thread, count the sequence.
                    let e = AuditEvent::new(Action::Resealed, Outcome::Done)
                        .with_key_version(t as u32)
                        .with_count(i);
                    sink.record(&e).unwrap();
                }
            });
        }
        let log = &log;
        let checkpointer = s.spawn(move || {
            let mut taken = Vec::new();
            for _ in 0..20 {
                taken.push(log.checkpoint().unwrap());
                std::thread::sleep(Duration::from_millis(1));
            }
            taken
        });
        checkpointer.join().unwrap()
    });

    let total = THREADS * PER_THREAD;
    assert_eq!(log.size(), total);
    assert_eq!(memory.len() as u64, total);

    // Each thread's events are all there, in its own order.
    let mut next: HashMap<u32, u64> = HashMap::new();
    for index in 0..total {
        let event = AuditEvent::from_json(&log.entry(index).unwrap()).unwrap();
        let thread = event.key_version().unwrap();
        let expected = next.entry(thread).or_insert(0);
        assert_eq!(
            event.count(),
            Some(*expected),
            "thread {thread} out of order at {index}"
        );
        *expected += 1;
    }
    assert!(next.values().all(|&n| n == PER_THREAD));

    // Checkpoints taken during the appends are consistent with each other
    // and with the final tree.
    let last = log.checkpoint().unwrap();
    let root = last.checkpoint().root();
    for cp in &checkpoints {
        let c = cp.checkpoint();
        if c.size() > 0 {
            let proof = log.consistency_proof(c.size(), total).unwrap();
            proof.verify(&c.root(), &root).unwrap();
        }
    }
    for index in (0..total).step_by(37) {
        let bundle = log.prove_inclusion(index).unwrap();
        bundle
            .verify_leaf(&merkle::leaf_hash(&log.entry(index).unwrap()))
            .unwrap();
    }
    drop(sink);
    Arc::try_unwrap(log).unwrap().close().unwrap();

    let report = verify(dir.path(), &signer().verifier(), Some(&last)).unwrap();
    assert_eq!(report.verdict, Verdict::Verified { size: total, root });
    assert_eq!(report.checkpoints, checkpoints.len() as u64 + 2);
}

/// The load: 8 threads × 10,000 appends, then the files verify and
/// every thread's entries are there, once each, in its own order.
#[test]
fn eight_threads_times_ten_thousand_appends_verify() {
    const PER_THREAD: u32 = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let durability = Durability::Batched {
        max_entries: 1024,
        max_delay: Duration::from_millis(20),
    };
    let (log, _) = LogOptions::new()
        .durability(durability)
        .open(dir.path(), signer())
        .unwrap();
    std::thread::scope(|s| {
        for t in 0..THREADS as u8 {
            let log = &log;
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    // Thread, sequence number, and some padding.
                    let mut entry = vec![t];
                    entry.extend_from_slice(&i.to_be_bytes());
                    entry.extend_from_slice(&[b'x'; 27]);
                    log.append(&entry).unwrap();
                }
            });
        }
    });
    let total = THREADS * u64::from(PER_THREAD);
    assert_eq!(log.size(), total);
    let checkpoint = log.checkpoint().unwrap();
    let mut next = [0u32; THREADS as usize];
    for index in 0..total {
        let entry = log.entry(index).unwrap();
        let t = usize::from(entry[0]);
        let i = u32::from_be_bytes(entry[1..5].try_into().unwrap());
        assert_eq!(i, next[t], "thread {t} out of order at {index}");
        next[t] += 1;
    }
    assert!(next.iter().all(|&n| n == PER_THREAD));
    log.close().unwrap();

    let report = verify(dir.path(), &signer().verifier(), Some(&checkpoint)).unwrap();
    assert_eq!(
        report.verdict,
        Verdict::Verified {
            size: total,
            root: checkpoint.checkpoint().root()
        }
    );
}
