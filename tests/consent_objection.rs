//! Objections to direct marketing stand against later consents (GDPR
//! Art. 21(3)) unless the policy lets a consent lift them, and consents
//! name a notice version that was in force: through the public API, with
//! properties over arbitrary ledger folds.

use std::time::Duration;

use custodian::SubjectId;
use custodian::consent::{
    Collection, CollectionMethod, ConsentError, ConsentEvent, ConsentLedger, ConsentStatus,
    ConsentStore, MemoryStore, Scope, fold,
};
use custodian::decision::{Actor, Decider, DenialReason, Use};
use custodian::ids::{ConsentEventId, Jurisdiction, PolicyVersion, RecipientId};
use custodian::pii::Category;
use custodian::policy::{PolicySchedule, marketplace};
use custodian::purpose::Purpose;
use custodian::time::Timestamp;
use proptest::prelude::*;

const V1: PolicyVersion = PolicyVersion::new("1");
const V2: PolicyVersion = PolicyVersion::new("2");

fn t(secs: u64) -> Timestamp {
    Timestamp::from_unix_secs(secs).expect("test times are in range")
}

fn how(version: PolicyVersion, secs: u64) -> Collection {
    Collection::new(
        version,
        t(secs),
        CollectionMethod::WebForm,
        Jurisdiction::new("DE"),
    )
}

fn auditor() -> custodian::audit::Auditor {
    custodian::audit::Auditor::new(
        custodian::audit::MemorySink::new(),
        custodian::audit::Pseudonymizer::from_bytes([5; 32]),
    )
}

/// Sending `subject` a marketing e-mail at `at`.
fn mail(subject: &SubjectId, at: Timestamp) -> Use<'_> {
    Use::new(
        subject,
        &[Category::Contact],
        Purpose::Marketing,
        Actor::System,
        at,
    )
}

fn ada() -> SubjectId {
    SubjectId::new("cus_ada")
}

/// Version 1 in force from 100 s; optionally version 2, announced at
/// 1000 s and in force 30 days later, whose policy lets consent lift an
/// objection to marketing.
fn schedule(v2_lifts: bool) -> PolicySchedule {
    let v1 = marketplace().build(V1, t(100)).expect("the default builds");
    if !v2_lifts {
        return PolicySchedule::single(v1);
    }
    let v2 = marketplace()
        .consent_lifts_objection(Purpose::Marketing)
        .announced(t(1000))
        .build(V2, t(1000 + 30 * 86_400))
        .expect("the default builds");
    PolicySchedule::new([v1, v2]).expect("30 days of notice")
}

#[test]
fn regression_a_later_consent_no_longer_overrides_an_objection_to_marketing() {
    // Before the fix the ledger recorded the consent and the decision read
    // it as the latest event: marketing was allowed again.
    let schedule = schedule(false);
    let ledger = ConsentLedger::in_memory(auditor());
    let decider = Decider::new(&schedule, &ledger);
    ledger
        .give(&ada(), Purpose::Marketing, &how(V1, 200))
        .unwrap();
    let objection = ledger
        .object(&ada(), Purpose::Marketing, &how(V1, 300))
        .unwrap();
    let err = ledger
        .give(&ada(), Purpose::Marketing, &how(V1, 400))
        .unwrap_err();
    assert!(
        matches!(err, ConsentError::Objected { purpose: Purpose::Marketing, objection: o } if o == objection),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the subject objected to purpose marketing; a consent does not lift the objection"
    );
    // A recipient-specific consent does not lift it either.
    let ads = RecipientId::new("ads");
    let err = ledger
        .give_to(&ada(), Purpose::Marketing, &ads, &how(V1, 400))
        .unwrap_err();
    assert!(matches!(err, ConsentError::Objected { .. }), "{err:?}");
    // Even a consent slipped in around the ledger (an import that
    // bypasses it) changes nothing: the fold keeps the objection.
    let store = MemoryStore::new();
    for e in ledger.history(&ada()).unwrap() {
        store.append(e).unwrap();
    }
    let slipped = event(Purpose::Marketing, None, ConsentStatus::Given, false, 500);
    store.append(slipped).unwrap();
    let state = store
        .state(&ada(), Scope::purpose(Purpose::Marketing))
        .unwrap()
        .unwrap();
    assert_eq!(
        (state.status, state.event),
        (ConsentStatus::Objected, objection)
    );

    let subject = ada();
    let email = mail(&subject, t(500));
    assert_eq!(
        decider.decide(&email).denial_reason(),
        Some(DenialReason::Objection)
    );
    assert_eq!(ledger.history(&ada()).unwrap().len(), 2, "nothing written");
}

#[test]
fn a_policy_that_lets_consent_lift_an_objection_records_it() {
    let lift_at = 1000 + 30 * 86_400 + 1;
    let ledger = ConsentLedger::in_memory(auditor()).with_schedule(schedule(true));
    ledger
        .object(&ada(), Purpose::Marketing, &how(V1, 200))
        .unwrap();
    // Under version 1 the objection stands.
    assert!(matches!(
        ledger.give(&ada(), Purpose::Marketing, &how(V1, 300)),
        Err(ConsentError::Objected { .. })
    ));
    // Version 2 (announced, and the one the consent names) allows it.
    ledger
        .give(&ada(), Purpose::Marketing, &how(V2, lift_at))
        .unwrap();
    let history = ledger.history(&ada()).unwrap();
    let last = history.last().unwrap();
    assert!(last.lifts_objection());
    let json = serde_json::to_string(last).unwrap();
    assert!(json.contains(r#""lifts_objection":true"#), "{json}");
    assert_eq!(serde_json::from_str::<ConsentEvent>(&json).unwrap(), *last);
    let state = ledger
        .state(&ada(), Scope::purpose(Purpose::Marketing))
        .unwrap()
        .unwrap();
    assert_eq!(state.status, ConsentStatus::Given);
    let schedule = schedule(true);
    let decider = Decider::new(&schedule, &ledger);
    let subject = ada();
    let email = mail(&subject, t(lift_at + 1));
    assert!(decider.decide(&email).is_allowed());
    // Recipients are still named one by one: the purpose-wide consent
    // does not reach the ad network.
    let ads = RecipientId::new("ads");
    let scoped = ledger
        .state(&ada(), Scope::recipient(Purpose::Marketing, &ads))
        .unwrap()
        .unwrap();
    assert_eq!(scoped.status, ConsentStatus::Objected);
}

#[test]
fn consents_name_a_version_in_force_or_announced() {
    let ledger = ConsentLedger::in_memory(auditor()).with_schedule(schedule(true));
    // Before any version is in force.
    let err = ledger
        .give(&ada(), Purpose::Marketing, &how(V1, 50))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "consent under policy version 1 at 1970-01-01T00:00:50.000Z, when no version was in force"
    );
    // Version 2 before its announcement; an unknown version.
    for (v, at) in [(V2, 999), (PolicyVersion::new("0-draft"), 200)] {
        let err = ledger
            .give(&ada(), Purpose::Marketing, &how(v, at))
            .unwrap_err();
        assert!(
            matches!(err, ConsentError::VersionNotInForce { version, in_force: Some(f), .. } if version == v && f == V1),
            "{err:?}"
        );
    }
    // Version 1 once version 2 is in force.
    let late = 1000 + 30 * 86_400;
    let err = ledger
        .give(&ada(), Purpose::Marketing, &how(V1, late))
        .unwrap_err();
    assert!(
        matches!(err, ConsentError::VersionNotInForce { in_force: Some(f), .. } if f == V2),
        "{err:?}"
    );
    assert!(
        ledger.history(&ada()).unwrap().is_empty(),
        "nothing written"
    );
    // The version in force, and the announced next one, are accepted.
    ledger
        .give(&ada(), Purpose::Marketing, &how(V1, 200))
        .unwrap();
    ledger
        .give(&ada(), Purpose::Marketing, &how(V2, 1000))
        .unwrap();
    // A withdrawal is never refused for its version.
    ledger
        .withdraw(
            &ada(),
            Purpose::Marketing,
            &how(PolicyVersion::new("0-draft"), 1001),
        )
        .unwrap();
    assert_eq!(ledger.history(&ada()).unwrap().len(), 3);
}

/// The front door checks consents against its schedule, keeps it current
/// through `set_policy`, and a durable store keeps an objection standing
/// across a restart.
#[test]
#[cfg(feature = "sqlite")]
fn the_front_door_checks_versions_and_keeps_objections_across_a_restart() {
    use std::sync::Arc;

    use custodian::Custodian;
    use custodian::store::Store;
    use custodian::vault::{RootKey, RootKeyRing};

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("custodian.db");
    let root = Arc::new(RootKeyRing::new(1, RootKey::from_bytes(&[3; 32]).unwrap()));
    let open = |schedule: PolicySchedule| {
        let store = Store::sqlite(&db).unwrap();
        Custodian::builder()
            .policy(schedule)
            .store(&store, root.clone())
            .unwrap()
            .build()
            .unwrap()
    };
    let front = open(schedule(false));
    // Version 2 is not in the schedule yet: a consent naming it is refused.
    let err = front
        .give_consent(&ada(), Purpose::Marketing, &how(V2, 200))
        .unwrap_err();
    assert!(
        matches!(err, ConsentError::VersionNotInForce { .. }),
        "{err:?}"
    );
    front
        .give_consent(&ada(), Purpose::Marketing, &how(V1, 200))
        .unwrap();
    front
        .ledger()
        .object(&ada(), Purpose::Marketing, &how(V1, 300))
        .unwrap();
    drop(front);

    // After a restart the objection still stands against a plain consent.
    let mut front = open(schedule(false));
    let err = front
        .give_consent(&ada(), Purpose::Marketing, &how(V1, 400))
        .unwrap_err();
    assert!(matches!(err, ConsentError::Objected { .. }), "{err:?}");
    assert_eq!(
        front.decide(&mail(&ada(), t(500))).denial_reason(),
        Some(DenialReason::Objection)
    );
    // Version 2 lets a consent lift it; `set_policy` hands it to the ledger.
    front.set_policy(schedule(true)).unwrap();
    let in_force = 1000 + 30 * 86_400;
    front
        .give_consent(&ada(), Purpose::Marketing, &how(V2, in_force + 10))
        .unwrap();
    drop(front);
    let front = open(schedule(true));
    assert!(
        front.decide(&mail(&ada(), t(in_force + 20))).is_allowed(),
        "the lifting consent reads back as such"
    );
}

#[test]
fn a_short_notice_period_is_the_hosts_choice() {
    let v1 = marketplace().build(V1, t(0)).unwrap();
    let v2 = marketplace()
        .consent_lifts_objection(Purpose::Marketing)
        .announced(t(10))
        .build(V2, t(20))
        .unwrap();
    assert!(PolicySchedule::new([v1.clone(), v2.clone()]).is_err());
    let s = PolicySchedule::with_notice_period([v1, v2], Duration::from_secs(10)).unwrap();
    let diff = s.diff(&V2).unwrap();
    assert!(!diff.only_adds_protections());
    assert!(
        diff.to_markdown()
            .contains("- **Marketing** (`marketing`) changed; consent lifts an objection: yes\n"),
        "{}",
        diff.to_markdown()
    );
}

// --- properties over arbitrary folds ---------------------------------------

const RECIPIENTS: [&str; 2] = ["ads", "mail"];

fn event(
    purpose: Purpose,
    recipient: Option<&str>,
    status: ConsentStatus,
    lifts: bool,
    secs: u64,
) -> ConsentEvent {
    let e = ConsentEvent::new(
        ConsentEventId::random().expect("rng"),
        ada(),
        purpose,
        recipient.map(|r| RecipientId::parse(r).expect("a recipient id")),
        status,
        &how(V1, secs),
    );
    if lifts { e.with_lifted_objection() } else { e }
}

fn arb_event() -> impl Strategy<Value = (usize, Option<usize>, usize, bool)> {
    (
        0..2_usize,
        proptest::option::of(0..RECIPIENTS.len()),
        0..ConsentStatus::ALL.len(),
        any::<bool>(),
    )
}

fn events(spec: &[(usize, Option<usize>, usize, bool)]) -> Vec<ConsentEvent> {
    spec.iter()
        .enumerate()
        .map(|(i, &(p, r, s, lifts))| {
            let purpose = [Purpose::Marketing, Purpose::ServiceImprovement][p];
            let status = ConsentStatus::ALL[s];
            event(purpose, r.map(|r| RECIPIENTS[r]), status, lifts, i as u64)
        })
        .collect()
}

fn scopes() -> Vec<Scope<'static>> {
    static IDS: std::sync::OnceLock<Vec<RecipientId>> = std::sync::OnceLock::new();
    let ids = IDS.get_or_init(|| {
        RECIPIENTS
            .iter()
            .chain(&["never_named"])
            .map(|r| RecipientId::parse(r).expect("a recipient id"))
            .collect()
    });
    let mut out = Vec::new();
    for p in [Purpose::Marketing, Purpose::ServiceImprovement] {
        out.push(Scope::purpose(p));
        out.extend(ids.iter().map(|r| Scope::recipient(p, r)));
    }
    out
}

/// Whether a consent lifting the objection follows the objection at
/// `from` for `scope` (applying to it, or purpose-wide).
fn lifted_after(events: &[ConsentEvent], from: usize, scope: Scope<'_>) -> bool {
    events[from + 1..].iter().any(|e| {
        e.purpose() == scope.purpose
            && e.lifts_objection()
            && e.status().is_valid_for_processing()
            && (scope.applies(e) || e.recipient().is_none())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// After an applicable objection to marketing with no lifting consent
    /// after it, the state is an objection: no sequence of other events
    /// (consents, renewals, withdrawals, expiries) brings marketing back.
    #[test]
    fn an_objection_to_marketing_stands_until_lifted(
        spec in proptest::collection::vec(arb_event(), 0..24)
    ) {
        let events = events(&spec);
        for scope in scopes().into_iter().filter(|s| s.purpose == Purpose::Marketing) {
            let Some(last) = events
                .iter()
                .rposition(|e| scope.applies(e) && e.status() == ConsentStatus::Objected)
            else {
                continue;
            };
            let state = fold(&events, scope).expect("an event applies");
            if !lifted_after(&events, last, scope) {
                prop_assert_eq!(state.status, ConsentStatus::Objected, "{:?}", scope);
                prop_assert!(!state.is_valid_at(t(10_000)));
            }
        }
    }

    /// Without lifting flags, marketing's state is an objection from the
    /// first applicable objection on, whatever follows.
    #[test]
    fn without_a_lift_the_first_objection_decides(
        spec in proptest::collection::vec(arb_event(), 0..24)
    ) {
        let spec: Vec<_> = spec.into_iter().map(|(p, r, s, _)| (p, r, s, false)).collect();
        let events = events(&spec);
        for scope in scopes().into_iter().filter(|s| s.purpose == Purpose::Marketing) {
            let mut objected = false;
            for n in 1..=events.len() {
                let e = &events[n - 1];
                objected |= scope.applies(e) && e.status() == ConsentStatus::Objected;
                let state = fold(&events[..n], scope);
                if objected {
                    prop_assert_eq!(state.map(|s| s.status), Some(ConsentStatus::Objected));
                }
            }
        }
    }

    /// Other purposes keep "the last applicable event decides".
    #[test]
    fn other_purposes_follow_the_last_event(
        spec in proptest::collection::vec(arb_event(), 0..24)
    ) {
        let events = events(&spec);
        for scope in scopes().into_iter().filter(|s| s.purpose != Purpose::Marketing) {
            let last = events.iter().rfind(|e| scope.applies(e)).map(ConsentEvent::id);
            prop_assert_eq!(fold(&events, scope).map(|s| s.event), last);
        }
    }

    /// The in-memory store's incremental state is the fold, for every
    /// scope, including recipients it never saw.
    #[test]
    fn the_memory_store_agrees_with_the_fold(
        spec in proptest::collection::vec(arb_event(), 0..24)
    ) {
        let events = events(&spec);
        let store = MemoryStore::new();
        for e in &events {
            store.append(e.clone()).expect("in time order");
        }
        for scope in scopes() {
            prop_assert_eq!(store.state(&ada(), scope).expect("state"), fold(&events, scope), "{:?}", scope);
        }
        prop_assert_eq!(store.history(&ada()).expect("history"), events);
    }

    /// Through the ledger, with a policy that does not lift objections:
    /// after an objection no call makes marketing valid again, and every
    /// consent call after it is refused.
    #[test]
    fn the_ledger_keeps_objections(
        ops in proptest::collection::vec((0..5_usize, proptest::option::of(0..RECIPIENTS.len())), 0..16)
    ) {
        let ledger = ConsentLedger::in_memory(auditor()).with_schedule(schedule(false));
        let mut objected = false;
        for (i, (op, r)) in ops.into_iter().enumerate() {
            let at = how(V1, 200 + i as u64);
            let recipient = r.map(|r| RecipientId::new(RECIPIENTS[r]));
            let p = Purpose::Marketing;
            let result = match (op, &recipient) {
                (0, None) => ledger.give(&ada(), p, &at),
                (0, Some(r)) => ledger.give_to(&ada(), p, r, &at),
                (1, None) => ledger.withdraw(&ada(), p, &at),
                (1, Some(r)) => ledger.withdraw_from(&ada(), p, r, &at),
                (2, _) => ledger.object(&ada(), p, &at),
                (3, _) => ledger.record(&ada(), Scope::purpose(p), ConsentStatus::Renewed, &at),
                _ => ledger.record(&ada(), Scope::purpose(p), ConsentStatus::Expired, &at),
            };
            let consent = op == 0 || op == 3;
            if objected && consent {
                prop_assert!(matches!(result, Err(ConsentError::Objected { .. })), "{:?}", result);
            } else {
                prop_assert!(result.is_ok(), "{:?}", result);
            }
            objected |= op == 2;
            if objected {
                for scope in scopes().into_iter().filter(|s| s.purpose == p) {
                    let state = ledger.state(&ada(), scope).expect("state");
                    prop_assert_eq!(state.map(|s| s.status), Some(ConsentStatus::Objected));
                }
            }
        }
    }
}
