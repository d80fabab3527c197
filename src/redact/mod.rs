//! PII in free text: a detector and a redactor for logs, support tickets
//! and chat transcripts.
//!
//! Typed values ([`crate::pii`]) protect the data a backend knows it holds.
//! This module finds what slips into free text: an email pasted into a
//! ticket, a card number in a payment log, a phone number in a chat. It
//! keeps the policy's promise that personal data is masked in displays and
//! transfers (Privacy Policy, "Personal Data Safekeeping and Safeguards")
//! for text that leaves the systems of record, and the purge of expired
//! logs ("Policy Revisions and Data Refreshment") can keep the scrubbed
//! form.
//!
//! ```
//! use custodian::redact::{Redactor, Strategy};
//!
//! let redactor = Redactor::builder().strategy(Strategy::Tag).build()?;
//! let line = r#"{"event":"refund","email":"ada@example.com","iban":"DE89 3704 0044 0532 0130 00","ip":"192.0.2.7"}"#;
//! let out = redactor.redact(line)?;
//! assert_eq!(
//!     out.text(),
//!     r#"{"event":"refund","email":"[EMAIL]","iban":"[IBAN]","ip":"[IP_ADDRESS]"}"#
//! );
//! assert_eq!(out.report().total(), 3);
//! # Ok::<(), custodian::redact::RedactError>(())
//! ```
//!
//! # Pieces
//!
//! - [`Detector`] finds [`Finding`]s of the built-in [`DetectedKind`]s and of
//!   host-defined [`CustomDetector`]s, in a `&str`, in bytes, or line by line
//!   from a [`BufRead`](std::io::BufRead) ([`Detector::scan_reader`]).
//! - [`FieldKeys`] names the field keys whose values are personal data
//!   (`"firstName":"…"`, `street: …`): their values are found whole as
//!   [`DetectedKind::Person`], [`DetectedKind::Address`] or the kind the key
//!   names, in JSON and `key=value` / `key: value` text, and in the
//!   columns of a CSV export that its header line names.
//! - In running text, the name that signs a message off at the end of a
//!   line (`Regards, Jason`, `Viele Grüße, Hans-Peter`), or alone on the
//!   line after a sign-off alone, is a [`DetectedKind::Person`] too; other
//!   free-text names are not found.
//! - [`Redactor`] replaces findings by a [`Strategy`] per kind (mask, tag,
//!   remove, keyed [`PseudonymKey`] hash, or seal through a [`TextSealer`]),
//!   streaming from a reader to a writer, and returns a [`Report`] of counts
//!   that never holds the text.
//! - The checks behind the findings (Luhn, mod-97, SSA rules, calendar
//!   dates, IP forms, calling codes) are the free functions of
//!   [`crate::validate`], shared with the typed values of [`crate::pii`].
//!
//! # Quality and speed
//!
//! On the labelled development corpus of marketplace text
//! (`../shared/corpus/`, 20,000 lines in 18 locales; see its README for
//! how to score), the detector reaches micro precision 1.000 and recall
//! 0.9998 for exact spans (every type at or above 0.998), and hits none of
//! the corpus's decoys (Luhn-invalid order ids, masked cards and emails,
//! invalid IBANs, MAC addresses, version strings, dates that are not birth
//! dates). The rules are written for the kinds, not for the corpus: the
//! same detector is judged on text it has not seen, and
//! `tests/data/redact_unseen.jsonl` is a second, hand-labelled set in other
//! styles (chats, support e-mails, CSV exports, access and JSON logs of
//! other stacks) with per-type floors in `tests/redact_unseen.rs`.
//!
//! `benches/redact.rs` measures throughput on generated marketplace logs
//! and on prose, beside a plain `regex` email scan of the same text (whole
//! and line by line), and end to end on one and two threads. Redacting
//! the development corpus end to end costs about 31 instructions per byte
//! once the label patterns' lazy DFAs are warm (counted with callgrind;
//! warming them is a fixed cost of about 40 million instructions per
//! thread), of which the key-aware work at `:` and `=` takes about 7; the
//! benchmark's logs cost about 32 (6 of them key-aware). Lines without
//! digits, `@`, `:`, `;`, `<`, `=` or `&` are passed through in blocks at
//! about 2 GB/s, each looked at only at its end, for a name that signs it
//! off.
//!
//! # Security
//!
//! - Text is untrusted: the scan is linear in its length, host patterns use
//!   the `regex` crate (no backtracking) with a compiled-size limit, and
//!   memory is bounded when streaming, whatever the line length.
//! - Detection is heuristic. A value written in a shape the detector does
//!   not know (a national phone number of a region outside its list with
//!   no label and no `+`, an email with a Unicode local part, a date of
//!   birth without a label, a name in a sentence rather than after a
//!   sign-off, or in a CSV row whose header is not the first line of the
//!   input) passes through.
//!   Redaction lowers exposure; it does not make a log anonymous. Prefer not
//!   to log PII in the first place, and use typed values in code.
//! - Masks keep a few characters (last four digits, the email domain); use
//!   [`Strategy::Tag`] or [`Strategy::Remove`] where even that is too much.
//! - A failed seal fails the whole redaction; the original text of a
//!   finding is never written in place of its replacement.
//! - Errors and reports never contain text from the input.

mod caches;
mod columns;
mod context;
mod detector;
mod error;
mod finding;
mod keyed;
mod names;
mod parallel;
mod redactor;
mod report;
mod scan;
mod stream;
mod vault_sealer;

pub use detector::{CustomDetector, Detector, DetectorBuilder, MAX_FINDING};
pub use error::{RedactError, SealError};
pub use finding::{DetectedKind, Finding};
pub use keyed::FieldKeys;
pub use redactor::{PseudonymKey, Redacted, Redactor, RedactorBuilder, Strategy, TextSealer};
pub use report::Report;
pub use stream::ScanEvent;
pub use vault_sealer::VaultSealer;
