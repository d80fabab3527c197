//! Reveals, disclosures and consent changes are audited, exactly once, with
//! the expected fields, before they take effect; a sink that fails stops
//! them; and no event or error ever carries the plaintext. Public API only.

use std::sync::Arc;

use custodian::access::AccessContext;
use custodian::audit::{
    Action, Actor as AuditActor, AuditEvent, Auditor, CorrelationId, MemorySink, Outcome,
    Pseudonymizer, RefusalReason,
};
use custodian::consent::{
    Collection, CollectionMethod, ConsentError, ConsentLedger, GpcSignal, Scope,
};
use custodian::decision::{Decider, DenialReason, GapKind, Refusal, UseError};
use custodian::disclosure::{Agreement, Recipient, RecipientKind};
use custodian::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference, Role, StaffId};
use custodian::pii::{CardNumber, Category, Email, PersonName};
use custodian::policy::{Policy, PolicySchedule, marketplace};
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::time::Timestamp;
use custodian::{Owned, SubjectId};
use proptest::prelude::*;

const V1: PolicyVersion = PolicyVersion::new("1");
const KEY: [u8; 32] = [9; 32];

fn t(secs: u64) -> Timestamp {
    Timestamp::from_unix_secs(secs).expect("test times are in range")
}

fn how(secs: u64) -> Collection {
    Collection::new(
        V1,
        t(secs),
        CollectionMethod::WebForm,
        Jurisdiction::new("DE"),
    )
}

fn policy() -> Policy {
    let carrier = Recipient::new(RecipientId::new("dhl"), "DHL", RecipientKind::Carrier).agreement(
        Agreement::new(
            Reference::new("DPA-1"),
            &[Category::Location, Category::Identity],
            &[Purpose::Shipping],
        ),
    );
    marketplace()
        .recipient(carrier)
        .build(V1, Timestamp::EPOCH)
        .expect("the default policy builds")
}

/// A schedule, a ledger audited into a memory sink, and that sink.
struct World {
    schedule: PolicySchedule,
    ledger: ConsentLedger,
    sink: Arc<MemorySink>,
    keys: Pseudonymizer,
}

impl World {
    fn new() -> Self {
        let sink = Arc::new(MemorySink::new());
        let keys = Pseudonymizer::from_bytes(KEY);
        Self {
            schedule: PolicySchedule::single(policy()),
            ledger: ConsentLedger::in_memory(Auditor::new(sink.clone(), keys.clone())),
            sink,
            keys,
        }
    }

    fn decider(&self) -> Decider<'_> {
        Decider::new(&self.schedule, &self.ledger)
    }

    /// The one event recorded since the last call.
    fn only_event(&self) -> AuditEvent {
        let mut events = self.sink.take();
        assert_eq!(events.len(), 1, "{events:?}");
        events.remove(0)
    }
}

fn ada() -> SubjectId {
    SubjectId::try_new("cus_ada").expect("a valid id")
}

fn support() -> (StaffId, Role, Reference) {
    (
        StaffId::new("staff:0042"),
        Role::new("support_agent"),
        Reference::new("ticket:4711"),
    )
}

#[test]
fn an_allowed_reveal_is_one_event_with_every_field() {
    let w = World::new();
    let (agent, role, ticket) = support();
    let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
    let email = Email::parse("ada@example.com").unwrap();
    let shown = w
        .decider()
        .reveal(&ctx, &ada(), &Owned::new(ada(), email.clone()), t(100))
        .unwrap();
    assert_eq!(shown.expose(), "ada@example.com");

    let e = w.only_event();
    assert_eq!(
        (e.action(), e.outcome()),
        (Action::Reveal, Outcome::Allowed)
    );
    assert_eq!(e.time(), t(100));
    assert_eq!(
        e.actor(),
        &AuditActor::staff(role.clone(), w.keys.actor("staff:0042"))
    );
    assert_eq!(e.subject(), Some(&w.keys.subject("cus_ada")));
    assert_eq!(e.categories(), [Category::Contact]);
    assert_eq!(e.purpose(), Some(Purpose::CustomerSupport));
    assert_eq!(e.legal_basis(), Some(shown.allowance().basis));
    assert_eq!(e.policy_version(), Some(&V1));
    assert_eq!((e.reason(), e.recipient()), (None, None));
}

#[test]
fn a_denied_reveal_is_audited_with_its_reason() {
    let w = World::new();
    let (agent, role, ticket) = support();
    let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
    let card = CardNumber::parse("4242 4242 4242 4242").unwrap();
    let err = w
        .decider()
        .reveal(&ctx, &ada(), &Owned::new(ada(), card.clone()), t(100))
        .unwrap_err();
    assert!(
        matches!(err, UseError::Refused(Refusal::Denied(_))),
        "{err:?}"
    );

    let e = w.only_event();
    assert_eq!((e.action(), e.outcome()), (Action::Reveal, Outcome::Denied));
    assert_eq!(
        e.reason(),
        Some(RefusalReason::Denied(DenialReason::RoleLacksRight))
    );
    assert_eq!(e.categories(), [Category::Financial]);
    assert_eq!(e.legal_basis(), None);
    assert_eq!(e.policy_version(), Some(&V1));
}

#[test]
fn a_reveal_by_an_unknown_role_is_audited_as_a_gap() {
    let w = World::new();
    let (agent, _, ticket) = support();
    let intern = Role::new("intern");
    let ctx = AccessContext::new(&agent, &intern, Purpose::CustomerSupport, &ticket);
    let email = Email::parse("ada@example.com").unwrap();
    assert!(
        w.decider()
            .reveal(&ctx, &ada(), &Owned::new(ada(), email.clone()), t(1))
            .is_err()
    );
    let e = w.only_event();
    assert_eq!(e.reason(), Some(RefusalReason::Gap(GapKind::UnknownRole)));
    assert_eq!(e.actor().role(), &intern);
}

#[test]
fn disclosures_are_audited_allowed_and_denied() {
    let w = World::new();
    let dhl = RecipientId::new("dhl");
    let allowance = w
        .decider()
        .disclose(&ada(), &dhl, &[Category::Location], Purpose::Shipping, t(5))
        .unwrap();
    assert_eq!(allowance.basis, LawfulBasis::Contract);
    let e = w.only_event();
    assert_eq!(
        (e.action(), e.outcome()),
        (Action::Disclosure, Outcome::Allowed)
    );
    assert_eq!(e.actor(), &AuditActor::system());
    assert_eq!(e.recipient(), Some(&dhl));
    assert_eq!(e.legal_basis(), Some(LawfulBasis::Contract));
    assert_eq!(e.categories(), [Category::Location]);
    assert_eq!(e.purpose(), Some(Purpose::Shipping));
    assert_eq!(e.subject(), Some(&w.keys.subject("cus_ada")));

    let err = w
        .decider()
        .disclose(
            &ada(),
            &dhl,
            &[Category::Financial],
            Purpose::Shipping,
            t(5),
        )
        .unwrap_err();
    let e = w.only_event();
    assert_eq!(
        (e.action(), e.outcome()),
        (Action::Disclosure, Outcome::Denied)
    );
    let reason = RefusalReason::of(err.refusal().expect("refused, not unaudited"));
    assert_eq!(e.reason(), Some(reason));
    assert_eq!(e.recipient(), Some(&dhl));
}

#[test]
fn plain_decisions_record_nothing() {
    let w = World::new();
    let ada = ada();
    let categories = [Category::Contact];
    let mail = custodian::decision::Use::new(
        &ada,
        &categories,
        Purpose::Marketing,
        custodian::decision::Actor::System,
        t(1),
    );
    let _ = w.decider().decide(&mail);
    assert!(w.sink.is_empty());
}

#[test]
fn consent_changes_are_audited_with_the_ledger_event_id() {
    let w = World::new();
    let given = w.ledger.give(&ada(), Purpose::Marketing, &how(10)).unwrap();
    let e = w.only_event();
    assert_eq!(
        (e.action(), e.outcome()),
        (Action::ConsentGranted, Outcome::Done)
    );
    assert_eq!(e.actor(), &AuditActor::subject());
    assert_eq!(e.time(), t(10));
    assert_eq!(e.subject(), Some(&w.keys.subject("cus_ada")));
    assert_eq!(e.purpose(), Some(Purpose::Marketing));
    assert_eq!(e.policy_version(), Some(&V1));
    assert_eq!(
        e.correlation(),
        Some(CorrelationId::from_bytes(*given.as_bytes()))
    );

    w.ledger
        .withdraw(&ada(), Purpose::Marketing, &how(20))
        .unwrap();
    assert_eq!(w.only_event().action(), Action::ConsentWithdrawn);

    let ads = RecipientId::new("adnet");
    w.ledger
        .give_to(&ada(), Purpose::Marketing, &ads, &how(30))
        .unwrap();
    let e = w.only_event();
    assert_eq!(e.action(), Action::ConsentGranted);
    assert_eq!(e.recipient(), Some(&ads));

    w.ledger
        .object(&ada(), Purpose::Marketing, &how(40))
        .unwrap();
    assert_eq!(w.only_event().action(), Action::ObjectionRecorded);
}

#[test]
fn gpc_refusals_are_audited_one_per_purpose() {
    let w = World::new();
    w.ledger.give(&ada(), Purpose::Marketing, &how(10)).unwrap();
    w.sink.take();
    let signal = GpcSignal::from_header(Some("1")).unwrap();
    let outcome = w
        .ledger
        .apply_gpc(
            &ada(),
            signal,
            &policy(),
            t(20),
            &Jurisdiction::new("US-CA"),
        )
        .unwrap();
    let events = w.sink.take();
    assert_eq!(events.len(), outcome.recorded.len());
    for (event, (purpose, id)) in events.iter().zip(&outcome.recorded) {
        assert_eq!(event.action(), Action::ConsentRefusedGpc);
        assert_eq!(event.purpose(), Some(*purpose));
        assert_eq!(
            event.correlation(),
            Some(CorrelationId::from_bytes(*id.as_bytes()))
        );
    }
}

#[test]
fn a_failing_sink_blocks_reveals_disclosures_and_consent_changes() {
    let w = World::new();
    w.sink.set_available(false);
    let (agent, role, ticket) = support();
    let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
    let email = Email::parse("ada@example.com").unwrap();

    // The reveal would be allowed, but no event means no plaintext.
    let err = w
        .decider()
        .reveal(&ctx, &ada(), &Owned::new(ada(), email.clone()), t(1))
        .unwrap_err();
    assert!(matches!(err, UseError::Unaudited(_)), "{err:?}");

    let err = w
        .decider()
        .disclose(
            &ada(),
            &RecipientId::new("dhl"),
            &[Category::Location],
            Purpose::Shipping,
            t(1),
        )
        .unwrap_err();
    assert!(matches!(err, UseError::Unaudited(_)), "{err:?}");

    let err = w
        .ledger
        .give(&ada(), Purpose::Marketing, &how(1))
        .unwrap_err();
    assert!(matches!(err, ConsentError::Audit(_)), "{err:?}");
    let signal = GpcSignal::from_header(Some("1")).unwrap();
    let err = w
        .ledger
        .apply_gpc(&ada(), signal, &policy(), t(2), &Jurisdiction::new("DE"))
        .unwrap_err();
    assert!(matches!(err, ConsentError::Audit(_)), "{err:?}");

    // Nothing was written, nothing recorded.
    assert!(w.ledger.history(&ada()).unwrap().is_empty());
    assert_eq!(
        w.ledger
            .state(&ada(), Scope::purpose(Purpose::Marketing))
            .unwrap(),
        None
    );
    assert!(w.sink.is_empty());

    // Back up: the same calls go through.
    w.sink.set_available(true);
    assert!(
        w.decider()
            .reveal(&ctx, &ada(), &Owned::new(ada(), email.clone()), t(3))
            .is_ok()
    );
    assert!(w.ledger.give(&ada(), Purpose::Marketing, &how(3)).is_ok());
    assert_eq!(w.sink.len(), 2);
}

#[test]
fn a_store_failure_after_the_event_is_audited_as_failed() {
    let w = World::new();
    w.ledger.give(&ada(), Purpose::Marketing, &how(10)).unwrap();
    w.sink.take();
    // An import older than the latest event: the store refuses it.
    let import = custodian::consent::ConsentEvent::new(
        custodian::ids::ConsentEventId::random().unwrap(),
        ada(),
        Purpose::Marketing,
        None,
        custodian::consent::ConsentStatus::Given,
        &how(5),
    );
    assert!(w.ledger.append(import).is_err());
    let outcomes: Vec<_> = w.sink.take().iter().map(|e| e.outcome()).collect();
    assert_eq!(outcomes, [Outcome::Done, Outcome::Failed]);
}

/// Plaintext that must never show up: every value and the subject id.
fn secrets_of(subject: &str, email: &Email, name: &PersonName, card: &CardNumber) -> Vec<String> {
    vec![
        subject.to_owned(),
        email.expose().to_owned(),
        name.expose().to_owned(),
        card.expose().to_owned(),
    ]
}

/// A valid card number: 15 random digits and the Luhn check digit.
fn luhn(digits: &[u8]) -> String {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    let mut s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    s.push(char::from_digit(check, 10).expect("a digit"));
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_event_or_error_carries_plaintext(
        subject in "cus_[A-Za-z0-9]{8,16}",
        local in "[a-z][a-z0-9]{5,12}(\\.[a-z0-9]{1,5})?",
        domain in "[a-z]{4,10}\\.(com|de|example)",
        first in "[A-Z][a-z]{5,10}",
        last in "[A-Z][a-z]{5,10}",
        card_digits in proptest::collection::vec(0u8..10, 15),
        sink_up in any::<bool>(),
    ) {
        let w = World::new();
        let subject_id = SubjectId::try_new(subject.clone()).unwrap();
        let email = Email::parse(&format!("{local}@{domain}")).unwrap();
        let name = PersonName::parse(&format!("{first} {last}")).unwrap();
        let card = match CardNumber::parse(&luhn(&card_digits)) {
            Ok(card) => card,
            Err(_) => CardNumber::parse("4242424242424242").unwrap(),
        };
        let secrets = secrets_of(&subject, &email, &name, &card);
        w.sink.set_available(sink_up);

        let (agent, role, ticket) = support();
        let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
        let mut errors = Vec::new();
        let d = w.decider();
        match d.reveal(&ctx, &subject_id, &Owned::new(subject_id.clone(), email.clone()), t(1)) {
            Ok(shown) => prop_assert_eq!(shown.expose(), email.expose()),
            Err(e) => errors.push(format!("{e} {e:?}")),
        }
        if let Err(e) = d.reveal(&ctx, &subject_id, &Owned::new(subject_id.clone(), name.clone()), t(1)) {
            errors.push(format!("{e} {e:?}"));
        }
        match d.reveal(&ctx, &subject_id, &Owned::new(subject_id.clone(), card.clone()), t(1)) {
            Ok(_) => prop_assert!(false, "support never sees cards"),
            Err(e) => errors.push(format!("{e} {e:?}")),
        }
        for (categories, purpose) in [
            (&[Category::Location][..], Purpose::Shipping),
            (&[Category::Financial][..], Purpose::Marketing),
        ] {
            if let Err(e) = d.disclose(&subject_id, &RecipientId::new("dhl"), categories, purpose, t(2)) {
                errors.push(format!("{e} {e:?}"));
            }
        }
        for result in [
            w.ledger.give(&subject_id, Purpose::Marketing, &how(3)),
            w.ledger.withdraw(&subject_id, Purpose::Marketing, &how(4)),
        ] {
            if let Err(e) = result {
                errors.push(format!("{e} {e:?}"));
            }
        }

        let events = w.sink.events();
        prop_assert_eq!(events.is_empty(), !sink_up);
        let texts = events
            .iter()
            .map(|e| String::from_utf8(e.to_json()).unwrap())
            .chain(events.iter().map(|e| format!("{e:?}")))
            .chain(errors);
        for text in texts {
            for secret in &secrets {
                prop_assert!(!text.contains(secret.as_str()), "{secret:?} in {text}");
            }
        }
    }
}

mod front_door {
    use super::*;
    use custodian::Custodian;
    use custodian::consent::MemoryStore;
    use custodian::front::{BuildError, ForgetError};
    use custodian::vault::{FieldLabel, KeyScope, MemoryKeyStore, RootKey, RootKeyRing, Vault};

    const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");

    fn custodian(sink: Arc<MemorySink>) -> Custodian {
        let vault = Vault::builder()
            .build(
                Arc::new(RootKeyRing::new(
                    1,
                    RootKey::generate().expect("the OS generator works"),
                )),
                Arc::new(MemoryKeyStore::new()),
            )
            .expect("a memory vault builds");
        Custodian::builder()
            .audit(sink)
            .ledger(MemoryStore::new())
            .vault(vault)
            .policy(PolicySchedule::single(policy()))
            .build()
            .expect("every step was given")
    }

    /// Every public operation of `Custodian` with an effect, and of the
    /// vault and ledger it hands out, and the events each records in the
    /// one sink the custodian was built with.
    #[test]
    fn every_effect_is_audited_through_the_front_door() {
        use custodian::decision::{Actor, Use};
        use custodian::seal::RevealReason;
        use custodian::vault::Resealed;

        let sink = Arc::new(MemorySink::new());
        let mut c = custodian(sink.clone());
        let keys = Pseudonymizer::from_vault(c.vault()).unwrap();
        let mut seen = Vec::new();
        let mut step = |name: &str, expected: &[Action], run: &mut dyn FnMut(&mut Custodian)| {
            run(&mut c);
            let events = sink.take();
            let actions: Vec<_> = events.iter().map(|e| e.action()).collect();
            assert_eq!(actions, expected, "{name}");
            seen.extend(events);
        };
        let scope = KeyScope::subject(&ada());
        let email = Email::parse("ada@example.com").unwrap();
        let (agent, role, ticket) = support();
        let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);

        step("build", &[Action::PolicyActivated], &mut |_| {});
        step("decide", &[], &mut |c| {
            let ada = ada();
            let mail = Use::new(
                &ada,
                &[Category::Contact],
                Purpose::Marketing,
                Actor::System,
                t(1),
            );
            let _ = c.decide(&mail);
        });
        step("give_consent", &[Action::ConsentGranted], &mut |c| {
            c.give_consent(&ada(), Purpose::Marketing, &how(1)).unwrap();
        });
        step("withdraw_consent", &[Action::ConsentWithdrawn], &mut |c| {
            c.withdraw_consent(&ada(), Purpose::Marketing, &how(2))
                .unwrap();
        });
        step("ledger().object", &[Action::ObjectionRecorded], &mut |c| {
            c.ledger()
                .object(&ada(), Purpose::Marketing, &how(2))
                .unwrap();
        });
        step("reveal", &[Action::Reveal], &mut |c| {
            assert!(
                c.reveal(&ctx, &ada(), &Owned::new(ada(), email.clone()), t(3))
                    .is_ok()
            );
        });
        step("disclose", &[Action::Disclosure], &mut |c| {
            let dhl = RecipientId::new("dhl");
            assert!(
                c.disclose(&ada(), &dhl, &[Category::Location], Purpose::Shipping, t(4))
                    .is_ok()
            );
        });
        let mut sealed = None;
        step("vault().seal", &[], &mut |c| {
            sealed = Some(c.vault().seal(&email, &scope, LOGIN).unwrap());
        });
        let sealed = sealed.unwrap();
        step("vault().rotate_key", &[Action::KeyRotated], &mut |c| {
            c.vault().rotate_key(&scope).unwrap();
        });
        let mut moved = None;
        step("vault().reseal", &[Action::Resealed], &mut |c| match c
            .vault()
            .reseal::<Email>(&sealed, &scope, LOGIN)
            .unwrap()
        {
            Resealed::Moved(envelope) => moved = Some(envelope),
            other => panic!("{other:?}"),
        });
        step(
            "vault().retire_key_version",
            &[Action::KeyRetired],
            &mut |c| {
                c.vault().retire_key_version(&scope, 1).unwrap();
            },
        );
        step(
            "vault().rewrap_data_keys",
            &[Action::KeysRewrapped],
            &mut |c| {
                c.vault().rewrap_data_keys(10).unwrap();
            },
        );
        step("revealed export", &[Action::ExportProduced], &mut |c| {
            let export = c
                .vault()
                .subject(&ada())
                .revealed(RevealReason::SubjectAccess)
                .run(|| serde_json::to_string(&email));
            assert!(export.unwrap().contains("ada@example.com"));
        });
        step(
            "forget_subject",
            &[Action::Erasure, Action::SubjectKeyForgotten],
            &mut |c| {
                c.forget_subject(&ada(), t(5)).unwrap();
            },
        );
        step(
            "vault().reinstate",
            &[Action::SubjectKeyReinstated],
            &mut |c| {
                c.vault().reinstate(&ada()).unwrap();
            },
        );
        step("vault().forget", &[Action::SubjectKeyForgotten], &mut |c| {
            c.vault().forget(&ada()).unwrap();
        });
        step("set_policy", &[Action::PolicyActivated], &mut |c| {
            let v2 = PolicyVersion::new("2");
            let next = marketplace().announced(t(10)).build(v2, t(10)).unwrap();
            c.set_policy(PolicySchedule::new(vec![policy(), next]).unwrap())
                .unwrap();
        });
        assert!(moved.is_some());
        // Pseudonyms are keyed by the vault's audit key, in the custodian's
        // events and the vault's alike.
        let ada_events = seen.iter().filter(|e| e.subject().is_some()).count();
        assert!(ada_events >= 10, "{ada_events}");
        assert!(
            seen.iter()
                .filter_map(|e| e.subject())
                .all(|s| *s == keys.subject("cus_ada"))
        );
    }

    #[test]
    fn an_unaudited_erasure_destroys_nothing() {
        let sink = Arc::new(MemorySink::new());
        let c = custodian(sink.clone());
        let scope = KeyScope::subject(&ada());
        let email = Email::parse("ada@example.com").unwrap();
        let sealed = c.vault().seal(&email, &scope, LOGIN).unwrap();

        sink.set_available(false);
        let err = c.forget_subject(&ada(), t(1)).unwrap_err();
        assert!(matches!(err, ForgetError::Unaudited(_)), "{err:?}");
        let opened = c.vault().open::<Email>(&sealed, &scope, LOGIN).unwrap();
        assert_eq!(opened.present().map(Email::expose), Some("ada@example.com"));

        sink.set_available(true);
        assert!(c.forget_subject(&ada(), t(2)).unwrap().is_some());
        assert!(
            c.vault()
                .open::<Email>(&sealed, &scope, LOGIN)
                .unwrap()
                .is_erased()
        );
        // The activation, the erasure, and the vault's own key event: the
        // front door's sink hears the vault too.
        let actions: Vec<_> = sink.events().iter().map(|e| e.action()).collect();
        assert_eq!(
            actions,
            [
                Action::PolicyActivated,
                Action::Erasure,
                Action::SubjectKeyForgotten
            ]
        );
    }

    #[test]
    fn new_policy_versions_are_audited_or_not_put_in_force() {
        let sink = Arc::new(MemorySink::new());
        let mut c = custodian(sink.clone());
        sink.take();
        let v2 = PolicyVersion::new("2");
        let next = || {
            PolicySchedule::new([
                policy(),
                marketplace()
                    .announced(t(1000))
                    .build(v2, t(1000))
                    .expect("the default policy builds"),
            ])
            .expect("versions in order")
        };
        sink.set_available(false);
        assert!(c.set_policy(next()).is_err());
        assert_eq!(c.schedule().versions().len(), 1);
        sink.set_available(true);
        c.set_policy(next()).unwrap();
        let events = sink.take();
        assert_eq!(events.len(), 1, "only the new version: {events:?}");
        assert_eq!(events[0].action(), Action::PolicyActivated);
        assert_eq!(events[0].policy_version(), Some(&v2));
    }

    #[test]
    fn a_custodian_does_not_start_unaudited() {
        let sink = Arc::new(MemorySink::new());
        sink.set_available(false);
        let vault = Vault::builder()
            .build(
                Arc::new(RootKeyRing::new(1, RootKey::generate().unwrap())),
                Arc::new(MemoryKeyStore::new()),
            )
            .unwrap();
        let built = Custodian::builder()
            .policy(PolicySchedule::single(policy()))
            .vault(vault)
            .ledger(MemoryStore::new())
            .audit(sink)
            .build();
        assert!(matches!(built, Err(BuildError::Unaudited(_))));
    }
}
