//! `Debug` of every public type that holds keys, subject ids or events
//! shows counts, versions and settings only.

use std::fmt::Debug;
use std::sync::Arc;

use custodian::audit::{Auditor, CheckpointSigner, MemorySink, Pseudonymizer};
use custodian::consent::{Collection, CollectionMethod, ConsentLedger, MemoryStore, ReceiptSigner};
use custodian::ids::{Jurisdiction, PolicyVersion};
use custodian::pii::Email;
use custodian::policy::{PolicySchedule, marketplace};
use custodian::purpose::Purpose;
use custodian::time::Timestamp;
use custodian::vault::{
    FieldLabel, KeyScope, KeyStore, MemoryKeyStore, RootKey, RootKeyRing, StoredKey, Vault,
};
use custodian::{Custodian, SubjectId};

const SUBJECT: &str = "cus_debug_5d1e";
const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");

/// Checks one `Debug` output: short, and free of every secret given.
fn assert_clean(what: &str, value: &dyn Debug, secrets: &[String]) {
    let text = format!("{value:?}");
    assert!(text.len() < 600, "{what}: {} bytes: {text}", text.len());
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} shows {secret:?}: {text}"
        );
    }
}

/// Byte strings as `Debug` of a `Vec<u8>` or an array would render their
/// start, and as hex.
fn renderings(bytes: &[u8]) -> Vec<String> {
    let list = format!("{:?}", &bytes[..6]);
    let hex: String = bytes[..6].iter().map(|b| format!("{b:02x}")).collect();
    vec![list.trim_end_matches(']').to_owned(), hex]
}

#[test]
fn no_debug_output_shows_keys_subject_ids_or_events() {
    let root_bytes = [0x5a; 32];
    let store = Arc::new(MemoryKeyStore::new());
    let vault = Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(
                1,
                RootKey::from_bytes(&root_bytes).expect("32 bytes"),
            )),
            Arc::clone(&store) as Arc<dyn KeyStore>,
        )
        .expect("vault");
    let sink = Arc::new(MemorySink::new());
    let policy = marketplace()
        .build(PolicyVersion::new("1"), Timestamp::EPOCH)
        .expect("policy");
    let custodian = Custodian::builder()
        .policy(PolicySchedule::single(policy))
        .vault(vault.clone())
        .ledger(MemoryStore::new())
        .audit(sink.clone())
        .build()
        .expect("custodian");

    // Some state to leak: a key record, consent events, audit events.
    let subject = SubjectId::new(SUBJECT);
    let email = Email::parse("ada@example.com").expect("valid");
    vault
        .seal(&email, &KeyScope::subject(&subject), LOGIN)
        .expect("seal");
    let how = Collection::new(
        PolicyVersion::new("1"),
        Timestamp::now(),
        CollectionMethod::WebForm,
        Jurisdiction::new("DE"),
    );
    custodian
        .give_consent(&subject, Purpose::Marketing, &how)
        .expect("consent");
    assert!(sink.len() >= 2);

    let record = store
        .find(&KeyScope::subject(&subject))
        .expect("find")
        .expect("a record");
    let mut secrets = vec![SUBJECT.to_owned(), "ada@example.com".to_owned()];
    secrets.extend(renderings(&record.versions[0].wrapped));
    secrets.extend(renderings(&root_bytes));
    // Audit events print their pseudonyms and actions.
    secrets.push("consent_granted".to_owned());
    secrets.push("ConsentGranted".to_owned());

    let pseudonym_key = vault.pseudonym_key("debug.test").expect("key");
    secrets.extend(renderings(pseudonym_key.expose_secret()));
    let auditor = Auditor::new(MemorySink::new(), Pseudonymizer::from_bytes([0x77; 32]));
    secrets.extend(renderings(&[0x77; 32]));
    let receipts = ReceiptSigner::from_secret(&[0x66; 32]);
    secrets.extend(renderings(&[0x66; 32]));

    let stored = StoredKey::Live(record.clone());
    let root = RootKey::from_bytes(&root_bytes).expect("32 bytes");
    let scope = vault.subject(&subject);
    let checks: Vec<(&str, &dyn Debug)> = vec![
        ("Custodian", &custodian),
        ("Vault", &vault),
        ("Vault (through the custodian)", custodian.vault()),
        ("Scope", &scope),
        ("MemoryKeyStore", &*store),
        ("KeyRecord", &record),
        ("DataKeyVersion", &record.versions[0]),
        ("StoredKey", &stored),
        ("RootKey", &root),
        ("PseudonymKey", &pseudonym_key),
        ("Auditor", &auditor),
        ("ConsentLedger", custodian.ledger()),
        ("MemorySink", &*sink),
        ("ReceiptSigner", &receipts),
    ];
    for (what, value) in checks {
        assert_clean(what, value, &secrets);
    }
    let signer = CheckpointSigner::generate("shop.example/audit").expect("signer");
    assert_clean("CheckpointSigner", &signer, &secrets);
    let ledger = ConsentLedger::in_memory(Auditor::new(
        MemorySink::new(),
        Pseudonymizer::from_bytes([1; 32]),
    ));
    assert_clean("ConsentLedger (in memory)", &ledger, &secrets);
}
