//! The redactor: detection plus a replacement strategy per kind.

use core::fmt;
use std::io::{BufRead, Write};
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::detector::Detector;
use super::error::{RedactError, SealError};
use super::finding::DetectedKind;
use super::report::Report;
use super::scan::at_sign;
use super::stream::{Header, Segment, segments};
use crate::pii::mask::HIDDEN;

/// How a finding is replaced.
///
/// | strategy | `ada@example.com` becomes | reversible |
/// |---|---|---|
/// | [`Mask`](Self::Mask) | `a•••@example.com` | no |
/// | [`Tag`](Self::Tag) | `[EMAIL]` | no |
/// | [`Remove`](Self::Remove) | (nothing) | no |
/// | [`Hash`](Self::Hash) | `[EMAIL:5c3d…16 hex…]` | no, but stable: joins still work |
/// | [`Seal`](Self::Seal) | the sealer's envelope | by whoever holds the sealer's key |
///
/// Masks follow the typed values' masks in [`crate::pii`]:
///
/// | kind | masked as |
/// |---|---|
/// | `EMAIL` | first character of the local part, `•••@`, the domain in lower case |
/// | `PHONE` | `+` if written, `•••`, the last four digits |
/// | `CREDIT_CARD` | `•••• ` and the last four digits |
/// | `IBAN` | the country code, `•••`, the last four characters |
/// | `IP_ADDRESS` | IPv4: the first three octets and `.•`; IPv6: the first three groups and `:•` |
/// | `SSN` | `•••` and the last four digits |
/// | `DOB` | the year and `-••-••` |
/// | custom | `•••` |
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Strategy {
    /// A masked form that keeps a little for recognition.
    Mask,
    /// The kind's name in brackets: `[EMAIL]`.
    Tag,
    /// Nothing: the finding is deleted.
    Remove,
    /// A keyed pseudonym: `[KIND:` + 16 lower-case hex digits + `]`; see
    /// [`PseudonymKey`] for the exact computation.
    Hash,
    /// An envelope from the configured [`TextSealer`].
    Seal,
}

impl Strategy {
    /// The strategy's name in lower case (`mask`, `tag`, `remove`, `hash`,
    /// `seal`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Mask => "mask",
            Self::Tag => "tag",
            Self::Remove => "remove",
            Self::Hash => "hash",
            Self::Seal => "seal",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The 32-byte key of the [`Strategy::Hash`] pseudonyms.
///
/// # Pseudonym format
///
/// For a finding of kind `KIND` (its name, e.g. `EMAIL`) with normalized
/// form `N`, the pseudonym is
///
/// ```text
/// "[" KIND ":" hex(HMAC-SHA256(key, "custodian/redact/v1" 0x00 KIND 0x00 N)[0..8]) "]"
/// ```
///
/// that is the first 8 bytes of the MAC as 16 lower-case hex digits. The
/// kind is inside the MAC, so an SSN and a phone number with the same
/// digits get different pseudonyms. Normalization makes different
/// spellings of one value join:
///
/// | kind | `N` |
/// |---|---|
/// | `EMAIL` | the address in ASCII lower case |
/// | `PHONE` | `+` and the digits (without a `(0)` trunk prefix) when written with `+`, else the digits |
/// | `CREDIT_CARD`, `SSN` | the digits |
/// | `IBAN` | the characters without spaces, upper case |
/// | `IP_ADDRESS` | the address as Rust's `IpAddr` displays it (IPv6 per RFC 5952) |
/// | `DOB` | `YYYY-MM-DD`; a date like `04/05/1990` that reads both ways is read month first |
/// | custom | the matched bytes |
///
/// 64 bits are plenty to join on within a data set of billions of values and
/// short enough for logs; they are not meant to resist a birthday search
/// for collisions.
///
/// # Security
///
/// Anyone with the key can confirm a guess (is this the pseudonym of
/// `ada@example.com`?), so the key is as sensitive as the data it hides.
/// It is zeroized on drop and never printed. The vault can hand out such a
/// key per purpose; rotating it breaks joins with earlier output, by
/// design. [`from_vault`](Self::from_vault) takes the key from the vault.
///
/// ```
/// use custodian::redact::PseudonymKey;
///
/// let key = PseudonymKey::from_bytes([7; 32]);
/// assert_eq!(format!("{key:?}"), "PseudonymKey(..)");
/// ```
#[derive(Clone)]
pub struct PseudonymKey(Zeroizing<[u8; 32]>);

impl PseudonymKey {
    /// A key from 32 bytes (from the vault, or a CSPRNG). The array passed
    /// in is zeroized.
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let key = Self(Zeroizing::new(bytes));
        bytes.zeroize();
        key
    }

    /// The vault's purpose name for the redaction pseudonym key.
    pub const VAULT_PURPOSE: &'static str = "redact";

    /// The key kept by the vault: its pseudonym key for the purpose
    /// [`"redact"`](Self::VAULT_PURPOSE), the same in every process that
    /// shares the key store, so pseudonyms join across hosts and restarts.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
    /// use custodian::redact::{PseudonymKey, Redactor, Strategy};
    ///
    /// # let vault = Vault::builder().build(
    /// #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
    /// let redactor = Redactor::builder()
    ///     .strategy(Strategy::Hash)
    ///     .pseudonym_key(PseudonymKey::from_vault(&vault)?)
    ///     .build()?;
    /// let a = redactor.redact("ada@example.com")?;
    /// let b = redactor.redact("ADA@example.com")?;
    /// assert_eq!(a.text(), b.text());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The vault's, when its key store or root key provider fails.
    pub fn from_vault(vault: &crate::vault::Vault) -> Result<Self, crate::VaultError> {
        Ok(Self::from_vault_key(
            &vault.pseudonym_key(Self::VAULT_PURPOSE)?,
        ))
    }

    /// The key from a vault pseudonym key of any purpose (one per data set,
    /// for example, so that pseudonyms of different data sets do not join).
    pub fn from_vault_key(key: &crate::vault::PseudonymKey) -> Self {
        Self(Zeroizing::new(*key.expose_secret()))
    }

    fn mac(&self) -> Result<Hmac<Sha256>, RedactError> {
        // HMAC takes keys of any length, so this cannot fail; the error
        // path exists only to avoid a panic.
        Hmac::<Sha256>::new_from_slice(&self.0[..]).map_err(|_| RedactError::MissingKey)
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

/// Seals a finding into an envelope that can be opened later, for
/// [`Strategy::Seal`]. [`VaultSealer`](super::VaultSealer) implements it
/// with the vault.
///
/// # Contract
///
/// - `seal` gets the plaintext of one finding and its kind, and returns a
///   single-line, printable envelope that does not contain the plaintext.
/// - Any failure is an opaque [`SealError`]; the redaction then fails as a
///   whole and never falls back to the original text.
/// - Implementations must not log or keep the plaintext.
pub trait TextSealer: Send + Sync + fmt::Debug {
    /// Seals `text`, a finding of kind `kind`.
    ///
    /// # Errors
    ///
    /// [`SealError`] when the value cannot be sealed (no key, crypto error).
    fn seal(&self, kind: DetectedKind, text: &str) -> Result<String, SealError>;
}

/// Detects PII in text and replaces each finding by its kind's strategy.
///
/// ```
/// use custodian::redact::{DetectedKind, Redactor, Strategy};
///
/// let redactor = Redactor::builder()
///     .strategy(Strategy::Mask)
///     .strategy_for(DetectedKind::CreditCard, Strategy::Tag)
///     .build()?;
/// let out = redactor.redact("paid 4242 4242 4242 4242, mail Ada@Example.COM, ip 192.0.2.7")?;
/// assert_eq!(out.text(), "paid [CREDIT_CARD], mail A•••@example.com, ip 192.0.2.•");
/// # Ok::<(), custodian::redact::RedactError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Redactor {
    detector: Detector,
    default: Strategy,
    per_kind: Vec<(DetectedKind, Strategy)>,
    key: Option<PseudonymKey>,
    sealer: Option<Arc<dyn TextSealer>>,
}

/// Builds a [`Redactor`].
#[derive(Debug, Default)]
#[must_use]
pub struct RedactorBuilder {
    detector: Option<Detector>,
    default: Option<Strategy>,
    per_kind: Vec<(DetectedKind, Strategy)>,
    key: Option<PseudonymKey>,
    sealer: Option<Arc<dyn TextSealer>>,
}

impl RedactorBuilder {
    /// The detector to use (default: [`Detector::new`]).
    pub fn detector(mut self, detector: Detector) -> Self {
        self.detector = Some(detector);
        self
    }

    /// The strategy for every kind without its own (default: mask).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.default = Some(strategy);
        self
    }

    /// The strategy for one kind.
    pub fn strategy_for(mut self, kind: DetectedKind, strategy: Strategy) -> Self {
        self.per_kind.retain(|(k, _)| *k != kind);
        self.per_kind.push((kind, strategy));
        self
    }

    /// The key of the hash strategy.
    pub fn pseudonym_key(mut self, key: PseudonymKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The sealer of the seal strategy.
    pub fn sealer(mut self, sealer: Arc<dyn TextSealer>) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// Builds the redactor.
    ///
    /// # Errors
    ///
    /// [`RedactError::MissingKey`] when a kind uses [`Strategy::Hash`]
    /// without a key; [`RedactError::MissingSealer`] when a kind uses
    /// [`Strategy::Seal`] without a sealer. Checking here means a redactor
    /// never discovers mid-stream that it cannot do what it was asked.
    pub fn build(self) -> Result<Redactor, RedactError> {
        let default = self.default.unwrap_or(Strategy::Mask);
        let uses = |s: Strategy| default == s || self.per_kind.iter().any(|(_, t)| *t == s);
        if uses(Strategy::Hash) && self.key.is_none() {
            return Err(RedactError::MissingKey);
        }
        if uses(Strategy::Seal) && self.sealer.is_none() {
            return Err(RedactError::MissingSealer);
        }
        Ok(Redactor {
            detector: self.detector.unwrap_or_default(),
            default,
            per_kind: self.per_kind,
            key: self.key,
            sealer: self.sealer,
        })
    }
}

/// Redacted text and its report.
#[derive(Clone, Debug)]
pub struct Redacted {
    text: String,
    report: Report,
}

impl Redacted {
    /// The redacted text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What was redacted.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The redacted text, taking it out.
    pub fn into_text(self) -> String {
        self.text
    }
}

impl Redactor {
    /// A builder; by default every built-in kind is masked.
    pub fn builder() -> RedactorBuilder {
        RedactorBuilder::default()
    }

    /// The strategy used for `kind`.
    pub fn strategy(&self, kind: DetectedKind) -> Strategy {
        self.per_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(self.default, |&(_, s)| s)
    }

    /// The detector in use.
    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// Redacts `text`, line by line (labels do not carry across newlines).
    ///
    /// # Errors
    ///
    /// [`RedactError::Seal`] when the sealer fails; [`RedactError::NotUtf8`]
    /// if a host detector's match cut a character in two.
    pub fn redact(&self, text: &str) -> Result<Redacted, RedactError> {
        let mut out = Vec::with_capacity(text.len());
        let report = self.redact_stream(text.as_bytes(), &mut out)?;
        let text = String::from_utf8(out).map_err(|_| RedactError::NotUtf8)?;
        Ok(Redacted { text, report })
    }

    /// Redacts bytes that need not be UTF-8; bytes outside findings are
    /// copied unchanged.
    ///
    /// # Errors
    ///
    /// [`RedactError::Seal`] when the sealer fails, [`RedactError::NotUtf8`]
    /// when a finding to seal is not UTF-8.
    pub fn redact_bytes(&self, text: &[u8]) -> Result<(Vec<u8>, Report), RedactError> {
        let mut out = Vec::with_capacity(text.len());
        let report = self.redact_stream(text, &mut out)?;
        Ok((out, report))
    }

    /// Redacts `reader` into `writer`, line by line, in bounded memory.
    ///
    /// Bytes that are not part of a finding (including invalid UTF-8, NUL
    /// bytes and line endings) are written unchanged; lines may be of any
    /// length. A first line that is a CSV header makes the input a CSV
    /// export (see [`FieldKeys`](super::FieldKeys) on CSV exports).
    ///
    /// # Errors
    ///
    /// I/O errors, [`RedactError::Seal`] and [`RedactError::NotUtf8`].
    /// After an error, `writer` holds a prefix of the redacted output
    /// (never plaintext of a finding) and should be discarded.
    pub fn redact_stream<R: BufRead, W: Write>(
        &self,
        reader: R,
        writer: W,
    ) -> Result<Report, RedactError> {
        self.redact_lines(reader, writer, Header::FirstLine, false)
    }

    /// [`redact_stream`](Self::redact_stream) of a stream whose CSV columns
    /// come from `header`, and whose line before the first was a sign-off
    /// alone if `signed`.
    pub(crate) fn redact_lines<R: BufRead, W: Write>(
        &self,
        reader: R,
        mut writer: W,
        header: Header<'_>,
        signed: bool,
    ) -> Result<Report, RedactError> {
        let mut report = Report::default();
        let mut raws = Vec::new();
        let mut scratch = Vec::new();
        segments(
            &self.detector,
            reader,
            header,
            signed,
            &mut raws,
            |seg: &Segment<'_>| {
                let mut at = seg.emit.start;
                let json = seg.line_offset == 0 && json_line(seg.hay);
                for r in seg.raws {
                    let strategy = self.strategy(r.kind);
                    self.replace(r.kind, strategy, &seg.hay[r.start..r.end], &mut scratch)?;
                    // A finding that is a whole JSON number (`"pan":4242…`)
                    // becomes a string, sign and all, so the line stays JSON.
                    let number = json
                        .then(|| bare_json_number(seg.hay, r.start, r.end))
                        .flatten();
                    match number.filter(|&from| from >= at) {
                        Some(from) => {
                            writer.write_all(&seg.hay[at..from])?;
                            writer.write_all(b"\"")?;
                            writer.write_all(&scratch)?;
                            writer.write_all(b"\"")?;
                        }
                        None => {
                            writer.write_all(&seg.hay[at..r.start])?;
                            writer.write_all(&scratch)?;
                        }
                    }
                    report.record(r.kind, strategy);
                    at = r.end;
                }
                writer.write_all(&seg.hay[at..seg.emit.end])?;
                if seg.newline {
                    writer.write_all(b"\n")?;
                }
                let lines = seg.quiet_lines.max(u64::from(seg.line_end));
                report.add_text(seg.emit.len() + usize::from(seg.newline), lines);
                Ok::<(), RedactError>(())
            },
        )?;
        writer.flush()?;
        Ok(report)
    }

    /// Writes the replacement of `found` into `out` (cleared first).
    fn replace(
        &self,
        kind: DetectedKind,
        strategy: Strategy,
        found: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), RedactError> {
        // The buffer only ever holds replacements (masks, tags, pseudonyms,
        // envelopes), never plaintext, so clearing is enough.
        out.clear();
        match strategy {
            Strategy::Mask => mask(kind, found, out),
            Strategy::Tag => {
                out.push(b'[');
                out.extend_from_slice(kind.name().as_bytes());
                out.push(b']');
            }
            Strategy::Remove => {}
            Strategy::Hash => {
                let key = self.key.as_ref().ok_or(RedactError::MissingKey)?;
                let mut normalized = Zeroizing::new(Vec::with_capacity(found.len()));
                normalize(kind, found, &mut normalized);
                out.extend_from_slice(pseudonym(key, kind, &normalized)?.as_bytes());
            }
            Strategy::Seal => {
                let sealer = self.sealer.as_ref().ok_or(RedactError::MissingSealer)?;
                let text = core::str::from_utf8(found).map_err(|_| RedactError::NotUtf8)?;
                let envelope = sealer.seal(kind, text).map_err(|_| RedactError::Seal)?;
                // An envelope that repeats the finding is a broken sealer
                // (checked for findings long enough not to recur by chance).
                let echoes = text.len() >= 6 && envelope.contains(text);
                if envelope.is_empty() || envelope.contains(['\n', '\r']) || echoes {
                    return Err(RedactError::Seal);
                }
                out.extend_from_slice(envelope.as_bytes());
            }
        }
        Ok(())
    }
}

/// Whether `line` looks like a JSON document: its first byte that is not
/// a space opens an object or an array.
fn json_line(line: &[u8]) -> bool {
    line.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

/// If `line[start..end]` is a whole JSON number (a member value or an
/// array element: `:`, `[` or `,` before it, `,`, `}` or `]` after it,
/// spaces aside), where the number starts (its `-` included).
fn bare_json_number(line: &[u8], start: usize, end: usize) -> Option<usize> {
    let digits = line[start..end].iter().all(u8::is_ascii_digit);
    let from = if start > 0 && line[start - 1] == b'-' {
        start - 1
    } else {
        start
    };
    let before = line[..from].iter().rev().find(|b| !b.is_ascii_whitespace());
    let after = line[end..].iter().find(|b| !b.is_ascii_whitespace());
    let opens = matches!(before, Some(b':' | b'[' | b','));
    let closes = matches!(after, None | Some(b',' | b'}' | b']'));
    (digits && opens && closes).then_some(from)
}

/// Computes the pseudonym of a normalized finding (see [`PseudonymKey`]).
pub(crate) fn pseudonym(
    key: &PseudonymKey,
    kind: DetectedKind,
    normalized: &[u8],
) -> Result<String, RedactError> {
    let mut mac = key.mac()?;
    mac.update(b"custodian/redact/v1\0");
    mac.update(kind.name().as_bytes());
    mac.update(b"\0");
    mac.update(normalized);
    let tag = mac.finalize().into_bytes();
    let mut s = String::with_capacity(kind.name().len() + 19);
    s.push('[');
    s.push_str(kind.name());
    s.push(':');
    for b in &tag[..8] {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s.push(']');
    Ok(s)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn digits(found: &[u8]) -> impl Iterator<Item = u8> + '_ {
    found.iter().copied().filter(u8::is_ascii_digit)
}

fn last_digits(found: &[u8], n: usize, out: &mut Vec<u8>) {
    let count = digits(found).count();
    out.extend(digits(found).skip(count.saturating_sub(n)));
}

/// Writes the masked form of a finding (see [`Strategy`]).
fn mask(kind: DetectedKind, found: &[u8], out: &mut Vec<u8>) {
    let hidden = HIDDEN.as_bytes();
    match kind {
        DetectedKind::Email => {
            // The `@` may be escaped (`%40`, `&#64;`, …): the mask writes a
            // plain one. Without any, nothing of the finding is kept.
            match at_sign(found) {
                Some(at) => {
                    out.extend_from_slice(&found[..1.min(at.start)]);
                    out.extend_from_slice(hidden);
                    out.push(b'@');
                    out.extend(found[at.end..].iter().map(u8::to_ascii_lowercase));
                }
                None => out.extend_from_slice(hidden),
            }
        }
        DetectedKind::Phone => {
            if found.first() == Some(&b'+') {
                out.push(b'+');
            }
            out.extend_from_slice(hidden);
            last_digits(found, 4, out);
        }
        DetectedKind::CreditCard => {
            out.extend_from_slice("•••• ".as_bytes());
            last_digits(found, 4, out);
        }
        DetectedKind::Ssn => {
            out.extend_from_slice(hidden);
            last_digits(found, 4, out);
        }
        DetectedKind::Iban => {
            // The country code, then the last four characters (spaces of a
            // grouped IBAN skipped).
            out.extend_from_slice(&found[..2.min(found.len())]);
            out.extend_from_slice(hidden);
            let chars = found.iter().filter(|b| **b != b' ').count();
            out.extend(
                found
                    .iter()
                    .copied()
                    .filter(|b| *b != b' ')
                    .skip(chars.saturating_sub(4)),
            );
        }
        DetectedKind::IpAddress => match parse_ip(found) {
            Some(std::net::IpAddr::V4(v4)) => {
                let [a, b, c, _] = v4.octets();
                for octet in [a, b, c] {
                    push_decimal(out, u32::from(octet));
                    out.push(b'.');
                }
                out.extend_from_slice("•".as_bytes());
            }
            Some(std::net::IpAddr::V6(v6)) => {
                let s = v6.segments();
                let _ = write!(out, "{:x}:{:x}:{:x}:•", s[0], s[1], s[2]);
            }
            None => out.extend_from_slice(hidden),
        },
        DetectedKind::Dob => match dob_parts(found) {
            // `dob_parts` only returns years 1880–2099: four digits.
            Some((y, _, _)) => {
                push_decimal(out, y);
                out.extend_from_slice("-••-••".as_bytes());
            }
            None => out.extend_from_slice(hidden),
        },
        // A name or an address keeps nothing: any part of it identifies.
        DetectedKind::Person | DetectedKind::Address | DetectedKind::Custom(_) => {
            out.extend_from_slice(hidden);
        }
    }
}

/// Appends `value` in decimal (masks are written per finding, so this
/// skips the formatting machinery).
fn push_decimal(out: &mut Vec<u8>, value: u32) {
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut rest = value;
    loop {
        // A remainder below 10 fits a byte.
        digits[n] = b'0' + (rest % 10) as u8;
        n += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[..n].iter().rev());
}

fn parse_ip(found: &[u8]) -> Option<std::net::IpAddr> {
    core::str::from_utf8(found).ok()?.parse().ok()
}

/// Writes the normalized form of a finding (see [`PseudonymKey`]).
fn normalize(kind: DetectedKind, found: &[u8], out: &mut Vec<u8>) {
    match kind {
        DetectedKind::Email => {
            // An escaped `@` joins its plain spelling.
            let at = at_sign(found).unwrap_or(found.len()..found.len());
            out.extend(found[..at.start].iter().map(u8::to_ascii_lowercase));
            if !at.is_empty() {
                out.push(b'@');
            }
            out.extend(found[at.end..].iter().map(u8::to_ascii_lowercase));
        }
        DetectedKind::Phone => {
            if found.first() == Some(&b'+') {
                out.push(b'+');
                // Drop a `(0)` trunk prefix so `+44 (0)20…` joins `+4420…`.
                let mut rest = found;
                let mut cleaned = Vec::with_capacity(found.len());
                while let Some(pos) = rest.windows(3).position(|w| w == b"(0)") {
                    cleaned.extend_from_slice(&rest[..pos]);
                    rest = &rest[pos + 3..];
                }
                cleaned.extend_from_slice(rest);
                out.extend(digits(&cleaned));
                cleaned.zeroize();
            } else {
                out.extend(digits(found));
            }
        }
        DetectedKind::CreditCard | DetectedKind::Ssn => out.extend(digits(found)),
        DetectedKind::Iban => {
            out.extend(
                found
                    .iter()
                    .filter(|b| **b != b' ')
                    .map(u8::to_ascii_uppercase),
            );
        }
        DetectedKind::IpAddress => match parse_ip(found) {
            Some(ip) => out.extend_from_slice(ip.to_string().as_bytes()),
            None => out.extend_from_slice(found),
        },
        DetectedKind::Dob => match dob_parts(found) {
            Some((y, m, d)) => {
                let _ = write!(out, "{y:04}-{m:02}-{d:02}");
            }
            None => out.extend(digits(found)),
        },
        // Case and spacing do not make another person or place.
        // (ASCII case only, written straight into the zeroized buffer.)
        DetectedKind::Person | DetectedKind::Address => {
            let mut gap = false;
            for &b in found {
                if b.is_ascii_whitespace() {
                    gap = !out.is_empty();
                } else {
                    if gap {
                        out.push(b' ');
                        gap = false;
                    }
                    out.push(b.to_ascii_lowercase());
                }
            }
        }
        DetectedKind::Custom(_) => out.extend_from_slice(found),
    }
}

/// Year, month and day of a date-of-birth finding.
fn dob_parts(found: &[u8]) -> Option<(u32, u32, u32)> {
    use super::context::month_number;
    use crate::validate::date_valid;
    // At most three digit runs (more is no date): no allocation.
    let mut runs: [&[u8]; 3] = [&[]; 3];
    let mut count = 0;
    for run in found
        .split(|b| !b.is_ascii_digit())
        .filter(|r| !r.is_empty())
    {
        *runs.get_mut(count)? = run;
        count += 1;
    }
    let value = |r: &[u8]| r.iter().fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
    let text = core::str::from_utf8(found).ok()?;
    // Only a date written with letters has a month name.
    let month_word = if found
        .iter()
        .any(|b| b.is_ascii_alphabetic() || !b.is_ascii())
    {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .find_map(month_number)
    } else {
        None
    };
    let (y, m, d) = match (&runs[..count], month_word) {
        ([r], None) if r.len() == 8 => {
            let v = value(r);
            (v / 10_000, v / 100 % 100, v % 100)
        }
        ([a, b], Some(m)) if b.len() == 4 => (value(b), m, value(a)),
        ([a, b, c], None) if a.len() == 4 => (value(a), value(b), value(c)),
        ([a, b, c], None) if c.len() == 4 => {
            let (x, y, year) = (value(a), value(b), value(c));
            let day_first = found.contains(&b'.') || !date_valid(year, x, y);
            if day_first {
                (year, y, x)
            } else {
                (year, x, y)
            }
        }
        _ => return None,
    };
    date_valid(y, m, d).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(strategy: Strategy, text: &str) -> String {
        let r = Redactor::builder()
            .strategy(strategy)
            .pseudonym_key(PseudonymKey::from_bytes([1; 32]))
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        r.redact(text).unwrap_or_else(|e| panic!("{e}")).into_text()
    }

    #[test]
    fn masks() {
        let t = "Ada@Example.COM +44 161 711 0888 4242-4242-4242-4242 DE89 3704 0044 0532 0130 00 \
                 2001:db8:85a3::8a2e:370:7334 192.0.2.7 123-45-6789 dob: 23.04.1990";
        assert_eq!(
            redact(Strategy::Mask, t),
            "A•••@example.com +•••0888 •••• 4242 DE•••3000 \
             2001:db8:85a3:• 192.0.2.• •••6789 dob: 1990-••-••"
        );
    }

    #[test]
    fn escaped_emails_mask_and_hash_like_plain_ones() {
        // A regression: the mask once copied an address without a plain
        // `@` whole.
        assert_eq!(
            redact(Strategy::Mask, "e=Ada%40Example.com"),
            "e=A•••@example.com"
        );
        assert_eq!(
            redact(Strategy::Mask, "ada&commat;example.com"),
            "a•••@example.com"
        );
        assert_eq!(
            redact(Strategy::Hash, "Ada&#64;example.com"),
            redact(Strategy::Hash, "ada@example.com")
        );
    }

    #[test]
    fn tags_and_removal() {
        let t = "ip 192.0.2.7, ssn 123-45-6789.";
        assert_eq!(redact(Strategy::Tag, t), "ip [IP_ADDRESS], ssn [SSN].");
        assert_eq!(redact(Strategy::Remove, t), "ip , ssn .");
    }

    #[test]
    fn pseudonyms_join_spellings() {
        let a = redact(Strategy::Hash, "Ada@Example.com");
        let b = redact(Strategy::Hash, "ada@example.COM");
        assert_eq!(a, b);
        assert!(
            a.starts_with("[EMAIL:") && a.len() == "[EMAIL:]".len() + 16,
            "{a}"
        );
        let p1 = redact(Strategy::Hash, "+44 (0)20 7946 0958");
        let p2 = redact(Strategy::Hash, "+442079460958");
        assert_eq!(p1, p2);
        let d1 = redact(Strategy::Hash, "dob: 23.04.1990");
        let d2 = redact(Strategy::Hash, "dob: 1990-04-23");
        assert_eq!(d1, d2);
        assert_ne!(
            redact(Strategy::Hash, "ssn 123-45-6789"),
            redact(Strategy::Hash, "ssn 123-45-6780")
        );
    }

    #[test]
    fn missing_key_or_sealer_fails_at_build() {
        assert!(matches!(
            Redactor::builder().strategy(Strategy::Hash).build(),
            Err(RedactError::MissingKey)
        ));
        assert!(matches!(
            Redactor::builder()
                .strategy_for(DetectedKind::Iban, Strategy::Seal)
                .build(),
            Err(RedactError::MissingSealer)
        ));
    }

    #[test]
    fn dob_parts_read_every_layout() {
        assert_eq!(dob_parts(b"1990-04-23"), Some((1990, 4, 23)));
        assert_eq!(dob_parts(b"23.04.1990"), Some((1990, 4, 23)));
        assert_eq!(dob_parts(b"04/23/1990"), Some((1990, 4, 23)));
        assert_eq!(dob_parts(b"23/04/1990"), Some((1990, 4, 23)));
        assert_eq!(dob_parts(b"19900423"), Some((1990, 4, 23)));
        assert_eq!(dob_parts("23 avril 1990".as_bytes()), Some((1990, 4, 23)));
        assert_eq!(dob_parts(b"April 23, 1990"), Some((1990, 4, 23)));
        assert_eq!(dob_parts("1990年4月23日".as_bytes()), Some((1990, 4, 23)));
        assert_eq!(dob_parts(b"1990"), None);
    }
}
