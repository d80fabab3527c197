//! Streaming redaction holds bounded memory, whatever the line length.
//!
//! `allocation-counter` counts this thread's allocations (its own test
//! binary, because a global allocator applies to the whole binary). The
//! input is generated on the fly by a reader, so the only large buffers are
//! the redactor's own.

use std::io::{self, BufReader, Read};

use custodian::redact::{DetectedKind, Redactor, Strategy};

/// Produces `remaining` bytes of `unit` repeated, without allocating.
struct Repeat {
    unit: &'static [u8],
    at: usize,
    remaining: usize,
}

impl Read for Repeat {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() && self.remaining > 0 {
            buf[n] = self.unit[self.at];
            self.at = (self.at + 1) % self.unit.len();
            self.remaining -= 1;
            n += 1;
        }
        Ok(n)
    }
}

fn redact_generated(unit: &'static [u8], len: usize) -> (u64, u64, u64) {
    let redactor = Redactor::builder()
        .strategy(Strategy::Tag)
        .build()
        .expect("builds");
    let mut emails = 0;
    let mut lines = 0;
    let info = allocation_counter::measure(|| {
        let reader = BufReader::with_capacity(
            8 * 1024,
            Repeat {
                unit,
                at: 0,
                remaining: len,
            },
        );
        let report = redactor.redact_stream(reader, io::sink()).expect("redacts");
        emails = report.count(DetectedKind::Email);
        lines = report.lines();
    });
    (info.bytes_max, emails, lines)
}

#[test]
fn a_16_mb_line_streams_in_bounded_memory() {
    let unit: &[u8] = b"filler filler filler 0123 mail ada@example.com 4242 4242 4242 4242 ";
    let len = 16 * 1024 * 1024;
    let (peak, emails, lines) = redact_generated(unit, len);
    assert_eq!(lines, 1);
    // Whole units, plus the partial last unit if it holds the address.
    let email_end = unit
        .windows(15)
        .position(|w| w == b"ada@example.com")
        .expect("in unit")
        + 15;
    let expected = len / unit.len() + usize::from(len % unit.len() >= email_end);
    assert_eq!(emails as usize, expected);
    // One 64 KiB window plus context, the reader's 8 KiB buffer, and small
    // per-window vectors: well under 1 MiB.
    eprintln!("peak allocation {peak} bytes");
    assert!(peak < 1024 * 1024, "peak allocation {peak} bytes");
}

#[test]
fn many_lines_stream_in_bounded_memory() {
    let unit: &[u8] =
        b"2025-07-17 09:25:24,943 INFO ip=192.0.2.7 ssn=123-45-6789 ada@example.com\n";
    let len = 8 * 1024 * 1024;
    let (peak, emails, lines) = redact_generated(unit, len);
    assert_eq!(lines as usize, len.div_ceil(unit.len()));
    assert!(emails as usize >= len / unit.len());
    eprintln!("peak allocation {peak} bytes");
    assert!(peak < 1024 * 1024, "peak allocation {peak} bytes");
}
