use super::*;

fn region(code: &str) -> CountryCode {
    CountryCode::parse(code).expect("assigned code")
}

fn e164_in(input: &str, code: &str) -> String {
    Phone::parse_in(input, region(code))
        .unwrap_or_else(|e| panic!("{input} in {code}: {e}"))
        .expose()
        .to_owned()
}

fn reason_in(input: &str, code: &str) -> Reason {
    Phone::parse_in(input, region(code))
        .map(|p| p.expose().to_owned())
        .expect_err(input)
        .reason()
}

#[test]
fn normalizes_trunk_prefixes_as_the_plan_says() {
    // Italy keeps its leading 0; Russia's trunk prefix is 8, Hungary's 06.
    assert_eq!(e164_in("06 4567 8901", "IT"), "+390645678901");
    assert_eq!(e164_in("8 (912) 345-67-89", "RU"), "+79123456789");
    assert_eq!(e164_in("06 1 234 5678", "HU"), "+3612345678");
    assert_eq!(e164_in("(030) 1234-5678", "DE"), "+493012345678");
    assert_eq!(e164_in("1 (415) 555-2671", "US"), "+14155552671");
    // An 8 that belongs to the number is not a trunk prefix (+7 800 is
    // Russia's toll-free range).
    assert_eq!(e164_in("+7 800 555 35 35", "GB"), "+78005553535");
}

#[test]
fn reads_international_prefixes_of_the_region() {
    assert_eq!(e164_in("0049-30-1234-5678", "DE"), "+493012345678");
    assert_eq!(e164_in("011 44 20 7946 0958", "US"), "+442079460958");
    assert_eq!(e164_in("810 49 30 12345678", "RU"), "+493012345678");
    assert_eq!(e164_in("+44 (0)20 7946 0958", "DE"), "+442079460958");
    // Without a region, only + is an international prefix.
    assert_eq!(
        Phone::parse("0049 30 1234 5678")
            .map_err(|e| e.reason())
            .err(),
        Some(Reason::MissingCountryCode)
    );
}

#[test]
fn a_national_number_is_read_in_its_region_only() {
    // A valid London number is not a German number.
    assert_eq!(reason_in("020 7946 0958", "DE"), Reason::NotInNumberingPlan);
    // A seven-digit local number needs its area code.
    assert_eq!(
        reason_in("555-2671", "US"),
        Reason::TooShort {
            min: 10,
            unit: "digits"
        }
    );
    assert_eq!(
        Phone::parse("+44 20 7946 09581")
            .map_err(|e| e.reason())
            .err(),
        Some(Reason::TooLong {
            max: 10,
            unit: "digits"
        })
    );
}

#[test]
fn exposes_region_and_type() {
    let toronto = Phone::parse_in("416 555 0123", region("US")).expect("valid");
    assert_eq!(toronto.region(), Some(region("CA")));
    assert_eq!(toronto.number_type(), PhoneType::FixedLineOrMobile);
    let guernsey = Phone::parse("+44 7781 123456").expect("valid");
    assert_eq!(guernsey.region(), Some(region("GG")));
    assert_eq!(guernsey.number_type(), PhoneType::Mobile);
    let freephone = Phone::parse("+800 1234 5678").expect("valid");
    assert_eq!(freephone.region(), None);
    assert_eq!(freephone.number_type(), PhoneType::TollFree);
    let kosovo = Phone::parse("+383 44 123 456").expect("valid");
    assert_eq!(kosovo.region(), None);
}

#[test]
fn parse_national_reads_in_the_main_region_of_the_code() {
    let gb = CallingCode::new(44).expect("assigned");
    let p = Phone::parse_national("07781 123456", gb).expect("valid");
    assert_eq!(p.expose(), "+447781123456");
    assert_eq!(p.region(), Some(region("GG")));
    let freephone = CallingCode::new(800).expect("assigned");
    assert_eq!(
        Phone::parse_national("1234 5678", freephone)
            .map_err(|e| e.reason())
            .err(),
        Some(Reason::UnknownCountry)
    );
    // A + number needs no region at all.
    assert!(Phone::parse_national("+49 30 1234 5678", freephone).is_ok());
}

#[test]
fn refuses_letters_extensions_and_other_characters_before_parsing() {
    for (input, position) in [
        ("1-800-FLOWERS", 6),
        ("+49 30 CALL NOW", 7),
        ("030 1234 5678 ext 9", 14),
        ("030 1234 5678 x9", 14),
        ("030 1234 5678#9", 13),
        ("030 1234 5678,9", 13),
        ("+49 ٣٠ 12345678", 4),
        ("+49 ３０ 12345678", 4),
        ("030\t1234 5678", 3),
        ("030+12345678", 3),
        ("+ +49 30 12345678", 2),
    ] {
        assert_eq!(
            reason_in(input, "DE"),
            Reason::InvalidCharacter { position },
            "{input}"
        );
    }
    // As in libphonenumber: leading pluses may repeat, a trailing one is cut
    // off, punctuation may come before the +, a no-break space separates.
    for input in [
        "++49 30 12345678",
        "+49 30 12345678 +",
        "(+49) 30 12345678",
        "+49\u{a0}30\u{a0}12345678",
    ] {
        assert_eq!(e164_in(input, "DE"), "+493012345678", "{input}");
    }
}

#[test]
fn rejects_empty_short_long_and_unknown_input() {
    assert_eq!(reason_in("", "DE"), Reason::Empty);
    assert_eq!(reason_in("  ", "DE"), Reason::Empty);
    assert_eq!(
        reason_in("12", "DE"),
        Reason::TooShort {
            min: 3,
            unit: "digits"
        }
    );
    assert!(matches!(
        reason_in(&"1".repeat(65), "DE"),
        Reason::TooLong { max: 64, .. }
    ));
    assert_eq!(
        reason_in("+0 30 12345678", "DE"),
        Reason::MalformedPart {
            part: "country calling code"
        }
    );
    assert_eq!(
        reason_in("+28 30 12345678", "DE"),
        Reason::MalformedPart {
            part: "country calling code"
        }
    );
    // Antarctica is an ISO 3166 country without a numbering plan.
    assert_eq!(reason_in("030 12345678", "AQ"), Reason::UnknownCountry);
    assert!(Phone::parse_in("+49 30 12345678", region("AQ")).is_ok());
}

#[test]
fn round_trips_through_its_canonical_form() {
    use crate::pii::private::Sealed;
    let p = Phone::parse_in("06 4567 8901", region("IT")).expect("valid");
    let back = p.with_canonical(Phone::from_canonical).expect("round trip");
    assert_eq!(back, p);
    assert_eq!(back.region(), p.region());
    assert_eq!(back.number_type(), p.number_type());
}

#[test]
fn every_example_number_of_the_metadata_is_valid_in_both_forms() {
    let examples = plan::examples();
    assert!(examples.len() > 1_000, "{}", examples.len());
    for (id, code, national) in examples {
        let e164 = format!("+{code}{national}");
        let intl = Phone::parse(&e164).unwrap_or_else(|e| panic!("{id} {e164}: {e}"));
        assert_eq!(intl.expose(), e164);
        // (Its region may be another one sharing the code: NANP personal
        // numbers belong to US; the vectors check regions.)
        if let Ok(country) = CountryCode::parse(id) {
            // The national significant number, read in its region.
            let national = Phone::parse_in(national, country)
                .unwrap_or_else(|e| panic!("{id} {national}: {e}"));
            assert_eq!(national.expose(), e164, "{id}");
        }
    }
}

#[test]
fn masks_all_but_the_last_four_digits() {
    let p = Phone::parse("+49 30 1234 5678").expect("valid");
    assert_eq!(p.to_string(), "+•••5678");
    assert_eq!(format!("{p:?}"), "Phone(+•••5678)");
}
