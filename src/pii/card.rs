//! Payment card numbers (PANs).

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::mask::last_chars;
use super::{Category, PiiError, PiiKind, Reason, impl_pii, impl_text_canonical};
use crate::validate::{card_brand, luhn_valid};

/// ISO/IEC 7812-1: a PAN has 12 to 19 digits (8-digit IINs since 2017).
const MIN_DIGITS: usize = 12;
const MAX_DIGITS: usize = 19;

/// The card scheme that issued a number, recognized from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardBrand {
    /// Visa (prefix 4).
    Visa,
    /// Mastercard (51–55 and the 2-series 2221–2720).
    Mastercard,
    /// American Express (34, 37).
    Amex,
    /// Discover (6011, 644–649, 65).
    Discover,
    /// JCB (3528–3589).
    Jcb,
    /// UnionPay (62, 81).
    UnionPay,
    /// Diners Club (300–305, 3095, 36, 38, 39).
    Diners,
    /// Maestro (50, 56–58, 639, 67 and its 4-digit ranges).
    Maestro,
    /// Mir (2200–2204).
    Mir,
}

impl CardBrand {
    /// The brand's display name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Visa => "Visa",
            Self::Mastercard => "Mastercard",
            Self::Amex => "Amex",
            Self::Discover => "Discover",
            Self::Jcb => "JCB",
            Self::UnionPay => "UnionPay",
            Self::Diners => "Diners",
            Self::Maestro => "Maestro",
            Self::Mir => "Mir",
        }
    }
}

impl fmt::Display for CardBrand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A payment card number (category: financial).
///
/// Accepts 12 to 19 digits, optionally grouped with spaces or dashes, that
/// pass the Luhn check and fall in a known issuer range with a length that
/// issuer uses ([`CardBrand`]). Stored as the bare digits.
///
/// Masked as the brand and the last 4 digits, `Visa •••• 4242`: less than
/// the first 6 and last 4 that PCI DSS (requirement 3.4.1) allows to be
/// shown.
///
/// ```
/// use custodian::pii::{CardBrand, CardNumber};
///
/// let card = CardNumber::parse("5555-5555-5555-4444")?;
/// assert_eq!(card.brand(), CardBrand::Mastercard);
/// assert_eq!(card.last4(), "4444");
/// assert_eq!(card.to_string(), "Mastercard •••• 4444");
/// assert_eq!(card.expose(), "5555555555554444");
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
///
/// # Security
///
/// Storing PANs brings a system into PCI DSS scope. Prefer a payment
/// processor's token; where the PAN must be kept, seal it (the vault) and
/// never log `expose()`.
#[derive(Clone)]
pub struct CardNumber {
    digits: Zeroizing<String>,
    brand: CardBrand,
}

impl CardNumber {
    /// Parses a card number.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `card_number`: [`Reason::Empty`],
    /// [`Reason::InvalidCharacter`] (anything but digits, spaces and
    /// dashes), [`Reason::TooShort`] / [`Reason::TooLong`] (outside 12–19
    /// digits), [`Reason::ChecksumMismatch`] (Luhn), or
    /// [`Reason::UnknownIssuer`] (no known brand issues this prefix at this
    /// length).
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(err(Reason::Empty));
        }
        let mut digits = Zeroizing::new(String::with_capacity(MAX_DIGITS));
        for (position, c) in input.chars().enumerate() {
            match c {
                '0'..='9' if digits.len() < MAX_DIGITS => digits.push(c),
                '0'..='9' => {
                    return Err(err(Reason::TooLong {
                        max: MAX_DIGITS,
                        unit: "digits",
                    }));
                }
                ' ' | '-' => {}
                _ => return Err(err(Reason::InvalidCharacter { position })),
            }
        }
        if digits.len() < MIN_DIGITS {
            return Err(err(Reason::TooShort {
                min: MIN_DIGITS,
                unit: "digits",
            }));
        }
        if !luhn_valid(digits.as_bytes()) {
            return Err(err(Reason::ChecksumMismatch));
        }
        let brand = card_brand(digits.as_bytes()).ok_or(err(Reason::UnknownIssuer))?;
        Ok(Self { digits, brand })
    }

    /// The bare digits, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the full PAN. Never log it; copies made from it are
    /// not zeroized by this crate.
    pub fn expose(&self) -> &str {
        &self.digits
    }

    /// The card brand.
    pub const fn brand(&self) -> CardBrand {
        self.brand
    }

    /// The last four digits, which PCI DSS allows to be displayed.
    pub fn last4(&self) -> &str {
        last_chars(&self.digits, 4)
    }
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::CardNumber, reason)
}

impl FromStr for CardNumber {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.brand.name())?;
        f.write_str(" •••• ")?;
        f.write_str(self.last4())
    }
}

impl_text_canonical!(CardNumber, digits, PiiKind::CardNumber);
impl_pii!(CardNumber, PiiKind::CardNumber, Category::Financial);

#[cfg(test)]
mod tests {
    use super::*;

    fn brand(input: &str) -> CardBrand {
        CardNumber::parse(input).expect(input).brand()
    }

    #[test]
    fn recognizes_published_test_cards_of_every_brand() {
        // Test numbers published by Stripe, Adyen and the schemes.
        assert_eq!(brand("4242 4242 4242 4242"), CardBrand::Visa);
        assert_eq!(brand("4222222222222"), CardBrand::Visa);
        assert_eq!(brand("4000 0566 5566 5556"), CardBrand::Visa);
        assert_eq!(brand("5555 5555 5555 4444"), CardBrand::Mastercard);
        assert_eq!(brand("2223 0031 2200 3222"), CardBrand::Mastercard);
        assert_eq!(brand("2720 9900 0000 0007"), CardBrand::Mastercard);
        assert_eq!(brand("3782 822463 10005"), CardBrand::Amex);
        assert_eq!(brand("3714 496353 98431"), CardBrand::Amex);
        assert_eq!(brand("6011 1111 1111 1117"), CardBrand::Discover);
        assert_eq!(brand("6011 0009 9013 9424"), CardBrand::Discover);
        assert_eq!(brand("3566 0020 2036 0505"), CardBrand::Jcb);
        assert_eq!(brand("1800 1234 5678 905"), CardBrand::Jcb);
        assert_eq!(brand("2131 1234 5678 904"), CardBrand::Jcb);
        assert_eq!(brand("6200 0000 0000 0005"), CardBrand::UnionPay);
        assert_eq!(brand("3056 9300 0902 0004"), CardBrand::Diners);
        assert_eq!(brand("3622 720627 1667"), CardBrand::Diners);
        // 14-digit Diners numbers in the 38 range (a regression: the range
        // once allowed only 16 to 19 digits).
        assert_eq!(brand("3889 458137 6672"), CardBrand::Diners);
        assert_eq!(brand("6759 6498 2643 8453"), CardBrand::Maestro);
        assert_eq!(brand("6799 9901 0000 0000 019"), CardBrand::Maestro);
        assert_eq!(brand("2200 0000 0000 0004"), CardBrand::Mir);
    }

    #[test]
    fn rejects_luhn_failures_and_bad_shapes() {
        let reason = |s: &str| CardNumber::parse(s).expect_err(s).reason();
        assert_eq!(reason("4242 4242 4242 4241"), Reason::ChecksumMismatch);
        assert_eq!(reason(""), Reason::Empty);
        assert_eq!(
            reason("4242_4242_4242_4242"),
            Reason::InvalidCharacter { position: 4 }
        );
        assert_eq!(
            reason("**** **** **** 4242"),
            Reason::InvalidCharacter { position: 0 }
        );
        assert_eq!(
            reason("42424242424"),
            Reason::TooShort {
                min: 12,
                unit: "digits"
            }
        );
        assert_eq!(
            reason(&"4".repeat(20)),
            Reason::TooLong {
                max: 19,
                unit: "digits"
            }
        );
        // Luhn-valid but nobody issues 9xxx, and Visa has no 15-digit PANs.
        assert_eq!(reason("9999 9999 9999 9995"), Reason::UnknownIssuer);
        assert_eq!(reason("4111 1111 1111 116"), Reason::UnknownIssuer);
    }

    #[test]
    fn masks_to_brand_and_last_four() {
        let card = CardNumber::parse("3782-822463-10005").expect("valid");
        assert_eq!(card.to_string(), "Amex •••• 0005");
        assert_eq!(format!("{card:?}"), "CardNumber(Amex •••• 0005)");
    }

    /// Luhn as the standard states it: from the right, double every second
    /// digit, add the digits of each product, and require a multiple of 10.
    fn reference_luhn(digits: &str) -> bool {
        let mut sum = 0;
        for (i, c) in digits.chars().rev().enumerate() {
            let d = c.to_digit(10).expect("digits only");
            let d = if i % 2 == 1 { d * 2 } else { d };
            sum += d / 10 + d % 10;
        }
        sum % 10 == 0
    }

    proptest::proptest! {
        #[test]
        fn luhn_agrees_with_the_reference(digits in "[0-9]{1,19}") {
            proptest::prop_assert_eq!(luhn_valid(digits.as_bytes()), reference_luhn(&digits));
        }

        #[test]
        fn parse_accepts_only_luhn_valid_known_brands(digits in "[2-6][0-9]{11,18}") {
            match CardNumber::parse(&digits) {
                Ok(card) => {
                    proptest::prop_assert!(reference_luhn(&digits));
                    proptest::prop_assert_eq!(Some(card.brand()), card_brand(digits.as_bytes()));
                }
                Err(e) => proptest::prop_assert!(
                    !reference_luhn(&digits) || card_brand(digits.as_bytes()).is_none(),
                    "{e}"
                ),
            }
        }
    }
}
