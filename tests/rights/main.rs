//! The rights workflow through the public API: one lifecycle per request
//! kind, deadlines, erasure with and without holds, bad input.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns fail the test loudly too"
)]

mod common;

use common::*;
use custodian::SubjectId;
use custodian::audit::{Action, HoldReason, Outcome, RequestStatus};
use custodian::decision::{Actor, DenialReason, Use};
use custodian::pii::{Category, Email, PostalAddress};
use custodian::purpose::Purpose;
use custodian::records::{Host, RecordId};
use custodian::rights::{
    CategoryOutcome, ComplaintOutcome, DeadlineError, ExtensionReason, Profile, Rejection,
    RejectionReason, Remedies, RequestKind, RightsError, Status, Unfounded, UnfoundedRefusal,
};
use custodian::time::Date;
use custodian::vault::KeyScope;

fn ada() -> SubjectId {
    SubjectId::new("cus_ada")
}

fn d(y: u32, m: u32, day: u32) -> Date {
    Date::from_ymd(y, m, day).unwrap()
}

fn parse_address(input: &str) -> Result<PostalAddress, custodian::pii::PiiError> {
    let parts: Vec<&str> = input.split('|').collect();
    PostalAddress::builder()
        .line(parts.first().copied().unwrap_or(""))
        .postal_code(parts.get(1).copied().unwrap_or(""))
        .locality(parts.get(2).copied().unwrap_or(""))
        .country(parts.get(3).copied().unwrap_or(""))
        .build()
}

#[test]
fn access_exports_plaintext_consents_purposes_recipients_and_retention() {
    let w = World::new();
    w.seed(&ada());
    w.custodian
        .give_consent(&ada(), Purpose::Marketing, &how(t("2025-03-14T10:00:00Z")))
        .unwrap();
    let id = w.accepted(&ada(), RequestKind::Access, t("2025-04-01T09:00:00Z"));
    let export = w
        .custodian
        .export(id, &w.host, t("2025-04-02T09:00:00Z"))
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(export.json()).unwrap();
    assert_eq!(doc["schema"], "custodian.export.v1");
    assert_eq!(doc["kind"], "access");
    assert_eq!(doc["subject"], "cus_ada");
    let records = doc["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    let account = records.iter().find(|r| r["id"] == "account-1").unwrap();
    assert_eq!(account["fields"]["customer.email"], "ada@example.com");
    assert_eq!(account["portable"], true);
    let invoice = records
        .iter()
        .find(|r| r["id"] == "invoice-2025-0042")
        .unwrap();
    assert_eq!(invoice["keep_until"], "2033-12-31");
    assert_eq!(invoice["portable"], false);
    assert_eq!(doc["consents"][0]["purpose"], "marketing");
    assert_eq!(doc["recipients"][0]["recipient"], "dhl");
    let contact = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "contact")
        .unwrap();
    assert!(
        contact["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["purpose"] == "marketing" && p["basis"] == "consent")
    );
    // Every member is one the schema names.
    let schema: serde_json::Value =
        serde_json::from_str(custodian::rights::export::SCHEMA).unwrap();
    for key in doc.as_object().unwrap().keys() {
        assert!(schema["properties"].get(key).is_some(), "{key}");
    }
    assert!(!format!("{export:?}").contains("ada@"));
    let status = w
        .custodian
        .request(id, Purpose::LegalCompliance)
        .unwrap()
        .status();
    assert_eq!(status, Status::Fulfilled);
    let produced = w
        .sink
        .events()
        .into_iter()
        .find(|e| e.action() == Action::ExportProduced)
        .unwrap();
    assert_eq!(produced.count(), Some(3));
    assert_eq!(produced.actor().role().as_str(), "subject");
}

#[test]
fn portability_holds_only_provided_data_on_consent_or_contract() {
    let w = World::new();
    w.seed(&ada());
    let id = w.accepted(&ada(), RequestKind::Portability, t("2025-04-01T09:00:00Z"));
    let export = w
        .custodian
        .export(id, &w.host, t("2025-04-01T10:00:00Z"))
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(export.json()).unwrap();
    assert_eq!(doc["kind"], "portability");
    let ids: Vec<_> = doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["account-1", "address-1"]);
    assert!(doc.get("consents").is_none() && doc.get("recipients").is_none());
}

#[test]
fn rectification_replaces_the_value_commits_without_plaintext_and_tells_recipients() {
    let w = World::new();
    w.seed(&ada());
    let id = w.accepted(
        &ada(),
        RequestKind::Rectification,
        t("2025-04-01T09:00:00Z"),
    );
    let report = w
        .custodian
        .rectify(
            id,
            &w.host,
            &w.notifier,
            &HOME,
            ADDRESS,
            "Karl-Marx-Allee 1|10178|Berlin|DE",
            parse_address,
            t("2025-04-01T10:00:00Z"),
        )
        .unwrap();
    let record = w
        .host
        .records(&ada())
        .unwrap()
        .into_iter()
        .find(|r| r.id == HOME)
        .unwrap();
    let opened = w
        .vault
        .open::<PostalAddress>(
            &record.fields[0].envelope,
            &KeyScope::subject(&ada()),
            ADDRESS,
        )
        .unwrap();
    assert_eq!(
        opened.present().unwrap().expose().lines,
        ["Karl-Marx-Allee 1"]
    );
    assert_eq!(report.notified, [dhl()]);
    let notices = w.notifier.sent();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].categories, [Category::Location]);
    let events = w.sink.events();
    let rect = events
        .iter()
        .find(|e| e.action() == Action::Rectification)
        .unwrap();
    assert_eq!(rect.evidence(), Some(report.evidence));
    let json = String::from_utf8(rect.to_json()).unwrap();
    assert!(!json.contains("Karl") && !json.contains("Linden") && !json.contains("cus_ada"));
    assert!(
        events
            .iter()
            .any(|e| e.action() == Action::RecipientNotified && e.recipient() == Some(&dhl()))
    );
    assert_eq!(
        w.custodian
            .request(id, Purpose::LegalCompliance)
            .unwrap()
            .status(),
        Status::Fulfilled
    );
}

#[test]
fn a_rectification_that_does_not_parse_changes_nothing() {
    let w = World::new();
    w.seed(&ada());
    let id = w.accepted(
        &ada(),
        RequestKind::Rectification,
        t("2025-04-01T09:00:00Z"),
    );
    let before = w.host.records(&ada()).unwrap();
    let events = w.sink.len();
    let err = w
        .custodian
        .rectify(
            id,
            &w.host,
            &w.notifier,
            &ACCOUNT,
            EMAIL,
            "not an address",
            Email::parse,
            t("2025-04-01T10:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(err, RightsError::Invalid(_)), "{err}");
    assert!(!err.to_string().contains("not an address"));
    assert_eq!(w.host.records(&ada()).unwrap(), before);
    assert_eq!(w.sink.len(), events);
    assert!(w.notifier.sent().is_empty());
    assert_eq!(
        w.custodian
            .request(id, Purpose::LegalCompliance)
            .unwrap()
            .status(),
        Status::Accepted
    );
    // Nor does a field the host does not hold.
    let missing = w.custodian.rectify(
        id,
        &w.host,
        &w.notifier,
        &RecordId::new("nope"),
        EMAIL,
        "new@example.com",
        Email::parse,
        t("2025-04-01T10:00:00Z"),
    );
    assert!(matches!(missing, Err(RightsError::NoSuchField)));
    assert_eq!(w.host.records(&ada()).unwrap(), before);
}

#[test]
fn erasure_without_holds_erases_everything_and_shreds_the_key() {
    let w = World::new().with_no_retention();
    w.seed(&ada());
    let id = w.accepted(&ada(), RequestKind::Erasure, t("2025-04-01T09:00:00Z"));
    let report = w
        .custodian
        .erase(id, &w.host, &w.notifier, t("2025-04-01T10:00:00Z"))
        .unwrap();
    assert!(report.key_destroyed && !report.repeated && report.holds.is_empty());
    assert_eq!(
        report.categories,
        [
            (Category::Contact, CategoryOutcome::Erased { records: 1 }),
            (Category::Location, CategoryOutcome::Erased { records: 2 }),
        ]
    );
    assert!(w.host.records(&ada()).unwrap().is_empty());
    let erasure = w
        .sink
        .events()
        .into_iter()
        .find(|e| e.action() == Action::Erasure)
        .unwrap();
    assert_eq!(erasure.outcome(), Outcome::Done);
    assert_eq!(w.notifier.sent().len(), 1);
}

#[test]
fn erasure_with_a_tax_hold_withholds_the_invoice_restricted_to_legal_compliance_until_release() {
    let w = World::new();
    w.seed(&ada());
    let bob = SubjectId::new("cus_bob");
    w.seed(&bob);
    // A backup of Ada's records, taken before the erasure.
    let backup = w.host.records(&ada()).unwrap();
    let id = w.accepted(&ada(), RequestKind::Erasure, t("2026-01-10T09:00:00Z"));
    let report = w
        .custodian
        .erase(id, &w.host, &w.notifier, t("2026-01-10T10:00:00Z"))
        .unwrap();
    assert!(report.key_destroyed);
    assert_eq!(report.holds.len(), 1);
    assert_eq!(
        report.categories[0],
        (Category::Contact, CategoryOutcome::Erased { records: 1 })
    );
    match &report.categories[1] {
        (
            Category::Location,
            CategoryOutcome::Withheld {
                reason,
                until,
                records,
                erased,
                source,
            },
        ) => {
            assert_eq!(
                (*reason, *until, *records, *erased),
                (HoldReason::LegalObligation, Some(d(2033, 12, 31)), 1, 1)
            );
            assert!(source.contains("HGB"));
        }
        other => panic!("{other:?}"),
    }
    let erasure = w
        .sink
        .events()
        .into_iter()
        .find(|e| e.action() == Action::Erasure)
        .unwrap();
    assert_eq!(erasure.outcome(), Outcome::Partial);
    assert_eq!(erasure.withheld()[0].reason, HoldReason::LegalObligation);

    // The backup no longer opens for the erased categories (nor for the
    // invoice's old copy under Ada's key).
    let scope = KeyScope::subject(&ada());
    for r in &backup {
        let f = &r.fields[0];
        let opened = match r.category {
            Category::Contact => w
                .vault
                .open::<Email>(&f.envelope, &scope, f.label)
                .unwrap()
                .is_erased(),
            _ => w
                .vault
                .open::<PostalAddress>(&f.envelope, &scope, f.label)
                .unwrap()
                .is_erased(),
        };
        assert!(opened, "{}", r.id);
    }
    // Bob's data still opens.
    let bobs = w.host.records(&bob).unwrap();
    let bob_email = bobs.iter().find(|r| r.id == ACCOUNT).unwrap();
    assert!(
        w.vault
            .open::<Email>(
                &bob_email.fields[0].envelope,
                &KeyScope::subject(&bob),
                EMAIL
            )
            .unwrap()
            .present()
            .is_some()
    );

    // The invoice stays, under the hold's key, for legal compliance only.
    let left = w.host.records(&ada()).unwrap();
    assert_eq!(
        left.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        [INVOICE]
    );
    assert!(!left[0].fields[0].envelope.is_subject_keyed());
    let at = t("2027-05-01T09:00:00Z");
    let plain = w
        .custodian
        .open_held(
            &ada(),
            &w.host,
            &INVOICE,
            BILLING,
            Purpose::LegalCompliance,
            at,
        )
        .unwrap();
    assert!(
        std::str::from_utf8(&plain)
            .unwrap()
            .contains("Unter den Linden 77")
    );
    let refused = w
        .custodian
        .open_held(&ada(), &w.host, &INVOICE, BILLING, Purpose::Marketing, at);
    assert!(matches!(
        refused,
        Err(RightsError::Restricted {
            allowed: Purpose::LegalCompliance,
            asked: Purpose::Marketing
        })
    ));
    let shipping = w.custodian.decide(&Use::new(
        &ada(),
        &[Category::Location],
        Purpose::Shipping,
        Actor::System,
        at,
    ));
    assert_eq!(shipping.denial_reason(), Some(DenialReason::Restricted));
    let denied = w
        .sink
        .events()
        .into_iter()
        .filter(|e| e.action() == Action::HeldOpened)
        .map(|e| e.outcome())
        .collect::<Vec<_>>();
    assert_eq!(denied, [Outcome::Allowed, Outcome::Denied]);

    // A sweep before the end keeps it; the first sweep after purges it and
    // destroys the hold's key.
    let plan = w
        .custodian
        .sweep_plan(&w.host, t("2033-12-31T23:00:00Z"))
        .unwrap();
    assert_eq!(plan.purges().filter(|p| p.subject == ada()).count(), 0);
    let swept = w
        .custodian
        .sweep(&w.host, t("2034-01-01T00:30:00Z"))
        .unwrap();
    assert_eq!(swept.released, report.holds);
    assert!(w.host.records(&ada()).unwrap().is_empty());
    let after = w.custodian.open_held(
        &ada(),
        &w.host,
        &INVOICE,
        BILLING,
        Purpose::LegalCompliance,
        t("2034-01-02T00:00:00Z"),
    );
    assert!(matches!(after, Err(RightsError::NotHeld)));
    let actions = w.actions();
    assert!(actions.contains(&Action::HoldPlaced) && actions.contains(&Action::HoldReleased));
}

#[test]
fn repeated_erasure_is_harmless_and_reported_as_such() {
    let w = World::new();
    w.seed(&ada());
    let first = w.accepted(&ada(), RequestKind::Erasure, t("2026-01-10T09:00:00Z"));
    let one = w
        .custodian
        .erase(first, &w.host, &w.notifier, t("2026-01-10T10:00:00Z"))
        .unwrap();
    let left = w.host.records(&ada()).unwrap();
    let second = w.accepted(&ada(), RequestKind::Erasure, t("2026-02-01T09:00:00Z"));
    let two = w
        .custodian
        .erase(second, &w.host, &w.notifier, t("2026-02-01T10:00:00Z"))
        .unwrap();
    assert!(two.repeated && !two.key_destroyed && !one.repeated);
    assert_eq!(two.holds, one.holds);
    assert_eq!(w.host.records(&ada()).unwrap(), left);
    // The held invoice still opens for its purpose.
    assert!(
        w.custodian
            .open_held(
                &ada(),
                &w.host,
                &INVOICE,
                BILLING,
                Purpose::LegalCompliance,
                t("2026-02-02T00:00:00Z")
            )
            .is_ok()
    );
}

#[test]
fn a_freeze_withholds_everything_for_legal_claims_and_suspends_sweeps() {
    let w = World::new().with_no_retention();
    w.seed(&ada());
    let freeze = w
        .custodian
        .freeze(
            &ada(),
            HoldReason::LegalClaims,
            "case 2026-117",
            None,
            t("2026-01-01T00:00:00Z"),
        )
        .unwrap();
    let plan = w
        .custodian
        .sweep_plan(&w.host, t("2040-01-01T00:00:00Z"))
        .unwrap();
    assert!(plan.items.iter().all(|i| i.planned
        == custodian::retention::Planned::Keep(custodian::retention::Keep::Frozen {
            hold: freeze
        })));
    let id = w.accepted(&ada(), RequestKind::Erasure, t("2026-01-10T09:00:00Z"));
    let report = w
        .custodian
        .erase(id, &w.host, &w.notifier, t("2026-01-10T10:00:00Z"))
        .unwrap();
    assert!(report.categories.iter().all(|(_, o)| matches!(
        o,
        CategoryOutcome::Withheld {
            reason: HoldReason::LegalClaims,
            until: None,
            ..
        }
    )));
    assert_eq!(w.host.records(&ada()).unwrap().len(), 3);
    // Released: the held records are purged and the freeze ends.
    for hold in report.holds {
        w.custodian
            .release_hold(&w.host, &ada(), hold, t("2026-06-01T00:00:00Z"))
            .unwrap();
    }
    w.custodian
        .release_hold(&w.host, &ada(), freeze, t("2026-06-01T00:00:00Z"))
        .unwrap();
    assert!(w.host.records(&ada()).unwrap().is_empty());
}

#[test]
fn restriction_limits_processing_to_legal_compliance() {
    let w = World::new();
    w.seed(&ada());
    let id = w.accepted(&ada(), RequestKind::Restriction, t("2025-04-01T09:00:00Z"));
    let hold = w
        .custodian
        .restrict(
            id,
            &w.host,
            &w.notifier,
            &[Category::Contact],
            Some(d(2025, 6, 30)),
            t("2025-04-01T10:00:00Z"),
        )
        .unwrap();
    let during = t("2025-05-01T00:00:00Z");
    let mail = w.custodian.decide(&Use::new(
        &ada(),
        &[Category::Contact],
        Purpose::CustomerSupport,
        Actor::System,
        during,
    ));
    assert_eq!(mail.denial_reason(), Some(DenialReason::Restricted));
    let after = t("2025-07-01T00:00:00Z");
    assert!(
        w.custodian
            .decide(&Use::new(
                &ada(),
                &[Category::Contact],
                Purpose::CustomerSupport,
                Actor::System,
                after
            ))
            .is_allowed()
    );
    assert_eq!(
        w.custodian
            .request(id, Purpose::LegalCompliance)
            .unwrap()
            .status(),
        Status::Fulfilled
    );
    // The sweep after its end lifts it without purging anything.
    let swept = w.custodian.sweep(&w.host, after).unwrap();
    assert_eq!(
        (swept.released.as_slice(), swept.purged),
        ([hold].as_slice(), 0)
    );
}

#[test]
fn withdrawal_and_objection_take_effect_at_once() {
    let w = World::new();
    w.seed(&ada());
    let at = t("2025-04-01T09:00:00Z");
    w.custodian
        .give_consent(&ada(), Purpose::Marketing, &how(at))
        .unwrap();
    let marketing = |when| {
        w.custodian.decide(&Use::new(
            &ada(),
            &[Category::Contact],
            Purpose::Marketing,
            Actor::System,
            when,
        ))
    };
    assert!(marketing(at).is_allowed());
    let id = w.accepted(&ada(), RequestKind::ConsentWithdrawal, at);
    w.custodian
        .withdraw(id, Purpose::Marketing, &how(t("2025-04-01T10:00:00Z")))
        .unwrap();
    assert_eq!(
        marketing(t("2025-04-01T10:00:01Z")).denial_reason(),
        Some(DenialReason::Withdrawn)
    );
    let objection = w.accepted(&ada(), RequestKind::Objection, at);
    w.custodian
        .object(
            objection,
            Purpose::ServiceImprovement,
            &how(t("2025-04-01T11:00:00Z")),
        )
        .unwrap();
    let improve = w.custodian.decide(&Use::new(
        &ada(),
        &[Category::Engagement],
        Purpose::ServiceImprovement,
        Actor::System,
        t("2025-04-01T11:00:01Z"),
    ));
    assert_eq!(improve.denial_reason(), Some(DenialReason::Objection));
    for id in [id, objection] {
        assert_eq!(
            w.custodian
                .request(id, Purpose::LegalCompliance)
                .unwrap()
                .status(),
            Status::Fulfilled
        );
    }
}

#[test]
fn complaints_are_sealed_noted_resolved_and_overdue_after_their_sla() {
    let w = World::new();
    w.seed(&ada());
    let filed = t("2025-01-02T09:00:00Z");
    let id = w
        .custodian
        .file_complaint(
            &ada(),
            "my address went to a stranger",
            Some(Category::Location),
            Some(Purpose::Shipping),
            Profile::COMPLAINT,
            filed,
        )
        .unwrap();
    let record = w.custodian.request(id, Purpose::LegalCompliance).unwrap();
    assert_eq!(record.deadlines().respond_by, d(2025, 4, 2));
    let complaint = record.complaint().unwrap();
    assert!(!complaint.description.to_text().contains("stranger"));
    assert_eq!(
        w.custodian
            .complaint_description(id)
            .unwrap()
            .unwrap()
            .as_str(),
        "my address went to a stranger"
    );
    assert_eq!(w.custodian.overdue(d(2025, 4, 2)).unwrap().len(), 0);
    assert_eq!(w.custodian.overdue(d(2025, 4, 3)).unwrap()[0].id, id);
    w.custodian
        .note_complaint(id, "carrier label printed twice", t("2025-01-05T09:00:00Z"))
        .unwrap();
    let done = w
        .custodian
        .resolve_complaint(id, ComplaintOutcome::Upheld, t("2025-01-20T09:00:00Z"))
        .unwrap();
    assert_eq!(done.status(), Status::Fulfilled);
    assert_eq!(
        done.complaint().unwrap().outcome,
        Some(ComplaintOutcome::Upheld)
    );
    assert!(w.custodian.overdue(d(2025, 5, 1)).unwrap().is_empty());
    let actions = w.actions();
    for a in [
        Action::ComplaintFiled,
        Action::ComplaintNoted,
        Action::ComplaintResolved,
    ] {
        assert!(actions.contains(&a), "{a}");
    }
    // Erasing Ada makes the description unreadable.
    w.custodian
        .forget_subject(&ada(), t("2025-02-01T00:00:00Z"))
        .unwrap();
    assert!(w.custodian.complaint_description(id).unwrap().is_none());
}

#[test]
fn every_transition_is_audited_with_its_status() {
    let w = World::new();
    let at = t("2025-01-31T09:00:00Z");
    let id = w
        .custodian
        .receive_request(&ada(), RequestKind::Access, Profile::Gdpr, at)
        .unwrap();
    w.custodian.acknowledge(id, at).unwrap();
    w.custodian.ask_identity(id, at).unwrap();
    w.custodian.accept(id, at).unwrap();
    w.custodian.require_action(id, at).unwrap();
    w.custodian
        .extend(id, ExtensionReason::Complexity, t("2025-02-28T09:00:00Z"))
        .unwrap();
    w.custodian
        .close_unfulfilled(id, t("2025-04-30T09:00:00Z"))
        .unwrap();
    let statuses: Vec<_> = w
        .sink
        .events()
        .iter()
        .filter(|e| e.request() == Some(id))
        .map(|e| (e.action(), e.request_status().unwrap()))
        .collect();
    use RequestStatus as R;
    assert_eq!(
        statuses,
        [
            (Action::RightsRequestReceived, R::Initiated),
            (Action::RightsRequestStatusChanged, R::Acknowledged),
            (Action::RightsRequestStatusChanged, R::IdentityUnverified),
            (Action::RightsRequestStatusChanged, R::Accepted),
            (Action::RightsRequestStatusChanged, R::RequiresAction),
            (Action::RightsRequestStatusChanged, R::ActionDelayed),
            (Action::RightsRequestCompleted, R::Unfulfilled),
        ]
    );
    let record = w.custodian.request(id, Purpose::LegalCompliance).unwrap();
    assert_eq!(record.deadlines().respond_by, d(2025, 4, 30));
    assert_eq!(record.history().len(), 6);
}

#[test]
fn extensions_after_the_first_due_date_are_refused_and_change_nothing() {
    let w = World::new();
    let id = w.accepted(&ada(), RequestKind::Access, t("2025-01-31T09:00:00Z"));
    let err = w
        .custodian
        .extend(
            id,
            ExtensionReason::NumberOfRequests,
            t("2025-03-01T00:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(err, RightsError::Deadline(DeadlineError::TooLate { due }) if due == d(2025, 2, 28))
    );
    let record = w.custodian.request(id, Purpose::LegalCompliance).unwrap();
    assert_eq!(
        (record.status(), record.deadlines().respond_by),
        (Status::Accepted, d(2025, 2, 28))
    );
    // Once, and only once.
    w.custodian
        .extend(id, ExtensionReason::Complexity, t("2025-02-01T00:00:00Z"))
        .unwrap();
    assert!(matches!(
        w.custodian
            .extend(id, ExtensionReason::Complexity, t("2025-02-02T00:00:00Z")),
        Err(RightsError::Deadline(DeadlineError::AlreadyExtended))
    ));
}

#[test]
fn rejections_carry_reason_and_remedies_and_refusals_their_evidence() {
    let w = World::new();
    let at = t("2025-03-03T09:00:00Z");
    let remedies = Remedies::new(
        "Berliner Beauftragte für Datenschutz",
        "https://www.datenschutz-berlin.de",
    );
    let id = w
        .custodian
        .receive_request(&ada(), RequestKind::Erasure, Profile::Ccpa, at)
        .unwrap();
    let record = w.custodian.request(id, Purpose::LegalCompliance).unwrap();
    assert_eq!(record.deadlines().acknowledge_by, Some(d(2025, 3, 17)));
    let rejected = w
        .custodian
        .reject(
            id,
            Rejection {
                reason: RejectionReason::IdentityNotConfirmed,
                remedies: remedies.clone(),
            },
            at,
        )
        .unwrap();
    assert_eq!(rejected.rejection().unwrap().remedies, remedies);
    assert!(
        rejected
            .rejection()
            .unwrap()
            .remedies
            .to_string()
            .contains("court")
    );
    let again = w
        .custodian
        .receive_request(&ada(), RequestKind::Access, Profile::Gdpr, at)
        .unwrap();
    let refused = w
        .custodian
        .refuse_unfounded(
            again,
            UnfoundedRefusal {
                ground: Unfounded::Excessive,
                evidence: custodian::ids::Reference::new("case/2025-031"),
                remedies,
            },
            at,
        )
        .unwrap();
    assert_eq!(refused.status(), Status::RefusedUnfounded);
    assert_eq!(
        refused.refusal().unwrap().evidence.as_str(),
        "case/2025-031"
    );
}

#[test]
fn bad_input_gives_typed_errors_and_changes_nothing() {
    let w = World::new();
    w.seed(&ada());
    let at = t("2025-03-03T09:00:00Z");
    let unknown = custodian::audit::RequestId::from_u128(7);
    assert!(matches!(
        w.custodian.accept(unknown, at),
        Err(RightsError::UnknownRequest)
    ));
    assert!(matches!(
        w.custodian.export(unknown, &w.host, at),
        Err(RightsError::UnknownRequest)
    ));
    let id = w
        .custodian
        .receive_request(&ada(), RequestKind::Erasure, Profile::Gdpr, at)
        .unwrap();
    let events = w.sink.len();
    let before = w.host.records(&ada()).unwrap();
    // Out of order: nothing is erased before the request is accepted.
    let early = w.custodian.erase(id, &w.host, &w.notifier, at);
    assert!(matches!(
        early,
        Err(RightsError::IllegalTransition {
            from: Status::Initiated,
            to: Status::Fulfilled
        })
    ));
    assert!(matches!(
        w.custodian.require_action(id, at),
        Err(RightsError::IllegalTransition { .. })
    ));
    // The wrong step for the kind.
    w.custodian.accept(id, at).unwrap();
    assert!(matches!(
        w.custodian.export(id, &w.host, at),
        Err(RightsError::WrongKind {
            found: RequestKind::Erasure,
            ..
        })
    ));
    assert_eq!(w.host.records(&ada()).unwrap(), before);
    assert_eq!(w.sink.len(), events + 1);
    // Closed requests stay closed.
    w.custodian.close_unfulfilled(id, at).unwrap();
    assert!(matches!(
        w.custodian.accept(id, at),
        Err(RightsError::IllegalTransition {
            from: Status::Unfulfilled,
            ..
        })
    ));
    // Request records are for compliance only.
    assert!(matches!(
        w.custodian.request(id, Purpose::Marketing),
        Err(RightsError::PurposeLocked { .. })
    ));
    // Complaints need their description.
    assert!(matches!(
        w.custodian
            .receive_request(&ada(), RequestKind::Complaint, Profile::COMPLAINT, at),
        Err(RightsError::WrongKind { .. })
    ));
}

#[test]
fn an_unaudited_transition_does_not_happen() {
    let w = World::new();
    let at = t("2025-03-03T09:00:00Z");
    let id = w
        .custodian
        .receive_request(&ada(), RequestKind::Access, Profile::Gdpr, at)
        .unwrap();
    w.sink.set_available(false);
    assert!(matches!(
        w.custodian.acknowledge(id, at),
        Err(RightsError::Unaudited(_))
    ));
    assert!(matches!(
        w.custodian
            .receive_request(&ada(), RequestKind::Access, Profile::Gdpr, at),
        Err(RightsError::Unaudited(_))
    ));
    w.sink.set_available(true);
    assert_eq!(
        w.custodian
            .request(id, Purpose::LegalCompliance)
            .unwrap()
            .status(),
        Status::Initiated
    );
    assert_eq!(w.custodian.overdue(d(2030, 1, 1)).unwrap().len(), 1);
}

#[test]
fn due_within_and_overdue_list_open_requests_without_personal_data() {
    let w = World::new();
    let a = w
        .custodian
        .receive_request(
            &ada(),
            RequestKind::Access,
            Profile::Gdpr,
            t("2025-01-31T09:00:00Z"),
        )
        .unwrap();
    let b = w
        .custodian
        .receive_request(
            &ada(),
            RequestKind::Erasure,
            Profile::Ccpa,
            t("2025-02-01T09:00:00Z"),
        )
        .unwrap();
    let soon = w.custodian.due_within(d(2025, 2, 20), 10).unwrap();
    assert_eq!(soon.iter().map(|r| r.id).collect::<Vec<_>>(), [a]);
    let late = w.custodian.overdue(d(2025, 3, 20)).unwrap();
    assert_eq!(
        late.iter()
            .map(|r| (r.id, r.respond_by))
            .collect::<Vec<_>>(),
        [(a, d(2025, 2, 28)), (b, d(2025, 3, 18))]
    );
}

#[test]
fn request_records_are_kept_at_least_24_months() {
    let w = World::new();
    let id = w.accepted(&ada(), RequestKind::Access, t("2025-01-10T09:00:00Z"));
    w.custodian
        .close_unfulfilled(id, t("2025-01-15T09:00:00Z"))
        .unwrap();
    assert!(matches!(
        w.custodian
            .purge_request_records(t("2030-01-01T00:00:00Z"), 12),
        Err(RightsError::RetentionTooShort { minimum: 24 })
    ));
    assert_eq!(
        w.custodian
            .purge_request_records(t("2027-01-15T00:00:00Z"), 24)
            .unwrap(),
        0
    );
    assert!(w.custodian.request(id, Purpose::LegalCompliance).is_ok());
    assert_eq!(
        w.custodian
            .purge_request_records(t("2027-01-16T00:00:00Z"), 24)
            .unwrap(),
        1
    );
    assert!(matches!(
        w.custodian.request(id, Purpose::LegalCompliance),
        Err(RightsError::UnknownRequest)
    ));
}

#[test]
fn audit_events_of_the_workflow_hold_no_personal_data() {
    let w = World::new();
    w.seed(&ada());
    let id = w.accepted(
        &ada(),
        RequestKind::Rectification,
        t("2025-04-01T09:00:00Z"),
    );
    w.custodian
        .rectify(
            id,
            &w.host,
            &w.notifier,
            &ACCOUNT,
            EMAIL,
            "ada.lovelace@example.org",
            Email::parse,
            t("2025-04-01T10:00:00Z"),
        )
        .unwrap();
    w.custodian
        .file_complaint(
            &ada(),
            "ada@example.com was shared",
            None,
            None,
            Profile::COMPLAINT,
            t("2025-04-02T10:00:00Z"),
        )
        .unwrap();
    let erase = w.accepted(&ada(), RequestKind::Erasure, t("2026-01-10T09:00:00Z"));
    w.custodian
        .erase(erase, &w.host, &w.notifier, t("2026-01-10T10:00:00Z"))
        .unwrap();
    for event in w.sink.events() {
        let json = String::from_utf8(event.to_json()).unwrap();
        for secret in [
            "cus_ada", "ada@", "lovelace", "Linden", "Berlin", "10117", "shared",
        ] {
            assert!(!json.contains(secret), "{json}");
        }
    }
}

mod sweeps {
    use custodian::pii::Category;
    use custodian::purpose::LawfulBasis;
    use custodian::records::{Host, MemoryHost, Record, RecordClass, RecordId};
    use custodian::retention::{Planned, Schedule};
    use custodian::time::{Date, Timestamp};
    use proptest::prelude::*;

    use super::World;

    const CLASSES: [RecordClass; 4] = [
        RecordClass::INVOICE,
        RecordClass::BOOKS,
        RecordClass::COMMERCIAL_LETTER,
        RecordClass::ACCOUNT,
    ];

    fn years(class: RecordClass) -> Option<u32> {
        match class.as_str() {
            "invoice" => Some(8),
            "books" => Some(10),
            "commercial_letter" => Some(6),
            _ => None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the records' dates, a sweep purges exactly the records
        /// whose German period ran out (31 December of the year made plus
        /// the period), keeps the rest and those with no rule, and a second
        /// sweep does nothing.
        #[test]
        fn sweeps_purge_exactly_what_expired_and_are_idempotent(
            made in proptest::collection::vec((0usize..4, 0u32..20_000), 1..25),
            sweep_day in 10_000u32..25_000,
        ) {
            let w = World::new().with_no_retention();
            let custodian = w.custodian.with_retention(Schedule::germany());
            let host = MemoryHost::new();
            let subject = custodian::SubjectId::new("cus_p");
            for (i, (class, day)) in made.iter().enumerate() {
                let created = Date::MIN.plus_days(*day).unwrap().start();
                host.insert(&subject, Record {
                    id: RecordId::parse(&format!("r{i}")).unwrap(),
                    category: Category::Transaction,
                    class: CLASSES[*class],
                    basis: LawfulBasis::LegalObligation,
                    provided: false,
                    created,
                    last_activity: created,
                    completed: None,
                    fields: Vec::new(),
                }).unwrap();
            }
            let today = Date::MIN.plus_days(sweep_day).unwrap();
            let at = Timestamp::from_unix_millis(today.start().unix_millis() + 3_600_000).unwrap();
            let plan = custodian.sweep_plan(&host, at).unwrap();
            for item in &plan.items {
                let (class, day) = made[item.record.as_str()[1..].parse::<usize>().unwrap()];
                let created = Date::MIN.plus_days(day).unwrap();
                let expired = years(CLASSES[class]).is_some_and(|n| {
                    let (y, _, _) = created.ymd();
                    let last = Date::from_ymd(y + n, 12, 31).unwrap();
                    today > last
                });
                prop_assert_eq!(matches!(item.planned, Planned::Purge { .. }), expired, "{:?}", item);
            }
            let purges = plan.purges().count() as u64;
            let report = custodian.execute(&host, &plan).unwrap();
            prop_assert_eq!(report.purged, purges);
            prop_assert_eq!(host.records(&subject).unwrap().len() as u64, made.len() as u64 - purges);
            let again = custodian.sweep(&host, at).unwrap();
            prop_assert_eq!(again.purged, 0);
        }
    }
}
