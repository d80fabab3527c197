//! The rights workflow behind the [`Custodian`].

use std::sync::Arc;

use zeroize::Zeroizing;

use super::deadline::{Calendar, Profile};
use super::error::RightsError;
use super::notify::{Notifier, RectificationReport, notify_recipients};
use super::request::{
    Complaint, ComplaintOutcome, ExtensionReason, Rejection, Request, RequestKind, Status,
    UnfoundedRefusal,
};
use super::{REQUEST_RECORD_MONTHS, RequestStore};
use crate::audit::{
    Action, AuditEvent, EvidenceRef, HoldId, HoldReason, Outcome, RequestId, Right,
};
use crate::consent::{Collection, ConsentStore};
use crate::disclosure::DisclosureLog;
use crate::ids::ConsentEventId;
use crate::pii::{Category, PiiError};
use crate::purpose::Purpose;
use crate::records::{Host, RecordId};
use crate::retention::hold::HeldData;
use crate::retention::{Hold, HoldKind, HoldStore, Schedule};
use crate::seal::Sealable;
use crate::time::{Date, Timestamp};
use crate::vault::{FieldLabel, KeyScope};
use crate::{Custodian, SubjectId};

/// Where a request stands against its deadline, without personal data:
/// what [`Custodian::overdue`] and [`Custodian::due_within`] list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueRequest {
    /// The request.
    pub id: RequestId,
    /// Its kind.
    pub kind: RequestKind,
    /// Its status.
    pub status: Status,
    /// When it is due.
    pub respond_by: Date,
}

/// Label of a complaint's description.
const COMPLAINT_DESCRIPTION: FieldLabel = FieldLabel::new("custodian.complaint.description");
/// Label of a complaint's investigation notes.
const COMPLAINT_NOTE: FieldLabel = FieldLabel::new("custodian.complaint.note");

impl<S: ConsentStore> Custodian<S> {
    /// Keeps rights requests in `store` (memory by default; durable:
    /// `Store::requests` of the `store` module).
    #[must_use]
    pub fn with_request_store(mut self, store: Arc<dyn RequestStore>) -> Self {
        self.rights.requests = store;
        self
    }

    /// Keeps legal holds in `store` (memory by default; durable:
    /// `Store::holds` of the `store` module).
    #[must_use]
    pub fn with_hold_store(mut self, store: Arc<dyn HoldStore>) -> Self {
        self.rights.restrictions = HeldData(Arc::clone(&store));
        self.rights.holds = store;
        self
    }

    /// Keeps rights requests, holds and disclosures in `store`'s database
    /// ([`with_request_store`](Self::with_request_store),
    /// [`with_hold_store`](Self::with_hold_store) and
    /// [`with_disclosure_log`](Self::with_disclosure_log) in one call), so
    /// they survive restarts and are shared by every app server on it.
    /// [`CustodianBuilder::store`](crate::front::CustodianBuilder::store)
    /// does this itself.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    #[must_use]
    pub fn with_store_rights(mut self, store: &crate::store::Store) -> Self {
        self.rights = self.rights.in_store(store);
        self
    }

    /// Records disclosures in `log` (memory by default).
    #[must_use]
    pub fn with_disclosure_log(mut self, log: Arc<dyn DisclosureLog>) -> Self {
        self.rights.disclosures = log;
        self
    }

    /// Applies `schedule` to erasures (what the law keeps) and sweeps
    /// (none by default: nothing is withheld or purged).
    #[must_use]
    pub fn with_retention(mut self, schedule: Schedule) -> Self {
        self.rights.retention = schedule;
        self
    }

    /// Counts business days with `calendar` ([`Weekdays`](super::Weekdays)
    /// by default).
    #[must_use]
    pub fn with_calendar(mut self, calendar: Arc<dyn Calendar>) -> Self {
        self.rights.calendar = calendar;
        self
    }

    /// The retention schedule.
    pub fn retention(&self) -> &Schedule {
        &self.rights.retention
    }

    /// Records a request received at `at`, with its deadlines under
    /// `profile`. Complaints are filed with
    /// [`file_complaint`](Self::file_complaint).
    ///
    /// # Errors
    ///
    /// [`RightsError::WrongKind`] for a complaint; deadline, audit, store
    /// and randomness failures (nothing is stored then).
    pub fn receive_request(
        &self,
        subject: &SubjectId,
        kind: RequestKind,
        profile: Profile,
        at: Timestamp,
    ) -> Result<RequestId, RightsError> {
        if kind == RequestKind::Complaint {
            return Err(RightsError::WrongKind {
                expected: RequestKind::Access,
                found: kind,
            });
        }
        self.insert_request(subject, kind, profile, None, at)
    }

    fn insert_request(
        &self,
        subject: &SubjectId,
        kind: RequestKind,
        profile: Profile,
        complaint: Option<Complaint>,
        at: Timestamp,
    ) -> Result<RequestId, RightsError> {
        let deadlines = profile.deadlines(Date::of(at), &*self.rights.calendar)?;
        let mut request = Request::new(
            RequestId::random()?,
            subject.clone(),
            kind,
            profile,
            at,
            deadlines,
        );
        request.complaint = complaint;
        self.ledger()
            .auditor()
            .record(&self.request_event(&request, at))?;
        self.rights.requests.insert(&request)?;
        Ok(request.id)
    }

    /// The request, read for legal compliance only (request records are
    /// purpose-locked, CCPA regulations §7101(d)).
    ///
    /// # Errors
    ///
    /// [`RightsError::PurposeLocked`] for any other purpose;
    /// [`RightsError::UnknownRequest`]; store failures.
    pub fn request(&self, id: RequestId, purpose: Purpose) -> Result<Request, RightsError> {
        if purpose != Purpose::LegalCompliance {
            return Err(RightsError::PurposeLocked { purpose });
        }
        self.load_request(id)
    }

    /// Confirms receipt to the subject.
    ///
    /// # Errors
    ///
    /// [`RightsError::IllegalTransition`] from any status but
    /// `initiated`; as [`receive_request`](Self::receive_request).
    pub fn acknowledge(&self, id: RequestId, at: Timestamp) -> Result<Request, RightsError> {
        self.step(id, at, |r| r.become_(Status::Acknowledged, at))
    }

    /// Asks the requester to confirm their identity (Art. 12(6)).
    ///
    /// # Errors
    ///
    /// As [`acknowledge`](Self::acknowledge).
    pub fn ask_identity(&self, id: RequestId, at: Timestamp) -> Result<Request, RightsError> {
        self.step(id, at, |r| r.become_(Status::IdentityUnverified, at))
    }

    /// Accepts the request for handling (identity confirmed).
    ///
    /// # Errors
    ///
    /// As [`acknowledge`](Self::acknowledge).
    pub fn accept(&self, id: RequestId, at: Timestamp) -> Result<Request, RightsError> {
        self.step(id, at, |r| r.become_(Status::Accepted, at))
    }

    /// Waits for the subject to act (to say which data, for instance).
    ///
    /// # Errors
    ///
    /// As [`acknowledge`](Self::acknowledge).
    pub fn require_action(&self, id: RequestId, at: Timestamp) -> Result<Request, RightsError> {
        self.step(id, at, |r| r.become_(Status::RequiresAction, at))
    }

    /// Extends the request, recording the reason (the subject must be told
    /// with it); see [`Profile::extended`].
    ///
    /// # Errors
    ///
    /// [`DeadlineError`](super::DeadlineError) when recorded after the
    /// first due date, twice, or for a complaint;
    /// [`RightsError::IllegalTransition`]; audit and store failures.
    pub fn extend(
        &self,
        id: RequestId,
        reason: ExtensionReason,
        at: Timestamp,
    ) -> Result<Request, RightsError> {
        self.step(id, at, |r| r.extend(reason, at))
    }

    /// Rejects the request with its reason and the remedies notice
    /// (Art. 12(4)).
    ///
    /// # Errors
    ///
    /// As [`acknowledge`](Self::acknowledge); a request already accepted
    /// ends as fulfilled or unfulfilled instead.
    pub fn reject(
        &self,
        id: RequestId,
        rejection: Rejection,
        at: Timestamp,
    ) -> Result<Request, RightsError> {
        self.step(id, at, |r| {
            r.become_(Status::Rejected, at)?;
            r.rejection = Some(rejection);
            Ok(())
        })
    }

    /// Refuses the request as manifestly unfounded or excessive, naming
    /// the evidence (Art. 12(5)).
    ///
    /// # Errors
    ///
    /// As [`reject`](Self::reject).
    pub fn refuse_unfounded(
        &self,
        id: RequestId,
        refusal: UnfoundedRefusal,
        at: Timestamp,
    ) -> Result<Request, RightsError> {
        self.step(id, at, |r| {
            r.become_(Status::RefusedUnfounded, at)?;
            r.refusal = Some(refusal);
            Ok(())
        })
    }

    /// Closes the request without doing it (the subject never confirmed
    /// their identity, withdrew the request).
    ///
    /// # Errors
    ///
    /// As [`acknowledge`](Self::acknowledge).
    pub fn close_unfulfilled(&self, id: RequestId, at: Timestamp) -> Result<Request, RightsError> {
        self.step(id, at, |r| r.become_(Status::Unfulfilled, at))
    }

    /// The open requests past their response date on `today`, earliest
    /// first.
    ///
    /// # Errors
    ///
    /// Store failures.
    pub fn overdue(&self, today: Date) -> Result<Vec<DueRequest>, RightsError> {
        self.due(|r| r.is_overdue(today))
    }

    /// The open requests due within `days` days of `today` (overdue ones
    /// included), earliest first.
    ///
    /// # Errors
    ///
    /// Store failures.
    pub fn due_within(&self, today: Date, days: u32) -> Result<Vec<DueRequest>, RightsError> {
        let horizon = today.plus_days(days).unwrap_or(Date::MAX);
        self.due(|r| r.deadlines.respond_by <= horizon)
    }

    fn due(&self, keep: impl Fn(&Request) -> bool) -> Result<Vec<DueRequest>, RightsError> {
        let mut due: Vec<_> = self
            .rights
            .requests
            .open()?
            .into_iter()
            .filter(|r| keep(r))
            .map(|r| DueRequest {
                id: r.id,
                kind: r.kind,
                status: r.status,
                respond_by: r.deadlines.respond_by,
            })
            .collect();
        due.sort_by_key(|d| (d.respond_by, d.id));
        Ok(due)
    }

    /// Deletes the request records closed more than `keep_months` months
    /// before `at` (at least [`REQUEST_RECORD_MONTHS`]), recorded first as
    /// a `retention_purge` event. Returns how many went.
    ///
    /// # Errors
    ///
    /// [`RightsError::RetentionTooShort`] under 24 months; audit and store
    /// failures.
    pub fn purge_request_records(
        &self,
        at: Timestamp,
        keep_months: u32,
    ) -> Result<u64, RightsError> {
        if keep_months < REQUEST_RECORD_MONTHS {
            return Err(RightsError::RetentionTooShort {
                minimum: REQUEST_RECORD_MONTHS,
            });
        }
        let cutoff = Date::of(at).minus_months(keep_months).unwrap_or(Date::MIN);
        self.ledger().auditor().record(
            &AuditEvent::new(Action::RetentionPurge, Outcome::Done)
                .at(at)
                .with_purpose(Purpose::LegalCompliance),
        )?;
        Ok(self.rights.requests.purge_closed_before(cutoff.start())?)
    }

    /// Corrects one field: `input` is parsed with `parse` into the new
    /// value, sealed for the subject under the field's label and put in
    /// place of the old one; recipients that received the category are
    /// told (Art. 19); the request is fulfilled.
    ///
    /// The `rectification` audit event commits to the old and new sealed
    /// values ([`EvidenceRef`] of both envelopes), never to plaintext.
    ///
    /// # Errors
    ///
    /// [`RightsError::Invalid`] if `input` does not parse: nothing
    /// changes, the old value stays and the request stays open;
    /// [`RightsError::NoSuchField`]; [`RightsError::WrongKind`],
    /// [`RightsError::IllegalTransition`] for a request not accepted;
    /// seal, host, audit and store failures.
    #[allow(clippy::too_many_arguments, reason = "one call is one rectification")]
    pub fn rectify<T: Sealable>(
        &self,
        id: RequestId,
        host: &dyn Host,
        notifier: &dyn Notifier,
        record: &RecordId,
        label: FieldLabel,
        input: &str,
        parse: impl FnOnce(&str) -> Result<T, PiiError>,
        at: Timestamp,
    ) -> Result<RectificationReport, RightsError> {
        let request = self.ready(id, RequestKind::Rectification)?;
        let subject = &request.subject;
        let value = parse(input)?;
        let old = host
            .records(subject)?
            .into_iter()
            .find(|r| &r.id == record)
            .and_then(|r| r.fields.into_iter().find(|f| f.label == label))
            .ok_or(RightsError::NoSuchField)?;
        if old.envelope.category_code() != T::CATEGORY.code() {
            return Err(crate::SealError::WrongCategory {
                expected: T::CATEGORY,
                found: old.envelope.category_code(),
            }
            .into());
        }
        let new = self
            .vault()
            .seal(&value, &KeyScope::subject(subject), label)?;
        let evidence = EvidenceRef::of(&[old.envelope.as_bytes(), new.as_bytes()].concat());
        let auditor = self.ledger().auditor();
        auditor.record(
            &AuditEvent::new(Action::Rectification, Outcome::Done)
                .at(at)
                .with_actor(crate::audit::Actor::subject())
                .with_subject(auditor.subject(subject))
                .with_categories([T::CATEGORY])
                .with_request(id)
                .with_evidence(evidence),
        )?;
        if !host.replace(subject, record, label, new)? {
            return Err(RightsError::NoSuchField);
        }
        let (notified, not_notified) = notify_recipients(
            auditor,
            &*self.rights.disclosures,
            notifier,
            (subject, Right::Rectification, &[T::CATEGORY], id),
            at,
        )?;
        self.fulfil(id, at)?;
        Ok(RectificationReport {
            evidence,
            notified,
            not_notified,
        })
    }

    /// Withdraws a consent for the subject of a consent-withdrawal
    /// request, through the consent ledger (in effect at once), and
    /// fulfils the request.
    ///
    /// # Errors
    ///
    /// [`RightsError::Consent`]; as [`rectify`](Self::rectify) for the
    /// request.
    pub fn withdraw(
        &self,
        id: RequestId,
        purpose: Purpose,
        how: &Collection,
    ) -> Result<ConsentEventId, RightsError> {
        let request = self.ready(id, RequestKind::ConsentWithdrawal)?;
        let event = self.ledger().withdraw(&request.subject, purpose, how)?;
        self.fulfil(id, how.time())?;
        Ok(event)
    }

    /// Records an objection to a purpose for the subject of an objection
    /// request, through the consent ledger (in effect at once), and
    /// fulfils the request.
    ///
    /// # Errors
    ///
    /// As [`withdraw`](Self::withdraw).
    pub fn object(
        &self,
        id: RequestId,
        purpose: Purpose,
        how: &Collection,
    ) -> Result<ConsentEventId, RightsError> {
        let request = self.ready(id, RequestKind::Objection)?;
        let event = self.ledger().object(&request.subject, purpose, how)?;
        self.fulfil(id, how.time())?;
        Ok(event)
    }

    /// Restricts processing of the subject's records of `categories` to
    /// legal compliance (Art. 18) until `until` (or until released):
    /// the decider denies every other purpose. Recipients that received
    /// them are told (Art. 19); the request is fulfilled.
    ///
    /// # Errors
    ///
    /// As [`rectify`](Self::rectify) for the request; host, hold store
    /// and audit failures.
    pub fn restrict(
        &self,
        id: RequestId,
        host: &dyn Host,
        notifier: &dyn Notifier,
        categories: &[Category],
        until: Option<Date>,
        at: Timestamp,
    ) -> Result<HoldId, RightsError> {
        let request = self.ready(id, RequestKind::Restriction)?;
        let subject = &request.subject;
        let records: Vec<_> = host
            .records(subject)?
            .into_iter()
            .filter(|r| categories.contains(&r.category))
            .map(|r| r.id)
            .collect();
        let hold = Hold {
            id: HoldId::random()?,
            kind: HoldKind::Restriction,
            subject: subject.clone(),
            records,
            categories: categories.to_vec(),
            reason: HoldReason::Restriction,
            purpose: Purpose::LegalCompliance,
            source: "GDPR Art. 18(1)".into(),
            until,
            placed: at,
        };
        self.place_hold(&hold, Some(id), at)?;
        notify_recipients(
            self.ledger().auditor(),
            &*self.rights.disclosures,
            notifier,
            (subject, Right::Restriction, categories, id),
            at,
        )?;
        self.fulfil(id, at)?;
        Ok(hold.id)
    }

    /// Freezes purges of all of `subject`'s records (a dispute, a pending
    /// case) until `until` or until [released](Self::release_hold).
    ///
    /// # Errors
    ///
    /// Hold store, audit and randomness failures.
    pub fn freeze(
        &self,
        subject: &SubjectId,
        reason: HoldReason,
        source: &str,
        until: Option<Date>,
        at: Timestamp,
    ) -> Result<HoldId, RightsError> {
        let hold = Hold::freeze(
            HoldId::random()?,
            subject.clone(),
            reason,
            source,
            until,
            at,
        );
        self.place_hold(&hold, None, at)?;
        Ok(hold.id)
    }

    /// Records a hold: audited, then stored.
    pub(crate) fn place_hold(
        &self,
        hold: &Hold,
        request: Option<RequestId>,
        at: Timestamp,
    ) -> Result<(), RightsError> {
        let auditor = self.ledger().auditor();
        let mut event = hold.event(Action::HoldPlaced, auditor, at);
        if let Some(id) = request {
            event = event.with_request(id);
        }
        auditor.record(&event)?;
        self.rights.holds.put(hold)?;
        Ok(())
    }

    /// Files a complaint (grievance): the description is sealed to the
    /// subject; it is due under `profile`
    /// ([`Profile::COMPLAINT`] for the 90-day default).
    ///
    /// # Errors
    ///
    /// Seal, deadline, audit, store and randomness failures.
    pub fn file_complaint(
        &self,
        subject: &SubjectId,
        description: &str,
        category: Option<Category>,
        purpose: Option<Purpose>,
        profile: Profile,
        at: Timestamp,
    ) -> Result<RequestId, RightsError> {
        let description = self.seal_text(subject, description, COMPLAINT_DESCRIPTION)?;
        let complaint = Complaint {
            description,
            category,
            purpose,
            notes: Vec::new(),
            outcome: None,
        };
        self.insert_request(
            subject,
            RequestKind::Complaint,
            profile,
            Some(complaint),
            at,
        )
    }

    /// Adds an investigation note (sealed to the subject) and moves a
    /// complaint from initiated or acknowledged to accepted.
    ///
    /// # Errors
    ///
    /// [`RightsError::WrongKind`] for other requests;
    /// [`RightsError::IllegalTransition`] for a closed complaint; seal,
    /// audit and store failures.
    pub fn note_complaint(
        &self,
        id: RequestId,
        note: &str,
        at: Timestamp,
    ) -> Result<Request, RightsError> {
        let request = self.load_request(id)?;
        kind_is(&request, RequestKind::Complaint)?;
        let sealed = self.seal_text(&request.subject, note, COMPLAINT_NOTE)?;
        self.step(id, at, |r| {
            if r.status.is_closed() {
                return Err(RightsError::IllegalTransition {
                    from: r.status,
                    to: Status::Accepted,
                });
            }
            if r.status != Status::Accepted {
                r.become_(Status::Accepted, at)?;
            }
            if let Some(c) = r.complaint.as_mut() {
                c.notes.push((at, sealed));
            }
            Ok(())
        })
    }

    /// Closes a complaint with the outcome communicated to the subject.
    ///
    /// # Errors
    ///
    /// As [`note_complaint`](Self::note_complaint).
    pub fn resolve_complaint(
        &self,
        id: RequestId,
        outcome: ComplaintOutcome,
        at: Timestamp,
    ) -> Result<Request, RightsError> {
        kind_is(&self.load_request(id)?, RequestKind::Complaint)?;
        self.step(id, at, |r| {
            if matches!(r.status, Status::Initiated | Status::Acknowledged) {
                r.become_(Status::Accepted, at)?;
            }
            r.become_(Status::Fulfilled, at)?;
            if let Some(c) = r.complaint.as_mut() {
                c.outcome = Some(outcome);
            }
            Ok(())
        })
    }

    /// Opens a complaint's description for the subject's own view or the
    /// investigation; `None` once the subject was erased.
    ///
    /// # Errors
    ///
    /// [`RightsError::WrongKind`]; seal and store failures.
    pub fn complaint_description(
        &self,
        id: RequestId,
    ) -> Result<Option<Zeroizing<String>>, RightsError> {
        let request = self.load_request(id)?;
        kind_is(&request, RequestKind::Complaint)?;
        let Some(complaint) = request.complaint else {
            return Ok(None);
        };
        let bytes = self.vault().open_bytes(
            &complaint.description,
            &KeyScope::subject(&request.subject),
            Category::Engagement,
            COMPLAINT_DESCRIPTION,
        )?;
        Ok(bytes.map(|b| Zeroizing::new(String::from_utf8_lossy(&b).into_owned())))
    }

    fn seal_text(
        &self,
        subject: &SubjectId,
        text: &str,
        label: FieldLabel,
    ) -> Result<crate::vault::Envelope, RightsError> {
        Ok(self.vault().seal_bytes(
            text.as_bytes(),
            &KeyScope::subject(subject),
            Category::Engagement,
            label,
        )?)
    }

    pub(crate) fn load_request(&self, id: RequestId) -> Result<Request, RightsError> {
        self.rights
            .requests
            .load(id)?
            .ok_or(RightsError::UnknownRequest)
    }

    /// The request, if it is of `kind` and may be fulfilled now.
    pub(crate) fn ready(&self, id: RequestId, kind: RequestKind) -> Result<Request, RightsError> {
        let request = self.load_request(id)?;
        kind_is(&request, kind)?;
        if !request.status.may_become(Status::Fulfilled) {
            return Err(RightsError::IllegalTransition {
                from: request.status,
                to: Status::Fulfilled,
            });
        }
        Ok(request)
    }

    pub(crate) fn fulfil(&self, id: RequestId, at: Timestamp) -> Result<Request, RightsError> {
        self.step(id, at, |r| r.become_(Status::Fulfilled, at))
    }

    /// Loads, changes, audits, then stores a request (compare-and-set).
    fn step(
        &self,
        id: RequestId,
        at: Timestamp,
        change: impl FnOnce(&mut Request) -> Result<(), RightsError>,
    ) -> Result<Request, RightsError> {
        let mut request = self.load_request(id)?;
        change(&mut request)?;
        request.revision += 1;
        self.ledger()
            .auditor()
            .record(&self.request_event(&request, at))?;
        self.rights.requests.update(&request)?;
        Ok(request)
    }

    /// The audit event of a request's current status.
    fn request_event(&self, request: &Request, at: Timestamp) -> AuditEvent {
        let complaint = request.kind == RequestKind::Complaint;
        let action = match (complaint, request.status) {
            (true, Status::Initiated) => Action::ComplaintFiled,
            (true, s) if s.is_closed() => Action::ComplaintResolved,
            (true, _) => Action::ComplaintNoted,
            (false, Status::Initiated) => Action::RightsRequestReceived,
            (false, s) if s.is_closed() => Action::RightsRequestCompleted,
            (false, _) => Action::RightsRequestStatusChanged,
        };
        let auditor = self.ledger().auditor();
        let event = AuditEvent::new(action, Outcome::Done)
            .at(at)
            .with_subject(auditor.subject(&request.subject))
            .with_request(request.id)
            .with_request_status(request.status.audited());
        match request.kind.right() {
            Some(right) => event.with_right(right),
            None => event,
        }
    }
}

fn kind_is(request: &Request, kind: RequestKind) -> Result<(), RightsError> {
    if request.kind == kind {
        Ok(())
    } else {
        Err(RightsError::WrongKind {
            expected: kind,
            found: request.kind,
        })
    }
}
