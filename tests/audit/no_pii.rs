//! No audit event and no error message contains plaintext personal data.
//!
//! Every event-producing operation of the audit module is driven with
//! random personal data (e-mail addresses, phone numbers, names, postal
//! addresses, card-like numbers) as subject ids, actor ids and evidence;
//! then every byte the audit layer produced (serialized events, `Debug`
//! output, the log files, the evidence store, error messages) is searched
//! for it.

use std::fs;
use std::path::Path;

use custodian::SubjectId;
use custodian::audit::{
    Action, Actor, AuditEvent, AuditSink, CheckpointVerifier, ConsistencyBundle, CorrelationId,
    Durability, EvidenceError, EvidenceFor, EvidenceRef, EvidenceSealer, EvidenceStore, FanOut,
    FileEvidence, HoldReason, InclusionBundle, LogOptions, MemorySink, Outcome, RequestId,
    RequestStatus, Right, SignedCheckpoint, SubjectPseudonym, Withheld, seal_and_store, verify,
};
use custodian::audit::{ActorPseudonym, Pseudonymizer};
use custodian::ids::{PolicyVersion, RecipientId, Role};
use custodian::pii::Category;
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::time::Timestamp;
use proptest::prelude::*;

use crate::common::{signer, vault};

/// Realistic personal data, long enough that a chance match inside hex
/// pseudonyms or keys is out of the question.
fn pii() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{3,10}\\.[a-z]{3,10}@[a-z]{3,10}\\.(com|de|org)",
        "\\+[1-9][0-9]{9,12}",
        "[A-Z][a-z]{3,9} [A-Z][a-z]{3,12}",
        "[A-Z][a-z]{4,10}(strasse|street) [1-9][0-9]{0,2}, [0-9]{5} [A-Z][a-z]{4,10}",
        "4[0-9]{15}",
    ]
}

/// The forms in which a value would count as leaked.
fn leaked_forms(p: &str) -> Vec<Vec<u8>> {
    let mut forms = vec![p.as_bytes().to_vec()];
    if let Some(digits) = p.strip_prefix('+') {
        forms.push(digits.as_bytes().to_vec());
    }
    forms
}

fn assert_clean(haystack: &[u8], secrets: &[String], what: &str) -> Result<(), TestCaseError> {
    for s in secrets {
        for form in leaked_forms(s) {
            let found = haystack.windows(form.len()).any(|w| w == form.as_slice());
            prop_assert!(!found, "{} leaked into {}", s, what);
        }
    }
    Ok(())
}

fn every_event(
    key: &Pseudonymizer,
    subject_id: &str,
    actor_id: &str,
    evidence: EvidenceRef,
) -> Vec<AuditEvent> {
    let subject = key.subject(subject_id);
    let actor = Actor::staff(Role::new("support_agent"), key.actor(actor_id));
    let mut events = Vec::new();
    for action in Action::ALL {
        for outcome in Outcome::ALL {
            events.push(
                AuditEvent::new(*action, *outcome)
                    .with_actor(actor.clone())
                    .with_subject(subject)
                    .with_categories(Category::BUILT_IN)
                    .with_purpose(Purpose::CustomerSupport)
                    .with_legal_basis(LawfulBasis::Contract)
                    .with_recipient(RecipientId::new("dhl"))
                    .with_policy_version(PolicyVersion::new("7"))
                    .with_right(Right::Rectification)
                    .with_request_status(RequestStatus::Fulfilled)
                    .with_withheld([Withheld {
                        category: Category::Transaction,
                        reason: HoldReason::LegalObligation,
                    }])
                    .with_key_version(2)
                    .with_count(1)
                    .with_request(RequestId::from_u128(1))
                    .with_correlation(CorrelationId::from_u128(2))
                    .with_evidence(evidence),
            );
        }
    }
    events.push(
        AuditEvent::new(Action::ConsentGranted, Outcome::Done)
            .with_actor(Actor::subject())
            .with_subject(subject),
    );
    events
}

fn read_dir_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(read_dir_bytes(&path));
        } else {
            out.extend(fs::read(&path).unwrap());
        }
    }
    out
}

/// Error messages (Display and Debug) of every parser the audit module
/// exposes, fed the personal data itself.
fn error_texts(p: &str) -> Vec<String> {
    fn texts<T, E: std::fmt::Display + std::fmt::Debug>(r: Result<T, E>) -> Vec<String> {
        match r {
            Ok(_) => Vec::new(),
            Err(e) => vec![e.to_string(), format!("{e:?}")],
        }
    }
    let v = signer().verifier();
    let mut out = Vec::new();
    out.extend(texts(Role::parse(p)));
    out.extend(texts(RecipientId::parse(p)));
    out.extend(texts(RequestId::parse(p)));
    out.extend(texts(CorrelationId::parse(p)));
    out.extend(texts(Timestamp::parse(p)));
    out.extend(texts(Action::parse(p)));
    out.extend(texts(Outcome::parse(p)));
    out.extend(texts(Right::parse(p)));
    out.extend(texts(HoldReason::parse(p)));
    out.extend(texts(RequestStatus::parse(p)));
    out.extend(texts(Purpose::parse(p)));
    out.extend(texts(LawfulBasis::parse(p)));
    out.extend(texts(SubjectPseudonym::parse(p)));
    out.extend(texts(ActorPseudonym::parse(p)));
    out.extend(texts(EvidenceRef::parse(p)));
    out.extend(texts(CheckpointVerifier::from_vkey(p)));
    out.extend(texts(SignedCheckpoint::parse(p, &v)));
    out.extend(texts(InclusionBundle::parse(p, &v)));
    out.extend(texts(ConsistencyBundle::parse(p, &v)));
    out.extend(texts(
        custodian::audit::CheckpointSigner::from_secret_bytes(p, [1; 32]),
    ));
    // PolicyVersion accepts some digit strings by design (a version label);
    // its errors must still be quiet.
    out.extend(texts(PolicyVersion::parse(p)));
    // Personal data injected into each string field of a valid entry.
    let template = String::from_utf8(
        AuditEvent::new(Action::Reveal, Outcome::Allowed)
            .with_purpose(Purpose::Refunds)
            .with_recipient(RecipientId::new("dhl"))
            .with_categories([Category::Contact])
            .to_json(),
    )
    .unwrap();
    let quoted = serde_json::to_string(p).unwrap();
    for field in [
        "\"reveal\"",
        "\"allowed\"",
        "\"system\"",
        "\"refunds\"",
        "\"dhl\"",
        "\"contact\"",
        "null",
    ] {
        let bad = template.replacen(field, &quoted, 1);
        out.extend(texts(AuditEvent::from_json(bad.as_bytes())));
    }
    out.extend(texts(AuditEvent::from_json(p.as_bytes())));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_event_log_file_or_error_contains_pii(
        subject_id in pii(),
        actor_id in pii(),
        evidence_text in pii(),
    ) {
        let secrets = vec![subject_id.clone(), actor_id.clone(), evidence_text.clone()];
        let dir = tempfile::tempdir().unwrap();

        // Evidence: sealed to the subject by the vault, stored beside the log.
        let vault = vault();
        let to = EvidenceFor::new(&SubjectId::new(subject_id.clone()), Category::Contact);
        let store = FileEvidence::open(dir.path().join("evidence")).unwrap();
        let rectified = format!("old: {evidence_text}; new: {evidence_text}!");
        let evidence = seal_and_store(&vault, &store, &to, rectified.as_bytes()).unwrap();

        // Every action and outcome, through every provided sink.
        let key = Pseudonymizer::from_vault(&vault).unwrap();
        let (log, _) = LogOptions::new()
            .durability(Durability::OsBuffered)
            .open(dir.path(), signer())
            .unwrap();
        let log = std::sync::Arc::new(log);
        let memory = std::sync::Arc::new(MemorySink::new());
        let fan = FanOut::new(vec![Box::new(log.clone()), Box::new(memory.clone())]);
        for event in every_event(&key, &subject_id, &actor_id, evidence) {
            fan.record(&event).unwrap();
            assert_clean(&event.to_json(), &secrets, "an event's JSON")?;
            assert_clean(format!("{event:?}").as_bytes(), &secrets, "an event's Debug")?;
        }
        // Once, after all events: the sinks' Debug shows every event so far.
        assert_clean(format!("{:?}", fan).as_bytes(), &secrets, "the sink's Debug")?;
        let checkpoint = log.checkpoint().unwrap();
        let bundle = log.prove_inclusion(3).unwrap();
        assert_clean(bundle.to_text().as_bytes(), &secrets, "a proof")?;
        assert_clean(format!("{memory:?}").as_bytes(), &secrets, "the memory sink")?;
        assert_clean(format!("{key:?}").as_bytes(), &secrets, "the key's Debug")?;

        // Every file the audit layer wrote: entries, checkpoints, evidence.
        assert_clean(&read_dir_bytes(dir.path()), &secrets, "the log directory")?;

        // Erasure: forgetting the subject's key shreds the evidence, and
        // the log still verifies.
        let sealed = store.get(&evidence).unwrap();
        let opened = vault.open_evidence(&to, &sealed).unwrap();
        prop_assert_eq!(opened.as_slice(), rectified.as_bytes());
        vault.forget(to.subject()).unwrap();
        prop_assert!(matches!(vault.open_evidence(&to, &sealed), Err(EvidenceError::Shredded)));
        store.remove(&evidence).unwrap();
        prop_assert!(store.get(&evidence).is_err());
        let report = verify(dir.path(), &signer().verifier(), Some(&checkpoint)).unwrap();
        prop_assert!(report.is_verified(), "{}", report);
        assert_clean(report.to_string().as_bytes(), &secrets, "the verify report")?;

        // Errors of every parser, given the personal data itself.
        for p in &secrets {
            for text in error_texts(p) {
                assert_clean(text.as_bytes(), &secrets, "an error message")?;
            }
        }
    }
}
