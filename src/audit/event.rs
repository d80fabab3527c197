//! Audit events: one type for every data activity, built only from closed
//! values.
//!
//! An [`AuditEvent`] says who ([`Actor`]) did what ([`Action`]) with which
//! result ([`Outcome`]) to whom ([`SubjectPseudonym`]), touching which
//! [`Category`]s, for which [`Purpose`] on which [`LawfulBasis`], under which
//! [`PolicyVersion`], towards which [`RecipientId`], within which request.
//! Every field is an enum, a taxonomy key, a validated identifier, a keyed
//! pseudonym, a number or a hash: there is no free-text field where
//! personal data could slip in.

use std::borrow::Cow;
use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{DecodeError, DecodeProblem};
use super::evidence::EvidenceRef;
use super::pseudonym::{ActorPseudonym, SubjectPseudonym};
use crate::decision::{DenialReason, GapKind, Refusal};
use crate::ids::{InvalidId, PolicyVersion, RandomnessError, RecipientId, Role};
use crate::pii::Category;
use crate::purpose::{LawfulBasis, Purpose};
use crate::time::Timestamp;

/// The entry format version [`AuditEvent::to_json`] writes.
pub const ENTRY_VERSION: u32 = 1;

/// Declares a closed enum with stable snake_case keys, `ALL`, `key`,
/// `parse`, `Display` and serde as the key.
macro_rules! key_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $key:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("\n\nKey: `", $key, "`.")] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case key.
            pub const fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            /// The value with this key.
            ///
            /// # Errors
            ///
            #[doc = concat!("[`InvalidId`] (`", $what, "`) for an unknown key.")]
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key() == s)
                    .ok_or(InvalidId::new($what))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }

        crate::string_form::string_form!($name, InvalidId, key);
    };
}

key_enum! {
    /// What happened.
    pub enum Action as "action" {
        /// A person was shown a PII value in clear (an audited reveal).
        Reveal => "reveal",
        /// PII was sent to a recipient (a processor such as a carrier).
        Disclosure => "disclosure",
        /// The subject gave consent for a purpose.
        ConsentGranted => "consent_granted",
        /// The subject withdrew consent (GDPR Art. 7(3)).
        ConsentWithdrawn => "consent_withdrawn",
        /// A consent reached its end date.
        ConsentExpired => "consent_expired",
        /// A Global Privacy Control signal (`Sec-GPC: 1`) refused consent.
        ConsentRefusedGpc => "consent_refused_gpc",
        /// The subject refused consent (other than by a GPC signal).
        ConsentRefused => "consent_refused",
        /// The subject objected to a purpose (GDPR Art. 21).
        ObjectionRecorded => "objection_recorded",
        /// A consent was found invalid and set aside.
        ConsentInvalidated => "consent_invalidated",
        /// A policy version took effect.
        PolicyActivated => "policy_activated",
        /// A rights request arrived.
        RightsRequestReceived => "rights_request_received",
        /// A rights request changed status.
        RightsRequestStatusChanged => "rights_request_status_changed",
        /// A rights request was closed.
        RightsRequestCompleted => "rights_request_completed",
        /// A data export (access or portability) was produced.
        ExportProduced => "export_produced",
        /// Data was corrected (GDPR Art. 16).
        Rectification => "rectification",
        /// Data was erased (GDPR Art. 17), possibly with parts withheld.
        Erasure => "erasure",
        /// A recipient was told of a rectification, erasure or restriction
        /// (GDPR Art. 19).
        RecipientNotified => "recipient_notified",
        /// A subject's data key was destroyed (crypto-shredding).
        SubjectKeyForgotten => "subject_key_forgotten",
        /// A forgotten subject was given a new data key, as a new person;
        /// their values sealed before the erasure stay erased.
        SubjectKeyReinstated => "subject_key_reinstated",
        /// A master key was rotated.
        KeyRotated => "key_rotated",
        /// Sealed values were re-sealed under a newer key.
        Resealed => "resealed",
        /// An old data key version was deleted after resealing.
        KeyRetired => "key_retired",
        /// Data keys were re-wrapped under a new root key version.
        KeysRewrapped => "keys_rewrapped",
        /// A retention sweep purged expired records.
        RetentionPurge => "retention_purge",
        /// The subject filed a complaint (grievance).
        ComplaintFiled => "complaint_filed",
        /// A complaint was resolved.
        ComplaintResolved => "complaint_resolved",
        /// An investigation note was added to a complaint.
        ComplaintNoted => "complaint_noted",
        /// Records were put under a legal hold (GDPR Art. 17(3)) and
        /// restricted to its purpose (Art. 18).
        HoldPlaced => "hold_placed",
        /// A legal hold ended: its key was destroyed.
        HoldReleased => "hold_released",
        /// Held records were opened for the hold's purpose.
        HeldOpened => "held_opened",
    }
}

key_enum! {
    /// How it ended.
    pub enum Outcome as "outcome" {
        /// A check allowed the action.
        Allowed => "allowed",
        /// A check denied the action; nothing was revealed or sent.
        Denied => "denied",
        /// The action was carried out in full.
        Done => "done",
        /// The action was carried out in part (an erasure with withheld
        /// categories, a purge that skipped held records).
        Partial => "partial",
        /// The action was attempted and failed.
        Failed => "failed",
    }
}

key_enum! {
    /// A data-subject right, as named by GDPR Chapter III.
    pub enum Right as "right" {
        /// Access (Art. 15).
        Access => "access",
        /// Rectification (Art. 16).
        Rectification => "rectification",
        /// Erasure (Art. 17).
        Erasure => "erasure",
        /// Restriction of processing (Art. 18).
        Restriction => "restriction",
        /// Data portability (Art. 20).
        Portability => "portability",
        /// Objection (Art. 21).
        Objection => "objection",
        /// Not to be subject to automated decisions (Art. 22).
        AutomatedDecision => "automated_decision",
        /// Withdrawal of consent (Art. 7(3)).
        WithdrawConsent => "withdraw_consent",
    }
}

key_enum! {
    /// The status of a rights request, after the W3C DPV request statuses.
    pub enum RequestStatus as "request status" {
        /// Received (`dpv:RequestInitiated`).
        Initiated => "initiated",
        /// Acknowledged to the subject (`dpv:RequestAcknowledged`).
        Acknowledged => "acknowledged",
        /// Accepted for handling (`dpv:RequestAccepted`).
        Accepted => "accepted",
        /// Refused, with reasons and remedies (`dpv:RequestRejected`).
        Rejected => "rejected",
        /// Waiting for the subject, e.g. identity (`dpv:RequestRequiresAction`).
        RequiresAction => "requires_action",
        /// The subject did what was asked (`dpv:RequestRequiredActionPerformed`).
        RequiredActionPerformed => "required_action_performed",
        /// Extended, with a reason (`dpv:RequestActionDelayed`).
        ActionDelayed => "action_delayed",
        /// Done (`dpv:RequestFulfilled`).
        Fulfilled => "fulfilled",
        /// Closed without being done (`dpv:RequestUnfulfilled`).
        Unfulfilled => "unfulfilled",
        /// The requester's identity is not confirmed yet (GDPR Art. 12(6)).
        IdentityUnverified => "identity_unverified",
        /// Refused as manifestly unfounded or excessive, with evidence
        /// (GDPR Art. 12(5)).
        RefusedUnfounded => "refused_unfounded",
    }
}

key_enum! {
    /// Why data was kept back from an erasure (GDPR Art. 17(3)).
    pub enum HoldReason as "hold reason" {
        /// Freedom of expression and information (Art. 17(3)(a)).
        FreedomOfExpression => "freedom_of_expression",
        /// A legal obligation, e.g. tax record keeping (Art. 17(3)(b)).
        LegalObligation => "legal_obligation",
        /// Public health (Art. 17(3)(c)).
        PublicHealth => "public_health",
        /// Archiving, research or statistics (Art. 17(3)(d)).
        Archiving => "archiving",
        /// Establishing, exercising or defending legal claims (Art. 17(3)(e)).
        LegalClaims => "legal_claims",
        /// The subject asked for processing to be restricted (Art. 18(1)).
        Restriction => "restriction",
    }
}

/// Who acted: a role and, for people and service accounts, a pseudonym.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Actor {
    role: Role,
    pseudonym: Option<ActorPseudonym>,
}

impl Actor {
    /// Automated work: a sweep, a key rotation, a scheduled expiry.
    pub const fn system() -> Self {
        Self {
            role: Role::SYSTEM,
            pseudonym: None,
        }
    }

    /// The data subject, acting on their own data (their pseudonym is the
    /// event's subject).
    pub const fn subject() -> Self {
        Self {
            role: Role::SUBJECT,
            pseudonym: None,
        }
    }

    /// A staff member or service account in `role`.
    pub const fn staff(role: Role, pseudonym: ActorPseudonym) -> Self {
        Self {
            role,
            pseudonym: Some(pseudonym),
        }
    }

    /// The role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The pseudonym, for staff and service accounts.
    pub fn pseudonym(&self) -> Option<&ActorPseudonym> {
        self.pseudonym.as_ref()
    }
}

/// A 128-bit audit id ([`hex_newtype`](crate::hex::hex_newtype)) that can
/// also be drawn at random or taken from a UUID's integer form.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        crate::hex::hex_newtype!(
            $(#[$meta])*
            ///
            /// 128 opaque bits (for example a UUID). Ids carry no meaning
            /// and cannot carry free text.
            $name, 16, "32", $what
        );

        impl $name {
            /// A fresh random id from the OS random number generator.
            ///
            /// # Errors
            ///
            /// [`RandomnessError`] if the OS generator fails.
            pub fn random() -> Result<Self, RandomnessError> {
                let mut b = [0u8; 16];
                crate::ids::fill_random(&mut b)?;
                Ok(Self(b))
            }

            /// An id from a `u128` (for example a UUID's integer form).
            pub const fn from_u128(value: u128) -> Self {
                Self(value.to_be_bytes())
            }
        }
    };
}

id_type!(
    /// The id of a rights request or complaint.
    RequestId,
    "request id"
);

id_type!(
    /// The id of a legal hold or freeze.
    HoldId,
    "hold id"
);

id_type!(
    /// Ties together the events of one operation across sinks and
    /// services (a trace id).
    CorrelationId,
    "correlation id"
);

/// Why a [decision](crate::decision) refused a use: a denial reason the
/// subject can be shown, or a gap in the policy. Written as the reason's
/// or the gap's snake_case key (the two sets of keys are disjoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// The policy or the subject said no.
    Denied(DenialReason),
    /// The policy does not cover the use.
    Gap(GapKind),
}

impl RefusalReason {
    /// The reason of a refused decision.
    pub const fn of(refusal: &Refusal) -> Self {
        match refusal {
            Refusal::Denied(d) => Self::Denied(d.reason),
            Refusal::Gap(g) => Self::Gap(g.kind),
        }
    }

    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Denied(r) => r.key(),
            Self::Gap(g) => g.key(),
        }
    }

    /// Parses a key.
    ///
    /// # Errors
    ///
    /// [`InvalidId`] (`refusal reason`) for an unknown key.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        let denied = DenialReason::ALL.iter().find(|r| r.key() == s);
        let gap = GapKind::ALL.iter().find(|g| g.key() == s);
        match (denied, gap) {
            (Some(&r), _) => Ok(Self::Denied(r)),
            (None, Some(&g)) => Ok(Self::Gap(g)),
            (None, None) => Err(InvalidId::new("refusal reason")),
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

crate::string_form::string_form!(RefusalReason, InvalidId, key);

/// `reason` is absent or a key; an explicit `null` would not re-encode to
/// the same bytes, so it is refused.
fn present_reason<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RefusalReason>, D::Error> {
    RefusalReason::deserialize(d).map(Some)
}

/// A category kept back from an erasure, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Withheld {
    /// What was kept.
    pub category: Category,
    /// The legal ground for keeping it.
    pub reason: HoldReason,
}

/// One audited data activity.
///
/// Built from an [`Action`] and an [`Outcome`], then given the fields that
/// apply. Nothing in an event is free text; subjects and staff appear only
/// as keyed pseudonyms. [`AuditEvent::to_json`] gives the canonical entry
/// bytes the log stores, specified in [`formats`](super::formats).
///
/// # Which fields go with which action
///
/// | action | usually carries |
/// |---|---|
/// | `reveal` | subject, categories, purpose, legal basis; outcome `allowed` or `denied` |
/// | `disclosure` | subject, categories, purpose, recipient; `allowed` or `denied` |
/// | `consent_granted`, `consent_withdrawn`, `consent_expired`, `consent_refused_gpc`, `consent_refused`, `objection_recorded`, `consent_invalidated` | subject, purpose, policy version, recipient (for a consent to one recipient), correlation (the consent event id) |
/// | `reveal` and `disclosure` refused by a [decision](crate::decision) | also the [`RefusalReason`] |
/// | `policy_activated` | policy version |
/// | `rights_request_received`, `rights_request_status_changed`, `rights_request_completed` | subject, right, request status, request id |
/// | `export_produced` | subject, categories, request id, count |
/// | `rectification` | subject, categories, request id, evidence |
/// | `erasure` | subject, categories erased, withheld (category and legal hold), request id; `partial` when something was withheld |
/// | `recipient_notified` | subject, recipient, right (rectification, erasure or restriction), request id |
/// | `subject_key_forgotten`, `subject_key_reinstated` | subject |
/// | `key_rotated`, `key_retired`, `resealed` | subject (subject keys), key version, categories and count (reseal) |
/// | `keys_rewrapped` | root key version |
/// | `retention_purge` | categories, count |
/// | `complaint_filed`, `complaint_noted`, `complaint_resolved` | subject, request id, request status |
/// | `hold_placed`, `hold_released` | subject, categories, withheld (category and legal ground), count of records, correlation (the hold id) |
/// | `held_opened` | subject, categories, purpose, correlation (the hold id); `denied` with reason `restricted` for another purpose |
///
/// # Examples
///
/// ```
/// use custodian::audit::{Action, Actor, AuditEvent, Outcome, Pseudonymizer};
/// use custodian::ids::Role;
/// use custodian::pii::Category;
/// use custodian::purpose::{LawfulBasis, Purpose};
///
/// let key = Pseudonymizer::from_bytes([9; 32]);
/// let event = AuditEvent::new(Action::Reveal, Outcome::Allowed)
///     .with_actor(Actor::staff(Role::new("support_agent"), key.actor("agent_17")))
///     .with_subject(key.subject("cust_8f3a"))
///     .with_categories([Category::Contact])
///     .with_purpose(Purpose::CustomerSupport)
///     .with_legal_basis(LawfulBasis::Contract);
///
/// let json = String::from_utf8(event.to_json()).unwrap();
/// assert!(json.starts_with(r#"{"v":1,"time":""#));
/// assert!(json.contains(r#""action":"reveal","outcome":"allowed","actor_role":"support_agent""#));
/// assert!(!json.contains("cust_8f3a") && !json.contains("agent_17"));
/// assert_eq!(AuditEvent::from_json(json.as_bytes())?, event);
/// # Ok::<(), custodian::audit::DecodeError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    time: Timestamp,
    action: Action,
    outcome: Outcome,
    reason: Option<RefusalReason>,
    actor: Actor,
    subject: Option<SubjectPseudonym>,
    categories: Vec<Category>,
    purpose: Option<Purpose>,
    legal_basis: Option<LawfulBasis>,
    recipient: Option<RecipientId>,
    policy_version: Option<PolicyVersion>,
    right: Option<Right>,
    request_status: Option<RequestStatus>,
    withheld: Vec<Withheld>,
    key_version: Option<u32>,
    count: Option<u64>,
    request: Option<RequestId>,
    correlation: Option<CorrelationId>,
    evidence: Option<EvidenceRef>,
}

impl AuditEvent {
    /// An event happening now, acted by [`Actor::system`], with every
    /// optional field empty.
    pub fn new(action: Action, outcome: Outcome) -> Self {
        Self {
            time: Timestamp::now(),
            action,
            outcome,
            reason: None,
            actor: Actor::system(),
            subject: None,
            categories: Vec::new(),
            purpose: None,
            legal_basis: None,
            recipient: None,
            policy_version: None,
            right: None,
            request_status: None,
            withheld: Vec::new(),
            key_version: None,
            count: None,
            request: None,
            correlation: None,
            evidence: None,
        }
    }

    /// Sets the time (imports, tests).
    pub fn at(mut self, time: Timestamp) -> Self {
        self.time = time;
        self
    }

    /// Sets who acted.
    pub fn with_actor(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    /// Sets the subject.
    pub fn with_subject(mut self, subject: SubjectPseudonym) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Sets the categories touched; they are kept ordered by code, without
    /// duplicates, so equal sets encode to equal bytes.
    pub fn with_categories(mut self, categories: impl IntoIterator<Item = Category>) -> Self {
        self.categories = categories.into_iter().collect();
        self.categories.sort_by_key(|c| c.code());
        self.categories.dedup();
        self
    }

    /// Sets the purpose.
    pub fn with_purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// Sets the lawful basis.
    pub fn with_legal_basis(mut self, basis: LawfulBasis) -> Self {
        self.legal_basis = Some(basis);
        self
    }

    /// Replaces the outcome (the same event, ended otherwise).
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Sets why a decision refused the use.
    pub fn with_reason(mut self, reason: RefusalReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// Sets the recipient.
    pub fn with_recipient(mut self, recipient: RecipientId) -> Self {
        self.recipient = Some(recipient);
        self
    }

    /// Sets the policy version.
    pub fn with_policy_version(mut self, version: PolicyVersion) -> Self {
        self.policy_version = Some(version);
        self
    }

    /// Sets the right concerned.
    pub fn with_right(mut self, right: Right) -> Self {
        self.right = Some(right);
        self
    }

    /// Sets the rights-request status.
    pub fn with_request_status(mut self, status: RequestStatus) -> Self {
        self.request_status = Some(status);
        self
    }

    /// Sets what an erasure kept back; kept ordered by category code,
    /// without duplicate categories (the first reason given wins).
    pub fn with_withheld(mut self, withheld: impl IntoIterator<Item = Withheld>) -> Self {
        self.withheld = withheld.into_iter().collect();
        self.withheld.sort_by_key(|w| w.category.code());
        self.withheld.dedup_by_key(|w| w.category.code());
        self
    }

    /// Sets the vault key version concerned.
    pub fn with_key_version(mut self, version: u32) -> Self {
        self.key_version = Some(version);
        self
    }

    /// Sets how many records the action touched.
    pub fn with_count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// Sets the request (or complaint) id.
    pub fn with_request(mut self, id: RequestId) -> Self {
        self.request = Some(id);
        self
    }

    /// Sets the correlation id.
    pub fn with_correlation(mut self, id: CorrelationId) -> Self {
        self.correlation = Some(id);
        self
    }

    /// Sets the evidence this event commits to.
    pub fn with_evidence(mut self, evidence: EvidenceRef) -> Self {
        self.evidence = Some(evidence);
        self
    }

    /// When it happened.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// What happened.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The same event with another outcome, at the current time: the
    /// follow-up an audited operation records when it fails after its
    /// event was recorded.
    pub(crate) fn with_outcome_now(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self.at(Timestamp::now())
    }

    /// Why a decision refused the use, for refused reveals and
    /// disclosures.
    pub fn reason(&self) -> Option<RefusalReason> {
        self.reason
    }

    /// The outcome.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Who acted.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whom it concerned.
    pub fn subject(&self) -> Option<&SubjectPseudonym> {
        self.subject.as_ref()
    }

    /// The categories touched, ordered by code.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The purpose.
    pub fn purpose(&self) -> Option<Purpose> {
        self.purpose
    }

    /// The lawful basis.
    pub fn legal_basis(&self) -> Option<LawfulBasis> {
        self.legal_basis
    }

    /// The recipient.
    pub fn recipient(&self) -> Option<&RecipientId> {
        self.recipient.as_ref()
    }

    /// The policy version.
    pub fn policy_version(&self) -> Option<&PolicyVersion> {
        self.policy_version.as_ref()
    }

    /// The right concerned.
    pub fn right(&self) -> Option<Right> {
        self.right
    }

    /// The rights-request status.
    pub fn request_status(&self) -> Option<RequestStatus> {
        self.request_status
    }

    /// What an erasure kept back.
    pub fn withheld(&self) -> &[Withheld] {
        &self.withheld
    }

    /// The vault key version concerned.
    pub fn key_version(&self) -> Option<u32> {
        self.key_version
    }

    /// How many records the action touched.
    pub fn count(&self) -> Option<u64> {
        self.count
    }

    /// The request id.
    pub fn request(&self) -> Option<RequestId> {
        self.request
    }

    /// The correlation id.
    pub fn correlation(&self) -> Option<CorrelationId> {
        self.correlation
    }

    /// The evidence reference.
    pub fn evidence(&self) -> Option<EvidenceRef> {
        self.evidence
    }

    /// The canonical entry bytes: a JSON object with every member in a
    /// fixed order, specified in [`formats`](super::formats).
    pub fn to_json(&self) -> Vec<u8> {
        // Events encode to about 300 to 700 bytes; one allocation.
        let mut bytes = Vec::with_capacity(768);
        match serde_json::to_writer(&mut bytes, self) {
            Ok(()) => bytes,
            // serde_json fails only when the writer fails (a Vec never
            // does) or a Serialize impl returns an error; every impl this
            // event uses writes strings and numbers unconditionally.
            Err(_) => unreachable!("audit events always encode"),
        }
    }

    /// Decodes entry bytes with the built-in taxonomy only. Host-defined
    /// categories or purposes need [`HostTaxonomy::decode`].
    ///
    /// # Errors
    ///
    /// [`DecodeError`] if the bytes are not a version-1 event; it never
    /// quotes the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DecodeError> {
        HostTaxonomy::default().decode(bytes)
    }
}

/// Host-defined categories and purposes, for reading events back.
///
/// An unknown name in an entry is an error rather than a new category: a
/// typo must not become a purpose nobody declared. Names are matched
/// built-ins first, so host categories need names of their own.
///
/// ```
/// use custodian::audit::{Action, AuditEvent, HostTaxonomy, Outcome};
/// use custodian::pii::Category;
///
/// const LOYALTY: Category = Category::host(0x8001, "loyalty");
/// let event = AuditEvent::new(Action::RetentionPurge, Outcome::Done).with_categories([LOYALTY]);
/// let bytes = event.to_json();
///
/// assert!(AuditEvent::from_json(&bytes).is_err());
/// let taxonomy = HostTaxonomy::new().with_category(LOYALTY);
/// assert_eq!(taxonomy.decode(&bytes)?, event);
/// # Ok::<(), custodian::audit::DecodeError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct HostTaxonomy {
    categories: Vec<Category>,
    purposes: Vec<Purpose>,
}

impl HostTaxonomy {
    /// Built-in categories and purposes only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a host category.
    pub fn with_category(mut self, category: Category) -> Self {
        self.categories.push(category);
        self
    }

    /// Adds a host purpose.
    pub fn with_purpose(mut self, purpose: Purpose) -> Self {
        self.purposes.push(purpose);
        self
    }

    fn category(&self, name: &str) -> Result<Category, DecodeError> {
        Category::BUILT_IN
            .iter()
            .chain(&self.categories)
            .copied()
            .find(|c| c.name() == name)
            .ok_or(DecodeError::new(DecodeProblem::Value("category")))
    }

    /// Decodes entry bytes, resolving host names through this taxonomy.
    ///
    /// # Errors
    ///
    /// [`DecodeError`] if the bytes are not a version-1 event, or name a
    /// category or purpose neither built in nor given here.
    pub fn decode(&self, bytes: &[u8]) -> Result<AuditEvent, DecodeError> {
        let wire: Wire = serde_json::from_slice(bytes).map_err(|e| DecodeError::from_json(&e))?;
        wire.into_event(self)
    }
}

impl Serialize for AuditEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Names<'a>(&'a [Category]);
        impl Serialize for Names<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|c| c.name()))
            }
        }
        struct Held<'a>(&'a [Withheld]);
        impl Serialize for Held<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|w| WireWithheld {
                    category: Cow::Borrowed(w.category.name()),
                    reason: w.reason,
                }))
            }
        }

        let mut s = serializer.serialize_struct("AuditEvent", 20)?;
        s.serialize_field("v", &ENTRY_VERSION)?;
        s.serialize_field("time", &self.time)?;
        s.serialize_field("action", &self.action)?;
        s.serialize_field("outcome", &self.outcome)?;
        // The one member written only when set, so that entries without
        // it keep the bytes they had before it existed.
        if let Some(reason) = self.reason {
            s.serialize_field("reason", &reason)?;
        }
        s.serialize_field("actor_role", &self.actor.role)?;
        s.serialize_field("actor", &self.actor.pseudonym)?;
        s.serialize_field("subject", &self.subject)?;
        s.serialize_field("categories", &Names(&self.categories))?;
        s.serialize_field("purpose", &self.purpose)?;
        s.serialize_field("legal_basis", &self.legal_basis)?;
        s.serialize_field("recipient", &self.recipient)?;
        s.serialize_field("policy_version", &self.policy_version)?;
        s.serialize_field("right", &self.right)?;
        s.serialize_field("request_status", &self.request_status)?;
        s.serialize_field("withheld", &Held(&self.withheld))?;
        s.serialize_field("key_version", &self.key_version)?;
        s.serialize_field("count", &self.count)?;
        s.serialize_field("request", &self.request)?;
        s.serialize_field("correlation", &self.correlation)?;
        s.serialize_field("evidence", &self.evidence)?;
        s.end()
    }
}

/// Deserializes with the built-in taxonomy only; see [`HostTaxonomy`] for
/// host names, and prefer [`AuditEvent::from_json`] for untrusted bytes:
/// its errors never quote the input, while a generic serde error may.
impl<'de> Deserialize<'de> for AuditEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Wire::deserialize(deserializer)?
            .into_event(&HostTaxonomy::default())
            .map_err(|e| serde::de::Error::custom(e.problem()))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireWithheld<'a> {
    #[serde(borrow)]
    category: Cow<'a, str>,
    reason: HoldReason,
}

/// The entry as it is on the wire; names are resolved in `into_event`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire<'a> {
    v: u32,
    #[serde(deserialize_with = "crate::time::canonical::deserialize")]
    time: Timestamp,
    action: Action,
    outcome: Outcome,
    #[serde(default, deserialize_with = "present_reason")]
    reason: Option<RefusalReason>,
    actor_role: Role,
    actor: Option<ActorPseudonym>,
    subject: Option<SubjectPseudonym>,
    #[serde(borrow)]
    categories: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    purpose: Option<Cow<'a, str>>,
    legal_basis: Option<LawfulBasis>,
    recipient: Option<RecipientId>,
    policy_version: Option<PolicyVersion>,
    right: Option<Right>,
    request_status: Option<RequestStatus>,
    #[serde(borrow)]
    withheld: Vec<WireWithheld<'a>>,
    key_version: Option<u32>,
    count: Option<u64>,
    request: Option<RequestId>,
    correlation: Option<CorrelationId>,
    evidence: Option<EvidenceRef>,
}

impl Wire<'_> {
    fn into_event(self, taxonomy: &HostTaxonomy) -> Result<AuditEvent, DecodeError> {
        if self.v != ENTRY_VERSION {
            return Err(DecodeError::new(DecodeProblem::Version));
        }
        let categories = self
            .categories
            .iter()
            .map(|name| taxonomy.category(name))
            .collect::<Result<Vec<_>, _>>()?;
        let purpose = self
            .purpose
            .map(|key| {
                Purpose::parse_with(&key, &taxonomy.purposes)
                    .map_err(|_| DecodeError::new(DecodeProblem::Value("purpose")))
            })
            .transpose()?;
        let withheld = self
            .withheld
            .iter()
            .map(|w| {
                Ok(Withheld {
                    category: taxonomy.category(&w.category)?,
                    reason: w.reason,
                })
            })
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let actor = Actor {
            role: self.actor_role,
            pseudonym: self.actor,
        };
        let event = AuditEvent {
            time: self.time,
            action: self.action,
            outcome: self.outcome,
            reason: self.reason,
            actor,
            subject: self.subject,
            categories,
            purpose,
            legal_basis: self.legal_basis,
            recipient: self.recipient,
            policy_version: self.policy_version,
            right: self.right,
            request_status: self.request_status,
            withheld,
            key_version: self.key_version,
            count: self.count,
            request: self.request,
            correlation: self.correlation,
            evidence: self.evidence,
        };
        // Canonical order is part of the format: an entry whose lists are
        // out of order or repeated would not re-encode to the same bytes.
        let canonical = event
            .clone()
            .with_categories(event.categories.iter().copied());
        let canonical = canonical.with_withheld(event.withheld.iter().copied());
        if canonical.categories != event.categories || canonical.withheld != event.withheld {
            return Err(DecodeError::new(DecodeProblem::Value("list order")));
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::pseudonym::Pseudonymizer;

    fn full_event() -> AuditEvent {
        let key = Pseudonymizer::from_bytes([5; 32]);
        AuditEvent::new(Action::Erasure, Outcome::Partial)
            .at(Timestamp::from_unix_millis(1_732_491_065_123).unwrap())
            .with_actor(Actor::staff(
                Role::new("privacy_officer"),
                key.actor("staff-1"),
            ))
            .with_subject(key.subject("cust-1"))
            .with_categories([Category::Transaction, Category::Contact, Category::Contact])
            .with_purpose(Purpose::LegalCompliance)
            .with_legal_basis(LawfulBasis::LegalObligation)
            .with_recipient(RecipientId::new("dhl"))
            .with_policy_version(PolicyVersion::new("2025-06-01"))
            .with_right(Right::Erasure)
            .with_request_status(RequestStatus::Fulfilled)
            .with_withheld([Withheld {
                category: Category::Transaction,
                reason: HoldReason::LegalObligation,
            }])
            .with_key_version(3)
            .with_count(12)
            .with_request(RequestId::from_u128(
                0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
            ))
            .with_correlation(CorrelationId::from_u128(42))
            .with_evidence(EvidenceRef::from_bytes([0xee; 32]))
    }

    #[test]
    fn full_event_round_trips_and_keeps_field_order() {
        let e = full_event();
        let json = String::from_utf8(e.to_json()).unwrap();
        let keys = [
            "v",
            "time",
            "action",
            "outcome",
            "actor_role",
            "actor",
            "subject",
            "categories",
            "purpose",
            "legal_basis",
            "recipient",
            "policy_version",
            "right",
            "request_status",
            "withheld",
            "key_version",
            "count",
            "request",
            "correlation",
            "evidence",
        ];
        let mut at = 0;
        for k in keys {
            let pos = json[at..]
                .find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k}"));
            at += pos + 1;
        }
        assert!(json.contains(r#""categories":["contact","transaction"]"#));
        assert_eq!(AuditEvent::from_json(json.as_bytes()).unwrap(), e);
        let via_serde: AuditEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(via_serde, e);
    }

    #[test]
    fn minimal_event_encodes_nulls() {
        let e = AuditEvent::new(Action::KeyRotated, Outcome::Done).at(Timestamp::EPOCH);
        assert_eq!(
            String::from_utf8(e.to_json()).unwrap(),
            concat!(
                r#"{"v":1,"time":"1970-01-01T00:00:00.000Z","action":"key_rotated","#,
                r#""outcome":"done","actor_role":"system","actor":null,"subject":null,"#,
                r#""categories":[],"purpose":null,"legal_basis":null,"recipient":null,"#,
                r#""policy_version":null,"right":null,"request_status":null,"withheld":[],"#,
                r#""key_version":null,"count":null,"request":null,"correlation":null,"#,
                r#""evidence":null}"#
            )
        );
    }

    #[test]
    fn decoding_is_strict_and_quiet() {
        let good = String::from_utf8(full_event().to_json()).unwrap();
        let cases = [
            good.replace(r#""v":1"#, r#""v":2"#),
            good.replace(r#""reveal""#, r#""peek""#)
                .replace(r#""erasure","#, r#""ada@example.com","#),
            good.replace(r#""dhl""#, r#""Ada Lovelace""#),
            good.replace(r#""contact","transaction""#, r#""transaction","contact""#),
            good.replace(r#""legal_compliance""#, r#""+49 30 1234567""#),
            good.replace(r#""evidence""#, r#""notes":"x","evidence""#),
            good.replace(r#","evidence":"#, r#","#)
                .replace(&"ee".repeat(32), ""),
            good[..good.len() - 1].to_owned(),
            "not json".to_owned(),
        ];
        for bad in cases {
            let err = AuditEvent::from_json(bad.as_bytes())
                .unwrap_err()
                .to_string();
            for secret in ["ada@example.com", "Ada Lovelace", "+49 30 1234567", "peek"] {
                assert!(!err.contains(secret), "{err}");
            }
        }
    }

    #[test]
    fn tokens_are_validated_without_echo() {
        assert!(Role::parse("support_agent").is_ok());
        assert!(RecipientId::parse("stripe.eu").is_ok());
        assert!(PolicyVersion::parse("v7.1").is_ok());
        for (bad, what) in [("ada@example.com", "role"), ("", "role"), ("A", "role")] {
            assert_eq!(
                Role::parse(bad).unwrap_err().to_string(),
                format!("invalid {what}")
            );
        }
        assert!(RecipientId::parse("ada@example.com").is_err());
        assert!(RecipientId::parse(&"a".repeat(65)).is_err());
        assert!(PolicyVersion::parse("1 2").is_err());
        assert!(RequestId::parse("ADA").is_err());
        let r = RequestId::random().unwrap();
        assert_eq!(RequestId::parse(&r.to_string()), Ok(r));
        assert_ne!(r, RequestId::random().unwrap());
    }

    #[test]
    fn key_enums_parse_their_keys() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.key()), Ok(*a));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.key()), Ok(*o));
        }
        for r in Right::ALL {
            assert_eq!(Right::parse(r.key()), Ok(*r));
        }
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.key()), Ok(*s));
        }
        for h in HoldReason::ALL {
            assert_eq!(HoldReason::parse(h.key()), Ok(*h));
        }
        assert_eq!(Action::ALL.len(), 30);
    }

    #[test]
    fn refusal_reasons_round_trip_and_are_left_out_when_empty() {
        for r in DenialReason::ALL.map(RefusalReason::Denied) {
            assert_eq!(RefusalReason::parse(r.key()), Ok(r));
        }
        for g in GapKind::ALL.map(RefusalReason::Gap) {
            assert_eq!(RefusalReason::parse(g.key()), Ok(g));
        }
        assert!(RefusalReason::parse("because").is_err());
        let plain = AuditEvent::new(Action::Reveal, Outcome::Allowed);
        assert!(
            !String::from_utf8(plain.to_json())
                .unwrap()
                .contains("reason")
        );
        let denied = AuditEvent::new(Action::Reveal, Outcome::Denied)
            .with_reason(RefusalReason::Denied(DenialReason::NoConsent));
        let json = String::from_utf8(denied.to_json()).unwrap();
        assert!(json.contains(r#""outcome":"denied","reason":"no_consent","actor_role""#));
        assert_eq!(AuditEvent::from_json(json.as_bytes()), Ok(denied));
        let null = json.replace(r#""reason":"no_consent""#, r#""reason":null"#);
        assert!(AuditEvent::from_json(null.as_bytes()).is_err());
    }
}
