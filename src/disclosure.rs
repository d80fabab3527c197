//! Disclosure to recipients: processors (carriers, payment providers) and
//! other third parties, each declared in the policy with its agreements.
//!
//! The privacy policy promises no disclosure "without explicit approval,
//! except for necessary sharing tied to order delivery, shipping, and
//! payment processing", and that partners are "bound by stringent privacy
//! accords". In code:
//!
//! - every recipient is declared in the policy ([`Recipient`]) with its
//!   [`Agreement`]s: a reference, the categories and purposes covered, and
//!   the time window in which it is valid;
//! - a disclosure needs an agreement that covers all its categories and
//!   its purpose at the time of disclosure (otherwise
//!   [`NoAgreement`](crate::decision::DenialReason::NoAgreement) or
//!   [`AgreementExpired`](crate::decision::DenialReason::AgreementExpired));
//! - for purposes marked
//!   [`processor_disclosure`](crate::policy::PurposeTerms::processor_disclosure)
//!   (delivery, shipping, payment) that is enough; for any other purpose the
//!   subject must also have consented to disclosure to that recipient
//!   ([`ConsentLedger::give_to`](crate::consent::ConsentLedger::give_to)).
//!
//! [`Decider::disclose`] is the one call; it is
//! [`Decider::decide`] with the recipient as the actor, recorded as a
//! `disclosure` audit event before it answers (fail closed: no event, no
//! disclosure).
//!
//! ```
//! use custodian::consent::ConsentLedger;
//! use custodian::decision::{Decider, DenialReason};
//! use custodian::disclosure::{Agreement, Recipient, RecipientKind};
//! use custodian::ids::{PolicyVersion, RecipientId, Reference};
//! use custodian::SubjectId;
//! use custodian::pii::Category;
//! use custodian::policy::{marketplace, PolicySchedule};
//! use custodian::purpose::{LawfulBasis, Purpose};
//! use custodian::time::Timestamp;
//!
//! let t = |s| Timestamp::parse(s).unwrap();
//! let carrier = Recipient::new(RecipientId::new("dhl"), "DHL Paket GmbH", RecipientKind::Carrier).agreement(
//!     Agreement::new(Reference::new("DPA-2024-17"), &[Category::Location, Category::Identity], &[Purpose::Shipping])
//!         .valid(t("2024-01-01T00:00:00Z"), Some(t("2026-01-01T00:00:00Z"))),
//! );
//! let policy = marketplace().recipient(carrier).build(PolicyVersion::new("1"), Timestamp::EPOCH)?;
//! let schedule = PolicySchedule::single(policy);
//! # let auditor = custodian::audit::Auditor::new(custodian::audit::MemorySink::new(), custodian::audit::Pseudonymizer::from_bytes([1; 32]));
//! let ledger = ConsentLedger::in_memory(auditor);
//! let decider = Decider::new(&schedule, &ledger);
//! let ada = SubjectId::try_new("cus_ada")?;
//! let dhl = RecipientId::new("dhl");
//!
//! let now = decider.disclose(&ada, &dhl, &[Category::Location], Purpose::Shipping, t("2025-03-01T12:00:00Z"));
//! assert_eq!(now?.basis, LawfulBasis::Contract);
//! let later = decider.disclose(&ada, &dhl, &[Category::Location], Purpose::Shipping, t("2026-03-01T12:00:00Z"));
//! let refusal = later.unwrap_err().refusal().copied().unwrap();
//! assert_eq!(refusal.into_decision().denial_reason(), Some(DenialReason::AgreementExpired));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # References
//!
//! GDPR Art. 28 (processors), Art. 30(1)(d) (recipients), Art. 6(1)(a)
//! and 7 (consent for other disclosures).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::SubjectId;
use crate::audit::{self, Action};
use crate::consent::ConsentStore;
use crate::decision::{Actor, Allowance, Decider, Use, UseError};
use crate::ids::{Jurisdiction, RecipientId, Reference};
use crate::pii::Category;
use crate::purpose::Purpose;
use crate::rights::RequestStoreError;
use crate::time::Timestamp;

/// What kind of organisation a recipient is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecipientKind {
    /// A carrier or logistics provider.
    Carrier,
    /// A payment service provider.
    PaymentProvider,
    /// Another processor acting on the controller's behalf (hosting,
    /// e-mail delivery, support tooling).
    Processor,
    /// A third party that is not the controller's processor (an
    /// advertising network, a partner shop).
    ThirdParty,
}

impl RecipientKind {
    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Carrier => "carrier",
            Self::PaymentProvider => "payment_provider",
            Self::Processor => "processor",
            Self::ThirdParty => "third_party",
        }
    }
}

impl fmt::Display for RecipientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An agreement with a recipient (a data processing agreement, Art. 28).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    reference: Reference,
    categories: Vec<Category>,
    purposes: Vec<Purpose>,
    valid_from: Timestamp,
    valid_until: Option<Timestamp>,
}

impl Agreement {
    /// An agreement covering `categories` for `purposes`, valid from the
    /// epoch with no end until [`valid`](Self::valid) says otherwise.
    pub fn new(reference: Reference, categories: &[Category], purposes: &[Purpose]) -> Self {
        Self {
            reference,
            categories: categories.to_vec(),
            purposes: purposes.to_vec(),
            valid_from: Timestamp::EPOCH,
            valid_until: None,
        }
    }

    /// Valid from `from` (inclusive) until `until` (exclusive), or with no
    /// end.
    #[must_use]
    pub fn valid(mut self, from: Timestamp, until: Option<Timestamp>) -> Self {
        self.valid_from = from;
        self.valid_until = until;
        self
    }

    /// The agreement's reference.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// The categories covered.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The purposes covered.
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }

    /// When it starts.
    pub fn valid_from(&self) -> Timestamp {
        self.valid_from
    }

    /// When it ends, if it does.
    pub fn valid_until(&self) -> Option<Timestamp> {
        self.valid_until
    }

    /// Whether it covers all of `categories` for `purpose`.
    pub fn covers(&self, categories: &[Category], purpose: Purpose) -> bool {
        self.purposes.contains(&purpose) && categories.iter().all(|c| self.categories.contains(c))
    }

    /// Whether it is in force at `at`.
    pub fn is_valid_at(&self, at: Timestamp) -> bool {
        self.valid_from <= at && self.valid_until.is_none_or(|until| at < until)
    }
}

/// A recipient of personal data, declared in the policy.
///
/// ```
/// use custodian::disclosure::{Agreement, Recipient, RecipientKind};
/// use custodian::ids::{RecipientId, Reference};
/// use custodian::pii::Category;
/// use custodian::purpose::Purpose;
///
/// let psp = Recipient::new(RecipientId::new("stripe"), "Stripe Payments Europe", RecipientKind::PaymentProvider)
///     .agreement(Agreement::new(
///         Reference::new("DPA-2023-02"),
///         &[Category::Financial, Category::Identity],
///         &[Purpose::PaymentProcessing, Purpose::Refunds],
///     ));
/// assert_eq!(psp.agreements().len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    id: RecipientId,
    name: String,
    kind: RecipientKind,
    country: Option<Jurisdiction>,
    agreements: Vec<Agreement>,
}

/// The outcome of looking for an agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AgreementCheck {
    /// An agreement covers the disclosure now.
    Valid,
    /// Agreements cover it, but all have ended.
    Expired,
    /// None covers it now (none at all, or none started yet).
    None,
}

impl Recipient {
    /// A recipient without agreements yet.
    pub fn new(id: RecipientId, name: &str, kind: RecipientKind) -> Self {
        Self {
            id,
            name: name.to_owned(),
            kind,
            country: None,
            agreements: Vec::new(),
        }
    }

    /// Where the recipient processes the data, for third-country transfers
    /// in the record of processing (Art. 30(1)(e)).
    #[must_use]
    pub fn country(mut self, country: Jurisdiction) -> Self {
        self.country = Some(country);
        self
    }

    /// Adds an agreement.
    #[must_use]
    pub fn agreement(mut self, agreement: Agreement) -> Self {
        self.agreements.push(agreement);
        self
    }

    /// The id.
    pub fn id(&self) -> &RecipientId {
        &self.id
    }

    /// The organisation's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kind.
    pub fn kind(&self) -> RecipientKind {
        self.kind
    }

    /// Where it processes the data, if declared.
    pub fn processing_country(&self) -> Option<&Jurisdiction> {
        self.country.as_ref()
    }

    /// The agreements.
    pub fn agreements(&self) -> &[Agreement] {
        &self.agreements
    }

    pub(crate) fn check(
        &self,
        categories: &[Category],
        purpose: Purpose,
        at: Timestamp,
    ) -> AgreementCheck {
        let mut covering = self
            .agreements
            .iter()
            .filter(|a| a.covers(categories, purpose))
            .peekable();
        if covering.peek().is_none() {
            return AgreementCheck::None;
        }
        let mut ended = false;
        for a in covering {
            if a.is_valid_at(at) {
                return AgreementCheck::Valid;
            }
            ended |= a.valid_until.is_some_and(|until| until <= at);
        }
        if ended {
            AgreementCheck::Expired
        } else {
            AgreementCheck::None
        }
    }
}

impl<S: ConsentStore> Decider<'_, S> {
    /// Decides whether `categories` of `subject`'s data may be disclosed to
    /// `recipient` for `purpose` at `at` (see the [module docs](self)), and
    /// records the decision as a `disclosure` audit event (allowed or
    /// denied, with the recipient, basis or reason, and policy version)
    /// before answering.
    ///
    /// # Errors
    ///
    /// [`UseError::Refused`] when the disclosure is not allowed;
    /// [`UseError::Unaudited`] when the audit event could not be recorded,
    /// whatever the decision: then the data must not be sent (fail closed).
    pub fn disclose(
        &self,
        subject: &SubjectId,
        recipient: &RecipientId,
        categories: &[Category],
        purpose: Purpose,
        at: Timestamp,
    ) -> Result<Allowance, UseError> {
        let request = Use::new(
            subject,
            categories,
            purpose,
            Actor::Recipient(recipient),
            at,
        );
        self.decide_audited(Action::Disclosure, &request, audit::Actor::system())
    }
}

/// One disclosure that went ahead: who received which categories of a
/// subject's data, and when. Kept so that the subject can be told whom
/// their data went to (GDPR Art. 15(1)(c)) and the recipients can be told
/// of rectifications and erasures (Art. 19).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosed {
    /// The recipient.
    pub recipient: RecipientId,
    /// The categories sent.
    pub categories: Vec<Category>,
    /// The purpose.
    pub purpose: Purpose,
    /// When.
    pub at: Timestamp,
}

/// Where disclosures that went ahead are recorded
/// ([`Custodian::disclose`](crate::Custodian::disclose) records each one
/// before it answers).
pub trait DisclosureLog: Send + Sync + fmt::Debug {
    /// Records a disclosure.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn record(&self, subject: &SubjectId, disclosed: Disclosed) -> Result<(), RequestStoreError>;

    /// Every disclosure of `subject`'s data, oldest first.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Disclosed>, RequestStoreError>;
}

/// Disclosures in memory. `Debug` shows the count only.
#[derive(Default)]
pub struct MemoryDisclosures {
    log: std::sync::Mutex<std::collections::BTreeMap<SubjectId, Vec<Disclosed>>>,
}

impl MemoryDisclosures {
    /// No disclosures.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryDisclosures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self
            .log
            .lock()
            .map_or(0, |l| l.values().map(Vec::len).sum());
        f.debug_struct("MemoryDisclosures")
            .field("disclosures", &count)
            .finish()
    }
}

impl DisclosureLog for MemoryDisclosures {
    fn record(&self, subject: &SubjectId, disclosed: Disclosed) -> Result<(), RequestStoreError> {
        let mut log = self
            .log
            .lock()
            .map_err(|_| RequestStoreError::Unavailable)?;
        let of_subject = log.entry(subject.clone()).or_default();
        // Oldest first, whatever order they are recorded in (clock skew
        // between servers); equal times keep their recording order.
        let at = of_subject.partition_point(|d| d.at <= disclosed.at);
        of_subject.insert(at, disclosed);
        Ok(())
    }

    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Disclosed>, RequestStoreError> {
        let log = self
            .log
            .lock()
            .map_err(|_| RequestStoreError::Unavailable)?;
        Ok(log.get(subject).cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> Timestamp {
        Timestamp::from_unix_secs(secs).unwrap()
    }

    #[test]
    fn agreements_cover_all_categories_and_the_purpose_within_their_window() {
        let a = Agreement::new(
            Reference::new("A"),
            &[Category::Location, Category::Contact],
            &[Purpose::Shipping],
        )
        .valid(t(10), Some(t(20)));
        assert!(a.covers(&[Category::Location], Purpose::Shipping));
        assert!(!a.covers(
            &[Category::Location, Category::Financial],
            Purpose::Shipping
        ));
        assert!(!a.covers(&[Category::Location], Purpose::Marketing));
        assert!(!a.is_valid_at(t(9)));
        assert!(a.is_valid_at(t(10)));
        assert!(!a.is_valid_at(t(20)));
    }

    #[test]
    fn the_check_tells_expired_from_missing() {
        let r = Recipient::new(RecipientId::new("dhl"), "DHL", RecipientKind::Carrier)
            .agreement(
                Agreement::new(
                    Reference::new("A"),
                    &[Category::Location],
                    &[Purpose::Shipping],
                )
                .valid(t(10), Some(t(20))),
            )
            .agreement(
                Agreement::new(
                    Reference::new("B"),
                    &[Category::Location],
                    &[Purpose::Shipping],
                )
                .valid(t(30), None),
            );
        let check = |secs| r.check(&[Category::Location], Purpose::Shipping, t(secs));
        assert_eq!(check(5), AgreementCheck::None);
        assert_eq!(check(15), AgreementCheck::Valid);
        assert_eq!(check(25), AgreementCheck::Expired);
        assert_eq!(check(35), AgreementCheck::Valid);
        assert_eq!(
            r.check(&[Category::Contact], Purpose::Shipping, t(15)),
            AgreementCheck::None
        );
    }
}
