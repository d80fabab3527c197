//! Rights requests: their kinds, statuses and the transitions between
//! them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::deadline::{Deadlines, Profile};
use super::error::RightsError;
use crate::SubjectId;
use crate::audit::{self, RequestId, Right};
use crate::ids::Reference;
use crate::pii::Category;
use crate::purpose::Purpose;
use crate::time::{Date, Timestamp};
use crate::vault::Envelope;

/// What the subject asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequestKind {
    /// A copy of their data (GDPR Art. 15).
    Access,
    /// The data they provided, to take elsewhere (Art. 20).
    Portability,
    /// A correction (Art. 16).
    Rectification,
    /// Erasure (Art. 17), within legal limits.
    Erasure,
    /// Restriction of processing (Art. 18).
    Restriction,
    /// An objection to a purpose (Art. 21).
    Objection,
    /// Withdrawal of a consent (Art. 7(3)).
    ConsentWithdrawal,
    /// A complaint (grievance) about how their data was handled.
    Complaint,
}

impl RequestKind {
    /// Every kind.
    pub const ALL: [RequestKind; 8] = [
        Self::Access,
        Self::Portability,
        Self::Rectification,
        Self::Erasure,
        Self::Restriction,
        Self::Objection,
        Self::ConsentWithdrawal,
        Self::Complaint,
    ];

    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Portability => "portability",
            Self::Rectification => "rectification",
            Self::Erasure => "erasure",
            Self::Restriction => "restriction",
            Self::Objection => "objection",
            Self::ConsentWithdrawal => "consent_withdrawal",
            Self::Complaint => "complaint",
        }
    }

    /// The right exercised, as audit events name it; `None` for
    /// complaints, which have events of their own.
    pub const fn right(self) -> Option<Right> {
        match self {
            Self::Access => Some(Right::Access),
            Self::Portability => Some(Right::Portability),
            Self::Rectification => Some(Right::Rectification),
            Self::Erasure => Some(Right::Erasure),
            Self::Restriction => Some(Right::Restriction),
            Self::Objection => Some(Right::Objection),
            Self::ConsentWithdrawal => Some(Right::WithdrawConsent),
            Self::Complaint => None,
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Where a request stands: the W3C DPV request statuses, plus identity
/// unverified and refused as manifestly unfounded or excessive
/// (GDPR Art. 12(5) and (6)).
///
/// ```text
/// initiated ──► acknowledged ──► accepted ──► fulfilled
///     │              │  ▲           │  ▲  └──► unfulfilled
///     │              ▼  │           ▼  │
///     ├──► identity_unverified   requires_action / action_delayed
///     └──► rejected | refused (from initiated, acknowledged, identity_unverified)
/// ```
///
/// The closed statuses ([`is_closed`](Self::is_closed)) have no way out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Received (`dpv:RequestInitiated`).
    Initiated,
    /// Receipt confirmed to the subject (`dpv:RequestAcknowledged`).
    Acknowledged,
    /// The requester's identity is not confirmed yet; more information
    /// was asked for (Art. 12(6)).
    IdentityUnverified,
    /// Accepted for handling (`dpv:RequestAccepted`).
    Accepted,
    /// Waiting for the subject (`dpv:RequestRequiresAction`).
    RequiresAction,
    /// Extended, with the reason recorded (`dpv:RequestActionDelayed`).
    ActionDelayed,
    /// Done (`dpv:RequestFulfilled`).
    Fulfilled,
    /// Closed without being done (`dpv:RequestUnfulfilled`).
    Unfulfilled,
    /// Refused with a reason and the subject's remedies
    /// (`dpv:RequestRejected`, Art. 12(4)).
    Rejected,
    /// Refused as manifestly unfounded or excessive, with the evidence
    /// recorded (Art. 12(5)).
    RefusedUnfounded,
}

impl Status {
    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::Acknowledged => "acknowledged",
            Self::IdentityUnverified => "identity_unverified",
            Self::Accepted => "accepted",
            Self::RequiresAction => "requires_action",
            Self::ActionDelayed => "action_delayed",
            Self::Fulfilled => "fulfilled",
            Self::Unfulfilled => "unfulfilled",
            Self::Rejected => "rejected",
            Self::RefusedUnfounded => "refused_unfounded",
        }
    }

    /// The DPV term, where DPV has one.
    pub const fn dpv(self) -> Option<&'static str> {
        match self {
            Self::Initiated => Some("dpv:RequestInitiated"),
            Self::Acknowledged => Some("dpv:RequestAcknowledged"),
            Self::Accepted => Some("dpv:RequestAccepted"),
            Self::RequiresAction => Some("dpv:RequestRequiresAction"),
            Self::ActionDelayed => Some("dpv:RequestActionDelayed"),
            Self::Fulfilled => Some("dpv:RequestFulfilled"),
            Self::Unfulfilled => Some("dpv:RequestUnfulfilled"),
            Self::Rejected | Self::RefusedUnfounded => Some("dpv:RequestRejected"),
            Self::IdentityUnverified => None,
        }
    }

    /// Whether the request is closed.
    pub const fn is_closed(self) -> bool {
        matches!(
            self,
            Self::Fulfilled | Self::Unfulfilled | Self::Rejected | Self::RefusedUnfounded
        )
    }

    /// Whether a request may go from `self` to `to`.
    pub const fn may_become(self, to: Status) -> bool {
        use Status::*;
        match self {
            Initiated | Acknowledged => {
                matches!(
                    to,
                    Acknowledged | IdentityUnverified | Accepted | Rejected | RefusedUnfounded
                ) && !matches!((self, to), (Acknowledged, Acknowledged))
            }
            IdentityUnverified => {
                matches!(to, Accepted | Rejected | RefusedUnfounded | Unfulfilled)
            }
            Accepted | ActionDelayed => {
                matches!(to, RequiresAction | ActionDelayed | Fulfilled | Unfulfilled)
                    && !matches!((self, to), (ActionDelayed, ActionDelayed))
            }
            RequiresAction => matches!(to, Accepted | ActionDelayed | Fulfilled | Unfulfilled),
            Fulfilled | Unfulfilled | Rejected | RefusedUnfounded => false,
        }
    }

    /// The status as audit events name it.
    pub(crate) const fn audited(self) -> audit::RequestStatus {
        use audit::RequestStatus as A;
        match self {
            Self::Initiated => A::Initiated,
            Self::Acknowledged => A::Acknowledged,
            Self::IdentityUnverified => A::IdentityUnverified,
            Self::Accepted => A::Accepted,
            Self::RequiresAction => A::RequiresAction,
            Self::ActionDelayed => A::ActionDelayed,
            Self::Fulfilled => A::Fulfilled,
            Self::Unfulfilled => A::Unfulfilled,
            Self::Rejected => A::Rejected,
            Self::RefusedUnfounded => A::RefusedUnfounded,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Why a request was rejected (Art. 12(4)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectionReason {
    /// The requester could not be identified as the subject.
    IdentityNotConfirmed,
    /// No data about the requester is held.
    NoDataHeld,
    /// An exemption of the law applies (Art. 17(3), Art. 23).
    LegalExemption,
    /// The right does not apply to this processing (for example
    /// portability of data processed on a legal obligation).
    RightNotApplicable,
    /// Complying would adversely affect the rights of others (Art. 15(4)).
    RightsOfOthers,
}

impl RejectionReason {
    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::IdentityNotConfirmed => "identity_not_confirmed",
            Self::NoDataHeld => "no_data_held",
            Self::LegalExemption => "legal_exemption",
            Self::RightNotApplicable => "right_not_applicable",
            Self::RightsOfOthers => "rights_of_others",
        }
    }
}

/// The notice of remedies every refusal carries (Art. 12(4)): the
/// subject may complain to a supervisory authority and seek a judicial
/// remedy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remedies {
    /// The supervisory authority the subject may complain to.
    pub authority: String,
    /// Where to reach it (a URL).
    pub contact: String,
}

impl Remedies {
    /// The notice naming `authority`, reachable at `contact`.
    pub fn new(authority: &str, contact: &str) -> Self {
        Self {
            authority: authority.to_owned(),
            contact: contact.to_owned(),
        }
    }
}

impl fmt::Display for Remedies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "you may lodge a complaint with {} ({}) and seek a judicial remedy before a court",
            self.authority, self.contact
        )
    }
}

/// A rejection: its reason and the remedies notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Why.
    pub reason: RejectionReason,
    /// What the subject can do about it.
    pub remedies: Remedies,
}

/// Whether a refused request was manifestly unfounded or excessive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unfounded {
    /// Manifestly unfounded.
    Unfounded,
    /// Excessive, in particular because repetitive.
    Excessive,
}

/// The refusal of a manifestly unfounded or excessive request: the
/// controller bears the burden of proof (Art. 12(5)), so the evidence is
/// named, and the remedies notice goes with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnfoundedRefusal {
    /// Unfounded or excessive.
    pub ground: Unfounded,
    /// Where the evidence is kept (a case or document reference).
    pub evidence: Reference,
    /// What the subject can do about it.
    pub remedies: Remedies,
}

/// Why a request was extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExtensionReason {
    /// The request is complex.
    Complexity,
    /// Many requests arrived.
    NumberOfRequests,
}

/// A recorded extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Why.
    pub reason: ExtensionReason,
    /// When it was recorded (and the subject told).
    pub recorded: Timestamp,
}

/// One status change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The status before.
    pub from: Status,
    /// The status after.
    pub to: Status,
    /// When.
    pub at: Timestamp,
}

/// A complaint's own record: what it is about, sealed, and how it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Complaint {
    /// The subject's description, sealed to the subject.
    pub description: Envelope,
    /// The category concerned, if the subject named one.
    pub category: Option<Category>,
    /// The purpose concerned, if the subject named one.
    pub purpose: Option<Purpose>,
    /// Investigation notes, each sealed to the subject.
    pub notes: Vec<(Timestamp, Envelope)>,
    /// The outcome communicated to the subject.
    pub outcome: Option<ComplaintOutcome>,
}

/// How a complaint ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ComplaintOutcome {
    /// The complaint was right and the cause was remedied.
    Upheld,
    /// Partly right; partly remedied.
    PartlyUpheld,
    /// No infringement was found.
    NotUpheld,
}

/// One rights request (or complaint) and everything that happened to it:
/// the record CCPA §7101 asks to keep (date, nature, manner, response
/// date and nature, basis of a denial).
///
/// Records are purpose-locked: they are read only for
/// [`Purpose::LegalCompliance`] (see
/// [`Custodian::request`](crate::Custodian::request)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub(crate) id: RequestId,
    pub(crate) subject: SubjectId,
    pub(crate) kind: RequestKind,
    pub(crate) profile: Profile,
    pub(crate) received: Timestamp,
    pub(crate) deadlines: Deadlines,
    pub(crate) status: Status,
    pub(crate) history: Vec<Transition>,
    pub(crate) extension: Option<Extension>,
    pub(crate) rejection: Option<Rejection>,
    pub(crate) refusal: Option<UnfoundedRefusal>,
    pub(crate) complaint: Option<Complaint>,
    pub(crate) revision: u64,
}

impl Request {
    /// A request just received.
    pub(crate) fn new(
        id: RequestId,
        subject: SubjectId,
        kind: RequestKind,
        profile: Profile,
        received: Timestamp,
        deadlines: Deadlines,
    ) -> Self {
        Self {
            id,
            subject,
            kind,
            profile,
            received,
            deadlines,
            status: Status::Initiated,
            history: Vec::new(),
            extension: None,
            rejection: None,
            refusal: None,
            complaint: None,
            revision: 0,
        }
    }

    /// The id.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// Whose request it is.
    pub fn subject(&self) -> &SubjectId {
        &self.subject
    }

    /// What is asked.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// The deadline profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// When it arrived.
    pub fn received(&self) -> Timestamp {
        self.received
    }

    /// The deadlines in force (after an extension, the extended one).
    pub fn deadlines(&self) -> Deadlines {
        self.deadlines
    }

    /// Where it stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Every status change, oldest first.
    pub fn history(&self) -> &[Transition] {
        &self.history
    }

    /// When it was closed, if it was.
    pub fn closed(&self) -> Option<Timestamp> {
        self.status
            .is_closed()
            .then(|| self.history.last().map(|t| t.at))
            .flatten()
    }

    /// The extension, if one was recorded.
    pub fn extension(&self) -> Option<Extension> {
        self.extension
    }

    /// The rejection, if rejected.
    pub fn rejection(&self) -> Option<&Rejection> {
        self.rejection.as_ref()
    }

    /// The refusal as unfounded or excessive, if refused.
    pub fn refusal(&self) -> Option<&UnfoundedRefusal> {
        self.refusal.as_ref()
    }

    /// The complaint record, for complaints.
    pub fn complaint(&self) -> Option<&Complaint> {
        self.complaint.as_ref()
    }

    /// The store revision (0 when new; each stored change adds one).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether it is open and past its response date on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.status.is_closed() && self.deadlines.respond_by < today
    }

    /// Moves to `to` at `at`.
    pub(crate) fn become_(&mut self, to: Status, at: Timestamp) -> Result<(), RightsError> {
        if !self.status.may_become(to) {
            return Err(RightsError::IllegalTransition {
                from: self.status,
                to,
            });
        }
        self.history.push(Transition {
            from: self.status,
            to,
            at,
        });
        self.status = to;
        Ok(())
    }

    /// Records an extension at `at` and moves to `action_delayed`.
    pub(crate) fn extend(
        &mut self,
        reason: ExtensionReason,
        at: Timestamp,
    ) -> Result<(), RightsError> {
        if self.extension.is_some() {
            return Err(super::deadline::DeadlineError::AlreadyExtended.into());
        }
        if !self.status.may_become(Status::ActionDelayed) {
            return Err(RightsError::IllegalTransition {
                from: self.status,
                to: Status::ActionDelayed,
            });
        }
        let respond_by = self
            .profile
            .extended(Date::of(self.received), Date::of(at))?;
        self.become_(Status::ActionDelayed, at)?;
        self.deadlines.respond_by = respond_by;
        self.extension = Some(Extension {
            reason,
            recorded: at,
        });
        Ok(())
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// The JSON form durable stores keep of a request (one document per
/// request; subject as the host's id, envelopes in their text form,
/// categories as their codes).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    id: RequestId,
    subject: String,
    kind: RequestKind,
    profile: Profile,
    received: Timestamp,
    deadlines: Deadlines,
    status: Status,
    history: Vec<Transition>,
    extension: Option<Extension>,
    rejection: Option<Rejection>,
    refusal: Option<UnfoundedRefusal>,
    complaint: Option<StoredComplaint>,
    revision: u64,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredComplaint {
    description: String,
    category: Option<u16>,
    purpose: Option<Purpose>,
    notes: Vec<(Timestamp, String)>,
    outcome: Option<ComplaintOutcome>,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl Request {
    /// The document a durable store keeps.
    pub(crate) fn to_stored(&self) -> Vec<u8> {
        let complaint = self.complaint.as_ref().map(|c| StoredComplaint {
            description: c.description.to_text(),
            category: c.category.map(Category::code),
            purpose: c.purpose,
            notes: c.notes.iter().map(|(t, e)| (*t, e.to_text())).collect(),
            outcome: c.outcome,
        });
        let stored = Stored {
            id: self.id,
            subject: self.subject.as_str().to_owned(),
            kind: self.kind,
            profile: self.profile,
            received: self.received,
            deadlines: self.deadlines,
            status: self.status,
            history: self.history.clone(),
            extension: self.extension,
            rejection: self.rejection.clone(),
            refusal: self.refusal.clone(),
            complaint,
            revision: self.revision,
        };
        // Every member is a string, number, or a struct of them.
        serde_json::to_vec(&stored).unwrap_or_default()
    }

    /// A request from its stored document; `None` if it does not decode.
    pub(crate) fn from_stored(bytes: &[u8]) -> Option<Self> {
        let s: Stored = serde_json::from_slice(bytes).ok()?;
        let complaint = match s.complaint {
            None => None,
            Some(c) => Some(Complaint {
                description: Envelope::from_text(&c.description).ok()?,
                category: match c.category {
                    Some(code) => Some(Category::from_code(code)?),
                    None => None,
                },
                purpose: c.purpose,
                notes: c
                    .notes
                    .iter()
                    .map(|(t, e)| Envelope::from_text(e).ok().map(|e| (*t, e)))
                    .collect::<Option<_>>()?,
                outcome: c.outcome,
            }),
        };
        Some(Self {
            id: s.id,
            subject: SubjectId::try_new(s.subject).ok()?,
            kind: s.kind,
            profile: s.profile,
            received: s.received,
            deadlines: s.deadlines,
            status: s.status,
            history: s.history,
            extension: s.extension,
            rejection: s.rejection,
            refusal: s.refusal,
            complaint,
            revision: s.revision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Status; 10] = [
        Status::Initiated,
        Status::Acknowledged,
        Status::IdentityUnverified,
        Status::Accepted,
        Status::RequiresAction,
        Status::ActionDelayed,
        Status::Fulfilled,
        Status::Unfulfilled,
        Status::Rejected,
        Status::RefusedUnfounded,
    ];

    #[test]
    fn closed_statuses_have_no_way_out_and_nothing_returns_to_initiated() {
        for from in ALL {
            for to in ALL {
                if from.is_closed() || to == Status::Initiated || from == to {
                    assert!(!from.may_become(to), "{from} -> {to}");
                }
            }
        }
    }

    #[test]
    fn refusals_come_before_acceptance_and_fulfilment_after() {
        assert!(Status::Initiated.may_become(Status::Rejected));
        assert!(Status::IdentityUnverified.may_become(Status::RefusedUnfounded));
        assert!(!Status::Accepted.may_become(Status::Rejected));
        assert!(!Status::Initiated.may_become(Status::Fulfilled));
        assert!(!Status::IdentityUnverified.may_become(Status::Fulfilled));
        assert!(Status::Accepted.may_become(Status::Fulfilled));
        assert!(Status::RequiresAction.may_become(Status::Accepted));
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    #[test]
    fn stored_documents_round_trip() {
        let at = Timestamp::from_unix_secs(1_700_000_000).unwrap();
        let deadlines = Profile::Gdpr
            .deadlines(Date::of(at), &super::super::Weekdays)
            .unwrap();
        let mut r = Request::new(
            RequestId::from_u128(5),
            SubjectId::new("cus_1"),
            RequestKind::Erasure,
            Profile::Gdpr,
            at,
            deadlines,
        );
        r.become_(Status::Accepted, at).unwrap();
        r.extend(ExtensionReason::Complexity, at).unwrap();
        r.revision = 3;
        assert_eq!(Request::from_stored(&r.to_stored()), Some(r.clone()));
        assert_eq!(Request::from_stored(b"{}"), None);
        let mut text = r.to_stored();
        text.pop();
        assert_eq!(Request::from_stored(&text), None);
    }

    #[test]
    fn remedies_name_the_authority_and_the_courts() {
        let text = Remedies::new("BfDI", "https://www.bfdi.bund.de").to_string();
        assert!(text.contains("BfDI") && text.contains("court"));
    }
}
