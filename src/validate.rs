//! Checks behind both the typed values of [`pii`](crate::pii) and the
//! free-text detector of [`redact`](crate::redact): one implementation of
//! each rule, so a card the parser accepts is a card the redactor finds.
//!
//! Each function is a pure check over ASCII bytes with no allocation, so the
//! detector can run them on every candidate. They are public so that host
//! detectors (see [`CustomDetector`](crate::redact::CustomDetector)) can
//! reuse them.
//!
//! | check | used for | rule |
//! |---|---|---|
//! | [`luhn_valid`] | `CREDIT_CARD` | ISO/IEC 7812-1 annex B check digit |
//! | [`card_brand`] | `CREDIT_CARD` | issuer prefix (IIN) and length per brand |
//! | [`iban_valid`] | `IBAN` | per-country length (SWIFT IBAN registry) and ISO 13616 mod-97 |
//! | [`ssn_valid`] | `SSN` | SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000 |
//! | [`date_valid`] | `DOB` | a real Gregorian calendar date in 1880..=2099 |
//! | [`ipv4_valid`] / [`ipv6_valid`] | `IP_ADDRESS` | dotted quad without leading zeros; RFC 4291 text forms |
//! | [`calling_code`] | `PHONE` | ITU-T E.164 country calling codes |

use core::net::{Ipv4Addr, Ipv6Addr};
use core::str::FromStr;

use crate::pii::CardBrand;

/// Whether `digits` (ASCII digits only) passes the Luhn check.
///
/// Returns `false` for an empty input or any byte that is not an ASCII
/// digit.
///
/// ```
/// use custodian::validate::luhn_valid;
///
/// assert!(luhn_valid(b"4242424242424242"));
/// assert!(!luhn_valid(b"4242424242424241"));
/// ```
pub fn luhn_valid(digits: &[u8]) -> bool {
    // Every second digit from the right is doubled; a two-digit result
    // contributes the sum of its digits. Pairs from the right: the first of
    // each pair is the doubled one.
    const DOUBLED: [u8; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    if digits.is_empty() {
        return false;
    }
    let value = |b: u8| {
        let d = b.wrapping_sub(b'0');
        (d <= 9).then_some(d)
    };
    let mut sum = 0u32;
    let mut pairs = digits.rchunks_exact(2);
    for pair in &mut pairs {
        let (Some(doubled), Some(plain)) = (value(pair[0]), value(pair[1])) else {
            return false;
        };
        sum += u32::from(DOUBLED[usize::from(doubled)]) + u32::from(plain);
    }
    if let [first] = pairs.remainder() {
        let Some(plain) = value(*first) else {
            return false;
        };
        sum += u32::from(plain);
    }
    sum % 10 == 0
}

/// One issuer range: numbers whose first `digits` digits lie in `low..=high`
/// and whose length is in the `lengths` bit set (bit n = n digits allowed).
struct Range {
    brand: CardBrand,
    digits: usize,
    low: u32,
    high: u32,
    lengths: u32,
}

const fn lengths(min: u32, max: u32) -> u32 {
    (u32::MAX >> (31 - max)) & !((1 << min) - 1)
}

/// Issuer ranges, most specific first: the first match wins, so the
/// 4-digit Maestro and Discover ranges come before the 2-digit ranges that
/// contain them. Sources: the schemes' published BIN ranges.
const RANGES: &[Range] = &[
    Range {
        brand: CardBrand::Amex,
        digits: 2,
        low: 34,
        high: 34,
        lengths: 1 << 15,
    },
    Range {
        brand: CardBrand::Amex,
        digits: 2,
        low: 37,
        high: 37,
        lengths: 1 << 15,
    },
    Range {
        brand: CardBrand::Diners,
        digits: 3,
        low: 300,
        high: 305,
        lengths: lengths(14, 19),
    },
    Range {
        brand: CardBrand::Diners,
        digits: 4,
        low: 3095,
        high: 3095,
        lengths: lengths(14, 19),
    },
    Range {
        brand: CardBrand::Diners,
        digits: 2,
        low: 36,
        high: 36,
        lengths: lengths(14, 19),
    },
    Range {
        brand: CardBrand::Diners,
        digits: 2,
        low: 38,
        high: 39,
        lengths: lengths(14, 19),
    },
    Range {
        brand: CardBrand::Jcb,
        digits: 4,
        low: 3528,
        high: 3589,
        lengths: lengths(16, 19),
    },
    // JCB's legacy ranges: 15-digit numbers from 1800 and 2131.
    Range {
        brand: CardBrand::Jcb,
        digits: 4,
        low: 1800,
        high: 1800,
        lengths: 1 << 15,
    },
    Range {
        brand: CardBrand::Jcb,
        digits: 4,
        low: 2131,
        high: 2131,
        lengths: 1 << 15,
    },
    Range {
        brand: CardBrand::Visa,
        digits: 1,
        low: 4,
        high: 4,
        lengths: 1 << 13 | 1 << 16 | 1 << 19,
    },
    Range {
        brand: CardBrand::Mir,
        digits: 4,
        low: 2200,
        high: 2204,
        lengths: lengths(16, 19),
    },
    Range {
        brand: CardBrand::Mastercard,
        digits: 4,
        low: 2221,
        high: 2720,
        lengths: 1 << 16,
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 4,
        low: 5018,
        high: 5018,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 4,
        low: 5020,
        high: 5020,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 4,
        low: 5038,
        high: 5038,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 4,
        low: 5893,
        high: 5893,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 4,
        low: 6304,
        high: 6304,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 4,
        low: 6759,
        high: 6759,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 4,
        low: 6761,
        high: 6763,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Mastercard,
        digits: 2,
        low: 51,
        high: 55,
        lengths: 1 << 16,
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 2,
        low: 50,
        high: 50,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 2,
        low: 56,
        high: 58,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Discover,
        digits: 4,
        low: 6011,
        high: 6011,
        lengths: lengths(16, 19),
    },
    Range {
        brand: CardBrand::Discover,
        digits: 3,
        low: 644,
        high: 649,
        lengths: lengths(16, 19),
    },
    Range {
        brand: CardBrand::Discover,
        digits: 2,
        low: 65,
        high: 65,
        lengths: lengths(16, 19),
    },
    Range {
        brand: CardBrand::UnionPay,
        digits: 2,
        low: 62,
        high: 62,
        lengths: lengths(16, 19),
    },
    Range {
        brand: CardBrand::UnionPay,
        digits: 2,
        low: 81,
        high: 81,
        lengths: lengths(16, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 3,
        low: 639,
        high: 639,
        lengths: lengths(12, 19),
    },
    Range {
        brand: CardBrand::Maestro,
        digits: 2,
        low: 67,
        high: 67,
        lengths: lengths(12, 19),
    },
];

/// The card brand whose issuer prefix and length rules `digits` satisfies,
/// or `None`.
///
/// Only the prefix and the length are checked here, not the Luhn digit. The
/// ranges are those of [`CardBrand`]'s variants.
///
/// ```
/// use custodian::pii::CardBrand;
/// use custodian::validate::card_brand;
///
/// assert_eq!(card_brand(b"2221000000000009"), Some(CardBrand::Mastercard));
/// assert_eq!(card_brand(b"9219695798726578"), None);
/// ```
pub fn card_brand(digits: &[u8]) -> Option<CardBrand> {
    if !(12..=19).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let length_bit = 1_u32 << digits.len();
    // The detector calls this on every digit run, so the prefixes are read
    // once: prefixes[n] is the number formed by the first n digits.
    let mut prefixes = [0_u32; 5];
    for n in 1..prefixes.len() {
        prefixes[n] = prefixes[n - 1] * 10 + u32::from(digits[n - 1] - b'0');
    }
    RANGES
        .iter()
        .find(|r| (r.low..=r.high).contains(&prefixes[r.digits]) && r.lengths & length_bit != 0)
        .map(|r| r.brand)
}

/// Whether `digits` is a plausible payment card number: a known issuer
/// prefix with a length that issuer uses ([`card_brand`]) and a valid Luhn
/// check digit ([`luhn_valid`]).
///
/// ```
/// use custodian::validate::card_number_valid;
///
/// assert!(card_number_valid(b"378282246310005"));
/// assert!(!card_number_valid(b"1234567812345670")); // Luhn-valid, no issuer
/// ```
pub fn card_number_valid(digits: &[u8]) -> bool {
    // Luhn first: it is the cheaper check and rejects nine in ten random
    // numbers (order ids and other look-alikes).
    luhn_valid(digits) && card_brand(digits).is_some()
}

/// The structure of a country's BBAN (the IBAN after its country code and
/// check digits) as the SWIFT IBAN registry writes it, or `None` for a
/// country without IBANs (ISO 3166-1 alpha-2, upper case).
///
/// The notation is the registry's: `8!n10!n` is 8 digits then 10 digits;
/// `n` stands for digits, `a` for upper-case letters, `c` for either.
///
/// ```
/// use custodian::validate::bban_format;
///
/// assert_eq!(bban_format(*b"GB"), Some("4!a6!n8!n"));
/// assert_eq!(bban_format(*b"US"), None);
/// ```
pub fn bban_format(country: [u8; 2]) -> Option<&'static str> {
    // SWIFT IBAN registry (89 countries), as python-stdnum's iban.dat
    // transcribes it.
    let format = match &country {
        b"AD" => "4!n4!n12!c",          // Andorra
        b"AE" => "3!n16!n",             // United Arab Emirates (The)
        b"AL" => "8!n16!c",             // Albania
        b"AT" => "5!n11!n",             // Austria
        b"AZ" => "4!a20!c",             // Azerbaijan
        b"BA" => "3!n3!n8!n2!n",        // Bosnia and Herzegovina
        b"BE" => "3!n7!n2!n",           // Belgium
        b"BG" => "4!a4!n2!n8!c",        // Bulgaria
        b"BH" => "4!a14!c",             // Bahrain
        b"BI" => "5!n5!n11!n2!n",       // Burundi
        b"BR" => "8!n5!n10!n1!a1!c",    // Brazil
        b"BY" => "4!c4!n16!c",          // Belarus
        b"CH" => "5!n12!c",             // Switzerland
        b"CR" => "4!n14!n",             // Costa Rica
        b"CY" => "3!n5!n16!c",          // Cyprus
        b"CZ" => "4!n16!n",             // Czechia
        b"DE" => "8!n10!n",             // Germany
        b"DJ" => "5!n5!n11!n2!n",       // Djibouti
        b"DK" => "4!n9!n1!n",           // Denmark
        b"DO" => "4!c20!n",             // Dominican Republic
        b"EE" => "2!n14!n",             // Estonia
        b"EG" => "4!n4!n17!n",          // Egypt
        b"ES" => "4!n4!n1!n1!n10!n",    // Spain
        b"FI" => "3!n11!n",             // Finland
        b"FK" => "2!a12!n",             // Falkland Islands (Malvinas)
        b"FO" => "4!n9!n1!n",           // Faroe Islands
        b"FR" => "5!n5!n11!c2!n",       // France
        b"GB" => "4!a6!n8!n",           // United Kingdom
        b"GE" => "2!a16!n",             // Georgia
        b"GI" => "4!a15!c",             // Gibraltar
        b"GL" => "4!n9!n1!n",           // Greenland
        b"GR" => "3!n4!n16!c",          // Greece
        b"GT" => "4!c20!c",             // Guatemala
        b"HN" => "4!a20!n",             // Honduras
        b"HR" => "7!n10!n",             // Croatia
        b"HU" => "3!n4!n1!n15!n1!n",    // Hungary
        b"IE" => "4!a6!n8!n",           // Ireland
        b"IL" => "3!n3!n13!n",          // Israel
        b"IQ" => "4!a3!n12!n",          // Iraq
        b"IS" => "4!n2!n6!n10!n",       // Iceland
        b"IT" => "1!a5!n5!n12!c",       // Italy
        b"JO" => "4!a4!n18!c",          // Jordan
        b"KW" => "4!a22!c",             // Kuwait
        b"KZ" => "3!n13!c",             // Kazakhstan
        b"LB" => "4!n20!c",             // Lebanon
        b"LC" => "4!a24!c",             // Saint Lucia
        b"LI" => "5!n12!c",             // Liechtenstein
        b"LT" => "5!n11!n",             // Lithuania
        b"LU" => "3!n13!c",             // Luxembourg
        b"LV" => "4!a13!c",             // Latvia
        b"LY" => "3!n3!n15!n",          // Libya
        b"MC" => "5!n5!n11!c2!n",       // Monaco
        b"MD" => "2!c18!c",             // Moldova, Republic of
        b"ME" => "3!n13!n2!n",          // Montenegro
        b"MK" => "3!n10!c2!n",          // North Macedonia
        b"MN" => "4!n12!n",             // Mongolia
        b"MR" => "5!n5!n11!n2!n",       // Mauritania
        b"MT" => "4!a5!n18!c",          // Malta
        b"MU" => "4!a2!n2!n12!n3!n3!a", // Mauritius
        b"NI" => "4!a20!n",             // Nicaragua
        b"NL" => "4!a10!n",             // Netherlands (The)
        b"NO" => "4!n6!n1!n",           // Norway
        b"OM" => "3!n16!c",             // Oman
        b"PK" => "4!a16!c",             // Pakistan
        b"PL" => "8!n16!n",             // Poland
        b"PS" => "4!a21!c",             // Palestine, State of
        b"PT" => "4!n4!n11!n2!n",       // Portugal
        b"QA" => "4!a21!c",             // Qatar
        b"RO" => "4!a16!c",             // Romania
        b"RS" => "3!n13!n2!n",          // Serbia
        b"RU" => "9!n5!n15!c",          // Russian Federation
        b"SA" => "2!n18!c",             // Saudi Arabia
        b"SC" => "4!a2!n2!n16!n3!a",    // Seychelles
        b"SD" => "2!n12!n",             // Sudan
        b"SE" => "3!n16!n1!n",          // Sweden
        b"SI" => "5!n8!n2!n",           // Slovenia
        b"SK" => "4!n6!n10!n",          // Slovakia
        b"SM" => "1!a5!n5!n12!c",       // San Marino
        b"SO" => "4!n3!n12!n",          // Somalia
        b"ST" => "4!n4!n11!n2!n",       // Sao Tome and Principe
        b"SV" => "4!a20!n",             // El Salvador
        b"TL" => "3!n14!n2!n",          // Timor-Leste
        b"TN" => "2!n3!n13!n2!n",       // Tunisia
        b"TR" => "5!n1!n16!c",          // Turkiye
        b"UA" => "6!n19!c",             // Ukraine
        b"VA" => "3!n15!n",             // Holy See
        b"VG" => "4!a16!n",             // Virgin Islands (British)
        b"XK" => "4!n10!n2!n",          // Kosovo
        b"YE" => "4!a4!n18!c",          // Yemen
        _ => return None,
    };
    Some(format)
}

/// The (count, class) groups of a registry BBAN format: `8!n10!n` splits
/// at `!` into `8`, `n10`, `n`; each count is followed by its class.
fn bban_groups(format: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let parts = || format.split('!');
    parts().zip(parts().skip(1)).map(|(count, class)| {
        let digits = count.trim_start_matches(|c: char| !c.is_ascii_digit());
        (
            digits.parse().unwrap_or(0),
            class.bytes().next().unwrap_or(b'c'),
        )
    })
}

/// The IBAN length of a country (ISO 3166-1 alpha-2, upper case), from the
/// SWIFT IBAN registry; `None` for a country without IBANs.
///
/// ```
/// use custodian::validate::iban_length;
///
/// assert_eq!(iban_length(*b"DE"), Some(22));
/// assert_eq!(iban_length(*b"US"), None);
/// ```
pub fn iban_length(country: [u8; 2]) -> Option<usize> {
    // The redactor asks for every two capitals before a digit: a table
    // read, not a parse of the registry format each time.
    static LENGTHS: std::sync::OnceLock<[u8; 26 * 26]> = std::sync::OnceLock::new();
    let [a, b] = country;
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return None;
    }
    let lengths = LENGTHS.get_or_init(|| {
        let mut table = [0u8; 26 * 26];
        for (i, slot) in table.iter_mut().enumerate() {
            let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
            *slot = bban_format(code).map_or(0, |format| {
                let len = 4 + bban_groups(format).map(|(n, _)| n).sum::<usize>();
                u8::try_from(len).unwrap_or(0)
            });
        }
        table
    });
    let len = lengths[usize::from(a - b'A') * 26 + usize::from(b - b'A')];
    (len > 0).then_some(usize::from(len))
}

/// Whether `bban` (compact, upper case) has the structure the registry
/// prescribes for `country`: its length, and digits, letters or either at
/// each position ([`bban_format`]).
///
/// ```
/// use custodian::validate::bban_valid;
///
/// assert!(bban_valid(*b"GB", b"NWBK60161331926819"));
/// assert!(!bban_valid(*b"GB", b"1WBK60161331926819")); // a digit where a letter goes
/// assert!(!bban_valid(*b"US", b"123"));
/// ```
pub fn bban_valid(country: [u8; 2], bban: &[u8]) -> bool {
    bban_format(country).is_some() && bban_misfit(country, bban).is_none()
}

/// Where `bban` first leaves its country's structure: the index of the
/// first character of the wrong class, or the length where it ends early
/// or runs on; `None` when it fits (or the country has no IBANs).
pub(crate) fn bban_misfit(country: [u8; 2], bban: &[u8]) -> Option<usize> {
    let mut at = 0;
    for (count, class) in bban_groups(bban_format(country)?) {
        let fits = |b: &u8| match class {
            b'n' => b.is_ascii_digit(),
            b'a' => b.is_ascii_uppercase(),
            _ => b.is_ascii_digit() || b.is_ascii_uppercase(),
        };
        let group = bban.get(at..).unwrap_or_default();
        let group = &group[..count.min(group.len())];
        if let Some(i) = group.iter().position(|b| !fits(b)) {
            return Some(at + i);
        }
        if group.len() < count {
            return Some(bban.len());
        }
        at += count;
    }
    (at != bban.len()).then_some(at)
}

/// Whether `iban` (compact: no spaces, upper case) passes the ISO 13616
/// mod-97 check: the first four characters moved to the end, letters
/// replaced by 10..=35, the number modulo 97 is 1.
///
/// Returns `false` for inputs shorter than 5 bytes or containing anything
/// other than `0-9A-Z`.
///
/// ```
/// use custodian::validate::iban_mod97_valid;
///
/// assert!(iban_mod97_valid(b"GB82WEST12345698765432"));
/// assert!(!iban_mod97_valid(b"GB82WEST12345698765433"));
/// ```
pub fn iban_mod97_valid(iban: &[u8]) -> bool {
    if iban.len() < 5 {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut rem = 0u32;
    for &b in tail.iter().chain(head) {
        // Folding digit by digit keeps the remainder below 97 * 100, so the
        // arithmetic never overflows whatever the length.
        rem = match b {
            b'0'..=b'9' => (rem * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => (rem * 100 + u32::from(b - b'A') + 10) % 97,
            _ => return false,
        };
    }
    rem == 1
}

/// Whether `iban` (compact, upper case) is a valid IBAN: a known country,
/// that country's length, two check digits, and the mod-97 check.
///
/// ```
/// use custodian::validate::iban_valid;
///
/// assert!(iban_valid(b"DE89370400440532013000"));
/// assert!(!iban_valid(b"DE8937040044053201300")); // one character short
/// ```
pub fn iban_valid(iban: &[u8]) -> bool {
    iban.len() >= 4
        && iban[2].is_ascii_digit()
        && iban[3].is_ascii_digit()
        && iban_length([iban[0], iban[1]]) == Some(iban.len())
        && iban_mod97_valid(iban)
}

/// Whether nine ASCII digits form a US social security number the SSA could
/// have issued: area (first three) not 000, 666 or 900–999; group (next two)
/// not 00; serial (last four) not 0000.
///
/// ```
/// use custodian::validate::ssn_valid;
///
/// assert!(ssn_valid(b"123456789"));
/// assert!(!ssn_valid(b"666123456"));
/// assert!(!ssn_valid(b"123004567"));
/// ```
pub fn ssn_valid(digits: &[u8]) -> bool {
    if digits.len() != 9 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (area, rest) = digits.split_at(3);
    let (group, serial) = rest.split_at(2);
    area != b"000" && area != b"666" && area[0] != b'9' && group != b"00" && serial != b"0000"
}

/// Whether `year-month-day` is a real Gregorian calendar date with a year in
/// 1880..=2099 (a plausible date of birth; the detector has no clock, so the
/// range is fixed rather than relative to today).
///
/// ```
/// use custodian::validate::date_valid;
///
/// assert!(date_valid(2000, 2, 29));
/// assert!(!date_valid(1900, 2, 29));
/// assert!(!date_valid(1990, 4, 31));
/// ```
pub fn date_valid(year: u32, month: u32, day: u32) -> bool {
    (1880..=2099).contains(&year) && calendar_date(year, month, day)
}

/// Whether `year-month-day` is a real proleptic Gregorian calendar date, in
/// any year.
///
/// ```
/// use custodian::validate::calendar_date;
///
/// assert!(calendar_date(1600, 2, 29));
/// assert!(!calendar_date(1700, 2, 29));
/// assert!(!calendar_date(2024, 13, 1));
/// ```
pub fn calendar_date(year: u32, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days
}

/// Whether `text` is an IPv4 address in dotted-quad form: four decimal
/// octets 0–255 without leading zeros (`010` is ambiguous between octal and
/// decimal and is rejected, as by [`Ipv4Addr::from_str`]).
///
/// ```
/// use custodian::validate::ipv4_valid;
///
/// assert!(ipv4_valid(b"192.0.2.1"));
/// assert!(!ipv4_valid(b"5.39.159"));
/// assert!(!ipv4_valid(b"256.1.1.1"));
/// ```
pub fn ipv4_valid(text: &[u8]) -> bool {
    core::str::from_utf8(text).is_ok_and(|s| Ipv4Addr::from_str(s).is_ok())
}

/// Whether `text` is an IPv6 address in one of the RFC 4291 section 2.2
/// text forms (full, `::`-compressed, or with an embedded IPv4 tail).
///
/// MAC addresses (six groups, no `::`) and clock times (`10:14:22`) are not
/// IPv6 forms and fail.
///
/// ```
/// use custodian::validate::ipv6_valid;
///
/// assert!(ipv6_valid(b"2001:db8::ff00:42:8329"));
/// assert!(!ipv6_valid(b"1C:FD:50:2C:85:FC"));
/// ```
pub fn ipv6_valid(text: &[u8]) -> bool {
    core::str::from_utf8(text).is_ok_and(|s| Ipv6Addr::from_str(s).is_ok())
}

/// The ITU-T E.164 country calling code that `digits` (the digits after a
/// `+`) starts with, as `(code, number of digits it takes)`.
///
/// Calling codes are prefix-free, so at most one matches.
///
/// ```
/// use custodian::validate::calling_code;
///
/// assert_eq!(calling_code(b"4915991365223"), Some((49, 2)));
/// assert_eq!(calling_code(b"12157793865"), Some((1, 1)));
/// assert_eq!(calling_code(b"3545551234"), Some((354, 3)));
/// assert_eq!(calling_code(b"0123"), None);
/// ```
pub fn calling_code(digits: &[u8]) -> Option<(u16, usize)> {
    if digits.len() < 2 || !digits.iter().take(3).all(u8::is_ascii_digit) {
        return None;
    }
    let d = |i: usize| u16::from(digits[i] - b'0');
    match d(0) {
        0 => None,
        1 | 7 => Some((d(0), 1)),
        first => {
            let two = first * 10 + d(1);
            if TWO_DIGIT_CODES.contains(&two) {
                return Some((two, 2));
            }
            let three = two * 10 + u16::from(*digits.get(2)?) - u16::from(b'0');
            three_digit_code(three).then_some((three, 3))
        }
    }
}

/// Two-digit E.164 country calling codes.
const TWO_DIGIT_CODES: [u16; 44] = [
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56,
    57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
];

/// Whether a three-digit number is an assigned (or reserved for countries)
/// E.164 calling code. Ranges follow ITU-T E.164 annex; spare blocks are
/// left out.
fn three_digit_code(code: u16) -> bool {
    matches!(code,
        211..=218 | 220..=269 | 290..=299 | 350..=359 | 370..=389 | 420..=423
        | 500..=509 | 590..=599 | 670..=692 | 800 | 808 | 850..=856 | 870 | 878
        | 880..=888 | 960..=979 | 991..=998)
}

/// Inclusive range of national significant number lengths for the calling
/// codes whose numbering plans are closed and common in marketplace text;
/// other codes use the generic E.164 bound (4..=14).
pub(crate) fn national_length(code: u16) -> (usize, usize) {
    match code {
        1 => (10, 10),
        7 => (10, 10),
        31 | 33 | 34 | 41 | 48 | 61 => (9, 9),
        32 | 46 | 47 => (8, 10),
        39 => (6, 11),
        43 | 49 => (6, 13),
        44 => (9, 10),
        55 => (10, 11),
        81 => (9, 10),
        86 => (9, 11),
        91 => (10, 10),
        _ => (4, 14),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_sets_cover_their_bounds() {
        let set = lengths(12, 19);
        assert!((12..=19).all(|n| set & 1 << n != 0));
        assert_eq!(set & !(0xFF << 12), 0);
    }
    use proptest::prelude::*;

    /// Textbook Luhn over a string of digits: double every second digit from
    /// the right, sum the decimal digits of every product.
    fn luhn_reference(s: &str) -> bool {
        let sum: u32 = s
            .chars()
            .rev()
            .enumerate()
            .map(|(i, c)| {
                let d = c.to_digit(10).unwrap_or(0);
                if i % 2 == 1 {
                    (d * 2)
                        .to_string()
                        .chars()
                        .map(|c| c.to_digit(10).unwrap_or(0))
                        .sum()
                } else {
                    d
                }
            })
            .sum();
        !s.is_empty() && sum % 10 == 0
    }

    /// Reference mod-97: rearrange, expand letters to numbers as a decimal
    /// string, then reduce in 9-digit chunks as ISO 13616 describes.
    fn mod97_reference(iban: &str) -> bool {
        if iban.len() < 5 {
            return false;
        }
        let moved = format!("{}{}", &iban[4..], &iban[..4]);
        let mut digits = String::new();
        for c in moved.chars() {
            match c {
                '0'..='9' => digits.push(c),
                'A'..='Z' => digits.push_str(&(c as u32 - 'A' as u32 + 10).to_string()),
                _ => return false,
            }
        }
        let mut rem: u64 = 0;
        for chunk in digits.as_bytes().chunks(7) {
            let s = format!("{rem}{}", core::str::from_utf8(chunk).unwrap_or("0"));
            rem = s.parse::<u64>().unwrap_or(0) % 97;
        }
        rem == 1
    }

    proptest! {
        #[test]
        fn luhn_matches_reference(s in "[0-9]{1,40}") {
            prop_assert_eq!(luhn_valid(s.as_bytes()), luhn_reference(&s));
        }

        #[test]
        fn luhn_one_check_digit_per_payload(s in "[0-9]{1,30}") {
            let valid = (0..10u8)
                .filter(|d| {
                    let mut v = s.clone().into_bytes();
                    v.push(b'0' + d);
                    luhn_valid(&v)
                })
                .count();
            prop_assert_eq!(valid, 1);
        }

        #[test]
        fn mod97_matches_reference(s in "[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}") {
            prop_assert_eq!(iban_mod97_valid(s.as_bytes()), mod97_reference(&s));
        }

        #[test]
        fn mod97_catches_single_substitutions(
            body in "[0-9]{10,26}",
            pos in 0usize..26,
            sub in "[0-9]",
        ) {
            // ISO 7064 MOD 97-10 detects every single-digit substitution
            // (a letter for a digit changes the expanded length, which the
            // standard does not cover).
            // Build a valid IBAN for a country by choosing the check digits.
            let base = format!("DE00{body}");
            let check = (0..100u32)
                .map(|c| format!("DE{c:02}{body}"))
                .find(|s| mod97_reference(s));
            if let Some(valid) = check {
                prop_assert!(iban_mod97_valid(valid.as_bytes()));
                let mut bytes = valid.into_bytes();
                let at = 4 + pos % (bytes.len() - 4);
                let new = sub.as_bytes()[0];
                prop_assume!(bytes[at] != new);
                bytes[at] = new;
                prop_assert!(!iban_mod97_valid(&bytes));
            } else {
                prop_assert!(!iban_mod97_valid(base.as_bytes()) || base.len() < 5);
            }
        }
    }

    #[test]
    fn luhn_rejects_non_digits_and_empty() {
        assert!(!luhn_valid(b""));
        assert!(!luhn_valid(b"4242 4242 4242 4242"));
        assert!(luhn_valid(b"0"));
    }

    #[test]
    fn card_brands_cover_two_series_jcb_and_diners() {
        assert_eq!(card_brand(b"2720990000000007"), Some(CardBrand::Mastercard));
        assert_eq!(card_brand(b"2721000000000000"), None);
        assert_eq!(card_brand(b"3530111333300000"), Some(CardBrand::Jcb));
        assert_eq!(card_brand(b"30569309025904"), Some(CardBrand::Diners));
        assert_eq!(card_brand(b"6011111111111117"), Some(CardBrand::Discover));
        assert_eq!(card_brand(b"6200000000000005"), Some(CardBrand::UnionPay));
        assert_eq!(card_brand(b"4111111111111"), Some(CardBrand::Visa));
        assert_eq!(card_brand(b"41111111111111"), None);
        assert!(card_number_valid(b"30569309025904"));
        assert!(card_number_valid(b"3530111333300000"));
        // JCB's 15-digit legacy ranges (a regression: they were missing).
        assert_eq!(card_brand(b"180012345678905"), Some(CardBrand::Jcb));
        assert_eq!(card_brand(b"213112345678904"), Some(CardBrand::Jcb));
        assert_eq!(card_brand(b"2131123456789041"), None);
        assert_eq!(card_brand(b"213212345678903"), None);
    }

    #[test]
    fn iban_rules() {
        assert!(iban_valid(b"GB82WEST12345698765432"));
        assert!(iban_valid(b"NO9386011117947"));
        assert!(iban_valid(b"BE68539007547034"));
        assert!(!iban_valid(b"XX82WEST12345698765432"));
        assert!(!iban_valid(b"GB82west12345698765432"));
        assert!(!iban_mod97_valid(b"GB82"));
    }

    #[test]
    fn iban_lengths_follow_from_the_bban_formats() {
        // The lengths the redactor used before they were derived from the
        // formats: the derivation must not change them.
        let before = |country: &[u8; 2]| -> Option<usize> {
            let len = match country {
                b"NO" => 15,
                b"BE" => 16,
                b"DK" | b"FI" | b"FK" | b"FO" | b"GL" | b"NL" | b"SD" => 18,
                b"MK" | b"SI" => 19,
                b"AT" | b"BA" | b"EE" | b"KZ" | b"LT" | b"LU" | b"MN" | b"XK" => 20,
                b"CH" | b"HR" | b"LI" | b"LV" => 21,
                b"BG" | b"BH" | b"CR" | b"DE" | b"GB" | b"GE" | b"IE" | b"ME" | b"RS" | b"VA" => 22,
                b"AE" | b"GI" | b"IL" | b"IQ" | b"OM" | b"SO" | b"TL" => 23,
                b"AD" | b"CZ" | b"ES" | b"MD" | b"PK" | b"RO" | b"SA" | b"SE" | b"SK" | b"TN"
                | b"VG" => 24,
                b"LY" | b"PT" | b"ST" => 25,
                b"IS" | b"TR" => 26,
                b"BI" | b"DJ" | b"FR" | b"GR" | b"IT" | b"MC" | b"MR" | b"SM" => 27,
                b"AL" | b"AZ" | b"BY" | b"CY" | b"DO" | b"GT" | b"HN" | b"HU" | b"LB" | b"NI"
                | b"PL" | b"SV" => 28,
                b"BR" | b"EG" | b"PS" | b"QA" | b"UA" => 29,
                b"JO" | b"KW" | b"MU" | b"YE" => 30,
                b"MT" | b"SC" => 31,
                b"LC" => 32,
                b"RU" => 33,
                _ => return None,
            };
            Some(len)
        };
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                assert_eq!(
                    iban_length([a, b]),
                    before(&[a, b]),
                    "{}{}",
                    a as char,
                    b as char
                );
            }
        }
    }

    #[test]
    fn bban_misfits_are_located() {
        assert_eq!(bban_misfit(*b"GB", b"NWBK60161331926819"), None);
        assert_eq!(bban_misfit(*b"GB", b"NWBK6016133192681X"), Some(17));
        assert_eq!(bban_misfit(*b"GB", b"NW1K60161331926819"), Some(2));
        assert_eq!(bban_misfit(*b"GB", b"NWBK6016133192681"), Some(17));
        assert_eq!(bban_misfit(*b"GB", b"NWBK601613319268190"), Some(18));
        assert_eq!(bban_misfit(*b"GB", b"nWBK60161331926819"), Some(0));
        assert!(!bban_valid(*b"XX", b""));
    }

    #[test]
    fn ssn_rules() {
        assert!(ssn_valid(b"078051120"));
        assert!(!ssn_valid(b"000123456"));
        assert!(!ssn_valid(b"900123456"));
        assert!(!ssn_valid(b"123450000"));
        assert!(!ssn_valid(b"12345678"));
        assert!(!ssn_valid(b"12345678a"));
    }

    #[test]
    fn dates() {
        assert!(date_valid(2000, 2, 29));
        assert!(date_valid(1996, 2, 29));
        assert!(!date_valid(2100, 1, 1));
        assert!(!date_valid(1879, 12, 31));
        assert!(!date_valid(1990, 13, 1));
        assert!(!date_valid(1990, 1, 0));
        assert!(date_valid(1990, 12, 31));
    }

    #[test]
    fn ips() {
        assert!(ipv4_valid(b"0.0.0.0"));
        assert!(!ipv4_valid(b"01.2.3.4"));
        assert!(!ipv4_valid(b"1.2.3.4.5"));
        assert!(ipv6_valid(b"::ffff:192.0.2.1"));
        assert!(!ipv6_valid(b"10:14:22"));
        assert!(!ipv6_valid(&[0xff, b':', b':']));
    }

    #[test]
    fn calling_codes() {
        assert_eq!(calling_code(b"447944120969"), Some((44, 2)));
        assert_eq!(calling_code(b"35312345678"), Some((353, 3)));
        assert_eq!(calling_code(b"28"), None);
        assert_eq!(calling_code(b"2"), None);
        assert_eq!(calling_code(b"21"), None);
        assert_eq!(national_length(1), (10, 10));
    }
}
