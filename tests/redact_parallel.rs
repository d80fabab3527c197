//! `Redactor::redact_parallel`: the output of one thread, on any number.

use std::io::{self, Read, Write};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use custodian::redact::{DetectedKind, RedactError, Redactor, SealError, Strategy, TextSealer};

/// About 5 MB of lines of every kind, with lines long and short, a few
/// longer than a block (1 MiB), and no newline at the end.
fn input() -> Vec<u8> {
    let lines = [
        "2025-03-14T10:22:01Z INFO payments card=4242 4242 4242 4242 email=ada@example.com",
        r#"{"name":"Ada Lovelace","street":"12 Main St","phone":"+44 20 7946 0958","pan":4242424242424242}"#,
        "I need to confirm my date of birth. It's 3/14/1988",
        "nothing here at all",
        "",
        "ip 192.0.2.7 iban de89 3704 0044 0532 0130 00 ssn 123-45-6789",
        "grüße an ada%40example.com — tel 612 345 678",
    ];
    let mut out = Vec::new();
    for i in 0..60_000 {
        out.extend_from_slice(lines[i % lines.len()].as_bytes());
        if i % 20_000 == 7 {
            // A line longer than a block, with findings along it.
            for _ in 0..40_000 {
                out.extend_from_slice(b" mail ada@example.com ok");
            }
        }
        out.push(b'\n');
    }
    out.extend_from_slice(b"last line ada@example.com");
    out
}

fn threads(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

#[test]
fn any_number_of_threads_writes_the_output_of_one() {
    let text = input();
    for strategy in [Strategy::Tag, Strategy::Mask, Strategy::Remove] {
        let redactor = Redactor::builder()
            .strategy(strategy)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut one = Vec::new();
        let single = redactor
            .redact_stream(text.as_slice(), &mut one)
            .unwrap_or_else(|e| panic!("{e}"));
        for n in [1, 2, 3, 4, 8] {
            let mut many = Vec::new();
            let report = redactor
                .redact_parallel(text.as_slice(), &mut many, threads(n))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(many == one, "{n} threads, {strategy}: output differs");
            assert_eq!(report, single, "{n} threads, {strategy}");
        }
    }
}

#[test]
fn empty_and_tiny_inputs() {
    let redactor = tagger();
    for text in [
        &b""[..],
        b"\n",
        b"ada@example.com",
        b"\n\n\nx\n",
        b"ip 192.0.2.7\r\nmail ada@example.com\r\n\r\n",
    ] {
        let mut one = Vec::new();
        let single = redactor
            .redact_stream(text, &mut one)
            .unwrap_or_else(|e| panic!("{e}"));
        for n in 2..=4 {
            let mut many = Vec::new();
            let report = redactor
                .redact_parallel(text, &mut many, threads(n))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(many, one);
            assert_eq!(report, single);
        }
    }
}

// ----- errors: the first one stops the pipeline, and nothing hangs ------------

/// Runs `f` on its own thread and fails the test if it does not return
/// within a minute (a deadlock would otherwise hang the test run).
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()));
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("redact_parallel did not return"))
}

fn tagger() -> Redactor {
    Redactor::builder()
        .strategy(Strategy::Tag)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The output of one thread, the reference for the prefixes below.
fn redacted_by_one(redactor: &Redactor, text: &[u8]) -> Vec<u8> {
    let mut one = Vec::new();
    redactor
        .redact_stream(text, &mut one)
        .unwrap_or_else(|e| panic!("{e}"));
    one
}

/// Hands out its bytes, then fails.
struct FailingReader {
    text: Vec<u8>,
    at: usize,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.text.len() {
            return Err(io::Error::other("disk gone"));
        }
        let n = buf.len().min(self.text.len() - self.at).min(1 << 16);
        buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Accepts `room` bytes, then fails; keeps what it accepted.
struct FailingWriter {
    kept: Vec<u8>,
    room: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.room);
        self.kept.extend_from_slice(&buf[..n]);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_reader_error_mid_stream_is_returned() {
    let text = input();
    let one = redacted_by_one(&tagger(), &text);
    for n in 2..=4 {
        let reader = FailingReader {
            text: text[..text.len() / 2].to_vec(),
            at: 0,
        };
        let (result, out) = within_a_minute(move || {
            let mut out = Vec::new();
            (tagger().redact_parallel(reader, &mut out, threads(n)), out)
        });
        assert!(matches!(result, Err(RedactError::Io(_))), "{n} threads");
        assert!(one.starts_with(&out), "{n} threads: not a prefix");
    }
}

#[test]
fn a_writer_error_is_returned() {
    let text = Arc::new(input());
    let one = redacted_by_one(&tagger(), &text);
    for (n, room) in [(2, 0), (2, 3_000_000), (3, 1), (4, 2_500_000)] {
        let text = Arc::clone(&text);
        let (result, kept) = within_a_minute(move || {
            let mut writer = FailingWriter {
                kept: Vec::new(),
                room,
            };
            let result = tagger().redact_parallel(text.as_slice(), &mut writer, threads(n));
            (result, writer.kept)
        });
        assert!(matches!(result, Err(RedactError::Io(_))), "{n} threads");
        assert_eq!(kept.len(), room);
        assert!(one.starts_with(&kept), "{n} threads: not a prefix");
    }
}

/// Seals by hex, but fails (or panics) on one address.
#[derive(Debug)]
struct PickySealer {
    panics: bool,
}

impl TextSealer for PickySealer {
    fn seal(&self, _: DetectedKind, text: &str) -> Result<String, SealError> {
        if text == "mallory@example.com" {
            assert!(!self.panics, "sealer bug");
            return Err(SealError);
        }
        Ok(text.bytes().map(|b| format!("{b:02x}")).collect())
    }
}

fn sealing(panics: bool) -> Redactor {
    Redactor::builder()
        .strategy(Strategy::Tag)
        .strategy_for(DetectedKind::Email, Strategy::Seal)
        .sealer(Arc::new(PickySealer { panics }))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_sealer_error_or_panic_in_a_worker_is_returned() {
    // The failing value sits in the middle of the input, in a later block.
    let mut text = input();
    let good = redacted_by_one(&sealing(false), &text);
    let middle = text.len() / 2;
    let at = middle + text[middle..].iter().position(|&b| b == b'\n').unwrap_or(0) + 1;
    text.splice(at..at, b"mail mallory@example.com\n".iter().copied());
    let text = Arc::new(text);
    for (panics, n) in [(false, 2), (false, 4), (true, 2), (true, 3)] {
        let text = Arc::clone(&text);
        let (result, out) = within_a_minute(move || {
            let mut out = Vec::new();
            let result = sealing(panics).redact_parallel(text.as_slice(), &mut out, threads(n));
            (result, out)
        });
        match result {
            Err(RedactError::Seal) if !panics => {}
            Err(RedactError::Worker) if panics => {}
            other => panic!("{n} threads, panics {panics}: {other:?}"),
        }
        assert!(good.starts_with(&out), "{n} threads: not a prefix");
    }
}
