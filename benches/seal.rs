//! Sealing and opening, each beside its raw primitive in the same run.
//!
//! Run: `cargo bench --bench seal -- --warm-up-time 1 --measurement-time 3`.
//!
//! | group | measured | baseline |
//! |---|---|---|
//! | `seal_32B` | `Vault::seal` of a 32-byte email for an existing subject (fork check included); `raw_aes_gcm_siv` is AES-256-GCM-SIV (RFC 8452) on the same bytes, the candidate algorithm `0x02` | RustCrypto AES-256-GCM `encrypt` of 32 bytes with a pre-initialized cipher (`raw_aes_gcm`) |
//! | `fork_check` | what the nonce generator and leases ask per seal: a `pthread_atfork` counter compared (`atfork_guard`); `getpid` is the system call it avoids | `raw_aes_gcm`, as above |
//! | `open_32B` | `Vault::open::<Email>` of that envelope (decrypt, then check the email again) | AES-256-GCM `decrypt` of the same; `email_parse_only` is `Email::parse` alone, for scale |
//! | `customer_json` | a 5-PII-field struct to JSON, sealed | the same struct with plain `String`s |
//! | `batch_100_json` | 100 `#[derive(Personal)]` members of 100 subjects to JSON and back, each under its own key (`personal_*`) | the same 100 as serde-derived structs, each in its own subject's scope by hand (`scope_per_record_*`, the same keys); in one subject's scope, all under one key (`one_scope_*`, the batch bug, for scale); plain `String`s (`plain_strings`) |
//! | `first_seal` | sealing for a subject never seen (key created, wrapped, stored, subkey derived) | — |
//! | `blind_index` | `Vault::blind_index` of the email | HMAC-SHA256 of the same bytes with a pre-keyed state |
//!
//! The ratio of each pair is the cost the crate adds. The backend is
//! RustCrypto `aes-gcm` 0.11 (AES-NI and CLMUL detected at run time).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use aes_gcm_siv::Aes256GcmSiv;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use custodian::SubjectId;
use custodian::pii::{CardNumber, Email, Iban, PersonName, Phone};
use custodian::vault::{
    BlindIndex, FieldLabel, KeyScope, MemoryKeyStore, RootKey, RootKeyRing, Vault,
};

const LABEL: FieldLabel = FieldLabel::new("customer.email");

fn vault() -> Vault {
    Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng"))),
            Arc::new(MemoryKeyStore::new()),
        )
        .expect("vault")
}

/// 32 bytes of canonical plaintext.
fn email() -> Email {
    let email = Email::parse("abcdefghijklmnopqrst@example.com").expect("valid");
    assert_eq!(email.expose().len(), 32);
    email
}

fn seal_and_open(c: &mut Criterion) {
    let vault = vault();
    let scope = KeyScope::subject(&SubjectId::new("cust_1"));
    let email = email();
    let plain = email.expose().as_bytes().to_vec();
    let raw = Aes256Gcm::new_from_slice(&[7u8; 32]).expect("32 bytes");
    let nonce = Nonce::from([9u8; 12]);
    // Warm the caches: the subject exists, its field key is derived.
    let sealed = vault.seal(&email, &scope, LABEL).expect("seal");
    let raw_sealed = raw.encrypt(&nonce, plain.as_slice()).expect("encrypt");

    let siv = Aes256GcmSiv::new_from_slice(&[7u8; 32]).expect("32 bytes");

    let mut group = c.benchmark_group("seal_32B");
    group.bench_function("raw_aes_gcm", |b| {
        b.iter(|| raw.encrypt(black_box(&nonce), black_box(plain.as_slice())))
    });
    group.bench_function("raw_aes_gcm_siv", |b| {
        b.iter(|| siv.encrypt(black_box(&nonce), black_box(plain.as_slice())))
    });
    group.bench_function("vault", |b| {
        b.iter(|| vault.seal(black_box(&email), black_box(&scope), LABEL))
    });
    group.finish();

    let mut group = c.benchmark_group("fork_check");
    group.bench_function("raw_aes_gcm", |b| {
        b.iter(|| raw.encrypt(black_box(&nonce), black_box(plain.as_slice())))
    });
    let mut guard = forkguard::new();
    group.bench_function("atfork_guard", |b| {
        b.iter(|| black_box(&mut guard).detected_fork())
    });
    group.bench_function("getpid", |b| b.iter(std::process::id));
    group.finish();

    let mut group = c.benchmark_group("open_32B");
    // For scale: parsing an email from text (open checks the decrypted
    // canonical form in place, which is cheaper).
    group.bench_function("email_parse_only", |b| {
        b.iter(|| Email::parse(black_box(email.expose())))
    });
    group.bench_function("raw_aes_gcm", |b| {
        b.iter(|| raw.decrypt(black_box(&nonce), black_box(raw_sealed.as_slice())))
    });
    group.bench_function("vault", |b| {
        b.iter(|| vault.open::<Email>(black_box(&sealed), black_box(&scope), LABEL))
    });
    group.finish();
}

#[derive(Serialize)]
struct Customer {
    id: u64,
    name: PersonName,
    email: Email,
    phone: Phone,
    card: CardNumber,
    refunds_to: Iban,
}

#[derive(Serialize)]
struct PlainCustomer {
    id: u64,
    name: String,
    email: String,
    phone: String,
    card: String,
    refunds_to: String,
}

fn customer_json(c: &mut Criterion) {
    let vault = vault();
    let alice = SubjectId::new("cust_1");
    let customer = Customer {
        id: 17,
        name: PersonName::parse("Ada Lovelace").expect("valid"),
        email: Email::parse("ada.lovelace@example.com").expect("valid"),
        phone: Phone::parse("+44 20 7946 0958").expect("valid"),
        card: CardNumber::parse("4242 4242 4242 4242").expect("valid"),
        refunds_to: Iban::parse("DE89 3704 0044 0532 0130 00").expect("valid"),
    };
    let plain = PlainCustomer {
        id: 17,
        name: customer.name.expose().to_owned(),
        email: customer.email.expose().to_owned(),
        phone: customer.phone.expose().to_owned(),
        card: customer.card.expose().to_owned(),
        refunds_to: customer.refunds_to.expose().to_owned(),
    };
    let scope = vault.subject(&alice);
    scope
        .run(|| serde_json::to_string(&customer))
        .expect("warm");

    let mut group = c.benchmark_group("customer_json");
    group.bench_function("plain_strings", |b| {
        b.iter(|| serde_json::to_string(black_box(&plain)))
    });
    group.bench_function("sealed", |b| {
        b.iter(|| scope.run(|| serde_json::to_string(black_box(&customer))))
    });
    group.finish();
}

#[derive(custodian::Personal)]
struct Member {
    #[personal(subject)]
    id: u64,
    email: Email,
    phone: Phone,
}

#[derive(Serialize, serde::Deserialize)]
struct PlainMember {
    id: u64,
    email: Email,
    phone: Phone,
}

#[derive(Serialize)]
struct StringMember {
    id: u64,
    email: String,
    phone: String,
}

fn batch_json(c: &mut Criterion) {
    let vault = vault();
    let member = |id: u64| Member {
        id,
        email: Email::parse(&format!("member{id}@example.com")).expect("valid"),
        phone: Phone::parse(&format!("+44 20 7946 {:04}", id)).expect("valid"),
    };
    let personal: Vec<Member> = (0..100).map(member).collect();
    let ambient: Vec<PlainMember> = personal
        .iter()
        .map(|m| PlainMember {
            id: m.id,
            email: m.email.clone(),
            phone: m.phone.clone(),
        })
        .collect();
    let strings: Vec<StringMember> = personal
        .iter()
        .map(|m| StringMember {
            id: m.id,
            email: m.email.expose().to_owned(),
            phone: m.phone.expose().to_owned(),
        })
        .collect();
    let records = vault.records();
    let one = vault.subject(&SubjectId::new("cust_1"));
    let scope_of = |id: u64| vault.subject(&SubjectId::new(id.to_string()));
    // Warm: every subject's key exists and its field keys are cached.
    let personal_json = records
        .run(|| serde_json::to_string(&personal))
        .expect("warm");
    let one_json = one.run(|| serde_json::to_string(&ambient)).expect("warm");
    let each_json: Vec<String> = ambient
        .iter()
        .map(|m| {
            scope_of(m.id)
                .run(|| serde_json::to_string(m))
                .expect("warm")
        })
        .collect();

    let mut group = c.benchmark_group("batch_100_json");
    group.bench_function("plain_strings", |b| {
        b.iter(|| serde_json::to_string(black_box(&strings)))
    });
    group.bench_function("one_scope_seal", |b| {
        b.iter(|| one.run(|| serde_json::to_string(black_box(&ambient))))
    });
    group.bench_function("scope_per_record_seal", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(personal_json.len());
            for m in black_box(&ambient) {
                scope_of(m.id).run(|| serde_json::to_writer(&mut out, m))?;
            }
            Ok::<_, custodian::seal::ScopedError<serde_json::Error>>(out)
        })
    });
    group.bench_function("personal_seal", |b| {
        b.iter(|| records.run(|| serde_json::to_string(black_box(&personal))))
    });
    group.bench_function("one_scope_open", |b| {
        b.iter(|| one.run(|| serde_json::from_str::<Vec<PlainMember>>(black_box(&one_json))))
    });
    group.bench_function("scope_per_record_open", |b| {
        b.iter(|| {
            black_box(&each_json)
                .iter()
                .zip(&ambient)
                .map(|(json, m)| scope_of(m.id).run(|| serde_json::from_str::<PlainMember>(json)))
                .collect::<Result<Vec<_>, _>>()
        })
    });
    group.bench_function("personal_open", |b| {
        b.iter(|| records.run(|| serde_json::from_str::<Vec<Member>>(black_box(&personal_json))))
    });
    group.finish();
}

fn first_seal(c: &mut Criterion) {
    let vault = vault();
    let email = email();
    let next = AtomicU64::new(0);
    let mut group = c.benchmark_group("first_seal");
    group.bench_function("new_subject", |b| {
        b.iter_batched(
            || {
                KeyScope::subject(&SubjectId::new(format!(
                    "new_{}",
                    next.fetch_add(1, Ordering::Relaxed)
                )))
            },
            |scope| vault.seal(&email, &scope, LABEL),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn blind_index(c: &mut Criterion) {
    let vault = vault();
    let email = email();
    const BY_EMAIL: BlindIndex = BlindIndex::new("customer.email");
    vault.blind_index(&BY_EMAIL, &email).expect("warm");
    let keyed = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&[3u8; 32]).expect("any length");
    let bytes = email.expose().as_bytes();

    let mut group = c.benchmark_group("blind_index");
    group.bench_function("raw_hmac_sha256", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(bytes));
            mac.finalize().into_bytes()
        })
    });
    group.bench_function("vault", |b| {
        b.iter(|| vault.blind_index(&BY_EMAIL, black_box(&email)))
    });
    group.finish();
}

criterion_group!(
    benches,
    seal_and_open,
    customer_json,
    batch_json,
    first_seal,
    blind_index
);
criterion_main!(benches);
