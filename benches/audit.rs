//! Audit log costs, each beside its raw primitive in the same run.
//!
//! - `append`: one typical event (about 560 bytes of JSON) into the
//!   in-memory tree, the memory sink, and the file log under each
//!   durability, beside one raw SHA-256 over the same bytes.
//! - `proofs`: verifying an inclusion and a consistency proof in a tree of
//!   2^16 entries, beside the 16 raw node hashes any verifier must compute.
//! - `checkpoint`: signing and verifying a checkpoint, beside one raw
//!   Ed25519 signature and one raw strict verification.
//!
//! Run with `cargo bench --bench audit -- --warm-up-time 1 --measurement-time 3`.
//! Read each group's rows as ratios to its `raw_*` row.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodian::audit::merkle::{self, Tree};
use custodian::audit::{
    Action, Actor, AuditEvent, AuditSink, CheckpointSigner, Durability, LogOptions, MemorySink,
    Outcome, Pseudonymizer, RequestId, SignedCheckpoint,
};
use custodian::ids::Role;
use custodian::pii::Category;
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::time::Timestamp;
use sha2::{Digest, Sha256};

fn event() -> AuditEvent {
    let key = Pseudonymizer::from_bytes([7; 32]);
    AuditEvent::new(Action::Reveal, Outcome::Allowed)
        .with_actor(Actor::staff(
            Role::new("support_agent"),
            key.actor("agent-17"),
        ))
        .with_subject(key.subject("cust_8f3a"))
        .with_categories([Category::Contact, Category::Location])
        .with_purpose(Purpose::CustomerSupport)
        .with_legal_basis(LawfulBasis::Contract)
        .with_request(RequestId::from_u128(7))
}

fn signer() -> CheckpointSigner {
    CheckpointSigner::from_secret_bytes("bench.example/audit", [1; 32]).expect("valid name")
}

/// Appends `iters` events to a fresh log with `durability`, timing only
/// the appends (a fresh directory per sample keeps disk use bounded).
fn time_file_appends(iters: u64, durability: Durability, entry: &[u8]) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, _) = LogOptions::new()
        .durability(durability)
        .open(dir.path(), signer())
        .expect("open");
    let start = Instant::now();
    for _ in 0..iters {
        black_box(log.append(black_box(entry)).expect("append"));
    }
    let elapsed = start.elapsed();
    log.close().expect("close");
    elapsed
}

fn append(c: &mut Criterion) {
    let event = event();
    let entry = event.to_json();
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Bytes(entry.len() as u64));

    g.bench_function("raw_sha256", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(&entry))));
    });
    g.bench_function("event_to_json", |b| {
        b.iter(|| black_box(black_box(&event).to_json()))
    });
    g.bench_function("tree_push", |b| {
        let mut tree = Tree::new();
        b.iter(|| black_box(tree.push(merkle::leaf_hash(black_box(&entry)))));
    });
    g.bench_function("memory_sink", |b| {
        let sink = MemorySink::new();
        b.iter(|| {
            sink.record(black_box(&event)).expect("record");
            if sink.len() > 100_000 {
                sink.take();
            }
        });
    });
    g.bench_function("file_os_buffered", |b| {
        b.iter_custom(|iters| time_file_appends(iters, Durability::OsBuffered, &entry));
    });
    let batched = Durability::Batched {
        max_entries: 256,
        max_delay: Duration::from_millis(10),
    };
    g.bench_function("file_batched_256_10ms", |b| {
        b.iter_custom(|iters| time_file_appends(iters, batched, &entry));
    });
    g.bench_function("file_sink_event_batched", |b| {
        b.iter_custom(|iters| {
            let dir = tempfile::tempdir().expect("temp dir");
            let (log, _) = LogOptions::new()
                .durability(batched)
                .open(dir.path(), signer())
                .expect("open");
            let start = Instant::now();
            for _ in 0..iters {
                log.record(black_box(&event)).expect("record");
            }
            let elapsed = start.elapsed();
            log.close().expect("close");
            elapsed
        });
    });
    g.sample_size(10);
    g.bench_function("file_every_entry_fsync", |b| {
        b.iter_custom(|iters| time_file_appends(iters, Durability::EveryEntry, &entry));
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    const N: u64 = 1 << 16;
    let mut tree = Tree::new();
    for i in 0..N {
        tree.push(merkle::leaf_hash(&i.to_be_bytes()));
    }
    let root = tree.root();
    let index: u64 = 12_345;
    let leaf = merkle::leaf_hash(&index.to_be_bytes());
    let inclusion = tree.inclusion_proof(index, N).expect("in range");
    let old = 40_000;
    let old_root = tree.root_at(old).expect("in range");
    let consistency = tree.consistency_proof(old, N).expect("in range");

    let mut g = c.benchmark_group("proofs");
    g.bench_function("raw_16_node_hashes", |b| {
        b.iter(|| {
            let mut h = leaf;
            for sibling in inclusion.path() {
                h = merkle::node_hash(black_box(sibling), &h);
            }
            black_box(h)
        });
    });
    g.bench_function("verify_inclusion_2^16", |b| {
        b.iter(|| {
            black_box(&inclusion)
                .verify(black_box(&leaf), &root)
                .expect("valid")
        });
    });
    g.bench_function("verify_consistency_2^16", |b| {
        b.iter(|| {
            black_box(&consistency)
                .verify(black_box(&old_root), &root)
                .expect("valid")
        });
    });
    g.bench_function("make_inclusion_2^16", |b| {
        b.iter(|| black_box(tree.inclusion_proof(black_box(index), N).expect("in range")));
    });
    // A size that is not a power of two: the right edge is recomputed.
    let odd = N - 1;
    g.bench_function("make_inclusion_2^16-1", |b| {
        b.iter(|| {
            black_box(
                tree.inclusion_proof(black_box(index), odd)
                    .expect("in range"),
            )
        });
    });
    g.finish();
}

fn checkpoints(c: &mut Criterion) {
    let signer = signer();
    let verifier = signer.verifier();
    let root = merkle::leaf_hash(b"root");
    let signed = signer.sign(1 << 20, root, Timestamp::EPOCH);
    let note = signed.note().to_owned();
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);

    let mut g = c.benchmark_group("checkpoint");
    g.bench_function("raw_ed25519_sign", |b| {
        use ed25519_dalek::Signer as _;
        b.iter(|| black_box(key.sign(black_box(note.as_bytes()))));
    });
    g.bench_function("sign", |b| {
        b.iter(|| black_box(signer.sign(1 << 20, black_box(root), Timestamp::EPOCH)));
    });
    g.bench_function("raw_ed25519_verify_strict", |b| {
        use ed25519_dalek::Signer as _;
        let sig = key.sign(note.as_bytes());
        let public = key.verifying_key();
        b.iter(|| {
            public
                .verify_strict(black_box(note.as_bytes()), &sig)
                .expect("valid")
        });
    });
    g.bench_function("parse_and_verify", |b| {
        b.iter(|| black_box(SignedCheckpoint::parse(black_box(&note), &verifier).expect("valid")));
    });
    g.finish();
}

criterion_group!(benches, append, proofs, checkpoints);
criterion_main!(benches);
