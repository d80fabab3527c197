//! Unit tests of the serde integration: modes, scopes, labels, errors.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::*;
use crate::SubjectId;
use crate::error::SealError;
use crate::pii::{Email, Phone};
use crate::vault::{Erasable, MemoryKeyStore, RootKey, RootKeyRing, Vault};

crate::field_label!(mod billing_email = "customer.billing_email");

#[derive(Debug, Serialize, Deserialize)]
struct Customer {
    id: u32,
    login: Email,
    #[serde(with = "billing_email")]
    billing: Option<Email>,
    phone: Phone,
}

#[derive(Debug, Serialize, Deserialize)]
struct Invoice {
    number: u32,
    #[serde(with = "billing_email")]
    billed_to: Erasable<Email>,
}

fn vault() -> Vault {
    Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng"))),
            Arc::new(MemoryKeyStore::new()),
        )
        .expect("vault")
}

fn customer() -> Customer {
    Customer {
        id: 7,
        login: Email::parse("ada@example.com").expect("valid"),
        billing: Some(Email::parse("billing@example.com").expect("valid")),
        phone: Phone::parse("+49 30 1234 5678").expect("valid"),
    }
}

fn alice() -> SubjectId {
    SubjectId::new("alice")
}

#[test]
fn json_round_trip_seals_every_field() {
    let vault = vault();
    let json = vault
        .subject(&alice())
        .run(|| serde_json::to_string(&customer()))
        .expect("seal");
    assert!(
        !json.contains("ada@") && !json.contains("billing@") && !json.contains("5678"),
        "{json}"
    );
    assert_eq!(json.matches("\"cst1:").count(), 3);
    let back: Customer = vault
        .subject(&alice())
        .run(|| serde_json::from_str(&json))
        .expect("open");
    assert_eq!(back.login, customer().login);
    assert_eq!(back.billing, customer().billing);
    assert_eq!(back.phone, customer().phone);
}

#[test]
fn postcard_round_trip_uses_raw_bytes() {
    let vault = vault();
    let bytes = vault
        .subject(&alice())
        .run(|| postcard::to_stdvec(&customer()))
        .expect("seal");
    let back: Customer = vault
        .subject(&alice())
        .run(|| postcard::from_bytes(&bytes))
        .expect("open");
    assert_eq!(back.login, customer().login);
    assert!(
        !bytes.windows(3).any(|w| w == b"cst"),
        "binary formats carry raw envelopes"
    );
}

#[test]
fn no_scope_fails_closed() {
    let err = serde_json::to_string(&customer()).expect_err("no vault");
    assert!(
        err.to_string()
            .contains("no vault in scope for a contact value"),
        "{err}"
    );
    assert!(postcard::to_stdvec(&customer()).is_err());
    assert!(serde_json::from_str::<Email>("\"cst1:AAAA\"").is_err());
}

#[test]
fn errors_come_back_typed_and_name_the_category() {
    let vault = vault();
    let json = vault
        .subject(&alice())
        .run(|| serde_json::to_string(&customer()))
        .expect("seal");
    let bob = SubjectId::new("bob");
    vault
        .subject(&bob)
        .run(|| serde_json::to_string(&customer()))
        .expect("bob has a key");
    let err = vault
        .subject(&bob)
        .run(|| serde_json::from_str::<Customer>(&json))
        .expect_err("alice's record in bob's scope");
    assert!(matches!(
        err.seal_error(),
        Some(SealError::WrongSubject {
            category: crate::pii::Category::Contact
        })
    ));

    let plain = r#"{"id":1,"login":"ada@example.com","billing":null,"phone":"+4930123"}"#;
    let err = vault
        .subject(&alice())
        .run(|| serde_json::from_str::<Customer>(plain))
        .expect_err("plaintext");
    assert!(matches!(
        err,
        ScopedError::Seal(SealError::NotSealed { .. })
    ));

    let err = vault
        .subject(&alice())
        .run(|| serde_json::from_str::<Customer>("{"))
        .expect_err("syntax");
    assert!(matches!(err, ScopedError::Format(_)));
}

#[test]
fn labels_bind_fields() {
    let vault = vault();
    let json = vault
        .subject(&alice())
        .run(|| serde_json::to_string(&customer()))
        .expect("seal");
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    // Swap the login and billing envelopes: both are contact emails of the
    // same subject, only the labels differ.
    let swapped = serde_json::json!({
        "id": 7, "login": value["billing"], "billing": value["login"], "phone": value["phone"],
    });
    let err = vault
        .subject(&alice())
        .run(|| serde_json::from_value::<Customer>(swapped))
        .expect_err("moved between fields");
    assert!(matches!(err.seal_error(), Some(SealError::Crypto { .. })));
    // Moving a phone into an email field fails on the category.
    let moved = serde_json::json!({
        "id": 7, "login": value["phone"], "billing": null, "phone": value["phone"],
    });
    let err = vault
        .subject(&alice())
        .run(|| serde_json::from_value::<Customer>(moved))
        .expect_err("moved");
    assert!(
        matches!(err.seal_error(), Some(SealError::Crypto { .. })),
        "{err:?}"
    );
}

#[test]
fn masked_output_is_for_display_only() {
    let json = masked(|| serde_json::to_string(&customer())).expect("mask");
    assert!(json.contains("a•••@example.com"), "{json}");
    assert!(!json.contains("ada@"));
    let err = masked(|| serde_json::from_str::<Customer>(&json)).expect_err("masked");
    assert!(matches!(err.seal_error(), Some(SealError::Masked { .. })));
    let vault = vault();
    let err = vault
        .subject(&alice())
        .run(|| serde_json::from_str::<Customer>(&json))
        .expect_err("masked");
    assert!(matches!(err.seal_error(), Some(SealError::Masked { .. })));
    assert!(serde_json::from_str::<Email>("\"a•••@example.com\"").is_err());
}

#[test]
fn revealed_scope_writes_plaintext_for_the_subject() {
    let vault = vault();
    let scope = vault.subject(&alice()).revealed(RevealReason::Portability);
    let json = scope
        .run(|| serde_json::to_string(&customer()))
        .expect("reveal");
    assert!(
        json.contains("\"ada@example.com\"") && json.contains("\"+493012345678\""),
        "{json}"
    );
    let back: Customer = scope
        .run(|| serde_json::from_str(&json))
        .expect("plaintext accepted");
    assert_eq!(back.login, customer().login);
}

#[test]
fn scopes_nest_and_are_restored_after_panics() {
    let vault = vault();
    let bob = SubjectId::new("bob");
    let outer = vault.subject(&alice()).run(|| {
        let inner = masked(|| serde_json::to_string(&customer().login)).expect("inner");
        assert_eq!(inner, "\"a•••@example.com\"");
        serde_json::to_string(&customer().login)
    });
    assert!(outer.expect("outer sealed").starts_with("\"cst1:"));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = vault
            .subject(&bob)
            .run(|| -> Result<(), ()> { panic!("boom") });
    }));
    assert!(caught.is_err());
    assert!(
        serde_json::to_string(&customer().login).is_err(),
        "no scope leaked"
    );
    assert!(scope::current().is_none());
}

#[test]
fn erasable_fields_survive_shredding() {
    let vault = vault();
    let invoice = Invoice {
        number: 1,
        billed_to: Erasable::Present(Email::parse("ada@example.com").expect("valid")),
    };
    let json = vault
        .subject(&alice())
        .run(|| serde_json::to_string(&invoice))
        .expect("seal");
    let customer_json = vault
        .subject(&alice())
        .run(|| serde_json::to_string(&customer()))
        .expect("seal");
    vault.forget(&alice()).expect("forget");
    let back: Invoice = vault
        .subject(&alice())
        .run(|| serde_json::from_str(&json))
        .expect("still loads");
    assert!(back.billed_to.is_erased());
    assert_eq!(back.billed_to.to_string(), "[erased]");
    // It re-serializes to the same (dead) envelope.
    let again = vault
        .subject(&alice())
        .run(|| serde_json::to_string(&back))
        .expect("seal");
    assert_eq!(again, json);
    // A plain field reports shredded, distinct from tampering.
    let err = vault
        .subject(&alice())
        .run(|| serde_json::from_str::<Customer>(&customer_json))
        .expect_err("shredded");
    assert!(err.seal_error().is_some_and(SealError::is_shredded));
}

#[test]
fn garbled_text_forms_are_malformed_not_panics() {
    let vault = vault();
    for input in [
        "\"cst1:\"",
        "\"cst1:!!!\"",
        "\"cst1:AQEB\"",
        "\"cst1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
    ] {
        let err = vault
            .subject(&alice())
            .run(|| serde_json::from_str::<Email>(input))
            .expect_err(input);
        assert!(
            matches!(err.seal_error(), Some(SealError::Malformed { .. })),
            "{input}: {err:?}"
        );
    }
}

#[test]
fn a_guard_dropped_out_of_order_still_removes_its_frame() {
    let origin = scope::ambient_origin();
    let outer = scope::enter(std::rc::Rc::clone(&origin), None).expect("push");
    let inner =
        scope::enter(origin, Some(crate::vault::KeyScope::subject(&alice()))).expect("push");
    drop(outer);
    assert!(scope::current().is_some_and(|frame| frame.scope().is_some()));
    drop(inner);
    // No frame is left to name a subject for later values on the thread.
    assert!(scope::current().is_none());
    assert!(matches!(
        serde_json::to_string(&customer()).map_err(|e| e.to_string()),
        Err(message) if message.contains("no vault")
    ));
}
