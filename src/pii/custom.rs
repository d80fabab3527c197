//! Host-defined PII kinds.

use core::fmt;
use core::marker::PhantomData;

use zeroize::Zeroizing;

use super::mask::HIDDEN;
use super::{Category, PiiError, PiiKind, Reason, ct_eq, private::Sealed};

/// Default input limit for host kinds that keep the default
/// [`CustomKind::normalize`].
const DEFAULT_MAX_BYTES: usize = 1024;

/// Describes a host-defined kind of personal data: its name, category,
/// normalization and mask. Implement it on a unit struct and use
/// [`Custom<YourKind>`](Custom) as the value type.
///
/// ```
/// use core::fmt;
/// use custodian::pii::{Category, Custom, CustomKind, Reason, mask::HideAllButLast};
///
/// /// A loyalty-programme member number: 10 digits.
/// enum LoyaltyNumber {}
///
/// impl CustomKind for LoyaltyNumber {
///     const NAME: &'static str = "loyalty_number";
///     const CATEGORY: Category = Category::host(0x8001, "loyalty");
///
///     fn normalize(input: &str) -> Result<String, Reason> {
///         let digits: String = input.chars().filter(|c| *c != ' ').collect();
///         match digits.chars().position(|c| !c.is_ascii_digit()) {
///             Some(position) => Err(Reason::InvalidCharacter { position }),
///             None if digits.len() != 10 => Err(Reason::WrongLength { expected: 10, found: digits.len() }),
///             None => Ok(digits),
///         }
///     }
///
///     fn mask(value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         write!(f, "{}", HideAllButLast(value, 2))
///     }
/// }
///
/// let member = Custom::<LoyaltyNumber>::parse("12345 67890")?;
/// assert_eq!(member.expose(), "1234567890");
/// assert_eq!(member.to_string(), "•••90");
/// assert_eq!(format!("{member:?}"), "loyalty_number(•••90)");
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
pub trait CustomKind: 'static {
    /// The kind's name in lower snake case, used in errors and masked
    /// serializations. Keep it stable.
    const NAME: &'static str;

    /// The data category of every value of this kind.
    const CATEGORY: Category;

    /// Validates raw input and returns the normalized value to store.
    ///
    /// The default trims whitespace and accepts 1 to 1024 bytes without
    /// control characters.
    ///
    /// # Errors
    ///
    /// A [`Reason`] saying what is wrong (never the input itself).
    fn normalize(input: &str) -> Result<String, Reason> {
        let input = input.trim();
        if input.is_empty() {
            return Err(Reason::Empty);
        }
        if input.len() > DEFAULT_MAX_BYTES {
            return Err(Reason::TooLong {
                max: DEFAULT_MAX_BYTES,
                unit: "bytes",
            });
        }
        match input.chars().position(char::is_control) {
            Some(position) => Err(Reason::InvalidCharacter { position }),
            None => Ok(input.to_owned()),
        }
    }

    /// Writes the masked form of a normalized value. The default hides it
    /// entirely (`•••`). Use the helpers in [`mask`](super::mask), and
    /// write to `f` directly so that masking allocates nothing.
    ///
    /// # Errors
    ///
    /// Only those of the formatter.
    fn mask(value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = value;
        f.write_str(HIDDEN)
    }
}

/// A value of a host-defined kind `K`, with the same contract as the
/// built-in kinds: parsed, normalized, masked, zeroized, constant-time
/// equality, plaintext only through [`expose`](Custom::expose).
pub struct Custom<K: CustomKind> {
    value: Zeroizing<String>,
    kind: PhantomData<fn() -> K>,
}

impl<K: CustomKind> Custom<K> {
    /// Parses input through [`CustomKind::normalize`].
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `K::NAME` with the reason `normalize` gave.
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        K::normalize(input)
            .map(|value| Self {
                value: Zeroizing::new(value),
                kind: PhantomData,
            })
            .map_err(|reason| PiiError::new(PiiKind::Custom(K::NAME), reason))
    }

    /// The normalized value, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the plaintext; copies made from it are not zeroized
    /// by this crate.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl<K: CustomKind> Clone for Custom<K> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            kind: PhantomData,
        }
    }
}

impl<K: CustomKind> fmt::Display for Custom<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        K::mask(&self.value, f)
    }
}

impl<K: CustomKind> fmt::Debug for Custom<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(K::NAME)
            .field(&format_args!("{self}"))
            .finish()
    }
}

impl<K: CustomKind> PartialEq for Custom<K> {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(self.value.as_bytes(), other.value.as_bytes())
    }
}

impl<K: CustomKind> Eq for Custom<K> {}

impl<K: CustomKind> super::Pii for Custom<K> {
    fn kind(&self) -> PiiKind {
        PiiKind::Custom(K::NAME)
    }

    fn category(&self) -> Category {
        K::CATEGORY
    }
}

impl<K: CustomKind> Sealed for Custom<K> {
    fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.value.as_bytes())
    }

    fn from_canonical(bytes: &[u8]) -> Result<Self, PiiError> {
        let text = core::str::from_utf8(bytes).map_err(|_| {
            PiiError::new(
                PiiKind::Custom(K::NAME),
                Reason::MalformedPart { part: "encoding" },
            )
        })?;
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pii::Pii;

    enum Note {}

    impl CustomKind for Note {
        const NAME: &'static str = "support_note";
        const CATEGORY: Category = Category::Engagement;
    }

    #[test]
    fn default_rules_trim_and_hide() {
        let note = Custom::<Note>::parse("  called about parcel  ").expect("valid");
        assert_eq!(note.expose(), "called about parcel");
        assert_eq!(note.to_string(), "•••");
        assert_eq!(note.kind(), PiiKind::Custom("support_note"));
        assert_eq!(note.category(), Category::Engagement);
    }

    #[test]
    fn default_rules_reject_empty_long_and_control_input() {
        let reason = |s: &str| Custom::<Note>::parse(s).expect_err(s).reason();
        assert_eq!(reason("  "), Reason::Empty);
        assert_eq!(reason("a\u{7}b"), Reason::InvalidCharacter { position: 1 });
        assert!(matches!(reason(&"a".repeat(1025)), Reason::TooLong { .. }));
        let err = Custom::<Note>::parse("").expect_err("empty");
        assert_eq!(err.to_string(), "invalid support_note: the input is empty");
    }
}
