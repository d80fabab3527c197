//! `#[derive(Personal)]`: records seal under their own subject, whatever the
//! scope around them, read back in any field order, and list their data.
//!
//! This binary never sets a default vault (see `tests/default_vault.rs`),
//! so "no vault" means no vault.

mod common;

use std::collections::BTreeSet;

use custodian::pii::{Category, Email, PersonName, Phone, PiiKind};
use custodian::seal::{FieldState, Holding, RevealReason, ScopedError};
use custodian::vault::{Erasable, FieldLabel, KeyScope};
use custodian::{Personal, SealError, SubjectId};
use proptest::prelude::*;

use crate::common::memory_vault as vault;

fn email(text: &str) -> Email {
    Email::parse(text).expect("valid email")
}

fn seal_error<T: std::fmt::Debug, E: std::fmt::Debug>(
    result: Result<T, ScopedError<E>>,
) -> SealError {
    match result {
        Err(ScopedError::Seal(err)) => err,
        other => panic!("expected a seal error, got {other:?}"),
    }
}

#[derive(Personal, Debug, Clone, PartialEq)]
struct Seller {
    #[personal(subject)]
    id: String,
    #[personal(label = "seller.contact")]
    contact: Email,
}

#[derive(Personal, Debug, Clone, PartialEq)]
struct Customer {
    #[personal(subject)]
    id: SubjectId,
    email: Email,
    #[personal(label = "customer.billing_email")]
    billing: Option<Email>,
    phones: Vec<Phone>,
    #[personal(category = "transaction")]
    lifetime_spend: u64,
    note: String,
}

#[derive(Personal, Debug, Clone, PartialEq)]
struct Order {
    number: u32,
    #[personal(subject)]
    buyer: SubjectId,
    #[personal(label = "order.receipt_email")]
    receipt_to: Erasable<Email>,
    seller: Seller,
}

fn customer(id: &str, mail: &str) -> Customer {
    Customer {
        id: SubjectId::new(id),
        email: email(mail),
        billing: None,
        phones: vec![Phone::parse("+49 30 1234 5678").expect("valid phone")],
        lifetime_spend: 1200,
        note: format!("customer {id}"),
    }
}

fn order(buyer: &str, seller: &str) -> Order {
    Order {
        number: 17,
        buyer: SubjectId::new(buyer),
        receipt_to: Erasable::Present(email("buyer@example.com")),
        seller: Seller {
            id: seller.to_owned(),
            contact: email("shop@example.com"),
        },
    }
}

fn ada_and_bob() -> Vec<Customer> {
    vec![
        customer("ada", "ada@example.com"),
        customer("bob", "bob@example.com"),
    ]
}

/// The issue's batch bug: inside Ada's scope, a list of Ada's and Bob's
/// records sealed Bob's email under Ada's key, so forgetting Bob left it
/// readable. A record names its subject, and seals under it.
#[test]
fn regression_batch_in_one_subjects_scope_seals_each_record_under_its_own_key() {
    let vault = vault();
    let (ada, bob) = (SubjectId::new("ada"), SubjectId::new("bob"));
    let batch = ada_and_bob();
    let json = vault
        .subject(&ada)
        .run(|| serde_json::to_string(&batch))
        .expect("seal");
    vault.forget(&bob).expect("forget");

    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    let load = |row: &serde_json::Value| {
        vault
            .records()
            .run(|| serde_json::from_value::<Customer>(row.clone()))
    };
    assert_eq!(load(&rows[0]).expect("ada's record opens"), batch[0]);
    assert!(
        seal_error(load(&rows[1])).is_shredded(),
        "bob's email is gone"
    );
    // Not even under Ada's key, the scope it was serialized in.
    let bob_email = rows[1]["email"].as_str().expect("sealed text");
    let envelope = custodian::vault::Envelope::from_text(bob_email).expect("envelope");
    let under_ada = vault.open::<Email>(
        &envelope,
        &KeyScope::subject(&ada),
        FieldLabel::new("email"),
    );
    assert!(under_ada.is_err());
}

/// The same batch as plain serde structs, to show what the derive changes:
/// the ambient scope seals every loose value under its own subject.
#[test]
fn ambient_scope_alone_seals_a_batch_of_plain_structs_under_one_key() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct PlainCustomer {
        id: String,
        email: Email,
    }
    let vault = vault();
    let (ada, bob) = (SubjectId::new("ada"), SubjectId::new("bob"));
    let batch = vec![
        PlainCustomer {
            id: "ada".into(),
            email: email("ada@example.com"),
        },
        PlainCustomer {
            id: "bob".into(),
            email: email("bob@example.com"),
        },
    ];
    let json = vault
        .subject(&ada)
        .run(|| serde_json::to_string(&batch))
        .expect("seal");
    vault.forget(&bob).expect("forget");
    let back: Vec<PlainCustomer> = vault
        .subject(&ada)
        .run(|| serde_json::from_str(&json))
        .expect("all under ada");
    assert_eq!(back[1].email.expose(), "bob@example.com");
}

#[test]
fn a_nested_record_seals_under_its_own_subject() {
    let vault = vault();
    let order = order("ada", "shop_9");
    let json = vault
        .records()
        .run(|| serde_json::to_string(&order))
        .expect("seal");
    assert!(!json.contains("@example.com"), "{json}");
    vault
        .forget(&SubjectId::new("shop_9"))
        .expect("forget the seller");
    let err = seal_error(vault.records().run(|| serde_json::from_str::<Order>(&json)));
    assert!(err.is_shredded(), "the seller's contact is erased: {err:?}");

    // The buyer's own data opens: read the seller part separately.
    let mut value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let seller = value["seller"].take();
    let receipt = value["receipt_to"].as_str().expect("sealed").to_owned();
    let envelope = custodian::vault::Envelope::from_text(&receipt).expect("envelope");
    let opened = vault
        .open::<Email>(
            &envelope,
            &KeyScope::subject(&SubjectId::new("ada")),
            FieldLabel::new("order.receipt_email"),
        )
        .expect("opens");
    assert_eq!(
        opened.present().map(Email::expose),
        Some("buyer@example.com")
    );
    assert!(
        seal_error(
            vault
                .records()
                .run(|| serde_json::from_value::<Seller>(seller))
        )
        .is_shredded()
    );
}

/// Forgetting is permanent through the derive too: a stale record of a
/// forgotten subject written back — alone, in a batch, nested in another
/// subject's record, in any scope — fails with `Shredded` instead of
/// sealing under a fresh key, until the subject is reinstated.
#[test]
fn regression_a_record_of_a_forgotten_subject_does_not_seal() {
    let vault = vault();
    let (ada, bob) = (SubjectId::new("ada"), SubjectId::new("bob"));
    let batch = ada_and_bob();
    let before = vault
        .records()
        .run(|| serde_json::to_string(&batch[1]))
        .expect("seal");
    vault.forget(&bob).expect("forget");

    for scope in [vault.records(), vault.subject(&ada)] {
        let err = seal_error(scope.run(|| serde_json::to_string(&batch)));
        assert!(err.is_shredded(), "{err:?}");
        assert!(!err.to_string().contains("bob@"), "{err}");
        assert!(seal_error(scope.run(|| postcard::to_stdvec(&batch[1]))).is_shredded());
    }
    vault
        .records()
        .run(|| serde_json::to_string(&batch[0]))
        .expect("ada's record still seals");

    let nested = order("ada", "bob");
    let err = seal_error(vault.records().run(|| serde_json::to_string(&nested)));
    assert!(err.is_shredded(), "the seller is forgotten: {err:?}");

    // The refused writes created no key: the old value stays erased, and a
    // reinstated Bob is a new person whose new values open.
    vault.reinstate(&bob).expect("reinstate");
    let after = vault
        .records()
        .run(|| serde_json::to_string(&batch[1]))
        .expect("seals again");
    let load = |json: &str| {
        vault
            .records()
            .run(|| serde_json::from_str::<Customer>(json))
    };
    assert!(seal_error(load(&before)).is_shredded());
    assert_eq!(load(&after).expect("opens"), batch[1]);
}

/// A value a record sealed opens with its owner through
/// `Vault::open_owned`: under the record's own subject only, so a reveal
/// naming the buyer for the seller's contact is refused.
#[test]
fn values_sealed_by_a_record_open_owned_by_its_subject() {
    use custodian::access::AccessContext;
    use custodian::audit::{Auditor, MemorySink, Pseudonymizer};
    use custodian::consent::ConsentLedger;
    use custodian::decision::{Decider, UseError};
    use custodian::ids::{PolicyVersion, Reference, Role, StaffId};
    use custodian::policy::{PolicySchedule, marketplace};
    use custodian::purpose::Purpose;
    use custodian::time::Timestamp;

    let vault = vault();
    let (ada, shop) = (SubjectId::new("ada"), SubjectId::new("shop_9"));
    let json = vault
        .records()
        .run(|| serde_json::to_string(&order("ada", "shop_9")))
        .expect("seal");
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let envelope = |v: &serde_json::Value| {
        custodian::vault::Envelope::from_text(v.as_str().expect("sealed")).expect("envelope")
    };
    let (receipt, contact) = (
        envelope(&value["receipt_to"]),
        envelope(&value["seller"]["contact"]),
    );
    const RECEIPT: FieldLabel = FieldLabel::new("order.receipt_email");
    const CONTACT: FieldLabel = FieldLabel::new("seller.contact");

    let receipt = vault
        .open_owned::<Email>(&receipt, &ada, RECEIPT)
        .expect("opens")
        .present()
        .cloned()
        .expect("present");
    assert_eq!(receipt.owner(), &ada);
    assert!(vault.open_owned::<Email>(&contact, &ada, CONTACT).is_err());
    let contact = vault
        .open_owned::<Email>(&contact, &shop, CONTACT)
        .expect("opens")
        .present()
        .cloned()
        .expect("present");
    assert_eq!(contact.owner(), &shop);
    assert_eq!(contact.value().expose(), "shop@example.com");

    let schedule = PolicySchedule::single(
        marketplace()
            .build(PolicyVersion::new("1"), Timestamp::EPOCH)
            .expect("policy"),
    );
    let sink = std::sync::Arc::new(MemorySink::new());
    let ledger = ConsentLedger::in_memory(Auditor::new(
        std::sync::Arc::clone(&sink),
        Pseudonymizer::from_bytes([1; 32]),
    ));
    let decider = Decider::new(&schedule, &ledger);
    let (agent, role, ticket) = (
        StaffId::new("staff:7"),
        Role::new("support_agent"),
        Reference::new("ticket:1"),
    );
    let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
    let now = Timestamp::now();
    assert!(matches!(
        decider.reveal(&ctx, &ada, &contact, now),
        Err(UseError::WrongSubject)
    ));
    assert!(sink.is_empty(), "refused before any audit event");
    let revealed = decider.reveal(&ctx, &ada, &receipt, now).expect("allowed");
    assert_eq!(revealed.expose(), "buyer@example.com");
}

#[test]
fn json_and_postcard_round_trip_in_any_scope() {
    let vault = vault();
    let ada = customer("ada", "ada@example.com");
    let records = [
        vault.records(),
        vault.subject(&SubjectId::new("someone_else")),
        vault.scope(KeyScope::shared("catalog")),
    ];
    for scope in &records {
        let json = scope.run(|| serde_json::to_string(&ada)).expect("json");
        let bytes = scope.run(|| postcard::to_stdvec(&ada)).expect("postcard");
        for reader in &records {
            let back: Customer = reader.run(|| serde_json::from_str(&json)).expect("json");
            assert_eq!(back, ada);
            let back: Customer = reader
                .run(|| postcard::from_bytes(&bytes))
                .expect("postcard");
            assert_eq!(back, ada);
        }
    }
}

#[test]
fn the_subject_is_written_first_and_may_be_read_last() {
    let vault = vault();
    let mut ada = customer("ada", "ada@example.com");
    ada.billing = Some(email("billing@example.com"));
    let json = vault
        .records()
        .run(|| serde_json::to_string(&ada))
        .expect("seal");
    assert!(json.starts_with("{\"id\":\"ada\","), "{json}");

    // Move the subject to the end, as a database that sorts keys would.
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let object = value.as_object().expect("object");
    let mut reordered: Vec<String> = object
        .iter()
        .filter(|(key, _)| *key != "id")
        .map(|(key, value)| format!("{key:?}:{value}"))
        .collect();
    reordered.push("\"id\":\"ada\"".to_owned());
    let reordered = format!("{{{}}}", reordered.join(","));
    assert!(reordered.ends_with("\"id\":\"ada\"}"));
    let back: Customer = vault
        .records()
        .run(|| serde_json::from_str(&reordered))
        .expect("opens after the subject is read");
    assert_eq!(back, ada);
}

#[test]
fn no_vault_fails_closed_without_plaintext() {
    let ada = customer("ada", "ada@example.com");
    let err = serde_json::to_string(&ada).expect_err("no vault");
    assert!(err.to_string().contains("no vault"), "{err}");
    let mut out = Vec::new();
    assert!(serde_json::to_writer(&mut out, &ada).is_err());
    assert!(
        !String::from_utf8_lossy(&out).contains("ada@"),
        "nothing in clear was written"
    );
    assert!(postcard::to_stdvec(&ada).is_err());

    let sealed = vault()
        .records()
        .run(|| serde_json::to_string(&ada))
        .expect("seal");
    let err = serde_json::from_str::<Customer>(&sealed).expect_err("no vault to open with");
    assert!(err.to_string().contains("no vault"), "{err}");
}

#[test]
fn a_loose_value_in_a_records_scope_has_no_subject() {
    let vault = vault();
    let err = seal_error(
        vault
            .records()
            .run(|| serde_json::to_string(&email("ada@example.com"))),
    );
    assert!(
        matches!(
            err,
            SealError::NoSubject {
                category: Category::Contact
            }
        ),
        "{err:?}"
    );
}

#[test]
fn masked_mode_masks_records() {
    let ada = customer("ada", "ada@example.com");
    let json = custodian::seal::masked(|| serde_json::to_string(&ada)).expect("masked");
    assert!(
        json.contains("a•••@example.com") && !json.contains("ada@"),
        "{json}"
    );
    let err = seal_error(custodian::seal::masked(|| {
        serde_json::from_str::<Customer>(&json)
    }));
    assert!(matches!(err, SealError::Masked { .. }), "{err:?}");
}

#[test]
fn a_revealed_scope_reveals_only_its_own_subjects_records() {
    let vault = vault();
    let ada = SubjectId::new("ada");
    let order = order("ada", "shop_9");
    let export = vault.subject(&ada).revealed(RevealReason::SubjectAccess);
    let json = export
        .run(|| serde_json::to_string(&order))
        .expect("export");
    assert!(
        json.contains("buyer@example.com"),
        "ada's own data in clear: {json}"
    );
    assert!(
        !json.contains("shop@example.com"),
        "the seller's sealed: {json}"
    );
    let back: Order = export
        .run(|| serde_json::from_str(&json))
        .expect("reads back");
    assert_eq!(back, order);
    // Plaintext is accepted for the scope's subject only.
    let mut forged: serde_json::Value = serde_json::from_str(&json).expect("json");
    forged["seller"]["contact"] = "shop@example.com".into();
    let err = seal_error(export.run(|| serde_json::from_value::<Order>(forged)));
    assert!(matches!(err, SealError::NotSealed { .. }), "{err:?}");
}

#[test]
fn an_invalid_subject_id_is_a_typed_error() {
    let vault = vault();
    let seller = Seller {
        id: String::new(),
        contact: email("shop@example.com"),
    };
    let err = seal_error(vault.records().run(|| serde_json::to_string(&seller)));
    assert!(
        matches!(
            err,
            SealError::Vault(custodian::VaultError::InvalidInput { .. })
        ),
        "{err:?}"
    );
    let err = seal_error(
        vault
            .records()
            .run(|| serde_json::from_str::<Seller>(r#"{"id":"","contact":"cst1:AAAA"}"#)),
    );
    assert!(
        matches!(
            err,
            SealError::Vault(custodian::VaultError::InvalidInput { .. })
        ),
        "{err:?}"
    );
    assert!(seller.data_map().is_err());
}

#[test]
fn a_record_without_its_subject_field_does_not_load() {
    let vault = vault();
    let err = vault
        .records()
        .run(|| serde_json::from_str::<Seller>(r#"{"contact":"cst1:AAAA"}"#))
        .expect_err("missing subject");
    assert!(err.to_string().contains("missing field `id`"), "{err}");
}

#[test]
fn a_value_moved_to_another_record_fails_to_open() {
    let vault = vault();
    let ada = vault
        .records()
        .run(|| serde_json::to_string(&customer("ada", "ada@example.com")))
        .expect("seal");
    let moved = ada.replacen("\"id\":\"ada\"", "\"id\":\"bob\"", 1);
    let err = seal_error(
        vault
            .records()
            .run(|| serde_json::from_str::<Customer>(&moved)),
    );
    assert!(
        matches!(
            err,
            SealError::Crypto { .. } | SealError::WrongSubject { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn the_data_map_lists_each_field_with_its_subject_and_category() {
    let mut ada = customer("ada", "ada@example.com");
    ada.phones.clear();
    let order = Order {
        seller: Seller {
            id: "shop_9".into(),
            contact: email("s@example.com"),
        },
        ..order("ada", "shop_9")
    };
    let map = ada.data_map().expect("map");
    let rows: Vec<(String, &str, Category, Option<FieldState>)> = map
        .fields()
        .iter()
        .map(|f| {
            let state = match f.holding() {
                Holding::Sealed { state, .. } => Some(state),
                _ => None,
            };
            (
                f.path().to_string(),
                f.subject().as_str(),
                f.category(),
                state,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "email".to_owned(),
                "ada",
                Category::Contact,
                Some(FieldState::Present)
            ),
            (
                "billing".to_owned(),
                "ada",
                Category::Contact,
                Some(FieldState::Absent)
            ),
            (
                "phones".to_owned(),
                "ada",
                Category::Contact,
                Some(FieldState::Absent)
            ),
            (
                "lifetime_spend".to_owned(),
                "ada",
                Category::Transaction,
                None
            ),
        ]
    );
    assert_eq!(
        map.fields()[1].holding(),
        Holding::Sealed {
            kind: PiiKind::Email,
            label: FieldLabel::new("customer.billing_email"),
            state: FieldState::Absent
        }
    );

    let map = order.data_map().expect("map");
    let subjects: Vec<&str> = map.subjects().iter().map(|s| s.as_str()).collect();
    assert_eq!(subjects, ["ada", "shop_9"]);
    let seller: Vec<String> = map
        .of(&SubjectId::new("shop_9"))
        .map(|f| f.path().to_string())
        .collect();
    assert_eq!(seller, ["seller.contact"]);
}

mod serde_attributes {
    use super::*;

    fn default_tier() -> String {
        "basic".to_owned()
    }

    fn is_zero(n: &u32) -> bool {
        *n == 0
    }

    #[derive(Personal, Debug, PartialEq)]
    #[serde(rename = "Member", rename_all = "camelCase", deny_unknown_fields)]
    struct Member {
        #[personal(subject)]
        #[serde(rename = "memberId")]
        id: u64,
        login_email: Email,
        #[serde(alias = "fullName")]
        display_name: Option<PersonName>,
        #[serde(default = "default_tier")]
        tier: String,
        #[serde(default, skip_serializing_if = "is_zero")]
        points: u32,
        #[serde(skip)]
        cached: Option<String>,
    }

    fn member() -> Member {
        Member {
            id: 42,
            login_email: email("m@example.com"),
            display_name: None,
            tier: "gold".into(),
            points: 0,
            cached: Some("not written".into()),
        }
    }

    #[test]
    fn names_defaults_and_skips_follow_serde() {
        let vault = vault();
        let json = vault
            .records()
            .run(|| serde_json::to_string(&member()))
            .expect("seal");
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        let keys: BTreeSet<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(["memberId", "loginEmail", "displayName", "tier"])
        );
        let back: Member = vault
            .records()
            .run(|| serde_json::from_str(&json))
            .expect("open");
        assert_eq!(
            back,
            Member {
                cached: None,
                ..member()
            }
        );

        let sealed = value["loginEmail"].clone();
        let sparse = serde_json::json!({ "loginEmail": sealed, "memberId": 42, "fullName": null });
        let back: Member = vault
            .records()
            .run(|| serde_json::from_value(sparse))
            .expect("defaults");
        assert_eq!(
            (back.tier.as_str(), back.points, back.display_name),
            ("basic", 0, None)
        );
    }

    #[test]
    fn unknown_and_duplicate_fields_are_errors() {
        let vault = vault();
        let err = vault
            .records()
            .run(|| serde_json::from_str::<Member>(r#"{"memberId":1,"extra":1}"#))
            .expect_err("unknown");
        assert!(err.to_string().contains("unknown field `extra`"), "{err}");
        let err = vault
            .records()
            .run(|| serde_json::from_str::<Customer>(r#"{"id":"a","note":"x","note":"y"}"#))
            .expect_err("duplicate");
        assert!(err.to_string().contains("duplicate field `note`"), "{err}");
    }

    #[test]
    fn postcard_skips_nothing_it_cannot_read_back() {
        let vault = vault();
        let mut m = member();
        m.points = 7;
        let bytes = vault
            .records()
            .run(|| postcard::to_stdvec(&m))
            .expect("seal");
        let back: Member = vault
            .records()
            .run(|| postcard::from_bytes(&bytes))
            .expect("open");
        assert_eq!(back, Member { cached: None, ..m });
    }
}

/// A PII value the derive does not see (inside a plain serde type) seals
/// under the record's subject too; reading it needs the subject first.
mod pass_through {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Contacts {
        emails: std::collections::BTreeMap<String, Email>,
    }

    #[derive(Personal, Debug, PartialEq)]
    struct Profile {
        #[personal(subject)]
        id: SubjectId,
        contacts: Contacts,
    }

    fn profile() -> Profile {
        Profile {
            id: SubjectId::new("ada"),
            contacts: Contacts {
                emails: [("home".to_owned(), email("ada@example.com"))].into(),
            },
        }
    }

    #[test]
    fn seals_under_the_record_and_opens_when_the_subject_came_first() {
        let vault = vault();
        let json = vault
            .subject(&SubjectId::new("bob"))
            .run(|| serde_json::to_string(&profile()))
            .expect("seal");
        vault
            .forget(&SubjectId::new("bob"))
            .expect("forget the scope's subject");
        let back: Profile = vault
            .records()
            .run(|| serde_json::from_str(&json))
            .expect("ada's");
        assert_eq!(back, profile());

        // Subject last: the inner value cannot know whose it is, and fails
        // closed rather than open under the scope's subject.
        let contacts = json.split_once(",\"contacts\":").expect("shape").1;
        let reordered = format!(
            "{{\"contacts\":{},\"id\":\"ada\"}}",
            &contacts[..contacts.len() - 1]
        );
        let err = seal_error(
            vault
                .subject(&SubjectId::new("ada"))
                .run(|| serde_json::from_str::<Profile>(&reordered)),
        );
        assert!(matches!(err, SealError::NoSubject { .. }), "{err:?}");
    }
}

// ---- properties: any nesting, any subjects, forget any subset ----

#[derive(Personal, Debug, Clone, PartialEq)]
struct Account {
    #[personal(subject)]
    id: SubjectId,
    #[personal(label = "account.email")]
    email: Erasable<Email>,
    phone: Option<Erasable<Phone>>,
    #[personal(label = "account.alias")]
    aliases: Vec<Erasable<Email>>,
    visits: u32,
    children: Vec<Account>,
    contact: Option<Box<Contact>>,
}

#[derive(Personal, Debug, Clone, PartialEq)]
struct Contact {
    #[personal(subject)]
    id: u64,
    name: Erasable<PersonName>,
    friends: Vec<Account>,
}

/// Subjects from a small pool, so that one subject appears in several
/// records of a tree (`Contact` ids are the same texts as numbers).
const POOL: u64 = 5;

fn leaf_email() -> impl Strategy<Value = Erasable<Email>> {
    "[a-z]{1,8}".prop_map(|local| Erasable::Present(email(&format!("{local}@example.com"))))
}

fn leaf_phone() -> impl Strategy<Value = Erasable<Phone>> {
    (1_000_000u32..9_999_999)
        .prop_map(|n| Erasable::Present(Phone::parse(&format!("+4930{n}")).expect("valid phone")))
}

fn leaf_name() -> impl Strategy<Value = Erasable<PersonName>> {
    "[A-Z][a-z]{1,6} [A-Z][a-z]{1,6}"
        .prop_map(|n| Erasable::Present(PersonName::parse(&n).expect("valid name")))
}

fn account(
    children: impl Strategy<Value = Vec<Account>>,
    contact: impl Strategy<Value = Option<Box<Contact>>>,
) -> impl Strategy<Value = Account> {
    (
        0..POOL,
        leaf_email(),
        proptest::option::of(leaf_phone()),
        proptest::collection::vec(leaf_email(), 0..3),
        any::<u32>(),
        children,
        contact,
    )
        .prop_map(
            |(id, email, phone, aliases, visits, children, contact)| Account {
                id: SubjectId::new(id.to_string()),
                email,
                phone,
                aliases,
                visits,
                children,
                contact,
            },
        )
}

fn tree() -> impl Strategy<Value = Account> {
    let leaf = account(Just(Vec::new()), Just(None));
    leaf.prop_recursive(4, 24, 3, |inner| {
        let contact = (
            0..POOL,
            leaf_name(),
            proptest::collection::vec(inner.clone(), 0..2),
        )
            .prop_map(|(id, name, friends)| Box::new(Contact { id, name, friends }));
        account(
            proptest::collection::vec(inner, 0..3),
            proptest::option::of(contact),
        )
    })
}

/// Checks, value by value, that `loaded` holds `original`'s values except
/// those of forgotten subjects, which are erased.
fn agree(original: &Account, loaded: &Account, forgotten: &BTreeSet<String>) {
    let gone = forgotten.contains(original.id.as_str());
    let same = |a: &Erasable<Email>, b: &Erasable<Email>| {
        if gone {
            assert!(b.is_erased())
        } else {
            assert_eq!(a, b)
        }
    };
    assert_eq!(original.id, loaded.id);
    assert_eq!(original.visits, loaded.visits);
    same(&original.email, &loaded.email);
    assert_eq!(original.aliases.len(), loaded.aliases.len());
    original
        .aliases
        .iter()
        .zip(&loaded.aliases)
        .for_each(|(a, b)| same(a, b));
    match (&original.phone, &loaded.phone) {
        (None, None) => {}
        (Some(a), Some(b)) => {
            if gone {
                assert!(b.is_erased())
            } else {
                assert_eq!(a, b)
            }
        }
        other => panic!("phone presence changed: {other:?}"),
    }
    assert_eq!(original.children.len(), loaded.children.len());
    for (a, b) in original.children.iter().zip(&loaded.children) {
        agree(a, b, forgotten);
    }
    match (&original.contact, &loaded.contact) {
        (None, None) => {}
        (Some(a), Some(b)) => {
            assert_eq!(a.id, b.id);
            if forgotten.contains(&a.id.to_string()) {
                assert!(b.name.is_erased());
            } else {
                assert_eq!(a.name, b.name);
            }
            assert_eq!(a.friends.len(), b.friends.len());
            for (a, b) in a.friends.iter().zip(&b.friends) {
                agree(a, b, forgotten);
            }
        }
        other => panic!("contact presence changed: {other:?}"),
    }
}

fn plaintexts(account: &Account, out: &mut Vec<String>) {
    let mut push = |e: &Erasable<Email>| out.extend(e.present().map(|e| e.expose().to_owned()));
    push(&account.email);
    account.aliases.iter().for_each(&mut push);
    for child in &account.children {
        plaintexts(child, out);
    }
    if let Some(contact) = &account.contact {
        for friend in &contact.friends {
            plaintexts(friend, out);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Sealed as JSON and as postcard inside any scope, then a random set
    /// of subjects forgotten: exactly their values read as erased, every
    /// other value opens, and the data map says the same.
    #[test]
    fn forgetting_subjects_erases_exactly_their_values(
        tree in tree(),
        forget in proptest::collection::btree_set(0..POOL, 0..=POOL as usize),
        ambient in proptest::option::of(0..POOL),
    ) {
        let vault = vault();
        let scope = match ambient {
            Some(id) => vault.subject(&SubjectId::new(id.to_string())),
            None => vault.records(),
        };
        let json = scope.run(|| serde_json::to_string(&tree)).expect("json");
        let bytes = scope.run(|| postcard::to_stdvec(&tree)).expect("postcard");
        let mut secrets = Vec::new();
        plaintexts(&tree, &mut secrets);
        for secret in &secrets {
            prop_assert!(!json.contains(secret.as_str()));
        }

        let forgotten: BTreeSet<String> = forget.iter().map(u64::to_string).collect();
        for id in &forgotten {
            vault.forget(&SubjectId::new(id.as_str())).expect("forget");
        }
        let from_json: Account = vault.records().run(|| serde_json::from_str(&json)).expect("loads");
        let from_postcard: Account = vault.records().run(|| postcard::from_bytes(&bytes)).expect("loads");
        agree(&tree, &from_json, &forgotten);
        agree(&tree, &from_postcard, &forgotten);

        let before = tree.data_map().expect("map");
        let after = from_json.data_map().expect("map");
        prop_assert_eq!(before.fields().len(), after.fields().len());
        for (b, a) in before.fields().iter().zip(after.fields()) {
            prop_assert_eq!(b.path(), a.path());
            prop_assert_eq!(b.subject(), a.subject());
            let (Holding::Sealed { state: was, .. }, Holding::Sealed { state: now, .. }) = (b.holding(), a.holding()) else {
                panic!("every field of the tree is sealed");
            };
            let expected = match was {
                FieldState::Present if forgotten.contains(b.subject().as_str()) => FieldState::Erased,
                other => other,
            };
            prop_assert_eq!(now, expected);
        }

        // The stale original, written back, is refused whenever it holds a
        // value of a forgotten subject: forgetting is permanent.
        let holds_forgotten = before.fields().iter().any(|f| forgotten.contains(f.subject().as_str()));
        match scope.run(|| serde_json::to_string(&tree)) {
            Ok(_) => prop_assert!(!holds_forgotten),
            Err(err) => {
                prop_assert!(holds_forgotten);
                prop_assert!(err.seal_error().is_some_and(SealError::is_shredded), "{:?}", err);
            }
        }

        // Written again, erased values keep their envelopes: the record
        // round-trips, and still nothing of the forgotten subjects opens.
        let again = vault.records().run(|| serde_json::to_string(&from_json)).expect("json");
        let reloaded: Account = vault.records().run(|| serde_json::from_str(&again)).expect("loads");
        agree(&tree, &reloaded, &forgotten);
    }

    /// A record whose PII fields are plain values (not `Erasable`) does not
    /// load once one of its subjects is forgotten: the error is the typed
    /// `Shredded`, and only then.
    #[test]
    fn plain_fields_of_a_forgotten_subject_fail_typed(
        ids in proptest::collection::vec(0..POOL, 1..5),
        forget in proptest::collection::btree_set(0..POOL, 0..=POOL as usize),
    ) {
        let vault = vault();
        let batch: Vec<Customer> = ids.iter().map(|id| customer(&id.to_string(), "c@example.com")).collect();
        let bytes = vault.records().run(|| postcard::to_stdvec(&batch)).expect("seal");
        for id in &forget {
            vault.forget(&SubjectId::new(id.to_string())).expect("forget");
        }
        let loaded = vault.records().run(|| postcard::from_bytes::<Vec<Customer>>(&bytes));
        if ids.iter().any(|id| forget.contains(id)) {
            prop_assert!(seal_error(loaded).is_shredded());
        } else {
            prop_assert_eq!(loaded.expect("loads"), batch);
        }
    }
}
