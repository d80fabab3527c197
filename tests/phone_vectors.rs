//! `Phone` against libphonenumber itself: every row of
//! `tests/vectors/phone/libphonenumber.tsv` (written by `generate.py` beside
//! it from libphonenumber's Python port at the crate's metadata version)
//! holds an input, the region it is read in, and libphonenumber's verdict:
//! the E.164 form, the region and the type of a valid number, `invalid`, or
//! `refused` where the crate refuses the input's characters before parsing.

use custodian::pii::{CallingCode, CountryCode, Phone, PhoneType, Reason};

const VECTORS: &str = include_str!("vectors/phone/libphonenumber.tsv");

struct Row<'a> {
    line: usize,
    region: &'a str,
    input: &'a str,
    form: &'a str,
    expected: &'a str,
    number_region: &'a str,
    kind: &'a str,
}

fn rows() -> impl Iterator<Item = Row<'static>> {
    VECTORS.lines().enumerate().map(|(i, line)| {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "line {}", i + 1);
        Row {
            line: i + 1,
            region: f[0],
            input: f[1],
            form: f[2],
            expected: f[3],
            number_region: f[4],
            kind: f[5],
        }
    })
}

/// libphonenumber's own names for the types.
fn type_name(kind: PhoneType) -> &'static str {
    match kind {
        PhoneType::FixedLine => "FIXED_LINE",
        PhoneType::Mobile => "MOBILE",
        PhoneType::FixedLineOrMobile => "FIXED_LINE_OR_MOBILE",
        PhoneType::TollFree => "TOLL_FREE",
        PhoneType::PremiumRate => "PREMIUM_RATE",
        PhoneType::SharedCost => "SHARED_COST",
        PhoneType::Voip => "VOIP",
        PhoneType::PersonalNumber => "PERSONAL_NUMBER",
        PhoneType::Pager => "PAGER",
        PhoneType::Uan => "UAN",
        PhoneType::Voicemail => "VOICEMAIL",
        _ => "UNKNOWN",
    }
}

/// Reads a row's input the way a host would: in its region when that is an
/// ISO 3166 code, else (libphonenumber's AC, TA, XK) through the calling
/// code of the region, which shares its dialling rules.
fn read(row: &Row<'_>) -> Result<Phone, custodian::pii::PiiError> {
    match row.region {
        "-" => Phone::parse(row.input),
        region => match CountryCode::parse(region) {
            Ok(code) => Phone::parse_in(row.input, code),
            Err(_) => {
                let code = match region {
                    "AC" => 247,
                    "TA" => 290,
                    "XK" => 383,
                    other => panic!("line {}: region {other}", row.line),
                };
                Phone::parse_national(row.input, CallingCode::new(code).expect("assigned"))
            }
        },
    }
}

#[test]
fn agrees_with_libphonenumber_on_every_vector() {
    let mut disagreements = Vec::new();
    let mut counted = 0;
    for row in rows() {
        counted += 1;
        let got = match read(&row) {
            Ok(phone) => format!(
                "{}\t{}\t{}",
                phone.expose(),
                phone.region().map_or("-", |r| r.as_str()),
                type_name(phone.number_type())
            ),
            Err(e) if e.reason() == (Reason::InvalidCharacter { position: 0 }) => "refused".into(),
            Err(e) if matches!(e.reason(), Reason::InvalidCharacter { .. }) => "refused".into(),
            Err(_) => "invalid".into(),
        };
        let want = match row.expected {
            "invalid" | "refused" => row.expected.to_owned(),
            e164 => {
                // The crate has no region for libphonenumber's non-ISO ids.
                let region = match row.number_region {
                    "001" | "AC" | "TA" | "XK" => "-",
                    r => r,
                };
                format!("{e164}\t{region}\t{}", row.kind)
            }
        };
        if got != want {
            disagreements.push(format!(
                "line {} ({}, {}): {:?} read in {}: want {want:?}, got {got:?}",
                row.line, row.form, row.region, row.input, row.region
            ));
        }
    }
    assert!(counted > 10_000, "{counted} rows");
    assert!(
        disagreements.is_empty(),
        "{} of {counted} disagree:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(40)].join("\n")
    );
}
