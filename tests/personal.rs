//! scratch
use std::sync::Arc;

use custodian::pii::{Email, Phone};
use custodian::vault::{Erasable, MemoryKeyStore, RootKey, RootKeyRing, Vault};
use custodian::{Personal, SubjectId};

#[derive(Personal, Debug, PartialEq)]
struct Seller {
    #[personal(subject)]
    id: String,
    contact: Email,
}

#[derive(Personal, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Customer {
    login_email: Email,
    #[personal(label = "customer.billing_email")]
    billing_email: Option<Email>,
    #[personal(subject)]
    id: SubjectId,
    phones: Vec<Phone>,
    #[personal(category = "transaction")]
    total_spent: u64,
    seller: Option<Seller>,
    history: Erasable<Email>,
    note: String,
}

fn vault() -> Vault {
    Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng"))),
            Arc::new(MemoryKeyStore::new()),
        )
        .expect("vault")
}

#[test]
fn smoke() {
    let vault = vault();
    let c = Customer {
        login_email: Email::parse("ada@example.com").unwrap(),
        billing_email: Some(Email::parse("bill@example.com").unwrap()),
        id: SubjectId::new("ada"),
        phones: vec![Phone::parse("+49 30 1234 5678").unwrap()],
        total_spent: 12,
        seller: Some(Seller {
            id: "s1".into(),
            contact: Email::parse("shop@example.com").unwrap(),
        }),
        history: Erasable::Present(Email::parse("old@example.com").unwrap()),
        note: "hi".into(),
    };
    let json = vault.records().run(|| serde_json::to_string(&c)).unwrap();
    println!("{json}");
    let back: Customer = vault.records().run(|| serde_json::from_str(&json)).unwrap();
    assert_eq!(back, c);
    let bytes = vault.records().run(|| postcard::to_stdvec(&c)).unwrap();
    let back: Customer = vault
        .records()
        .run(|| postcard::from_bytes(&bytes))
        .unwrap();
    assert_eq!(back, c);
    for f in c.data_map().unwrap().fields() {
        println!(
            "{} {} {} {:?}",
            f.path(),
            f.subject(),
            f.category(),
            f.holding()
        );
    }
    vault.forget(&SubjectId::new("s1")).unwrap();
    let err = vault
        .records()
        .run(|| serde_json::from_str::<Customer>(&json))
        .unwrap_err();
    println!("{err:?}");
}
