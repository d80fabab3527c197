//! Postal addresses.

use core::fmt;

use zeroize::Zeroizing;

use super::{Category, CountryCode, PiiError, PiiKind, Reason, impl_pii, private::Sealed};

const MAX_LINES: usize = 4;
const MAX_FIELD_CHARS: usize = 128;
const MAX_POSTAL_CODE: usize = 12;

/// A postal address (category: location): the policy's "delivery
/// coordinates".
///
/// Structured after the common core of UPU S42 and Google's libaddressinput:
/// one to four street lines, a locality (city), an optional region (state,
/// province), an optional postal code and an ISO 3166-1 alpha-2 country.
/// Text fields are trimmed with inner whitespace folded; they may use any
/// script but no control characters, and hold at most 128 characters. The
/// postal code is letters, digits, spaces and dashes, at most 12, stored
/// upper case. Postal-code formats per country are not checked.
///
/// Masked to locality and country: `•••, Berlin, DE`.
///
/// ```
/// use custodian::pii::PostalAddress;
///
/// let address = PostalAddress::builder()
///     .line("Unter den Linden 77")
///     .postal_code("10117")
///     .locality("Berlin")
///     .country("de")
///     .build()?;
/// assert_eq!(address.to_string(), "•••, Berlin, DE");
/// let parts = address.expose();
/// assert_eq!(parts.lines, ["Unter den Linden 77"]);
/// assert_eq!(parts.postal_code, Some("10117"));
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone)]
pub struct PostalAddress {
    lines: Zeroizing<Vec<String>>,
    locality: Zeroizing<String>,
    region: Zeroizing<String>,
    postal_code: Zeroizing<String>,
    country: CountryCode,
}

/// A borrowed view of a [`PostalAddress`]'s parts, from
/// [`PostalAddress::expose`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddressParts<'a> {
    /// Street lines, one to four.
    pub lines: &'a [String],
    /// City or town.
    pub locality: &'a str,
    /// State, province or county, if given.
    pub region: Option<&'a str>,
    /// Postal code, upper case, if given.
    pub postal_code: Option<&'a str>,
    /// Country.
    pub country: CountryCode,
}

/// Collects the parts of a [`PostalAddress`]; [`build`](Self::build)
/// validates them all at once.
///
/// Its `Debug` output shows no part of the address.
#[derive(Clone, Default)]
pub struct PostalAddressBuilder {
    lines: Zeroizing<Vec<String>>,
    locality: Zeroizing<String>,
    region: Zeroizing<String>,
    postal_code: Zeroizing<String>,
    country: Zeroizing<String>,
}

impl PostalAddress {
    /// Starts building an address.
    pub fn builder() -> PostalAddressBuilder {
        PostalAddressBuilder::default()
    }

    /// The parts of the address, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the full address; copies made from the parts are not
    /// zeroized by this crate.
    pub fn expose(&self) -> AddressParts<'_> {
        AddressParts {
            lines: &self.lines,
            locality: &self.locality,
            region: non_empty(&self.region),
            postal_code: non_empty(&self.postal_code),
            country: self.country,
        }
    }

    /// The country, which the mask shows too.
    pub const fn country(&self) -> CountryCode {
        self.country
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

impl PostalAddressBuilder {
    /// Adds a street line (up to four).
    pub fn line(mut self, line: &str) -> Self {
        self.lines.push(line.to_owned());
        self
    }

    /// Sets the locality (city or town). Required.
    pub fn locality(mut self, locality: &str) -> Self {
        *self.locality = locality.to_owned();
        self
    }

    /// Sets the region (state, province, county).
    pub fn region(mut self, region: &str) -> Self {
        *self.region = region.to_owned();
        self
    }

    /// Sets the postal code.
    pub fn postal_code(mut self, postal_code: &str) -> Self {
        *self.postal_code = postal_code.to_owned();
        self
    }

    /// Sets the country, as an ISO 3166-1 alpha-2 code. Required.
    pub fn country(mut self, country: &str) -> Self {
        *self.country = country.to_owned();
        self
    }

    /// Validates the parts and builds the address.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `postal_address`: [`Reason::EmptyPart`] for a
    /// missing street line, locality or country; [`Reason::TooLong`] for
    /// more than four lines or a field over 128 characters;
    /// [`Reason::MalformedPart`] for a field with control characters or a
    /// malformed postal code; [`Reason::UnknownCountry`].
    pub fn build(self) -> Result<PostalAddress, PiiError> {
        if self.country.trim().is_empty() {
            return Err(err(Reason::EmptyPart { part: "country" }));
        }
        let country = CountryCode::parse(&self.country)?;
        if self.lines.len() > MAX_LINES {
            return Err(err(Reason::TooLong {
                max: MAX_LINES,
                unit: "street lines",
            }));
        }
        let mut lines = Zeroizing::new(Vec::with_capacity(self.lines.len()));
        for line in self.lines.iter() {
            lines.push(text_field(line, "street line")?.to_string());
        }
        if lines.is_empty() {
            return Err(err(Reason::EmptyPart {
                part: "street line",
            }));
        }
        let locality = text_field(&self.locality, "locality")?;
        let region = if self.region.trim().is_empty() {
            Zeroizing::default()
        } else {
            text_field(&self.region, "region")?
        };
        Ok(PostalAddress {
            lines,
            locality,
            region,
            postal_code: postal_code(&self.postal_code)?,
            country,
        })
    }
}

impl fmt::Debug for PostalAddressBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostalAddressBuilder")
            .finish_non_exhaustive()
    }
}

/// Trims, folds whitespace, and checks one text field.
fn text_field(input: &str, part: &'static str) -> Result<Zeroizing<String>, PiiError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(err(Reason::EmptyPart { part }));
    }
    if input.chars().count() > MAX_FIELD_CHARS {
        return Err(err(Reason::TooLong {
            max: MAX_FIELD_CHARS,
            unit: "characters in a field",
        }));
    }
    if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(err(Reason::MalformedPart { part }));
    }
    let mut value = Zeroizing::new(String::with_capacity(input.len()));
    for word in input.split_whitespace() {
        if !value.is_empty() {
            value.push(' ');
        }
        value.push_str(word);
    }
    Ok(value)
}

fn postal_code(input: &str) -> Result<Zeroizing<String>, PiiError> {
    let input = input.trim();
    let malformed = err(Reason::MalformedPart {
        part: "postal code",
    });
    if input.chars().count() > MAX_POSTAL_CODE
        || !input
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        return Err(malformed);
    }
    Ok(Zeroizing::new(input.to_ascii_uppercase()))
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::PostalAddress, reason)
}

impl fmt::Display for PostalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Plain writes, no formatting machinery (benches/mask.rs).
        f.write_str("•••, ")?;
        f.write_str(&self.locality)?;
        f.write_str(", ")?;
        f.write_str(self.country.as_str())
    }
}

impl Sealed for PostalAddress {
    /// Canonical form: country, locality, region, postal code and each
    /// street line, separated by `\n` (which no field can contain).
    fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut text = Zeroizing::new(String::with_capacity(256));
        for field in [
            self.country.as_str(),
            &self.locality,
            &self.region,
            &self.postal_code,
        ] {
            text.push_str(field);
            text.push('\n');
        }
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(line);
        }
        f(text.as_bytes())
    }

    fn from_canonical(bytes: &[u8]) -> Result<Self, PiiError> {
        let malformed = err(Reason::MalformedPart { part: "encoding" });
        let text = core::str::from_utf8(bytes).map_err(|_| malformed)?;
        let mut fields = text.split('\n');
        let (Some(country), Some(locality), Some(region), Some(postal_code)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(malformed);
        };
        fields
            .fold(PostalAddress::builder(), PostalAddressBuilder::line)
            .country(country)
            .locality(locality)
            .region(region)
            .postal_code(postal_code)
            .build()
    }
}

impl_pii!(PostalAddress, PiiKind::PostalAddress, Category::Location);

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo() -> PostalAddressBuilder {
        PostalAddress::builder()
            .line("千代田区千代田1-1")
            .locality("東京")
            .region("東京都")
            .postal_code("100-8111")
            .country("JP")
    }

    fn reason(builder: PostalAddressBuilder) -> Reason {
        builder.build().expect_err("invalid").reason()
    }

    #[test]
    fn builds_and_normalizes() {
        let a = PostalAddress::builder()
            .line("  10  Downing   Street ")
            .line("Flat 2")
            .locality(" London ")
            .postal_code("sw1a 2aa")
            .country("gb")
            .build()
            .expect("valid");
        let parts = a.expose();
        assert_eq!(parts.lines, ["10 Downing Street", "Flat 2"]);
        assert_eq!(parts.locality, "London");
        assert_eq!(parts.region, None);
        assert_eq!(parts.postal_code, Some("SW1A 2AA"));
        assert_eq!(parts.country.as_str(), "GB");
        assert_eq!(a.to_string(), "•••, London, GB");
        assert_eq!(format!("{a:?}"), "PostalAddress(•••, London, GB)");
    }

    #[test]
    fn canonical_form_round_trips() {
        let a = tokyo().line("2F").build().expect("valid");
        let b = a
            .with_canonical(PostalAddress::from_canonical)
            .expect("round trip");
        assert_eq!(a, b);
        assert_eq!(b.expose().lines.len(), 2);
        assert_eq!(b.expose().region, Some("東京都"));
    }

    #[test]
    fn reports_each_missing_or_bad_part() {
        assert_eq!(
            reason(tokyo().country("")),
            Reason::EmptyPart { part: "country" }
        );
        assert_eq!(reason(tokyo().country("XX")), Reason::UnknownCountry);
        assert_eq!(
            reason(tokyo().locality(" ")),
            Reason::EmptyPart { part: "locality" }
        );
        assert_eq!(
            reason(PostalAddress::builder().locality("Oslo").country("NO")),
            Reason::EmptyPart {
                part: "street line"
            }
        );
        assert_eq!(
            reason(tokyo().line("a").line("b").line("c").line("d")),
            Reason::TooLong {
                max: 4,
                unit: "street lines"
            }
        );
        assert_eq!(
            reason(tokyo().line("a\u{0}b")),
            Reason::MalformedPart {
                part: "street line"
            }
        );
        assert_eq!(
            reason(tokyo().postal_code("10117;DROP")),
            Reason::MalformedPart {
                part: "postal code"
            }
        );
        assert!(matches!(
            reason(tokyo().locality(&"x".repeat(129))),
            Reason::TooLong { .. }
        ));
    }

    #[test]
    fn builder_debug_reveals_nothing() {
        let debug = format!("{:?}", tokyo());
        assert_eq!(debug, "PostalAddressBuilder { .. }");
    }
}
