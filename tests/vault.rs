//! Properties of the vault and of sealing on serialize, through the public
//! API only, for every sealable PII kind.

use std::fmt::Debug;
use std::sync::Arc;

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use custodian::pii::{
    CardNumber, Category, Custom, CustomKind, DateOfBirth, Email, Iban, IdScheme, IpAddress,
    NationalId, PersonName, Phone, PostalAddress,
};
use custodian::seal::{Sealable, masked};
use custodian::vault::{
    Envelope, Erasable, FieldLabel, KeyScope, MemoryKeyStore, Resealed, RootKey, RootKeyRing, Vault,
};
use custodian::{SealError, SubjectId};

const LABEL: FieldLabel = FieldLabel::new("test.field");
const OTHER: FieldLabel = FieldLabel::new("test.other_field");

fn vault() -> Vault {
    Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng"))),
            Arc::new(MemoryKeyStore::new()),
        )
        .expect("vault")
}

fn subject(name: &str) -> KeyScope {
    KeyScope::subject(&SubjectId::new(name))
}

#[derive(Debug)]
struct Note;

impl CustomKind for Note {
    const NAME: &'static str = "support_note";
    const CATEGORY: Category = Category::Engagement;
}

fn luhn_digit(payload: &str) -> char {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][d as usize]
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn german_iban(bban: &str) -> String {
    let rearranged = format!("{bban}131400");
    let rem = rearranged
        .bytes()
        .fold(0_u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

/// One value of some kind and the plaintext that must never show.
#[derive(Clone, Debug)]
enum Any {
    Email(Email),
    Phone(Phone),
    Card(CardNumber),
    Iban(Iban),
    Name(PersonName),
    Address(PostalAddress),
    Ip(IpAddress),
    Born(DateOfBirth),
    Id(NationalId),
    Note(Custom<Note>),
}

fn any_value() -> impl Strategy<Value = (Any, String)> {
    prop_oneof![
        (
            "[a-z0-9]{2,12}(\\.[a-z0-9]{1,8})?",
            "[a-z]{2,10}\\.(com|org|de)"
        )
            .prop_map(|(l, d)| {
                let text = format!("{l}@{d}");
                (Any::Email(Email::parse(&text).expect("valid")), text)
            }),
        // French mobile numbers: valid in their numbering plan.
        "336[0-24-8][0-9]{7}".prop_map(|d| {
            let text = format!("+{d}");
            (Any::Phone(Phone::parse(&text).expect("valid")), text)
        }),
        "4[0-9]{14}".prop_map(|p| {
            let text = format!("{p}{}", luhn_digit(&p));
            (Any::Card(CardNumber::parse(&text).expect("valid")), text)
        }),
        "[0-9]{18}".prop_map(|b| {
            let text = german_iban(&b);
            (Any::Iban(Iban::parse(&text).expect("valid")), text)
        }),
        prop::collection::vec("[A-Z][a-z]{2,10}", 2..4).prop_map(|w| {
            let text = w.join(" ");
            (Any::Name(PersonName::parse(&text).expect("valid")), text)
        }),
        ("[A-Z][a-z]{5,12} [0-9]{1,3}", "[0-9]{5}", "[A-Z][a-z]{3,9}").prop_map(|(s, c, l)| {
            let a = PostalAddress::builder()
                .line(&s)
                .postal_code(&c)
                .locality(&l)
                .country("DE")
                .build();
            (Any::Address(a.expect("valid")), s)
        }),
        (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254).prop_map(|(a, b, c, d)| {
            let text = format!("{a}.{b}.{c}.{d}");
            (Any::Ip(IpAddress::parse(&text).expect("valid")), text)
        }),
        (1940u16..2005, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
            let text = format!("{y}-{m:02}-{d:02}");
            (Any::Born(DateOfBirth::parse(&text).expect("valid")), text)
        }),
        (1u16..=665, 1u8..=99, 1u16..=9999).prop_filter_map("never-issued", |(a, g, s)| {
            let text = format!("{a:03}{g:02}{s:04}");
            NationalId::parse(IdScheme::Ssn, "US", &text)
                .ok()
                .map(|id| (Any::Id(id), text))
        }),
        "[a-z]{4,12}( [a-z]{3,9}){1,4}"
            .prop_map(|t| (Any::Note(Custom::parse(&t).expect("valid")), t)),
    ]
}

/// Runs `check` on the value at its concrete type.
macro_rules! with_kind {
    ($any:expr, |$v:ident| $body:expr) => {
        match $any {
            Any::Email($v) => $body,
            Any::Phone($v) => $body,
            Any::Card($v) => $body,
            Any::Iban($v) => $body,
            Any::Name($v) => $body,
            Any::Address($v) => $body,
            Any::Ip($v) => $body,
            Any::Born($v) => $body,
            Any::Id($v) => $body,
            Any::Note($v) => $body,
        }
    };
}

fn open_present<T: Sealable>(
    vault: &Vault,
    e: &Envelope,
    s: &KeyScope,
    l: FieldLabel,
) -> Result<T, SealError> {
    match vault.open::<T>(e, s, l)? {
        Erasable::Present(value) => Ok(value),
        Erasable::Erased(_) => Err(SealError::Shredded {
            category: T::CATEGORY,
        }),
    }
}

fn round_trips<T>(vault: &Vault, value: &T, plaintext: &str) -> Result<(), TestCaseError>
where
    T: Sealable + Serialize + DeserializeOwned + PartialEq + Debug,
{
    let alice = SubjectId::new("alice");
    let scope = KeyScope::subject(&alice);
    // Direct API.
    let sealed = vault.seal(value, &scope, LABEL).expect("seal");
    prop_assert_eq!(
        &open_present::<T>(vault, &sealed, &scope, LABEL).expect("open"),
        value
    );
    // serde, text and binary.
    let json = vault
        .subject(&alice)
        .run(|| serde_json::to_string(value))
        .expect("json");
    prop_assert!(!json.contains(plaintext), "json leaked: {}", json);
    let back: T = vault
        .subject(&alice)
        .run(|| serde_json::from_str(&json))
        .expect("json back");
    prop_assert_eq!(&back, value);
    let bytes = vault
        .subject(&alice)
        .run(|| postcard::to_stdvec(value))
        .expect("postcard");
    prop_assert!(
        !bytes
            .windows(plaintext.len())
            .any(|w| w == plaintext.as_bytes())
    );
    let back: T = vault
        .subject(&alice)
        .run(|| postcard::from_bytes(&bytes))
        .expect("postcard back");
    prop_assert_eq!(&back, value);
    // Masked output never holds the plaintext and never comes back.
    let shown = masked(|| serde_json::to_string(value)).expect("masked");
    prop_assert!(!shown.contains(plaintext), "mask leaked: {}", shown);
    prop_assert!(
        vault
            .subject(&alice)
            .run(|| serde_json::from_str::<T>(&shown))
            .is_err()
    );
    // Moved to another field or subject: fails.
    prop_assert!(open_present::<T>(vault, &sealed, &scope, OTHER).is_err());
    vault
        .seal(value, &subject("bob"), LABEL)
        .expect("bob has a key");
    prop_assert!(open_present::<T>(vault, &sealed, &subject("bob"), LABEL).is_err());
    Ok(())
}

fn tamper_fails<T: Sealable>(vault: &Vault, value: &T) -> Result<(), TestCaseError> {
    let scope = subject("alice");
    let sealed = vault.seal(value, &scope, LABEL).expect("seal");
    let bytes = sealed.as_bytes();
    for bit in 0..bytes.len() * 8 {
        let mut flipped = bytes.to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        if let Ok(envelope) = Envelope::from_bytes(&flipped) {
            prop_assert!(
                open_present::<T>(vault, &envelope, &scope, LABEL).is_err(),
                "bit {} flipped",
                bit
            );
        }
    }
    for len in 0..bytes.len() {
        // Shorter than the header and tag: a layout error; longer: the tag
        // no longer matches.
        match Envelope::from_bytes(&bytes[..len]) {
            Err(_) => prop_assert!(len < 53),
            Ok(envelope) => {
                prop_assert!(open_present::<T>(vault, &envelope, &scope, LABEL).is_err())
            }
        }
    }
    let text = sealed.to_text();
    for len in 0..text.len() {
        if let Ok(envelope) = Envelope::from_text(&text[..len]) {
            prop_assert!(open_present::<T>(vault, &envelope, &scope, LABEL).is_err());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_kind_round_trips_sealed_and_never_leaks((value, plaintext) in any_value()) {
        let vault = vault();
        with_kind!(&value, |v| round_trips(&vault, v, &plaintext))?;
    }

    #[test]
    fn any_flipped_bit_or_truncation_fails_to_open((value, _) in any_value()) {
        let vault = vault();
        with_kind!(&value, |v| tamper_fails(&vault, v))?;
    }

    #[test]
    fn forgetting_a_shreds_a_backup_and_spares_b(
        values in prop::collection::vec(any_value(), 1..6),
    ) {
        let vault = vault();
        let (a, b) = (SubjectId::new("a"), SubjectId::new("b"));
        let mut backup_a = Vec::new();
        let mut sealed_b = Vec::new();
        for (value, _) in &values {
            with_kind!(value, |v| {
                backup_a.push(vault.subject(&a).run(|| serde_json::to_string(v)).expect("seal a"));
                sealed_b.push(vault.subject(&b).run(|| serde_json::to_string(v)).expect("seal b"));
            });
        }
        vault.forget(&a).expect("forget");
        for ((value, _), (json_a, json_b)) in values.iter().zip(backup_a.iter().zip(&sealed_b)) {
            with_kind!(value, |v| shredded_and_spared(&vault, v, json_a, json_b))?;
        }
    }

    #[test]
    fn garbage_never_opens_nor_panics(text in "(cst1:)?[A-Za-z0-9_-]{0,120}", bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let vault = vault();
        let alice = SubjectId::new("alice");
        let json = serde_json::to_string(&text).expect("json string");
        let result = vault.subject(&alice).run(|| serde_json::from_str::<Email>(&json));
        prop_assert!(result.is_err_and(|e| e.seal_error().is_some()));
        let encoded = postcard::to_stdvec(&serde_bytes_like(&bytes)).expect("postcard");
        let result = vault.subject(&alice).run(|| postcard::from_bytes::<PostalAddress>(&encoded));
        prop_assert!(result.is_err());
    }

    #[test]
    fn rotation_keeps_old_values_and_reseal_moves_them((value, _) in any_value()) {
        let vault = vault();
        with_kind!(&value, |v| rotates(&vault, v))?;
    }
}

fn shredded_and_spared<T>(
    vault: &Vault,
    v: &T,
    json_a: &str,
    json_b: &str,
) -> Result<(), TestCaseError>
where
    T: Sealable + DeserializeOwned + PartialEq + Debug,
{
    let (a, b) = (SubjectId::new("a"), SubjectId::new("b"));
    let erased = vault
        .subject(&a)
        .run(|| serde_json::from_str::<Erasable<T>>(json_a))
        .expect("loads");
    prop_assert!(erased.is_erased());
    let err = vault
        .subject(&a)
        .run(|| serde_json::from_str::<T>(json_a))
        .expect_err("plain field");
    prop_assert!(err.seal_error().is_some_and(SealError::is_shredded));
    let back = vault
        .subject(&b)
        .run(|| serde_json::from_str::<Erasable<T>>(json_b))
        .expect("b loads");
    prop_assert_eq!(back.present(), Some(v));
    Ok(())
}

/// Bytes that serialize as a byte string (postcard's `bytes`), like an
/// envelope does.
fn serde_bytes_like(bytes: &[u8]) -> impl Serialize + '_ {
    struct Bytes<'a>(&'a [u8]);
    impl Serialize for Bytes<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    Bytes(bytes)
}

fn rotates<T: Sealable + PartialEq + Debug>(vault: &Vault, v: &T) -> Result<(), TestCaseError> {
    let scope = subject("alice");
    let old = vault.seal(v, &scope, LABEL).expect("seal");
    let version = vault.rotate_key(&scope).expect("rotate");
    prop_assert_eq!(
        &open_present::<T>(vault, &old, &scope, LABEL).expect("old opens"),
        v
    );
    let moved = match vault
        .reseal_batch::<T>(LABEL, [(&old, &scope)])
        .remove(0)
        .expect("reseal")
    {
        Resealed::Moved(moved) => moved,
        other => return Err(TestCaseError::fail(format!("not moved: {other:?}"))),
    };
    prop_assert_eq!(moved.key_version(), version);
    vault.retire_key_version(&scope, 1).expect("retire");
    prop_assert_eq!(
        &open_present::<T>(vault, &moved, &scope, LABEL).expect("moved opens"),
        v
    );
    prop_assert!(open_present::<T>(vault, &old, &scope, LABEL).is_err());
    Ok(())
}

#[test]
fn many_threads_seal_for_many_subjects() {
    let store = Arc::new(MemoryKeyStore::new());
    let vault = Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng"))),
            store.clone(),
        )
        .expect("vault");
    let email = Email::parse("ada@example.com").expect("valid");
    std::thread::scope(|s| {
        for t in 0..8 {
            let (vault, email) = (vault.clone(), email.clone());
            s.spawn(move || {
                for i in 0..200 {
                    let scope = subject(&format!("subject-{}", (t * 7 + i) % 50));
                    let sealed = vault.seal(&email, &scope, LABEL).expect("seal");
                    assert_eq!(
                        open_present::<Email>(&vault, &sealed, &scope, LABEL).expect("open"),
                        email
                    );
                    if i % 50 == 0 {
                        vault.clear_cache().expect("clear");
                    }
                }
            });
        }
    });
    // One key record per subject, however the threads raced, and the
    // vault's own pseudonym record (it keys tombstone tags).
    assert_eq!(store.snapshot().expect("snapshot").len(), 51);
}
