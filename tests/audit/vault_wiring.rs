//! The vault audits its own data activities, fail closed: each audited
//! operation records exactly its event, and a sink that cannot record
//! stops the operation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use custodian::audit::{
    Action, Actor, AuditEvent, MemorySink, Outcome, Pseudonymizer, Right, SinkError,
};
use custodian::pii::{Category, Email};
use custodian::seal::{RevealReason, ScopedError};
use custodian::vault::{
    Envelope, FieldLabel, KeyScope, MemoryKeyStore, Resealed, RootKey, RootKeyRing, Vault,
};
use custodian::{SealError, SubjectId, VaultError};

const LABEL: FieldLabel = FieldLabel::new("customer.email");

struct Setup {
    vault: Vault,
    sink: Arc<MemorySink>,
    ring: Arc<RootKeyRing>,
    names: Pseudonymizer,
    ada: SubjectId,
    scope: KeyScope,
}

fn setup() -> Setup {
    let sink = Arc::new(MemorySink::new());
    let ring = Arc::new(RootKeyRing::new(1, RootKey::generate().unwrap()));
    let vault = Vault::builder()
        .audit(sink.clone())
        .build(ring.clone(), Arc::new(MemoryKeyStore::new()))
        .unwrap();
    let names = Pseudonymizer::from_vault(&vault).unwrap();
    let ada = SubjectId::new("cust_ada");
    let scope = KeyScope::subject(&ada);
    Setup {
        vault,
        sink,
        ring,
        names,
        ada,
        scope,
    }
}

fn email() -> Email {
    Email::parse("ada@example.com").unwrap()
}

/// The single event recorded since the last call, compared with
/// `expected` apart from its time and (random) correlation id.
fn assert_one_event(sink: &MemorySink, expected: AuditEvent) -> AuditEvent {
    let events = sink.take();
    assert_eq!(events.len(), 1, "expected one event, got {events:#?}");
    let got = events.into_iter().next().unwrap();
    let correlation = got.correlation().expect("audited operations correlate");
    assert_eq!(got, expected.at(got.time()).with_correlation(correlation));
    got
}

fn system(action: Action) -> AuditEvent {
    AuditEvent::new(action, Outcome::Done).with_actor(Actor::system())
}

fn is_audit_error(err: &VaultError) -> bool {
    matches!(err, VaultError::Audit(e) if matches!(**e, SinkError::Unavailable))
}

fn is_sealed_audit_error(err: &SealError) -> bool {
    matches!(err, SealError::Vault(e) if is_audit_error(e))
}

#[test]
fn forget_records_the_forgotten_key() {
    let s = setup();
    let sealed = s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    assert!(s.sink.is_empty(), "sealing is not audited by the vault");
    s.vault.forget(&s.ada).unwrap().expect("a key existed");
    assert_one_event(
        &s.sink,
        system(Action::SubjectKeyForgotten).with_subject(s.names.subject("cust_ada")),
    );
    assert!(
        s.vault
            .open::<Email>(&sealed, &s.scope, LABEL)
            .unwrap()
            .is_erased()
    );
    // A subject without a key: nothing destroyed, nothing recorded.
    assert!(s.vault.forget(&SubjectId::new("nobody")).unwrap().is_none());
    assert!(s.sink.is_empty());
}

#[test]
fn forget_does_not_happen_when_it_cannot_be_recorded() {
    let s = setup();
    let sealed = s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    s.sink.set_available(false);
    let err = s.vault.forget(&s.ada).unwrap_err();
    assert!(is_audit_error(&err), "{err:?}");
    assert!(s.sink.is_empty());
    // The key is intact: the value opens, and new values seal.
    let opened = s.vault.open::<Email>(&sealed, &s.scope, LABEL).unwrap();
    assert_eq!(opened.present(), Some(&email()));
    s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    s.sink.set_available(true);
    s.vault.forget(&s.ada).unwrap().unwrap();
    assert_eq!(s.sink.take().len(), 1);
}

#[test]
fn rotation_promotion_and_retirement_are_recorded() {
    let s = setup();
    let old = s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    let subject = s.names.subject("cust_ada");

    // rotate_key = add (not audited) + promote: one event.
    assert_eq!(s.vault.rotate_key(&s.scope).unwrap(), 2);
    assert_one_event(
        &s.sink,
        system(Action::KeyRotated)
            .with_subject(subject)
            .with_key_version(2),
    );
    let v3 = s.vault.add_key_version(&s.scope).unwrap();
    assert!(
        s.sink.is_empty(),
        "adding a decrypt-only version is not audited"
    );
    s.vault.promote_key_version(&s.scope, v3).unwrap();
    assert_one_event(
        &s.sink,
        system(Action::KeyRotated)
            .with_subject(subject)
            .with_key_version(3),
    );

    // Reseal the old value, then retire version 1.
    let moved = match s.vault.reseal::<Email>(&old, &s.scope, LABEL).unwrap() {
        Resealed::Moved(envelope) => envelope,
        other => panic!("expected a move, got {other:?}"),
    };
    assert_eq!(moved.key_version(), 3);
    assert_one_event(
        &s.sink,
        system(Action::Resealed)
            .with_subject(subject)
            .with_categories([Category::Contact])
            .with_count(1),
    );
    s.vault.retire_key_version(&s.scope, 1).unwrap();
    assert_one_event(
        &s.sink,
        system(Action::KeyRetired)
            .with_subject(subject)
            .with_key_version(1),
    );
}

#[test]
fn key_changes_do_not_happen_when_they_cannot_be_recorded() {
    let s = setup();
    let old = s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    s.sink.set_available(false);

    assert!(is_audit_error(&s.vault.rotate_key(&s.scope).unwrap_err()));
    // rotate_key added version 2 (decrypt-only) before promotion was
    // refused: sealing still uses version 1.
    assert_eq!(
        s.vault
            .seal(&email(), &s.scope, LABEL)
            .unwrap()
            .key_version(),
        1
    );
    assert!(is_audit_error(
        &s.vault.promote_key_version(&s.scope, 2).unwrap_err()
    ));
    assert_eq!(
        s.vault
            .seal(&email(), &s.scope, LABEL)
            .unwrap()
            .key_version(),
        1
    );

    let err = s.vault.reseal::<Email>(&old, &s.scope, LABEL).unwrap_err();
    assert!(is_sealed_audit_error(&err), "{err:?}");
    let batch = s
        .vault
        .reseal_batch::<Email>(LABEL, [(&old, &s.scope), (&old, &s.scope)]);
    assert_eq!(batch.len(), 2);
    assert!(
        batch
            .iter()
            .all(|r| r.as_ref().is_err_and(is_sealed_audit_error))
    );

    s.sink.set_available(true);
    s.vault.promote_key_version(&s.scope, 2).unwrap();
    s.vault.reseal::<Email>(&old, &s.scope, LABEL).unwrap();
    s.sink.take();
    s.sink.set_available(false);
    assert!(is_audit_error(
        &s.vault.retire_key_version(&s.scope, 1).unwrap_err()
    ));
    // Version 1 was kept: the old envelope still opens.
    let opened = s.vault.open::<Email>(&old, &s.scope, LABEL).unwrap();
    assert_eq!(opened.present(), Some(&email()));
    assert!(s.sink.is_empty());
}

#[test]
fn a_step_failing_after_its_event_is_followed_by_a_failed_event() {
    let s = setup();
    s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    // Retiring the active version is refused by the vault, after the
    // event was recorded.
    let err = s.vault.retire_key_version(&s.scope, 1).unwrap_err();
    assert!(
        matches!(err, VaultError::ActiveVersion { version: 1 }),
        "{err:?}"
    );
    let events = s.sink.take();
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(
        (events[0].action(), events[0].outcome()),
        (Action::KeyRetired, Outcome::Done)
    );
    assert_eq!(
        (events[1].action(), events[1].outcome()),
        (Action::KeyRetired, Outcome::Failed)
    );
    assert_eq!(events[0].correlation(), events[1].correlation());
    assert!(events[1].time() >= events[0].time());
}

#[test]
fn a_reseal_batch_records_one_event_and_its_failures() {
    let s = setup();
    let bob = KeyScope::subject(&SubjectId::new("cust_bob"));
    let a = s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    let b = s.vault.seal(&email(), &bob, LABEL).unwrap();
    s.vault.rotate_key(&s.scope).unwrap();
    s.sink.take();

    let results = s
        .vault
        .reseal_batch::<Email>(LABEL, [(&a, &s.scope), (&b, &bob)]);
    assert!(matches!(results[0], Ok(Resealed::Moved(_))));
    assert!(matches!(results[1], Ok(Resealed::Current)));
    assert_one_event(
        &s.sink,
        system(Action::Resealed)
            .with_categories([Category::Contact])
            .with_count(2),
    );

    // One item sealed for another scope fails: a partial follow-up.
    let results = s
        .vault
        .reseal_batch::<Email>(LABEL, [(&a, &s.scope), (&b, &s.scope)]);
    assert!(results[0].is_ok() && results[1].is_err());
    let events = s.sink.take();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].outcome(), Outcome::Partial);
    assert_eq!(events[1].count(), Some(1));
}

#[test]
fn rewrapping_is_recorded_and_fails_closed() {
    let s = setup();
    s.vault.seal(&email(), &s.scope, LABEL).unwrap();
    s.sink.take();
    s.ring.add(2, RootKey::generate().unwrap()).unwrap();
    s.ring.promote(2).unwrap();

    s.sink.set_available(false);
    assert!(is_audit_error(&s.vault.rewrap_data_keys(10).unwrap_err()));
    s.sink.set_available(true);
    // Nothing was re-wrapped by the refused call.
    let rewrapped = s.vault.rewrap_data_keys(10).unwrap();
    assert!(rewrapped >= 1, "{rewrapped}");
    assert_one_event(&s.sink, system(Action::KeysRewrapped).with_key_version(2));
}

#[derive(serde::Serialize)]
struct Profile {
    email: Email,
}

#[test]
fn a_revealed_export_is_recorded_and_fails_closed() {
    let s = setup();
    let profile = Profile { email: email() };
    let reveal = |reason| {
        s.vault
            .subject(&s.ada)
            .revealed(reason)
            .run(|| serde_json::to_string(&profile))
    };
    let json = reveal(RevealReason::SubjectAccess).unwrap();
    assert!(json.contains("ada@example.com"));
    let subject = s.names.subject("cust_ada");
    let export = |right| {
        AuditEvent::new(Action::ExportProduced, Outcome::Done)
            .with_actor(Actor::subject())
            .with_subject(subject)
            .with_right(right)
    };
    assert_one_event(&s.sink, export(Right::Access));
    reveal(RevealReason::Portability).unwrap();
    assert_one_event(&s.sink, export(Right::Portability));

    // Sealed scopes are not revealed serializations.
    s.vault
        .subject(&s.ada)
        .run(|| serde_json::to_string(&profile))
        .unwrap();
    assert!(s.sink.is_empty());

    // A sink that cannot record: the closure never runs, nothing is written.
    s.sink.set_available(false);
    let ran = AtomicBool::new(false);
    let mut out = Vec::new();
    let result = s
        .vault
        .subject(&s.ada)
        .revealed(RevealReason::SubjectAccess)
        .run(|| {
            ran.store(true, Ordering::SeqCst);
            serde_json::to_writer(&mut out, &profile)
        });
    match result {
        Err(ScopedError::Seal(err)) => assert!(is_sealed_audit_error(&err), "{err:?}"),
        other => panic!("expected an audit error, got {other:?}"),
    }
    assert!(!ran.load(Ordering::SeqCst));
    assert!(out.is_empty());
    assert!(s.sink.is_empty());
}

#[test]
fn without_a_sink_nothing_changes() {
    let vault = Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::generate().unwrap())),
            Arc::new(MemoryKeyStore::new()),
        )
        .unwrap();
    let ada = SubjectId::new("cust_ada");
    let scope = KeyScope::subject(&ada);
    let sealed: Envelope = vault.seal(&email(), &scope, LABEL).unwrap();
    vault.rotate_key(&scope).unwrap();
    vault.reseal::<Email>(&sealed, &scope, LABEL).unwrap();
    vault
        .subject(&ada)
        .revealed(RevealReason::SubjectAccess)
        .run(|| serde_json::to_string(&Profile { email: email() }))
        .unwrap();
    assert!(vault.forget(&ada).unwrap().is_some());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 16, ..Default::default() })]

    /// The vault's events carry pseudonyms, never the subject id or the
    /// values involved.
    #[test]
    fn vault_events_hold_no_personal_data(
        id in "[a-z]{4,10}\\.[a-z]{4,10}@[a-z]{4,10}\\.com",
        local in "[a-z]{6,12}",
    ) {
        let sink = Arc::new(MemorySink::new());
        let vault = Vault::builder()
            .audit(sink.clone())
            .build(
                Arc::new(RootKeyRing::new(1, RootKey::generate().unwrap())),
                Arc::new(MemoryKeyStore::new()),
            )
            .unwrap();
        let subject = SubjectId::new(id.clone());
        let scope = KeyScope::subject(&subject);
        let value = Email::parse(&format!("{local}@example.org")).unwrap();
        let sealed = vault.seal(&value, &scope, LABEL).unwrap();
        vault.rotate_key(&scope).unwrap();
        vault.reseal::<Email>(&sealed, &scope, LABEL).unwrap();
        vault.reseal_batch::<Email>(LABEL, [(&sealed, &scope)]);
        vault
            .subject(&subject)
            .revealed(RevealReason::Portability)
            .run(|| serde_json::to_string(&Profile { email: value.clone() }))
            .unwrap();
        vault.retire_key_version(&scope, 1).unwrap();
        vault.forget(&subject).unwrap();
        let events = sink.take();
        proptest::prop_assert_eq!(events.len(), 6);
        for event in events {
            let json = String::from_utf8(event.to_json()).unwrap();
            let debug = format!("{event:?}");
            for text in [&json, &debug] {
                proptest::prop_assert!(!text.contains(&id), "{}", text);
                proptest::prop_assert!(!text.contains(&local), "{}", text);
            }
        }
    }
}
