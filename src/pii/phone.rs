//! Phone numbers, normalized to E.164.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::mask::last_chars;
use super::{Category, PiiError, PiiKind, Reason, impl_pii, impl_text_canonical};

/// ITU-T E.164 §6.1: at most 15 digits including the country code. Fewer
/// than 8 is not a diallable international number anywhere we ship to.
const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;
/// Human input may carry separators and a trunk prefix; anything longer
/// than this is not a phone number and is refused before it is scanned.
const MAX_INPUT: usize = 64;

/// A country calling code (ITU-T E.164 assigned codes are 1 to 3 digits).
///
/// ```
/// use custodian::pii::CallingCode;
///
/// assert_eq!(CallingCode::new(44)?.get(), 44);
/// assert!(CallingCode::new(0).is_err());
/// assert!(CallingCode::new(1000).is_err());
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallingCode(u16);

impl CallingCode {
    /// A calling code from 1 to 999.
    ///
    /// # Errors
    ///
    /// [`Reason::MalformedPart`] (`country calling code`) outside 1..=999.
    pub fn new(code: u16) -> Result<Self, PiiError> {
        if (1..=999).contains(&code) {
            Ok(Self(code))
        } else {
            Err(err(Reason::MalformedPart {
                part: "country calling code",
            }))
        }
    }

    /// The code as a number.
    pub const fn get(self) -> u16 {
        self.0
    }
}

/// A phone number (category: contact), stored in E.164 form: `+` and 8 to
/// 15 digits.
///
/// Accepts what people type: spaces, dashes, dots, slashes and parentheses
/// between digits; an international prefix written `+` or `00`; the
/// national trunk `(0)` written after a country code (`+44 (0)20 ...`).
/// Numbers without an international prefix need a default calling code
/// ([`Phone::parse_national`]). Letters, extensions and Unicode digits are
/// refused.
///
/// The crate checks shape and length, not numbering plans: a well-formed
/// number may still be unassigned.
///
/// Masked as `+•••` and the last 4 digits.
///
/// ```
/// use custodian::pii::{CallingCode, Phone};
///
/// let intl = Phone::parse("+44 (0)20 7946 0958")?;
/// assert_eq!(intl.expose(), "+442079460958");
/// assert_eq!(intl.to_string(), "+•••0958");
///
/// let national = Phone::parse_national("(030) 1234-5678", CallingCode::new(49)?)?;
/// assert_eq!(national.expose(), "+493012345678");
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone)]
pub struct Phone {
    value: Zeroizing<String>,
}

impl Phone {
    /// Parses a number written with an international prefix (`+` or `00`).
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `phone`: [`Reason::MissingCountryCode`] when
    /// there is no international prefix, and otherwise the reasons of
    /// [`Phone::parse_national`].
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        Self::parse_with(input, None)
    }

    /// Parses a number in international or national form; a national
    /// number (no `+` or `00`) gets `default`'s calling code, after one
    /// leading trunk `0` is dropped (and, for code 1, a leading trunk `1`
    /// of an 11-digit number).
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `phone`: [`Reason::Empty`],
    /// [`Reason::InvalidCharacter`] (letters, `+` not in front, Unicode
    /// digits), [`Reason::MalformedPart`] (unbalanced parentheses, a country
    /// code starting with 0), [`Reason::TooShort`] / [`Reason::TooLong`]
    /// (E.164 digit count).
    pub fn parse_national(input: &str, default: CallingCode) -> Result<Self, PiiError> {
        Self::parse_with(input, Some(default))
    }

    fn parse_with(input: &str, default: Option<CallingCode>) -> Result<Self, PiiError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(err(Reason::Empty));
        }
        if input.len() > MAX_INPUT {
            return Err(err(Reason::TooLong {
                max: MAX_INPUT,
                unit: "bytes",
            }));
        }
        let (international, rest) = match input.strip_prefix('+') {
            Some(rest) => (true, rest.replacen("(0)", "", 1)),
            None => (false, input.to_owned()),
        };
        let rest = Zeroizing::new(rest);
        let offset = usize::from(international);
        let mut digits = Zeroizing::new(String::with_capacity(MAX_DIGITS + 1));
        let mut depth = 0_i32;
        for (position, c) in rest.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '/' => {}
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {
                    return Err(err(Reason::InvalidCharacter {
                        position: position + offset,
                    }));
                }
            }
            if !(0..=1).contains(&depth) {
                return Err(err(Reason::MalformedPart {
                    part: "parentheses",
                }));
            }
        }
        if depth != 0 {
            return Err(err(Reason::MalformedPart {
                part: "parentheses",
            }));
        }
        let mut value = Zeroizing::new(String::with_capacity(MAX_DIGITS + 1));
        value.push('+');
        if international {
            value.push_str(&digits);
        } else if let Some(international) = digits.strip_prefix("00") {
            value.push_str(international);
        } else {
            let code = default.ok_or(err(Reason::MissingCountryCode))?;
            value.push_str(&code.0.to_string());
            value.push_str(national_significant(&digits, code));
        }
        check_e164(&value[1..])?;
        Ok(Self { value })
    }

    /// The number in E.164 form (`+` and digits), in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the plaintext; copies made from it are not zeroized
    /// by this crate.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

/// Drops the national trunk prefix: `0` in most of the world, `1` for an
/// 11-digit number in the North American Numbering Plan.
fn national_significant(digits: &str, code: CallingCode) -> &str {
    if code.0 == 1 && digits.len() == 11 {
        return digits.strip_prefix('1').unwrap_or(digits);
    }
    digits.strip_prefix('0').unwrap_or(digits)
}

fn check_e164(digits: &str) -> Result<(), PiiError> {
    if digits.len() < MIN_DIGITS {
        return Err(err(Reason::TooShort {
            min: MIN_DIGITS,
            unit: "digits",
        }));
    }
    if digits.len() > MAX_DIGITS {
        return Err(err(Reason::TooLong {
            max: MAX_DIGITS,
            unit: "digits",
        }));
    }
    if digits.starts_with('0') {
        return Err(err(Reason::MalformedPart {
            part: "country calling code",
        }));
    }
    Ok(())
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::Phone, reason)
}

impl FromStr for Phone {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("+•••")?;
        f.write_str(last_chars(&self.value, 4))
    }
}

impl_text_canonical!(Phone, value, PiiKind::Phone);
impl_pii!(Phone, PiiKind::Phone, Category::Contact);

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> CallingCode {
        CallingCode::new(49).expect("valid code")
    }

    fn normalized(input: &str) -> String {
        Phone::parse_national(input, de())
            .expect(input)
            .expose()
            .to_owned()
    }

    fn reason(input: &str) -> Reason {
        Phone::parse_national(input, de())
            .expect_err(input)
            .reason()
    }

    #[test]
    fn normalizes_human_formats_to_e164() {
        assert_eq!(normalized("+49 30 1234 5678"), "+493012345678");
        assert_eq!(normalized("0049-30-1234-5678"), "+493012345678");
        assert_eq!(normalized("030/1234.5678"), "+493012345678");
        assert_eq!(normalized("(030) 1234 5678"), "+493012345678");
        assert_eq!(normalized("+44 (0)20 7946 0958"), "+442079460958");
        assert_eq!(normalized("+1 (415) 555-2671"), "+14155552671");
        assert_eq!(normalized("  +33 6 12 34 56 78  "), "+33612345678");
    }

    #[test]
    fn national_numbers_use_the_default_code_and_drop_the_trunk_prefix() {
        let us = CallingCode::new(1).expect("valid");
        let p = Phone::parse_national("1 (415) 555-2671", us).expect("valid");
        assert_eq!(p.expose(), "+14155552671");
        let p = Phone::parse_national("415-555-2671", us).expect("valid");
        assert_eq!(p.expose(), "+14155552671");
        assert_eq!(
            Phone::parse("030 1234 5678").map_err(|e| e.reason()),
            Err(Reason::MissingCountryCode)
        );
    }

    #[test]
    fn enforces_e164_digit_counts() {
        assert!(Phone::parse("+1234567").is_err());
        assert!(Phone::parse("+12345678").is_ok());
        assert!(Phone::parse("+123456789012345").is_ok());
        assert_eq!(
            reason("+1234567890123456"),
            Reason::TooLong {
                max: 15,
                unit: "digits"
            }
        );
        assert_eq!(
            reason("+1234567"),
            Reason::TooShort {
                min: 8,
                unit: "digits"
            }
        );
    }

    #[test]
    fn rejects_letters_misplaced_plus_and_bad_parentheses() {
        assert_eq!(reason(""), Reason::Empty);
        assert_eq!(
            reason("+49 30 CALL NOW"),
            Reason::InvalidCharacter { position: 7 }
        );
        assert_eq!(
            reason("030 1234 5678 ext 9"),
            Reason::InvalidCharacter { position: 14 }
        );
        assert_eq!(
            reason("030+12345678"),
            Reason::InvalidCharacter { position: 3 }
        );
        assert_eq!(
            reason("++4930123456"),
            Reason::InvalidCharacter { position: 1 }
        );
        assert_eq!(
            reason("(030 12345678"),
            Reason::MalformedPart {
                part: "parentheses"
            }
        );
        assert_eq!(
            reason("030) 12345678"),
            Reason::MalformedPart {
                part: "parentheses"
            }
        );
        assert_eq!(
            reason("+0 30 12345678"),
            Reason::MalformedPart {
                part: "country calling code"
            }
        );
        assert_eq!(
            reason("+49 ٣٠ 12345678"),
            Reason::InvalidCharacter { position: 4 }
        );
        assert!(matches!(
            reason(&"1".repeat(65)),
            Reason::TooLong { max: 64, .. }
        ));
    }

    #[test]
    fn masks_all_but_the_last_four_digits() {
        let p = Phone::parse("+49 30 1234 5678").expect("valid");
        assert_eq!(p.to_string(), "+•••5678");
        assert_eq!(format!("{p:?}"), "Phone(+•••5678)");
    }
}
