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
pub fn fold<'e>(
    events: impl IntoIterator<Item = &'e ConsentEvent>,
    scope: Scope<'_>,
) -> Option<ConsentState> {
    events
        .into_iter()
        .filter(|e| scope.applies(e))
        .last()
        .map(ConsentState::of)
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
