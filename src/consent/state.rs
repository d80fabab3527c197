//! The current consent state: a fold of the ledger's events.

use crate::ids::{ConsentEventId, PolicyVersion, RecipientId};
use crate::purpose::Purpose;
use crate::time::Timestamp;

use super::{ConsentEvent, ConsentStatus};

/// Where a consent state applies: a purpose, for all recipients or for
/// one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scope<'a> {
    /// The purpose.
    pub purpose: Purpose,
    /// The recipient, for a consent to disclose to it; `None` for the
    /// purpose as a whole.
    pub recipient: Option<&'a RecipientId>,
}

impl<'a> Scope<'a> {
    /// The purpose as a whole.
    pub const fn purpose(purpose: Purpose) -> Self {
        Self {
            purpose,
            recipient: None,
        }
    }

    /// The purpose, for disclosure to `recipient`.
    pub const fn recipient(purpose: Purpose, recipient: &'a RecipientId) -> Self {
        Self {
            purpose,
            recipient: Some(recipient),
        }
    }

    /// Whether `event` counts for this scope (see [`fold`]).
    pub fn applies(&self, event: &ConsentEvent) -> bool {
        if event.purpose() != self.purpose {
            return false;
        }
        match (self.recipient, event.recipient()) {
            (None, None) => true,
            (Some(want), Some(got)) => want == got,
            (Some(_), None) => event.status().is_negative(),
            (None, Some(_)) => false,
        }
    }
}

/// The current state of one scope: the deciding event's status and
/// particulars. Small and `Copy`, so stores hand it out by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsentState {
    /// The status of the deciding event.
    pub status: ConsentStatus,
    /// The deciding event.
    pub event: ConsentEventId,
    /// When it happened.
    pub time: Timestamp,
    /// The notice version it was given under.
    pub version: PolicyVersion,
    /// When a consent runs out, if it does.
    pub expires: Option<Timestamp>,
}

impl ConsentState {
    /// The state an event leads to.
    pub fn of(event: &ConsentEvent) -> Self {
        Self {
            status: event.status(),
            event: event.id(),
            time: event.time(),
            version: *event.version(),
            expires: event.expires(),
        }
    }

    /// Whether the state lets consent-based processing go ahead at `at`:
    /// given or renewed, and not past its expiry. (The notice version is
    /// checked against the policy schedule by the decision.)
    pub fn is_valid_at(&self, at: Timestamp) -> bool {
        self.status.is_valid_for_processing() && self.expires.is_none_or(|e| at < e)
    }
}

/// Folds a subject's events, in ledger order, into the state of `scope`.
///
/// Durable stores can use this directly; the in-memory store keeps the
/// result up to date as events arrive instead, and must agree with it.
///
/// The state of a subject for a purpose (and optionally a recipient) is
/// the **last applicable event** in ledger order:
///
/// - for the purpose as a whole (`recipient = None`): the last event for
///   the purpose without a recipient;
/// - for the purpose and recipient `r`: the last event that is either for
///   the purpose and `r`, or for the purpose without a recipient and
///   negative (refused, withdrawn, expired, invalidated, objected).
///
/// So a purpose-wide withdrawal also ends every recipient-specific
/// consent for that purpose, while a purpose-wide consent does not extend
/// to recipients the subject did not name. Withdrawal therefore takes one
/// event, exactly like granting.
///
/// # Objections to direct marketing
///
/// An objection to direct marketing is absolute (GDPR Art. 21(3)). For a
/// direct-marketing purpose ([`Purpose::Marketing`], or a host purpose
/// mapped to DPV `DirectMarketing`), once an applicable objection is the
/// state, only two kinds of event move it:
///
/// - a further applicable objection (the state becomes that one);
/// - a consent (given or renewed) that carries
///   [`lifts_objection`](ConsentEvent::lifts_objection): if it applies,
///   it becomes the state; a purpose-wide one seen from a recipient's
///   scope ends the objection there but the state stays the objection
///   until the subject consents for that recipient (a purpose-wide
///   consent never extends to recipients).
///
/// Every other event (a plain consent, a withdrawal, an expiry) leaves
/// the objection standing. The ledger sets `lifts_objection` only when the
/// policy allows it ([`Policy::consent_lifts_objection`](crate::policy::Policy::consent_lifts_objection)).
pub fn fold<'e>(
    events: impl IntoIterator<Item = &'e ConsentEvent>,
    scope: Scope<'_>,
) -> Option<ConsentState> {
    let absolute = objection_is_absolute(scope.purpose);
    let mut state = None;
    let mut objected = false;
    for e in events.into_iter().filter(|e| e.purpose() == scope.purpose) {
        let step = step(objected, absolute, facts(e, scope.applies(e)));
        if step.set {
            state = Some(ConsentState::of(e));
        }
        objected = step.objected;
    }
    state
}

/// Whether an objection to `purpose` is absolute: direct marketing
/// (GDPR Art. 21(3)).
pub(crate) fn objection_is_absolute(purpose: Purpose) -> bool {
    purpose == Purpose::Marketing || purpose.dpv() == Some("DirectMarketing")
}

/// What the fold needs to know of one event of the scope's purpose.
#[derive(Clone, Copy)]
pub(crate) struct Facts {
    pub(crate) status: ConsentStatus,
    pub(crate) lifts_objection: bool,
    /// Whether [`Scope::applies`] holds.
    pub(crate) applies: bool,
    /// Whether the event is for the purpose as a whole.
    pub(crate) wide: bool,
}

fn facts(e: &ConsentEvent, applies: bool) -> Facts {
    Facts {
        status: e.status(),
        lifts_objection: e.lifts_objection(),
        applies,
        wide: e.recipient().is_none(),
    }
}

/// One step of the fold: whether the event becomes the state, and whether
/// an absolute objection stands after it.
#[derive(Clone, Copy)]
pub(crate) struct Step {
    pub(crate) set: bool,
    pub(crate) objected: bool,
}

/// The fold's rule for one event; shared with the in-memory store, which
/// applies it slot by slot.
pub(crate) fn step(objected: bool, absolute: bool, e: Facts) -> Step {
    let objection = e.status == ConsentStatus::Objected;
    if !absolute {
        return Step {
            set: e.applies,
            objected: false,
        };
    }
    if !objected {
        return Step {
            set: e.applies,
            objected: e.applies && objection,
        };
    }
    let lifts = e.lifts_objection && e.status.is_valid_for_processing();
    match () {
        () if e.applies && objection => Step {
            set: true,
            objected: true,
        },
        () if lifts && (e.applies || e.wide) => Step {
            set: e.applies,
            objected: false,
        },
        () => Step {
            set: false,
            objected: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SubjectId;
    use crate::consent::{Collection, CollectionMethod};
    use crate::ids::Jurisdiction;

    fn event(status: ConsentStatus, recipient: Option<&str>, n: u8) -> ConsentEvent {
        event_until(status, recipient, n, None)
    }

    fn event_until(
        status: ConsentStatus,
        recipient: Option<&str>,
        n: u8,
        until: Option<u64>,
    ) -> ConsentEvent {
        let mut how = Collection::new(
            PolicyVersion::new("1"),
            Timestamp::from_unix_millis(u64::from(n)).unwrap(),
            CollectionMethod::Api,
            Jurisdiction::new("EU"),
        );
        if let Some(until) = until {
            how = how.expires(Timestamp::from_unix_millis(until).unwrap());
        }
        ConsentEvent::new(
            ConsentEventId::from_bytes([n; 16]),
            SubjectId::try_new("s").unwrap(),
            Purpose::Marketing,
            recipient.map(|r| RecipientId::parse(r).unwrap()),
            status,
            &how,
        )
    }

    #[test]
    fn purpose_wide_negatives_reach_recipients_but_grants_do_not() {
        use ConsentStatus::*;
        let ads = RecipientId::new("ads");
        let events = [
            event(Given, Some("ads"), 1),
            event(Withdrawn, None, 2),
            event(Given, None, 3),
        ];
        let wide = fold(&events, Scope::purpose(Purpose::Marketing)).unwrap();
        assert_eq!(wide.status, Given);
        let scoped = fold(&events, Scope::recipient(Purpose::Marketing, &ads)).unwrap();
        assert_eq!((scoped.status, scoped.time.unix_millis()), (Withdrawn, 2));
        assert_eq!(fold(&events, Scope::purpose(Purpose::Shipping)), None);
    }

    #[test]
    fn expiry_is_exclusive() {
        let e = event_until(ConsentStatus::Given, None, 1, Some(10));
        let state = ConsentState::of(&e);
        assert!(state.is_valid_at(Timestamp::from_unix_millis(9).unwrap()));
        assert!(!state.is_valid_at(Timestamp::from_unix_millis(10).unwrap()));
    }
}
