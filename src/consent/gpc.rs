//! Global Privacy Control: a `Sec-GPC: 1` request header is an opt-out of
//! the sale and sharing of personal data and of marketing.

use super::ledger::{ConsentError, ConsentLedger};
use super::state::Scope;
use super::store::ConsentStore;
use super::{Collection, CollectionMethod, ConsentEvent, ConsentStatus};
use crate::SubjectId;
use crate::ids::{ConsentEventId, Jurisdiction};
use crate::policy::Policy;
use crate::purpose::Purpose;
use crate::time::Timestamp;

/// A Global Privacy Control opt-out, read from a request.
///
/// [`ConsentLedger::apply_gpc`] records a refusal (method `gpc`) for every
/// purpose the policy marks with [`PurposeTerms::gpc_opt_out`]. When the
/// subject had explicitly opted in to such a purpose, the refusal still
/// wins (CCPA regs §7025 require honouring the signal) but is flagged as a
/// conflict on the event and in the returned [`GpcOutcome`], so the host
/// can show it to the subject and to a regulator; it never overrides the
/// opt-in silently. A purpose already refused, withdrawn or objected to is
/// left alone, so a signal that arrives with every request records
/// nothing new.
///
/// Known limit: a subject who opts in again while their browser still
/// sends the signal is refused again on the next request with a signal;
/// hosts that want to honour such an opt-in stop calling `apply_gpc` for
/// that subject and purpose (the conflict flag shows when to ask).
///
/// [`PurposeTerms::gpc_opt_out`]: crate::policy::PurposeTerms::gpc_opt_out
///
/// # References
///
/// - Global Privacy Control, W3C Privacy CG draft: <https://privacycg.github.io/gpc-spec/>
/// - CCPA regulations §7025 (opt-out preference signals)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GpcSignal;

impl GpcSignal {
    /// The name of the request header.
    pub const HEADER: &'static str = "Sec-GPC";

    /// Reads the value of a `Sec-GPC` header: `Some` for `1` (surrounding
    /// whitespace allowed); `None` for an absent header or any other value,
    /// which the specification treats as "no preference".
    ///
    /// ```
    /// use custodian::consent::GpcSignal;
    ///
    /// assert!(GpcSignal::from_header(Some("1")).is_some());
    /// assert_eq!(GpcSignal::from_header(Some("0")), None);
    /// assert_eq!(GpcSignal::from_header(None), None);
    /// ```
    pub fn from_header(value: Option<&str>) -> Option<GpcSignal> {
        (value?.trim() == "1").then_some(GpcSignal)
    }
}

/// What [`ConsentLedger::apply_gpc`] recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GpcOutcome {
    /// One refusal per purpose that was not already refused.
    pub recorded: Vec<(Purpose, ConsentEventId)>,
    /// The purposes whose explicit opt-in the signal overrode.
    pub conflicts: Vec<Purpose>,
}

impl<S: ConsentStore> ConsentLedger<S> {
    /// Records a GPC opt-out for `subject` under `policy` (see [`GpcSignal`]). The events carry the policy's version, method
    /// `gpc`, `time` and `jurisdiction`.
    ///
    /// # Errors
    ///
    /// A [`ConsentError`] if the store fails; events recorded before the
    /// failure stay recorded.
    pub fn apply_gpc(
        &self,
        subject: &SubjectId,
        _signal: GpcSignal,
        policy: &Policy,
        time: Timestamp,
        jurisdiction: &Jurisdiction,
    ) -> Result<GpcOutcome, ConsentError> {
        let how = Collection::new(
            *policy.version(),
            time,
            CollectionMethod::Gpc,
            jurisdiction.clone(),
        );
        let mut outcome = GpcOutcome::default();
        for terms in policy.purposes().iter().filter(|t| t.is_gpc_opt_out()) {
            let purpose = terms.purpose();
            let current = self.state(subject, Scope::purpose(purpose))?;
            if current.is_some_and(|s| s.status.is_negative() && s.status != ConsentStatus::Expired)
            {
                continue;
            }
            let conflict = current.is_some_and(|s| s.is_valid_at(time));
            let id = ConsentEventId::random()?;
            let mut event = ConsentEvent::new(
                id,
                subject.clone(),
                purpose,
                None,
                ConsentStatus::Refused,
                &how,
            );
            if conflict {
                event = event.with_gpc_conflict();
                outcome.conflicts.push(purpose);
            }
            self.append(event)?;
            outcome.recorded.push((purpose, id));
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_literal_one_is_a_signal() {
        for on in ["1", " 1", "1\t"] {
            assert!(GpcSignal::from_header(Some(on)).is_some(), "{on:?}");
        }
        for off in ["", "0", "true", "11", "1,1", "yes"] {
            assert!(GpcSignal::from_header(Some(off)).is_none(), "{off:?}");
        }
        assert!(GpcSignal::from_header(None).is_none());
    }
}
