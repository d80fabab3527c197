//! Redacts PII in text read from stdin and writes the result to stdout.
//!
//! ```text
//! cargo run --release --example redact -- [--strategy mask|tag|remove|hash] [--threads N] [--spans] [--stats]
//! ```
//!
//! - Default: the redacted text. `--strategy hash` takes its 32-byte key as
//!   64 hex digits from the `REDACT_KEY_HEX` environment variable.
//! - `--spans`: instead of text, one JSON object per input line,
//!   `{"line": N, "spans": [[start, end, "TYPE"], ...]}`, N from 0,
//!   start/end byte offsets in the line without its newline (the interface
//!   of the corpus scorer in `../shared/corpus/`).
//! - `--threads N`: redact on N threads (default: all cores) while the
//!   main thread reads stdin and writes stdout; the output is byte for
//!   byte that of one thread. `--spans` runs on one.
//! - `--stats`: counts per type and throughput in MB/s on stderr.
//!
//! Without arguments and with a terminal on stdin it redacts a built-in
//! sample instead and checks the result, so `cargo run --example redact`
//! doubles as a smoke test.

use std::io::{self, BufReader, BufWriter, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::Instant;

use custodian::redact::{DetectedKind, Detector, PseudonymKey, Redactor, ScanEvent, Strategy};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("redact: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    strategy: Strategy,
    spans: bool,
    stats: bool,
    threads: NonZeroUsize,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        strategy: Strategy::Mask,
        spans: false,
        stats: false,
        threads: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spans" => opts.spans = true,
            "--stats" => opts.stats = true,
            "--threads" => {
                opts.threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--threads takes a number of threads, at least 1")?;
            }
            "--strategy" => {
                opts.strategy = match args.next().as_deref() {
                    Some("mask") => Strategy::Mask,
                    Some("tag") => Strategy::Tag,
                    Some("remove") => Strategy::Remove,
                    Some("hash") => Strategy::Hash,
                    _ => return Err("--strategy takes mask, tag, remove or hash".into()),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(opts)
}

fn key_from_env() -> Result<PseudonymKey, String> {
    let hex =
        std::env::var("REDACT_KEY_HEX").map_err(|_| "--strategy hash needs REDACT_KEY_HEX")?;
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return Err("REDACT_KEY_HEX must be 64 hex digits".into());
    }
    let mut key = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let s = core::str::from_utf8(pair).map_err(|_| "REDACT_KEY_HEX is not hex")?;
        key[i] = u8::from_str_radix(s, 16).map_err(|_| "REDACT_KEY_HEX is not hex")?;
    }
    Ok(PseudonymKey::from_bytes(key))
}

fn run() -> Result<(), String> {
    let opts = options()?;
    if std::env::args().len() == 1 && io::stdin().is_terminal() {
        return demo();
    }
    let started = Instant::now();
    // 64 KiB, as the library's read buffer: both stay in a core's L2 cache.
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut counts = [0u64; DetectedKind::BUILT_IN.len()];
    let mut bytes = 0u64;
    if opts.spans {
        let detector = Detector::new();
        let mut first = true;
        let stdin = BufReader::with_capacity(1 << 16, io::stdin().lock());
        detector
            .scan_reader(stdin, |event| {
                match event {
                    ScanEvent::Finding { line, finding } => {
                        if first {
                            write!(out, "{{\"line\": {line}, \"spans\": [")?;
                        } else {
                            out.write_all(b", ")?;
                        }
                        first = false;
                        let r = finding.bytes();
                        // Kind names are fixed ASCII identifiers: no escaping.
                        write!(out, "[{}, {}, \"{}\"]", r.start, r.end, finding.kind())?;
                        if let Some(i) = DetectedKind::BUILT_IN
                            .iter()
                            .position(|&k| k == finding.kind())
                        {
                            counts[i] += 1;
                        }
                    }
                    ScanEvent::LineEnd { line, len, newline } => {
                        if first {
                            write!(out, "{{\"line\": {line}, \"spans\": [")?;
                        }
                        out.write_all(b"]}\n")?;
                        first = true;
                        bytes += (len + usize::from(newline)) as u64;
                    }
                    _ => {}
                }
                Ok(())
            })
            .map_err(|e| format!("{e}"))?;
    } else {
        let mut builder = Redactor::builder().strategy(opts.strategy);
        if opts.strategy == Strategy::Hash {
            builder = builder.pseudonym_key(key_from_env()?);
        }
        let redactor = builder.build().map_err(|e| format!("{e}"))?;
        let report = redactor
            .redact_parallel(io::stdin().lock(), &mut out, opts.threads)
            .map_err(|e| format!("{e}"))?;
        for (i, kind) in DetectedKind::BUILT_IN.iter().enumerate() {
            counts[i] = report.count(*kind);
        }
        bytes = report.bytes();
    }
    out.flush().map_err(|e| format!("{e}"))?;
    if opts.stats {
        let secs = started.elapsed().as_secs_f64();
        for (kind, n) in DetectedKind::BUILT_IN.iter().zip(counts) {
            eprintln!("{:<12} {n}", kind.name());
        }
        eprintln!(
            "{bytes} bytes in {secs:.3} s: {:.1} MB/s",
            bytes as f64 / secs.max(1e-9) / 1e6
        );
    }
    Ok(())
}

/// Redacts a small sample and checks the result.
fn demo() -> Result<(), String> {
    let sample = "2025-03-13T02:06:05Z ERROR payments msisdn=\"+44 161 711 0888\" card=4242-4242-4242-4242 \
                  email=ada@example.com origin_ip=2001:db8::1 dob: 1992-01-16 order=4603824986363423";
    let redactor = Redactor::builder().build().map_err(|e| format!("{e}"))?;
    let out = redactor.redact(sample).map_err(|e| format!("{e}"))?;
    println!("{}", out.text());
    println!("{}", out.report());
    assert_eq!(
        out.text(),
        "2025-03-13T02:06:05Z ERROR payments msisdn=\"+•••0888\" card=•••• 4242 \
         email=a•••@example.com origin_ip=2001:db8:0:• dob: 1992-••-•• order=4603824986363423"
    );
    assert_eq!(out.report().total(), 5);
    Ok(())
}
