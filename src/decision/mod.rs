//! One decision per use of personal data: allowed (and why), denied (and
//! why, in terms a host can show the subject), or a gap in the policy.
//!
//! A [`Use`] names the subject, the categories, the purpose, who acts
//! ([`Actor`]: the system, a staff role, or a recipient the data would be
//! disclosed to) and the time. [`Decider::decide`] answers it from the
//! policy version in force at that time and the consent ledger:
//!
//! 1. **Gaps** first: no version in force, an undeclared purpose, a
//!    category × purpose pair without a rule, an unknown role or
//!    recipient, a consent under a version the schedule does not know.
//!    A gap is a denial, reported apart so the host can fix its policy.
//! 2. **Policy denials**: a forbidden pair, a role without the right to
//!    reveal, a recipient without a valid agreement.
//! 3. **Consent**: where a category rests on consent (or the disclosure
//!    is to a recipient outside delivery, shipping and payment, which
//!    always needs the subject's consent for that recipient), the current
//!    consent must be given or renewed, unexpired, and not predate a
//!    material change of the purpose. Legitimate interest yields to an
//!    objection, refusal or withdrawal (GDPR Art. 21(1)); an objection to
//!    marketing stops marketing on any basis (Art. 21(3)).
//!
//! When categories are checked one by one, the first one (in the order
//! given) that fails is the one reported. When they are allowed on
//! different bases, the decision reports the basis that asks most of the
//! subject: consent, then legitimate interest, legal obligation, contract.
//!
//! Every field of a decision is a closed enum, a taxonomy value, a version
//! label or an event id, and the request is borrowed from the caller, so
//! an audit event can be built from `(use, decision)` without copying
//! personal data. Deciding allocates nothing.
//!
//! ```
//! use custodian::consent::{Collection, CollectionMethod, ConsentLedger};
//! use custodian::decision::{Actor, Decider, DenialReason, Use};
//! use custodian::ids::{Jurisdiction, PolicyVersion};
//! use custodian::SubjectId;
//! use custodian::pii::Category;
//! use custodian::policy::{marketplace, PolicySchedule};
//! use custodian::purpose::{LawfulBasis, Purpose};
//! use custodian::time::Timestamp;
//!
//! let v1 = PolicyVersion::new("1");
//! let schedule = PolicySchedule::single(marketplace().build(v1, Timestamp::EPOCH)?);
//! # let auditor = custodian::audit::Auditor::new(custodian::audit::MemorySink::new(), custodian::audit::Pseudonymizer::from_bytes([1; 32]));
//! let ledger = ConsentLedger::in_memory(auditor);
//! let decider = Decider::new(&schedule, &ledger);
//! let ada = SubjectId::try_new("cus_ada")?;
//! let now = Timestamp::from_unix_secs(1_750_000_000).unwrap();
//!
//! let mail = Use::new(&ada, &[Category::Contact], Purpose::Marketing, Actor::System, now);
//! assert_eq!(decider.decide(&mail).denial_reason(), Some(DenialReason::NoConsent));
//!
//! let how = Collection::new(v1, now, CollectionMethod::WebForm, Jurisdiction::new("DE"));
//! ledger.give(&ada, Purpose::Marketing, &how)?;
//! assert_eq!(decider.decide(&mail).basis(), Some(LawfulBasis::Consent));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::SubjectId;
use crate::consent::{
    ConsentLedger, ConsentState, ConsentStatus, ConsentStore, MemoryStore, Scope,
};
use crate::disclosure::AgreementCheck;
use crate::ids::{ConsentEventId, PolicyVersion, RecipientId, Role};
use crate::pii::Category;
use crate::policy::schedule::Carry;
use crate::policy::{Policy, PolicySchedule, Rule};
use crate::purpose::{LawfulBasis, Purpose};
use crate::time::Timestamp;

/// Who would use the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Actor<'a> {
    /// The host's code, processing for the purpose.
    System,
    /// A staff member in this role, looking at the data.
    Staff(&'a Role),
    /// A recipient the data would be disclosed to.
    Recipient(&'a RecipientId),
}

/// A use to decide: who does what with which data of whom, when.
#[derive(Clone, Copy, Debug)]
pub struct Use<'a> {
    /// The subject.
    pub subject: &'a SubjectId,
    /// The categories of data used.
    pub categories: &'a [Category],
    /// The purpose.
    pub purpose: Purpose,
    /// Who acts.
    pub actor: Actor<'a>,
    /// When.
    pub at: Timestamp,
}

impl<'a> Use<'a> {
    /// A use of `categories` of `subject`'s data for `purpose` by `actor` at
    /// `at`.
    pub const fn new(
        subject: &'a SubjectId,
        categories: &'a [Category],
        purpose: Purpose,
        actor: Actor<'a>,
        at: Timestamp,
    ) -> Self {
        Self {
            subject,
            categories,
            purpose,
            actor,
            at,
        }
    }
}

/// The answer to a [`Use`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Decision {
    /// Go ahead.
    Allowed(Allowance),
    /// Do not: the policy or the subject says no.
    Denied(Denial),
    /// Do not: the policy does not cover this use.
    Gap(Gap),
}

/// Why a use is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Allowance {
    /// The lawful basis.
    pub basis: LawfulBasis,
    /// The policy version in force.
    pub version: PolicyVersion,
    /// The consent event relied on, if any.
    pub consent: Option<ConsentEventId>,
}

/// Why a use is denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Denial {
    /// The reason.
    pub reason: DenialReason,
    /// The category at fault, for reasons that concern one.
    pub category: Option<Category>,
    /// The policy version in force.
    pub version: PolicyVersion,
    /// The consent event behind the denial (a withdrawal, an objection),
    /// if any.
    pub consent: Option<ConsentEventId>,
}

/// Why the policy does not cover a use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gap {
    /// What is missing.
    pub kind: GapKind,
    /// The category at fault, for gaps that concern one.
    pub category: Option<Category>,
    /// The policy version in force, if any.
    pub version: Option<PolicyVersion>,
}

/// A reason a use is denied, which a host can show the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DenialReason {
    /// The use needs consent and the subject never gave it.
    NoConsent,
    /// The subject refused (directly or by a GPC signal).
    Refused,
    /// The subject withdrew consent.
    Withdrawn,
    /// The consent ran out.
    Expired,
    /// The consent was found invalid.
    Invalidated,
    /// The subject objected (GDPR Art. 21).
    Objection,
    /// The policy forbids this category for this purpose.
    PurposeNotAllowed,
    /// The consent was given before the purpose's terms changed
    /// materially; the subject has to consent again.
    ConsentPredatesChange,
    /// The staff role may not reveal this category for this purpose.
    RoleLacksRight,
    /// No agreement with the recipient covers these categories and this
    /// purpose.
    NoAgreement,
    /// The agreement that covered this has ended.
    AgreementExpired,
    /// The consent ledger could not be read; denied to fail closed.
    LedgerUnavailable,
    /// The data is under a legal hold after an erasure request: it is
    /// restricted to the hold's purpose (GDPR Art. 17(3), 18).
    Restricted,
}

impl DenialReason {
    /// Every reason.
    pub const ALL: [DenialReason; 13] = [
        Self::NoConsent,
        Self::Refused,
        Self::Withdrawn,
        Self::Expired,
        Self::Invalidated,
        Self::Objection,
        Self::PurposeNotAllowed,
        Self::ConsentPredatesChange,
        Self::RoleLacksRight,
        Self::NoAgreement,
        Self::AgreementExpired,
        Self::LedgerUnavailable,
        Self::Restricted,
    ];

    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::NoConsent => "no_consent",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
            Self::Invalidated => "invalidated",
            Self::Objection => "objection",
            Self::PurposeNotAllowed => "purpose_not_allowed",
            Self::ConsentPredatesChange => "consent_predates_change",
            Self::RoleLacksRight => "role_lacks_right",
            Self::NoAgreement => "no_agreement",
            Self::AgreementExpired => "agreement_expired",
            Self::LedgerUnavailable => "ledger_unavailable",
            Self::Restricted => "restricted",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Self::NoConsent => "consent is needed and was not given",
            Self::Refused => "consent was refused",
            Self::Withdrawn => "consent was withdrawn",
            Self::Expired => "consent has expired",
            Self::Invalidated => "consent was invalidated",
            Self::Objection => "the subject objected",
            Self::PurposeNotAllowed => "the policy does not allow this data for this purpose",
            Self::ConsentPredatesChange => "consent predates a material change of the purpose",
            Self::RoleLacksRight => "the role may not see this data for this purpose",
            Self::NoAgreement => "no agreement with the recipient covers this",
            Self::AgreementExpired => "the agreement with the recipient has expired",
            Self::LedgerUnavailable => "the consent ledger is unavailable",
            Self::Restricted => "the data is restricted to the purpose of a legal hold",
        }
    }
}

impl fmt::Display for DenialReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// What the policy fails to cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GapKind {
    /// No policy version is in force at the time of the use.
    NoPolicyInForce,
    /// The use names no category.
    NoCategories,
    /// The policy does not declare the purpose.
    UndeclaredPurpose,
    /// The policy does not know the (host) category.
    UnknownCategory,
    /// The policy has no rule for the category and purpose.
    NoRule,
    /// The policy does not know the staff role.
    UnknownRole,
    /// The policy does not declare the recipient.
    UnknownRecipient,
    /// The consent relied on was given under a version the schedule does
    /// not hold, so material changes cannot be checked.
    UnknownConsentVersion,
}

impl GapKind {
    /// Every kind of gap.
    pub const ALL: [GapKind; 8] = [
        Self::NoPolicyInForce,
        Self::NoCategories,
        Self::UndeclaredPurpose,
        Self::UnknownCategory,
        Self::NoRule,
        Self::UnknownRole,
        Self::UnknownRecipient,
        Self::UnknownConsentVersion,
    ];

    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::NoPolicyInForce => "no_policy_in_force",
            Self::NoCategories => "no_categories",
            Self::UndeclaredPurpose => "undeclared_purpose",
            Self::UnknownCategory => "unknown_category",
            Self::NoRule => "no_rule",
            Self::UnknownRole => "unknown_role",
            Self::UnknownRecipient => "unknown_recipient",
            Self::UnknownConsentVersion => "unknown_consent_version",
        }
    }
}

impl fmt::Display for GapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoPolicyInForce => "no policy version is in force",
            Self::NoCategories => "the use names no data category",
            Self::UndeclaredPurpose => "the policy does not declare the purpose",
            Self::UnknownCategory => "the policy does not know the category",
            Self::NoRule => "the policy has no rule for this category and purpose",
            Self::UnknownRole => "the policy does not know the role",
            Self::UnknownRecipient => "the policy does not declare the recipient",
            Self::UnknownConsentVersion => {
                "the consent was given under a policy version that is not loaded"
            }
        })
    }
}

/// A use that did not go ahead: [`Decision`] without the allowed case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Denied.
    Denied(Denial),
    /// Not covered by the policy.
    Gap(Gap),
}

impl Refusal {
    /// Back to a [`Decision`].
    pub fn into_decision(self) -> Decision {
        match self {
            Self::Denied(d) => Decision::Denied(d),
            Self::Gap(g) => Decision::Gap(g),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Denied(d) => write!(f, "denied: {}", d.reason),
            Self::Gap(g) => write!(f, "not covered by the policy: {}", g.kind),
        }
    }
}

impl std::error::Error for Refusal {}

impl Decision {
    /// Whether the use may go ahead.
    pub const fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed(_))
    }

    /// `allowed`, `denied` or `gap`.
    pub const fn outcome_key(&self) -> &'static str {
        match self {
            Self::Allowed(_) => "allowed",
            Self::Denied(_) => "denied",
            Self::Gap(_) => "gap",
        }
    }

    /// The basis, if allowed.
    pub const fn basis(&self) -> Option<LawfulBasis> {
        match self {
            Self::Allowed(a) => Some(a.basis),
            _ => None,
        }
    }

    /// The denial reason, if denied.
    pub const fn denial_reason(&self) -> Option<DenialReason> {
        match self {
            Self::Denied(d) => Some(d.reason),
            _ => None,
        }
    }

    /// The gap, if the policy does not cover the use.
    pub const fn gap_kind(&self) -> Option<GapKind> {
        match self {
            Self::Gap(g) => Some(g.kind),
            _ => None,
        }
    }

    /// The policy version in force, if any.
    pub const fn version(&self) -> Option<PolicyVersion> {
        match self {
            Self::Allowed(a) => Some(a.version),
            Self::Denied(d) => Some(d.version),
            Self::Gap(g) => g.version,
        }
    }

    /// The consent event the decision rests on, if any.
    pub const fn consent_event(&self) -> Option<ConsentEventId> {
        match self {
            Self::Allowed(a) => a.consent,
            Self::Denied(d) => d.consent,
            Self::Gap(_) => None,
        }
    }

    /// `Ok` with the allowance, or the refusal.
    ///
    /// # Errors
    ///
    /// The [`Refusal`] when the use was denied or is a gap.
    pub fn into_result(self) -> Result<Allowance, Refusal> {
        match self {
            Self::Allowed(a) => Ok(a),
            Self::Denied(d) => Err(Refusal::Denied(d)),
            Self::Gap(g) => Err(Refusal::Gap(g)),
        }
    }
}

/// Decides uses from a policy schedule and a consent ledger, and audits
/// the ones with an effect through the ledger's
/// [`Auditor`](crate::audit::Auditor).
///
/// Cheap to make and `Copy`: it only borrows both.
#[derive(Debug)]
pub struct Decider<'a, S = MemoryStore> {
    schedule: &'a PolicySchedule,
    ledger: &'a ConsentLedger<S>,
    restrictions: Option<&'a dyn Restrictions>,
}

/// Which of a subject's data is restricted to one purpose (held after an
/// erasure request, GDPR Art. 17(3) and 18); the decider denies every
/// other purpose with [`DenialReason::Restricted`].
pub trait Restrictions: Sync + fmt::Debug {
    /// The one purpose `category` of `subject`'s data may still be used
    /// for at `at`, if it is restricted.
    fn restricted_to(
        &self,
        subject: &SubjectId,
        category: Category,
        at: Timestamp,
    ) -> Option<Purpose>;
}

impl<S> Clone for Decider<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Decider<'_, S> {}

/// Early exits of the decision steps.
type Step<T> = Result<T, Decision>;

impl<'a, S: ConsentStore> Decider<'a, S> {
    /// A decider over `schedule` and `ledger`.
    pub const fn new(schedule: &'a PolicySchedule, ledger: &'a ConsentLedger<S>) -> Self {
        Self {
            schedule,
            ledger,
            restrictions: None,
        }
    }

    /// The same decider, also denying uses of restricted data for any
    /// purpose but the one it is restricted to.
    #[must_use]
    pub const fn restricted_by(mut self, restrictions: &'a dyn Restrictions) -> Self {
        self.restrictions = Some(restrictions);
        self
    }

    /// The schedule.
    pub const fn schedule(&self) -> &'a PolicySchedule {
        self.schedule
    }

    /// The ledger.
    pub const fn ledger(&self) -> &'a ConsentLedger<S> {
        self.ledger
    }

    /// Decides a use; see the [module docs](self) for the order of checks.
    ///
    /// Not audited: `decide` is a question without an effect (nothing is
    /// revealed, sent or changed), asked on hot paths such as filtering a
    /// mailing list, and its answer alone gives no access. The calls that
    /// act on a decision, [`reveal`](Self::reveal) and
    /// [`disclose`](Self::disclose), record it first, as the ledger does
    /// for consent changes. A host that acts on a plain `decide` for an
    /// effect of its own records that effect itself.
    pub fn decide(&self, request: &Use<'_>) -> Decision {
        match self.steps(request) {
            Ok(allowance) => Decision::Allowed(allowance),
            Err(refused) => refused,
        }
    }

    fn steps(&self, request: &Use<'_>) -> Step<Allowance> {
        let gap = |kind, category, version| {
            Decision::Gap(Gap {
                kind,
                category,
                version,
            })
        };
        let Some(index) = self.schedule.index_at(request.at) else {
            return Err(gap(GapKind::NoPolicyInForce, None, None));
        };
        let policy = &self.schedule.versions()[index];
        let version = *policy.version();
        let deny = |reason, category| {
            Decision::Denied(Denial {
                reason,
                category,
                version,
                consent: None,
            })
        };
        if request.categories.is_empty() {
            return Err(gap(GapKind::NoCategories, None, Some(version)));
        }
        let Some(terms) = policy.purpose_terms(request.purpose) else {
            return Err(gap(GapKind::UndeclaredPurpose, None, Some(version)));
        };
        let basis = strongest_basis(policy, request, version)?;
        if let Some(&c) = self.restrictions.and_then(|r| {
            request.categories.iter().find(|&&c| {
                r.restricted_to(request.subject, c, request.at)
                    .is_some_and(|allowed| allowed != request.purpose)
            })
        }) {
            return Err(deny(DenialReason::Restricted, Some(c)));
        }
        match request.actor {
            Actor::System => {}
            Actor::Staff(role) => {
                let Some(grant) = policy.role(role) else {
                    return Err(gap(GapKind::UnknownRole, None, Some(version)));
                };
                if let Some(&c) = request
                    .categories
                    .iter()
                    .find(|&&c| !grant.may_reveal(c, request.purpose))
                {
                    return Err(deny(DenialReason::RoleLacksRight, Some(c)));
                }
            }
            Actor::Recipient(id) => {
                let Some(recipient) = policy.recipient(id) else {
                    return Err(gap(GapKind::UnknownRecipient, None, Some(version)));
                };
                match recipient.check(request.categories, request.purpose, request.at) {
                    AgreementCheck::Valid => {}
                    AgreementCheck::Expired => {
                        return Err(deny(DenialReason::AgreementExpired, None));
                    }
                    AgreementCheck::None => return Err(deny(DenialReason::NoAgreement, None)),
                }
            }
        }
        // Outside delivery, shipping and payment, a disclosure needs the
        // subject's explicit consent for that recipient, whatever the
        // basis of the processing itself.
        let (scope, basis) = match request.actor {
            Actor::Recipient(id) if !terms.allows_processor_disclosure() => {
                (Scope::recipient(request.purpose, id), LawfulBasis::Consent)
            }
            _ => (Scope::purpose(request.purpose), basis),
        };
        let consent = self.consent(request, scope, basis, index, version)?;
        Ok(Allowance {
            basis,
            version,
            consent,
        })
    }

    /// The consent step: `Ok(Some(event))` when a valid consent was relied
    /// on or noted, `Ok(None)` when none was needed.
    fn consent(
        &self,
        request: &Use<'_>,
        scope: Scope<'_>,
        basis: LawfulBasis,
        index: usize,
        version: PolicyVersion,
    ) -> Step<Option<ConsentEventId>> {
        let marketing = crate::consent::objection_is_absolute(request.purpose);
        let consults = matches!(
            basis,
            LawfulBasis::Consent | LawfulBasis::LegitimateInterest
        ) || marketing;
        if !consults {
            return Ok(None);
        }
        let deny = |reason, consent| {
            Decision::Denied(Denial {
                reason,
                category: None,
                version,
                consent,
            })
        };
        let state = match self.ledger.state(request.subject, scope) {
            Ok(state) => state,
            Err(_) => return Err(deny(DenialReason::LedgerUnavailable, None)),
        };
        if let Some(s) = state.filter(|s| s.status == ConsentStatus::Objected) {
            return Err(deny(DenialReason::Objection, Some(s.event)));
        }
        match basis {
            LawfulBasis::Consent => {
                let Some(s) = state else {
                    return Err(deny(DenialReason::NoConsent, None));
                };
                self.valid_consent(&s, request, index, version).map(Some)
            }
            LawfulBasis::LegitimateInterest => match state {
                Some(s)
                    if matches!(s.status, ConsentStatus::Refused | ConsentStatus::Withdrawn) =>
                {
                    Err(deny(negative_reason(s.status), Some(s.event)))
                }
                // A valid consent is noted beside the basis; any other state
                // leaves the legitimate interest standing.
                Some(s) => Ok(self.valid_consent(&s, request, index, version).ok()),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// The consent event if `state` authorises the use now.
    fn valid_consent(
        &self,
        state: &ConsentState,
        request: &Use<'_>,
        index: usize,
        version: PolicyVersion,
    ) -> Step<ConsentEventId> {
        let deny = |reason| {
            Decision::Denied(Denial {
                reason,
                category: None,
                version,
                consent: Some(state.event),
            })
        };
        if state.status.is_negative() {
            return Err(deny(negative_reason(state.status)));
        }
        if !state.is_valid_at(request.at) {
            return Err(deny(DenialReason::Expired));
        }
        match self.schedule.carry(&state.version, request.purpose, index) {
            Carry::Counts => Ok(state.event),
            Carry::Predates(_) => Err(deny(DenialReason::ConsentPredatesChange)),
            Carry::UnknownVersion => Err(Decision::Gap(Gap {
                kind: GapKind::UnknownConsentVersion,
                category: None,
                version: Some(version),
            })),
        }
    }
}

fn negative_reason(status: ConsentStatus) -> DenialReason {
    match status {
        ConsentStatus::Withdrawn => DenialReason::Withdrawn,
        ConsentStatus::Expired => DenialReason::Expired,
        ConsentStatus::Invalidated => DenialReason::Invalidated,
        ConsentStatus::Objected => DenialReason::Objection,
        // Refused, and any status added later, deny as a refusal.
        _ => DenialReason::Refused,
    }
}

/// How much a basis asks of the subject; higher asks more.
fn demand(basis: LawfulBasis) -> u8 {
    match basis {
        LawfulBasis::Consent => 3,
        LawfulBasis::LegitimateInterest => 2,
        LawfulBasis::LegalObligation => 1,
        _ => 0,
    }
}

/// Checks every category's rule (gaps before denials) and returns the
/// basis that asks most of the subject.
fn strongest_basis(
    policy: &Policy,
    request: &Use<'_>,
    version: PolicyVersion,
) -> Step<LawfulBasis> {
    let gap = |kind, c| {
        Decision::Gap(Gap {
            kind,
            category: Some(c),
            version: Some(version),
        })
    };
    for &c in request.categories {
        if policy.rule(c, request.purpose).is_none() {
            let known = policy.categories().any(|k| k == c);
            return Err(gap(
                if known {
                    GapKind::NoRule
                } else {
                    GapKind::UnknownCategory
                },
                c,
            ));
        }
    }
    let mut strongest: Option<LawfulBasis> = None;
    for &c in request.categories {
        match policy.rule(c, request.purpose) {
            Some(Rule::Allow { basis, .. }) => {
                if strongest.is_none_or(|s| demand(*basis) > demand(s)) {
                    strongest = Some(*basis);
                }
            }
            _ => {
                return Err(Decision::Denied(Denial {
                    reason: DenialReason::PurposeNotAllowed,
                    category: Some(c),
                    version,
                    consent: None,
                }));
            }
        }
    }
    // The first loop returned unless every category has a rule, and the
    // second unless every rule allows, so `strongest` is set here.
    strongest.ok_or(Decision::Gap(Gap {
        kind: GapKind::NoCategories,
        category: None,
        version: Some(version),
    }))
}

mod audited;
#[cfg(test)]
mod tests;

pub use audited::UseError;
