//! The consent ledger: the calls that record consent events, and the
//! questions asked of it.

use thiserror::Error;

use super::state::{ConsentState, Scope};
use super::store::{ConsentStore, MemoryStore, StoreError};
use super::{Collection, CollectionMethod, ConsentEvent, ConsentStatus};
use crate::SubjectId;
use crate::audit::{Action, Actor, AuditEvent, Auditor, CorrelationId, Outcome, SinkError};
use crate::ids::{ConsentEventId, PolicyVersion, RandomnessError, RecipientId};
use crate::policy::PolicySchedule;
use crate::purpose::Purpose;
use crate::time::Timestamp;

/// Recording or reading consent failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConsentError {
    /// The audit event could not be recorded, so the consent event was
    /// not written either (fail closed).
    #[error(transparent)]
    Audit(#[from] SinkError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No event id could be drawn.
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    /// A receipt was asked for, but the subject has no valid consent.
    #[error("the subject has no valid consent to put on a receipt")]
    NothingToReceipt,
    /// A consent names a notice version that was not in force at its
    /// time (nor announced by then as the next one): the subject cannot
    /// have seen it. Nothing is written.
    #[error(
        "consent under policy version {version} at {at}, when {} was in force",
        in_force.map_or_else(|| "no version".to_owned(), |v| format!("version {v}"))
    )]
    VersionNotInForce {
        /// The version the consent names.
        version: PolicyVersion,
        /// The consent's time.
        at: Timestamp,
        /// The version in force then, if any.
        in_force: Option<PolicyVersion>,
    },
    /// A consent for a purpose the subject objected to, which the policy
    /// does not let a consent lift (GDPR Art. 21(3) for direct
    /// marketing). Nothing is written; the objection stands.
    #[error("the subject objected to purpose {purpose}; a consent does not lift the objection")]
    Objected {
        /// The purpose.
        purpose: Purpose,
        /// The objection in force.
        objection: ConsentEventId,
    },
}

/// How often [`ConsentLedger::record`] goes after writers that appended
/// while it was recording.
const SKEW_RETRIES: usize = 8;

/// The append-only consent ledger over a [`ConsentStore`], audited.
///
/// Every call records one event and returns its id. Each event is first
/// recorded as an audit event through the ledger's [`Auditor`] (action
/// `consent_granted`, `consent_withdrawn`, `consent_refused_gpc`, ...,
/// with the subject's pseudonym, the purpose, the recipient, the policy
/// version and the consent event id as correlation); if that fails,
/// nothing is written and the call returns [`ConsentError::Audit`]. Withdrawing takes
/// exactly the same call shape as giving (GDPR Art. 7(3): "as easy to
/// withdraw as to give"), and takes effect for the next decision:
///
/// ```
/// use custodian::consent::{Collection, CollectionMethod, ConsentLedger, ConsentStatus, Scope};
/// use custodian::ids::{Jurisdiction, PolicyVersion};
/// use custodian::SubjectId;
/// use custodian::purpose::Purpose;
/// use custodian::time::Timestamp;
///
/// # let auditor = custodian::audit::Auditor::new(custodian::audit::MemorySink::new(), custodian::audit::Pseudonymizer::from_bytes([1; 32]));
/// let ledger = ConsentLedger::in_memory(auditor);
/// let ada = SubjectId::try_new("cus_ada")?;
/// let how = |t| Collection::new(PolicyVersion::new("1"), Timestamp::from_unix_secs(t).unwrap(),
///                               CollectionMethod::WebForm, Jurisdiction::new("DE"));
///
/// ledger.give(&ada, Purpose::Marketing, &how(100))?;
/// ledger.withdraw(&ada, Purpose::Marketing, &how(200))?;
///
/// let state = ledger.state(&ada, Scope::purpose(Purpose::Marketing))?.unwrap();
/// assert_eq!(state.status, ConsentStatus::Withdrawn);
/// assert_eq!(ledger.history(&ada)?.len(), 2); // both events are kept
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ConsentLedger<S = MemoryStore> {
    store: S,
    audit: Auditor,
    schedule: Option<PolicySchedule>,
}

/// Neither the store nor the sink: a host store's `Debug` may list events.
impl<S> std::fmt::Debug for ConsentLedger<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentLedger").finish_non_exhaustive()
    }
}

impl ConsentLedger<MemoryStore> {
    /// A ledger over a fresh [`MemoryStore`], audited by `audit`.
    pub fn in_memory(audit: Auditor) -> Self {
        Self::new(MemoryStore::new(), audit)
    }
}

impl<S: ConsentStore> ConsentLedger<S> {
    /// A ledger over `store`, audited by `audit`.
    ///
    /// Without a [schedule](Self::with_schedule) the ledger cannot check
    /// a consent's notice version, and no consent lifts an objection to
    /// direct marketing.
    pub fn new(store: S, audit: Auditor) -> Self {
        Self {
            store,
            audit,
            schedule: None,
        }
    }

    /// The same ledger, checking consents against `schedule`: a consent
    /// (given or renewed) must name the version in force at its time, or a
    /// later one already announced by then, else it is refused with
    /// [`ConsentError::VersionNotInForce`]; and the version it names says
    /// whether it may lift an objection
    /// ([`Policy::consent_lifts_objection`](crate::policy::Policy::consent_lifts_objection)).
    /// Withdrawals, refusals and objections are never refused for their
    /// version.
    #[must_use]
    pub fn with_schedule(mut self, schedule: PolicySchedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// Replaces the schedule consents are checked against (a new version
    /// published).
    pub fn set_schedule(&mut self, schedule: PolicySchedule) {
        self.schedule = Some(schedule);
    }

    /// The schedule consents are checked against, if any.
    pub fn schedule(&self) -> Option<&PolicySchedule> {
        self.schedule.as_ref()
    }

    /// The auditor every write (and every reveal and disclosure decided
    /// against this ledger) records through.
    pub fn auditor(&self) -> &Auditor {
        &self.audit
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Records that `subject` gave consent for `purpose`.
    ///
    /// # Objections
    ///
    /// After an objection to direct marketing (purpose-wide, or for the
    /// recipient of a [`give_to`](Self::give_to)), a consent is refused
    /// with [`ConsentError::Objected`], unless the policy version the
    /// consent names lets consent lift the objection; then the event is
    /// recorded with [`ConsentEvent::lifts_objection`] set, and it is the
    /// new state.
    ///
    /// # Errors
    ///
    /// [`ConsentError::Audit`] if the audit event cannot be recorded
    /// (nothing is written); [`ConsentError`] if the store fails or no id
    /// can be drawn; [`ConsentError::VersionNotInForce`] and
    /// [`ConsentError::Objected`] as above. An event stamped earlier than
    /// the subject's latest (clock skew between servers) is recorded, not
    /// refused: see [`record`](Self::record).
    pub fn give(
        &self,
        subject: &SubjectId,
        purpose: Purpose,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        self.record(subject, Scope::purpose(purpose), ConsentStatus::Given, how)
    }

    /// Records that `subject` withdrew consent for `purpose`; this also
    /// ends every consent for the purpose limited to a recipient.
    ///
    /// # Errors
    ///
    /// As [`give`](Self::give).
    pub fn withdraw(
        &self,
        subject: &SubjectId,
        purpose: Purpose,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        self.record(
            subject,
            Scope::purpose(purpose),
            ConsentStatus::Withdrawn,
            how,
        )
    }

    /// Records that `subject` objected to `purpose` (GDPR Art. 21). An
    /// objection to marketing stops it whatever the basis.
    ///
    /// # Errors
    ///
    /// As [`give`](Self::give).
    pub fn object(
        &self,
        subject: &SubjectId,
        purpose: Purpose,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        self.record(
            subject,
            Scope::purpose(purpose),
            ConsentStatus::Objected,
            how,
        )
    }

    /// Records that `subject` consented to disclosure to `recipient` for
    /// `purpose`.
    ///
    /// # Errors
    ///
    /// As [`give`](Self::give).
    pub fn give_to(
        &self,
        subject: &SubjectId,
        purpose: Purpose,
        recipient: &RecipientId,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        self.record(
            subject,
            Scope::recipient(purpose, recipient),
            ConsentStatus::Given,
            how,
        )
    }

    /// Records that `subject` withdrew consent to disclosure to
    /// `recipient` for `purpose`.
    ///
    /// # Errors
    ///
    /// As [`give`](Self::give).
    pub fn withdraw_from(
        &self,
        subject: &SubjectId,
        purpose: Purpose,
        recipient: &RecipientId,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        self.record(
            subject,
            Scope::recipient(purpose, recipient),
            ConsentStatus::Withdrawn,
            how,
        )
    }

    /// Records an event with any status: renewed, refused, expired,
    /// invalidated, and the ones above.
    ///
    /// # Clock skew
    ///
    /// The ledger is ordered in time, and app servers' clocks differ. An
    /// event whose `how` time is earlier than the subject's latest event
    /// (written by a server whose clock runs ahead) is recorded at that
    /// latest time instead: a withdrawal is never refused for the clock it
    /// was made under, and it takes effect no earlier than every event
    /// before it. If other writers keep appending in between, the ledger
    /// tries again, up to 8 times (each attempt's audit event is followed
    /// by a `failed` one). Imports through [`append`](Self::append) keep
    /// their own times and are refused when out of order.
    ///
    /// # Errors
    ///
    /// As [`give`](Self::give).
    pub fn record(
        &self,
        subject: &SubjectId,
        scope: Scope<'_>,
        status: ConsentStatus,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        let id = ConsentEventId::random()?;
        for _ in 0..SKEW_RETRIES {
            // Never before the subject's latest event: an app server whose
            // clock is behind the last writer's records the change at that
            // writer's time instead of losing it.
            let at = match self.store.latest(subject)? {
                Some(latest) if latest > how.time() => latest,
                _ => how.time(),
            };
            let event = ConsentEvent::new(
                id,
                subject.clone(),
                scope.purpose,
                scope.recipient.cloned(),
                status,
                &how.clone().at(at),
            );
            match self.append(event) {
                // Another writer appended in between: go after it.
                Err(ConsentError::Store(StoreError::OutOfOrder)) => {}
                done => return done,
            }
        }
        Err(StoreError::OutOfOrder.into())
    }

    /// Appends a complete event (an import from another system, a GPC
    /// refusal with its conflict flag), at its own time. A consent is
    /// checked as [`give`](Self::give) checks it, and its
    /// `lifts_objection` flag is set or refused by the policy, whatever
    /// the event said.
    ///
    /// # Errors
    ///
    /// As [`give`](Self::give), without the randomness case.
    pub fn append(&self, event: ConsentEvent) -> Result<ConsentEventId, ConsentError> {
        let event = self.admit(event)?;
        let id = event.id();
        // Audit first: a consent change the log does not show must not
        // take effect.
        let audited = self.audit_event(&event);
        self.audit.record(&audited)?;
        if let Err(e) = self.store.append(event) {
            // The log says the change happened; say that it did not. Best
            // effort: the store error is what the caller needs.
            let _ = self.audit.record(&audited.with_outcome(Outcome::Failed));
            return Err(e.into());
        }
        Ok(id)
    }

    /// Checks a consent against the schedule and the subject's objections;
    /// other events pass unchanged.
    fn admit(&self, event: ConsentEvent) -> Result<ConsentEvent, ConsentError> {
        if !event.status().is_valid_for_processing() {
            return Ok(event);
        }
        let policy = match &self.schedule {
            Some(schedule) => Some(
                schedule
                    .admits_consent(event.version(), event.time())
                    .map_err(|in_force| ConsentError::VersionNotInForce {
                        version: *event.version(),
                        at: event.time(),
                        in_force,
                    })?,
            ),
            None => None,
        };
        let scope = Scope {
            purpose: event.purpose(),
            recipient: event.recipient(),
        };
        let objection = self
            .store
            .state(event.subject(), scope)?
            .filter(|s| s.status == ConsentStatus::Objected)
            .filter(|_| super::state::objection_is_absolute(event.purpose()));
        let Some(objection) = objection else {
            return Ok(event);
        };
        if policy.is_some_and(|p| p.consent_lifts_objection(event.purpose())) {
            return Ok(event.with_lifted_objection());
        }
        Err(ConsentError::Objected {
            purpose: event.purpose(),
            objection: objection.event,
        })
    }

    /// The audit event of a consent event: closed values and pseudonyms
    /// only (the jurisdiction, method details and proof stay in the
    /// ledger).
    fn audit_event(&self, event: &ConsentEvent) -> AuditEvent {
        let action = match (event.status(), event.method()) {
            (ConsentStatus::Given | ConsentStatus::Renewed, _) => Action::ConsentGranted,
            (ConsentStatus::Withdrawn, _) => Action::ConsentWithdrawn,
            (ConsentStatus::Expired, _) => Action::ConsentExpired,
            (ConsentStatus::Refused, CollectionMethod::Gpc) => Action::ConsentRefusedGpc,
            (ConsentStatus::Refused, _) => Action::ConsentRefused,
            (ConsentStatus::Invalidated, _) => Action::ConsentInvalidated,
            (ConsentStatus::Objected, _) => Action::ObjectionRecorded,
        };
        let actor = match event.status() {
            ConsentStatus::Expired | ConsentStatus::Invalidated => Actor::system(),
            _ => Actor::subject(),
        };
        let audited = AuditEvent::new(action, Outcome::Done)
            .at(event.time())
            .with_actor(actor)
            .with_subject(self.audit.subject(event.subject()))
            .with_purpose(event.purpose())
            .with_policy_version(*event.version())
            .with_correlation(CorrelationId::from_bytes(*event.id().as_bytes()));
        match event.recipient() {
            Some(recipient) => audited.with_recipient(recipient.clone()),
            None => audited,
        }
    }

    /// The current state of `scope` for `subject`, or `None` if no event
    /// applies.
    ///
    /// # Errors
    ///
    /// [`ConsentError::Store`] if the store fails.
    pub fn state(
        &self,
        subject: &SubjectId,
        scope: Scope<'_>,
    ) -> Result<Option<ConsentState>, ConsentError> {
        Ok(self.store.state(subject, scope)?)
    }

    /// Every event of `subject`, in ledger order: the proof of what the
    /// subject said and when (GDPR Art. 7(1)).
    ///
    /// # Errors
    ///
    /// [`ConsentError::Store`] if the store fails.
    pub fn history(&self, subject: &SubjectId) -> Result<Vec<ConsentEvent>, ConsentError> {
        Ok(self.store.history(subject)?)
    }
}
