//! The default marketplace policy, read off the privacy policy text.

use super::{PolicyBuilder, PurposeTerms, Retention, RoleGrant};
use crate::ids::Role;
use crate::pii::Category::{
    Contact, Credential, Engagement, Financial, Identity, Location, Transaction,
};
use crate::purpose::LawfulBasis::{Consent, Contract, LegalObligation, LegitimateInterest};
use crate::purpose::Purpose::{
    CustomerSupport, FraudPrevention, IdentityVerification, LegalCompliance, Marketing,
    OrderFulfilment, PaymentProcessing, Refunds, ServiceImprovement, Shipping,
    TransactionVerification,
};

/// The marketplace default, ready to take the host's recipients, roles
/// and controller details before [`build`](PolicyBuilder::build); here is what it allows.
///
/// ```
/// use custodian::ids::PolicyVersion;
/// use custodian::pii::Category;
/// use custodian::policy::{marketplace, Rule};
/// use custodian::purpose::{LawfulBasis, Purpose};
/// use custodian::time::Timestamp;
///
/// let policy = marketplace().build(PolicyVersion::new("2025-06"), Timestamp::EPOCH)?;
/// assert!(matches!(
///     policy.rule(Category::Location, Purpose::Shipping),
///     Some(Rule::Allow { basis: LawfulBasis::Contract, .. })
/// ));
/// assert!(policy.purpose_terms(Purpose::Marketing).unwrap().is_consent_only());
/// # Ok::<(), custodian::policy::PolicyError>(())
/// ```
///
/// | purpose | categories (basis) | retention |
/// |---|---|---|
/// | transaction verification | contact, identity, financial, transaction (contract); engagement (legitimate interest) | 90 days |
/// | order fulfilment | contact, identity, location, transaction (contract) | 3 years |
/// | shipping | contact, identity, location, transaction (contract); processors may receive it | 90 days |
/// | payment processing | identity, location, financial, transaction, contact (contract); processors may receive it | 3 years |
/// | refunds | contact, identity, location, financial, transaction (contract); processors may receive it | 3 years |
/// | customer support | contact, identity, location, financial, transaction (contract) | 2 years |
/// | identity verification | identity, contact, credential (contract) | 3 years |
/// | fraud prevention | contact, identity, location, financial, transaction, engagement (legitimate interest) | 1 year |
/// | service improvement | engagement, transaction (legitimate interest, documented; consent noted where given) | 14 months |
/// | marketing | contact, identity, engagement, transaction (consent only; GPC opts out); location, financial, credential forbidden | until withdrawn |
/// | legal compliance | contact, identity, location, financial, transaction (legal obligation) | 10 years after the end of the year |
///
/// Credentials are used for identity verification only, and forbidden for
/// every other purpose that could reach a person.
///
/// Roles: `support_agent` reveals contact, identity and transaction data
/// for support and refunds; `warehouse` reveals the delivery address and
/// name for fulfilment and shipping; `fraud_analyst` reveals contact,
/// identity, location, transaction and engagement data for fraud
/// prevention; `finance` reveals financial and transaction data for
/// payments, refunds and legal compliance. No role may reveal
/// credentials.
///
/// Recipients are the host's own (its carriers, payment provider): add
/// them with [`PolicyBuilder::recipient`] before building.
pub fn marketplace() -> PolicyBuilder {
    let b = PolicyBuilder::default()
        .subject_category("customers")
        .security_measure("personal data fields sealed with AES-256-GCM under per-subject keys derived with HKDF-SHA256")
        .security_measure("encrypted transfer (TLS) to every recipient")
        .security_measure("masked display by default; role- and purpose-checked reveals")
        .security_measure("tamper-evident audit log of every reveal, disclosure and consent change")
        .security_measure("periodic security audits and vulnerability remediation");
    let b = purposes(b);
    let b = rules(b);
    roles(b)
}

fn purposes(b: PolicyBuilder) -> PolicyBuilder {
    let terms = |p, r, d: &str| PurposeTerms::new(p, r).description(d);
    b.purpose(terms(
        TransactionVerification,
        Retention::Days(90),
        "checking that orders and payments are genuine",
    ))
    .purpose(terms(
        OrderFulfilment,
        Retention::Years(3),
        "taking, preparing and dispatching orders",
    ))
    .purpose(
        terms(
            Shipping,
            Retention::Days(90),
            "delivering orders through carriers",
        )
        .processor_disclosure(),
    )
    .purpose(
        terms(
            PaymentProcessing,
            Retention::Years(3),
            "charging and reconciling payments through the payment provider",
        )
        .processor_disclosure(),
    )
    .purpose(
        terms(
            Refunds,
            Retention::Years(3),
            "refunds, returns and payment disputes",
        )
        .processor_disclosure(),
    )
    .purpose(terms(
        CustomerSupport,
        Retention::Years(2),
        "answering customer requests",
    ))
    .purpose(terms(
        IdentityVerification,
        Retention::Years(3),
        "confirming account holders' identity",
    ))
    .purpose(terms(
        FraudPrevention,
        Retention::Years(1),
        "detecting and preventing fraud and abuse",
    ))
    .purpose(terms(
        ServiceImprovement,
        Retention::Months(14),
        "improving the platform from engagement records",
    ))
    .purpose(
        terms(
            Marketing,
            Retention::UntilWithdrawn,
            "newsletters and offers",
        )
        .consent_only()
        .gpc_opt_out(),
    )
    .purpose(terms(
        LegalCompliance,
        Retention::YearsAfterEndOfYear(10),
        "keeping commercial and tax records the law requires",
    ))
}

fn rules(b: PolicyBuilder) -> PolicyBuilder {
    let mut b = b;
    let contract = [
        (
            TransactionVerification,
            &[Contact, Identity, Financial, Transaction][..],
        ),
        (OrderFulfilment, &[Contact, Identity, Location, Transaction]),
        (Shipping, &[Contact, Identity, Location, Transaction]),
        (
            PaymentProcessing,
            &[Identity, Location, Financial, Transaction, Contact],
        ),
        (
            Refunds,
            &[Contact, Identity, Location, Financial, Transaction],
        ),
        (
            CustomerSupport,
            &[Contact, Identity, Location, Financial, Transaction],
        ),
        (IdentityVerification, &[Identity, Contact, Credential]),
    ];
    for (purpose, categories) in contract {
        for &c in categories {
            b = b.allow(c, purpose, Contract);
        }
    }
    b = b.allow_documented(
        Engagement,
        TransactionVerification,
        LegitimateInterest,
        "device and session signals checked against the order; objection honoured",
    );
    for c in [
        Contact,
        Identity,
        Location,
        Financial,
        Transaction,
        Engagement,
    ] {
        b = b.allow_documented(
            c,
            FraudPrevention,
            LegitimateInterest,
            "fraud prevention is a legitimate interest (GDPR recital 47)",
        );
    }
    for c in [Engagement, Transaction] {
        b = b.allow_documented(
            c,
            ServiceImprovement,
            LegitimateInterest,
            "pseudonymised, aggregated analysis; opt-out honoured; a consent, where given, is recorded",
        );
    }
    for c in [Contact, Identity, Engagement, Transaction] {
        b = b.allow(c, Marketing, Consent);
    }
    for c in [Location, Financial, Credential] {
        b = b.forbid(c, Marketing);
    }
    for c in [Contact, Identity, Location, Financial, Transaction] {
        b = b.allow(c, LegalCompliance, LegalObligation);
    }
    for p in [
        TransactionVerification,
        OrderFulfilment,
        Shipping,
        PaymentProcessing,
        Refunds,
        CustomerSupport,
        FraudPrevention,
        ServiceImprovement,
        LegalCompliance,
    ] {
        b = b.forbid(Credential, p);
    }
    b
}

fn roles(b: PolicyBuilder) -> PolicyBuilder {
    b.role(RoleGrant::new(Role::new("support_agent")).reveal(
        &[Contact, Identity, Transaction],
        &[CustomerSupport, Refunds],
    ))
    .role(
        RoleGrant::new(Role::new("warehouse"))
            .reveal(&[Location, Identity], &[OrderFulfilment, Shipping]),
    )
    .role(RoleGrant::new(Role::new("fraud_analyst")).reveal(
        &[Contact, Identity, Location, Transaction, Engagement],
        &[FraudPrevention],
    ))
    .role(RoleGrant::new(Role::new("finance")).reveal(
        &[Financial, Transaction],
        &[PaymentProcessing, Refunds, LegalCompliance],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PolicyVersion;
    use crate::pii::Category;
    use crate::policy::Rule;
    use crate::purpose::Purpose;
    use crate::time::Timestamp;

    #[test]
    fn the_default_builds_and_covers_every_built_in_pair() {
        let policy = marketplace()
            .build(PolicyVersion::new("1"), Timestamp::EPOCH)
            .unwrap();
        assert_eq!(policy.purposes().len(), Purpose::BUILT_IN.len());
        assert!(policy.material_changes().is_empty());
        // Every purpose declares its use of credentials, one way or the other.
        for p in Purpose::BUILT_IN {
            assert!(policy.rule(Category::Credential, p).is_some(), "{p}");
        }
        assert_eq!(
            policy.rule(Category::Financial, Purpose::Marketing),
            Some(&Rule::Forbid)
        );
        let disclosed: Vec<_> = policy
            .purposes()
            .iter()
            .filter(|t| t.allows_processor_disclosure())
            .map(|t| t.purpose())
            .collect();
        assert_eq!(disclosed, [Shipping, PaymentProcessing, Refunds]);
        let gpc: Vec<_> = policy
            .purposes()
            .iter()
            .filter(|t| t.is_gpc_opt_out())
            .map(|t| t.purpose())
            .collect();
        assert_eq!(gpc, [Marketing]);
    }
}
