//! The consent ledger: the calls that record consent events, and the
//! questions asked of it.

use thiserror::Error;

use super::state::{ConsentState, Scope};
use super::store::{ConsentStore, MemoryStore, StoreError};
use super::{Collection, ConsentEvent, ConsentStatus};
use crate::SubjectId;
use crate::ids::{ConsentEventId, RandomnessError, RecipientId};
use crate::purpose::Purpose;

/// Recording or reading consent failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConsentError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No event id could be drawn.
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    /// A receipt was asked for, but the subject has no valid consent.
    #[error("the subject has no valid consent to put on a receipt")]
    NothingToReceipt,
}

/// The append-only consent ledger over a [`ConsentStore`].
///
/// Every call records one event and returns its id. Withdrawing takes
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
/// let ledger = ConsentLedger::in_memory();
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
#[derive(Debug)]
pub struct ConsentLedger<S = MemoryStore> {
    store: S,
}

impl ConsentLedger<MemoryStore> {
    /// A ledger over a fresh [`MemoryStore`].
    pub fn in_memory() -> Self {
        Self::new(MemoryStore::new())
    }
}

impl<S: ConsentStore> ConsentLedger<S> {
    /// A ledger over `store`.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Records that `subject` gave consent for `purpose`.
    ///
    /// # Errors
    ///
    /// [`ConsentError`] if the store refuses the event (for example one
    /// older than the subject's latest) or fails, or no id can be drawn.
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
        let event = ConsentEvent::new(
            id,
            subject.clone(),
            scope.purpose,
            scope.recipient.cloned(),
            status,
            how,
        );
        self.store.append(event)?;
        Ok(id)
    }

    /// Appends a complete event (an import from another system, a GPC
    /// refusal with its conflict flag).
    ///
    /// # Errors
    ///
    /// As [`give`](Self::give), without the randomness case.
    pub fn append(&self, event: ConsentEvent) -> Result<ConsentEventId, ConsentError> {
        let id = event.id();
        self.store.append(event)?;
        Ok(id)
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
