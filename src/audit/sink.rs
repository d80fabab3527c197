//! Where audit events go: the [`AuditSink`] trait and the sinks the crate
//! provides.

use core::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::error::SinkError;
use super::event::AuditEvent;

/// Receives audit events. Host applications implement it to send events
/// to their own store; the crate provides [`MemorySink`], [`FanOut`] and
/// the verifiable [`FileLog`](super::FileLog).
///
/// # Fail closed
///
/// Recording comes **before** the audited effect, and a failure to record
/// stops it: if `record` returns an error, the operation being audited
/// must not happen. A reveal that cannot be audited returns an error
/// instead of plaintext; a disclosure that cannot be audited is not sent.
/// Every part of this crate that emits events follows that rule, and host
/// code calling a sink directly should too:
///
/// ```
/// use custodian::audit::{Action, AuditEvent, AuditSink, MemorySink, Outcome, SinkError};
///
/// fn reveal(sink: &dyn AuditSink, event: AuditEvent) -> Result<&'static str, SinkError> {
///     sink.record(&event)?; // no record, no plaintext
///     Ok("the revealed value")
/// }
///
/// let sink = MemorySink::new();
/// assert!(reveal(&sink, AuditEvent::new(Action::Reveal, Outcome::Allowed)).is_ok());
/// sink.set_available(false);
/// assert!(reveal(&sink, AuditEvent::new(Action::Reveal, Outcome::Allowed)).is_err());
/// assert_eq!(sink.len(), 1);
/// ```
///
/// # Contract for implementations
///
/// - `record` returns `Ok` only once the event is stored as durably as the
///   host requires; an `Ok` from a sink that buffers in memory and may lose
///   events is a silent audit gap.
/// - It is called from many threads at once (`Send + Sync`), and should be
///   fast: it sits on the path of every audited operation.
/// - Events hold no plaintext personal data (subjects are keyed
///   pseudonyms, fields are closed values), so a sink may store them
///   without sealing. The store is still personal data in the GDPR sense
///   and needs access control.
/// - There is deliberately no no-op sink: the policy promises that every
///   data activity is logged. A host that truly wants to drop events has
///   to write that sink itself, visibly.
pub trait AuditSink: Send + Sync + fmt::Debug {
    /// Records one event.
    ///
    /// # Errors
    ///
    /// [`SinkError`] if the event was not recorded; the caller must then
    /// abandon the audited operation.
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError>;
}

impl<T: AuditSink + ?Sized> AuditSink for &T {
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        (**self).record(event)
    }
}

impl<T: AuditSink + ?Sized> AuditSink for Box<T> {
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        (**self).record(event)
    }
}

impl<T: AuditSink + ?Sized> AuditSink for Arc<T> {
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        (**self).record(event)
    }
}

/// Keeps events in memory, for tests.
///
/// [`set_available(false)`](MemorySink::set_available) makes it refuse
/// events, to test that audited operations fail closed. `Debug` shows
/// how many events it holds, not the events.
pub struct MemorySink {
    events: Mutex<Vec<AuditEvent>>,
    available: AtomicBool,
}

impl std::fmt::Debug for MemorySink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("MemorySink");
        if let Ok(events) = self.events.lock() {
            s.field("events", &events.len());
        }
        s.field("available", &self.available.load(Ordering::Relaxed))
            .finish()
    }
}

impl Default for MemorySink {
    fn default() -> Self {
        Self {
            events: Mutex::new(Vec::new()),
            available: AtomicBool::new(true),
        }
    }
}

impl MemorySink {
    /// An empty, available sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes [`record`](AuditSink::record) succeed (`true`) or fail with
    /// [`SinkError::Unavailable`] (`false`).
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::SeqCst);
    }

    /// A copy of the events recorded so far, oldest first.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.lock().clone()
    }

    /// Removes and returns the events recorded so far.
    pub fn take(&self) -> Vec<AuditEvent> {
        std::mem::take(&mut *self.lock())
    }

    /// How many events were recorded.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no event was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditEvent>> {
        // A poisoned lock means a thread panicked while pushing a whole
        // event; the vector is still valid.
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl AuditSink for MemorySink {
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        if !self.available.load(Ordering::SeqCst) {
            return Err(SinkError::Unavailable);
        }
        self.lock().push(event.clone());
        Ok(())
    }
}

/// Records every event in several sinks, in order (for example the
/// verifiable log and the host's SIEM).
///
/// Recording stops at the first sink that fails, and its error is
/// returned, so the audited operation does not happen. Sinks before it
/// keep the event: the log may then show an operation that was refused
/// for lack of audit. That errs on the side of over-reporting, which is
/// the safe side for an audit trail.
///
/// ```
/// use std::sync::Arc;
/// use custodian::audit::{Action, AuditEvent, AuditSink, FanOut, MemorySink, Outcome};
///
/// let a = Arc::new(MemorySink::new());
/// let b = Arc::new(MemorySink::new());
/// let both = FanOut::new(vec![Box::new(a.clone()), Box::new(b.clone())]);
/// both.record(&AuditEvent::new(Action::PolicyActivated, Outcome::Done))?;
/// assert_eq!((a.len(), b.len()), (1, 1));
/// # Ok::<(), custodian::audit::SinkError>(())
/// ```
#[derive(Debug)]
pub struct FanOut {
    sinks: Vec<Box<dyn AuditSink>>,
}

impl FanOut {
    /// Sends to `sinks`, in this order.
    pub fn new(sinks: Vec<Box<dyn AuditSink>>) -> Self {
        Self { sinks }
    }
}

impl AuditSink for FanOut {
    fn record(&self, event: &AuditEvent) -> Result<(), SinkError> {
        self.sinks.iter().try_for_each(|sink| sink.record(event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::event::{Action, Outcome};

    #[test]
    fn fan_out_stops_at_the_first_failure() {
        let a = Arc::new(MemorySink::new());
        let b = Arc::new(MemorySink::new());
        let c = Arc::new(MemorySink::new());
        let fan = FanOut::new(vec![
            Box::new(a.clone()),
            Box::new(b.clone()),
            Box::new(c.clone()),
        ]);
        b.set_available(false);
        let e = AuditEvent::new(Action::Disclosure, Outcome::Allowed);
        assert!(matches!(fan.record(&e), Err(SinkError::Unavailable)));
        assert_eq!((a.len(), b.len(), c.len()), (1, 0, 0));
        b.set_available(true);
        fan.record(&e).unwrap();
        assert_eq!((a.len(), b.len(), c.len()), (2, 1, 1));
        assert_eq!(a.take().len(), 2);
        assert!(a.is_empty());
    }

    #[test]
    fn sinks_are_shareable_across_threads() {
        let sink = Arc::new(MemorySink::new());
        std::thread::scope(|s| {
            for _ in 0..4 {
                let sink = &sink;
                s.spawn(move || {
                    for _ in 0..100 {
                        sink.record(&AuditEvent::new(Action::Reveal, Outcome::Denied))
                            .unwrap();
                    }
                });
            }
        });
        assert_eq!(sink.len(), 400);
    }
}
