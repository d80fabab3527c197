//! Email addresses.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::mask::first_chars;
use super::{Category, PiiError, PiiKind, Reason, impl_pii, impl_text_canonical};
use crate::swar;

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
        // Normalize first (one buffer, lower-cased in place: no temporary
        // copy of the plaintext to wipe), then check the normalized form,
        // which is also what the vault checks when it opens a value.
        let mut value = Zeroizing::new(String::with_capacity(input.len()));
        match memchr::memchr(b'@', input.as_bytes()) {
            Some(at) => {
                let domain = &input[at + 1..];
                value.push_str(&input[..=at]);
                if domain.is_ascii() {
                    value.push_str(domain);
                    value[at + 1..].make_ascii_lowercase();
                } else {
                    value.extend(domain.chars().flat_map(char::to_lowercase));
                }
            }
            None => value.push_str(input),
        }
        let at = check(&value)?;
        Ok(Self { at, value })
    }

    /// Takes an address already in normal form (the vault's canonical
    /// bytes): checks it as [`Email::parse`] does, without copying it, and
    /// refuses a domain that is not lower-cased.
    fn from_normalized(value: Zeroizing<String>) -> Result<Self, PiiError> {
        if let Some(at) = check_fast(value.as_bytes()) {
            return Ok(Self { at, value });
        }
        let at = check_each_rule(&value)?;
        let domain = &value[at + 1..];
        let lower = if domain.is_ascii() {
            !domain.bytes().any(|b| b.is_ascii_uppercase())
        } else {
            domain
                .chars()
                .flat_map(char::to_lowercase)
                .eq(domain.chars())
        };
        if !lower {
            return Err(err(Reason::MalformedPart { part: "encoding" }));
        }
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

/// Checks a normalized address; returns the offset of its `@`.
fn check(address: &str) -> Result<usize, PiiError> {
    match check_fast(address.as_bytes()) {
        Some(at) => Ok(at),
        None => check_each_rule(address),
    }
}

/// The common case, fast: an ASCII address with a lower-case domain that
/// passes every rule gives the offset of its `@`. Anything else (including
/// every invalid address) gives `None`, and [`check_each_rule`] decides,
/// with the precise reason. Runs of eight lower-case letters and digits,
/// most of an address, are checked a word at a time.
fn check_fast(address: &[u8]) -> Option<usize> {
    if address.len() > MAX_ADDRESS {
        return None;
    }
    let at = memchr::memchr(b'@', address)?;
    let (local, domain) = (&address[..at], &address[at + 1..]);
    let sizes_ok = !local.is_empty() && local.len() <= MAX_LOCAL && domain.len() <= MAX_DOMAIN;
    (sizes_ok && local_ok(local) && domain_ok(domain)).then_some(at)
}

/// Local part: atext bytes, no dot first, last or twice in a row.
fn local_ok(local: &[u8]) -> bool {
    // A leading dot counts as a repeated one.
    let mut prev_dot = true;
    let mut byte_ok = |b: u8| {
        let dot = b == b'.';
        let ok = LOCAL_ASCII[usize::from(b)] && !(dot && prev_dot);
        prev_dot = dot;
        ok
    };
    let mut words = local.chunks_exact(8);
    for word in &mut words {
        if Word::of(word).is_lower_alnum() {
            byte_ok(b'a');
        } else if !word.iter().all(|&b| byte_ok(b)) {
            return false;
        }
    }
    words.remainder().iter().all(|&b| byte_ok(b)) && !prev_dot
}

/// Domain: labels of `[a-z0-9-]`, 1 to 63 bytes, no hyphen at either end;
/// at least two; the last not all digits.
fn domain_ok(domain: &[u8]) -> bool {
    let mut labels = Labels::default();
    let mut words = domain.chunks_exact(8);
    for word in &mut words {
        let w = Word::of(word);
        let ok = if w.is_lower_alnum() {
            labels.alnum_run(8, w.has_letter())
        } else {
            word.iter().all(|&b| labels.push(b))
        };
        if !ok {
            return false;
        }
    }
    words.remainder().iter().all(|&b| labels.push(b)) && labels.finish()
}

/// The state of the domain check between bytes.
struct Labels {
    /// The previous byte, or `.` before the first.
    prev: u8,
    len: usize,
    dots: usize,
    digits_only: bool,
}

impl Default for Labels {
    fn default() -> Self {
        Self {
            prev: b'.',
            len: 0,
            dots: 0,
            digits_only: true,
        }
    }
}

impl Labels {
    fn push(&mut self, b: u8) -> bool {
        let ok = match b {
            b'.' => {
                let ends_well = self.prev != b'.' && self.prev != b'-';
                (self.len, self.dots, self.digits_only) = (0, self.dots + 1, true);
                ends_well
            }
            b'-' => self.prev != b'.' && self.alnum_run(1, true),
            b'a'..=b'z' => self.alnum_run(1, true),
            b'0'..=b'9' => self.alnum_run(1, false),
            _ => false,
        };
        self.prev = b;
        ok
    }

    /// `n` letters or digits (or one hyphen) that continue the label.
    fn alnum_run(&mut self, n: usize, not_all_digits: bool) -> bool {
        self.prev = b'a';
        self.len += n;
        self.digits_only &= !not_all_digits;
        self.len <= MAX_LABEL
    }

    fn finish(&self) -> bool {
        self.prev != b'.' && self.prev != b'-' && self.dots > 0 && !self.digits_only
    }
}

/// Eight bytes tested at once ([`swar`](crate::swar)).
struct Word(u64);

impl Word {
    fn of(bytes: &[u8]) -> Self {
        Self(swar::load(bytes))
    }

    /// Whether all eight bytes are `[a-z0-9]`.
    const fn is_lower_alnum(&self) -> bool {
        self.0 & swar::HI == 0
            && swar::in_range(self.0, b'a', b'z') | swar::in_range(self.0, b'0', b'9') == swar::HI
    }

    const fn has_letter(&self) -> bool {
        swar::in_range(self.0, b'a', b'z') != 0
    }
}

/// Every rule in turn, so that an error names the first one broken.
fn check_each_rule(address: &str) -> Result<usize, PiiError> {
    if address.is_empty() {
        return Err(err(Reason::Empty));
    }
    if address.len() > MAX_ADDRESS {
        return Err(err(Reason::TooLong {
            max: MAX_ADDRESS,
            unit: "bytes",
        }));
    }
    let bytes = address.as_bytes();
    let at = memchr::memchr(b'@', bytes).ok_or(err(Reason::MissingSeparator))?;
    if memchr::memchr(b'@', &bytes[at + 1..]).is_some() {
        return Err(err(Reason::RepeatedSeparator));
    }
    let (local, domain) = (&address[..at], &address[at + 1..]);
    check_local(local)?;
    check_domain(domain, local)?;
    Ok(at)
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
    let bad = if local.is_ascii() {
        local.bytes().position(|b| !LOCAL_ASCII[usize::from(b)])
    } else {
        local.chars().position(|c| !is_local_char(c))
    };
    match bad {
        Some(position) => Err(err(Reason::InvalidCharacter { position })),
        None => Ok(()),
    }
}

/// Which ASCII bytes a local part may hold: RFC 5322 `atext` plus `.`.
const LOCAL_ASCII: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let specials = b"!#$%&'*+-/=?^_`{|}~.";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = true;
        i += 1;
    }
    table
};

/// RFC 5322 `atext` plus `.`, and non-ASCII letters and digits (RFC 6531).
fn is_local_char(c: char) -> bool {
    if c.is_ascii() {
        LOCAL_ASCII[c as usize]
    } else {
        c.is_alphanumeric()
    }
}

/// Error positions count characters from the start of the address, so the
/// local part before the domain is counted (only when there is an error).
fn check_domain(domain: &str, local: &str) -> Result<(), PiiError> {
    if domain.is_empty() {
        return Err(err(Reason::EmptyPart { part: "domain" }));
    }
    if domain.len() > MAX_DOMAIN {
        return Err(err(Reason::TooLong {
            max: MAX_DOMAIN,
            unit: "bytes in the domain",
        }));
    }
    let domain_char = |c: char| c == '.' || c == '-' || c.is_alphanumeric();
    let bad = if domain.is_ascii() {
        domain.bytes().position(|b| !domain_char(char::from(b)))
    } else {
        domain.chars().position(|c| !domain_char(c))
    };
    if let Some(position) = bad {
        return Err(err(Reason::InvalidCharacter {
            position: local.chars().count() + 1 + position,
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
    if labels < 2 || last.bytes().all(|b| b.is_ascii_digit()) {
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

impl_text_canonical!(Email, value, PiiKind::Email, Self::from_normalized);
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

    proptest::proptest! {
        /// The one-pass check agrees with the rule-by-rule one: whatever it
        /// accepts they accept at the same `@`, and it accepts every valid
        /// ASCII address with a lower-case domain.
        #[test]
        fn fast_check_agrees_with_each_rule(
            address in proptest::prop_oneof![
                "[a-zA-Z0-9.!#%+_~@-]{0,12}(@[a-z0-9.-]{0,70})?",
                // Long runs of letters and digits: the word-at-a-time path.
                "[a-z0-9]{0,70}(\\.[a-z0-9]{0,9}){0,2}@[a-z0-9-]{0,70}(\\.[a-z0-9-]{0,20}){0,4}",
                "[a-z0-9.]{0,70}@[a-z0-9.]{0,260}",
            ],
        ) {
            let fast = check_fast(address.as_bytes());
            let slow = check_each_rule(&address).ok();
            if fast.is_some() {
                proptest::prop_assert_eq!(fast, slow);
            }
            if let Some(at) = slow {
                let lower = !address[at + 1..].bytes().any(|b| b.is_ascii_uppercase());
                proptest::prop_assert_eq!(fast.is_some(), lower);
            }
        }
    }

    #[test]
    fn fast_check_agrees_on_edge_cases() {
        let label63 = "b".repeat(63);
        let local64 = "a".repeat(64);
        let long_domain = format!(
            "{}.{}.{}.{}",
            "c".repeat(63),
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(60)
        );
        for address in [
            "a@b.co",
            "a.b@c.d",
            ".a@b.co",
            "a.@b.co",
            "a..b@c.de",
            "a@b",
            "a@b.",
            "a@.b",
            "a@b..c",
            "a@-b.co",
            "a@b-.co",
            "a@b.c-",
            "a@b.1-2",
            "a@1.23",
            "a@b.c0",
            "@b.co",
            "a@",
            "a@@b.co",
            "a@b@c.co",
            "a@B.co",
            "jürgen@b.de",
            "a@bücher.de",
            "a b@c.de",
            "a@b_c.de",
            &format!("{local64}@b.co"),
            &format!("a{local64}@b.co"),
            &format!("a@{label63}.com"),
            &format!("a@{label63}b.com"),
            &format!("a@{long_domain}"),
            &format!("ab@{long_domain}"),
        ] {
            let fast = check_fast(address.as_bytes());
            let slow = check_each_rule(address).ok();
            if fast.is_some() {
                assert_eq!(fast, slow, "{address}");
            } else if let Some(at) = slow {
                let plain = address.is_ascii()
                    && !address[at + 1..].bytes().any(|b| b.is_ascii_uppercase());
                assert!(!plain, "fast check refused {address}");
            }
        }
    }

    #[test]
    fn canonical_form_must_be_normalized() {
        use crate::pii::private::Sealed as _;
        assert!(Email::from_canonical(b"ada@example.com").is_ok());
        assert!(Email::from_canonical(b"ada@Example.com").is_err());
        assert!(Email::from_canonical("ada@BÜCHER.de".as_bytes()).is_err());
        assert!(Email::from_canonical("ada@bücher.de".as_bytes()).is_ok());
        assert!(Email::from_canonical(b" ada@example.com").is_err());
        assert!(Email::from_canonical(&[0x61, 0xff, b'@', b'b', b'.', b'c', b'o']).is_err());
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
