//! Consent events: what the subject (or a signal, or time) said about one
//! purpose, when, how, where and under which notice.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::SubjectId;
use crate::ids::{ConsentEventId, Jurisdiction, PolicyVersion, RecipientId, Reference};
use crate::purpose::Purpose;
use crate::time::Timestamp;

/// What a consent event records: the W3C DPV consent statuses, plus an
/// objection (GDPR Art. 21).
///
/// | status | key | DPV | counts as consent |
/// |---|---|---|---|
/// | [`Given`](Self::Given) | `given` | `ConsentGiven` | yes |
/// | [`Renewed`](Self::Renewed) | `renewed` | `RenewedConsentGiven` | yes |
/// | [`Refused`](Self::Refused) | `refused` | `ConsentRefused` | no |
/// | [`Withdrawn`](Self::Withdrawn) | `withdrawn` | `ConsentWithdrawn` | no |
/// | [`Expired`](Self::Expired) | `expired` | `ConsentExpired` | no |
/// | [`Invalidated`](Self::Invalidated) | `invalidated` | `ConsentInvalidated` | no |
/// | [`Objected`](Self::Objected) | `objected` | (none: an Art. 21 objection) | no |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConsentStatus {
    /// The subject gave consent.
    Given,
    /// The subject renewed an earlier consent (re-consent after a
    /// material change, or before expiry).
    Renewed,
    /// The subject, or a signal such as GPC, said no.
    Refused,
    /// The subject withdrew consent (GDPR Art. 7(3)).
    Withdrawn,
    /// The consent ran out.
    Expired,
    /// The consent was found invalid (collected wrongly, under a notice
    /// that was not shown).
    Invalidated,
    /// The subject objected to the processing (GDPR Art. 21); for direct
    /// marketing this is absolute.
    Objected,
}

impl ConsentStatus {
    /// Every status, in declaration order.
    pub const ALL: [ConsentStatus; 7] = [
        Self::Given,
        Self::Renewed,
        Self::Refused,
        Self::Withdrawn,
        Self::Expired,
        Self::Invalidated,
        Self::Objected,
    ];

    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Given => "given",
            Self::Renewed => "renewed",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
            Self::Invalidated => "invalidated",
            Self::Objected => "objected",
        }
    }

    /// The W3C DPV consent-status term, if DPV has one.
    pub const fn dpv(self) -> Option<&'static str> {
        match self {
            Self::Given => Some("ConsentGiven"),
            Self::Renewed => Some("RenewedConsentGiven"),
            Self::Refused => Some("ConsentRefused"),
            Self::Withdrawn => Some("ConsentWithdrawn"),
            Self::Expired => Some("ConsentExpired"),
            Self::Invalidated => Some("ConsentInvalidated"),
            Self::Objected => None,
        }
    }

    /// Whether the status lets consent-based processing go ahead (DPV's
    /// "valid for processing"): given or renewed.
    pub const fn is_valid_for_processing(self) -> bool {
        matches!(self, Self::Given | Self::Renewed)
    }

    /// Whether the status ends consent-based processing. A purpose-wide
    /// event with such a status also ends every recipient-specific
    /// consent for the purpose.
    pub const fn is_negative(self) -> bool {
        !self.is_valid_for_processing()
    }
}

impl fmt::Display for ConsentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How a consent event was collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CollectionMethod {
    /// A form on the host's web site or app.
    WebForm,
    /// A call to the host's API.
    Api,
    /// A support agent, on the subject's request (phone, chat).
    SupportCall,
    /// A Global Privacy Control signal (`Sec-GPC: 1`).
    Gpc,
    /// A reply or a link in an e-mail.
    Email,
    /// A signed paper form.
    Paper,
    /// The host's own jobs: expiry sweeps, invalidation, imports.
    System,
}

impl CollectionMethod {
    /// The stable snake_case key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::WebForm => "web_form",
            Self::Api => "api",
            Self::SupportCall => "support_call",
            Self::Gpc => "gpc",
            Self::Email => "email",
            Self::Paper => "paper",
            Self::System => "system",
        }
    }
}

impl fmt::Display for CollectionMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The circumstances of a consent event: under which notice, when, how,
/// where, until when, and what proves it (the ISO/IEC TS 27560 record
/// fields beyond subject, purpose and status).
///
/// One value describes one interaction, so giving and withdrawing take the
/// same arguments:
///
/// ```
/// use custodian::consent::{Collection, CollectionMethod};
/// use custodian::ids::{Jurisdiction, PolicyVersion, Reference};
/// use custodian::time::Timestamp;
///
/// let how = Collection::new(
///     PolicyVersion::new("2025-06"),
///     Timestamp::parse("2025-07-01T09:30:00Z")?,
///     CollectionMethod::WebForm,
///     Jurisdiction::new("DE"),
/// )
/// .proof(Reference::new("form:newsletter/v3#8812"))
/// .expires(Timestamp::parse("2027-07-01T00:00:00Z")?);
/// assert_eq!(how.method(), CollectionMethod::WebForm);
/// # Ok::<(), custodian::time::InvalidTimestamp>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collection {
    version: PolicyVersion,
    time: Timestamp,
    method: CollectionMethod,
    jurisdiction: Jurisdiction,
    proof: Option<Reference>,
    expires: Option<Timestamp>,
}

impl Collection {
    /// An interaction under notice `version` at `time`.
    pub fn new(
        version: PolicyVersion,
        time: Timestamp,
        method: CollectionMethod,
        jurisdiction: Jurisdiction,
    ) -> Self {
        Self {
            version,
            time,
            method,
            jurisdiction,
            proof: None,
            expires: None,
        }
    }

    /// The same interaction, recorded at `time` instead.
    pub(crate) fn at(mut self, time: Timestamp) -> Self {
        self.time = time;
        self
    }

    /// Where the evidence of the interaction is kept in the host's records.
    #[must_use]
    pub fn proof(mut self, proof: Reference) -> Self {
        self.proof = Some(proof);
        self
    }

    /// When a consent given in this interaction runs out.
    #[must_use]
    pub fn expires(mut self, at: Timestamp) -> Self {
        self.expires = Some(at);
        self
    }

    /// The notice version.
    pub fn version(&self) -> &PolicyVersion {
        &self.version
    }

    /// The time.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// The method.
    pub fn method(&self) -> CollectionMethod {
        self.method
    }

    /// The jurisdiction.
    pub fn jurisdiction(&self) -> &Jurisdiction {
        &self.jurisdiction
    }

    /// The proof reference.
    pub fn proof_ref(&self) -> Option<&Reference> {
        self.proof.as_ref()
    }

    /// The expiry.
    pub fn expiry(&self) -> Option<Timestamp> {
        self.expires
    }
}

/// One entry of the consent ledger, shaped after an ISO/IEC TS 27560
/// consent record event: subject, purpose (and optionally recipient),
/// status, notice version, time (UTC), collection method, jurisdiction,
/// optional expiry and proof reference.
///
/// Serialized with these snake_case member names; `recipient`, `expires`
/// and `proof` are omitted when absent, `gpc_conflict` and
/// `lifts_objection` when false (so events written before
/// `lifts_objection` existed read back unchanged). Purposes serialize as
/// their key; host purposes deserialize only through a store that knows
/// them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentEvent {
    id: ConsentEventId,
    #[serde(with = "subject_text")]
    subject: SubjectId,
    purpose: Purpose,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recipient: Option<RecipientId>,
    status: ConsentStatus,
    version: PolicyVersion,
    time: Timestamp,
    method: CollectionMethod,
    jurisdiction: Jurisdiction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proof: Option<Reference>,
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    gpc_conflict: bool,
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    lifts_objection: bool,
}

impl ConsentEvent {
    /// An event about `purpose` (for every recipient when `recipient` is
    /// `None`).
    pub fn new(
        id: ConsentEventId,
        subject: SubjectId,
        purpose: Purpose,
        recipient: Option<RecipientId>,
        status: ConsentStatus,
        how: &Collection,
    ) -> Self {
        Self {
            id,
            subject,
            purpose,
            recipient,
            status,
            version: how.version,
            time: how.time,
            method: how.method,
            jurisdiction: how.jurisdiction.clone(),
            expires: how.expires,
            proof: how.proof.clone(),
            gpc_conflict: false,
            lifts_objection: false,
        }
    }

    /// Marks a consent that lifts the subject's earlier objection to the
    /// purpose, as the policy in force allowed
    /// ([`Policy::consent_lifts_objection`](crate::policy::Policy::consent_lifts_objection)).
    /// The [`ConsentLedger`](super::ConsentLedger) sets it; without it a
    /// consent after an objection to direct marketing changes nothing
    /// (see [`fold`](super::fold)).
    #[must_use]
    pub fn with_lifted_objection(mut self) -> Self {
        self.lifts_objection = true;
        self
    }

    /// Whether this consent lifts an earlier objection.
    pub fn lifts_objection(&self) -> bool {
        self.lifts_objection
    }

    /// Marks a GPC refusal that overrode an explicit opt-in.
    #[must_use]
    pub fn with_gpc_conflict(mut self) -> Self {
        self.gpc_conflict = true;
        self
    }

    /// The event's id.
    pub fn id(&self) -> ConsentEventId {
        self.id
    }

    /// The subject.
    pub fn subject(&self) -> &SubjectId {
        &self.subject
    }

    /// The purpose.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The recipient the event is limited to, if any.
    pub fn recipient(&self) -> Option<&RecipientId> {
        self.recipient.as_ref()
    }

    /// The status.
    pub fn status(&self) -> ConsentStatus {
        self.status
    }

    /// The notice (policy) version the subject saw.
    pub fn version(&self) -> &PolicyVersion {
        &self.version
    }

    /// When it happened.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// How it was collected.
    pub fn method(&self) -> CollectionMethod {
        self.method
    }

    /// Where it was collected.
    pub fn jurisdiction(&self) -> &Jurisdiction {
        &self.jurisdiction
    }

    /// When the consent runs out, if it does.
    pub fn expires(&self) -> Option<Timestamp> {
        self.expires
    }

    /// The proof reference, if any.
    pub fn proof(&self) -> Option<&Reference> {
        self.proof.as_ref()
    }

    /// Whether this is a GPC refusal that overrode an explicit opt-in.
    pub fn gpc_conflict(&self) -> bool {
        self.gpc_conflict
    }
}

/// The subject id as a JSON string, through [`SubjectId::try_new`].
mod subject_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::SubjectId;

    pub(super) fn serialize<S: Serializer>(
        id: &SubjectId,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(id.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<SubjectId, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        SubjectId::try_new(s.into_owned())
            .map_err(|_| serde::de::Error::custom("invalid subject id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_split_into_valid_and_negative() {
        let valid: Vec<_> = ConsentStatus::ALL
            .into_iter()
            .filter(|s| s.is_valid_for_processing())
            .collect();
        assert_eq!(valid, [ConsentStatus::Given, ConsentStatus::Renewed]);
        for s in ConsentStatus::ALL {
            assert_eq!(s.is_negative(), !valid.contains(&s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.key()));
        }
    }

    #[test]
    fn events_serialize_with_the_27560_field_set() {
        let how = Collection::new(
            PolicyVersion::new("7"),
            Timestamp::from_unix_millis(1_700_000_000_000).unwrap(),
            CollectionMethod::Gpc,
            Jurisdiction::new("US-CA"),
        );
        let event = ConsentEvent::new(
            ConsentEventId::from_bytes([0; 16]),
            SubjectId::try_new("cus_1").unwrap(),
            Purpose::Marketing,
            None,
            ConsentStatus::Refused,
            &how,
        )
        .with_gpc_conflict();
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"id":"00000000-0000-4000-8000-000000000000","subject":"cus_1","purpose":"marketing","status":"refused","version":"7","time":"2023-11-14T22:13:20.000Z","method":"gpc","jurisdiction":"US-CA","gpc_conflict":true}"#
        );
        assert_eq!(serde_json::from_str::<ConsentEvent>(&json).unwrap(), event);
    }
}
