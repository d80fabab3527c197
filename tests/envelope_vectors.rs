//! The frozen envelope vectors in `tests/vectors/envelope-v1.json`, checked
//! two ways: opened through the public API, and recomputed from scratch with
//! AES-256-GCM and HKDF-SHA256 following the format documented in
//! `custodian::vault::envelope` and `custodian::vault::subkey` (so the docs
//! are enough to interoperate).

use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use custodian::pii::Email;
use custodian::vault::{
    DataKeyVersion, Envelope, Erasable, FieldLabel, KeyId, KeyRecord, KeyScope, KeyState, KeyStore,
    MemoryKeyStore, RootKey, RootKeyRing, Vault,
};
use custodian::{SealError, SubjectId};

#[derive(Deserialize)]
struct File {
    root_key: String,
    root_version: u32,
    hkdf_salt: String,
    records: Vec<Record>,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Record {
    scope: String,
    name: String,
    key_id: String,
    version: u32,
    data_key: String,
    wrap_nonce: String,
    wrap_context: String,
    wrapped: String,
}

#[derive(Deserialize)]
struct Vector {
    record: usize,
    category: u16,
    label: String,
    plaintext: String,
    nonce: String,
    field_key: String,
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
        "/tests/vectors/envelope-v1.json"
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

#[test]
fn vectors_open_through_the_public_api() {
    let file = load();
    let root = RootKey::from_bytes(&unhex(&file.root_key)).expect("root key");
    let store = Arc::new(MemoryKeyStore::new());
    for record in &file.records {
        let id: [u8; 16] = unhex(&record.key_id).try_into().expect("16 bytes");
        store
            .create(
                KeyRecord {
                    id: KeyId::from_bytes(id),
                    scope: scope(record),
                    versions: vec![DataKeyVersion {
                        version: record.version,
                        state: KeyState::Active,
                        root_version: file.root_version,
                        wrapped: unhex(&record.wrapped),
                        encryptions: 0,
                    }],
                    revision: 0,
                    created_at: 0,
                },
                None,
            )
            .expect("store");
    }
    let vault = Vault::builder()
        .build(Arc::new(RootKeyRing::new(file.root_version, root)), store)
        .expect("vault");
    for vector in &file.vectors {
        let label = FieldLabel::new(Box::leak(vector.label.clone().into_boxed_str()));
        let scope = scope(&file.records[vector.record]);
        let envelope = Envelope::from_text(&vector.text).expect("text form");
        assert_eq!(envelope.as_bytes(), unhex(&vector.envelope));
        match vault
            .open::<Email>(&envelope, &scope, label)
            .expect("opens")
        {
            Erasable::Present(email) => assert_eq!(email.expose(), vector.plaintext),
            Erasable::Erased(_) => panic!("not erased"),
        }
        // The same bytes under another label do not open.
        let other = FieldLabel::new("not.the.label");
        assert!(matches!(
            vault.open::<Email>(&envelope, &scope, other),
            Err(SealError::Crypto { .. })
        ));
    }
}

#[test]
fn vectors_recompute_from_the_documented_format() {
    let file = load();
    let salt = unhex(&file.hkdf_salt);
    assert_eq!(salt, Sha256::digest(b"custodian hkdf salt v1").to_vec());
    let root = Aes256Gcm::new_from_slice(&unhex(&file.root_key)).expect("key");

    for record in &file.records {
        // Wrapping context: "custodian/dek/v1" ‖ key id ‖ version ‖ root
        // version ‖ scope tag ‖ u16 len ‖ name.
        let mut context = b"custodian/dek/v1".to_vec();
        context.extend(unhex(&record.key_id));
        context.extend(record.version.to_be_bytes());
        context.extend(file.root_version.to_be_bytes());
        context.push(if record.scope == "subject" { 1 } else { 2 });
        context.extend((record.name.len() as u16).to_be_bytes());
        context.extend(record.name.as_bytes());
        assert_eq!(context, unhex(&record.wrap_context));
        let wrapped = unhex(&record.wrapped);
        assert_eq!(wrapped[..12], unhex(&record.wrap_nonce)[..]);
        let nonce = Nonce::try_from(&wrapped[..12]).expect("nonce");
        let data_key = root
            .decrypt(
                &nonce,
                Payload {
                    msg: &wrapped[12..],
                    aad: &context,
                },
            )
            .expect("unwrap");
        assert_eq!(data_key, unhex(&record.data_key));
    }

    for vector in &file.vectors {
        let record = &file.records[vector.record];
        let data_key = unhex(&record.data_key);
        // Header: version 1, alg 1, flags, category, key id, key version, nonce.
        let mut header = vec![1, 1, u8::from(record.scope == "subject")];
        header.extend(vector.category.to_be_bytes());
        header.extend(unhex(&record.key_id));
        header.extend(record.version.to_be_bytes());
        header.extend(unhex(&vector.nonce));
        assert_eq!(header.len(), 37);

        // Field key: HKDF-SHA256(salt, data key, "custodian/v1/field-key" ‖ 0
        // ‖ header up to the nonce ‖ u16 len ‖ label ‖ u16 len ‖ binding).
        let mut info = b"custodian/v1/field-key\0".to_vec();
        info.extend(&header[..25]);
        info.extend((vector.label.len() as u16).to_be_bytes());
        info.extend(vector.label.as_bytes());
        info.extend((record.name.len() as u16).to_be_bytes());
        info.extend(record.name.as_bytes());
        let mut field_key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&salt), &data_key)
            .expand(&info, &mut field_key)
            .expect("hkdf");
        assert_eq!(field_key.to_vec(), unhex(&vector.field_key));

        // AES-256-GCM with no associated data: the context is in the key.
        let cipher = Aes256Gcm::new_from_slice(&field_key).expect("key");
        let nonce = Nonce::try_from(&unhex(&vector.nonce)[..]).expect("nonce");
        let body = cipher
            .encrypt(&nonce, vector.plaintext.as_bytes())
            .expect("encrypt");
        let mut envelope = header;
        envelope.extend(body);
        assert_eq!(envelope, unhex(&vector.envelope));

        // Text form: "cst1:" + base64url without padding.
        use base64::Engine as _;
        let text = format!(
            "cst1:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&envelope)
        );
        assert_eq!(text, vector.text);
    }
}
