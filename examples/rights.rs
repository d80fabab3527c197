//! Data-subject rights end to end: a customer exports their data,
//! corrects their address, withdraws their marketing consent, files a
//! complaint, and asks for erasure while an invoice is under a tax hold.
//! The host implements only the storage trait (here the in-memory one);
//! the custodian runs the workflow: deadlines, audit events, recipient
//! notices, holds and crypto-shredding.
//!
//! It prints each outcome and the overdue report, and exits with status 1
//! if any step does not behave as it says. Run it with
//! `cargo run --example rights`.

use std::sync::Arc;

use custodian::audit::{Action, MemorySink};
use custodian::consent::{Collection, CollectionMethod, MemoryStore};
use custodian::decision::{Actor, DenialReason, Use};
use custodian::disclosure::{Agreement, Recipient, RecipientKind};
use custodian::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference};
use custodian::pii::{Category, Email, PiiError, PostalAddress};
use custodian::policy::{PolicySchedule, marketplace};
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::records::{Field, Host, MemoryHost, Record, RecordClass, RecordId};
use custodian::retention::Schedule;
use custodian::rights::{
    CategoryOutcome, ComplaintOutcome, MemoryNotifier, Profile, RequestKind, RightsError,
};
use custodian::time::{Date, Timestamp};
use custodian::vault::{FieldLabel, KeyScope, MemoryKeyStore, RootKey, RootKeyRing, Vault};
use custodian::{Custodian, SubjectId};

const V1: PolicyVersion = PolicyVersion::new("1");
const EMAIL: FieldLabel = FieldLabel::new("customer.email");
const ADDRESS: FieldLabel = FieldLabel::new("customer.address");
const BILLING: FieldLabel = FieldLabel::new("invoice.billing_address");
const ACCOUNT: RecordId = RecordId::new("account-1");
const HOME: RecordId = RecordId::new("address-1");
const INVOICE: RecordId = RecordId::new("invoice-2025-0042");

/// Collects claims; the example fails if any is false.
#[derive(Default)]
struct Claims {
    failed: Vec<String>,
}

impl Claims {
    fn check(&mut self, claim: &str, holds: bool) {
        println!("  [{}] {claim}", if holds { "ok" } else { "FAILED" });
        if !holds {
            self.failed.push(claim.to_owned());
        }
    }
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("example times parse")
}

/// The address form: `line|postal code|city|country`.
fn parse_address(input: &str) -> Result<PostalAddress, PiiError> {
    let mut parts = input.split('|');
    let mut next = || parts.next().unwrap_or("");
    PostalAddress::builder()
        .line(next())
        .postal_code(next())
        .locality(next())
        .country(next())
        .build()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut claims = Claims::default();
    let vault = Vault::builder().build(
        Arc::new(RootKeyRing::new(1, RootKey::generate()?)),
        Arc::new(MemoryKeyStore::new()),
    )?;
    let dhl = RecipientId::new("dhl");
    let carrier = Recipient::new(dhl.clone(), "DHL Paket GmbH", RecipientKind::Carrier).agreement(
        Agreement::new(
            Reference::new("DPA-2024-17"),
            &[Category::Location],
            &[Purpose::Shipping],
        ),
    );
    let sink = Arc::new(MemorySink::new());
    let custodian = Custodian::builder()
        .policy(PolicySchedule::single(
            marketplace()
                .recipient(carrier)
                .build(V1, Timestamp::EPOCH)?,
        ))
        .vault(vault.clone())
        .ledger(MemoryStore::new())
        .audit(sink.clone())
        .build()?
        .with_retention(Schedule::germany());
    let host = MemoryHost::new();
    let notifier = MemoryNotifier::new();

    // The host's records about Ada, sealed under her key.
    let ada = SubjectId::try_new("cus_ada")?;
    let scope = KeyScope::subject(&ada);
    let joined = t("2025-03-14T10:00:00Z");
    let home = parse_address("Unter den Linden 77|10117|Berlin|DE")?;
    let record = |id, category, class, basis, label, envelope| Record {
        id,
        category,
        class,
        basis,
        provided: true,
        created: joined,
        last_activity: joined,
        completed: None,
        fields: vec![Field { label, envelope }],
    };
    host.insert(
        &ada,
        record(
            ACCOUNT,
            Category::Contact,
            RecordClass::ACCOUNT,
            LawfulBasis::Contract,
            EMAIL,
            vault.seal(&Email::parse("ada@example.com")?, &scope, EMAIL)?,
        ),
    )?;
    host.insert(
        &ada,
        record(
            HOME,
            Category::Location,
            RecordClass::ACCOUNT,
            LawfulBasis::Contract,
            ADDRESS,
            vault.seal(&home, &scope, ADDRESS)?,
        ),
    )?;
    host.insert(
        &ada,
        record(
            INVOICE,
            Category::Location,
            RecordClass::INVOICE,
            LawfulBasis::LegalObligation,
            BILLING,
            vault.seal(&home, &scope, BILLING)?,
        ),
    )?;
    let how = |at| Collection::new(V1, at, CollectionMethod::WebForm, Jurisdiction::new("DE"));
    custodian.give_consent(&ada, Purpose::Marketing, &how(joined))?;
    custodian.disclose(
        &ada,
        &dhl,
        &[Category::Location],
        Purpose::Shipping,
        t("2025-03-15T08:00:00Z"),
    )?;

    let accepted = |kind, at| -> Result<_, RightsError> {
        let id = custodian.receive_request(&ada, kind, Profile::Gdpr, at)?;
        custodian.acknowledge(id, at)?;
        custodian.accept(id, at)?;
        Ok(id)
    };

    println!("1. Ada exports her data (GDPR Art. 15)");
    let access = accepted(RequestKind::Access, t("2025-04-01T09:00:00Z"))?;
    let export = custodian.export(access, &host, t("2025-04-01T09:05:00Z"))?;
    let doc: serde_json::Value = serde_json::from_str(export.json())?;
    println!(
        "     {} records, schema {}",
        doc["records"].as_array().map_or(0, Vec::len),
        doc["schema"]
    );
    claims.check(
        "the export holds her e-mail address in clear",
        export.json().contains("ada@example.com"),
    );
    claims.check(
        "it lists the carrier her address went to",
        doc["recipients"][0]["recipient"] == "dhl",
    );
    claims.check(
        "it shows the invoice's retention",
        export.json().contains("2033-12-31"),
    );

    println!("2. Ada corrects her address (Art. 16)");
    let fix = accepted(RequestKind::Rectification, t("2025-04-02T09:00:00Z"))?;
    let typo = custodian.rectify(
        fix,
        &host,
        &notifier,
        &HOME,
        ADDRESS,
        "Karl-Marx-Allee 1|10178",
        parse_address,
        t("2025-04-02T09:01:00Z"),
    );
    claims.check(
        "an address without a city is refused and nothing changes",
        matches!(typo, Err(RightsError::Invalid(_))),
    );
    let fixed = custodian.rectify(
        fix,
        &host,
        &notifier,
        &HOME,
        ADDRESS,
        "Karl-Marx-Allee 1|10178|Berlin|DE",
        parse_address,
        t("2025-04-02T09:02:00Z"),
    )?;
    println!(
        "     evidence {}, carrier notified: {}",
        fixed.evidence,
        fixed.notified.len()
    );
    claims.check(
        "the carrier is told of the correction (Art. 19)",
        notifier.sent().len() == 1,
    );

    println!("3. Ada withdraws her marketing consent (Art. 7(3))");
    let withdraw = accepted(RequestKind::ConsentWithdrawal, t("2025-04-03T09:00:00Z"))?;
    custodian.withdraw(
        withdraw,
        Purpose::Marketing,
        &how(t("2025-04-03T09:01:00Z")),
    )?;
    let mail = custodian.decide(&Use::new(
        &ada,
        &[Category::Contact],
        Purpose::Marketing,
        Actor::System,
        t("2025-04-03T09:02:00Z"),
    ));
    claims.check(
        "marketing mail is denied at once",
        mail.denial_reason() == Some(DenialReason::Withdrawn),
    );

    println!("4. Ada files a complaint");
    let complaint = custodian.file_complaint(
        &ada,
        "a parcel label showed my old address",
        Some(Category::Location),
        Some(Purpose::Shipping),
        Profile::COMPLAINT,
        t("2025-04-04T09:00:00Z"),
    )?;
    custodian.note_complaint(
        complaint,
        "label printed from a cached order",
        t("2025-04-10T09:00:00Z"),
    )?;

    println!("5. The overdue report on 2025-07-15");
    for late in custodian.overdue(Date::from_ymd(2025, 7, 15)?)? {
        println!(
            "     {} {} ({}), due {}",
            late.id, late.kind, late.status, late.respond_by
        );
    }
    claims.check(
        "the complaint is overdue after its 90 days",
        custodian
            .overdue(Date::from_ymd(2025, 7, 15)?)?
            .iter()
            .any(|r| r.id == complaint),
    );
    custodian.resolve_complaint(
        complaint,
        ComplaintOutcome::Upheld,
        t("2025-07-16T09:00:00Z"),
    )?;
    claims.check(
        "and not once resolved",
        custodian.overdue(Date::from_ymd(2025, 7, 16)?)?.is_empty(),
    );

    println!("6. Ada asks for erasure while her invoice is under a tax hold (Art. 17)");
    let erase = accepted(RequestKind::Erasure, t("2026-01-10T09:00:00Z"))?;
    let report = custodian.erase(erase, &host, &notifier, t("2026-01-10T09:05:00Z"))?;
    for (category, outcome) in &report.categories {
        match outcome {
            CategoryOutcome::Erased { records } => {
                println!("     {category}: erased ({records} records)")
            }
            CategoryOutcome::Withheld {
                reason,
                source,
                until,
                ..
            } => println!(
                "     {category}: withheld, {reason} ({source}) until {}",
                until.map_or_else(|| "released".to_owned(), |d| d.to_string())
            ),
            other => println!("     {category}: {other:?}"),
        }
    }
    let kept = host.records(&ada)?;
    claims.check(
        "only the invoice is left",
        kept.len() == 1 && kept[0].id == INVOICE,
    );
    claims.check(
        "the invoice opens for legal compliance",
        custodian
            .open_held(
                &ada,
                &host,
                &INVOICE,
                BILLING,
                Purpose::LegalCompliance,
                t("2026-02-01T00:00:00Z"),
            )
            .is_ok(),
    );
    claims.check(
        "and for nothing else",
        matches!(
            custodian.open_held(
                &ada,
                &host,
                &INVOICE,
                BILLING,
                Purpose::Marketing,
                t("2026-02-01T00:00:00Z")
            ),
            Err(RightsError::Restricted { .. })
        ),
    );
    let again = accepted(RequestKind::Erasure, t("2026-02-01T09:00:00Z"))?;
    claims.check(
        "erasing again is harmless and says so",
        custodian
            .erase(again, &host, &notifier, t("2026-02-01T09:01:00Z"))?
            .repeated,
    );

    println!("7. The retention sweep after the tax period");
    let swept = custodian.sweep(&host, t("2034-01-02T00:00:00Z"))?;
    claims.check(
        "the invoice is purged and its hold released",
        swept.purged == 1 && host.records(&ada)?.is_empty(),
    );
    let actions: Vec<Action> = sink.events().iter().map(|e| e.action()).collect();
    claims.check(
        "every step is in the audit trail",
        [
            Action::ExportProduced,
            Action::Rectification,
            Action::RecipientNotified,
            Action::ConsentWithdrawn,
            Action::ComplaintFiled,
            Action::Erasure,
            Action::HoldPlaced,
            Action::RetentionPurge,
            Action::HoldReleased,
        ]
        .iter()
        .all(|a| actions.contains(a)),
    );
    println!(
        "     {} audit events, none with personal data",
        actions.len()
    );
    claims.check(
        "no audit event holds her id or address",
        sink.events().iter().all(|e| {
            let json = String::from_utf8_lossy(&e.to_json()).into_owned();
            !json.contains("cus_ada") && !json.contains("Linden")
        }),
    );

    if claims.failed.is_empty() {
        println!("all claims hold");
        Ok(())
    } else {
        eprintln!("{} claims failed: {:?}", claims.failed.len(), claims.failed);
        std::process::exit(1)
    }
}
