//! What the detector reports: the kind of PII found and where.

use core::fmt;
use core::ops::Range;

/// The type of a finding. Built-in names are fixed and appear verbatim in
/// every output (tags, pseudonyms, reports, `--spans` JSON).
///
/// | variant | name |
/// |---|---|
/// | [`Email`](Self::Email) | `EMAIL` |
/// | [`Phone`](Self::Phone) | `PHONE` |
/// | [`CreditCard`](Self::CreditCard) | `CREDIT_CARD` |
/// | [`Iban`](Self::Iban) | `IBAN` |
/// | [`IpAddress`](Self::IpAddress) | `IP_ADDRESS` |
/// | [`Ssn`](Self::Ssn) | `SSN` |
/// | [`Dob`](Self::Dob) | `DOB` |
/// | [`Person`](Self::Person) | `PERSON` |
/// | [`Address`](Self::Address) | `ADDRESS` |
/// | [`Custom`](Self::Custom) | the host's name (`[A-Z][A-Z0-9_]*`) |
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DetectedKind {
    /// An email address (the address only, without `mailto:` or a key).
    Email,
    /// A phone number in international (`+…`) or national format.
    Phone,
    /// A payment card number (PAN) with a known issuer prefix and a valid
    /// Luhn digit.
    CreditCard,
    /// An IBAN with a valid length for its country and mod-97 check.
    Iban,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A US social security number that satisfies the SSA rules.
    Ssn,
    /// A calendar date given as someone's date of birth.
    Dob,
    /// A person's name, found as the value of a field that names one
    /// (`"firstName":"…"`, `recipient_name=…`; see
    /// [`FieldKeys`](super::FieldKeys)), or signing a message off at the
    /// end of a line (`Regards, Jason`, `Cordialement, Céline`).
    Person,
    /// A postal or street address, found as the value of a field that
    /// names one (`"shipping_address":"…"`, `street: …`).
    Address,
    /// A host-defined kind, named by its [`CustomDetector`](super::CustomDetector).
    Custom(&'static str),
}

impl DetectedKind {
    /// Every built-in kind, in the order used for reports.
    pub const BUILT_IN: [Self; 9] = [
        Self::Email,
        Self::Phone,
        Self::CreditCard,
        Self::Iban,
        Self::IpAddress,
        Self::Ssn,
        Self::Dob,
        Self::Person,
        Self::Address,
    ];

    /// The kind's fixed name (`EMAIL`, `PHONE`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
            Self::CreditCard => "CREDIT_CARD",
            Self::Iban => "IBAN",
            Self::IpAddress => "IP_ADDRESS",
            Self::Ssn => "SSN",
            Self::Dob => "DOB",
            Self::Person => "PERSON",
            Self::Address => "ADDRESS",
            Self::Custom(name) => name,
        }
    }

    /// The built-in kind with this name, if any.
    ///
    /// ```
    /// use custodian::redact::DetectedKind;
    ///
    /// assert_eq!(DetectedKind::from_name("IBAN"), Some(DetectedKind::Iban));
    /// assert_eq!(DetectedKind::from_name("iban"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::BUILT_IN.into_iter().find(|k| k.name() == name)
    }

    /// The bit of this kind in a [`KindSet`]; custom kinds have none.
    pub(crate) const fn bit(self) -> u16 {
        match self {
            Self::Email => 1,
            Self::Phone => 1 << 1,
            Self::CreditCard => 1 << 2,
            Self::Iban => 1 << 3,
            Self::IpAddress => 1 << 4,
            Self::Ssn => 1 << 5,
            Self::Dob => 1 << 6,
            Self::Person => 1 << 7,
            Self::Address => 1 << 8,
            Self::Custom(_) => 0,
        }
    }
}

impl fmt::Display for DetectedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of built-in kinds, as a bit mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KindSet(pub(crate) u16);

impl KindSet {
    pub(crate) const ALL: Self = Self(0x1ff);

    pub(crate) const fn has(self, kind: DetectedKind) -> bool {
        self.0 & kind.bit() != 0
    }
}

/// One piece of PII found in text.
///
/// A finding holds positions, never the text itself: slice the input with
/// [`bytes`](Self::bytes) to see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub(crate) kind: DetectedKind,
    pub(crate) bytes: Range<usize>,
    pub(crate) chars: Range<usize>,
    pub(crate) validator: &'static str,
}

impl Finding {
    /// What was found.
    pub fn kind(&self) -> DetectedKind {
        self.kind
    }

    /// End-exclusive byte range in the scanned text (for streams: in the
    /// line, without its newline).
    pub fn bytes(&self) -> Range<usize> {
        self.bytes.clone()
    }

    /// End-exclusive range in characters (Unicode scalar values) in the same
    /// text. Invalid UTF-8 counts one character per byte that is not a UTF-8
    /// continuation byte (`0x80..=0xBF`).
    pub fn chars(&self) -> Range<usize> {
        self.chars.clone()
    }

    /// The name of the check that confirmed the candidate, e.g. `luhn+iin`
    /// or `mod97`; see [`Detector`](super::Detector) for the list.
    pub fn validator(&self) -> &'static str {
        self.validator
    }
}

/// Number of characters in `bytes`, counting each byte that does not
/// continue a UTF-8 sequence.
pub(crate) fn char_count(bytes: &[u8]) -> usize {
    // A continuation byte is 0b10xx_xxxx, i.e. below -64 as an `i8`.
    // Counting into a byte per 32-byte chunk (at most 32, no overflow)
    // lets the compiler vectorize the loop.
    let starts = |b: &u8| u8::from((*b as i8) >= -0x40);
    let mut chunks = bytes.chunks_exact(32);
    let mut count = 0;
    for chunk in &mut chunks {
        count += usize::from(chunk.iter().map(starts).sum::<u8>());
    }
    count
        + chunks
            .remainder()
            .iter()
            .map(|b| usize::from(starts(b)))
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in DetectedKind::BUILT_IN {
            assert_eq!(DetectedKind::from_name(kind.name()), Some(kind));
            assert!(KindSet::ALL.has(kind));
        }
        assert_eq!(DetectedKind::Custom("ORDER_REF").to_string(), "ORDER_REF");
        assert!(!KindSet::ALL.has(DetectedKind::Custom("X")));
    }

    #[test]
    fn chars_count_scalars_in_long_text() {
        let text = "aé€😀ü日本語 abc ".repeat(37);
        assert_eq!(char_count(text.as_bytes()), text.chars().count());
        for cut in 0..40 {
            let bytes = &text.as_bytes()[..cut];
            let slow = bytes
                .iter()
                .filter(|&&b| !(0x80..0xC0).contains(&b))
                .count();
            assert_eq!(char_count(bytes), slow);
        }
    }

    #[test]
    fn chars_count_scalars() {
        assert_eq!(char_count("aé€😀".as_bytes()), 4);
        assert_eq!(char_count(&[0xff, 0x80, b'a']), 2);
    }
}
