//! What a redaction did, without what it saw.

use core::fmt;
use std::collections::BTreeMap;

use super::finding::DetectedKind;
use super::redactor::Strategy;

/// Counts of redacted findings per kind and strategy, plus the amount of
/// text read.
///
/// A report never holds any part of the text: it is safe to log, to attach
/// to an audit event, or to show an analyst.
///
/// ```
/// use custodian::redact::{DetectedKind, Redactor, Strategy};
///
/// let redactor = Redactor::builder().strategy(Strategy::Tag).build()?;
/// let out = redactor.redact("mail ada@example.com or bob@example.org")?;
/// assert_eq!(out.text(), "mail [EMAIL] or [EMAIL]");
/// assert_eq!(out.report().count(DetectedKind::Email), 2);
/// assert_eq!(out.report().to_string(), "1 line, 39 bytes, 2 redacted (EMAIL tag 2)");
/// # Ok::<(), custodian::redact::RedactError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Built-in kinds × strategies, in their declaration order: counting a
    /// finding is an array increment.
    built_in: [[u64; STRATEGIES]; DetectedKind::BUILT_IN.len()],
    custom: BTreeMap<(DetectedKind, Strategy), u64>,
    lines: u64,
    bytes: u64,
}

/// Number of [`Strategy`] variants.
const STRATEGIES: usize = 5;

const ALL_STRATEGIES: [Strategy; STRATEGIES] = [
    Strategy::Mask,
    Strategy::Tag,
    Strategy::Remove,
    Strategy::Hash,
    Strategy::Seal,
];

fn strategy_index(strategy: Strategy) -> usize {
    match strategy {
        Strategy::Mask => 0,
        Strategy::Tag => 1,
        Strategy::Remove => 2,
        Strategy::Hash => 3,
        Strategy::Seal => 4,
    }
}

impl Report {
    pub(crate) fn record(&mut self, kind: DetectedKind, strategy: Strategy) {
        match DetectedKind::BUILT_IN.iter().position(|&k| k == kind) {
            Some(k) => self.built_in[k][strategy_index(strategy)] += 1,
            None => *self.custom.entry((kind, strategy)).or_insert(0) += 1,
        }
    }

    pub(crate) fn add_text(&mut self, bytes: usize, lines: u64) {
        self.bytes += bytes as u64;
        self.lines += lines;
    }

    /// Adds the counts of `other` (a report of the text that follows).
    pub(crate) fn absorb(&mut self, other: &Self) {
        for (row, other_row) in self.built_in.iter_mut().zip(&other.built_in) {
            for (n, m) in row.iter_mut().zip(other_row) {
                *n += m;
            }
        }
        for (key, n) in &other.custom {
            *self.custom.entry(*key).or_insert(0) += n;
        }
        self.lines += other.lines;
        self.bytes += other.bytes;
    }

    /// How many findings of `kind` were redacted (with any strategy).
    pub fn count(&self, kind: DetectedKind) -> u64 {
        self.iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, _, n)| n)
            .sum()
    }

    /// How many findings were redacted in all.
    pub fn total(&self) -> u64 {
        self.iter().map(|(_, _, n)| n).sum()
    }

    /// `(kind, strategy, count)` for every pair that occurred, ordered by
    /// kind then strategy (built-in kinds first).
    pub fn iter(&self) -> impl Iterator<Item = (DetectedKind, Strategy, u64)> + '_ {
        let built_in =
            DetectedKind::BUILT_IN
                .iter()
                .zip(&self.built_in)
                .flat_map(|(&kind, row)| {
                    ALL_STRATEGIES
                        .iter()
                        .zip(row)
                        .filter(|(_, n)| **n > 0)
                        .map(move |(&s, &n)| (kind, s, n))
                });
        built_in.chain(self.custom.iter().map(|(&(k, s), &n)| (k, s, n)))
    }

    /// Lines read (a last line without a newline counts).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Bytes read, newlines included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// `N lines, N bytes, N redacted (KIND strategy N, …)`.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.lines == 1 { "" } else { "s" };
        write!(
            f,
            "{} line{plural}, {} bytes, {} redacted",
            self.lines,
            self.bytes,
            self.total()
        )?;
        let mut first = true;
        for (kind, strategy, n) in self.iter() {
            f.write_str(if first { " (" } else { ", " })?;
            write!(f, "{kind} {strategy} {n}")?;
            first = false;
        }
        if !first {
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_order_matches_the_enum() {
        for (i, s) in ALL_STRATEGIES.iter().enumerate() {
            assert_eq!(strategy_index(*s), i);
        }
        let mut sorted = ALL_STRATEGIES;
        sorted.sort();
        assert_eq!(sorted, ALL_STRATEGIES);
    }

    #[test]
    fn custom_kinds_count_after_built_ins() {
        let mut r = Report::default();
        r.record(DetectedKind::Custom("ORDER_REF"), Strategy::Tag);
        r.record(DetectedKind::Dob, Strategy::Tag);
        let kinds: Vec<_> = r.iter().map(|(k, _, _)| k).collect();
        assert_eq!(
            kinds,
            [DetectedKind::Dob, DetectedKind::Custom("ORDER_REF")]
        );
        assert_eq!(r.count(DetectedKind::Custom("ORDER_REF")), 1);
    }

    #[test]
    fn counts_and_display() {
        let mut r = Report::default();
        r.record(DetectedKind::Phone, Strategy::Mask);
        r.record(DetectedKind::Phone, Strategy::Hash);
        r.record(DetectedKind::Email, Strategy::Mask);
        r.add_text(10, 1);
        r.add_text(5, 0);
        assert_eq!(r.count(DetectedKind::Phone), 2);
        assert_eq!(r.total(), 3);
        assert_eq!(r.lines(), 1);
        assert_eq!(r.bytes(), 15);
        assert_eq!(
            r.to_string(),
            "1 line, 15 bytes, 3 redacted (EMAIL mask 1, PHONE mask 1, PHONE hash 1)"
        );
        assert_eq!(
            Report::default().to_string(),
            "0 lines, 0 bytes, 0 redacted"
        );
    }
}
