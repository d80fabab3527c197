use super::*;
use crate::disclosure::{Agreement, Recipient, RecipientKind};
use crate::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference, Role};
use crate::policy::{Controller, PolicyBuilder, RoleGrant, marketplace};
use crate::purpose::LawfulBasis;

fn t(secs: u64) -> Timestamp {
    Timestamp::from_unix_secs(secs).unwrap()
}

fn build(b: PolicyBuilder, label: &'static str) -> Policy {
    b.build(PolicyVersion::new(label), t(0)).unwrap()
}

/// A small policy: shipping to a carrier, marketing on consent, a
/// warehouse role.
fn base() -> PolicyBuilder {
    Policy::builder()
        .controller(Controller {
            name: "Shop".into(),
            contact: "privacy@shop.example".into(),
            policy_url: String::new(),
        })
        .subject_category("customers")
        .security_measure("field-level encryption")
        .purpose(PurposeTerms::new(Purpose::Shipping, Retention::Days(90)).processor_disclosure())
        .purpose(PurposeTerms::new(Purpose::Marketing, Retention::Months(24)).consent_only())
        .purpose(PurposeTerms::new(
            Purpose::ServiceImprovement,
            Retention::Years(1),
        ))
        .allow(Category::Location, Purpose::Shipping, LawfulBasis::Contract)
        .allow(Category::Contact, Purpose::Marketing, LawfulBasis::Consent)
        .allow(
            Category::Engagement,
            Purpose::ServiceImprovement,
            LawfulBasis::LegitimateInterest,
        )
        .role(
            RoleGrant::new(Role::new("warehouse"))
                .reveal(&[Category::Location], &[Purpose::Shipping]),
        )
        .recipient(carrier(Agreement::new(
            Reference::new("DPA-1"),
            &[Category::Location],
            &[Purpose::Shipping],
        )))
}

fn carrier(agreement: Agreement) -> Recipient {
    Recipient::new(RecipientId::new("dhl"), "DHL", RecipientKind::Carrier)
        .country(Jurisdiction::new("DE"))
        .agreement(agreement)
}

fn diff(old: PolicyBuilder, new: PolicyBuilder) -> PolicyDiff {
    PolicyDiff::between(&build(old, "1"), &build(new, "2"))
}

#[test]
fn identical_versions_differ_in_nothing() {
    let d = diff(base(), base());
    assert!(d.is_empty());
    assert!(d.only_adds_protections());
    assert!(d.to_markdown().contains("Nothing else changed."));
}

#[test]
fn each_protective_change_alone_only_adds_protections() {
    // A new purpose is new processing; a new security measure protects.
    let refunds = PurposeTerms::new(Purpose::Refunds, Retention::Days(1));
    assert!(!diff(base(), base().purpose(refunds)).only_adds_protections());
    assert!(diff(base(), base().security_measure("HSM-held root keys")).only_adds_protections());

    // 24 months last at least 24 × 28 = 672 days: 672 days are never
    // longer, 673 may be.
    let with_marketing = |r: Retention| {
        let mut b = base();
        b.purposes[1] = PurposeTerms::new(Purpose::Marketing, r).consent_only();
        b
    };
    let d = diff(base(), with_marketing(Retention::Days(672)));
    assert!(d.only_adds_protections(), "{d:?}");
    assert!(!diff(base(), with_marketing(Retention::Days(673))).only_adds_protections());
    assert!(diff(base(), with_marketing(Retention::Months(23))).only_adds_protections());
    assert!(!diff(base(), with_marketing(Retention::UntilWithdrawn)).only_adds_protections());

    // Switching GPC opt-out on, processor disclosure off.
    let mut gpc = base();
    gpc.purposes[1] = gpc.purposes[1].clone().gpc_opt_out();
    assert!(diff(base(), gpc.clone()).only_adds_protections());
    assert!(!diff(gpc, base()).only_adds_protections());

    // Removing a purpose with its rules, a role, a recipient.
    let mut fewer = base();
    fewer.purposes.remove(2);
    fewer.rules.remove(2);
    fewer.roles.clear();
    fewer.recipients.clear();
    let d = diff(base(), fewer.clone());
    assert!(d.only_adds_protections(), "{d:?}");
    assert_eq!(d.purposes[0].change, ChangeKind::Removed);
    assert_eq!(d.roles[0].change, ChangeKind::Removed);
    assert_eq!(d.recipients[0].change, ChangeKind::Removed);
    // ... and the other way round adds all of them back: not protective.
    let back = diff(fewer, base());
    assert!(!back.only_adds_protections());
    assert!(back.purposes.iter().all(|c| !c.protective));
}

#[test]
fn rules_are_protective_only_when_they_allow_less() {
    let with_rule = |rule: Option<Rule>| {
        let mut b = base();
        b.rules.remove(2);
        if let Some(rule) = rule {
            b = b.rule(Category::Engagement, Purpose::ServiceImprovement, rule);
        }
        b
    };
    let allow = |basis| Rule::Allow {
        basis,
        documentation: None,
    };
    let cases = [
        (Some(Rule::Forbid), true),
        (None, true),
        (Some(allow(LawfulBasis::Consent)), true),
        (Some(allow(LawfulBasis::Contract)), false),
        (
            Some(Rule::Allow {
                basis: LawfulBasis::LegitimateInterest,
                documentation: Some("LIA-2".into()),
            }),
            false,
        ),
    ];
    for (rule, protective) in cases {
        let d = diff(base(), with_rule(rule.clone()));
        assert_eq!(d.categories.len(), 1, "{rule:?}");
        assert_eq!(d.categories[0].protective, protective, "{rule:?}");
        assert_eq!(d.only_adds_protections(), protective, "{rule:?}");
    }
    // Forbidden → allowed is never protective.
    let d = diff(with_rule(Some(Rule::Forbid)), base());
    assert_eq!(d.categories[0].before, RuleView::Forbid);
    assert!(!d.only_adds_protections());
}

#[test]
fn agreements_are_protective_only_when_narrowed() {
    let with_agreement = |a: Agreement| {
        let mut b = base();
        b.recipients = vec![carrier(a)];
        b
    };
    let dpa = |cs: &[Category], ps: &[Purpose]| Agreement::new(Reference::new("DPA-1"), cs, ps);
    let wide = dpa(
        &[Category::Location, Category::Contact],
        &[Purpose::Shipping],
    );
    let mut b = with_agreement(wide.clone());
    b = b.allow(Category::Contact, Purpose::Shipping, LawfulBasis::Contract);
    let mut narrow_b = with_agreement(dpa(&[Category::Location], &[Purpose::Shipping]));
    narrow_b = narrow_b.allow(Category::Contact, Purpose::Shipping, LawfulBasis::Contract);
    let d = diff(b.clone(), narrow_b.clone());
    assert!(d.only_adds_protections(), "{d:?}");
    assert!(matches!(
        d.recipients[0].details[0],
        RecipientDetail::AgreementChanged { narrowed: true, .. }
    ));
    assert!(!diff(narrow_b, b.clone()).only_adds_protections());
    // An end date brought forward narrows; one pushed back does not.
    let ending = |until| {
        with_agreement(dpa(&[Category::Location], &[Purpose::Shipping]).valid(t(0), Some(t(until))))
    };
    assert!(diff(ending(100), ending(50)).only_adds_protections());
    assert!(!diff(ending(50), ending(100)).only_adds_protections());
    assert!(diff(base(), ending(100)).only_adds_protections());
    // A new agreement, or a move abroad, is not a protection.
    let mut second = base();
    second.recipients[0] = second.recipients[0].clone().agreement(Agreement::new(
        Reference::new("DPA-2"),
        &[Category::Location],
        &[Purpose::Shipping],
    ));
    let d = diff(base(), second);
    assert!(matches!(
        d.recipients[0].details[0],
        RecipientDetail::AgreementAdded { .. }
    ));
    assert!(!d.only_adds_protections());
    let mut abroad = base();
    abroad.recipients[0] = abroad.recipients[0]
        .clone()
        .country(Jurisdiction::new("US"));
    assert!(!diff(base(), abroad).only_adds_protections());
}

#[test]
fn general_parts_and_roles_count() {
    let mut other = base();
    other.controller.name = "Other Shop".into();
    assert!(!diff(base(), other).only_adds_protections());
    let mut fewer_measures = base();
    fewer_measures.security_measures.clear();
    assert!(!diff(base(), fewer_measures).only_adds_protections());
    assert!(!diff(base(), base().subject_category("sellers")).only_adds_protections());
    let more_reveal = base().role(
        RoleGrant::new(Role::new("support")).reveal(&[Category::Location], &[Purpose::Shipping]),
    );
    let d = diff(base(), more_reveal.clone());
    assert_eq!(d.roles[0].added.len(), 1);
    assert!(!d.only_adds_protections());
    assert!(diff(more_reveal, base()).only_adds_protections());
    // Letting consent lift an objection is not a protection; stopping it is.
    let lifts = base().consent_lifts_objection(Purpose::Marketing);
    assert!(!diff(base(), lifts.clone()).only_adds_protections());
    assert!(diff(lifts, base()).only_adds_protections());
}

#[test]
fn the_announcement_renders_as_markdown_and_json() {
    let old = build(marketplace(), "1");
    let mut b = marketplace()
        .material_change(Purpose::Marketing)
        .security_measure("quarterly key rotation")
        .announced(t(0));
    b.purposes
        .retain(|p| p.purpose() != Purpose::ServiceImprovement);
    b.rules
        .retain(|(_, p, _)| *p != Purpose::ServiceImprovement);
    b.roles.iter_mut().for_each(|g| {
        *g = RoleGrant::new(g.role().clone()).reveal(
            &g.pairs()
                .iter()
                .filter(|(_, p)| *p != Purpose::ServiceImprovement)
                .map(|&(c, _)| c)
                .collect::<Vec<_>>(),
            &g.pairs()
                .iter()
                .filter(|(_, p)| *p != Purpose::ServiceImprovement)
                .map(|&(_, p)| p)
                .collect::<Vec<_>>(),
        );
    });
    let new = build(b, "2");
    let d = PolicyDiff::between(&old, &new);
    let md = d.to_markdown();
    assert!(md.starts_with("# Policy 2 replaces 1\n"), "{md}");
    assert!(md.contains("- Announced: 1970-01-01T00:00:00.000Z"), "{md}");
    assert!(
        md.contains("- This version changes what is processed and how."),
        "{md}"
    );
    assert!(
        md.contains("- **Marketing** (`marketing`) changed materially\n"),
        "{md}"
    );
    assert!(
        md.contains("- **Service improvement** (`service_improvement`) removed (protective)"),
        "{md}"
    );
    assert!(md.contains("- Security measure added: quarterly key rotation (protective)"));
    let json: serde_json::Value = serde_json::from_str(&d.to_json().unwrap()).unwrap();
    assert_eq!(json["from"], "1");
    assert_eq!(json["only_adds_protections"], false);
    assert_eq!(
        json["security_measures"]["added"][0],
        "quarterly key rotation"
    );
    let removed = json["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["change"] == "removed")
        .unwrap();
    assert_eq!(removed["purpose"], "service_improvement");
    assert_eq!(json["controller"], serde_json::Value::Null);
}
