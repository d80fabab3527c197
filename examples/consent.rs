//! Consent, purposes and policy end to end: a subject consents to
//! marketing, is contacted, withdraws and is no longer contacted; a
//! browser sends a Global Privacy Control signal; a support agent reveals
//! an e-mail address for support (allowed) and a card number (denied); an
//! address is disclosed to a carrier (allowed) and to an ad network
//! (denied); every one of those consent changes, reveals and disclosures
//! is checked in the audit trail; and the record of processing is
//! printed.
//!
//! Every step asserts its result, so this example doubles as a test.
//! Run it with `cargo run --example consent`.

use std::sync::Arc;

use custodian::access::AccessContext;
use custodian::audit::{Action, Auditor, MemorySink, Outcome, Pseudonymizer, RefusalReason};
use custodian::consent::{
    Collection, CollectionMethod, ConsentLedger, GpcSignal, Receipt, ReceiptRequest, ReceiptSigner,
};
use custodian::decision::{Actor, Decider, DenialReason, Refusal, Use, UseError};
use custodian::disclosure::{Agreement, Recipient, RecipientKind};
use custodian::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference, Role, StaffId};
use custodian::pii::{CardNumber, Category, Email};
use custodian::policy::record::ProcessingRecord;
use custodian::policy::{Controller, PolicySchedule, marketplace};
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::time::Timestamp;
use custodian::{Owned, SubjectId};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = |s: &str| Timestamp::parse(s);
    let version = PolicyVersion::new("2025-06");

    // The marketplace default, with the host's controller details and its
    // recipients: a carrier under a processing agreement, and an ad network.
    let carrier = Recipient::new(
        RecipientId::new("dhl"),
        "DHL Paket GmbH",
        RecipientKind::Carrier,
    )
    .country(Jurisdiction::new("DE"))
    .agreement(
        Agreement::new(
            Reference::new("DPA-2024-17"),
            &[Category::Location, Category::Identity],
            &[Purpose::Shipping],
        )
        .valid(t("2024-01-01T00:00:00Z")?, Some(t("2027-01-01T00:00:00Z")?)),
    );
    let ad_network = Recipient::new(
        RecipientId::new("adnet"),
        "Example Ads Ltd",
        RecipientKind::ThirdParty,
    )
    .country(Jurisdiction::new("GB"))
    .agreement(Agreement::new(
        Reference::new("DPA-2025-03"),
        &[Category::Contact, Category::Engagement],
        &[Purpose::Marketing],
    ));
    let policy = marketplace()
        .controller(Controller {
            name: "Example Marketplace GmbH".into(),
            contact: "privacy@marketplace.example".into(),
            policy_url: "https://marketplace.example/privacy".into(),
        })
        .recipient(carrier)
        .recipient(ad_network)
        .build(version, t("2025-06-01T00:00:00Z")?)?;
    let schedule = PolicySchedule::single(policy.clone());
    // The audit trail: events go to the sink before anything happens. A
    // real host uses a FileLog and Pseudonymizer::from_vault.
    let sink = Arc::new(MemorySink::new());
    let keys = Pseudonymizer::from_bytes([7; 32]);
    let ledger = ConsentLedger::in_memory(Auditor::new(sink.clone(), keys.clone()));
    let decider = Decider::new(&schedule, &ledger);

    let ada = SubjectId::try_new("cus_8Hq2")?;
    let how = |at: &str| -> Result<Collection, Box<dyn std::error::Error>> {
        Ok(Collection::new(
            version,
            t(at)?,
            CollectionMethod::WebForm,
            Jurisdiction::new("DE"),
        )
        .proof(Reference::new("form:newsletter/v3")))
    };

    // 1. Ada subscribes to the newsletter, and is e-mailed.
    ledger.give(&ada, Purpose::Marketing, &how("2025-07-01T09:00:00Z")?)?;
    let mail = |at| {
        Use::new(
            &ada,
            &[Category::Contact],
            Purpose::Marketing,
            Actor::System,
            at,
        )
    };
    let sent = decider.decide(&mail(t("2025-07-02T09:00:00Z")?));
    assert_eq!(sent.basis(), Some(LawfulBasis::Consent));
    println!(
        "newsletter on 2 July: {} ({:?})",
        sent.outcome_key(),
        sent.basis()
    );

    // A signed receipt of her consent, verifiable with the public key.
    let signer = ReceiptSigner::generate()?;
    let receipt = ledger.receipt(
        &policy,
        &ReceiptRequest {
            subject: &ada,
            at: t("2025-07-02T09:00:00Z")?,
            language: "en",
            service: "Example Marketplace",
        },
    )?;
    let token = receipt.sign(&signer)?;
    let checked = Receipt::verify(&token, &signer.verifying_key())?;
    assert_eq!(
        checked.services[0].purposes[0].purpose_category[0],
        "marketing"
    );
    println!("signed receipt: {} bytes, verified", token.len());

    // 2. She withdraws, with the same kind of call, and is not e-mailed again.
    ledger.withdraw(&ada, Purpose::Marketing, &how("2025-07-03T09:00:00Z")?)?;
    let refused = decider.decide(&mail(t("2025-07-04T09:00:00Z")?));
    assert_eq!(refused.denial_reason(), Some(DenialReason::Withdrawn));
    println!(
        "newsletter on 4 July: {} ({})",
        refused.outcome_key(),
        DenialReason::Withdrawn
    );
    // Her orders are unaffected.
    let ship = Use::new(
        &ada,
        &[Category::Location],
        Purpose::Shipping,
        Actor::System,
        t("2025-07-04T09:00:00Z")?,
    );
    assert!(decider.decide(&ship).is_allowed());

    // 3. Another customer's browser sends `Sec-GPC: 1` after an opt-in.
    let bo = SubjectId::try_new("cus_Z81k")?;
    ledger.give(&bo, Purpose::Marketing, &how("2025-07-05T10:00:00Z")?)?;
    let signal = GpcSignal::from_header(Some("1")).ok_or("the header reads as a signal")?;
    let outcome = ledger.apply_gpc(
        &bo,
        signal,
        &policy,
        t("2025-07-06T10:00:00Z")?,
        &Jurisdiction::new("US-CA"),
    )?;
    assert_eq!(outcome.conflicts, [Purpose::Marketing]);
    let history = ledger.history(&bo)?;
    assert!(
        history
            .last()
            .is_some_and(|e| e.method() == CollectionMethod::Gpc && e.gpc_conflict())
    );
    let after = decider.decide(&Use::new(
        &bo,
        &[Category::Contact],
        Purpose::Marketing,
        Actor::System,
        t("2025-07-07T00:00:00Z")?,
    ));
    assert_eq!(after.denial_reason(), Some(DenialReason::Refused));
    println!(
        "GPC: opt-out recorded, conflict with an earlier opt-in flagged: {:?}",
        outcome.conflicts
    );

    // 4. A support agent, working a ticket, looks at Ada's data.
    let (agent, role, ticket) = (
        StaffId::new("staff:0042"),
        Role::new("support_agent"),
        Reference::new("ticket:4711"),
    );
    let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
    let now = t("2025-07-08T11:00:00Z")?;
    // Values carry their owner: the reveal is checked and audited for her.
    let email = Owned::new(ada.clone(), Email::parse("ada.lovelace@example.com")?);
    let shown = decider.reveal(&ctx, &ada, &email, now)?;
    assert_eq!(shown.expose(), "ada.lovelace@example.com");
    println!("support reveals the e-mail: allowed ({shown:?})");
    drop(shown); // the plaintext copy is zeroized here
    let card = Owned::new(ada.clone(), CardNumber::parse("4242 4242 4242 4242")?);
    let Err(UseError::Refused(Refusal::Denied(denial))) = decider.reveal(&ctx, &ada, &card, now)
    else {
        return Err("support must not see card numbers".into());
    };
    assert_eq!(
        (denial.reason, denial.category),
        (DenialReason::RoleLacksRight, Some(Category::Financial))
    );
    println!(
        "support reveals the card number: denied ({}); the agent sees {}",
        denial.reason,
        card.value()
    );

    // 5. The delivery address goes to the carrier, not to the ad network.
    let to_carrier = decider.disclose(
        &ada,
        &RecipientId::new("dhl"),
        &[Category::Location],
        Purpose::Shipping,
        now,
    )?;
    assert_eq!(to_carrier.basis, LawfulBasis::Contract);
    let to_ads = decider.disclose(
        &ada,
        &RecipientId::new("adnet"),
        &[Category::Location],
        Purpose::Marketing,
        now,
    );
    let Err(UseError::Refused(Refusal::Denied(to_ads))) = to_ads else {
        return Err("the ad network must not get the address".into());
    };
    assert_eq!(to_ads.reason, DenialReason::PurposeNotAllowed);
    println!("address to the carrier: allowed; to the ad network: denied");

    // 6. The audit trail holds every consent change, reveal and disclosure,
    //    with pseudonyms instead of ids and no personal data.
    let events = sink.events();
    let actions: Vec<_> = events.iter().map(|e| e.action()).collect();
    assert_eq!(
        &actions[..3],
        [
            Action::ConsentGranted,
            Action::ConsentWithdrawn,
            Action::ConsentGranted
        ]
    );
    assert!(actions.contains(&Action::ConsentRefusedGpc));
    assert_eq!(
        &actions[actions.len() - 4..],
        [
            Action::Reveal,
            Action::Reveal,
            Action::Disclosure,
            Action::Disclosure
        ]
    );
    let card_reveal = &events[events.len() - 3];
    assert_eq!(card_reveal.outcome(), Outcome::Denied);
    assert_eq!(
        card_reveal.reason(),
        Some(RefusalReason::Denied(DenialReason::RoleLacksRight))
    );
    assert_eq!(card_reveal.subject(), Some(&keys.subject("cus_8Hq2")));
    assert_eq!(card_reveal.categories(), [Category::Financial]);
    let ads = &events[events.len() - 1];
    assert_eq!(ads.recipient(), Some(&RecipientId::new("adnet")));
    assert_eq!(ads.policy_version(), Some(&version));
    for event in &events {
        let json = String::from_utf8(event.to_json())?;
        for secret in ["cus_8Hq2", "cus_Z81k", "ada.lovelace", "4242", "staff:0042"] {
            assert!(!json.contains(secret), "{json}");
        }
    }
    println!(
        "audit trail: {} events, none with personal data",
        events.len()
    );

    // 7. The record of processing activities (GDPR Art. 30).
    let record = ProcessingRecord::of(&policy);
    let markdown = record.to_markdown();
    assert!(markdown.contains("DHL Paket GmbH"));
    assert!(record.to_json()?.contains("\"third_country_transfers\""));
    println!("\n{markdown}");
    Ok(())
}
