//! The consent ledger: append-only consent events, whose fold is the
//! current state.
//!
//! - [`ConsentEvent`]: subject, purpose (and optionally recipient),
//!   [`ConsentStatus`] (the W3C DPV statuses given, renewed, refused,
//!   withdrawn, expired, invalidated, plus an Art. 21 objection), notice
//!   version, time, [`CollectionMethod`], jurisdiction, expiry and proof
//!   reference: the field set of an ISO/IEC TS 27560 consent record.
//! - [`ConsentLedger`]: one call per event (`give`, `withdraw`, `object`,
//!   ..., all taking the same arguments), reads of the current
//!   [`ConsentState`] and of the history.
//! - [`fold`] and [`Scope`]: what "current state" means, precisely,
//!   including why an objection to direct marketing outlasts later
//!   consents (GDPR Art. 21(3)) unless the policy lets a consent lift it.
//! - [`ConsentLedger::with_schedule`]: consents must name a notice version
//!   in force (or announced) at their time
//!   ([`ConsentError::VersionNotInForce`]).
//! - [`GpcSignal`] and [`ConsentLedger::apply_gpc`]: Global Privacy
//!   Control opt-outs, with conflicts recorded.
//! - [`Receipt`]: Kantara v1.1-shaped receipts signed with Ed25519.
//! - [`ConsentStore`]: the storage trait; [`MemoryStore`] keeps everything
//!   in memory, with each subject's folded state ready for a lookup.
//!
//! Whether a consent *authorises* a use also depends on the policy (the
//! basis of the use, material changes since the consent's notice
//! version); that is decided in [`crate::decision`].
//!
//! # References
//!
//! GDPR Art. 7 (conditions for consent), Art. 21 (right to object); W3C
//! DPV consent statuses; ISO/IEC TS 27560:2023 consent records.

mod event;
mod gpc;
mod ledger;
mod receipt;
mod state;
mod store;

pub use event::{Collection, CollectionMethod, ConsentEvent, ConsentStatus};
pub use gpc::{GpcOutcome, GpcSignal};
pub use ledger::{ConsentError, ConsentLedger};
pub use receipt::{
    KANTARA_VERSION, Receipt, ReceiptController, ReceiptError, ReceiptPurpose, ReceiptRequest,
    ReceiptService, ReceiptSigner,
};
pub(crate) use state::objection_is_absolute;
pub use state::{ConsentState, Scope, fold};
pub use store::{ConsentStore, MemoryStore, StoreError};
