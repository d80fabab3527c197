//! Audit log costs, each beside its raw baseline measured in the same run.
//!
//! Run with `cargo bench --bench audit -- --warm-up-time 1 --measurement-time 3`.
//! Read each group's rows as ratios to its `raw_*` row.
//!
//! # `append_vs_bufwriter` (the target: append within 2× raw)
//!
//! Both sides start from one typical event (about 560 bytes of JSON), in a
//! fresh file in a fresh temporary directory per sample, and force data to
//! disk with `fdatasync` after every [`BATCH`] entries. Only the loop of
//! appends is timed (not opening, not the final sync of a partial batch).
//!
//! - `raw_bufwriter_write`: `BufWriter<File>` (8 KiB buffer) `write_all` of
//!   the serialized event bytes; every [`BATCH`] writes, `flush` then
//!   `sync_data`. No framing, no hashing: the cheapest way to get the same
//!   bytes to disk with the same sync cadence.
//! - `file_log_append`: [`FileLog::append`](custodian::audit::FileLog::append)
//!   of the same bytes under `Durability::Batched { max_entries: BATCH,
//!   max_delay: 60 s }` (the long delay makes the cadence the entry count
//!   alone, as on the raw side). Each append hashes the entry (leaf hash),
//!   writes a 44-byte header plus the bytes to the OS, and pushes the leaf
//!   into the in-memory Merkle tree (amortised one more hash).
//! - `raw_bufwriter_serialize_and_write` / `file_log_record_event`: the
//!   same pair with serialization included — `AuditEvent::to_json` then
//!   the raw write, against `AuditSink::record` on the log.
//!
//! # `proofs_1m`
//!
//! A tree of 1,000,000 entries is built once in setup (about two million
//! SHA-256 calls). Generation and verification of an inclusion proof (leaf
//! 654,321 in the full tree) and of a consistency proof (765,432 →
//! 1,000,000), beside `raw_20_node_hashes`: the 20 node hashes any
//! inclusion verifier at this size must compute.
//!
//! # Other groups
//!
//! - `append_parts`: the pieces of an append (raw SHA-256, event
//!   serialization, tree push, memory sink, file log without and with a
//!   sync per entry).
//! - `checkpoint`: signing and verifying a checkpoint, beside one raw
//!   Ed25519 signature and one raw strict verification.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write as _};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodian::audit::merkle::{self, Tree};
use custodian::audit::{
    Action, Actor, AuditEvent, AuditSink, CheckpointSigner, Durability, FileLog, LogOptions,
    MemorySink, Outcome, Pseudonymizer, RequestId, SignedCheckpoint,
};
use custodian::ids::Role;
use custodian::pii::Category;
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::time::Timestamp;
use sha2::{Digest, Sha256};

/// Entries per `fdatasync`, on both sides of `append_vs_bufwriter`.
const BATCH: u32 = 256;

/// Batched durability whose cadence is the entry count alone.
const BATCHED: Durability = Durability::Batched {
    max_entries: BATCH,
    max_delay: Duration::from_secs(60),
};

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

/// Opens a fresh log with `durability`, runs `body` on it timing only
/// `body`, then closes it (a fresh directory per sample bounds disk use).
fn timed_on_log(durability: Durability, body: impl FnOnce(&FileLog)) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, _) = LogOptions::new()
        .durability(durability)
        .open(dir.path(), signer())
        .expect("open");
    let start = Instant::now();
    body(&log);
    let elapsed = start.elapsed();
    log.close().expect("close");
    elapsed
}

/// The raw side: a `BufWriter<File>` in a fresh directory, synced every
/// [`BATCH`] writes; `write` does one write.
fn timed_on_bufwriter(iters: u64, mut write: impl FnMut(&mut BufWriter<File>)) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut out = BufWriter::new(File::create(dir.path().join("raw")).expect("create"));
    let start = Instant::now();
    for i in 1..=iters {
        write(&mut out);
        if i % u64::from(BATCH) == 0 {
            out.flush().expect("flush");
            out.get_ref().sync_data().expect("sync");
        }
    }
    let elapsed = start.elapsed();
    out.flush().expect("flush");
    elapsed
}

fn append_vs_bufwriter(c: &mut Criterion) {
    let event = event();
    let entry = event.to_json();
    let mut g = c.benchmark_group("append_vs_bufwriter");
    g.throughput(Throughput::Bytes(entry.len() as u64));

    g.bench_function("raw_bufwriter_write", |b| {
        b.iter_custom(|iters| {
            timed_on_bufwriter(iters, |out| {
                out.write_all(black_box(&entry)).expect("write");
            })
        });
    });
    g.bench_function("file_log_append", |b| {
        b.iter_custom(|iters| {
            timed_on_log(BATCHED, |log| {
                for _ in 0..iters {
                    black_box(log.append(black_box(&entry)).expect("append"));
                }
            })
        });
    });
    g.bench_function("raw_bufwriter_serialize_and_write", |b| {
        b.iter_custom(|iters| {
            timed_on_bufwriter(iters, |out| {
                out.write_all(&black_box(&event).to_json()).expect("write");
            })
        });
    });
    g.bench_function("file_log_record_event", |b| {
        b.iter_custom(|iters| {
            timed_on_log(BATCHED, |log| {
                for _ in 0..iters {
                    log.record(black_box(&event)).expect("record");
                }
            })
        });
    });
    g.finish();
}

fn append_parts(c: &mut Criterion) {
    let event = event();
    let entry = event.to_json();
    let mut g = c.benchmark_group("append_parts");
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
        b.iter_custom(|iters| {
            timed_on_log(Durability::OsBuffered, |log| {
                for _ in 0..iters {
                    black_box(log.append(black_box(&entry)).expect("append"));
                }
            })
        });
    });
    g.sample_size(10);
    g.bench_function("file_every_entry_fsync", |b| {
        b.iter_custom(|iters| {
            timed_on_log(Durability::EveryEntry, |log| {
                for _ in 0..iters {
                    black_box(log.append(black_box(&entry)).expect("append"));
                }
            })
        });
    });
    g.finish();
}

fn proofs_1m(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let mut tree = Tree::new();
    for i in 0..N {
        tree.push(merkle::leaf_hash(&i.to_be_bytes()));
    }
    let root = tree.root();
    let index: u64 = 654_321;
    let leaf = merkle::leaf_hash(&index.to_be_bytes());
    let inclusion = tree.inclusion_proof(index, N).expect("in range");
    assert_eq!(inclusion.path().len(), 20, "a 1M tree has 20 levels");
    let old: u64 = 765_432;
    let old_root = tree.root_at(old).expect("in range");
    let consistency = tree.consistency_proof(old, N).expect("in range");

    let mut g = c.benchmark_group("proofs_1m");
    g.bench_function("raw_20_node_hashes", |b| {
        b.iter(|| {
            let mut h = leaf;
            for sibling in inclusion.path() {
                h = merkle::node_hash(black_box(sibling), &h);
            }
            black_box(h)
        });
    });
    g.bench_function("make_inclusion", |b| {
        b.iter(|| black_box(tree.inclusion_proof(black_box(index), N).expect("in range")));
    });
    g.bench_function("verify_inclusion", |b| {
        b.iter(|| {
            black_box(&inclusion)
                .verify(black_box(&leaf), &root)
                .expect("valid")
        });
    });
    g.bench_function("make_consistency", |b| {
        b.iter(|| black_box(tree.consistency_proof(black_box(old), N).expect("in range")));
    });
    g.bench_function("verify_consistency", |b| {
        b.iter(|| {
            black_box(&consistency)
                .verify(black_box(&old_root), &root)
                .expect("valid")
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

criterion_group!(
    benches,
    append_vs_bufwriter,
    proofs_1m,
    append_parts,
    checkpoints
);
criterion_main!(benches);
