//! CSV exports: the columns whose header names personal data.
//!
//! A CSV export carries no key on its rows: `"C-4411","Marta
//! Kowalska","ul. Długa 12/4"` says what it holds only through the header
//! line at the top of the file. When the first line of an input is a CSV
//! header with a column named by a [`FieldKeys`] key, every later line of
//! that input that is a row of the same shape has the values of those
//! columns found as the keys say.
//!
//! # Headers
//!
//! The first line (without a UTF-8 byte order mark and a trailing `\r`) is
//! a header when:
//!
//! - its delimiter, the most frequent of `,`, `;`, tab and `|` outside
//!   quotes (in that order on a tie), splits it into at least two fields;
//! - every field, quoted or not and without surrounding spaces, is a name:
//!   1 to 40 bytes of letters, digits, `_`, `-`, `.` and single spaces,
//!   starting with a letter or `_`, of at most four words;
//! - at least one field is a key of the set (compared in normal form, as
//!   for fields in text), of a kind being detected.
//!
//! Only the first line can be a header, so the columns of an input are
//! known before any of its rows is scanned, and redaction on several
//! threads reads them once from the first block.
//!
//! # Rows
//!
//! A row is a later line that splits at the header's delimiter into exactly
//! as many fields as the header has, with RFC 4180 quoting (`"a, b"`,
//! `"say ""hi"""`); a line of another shape, an unbalanced quote, or a line
//! of [`MAX_ROW`] bytes or more is read as text only. Quoted fields cannot
//! span lines here.
//!
//! The value of a personal column is the text inside its quotes, or the
//! field without surrounding spaces. It is found as it would be in a
//! `header: value` field:
//!
//! - names and addresses (no shape to find them by) are taken whole, unless
//!   empty, masked or `null`-like;
//! - for emails, phones and dates of birth the scanner's findings in the
//!   row win; when it found none in the value, the value is scanned again
//!   behind its header as a label (`birth_date: 1979-11-07`), so that the
//!   label-bound rules apply as they would to a labelled field.

use super::detector::Detector;
use super::finding::DetectedKind;
use super::keyed::{self, MAX_KEY};
use super::scan::Raw;
use super::stream::WINDOW;

/// Lines of this many bytes or more are neither headers nor rows: a line
/// that long is scanned in windows when streaming, without its start in
/// view, so columns are left to the other detectors on every path alike.
pub(crate) const MAX_ROW: usize = WINDOW - 1;

/// Most words in a header field (`Date of Birth`, `Address Line 1`).
const MAX_WORDS: usize = 4;

/// The delimiters a header may use, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The personal columns of a CSV export, read from its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Columns {
    delimiter: u8,
    /// Fields per row.
    count: usize,
    /// The personal columns, by index: their kind and header text.
    personal: Vec<(usize, DetectedKind, Vec<u8>)>,
}

impl Columns {
    /// The columns that `line` names, if it is a CSV header with at least
    /// one personal column for `detector`.
    pub(crate) fn from_header(line: &[u8], detector: &Detector) -> Option<Self> {
        let line = trim_line(line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line));
        if line.len() >= MAX_ROW || matches!(line.first(), Some(b'{' | b'[' | b'#')) {
            return None;
        }
        let delimiter = delimiter(line)?;
        let mut buf = [0u8; MAX_KEY];
        let mut count = 0;
        let mut personal = Vec::new();
        for field in Fields::new(line, delimiter) {
            let name = &line[field.ok()?];
            if !header_name(name) {
                return None;
            }
            let kind = detector.field_keys().lookup(name, &mut buf);
            if let Some(kind) = kind.filter(|&k| detector.detects(k)) {
                personal.push((count, kind, name.to_vec()));
            }
            count += 1;
        }
        (count >= 2 && !personal.is_empty()).then_some(Self {
            delimiter,
            count,
            personal,
        })
    }

    /// Appends the findings of the personal columns of `hay`, a whole
    /// line, if it is a row; `out[..scanned]` are the findings of the other
    /// detectors.
    pub(crate) fn scan_row(
        &self,
        detector: &Detector,
        hay: &[u8],
        scanned: usize,
        out: &mut Vec<Raw>,
    ) {
        let text = trim_line(hay);
        if text.len() >= MAX_ROW {
            return;
        }
        let mark = out.len();
        let mut next = self.personal.iter().peekable();
        let mut count = 0;
        for (index, field) in Fields::new(text, self.delimiter).enumerate() {
            let Ok(value) = field else {
                out.truncate(mark);
                return;
            };
            count += 1;
            let Some(&(_, kind, ref header)) = next.next_if(|(at, ..)| *at == index) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            if keyed::scanner_kind(kind) {
                let inside = |r: &Raw| r.start >= value.start && r.end <= value.end;
                if !out[..scanned].iter().any(inside) {
                    labelled(detector, header, hay, value, out);
                }
            } else {
                let found = keyed::value_finding(hay, value, kind, &out[..scanned]);
                out.extend(found);
            }
        }
        if count != self.count {
            out.truncate(mark);
        }
    }
}

/// Scans the value `hay[value]` again behind `header` as a label, and
/// appends what is found inside the value, at its place in `hay`.
fn labelled(
    detector: &Detector,
    header: &[u8],
    hay: &[u8],
    value: core::ops::Range<usize>,
    out: &mut Vec<Raw>,
) {
    let mut field = Vec::with_capacity(header.len() + 2 + value.len());
    field.extend_from_slice(header);
    field.extend_from_slice(b": ");
    let from = field.len();
    field.extend_from_slice(&hay[value.clone()]);
    let mut found = Vec::new();
    detector.scan_into(&field, from, false, None, &mut found);
    out.extend(found.into_iter().map(|r| Raw {
        start: r.start - from + value.start,
        end: r.end - from + value.start,
        ..r
    }));
}

/// `line` without a trailing `\r`.
fn trim_line(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The delimiter of a header line: the most frequent candidate outside
/// quotes, if any occurs.
fn delimiter(line: &[u8]) -> Option<u8> {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = DELIMITERS.iter().position(|&d| d == b) {
                counts[k] += 1;
            }
        }
    }
    let (best, &n) = counts.iter().enumerate().rev().max_by_key(|&(_, n)| n)?;
    (n > 0).then_some(DELIMITERS[best])
}

/// Whether a header field is a column name.
fn header_name(name: &[u8]) -> bool {
    let starts_well = name
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b >= 0x80);
    let bytes_ok = name.iter().all(|&b| b == b' ' || keyed::is_key_byte(b));
    let words_ok =
        !name.windows(2).any(|w| w == b"  ") && name.split(|&b| b == b' ').count() <= MAX_WORDS;
    starts_well && bytes_ok && words_ok && name.len() <= MAX_KEY
}

/// The fields of one line split at a delimiter, each as the range of its
/// value, or `Err` for a malformed quoted field (which ends the split).
struct Fields<'a> {
    line: &'a [u8],
    delimiter: u8,
    /// Where the next field starts; `None` after the last one.
    at: Option<usize>,
}

/// A quoted field that does not close, or has text after its closing quote.
struct Malformed;

impl<'a> Fields<'a> {
    fn new(line: &'a [u8], delimiter: u8) -> Self {
        Self {
            line,
            delimiter,
            at: Some(0),
        }
    }

    /// The field at `start`: its value and where the next one starts.
    fn field(&self, start: usize) -> Result<(core::ops::Range<usize>, Option<usize>), Malformed> {
        let line = self.line;
        let mut i = start;
        while line.get(i) == Some(&b' ') {
            i += 1;
        }
        if line.get(i) != Some(&b'"') {
            let end = memchr::memchr(self.delimiter, &line[start..]).map(|n| start + n);
            let stop = end.unwrap_or(line.len());
            let value = trim_spaces(line, i, stop);
            return Ok((value, end.map(|e| e + 1)));
        }
        // A quoted field: `""` inside is an escaped quote.
        let open = i + 1;
        let mut j = open;
        let close = loop {
            let q = memchr::memchr(b'"', &line[j..]).ok_or(Malformed)? + j;
            if line.get(q + 1) == Some(&b'"') {
                j = q + 2;
            } else {
                break q;
            }
        };
        let mut k = close + 1;
        while line.get(k) == Some(&b' ') {
            k += 1;
        }
        match line.get(k) {
            None => Ok((open..close, None)),
            Some(&b) if b == self.delimiter => Ok((open..close, Some(k + 1))),
            Some(_) => Err(Malformed),
        }
    }
}

impl Iterator for Fields<'_> {
    type Item = Result<core::ops::Range<usize>, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.at.take()?;
        Some(self.field(start).map(|(value, next)| {
            self.at = next;
            value
        }))
    }
}

/// `line[start..end]` without spaces at either end, as a range.
fn trim_spaces(line: &[u8], mut start: usize, mut end: usize) -> core::ops::Range<usize> {
    while start < end && line[start] == b' ' {
        start += 1;
    }
    while end > start && line[end - 1] == b' ' {
        end -= 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, delimiter: u8) -> Option<Vec<&str>> {
        Fields::new(line.as_bytes(), delimiter)
            .map(|f| f.ok().map(|r| &line[r]))
            .collect()
    }

    #[test]
    fn fields_follow_rfc_4180_quoting() {
        assert_eq!(split("a,b,,c", b','), Some(vec!["a", "b", "", "c"]));
        assert_eq!(split(" a , b ", b','), Some(vec!["a", "b"]));
        assert_eq!(
            split(r#""x, y","say ""hi""",z"#, b','),
            Some(vec!["x, y", r#"say ""hi"""#, "z"])
        );
        assert_eq!(split(r#""a" ,b"#, b','), Some(vec!["a", "b"]));
        assert_eq!(split("a;b,c", b';'), Some(vec!["a", "b,c"]));
        assert_eq!(split("a,", b','), Some(vec!["a", ""]));
        assert_eq!(split("", b','), Some(vec![""]));
        // Unbalanced or trailing text after a closing quote.
        assert_eq!(split(r#""open,b"#, b','), None);
        assert_eq!(split(r#""a"b,c"#, b','), None);
    }

    #[test]
    fn delimiters_are_the_most_frequent_outside_quotes() {
        assert_eq!(delimiter(b"a,b,c"), Some(b','));
        assert_eq!(delimiter(b"a;b;c,d"), Some(b';'));
        assert_eq!(delimiter(b"a\tb"), Some(b'\t'));
        assert_eq!(delimiter(br#""a;b;c",d"#), Some(b','));
        assert_eq!(delimiter(b"a,b;c"), Some(b','));
        assert_eq!(delimiter(b"name"), None);
    }

    fn personal(header: &str) -> Option<Vec<(usize, &'static str)>> {
        Columns::from_header(header.as_bytes(), &Detector::new()).map(|c| {
            c.personal
                .iter()
                .map(|(i, kind, _)| (*i, kind.name()))
                .collect()
        })
    }

    #[test]
    fn headers_name_personal_columns() {
        assert_eq!(
            personal(r#""id","name","street","city","card_last4""#),
            Some(vec![(1, "PERSON"), (2, "ADDRESS")])
        );
        assert_eq!(
            personal("\u{feff}Vorname;Nachname;Strasse;PLZ\r"),
            Some(vec![(0, "PERSON"), (1, "PERSON"), (2, "ADDRESS")])
        );
        assert_eq!(
            personal("First Name\tDate of Birth\tcustomer_email"),
            Some(vec![(0, "PERSON"), (1, "DOB"), (2, "EMAIL")])
        );
    }

    #[test]
    fn other_first_lines_are_not_headers() {
        // No personal column.
        assert_eq!(personal("sku,qty,price,build"), None);
        // One field only.
        assert_eq!(personal("name"), None);
        // Data, prose, JSON and log lines.
        assert_eq!(personal("Ada Lovelace,12 Main St"), None);
        assert_eq!(
            personal("Hi, my name is Ada and I need help with an order"),
            None
        );
        assert_eq!(
            personal("Name, address and phone number of the buyer"),
            None
        );
        assert_eq!(personal(r#"{"name":"Ada","street":"x"}"#), None);
        assert_eq!(personal("name=Ada,street=Main"), None);
        assert_eq!(personal("2025-03-14,name,street"), None);
        assert_eq!(personal("name,,street"), None);
        assert_eq!(personal(r#""name,street"#), None);
    }

    fn row(header: &str, line: &str) -> Vec<(&'static str, String)> {
        let detector = Detector::new();
        let columns = Columns::from_header(header.as_bytes(), &detector).expect("header");
        let mut out = Vec::new();
        detector.scan_into(line.as_bytes(), 0, false, Some(&columns), &mut out);
        out.iter()
            .map(|r| (r.kind.name(), line[r.start..r.end].to_owned()))
            .collect()
    }

    #[test]
    fn rows_have_their_personal_columns_found() {
        assert_eq!(
            row(
                r#""id","name","street","city""#,
                r#""C-1","Marta Kowalska","ul. Długa 12/4","Gdańsk""#
            ),
            [
                ("PERSON", "Marta Kowalska".to_owned()),
                ("ADDRESS", "ul. Długa 12/4".to_owned())
            ]
        );
        // Quoted delimiters and escaped quotes stay inside the value.
        assert_eq!(
            row("name,note", r#""Kowalska, Marta","a ""b"", c""#),
            [("PERSON", "Kowalska, Marta".to_owned())]
        );
    }

    #[test]
    fn label_bound_kinds_see_the_header_as_label() {
        // Without a label these are look-alikes; the header labels them.
        assert!(Detector::new().find("7,1979-11-07").is_empty());
        assert!(Detector::new().find("7;555 0143").is_empty());
        assert_eq!(
            row("id,birth_date", "7,1979-11-07"),
            [("DOB", "1979-11-07".to_owned())]
        );
        assert_eq!(
            row("id;phone", "7;555 0143"),
            [("PHONE", "555 0143".to_owned())]
        );
        // A value the labelled scan rejects stays.
        assert!(row("id,birth_date", "7,1979-02-30").is_empty());
        // The row scan's own finding is kept, not repeated.
        assert_eq!(
            row("id,email", "7,ada@example.com"),
            [("EMAIL", "ada@example.com".to_owned())]
        );
    }

    #[test]
    fn lines_of_another_shape_are_text_only() {
        let header = "id,name,street";
        assert!(row(header, "1,Ada Lovelace").is_empty());
        assert!(row(header, "1,Ada Lovelace,Main St,extra").is_empty());
        assert!(row(header, r#"1,"Ada Lovelace,Main St"#).is_empty());
        // The other detectors still run on such lines.
        assert_eq!(
            row(header, "1,Ada,ada@example.com,extra"),
            [("EMAIL", "ada@example.com".to_owned())]
        );
        // Empty, masked and null values stay.
        assert!(row(header, "1,,null").is_empty());
        assert!(row(header, "1,A***,n/a").is_empty());
    }

    #[test]
    fn overlong_lines_are_neither_headers_nor_rows() {
        let long_header = format!("name,street,{}", "x".repeat(MAX_ROW));
        assert_eq!(personal(&long_header), None);
        let long_row = format!("Ada,Main St,{}", "x".repeat(MAX_ROW));
        assert!(row("name,street,note", &long_row).is_empty());
    }
}
