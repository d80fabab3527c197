//! The `tracing` formatters keep PII out of logs: subscribers whose output
//! is captured, and checked against the generated values logged through
//! messages, fields, `record`, errors and span fields.
#![cfg(feature = "tracing")]

use std::io;
use std::sync::{Arc, Mutex};

use custodian::redact::{DetectedKind, Redactor, SealError, Strategy, TextSealer};
use custodian::trace::{REDACTION_FAILED, RedactingFields, RedactingJson};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use tracing::field::Empty;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("not poisoned").clone()).expect("UTF-8 logs")
    }
}

/// One generated set of personal data.
#[derive(Clone, Debug)]
struct Pii {
    email: String,
    card: String,
    iban: &'static str,
    phone: &'static str,
    ip: String,
}

impl Pii {
    /// Every plaintext spelling that must not reach a log.
    fn spellings(&self) -> Vec<String> {
        let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        vec![
            self.email.clone(),
            self.card.clone(),
            compact(&self.card),
            self.iban.to_owned(),
            compact(self.iban),
            self.phone.to_owned(),
            compact(self.phone),
            self.ip.clone(),
        ]
    }
}

/// A refund that failed, whose message and source name the customer.
#[derive(Debug)]
struct RefundFailed {
    email: String,
    source: Declined,
}

#[derive(Debug)]
struct Declined {
    card: String,
}

impl std::fmt::Display for RefundFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refund failed for {}", self.email)
    }
}

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "card {} declined", self.card)
    }
}

impl std::error::Error for RefundFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl std::error::Error for Declined {}

/// Logs `pii` every way a backend might: message, string and debug
/// fields, an error with a source, span fields at creation and through
/// `record`.
fn log_everything(pii: &Pii) {
    let span = tracing::info_span!("checkout", customer = %pii.email, phone = Empty);
    let _entered = span.enter();
    span.record("phone", pii.phone);
    tracing::info!(
        order = 17,
        express = true,
        "order 17 paid with {}",
        pii.card
    );
    tracing::warn!(body = ?(&pii.iban, &pii.ip), "request from {}", pii.ip);
    let err = RefundFailed {
        email: pii.email.clone(),
        source: Declined {
            card: pii.card.clone(),
        },
    };
    tracing::error!(error = &err as &dyn std::error::Error, "refund");
    tracing::error!(debug = ?err, iban = pii.iban, "retry");
}

fn masking() -> Redactor {
    Redactor::builder().build().expect("masking needs no key")
}

type Builder<F, E> = tracing_subscriber::fmt::SubscriberBuilder<
    F,
    E,
    tracing_subscriber::filter::LevelFilter,
    Capture,
>;

/// What `log` writes through the subscriber `configure` makes.
fn captured<F, E>(
    configure: impl FnOnce(
        Builder<
            tracing_subscriber::fmt::format::DefaultFields,
            tracing_subscriber::fmt::format::Format,
        >,
    ) -> Builder<F, E>,
    log: impl FnOnce(),
) -> String
where
    Builder<F, E>: Into<tracing::Dispatch>,
{
    let capture = Capture::default();
    let builder = tracing_subscriber::fmt().with_writer(capture.clone());
    tracing::dispatcher::with_default(&configure(builder).into(), log);
    capture.text()
}

fn text_output(redactor: Redactor, pii: &Pii) -> String {
    captured(
        |b| b.fmt_fields(RedactingFields::new(redactor)),
        || log_everything(pii),
    )
}

fn json_output(redactor: Redactor, pii: &Pii) -> String {
    let redactor = Arc::new(redactor);
    captured(
        |b| {
            b.fmt_fields(RedactingFields::shared(Arc::clone(&redactor)))
                .event_format(RedactingJson::shared(redactor))
        },
        || log_everything(pii),
    )
}

/// A Visa number (prefix 4, 16 digits) with a valid Luhn digit, in groups
/// of four.
fn card(body: [u8; 15]) -> String {
    let mut digits: Vec<u8> = body.iter().map(|d| b'0' + d).collect();
    digits[0] = b'4';
    let check = (b'0'..=b'9')
        .find(|&c| custodian::validate::luhn_valid(&[&digits[..], &[c]].concat()))
        .expect("one check digit fits");
    digits.push(check);
    digits
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join(" ")
}

const IBANS: [&str; 3] = [
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "FR14 2004 1010 0505 0001 3M02 606",
];
const PHONES: [&str; 3] = ["+49 30 12345678", "+33 1 42 68 53 00", "+44 20 7946 0958"];

fn arb_pii() -> impl proptest::strategy::Strategy<Value = Pii> {
    (
        "[a-z]{3,10}(\\.[a-z]{2,6})?",
        "[a-z]{3,12}",
        prop::sample::select(&["com", "de", "org", "net"][..]),
        prop::array::uniform15(0..10_u8),
        prop::sample::select(&IBANS[..]),
        prop::sample::select(&PHONES[..]),
        (11..=223_u8, 0..=255_u8, 0..=255_u8, 1..=254_u8),
    )
        .prop_map(
            |(local, domain, tld, body, iban, phone, (a, b, c, d))| Pii {
                email: format!("{local}@{domain}.{tld}"),
                card: card(body),
                iban,
                phone,
                ip: format!("{a}.{b}.{c}.{d}"),
            },
        )
}

fn assert_clean(output: &str, pii: &Pii) -> Result<(), TestCaseError> {
    // The logs were written, with their non-personal text intact.
    prop_assert!(output.contains("order 17 paid with"), "{output}");
    prop_assert!(output.contains("checkout"), "{output}");
    for plain in pii.spellings() {
        prop_assert!(
            !output.contains(&plain),
            "plaintext {plain:?} reached the log:\n{output}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn text_logs_carry_no_plaintext_pii(pii in arb_pii()) {
        let output = text_output(masking(), &pii);
        assert_clean(&output, &pii)?;
        // Masks, not deletions: the e-mail's domain survives.
        let domain = pii.email.split('@').nth(1).expect("an @");
        prop_assert!(output.contains(&format!("•••@{domain}")), "{output}");
    }

    #[test]
    fn json_logs_carry_no_plaintext_pii(pii in arb_pii()) {
        let output = json_output(masking(), &pii);
        assert_clean(&output, &pii)?;
        for line in output.lines() {
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| TestCaseError::fail(format!("{e}: {line}")))?;
            prop_assert_eq!(v["spans"][0]["name"].as_str(), Some("checkout"));
        }
    }
}

/// A fixed set, for exact expectations.
fn ada() -> Pii {
    Pii {
        email: "ada@example.com".into(),
        card: "4242 4242 4242 4242".into(),
        iban: IBANS[0],
        phone: PHONES[0],
        ip: "192.0.2.7".into(),
    }
}

#[test]
fn the_text_layout_is_the_default_one() {
    let pii = ada();
    let redactor = Redactor::builder()
        .strategy(Strategy::Tag)
        .build()
        .expect("tags need no key");
    let output = text_output(redactor, &pii);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 4, "{output}");
    assert!(
        lines[0].ends_with(
            "checkout{customer=[EMAIL] phone=\"[PHONE]\"}: trace: order 17 paid with [CREDIT_CARD] order=17 express=true"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].ends_with("refund error=refund failed for [EMAIL]: card [CREDIT_CARD] declined"),
        "{}",
        lines[2]
    );
    let json = json_output(
        Redactor::builder()
            .strategy(Strategy::Tag)
            .build()
            .expect("no key"),
        &pii,
    );
    let first: serde_json::Value =
        serde_json::from_str(json.lines().next().expect("a line")).expect("JSON");
    assert_eq!(first["level"], "INFO");
    assert_eq!(first["target"], "trace");
    assert_eq!(
        first["fields"]["message"],
        "order 17 paid with [CREDIT_CARD]"
    );
    assert_eq!(first["fields"]["order"], "17");
    assert_eq!(first["fields"]["express"], true);
    assert_eq!(
        first["spans"][0]["fields"],
        "customer=[EMAIL] phone=\"[PHONE]\""
    );
}

/// A sealer that always fails.
#[derive(Debug)]
struct Broken;

impl TextSealer for Broken {
    fn seal(&self, _: DetectedKind, _: &str) -> Result<String, SealError> {
        Err(SealError)
    }
}

#[test]
fn a_failed_redaction_writes_a_marker_never_the_text() {
    let pii = ada();
    let sealing = || {
        Redactor::builder()
            .strategy(Strategy::Seal)
            .sealer(Arc::new(Broken))
            .build()
            .expect("a sealer is given")
    };
    for output in [text_output(sealing(), &pii), json_output(sealing(), &pii)] {
        assert!(output.contains(REDACTION_FAILED), "{output}");
        for plain in pii.spellings() {
            assert!(!output.contains(&plain), "{plain} in {output}");
        }
    }
}

#[test]
fn a_finding_across_a_json_string_end_keeps_the_line_valid() {
    use custodian::redact::{CustomDetector, Detector};
    // A host pattern that also takes the quote after a token: redacting
    // the whole line would cut the JSON string open.
    let detector = Detector::builder()
        .custom(CustomDetector::new("TOKEN", r#"tok_[a-z]+"?"#).expect("a valid pattern"))
        .build()
        .expect("a valid detector");
    let redactor = Redactor::builder()
        .detector(detector)
        .strategy(Strategy::Tag)
        .build()
        .expect("tags need no key");
    let output = captured(
        |b| b.event_format(RedactingJson::new(redactor)),
        || tracing::info!(token = "tok_secret", "issued to ada@example.com"),
    );
    let line: serde_json::Value = serde_json::from_str(output.trim_end()).expect("valid JSON");
    // Value by value, the token has no quote after it and is still found.
    assert_eq!(line["fields"]["token"], "[TOKEN]");
    assert_eq!(line["fields"]["message"], "issued to [EMAIL]");
}
