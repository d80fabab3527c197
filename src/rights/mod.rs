//! Data-subject rights: requests with legal deadlines, access and
//! portability exports, rectification, erasure with legal holds,
//! restriction, objection, withdrawal and complaints, all driven through
//! the [`Custodian`](crate::Custodian) so the host writes no workflow
//! code.
//!
//! The host implements one small trait over its storage,
//! [`Host`](crate::records::Host), and one to reach its recipients,
//! [`Notifier`]; everything else (statuses, deadlines, audit events, key
//! handling, holds, notices to recipients) is the crate's.
//!
//! | step | call |
//! |---|---|
//! | a request arrives | [`Custodian::receive_request`](crate::Custodian::receive_request) (deadlines from its [`Profile`]) |
//! | its status moves | [`acknowledge`](crate::Custodian::acknowledge), [`ask_identity`](crate::Custodian::ask_identity), [`accept`](crate::Custodian::accept), [`require_action`](crate::Custodian::require_action), [`extend`](crate::Custodian::extend), [`reject`](crate::Custodian::reject), [`refuse_unfounded`](crate::Custodian::refuse_unfounded), [`close_unfulfilled`](crate::Custodian::close_unfulfilled) |
//! | access, portability | [`Custodian::export`](crate::Custodian::export) ([`export`] schema) |
//! | rectification | [`Custodian::rectify`](crate::Custodian::rectify) |
//! | erasure | [`Custodian::erase`](crate::Custodian::erase) ([`ErasureReport`]) |
//! | restriction | [`Custodian::restrict`](crate::Custodian::restrict) |
//! | withdrawal, objection | [`Custodian::withdraw`](crate::Custodian::withdraw), [`Custodian::object`](crate::Custodian::object) |
//! | complaint | [`file_complaint`](crate::Custodian::file_complaint), [`note_complaint`](crate::Custodian::note_complaint), [`resolve_complaint`](crate::Custodian::resolve_complaint) |
//! | what is late | [`overdue`](crate::Custodian::overdue), [`due_within`](crate::Custodian::due_within) |
//!
//! Every transition is recorded as an audit event before it is stored
//! (fail closed: no event, no change): `rights_request_received`,
//! `rights_request_status_changed` and `rights_request_completed` (for
//! complaints `complaint_filed`, `complaint_noted`, `complaint_resolved`),
//! each with the subject's pseudonym, the right, the new status and the
//! request id.
//!
//! # Request records
//!
//! The records themselves are personal data kept for compliance: they
//! are read only for [`Purpose::LegalCompliance`](crate::purpose::Purpose)
//! ([`Custodian::request`](crate::Custodian::request)) and kept at least
//! [`REQUEST_RECORD_MONTHS`] months after they close (CCPA regulations
//! §7101), then purged with
//! [`Custodian::purge_request_records`](crate::Custodian::purge_request_records).
//!
//! # References
//!
//! GDPR Art. 12–21; California Code of Regulations, title 11, §§7021,
//! 7101; W3C Data Privacy Vocabulary 2.3, rights-request statuses.

mod deadline;
mod erasure;
mod error;
pub mod export;
mod notify;
mod request;
mod store;
mod workflow;

use std::sync::Arc;

pub use deadline::{
    COMPLAINT_SLA_DAYS, Calendar, DeadlineError, Deadlines, Holidays, Profile, Weekdays,
};
pub use erasure::{CategoryOutcome, ErasureReport};
pub use error::{HostError, RequestStoreError, RightsError};
pub use export::Export;
pub use notify::{MemoryNotifier, Notice, Notifier, RectificationReport};
pub use request::{
    Complaint, ComplaintOutcome, Extension, ExtensionReason, Rejection, RejectionReason, Remedies,
    Request, RequestKind, Status, Transition, Unfounded, UnfoundedRefusal,
};
pub use store::{MemoryRequests, RequestStore};
pub use workflow::DueRequest;

use crate::disclosure::{DisclosureLog, MemoryDisclosures};
use crate::retention::hold::HeldData;
use crate::retention::{HoldStore, MemoryHolds, Schedule};

/// How long request records are kept at least after they close, in
/// months (CCPA regulations §7101: 24 months).
pub const REQUEST_RECORD_MONTHS: u32 = 24;

/// The custodian's rights and retention state: where requests, holds and
/// disclosures are kept, the retention schedule and the business-day
/// calendar. Memory stores, no retention rules and [`Weekdays`] by
/// default; replaced with the `Custodian::with_*` calls.
#[derive(Debug)]
pub(crate) struct Parts {
    pub(crate) requests: Arc<dyn RequestStore>,
    pub(crate) holds: Arc<dyn HoldStore>,
    pub(crate) restrictions: HeldData,
    pub(crate) disclosures: Arc<dyn DisclosureLog>,
    pub(crate) retention: Schedule,
    pub(crate) calendar: Arc<dyn Calendar>,
}

impl Parts {
    /// These parts with requests, holds and disclosures kept in `store`.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn in_store(self, store: &crate::store::Store) -> Self {
        let holds: Arc<dyn HoldStore> = Arc::new(store.holds());
        Self {
            requests: Arc::new(store.requests()),
            restrictions: HeldData(Arc::clone(&holds)),
            holds,
            disclosures: Arc::new(store.disclosures()),
            ..self
        }
    }
}

impl Default for Parts {
    fn default() -> Self {
        let holds: Arc<dyn HoldStore> = Arc::new(MemoryHolds::new());
        Self {
            requests: Arc::new(MemoryRequests::new()),
            restrictions: HeldData(Arc::clone(&holds)),
            holds,
            disclosures: Arc::new(MemoryDisclosures::new()),
            retention: Schedule::new(),
            calendar: Arc::new(Weekdays),
        }
    }
}
