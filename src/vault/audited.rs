//! The vault's own audit events (key forgotten, key rotation and
//! retirement, reseal, root-key re-wrap, revealed serialization); the
//! ordering is documented in the [vault module docs](super#audit).

use std::sync::Arc;

use super::{KeyScope, Vault};
use crate::audit::{
    Actor, AuditEvent, AuditSink, CorrelationId, Outcome, Pseudonymizer, SinkError,
};
use crate::error::VaultError;

/// The sink and the pseudonym key a vault audits with.
pub(crate) struct Auditor {
    sink: Arc<dyn AuditSink>,
    names: Pseudonymizer,
}

impl Auditor {
    /// `names` is the vault's [`Pseudonymizer::from_vault`], derived by
    /// the builder so a failing key store shows at start-up.
    pub(crate) fn new(sink: Arc<dyn AuditSink>, names: Pseudonymizer) -> Self {
        Self { sink, names }
    }
}

/// Why an audited operation did not run.
#[derive(Clone)]
pub(crate) enum Refused {
    /// The sink did not record the event.
    Sink(Arc<SinkError>),
    /// No correlation id: the OS random number generator failed.
    Random,
}

impl From<Refused> for VaultError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Sink(err) => VaultError::Audit(err),
            Refused::Random => VaultError::Random,
        }
    }
}

/// An event recorded before an operation, kept to record the follow-up
/// if the operation fails.
pub(crate) struct Recorded {
    sink: Arc<dyn AuditSink>,
    event: AuditEvent,
}

impl Recorded {
    /// Records the follow-up event: `outcome` (`failed`, or `partial` with
    /// the number of failed items). Best effort: the operation's own error
    /// is what the caller needs, and the first event already stands.
    pub(crate) fn follow_up(self, outcome: Outcome, failed_items: Option<u64>) {
        let mut event = self.event.with_outcome_now(outcome);
        if let Some(count) = failed_items {
            event = event.with_count(count);
        }
        let _ = self.sink.record(&event);
    }
}

impl Vault {
    /// Records the vault's own activities in `sink` from now on, in this
    /// handle and every clone of it, unless it records them somewhere
    /// already (the first sink stays). Returns whether `sink` was taken.
    ///
    /// The pseudonym key comes from the vault's own keys, read before any
    /// event can be recorded.
    pub(crate) fn audit_into(&self, sink: Arc<dyn AuditSink>) -> Result<bool, VaultError> {
        if self.inner.audit.get().is_some() {
            return Ok(false);
        }
        let names = Pseudonymizer::from_vault(self)?;
        Ok(self.inner.audit.set(Auditor::new(sink, names)).is_ok())
    }

    /// Records the event `describe` builds (outcome `done`, with a fresh
    /// correlation id) before an audited operation. `Ok(None)` when the
    /// vault has no audit sink.
    ///
    /// # Errors
    ///
    /// [`Refused`]: the operation must then not run.
    pub(crate) fn audit_before(
        &self,
        describe: impl FnOnce(&Pseudonymizer) -> AuditEvent,
    ) -> Result<Option<Recorded>, Refused> {
        let Some(auditor) = self.inner.audit.get() else {
            return Ok(None);
        };
        let correlation = CorrelationId::random().map_err(|_| Refused::Random)?;
        let event = describe(&auditor.names).with_correlation(correlation);
        auditor
            .sink
            .record(&event)
            .map_err(|e| Refused::Sink(Arc::new(e)))?;
        Ok(Some(Recorded {
            sink: Arc::clone(&auditor.sink),
            event,
        }))
    }

    /// Runs `op` after recording its event; records a `failed` follow-up
    /// if it fails.
    pub(crate) fn audited<R, E: From<VaultError>>(
        &self,
        describe: impl FnOnce(&Pseudonymizer) -> AuditEvent,
        op: impl FnOnce() -> Result<R, E>,
    ) -> Result<R, E> {
        let recorded = self.audit_before(describe).map_err(VaultError::from)?;
        let result = op();
        if let (Err(_), Some(recorded)) = (&result, recorded) {
            recorded.follow_up(Outcome::Failed, None);
        }
        result
    }
}

/// An event by the vault itself (actor `system`) about `scope`: subject
/// scopes carry the subject's pseudonym; shared scopes carry none (their
/// names are host text, which events never hold).
pub(crate) fn system_event(
    action: crate::audit::Action,
    names: &Pseudonymizer,
    scope: Option<&KeyScope>,
) -> AuditEvent {
    let event = AuditEvent::new(action, Outcome::Done).with_actor(Actor::system());
    match scope {
        Some(KeyScope::Subject(id)) => event.with_subject(names.subject(id.as_str())),
        _ => event,
    }
}
