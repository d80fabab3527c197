//! Consent, policy, access and disclosure through the public API only.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custodian::SubjectId;
use custodian::consent::{
    Collection, CollectionMethod, ConsentLedger, ConsentStatus, GpcSignal, Receipt, ReceiptError,
    ReceiptRequest, ReceiptSigner, Scope,
};
use custodian::decision::{Actor, Decider, DenialReason, Use};
use custodian::ids::{Jurisdiction, PolicyVersion};
use custodian::pii::Category;
use custodian::policy::{Controller, PolicyError, PolicySchedule, load, marketplace};
use custodian::purpose::Purpose;
use custodian::time::Timestamp;
use ed25519_dalek::{Signature, VerifyingKey};

const V1: PolicyVersion = PolicyVersion::new("1");

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

fn vector() -> serde_json::Value {
    serde_json::from_str(include_str!("vectors/consent/receipt-v1.json"))
        .expect("the vector file is JSON")
}

fn hex32(s: &str) -> [u8; 32] {
    let mut out = [0; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks(2)) {
        let digits = std::str::from_utf8(pair).expect("hex is ASCII");
        *o = u8::from_str_radix(digits, 16).expect("the vector holds hex");
    }
    out
}

#[test]
fn signed_receipts_match_the_frozen_vector() {
    let v = vector();
    let signer = ReceiptSigner::from_secret(&hex32(v["secret_key"].as_str().unwrap()));
    let receipt: Receipt = serde_json::from_value(v["receipt"].clone()).unwrap();
    let token = receipt.clone().sign(&signer).unwrap();
    assert_eq!(token, v["token"].as_str().unwrap());

    // Checked independently of the crate: header, payload, signature.
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        URL_SAFE_NO_PAD.decode(parts[0]).unwrap(),
        br#"{"alg":"EdDSA","typ":"JWT"}"#
    );
    let key = VerifyingKey::from_bytes(&hex32(v["public_key"].as_str().unwrap())).unwrap();
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(parts[2])
        .unwrap()
        .try_into()
        .unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    key.verify_strict(signed.as_bytes(), &Signature::from_bytes(&signature))
        .unwrap();
    let payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(payload["version"], "KI-CR-v1.1.0");
    assert_eq!(payload["publicKey"], URL_SAFE_NO_PAD.encode(key.as_bytes()));

    let back = Receipt::verify(&token, &key).unwrap();
    assert_eq!(back.services, receipt.services);
}

#[test]
fn tampered_or_foreign_receipts_are_refused_alike() {
    let v = vector();
    let token = v["token"].as_str().unwrap();
    let key = VerifyingKey::from_bytes(&hex32(v["public_key"].as_str().unwrap())).unwrap();
    let other = ReceiptSigner::from_secret(&[9; 32]).verifying_key();
    assert_eq!(Receipt::verify(token, &other), Err(ReceiptError::Invalid));
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
    let last = payload.len() - 2;
    payload[last] ^= 1;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload),
        parts[2]
    );
    let other_header = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        parts[1],
        parts[2]
    );
    for bad in [
        forged.as_str(),
        other_header.as_str(),
        "",
        "a.b",
        "a.b.c.d",
        &token[..token.len() - 1],
    ] {
        assert_eq!(
            Receipt::verify(bad, &key),
            Err(ReceiptError::Invalid),
            "{bad}"
        );
    }
}

#[test]
fn receipts_list_the_valid_consents_only() {
    let policy = marketplace()
        .controller(Controller {
            name: "Shop".into(),
            contact: "privacy@shop.example".into(),
            policy_url: String::new(),
        })
        .build(V1, Timestamp::EPOCH)
        .unwrap();
    let ledger = ConsentLedger::in_memory(auditor());
    let ada = SubjectId::try_new("cus_ada").unwrap();
    let request = |at| ReceiptRequest {
        subject: &ada,
        at: t(at),
        language: "en",
        service: "Shop",
    };
    assert!(ledger.receipt(&policy, &request(1)).is_err());
    ledger.give(&ada, Purpose::Marketing, &how(10)).unwrap();
    ledger
        .give(&ada, Purpose::ServiceImprovement, &how(11).expires(t(20)))
        .unwrap();
    let receipt = ledger.receipt(&policy, &request(12)).unwrap();
    let purposes: Vec<_> = receipt.services[0]
        .purposes
        .iter()
        .map(|p| p.purpose_category[0].clone())
        .collect();
    assert_eq!(purposes, ["marketing", "service_improvement"]);
    assert_eq!(receipt.consent_timestamp, 11);
    assert_eq!(
        receipt.services[0].purposes[0].pii_category,
        ["contact", "identity", "transaction", "engagement"]
    );
    let later = ledger.receipt(&policy, &request(25)).unwrap();
    assert_eq!(later.services[0].purposes.len(), 1);
    assert_eq!(later.pii_principal_id, "cus_ada");
}

#[test]
fn gpc_records_an_opt_out_and_flags_conflicts_once() {
    let policy = marketplace().build(V1, Timestamp::EPOCH).unwrap();
    let ledger = ConsentLedger::in_memory(auditor());
    let (ada, bo) = (
        SubjectId::try_new("ada").unwrap(),
        SubjectId::try_new("bo").unwrap(),
    );
    let ca = Jurisdiction::new("US-CA");
    ledger.give(&ada, Purpose::Marketing, &how(1)).unwrap();
    let signal = GpcSignal::from_header(Some(" 1 ")).unwrap();
    let first = ledger.apply_gpc(&ada, signal, &policy, t(2), &ca).unwrap();
    assert_eq!(first.conflicts, [Purpose::Marketing]);
    assert_eq!(first.recorded.len(), 1);
    // The same signal on the next request records nothing new.
    let again = ledger.apply_gpc(&ada, signal, &policy, t(3), &ca).unwrap();
    assert!(again.recorded.is_empty() && again.conflicts.is_empty());
    // Without an earlier opt-in there is no conflict.
    let plain = ledger.apply_gpc(&bo, signal, &policy, t(3), &ca).unwrap();
    assert!(plain.conflicts.is_empty() && plain.recorded.len() == 1);
    let event = ledger.history(&bo).unwrap().pop().unwrap();
    assert_eq!(
        (event.status(), event.method(), event.gpc_conflict()),
        (ConsentStatus::Refused, CollectionMethod::Gpc, false)
    );
    assert_eq!(event.jurisdiction(), &ca);
}

#[test]
fn withdrawal_takes_the_same_call_as_a_grant() {
    let schedule = PolicySchedule::single(marketplace().build(V1, Timestamp::EPOCH).unwrap());
    let ledger = ConsentLedger::in_memory(auditor());
    let ada = SubjectId::try_new("ada").unwrap();
    let decider = Decider::new(&schedule, &ledger);
    let mail = |at| {
        decider.decide(&Use::new(
            &ada,
            &[Category::Contact],
            Purpose::Marketing,
            Actor::System,
            t(at),
        ))
    };
    for round in 0..3 {
        let base = 10 * round;
        ledger
            .record(
                &ada,
                Scope::purpose(Purpose::Marketing),
                ConsentStatus::Given,
                &how(base + 1),
            )
            .unwrap();
        assert!(mail(base + 2).is_allowed());
        ledger
            .record(
                &ada,
                Scope::purpose(Purpose::Marketing),
                ConsentStatus::Withdrawn,
                &how(base + 3),
            )
            .unwrap();
        assert_eq!(
            mail(base + 3).denial_reason(),
            Some(DenialReason::Withdrawn)
        );
    }
}

#[test]
fn a_contradictory_policy_document_is_refused_with_its_rule() {
    let err = load::from_json(
        r#"{"version": "1", "effective_from": "2025-01-01T00:00:00Z",
            "purposes": [{"purpose": "dpv:DirectMarketing", "retention": "until_withdrawn", "consent_only": true}],
            "rules": [{"category": "contact", "purpose": "marketing", "basis": "Consent"},
                      {"category": "pd:Financial", "purpose": "marketing", "basis": "Legitimate interests"}]}"#,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        PolicyError::ConsentOnlyDeclaredNecessary {
            rule: 1,
            category: Category::Financial,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "rules[1] (category financial, purpose marketing): the purpose is consent-only, but the rule allows it on basis legitimate_interest"
    );
}

#[cfg(feature = "toml")]
#[test]
fn policies_load_from_toml() {
    let policy = load::from_toml(
        r#"
        version = "2025-06"
        effective_from = "2025-06-01T00:00:00Z"
        material_changes = ["marketing"]

        [[purposes]]
        purpose = "marketing"
        retention = "until_withdrawn"
        consent_only = true

        [[purposes]]
        purpose = "essential.service.operations.shipping"
        retention = { days = 90 }
        processor_disclosure = true

        [[rules]]
        category = "user.contact.email"
        purpose = "marketing"
        basis = "consent"

        [[rules]]
        category = "user.contact.address"
        purpose = "shipping"
        basis = "contract"
        "#,
    )
    .unwrap();
    assert_eq!(policy.version().as_str(), "2025-06");
    assert_eq!(policy.material_changes(), [Purpose::Marketing]);
    assert!(policy.rule(Category::Location, Purpose::Shipping).is_some());
    let err = load::from_toml("version = \"1\"\neffective_from = 3").unwrap_err();
    assert!(matches!(err, PolicyError::Document { .. }), "{err}");
}

/// An auditor over a fresh in-memory sink.
fn auditor() -> custodian::audit::Auditor {
    custodian::audit::Auditor::new(
        custodian::audit::MemorySink::new(),
        custodian::audit::Pseudonymizer::from_bytes([3; 32]),
    )
}

#[test]
fn a_withdrawal_is_never_lost_to_clock_skew_between_writers() {
    use custodian::consent::{ConsentLedger, ConsentStatus, MemoryStore, Scope};
    use std::sync::Arc;

    let store = Arc::new(MemoryStore::new());
    // Two app servers over one store; B's clock is 100 ms behind A's.
    let a = ConsentLedger::new(Arc::clone(&store), auditor());
    let b = ConsentLedger::new(Arc::clone(&store), auditor());
    let ada = SubjectId::new("cus_ada");
    let at = |millis| {
        Collection::new(
            V1,
            Timestamp::from_unix_millis(millis).expect("in range"),
            CollectionMethod::WebForm,
            Jurisdiction::new("DE"),
        )
    };
    a.give(&ada, Purpose::Marketing, &at(1_700_000_000_100))
        .expect("give");
    b.withdraw(&ada, Purpose::Marketing, &at(1_700_000_000_000))
        .expect("a withdrawal from the slower clock is recorded");

    let state = a
        .state(&ada, Scope::purpose(Purpose::Marketing))
        .expect("state")
        .expect("some state");
    assert_eq!(state.status, ConsentStatus::Withdrawn);
    let history = b.history(&ada).expect("history");
    let times: Vec<u64> = history.iter().map(|e| e.time().unix_millis()).collect();
    // Recorded after the grant, at the grant's time: never before it.
    assert_eq!(times, [1_700_000_000_100, 1_700_000_000_100]);
    assert_eq!(history[1].status(), ConsentStatus::Withdrawn);

    // Imports keep their own times, so an out-of-order one is still refused.
    let import = custodian::consent::ConsentEvent::new(
        custodian::ids::ConsentEventId::random().expect("rng"),
        ada.clone(),
        Purpose::Marketing,
        None,
        ConsentStatus::Given,
        &at(1_600_000_000_000),
    );
    assert!(a.append(import).is_err());
}
