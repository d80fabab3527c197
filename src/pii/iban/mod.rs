//! International Bank Account Numbers.

mod national;

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::mask::{HIDDEN, last_chars};
use super::{Category, PiiError, PiiKind, Reason, impl_pii, impl_text_canonical};
use crate::validate::{bban_misfit, iban_length, iban_mod97_valid};

/// The longest IBAN any country uses (Russia, 33) leaves room for grouping
/// spaces within this input limit.
const MAX_INPUT: usize = 64;

/// An IBAN (category: financial), ISO 13616.
///
/// # Validation
///
/// - the country is in the SWIFT IBAN registry (89 countries), with that
///   country's length;
/// - the BBAN (everything after the check digits) has the country's
///   registry structure: digits, letters or either at each position
///   ([`bban_format`](crate::validate::bban_format));
/// - the check digits are 02 to 98 — ISO 7064 MOD 97-10 never yields 00,
///   01 or 99, so those are typos even where the remainder works out — and
///   pass the mod-97 check;
/// - the national check digits inside the BBAN are right for Belgium,
///   Finland, France, Italy, Monaco, Norway, Poland, Portugal, San Marino
///   and Spain. Germany and others define theirs per bank, from tables this
///   crate does not carry. Whether the bank exists is not checked.
///
/// # Input
///
/// Upper or lower case; the paper form's single spaces (`DE89 3704 …`) or
/// none, with surrounding whitespace trimmed. A single space may stand
/// between any two characters, since people group by hand; doubled spaces,
/// dashes, dots and other separators are refused: they are not part of
/// either ISO 13616 form, and a dash more often marks a national account
/// number than an IBAN. Stored upper case without spaces.
///
/// Masked as the country code and the last 4 characters: `DE•••3000`.
///
/// ```
/// use custodian::pii::Iban;
///
/// let iban = Iban::parse("de89 3704 0044 0532 0130 00")?;
/// assert_eq!(iban.expose(), "DE89370400440532013000");
/// assert_eq!(iban.country(), "DE");
/// assert_eq!(iban.to_string(), "DE•••3000");
/// // The mod-97 check passes, but Belgium's own check digits (the last two)
/// // do not.
/// assert!(Iban::parse("BE41 5390 0754 7035").is_err());
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone)]
pub struct Iban {
    value: Zeroizing<String>,
}

impl Iban {
    /// Parses an IBAN.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `iban`: [`Reason::Empty`], [`Reason::TooLong`],
    /// [`Reason::InvalidCharacter`] (anything but ASCII letters, digits and
    /// single spaces; a letter where the check digits or the country's BBAN
    /// structure want a digit, or the reverse),
    /// [`Reason::UnknownCountry`] (no IBAN in that country),
    /// [`Reason::WrongLength`] (not the country's length),
    /// [`Reason::MalformedPart`] (`check digits` 00, 01 or 99; `national
    /// check digits`), or [`Reason::ChecksumMismatch`] (mod-97).
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        let input = input.trim();
        let value = compact(input)?;
        let bytes = value.as_bytes();
        let expected = match bytes {
            [a, b, ..] => iban_length([*a, *b]),
            _ => None,
        }
        .ok_or(err(Reason::UnknownCountry))?;
        if value.len() != expected {
            return Err(err(Reason::WrongLength {
                expected,
                found: value.len(),
            }));
        }
        let (country, bban) = (&bytes[..2], &bytes[4..]);
        if let Some(misfit) = bban_misfit([country[0], country[1]], bban) {
            return Err(err(Reason::InvalidCharacter {
                position: input_position(input, 4 + misfit),
            }));
        }
        if matches!(&bytes[2..4], b"00" | b"01" | b"99") {
            return Err(err(Reason::MalformedPart {
                part: "check digits",
            }));
        }
        if !iban_mod97_valid(bytes) {
            return Err(err(Reason::ChecksumMismatch));
        }
        if !national::valid(country, bban) {
            return Err(err(Reason::MalformedPart {
                part: "national check digits",
            }));
        }
        Ok(Self { value })
    }

    /// The IBAN, upper case without spaces, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the plaintext; copies made from it are not zeroized
    /// by this crate.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The two-letter country code the IBAN starts with.
    pub fn country(&self) -> &str {
        &self.value[..2]
    }
}

/// Upper case without spaces; refuses other characters, doubled spaces,
/// and letters in the country code's digits or digits in its letters.
fn compact(input: &str) -> Result<Zeroizing<String>, PiiError> {
    if input.is_empty() {
        return Err(err(Reason::Empty));
    }
    if input.len() > MAX_INPUT {
        return Err(err(Reason::TooLong {
            max: MAX_INPUT,
            unit: "bytes",
        }));
    }
    let mut value = Zeroizing::new(String::with_capacity(34));
    let mut after_space = false;
    for (position, c) in input.chars().enumerate() {
        let fits = match value.len() {
            0 | 1 => c.is_ascii_alphabetic(),
            2 | 3 => c.is_ascii_digit(),
            _ => c.is_ascii_alphanumeric(),
        };
        match c {
            ' ' if !after_space => after_space = true,
            _ if fits => {
                after_space = false;
                value.push(c.to_ascii_uppercase());
            }
            _ => return Err(err(Reason::InvalidCharacter { position })),
        }
    }
    Ok(value)
}

/// The position in `input` (characters, as in [`Reason::InvalidCharacter`])
/// of the `index`-th character of the compact form.
fn input_position(input: &str, index: usize) -> usize {
    input
        .chars()
        .enumerate()
        .filter(|(_, c)| *c != ' ')
        .nth(index)
        .map_or(0, |(position, _)| position)
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::Iban, reason)
}

impl FromStr for Iban {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.country())?;
        f.write_str(HIDDEN)?;
        f.write_str(last_chars(&self.value, 4))
    }
}

impl_text_canonical!(Iban, value, PiiKind::Iban);
impl_pii!(Iban, PiiKind::Iban, Category::Financial);

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(input: &str) -> Reason {
        Iban::parse(input).expect_err(input).reason()
    }

    #[test]
    fn accepts_registry_examples() {
        // The example IBANs of the SWIFT IBAN registry.
        for ok in [
            "DE89 3704 0044 0532 0130 00",
            "GB29 NWBK 6016 1331 9268 19",
            "FR14 2004 1010 0505 0001 3M02 606",
            "NL91 ABNA 0417 1643 00",
            "BE68 5390 0754 7034",
            "CH93 0076 2011 6238 5295 7",
            "NO93 8601 1117 947",
            "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
            "LC55 HEMM 0001 0001 0012 0012 0002 3015",
            "ES91 2100 0418 4502 0005 1332",
            "IT60 X054 2811 1010 0000 0123 456",
            "PL61 1090 1014 0000 0712 1981 2874",
        ] {
            assert!(Iban::parse(ok).is_ok(), "{ok}");
        }
        assert!(Iban::parse("gb29nwbk60161331926819").is_ok());
    }

    #[test]
    fn rejects_each_defect_with_its_reason() {
        assert_eq!(reason(""), Reason::Empty);
        assert_eq!(
            reason("DE89 3704 0044 0532 0130 01"),
            Reason::ChecksumMismatch
        );
        assert_eq!(
            reason("DE89 3704 0044 0532 0130 0"),
            Reason::WrongLength {
                expected: 22,
                found: 21
            }
        );
        assert_eq!(
            reason("US12 3456 7890 1234 5678 90"),
            Reason::UnknownCountry
        );
        assert_eq!(
            reason("DE89-3704-0044-0532-0130-00"),
            Reason::InvalidCharacter { position: 4 }
        );
        assert_eq!(
            reason("D189 3704 0044 0532 0130 00"),
            Reason::InvalidCharacter { position: 1 }
        );
        assert_eq!(
            reason("DEX9 3704 0044 0532 0130 00"),
            Reason::InvalidCharacter { position: 2 }
        );
        assert!(matches!(reason(&"DE89".repeat(17)), Reason::TooLong { .. }));
    }

    /// mod-97 the way ISO 7064 describes it for long numbers: rearrange,
    /// replace letters by two digits, then reduce nine digits at a time.
    fn reference_mod97(iban: &str) -> u64 {
        let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
        let numeric: String = rearranged
            .chars()
            .map(|c| c.to_digit(36).expect("alphanumeric").to_string())
            .collect();
        let mut rest = String::new();
        for chunk in numeric.as_bytes().chunks(7) {
            let piece = format!("{rest}{}", std::str::from_utf8(chunk).expect("ascii"));
            rest = (piece.parse::<u64>().expect("at most 9 digits") % 97).to_string();
        }
        rest.parse().expect("number")
    }

    proptest::proptest! {
        #[test]
        fn mod97_agrees_with_the_reference(iban in "[A-Z]{2}[0-9]{2}[A-Z0-9]{4,30}") {
            proptest::prop_assert_eq!(iban_mod97_valid(iban.as_bytes()), reference_mod97(&iban) == 1);
        }

        #[test]
        fn parse_accepts_exactly_the_valid_ones(iban in "(DE|GB|NL)[0-9]{2}[A-Z0-9]{14,18}") {
            // Countries without national check digits checked here.
            let bytes = iban.as_bytes();
            let country = [bytes[0], bytes[1]];
            let valid = iban_length(country) == Some(iban.len())
                && crate::validate::bban_valid(country, &bytes[4..])
                && !matches!(&bytes[2..4], b"00" | b"01" | b"99")
                && reference_mod97(&iban) == 1;
            proptest::prop_assert_eq!(Iban::parse(&iban).is_ok(), valid);
        }
    }

    #[test]
    fn masks_to_country_and_last_four() {
        let iban = Iban::parse("GB29 NWBK 6016 1331 9268 19").expect("valid");
        assert_eq!(iban.to_string(), "GB•••6819");
        assert_eq!(format!("{iban:?}"), "Iban(GB•••6819)");
    }
}
