//! Key-aware redaction: field values found by their key, redacted whole,
//! and JSON that stays JSON.

use custodian::redact::{DetectedKind, Detector, FieldKeys, PseudonymKey, Redactor, Strategy};
use proptest::prelude::*;
use proptest::strategy::Strategy as PropStrategy;
use serde_json::{Map, Value};

fn redactor(strategy: Strategy) -> Redactor {
    Redactor::builder()
        .strategy(strategy)
        .pseudonym_key(PseudonymKey::from_bytes([7; 32]))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

const STRATEGIES: [Strategy; 4] = [
    Strategy::Tag,
    Strategy::Mask,
    Strategy::Remove,
    Strategy::Hash,
];

fn redact(strategy: Strategy, text: &str) -> String {
    redactor(strategy)
        .redact(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_text()
}

#[test]
fn names_and_addresses_in_json_are_tagged_and_the_json_parses() {
    let line = r#"{"level":"info","msg":"label created","recipient_name":"Kofi Mensah","shipping_address":{"line1":"14 Harbour Road","city":"Cork"},"customer":{"firstName":"Ada","lastName":"Love\"lace","email":"ada\u0040example.com"},"name":null}"#;
    let out = redact(Strategy::Tag, line);
    assert_eq!(
        out,
        r#"{"level":"info","msg":"label created","recipient_name":"[PERSON]","shipping_address":{"line1":"[ADDRESS]","city":"Cork"},"customer":{"firstName":"[PERSON]","lastName":"[PERSON]","email":"[EMAIL]"},"name":null}"#
    );
    for strategy in STRATEGIES {
        let out = redact(strategy, line);
        let parsed: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        assert_eq!(parsed["shipping_address"]["city"], "Cork");
        assert!(!out.contains("Mensah") && !out.contains("Harbour") && !out.contains("Ada"));
    }
}

#[test]
fn findings_that_are_json_numbers_become_strings() {
    // A regression: `"pan":[CREDIT_CARD]` is not JSON.
    let out = redact(
        Strategy::Tag,
        r#"{"pan":4242424242424242,"more":[ -4242424242424242 ],"birthdate":19701129}"#,
    );
    assert_eq!(
        out,
        r#"{"pan":"[CREDIT_CARD]","more":[ "[CREDIT_CARD]" ],"birthdate":"[DOB]"}"#
    );
    // Outside JSON nothing is quoted.
    assert_eq!(
        redact(Strategy::Tag, "pan:4242424242424242,"),
        "pan:[CREDIT_CARD],"
    );
}

#[test]
fn text_fields_are_redacted_whole() {
    assert_eq!(
        redact(
            Strategy::Tag,
            "ts=2025-03-14 name=Ana customer_name=\"Hiroshi Tanaka\" ship_to=\"1-2-3 Shibuya, Tokyo 150-0002\" tel=03-1234-5678"
        ),
        "ts=2025-03-14 name=[PERSON] customer_name=\"[PERSON]\" ship_to=\"[ADDRESS]\" tel=[PHONE]"
    );
    assert_eq!(
        redact(
            Strategy::Tag,
            "street: 221B Baker Street | city: London | recipient: Sherlock Holmes"
        ),
        "street: [ADDRESS] | city: London | recipient: [PERSON]"
    );
    // The kind's name appears in every output form.
    let hashed = redact(Strategy::Hash, "name=Ana");
    assert!(hashed.starts_with("name=[PERSON:"), "{hashed}");
    assert_eq!(redact(Strategy::Mask, "name=Ana"), "name=•••");
    assert_eq!(
        redact(Strategy::Hash, "name=\"Ada  LOVELACE\""),
        redact(Strategy::Hash, "name=\"ada lovelace\"")
    );
}

#[test]
fn phone_email_and_birth_date_keys_take_unknown_shapes_whole() {
    // The scanner's exact spans win where it finds something; otherwise
    // the value is taken whole as the kind the key names.
    assert_eq!(
        redact(
            Strategy::Tag,
            r#"{"phone":"0800 FLOWERS","email":"ada at example dot com","dob":"3rd of May '88"}"#
        ),
        r#"{"phone":"[PHONE]","email":"[EMAIL]","dob":"[DOB]"}"#
    );
    assert_eq!(
        redact(Strategy::Tag, r#"{"phone":"tel +44 20 7946 0958"}"#),
        r#"{"phone":"tel [PHONE]"}"#
    );
    // Masked values are already safe, and stay as they are.
    let masked = r#"{"email":"m***@tiscali.it","phone":"•••0888","dob":"XXXX-XX-XX"}"#;
    assert_eq!(redact(Strategy::Tag, masked), masked);
}

#[test]
fn the_key_set_is_configurable() {
    let keys = FieldKeys::default()
        .without("name")
        .with("consignee", DetectedKind::Person);
    let detector = Detector::builder()
        .field_keys(keys)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = Redactor::builder()
        .detector(detector)
        .strategy(Strategy::Tag)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let out = r
        .redact(r#"{"name":"checkout-svc","consignee":"Ada"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.text(),
        r#"{"name":"checkout-svc","consignee":"[PERSON]"}"#
    );
    assert_eq!(out.report().count(DetectedKind::Person), 1);
    // Off entirely.
    let off = Detector::builder()
        .field_keys(FieldKeys::empty())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(off.find("name=Ana street=Main").is_empty());
    // Or by kind.
    let no_people = Detector::builder()
        .without(DetectedKind::Person)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(no_people.find("name=Ana street=Main").len(), 1);
}

#[test]
fn lines_without_other_anchors_are_still_read() {
    // No digit, `@`, `:` or `&`: only the `=` says there are fields.
    let text = "hello there\nname=Ana role=buyer\nno fields here\n";
    assert_eq!(
        redact(Strategy::Tag, text),
        "hello there\nname=[PERSON] role=buyer\nno fields here\n"
    );
}

#[test]
fn hostile_lines_neither_panic_nor_stall() {
    let r = redactor(Strategy::Tag);
    let cases = [
        "{\"name\":\"".repeat(200_000),
        "name=\"".repeat(200_000),
        "[".repeat(500_000) + &"]".repeat(500_000),
        "{\"a\":".repeat(200_000),
        format!("{{\"name\":\"{}\"}}", "\\\"".repeat(500_000)),
        "\"name\": ".repeat(200_000),
        format!("street: {}", "x ".repeat(1_000_000)),
    ];
    for case in cases {
        let out = r.redact(&case).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.text().len() <= case.len() + 16 * out.report().total() as usize);
    }
}

/// JSON values with keys from the default set and elsewhere, and strings
/// full of what breaks JSON (quotes, backslashes, controls, non-ASCII) and
/// of PII.
fn json_value() -> impl PropStrategy<Value = Value> {
    let text = prop_oneof![
        "[ -~]{0,24}",
        "[a-z]{1,8}@[a-z]{1,8}\\.com",
        "\\+44 20 7946 0958",
        "[\"\\\\/\u{0}-\u{1f}é•\u{2028}]{0,8}",
        "[A-Z][a-z]{2,8} [A-Z][a-z]{2,8}",
        "4242 4242 4242 4242",
        "192\\.0\\.2\\.[0-9]{1,2}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl PropStrategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "name",
            "firstName",
            "last_name",
            "street",
            "address_line1",
            "email",
            "phone",
            "dob",
            "shipping.address",
            "ship_to",
            "id",
            "ts",
            "msg",
        ])
        .prop_map(str::to_string),
        "[ -~]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_objects_stay_json_after_redaction(
        members in prop::collection::vec((key(), json_value()), 0..8),
        strategy in prop::sample::select(STRATEGIES.to_vec()),
    ) {
        let object = Value::Object(members.into_iter().collect());
        let line = serde_json::to_string(&object).unwrap_or_else(|e| panic!("{e}"));
        let out = redact(strategy, &line);
        let parsed: Result<Value, _> = serde_json::from_str(&out);
        prop_assert!(parsed.is_ok(), "{line}\n=> {out}");
        // Still an object (keys may have been redacted too: `"::1"` is an
        // address wherever it stands).
        prop_assert!(parsed.ok().is_some_and(|v| v.is_object()));
    }
}
