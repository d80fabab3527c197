//! Building blocks for masked output, shared by every kind and available to
//! [`CustomKind`](super::CustomKind) implementations.
//!
//! Each helper writes straight to the formatter and allocates nothing.

use core::fmt;

/// The character that stands for hidden characters.
pub const BULLET: &str = "•";

/// The run of bullets that stands for a hidden part of any length. Its
/// length is fixed so that masks do not reveal how long the value is.
pub const HIDDEN: &str = "•••";

/// The last `n` characters of `value` (all of it if shorter).
///
/// ```
/// use custodian::pii::mask::last_chars;
///
/// assert_eq!(last_chars("4242424242424242", 4), "4242");
/// assert_eq!(last_chars("ab", 4), "ab");
/// assert_eq!(last_chars("größe", 2), "ße");
/// ```
pub fn last_chars(value: &str, n: usize) -> &str {
    match value.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((start, _)) if n > 0 => &value[start..],
        _ if n == 0 => "",
        _ => value,
    }
}

/// The first `n` characters of `value` (all of it if shorter).
///
/// ```
/// use custodian::pii::mask::first_chars;
///
/// assert_eq!(first_chars("Ådne", 1), "Å");
/// assert_eq!(first_chars("", 1), "");
/// ```
pub fn first_chars(value: &str, n: usize) -> &str {
    if n == 1 {
        // The common case (initials), without an iterator.
        return value.chars().next().map_or("", |c| &value[..c.len_utf8()]);
    }
    match value.char_indices().nth(n) {
        Some((end, _)) => &value[..end],
        None => value,
    }
}

/// Writes [`HIDDEN`] followed by the last `n` characters of `value`, or only
/// [`HIDDEN`] when `value` has no more than `n` characters (showing all of a
/// short value would show all of it).
///
/// ```
/// use custodian::pii::mask::HideAllButLast;
///
/// assert_eq!(HideAllButLast("AB123456C", 4).to_string(), "•••456C");
/// assert_eq!(HideAllButLast("1234", 4).to_string(), "•••");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct HideAllButLast<'a>(pub &'a str, pub usize);

impl fmt::Display for HideAllButLast<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(value, n) = *self;
        f.write_str(HIDDEN)?;
        if value.chars().count() > n {
            f.write_str(last_chars(value, n))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_and_first_chars_respect_char_boundaries() {
        assert_eq!(last_chars("héllo", 4), "éllo");
        assert_eq!(last_chars("héllo", 0), "");
        assert_eq!(last_chars("", 3), "");
        assert_eq!(first_chars("héllo", 2), "hé");
        assert_eq!(first_chars("héllo", 0), "");
    }

    #[test]
    fn short_values_are_hidden_entirely() {
        assert_eq!(HideAllButLast("123", 4).to_string(), "•••");
        assert_eq!(HideAllButLast("12345", 4).to_string(), "•••2345");
    }
}
