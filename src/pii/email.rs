//! Email addresses.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::mask::first_chars;
use super::{Category, PiiError, PiiKind, Reason, impl_pii, impl_text_canonical};

/// RFC 5321 §4.5.3.1: 64 octets of local part, 255 of domain, and a path of
/// 256 octets including the angle brackets, so 254 for the address itself.
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;
const MAX_DOMAIN: usize = 253;
const MAX_ADDRESS: usize = 254;

/// An email address (category: contact).
///
/// Accepted: one `@`; a local part of RFC 5322 `atext` characters and
/// non-ASCII letters (RFC 6531), dot-separated, at most 64 bytes; a domain of
/// at least two labels of letters, digits and inner hyphens, at most 63
/// bytes each, with a top-level label that is not all digits. Quoted local
/// parts, comments and IP-literal domains are rejected: marketplaces do not
/// need them, and they are a favourite of injection payloads.
///
/// Stored normalized: surrounding whitespace trimmed, the domain lower-cased.
/// The local part keeps its case (RFC 5321 leaves it to the receiving host).
/// Internationalized domains are kept as given, in Unicode or in punycode
/// (`xn--`); the crate does not convert between the two, so the same domain
/// written both ways gives two different values.
///
/// Masked as the first character of the local part and the domain:
/// `a•••@example.com`.
///
/// ```
/// use custodian::pii::Email;
///
/// let email = Email::parse(" Ada@Example.COM ")?;
/// assert_eq!(email.expose(), "Ada@example.com");
/// assert_eq!(email.to_string(), "A•••@example.com");
/// assert_eq!(email.domain(), "example.com");
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone)]
pub struct Email {
    value: Zeroizing<String>,
    at: usize,
}

impl Email {
    /// Parses and normalizes an email address.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `email` whose [`Reason`] says what is wrong:
    /// empty input, too long, a missing or repeated `@`, an empty local
    /// part, a malformed local part or domain, or a character not allowed.
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(err(Reason::Empty));
        }
        if input.len() > MAX_ADDRESS {
            return Err(err(Reason::TooLong {
                max: MAX_ADDRESS,
                unit: "bytes",
            }));
        }
        let mut parts = input.splitn(3, '@');
        let local = parts.next().unwrap_or_default();
        let domain = parts.next().ok_or(err(Reason::MissingSeparator))?;
        if parts.next().is_some() {
            return Err(err(Reason::RepeatedSeparator));
        }
        check_local(local)?;
        // One buffer, lower-cased in place: no temporary copy of the
        // plaintext to wipe, and one allocation per parse (the vault parses
        // again on every open).
        let at = local.len();
        let mut value = Zeroizing::new(String::with_capacity(input.len()));
        value.push_str(local);
        value.push('@');
        if domain.is_ascii() {
            value.push_str(domain);
            value[at + 1..].make_ascii_lowercase();
        } else {
            value.extend(domain.chars().flat_map(char::to_lowercase));
        }
        check_domain(&value[at + 1..], local.chars().count() + 1)?;
        Ok(Self { at, value })
    }

    /// The normalized address, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the plaintext. The returned reference is fine to pass
    /// to a mailer; copies made from it are not zeroized by this crate.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The domain, lower-cased. Domains are shown by the mask too, so this
    /// is not considered plaintext.
    pub fn domain(&self) -> &str {
        &self.value[self.at + 1..]
    }

    fn local(&self) -> &str {
        &self.value[..self.at]
    }
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::Email, reason)
}

fn check_local(local: &str) -> Result<(), PiiError> {
    if local.is_empty() {
        return Err(err(Reason::EmptyPart { part: "local part" }));
    }
    if local.len() > MAX_LOCAL {
        return Err(err(Reason::TooLong {
            max: MAX_LOCAL,
            unit: "bytes in the local part",
        }));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(err(Reason::MalformedPart { part: "local part" }));
    }
    match local.chars().position(|c| !is_local_char(c)) {
        Some(position) => Err(err(Reason::InvalidCharacter { position })),
        None => Ok(()),
    }
}

/// RFC 5322 `atext` plus `.`, and non-ASCII letters and digits (RFC 6531).
fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~.".contains(c)
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// `offset` is the character position where the domain starts, so errors
/// point into the whole address.
fn check_domain(domain: &str, offset: usize) -> Result<(), PiiError> {
    if domain.is_empty() {
        return Err(err(Reason::EmptyPart { part: "domain" }));
    }
    if domain.len() > MAX_DOMAIN {
        return Err(err(Reason::TooLong {
            max: MAX_DOMAIN,
            unit: "bytes in the domain",
        }));
    }
    if let Some(position) = domain
        .chars()
        .position(|c| !(c == '.' || c == '-' || c.is_alphanumeric()))
    {
        return Err(err(Reason::InvalidCharacter {
            position: offset + position,
        }));
    }
    let malformed = err(Reason::MalformedPart { part: "domain" });
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        let bad_label = label.is_empty()
            || label.len() > MAX_LABEL
            || label.starts_with('-')
            || label.ends_with('-');
        if bad_label {
            return Err(malformed);
        }
        labels += 1;
        last = label;
    }
    if labels < 2 || last.chars().all(|c| c.is_ascii_digit()) {
        return Err(malformed);
    }
    Ok(())
}

impl FromStr for Email {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Three writes, no formatting machinery: masking must cost about as
        // much as writing the plaintext (benches/mask.rs).
        f.write_str(first_chars(self.local(), 1))?;
        f.write_str("•••@")?;
        f.write_str(self.domain())
    }
}

impl_text_canonical!(Email, value, PiiKind::Email);
impl_pii!(Email, PiiKind::Email, Category::Contact);

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(input: &str) -> Reason {
        Email::parse(input).expect_err(input).reason()
    }

    #[test]
    fn accepts_common_and_unusual_valid_addresses() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'brien@example.ie",
            "user@xn--bcher-kva.example",
            "jürgen@bücher.de",
            "用户@例子.广告",
            "x@a-b.c-d.com",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn normalizes_domain_case_and_whitespace_only() {
        let e = Email::parse("\t Mixed.Case@EXAMPLE.Com\n").expect("valid");
        assert_eq!(e.expose(), "Mixed.Case@example.com");
    }

    #[test]
    fn rejects_each_malformation_with_its_reason() {
        assert_eq!(reason(""), Reason::Empty);
        assert_eq!(reason("   "), Reason::Empty);
        assert_eq!(reason("ada.example.com"), Reason::MissingSeparator);
        assert_eq!(reason("a@b@example.com"), Reason::RepeatedSeparator);
        assert_eq!(
            reason("@example.com"),
            Reason::EmptyPart { part: "local part" }
        );
        assert_eq!(reason("ada@"), Reason::EmptyPart { part: "domain" });
        assert_eq!(
            reason(".ada@example.com"),
            Reason::MalformedPart { part: "local part" }
        );
        assert_eq!(
            reason("a..da@example.com"),
            Reason::MalformedPart { part: "local part" }
        );
        assert_eq!(
            reason("ada@localhost"),
            Reason::MalformedPart { part: "domain" }
        );
        assert_eq!(
            reason("ada@-example.com"),
            Reason::MalformedPart { part: "domain" }
        );
        assert_eq!(
            reason("ada@example..com"),
            Reason::MalformedPart { part: "domain" }
        );
        assert_eq!(
            reason("ada@192.168.0.1"),
            Reason::MalformedPart { part: "domain" }
        );
        assert_eq!(
            reason("a da@example.com"),
            Reason::InvalidCharacter { position: 1 }
        );
        assert_eq!(
            reason("ada@exa_mple.com"),
            Reason::InvalidCharacter { position: 7 }
        );
        assert_eq!(
            reason("\"ada\"@example.com"),
            Reason::InvalidCharacter { position: 0 }
        );
    }

    #[test]
    fn enforces_rfc_5321_length_limits() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
        assert!(matches!(
            reason(&format!("a{local64}@example.com")),
            Reason::TooLong { max: 64, .. }
        ));
        let label63 = "b".repeat(63);
        assert!(Email::parse(&format!("a@{label63}.com")).is_ok());
        assert_eq!(
            reason(&format!("a@{label63}b.com")),
            Reason::MalformedPart { part: "domain" }
        );
        // 1 + 1 + 252 = 254 bytes: the longest address.
        let domain = format!(
            "{}.{}.{}.{}",
            "c".repeat(63),
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(60)
        );
        assert_eq!(domain.len(), 252);
        assert!(Email::parse(&format!("a@{domain}")).is_ok());
        assert!(matches!(
            reason(&format!("ab@{domain}")),
            Reason::TooLong { max: 254, .. }
        ));
    }

    #[test]
    fn masks_all_but_first_character_and_domain() {
        let e = Email::parse("émile.zola@example.fr").expect("valid");
        assert_eq!(e.to_string(), "é•••@example.fr");
        assert_eq!(format!("{e:?}"), "Email(é•••@example.fr)");
    }

    #[test]
    fn equality_uses_normalized_value() {
        let a = Email::parse("ada@EXAMPLE.com").expect("valid");
        let b = Email::parse("ada@example.com").expect("valid");
        let c = Email::parse("Ada@example.com").expect("valid");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
