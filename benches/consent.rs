//! A consent decision against an in-memory ledger of 1,000,000 subjects,
//! beside a plain `HashMap<String, u64>` lookup of the same ids in the
//! same run.
//!
//! Every subject has consent events for three purposes (marketing given,
//! service improvement given then withdrawn for every tenth subject,
//! marketing renewed for every seventh). Both benchmarks visit the
//! subjects in the same scrambled order, so neither enjoys a warm cache
//! the other does not.
//!
//! - `hashmap_lookup`: the raw primitive, `map.get(id)`.
//! - `decide_marketing`: a consent-based use, which reads the ledger.
//! - `decide_shipping`: a necessary use, which does not.
//!
//! Run with `cargo bench --bench consent -- --warm-up-time 1 --measurement-time 3`
//! and compare `decide_marketing` with `hashmap_lookup` (target: under 2×).

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use custodian::SubjectId;
use custodian::consent::{Collection, CollectionMethod, ConsentLedger, ConsentStatus, Scope};
use custodian::decision::{Actor, Decider, Use};
use custodian::ids::{Jurisdiction, PolicyVersion};
use custodian::pii::Category;
use custodian::policy::{PolicySchedule, marketplace};
use custodian::purpose::Purpose;
use custodian::time::Timestamp;

const SUBJECTS: usize = 1_000_000;

fn id(i: usize) -> String {
    format!("cus_{i:07}")
}

fn bench(c: &mut Criterion) {
    let v1 = PolicyVersion::new("1");
    let schedule = PolicySchedule::single(
        marketplace()
            .build(v1, Timestamp::EPOCH)
            .expect("the default policy builds"),
    );
    let ledger = ConsentLedger::in_memory(auditor());
    let at = |secs| Timestamp::from_unix_secs(secs).expect("in range");
    let how = |secs| {
        Collection::new(
            v1,
            at(secs),
            CollectionMethod::WebForm,
            Jurisdiction::new("DE"),
        )
    };
    let mut ids = Vec::with_capacity(SUBJECTS);
    let mut plain = HashMap::with_capacity(SUBJECTS);
    for i in 0..SUBJECTS {
        let subject = SubjectId::try_new(id(i)).expect("valid id");
        ledger
            .give(&subject, Purpose::Marketing, &how(10))
            .expect("recorded");
        ledger
            .give(&subject, Purpose::ServiceImprovement, &how(11))
            .expect("recorded");
        if i % 10 == 0 {
            ledger
                .withdraw(&subject, Purpose::ServiceImprovement, &how(12))
                .expect("recorded");
        }
        if i % 7 == 0 {
            ledger
                .record(
                    &subject,
                    Scope::purpose(Purpose::Marketing),
                    ConsentStatus::Renewed,
                    &how(13),
                )
                .expect("recorded");
        }
        plain.insert(id(i), i as u64);
        ids.push(subject);
    }
    // A fixed scramble (multiplication by a unit modulo 2^20 stays within
    // range after the filter), shared by every benchmark.
    let order: Vec<usize> = (0..1usize << 20)
        .map(|i| i.wrapping_mul(0x9E37_79B1) & ((1 << 20) - 1))
        .filter(|&i| i < SUBJECTS)
        .collect();
    let names: Vec<String> = (0..SUBJECTS).map(id).collect();
    let decider = Decider::new(&schedule, &ledger);
    let now = at(100);

    let mut group = c.benchmark_group("consent_1m_subjects");
    let mut next = 0;
    group.bench_function("hashmap_lookup", |b| {
        b.iter(|| {
            next = (next + 1) % order.len();
            black_box(plain.get(black_box(&names[order[next]])))
        })
    });
    let mut next = 0;
    group.bench_function("decide_marketing", |b| {
        b.iter(|| {
            next = (next + 1) % order.len();
            let subject = black_box(&ids[order[next]]);
            black_box(decider.decide(&Use::new(
                subject,
                &[Category::Contact],
                Purpose::Marketing,
                Actor::System,
                now,
            )))
        })
    });
    let mut next = 0;
    group.bench_function("decide_shipping", |b| {
        b.iter(|| {
            next = (next + 1) % order.len();
            let subject = black_box(&ids[order[next]]);
            black_box(decider.decide(&Use::new(
                subject,
                &[Category::Location],
                Purpose::Shipping,
                Actor::System,
                now,
            )))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

/// Counts audit events and keeps none: the benchmarks measure decisions,
/// and the 1.2 million consent events of the set-up would only cost
/// memory in a `MemorySink`. A sink that drops events is written out here,
/// visibly, as the audit docs ask.
#[derive(Debug, Default)]
struct CountingSink(std::sync::atomic::AtomicU64);

impl custodian::audit::AuditSink for CountingSink {
    fn record(&self, _: &custodian::audit::AuditEvent) -> Result<(), custodian::audit::SinkError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

/// An auditor over a counting sink.
fn auditor() -> custodian::audit::Auditor {
    custodian::audit::Auditor::new(
        CountingSink::default(),
        custodian::audit::Pseudonymizer::from_bytes([3; 32]),
    )
}
