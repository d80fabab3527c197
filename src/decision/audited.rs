//! The audit side of decisions that have an effect: every reveal and
//! disclosure is recorded, allowed or not, before anything is returned.

use thiserror::Error;

use super::{Actor, Decider, Decision, Refusal, Use};
use crate::audit::{self, Action, AuditEvent, CorrelationId, Outcome, RefusalReason, SinkError};
use crate::consent::ConsentStore;

/// A reveal or disclosure that did not go ahead.
///
/// Messages never carry the value, the subject or free text: a refusal
/// names its reason, an audit failure says that the event was not
/// recorded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum UseError {
    /// The decision refused the use (it was audited as denied).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The audit event could not be recorded, so nothing was revealed or
    /// allowed (fail closed), whatever the decision was.
    #[error("not done: {0}")]
    Unaudited(#[from] SinkError),
    /// The value belongs to another subject than the one named: nothing
    /// was checked, recorded or revealed.
    #[error("the value belongs to another subject than the one named")]
    WrongSubject,
    /// The disclosure was allowed but could not be recorded for the
    /// subject's access and recipient notices (GDPR Art. 15, 19): do not
    /// send.
    #[error("not done: the disclosure could not be recorded")]
    Unrecorded,
}

impl UseError {
    /// The refusal, if the decision refused the use.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(r) => Some(r),
            Self::Unaudited(_) | Self::WrongSubject | Self::Unrecorded => None,
        }
    }
}

impl<S: ConsentStore> Decider<'_, S> {
    /// Decides `request` and records the decision as an `action` event
    /// by `actor`, before the caller acts on it.
    ///
    /// # Errors
    ///
    /// [`UseError::Unaudited`] if the event was not recorded;
    /// [`UseError::Refused`] if the decision refused the use.
    pub(crate) fn decide_audited(
        &self,
        action: Action,
        request: &Use<'_>,
        actor: audit::Actor,
    ) -> Result<super::Allowance, UseError> {
        let decision = self.decide(request);
        let auditor = self.ledger().auditor();
        auditor.record(&event(action, request, &decision, actor, auditor))?;
        Ok(decision.into_result()?)
    }
}

/// The event of a decision: the use's closed fields, the subject's
/// pseudonym, and the answer (basis or reason, policy version, consent).
fn event(
    action: Action,
    request: &Use<'_>,
    decision: &Decision,
    actor: audit::Actor,
    auditor: &audit::Auditor,
) -> AuditEvent {
    let outcome = if decision.is_allowed() {
        Outcome::Allowed
    } else {
        Outcome::Denied
    };
    let mut event = AuditEvent::new(action, outcome)
        .at(request.at)
        .with_actor(actor)
        .with_subject(auditor.subject(request.subject))
        .with_categories(request.categories.iter().copied())
        .with_purpose(request.purpose);
    if let Actor::Recipient(recipient) = request.actor {
        event = event.with_recipient(recipient.clone());
    }
    if let Some(version) = decision.version() {
        event = event.with_policy_version(version);
    }
    if let Some(basis) = decision.basis() {
        event = event.with_legal_basis(basis);
    }
    if let Some(consent) = decision.consent_event() {
        event = event.with_correlation(CorrelationId::from_bytes(*consent.as_bytes()));
    }
    if let Err(refusal) = decision.into_result() {
        event = event.with_reason(RefusalReason::of(&refusal));
    }
    event
}
