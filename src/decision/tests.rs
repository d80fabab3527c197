//! One test per rule and per denial reason and gap, then property tests
//! of the ledger fold and of decisions against a reference model.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::consent::{Collection, CollectionMethod, ConsentError, ConsentEvent, StoreError};
use crate::disclosure::{Agreement, Recipient, RecipientKind};
use crate::ids::{Jurisdiction, Reference};
use crate::pii::Category::{Contact, Credential, Engagement, Financial, Identity, Location};
use crate::policy::{PurposeTerms, Retention, RoleGrant, marketplace};
use crate::purpose::Purpose::{
    CustomerSupport, FraudPrevention, Marketing, OrderFulfilment, ServiceImprovement, Shipping,
};

const V1: PolicyVersion = PolicyVersion::new("1");
const V2: PolicyVersion = PolicyVersion::new("2");
const DHL: RecipientId = RecipientId::new("dhl");
const ADS: RecipientId = RecipientId::new("adnet");

fn t(secs: u64) -> Timestamp {
    Timestamp::from_unix_secs(secs).unwrap()
}

fn how(version: PolicyVersion, secs: u64) -> Collection {
    Collection::new(
        version,
        t(secs),
        CollectionMethod::WebForm,
        Jurisdiction::new("DE"),
    )
}

fn subject(s: &str) -> SubjectId {
    SubjectId::try_new(s).unwrap()
}

/// The marketplace default with a carrier and an ad network, effective
/// at 0 (version 1), optionally followed at `t(1000)` by version 2 that
/// changes marketing materially.
fn schedule(with_v2: bool) -> PolicySchedule {
    let build = |v, at| {
        let carrier = Recipient::new(DHL, "DHL", RecipientKind::Carrier).agreement(
            Agreement::new(Reference::new("DPA-1"), &[Location, Identity], &[Shipping])
                .valid(t(0), Some(t(5000))),
        );
        let ads =
            Recipient::new(ADS, "Ad Network", RecipientKind::ThirdParty).agreement(Agreement::new(
                Reference::new("DPA-2"),
                &[Contact, Engagement],
                &[Marketing],
            ));
        let mut b = marketplace().recipient(carrier).recipient(ads);
        if v == V2 {
            b = b.material_change(Marketing).announced(t(0));
        }
        b.build(v, at).unwrap()
    };
    let mut versions = vec![build(V1, t(0))];
    if with_v2 {
        versions.push(build(V2, t(1000)));
    }
    // The tests switch versions within seconds: no notice period.
    PolicySchedule::with_notice_period(versions, std::time::Duration::ZERO).unwrap()
}

fn system(s: &SubjectId, categories: &'static [Category], purpose: Purpose, at: u64) -> Decision {
    let schedule = Box::leak(Box::new(schedule(false)));
    let ledger = Box::leak(Box::new(ConsentLedger::in_memory(auditor())));
    Decider::new(schedule, ledger).decide(&Use::new(s, categories, purpose, Actor::System, t(at)))
}

struct Fixture {
    schedule: PolicySchedule,
    ledger: ConsentLedger,
    ada: SubjectId,
}

impl Fixture {
    fn new(with_v2: bool) -> Self {
        Self {
            schedule: schedule(with_v2),
            ledger: ConsentLedger::in_memory(auditor()),
            ada: subject("cus_ada"),
        }
    }

    fn decide(
        &self,
        categories: &[Category],
        purpose: Purpose,
        actor: Actor<'_>,
        at: u64,
    ) -> Decision {
        Decider::new(&self.schedule, &self.ledger).decide(&Use::new(
            &self.ada,
            categories,
            purpose,
            actor,
            t(at),
        ))
    }

    fn marketing(&self, at: u64) -> Decision {
        self.decide(&[Contact], Marketing, Actor::System, at)
    }

    fn record(
        &self,
        status: ConsentStatus,
        purpose: Purpose,
        collection: &Collection,
    ) -> ConsentEventId {
        self.ledger
            .record(&self.ada, Scope::purpose(purpose), status, collection)
            .unwrap()
    }
}

// --- gaps -------------------------------------------------------------

#[test]
fn nothing_in_force_before_the_first_version() {
    let s = PolicySchedule::single(marketplace().build(V1, t(100)).unwrap());
    let ledger = ConsentLedger::in_memory(auditor());
    let ada = subject("a");
    let d = Decider::new(&s, &ledger).decide(&Use::new(
        &ada,
        &[Contact],
        Shipping,
        Actor::System,
        t(99),
    ));
    assert_eq!(
        d,
        Decision::Gap(Gap {
            kind: GapKind::NoPolicyInForce,
            category: None,
            version: None
        })
    );
}

#[test]
fn a_use_without_categories_is_a_gap() {
    assert_eq!(
        system(&subject("a"), &[], Shipping, 1).gap_kind(),
        Some(GapKind::NoCategories)
    );
}

#[test]
fn undeclared_purposes_categories_and_pairs_are_gaps() {
    const LOYALTY: Purpose = Purpose::host("loyalty");
    const PETS: Category = Category::host(0x8001, "pets");
    let a = subject("a");
    assert_eq!(
        system(&a, &[Contact], LOYALTY, 1).gap_kind(),
        Some(GapKind::UndeclaredPurpose)
    );
    let d = system(&a, &[Contact, PETS], Shipping, 1);
    assert_eq!(
        d,
        Decision::Gap(Gap {
            kind: GapKind::UnknownCategory,
            category: Some(PETS),
            version: Some(V1)
        })
    );
    // The default has no rule for engagement data in shipping.
    let d = system(&a, &[Location, Engagement], Shipping, 1);
    assert_eq!(d.gap_kind(), Some(GapKind::NoRule));
    assert_eq!(d.version(), Some(V1));
}

#[test]
fn gaps_come_before_denials() {
    // Financial is forbidden for marketing, location too; engagement has no
    // rule for shipping. The gap is reported even though it comes second.
    let d = system(&subject("a"), &[Credential, Engagement], Shipping, 1);
    assert_eq!(d.gap_kind(), Some(GapKind::NoRule));
}

// --- policy denials -----------------------------------------------------

#[test]
fn forbidden_pairs_are_denied_with_their_category() {
    let d = system(&subject("a"), &[Contact, Financial], Marketing, 1);
    let Decision::Denied(denial) = d else {
        panic!("{d:?}")
    };
    assert_eq!(denial.reason, DenialReason::PurposeNotAllowed);
    assert_eq!(denial.category, Some(Financial));
}

#[test]
fn necessary_uses_need_no_consent() {
    let d = system(&subject("a"), &[Location, Identity], Shipping, 1);
    assert_eq!(
        d,
        Decision::Allowed(Allowance {
            basis: LawfulBasis::Contract,
            version: V1,
            consent: None
        })
    );
}

#[test]
fn the_basis_reported_is_the_one_that_asks_most() {
    let f = Fixture::new(false);
    let d = f.decide(&[Contact, Engagement], FraudPrevention, Actor::System, 1);
    assert_eq!(d.basis(), Some(LawfulBasis::LegitimateInterest));
    let d = f.decide(
        &[Contact],
        crate::purpose::Purpose::LegalCompliance,
        Actor::System,
        1,
    );
    assert_eq!(d.basis(), Some(LawfulBasis::LegalObligation));
}

// --- consent ---------------------------------------------------------------

#[test]
fn consent_based_uses_follow_the_ledger() {
    let f = Fixture::new(false);
    assert_eq!(
        f.marketing(10).denial_reason(),
        Some(DenialReason::NoConsent)
    );
    let given = f.ledger.give(&f.ada, Marketing, &how(V1, 10)).unwrap();
    assert_eq!(
        f.marketing(11),
        Decision::Allowed(Allowance {
            basis: LawfulBasis::Consent,
            version: V1,
            consent: Some(given)
        })
    );
    let withdrawn = f.ledger.withdraw(&f.ada, Marketing, &how(V1, 20)).unwrap();
    let Decision::Denied(denial) = f.marketing(20) else {
        panic!()
    };
    assert_eq!(
        (denial.reason, denial.consent),
        (DenialReason::Withdrawn, Some(withdrawn))
    );
}

#[test]
fn every_negative_status_has_its_reason() {
    let cases = [
        (ConsentStatus::Refused, DenialReason::Refused),
        (ConsentStatus::Withdrawn, DenialReason::Withdrawn),
        (ConsentStatus::Expired, DenialReason::Expired),
        (ConsentStatus::Invalidated, DenialReason::Invalidated),
        (ConsentStatus::Objected, DenialReason::Objection),
    ];
    for (status, reason) in cases {
        let f = Fixture::new(false);
        f.record(ConsentStatus::Given, Marketing, &how(V1, 1));
        f.record(status, Marketing, &how(V1, 2));
        assert_eq!(f.marketing(3).denial_reason(), Some(reason), "{status}");
        let renewed = f.ledger.record(
            &f.ada,
            Scope::purpose(Marketing),
            ConsentStatus::Renewed,
            &how(V1, 4),
        );
        if status == ConsentStatus::Objected {
            // An objection to direct marketing outlasts a later consent.
            assert!(matches!(renewed, Err(ConsentError::Objected { .. })));
            assert_eq!(f.marketing(5).denial_reason(), Some(reason));
        } else {
            renewed.unwrap();
            assert!(f.marketing(5).is_allowed(), "{status} then renewed");
        }
    }
}

#[test]
fn consents_expire_at_their_time() {
    let f = Fixture::new(false);
    f.ledger
        .give(&f.ada, Marketing, &how(V1, 10).expires(t(100)))
        .unwrap();
    assert!(f.marketing(99).is_allowed());
    assert_eq!(
        f.marketing(100).denial_reason(),
        Some(DenialReason::Expired)
    );
}

#[test]
fn a_notice_change_at_t_needs_fresh_consent_for_changed_purposes_only() {
    let f = Fixture::new(true);
    f.ledger.give(&f.ada, Marketing, &how(V1, 10)).unwrap();
    f.ledger
        .give(&f.ada, ServiceImprovement, &how(V1, 10))
        .unwrap();
    // Before T = 1000 the old consent authorises.
    assert!(f.marketing(999).is_allowed());
    // From T on it predates the material change of marketing...
    let Decision::Denied(d) = f.marketing(1000) else {
        panic!()
    };
    assert_eq!(
        (d.reason, d.version),
        (DenialReason::ConsentPredatesChange, V2)
    );
    // ...while service improvement did not change and its consent carries over.
    let d = f.decide(&[Engagement], ServiceImprovement, Actor::System, 1000);
    assert!(d.is_allowed() && d.consent_event().is_some());
    // Consenting again under the new notice restores marketing.
    f.ledger.give(&f.ada, Marketing, &how(V2, 1001)).unwrap();
    assert_eq!(f.marketing(1002).version(), Some(V2));
    assert!(f.marketing(1002).is_allowed());
}

#[test]
fn consent_to_the_upcoming_notice_counts_before_and_after_the_switch() {
    let f = Fixture::new(true);
    f.ledger.give(&f.ada, Marketing, &how(V2, 500)).unwrap();
    assert!(f.marketing(600).is_allowed());
    assert!(f.marketing(1500).is_allowed());
}

#[test]
fn consent_under_an_unloaded_version_is_a_gap() {
    let f = Fixture::new(false);
    f.ledger
        .give(&f.ada, Marketing, &how(PolicyVersion::new("0-draft"), 10))
        .unwrap();
    assert_eq!(
        f.marketing(11).gap_kind(),
        Some(GapKind::UnknownConsentVersion)
    );
}

#[test]
fn legitimate_interest_yields_to_objection_refusal_and_withdrawal() {
    for (status, reason) in [
        (ConsentStatus::Objected, DenialReason::Objection),
        (ConsentStatus::Refused, DenialReason::Refused),
        (ConsentStatus::Withdrawn, DenialReason::Withdrawn),
    ] {
        let f = Fixture::new(false);
        let improve = |at| f.decide(&[Engagement], ServiceImprovement, Actor::System, at);
        assert_eq!(improve(1).basis(), Some(LawfulBasis::LegitimateInterest));
        assert_eq!(improve(1).consent_event(), None);
        let given = f.record(ConsentStatus::Given, ServiceImprovement, &how(V1, 2));
        assert_eq!(improve(3).consent_event(), Some(given));
        f.record(status, ServiceImprovement, &how(V1, 4));
        assert_eq!(improve(5).denial_reason(), Some(reason));
    }
    // An expired consent does not amount to an objection.
    let f = Fixture::new(false);
    f.ledger
        .give(&f.ada, ServiceImprovement, &how(V1, 1).expires(t(2)))
        .unwrap();
    let d = f.decide(&[Engagement], ServiceImprovement, Actor::System, 3);
    assert_eq!(
        (d.basis(), d.consent_event()),
        (Some(LawfulBasis::LegitimateInterest), None)
    );
}

#[test]
fn an_objection_to_marketing_stops_it_on_any_basis() {
    let policy = Policy::builder()
        .purpose(PurposeTerms::new(Marketing, Retention::Years(1)))
        .allow(Contact, Marketing, LawfulBasis::Contract)
        .allow(Identity, Marketing, LawfulBasis::LegitimateInterest)
        .build(V1, t(0))
        .unwrap();
    let schedule = PolicySchedule::single(policy);
    let ledger = ConsentLedger::in_memory(auditor());
    let ada = subject("a");
    let decider = Decider::new(&schedule, &ledger);
    let mail = |cats: &'static [Category], at| {
        decider.decide(&Use::new(&ada, cats, Marketing, Actor::System, t(at)))
    };
    assert!(mail(&[Contact], 1).is_allowed());
    ledger.object(&ada, Marketing, &how(V1, 2)).unwrap();
    assert_eq!(
        mail(&[Contact], 3).denial_reason(),
        Some(DenialReason::Objection)
    );
    assert_eq!(
        mail(&[Identity], 3).denial_reason(),
        Some(DenialReason::Objection)
    );
}

#[test]
fn an_unreadable_ledger_denies() {
    #[derive(Debug)]
    struct Down;
    impl ConsentStore for Down {
        fn append(&self, _: ConsentEvent) -> Result<(), StoreError> {
            Err(StoreError::Unavailable)
        }
        fn history(&self, _: &SubjectId) -> Result<Vec<ConsentEvent>, StoreError> {
            Err(StoreError::Unavailable)
        }
    }
    let schedule = schedule(false);
    let ledger = ConsentLedger::new(Down, auditor());
    let ada = subject("a");
    let decider = Decider::new(&schedule, &ledger);
    let d = decider.decide(&Use::new(&ada, &[Contact], Marketing, Actor::System, t(1)));
    assert_eq!(d.denial_reason(), Some(DenialReason::LedgerUnavailable));
    // Necessary uses do not consult the ledger and stay available.
    assert!(
        decider
            .decide(&Use::new(&ada, &[Location], Shipping, Actor::System, t(1)))
            .is_allowed()
    );
}

// --- staff roles -----------------------------------------------------------

#[test]
fn roles_reveal_only_what_they_are_granted() {
    let f = Fixture::new(false);
    let support = Role::new("support_agent");
    let warehouse = Role::new("warehouse");
    assert!(
        f.decide(&[Contact], CustomerSupport, Actor::Staff(&support), 1)
            .is_allowed()
    );
    // Support may process payment details, but its agents may not see them.
    assert!(
        f.decide(&[Financial], CustomerSupport, Actor::System, 1)
            .is_allowed()
    );
    let d = f.decide(
        &[Contact, Financial],
        CustomerSupport,
        Actor::Staff(&support),
        1,
    );
    let Decision::Denied(denial) = d else {
        panic!()
    };
    assert_eq!(
        (denial.reason, denial.category),
        (DenialReason::RoleLacksRight, Some(Financial))
    );
    let d = f.decide(&[Location], CustomerSupport, Actor::Staff(&support), 1);
    let Decision::Denied(denial) = d else {
        panic!()
    };
    assert_eq!(
        (denial.reason, denial.category),
        (DenialReason::RoleLacksRight, Some(Location))
    );
    assert!(
        f.decide(&[Location], OrderFulfilment, Actor::Staff(&warehouse), 1)
            .is_allowed()
    );
    let intern = Role::new("intern");
    assert_eq!(
        f.decide(&[Contact], CustomerSupport, Actor::Staff(&intern), 1)
            .gap_kind(),
        Some(GapKind::UnknownRole)
    );
}

#[test]
fn a_granted_role_still_needs_the_subjects_consent_where_the_use_does() {
    let policy = marketplace()
        .role(RoleGrant::new(Role::new("marketer")).reveal(&[Contact], &[Marketing]))
        .build(V1, t(0))
        .unwrap();
    let schedule = PolicySchedule::single(policy);
    let ledger = ConsentLedger::in_memory(auditor());
    let ada = subject("a");
    let marketer = Role::new("marketer");
    let decider = Decider::new(&schedule, &ledger);
    let look = |at| {
        decider.decide(&Use::new(
            &ada,
            &[Contact],
            Marketing,
            Actor::Staff(&marketer),
            t(at),
        ))
    };
    assert_eq!(look(1).denial_reason(), Some(DenialReason::NoConsent));
    ledger.give(&ada, Marketing, &how(V1, 2)).unwrap();
    assert!(look(3).is_allowed());
}

// --- recipients ------------------------------------------------------------

#[test]
fn carriers_under_agreement_need_no_consent_until_the_agreement_ends() {
    let f = Fixture::new(false);
    let d = f.decide(&[Location], Shipping, Actor::Recipient(&DHL), 10);
    assert_eq!(d.basis(), Some(LawfulBasis::Contract));
    assert_eq!(
        f.decide(&[Location], Shipping, Actor::Recipient(&DHL), 5000)
            .denial_reason(),
        Some(DenialReason::AgreementExpired)
    );
    // Contact data is not in the carrier's agreement.
    assert_eq!(
        f.decide(&[Contact], Shipping, Actor::Recipient(&DHL), 10)
            .denial_reason(),
        Some(DenialReason::NoAgreement)
    );
    let nobody = RecipientId::new("nobody");
    assert_eq!(
        f.decide(&[Location], Shipping, Actor::Recipient(&nobody), 10)
            .gap_kind(),
        Some(GapKind::UnknownRecipient)
    );
}

#[test]
fn other_disclosures_need_consent_for_that_recipient() {
    let f = Fixture::new(false);
    let ads = |at| f.decide(&[Contact], Marketing, Actor::Recipient(&ADS), at);
    assert_eq!(ads(1).denial_reason(), Some(DenialReason::NoConsent));
    // Consent to marketing in general does not extend to the ad network.
    f.ledger.give(&f.ada, Marketing, &how(V1, 2)).unwrap();
    assert_eq!(ads(3).denial_reason(), Some(DenialReason::NoConsent));
    let given = f
        .ledger
        .give_to(&f.ada, Marketing, &ADS, &how(V1, 4))
        .unwrap();
    assert_eq!(ads(5).consent_event(), Some(given));
    assert_eq!(ads(5).basis(), Some(LawfulBasis::Consent));
    // A purpose-wide withdrawal ends the recipient consent too.
    f.ledger.withdraw(&f.ada, Marketing, &how(V1, 6)).unwrap();
    assert_eq!(ads(7).denial_reason(), Some(DenialReason::Withdrawn));
    // Location is not covered by the ad network's agreement.
    assert_eq!(
        f.decide(&[Location], Marketing, Actor::Recipient(&ADS), 8)
            .denial_reason(),
        Some(DenialReason::PurposeNotAllowed)
    );
}

// --- known case from the issue ------------------------------------------

#[test]
fn grant_then_withdraw_stops_marketing_but_not_fulfilment() {
    let f = Fixture::new(false);
    f.ledger.give(&f.ada, Marketing, &how(V1, 1)).unwrap();
    f.ledger.withdraw(&f.ada, Marketing, &how(V1, 2)).unwrap();
    assert_eq!(
        f.marketing(3).denial_reason(),
        Some(DenialReason::Withdrawn)
    );
    let d = f.decide(
        &[Contact, Location, Identity],
        OrderFulfilment,
        Actor::System,
        3,
    );
    assert_eq!(d.basis(), Some(LawfulBasis::Contract));
    let history = f.ledger.history(&f.ada).unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|e| *e.version() == V1));
}

// --- property tests --------------------------------------------------------

const PURPOSES: [Purpose; 3] = [Marketing, ServiceImprovement, Shipping];
static RECIPIENTS: [Option<RecipientId>; 3] = [None, Some(DHL), Some(ADS)];

#[derive(Clone, Debug)]
struct Step {
    subject: usize,
    purpose: usize,
    recipient: usize,
    status: ConsentStatus,
    version: usize,
    gap: u64,
    expires_in: Option<u64>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0..3usize,
        0..PURPOSES.len(),
        0..RECIPIENTS.len(),
        proptest::sample::select(ConsentStatus::ALL.to_vec()),
        0..2usize,
        0..300u64,
        proptest::option::of(1..400u64),
    )
        .prop_map(
            |(subject, purpose, recipient, status, version, gap, expires_in)| Step {
                subject,
                purpose,
                recipient,
                status,
                version,
                gap,
                expires_in,
            },
        )
}

/// The reference model: the definition, written out naively.
fn reference(
    events: &[ConsentEvent],
    subject: &SubjectId,
    purpose: Purpose,
    recipient: Option<&RecipientId>,
) -> Option<ConsentEvent> {
    let mut last = None;
    // An objection to marketing stands against every later event but a
    // further objection (these tests never lift one).
    let mut objected = false;
    for e in events {
        let same_purpose = e.subject() == subject && e.purpose() == purpose;
        let applies = match (recipient, e.recipient()) {
            (None, None) => true,
            (Some(a), Some(b)) => a == b,
            (Some(_), None) => !matches!(e.status(), ConsentStatus::Given | ConsentStatus::Renewed),
            (None, Some(_)) => false,
        };
        let objection = e.status() == ConsentStatus::Objected;
        if same_purpose && applies && (!objected || objection) {
            last = Some(e.clone());
            objected |= objection && purpose == Marketing;
        }
    }
    last
}

/// Every ledger call succeeds, except a consent after an objection to
/// marketing, which is refused.
fn refused_only_by_objection(
    result: Result<ConsentEventId, ConsentError>,
) -> Result<(), TestCaseError> {
    match result {
        Ok(_)
        | Err(ConsentError::Objected {
            purpose: Marketing, ..
        }) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("{e:?}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_memory_store_agrees_with_the_reference_fold(steps in proptest::collection::vec(step(), 0..60)) {
        let ledger = ConsentLedger::in_memory(auditor());
        let subjects = [subject("s0"), subject("s1"), subject("s2")];
        let mut now = 0;
        let mut all = Vec::new();
        for s in &steps {
            now += s.gap;
            let mut c = how([V1, V2][s.version], now);
            if let Some(d) = s.expires_in { c = c.expires(t(now + d)); }
            let scope = Scope { purpose: PURPOSES[s.purpose], recipient: RECIPIENTS[s.recipient].as_ref() };
            refused_only_by_objection(ledger.record(&subjects[s.subject], scope, s.status, &c))?;
        }
        for s in &subjects {
            all.extend(ledger.history(s).unwrap());
        }
        all.sort_by_key(ConsentEvent::time);
        for s in &subjects {
            for &p in &PURPOSES {
                for r in &RECIPIENTS {
                    let scope = Scope { purpose: p, recipient: r.as_ref() };
                    let want = reference(&all, s, p, r.as_ref()).map(|e| ConsentState::of(&e));
                    prop_assert_eq!(ledger.state(s, scope).unwrap(), want);
                    prop_assert_eq!(crate::consent::fold(&ledger.history(s).unwrap(), scope), want);
                }
            }
        }
    }

    #[test]
    fn decisions_match_the_reference_model_across_a_version_switch(
        steps in proptest::collection::vec(step(), 0..40),
        probes in proptest::collection::vec(0..3000u64, 1..20),
    ) {
        let f = Fixture::new(true);
        let mut now = 0;
        let mut events: Vec<ConsentEvent> = Vec::new();
        // Only the subject under test, purpose-wide, so the model stays small.
        for s in steps.iter().filter(|s| s.recipient == 0) {
            now += s.gap;
            let mut c = how([V1, V2][s.version], now);
            if let Some(d) = s.expires_in { c = c.expires(t(now + d)); }
            refused_only_by_objection(f.ledger.record(&f.ada, Scope::purpose(PURPOSES[s.purpose]), s.status, &c))?;
            events = f.ledger.history(&f.ada).unwrap();

            // After a withdrawal, every check denies until a new grant.
            if s.status == ConsentStatus::Withdrawn && PURPOSES[s.purpose] == Marketing {
                for probe in &probes {
                    let at = now + probe;
                    prop_assert!(!f.marketing(at).is_allowed());
                }
            }
        }
        for probe in probes {
            let at = now.saturating_sub(1500) + probe;
            let last = events.iter().filter(|e| e.time() <= t(at)).count();
            let known = &events[..last];
            let state = reference(known, &f.ada, Marketing, None);
            let version_now = if at >= 1000 { V2 } else { V1 };
            let expected = match state {
                None => Err(DenialReason::NoConsent),
                Some(e) if e.status() == ConsentStatus::Objected => Err(DenialReason::Objection),
                Some(e) if e.status().is_negative() => Err(negative_reason(e.status())),
                Some(e) if e.expires().is_some_and(|x| x <= t(at)) => Err(DenialReason::Expired),
                Some(e) if version_now == V2 && *e.version() == V1 => Err(DenialReason::ConsentPredatesChange),
                Some(e) => Ok(e.id()),
            };
            // Decisions look at the ledger as it is now, so only probe
            // times after the last event are comparable.
            if last == events.len() {
                let d = f.marketing(at);
                match expected {
                    Ok(id) => prop_assert_eq!(d.consent_event(), Some(id)),
                    Err(reason) => prop_assert_eq!(d.denial_reason(), Some(reason)),
                }
                prop_assert_eq!(d.version(), Some(version_now));
            }
        }
    }
}

#[test]
fn histories_keep_host_purposes_and_recipients() {
    const LOYALTY: Purpose = Purpose::host("loyalty");
    let ledger = ConsentLedger::in_memory(auditor());
    let ada = subject("a");
    ledger
        .give(&ada, LOYALTY, &how(V1, 1).proof(Reference::new("form:1")))
        .unwrap();
    ledger.give_to(&ada, Marketing, &ADS, &how(V1, 2)).unwrap();
    let h = ledger.history(&ada).unwrap();
    assert_eq!(h[0].purpose(), LOYALTY);
    assert_eq!(h[0].proof(), Some(&Reference::new("form:1")));
    assert_eq!(h[1].recipient(), Some(&ADS));
    let _: HashMap<_, _> = h.iter().map(|e| (e.id(), e)).collect();
    // An event stamped before the latest (a slower clock) is recorded at
    // the latest event's time, not refused.
    ledger.give(&ada, Marketing, &how(V1, 1)).unwrap();
    let h = ledger.history(&ada).unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[2].time(), h[1].time());
}

/// An auditor over a fresh in-memory sink.
fn auditor() -> crate::audit::Auditor {
    crate::audit::Auditor::new(
        crate::audit::MemorySink::new(),
        crate::audit::Pseudonymizer::from_bytes([3; 32]),
    )
}
