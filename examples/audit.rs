//! The audit log end to end: record events for data activities (subjects
//! pseudonymized and evidence sealed by the vault), sign checkpoints, hand
//! an auditor inclusion and consistency proofs, shred a subject while the
//! log still verifies, and verify the files with nothing but the public key.
//!
//! `cargo run --example audit` works in a temporary directory. Give a
//! directory (`cargo run --example audit -- /tmp/audit-log`) to keep the log;
//! the example then prints the command that verifies it with
//! `examples/audit_verify.rs`.

use std::sync::Arc;

use custodian::SubjectId;
use custodian::audit::{
    Action, Actor, AuditEvent, AuditSink, CheckpointSigner, ConsistencyBundle, Durability,
    EvidenceError, EvidenceFor, EvidenceSealer, EvidenceStore, FileEvidence, HoldReason,
    InclusionBundle, LogOptions, Outcome, Pseudonymizer, RequestId, Right, Withheld,
    seal_and_store, verify,
};
use custodian::ids::{RecipientId, Role};
use custodian::pii::Category;
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temp = tempfile::tempdir()?;
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| temp.path().to_path_buf(), Into::into);

    // The log's signing key stays with the host; auditors get the verifier.
    let signer = CheckpointSigner::generate("shop.example/audit")?;
    let verifier = signer.verifier();
    let durability = Durability::Batched {
        max_entries: 64,
        max_delay: std::time::Duration::from_millis(50),
    };
    let (log, report) = LogOptions::new()
        .durability(durability)
        .open(&dir, signer)?;
    assert_eq!(report.entries, 0, "start from an empty directory");

    // The vault keys the pseudonyms and seals evidence to the subject.
    let vault = Vault::builder().build(
        Arc::new(RootKeyRing::new(1, RootKey::generate()?)), // a KMS in production
        Arc::new(MemoryKeyStore::new()),
    )?;
    let keys = Pseudonymizer::from_vault(&vault)?;
    let ada_id = SubjectId::new("cust_8f3a");
    let ada = keys.subject(ada_id.as_str());
    let agent = Actor::staff(Role::new("support_agent"), keys.actor("staff_17"));

    // A support agent reveals a phone number to call back about an order.
    log.record(
        &AuditEvent::new(Action::Reveal, Outcome::Allowed)
            .with_actor(agent.clone())
            .with_subject(ada)
            .with_categories([Category::Contact])
            .with_purpose(Purpose::CustomerSupport)
            .with_legal_basis(LawfulBasis::Contract),
    )?;
    // The address goes to the carrier, under its agreement.
    log.record(
        &AuditEvent::new(Action::Disclosure, Outcome::Allowed)
            .with_subject(ada)
            .with_categories([Category::Contact, Category::Location])
            .with_purpose(Purpose::Shipping)
            .with_legal_basis(LawfulBasis::Contract)
            .with_recipient(RecipientId::new("dhl")),
    )?;
    // Ada corrects her e-mail address; what changed is evidence, sealed to
    // her and kept beside the log, which only holds its hash.
    let evidence_store = FileEvidence::open(dir.join("evidence"))?;
    let evidence_for = EvidenceFor::new(&ada_id, Category::Contact);
    let change = b"email: ada@old.example -> ada@new.example";
    let evidence = seal_and_store(&vault, &evidence_store, &evidence_for, change)?;
    log.record(
        &AuditEvent::new(Action::Rectification, Outcome::Done)
            .with_actor(Actor::subject())
            .with_subject(ada)
            .with_categories([Category::Contact])
            .with_right(Right::Rectification)
            .with_evidence(evidence),
    )?;
    let first = log.checkpoint()?; // an auditor (or a witness) keeps this

    // Later: Ada withdraws marketing consent and asks for erasure; invoices
    // stay under the tax retention duty.
    let request = RequestId::random()?;
    log.record(
        &AuditEvent::new(Action::ConsentWithdrawn, Outcome::Done)
            .with_actor(Actor::subject())
            .with_subject(ada)
            .with_purpose(Purpose::Marketing)
            .with_legal_basis(LawfulBasis::Consent),
    )?;
    log.record(
        &AuditEvent::new(Action::Erasure, Outcome::Partial)
            .with_subject(ada)
            .with_categories([Category::Contact, Category::Location, Category::Engagement])
            .with_right(Right::Erasure)
            .with_request(request)
            .with_withheld([Withheld {
                category: Category::Transaction,
                reason: HoldReason::LegalObligation,
            }]),
    )?;
    vault.forget(&ada_id)?; // erasure: the evidence is shredded with her key
    let sealed = evidence_store.get(&evidence)?;
    assert!(matches!(
        vault.open_evidence(&evidence_for, &sealed),
        Err(EvidenceError::Shredded)
    ));
    let second = log.checkpoint()?;
    assert_eq!(second.checkpoint().size(), 5);

    // The auditor receives text documents and checks them with the public key.
    let inclusion_text = log.prove_inclusion(3)?.to_text();
    let inclusion = InclusionBundle::parse(&inclusion_text, &verifier)?;
    inclusion.verify_entry(&log.entry(3)?)?;
    assert!(inclusion.verify_entry(&log.entry(2)?).is_err());

    let consistency_text = log.prove_consistency(first.checkpoint().size())?.to_text();
    ConsistencyBundle::parse(&consistency_text, &verifier)?.verify_from(first.checkpoint())?;

    log.close()?;
    let report = verify(&dir, &verifier, Some(&second))?;
    assert!(report.is_verified(), "{report}");
    println!("{report}");
    println!("\ninclusion proof of entry 3:\n{inclusion_text}");

    if std::env::args().nth(1).is_some() {
        let note = dir.with_extension("checkpoint");
        std::fs::write(&note, second.note())?;
        println!(
            "verify with:\n  cargo run --example audit_verify -- {} '{}' {}",
            dir.display(),
            verifier.to_vkey(),
            note.display()
        );
    }
    Ok(())
}
