//! Telling recipients of rectifications, erasures and restrictions
//! (GDPR Art. 19).

use std::fmt;
use std::sync::Mutex;

use super::error::{HostError, RightsError};
use crate::SubjectId;
use crate::audit::{Action, AuditEvent, Auditor, EvidenceRef, Outcome, RequestId, Right};
use crate::disclosure::DisclosureLog;
use crate::ids::RecipientId;
use crate::pii::Category;
use crate::time::Timestamp;

/// What a recipient is told: which right was exercised on which
/// categories of a subject's data it received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The recipient.
    pub recipient: RecipientId,
    /// The subject (the host's id, which the recipient knows the data by).
    pub subject: SubjectId,
    /// Rectification, erasure or restriction.
    pub right: Right,
    /// The categories concerned that the recipient received.
    pub categories: Vec<Category>,
    /// The request.
    pub request: RequestId,
}

/// Reaches recipients (the host's integration with its carriers and
/// payment providers).
///
/// # Sensitivity
///
/// A notice names the subject by the host's id; the notifier sends it to
/// the recipient only.
pub trait Notifier: Send + Sync + fmt::Debug {
    /// Tells the recipient.
    ///
    /// # Errors
    ///
    /// The recipient could not be reached; the notice is then audited as
    /// `failed` and reported, and the request goes on.
    fn notify(&self, notice: &Notice) -> Result<(), HostError>;
}

/// A [`Notifier`] that keeps the notices, for tests and examples.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    sent: Mutex<Vec<Notice>>,
}

impl MemoryNotifier {
    /// No notices yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The notices sent so far.
    pub fn sent(&self) -> Vec<Notice> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Notifier for MemoryNotifier {
    fn notify(&self, notice: &Notice) -> Result<(), HostError> {
        self.sent
            .lock()
            .map_err(|_| HostError::new(NotifierPoisoned))?
            .push(notice.clone());
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("memory notifier poisoned")]
struct NotifierPoisoned;

/// The outcome of a rectification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RectificationReport {
    /// The commitment to the old and new sealed values in the audit
    /// event.
    pub evidence: EvidenceRef,
    /// The recipients told.
    pub notified: Vec<RecipientId>,
    /// The recipients that could not be reached.
    pub not_notified: Vec<RecipientId>,
}

/// Tells every recipient that received any of `categories` of `subject`'s
/// data, each notice audited (`recipient_notified`, `failed` when it could
/// not be sent). Returns the recipients told and those not reached.
pub(crate) fn notify_recipients(
    auditor: &Auditor,
    disclosures: &dyn DisclosureLog,
    notifier: &dyn Notifier,
    notice: (&SubjectId, Right, &[Category], RequestId),
    at: Timestamp,
) -> Result<(Vec<RecipientId>, Vec<RecipientId>), RightsError> {
    let (subject, right, categories, request) = notice;
    let mut received: Vec<(RecipientId, Vec<Category>)> = Vec::new();
    for d in disclosures.of_subject(subject)? {
        let concerned: Vec<_> = d
            .categories
            .iter()
            .copied()
            .filter(|c| categories.contains(c))
            .collect();
        if concerned.is_empty() {
            continue;
        }
        match received.iter_mut().find(|(r, _)| *r == d.recipient) {
            Some((_, cs)) => cs.extend(concerned),
            None => received.push((d.recipient.clone(), concerned)),
        }
    }
    let (mut told, mut missed) = (Vec::new(), Vec::new());
    for (recipient, mut cs) in received {
        cs.sort_by_key(|c| c.code());
        cs.dedup();
        let event = AuditEvent::new(Action::RecipientNotified, Outcome::Done)
            .at(at)
            .with_subject(auditor.subject(subject))
            .with_recipient(recipient.clone())
            .with_right(right)
            .with_categories(cs.iter().copied())
            .with_request(request);
        auditor.record(&event)?;
        let notice = Notice {
            recipient: recipient.clone(),
            subject: subject.clone(),
            right,
            categories: cs,
            request,
        };
        match notifier.notify(&notice) {
            Ok(()) => told.push(recipient),
            Err(_) => {
                // The log says it was sent; say that it was not.
                let _ = auditor.record(&event.with_outcome(Outcome::Failed));
                missed.push(recipient);
            }
        }
    }
    Ok((told, missed))
}
