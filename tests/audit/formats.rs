//! Known-answer vectors pinning every audit format byte for byte.
//!
//! `tests/vectors/audit/kat.json` and the `log-v1/` fixture were produced
//! by `tests/vectors/audit/generate.py`, an independent implementation of
//! the documented formats (Python hashlib/hmac and `cryptography`'s
//! Ed25519). Changing a format means regenerating them, deliberately.

use std::fs;
use std::path::PathBuf;

use custodian::audit::merkle::{self, Tree};
use custodian::audit::{
    Action, Actor, AuditEvent, CheckpointSigner, CheckpointVerifier, ConsistencyBundle,
    CorrelationId, Durability, ENTRIES_FILE, Equivocation, EvidenceRef, HoldReason, HostTaxonomy,
    InclusionBundle, LogOptions, Outcome, Pseudonymizer, RequestId, RequestStatus, Right,
    SignedCheckpoint, Verdict, Withheld, verify,
};
use custodian::ids::{PolicyVersion, RecipientId, Role};
use custodian::pii::Category;
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::time::Timestamp;
use serde_json::Value;

fn kat() -> Value {
    let path = vectors().join("kat.json");
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn vectors() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/audit"))
}

fn hex(s: &Value) -> Vec<u8> {
    let s = s.as_str().unwrap();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn key() -> Pseudonymizer {
    Pseudonymizer::from_bytes(hex(&kat()["pseudonym"]["key_hex"]).try_into().unwrap())
}

fn kat_signer() -> CheckpointSigner {
    let k = kat();
    let secret: [u8; 32] = hex(&k["checkpoint"]["secret_hex"]).try_into().unwrap();
    CheckpointSigner::from_secret_bytes(s(&k["checkpoint"]["name"]), secret).unwrap()
}

fn rfc_tree() -> Tree {
    let leaves: [&[u8]; 8] = [
        b"",
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        &[
            0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
            0x6e, 0x6f,
        ],
    ];
    let mut tree = Tree::new();
    for l in leaves {
        tree.push(merkle::leaf_hash(l));
    }
    tree
}

#[test]
fn pseudonyms_and_evidence_references() {
    let k = kat();
    let p = &k["pseudonym"];
    assert_eq!(
        key().subject(s(&p["subject_id"])).to_string(),
        s(&p["subject"])
    );
    assert_eq!(key().actor(s(&p["actor_id"])).to_string(), s(&p["actor"]));
    assert_eq!(
        EvidenceRef::of(&hex(&k["evidence"]["sealed_hex"])).to_string(),
        s(&k["evidence"]["ref"])
    );
}

#[test]
fn event_entry_encoding() {
    let k = kat();
    let key = key();
    let event = AuditEvent::new(Action::Erasure, Outcome::Partial)
        .at(Timestamp::parse("2024-11-24T23:31:05.123Z").unwrap())
        .with_actor(Actor::staff(
            Role::new("privacy_officer"),
            key.actor("agent_17"),
        ))
        .with_subject(key.subject("cust_8f3a"))
        .with_categories([Category::Transaction, Category::Contact])
        .with_purpose(Purpose::LegalCompliance)
        .with_legal_basis(LawfulBasis::LegalObligation)
        .with_recipient(RecipientId::new("dhl"))
        .with_policy_version(PolicyVersion::new("2025-06-01"))
        .with_right(Right::Erasure)
        .with_request_status(RequestStatus::Fulfilled)
        .with_withheld([Withheld {
            category: Category::Transaction,
            reason: HoldReason::LegalObligation,
        }])
        .with_key_version(3)
        .with_count(12)
        .with_request(RequestId::from_u128(
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ))
        .with_correlation(CorrelationId::from_u128(42))
        .with_evidence(EvidenceRef::of(&hex(&k["evidence"]["sealed_hex"])));
    let entry = s(&k["event"]["entry"]);
    assert_eq!(String::from_utf8(event.to_json()).unwrap(), entry);
    assert_eq!(
        merkle::leaf_hash(entry.as_bytes()).as_bytes().to_vec(),
        hex(&k["event"]["leaf_hash_hex"])
    );
    assert_eq!(AuditEvent::from_json(entry.as_bytes()).unwrap(), event);
}

#[test]
fn checkpoint_note_and_verifier_key() {
    let k = kat();
    let c = &k["checkpoint"];
    let signer = kat_signer();
    assert_eq!(signer.verifier().to_vkey(), s(&c["vkey"]));
    let tree = rfc_tree();
    assert_eq!(tree.root().as_bytes().to_vec(), hex(&c["root_hex"]));
    // Ed25519 is deterministic: the whole note, signature included, is fixed.
    let signed = signer.sign(8, tree.root(), Timestamp::parse(s(&c["time"])).unwrap());
    assert_eq!(signed.note(), s(&c["note"]));
    let verifier = CheckpointVerifier::from_vkey(s(&c["vkey"])).unwrap();
    let parsed = SignedCheckpoint::parse(s(&c["note"]), &verifier).unwrap();
    assert_eq!(parsed.checkpoint().size(), 8);
}

#[test]
fn proof_bundles() {
    let k = kat();
    let tree = rfc_tree();
    let signer = kat_signer();
    let time = Timestamp::parse(s(&k["checkpoint"]["time"])).unwrap();
    let checkpoint = signer.sign(8, tree.root(), time);

    let inclusion =
        InclusionBundle::new(tree.inclusion_proof(5, 8).unwrap(), checkpoint.clone()).unwrap();
    assert_eq!(inclusion.to_text(), s(&k["inclusion_bundle"]["text"]));
    let parsed =
        InclusionBundle::parse(s(&k["inclusion_bundle"]["text"]), &signer.verifier()).unwrap();
    parsed.verify_entry(&[0x40, 0x41, 0x42, 0x43]).unwrap();
    parsed.verify_entry(&[0x30, 0x31]).unwrap_err();

    let consistency =
        ConsistencyBundle::new(tree.consistency_proof(3, 8).unwrap(), checkpoint).unwrap();
    assert_eq!(consistency.to_text(), s(&k["consistency_bundle"]["text"]));
    let old = signer.sign(3, tree.root_at(3).unwrap(), time);
    ConsistencyBundle::parse(s(&k["consistency_bundle"]["text"]), &signer.verifier())
        .unwrap()
        .verify_from(old.checkpoint())
        .unwrap();
}

#[test]
fn a_log_written_elsewhere_verifies_and_ours_is_identical() {
    let k = kat();
    let log = &k["log"];
    let dir = vectors().join(s(&log["dir"]));
    let vkey_file = fs::read_to_string(vectors().join("log-v1.vkey")).unwrap();
    assert_eq!(vkey_file.trim_end(), s(&log["vkey"]));
    let verifier = CheckpointVerifier::from_vkey(s(&log["vkey"])).unwrap();
    let report = verify(&dir, &verifier, None).unwrap();
    let root = merkle::Hash::from_slice(&hex(&log["root_hex"])).unwrap();
    assert_eq!(
        report.verdict,
        Verdict::Verified {
            size: log["size"].as_u64().unwrap(),
            root
        }
    );

    // Appending the same entries gives the same bytes on disk.
    let ours = tempfile::tempdir().unwrap();
    let (file_log, _) = LogOptions::new()
        .durability(Durability::OsBuffered)
        .open(ours.path(), kat_signer())
        .unwrap();
    for entry in log["entries"].as_array().unwrap() {
        let event = AuditEvent::from_json(s(entry).as_bytes()).unwrap();
        assert_eq!(
            event.to_json(),
            s(entry).as_bytes(),
            "entries re-encode canonically"
        );
        file_log.append(&event.to_json()).unwrap();
    }
    assert_eq!(file_log.root(), root);
    file_log.close().unwrap();
    assert_eq!(
        fs::read(ours.path().join(ENTRIES_FILE)).unwrap(),
        fs::read(dir.join(ENTRIES_FILE)).unwrap()
    );
}

#[test]
fn verifier_keys_with_plus_and_slash_made_elsewhere() {
    let k = kat();
    let time = Timestamp::parse(s(&k["checkpoint"]["time"])).unwrap();
    let root = rfc_tree().root_at(3).unwrap();
    let keys = k["verifier_keys"].as_array().unwrap();
    let key_part = |vkey: &str| vkey.splitn(3, '+').nth(2).unwrap().to_owned();
    assert!(keys.iter().any(|v| key_part(s(&v["vkey"])).contains('+')));
    assert!(keys.iter().any(|v| key_part(s(&v["vkey"])).contains('/')));
    for v in keys {
        let vkey = s(&v["vkey"]);
        let secret: [u8; 32] = hex(&v["secret_hex"]).try_into().unwrap();
        let signer = CheckpointSigner::from_secret_bytes(s(&v["name"]), secret).unwrap();
        assert_eq!(signer.verifier().to_vkey(), vkey);
        let parsed = CheckpointVerifier::from_vkey(vkey).unwrap();
        assert_eq!(parsed, signer.verifier(), "{vkey}");
        assert_eq!(parsed.public_key().to_vec(), hex(&v["public_hex"]));
        assert_eq!(
            parsed.key_id().to_be_bytes().to_vec(),
            hex(&v["key_id_hex"])
        );
        assert_eq!(signer.sign(3, root, time).note(), s(&v["note"]));
        let checked = SignedCheckpoint::parse(s(&v["note"]), &parsed).unwrap();
        assert_eq!(checked.checkpoint().root(), root);
    }
    for bad in k["bad_verifier_keys"].as_array().unwrap() {
        assert!(
            CheckpointVerifier::from_vkey(s(&bad["vkey"])).is_err(),
            "{}: {}",
            s(&bad["why"]),
            s(&bad["vkey"])
        );
    }
}

#[test]
fn an_equivocation_made_elsewhere_is_named() {
    let k = kat();
    let e = &k["equivocation"];
    let verifier = CheckpointVerifier::from_vkey(s(&e["vkey"])).unwrap();
    let notes: Vec<SignedCheckpoint> = e["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| SignedCheckpoint::parse(s(n), &verifier).unwrap())
        .collect();
    let evidence = Equivocation::between(&notes[0], &notes[1]).unwrap();
    assert_eq!(evidence.size(), 8);
    assert_eq!(evidence.first().note(), s(&e["notes"][0]));
}

#[test]
fn strings_are_escaped_as_documented() {
    let k = kat();
    let e = &k["escaping"];
    let code = u16::try_from(e["category_code"].as_u64().unwrap()).unwrap();
    // Host category names are `'static`; leaking one in a test is fine.
    let name: &'static str = Box::leak(s(&e["category_name"]).to_owned().into_boxed_str());
    let host = Category::host(code, name);
    let event = AuditEvent::new(Action::RetentionPurge, Outcome::Done)
        .at(Timestamp::parse("2025-01-02T03:04:05.678Z").unwrap())
        .with_categories([host, Category::Contact]);
    let entry = s(&e["entry"]);
    assert_eq!(String::from_utf8(event.to_json()).unwrap(), entry);
    let decoded = HostTaxonomy::new()
        .with_category(host)
        .decode(entry.as_bytes())
        .unwrap();
    assert_eq!(decoded, event);
}
