//! `Redactor::redact_parallel`: the output of one thread, on any number.

use std::num::NonZeroUsize;

use custodian::redact::{Redactor, Strategy};

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
        for n in [1, 2, 3, 8] {
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
    let redactor = Redactor::builder()
        .strategy(Strategy::Tag)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    for text in [&b""[..], b"\n", b"ada@example.com", b"\n\n\nx\n"] {
        let mut one = Vec::new();
        redactor
            .redact_stream(text, &mut one)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut many = Vec::new();
        redactor
            .redact_parallel(text, &mut many, threads(4))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(many, one);
    }
}
