//! The privacy policy as a value: which category of data may be used for
//! which purpose, on which lawful basis, by which staff roles, and shared
//! with which recipients; versioned, with the time each version takes
//! effect.
//!
//! A [`Policy`] is one version. It holds
//!
//! - the **purposes** it declares ([`PurposeTerms`]): a description, a
//!   typed [`Retention`], whether the purpose is consent-only, whether
//!   processors may receive data for it under an agreement without further
//!   consent (delivery, shipping, payment), and whether a Global Privacy
//!   Control signal opts the subject out of it;
//! - a **rule** per category × purpose ([`Rule`]): allowed on a
//!   [`LawfulBasis`], or forbidden. A pair with no rule is a *gap*: every
//!   use of it is refused and reported as a gap, so the host can fix the
//!   policy;
//! - **role grants** ([`RoleGrant`]): which staff role may reveal which
//!   categories for which purposes;
//! - **recipients** ([`Recipient`]) with their agreements;
//! - the purposes whose terms changed **materially** since the previous
//!   version: consents given before are not counted for them until the
//!   subject consents again;
//! - the controller, the categories of data subjects and the security
//!   measures, for the record of processing ([`record`]).
//!
//! A [`PolicySchedule`] holds several versions at once and answers which
//! one is in force at a given time: before a new version's effective time
//! the previous one stays in force (the privacy policy's "Policy Revisions"
//! section), and the switch happens at that instant without a reload.
//! Each version after the first records when it was announced, and the
//! schedule refuses one that takes effect before its announcement plus a
//! notice period, unless it only adds protections ([`diff`]).
//!
//! [`PolicyDiff`] is the typed difference between two versions, rendered
//! as Markdown and JSON for the announcements page.
//!
//! Policies are built in code with [`Policy::builder`] (or from the
//! marketplace default, [`marketplace`]), or loaded from JSON with
//! [`load`]. Either way they are validated: a policy that contradicts
//! itself is refused with a [`PolicyError`] naming the rule, category and
//! purpose at fault.
//!
//! ```
//! use custodian::ids::{PolicyVersion, Role};
//! use custodian::pii::Category;
//! use custodian::policy::{Policy, PurposeTerms, Retention, RoleGrant};
//! use custodian::purpose::{LawfulBasis, Purpose};
//! use custodian::time::Timestamp;
//!
//! let policy = Policy::builder()
//!     .purpose(PurposeTerms::new(Purpose::Shipping, Retention::Days(90)).processor_disclosure())
//!     .purpose(PurposeTerms::new(Purpose::Marketing, Retention::UntilWithdrawn).consent_only())
//!     .allow(Category::Location, Purpose::Shipping, LawfulBasis::Contract)
//!     .allow(Category::Contact, Purpose::Marketing, LawfulBasis::Consent)
//!     .forbid(Category::Location, Purpose::Marketing)
//!     .role(RoleGrant::new(Role::new("warehouse")).reveal(&[Category::Location], &[Purpose::Shipping]))
//!     .build(PolicyVersion::new("1"), Timestamp::EPOCH)?;
//! assert_eq!(policy.version().as_str(), "1");
//!
//! // Declaring marketing necessary contradicts its consent-only terms.
//! let err = Policy::builder()
//!     .purpose(PurposeTerms::new(Purpose::Marketing, Retention::UntilWithdrawn).consent_only())
//!     .allow(Category::Contact, Purpose::Marketing, LawfulBasis::Contract)
//!     .build(PolicyVersion::new("2"), Timestamp::EPOCH)
//!     .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "rules[0] (category contact, purpose marketing): the purpose is consent-only, \
//!      but the rule allows it on basis contract"
//! );
//! # Ok::<(), custodian::policy::PolicyError>(())
//! ```
//!
//! # References
//!
//! GDPR Art. 5(1)(b) (purpose limitation), Art. 6(1) (lawful bases),
//! Art. 7 (consent), Art. 28 (processors), Art. 30 (records of processing).

mod builder;
mod default_policy;
pub mod diff;
mod error;
pub mod load;
pub mod record;
pub(crate) mod schedule;
pub mod taxonomy;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use builder::PolicyBuilder;
pub use default_policy::marketplace;
pub use diff::PolicyDiff;
pub use error::PolicyError;
pub use schedule::{DEFAULT_NOTICE_PERIOD, PolicySchedule};

use crate::disclosure::Recipient;
use crate::ids::{PolicyVersion, RecipientId, Role};
use crate::pii::Category;
use crate::purpose::{LawfulBasis, Purpose};
use crate::time::Timestamp;

/// What a policy says about one category × purpose pair.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The use is allowed on this lawful basis.
    ///
    /// - [`Consent`](LawfulBasis::Consent): only while the subject's
    ///   consent for the purpose is valid.
    /// - [`LegitimateInterest`](LawfulBasis::LegitimateInterest): allowed
    ///   unless the subject objected to, refused or withdrew from the
    ///   purpose (GDPR Art. 21(1)); a valid consent, if the subject gave
    ///   one, is reported beside the basis.
    /// - [`Contract`](LawfulBasis::Contract) and
    ///   [`LegalObligation`](LawfulBasis::LegalObligation): allowed without
    ///   consulting the consent ledger, except that an objection to direct
    ///   marketing always stops marketing (Art. 21(3)).
    Allow {
        /// The lawful basis.
        basis: LawfulBasis,
        /// Where the choice of basis is documented (a legitimate-interest
        /// assessment, a contract clause); shown in the record of
        /// processing.
        documentation: Option<String>,
    },
    /// The use is not allowed, whatever the subject consents to.
    Forbid,
}

/// How long data kept for a purpose is retained, for the record of
/// processing (GDPR Art. 30(1)(f)).
///
/// Serialized as `{"days": 90}`, `{"months": 24}`, `{"years": 3}`,
/// `{"years_after_end_of_year": 10}` or `"until_withdrawn"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Retention {
    /// This many days after collection.
    Days(u32),
    /// This many calendar months after collection.
    Months(u32),
    /// This many years after collection.
    Years(u32),
    /// This many years after the end of the calendar year of the record
    /// (commercial and tax records, e.g. HGB §257, AO §147).
    YearsAfterEndOfYear(u32),
    /// Until the subject withdraws consent for the purpose.
    UntilWithdrawn,
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match *self {
            Self::Days(n) => write!(f, "{n} day{} after collection", plural(n)),
            Self::Months(n) => write!(f, "{n} month{} after collection", plural(n)),
            Self::Years(n) => write!(f, "{n} year{} after collection", plural(n)),
            Self::YearsAfterEndOfYear(n) => {
                write!(
                    f,
                    "{n} year{} after the end of the calendar year",
                    plural(n)
                )
            }
            Self::UntilWithdrawn => f.write_str("until consent is withdrawn"),
        }
    }
}

/// The terms of one purpose in a policy.
///
/// ```
/// use custodian::policy::{PurposeTerms, Retention};
/// use custodian::purpose::Purpose;
///
/// let terms = PurposeTerms::new(Purpose::Marketing, Retention::UntilWithdrawn)
///     .consent_only()
///     .gpc_opt_out()
///     .description("newsletters and offers by e-mail");
/// assert!(terms.is_consent_only());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurposeTerms {
    purpose: Purpose,
    retention: Retention,
    description: String,
    consent_only: bool,
    processor_disclosure: bool,
    gpc_opt_out: bool,
}

impl PurposeTerms {
    /// Terms for `purpose`, kept for `retention`.
    pub fn new(purpose: Purpose, retention: Retention) -> Self {
        Self {
            purpose,
            retention,
            description: String::new(),
            consent_only: false,
            processor_disclosure: false,
            gpc_opt_out: false,
        }
    }

    /// A plain-language description, for the record of processing.
    #[must_use]
    pub fn description(mut self, text: &str) -> Self {
        text.clone_into(&mut self.description);
        self
    }

    /// The purpose may rest on consent only: a rule allowing it on any
    /// other basis is a contradiction.
    #[must_use]
    pub fn consent_only(mut self) -> Self {
        self.consent_only = true;
        self
    }

    /// Recipients under a valid agreement may receive data for this
    /// purpose without the subject's further consent. The privacy policy
    /// allows this for "order delivery, shipping, and payment processing"
    /// only.
    #[must_use]
    pub fn processor_disclosure(mut self) -> Self {
        self.processor_disclosure = true;
        self
    }

    /// A Global Privacy Control signal (`Sec-GPC: 1`) opts the subject out
    /// of this purpose: use it for marketing and for any sale or sharing
    /// of personal data (CCPA regs §7025).
    #[must_use]
    pub fn gpc_opt_out(mut self) -> Self {
        self.gpc_opt_out = true;
        self
    }

    /// The purpose.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// How long its data is kept.
    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// The description (may be empty).
    pub fn description_text(&self) -> &str {
        &self.description
    }

    /// Whether the purpose rests on consent only.
    pub fn is_consent_only(&self) -> bool {
        self.consent_only
    }

    /// Whether processors under agreement may receive data for it without
    /// further consent.
    pub fn allows_processor_disclosure(&self) -> bool {
        self.processor_disclosure
    }

    /// Whether a GPC signal opts the subject out of it.
    pub fn is_gpc_opt_out(&self) -> bool {
        self.gpc_opt_out
    }
}

/// The right of a staff role to reveal categories for purposes.
///
/// ```
/// use custodian::ids::Role;
/// use custodian::pii::Category;
/// use custodian::policy::RoleGrant;
/// use custodian::purpose::Purpose;
///
/// let support = RoleGrant::new(Role::new("support_agent"))
///     .reveal(&[Category::Contact, Category::Transaction], &[Purpose::CustomerSupport]);
/// assert!(support.may_reveal(Category::Contact, Purpose::CustomerSupport));
/// assert!(!support.may_reveal(Category::Financial, Purpose::CustomerSupport));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleGrant {
    role: Role,
    reveal: Vec<(Category, Purpose)>,
}

impl RoleGrant {
    /// A grant for `role` that allows nothing yet.
    pub fn new(role: Role) -> Self {
        Self {
            role,
            reveal: Vec::new(),
        }
    }

    /// Allows revealing each of `categories` for each of `purposes`.
    #[must_use]
    pub fn reveal(mut self, categories: &[Category], purposes: &[Purpose]) -> Self {
        for &c in categories {
            for &p in purposes {
                if !self.reveal.contains(&(c, p)) {
                    self.reveal.push((c, p));
                }
            }
        }
        self
    }

    /// The role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// Whether the role may reveal `category` for `purpose`.
    pub fn may_reveal(&self, category: Category, purpose: Purpose) -> bool {
        self.reveal.contains(&(category, purpose))
    }

    /// Every (category, purpose) pair the role may reveal.
    pub fn pairs(&self) -> &[(Category, Purpose)] {
        &self.reveal
    }
}

/// Who is responsible for the processing (GDPR Art. 30(1)(a)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    /// The controller's name.
    pub name: String,
    /// How to reach the controller or its data protection officer.
    pub contact: String,
    /// Where the privacy notice is published (the receipt's `policyUrl`).
    #[serde(default)]
    pub policy_url: String,
}

/// One version of a privacy policy. Built with [`Policy::builder`] or
/// loaded with [`load`]; always valid once built.
#[derive(Clone, Debug)]
pub struct Policy {
    version: PolicyVersion,
    effective_from: Timestamp,
    announced: Option<Timestamp>,
    controller: Controller,
    subject_categories: Vec<String>,
    security_measures: Vec<String>,
    host_categories: Vec<Category>,
    purposes: Vec<PurposeTerms>,
    /// `rules[category_slot * purposes.len() + purpose_slot]`.
    rules: Vec<Option<Rule>>,
    roles: Vec<RoleGrant>,
    recipients: Vec<Recipient>,
    material_changes: Vec<Purpose>,
    objection_lifted_by_consent: Vec<Purpose>,
}

impl Policy {
    /// Starts an empty policy.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// The version label.
    pub fn version(&self) -> &PolicyVersion {
        &self.version
    }

    /// When this version takes effect.
    pub fn effective_from(&self) -> Timestamp {
        self.effective_from
    }

    /// When this version was announced (the privacy policy's §5: a new
    /// version takes effect only after an official announcement), if
    /// recorded. [`PolicySchedule`] requires it of every version but the
    /// first.
    pub fn announced(&self) -> Option<Timestamp> {
        self.announced
    }

    /// Whether a later consent for `purpose` lifts the subject's earlier
    /// objection to it. `false` unless the policy says so with
    /// [`PolicyBuilder::consent_lifts_objection`]: an objection to direct
    /// marketing is absolute (GDPR Art. 21(3)), so by default the
    /// [consent ledger](crate::consent::ConsentLedger) refuses such a
    /// consent.
    pub fn consent_lifts_objection(&self, purpose: Purpose) -> bool {
        self.objection_lifted_by_consent.contains(&purpose)
    }

    /// The controller.
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The categories of data subjects (`customers`, `sellers`).
    pub fn subject_categories(&self) -> &[String] {
        &self.subject_categories
    }

    /// The technical and organisational security measures.
    pub fn security_measures(&self) -> &[String] {
        &self.security_measures
    }

    /// The declared purposes, in declaration order.
    pub fn purposes(&self) -> &[PurposeTerms] {
        &self.purposes
    }

    /// The terms of `purpose`, if the policy declares it.
    pub fn purpose_terms(&self, purpose: Purpose) -> Option<&PurposeTerms> {
        self.purpose_slot(purpose).map(|i| &self.purposes[i])
    }

    /// Every category the policy knows: the built-in ones, then the host
    /// categories it declares.
    pub fn categories(&self) -> impl Iterator<Item = Category> + '_ {
        Category::BUILT_IN
            .into_iter()
            .chain(self.host_categories.iter().copied())
    }

    /// The rule for `category` × `purpose`; `None` is a gap.
    pub fn rule(&self, category: Category, purpose: Purpose) -> Option<&Rule> {
        let (c, p) = (self.category_slot(category)?, self.purpose_slot(purpose)?);
        self.rules[c * self.purposes.len() + p].as_ref()
    }

    /// The role grants.
    pub fn roles(&self) -> &[RoleGrant] {
        &self.roles
    }

    /// The grant of `role`, if the policy knows the role.
    pub fn role(&self, role: &Role) -> Option<&RoleGrant> {
        self.roles.iter().find(|g| g.role() == role)
    }

    /// The declared recipients.
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// The recipient `id`, if declared.
    pub fn recipient(&self, id: &RecipientId) -> Option<&Recipient> {
        self.recipients.iter().find(|r| r.id() == id)
    }

    /// The purposes whose terms changed materially in this version.
    pub fn material_changes(&self) -> &[Purpose] {
        &self.material_changes
    }

    /// The index of `purpose` in `purposes`. Built-ins are found by a
    /// short scan over at most a dozen entries; this is on the decision
    /// hot path, so it avoids hashing.
    fn purpose_slot(&self, purpose: Purpose) -> Option<usize> {
        self.purposes.iter().position(|t| t.purpose == purpose)
    }

    /// Built-in categories take slots 0..7 by code; host categories follow
    /// in declaration order.
    fn category_slot(&self, category: Category) -> Option<usize> {
        match category {
            Category::Host(_) => self
                .host_categories
                .iter()
                .position(|&c| c == category)
                .map(|i| Category::BUILT_IN.len() + i),
            builtin => Category::BUILT_IN.iter().position(|&c| c == builtin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_reads_well() {
        assert_eq!(Retention::Days(1).to_string(), "1 day after collection");
        assert_eq!(
            Retention::YearsAfterEndOfYear(10).to_string(),
            "10 years after the end of the calendar year"
        );
        let json =
            serde_json::to_string(&[Retention::Months(24), Retention::UntilWithdrawn]).unwrap();
        assert_eq!(json, r#"[{"months":24},"until_withdrawn"]"#);
        let back: Vec<Retention> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, [Retention::Months(24), Retention::UntilWithdrawn]);
    }

    #[test]
    fn role_grants_are_exact_pairs() {
        let g = RoleGrant::new(Role::new("warehouse"))
            .reveal(
                &[Category::Location, Category::Identity],
                &[Purpose::Shipping],
            )
            .reveal(&[Category::Location], &[Purpose::Shipping]);
        assert_eq!(g.pairs().len(), 2);
        assert!(!g.may_reveal(Category::Location, Purpose::CustomerSupport));
    }
}
