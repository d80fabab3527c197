//! Names of people.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::mask::{HIDDEN, first_chars};
use super::{Category, PiiError, PiiKind, Reason, impl_pii, impl_text_canonical};

const MAX_CHARS: usize = 256;

/// A person's name (category: identity), as the person writes it.
///
/// Names vary too much across cultures to be parsed into given and family
/// names, so this is one string: surrounding whitespace trimmed and inner
/// runs of whitespace folded to one space. Any script is accepted, with
/// apostrophes, hyphens, dots and commas. Refused: control characters,
/// digits, and the markup and injection characters `< > @ \ { } [ ] | = _ #
/// $ % ^ * ~ " ;` (none of which occur in names, all of which occur in
/// attacks). At most 256 characters and at least one letter.
///
/// Masked as the initials of the first and the last word, `A••• L•••`:
/// enough for a support agent to confirm they have the right customer,
/// without middle names or the length of any part.
///
/// ```
/// use custodian::pii::PersonName;
///
/// let name = PersonName::parse("  Ada   King-Lovelace ")?;
/// assert_eq!(name.expose(), "Ada King-Lovelace");
/// assert_eq!(name.to_string(), "A••• K•••");
/// let long = PersonName::parse("Augusta Ada King Lovelace")?;
/// assert_eq!(long.to_string(), "A••• L•••");
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone)]
pub struct PersonName {
    value: Zeroizing<String>,
    /// Byte offset of the last word (0 for a single word), found once at
    /// parse time so that masking does not search.
    last_word: usize,
}

impl PersonName {
    /// Parses a name.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `person_name`: [`Reason::Empty`],
    /// [`Reason::TooLong`] (over 256 characters),
    /// [`Reason::InvalidCharacter`], or [`Reason::MalformedPart`] when no
    /// letter is present.
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(err(Reason::Empty));
        }
        if input.chars().count() > MAX_CHARS {
            return Err(err(Reason::TooLong {
                max: MAX_CHARS,
                unit: "characters",
            }));
        }
        if let Some(position) = input.chars().position(is_forbidden) {
            return Err(err(Reason::InvalidCharacter { position }));
        }
        if !input.chars().any(char::is_alphabetic) {
            return Err(err(Reason::MalformedPart { part: "name" }));
        }
        let mut value = Zeroizing::new(String::with_capacity(input.len()));
        for word in input.split_whitespace() {
            if !value.is_empty() {
                value.push(' ');
            }
            value.push_str(word);
        }
        let last_word = value.rfind(' ').map_or(0, |space| space + 1);
        Ok(Self { value, last_word })
    }

    /// The normalized name, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the plaintext; copies made from it are not zeroized
    /// by this crate.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

fn is_forbidden(c: char) -> bool {
    (c.is_control() && !c.is_whitespace()) || c.is_numeric() || "<>@\\{}[]|=_#$%^*~\";".contains(c)
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::PersonName, reason)
}

impl FromStr for PersonName {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(first_chars(&self.value, 1))?;
        if self.last_word == 0 {
            return f.write_str(HIDDEN);
        }
        f.write_str("••• ")?;
        f.write_str(first_chars(&self.value[self.last_word..], 1))?;
        f.write_str(HIDDEN)
    }
}

impl_text_canonical!(PersonName, value, PiiKind::PersonName);
impl_pii!(PersonName, PiiKind::PersonName, Category::Identity);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_in_many_scripts() {
        for ok in [
            "Ada Lovelace",
            "Seán Ó Briain",
            "D'Angelo",
            "José María Núñez-Ruiz",
            "山田 太郎",
            "Ngũgĩ wa Thiong'o",
            "Jr., Martin L.",
            "Ἀριστοτέλης",
        ] {
            assert!(PersonName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn folds_whitespace() {
        let n = PersonName::parse("\u{3000}Marie \t\n Curie ").expect("valid");
        assert_eq!(n.expose(), "Marie Curie");
    }

    #[test]
    fn rejects_markup_digits_controls_and_letterless_input() {
        let reason = |s: &str| PersonName::parse(s).expect_err(s).reason();
        assert_eq!(reason(" \t "), Reason::Empty);
        assert_eq!(reason("<script>"), Reason::InvalidCharacter { position: 0 });
        assert_eq!(
            reason("Ada\u{0}Lovelace"),
            Reason::InvalidCharacter { position: 3 }
        );
        assert_eq!(reason("R2 D2"), Reason::InvalidCharacter { position: 1 });
        assert_eq!(reason("'. -"), Reason::MalformedPart { part: "name" });
        assert_eq!(
            reason(&"a".repeat(257)),
            Reason::TooLong {
                max: 256,
                unit: "characters"
            }
        );
        assert!(PersonName::parse(&"a".repeat(256)).is_ok());
    }

    #[test]
    fn masks_to_initials() {
        let n = PersonName::parse("Émile Édouard Zola").expect("valid");
        assert_eq!(n.to_string(), "É••• Z•••");
        assert_eq!(format!("{n:?}"), "PersonName(É••• Z•••)");
        let single = PersonName::parse("Madonna").expect("valid");
        assert_eq!(single.to_string(), "M•••");
    }
}
