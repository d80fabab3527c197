//! The detector: built-in kinds plus host-defined ones.

use std::sync::{Arc, OnceLock};

use regex::bytes::{Regex, RegexBuilder};

use super::columns::Columns;
use super::context::Patterns;
use super::error::RedactError;
use super::finding::{DetectedKind, Finding, KindSet, char_count};
use super::keyed::{self, FieldKeys, Ties};
use super::names;
use super::scan::{self, Raw, Scanner};

/// Longest finding, in bytes. Built-in kinds are far shorter; host
/// detectors' matches beyond this are not reported, which keeps streaming
/// memory bounded (see [`Detector::scan_reader`]).
pub const MAX_FINDING: usize = 512;

/// Size limit of a host pattern's compiled program.
const CUSTOM_PATTERN_SIZE: usize = 256 * 1024;

/// A host-defined detector: a pattern, an optional validator and a kind
/// name.
///
/// The pattern is a [`regex`] pattern over bytes (Unicode-aware where the
/// text is valid UTF-8), so it runs in time linear in the text whatever the
/// input. Its compiled size is capped at 256 KiB.
///
/// ```
/// use custodian::redact::{CustomDetector, DetectedKind, Detector};
///
/// let loyalty = CustomDetector::new("LOYALTY_ID", r"\bLY-[0-9]{8}\b")?
///     .with_validator("checksum", |m| m[3..].iter().map(|d| u32::from(d - b'0')).sum::<u32>() % 2 == 0);
/// let detector = Detector::builder().custom(loyalty).build()?;
/// let found = detector.find("card LY-12345678 and LY-12345679");
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind(), DetectedKind::Custom("LOYALTY_ID"));
/// assert_eq!(found[0].bytes(), 5..16);
/// # Ok::<(), custodian::redact::RedactError>(())
/// ```
#[derive(Clone)]
pub struct CustomDetector {
    name: &'static str,
    regex: Regex,
    validator: Option<(&'static str, Check)>,
}

/// A host validator.
type Check = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

impl core::fmt::Debug for CustomDetector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CustomDetector")
            .field("name", &self.name)
            .field("pattern", &self.regex.as_str())
            .field("validator", &self.validator.as_ref().map(|(name, _)| name))
            .finish()
    }
}

impl CustomDetector {
    /// A detector for `name` that reports every match of `pattern`.
    ///
    /// # Errors
    ///
    /// [`RedactError::InvalidName`] when `name` is not `[A-Z][A-Z0-9_]*` (at
    /// most 32 bytes) or is a built-in name; [`RedactError::Pattern`] when
    /// the pattern does not compile or exceeds the size limit.
    pub fn new(name: &'static str, pattern: &str) -> Result<Self, RedactError> {
        let valid_name = !name.is_empty()
            && name.len() <= 32
            && name.as_bytes()[0].is_ascii_uppercase()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && DetectedKind::from_name(name).is_none();
        if !valid_name {
            return Err(RedactError::InvalidName);
        }
        let regex = RegexBuilder::new(pattern)
            .size_limit(CUSTOM_PATTERN_SIZE)
            .build()
            .map_err(|_| RedactError::Pattern)?;
        Ok(Self {
            name,
            regex,
            validator: None,
        })
    }

    /// Adds a validator: a match is reported only when `check` returns
    /// `true` for its bytes. `name` is what [`Finding::validator`] reports.
    pub fn with_validator(
        mut self,
        name: &'static str,
        check: impl Fn(&[u8]) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.validator = Some((name, Arc::new(check)));
        self
    }

    fn scan(&self, hay: &[u8], from: usize, out: &mut Vec<Raw>) {
        for m in self.regex.find_iter(hay) {
            if m.start() < from || m.is_empty() || m.len() > MAX_FINDING {
                continue;
            }
            let validator = match &self.validator {
                Some((name, check)) if check(m.as_bytes()) => *name,
                Some(_) => continue,
                None => "pattern",
            };
            out.push(Raw {
                kind: DetectedKind::Custom(self.name),
                start: m.start(),
                end: m.end(),
                validator,
            });
        }
    }
}

/// Finds PII in free text: emails, phone numbers, payment cards, IBANs, IP
/// addresses, US social security numbers and dates of birth, plus
/// host-defined kinds.
///
/// # How it decides
///
/// Candidates come from one linear pass over the text (see the scanner
/// notes below); each is confirmed by a validator, whose name the finding
/// carries:
///
/// | kind | validator | rule |
/// |---|---|---|
/// | `EMAIL` | `email-syntax` | local part and domain labels per RFC 5321, alphabetic TLD; masked forms (`m***@…`) have no local part and are skipped |
/// | `CREDIT_CARD` | `luhn+iin` | 12–19 digits, one consistent separator and a card layout, issuer prefix and length, Luhn |
/// | `IBAN` | `mod97` | upper-case country code with an IBAN length, compact or in groups of four, mod-97 |
/// | `IP_ADDRESS` | `ipv4` / `ipv6` | dotted quad (octets ≤ 255, no leading zeros, not after `version`/`build`/`Product/`); RFC 4291 forms (not MAC addresses or clock times) |
/// | `SSN` | `ssa-rules` / `ssa-rules+label` | `AAA-GG-SSSS` with SSA rules; spaced or unseparated forms only after an SSN label |
/// | `DOB` | `calendar+label` | a real date (numeric or with month names in ten languages) right after a date-of-birth label |
/// | `PHONE` | `e164` / `e164+label` / `nanp` / `national+label` | `+` with a country calling code and a plausible length; with `00` instead of `+`, or in other national forms, only after a phone label; the North American layouts unless labelled as an order or reference |
/// | custom | the host's name, or `pattern` | the host's regex and validator |
///
/// A candidate must stand apart from the words around it: digits glued to
/// letters (`JJD1615…`, `C-476642`, `1ZK6WR1J…`) are identifiers, not PII.
/// Dates are never phone numbers, and a 16-digit number that fails Luhn is
/// nothing. Overlapping findings are resolved deterministically: the
/// longest wins, then the earliest, then the first in
/// [`DetectedKind::BUILT_IN`] order, custom kinds last.
///
/// # Time and memory
///
/// Linear in the input: every byte is looked at a bounded number of times,
/// host patterns run on the `regex` crate's linear-time engines, and
/// context checks read a fixed-size window. [`find`](Self::find) allocates
/// only its result; [`scan_reader`](Self::scan_reader) holds at most one
/// window (64 KiB plus a few KiB of context) of a line in memory.
///
/// ```
/// use custodian::redact::{DetectedKind, Detector};
///
/// let detector = Detector::new();
/// let text = "refund to IBAN DE89 3704 0044 0532 0130 00, mail ada@example.com";
/// let kinds: Vec<_> = detector.find(text).iter().map(|f| f.kind()).collect();
/// assert_eq!(kinds, [DetectedKind::Iban, DetectedKind::Email]);
/// ```
#[derive(Clone, Debug)]
pub struct Detector {
    kinds: KindSet,
    custom: Vec<CustomDetector>,
    patterns: Arc<Patterns>,
    keys: Arc<FieldKeys>,
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

/// The default field keys, built once per process.
fn default_keys() -> Arc<FieldKeys> {
    static KEYS: OnceLock<Arc<FieldKeys>> = OnceLock::new();
    KEYS.get_or_init(|| Arc::new(FieldKeys::default())).clone()
}

/// The built-in patterns of the process (each compiled on first use).
fn builtin_patterns() -> Arc<Patterns> {
    static PATTERNS: OnceLock<Arc<Patterns>> = OnceLock::new();
    PATTERNS.get_or_init(|| Arc::new(Patterns::new())).clone()
}

impl Detector {
    /// A detector for every built-in kind and no host kinds.
    pub fn new() -> Self {
        Self {
            kinds: KindSet::ALL,
            custom: Vec::new(),
            patterns: builtin_patterns(),
            keys: default_keys(),
        }
    }

    /// A builder to choose built-in kinds and add host detectors.
    pub fn builder() -> DetectorBuilder {
        DetectorBuilder {
            kinds: KindSet::ALL,
            custom: Vec::new(),
            keys: None,
        }
    }

    /// Every finding in `text`, sorted by position, without overlaps.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        self.find_bytes(text.as_bytes())
    }

    /// Every finding in `text`, which need not be UTF-8.
    ///
    /// Newlines are not special here: a label on one line can qualify a
    /// value on the next. Use [`scan_reader`](Self::scan_reader) for
    /// line-by-line semantics. A text whose first line is a CSV header
    /// naming personal columns is a CSV export: it is scanned line by line,
    /// and the values of those columns are found in its rows (see
    /// [`FieldKeys`] on CSV exports).
    pub fn find_bytes(&self, text: &[u8]) -> Vec<Finding> {
        let mut raw = Vec::new();
        let first_end = memchr::memchr(b'\n', text);
        match first_end.and_then(|end| Columns::from_header(&text[..end], self)) {
            None => {
                self.scan_into(text, 0, false, None, &mut raw);
                if self.kinds.has(DetectedKind::Person) && first_end.is_some() {
                    names::sign_offs_inside(text, &mut raw);
                    scan::resolve_overlaps(&mut raw);
                }
            }
            Some(columns) => self.scan_rows(text, &columns, &mut raw),
        }
        to_findings(text, 0, 0, &raw).collect()
    }

    /// Scans the lines of `text`, a CSV export with `columns`, each on its
    /// own: the first as its header, the others as rows.
    fn scan_rows(&self, text: &[u8], columns: &Columns, out: &mut Vec<Raw>) {
        let mut line_raws = Vec::new();
        let mut start = 0;
        while start <= text.len() {
            let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |n| start + n);
            let row = (start > 0).then_some(columns);
            self.scan_into(&text[start..end], 0, false, row, &mut line_raws);
            out.extend(line_raws.iter().map(|r| Raw {
                start: r.start + start,
                end: r.end + start,
                ..*r
            }));
            start = end + 1;
        }
    }

    /// The field keys in use.
    pub(crate) fn field_keys(&self) -> &FieldKeys {
        &self.keys
    }

    /// Whether findings of `kind` are reported.
    pub(crate) fn detects(&self, kind: DetectedKind) -> bool {
        self.kinds.has(kind)
    }

    /// The personal columns that `line`, the first line of an input, names
    /// if it is a CSV header.
    pub(crate) fn columns(&self, line: &[u8]) -> Option<Columns> {
        Columns::from_header(line, self)
    }

    /// The last newline of the longest run of whole lines at the start of
    /// `block` (anchor-free text ending in a newline) that hold no name
    /// ([`names::names_someone`]; `after` says that the line before
    /// `block` was a sign-off alone): the lines with nothing to find. With
    /// it, whether the run's last line is a sign-off alone.
    pub(crate) fn nameless_lines_end(&self, block: &[u8], after: bool) -> Option<(usize, bool)> {
        if !self.kinds.has(DetectedKind::Person) {
            return block.len().checked_sub(1).map(|nl| (nl, false));
        }
        let (mut start, mut after, mut last) = (0, after, None);
        for newline in memchr::memchr_iter(b'\n', block) {
            let line = &block[start..newline];
            if names::names_someone(line, after) {
                break;
            }
            after = names::signed_after(after, line);
            last = Some((newline, after));
            start = newline + 1;
        }
        last
    }

    /// Whether a name alone on the line after `line` signs a message off:
    /// `line` is a sign-off alone, or blank after one (`signed`: the line
    /// before `line` was so), and names are detected.
    pub(crate) fn signed_after(&self, signed: bool, line: &[u8]) -> bool {
        self.kinds.has(DetectedKind::Person) && names::signed_after(signed, line)
    }

    /// Adds the name that `line` (scanned into `out`) is to `out`, when the
    /// line before was a sign-off alone (`after`).
    pub(crate) fn scan_name_line(&self, line: &[u8], after: bool, out: &mut Vec<Raw>) {
        if after && self.kinds.has(DetectedKind::Person) {
            let before = out.len();
            names::after_sign_off(line, out);
            if out.len() > before {
                scan::resolve_overlaps(out);
            }
        }
    }

    /// Whether only built-in kinds are detected, so that text without an
    /// anchor byte (digit, `@`, `:`) has nothing to find.
    pub(crate) fn anchors_only(&self) -> bool {
        self.custom.is_empty()
    }

    /// Scans `hay`, appending resolved findings that start at or after
    /// `from`. `seam` says that `hay[0]` continues a longer line; `row`
    /// gives the columns of the CSV export that `hay`, a whole line, may be
    /// a row of.
    pub(crate) fn scan_into(
        &self,
        hay: &[u8],
        from: usize,
        seam: bool,
        row: Option<&Columns>,
        out: &mut Vec<Raw>,
    ) {
        out.clear();
        let mut ties = Ties::new();
        Scanner {
            hay,
            from,
            seam,
            kinds: self.kinds,
            patterns: &self.patterns,
            out,
            keys: &self.keys,
            ties: &mut ties,
        }
        .run();
        if self.kinds.has(DetectedKind::Person) {
            // The end of `hay` ends a line, a field or a text, or else is
            // the end of a window of a long line, whose last `HOLD` bytes
            // (more than a sign-off and its name) are scanned again.
            names::sign_off(hay, from, out);
        }
        for custom in &self.custom {
            custom.scan(hay, from, out);
        }
        let scanned = out.len();
        if !self.keys.is_empty() {
            keyed::scan(hay, from, &ties, &self.keys, self.kinds, out);
        }
        if let Some(columns) = row {
            columns.scan_row(self, hay, scanned, out);
        }
        scan::resolve_overlaps(out);
    }
}

/// Converts raw findings of `hay` to findings; `base` and `char_base` are
/// the byte and character offsets of `hay[0]` in its line.
pub(crate) fn to_findings<'a>(
    hay: &'a [u8],
    base: usize,
    char_base: usize,
    raw: &'a [Raw],
) -> impl Iterator<Item = Finding> + 'a {
    let mut chars = char_base;
    let mut at = 0;
    raw.iter().map(move |r| {
        chars += char_count(&hay[at..r.start]);
        let start_chars = chars;
        chars += char_count(&hay[r.start..r.end]);
        at = r.end;
        Finding {
            kind: r.kind,
            bytes: base + r.start..base + r.end,
            chars: start_chars..chars,
            validator: r.validator,
        }
    })
}

/// Builds a [`Detector`].
#[derive(Debug)]
#[must_use]
pub struct DetectorBuilder {
    kinds: KindSet,
    custom: Vec<CustomDetector>,
    keys: Option<FieldKeys>,
}

impl DetectorBuilder {
    /// Detects only the given built-in kinds (custom kinds in the list are
    /// ignored; add them with [`custom`](Self::custom)).
    pub fn only(mut self, kinds: &[DetectedKind]) -> Self {
        self.kinds = KindSet(kinds.iter().fold(0, |acc, k| acc | k.bit()));
        self
    }

    /// Stops detecting a built-in kind.
    pub fn without(mut self, kind: DetectedKind) -> Self {
        self.kinds = KindSet(self.kinds.0 & !kind.bit());
        self
    }

    /// Sets the field keys whose values are found whole
    /// ([`FieldKeys::default`] unless set; [`FieldKeys::empty`] turns
    /// key-aware detection off).
    pub fn field_keys(mut self, keys: FieldKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Adds a host-defined detector.
    pub fn custom(mut self, detector: CustomDetector) -> Self {
        self.custom.push(detector);
        self
    }

    /// Builds the detector.
    ///
    /// # Errors
    ///
    /// [`RedactError::InvalidName`] when two host detectors share a name.
    pub fn build(self) -> Result<Detector, RedactError> {
        for (i, c) in self.custom.iter().enumerate() {
            if self.custom[..i].iter().any(|d| d.name == c.name) {
                return Err(RedactError::InvalidName);
            }
        }
        Ok(Detector {
            kinds: self.kinds,
            custom: self.custom,
            patterns: builtin_patterns(),
            keys: self.keys.map_or_else(default_keys, Arc::new),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_ranges_follow_multibyte_text() {
        let text = "Grüße an ada@example.com — Tel +49 171 2345678";
        let found = Detector::new().find(text);
        assert_eq!(found.len(), 2);
        let email = &found[0];
        assert_eq!(&text[email.bytes()], "ada@example.com");
        let chars: String = text
            .chars()
            .skip(email.chars().start)
            .take(email.chars().len())
            .collect();
        assert_eq!(chars, "ada@example.com");
        let phone = &found[1];
        let chars: String = text
            .chars()
            .skip(phone.chars().start)
            .take(phone.chars().len())
            .collect();
        assert_eq!(chars, "+49 171 2345678");
    }

    #[test]
    fn builder_selects_kinds() {
        let only_email = Detector::builder()
            .only(&[DetectedKind::Email])
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = "ada@example.com 4242 4242 4242 4242";
        assert_eq!(only_email.find(text).len(), 1);
        let no_email = Detector::builder()
            .without(DetectedKind::Email)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(no_email.find(text)[0].kind(), DetectedKind::CreditCard);
    }

    #[test]
    fn custom_names_are_checked() {
        assert!(matches!(
            CustomDetector::new("lower", "x"),
            Err(RedactError::InvalidName)
        ));
        assert!(matches!(
            CustomDetector::new("EMAIL", "x"),
            Err(RedactError::InvalidName)
        ));
        assert!(matches!(
            CustomDetector::new("OK", "("),
            Err(RedactError::Pattern)
        ));
        let a = CustomDetector::new("A", "x").unwrap_or_else(|e| panic!("{e}"));
        let dup = Detector::builder().custom(a.clone()).custom(a).build();
        assert!(matches!(dup, Err(RedactError::InvalidName)));
    }

    proptest::proptest! {
        /// The ties the scanner notes on its way give the keyed pass the
        /// same values as a search of the whole line, also from a window
        /// offset and with more ties than the list holds.
        #[test]
        fn noted_ties_find_what_a_search_finds(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("name".to_string()),
                    proptest::strategy::Just("\"street\"".to_string()),
                    proptest::strategy::Just("email".to_string()),
                    "[a-f0-9]{1,4}",
                    "[:= \"',]{1,2}",
                    "[A-Za-z ]{1,6}",
                ],
                0..60,
            ),
            from_frac in 0..4usize,
        ) {
            let line = parts.concat();
            let hay = line.as_bytes();
            let from = hay.len() * from_frac / 8;
            let detector = Detector::new();
            let mut scanned = Vec::new();
            let mut ties = keyed::Ties::new();
            Scanner {
                hay,
                from,
                seam: from > 0,
                kinds: detector.kinds,
                patterns: &detector.patterns,
                out: &mut scanned,
                keys: &detector.keys,
                ties: &mut ties,
            }
            .run();
            let mut noted = scanned.clone();
            keyed::scan(hay, from, &ties, &detector.keys, detector.kinds, &mut noted);
            let mut searched = scanned;
            let all = keyed::Ties::unnoted();
            keyed::scan(hay, from, &all, &detector.keys, detector.kinds, &mut searched);
            proptest::prop_assert_eq!(noted, searched, "{}", line);
        }
    }

    #[test]
    fn custom_overlap_loses_to_longer_builtin() {
        let c = CustomDetector::new("DOMAIN", r"example\.com").unwrap_or_else(|e| panic!("{e}"));
        let d = Detector::builder()
            .custom(c)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let found = d.find("ada@example.com and example.com");
        let kinds: Vec<_> = found.iter().map(Finding::kind).collect();
        assert_eq!(kinds, [DetectedKind::Email, DetectedKind::Custom("DOMAIN")]);
    }
}
