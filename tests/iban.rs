//! `Iban` against the SWIFT IBAN registry's example of every country, their
//! mutations, and schwifty's verdicts on national check digits
//! (`tests/vectors/iban/national.tsv`, written by `generate.py` beside it).

use custodian::pii::{Iban, Reason};
use custodian::validate::bban_format;

/// The registry's example IBAN of each of its 89 countries. The registry's
/// examples for NI, RU and ST carry wrong check digits; theirs are
/// recomputed here for the registry's BBAN.
const REGISTRY: [&str; 89] = [
    "AD1200012030200359100100",
    "AE070331234567890123456",
    "AL47212110090000000235698741",
    "AT611904300234573201",
    "AZ21NABZ00000000137010001944",
    "BA391290079401028494",
    "BE68539007547034",
    "BG80BNBG96611020345678",
    "BH67BMAG00001299123456",
    "BI4210000100010000332045181",
    "BR1800360305000010009795493C1",
    "BY13NBRB3600900000002Z00AB00",
    "CH9300762011623852957",
    "CR05015202001026284066",
    "CY17002001280000001200527600",
    "CZ6508000000192000145399",
    "DE89370400440532013000",
    "DJ2100010000000154000100186",
    "DK5000400440116243",
    "DO28BAGR00000001212453611324",
    "EE382200221020145685",
    "EG380019000500000000263180002",
    "ES9121000418450200051332",
    "FI2112345600000785",
    "FK88SC123456789012",
    "FO6264600001631634",
    "FR1420041010050500013M02606",
    "GB29NWBK60161331926819",
    "GE29NB0000000101904917",
    "GI75NWBK000000007099453",
    "GL8964710001000206",
    "GR1601101250000000012300695",
    "GT82TRAJ01020000001210029690",
    "HN88CABF00000000000250005469",
    "HR1210010051863000160",
    "HU42117730161111101800000000",
    "IE29AIBK93115212345678",
    "IL620108000000099999999",
    "IQ98NBIQ850123456789012",
    "IS140159260076545510730339",
    "IT60X0542811101000000123456",
    "JO94CBJO0010000000000131000302",
    "KW81CBKU0000000000001234560101",
    "KZ86125KZT5004100100",
    "LB62099900000001001901229114",
    "LC55HEMM000100010012001200023015",
    "LI21088100002324013AA",
    "LT121000011101001000",
    "LU280019400644750000",
    "LV80BANK0000435195001",
    "LY83002048000020100120361",
    "MC5811222000010123456789030",
    "MD24AG000225100013104168",
    "ME25505000012345678951",
    "MK07250120000058984",
    "MN121234123456789123",
    "MR1300020001010000123456753",
    "MT84MALT011000012345MTLCAST001S",
    "MU17BOMM0101101030300200000MUR",
    "NI45BAPR00000013000003558124",
    "NL91ABNA0417164300",
    "NO9386011117947",
    "OM810180000001299123456",
    "PK36SCBL0000001123456702",
    "PL61109010140000071219812874",
    "PS92PALS000000000400123456702",
    "PT50000201231234567890154",
    "QA58DOHB00001234567890ABCDEFG",
    "RO49AAAA1B31007593840000",
    "RS35260005601001611379",
    "RU0304452522540817810538091310419",
    "SA0380000000608010167519",
    "SC18SSCB11010000000000001497USD",
    "SD2129010501234001",
    "SE4550000000058398257466",
    "SI56263300012039086",
    "SK3112000000198742637541",
    "SM86U0322509800000000270100",
    "SO211000001001000100141",
    "ST32000200010192194210112",
    "SV62CENR00000000000000700025",
    "TL380080012345678910157",
    "TN5910006035183598478831",
    "TR330006100519786457841326",
    "UA213223130000026007233566001",
    "VA59001123000012345678",
    "VG96VPVG0000012345678901",
    "XK051212012345678906",
    "YE15CBYE0001018861234567891234",
];

const NATIONAL: &str = include_str!("vectors/iban/national.tsv");

fn reason(input: &str) -> Reason {
    Iban::parse(input)
        .map(|i| i.expose().to_owned())
        .expect_err(input)
        .reason()
}

/// The IBAN for `country` and `bban` with check digits computed by the
/// ISO 13616 rule, independently of the crate: 98 minus the remainder of
/// BBAN, country and `00` (letters as 10..35) modulo 97.
fn with_check_digits(country: &str, bban: &str) -> String {
    let rem = bban
        .chars()
        .chain(country.chars())
        .chain("00".chars())
        .fold(0_u32, |rem, c| {
            let v = c.to_digit(36).expect("alphanumeric");
            if v < 10 {
                (rem * 10 + v) % 97
            } else {
                (rem * 100 + v) % 97
            }
        });
    format!("{country}{:02}{bban}", 98 - rem)
}

/// The class (`n`, `a`, `c`) of each BBAN position, read from the
/// registry notation.
fn classes(country: &str) -> Vec<u8> {
    let format = bban_format([country.as_bytes()[0], country.as_bytes()[1]]).expect("registry");
    let mut out = Vec::new();
    let mut count = 0;
    for b in format.bytes() {
        match b {
            b'0'..=b'9' => count = count * 10 + usize::from(b - b'0'),
            b'!' => {}
            class => {
                out.extend(std::iter::repeat_n(class, count));
                count = 0;
            }
        }
    }
    out
}

fn print_form(iban: &str) -> String {
    let groups: Vec<&str> = iban
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    groups.join(" ")
}

#[test]
fn every_registry_country_has_an_example_that_parses_in_every_form() {
    let mut registry = Vec::new();
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            if bban_format([a, b]).is_some() {
                registry.push(format!("{}{}", a as char, b as char));
            }
        }
    }
    let examples: Vec<&str> = REGISTRY.iter().map(|e| &e[..2]).collect();
    assert_eq!(registry, examples);
    for example in REGISTRY {
        assert_eq!(with_check_digits(&example[..2], &example[4..]), example);
        for form in [
            example.to_owned(),
            print_form(example),
            print_form(example).to_lowercase(),
        ] {
            let iban = Iban::parse(&form).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(iban.expose(), example);
        }
    }
}

#[test]
fn every_single_substitution_is_caught() {
    for example in REGISTRY {
        let classes = classes(&example[..2]);
        for (at, class) in classes.iter().enumerate() {
            let mut bytes = example.as_bytes().to_vec();
            let old = bytes[4 + at];
            bytes[4 + at] = match (class, old) {
                (b'n', b'9') | (_, b'9') if old.is_ascii_digit() => b'0',
                (_, d) if d.is_ascii_digit() => d + 1,
                (_, b'Z') => b'A',
                (_, l) => l + 1,
            };
            let mutated = String::from_utf8(bytes).expect("ascii");
            assert!(Iban::parse(&mutated).is_err(), "{mutated}");
        }
    }
}

#[test]
fn lengths_check_digits_and_structure_are_checked() {
    for example in REGISTRY {
        let (country, bban) = (&example[..2], &example[4..]);
        let short = &example[..example.len() - 1];
        assert!(
            matches!(reason(short), Reason::WrongLength { .. }),
            "{short}"
        );
        let long = format!("{example}0");
        assert!(
            matches!(reason(&long), Reason::WrongLength { .. }),
            "{long}"
        );
        for digits in ["00", "01", "99"] {
            let bad = format!("{country}{digits}{bban}");
            assert_eq!(
                reason(&bad),
                Reason::MalformedPart {
                    part: "check digits"
                },
                "{bad}"
            );
        }
        // A letter where a digit goes (or the reverse), with check digits
        // that make the mod-97 check pass: only the structure catches it.
        let classes = classes(country);
        if let Some(at) = classes.iter().position(|c| *c != b'c') {
            let mut wrong = bban.as_bytes().to_vec();
            wrong[at] = if classes[at] == b'n' { b'K' } else { b'7' };
            let wrong = with_check_digits(country, std::str::from_utf8(&wrong).expect("ascii"));
            assert_eq!(
                reason(&wrong),
                Reason::InvalidCharacter { position: 4 + at },
                "{wrong}"
            );
            // Positions count characters of the input, spaces included.
            let printed = print_form(&wrong);
            assert_eq!(
                reason(&printed),
                Reason::InvalidCharacter {
                    position: (4 + at) + (4 + at) / 4
                },
                "{printed}"
            );
        }
    }
}

#[test]
fn national_check_digits_agree_with_schwifty() {
    let mut rows = 0;
    for line in NATIONAL.lines() {
        let (iban, verdict) = line.split_once('\t').expect("two columns");
        let got = match Iban::parse(iban) {
            Ok(_) => "valid",
            Err(e) => {
                assert_eq!(
                    e.reason(),
                    Reason::MalformedPart {
                        part: "national check digits"
                    },
                    "{iban}"
                );
                "invalid"
            }
        };
        assert_eq!(got, verdict, "{iban}");
        rows += 1;
    }
    assert!(rows >= 1_000, "{rows}");
}

#[test]
fn each_national_check_catches_a_changed_check_digit() {
    // Country, and where its national check digit stands in the BBAN.
    for (country, at) in [
        ("BE", 11),
        ("ES", 9),
        ("FI", 13),
        ("FR", 22),
        ("IT", 0),
        ("MC", 22),
        ("NO", 10),
        ("PL", 7),
        ("PT", 20),
        ("SM", 0),
    ] {
        let example = REGISTRY
            .iter()
            .find(|e| e.starts_with(country))
            .expect("example");
        let mut bban = example.as_bytes()[4..].to_vec();
        bban[at] = match bban[at] {
            b'9' => b'0',
            b'Z' => b'A',
            c => c + 1,
        };
        let changed = with_check_digits(country, std::str::from_utf8(&bban).expect("ascii"));
        assert_eq!(
            reason(&changed),
            Reason::MalformedPart {
                part: "national check digits"
            },
            "{changed}"
        );
    }
}

#[test]
fn single_spaces_anywhere_are_accepted_other_separators_refused() {
    assert!(Iban::parse("DE89 370400440532013000").is_ok());
    assert!(Iban::parse("D E 8 9 3 7 0 4 0 0 4 4 0 5 3 2 0 1 3 0 0 0").is_ok());
    assert!(Iban::parse("  DE89 3704 0044 0532 0130 00\n").is_ok());
    for (input, position) in [
        ("DE89  3704 0044 0532 0130 00", 5),
        ("DE89-3704-0044-0532-0130-00", 4),
        ("DE89.3704.0044.0532.0130.00", 4),
        ("DE89\t3704 0044 0532 0130 00", 4),
        ("DE89\u{a0}3704 0044 0532 0130 00", 4),
        ("DE89/3704/0044/0532/0130/00", 4),
    ] {
        assert_eq!(
            reason(input),
            Reason::InvalidCharacter { position },
            "{input:?}"
        );
    }
}
