//! ISO 3166-1 alpha-2 country codes.

use core::fmt;
use core::str::FromStr;

use super::{PiiError, PiiKind, Reason};

/// An assigned ISO 3166-1 alpha-2 country code, stored in upper case.
///
/// Not personal data by itself, so it displays in full.
///
/// ```
/// use custodian::pii::CountryCode;
///
/// let de: CountryCode = "de".parse()?;
/// assert_eq!(de.as_str(), "DE");
/// assert!("XX".parse::<CountryCode>().is_err());
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(u8);

impl CountryCode {
    /// Parses a two-letter code in either case.
    ///
    /// # Errors
    ///
    /// [`Reason::UnknownCountry`] unless the code is one of the 249
    /// officially assigned ISO 3166-1 alpha-2 codes (the reported kind is
    /// `postal_address`, where country codes are most often entered).
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        Self::parse_for(input, PiiKind::PostalAddress)
    }

    pub(crate) fn parse_for(input: &str, kind: PiiKind) -> Result<Self, PiiError> {
        let unknown = PiiError::new(kind, Reason::UnknownCountry);
        let bytes = input.trim().as_bytes();
        let [a, b] = bytes else { return Err(unknown) };
        let code = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        // An index into the sorted table: `as_str` is then a lookup, and
        // ordering by index is ordering by code.
        ASSIGNED
            .binary_search_by(|c| c.as_bytes().cmp(&code[..]))
            .ok()
            .and_then(|i| u8::try_from(i).ok())
            .map(Self)
            .ok_or(unknown)
    }

    /// The code in upper case.
    pub fn as_str(&self) -> &'static str {
        // Only `parse_for` builds a CountryCode, from an index it found.
        ASSIGNED.get(usize::from(self.0)).copied().unwrap_or("??")
    }
}

impl FromStr for CountryCode {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The officially assigned codes, sorted (ISO 3166 Maintenance Agency).
const ASSIGNED: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_so_binary_search_works() {
        assert!(ASSIGNED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn accepts_assigned_codes_in_any_case() {
        assert_eq!(
            CountryCode::parse(" gb ").map(|c| c.to_string()).as_deref(),
            Ok("GB")
        );
        assert!(CountryCode::parse("Zw").is_ok());
    }

    #[test]
    fn rejects_unassigned_and_malformed_codes() {
        for bad in ["UK", "XX", "D", "DEU", "", "1A", "ÄÖ"] {
            assert_eq!(
                CountryCode::parse(bad).map_err(|e| e.reason()),
                Err(Reason::UnknownCountry),
                "{bad}"
            );
        }
    }
}
