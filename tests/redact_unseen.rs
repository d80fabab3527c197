//! The second scored set: hand-labelled text in styles the development
//! corpus does not have (chat transcripts, support e-mails, CSV exports,
//! nginx, Caddy, Rails, Spring, OpenTelemetry and ECS JSON logs of other
//! stacks), in `tests/data/redact_unseen.jsonl`.
//!
//! The format is the development corpus's (`../shared/corpus/README.md`):
//! one JSON object per line with `text`, gold `spans` and `decoys` as
//! `[start, end, TYPE]`, end-exclusive offsets in Unicode code points.
//! Besides the corpus's seven types it labels `PERSON` and `ADDRESS`
//! wherever a name or a street address is written, in structured fields
//! and CSV columns alike, and a name that signs a message off (after the
//! sign-off, or alone on a line after it); other free-text names in
//! sentences are not labelled (see the redaction section of the README for
//! what is detected). A CSV export is one record: its header line and its
//! rows.
//!
//! The floors below are the scores the detector reaches on this set; a
//! change that loses a finding or gains a false one fails here.

use std::collections::BTreeMap;

use custodian::redact::Detector;
use serde_json::Value;

const SET: &str = include_str!("data/redact_unseen.jsonl");

/// Precision every type must keep (0.99 would allow one false finding in
/// a hundred; this set is small, so any false finding fails).
const PRECISION_FLOOR: f64 = 0.99;

/// Recall per type: the level reached, so that a regression shows.
const RECALL_FLOORS: &[(&str, f64)] = &[
    ("EMAIL", 1.0),
    ("PHONE", 1.0),
    ("CREDIT_CARD", 1.0),
    ("IBAN", 1.0),
    ("IP_ADDRESS", 1.0),
    ("SSN", 1.0),
    ("DOB", 1.0),
    ("PERSON", 1.0),
    ("ADDRESS", 1.0),
];

type Span = (usize, usize, String);

struct Record {
    id: String,
    text: String,
    spans: Vec<Span>,
    decoys: Vec<Span>,
}

fn span(value: &Value) -> Span {
    let part = |i: usize| value.get(i).unwrap_or_else(|| panic!("span {value}"));
    let offset = |i: usize| {
        part(i)
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_else(|| panic!("offset in {value}"))
    };
    let kind = part(2)
        .as_str()
        .unwrap_or_else(|| panic!("type in {value}"));
    (offset(0), offset(1), kind.to_string())
}

fn records() -> Vec<Record> {
    SET.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let list = |key: &str| -> Vec<Span> {
                v[key]
                    .as_array()
                    .unwrap_or_else(|| panic!("{key} in {line}"))
                    .iter()
                    .map(span)
                    .collect()
            };
            Record {
                id: v["id"].as_str().unwrap_or_default().to_string(),
                text: v["text"].as_str().unwrap_or_default().to_string(),
                spans: list("spans"),
                decoys: list("decoys"),
            }
        })
        .collect()
}

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Exact-span scores per type, every mistake listed, and the decoys hit.
fn score() -> (BTreeMap<String, Counts>, Vec<String>, Vec<String>) {
    let detector = Detector::new();
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let mut mistakes = Vec::new();
    let mut decoys_hit = Vec::new();
    for record in records() {
        let found: Vec<Span> = detector
            .find(&record.text)
            .iter()
            .map(|f| (f.chars().start, f.chars().end, f.kind().name().to_string()))
            .collect();
        let piece =
            |s: &Span| -> String { record.text.chars().skip(s.0).take(s.1 - s.0).collect() };
        for f in &found {
            let c = counts.entry(f.2.clone()).or_default();
            if record.spans.contains(f) {
                c.tp += 1;
            } else {
                c.fp += 1;
                mistakes.push(format!("{}: false {} {:?}", record.id, f.2, piece(f)));
            }
        }
        for g in &record.spans {
            if !found.contains(g) {
                counts.entry(g.2.clone()).or_default().fn_ += 1;
                mistakes.push(format!("{}: missed {} {:?}", record.id, g.2, piece(g)));
            }
        }
        for d in &record.decoys {
            if found.iter().any(|f| f.0 < d.1 && d.0 < f.1) {
                decoys_hit.push(format!("{}: decoy {} {:?}", record.id, d.2, piece(d)));
            }
        }
    }
    (counts, mistakes, decoys_hit)
}

#[test]
fn the_set_is_well_formed() {
    let records = records();
    assert!(records.len() >= 70);
    for r in &records {
        let chars = r.text.chars().count();
        for s in r.spans.iter().chain(&r.decoys) {
            assert!(s.0 < s.1 && s.1 <= chars, "{}: {s:?}", r.id);
        }
    }
}

#[test]
fn per_type_floors_hold_on_unseen_text() {
    let (counts, mistakes, decoys_hit) = score();
    let mut failures = Vec::new();
    for (kind, floor) in RECALL_FLOORS {
        let c = counts.get(*kind).copied().unwrap_or_default();
        let line = format!(
            "{kind:<12} P {:.3} R {:.3} (tp {} fp {} fn {})",
            c.precision(),
            c.recall(),
            c.tp,
            c.fp,
            c.fn_
        );
        println!("{line}");
        if c.precision() < PRECISION_FLOOR || c.recall() < *floor {
            failures.push(line);
        }
    }
    for m in &mistakes {
        println!("{m}");
    }
    assert!(decoys_hit.is_empty(), "decoys hit: {decoys_hit:#?}");
    assert!(
        failures.is_empty(),
        "below the floors: {failures:#?}\n{mistakes:#?}"
    );
    // Every type the detector reports is scored.
    for kind in counts.keys() {
        assert!(
            RECALL_FLOORS.iter().any(|(k, _)| k == kind),
            "unscored type {kind}"
        );
    }
}
