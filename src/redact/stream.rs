//! Line-by-line scanning of a `BufRead` in bounded memory.
//!
//! # Windows
//!
//! A line that is in the reader's buffer is scanned in place. A longer line
//! is copied into a window of at most [`WINDOW`] bytes; when the window is
//! full, the findings that start before its last [`HOLD`] bytes are
//! committed together with the text up to the end of the last one, and the
//! window slides on, keeping [`CONTEXT`] committed bytes in front so that
//! labels and boundaries before the next candidates are still seen. Since
//! no finding is longer than [`MAX_FINDING`] and `HOLD` is twice that, a
//! finding is never cut by the end of a window; the only difference from
//! scanning the whole line is that a token longer than the overlap is seen
//! in parts (no PII kind is that long, so this changes nothing in practice).
//! Memory stays below `WINDOW + CONTEXT` bytes whatever the line length.
//!
//! # Quiet blocks
//!
//! Every built-in kind contains an anchor byte (a digit, `@`, `:` or `&`),
//! and a field found by its key a `:` or `=` (also an anchor). When no host
//! detector is configured, the whole lines in the reader's buffer before
//! the first anchor byte are passed on in one block
//! without a scan per line, so text with nothing to find moves at close to
//! memory speed.

use std::io::{self, BufRead};

use super::columns::Columns;
use super::detector::{Detector, MAX_FINDING, to_findings};
use super::finding::{Finding, char_count};
use super::scan::{self, Raw};

/// Largest part of a line held in memory at once.
pub(crate) const WINDOW: usize = 64 * 1024;

/// Bytes at the end of a full window whose findings wait for the next one.
const HOLD: usize = 2 * MAX_FINDING;

/// Committed bytes kept before the next window, for labels and boundaries.
const CONTEXT: usize = 256;

/// One committed part of a line, handed to the consumer.
pub(crate) struct Segment<'a> {
    /// Line number, from 0.
    pub(crate) line: u64,
    /// The scanned bytes; only `emit` is new.
    pub(crate) hay: &'a [u8],
    pub(crate) emit: core::ops::Range<usize>,
    /// Findings inside `emit`, positions in `hay`, sorted, disjoint.
    pub(crate) raws: &'a [Raw],
    /// Byte offset of `hay[0]` in the line.
    pub(crate) line_offset: usize,
    /// Character offset of `hay[emit.start]` in the line.
    pub(crate) char_offset: usize,
    /// The line ends after this segment; `true` also when its newline was
    /// present (then `newline` is set).
    pub(crate) line_end: bool,
    pub(crate) newline: bool,
    /// When non-zero, the segment is a block of this many whole lines with
    /// nothing to find (no anchor byte at all), handed over in one piece:
    /// `emit` covers them with their newlines except the last one.
    pub(crate) quiet_lines: u64,
}

/// What [`Detector::scan_reader`] reports, in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanEvent {
    /// A finding; its ranges are offsets in its line, without the newline.
    Finding {
        /// The line number, from 0.
        line: u64,
        /// The finding.
        finding: Finding,
    },
    /// The end of a line (after all of its findings).
    LineEnd {
        /// The line number, from 0.
        line: u64,
        /// The line's length in bytes, without its newline.
        len: usize,
        /// Whether a `\n` ended it (the last line of a stream may lack one).
        newline: bool,
    },
}

impl Detector {
    /// Scans `reader` line by line, calling `on_event` for each finding and
    /// at the end of each line.
    ///
    /// Lines may be of any length and need not be UTF-8; memory stays
    /// bounded (see the module notes on windows). Labels do not carry across
    /// a newline. A first line that is a CSV header makes the input a CSV
    /// export (see [`FieldKeys`](super::FieldKeys) on CSV exports).
    ///
    /// ```
    /// use custodian::redact::{Detector, ScanEvent};
    ///
    /// let input = "ip 192.0.2.7\nnothing here\nssn=123-45-6789";
    /// let mut seen = Vec::new();
    /// Detector::new().scan_reader(input.as_bytes(), |event| {
    ///     if let ScanEvent::Finding { line, finding } = event {
    ///         seen.push((line, finding.kind().name(), finding.bytes()));
    ///     }
    ///     Ok(())
    /// })?;
    /// assert_eq!(seen, [(0, "IP_ADDRESS", 3..12), (2, "SSN", 4..15)]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Errors of the reader, and any error `on_event` returns (which stops
    /// the scan).
    pub fn scan_reader<R: BufRead>(
        &self,
        reader: R,
        mut on_event: impl FnMut(ScanEvent) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut raws = Vec::new();
        segments(self, reader, Header::FirstLine, false, &mut raws, |seg| {
            if seg.quiet_lines > 0 {
                let mut start = 0;
                let ends = memchr::memchr_iter(b'\n', seg.hay).chain([seg.hay.len()]);
                for (k, end) in ends.enumerate() {
                    let line = seg.line + k as u64;
                    on_event(ScanEvent::LineEnd {
                        line,
                        len: end - start,
                        newline: true,
                    })?;
                    start = end + 1;
                }
                return Ok(());
            }
            let findings = to_findings(seg.hay, seg.line_offset, 0, seg.raws);
            let chars_before_emit = char_count(&seg.hay[..seg.emit.start]);
            for mut finding in findings {
                // Character offsets count from the line start.
                let shift = seg.char_offset - chars_before_emit;
                finding.chars = finding.chars.start + shift..finding.chars.end + shift;
                on_event(ScanEvent::Finding {
                    line: seg.line,
                    finding,
                })?;
            }
            if seg.line_end {
                let len = seg.line_offset + seg.emit.end;
                on_event(ScanEvent::LineEnd {
                    line: seg.line,
                    len,
                    newline: seg.newline,
                })?;
            }
            Ok(())
        })
    }
}

/// Splits `reader` into lines and windows, scans each, and hands the
/// committed segments to `f`. `signed` says that the line before the
/// reader's first was a sign-off alone (see [`Detector::signed_after`]).
pub(crate) fn segments<R: BufRead, E: From<io::Error>>(
    detector: &Detector,
    mut reader: R,
    header: Header<'_>,
    mut signed: bool,
    raws: &mut Vec<Raw>,
    mut f: impl FnMut(&Segment<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut rows = Rows::new(header);
    // The part of the current line not yet committed (plus context).
    let mut buf: Vec<u8> = Vec::new();
    let mut keep = 0; // bytes at the start of `buf` already committed
    let mut line = 0u64;
    let mut line_offset = 0; // offset of buf[0] in the line
    let mut char_offset = 0; // characters of the line before buf[keep]
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if chunk.is_empty() {
            // End of input: a last line without a newline, if any.
            if buf.len() > keep || line_offset > 0 || keep > 0 {
                let row = rows.current().filter(|_| line_offset == 0);
                detector.scan_into(&buf, keep, line_offset > 0, row, raws);
                detector.scan_name_line(&buf, signed && line_offset == 0, raws);
                f(&Segment {
                    line,
                    hay: &buf,
                    emit: keep..buf.len(),
                    raws,
                    line_offset,
                    char_offset,
                    line_end: true,
                    newline: false,
                    quiet_lines: 0,
                })?;
            }
            return Ok(());
        }
        let newline = memchr::memchr(b'\n', chunk);
        if buf.is_empty() && line_offset == 0 && detector.anchors_only() && rows.quiet() {
            // Whole lines before the first anchor byte cannot hold a
            // finding but a name that signs one off: hand those before the
            // first such line over as one block (prose, chat text). When
            // the first line has an anchor (most log lines), there is none.
            let first_anchor = scan::next_anchor_far(chunk, 0);
            let quiet_end = newline
                .filter(|&nl| nl < first_anchor)
                .and_then(|_| memchr::memrchr(b'\n', &chunk[..first_anchor]))
                .and_then(|nl| detector.nameless_lines_end(&chunk[..=nl], signed));
            if let Some((nl, signed_after)) = quiet_end {
                signed = signed_after;
                let lines = memchr::memchr_iter(b'\n', &chunk[..=nl]).count() as u64;
                f(&Segment {
                    line,
                    hay: &chunk[..nl],
                    emit: 0..nl,
                    raws: &[],
                    line_offset: 0,
                    char_offset: 0,
                    line_end: true,
                    newline: true,
                    quiet_lines: lines,
                })?;
                reader.consume(nl + 1);
                line += lines;
                continue;
            }
        }
        if buf.is_empty() && line_offset == 0 {
            if let Some(nl) = newline {
                // The whole line is in the reader's buffer: scan it in place.
                let hay = &chunk[..nl];
                detector.scan_into(hay, 0, false, rows.current(), raws);
                detector.scan_name_line(hay, signed, raws);
                signed = detector.signed_after(signed, hay);
                rows.line_end(detector, Some(hay));
                f(&Segment {
                    line,
                    hay,
                    emit: 0..nl,
                    raws,
                    line_offset: 0,
                    char_offset: 0,
                    line_end: true,
                    newline: true,
                    quiet_lines: 0,
                })?;
                reader.consume(nl + 1);
                line += 1;
                continue;
            }
        }
        // Copy up to the newline or until the window is full.
        let room = WINDOW.saturating_sub(buf.len()).max(1);
        let take = newline.map_or(chunk.len(), |nl| nl + 1).min(room);
        buf.extend_from_slice(&chunk[..take]);
        reader.consume(take);
        if buf.last() == Some(&b'\n') {
            let end = buf.len() - 1;
            let whole = (line_offset == 0).then_some(&buf[..end]);
            let row = rows.current().filter(|_| whole.is_some());
            detector.scan_into(&buf[..end], keep, line_offset > 0, row, raws);
            if let Some(whole) = whole {
                detector.scan_name_line(whole, signed, raws);
            }
            signed = whole.is_some_and(|line| detector.signed_after(signed, line));
            rows.line_end(detector, whole);
            f(&Segment {
                line,
                hay: &buf[..end],
                emit: keep..end,
                raws,
                line_offset,
                char_offset,
                line_end: true,
                newline: true,
                quiet_lines: 0,
            })?;
            buf.clear();
            keep = 0;
            line += 1;
            line_offset = 0;
            char_offset = 0;
        } else if buf.len() >= WINDOW {
            // A long line: commit what no later byte can change.
            detector.scan_into(&buf, keep, line_offset > 0, None, raws);
            let cut = buf.len() - HOLD;
            raws.retain(|r| r.start < cut);
            let commit = raws.last().map_or(cut, |r| r.end.max(cut));
            f(&Segment {
                line,
                hay: &buf,
                emit: keep..commit,
                raws,
                line_offset,
                char_offset,
                line_end: false,
                newline: false,
                quiet_lines: 0,
            })?;
            char_offset += char_count(&buf[keep..commit]);
            let drop = commit.saturating_sub(CONTEXT);
            buf.drain(..drop);
            line_offset += drop;
            keep = commit - drop;
        }
    }
}

/// Where the CSV columns of a stream come from.
#[derive(Clone, Copy)]
pub(crate) enum Header<'c> {
    /// The stream is a whole input: its first line may be a CSV header.
    FirstLine,
    /// The stream continues an input whose first line was read before,
    /// with these columns, if it was a header.
    Known(Option<&'c Columns>),
}

/// The CSV columns of a stream as its lines go by.
struct Rows<'c> {
    known: Option<&'c Columns>,
    read: Option<Columns>,
    /// The next line is the input's first, which may be a header.
    at_header: bool,
}

impl<'c> Rows<'c> {
    fn new(header: Header<'c>) -> Self {
        let (known, at_header) = match header {
            Header::FirstLine => (None, true),
            Header::Known(columns) => (columns, false),
        };
        Self {
            known,
            read: None,
            at_header,
        }
    }

    /// The columns that the current line, if whole, may be a row of.
    fn current(&self) -> Option<&Columns> {
        if self.at_header {
            None
        } else {
            self.known.or(self.read.as_ref())
        }
    }

    /// Whether lines may pass as a quiet block: a row without anchors
    /// still has columns to read, and the header must be read first.
    fn quiet(&self) -> bool {
        !self.at_header && self.current().is_none()
    }

    /// Notes the end of a line, `whole` when it was scanned in one piece.
    fn line_end(&mut self, detector: &Detector, whole: Option<&[u8]>) {
        if core::mem::take(&mut self.at_header) {
            self.read = whole.and_then(|line| detector.columns(line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(input: &[u8]) -> Vec<ScanEvent> {
        events_of(&Detector::new(), input)
    }

    fn events_of(detector: &Detector, input: &[u8]) -> Vec<ScanEvent> {
        let mut out = Vec::new();
        detector
            .scan_reader(input, |e| {
                out.push(e);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    fn finding_spans(events: &[ScanEvent]) -> Vec<(u64, core::ops::Range<usize>)> {
        events
            .iter()
            .filter_map(|e| match e {
                ScanEvent::Finding { line, finding } => Some((*line, finding.bytes())),
                ScanEvent::LineEnd { .. } => None,
            })
            .collect()
    }

    #[test]
    fn line_ends_are_reported() {
        let ev = events(b"a\n\nb");
        let ends: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                ScanEvent::LineEnd { line, len, newline } => Some((*line, *len, *newline)),
                ScanEvent::Finding { .. } => None,
            })
            .collect();
        assert_eq!(ends, [(0, 1, true), (1, 0, true), (2, 1, false)]);
        assert!(events(b"").is_empty());
    }

    #[test]
    fn long_lines_find_the_same_as_short_ones() {
        // A 1 MB line with PII every ~1000 bytes, including across window
        // seams, scanned through a tiny reader buffer.
        let unit = "x".repeat(977) + " ada@example.com 4242 4242 4242 4242 ";
        let line = unit.repeat(1000);
        let want = Detector::new().find(&line);
        let reader = io::BufReader::with_capacity(1000, line.as_bytes());
        let mut got = Vec::new();
        Detector::new()
            .scan_reader(reader, |e| {
                if let ScanEvent::Finding { finding, .. } = e {
                    got.push(finding);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2000);
        assert_eq!(got, want);
    }

    /// The events of `text` with the block path off (a host detector
    /// turns it off): every line is scanned.
    fn events_line_by_line(text: &[u8]) -> Vec<ScanEvent> {
        let never = super::super::CustomDetector::new("NEVER", r"\x00NEVER\x00")
            .unwrap_or_else(|e| panic!("{e}"));
        let detector = Detector::builder()
            .custom(never)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        events_of(&detector, text)
    }

    #[test]
    fn quiet_blocks_report_every_line() {
        let text =
            "hello there\nno digits here\n\nstill none\nip 192.0.2.7\nquiet again\nand again\nlast";
        let fast = events(text.as_bytes());
        let slow = events_line_by_line(text.as_bytes());
        assert_eq!(fast, slow);
        assert_eq!(
            fast.iter()
                .filter(|e| matches!(e, ScanEvent::LineEnd { .. }))
                .count(),
            8
        );
    }

    #[test]
    fn a_sign_off_in_a_quiet_block_is_found() {
        let text = "Regards, Ada\nno digits here\nthe jug broke. Thanks, Kofi Mensah\nquiet again\nBest, Jo";
        let fast = events(text.as_bytes());
        let slow = events_line_by_line(text.as_bytes());
        assert_eq!(fast, slow);
        assert_eq!(finding_spans(&fast), [(0, 9..12), (2, 23..34), (4, 6..8)]);
        // `find` reads the same names at its inner line ends.
        let found: Vec<_> = Detector::new()
            .find(text)
            .iter()
            .map(|f| &text[f.bytes()])
            .collect();
        assert_eq!(found, ["Ada", "Kofi Mensah", "Jo"]);
    }

    #[test]
    fn a_name_alone_after_a_sign_off_alone_is_found() {
        // In a quiet block, after one, and in a line with an anchor byte.
        let text =
            "Hi,\nKind regards,\n\nMarta Kowalska\nRegards\nok\nJo\norder 42 broke\nBest,\nJason";
        let fast = events(text.as_bytes());
        assert_eq!(fast, events_line_by_line(text.as_bytes()));
        assert_eq!(finding_spans(&fast), [(3, 0..14), (9, 0..5)]);
        let found: Vec<_> = Detector::new()
            .find(text)
            .iter()
            .map(|f| &text[f.bytes()])
            .collect();
        assert_eq!(found, ["Marta Kowalska", "Jason"]);
    }

    #[test]
    fn context_does_not_cross_lines() {
        let ev = events(b"phone:\n0612345678\nphone: 0612345678");
        assert_eq!(finding_spans(&ev), [(2, 7..17)]);
    }
}
