//! Audit: an event for every data activity, a sink trait host apps
//! implement, and a verifiable Merkle log that ships with the crate.
//!
//! The privacy policy promises that every internal data activity is logged
//! and traceable. This module keeps that promise in a form an auditor can
//! check with proofs, without trusting the host:
//!
//! - [`AuditEvent`]: one type for reveals, disclosures, consent changes,
//!   policy activations, rights requests, exports, rectifications,
//!   erasures (with what a legal hold kept), Art. 19 notifications, key
//!   operations, retention purges and complaints. Every field is a closed
//!   value; subjects and staff appear only as keyed pseudonyms
//!   ([`Pseudonymizer`]). No event carries plaintext personal data.
//! - [`AuditSink`]: where events go. Recording is **fail closed**: if it
//!   fails, the audited operation does not happen. Provided: [`MemorySink`]
//!   (tests), [`FanOut`] (several sinks) and [`FileLog`].
//! - [`FileLog`]: an append-only log on disk whose entries are the leaves of
//!   an RFC 6962 Merkle tree, with Ed25519-signed [checkpoints](SignedCheckpoint)
//!   in the C2SP format external witnesses use, inclusion and consistency
//!   proofs ([`merkle`], [`InclusionBundle`], [`ConsistencyBundle`]) against
//!   any checkpoint of its history, crash recovery, and a [`verify`]
//!   function (CLI: `examples/audit_verify.rs`) that names the first broken
//!   entry, or an [`Equivocation`] with both checkpoints as evidence.
//! - Evidence (what a rectification changed) is sealed to the subject by
//!   the [vault](crate::vault::Vault) and stored beside the log
//!   ([`EvidenceStore`]); the entry commits to it by hash ([`EvidenceRef`]),
//!   so forgetting the subject destroys the evidence while the log still
//!   verifies. Pseudonyms are keyed by the vault too
//!   ([`Pseudonymizer::from_vault`]).
//!
//! Every byte format is specified in [`formats`], precisely enough to write
//! a verifier in another language with SHA-256 and Ed25519 alone;
//! known-answer vectors under `tests/vectors/audit/` pin them.
//!
//! ```
//! use custodian::audit::{
//!     Action, Actor, AuditEvent, AuditSink, CheckpointSigner, LogOptions, Outcome, Pseudonymizer,
//!     verify,
//! };
//! use custodian::ids::Role;
//! use custodian::pii::Category;
//! use custodian::purpose::{LawfulBasis, Purpose};
//!
//! let dir = tempfile::tempdir()?;
//! let signer = CheckpointSigner::generate("shop.example/audit")?;
//! let verifier = signer.verifier(); // give this to auditors
//! let (log, _) = LogOptions::new().open(dir.path(), signer)?;
//!
//! let keys = Pseudonymizer::from_bytes([42; 32]); // Pseudonymizer::from_vault in production
//! log.record(
//!     &AuditEvent::new(Action::Reveal, Outcome::Allowed)
//!         .with_actor(Actor::staff(Role::new("support_agent"), keys.actor("agent-17")))
//!         .with_subject(keys.subject("cust_8f3a"))
//!         .with_categories([Category::Contact])
//!         .with_purpose(Purpose::CustomerSupport)
//!         .with_legal_basis(LawfulBasis::Contract),
//! )?;
//! let checkpoint = log.checkpoint()?;
//!
//! // An auditor with the public key and the checkpoint:
//! let report = verify(dir.path(), &verifier, Some(&checkpoint))?;
//! assert!(report.is_verified(), "{report}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Threat model
//!
//! - **Storage and backups** (a DBA, a restored backup, a disk editor): any
//!   edit, deletion, insertion, reordering or truncation of entries covered
//!   by a checkpoint the auditor holds is detected and located.
//! - **The log's signing key** signs checkpoints in the host process.
//!   Whoever holds it (a compromised host) can write a new history and sign
//!   it; such a history is not consistent with checkpoints signed before,
//!   which is what external witnesses ([`ConsistencyBundle`]) and auditors
//!   who keep old checkpoints catch: two signed checkpoints of one size
//!   with different roots are an [`Equivocation`]. Export checkpoints
//!   regularly.
//! - **Truncation** can only be seen against a checkpoint held outside the
//!   log directory: pass it to [`verify`].
//! - **Readers of the log** see pseudonyms, categories, purposes and
//!   times, never values. Pseudonyms are still personal data for whoever
//!   holds the pseudonym key; the log needs access control and has its
//!   own retention.
//! - **Out of scope**: events the host never records (the crate's own
//!   operations always record), and a host that lies in the fields it
//!   supplies.

mod auditor;
mod bundle;
mod checkpoint;
mod error;
mod event;
mod evidence;
mod file_log;
pub(crate) mod frame;
pub mod merkle;
mod pseudonym;
mod sink;
mod verify;

#[doc = include_str!("formats.md")]
pub mod formats {}

pub use auditor::Auditor;
pub use bundle::{ConsistencyBundle, InclusionBundle};
pub use checkpoint::{
    Checkpoint, CheckpointSigner, CheckpointVerifier, Equivocation, MAX_KEY_NAME_LEN, MAX_NOTE_LEN,
    MAX_SIGNATURES, SignedCheckpoint,
};
pub use error::{
    CheckpointError, DecodeError, DecodeProblem, EvidenceError, LogError, ProofError, SinkError,
};
pub use event::{
    Action, Actor, AuditEvent, CorrelationId, ENTRY_VERSION, HoldId, HoldReason, HostTaxonomy,
    Outcome, RefusalReason, RequestId, RequestStatus, Right, Withheld,
};
pub use evidence::{
    EvidenceFor, EvidenceRef, EvidenceSealer, EvidenceStore, FileEvidence, MemoryEvidence,
    seal_and_store,
};
pub use file_log::{
    CHECKPOINTS_FILE, Durability, ENTRIES_FILE, FileLog, LogOptions, MAX_ENTRY_LEN, OpenReport,
    Recovered,
};
pub use pseudonym::{ActorPseudonym, Pseudonymizer, SubjectPseudonym};
pub use sink::{AuditSink, FanOut, MemorySink};
pub use verify::{Problem, Report, Verdict, verify};
