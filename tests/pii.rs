//! Properties every PII kind keeps, checked on generated values through the
//! public API only: masks never show more than their rule allows, parsing
//! the exposed value gives the same value back, and no input panics or is
//! echoed by an error.

use proptest::prelude::*;

use custodian::pii::{
    CardNumber, CountryCode, DateOfBirth, Email, Iban, IdScheme, IpAddress, NationalId, PersonName,
    Phone, PhoneType, PostalAddress, Reason,
};

/// The check digit that makes `payload` Luhn-valid.
fn luhn_digit(payload: &str) -> char {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][d as usize]
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A German IBAN with correct check digits for `bban` (18 digits).
fn german_iban(bban: &str) -> String {
    // Check digits = 98 - (BBAN ‖ "DE00" as digits) mod 97, per ISO 13616.
    let rearranged = format!("{bban}131400");
    let rem = rearranged
        .bytes()
        .fold(0_u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

/// Digits after the `+` of numbers valid in their plans (checked against
/// libphonenumber): French and Italian mobiles, Berlin and three US area
/// codes.
fn valid_phone_digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "336[0-24-8][0-9]{7}",
        "393[1-9][0-9]{8}",
        "4930[1-9][0-9]{7}",
        "1(212|415|646)[2-9][0-9]{6}",
    ]
}

fn digits_in(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

proptest! {
    #[test]
    fn email_mask_shows_first_char_and_domain_only(
        local in "[a-z0-9]{2,12}(\\.[a-z0-9]{1,8})?",
        domain in "[a-z]{2,10}\\.(com|org|de|co\\.uk)",
    ) {
        let email = Email::parse(&format!("{local}@{domain}")).unwrap();
        let shown = email.to_string();
        prop_assert_eq!(&shown, &format!("{}•••@{domain}", &local[..1]));
        // The domain is shown by design and may contain the local part
        // (`dq@dq.com`), so only the masked local part is checked for it.
        let debug = format!("{email:?}");
        prop_assert_eq!(&debug, &format!("Email({shown})"));
        let (masked_local, _) = shown.split_once('@').unwrap();
        prop_assert!(!masked_local.contains(&local));
        prop_assert_eq!(Email::parse(email.expose()).unwrap(), email);
    }

    #[test]
    fn phone_mask_shows_at_most_four_digits(digits in valid_phone_digits()) {
        let phone = Phone::parse(&format!("+{digits}")).unwrap();
        for shown in [phone.to_string(), format!("{phone:?}")] {
            prop_assert_eq!(digits_in(&shown), 4);
            let last4 = &digits[digits.len() - 4..];
            prop_assert!(shown.contains(last4));
        }
        prop_assert_eq!(Phone::parse(phone.expose()).unwrap(), phone);
    }

    #[test]
    fn phone_separators_do_not_change_the_number(
        digits in valid_phone_digits(),
        cuts in prop::collection::vec((0_usize..16, prop::sample::select(vec![" ", "-", ".", "/", "(", ")", "\u{a0}"])), 0..6),
    ) {
        let plain = Phone::parse(&format!("+{digits}")).unwrap();
        let mut written = digits.clone();
        // Separators go between digits, after the first (a `(` before the
        // calling code would still be fine, but keep the + in front).
        for (at, sep) in cuts {
            let at = 1 + at % digits.len();
            if written.is_char_boundary(at) {
                written.insert_str(at, sep);
            }
        }
        let phone = Phone::parse(&format!("+{written}")).unwrap();
        prop_assert_eq!(phone.expose(), plain.expose());
    }

    #[test]
    fn phone_with_a_letter_is_refused(digits in valid_phone_digits(), at in 0_usize..16, letter in "[a-zA-Z]") {
        let mut written = digits.clone();
        written.insert_str(1 + at % digits.len(), &letter);
        let reason = Phone::parse(&format!("+{written}")).unwrap_err().reason();
        prop_assert!(matches!(reason, Reason::InvalidCharacter { .. }), "{:?}", reason);
    }

    #[test]
    fn french_national_and_international_forms_agree(nsn in "6[0-24-8][0-9]{7}") {
        let fr = CountryCode::parse("FR").unwrap();
        let national = Phone::parse_in(&format!("0{nsn}"), fr).unwrap();
        prop_assert_eq!(national.expose(), format!("+33{nsn}"));
        prop_assert_eq!(national.region(), Some(fr));
        prop_assert_eq!(national.number_type(), PhoneType::Mobile);
    }

    #[test]
    fn card_mask_shows_brand_and_last_four(payload in "4[0-9]{14}", grouped in any::<bool>()) {
        let pan = format!("{payload}{}", luhn_digit(&payload));
        let input = if grouped {
            pan.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ")
        } else {
            pan.clone()
        };
        let card = CardNumber::parse(&input).unwrap();
        prop_assert_eq!(card.to_string(), format!("Visa •••• {}", &pan[12..]));
        let debug = format!("{card:?}");
        prop_assert_eq!(digits_in(&debug), 4);
        prop_assert_eq!(CardNumber::parse(card.expose()).unwrap(), card);
    }

    #[test]
    fn a_changed_digit_fails_the_luhn_check(payload in "4[0-9]{14}", at in 0_usize..16, delta in 1_u8..10) {
        let mut pan = format!("{payload}{}", luhn_digit(&payload)).into_bytes();
        pan[at] = b'0' + (pan[at] - b'0' + delta) % 10;
        let pan = String::from_utf8(pan).unwrap();
        // Luhn detects every single-digit error.
        prop_assert!(CardNumber::parse(&pan).is_err());
    }

    #[test]
    fn iban_mask_shows_country_and_last_four(bban in "[0-9]{18}") {
        let iban = Iban::parse(&german_iban(&bban)).unwrap();
        prop_assert_eq!(iban.to_string(), format!("DE•••{}", &bban[14..]));
        prop_assert_eq!(Iban::parse(iban.expose()).unwrap(), iban);
    }

    #[test]
    fn name_mask_shows_initials_only(words in prop::collection::vec("[A-Z][a-z]{2,10}", 1..4)) {
        let name = PersonName::parse(&words.join(" ")).unwrap();
        let shown = name.to_string();
        let visible: String = shown.chars().filter(|c| *c != '•' && *c != ' ').collect();
        let last = words.last().unwrap();
        let initials = if words.len() == 1 { words[0][..1].to_owned() } else { format!("{}{}", &words[0][..1], &last[..1]) };
        prop_assert_eq!(visible, initials);
        prop_assert_eq!(PersonName::parse(name.expose()).unwrap(), name);
    }

    #[test]
    fn address_mask_hides_street_and_postal_code(
        street in "[A-Z][a-z]{5,12} [0-9]{1,3}",
        code in "[0-9]{5}",
        city in "[A-Z][a-z]{3,9}",
    ) {
        let address = PostalAddress::builder().line(&street).postal_code(&code).locality(&city).country("DE").build().unwrap();
        for shown in [address.to_string(), format!("{address:?}")] {
            prop_assert!(!shown.contains(&street));
            prop_assert!(!shown.contains(&code));
            prop_assert!(shown.contains(&city));
        }
    }

    #[test]
    fn ipv4_mask_hides_the_host_octet(o in any::<[u8; 4]>()) {
        let ip = IpAddress::parse(&format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])).unwrap();
        prop_assert_eq!(ip.to_string(), format!("{}.{}.{}.•", o[0], o[1], o[2]));
        prop_assert_eq!(IpAddress::parse(&ip.expose().to_string()).unwrap(), ip);
    }

    #[test]
    fn ipv6_mask_keeps_the_48_bit_prefix(s in any::<[u16; 8]>()) {
        let addr = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
        let ip = IpAddress::parse(&addr.to_string()).unwrap();
        prop_assert_eq!(ip.to_string(), format!("{:x}:{:x}:{:x}:•", s[0], s[1], s[2]));
        prop_assert_eq!(ip.expose(), std::net::IpAddr::V6(addr));
    }

    #[test]
    fn date_of_birth_mask_shows_the_year_only(year in 1900_u16..2025, month in 1_u8..=12, day in 1_u8..=28) {
        let dob = DateOfBirth::parse(&format!("{year:04}-{month:02}-{day:02}")).unwrap();
        prop_assert_eq!(dob.to_string(), format!("{year:04}-••-••"));
        prop_assert_eq!(dob.expose(), (year, month, day));
    }

    #[test]
    fn ssn_mask_shows_at_most_four_digits(area in 1_u16..900, group in 1_u8..100, serial in 1_u16..10_000) {
        prop_assume!(area != 666);
        // The SSA's advertising numbers are refused on purpose.
        prop_assume!(![(78, 5, 1120), (219, 9, 9999), (457, 55, 5462)].contains(&(area, group, serial)));
        let id = NationalId::parse(IdScheme::Ssn, "US", &format!("{area:03}-{group:02}-{serial:04}")).unwrap();
        prop_assert_eq!(id.to_string(), format!("US SSN •••{serial:04}"));
        prop_assert_eq!(NationalId::parse(IdScheme::Ssn, "US", id.expose()).unwrap(), id);
    }

    #[test]
    fn ssn_separators_other_than_the_two_dashes_are_refused(
        digits in "[1-5][0-9]{2}[1-9][0-9][1-9][0-9]{3}",
        at in 1_usize..9,
        sep in prop::sample::select(vec![".", "/", " ", "-", "_", "--"]),
    ) {
        let (a, rest) = digits.split_at(3);
        let (g, s) = rest.split_at(2);
        let mut written = format!("{a}{g}{s}");
        // Inside the number: surrounding whitespace is trimmed.
        written.insert_str(at, sep);
        // Only a single dash after the area or the group is a layout.
        let layout = sep == "-" && (at == 3 || at == 5);
        let parsed = NationalId::parse(IdScheme::Ssn, "US", &written);
        prop_assert_eq!(parsed.is_ok(), layout, "{}", written);
    }

    #[test]
    fn no_parser_panics_or_echoes_its_input(input in "\\PC{12,40}") {
        let errors = [
            Email::parse(&input).err(),
            Phone::parse(&input).err(),
            CardNumber::parse(&input).err(),
            Iban::parse(&input).err(),
            PersonName::parse(&input).err(),
            IpAddress::parse(&input).err(),
            DateOfBirth::parse(&input).err(),
            NationalId::parse(IdScheme::TaxId, "DE", &input).err(),
        ];
        for error in errors.into_iter().flatten() {
            let message = error.to_string();
            prop_assert!(!message.contains(input.trim()), "{message}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in any::<String>()) {
        let _ = Email::parse(&input);
        let _ = Phone::parse(&input);
        let _ = CardNumber::parse(&input);
        let _ = Iban::parse(&input);
        let _ = PersonName::parse(&input);
        let _ = IpAddress::parse(&input);
        let _ = DateOfBirth::parse(&input);
        let _ = NationalId::parse(IdScheme::Nino, "GB", &input);
        let _ = PostalAddress::builder().line(&input).locality(&input).postal_code(&input).country(&input).build();
    }
}

#[test]
fn luhn_helper_matches_published_cards() {
    assert_eq!(luhn_digit("424242424242424"), '2');
    assert_eq!(luhn_digit("555555555555444"), '4');
    assert_eq!(german_iban("370400440532013000"), "DE89370400440532013000");
}
