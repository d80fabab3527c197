//! The key store's serde form: pinned byte for byte, round-tripped through
//! a backup and restore that a vault then opens from, and strict on bad
//! input.

use std::sync::Arc;

use custodian::SubjectId;
use custodian::pii::Email;
use custodian::vault::{
    DataKeyVersion, FieldLabel, KeyId, KeyRecord, KeyScope, KeyState, KeyStore, MemoryKeyStore,
    RootKey, RootKeyRing, ScopeTag, StoredKey, Tombstone, Vault,
};

const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");

fn record() -> KeyRecord {
    KeyRecord {
        id: KeyId::from_bytes([0xab; 16]),
        scope: KeyScope::subject(&SubjectId::new("cus_1815")),
        versions: vec![DataKeyVersion {
            version: 1,
            state: KeyState::Active,
            root_version: 2,
            wrapped: vec![0, 1, 2, 250],
            encryptions: 7,
        }],
        revision: 3,
        created_at: 1_767_225_600,
    }
}

#[test]
fn the_serde_form_is_pinned() {
    let live = serde_json::to_string(&StoredKey::Live(record())).unwrap();
    assert_eq!(
        live,
        r#"{"live":{"id":"abababababababababababababababab","scope":{"subject":"cus_1815"},"versions":[{"version":1,"state":"active","root_version":2,"wrapped":"AAEC+g==","encryptions":7}],"revision":3,"created_at":1767225600}}"#
    );
    let dead = StoredKey::Destroyed(Tombstone {
        id: KeyId::from_bytes([0x01; 16]),
        destroyed_at: 1_767_225_601,
        scope: ScopeTag::from_bytes([0x02; 16]),
    });
    assert_eq!(
        serde_json::to_string(&dead).unwrap(),
        r#"{"destroyed":{"id":"01010101010101010101010101010101","destroyed_at":1767225601,"scope":"02020202020202020202020202020202"}}"#
    );
    let shared = KeyScope::shared("warehouse.contacts");
    assert_eq!(
        serde_json::to_string(&shared).unwrap(),
        r#"{"shared":"warehouse.contacts"}"#
    );
    assert_eq!(
        serde_json::to_string(&KeyState::DecryptOnly).unwrap(),
        r#""decrypt_only""#
    );
}

#[test]
fn a_backup_restores_into_a_store_the_vault_opens_from() {
    let root = || Arc::new(RootKeyRing::new(1, RootKey::from_bytes(&[4; 32]).unwrap()));
    let store = Arc::new(MemoryKeyStore::new());
    let vault = Vault::builder().build(root(), store.clone()).unwrap();
    let (ada, bob) = (SubjectId::new("cus_ada"), SubjectId::new("kunde_bøb"));
    let email = Email::parse("ada@example.com").unwrap();
    let sealed = vault.seal(&email, &KeyScope::subject(&ada), LOGIN).unwrap();
    let bobs = vault.seal(&email, &KeyScope::subject(&bob), LOGIN).unwrap();
    vault.forget(&bob).unwrap();

    let backup = serde_json::to_string(&store.snapshot().unwrap()).unwrap();
    assert!(!backup.contains("ada@example.com"));
    let restored: Vec<StoredKey> = serde_json::from_str(&backup).unwrap();
    assert_eq!(
        restored,
        store.snapshot().unwrap(),
        "the round trip is exact"
    );

    let fresh = Arc::new(MemoryKeyStore::new());
    for stored in restored {
        if let StoredKey::Live(record) = stored {
            fresh.create(record, None).unwrap();
        }
    }
    let vault = Vault::builder().build(root(), fresh).unwrap();
    let opened = vault
        .open::<Email>(&sealed, &KeyScope::subject(&ada), LOGIN)
        .unwrap();
    assert_eq!(opened.present(), Some(&email));
    // The forgotten subject's key was not in the backup.
    assert!(
        vault
            .open::<Email>(&bobs, &KeyScope::subject(&bob), LOGIN)
            .is_err()
    );
}

#[test]
fn bad_input_is_refused() {
    let good = serde_json::to_value(StoredKey::Live(record())).unwrap();
    let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        serde_json::from_value::<StoredKey>(v).is_err()
    };
    assert!(bad(&|v| v["live"]["id"] = "ABAB".into()), "a short id");
    assert!(
        bad(&|v| v["live"]["id"] = "ABABABABABABABABABABABABABABABAB".into()),
        "upper-case hex"
    );
    assert!(bad(
        &|v| v["live"]["versions"][0]["wrapped"] = "not base64!".into()
    ));
    assert!(bad(
        &|v| v["live"]["versions"][0]["state"] = "sealing".into()
    ));
    assert!(bad(&|v| v["live"]["extra"] = 1.into()), "unknown fields");
    assert!(bad(
        &|v| v["live"]["scope"] = serde_json::json!({"subject": ""})
    ));
    assert!(bad(
        &|v| v["live"]["scope"] = serde_json::json!({"shared": ""})
    ));
    // The crate's own reserved names read back: a backup holds them.
    let reserved: KeyScope = serde_json::from_str(r#"{"shared":"custodian:blind-index"}"#).unwrap();
    assert_eq!(reserved.name(), "custodian:blind-index");
}
