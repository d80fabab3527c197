//! Throughput of the free-text detector and redactor.
//!
//! Run with short settings on a shared machine:
//!
//! ```text
//! cargo bench --bench redact -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Two samples of 12 MB each are generated deterministically (a fixed-seed
//! splitmix64), so every run measures the same bytes:
//!
//! - `logs`: marketplace logs and support text (JSON and key=value service
//!   logs, access logs, payment and shipping events, tickets and chats in
//!   several languages). About 30% of lines carry one to three PII items;
//!   all lines carry the usual look-alikes (timestamps, order and tracking
//!   numbers, trace ids, versions, amounts).
//! - `prose`: chat and ticket text without PII or digits, the fast path.
//!
//! For each sample the group measures, with `Throughput::Bytes`:
//!
//! - `regex_email`: the `regex` crate finding one email pattern in the
//!   whole text (the baseline; it skips to each `@` with a SIMD search);
//! - `regex_email_lines`: the same pattern run line by line, as a log
//!   pipeline would call it;
//! - `detect`: [`Detector::scan_reader`] over the text (all kinds, line by
//!   line, no output);
//! - `redact_mask`: [`Redactor::redact_stream`] with the mask strategy into
//!   a `Vec`;
//! - `end_to_end_1t` and `end_to_end_2t`: what the `redact` example does
//!   with `--strategy tag`, from a file of the sample (in the page cache)
//!   through [`Redactor::redact_parallel`] into a buffered writer, on one
//!   thread and on two. The lazy DFAs' search caches and the heap stay
//!   warm from one iteration to the next, as in a long-running service;
//!   the example, a new process per input, fills them once per thread
//!   (the first pass over the sample takes about 2 ms longer than the
//!   next, building the label patterns on their first search included)
//!   and starts in about 1.1 ms (0.5 ms beyond an empty process).
//!
//! Criterion prints MB/s for each (divide by 1.048576 for MiB/s); the
//! ratios in the crate's notes are `detect` and `end_to_end_*` over
//! `regex_email_lines`.

use std::hint::black_box;
use std::io::{self, BufWriter, Write};
use std::num::NonZeroUsize;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodian::redact::{Detector, Redactor, ScanEvent, Strategy};
use regex::bytes::Regex;

/// Size of each generated sample.
const SAMPLE_BYTES: usize = 12 * 1024 * 1024;

/// splitmix64: a tiny deterministic generator, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
}

const NAMES: &[&str] = &[
    "ada",
    "linus",
    "grace",
    "jan.kowalski",
    "marie-claire",
    "sato.yuki",
    "o.nils",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example.org",
    "post.example.net",
    "example.co.uk",
];
const WORDS: &[&str] = &[
    "the",
    "parcel",
    "arrived",
    "damaged",
    "please",
    "refund",
    "order",
    "was",
    "never",
    "shipped",
    "Hallo",
    "Bestellung",
    "Paket",
    "merci",
    "commande",
    "pedido",
    "llegó",
    "注文",
    "ありがとう",
    "спасибо",
    "delivery",
    "status",
    "customer",
    "asked",
    "about",
    "the",
    "invoice",
    "again",
];

fn luhn_complete(rng: &mut Rng, prefix: &str, len: usize) -> String {
    let mut digits: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
    while digits.len() < len - 1 {
        digits.push(rng.below(10) as u8);
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    digits.push(((10 - sum % 10) % 10) as u8);
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

fn card(rng: &mut Rng) -> String {
    let pan = match rng.below(4) {
        0 => luhn_complete(rng, "4", 16),
        1 => luhn_complete(rng, "53", 16),
        2 => luhn_complete(rng, "37", 15),
        _ => luhn_complete(rng, "6011", 16),
    };
    if rng.below(2) == 0 {
        pan.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        pan
    }
}

fn iban(rng: &mut Rng) -> String {
    // A German IBAN: check digits chosen so that mod-97 holds.
    let bban = rng.digits(18);
    let numeric = format!("{bban}131400");
    let rem = numeric
        .bytes()
        .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

fn pii(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => format!(
            "email={}{}@{}",
            rng.pick(NAMES),
            rng.below(100),
            rng.pick(DOMAINS)
        ),
        1 => format!("phone=\"+49 171 {} {}\"", rng.digits(3), rng.digits(4)),
        2 => format!("card={}", card(rng)),
        3 => format!("iban={}", iban(rng)),
        4 => format!(
            "ip={}.{}.{}.{}",
            rng.below(223) + 1,
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
        5 => format!(
            "ssn={}-{}-{}",
            100 + rng.below(500),
            10 + rng.below(89),
            1000 + rng.below(8999)
        ),
        _ => format!(
            "dob={}-0{}-1{}",
            1950 + rng.below(50),
            1 + rng.below(9),
            rng.below(10)
        ),
    }
}

fn log_line(rng: &mut Rng, with_pii: bool) -> String {
    let ts = format!(
        "2025-0{}-{:02}T{:02}:{:02}:{:02}.{}Z",
        1 + rng.below(9),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.digits(3)
    );
    let order = if rng.below(2) == 0 {
        format!("{}-{}-{}", rng.digits(3), rng.digits(7), rng.digits(7))
    } else {
        format!("4{}", rng.digits(15))
    };
    let layout = rng.below(5);
    // One to three PII items per PII line; an access log's client address
    // is one of them.
    let items = if !with_pii {
        0
    } else if layout == 2 {
        rng.below(3)
    } else {
        1 + rng.below(3)
    };
    let mut extra = String::new();
    for _ in 0..items {
        extra.push(' ');
        extra.push_str(&pii(rng));
    }
    match layout {
        0 => format!(
            "{{\"ts\":\"{ts}\",\"level\":\"info\",\"service\":\"checkout-api\",\"event\":\"order_paid\",\"trace_id\":\"{}\",\"order_id\":\"{order}\",\"latency_ms\":{},\"note\":\"{}\"}}",
            rng.hex(32),
            rng.below(3000),
            extra.trim()
        ),
        1 => format!(
            "{ts} INFO shipping-svc carrier=DHL tracking=JJD{} order={order} status=in_transit build={}.{}.{} eta=2025-07-{:02}{extra}",
            rng.digits(18),
            rng.below(9),
            rng.below(40),
            rng.below(200),
            1 + rng.below(28)
        ),
        2 => format!(
            "{} - - [17/Jun/2025:10:05:{:02} +0000] \"GET /api/orders/{} HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:1.9.{}.20)\"{extra}",
            // The client address is PII: only on lines that carry PII.
            if with_pii {
                format!(
                    "10.{}.{}.{}",
                    rng.below(256),
                    rng.below(256),
                    rng.below(256)
                )
            } else {
                "-".into()
            },
            rng.below(60),
            rng.digits(8),
            rng.below(90000),
            rng.below(8)
        ),
        3 => format!(
            "{ts} WARN payments txn=ch_{} order={order} amount={}.{} currency=EUR last4={} masked_pan=\"**** **** **** {}\"{extra}",
            rng.hex(16),
            rng.below(1000),
            rng.digits(2),
            rng.digits(4),
            rng.digits(4)
        ),
        _ => {
            let words: Vec<&str> = (0..12).map(|_| rng.pick(WORDS)).collect();
            format!(
                "Ticket #{} | {} {}{extra}",
                rng.digits(6),
                words.join(" "),
                rng.digits(8)
            )
        }
    }
}

fn logs_sample() -> Vec<u8> {
    let mut rng = Rng(0x5EED_2025);
    let mut out = String::with_capacity(SAMPLE_BYTES + 4096);
    while out.len() < SAMPLE_BYTES {
        let with_pii = rng.below(10) < 3;
        out.push_str(&log_line(&mut rng, with_pii));
        out.push('\n');
    }
    out.into_bytes()
}

fn prose_sample() -> Vec<u8> {
    let mut rng = Rng(0xC0FF_EE00);
    let mut out = String::with_capacity(SAMPLE_BYTES + 4096);
    while out.len() < SAMPLE_BYTES {
        let n = 8 + rng.below(20);
        let words: Vec<&str> = (0..n).map(|_| rng.pick(WORDS)).collect();
        out.push_str(&words.join(" "));
        out.push_str(".\n");
    }
    out.into_bytes()
}

fn bench_sample(c: &mut Criterion, name: &str, text: &[u8]) {
    let email = Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
        .unwrap_or_else(|e| panic!("{e}"));
    let detector = Detector::new();
    let redactor = Redactor::builder()
        .strategy(Strategy::Mask)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("regex_email", |b| {
        b.iter(|| email.find_iter(black_box(text)).count())
    });
    group.bench_function("regex_email_lines", |b| {
        b.iter(|| {
            black_box(text)
                .split(|&b| b == b'\n')
                .map(|line| email.find_iter(line).count())
                .sum::<usize>()
        })
    });
    group.bench_function("detect", |b| {
        b.iter(|| {
            let mut n = 0usize;
            detector
                .scan_reader(black_box(text), |e| {
                    if let ScanEvent::Finding { .. } = e {
                        n += 1;
                    }
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{e}"));
            n
        })
    });
    let mut out = Vec::with_capacity(text.len());
    group.bench_function("redact_mask", |b| {
        b.iter(|| {
            out.clear();
            let report = redactor
                .redact_stream(black_box(text), &mut out)
                .unwrap_or_else(|e| panic!("{e}"));
            report.total()
        })
    });
    let tagger = Redactor::builder()
        .strategy(Strategy::Tag)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("sample.log");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    for (id, n) in [("end_to_end_1t", 1), ("end_to_end_2t", 2)] {
        let threads = NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        group.bench_function(id, |b| {
            b.iter(|| {
                let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
                let mut out = BufWriter::with_capacity(1 << 16, io::sink());
                let report = tagger
                    .redact_parallel(file, &mut out, threads)
                    .unwrap_or_else(|e| panic!("{e}"));
                out.flush().unwrap_or_else(|e| panic!("{e}"));
                report.total()
            })
        });
    }
    group.finish();
    // Not timed: the densities the notes quote.
    let mut findings = 0usize;
    let mut lines_with = 0usize;
    let mut current = 0usize;
    detector
        .scan_reader(text, |e| {
            match e {
                ScanEvent::Finding { .. } => {
                    findings += 1;
                    current += 1;
                }
                _ => {
                    lines_with += usize::from(current > 0);
                    current = 0;
                }
            }
            Ok::<(), io::Error>(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    eprintln!(
        "{name}: {} bytes, {lines} lines, {lines_with} with PII ({:.1}%), {findings} findings",
        text.len(),
        100.0 * lines_with as f64 / lines.max(1) as f64
    );
}

fn benches(c: &mut Criterion) {
    bench_sample(c, "logs", &logs_sample());
    bench_sample(c, "prose", &prose_sample());
}

criterion_group!(redact, benches);
criterion_main!(redact);
