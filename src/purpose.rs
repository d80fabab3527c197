//! Why personal data is processed, and on which lawful basis.
//!
//! [`Purpose`] names the purposes the privacy policy allows ("transaction
//! verification, product dispatch, refund administration, client
//! assistance, service refinement, and identity confirmation", plus order
//! logistics, payment processing, fraud mitigation and what the law
//! requires), and lets the host add its own. [`LawfulBasis`] names the GDPR
//! Art. 6(1) ground a purpose rests on.
//!
//! Every value has three spellings, all of which parse and print:
//!
//! - a stable snake_case **key** (`payment_processing`), used in serialized
//!   forms and audit entries;
//! - a **fideslang** key (`essential.service.payment_processing`), so policies
//!   and data maps written for Ethyca fides line up;
//! - a **W3C DPV** term (`PaymentManagement`, IRI
//!   `https://w3id.org/dpv#PaymentManagement`).
//!
//! | purpose | key | fideslang | DPV |
//! |---|---|---|---|
//! | [`TransactionVerification`](Purpose::TransactionVerification) | `transaction_verification` | `essential.service.security` | `Verification` |
//! | [`OrderFulfilment`](Purpose::OrderFulfilment) | `order_fulfilment` | `essential.service.operations` | `CustomerOrderManagement` |
//! | [`Shipping`](Purpose::Shipping) | `shipping` | `essential.service.operations.shipping` ¹ | `DeliveryOfGoods` |
//! | [`PaymentProcessing`](Purpose::PaymentProcessing) | `payment_processing` | `essential.service.payment_processing` | `PaymentManagement` |
//! | [`Refunds`](Purpose::Refunds) | `refunds` | `essential.service.operations.support.refunds` ¹ | `DisputeManagement` |
//! | [`CustomerSupport`](Purpose::CustomerSupport) | `customer_support` | `essential.service.operations.support` | `CustomerCare` |
//! | [`IdentityVerification`](Purpose::IdentityVerification) | `identity_verification` | `essential.service.authentication` | `IdentityVerification` |
//! | [`FraudPrevention`](Purpose::FraudPrevention) | `fraud_prevention` | `essential.fraud_detection` | `FraudPreventionAndDetection` |
//! | [`ServiceImprovement`](Purpose::ServiceImprovement) | `service_improvement` | `functional.service.improve` | `ImproveExistingProductsAndServices` |
//! | [`Marketing`](Purpose::Marketing) | `marketing` | `marketing` | `DirectMarketing` |
//! | [`LegalCompliance`](Purpose::LegalCompliance) | `legal_compliance` | `essential.legal_obligation` | `LegalCompliance` |
//!
//! ¹ fideslang has no key this specific; these are custom children of the
//! standard key above them, which fides allows and matches through its
//! ancestor rules. Every spelling maps to exactly one purpose, so parsing
//! what was printed always gives the same purpose back.
//!
//! ```
//! use custodian::purpose::{LawfulBasis, Purpose};
//!
//! let p: Purpose = "essential.service.payment_processing".parse()?;
//! assert_eq!(p, Purpose::PaymentProcessing);
//! assert_eq!(p.key(), "payment_processing");
//! assert_eq!(Purpose::Shipping.dpv(), Some("DeliveryOfGoods"));
//! assert_eq!("dpv:DirectMarketing".parse::<Purpose>()?, Purpose::Marketing);
//!
//! assert_eq!("Legitimate interests".parse::<LawfulBasis>()?, LawfulBasis::LegitimateInterest);
//! assert_eq!(LawfulBasis::Contract.article(), "Art. 6(1)(b)");
//! # Ok::<(), custodian::purpose::UnknownKey>(())
//! ```
//!
//! # References
//!
//! - GDPR Art. 5(1)(b) (purpose limitation), Art. 6(1) (lawfulness).
//! - fideslang data uses: <https://ethyca.github.io/fideslang/taxonomy/data_uses/>
//! - W3C Data Privacy Vocabulary: <https://w3id.org/dpv>

use core::fmt;

use thiserror::Error;

/// The IRI prefix of W3C DPV terms.
pub const DPV_NAMESPACE: &str = "https://w3id.org/dpv#";

/// A string did not name a known purpose or lawful basis.
///
/// The message never repeats the input: unknown keys can come from
/// untrusted documents, and might carry personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("unknown {what}")]
pub struct UnknownKey {
    what: &'static str,
}

impl UnknownKey {
    /// What was being parsed: `purpose` or `lawful basis`.
    pub const fn what(&self) -> &'static str {
        self.what
    }
}

/// Why personal data is processed.
///
/// Built-in purposes come from the privacy policy; hosts define their own
/// with [`Purpose::host`]. See the [module docs](self) for the spellings.
///
/// Serde writes the snake_case key and reads any spelling of a built-in
/// purpose. Host purposes do not deserialize this way (an unknown key is an
/// error, never a new purpose); read them with [`Purpose::parse_with`] or
/// [`HostTaxonomy`](crate::audit::HostTaxonomy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// Checking that a transaction is genuine and authorised.
    TransactionVerification,
    /// Taking, preparing and dispatching orders.
    OrderFulfilment,
    /// Shipping and delivering goods (carriers are recipients).
    Shipping,
    /// Charging, paying out and reconciling payments.
    PaymentProcessing,
    /// Refunds, returns and payment disputes.
    Refunds,
    /// Answering customers (client assistance).
    CustomerSupport,
    /// Confirming that someone is who they claim to be.
    IdentityVerification,
    /// Detecting and preventing fraud and abuse.
    FraudPrevention,
    /// Improving the platform (service refinement).
    ServiceImprovement,
    /// Direct marketing; needs consent under the policy.
    Marketing,
    /// Keeping records the law requires (tax, accounting, rights requests).
    LegalCompliance,
    /// A purpose the host application defines.
    Host(HostPurpose),
}

/// A host-defined purpose: a snake_case key and optional fideslang and DPV
/// spellings. Built with [`Purpose::host`] or [`Purpose::host_mapped`].
///
/// Equality and hashing use the key only.
#[derive(Clone, Copy, Debug)]
pub struct HostPurpose {
    key: &'static str,
    fideslang: Option<&'static str>,
    dpv: Option<&'static str>,
}

impl PartialEq for HostPurpose {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for HostPurpose {}

impl core::hash::Hash for HostPurpose {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

/// (purpose, key, fideslang, DPV term) for every built-in purpose.
const PURPOSES: [(Purpose, &str, &str, &str); 11] = [
    (
        Purpose::TransactionVerification,
        "transaction_verification",
        "essential.service.security",
        "Verification",
    ),
    (
        Purpose::OrderFulfilment,
        "order_fulfilment",
        "essential.service.operations",
        "CustomerOrderManagement",
    ),
    (
        Purpose::Shipping,
        "shipping",
        "essential.service.operations.shipping",
        "DeliveryOfGoods",
    ),
    (
        Purpose::PaymentProcessing,
        "payment_processing",
        "essential.service.payment_processing",
        "PaymentManagement",
    ),
    (
        Purpose::Refunds,
        "refunds",
        "essential.service.operations.support.refunds",
        "DisputeManagement",
    ),
    (
        Purpose::CustomerSupport,
        "customer_support",
        "essential.service.operations.support",
        "CustomerCare",
    ),
    (
        Purpose::IdentityVerification,
        "identity_verification",
        "essential.service.authentication",
        "IdentityVerification",
    ),
    (
        Purpose::FraudPrevention,
        "fraud_prevention",
        "essential.fraud_detection",
        "FraudPreventionAndDetection",
    ),
    (
        Purpose::ServiceImprovement,
        "service_improvement",
        "functional.service.improve",
        "ImproveExistingProductsAndServices",
    ),
    (
        Purpose::Marketing,
        "marketing",
        "marketing",
        "DirectMarketing",
    ),
    (
        Purpose::LegalCompliance,
        "legal_compliance",
        "essential.legal_obligation",
        "LegalCompliance",
    ),
];

impl Purpose {
    /// Every built-in purpose, in declaration order.
    pub const BUILT_IN: [Purpose; 11] = [
        Self::TransactionVerification,
        Self::OrderFulfilment,
        Self::Shipping,
        Self::PaymentProcessing,
        Self::Refunds,
        Self::CustomerSupport,
        Self::IdentityVerification,
        Self::FraudPrevention,
        Self::ServiceImprovement,
        Self::Marketing,
        Self::LegalCompliance,
    ];

    /// Defines a host purpose with only a key. Meant for `const` items,
    /// where a bad key fails the build:
    ///
    /// ```
    /// use custodian::purpose::Purpose;
    ///
    /// const LOYALTY: Purpose = Purpose::host("loyalty_programme");
    /// assert_eq!(LOYALTY.key(), "loyalty_programme");
    /// assert_eq!(LOYALTY.fideslang(), None);
    /// ```
    ///
    /// # Panics
    ///
    /// Panics (a compile error in a `const` item) if `key` is not 1 to 64
    /// characters of `a-z`, `0-9` and `_` starting with a letter, or if it
    /// equals the key or fideslang key of a built-in purpose.
    pub const fn host(key: &'static str) -> Purpose {
        Self::host_mapped(key, None, None)
    }

    /// Defines a host purpose with fideslang and DPV spellings.
    ///
    /// ```
    /// use custodian::purpose::Purpose;
    ///
    /// const RECS: Purpose = Purpose::host_mapped(
    ///     "recommendations",
    ///     Some("personalize.content"),
    ///     Some("ProvideProductRecommendations"),
    /// );
    /// assert_eq!(Purpose::parse_with("personalize.content", &[RECS]), Ok(RECS));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`Purpose::host`]; also if the fideslang key is not dotted
    /// lower-case segments (`a-z`, `0-9`, `_`), if the DPV term is not
    /// ASCII letters and digits starting with an upper-case letter, or if
    /// either is a built-in purpose's spelling.
    pub const fn host_mapped(
        key: &'static str,
        fideslang: Option<&'static str>,
        dpv: Option<&'static str>,
    ) -> Purpose {
        assert!(
            is_snake_key(key),
            "host purpose keys are snake_case, 1 to 64 characters"
        );
        assert!(
            !is_builtin_spelling(key),
            "host purpose keys differ from built-in ones"
        );
        if let Some(f) = fideslang {
            assert!(
                is_fideslang_key(f),
                "fideslang keys are dotted snake_case segments"
            );
            assert!(
                !is_builtin_spelling(f),
                "host fideslang keys differ from built-in ones"
            );
        }
        if let Some(d) = dpv {
            assert!(is_dpv_term(d), "DPV terms are UpperCamelCase ASCII");
            assert!(
                !is_builtin_spelling(d),
                "host DPV terms differ from built-in ones"
            );
        }
        Purpose::Host(HostPurpose {
            key,
            fideslang,
            dpv,
        })
    }

    /// The stable snake_case key (`payment_processing`, or the host's key).
    pub const fn key(self) -> &'static str {
        match self {
            Self::Host(h) => h.key,
            builtin => builtin_row(builtin).1,
        }
    }

    /// The fideslang data-use key, if the purpose has one (built-ins
    /// always do).
    pub const fn fideslang(self) -> Option<&'static str> {
        match self {
            Self::Host(h) => h.fideslang,
            builtin => Some(builtin_row(builtin).2),
        }
    }

    /// The W3C DPV term (`DeliveryOfGoods`), if the purpose has one
    /// (built-ins always do). Prefix [`DPV_NAMESPACE`] for the IRI.
    pub const fn dpv(self) -> Option<&'static str> {
        match self {
            Self::Host(h) => h.dpv,
            builtin => Some(builtin_row(builtin).3),
        }
    }

    /// Parses a built-in purpose from its key, fideslang key, or DPV term
    /// (bare, `dpv:`-prefixed, or the full IRI).
    ///
    /// # Errors
    ///
    /// [`UnknownKey`] if no built-in purpose is spelled this way. Host
    /// purposes need [`Purpose::parse_with`].
    pub fn parse(s: &str) -> Result<Purpose, UnknownKey> {
        Self::parse_with(s, &[])
    }

    /// Parses a purpose like [`Purpose::parse`], also trying the host
    /// purposes given.
    ///
    /// # Errors
    ///
    /// [`UnknownKey`] if neither a built-in nor one of `host` matches.
    pub fn parse_with(s: &str, host: &[Purpose]) -> Result<Purpose, UnknownKey> {
        let dpv = strip_dpv(s);
        Self::BUILT_IN
            .iter()
            .chain(host)
            .copied()
            .find(|p| p.key() == s || p.fideslang() == Some(s) || (dpv.is_some() && p.dpv() == dpv))
            .ok_or(UnknownKey { what: "purpose" })
    }
}

/// The table row of a built-in purpose. Never called with `Host`.
const fn builtin_row(p: Purpose) -> (Purpose, &'static str, &'static str, &'static str) {
    let index = match p {
        Purpose::TransactionVerification => 0,
        Purpose::OrderFulfilment => 1,
        Purpose::Shipping => 2,
        Purpose::PaymentProcessing => 3,
        Purpose::Refunds => 4,
        Purpose::CustomerSupport => 5,
        Purpose::IdentityVerification => 6,
        Purpose::FraudPrevention => 7,
        Purpose::ServiceImprovement => 8,
        Purpose::Marketing => 9,
        // `key`, `fideslang` and `dpv` handle `Host` before calling.
        Purpose::LegalCompliance | Purpose::Host(_) => 10,
    };
    PURPOSES[index]
}

/// A DPV term from its bare, `dpv:`-prefixed or IRI spelling; `None` if
/// `s` cannot be a DPV term.
fn strip_dpv(s: &str) -> Option<&str> {
    let term = s
        .strip_prefix(DPV_NAMESPACE)
        .or_else(|| s.strip_prefix("dpv:"))
        .unwrap_or(s);
    is_dpv_term(term).then_some(term)
}

const fn is_snake_key(s: &str) -> bool {
    crate::ids::valid_snake_key(s.as_bytes())
}

const fn is_fideslang_key(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 128 || b[0] == b'.' || b[b.len() - 1] == b'.' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let ok = b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b[i] == b'_';
        if !(ok || (b[i] == b'.' && b[i - 1] != b'.')) {
            return false;
        }
        i += 1;
    }
    true
}

const fn is_dpv_term(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 64 || !b[0].is_ascii_uppercase() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            return false;
        }
        i += 1;
    }
    true
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn is_builtin_spelling(s: &str) -> bool {
    let mut i = 0;
    while i < PURPOSES.len() {
        let (_, key, fides, dpv) = PURPOSES[i];
        if str_eq(s, key) || str_eq(s, fides) || str_eq(s, dpv) {
            return true;
        }
        i += 1;
    }
    false
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

crate::string_form::string_form!(Purpose, UnknownKey, key);

/// The lawful basis for processing, GDPR Art. 6(1).
///
/// The policy grounds collection "in user consent and operational
/// necessity"; these are the bases a marketplace relies on. Spellings:
///
/// | basis | key | fideslang | DPV | GDPR |
/// |---|---|---|---|---|
/// | [`Consent`](LawfulBasis::Consent) | `consent` | `Consent` | `Consent` | Art. 6(1)(a) |
/// | [`Contract`](LawfulBasis::Contract) | `contract` | `Contract` | `Contract` | Art. 6(1)(b) |
/// | [`LegalObligation`](LawfulBasis::LegalObligation) | `legal_obligation` | `Legal obligations` | `LegalObligation` | Art. 6(1)(c) |
/// | [`LegitimateInterest`](LawfulBasis::LegitimateInterest) | `legitimate_interest` | `Legitimate interests` | `LegitimateInterest` | Art. 6(1)(f) |
///
/// # References
///
/// GDPR Art. 6(1); fideslang `LegalBasisForProcessingEnum`; DPV legal bases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LawfulBasis {
    /// The subject consented (Art. 6(1)(a)); withdrawable at any time.
    Consent,
    /// Needed to perform a contract with the subject (Art. 6(1)(b)).
    Contract,
    /// Needed to comply with a legal obligation (Art. 6(1)(c)).
    LegalObligation,
    /// The controller's legitimate interests (Art. 6(1)(f)).
    LegitimateInterest,
}

/// (basis, key, fideslang, DPV term, article) for every basis.
const BASES: [(LawfulBasis, &str, &str, &str, &str); 4] = [
    (
        LawfulBasis::Consent,
        "consent",
        "Consent",
        "Consent",
        "Art. 6(1)(a)",
    ),
    (
        LawfulBasis::Contract,
        "contract",
        "Contract",
        "Contract",
        "Art. 6(1)(b)",
    ),
    (
        LawfulBasis::LegalObligation,
        "legal_obligation",
        "Legal obligations",
        "LegalObligation",
        "Art. 6(1)(c)",
    ),
    (
        LawfulBasis::LegitimateInterest,
        "legitimate_interest",
        "Legitimate interests",
        "LegitimateInterest",
        "Art. 6(1)(f)",
    ),
];

impl LawfulBasis {
    /// Every basis, in article order.
    pub const ALL: [LawfulBasis; 4] = [
        Self::Consent,
        Self::Contract,
        Self::LegalObligation,
        Self::LegitimateInterest,
    ];

    const fn row(
        self,
    ) -> (
        LawfulBasis,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        BASES[self as usize]
    }

    /// The stable snake_case key (`legal_obligation`).
    pub const fn key(self) -> &'static str {
        self.row().1
    }

    /// The fideslang `legal_basis_for_processing` value (`Legal obligations`).
    pub const fn fideslang(self) -> &'static str {
        self.row().2
    }

    /// The W3C DPV term (`LegalObligation`).
    pub const fn dpv(self) -> &'static str {
        self.row().3
    }

    /// The GDPR provision (`Art. 6(1)(c)`).
    pub const fn article(self) -> &'static str {
        self.row().4
    }

    /// Parses a basis from its key, fideslang value, or DPV term (bare,
    /// `dpv:`-prefixed, or the full IRI).
    ///
    /// # Errors
    ///
    /// [`UnknownKey`] if nothing matches.
    pub fn parse(s: &str) -> Result<LawfulBasis, UnknownKey> {
        let dpv = strip_dpv(s);
        Self::ALL
            .into_iter()
            .find(|b| b.key() == s || b.fideslang() == s || dpv == Some(b.dpv()))
            .ok_or(UnknownKey {
                what: "lawful basis",
            })
    }
}

impl fmt::Display for LawfulBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

crate::string_form::string_form!(LawfulBasis, UnknownKey, key);

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_spelling_is_unique_and_round_trips() {
        let mut seen = HashSet::new();
        for p in Purpose::BUILT_IN {
            let (key, fides, dpv) = (p.key(), p.fideslang().unwrap(), p.dpv().unwrap());
            assert!(is_snake_key(key) && is_fideslang_key(fides) && is_dpv_term(dpv));
            for s in [key, fides, dpv] {
                assert_eq!(Purpose::parse(s), Ok(p), "{s}");
            }
            assert!(seen.insert(key));
            assert!(seen.insert(fides) || fides == key, "{fides}");
            assert!(seen.insert(dpv));
            assert_eq!(Purpose::parse(&format!("{DPV_NAMESPACE}{dpv}")), Ok(p));
            assert_eq!(Purpose::parse(&format!("dpv:{dpv}")), Ok(p));
        }
        for b in LawfulBasis::ALL {
            for s in [b.key(), b.fideslang(), b.dpv()] {
                assert_eq!(LawfulBasis::parse(s), Ok(b));
            }
            assert_eq!(b.row().0, b);
        }
    }

    #[test]
    fn table_rows_match_their_variants() {
        for (i, p) in Purpose::BUILT_IN.iter().enumerate() {
            assert_eq!(PURPOSES[i].0, *p);
            assert_eq!(builtin_row(*p).0, *p);
        }
    }

    #[test]
    fn unknown_spellings_are_refused_without_echo() {
        for s in [
            "",
            "Marketing",
            "marketing.advertising",
            "dpv:",
            "ada@example.com",
        ] {
            let err = Purpose::parse(s).unwrap_err();
            assert_eq!(err.to_string(), "unknown purpose");
        }
        assert_eq!(
            LawfulBasis::parse("vital").unwrap_err().to_string(),
            "unknown lawful basis"
        );
    }

    #[test]
    fn host_purposes_parse_only_when_given() {
        const LOYALTY: Purpose = Purpose::host_mapped("loyalty", Some("marketing.loyalty"), None);
        assert!(Purpose::parse("loyalty").is_err());
        assert_eq!(Purpose::parse_with("loyalty", &[LOYALTY]), Ok(LOYALTY));
        assert_eq!(
            Purpose::parse_with("marketing.loyalty", &[LOYALTY]),
            Ok(LOYALTY)
        );
        assert_eq!(LOYALTY.dpv(), None);
    }

    #[test]
    #[should_panic(expected = "differ from built-in")]
    fn host_purposes_cannot_shadow_built_ins() {
        let _ = Purpose::host("marketing");
    }

    #[test]
    #[should_panic(expected = "snake_case")]
    fn host_keys_are_checked() {
        let _ = Purpose::host("Loyalty Programme");
    }

    #[test]
    fn serde_uses_the_key_and_accepts_aliases() {
        let json = serde_json::to_string(&[Purpose::Refunds, Purpose::Marketing]).unwrap();
        assert_eq!(json, r#"["refunds","marketing"]"#);
        let back: Vec<Purpose> =
            serde_json::from_str(r#"["refunds","essential.fraud_detection","CustomerCare"]"#)
                .unwrap();
        assert_eq!(
            back,
            [
                Purpose::Refunds,
                Purpose::FraudPrevention,
                Purpose::CustomerSupport
            ]
        );
        let basis: LawfulBasis = serde_json::from_str(r#""Legal obligations""#).unwrap();
        assert_eq!(
            serde_json::to_string(&basis).unwrap(),
            r#""legal_obligation""#
        );
    }
}
