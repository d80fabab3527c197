//! Phone numbers, validated against real numbering plans and normalized to
//! E.164.

mod plan;

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::mask::last_chars;
use super::{Category, CountryCode, PiiError, PiiKind, Reason, impl_pii, impl_text_canonical};

/// Human input may carry separators and a trunk prefix; anything longer
/// than this is not a phone number and is refused before it is scanned.
const MAX_INPUT: usize = 64;
/// Fewer digits than this is no phone number anywhere (libphonenumber
/// `isViablePhoneNumber` asks for three).
const MIN_DIGITS: usize = 3;

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

/// What kind of line a number reaches, as its numbering plan says
/// (libphonenumber `PhoneNumberType`).
///
/// Carriers and SMS flows need it: a fixed line receives no text message,
/// and a premium-rate number costs the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhoneType {
    /// A fixed line.
    FixedLine,
    /// A mobile number.
    Mobile,
    /// Either, where the plan does not tell them apart (the North American
    /// Numbering Plan, for one).
    FixedLineOrMobile,
    /// Free to the caller.
    TollFree,
    /// Charged above the normal rate.
    PremiumRate,
    /// Cost shared between caller and callee.
    SharedCost,
    /// Voice over IP.
    Voip,
    /// A personal number routed to another line.
    PersonalNumber,
    /// A pager.
    Pager,
    /// A universal access (company) number.
    Uan,
    /// Voicemail access.
    Voicemail,
}

/// A phone number (category: contact), valid in its country's numbering
/// plan and stored in E.164 form (`+`, calling code, national significant
/// number).
///
/// # Validation
///
/// A number is accepted when libphonenumber's `isValidNumber` says it is
/// valid: its length and prefix belong to a number type (fixed line,
/// mobile, toll free, ...) of the region's plan — not merely a possible
/// length. The plans are libphonenumber's metadata **9.0.33**, carried by
/// the `phonenumber` crate (pinned at `=0.3.10`, which is `0.3.10+9.0.33`);
/// the reading rules are libphonenumber's, and the tests hold both against
/// libphonenumber's own results for every region's example numbers.
///
/// Normalization is libphonenumber's: trunk prefixes are dropped where the
/// plan says (`0` in most of Europe, `8` in Russia, `06` in Hungary) and
/// kept where they are part of the number (Italy's leading `0`); an
/// international prefix (`00`, `011`, `810`, ...) is recognized when the
/// region is given; `+44 (0)20 …` loses its `(0)`; a local seven-digit
/// number in the North American plan is refused (it needs the area code).
///
/// # Input
///
/// Accepted characters are ASCII digits, `+` (in front only), spaces
/// (ASCII or no-break), `- . ( ) /`, with surrounding whitespace trimmed.
/// Anything else is refused before parsing, which decides three cases
/// libphonenumber would otherwise read:
///
/// - **Vanity numbers** (`1-800-FLOWERS`): refused. libphonenumber maps
///   letters to keypad digits, so a typo'd letter would become a digit; a
///   delivery phone is typed as digits.
/// - **Extensions** (`… ext 12`, `… x12`, `…#12`): refused. A carrier or an
///   SMS cannot dial them; keep an extension in a field of its own.
/// - **Non-ASCII digits** (fullwidth `０３`, Arabic-Indic `٠٣`): refused,
///   like every other kind in this crate.
///
/// Non-geographic numbers (`+800` freephone, `+882`/`+883` networks) are
/// valid as libphonenumber says; their [`region`](Phone::region) is `None`.
///
/// Masked as `+•••` and the last 4 digits.
///
/// # Examples
///
/// ```
/// use custodian::pii::{CountryCode, Phone, PhoneType};
///
/// let london = Phone::parse("+44 (0)20 7946 0958")?;
/// assert_eq!(london.expose(), "+442079460958");
/// assert_eq!(london.to_string(), "+•••0958");
///
/// let rome = Phone::parse_in("06 6982 0001", CountryCode::parse("IT")?)?;
/// assert_eq!(rome.expose(), "+390669820001"); // Italy keeps its 0
/// assert_eq!(rome.number_type(), PhoneType::FixedLine);
///
/// let moscow = Phone::parse_in("8 (912) 345-67-89", CountryCode::parse("RU")?)?;
/// assert_eq!(moscow.expose(), "+79123456789");
/// assert_eq!(moscow.number_type(), PhoneType::Mobile);
///
/// assert!(Phone::parse("+44 20 7946 095").is_err()); // a digit short
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
///
/// # Performance
///
/// A region's patterns are compiled on its first number (well under a
/// millisecond); after that a parse costs a few regular-expression matches
/// (`benches/mask.rs`, group `phone_parse`).
#[derive(Clone)]
pub struct Phone {
    value: Zeroizing<String>,
    region: Option<CountryCode>,
    kind: PhoneType,
}

impl Phone {
    /// Parses a number written in international form, with a leading `+`.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `phone`: [`Reason::MissingCountryCode`] when
    /// there is no `+` (an `00` or `011` prefix needs the region that dials
    /// it: use [`Phone::parse_in`]), and otherwise the reasons of
    /// [`Phone::parse_in`].
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        Self::parse_with(input, None)
    }

    /// Parses a number as dialled in `region` (ISO 3166-1 alpha-2): in
    /// national form (`020 7946 0958` in GB), with the region's
    /// international prefix (`00 49 30 …` in GB, `011 49 30 …` in US), or in
    /// international form (`+49 30 …`, where the region does not matter).
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `phone`:
    /// - [`Reason::Empty`]; [`Reason::TooLong`] (over 64 bytes);
    /// - [`Reason::InvalidCharacter`]: letters, extensions, non-ASCII
    ///   digits, a `+` after the number began;
    /// - [`Reason::UnknownCountry`]: a national number for a region without
    ///   a numbering plan in the metadata (such as `AQ`);
    /// - [`Reason::MalformedPart`] (`country calling code`): no assigned
    ///   calling code after `+` or the international prefix;
    /// - [`Reason::TooShort`] / [`Reason::TooLong`] (`digits`): fewer than
    ///   3 digits, or a national number shorter or longer than every number
    ///   of its plan;
    /// - [`Reason::NotInNumberingPlan`]: a possible length, but no number
    ///   type of the plan matches.
    pub fn parse_in(input: &str, region: CountryCode) -> Result<Self, PiiError> {
        Self::parse_with(input, Some(region.as_str()))
    }

    /// Parses a number in international or national form, reading a
    /// national number in the main region of `default` — the region
    /// libphonenumber names for the code: `US` for 1, `RU` for 7, `GB` for
    /// 44, `DE` for 49. Regions that share a code share its national
    /// dialling rules, so the E.164 result and the validity are those of
    /// [`Phone::parse_in`] with any of them; prefer `parse_in` when the
    /// region is known.
    ///
    /// # Errors
    ///
    /// The reasons of [`Phone::parse_in`]; [`Reason::UnknownCountry`] for a
    /// national number when `default` has no geographic region (`800`, or
    /// an unassigned code).
    pub fn parse_national(input: &str, default: CallingCode) -> Result<Self, PiiError> {
        Self::parse_with(input, Some(plan::region_of_code(default.0).unwrap_or("")))
    }

    fn parse_with(input: &str, region: Option<&str>) -> Result<Self, PiiError> {
        let (plus, digits) = scan(input)?;
        let number = plan::read(plus, &digits, region).map_err(err)?;
        let verdict = plan::judge(&number).map_err(err)?;
        let code = number.code.to_string();
        let mut value = Zeroizing::new(String::with_capacity(
            1 + code.len() + number.national.len(),
        ));
        value.push('+');
        value.push_str(&code);
        value.push_str(&number.national);
        Ok(Self {
            value,
            region: CountryCode::parse_for(verdict.region, PiiKind::Phone).ok(),
            kind: verdict.kind,
        })
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

    /// The region whose numbering plan the number belongs to (libphonenumber
    /// `getRegionCodeForNumber`): `CA` for `+1 416 …`, `KZ` for `+7 701 …`.
    ///
    /// `None` for non-geographic numbers (`+800 …`) and for the plans of
    /// Ascension (`AC`), Tristan da Cunha (`TA`) and Kosovo (`XK`), whose
    /// codes are not assigned ISO 3166-1 codes.
    pub const fn region(&self) -> Option<CountryCode> {
        self.region
    }

    /// What kind of line the number reaches.
    pub const fn number_type(&self) -> PhoneType {
        self.kind
    }
}

/// The regions whose national numbers the free-text redactor recognises
/// without a label: the European Economic Area, its neighbours and the
/// marketplace's larger markets. Fewer regions would miss numbers; every
/// region more lets more order numbers pass for phone numbers.
const NATIONAL_REGIONS: [&str; 38] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB", "CH", "NO", "BR", "MX",
    "JP", "KR", "CN", "IN", "IL", "TR",
];

/// Whether `digits` (ASCII digits, no `+`) is a valid number, by
/// libphonenumber's plans, when dialled in one of [`NATIONAL_REGIONS`]:
/// the check behind the redactor's unlabelled national numbers
/// (`612 345 678`, `030 901820`).
pub(crate) fn valid_national(digits: &[u8]) -> bool {
    let Ok(digits) = core::str::from_utf8(digits) else {
        return false;
    };
    NATIONAL_REGIONS.iter().any(|&region| {
        plan::read(false, digits, Some(region))
            .and_then(|number| plan::judge(&number))
            .is_ok()
    })
}

/// Checks the characters and keeps the digits, the way libphonenumber's
/// `extractPossibleNumber` and `isViablePhoneNumber` read them: the number
/// starts at the first `+` or digit, pluses may only lead, separators are
/// ignored. Returns whether it began with `+`, and the digits.
fn scan(input: &str) -> Result<(bool, Zeroizing<String>), PiiError> {
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
    let mut digits = Zeroizing::new(String::with_capacity(input.len()));
    let (mut plus, mut leading_pluses) = (false, true);
    // A `+` after the start stops the number at the next digit; trailing
    // ones are cut off like other trailing punctuation.
    let mut stray_plus = None;
    for (position, c) in input.chars().enumerate() {
        match c {
            '0'..='9' => {
                if let Some(position) = stray_plus {
                    return Err(err(Reason::InvalidCharacter { position }));
                }
                leading_pluses = false;
                digits.push(c);
            }
            '+' if leading_pluses => plus = true,
            '+' => stray_plus = stray_plus.or(Some(position)),
            ' ' | '\u{a0}' | '-' | '.' | '(' | ')' | '/' => leading_pluses &= !plus,
            _ => return Err(err(Reason::InvalidCharacter { position })),
        }
    }
    if digits.len() < MIN_DIGITS {
        return Err(err(Reason::TooShort {
            min: MIN_DIGITS,
            unit: "digits",
        }));
    }
    Ok((plus, digits))
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
mod tests;
