//! Envelopes of every built-in PII kind, in `tests/vectors/envelope-kinds.json`,
//! written by `tests/vectors/envelope/generate.py` with Python's standard
//! crypto alone from the documented format. They pin each kind's canonical
//! plaintext encoding, default field label and category code, subject ids
//! outside ASCII, a shared key, and data keys wrapped under two root key
//! versions (a rotated root key).

use std::sync::Arc;

use serde::Deserialize;

use custodian::pii::{
    CardNumber, DateOfBirth, Email, Iban, IdScheme, IpAddress, NationalId, PersonName, Phone,
    PostalAddress,
};
use custodian::seal::Sealable;
use custodian::vault::{
    DataKeyVersion, Envelope, Erasable, FieldLabel, KeyId, KeyRecord, KeyScope, KeyState, KeyStore,
    MemoryKeyStore, RootKey, RootKeyRing, Vault,
};
use custodian::{SealError, SubjectId};

#[derive(Deserialize)]
struct File {
    root_keys: std::collections::BTreeMap<u32, String>,
    records: Vec<Record>,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Record {
    scope: String,
    name: String,
    key_id: String,
    version: u32,
    root_version: u32,
    wrapped: String,
}

#[derive(Deserialize)]
struct Vector {
    record: usize,
    kind: String,
    label: String,
    category: u16,
    parse: String,
    envelope: String,
    text: String,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn load() -> File {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/envelope-kinds.json"
    ))
    .expect("vector file");
    serde_json::from_str(&text).expect("vector json")
}

fn scope(record: &Record) -> KeyScope {
    match record.scope.as_str() {
        "subject" => KeyScope::subject(&SubjectId::new(record.name.clone())),
        _ => KeyScope::shared(record.name.clone()),
    }
}

/// A vault holding the file's records, with both root key versions.
fn vault(file: &File) -> Vault {
    let root = |v: u32| RootKey::from_bytes(&unhex(&file.root_keys[&v])).expect("root key");
    let ring = RootKeyRing::new(1, root(1));
    ring.add(2, root(2)).expect("second root version");
    ring.promote(2).expect("promote");
    let store = Arc::new(MemoryKeyStore::new());
    for record in &file.records {
        let id: [u8; 16] = unhex(&record.key_id).try_into().expect("16 bytes");
        let version = DataKeyVersion {
            version: record.version,
            state: KeyState::Active,
            root_version: record.root_version,
            wrapped: unhex(&record.wrapped),
            encryptions: 0,
        };
        let record = KeyRecord {
            id: KeyId::from_bytes(id),
            scope: scope(record),
            versions: vec![version],
            revision: 0,
            created_at: 0,
        };
        store.create(record, None).expect("store");
    }
    Vault::builder()
        .build(Arc::new(ring), store)
        .expect("vault")
}

/// Opens `envelope` as `T` and checks it is the value `expected` parses to,
/// that the kind's default label and category are the vector's, and that
/// another label does not open it.
fn check<T: Sealable + PartialEq + std::fmt::Debug>(
    vault: &Vault,
    vector: &Vector,
    scope: &KeyScope,
    expected: T,
) {
    assert_eq!(T::DEFAULT_LABEL.as_str(), vector.label, "{}", vector.kind);
    assert_eq!(T::CATEGORY.code(), vector.category, "{}", vector.kind);
    let envelope = Envelope::from_text(&vector.text).expect("text form");
    assert_eq!(envelope.as_bytes(), unhex(&vector.envelope));
    assert_eq!(envelope.category_code(), vector.category);
    match vault.open::<T>(&envelope, scope, T::DEFAULT_LABEL) {
        Ok(Erasable::Present(value)) => assert_eq!(value, expected, "{}", vector.kind),
        other => panic!("{} did not open: {other:?}", vector.kind),
    }
    assert!(matches!(
        vault.open::<T>(&envelope, scope, FieldLabel::new("another.label")),
        Err(SealError::Crypto { .. })
    ));
}

fn address(input: &str) -> PostalAddress {
    let parts: Vec<&str> = input.split('|').collect();
    let (lines, rest) = parts.split_at(parts.len() - 3);
    lines
        .iter()
        .fold(PostalAddress::builder(), |b, l| b.line(l))
        .postal_code(rest[0])
        .locality(rest[1])
        .country(rest[2])
        .build()
        .expect("address")
}

#[test]
fn every_kind_opens_from_vectors_written_by_another_implementation() {
    let file = load();
    let vault = vault(&file);
    let mut kinds = std::collections::BTreeSet::new();
    for vector in &file.vectors {
        let scope = scope(&file.records[vector.record]);
        let input = vector.parse.as_str();
        match vector.kind.as_str() {
            "email" => check(&vault, vector, &scope, Email::parse(input).unwrap()),
            "phone" => check(&vault, vector, &scope, Phone::parse(input).unwrap()),
            "card_number" => check(&vault, vector, &scope, CardNumber::parse(input).unwrap()),
            "iban" => check(&vault, vector, &scope, Iban::parse(input).unwrap()),
            "person_name" => check(&vault, vector, &scope, PersonName::parse(input).unwrap()),
            "postal_address" => check(&vault, vector, &scope, address(input)),
            "ip_address" => check(&vault, vector, &scope, IpAddress::parse(input).unwrap()),
            "date_of_birth" => check(&vault, vector, &scope, DateOfBirth::parse(input).unwrap()),
            "national_id" => check(
                &vault,
                vector,
                &scope,
                NationalId::parse(IdScheme::Ssn, "US", input).unwrap(),
            ),
            other => panic!("unknown kind {other}"),
        }
        kinds.insert(vector.kind.clone());
    }
    assert_eq!(kinds.len(), 9, "every built-in kind that seals is covered");
    let rooted: std::collections::BTreeSet<u32> =
        file.records.iter().map(|r| r.root_version).collect();
    assert_eq!(rooted.len(), 2, "data keys under two root key versions");
    assert!(file.records.iter().any(|r| !r.name.is_ascii()));
}

#[test]
fn a_value_sealed_now_opens_under_the_rotated_root_key() {
    let file = load();
    let vault = vault(&file);
    // A new subject's key is wrapped under root version 2, the active one.
    let who = KeyScope::subject(&SubjectId::new("клиент_42"));
    let email = Email::parse("Ada@Example.COM").unwrap();
    let sealed = vault.seal(&email, &who, Email::DEFAULT_LABEL).unwrap();
    let opened = vault
        .open::<Email>(&sealed, &who, Email::DEFAULT_LABEL)
        .unwrap();
    assert_eq!(opened.present(), Some(&email));
}
