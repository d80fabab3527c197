//! The crate's own audit trail: a sink and a pseudonym key, held together
//! by the parts of the crate that act on personal data.

use core::fmt;
use std::sync::Arc;

use super::error::SinkError;
use super::event::AuditEvent;
use super::pseudonym::{ActorPseudonym, Pseudonymizer, SubjectPseudonym};
use super::sink::AuditSink;
use crate::SubjectId;
use crate::ids::StaffId;

/// Where the crate records what it does with personal data: an
/// [`AuditSink`] and the [`Pseudonymizer`] that turns subject and staff
/// ids into keyed pseudonyms.
///
/// A [`ConsentLedger`](crate::consent::ConsentLedger) cannot be built
/// without one, and a [`Decider`](crate::decision::Decider) records
/// through its ledger's auditor, so every consent change, reveal and
/// disclosure is audited by construction. Cheap to clone (shared).
///
/// ```
/// use std::sync::Arc;
/// use custodian::audit::{Auditor, MemorySink, Pseudonymizer};
///
/// let sink = Arc::new(MemorySink::new());
/// let auditor = Auditor::new(sink.clone(), Pseudonymizer::from_bytes([7; 32]));
/// assert!(sink.is_empty());
/// # let _ = auditor;
/// ```
///
/// # Fail closed
///
/// [`record`](Self::record) is called before the audited effect; when it
/// fails, the crate's operations return the [`SinkError`] and do nothing:
/// no plaintext is revealed, no disclosure is allowed, no consent event is
/// written.
#[derive(Clone)]
pub struct Auditor {
    inner: Arc<Inner>,
}

struct Inner {
    sink: Arc<dyn AuditSink>,
    pseudonyms: Pseudonymizer,
}

impl Auditor {
    /// An auditor recording to `sink`, with subjects and staff
    /// pseudonymized by `pseudonyms` (in production
    /// [`Pseudonymizer::from_vault`]).
    pub fn new(sink: impl AuditSink + 'static, pseudonyms: Pseudonymizer) -> Self {
        Self::shared(Arc::new(sink), pseudonyms)
    }

    /// An auditor over a sink already shared as a trait object.
    pub fn shared(sink: Arc<dyn AuditSink>, pseudonyms: Pseudonymizer) -> Self {
        Self {
            inner: Arc::new(Inner { sink, pseudonyms }),
        }
    }

    /// Records `event`.
    ///
    /// # Errors
    ///
    /// The sink's [`SinkError`]; the caller must then not go ahead.
    pub fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        self.inner.sink.record(event)
    }

    /// The subject's pseudonym, keyed by the id's text.
    pub fn subject(&self, subject: &SubjectId) -> SubjectPseudonym {
        self.inner.pseudonyms.subject(subject.as_str())
    }

    /// A staff member's pseudonym, keyed by the id's text.
    pub fn staff(&self, staff: &StaffId) -> ActorPseudonym {
        self.inner.pseudonyms.actor(staff.as_str())
    }

    /// The pseudonym key.
    pub fn pseudonymizer(&self) -> &Pseudonymizer {
        &self.inner.pseudonyms
    }
}

impl fmt::Debug for Auditor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the sink: its `Debug` is the host's and may list events.
        f.debug_struct("Auditor").finish_non_exhaustive()
    }
}
