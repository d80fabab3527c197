//! National identity and tax numbers.

use core::fmt;

use zeroize::Zeroizing;

use super::mask::last_chars;
use super::{Category, CountryCode, PiiError, PiiKind, Reason, impl_pii, private::Sealed};
use crate::validate::ssn_valid;

const MIN_CHARS: usize = 4;
const MAX_CHARS: usize = 20;

/// Which kind of national number a [`NationalId`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdScheme {
    /// US Social Security Number (country `US`), checked against the SSA's
    /// never-issued ranges.
    Ssn,
    /// US Individual Taxpayer Identification Number (country `US`).
    Itin,
    /// UK National Insurance number (country `GB`), checked against HMRC's
    /// prefix and suffix rules.
    Nino,
    /// A tax identification number of any country.
    TaxId,
    /// A VAT registration number of any country (without its country
    /// prefix).
    Vat,
    /// A national identity card number of any country.
    IdentityCard,
    /// A passport number of any country.
    Passport,
}

impl IdScheme {
    const ALL: [IdScheme; 7] = [
        Self::Ssn,
        Self::Itin,
        Self::Nino,
        Self::TaxId,
        Self::Vat,
        Self::IdentityCard,
        Self::Passport,
    ];

    /// The scheme's short label, as used in masks: `SSN`, `ITIN`, `NINO`,
    /// `TIN`, `VAT`, `ID`, `PASSPORT`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Ssn => "SSN",
            Self::Itin => "ITIN",
            Self::Nino => "NINO",
            Self::TaxId => "TIN",
            Self::Vat => "VAT",
            Self::IdentityCard => "ID",
            Self::Passport => "PASSPORT",
        }
    }

    /// The label as it stands in a mask, between the country and the last
    /// digits: written in one piece to keep masking cheap.
    const fn masked_label(self) -> &'static str {
        match self {
            Self::Ssn => " SSN •••",
            Self::Itin => " ITIN •••",
            Self::Nino => " NINO •••",
            Self::TaxId => " TIN •••",
            Self::Vat => " VAT •••",
            Self::IdentityCard => " ID •••",
            Self::Passport => " PASSPORT •••",
        }
    }

    /// The only country a national scheme belongs to, if it is national.
    const fn home(self) -> Option<&'static str> {
        match self {
            Self::Ssn | Self::Itin => Some("US"),
            Self::Nino => Some("GB"),
            _ => None,
        }
    }
}

impl fmt::Display for IdScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A national identity or tax number (category: identity): a scheme, the
/// issuing country, and the number.
///
/// The number is stored upper case with spaces, dashes, dots and slashes
/// removed; it must then be 4 to 20 ASCII letters and digits. Schemes with
/// published rules are checked further: [`IdScheme::Ssn`] (9 digits; area
/// not 000, 666 or 900–999; group not 00; serial not 0000; not one of the
/// SSA's advertising numbers 078-05-1120, 219-09-9999, 457-55-5462),
/// [`IdScheme::Itin`] (9 digits starting with 9; group 50–65, 70–88,
/// 90–92 or 94–99) and [`IdScheme::Nino`] (two prefix letters, six digits, a
/// suffix A–D, no never-issued prefix).
///
/// SSNs and ITINs are taken only as `AAA-GG-SSSS`, as nine digits, or with
/// one of the two dashes (`AAA-GGSSSS`, `AAAGG-SSSS`), the layouts
/// python-stdnum accepts: a dot, slash, space, or a dash anywhere else is
/// refused, since it hints at a different number typed into the field.
///
/// Masked as country, scheme and the last 4 characters: `US SSN •••6789`.
///
/// ```
/// use custodian::pii::{IdScheme, NationalId};
///
/// let ssn = NationalId::parse(IdScheme::Ssn, "US", "123-45-6789")?;
/// assert_eq!(ssn.expose(), "123456789");
/// assert_eq!(ssn.to_string(), "US SSN •••6789");
/// assert!(NationalId::parse(IdScheme::Ssn, "US", "666-45-6789").is_err());
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone)]
pub struct NationalId {
    scheme: IdScheme,
    country: CountryCode,
    value: Zeroizing<String>,
}

impl NationalId {
    /// Parses a number of `scheme` issued by `country` (ISO 3166-1
    /// alpha-2).
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `national_id`: [`Reason::UnknownCountry`]
    /// (unassigned code, or a national scheme of another country),
    /// [`Reason::Empty`], [`Reason::InvalidCharacter`],
    /// [`Reason::TooShort`] / [`Reason::TooLong`], and for checked schemes
    /// [`Reason::WrongLength`], [`Reason::MalformedPart`] or
    /// [`Reason::NeverIssued`].
    pub fn parse(scheme: IdScheme, country: &str, value: &str) -> Result<Self, PiiError> {
        let country = CountryCode::parse_for(country, PiiKind::NationalId)?;
        if scheme.home().is_some_and(|home| home != country.as_str()) {
            return Err(err(Reason::UnknownCountry));
        }
        let value = match scheme {
            IdScheme::Ssn | IdScheme::Itin => us_layout(value)?,
            _ => normalize(value)?,
        };
        match scheme {
            IdScheme::Ssn => check_ssn(&value)?,
            IdScheme::Itin => check_itin(&value)?,
            IdScheme::Nino => check_nino(&value)?,
            _ => {}
        }
        Ok(Self {
            scheme,
            country,
            value,
        })
    }

    /// The number, normalized, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the plaintext; copies made from it are not zeroized
    /// by this crate.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The scheme.
    pub const fn scheme(&self) -> IdScheme {
        self.scheme
    }

    /// The issuing country.
    pub const fn country(&self) -> CountryCode {
        self.country
    }
}

fn normalize(input: &str) -> Result<Zeroizing<String>, PiiError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(err(Reason::Empty));
    }
    let mut value = Zeroizing::new(String::with_capacity(MAX_CHARS));
    for (position, c) in input.chars().enumerate() {
        match c {
            ' ' | '-' | '.' | '/' => {}
            c if c.is_ascii_alphanumeric() && value.len() < MAX_CHARS => {
                value.push(c.to_ascii_uppercase())
            }
            c if c.is_ascii_alphanumeric() => {
                return Err(err(Reason::TooLong {
                    max: MAX_CHARS,
                    unit: "characters",
                }));
            }
            _ => return Err(err(Reason::InvalidCharacter { position })),
        }
    }
    if value.len() < MIN_CHARS {
        return Err(err(Reason::TooShort {
            min: MIN_CHARS,
            unit: "characters",
        }));
    }
    Ok(value)
}

/// US numbers (SSN, ITIN) are written `AAA-GG-SSSS` or as nine digits;
/// python-stdnum also takes either dash alone (`AAA-GGSSSS`, `AAAGG-SSSS`),
/// and so does this. Any other character — spaces, dots, slashes, a dash
/// elsewhere, doubled, leading or trailing — is refused.
fn us_layout(input: &str) -> Result<Zeroizing<String>, PiiError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(err(Reason::Empty));
    }
    let mut value = Zeroizing::new(String::with_capacity(9));
    let mut dash_allowed = false;
    for (position, c) in input.chars().enumerate() {
        match c {
            '0'..='9' if value.len() < MAX_CHARS => {
                value.push(c);
                dash_allowed = matches!(value.len(), 3 | 5);
            }
            '-' if dash_allowed => dash_allowed = false,
            _ => return Err(err(Reason::InvalidCharacter { position })),
        }
    }
    Ok(value)
}

/// The SSA's advertising and pamphlet numbers (078-05-1120 printed on
/// sample cards sold with wallets, 219-09-9999 in an SSA pamphlet,
/// 457-55-5462 in an advertisement): voided, never anyone's number, and
/// refused as python-stdnum refuses them. The free-text redactor still
/// finds them, since text that carries one means it as an SSN.
const ADVERTISING: [&str; 3] = ["078051120", "219099999", "457555462"];

/// Area, group and serial of a 9-digit US number.
fn us_parts(value: &str) -> Result<(u16, u8, u16), PiiError> {
    if value.len() != 9 {
        return Err(err(Reason::WrongLength {
            expected: 9,
            found: value.len(),
        }));
    }
    if let Some(position) = value.bytes().position(|b| !b.is_ascii_digit()) {
        return Err(err(Reason::MalformedPart {
            part: if position < 3 {
                "area"
            } else if position < 5 {
                "group"
            } else {
                "serial"
            },
        }));
    }
    let number = |r: core::ops::Range<usize>| value[r].parse::<u16>().unwrap_or(0);
    Ok((number(0..3), number(3..5) as u8, number(5..9)))
}

/// SSA: areas 000, 666 and 900–999, group 00 and serial 0000 are never
/// issued (ssa.gov, "Social Security Number Randomization").
fn check_ssn(value: &str) -> Result<(), PiiError> {
    us_parts(value)?;
    if !ssn_valid(value.as_bytes()) || ADVERTISING.contains(&value) {
        return Err(err(Reason::NeverIssued));
    }
    Ok(())
}

/// IRS: ITINs start with 9 and have a group of 50–65, 70–88, 90–92 or
/// 94–99.
fn check_itin(value: &str) -> Result<(), PiiError> {
    let (area, group, _) = us_parts(value)?;
    let group_ok = matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
    if area < 900 || !group_ok {
        return Err(err(Reason::NeverIssued));
    }
    Ok(())
}

/// HMRC National Insurance Manual NIM39110: the first letter is not D, F,
/// I, Q, U or V; the second not D, F, I, O, Q, U or V; BG, GB, KN, NK, NT,
/// TN and ZZ are never issued; the suffix is A to D.
fn check_nino(value: &str) -> Result<(), PiiError> {
    let b = value.as_bytes();
    if b.len() != 9 {
        return Err(err(Reason::WrongLength {
            expected: 9,
            found: b.len(),
        }));
    }
    let shape = b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..8].iter().all(u8::is_ascii_digit)
        && (b'A'..=b'D').contains(&b[8]);
    if !shape {
        return Err(err(Reason::MalformedPart {
            part: "national insurance number",
        }));
    }
    let never = b"DFIQUV".contains(&b[0])
        || b"DFIOQUV".contains(&b[1])
        || ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&&value[..2]);
    if never {
        return Err(err(Reason::NeverIssued));
    }
    Ok(())
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::NationalId, reason)
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.country.as_str())?;
        f.write_str(self.scheme.masked_label())?;
        // Numbers have at least 4 characters; only longer ones show their
        // last 4, as `HideAllButLast` would.
        if self.value.len() > 4 {
            f.write_str(last_chars(&self.value, 4))?;
        }
        Ok(())
    }
}

impl Sealed for NationalId {
    /// Canonical form: `LABEL:CC:NUMBER`, e.g. `SSN:US:123456789`.
    fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut text = Zeroizing::new(String::with_capacity(self.value.len() + 12));
        text.push_str(self.scheme.label());
        text.push(':');
        text.push_str(self.country.as_str());
        text.push(':');
        text.push_str(&self.value);
        f(text.as_bytes())
    }

    fn from_canonical(bytes: &[u8]) -> Result<Self, PiiError> {
        let malformed = err(Reason::MalformedPart { part: "encoding" });
        let text = core::str::from_utf8(bytes).map_err(|_| malformed)?;
        let mut parts = text.splitn(3, ':');
        let (Some(label), Some(country), Some(value)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed);
        };
        let scheme = IdScheme::ALL
            .into_iter()
            .find(|s| s.label() == label)
            .ok_or(malformed)?;
        Self::parse(scheme, country, value)
    }
}

impl_pii!(NationalId, PiiKind::NationalId, Category::Identity);

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(scheme: IdScheme, country: &str, value: &str) -> Reason {
        NationalId::parse(scheme, country, value)
            .expect_err(value)
            .reason()
    }

    #[test]
    fn ssn_rules_follow_the_ssa() {
        assert!(NationalId::parse(IdScheme::Ssn, "us", "123-45-6789").is_ok());
        assert!(NationalId::parse(IdScheme::Ssn, "US", "899999999").is_ok());
        for never in [
            "078-05-1120",
            "219-09-9999",
            "457-55-5462",
            "078051120",
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "999-12-3456",
            "123-00-4567",
            "123-45-0000",
        ] {
            assert_eq!(
                reason(IdScheme::Ssn, "US", never),
                Reason::NeverIssued,
                "{never}"
            );
        }
        assert_eq!(
            reason(IdScheme::Ssn, "US", "123-45-678"),
            Reason::WrongLength {
                expected: 9,
                found: 8
            }
        );
        assert_eq!(
            reason(IdScheme::Ssn, "US", "12A-45-6789"),
            Reason::InvalidCharacter { position: 2 }
        );
        assert_eq!(
            reason(IdScheme::Ssn, "DE", "123-45-6789"),
            Reason::UnknownCountry
        );
    }

    #[test]
    fn us_numbers_take_the_stdnum_layouts_only() {
        for ok in [
            "123-45-6789",
            "123456789",
            "123-456789",
            "12345-6789",
            " 123-45-6789\n",
        ] {
            let id = NationalId::parse(IdScheme::Ssn, "US", ok).expect(ok);
            assert_eq!(id.expose(), "123456789");
        }
        for (bad, position) in [
            ("123.45.6789", 3),
            ("123/45/6789", 3),
            ("123 45 6789", 3),
            ("123--45-6789", 4),
            ("-123-45-6789", 0),
            ("123-45-6789-", 11),
            ("12-345-6789", 2),
            ("1234-5-6789", 4),
            ("123-4-56789", 5),
            ("123456-789", 6),
            ("123–45–6789", 3),
        ] {
            assert_eq!(
                reason(IdScheme::Ssn, "US", bad),
                Reason::InvalidCharacter { position },
                "{bad}"
            );
        }
        assert_eq!(
            reason(IdScheme::Itin, "US", "912 70 1234"),
            Reason::InvalidCharacter { position: 3 }
        );
        assert_eq!(reason(IdScheme::Ssn, "US", " "), Reason::Empty);
    }

    #[test]
    fn itin_rules_follow_the_irs() {
        assert!(NationalId::parse(IdScheme::Itin, "US", "912-70-1234").is_ok());
        assert_eq!(
            reason(IdScheme::Itin, "US", "812-70-1234"),
            Reason::NeverIssued
        );
        assert_eq!(
            reason(IdScheme::Itin, "US", "912-93-1234"),
            Reason::NeverIssued
        );
    }

    #[test]
    fn nino_rules_follow_hmrc() {
        assert!(NationalId::parse(IdScheme::Nino, "GB", "QQ 12 34 56 C").is_err());
        assert!(NationalId::parse(IdScheme::Nino, "GB", "AB 12 34 56 C").is_ok());
        assert_eq!(
            reason(IdScheme::Nino, "GB", "GB123456A"),
            Reason::NeverIssued
        );
        assert_eq!(
            reason(IdScheme::Nino, "GB", "AB123456E"),
            Reason::MalformedPart {
                part: "national insurance number"
            }
        );
        assert_eq!(
            reason(IdScheme::Nino, "GB", "AB12345A"),
            Reason::WrongLength {
                expected: 9,
                found: 8
            }
        );
    }

    #[test]
    fn generic_schemes_check_shape_and_length() {
        let id = NationalId::parse(IdScheme::TaxId, "DE", "12 345 678 901").expect("valid");
        assert_eq!(id.expose(), "12345678901");
        assert_eq!(id.to_string(), "DE TIN •••8901");
        assert_eq!(
            reason(IdScheme::Passport, "FR", "12"),
            Reason::TooShort {
                min: 4,
                unit: "characters"
            }
        );
        assert_eq!(
            reason(IdScheme::Passport, "FR", &"1".repeat(21)),
            Reason::TooLong {
                max: 20,
                unit: "characters"
            }
        );
        assert_eq!(
            reason(IdScheme::Passport, "FR", "12_34"),
            Reason::InvalidCharacter { position: 2 }
        );
        assert_eq!(
            reason(IdScheme::Passport, "XX", "1234"),
            Reason::UnknownCountry
        );
        assert_eq!(reason(IdScheme::Vat, "IT", "  "), Reason::Empty);
    }

    #[test]
    fn masked_labels_match_labels() {
        for scheme in IdScheme::ALL {
            assert_eq!(scheme.masked_label(), format!(" {} •••", scheme.label()));
        }
    }

    #[test]
    fn canonical_form_round_trips() {
        let id = NationalId::parse(IdScheme::IdentityCard, "ES", "12345678z").expect("valid");
        let back = id
            .with_canonical(NationalId::from_canonical)
            .expect("round trip");
        assert_eq!(back, id);
        assert_eq!(back.scheme(), IdScheme::IdentityCard);
        assert!(NationalId::from_canonical(b"NOPE:ES:1234").is_err());
        assert_eq!(format!("{id:?}"), "NationalId(ES ID •••678Z)");
    }
}
