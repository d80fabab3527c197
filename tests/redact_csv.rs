//! CSV exports: the columns named by the header line are redacted in every
//! row, on one thread and on several alike.

use std::num::NonZeroUsize;

use custodian::redact::{DetectedKind, Detector, FieldKeys, Redactor, ScanEvent, Strategy};
use proptest::prelude::*;

fn tagger() -> Redactor {
    Redactor::builder()
        .strategy(Strategy::Tag)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn tag(text: &str) -> String {
    tagger()
        .redact(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_text()
}

#[test]
fn rows_of_a_csv_export_have_their_personal_columns_tagged() {
    let export = "\
customer_id,full_name,street,email,total
88120,Chen Wei,\"88 Nathan Road, Kowloon\",chen.wei@example.hk,\"1,299.00\"
88121,Grace Hopper,Elm Road,,15.50
exported two rows
";
    assert_eq!(
        tag(export),
        "\
customer_id,full_name,street,email,total
88120,[PERSON],\"[ADDRESS]\",[EMAIL],\"1,299.00\"
88121,[PERSON],[ADDRESS],,15.50
exported two rows
"
    );
}

#[test]
fn rows_without_digits_are_read_too() {
    // Such lines would otherwise pass as a quiet block, unscanned.
    let export = "name;street\r\nAda Lovelace;Baker Street\r\nGrace Hopper;Elm Road\r\n";
    assert_eq!(
        tag(export),
        "name;street\r\n[PERSON];[ADDRESS]\r\n[PERSON];[ADDRESS]\r\n"
    );
}

#[test]
fn only_the_first_line_is_a_header() {
    // A log that is not an export: a later line that looks like a header
    // does not start one.
    let log = "2025-03-14 INFO export started\nname,street\nAda Lovelace,Baker Street\n";
    assert_eq!(tag(log), log);
}

#[test]
fn finding_and_redacting_agree_on_exports() {
    let export = "Order\tFull Name\tPhone\n702-1181\tLena Fischer\t555 0143\n";
    let found: Vec<_> = Detector::new()
        .find(export)
        .iter()
        .map(|f| (f.kind(), &export[f.bytes()]))
        .collect();
    // The header's `Phone` labels its column, not the order number that
    // starts the next line.
    assert_eq!(
        found,
        [
            (DetectedKind::Person, "Lena Fischer"),
            (DetectedKind::Phone, "555 0143")
        ]
    );
    assert_eq!(
        tag(export),
        "Order\tFull Name\tPhone\n702-1181\t[PERSON]\t[PHONE]\n"
    );
    let mut events = Vec::new();
    Detector::new()
        .scan_reader(export.as_bytes(), |event| {
            if let ScanEvent::Finding { line, finding } = event {
                events.push((line, finding.kind(), finding.bytes()));
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        events,
        [
            (1, DetectedKind::Person, 9..21),
            (1, DetectedKind::Phone, 22..30)
        ]
    );
}

#[test]
fn the_key_set_and_the_kinds_decide_the_columns() {
    let export = "consignee,street\nAda Lovelace,Baker Street\n";
    let keys = FieldKeys::empty().with("consignee", DetectedKind::Person);
    let detector = Detector::builder()
        .field_keys(keys)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<_> = detector.find(export).iter().map(|f| f.kind()).collect();
    assert_eq!(found, [DetectedKind::Person]);
    let no_keys = Detector::builder()
        .field_keys(FieldKeys::empty())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(no_keys.find(export).is_empty());
    let no_persons = Detector::builder()
        .without(DetectedKind::Person)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<_> = no_persons.find(export).iter().map(|f| f.kind()).collect();
    assert_eq!(found, [DetectedKind::Address]);
}

#[test]
fn a_long_export_on_several_threads_gives_the_output_of_one() {
    // Many blocks of 128 KiB: the rows of later blocks need the header that
    // only the first block holds.
    let mut export = String::from("id,name,street,phone\n");
    for i in 0..60_000 {
        export.push_str(&format!("{i},Ada Lovelace {i},{i} Baker Street,\n"));
    }
    let redactor = tagger();
    let mut one = Vec::new();
    redactor
        .redact_stream(export.as_bytes(), &mut one)
        .unwrap_or_else(|e| panic!("{e}"));
    for n in [2, 3] {
        let mut many = Vec::new();
        let threads = NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        redactor
            .redact_parallel(export.as_bytes(), &mut many, threads)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(many == one, "{n} threads");
    }
    let out = String::from_utf8(one).unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.contains("Lovelace") && !out.contains("Baker"));
    assert_eq!(out.matches("[PERSON],[ADDRESS]").count(), 60_000);
}

#[test]
fn hostile_exports_neither_panic_nor_stall() {
    let header = "name,".repeat(5_000) + "street";
    let rows = [
        "\"".repeat(20_000),
        ",".repeat(20_000),
        "\"a\"\"".repeat(5_000),
        "x,".repeat(5_000) + "y",
        "555 0143,".repeat(5_000) + "z",
    ];
    // Every value of a phone column is scanned again behind its header.
    let phones = "phone,".repeat(5_000) + "note";
    for row in &rows {
        for header in [&header, &phones] {
            let text = format!("{header}\n{row}\n");
            let _ = Detector::new().find(&text);
            let _ = tag(&text);
        }
    }
    let out = tag(&format!("{phones}\n{}\n", rows[4]));
    assert_eq!(out.matches("[PHONE]").count(), 5_000);
    // The row of 5,001 fields is one: every value is tagged.
    let row = "x,".repeat(5_000) + "y";
    let out = tag(&format!("{header}\n{row}\n"));
    assert_eq!(out.matches("[PERSON]").count(), 5_000);
    assert!(out.ends_with(",[ADDRESS]\n"));
}

/// A CSV field as an export writes it: quoted when it holds the
/// delimiter, a quote or leading spaces.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

proptest! {
    /// Whatever the names and streets, no row keeps them, every row keeps
    /// its other fields and its shape, and the header stays as it is.
    /// (Without `x`: a value with `xxx` in it is taken as masked already.)
    #[test]
    fn no_personal_value_survives_in_any_row(
        rows in prop::collection::vec(
            ("[A-Z][a-wyz]{3,8}( [A-Z][a-wyz'\"-]{3,10}){0,2}", "[0-9]{1,3} [A-Z][a-wyz]{4,9}( Street| Road|, Flat [0-9])"),
            1..20,
        ),
    ) {
        let mut export = String::from("order_id,recipient_name,shipping_address,status\n");
        for (i, (name, street)) in rows.iter().enumerate() {
            export.push_str(&format!("A-{i},{},{},shipped\n", csv_field(name), csv_field(street)));
        }
        let out = tag(&export);
        let mut lines = out.lines();
        prop_assert_eq!(lines.next(), Some("order_id,recipient_name,shipping_address,status"));
        for (i, line) in lines.enumerate() {
            let want = format!("A-{i},[PERSON],[ADDRESS],shipped");
            let quoted = format!("A-{i},[PERSON],\"[ADDRESS]\",shipped");
            let both = format!("A-{i},\"[PERSON]\",\"[ADDRESS]\",shipped");
            let name_quoted = format!("A-{i},\"[PERSON]\",[ADDRESS],shipped");
            prop_assert!([want, quoted, both, name_quoted].contains(&line.to_owned()), "{}", line);
        }
    }
}
