//! Integration tests of the free-text detector and redactor, through the
//! public API only.

use std::io::{self, BufReader};
use std::sync::Arc;

use custodian::redact::{
    CustomDetector, DetectedKind, Detector, Finding, PseudonymKey, RedactError, Redactor,
    ScanEvent, SealError, Strategy, TextSealer,
};
use proptest::prelude::{
    ProptestConfig, any, prop, prop_assert, prop_assert_eq, prop_compose, prop_oneof, proptest,
};
use proptest::strategy::Strategy as _;
use proptest::test_runner::TestCaseError;

fn tagger() -> Redactor {
    Redactor::builder()
        .strategy(Strategy::Tag)
        .build()
        .expect("tag redactor builds")
}

fn masker() -> Redactor {
    Redactor::builder().build().expect("mask redactor builds")
}

fn findings_by_line(input: &[u8], capacity: usize) -> Vec<(u64, Finding)> {
    let mut out = Vec::new();
    Detector::new()
        .scan_reader(BufReader::with_capacity(capacity, input), |e| {
            if let ScanEvent::Finding { line, finding } = e {
                out.push((line, finding));
            }
            Ok(())
        })
        .expect("reading a slice cannot fail");
    out
}

#[test]
fn data_driven_cases() {
    let cases = include_str!("data/redact_cases.tsv");
    let redactor = tagger();
    let mut n = 0;
    for (i, line) in cases.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (input, want) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("line {}", i + 1));
        let got = redactor.redact(input).unwrap();
        assert_eq!(got.text(), want, "case on line {}", i + 1);
        n += 1;
    }
    assert!(n >= 30, "only {n} cases");
}

// ----- pseudonyms ----------------------------------------------------------

/// Known-answer vectors pinning the pseudonym format: key 00 01 .. 1f,
/// HMAC-SHA256 over "custodian/redact/v1" 0x00 KIND 0x00 normalized, first
/// 8 bytes in hex (computed independently with Python's hmac module).
#[test]
fn pseudonym_known_answers() {
    let key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let redactor = Redactor::builder()
        .strategy(Strategy::Hash)
        .pseudonym_key(PseudonymKey::from_bytes(key))
        .build()
        .unwrap();
    let cases = [
        ("mail Ada@Example.com", "mail [EMAIL:f5c874423e61d6c6]"),
        ("tel +44 (0)20 7946 0958", "tel [PHONE:2a3a9c136c622331]"),
        (
            "card 4242-4242-4242-4242",
            "card [CREDIT_CARD:bd55152d0a63fe9d]",
        ),
        (
            "iban DE89 3704 0044 0532 0130 00",
            "iban [IBAN:66638eb710141938]",
        ),
        (
            "ip 2001:0db8:0:0:0:0:0:1",
            "ip [IP_ADDRESS:59bd267c8f07df6d]",
        ),
        ("ssn 123-45-6789", "ssn [SSN:e163bc9d8361a62d]"),
        ("dob: 23.04.1990", "dob: [DOB:1671fbc0feda775c]"),
    ];
    for (input, want) in cases {
        assert_eq!(redactor.redact(input).unwrap().text(), want, "{input}");
    }
}

#[test]
fn pseudonyms_are_stable_across_calls_and_keyed() {
    let with = |k: u8| {
        Redactor::builder()
            .strategy(Strategy::Hash)
            .pseudonym_key(PseudonymKey::from_bytes([k; 32]))
            .build()
            .unwrap()
    };
    let a = with(1)
        .redact("x ada@example.com\ny ada@example.com")
        .unwrap();
    let lines: Vec<&str> = a.text().lines().collect();
    assert_eq!(lines[0][2..], lines[1][2..]);
    let b = with(2).redact("x ada@example.com").unwrap();
    assert_ne!(lines[0], b.text());
}

// ----- sealing ---------------------------------------------------------------

/// A reversible stand-in for the vault: hex of the text behind a prefix.
#[derive(Debug)]
struct HexSealer;

impl TextSealer for HexSealer {
    fn seal(&self, kind: DetectedKind, text: &str) -> Result<String, SealError> {
        let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
        Ok(format!("sealed:{}:{hex}", kind.name()))
    }
}

#[derive(Debug)]
struct FailingSealer;

impl TextSealer for FailingSealer {
    fn seal(&self, _: DetectedKind, _: &str) -> Result<String, SealError> {
        Err(SealError)
    }
}

/// A broken sealer that echoes the plaintext.
#[derive(Debug)]
struct EchoSealer;

impl TextSealer for EchoSealer {
    fn seal(&self, _: DetectedKind, text: &str) -> Result<String, SealError> {
        Ok(format!("<{text}>"))
    }
}

#[test]
fn seal_strategy_uses_the_sealer() {
    let redactor = Redactor::builder()
        .strategy(Strategy::Tag)
        .strategy_for(DetectedKind::Iban, Strategy::Seal)
        .sealer(Arc::new(HexSealer))
        .build()
        .unwrap();
    let out = redactor
        .redact("iban DE89370400440532013000 ip 192.0.2.7")
        .unwrap();
    assert_eq!(
        out.text(),
        "iban sealed:IBAN:4445383933373034303034343035333230313330303 ip [IP_ADDRESS]".replace(
            "4445383933373034303034343035333230313330303",
            &hex("DE89370400440532013000")
        )
    );
    assert_eq!(
        out.report().to_string(),
        "1 line, 40 bytes, 2 redacted (IBAN seal 1, IP_ADDRESS tag 1)"
    );
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_failed_seal_fails_the_whole_redaction() {
    for sealer in [
        Arc::new(FailingSealer) as Arc<dyn TextSealer>,
        Arc::new(EchoSealer),
    ] {
        let redactor = Redactor::builder()
            .strategy(Strategy::Seal)
            .sealer(sealer)
            .build()
            .unwrap();
        let input = "first line is clean\nmail ada@example.com here\n";
        assert!(matches!(redactor.redact(input), Err(RedactError::Seal)));
        let mut out = Vec::new();
        let err = redactor
            .redact_stream(input.as_bytes(), &mut out)
            .unwrap_err();
        assert!(matches!(err, RedactError::Seal));
        let written = String::from_utf8(out).unwrap();
        assert!(!written.contains("ada@example.com"), "{written}");
        assert!(!err.to_string().contains("ada"));
    }
}

// ----- reports and errors never hold plaintext -------------------------------

#[test]
fn reports_hold_counts_only() {
    let input = "ada@example.com 4242 4242 4242 4242 +44 161 711 0888";
    let out = masker().redact(input).unwrap();
    let shown = format!("{} {:?}", out.report(), out.report());
    for secret in ["ada", "example", "4242", "0888"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert_eq!(out.report().count(DetectedKind::Phone), 1);
    let per: Vec<_> = out.report().iter().collect();
    assert_eq!(
        per,
        [
            (DetectedKind::Email, Strategy::Mask, 1),
            (DetectedKind::Phone, Strategy::Mask, 1),
            (DetectedKind::CreditCard, Strategy::Mask, 1)
        ]
    );
}

#[test]
fn key_debug_is_redacted() {
    let key = PseudonymKey::from_bytes([0xAB; 32]);
    let shown = format!("{key:?}");
    assert!(!shown.to_lowercase().contains("ab"), "{shown}");
}

// ----- custom detectors ------------------------------------------------------

#[test]
fn host_detectors_join_the_built_ins() {
    let order_ref = CustomDetector::new("ORDER_REF", r"\bORD-[A-Z0-9]{8}\b").unwrap();
    let detector = Detector::builder().custom(order_ref).build().unwrap();
    let redactor = Redactor::builder()
        .detector(detector)
        .strategy(Strategy::Tag)
        .build()
        .unwrap();
    let out = redactor
        .redact("order ORD-H8NGRBDM for ada@example.com")
        .unwrap();
    assert_eq!(out.text(), "order [ORDER_REF] for [EMAIL]");
    assert_eq!(out.report().count(DetectedKind::Custom("ORDER_REF")), 1);
}

// ----- streaming and hostile input ------------------------------------------

#[test]
fn streaming_matches_whole_text_whatever_the_buffer() {
    let text = "a ada@example.com b\nssn=123-45-6789\n\n10.0.0.1 x 4242 4242 4242 4242\nno newline +33 6 44 10 25 94";
    let want = findings_by_line(text.as_bytes(), 1 << 16);
    assert_eq!(want.len(), 5);
    for capacity in [1, 2, 3, 7, 64] {
        assert_eq!(
            findings_by_line(text.as_bytes(), capacity),
            want,
            "capacity {capacity}"
        );
    }
}

#[test]
fn invalid_utf8_and_nul_pass_through() {
    let mut input = b"\xff\xfe\0 ada@example.com \xc3\x28 \0\0 192.0.2.7\xff\n\x80".to_vec();
    input.extend_from_slice(b"\n");
    let (out, report) = tagger().redact_bytes(&input).unwrap();
    assert_eq!(
        out,
        b"\xff\xfe\0 [EMAIL] \xc3\x28 \0\0 [IP_ADDRESS]\xff\n\x80\n".to_vec()
    );
    assert_eq!(report.total(), 2);
    assert_eq!(report.lines(), 2);
    assert_eq!(report.bytes(), input.len() as u64);
}

#[test]
fn ten_megabyte_line() {
    // One line, 10 MB, with PII sprinkled through it and across window seams.
    let unit = "filler text ".repeat(80) + "mail ada@example.com, card 4242-4242-4242-4242; ";
    let mut line = String::new();
    let mut units = 0;
    while line.len() < 10 * 1024 * 1024 {
        line.push_str(&unit);
        units += 1;
    }
    let (out, report) = tagger().redact_bytes(line.as_bytes()).unwrap();
    assert_eq!(report.count(DetectedKind::Email) as usize, units);
    assert_eq!(report.count(DetectedKind::CreditCard) as usize, units);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("ada@example.com") && !out.contains("4242-4242"));
    assert_eq!(
        out.len(),
        line.len() - units * ("ada@example.com".len() - 7 + 19 - 13)
    );
}

#[test]
fn hostile_runs_find_nothing_quickly() {
    let start = std::time::Instant::now();
    let inputs: Vec<Vec<u8>> = vec![
        vec![b'9'; 2_000_000],
        vec![b'@'; 2_000_000],
        b"1 ".repeat(1_000_000),
        b"1-".repeat(1_000_000),
        b"a@".repeat(1_000_000),
        b"::".repeat(1_000_000),
        b"1.".repeat(1_000_000),
        b"DE00 ".repeat(400_000),
        "日本語テキスト русский текст ".repeat(50_000).into_bytes(),
        vec![0u8; 2_000_000],
    ];
    for input in &inputs {
        let (out, report) = masker().redact_bytes(input).unwrap();
        assert_eq!(report.total(), 0, "{:?}", &input[..8]);
        assert_eq!(&out, input);
    }
    // Generous bound: linear scans of 20 MB take well under a second in
    // release builds; quadratic behaviour would take minutes.
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}

#[test]
fn many_short_findings_in_one_line() {
    let line = "a@example.com ".repeat(100_000);
    let (out, report) = tagger().redact_bytes(line.as_bytes()).unwrap();
    assert_eq!(report.count(DetectedKind::Email), 100_000);
    assert_eq!(out, "[EMAIL] ".repeat(100_000).into_bytes());
}

// ----- properties ------------------------------------------------------------

fn luhn_complete(payload: &[u8]) -> String {
    let sum: u32 = payload
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
    let check = (10 - sum % 10) % 10;
    payload
        .iter()
        .map(|d| char::from(b'0' + d))
        .chain([char::from(b'0' + check as u8)])
        .collect()
}

prop_compose! {
    fn card()(prefix in prop::sample::select(vec![vec![4u8], vec![5, 3], vec![2, 2, 2, 5], vec![6, 0, 1, 1], vec![3, 5, 3, 0]]),
               rest in prop::collection::vec(0u8..10, 15)) -> String {
        let mut payload = prefix;
        payload.extend_from_slice(&rest[..15 - payload.len()]);
        luhn_complete(&payload)
    }
}

prop_compose! {
    fn email()(local in "[a-z][a-z0-9._+-]{0,15}[a-z0-9]", domain in "[a-z]{1,12}", tld in "(com|org|de|co\\.uk|io)") -> String {
        let mut e = format!("{local}@{domain}.{tld}");
        while e.contains("..") {
            e = e.replace("..", ".");
        }
        e
    }
}

fn pii() -> impl proptest::strategy::Strategy<Value = (DetectedKind, String)> {
    prop_oneof![
        card().prop_map(|c| (DetectedKind::CreditCard, c)),
        email().prop_map(|e| (DetectedKind::Email, e)),
        (1u8..=223, 0u8..=255, 0u8..=255, 1u8..=254)
            .prop_map(|(a, b, c, d)| (DetectedKind::IpAddress, format!("{a}.{b}.{c}.{d}"))),
        (1u16..=665, 1u8..=99, 1u16..=9999)
            .prop_map(|(a, g, s)| { (DetectedKind::Ssn, format!("{a:03}-{g:02}-{s:04}")) }),
        "[2-9][0-9]{2} [0-9]{3} [0-9]{4}".prop_map(|n| (DetectedKind::Phone, format!("+1 {n}"))),
    ]
}

/// Random text around a value; the `|` before the value keeps random
/// words from acting as a label (a `v` before a dotted quad makes it a
/// version, by design).
fn filler_before() -> impl proptest::strategy::Strategy<Value = String> {
    "[a-zA-Z ,;:=\"'()\\[\\]éü日本]{0,24}".prop_map(|s| format!(" {s} | "))
}

fn filler() -> impl proptest::strategy::Strategy<Value = String> {
    "[a-zA-Z ,;:=\"'()\\[\\]éü日本]{0,24}".prop_map(|s| format!(" {s} "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn embedded_pii_is_found_and_never_survives_masking(
        before in filler_before(),
        (kind, value) in pii(),
        after in filler(),
    ) {
        // A separator keeps filler letters from gluing to the value.
        let text = format!("{before}{value}{after}");
        let found = Detector::new().find(&text);
        prop_assert!(
            found.iter().any(|f| f.kind() == kind && text[f.bytes()] == value),
            "{kind} {value:?} not found in {text:?}: {found:?}"
        );
        let masked = masker().redact(&text).unwrap();
        prop_assert!(!masked.text().contains(&value), "{value:?} in {:?}", masked.text());
    }

    #[test]
    fn redaction_is_idempotent(
        before in filler_before(),
        (_, value) in pii(),
        after in filler(),
    ) {
        let text = format!("{before}{value}{after}");
        for redactor in [masker(), tagger()] {
            let once = redactor.redact(&text).unwrap();
            let twice = redactor.redact(once.text()).unwrap();
            prop_assert_eq!(once.text(), twice.text());
            prop_assert_eq!(twice.report().total(), 0);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_keep_non_findings(
        input in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        check_tags_replace_exactly_the_findings(&input)?;
    }

    #[test]
    fn structured_noise_never_panics_and_keeps_non_findings(
        input in "[0-9 .:/@()+=_\\-A-Fa-zDEGB\"é日\n]{0,300}",
    ) {
        check_tags_replace_exactly_the_findings(input.as_bytes())?;
    }
}

/// Redacting with tags equals replacing each line's findings by `[KIND]`
/// and copying every other byte.
fn check_tags_replace_exactly_the_findings(input: &[u8]) -> Result<(), TestCaseError> {
    let (out, report) = tagger().redact_bytes(input).expect("redacting a slice");
    let findings = findings_by_line(input, 7);
    let mut want = Vec::new();
    let mut lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    if input.ends_with(b"\n") {
        lines.pop();
    }
    let mut line_start = 0;
    for (n, line) in lines.iter().enumerate() {
        let mut at = 0;
        for (_, f) in findings.iter().filter(|(l, _)| *l == n as u64) {
            want.extend_from_slice(&line[at..f.bytes().start]);
            want.extend_from_slice(format!("[{}]", f.kind()).as_bytes());
            at = f.bytes().end;
        }
        want.extend_from_slice(&line[at..]);
        line_start += line.len() + 1;
        if line_start <= input.len() {
            want.push(b'\n');
        }
    }
    prop_assert_eq!(out, want);
    prop_assert_eq!(report.total() as usize, findings.len());
    Ok(())
}

#[test]
fn io_errors_surface() {
    struct Broken;
    impl io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }
    let err = masker()
        .redact_stream(BufReader::new(Broken), io::sink())
        .unwrap_err();
    assert!(matches!(err, RedactError::Io(_)));
}
