//! The durable stores beside the in-memory ones, in the same run: each
//! group has a `memory` and a `sqlite` figure (a database file in a
//! temporary directory, WAL, `synchronous = FULL`).
//!
//! - `warm_seal`, `warm_open`: an existing subject whose keys are cached;
//!   the store is not touched (target: within 1.1× of memory).
//! - `first_seal`: a new subject: a data key created, wrapped and made
//!   durable, then the seal (target on SQLite: under 1 ms), beside
//!   `raw_fdatasync`, a 64-byte append and `fdatasync` of a plain file:
//!   no durable write is faster than the disk's sync.
//! - `consent_decision`: the current state of a scope, asked of the store
//!   (the durable store reads the database every time: nothing is cached,
//!   so a withdrawal counts in every process at once).
//! - `consent_grant`: one durable append.
//! - `audit_append`: one durable event per transaction.
//! - `audit_batch`: 1,000 events per transaction, throughput in events
//!   (target on SQLite: at least 50,000 events/s).
//!
//! Run with `cargo bench --bench storage -- --warm-up-time 1 --measurement-time 3`
//! and compare each `sqlite` figure with the `memory` one beside it.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use custodian::SubjectId;
use custodian::audit::{Action, AuditEvent, AuditSink, MemorySink, Outcome};
use custodian::consent::{
    Collection, CollectionMethod, ConsentEvent, ConsentStatus, ConsentStore, MemoryStore, Scope,
};
use custodian::ids::{ConsentEventId, Jurisdiction, PolicyVersion};
use custodian::pii::Email;
use custodian::purpose::Purpose;
use custodian::store::Store;
use custodian::time::Timestamp;
use custodian::vault::{
    FieldLabel, KeyScope, KeyStore, MemoryKeyStore, RootKey, RootKeyRing, Vault,
};

const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");
const BATCH: usize = 1_000;

fn vault(keys: Arc<dyn KeyStore>) -> Vault {
    let root = Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng")));
    Vault::builder().build(root, keys).expect("vault")
}

/// A fresh subject id per call, across every benchmark of the run.
fn fresh_subject() -> SubjectId {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    SubjectId::try_new(format!("cus_{}", NEXT.fetch_add(1, Ordering::Relaxed))).expect("valid")
}

fn grant(who: &SubjectId, status: ConsentStatus) -> ConsentEvent {
    let how = Collection::new(
        PolicyVersion::new("1"),
        Timestamp::now(),
        CollectionMethod::WebForm,
        Jurisdiction::new("DE"),
    );
    ConsentEvent::new(
        ConsentEventId::random().expect("rng"),
        who.clone(),
        Purpose::Marketing,
        None,
        status,
        &how,
    )
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::sqlite(dir.path().join("bench.db")).expect("store");
    let vaults = [
        ("memory", vault(Arc::new(MemoryKeyStore::new()))),
        ("sqlite", vault(Arc::new(store.keys()))),
    ];
    let email = Email::parse("ada@example.com").expect("valid");
    let ada = KeyScope::subject(&SubjectId::new("cus_ada"));

    let mut group = c.benchmark_group("warm_seal");
    for (name, vault) in &vaults {
        vault.seal(&email, &ada, LOGIN).expect("seal");
        group.bench_function(*name, |b| {
            b.iter(|| vault.seal(black_box(&email), &ada, LOGIN).expect("seal"));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("warm_open");
    for (name, vault) in &vaults {
        let sealed = vault.seal(&email, &ada, LOGIN).expect("seal");
        group.bench_function(*name, |b| {
            b.iter(|| {
                vault
                    .open::<Email>(black_box(&sealed), &ada, LOGIN)
                    .expect("open")
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("first_seal");
    // The floor of any durable write: appending to a file and syncing it.
    let mut probe = std::fs::File::create(dir.path().join("probe")).expect("file");
    group.bench_function("raw_fdatasync", |b| {
        b.iter(|| {
            std::io::Write::write_all(&mut probe, &[0; 64]).expect("write");
            probe.sync_data().expect("sync");
        });
    });
    for (name, vault) in &vaults {
        group.bench_function(*name, |b| {
            b.iter_batched(
                || KeyScope::subject(&fresh_subject()),
                |scope| vault.seal(&email, &scope, LOGIN).expect("seal"),
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();

    let consents: [(&str, Box<dyn ConsentStore>); 2] = [
        ("memory", Box::new(MemoryStore::new())),
        ("sqlite", Box::new(store.consent())),
    ];
    let bo = SubjectId::new("cus_bo");
    let mut group = c.benchmark_group("consent_decision");
    for (name, consent) in &consents {
        consent
            .append(grant(&bo, ConsentStatus::Given))
            .expect("append");
        consent
            .append(grant(&bo, ConsentStatus::Withdrawn))
            .expect("append");
        group.bench_function(*name, |b| {
            b.iter(|| {
                consent
                    .state(black_box(&bo), Scope::purpose(Purpose::Marketing))
                    .expect("state")
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("consent_grant");
    for (name, consent) in &consents {
        group.bench_function(*name, |b| {
            b.iter_batched(
                || grant(&fresh_subject(), ConsentStatus::Given),
                |e| consent.append(e).expect("append"),
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();

    let event = AuditEvent::new(Action::Reveal, Outcome::Allowed).with_count(7);
    let memory_sink = MemorySink::new();
    let audit = store.audit();
    let mut group = c.benchmark_group("audit_append");
    group.bench_function("memory", |b| {
        let mut n = 0u32;
        b.iter(|| {
            memory_sink.record(black_box(&event)).expect("record");
            // Keep the vector from growing for the whole run.
            n = n.wrapping_add(1);
            if n % 4096 == 0 {
                memory_sink.take();
            }
        });
    });
    group.bench_function("sqlite", |b| {
        b.iter(|| audit.record(black_box(&event)).expect("record"));
    });
    group.finish();

    let batch: Vec<AuditEvent> = vec![event; BATCH];
    let mut group = c.benchmark_group("audit_batch");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("memory", |b| {
        b.iter(|| {
            for e in &batch {
                memory_sink.record(black_box(e)).expect("record");
            }
            memory_sink.take();
        });
    });
    group.bench_function("sqlite", |b| {
        b.iter(|| audit.record_batch(black_box(&batch)).expect("record"));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
