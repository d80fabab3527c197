//! Identifiers the host hands to the crate: staff roles, recipients,
//! policy versions, jurisdictions and references. (Subjects are
//! [`SubjectId`](crate::SubjectId), at the crate root.)
//!
//! Each is validated when it is made, so that nothing else in the crate
//! has to: a [`Role`] is a snake_case key, a [`Reference`] cannot hold a
//! space or an `@` (so neither a sentence nor an e-mail address fits in
//! one), and so on. Errors never repeat the rejected input.
//!
//! | type | syntax | example |
//! |---|---|---|
//! | [`Role`] | `[a-z][a-z0-9_]{0,63}` | `support_agent` |
//! | [`RecipientId`] | `[a-z0-9][a-z0-9_.-]{0,63}` | `dhl.de` |
//! | [`PolicyVersion`] | `[0-9A-Za-z][0-9A-Za-z._-]{0,31}` | `2025-06` |
//! | [`Jurisdiction`] | `[A-Z]{2}(-[A-Z0-9]{1,3})?` (ISO 3166-1/-2, or `EU`) | `US-CA` |
//! | [`Reference`] | `[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}` | `ticket:4711` |
//! | [`StaffId`] | as `Reference` | `staff:0042` |
//! | [`ConsentEventId`] | a random UUID (version 4), lower-case | `0f8f…` |
//!
//! These are the crate's only copies: policies, decisions, the consent
//! ledger and [audit events](crate::audit::AuditEvent) all use them.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use thiserror::Error;

/// A value did not have the syntax its type requires.
///
/// The message names the type, never the rejected input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("invalid {what}")]
pub struct InvalidId {
    what: &'static str,
}

impl InvalidId {
    pub(crate) const fn new(what: &'static str) -> Self {
        Self { what }
    }

    /// What was being parsed, such as `role` or `subject id`.
    pub const fn what(&self) -> &'static str {
        self.what
    }
}

/// The OS random number generator failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("the operating system's random number generator failed")]
#[non_exhaustive]
pub struct RandomnessError;

/// Fills `bytes` from the OS random number generator: the one place the
/// crate's ids and signing keys get their randomness.
pub(crate) fn fill_random(bytes: &mut [u8]) -> Result<(), RandomnessError> {
    getrandom::fill(bytes).map_err(|_| RandomnessError)
}

/// Declares a validated string identifier backed by a `Cow<'static, str>`,
/// with a `const` constructor for values known at compile time.
macro_rules! token_type {
    ($(#[$meta:meta])* $name:ident, $what:literal, $valid:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Cow<'static, str>);

        impl $name {
            /// A value known at compile time; meant for `const` items,
            /// where a bad value fails the build.
            ///
            /// # Panics
            ///
            /// Panics (a compile error in a `const` item) if `s` does not
            /// have the type's syntax.
            pub const fn new(s: &'static str) -> Self {
                assert!($valid(s.as_bytes()), concat!("invalid ", $what));
                Self(Cow::Borrowed(s))
            }

            /// Checks a value that arrives at run time.
            ///
            /// # Errors
            ///
            #[doc = concat!("[`InvalidId`] (`", $what, "`) if `s` does not have the type's syntax.")]
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                if $valid(s.as_bytes()) {
                    Ok(Self(Cow::Owned(s.to_owned())))
                } else {
                    Err(InvalidId::new($what))
                }
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        crate::string_form::string_form!($name, InvalidId, as_str);
    };
}

/// `[a-z][a-z0-9_]{0,63}`: a snake_case key (roles, purpose keys).
pub(crate) const fn valid_snake_key(b: &[u8]) -> bool {
    if b.is_empty() || b.len() > 64 || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b[i] == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

/// `[a-z0-9][a-z0-9_.-]{0,63}`.
const fn valid_recipient(b: &[u8]) -> bool {
    if b.is_empty() || b.len() > 64 || !(b[0].is_ascii_lowercase() || b[0].is_ascii_digit()) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'.' || c == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

/// `[0-9A-Za-z][0-9A-Za-z._-]{0,31}`.
const fn valid_version(b: &[u8]) -> bool {
    if b.is_empty() || b.len() > PolicyVersion::MAX_LEN || !b[0].is_ascii_alphanumeric() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

/// `[A-Z]{2}(-[A-Z0-9]{1,3})?`.
const fn valid_jurisdiction(b: &[u8]) -> bool {
    if b.len() < 2 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_uppercase() {
        return false;
    }
    if b.len() == 2 {
        return true;
    }
    if b.len() > 6 || b[2] != b'-' || b.len() == 3 {
        return false;
    }
    let mut i = 3;
    while i < b.len() {
        if !(b[i].is_ascii_uppercase() || b[i].is_ascii_digit()) {
            return false;
        }
        i += 1;
    }
    true
}

/// `[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}`.
const fn valid_reference(b: &[u8]) -> bool {
    if b.is_empty() || b.len() > 128 || !b[0].is_ascii_alphanumeric() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let punct = matches!(c, b'.' | b'_' | b':' | b'/' | b'#' | b'-');
        if !(c.is_ascii_alphanumeric() || punct) {
            return false;
        }
        i += 1;
    }
    true
}

token_type!(
    /// A staff role key, such as `support_agent` or `warehouse`: 1 to 64
    /// characters of `a-z`, `0-9` and `_`, starting with a letter.
    ///
    /// Roles are host-defined; the policy grants them the right to reveal
    /// categories for purposes. Roles name jobs, never people.
    ///
    /// ```
    /// use custodian::ids::Role;
    ///
    /// const SUPPORT: Role = Role::new("support_agent");
    /// assert_eq!(SUPPORT.as_str(), "support_agent");
    /// assert!(Role::parse("Ada Lovelace").is_err());
    /// ```
    Role,
    "role",
    valid_snake_key
);

impl Role {
    /// The role of automated work done by the crate or the host's jobs
    /// (audit events of [`Actor::system`](crate::audit::Actor::system)).
    pub const SYSTEM: Role = Role::new("system");
    /// The role of the data subject acting on their own data (audit events
    /// of [`Actor::subject`](crate::audit::Actor::subject)).
    pub const SUBJECT: Role = Role::new("subject");
}

token_type!(
    /// A recipient (processor or third party) key, such as `dhl` or
    /// `stripe.eu`: 1 to 64 characters of `a-z`, `0-9`, `_`, `.` and `-`,
    /// starting with a letter or digit. Recipients are organisations under
    /// an agreement, never individuals.
    RecipientId,
    "recipient",
    valid_recipient
);

token_type!(
    /// Where a consent was collected: an ISO 3166-1 alpha-2 country code,
    /// `EU`, or an ISO 3166-2 subdivision such as `US-CA`.
    ///
    /// ```
    /// use custodian::ids::Jurisdiction;
    ///
    /// assert!(Jurisdiction::parse("US-CA").is_ok());
    /// assert!(Jurisdiction::parse("california").is_err());
    /// ```
    Jurisdiction,
    "jurisdiction",
    valid_jurisdiction
);

token_type!(
    /// An opaque reference into the host's records: the proof of a consent
    /// (`form:signup/v3#8812`), an agreement (`DPA-2024-17`), the ticket
    /// behind a staff reveal (`ticket:4711`). 1 to 128 characters of ASCII
    /// letters, digits and `. _ : / # -`, starting with a letter or digit:
    /// no spaces and no `@`, so free text and e-mail addresses do not fit.
    Reference,
    "reference",
    valid_reference
);

token_type!(
    /// The staff member (or service account) behind a reveal, by the
    /// host's id for them: same syntax as [`Reference`]. Audit events
    /// should carry a keyed pseudonym of it.
    StaffId,
    "staff id",
    valid_reference
);

/// A privacy-policy version label, such as `7` or `2025-06-01`: 1 to 32
/// characters of ASCII letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit.
///
/// Stored inline (it is `Copy`), so consent states and decisions carry it
/// without allocating.
///
/// ```
/// use custodian::ids::PolicyVersion;
///
/// const V2: PolicyVersion = PolicyVersion::new("2025-06");
/// assert_eq!(V2.as_str(), "2025-06");
/// assert!(PolicyVersion::parse("v 2").is_err());
/// ```
#[derive(Clone, Copy)]
pub struct PolicyVersion {
    len: u8,
    bytes: [u8; PolicyVersion::MAX_LEN],
}

impl PolicyVersion {
    /// The longest label, in bytes.
    pub const MAX_LEN: usize = 32;

    /// A label known at compile time.
    ///
    /// # Panics
    ///
    /// Panics (a compile error in a `const` item) if `s` does not have the
    /// label syntax.
    pub const fn new(s: &'static str) -> Self {
        assert!(valid_version(s.as_bytes()), "invalid policy version");
        Self::from_valid(s.as_bytes())
    }

    /// Checks a label that arrives at run time.
    ///
    /// # Errors
    ///
    /// [`InvalidId`] (`policy version`) if `s` does not have the label
    /// syntax.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        if valid_version(s.as_bytes()) {
            Ok(Self::from_valid(s.as_bytes()))
        } else {
            Err(InvalidId::new("policy version"))
        }
    }

    /// `b` passed `valid_version`, so it is ASCII and at most `MAX_LEN`.
    const fn from_valid(b: &[u8]) -> Self {
        let mut bytes = [0; Self::MAX_LEN];
        let mut i = 0;
        while i < b.len() {
            bytes[i] = b[i];
            i += 1;
        }
        Self {
            len: b.len() as u8,
            bytes,
        }
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes that passed `valid_version` are ever stored.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl PartialEq for PolicyVersion {
    fn eq(&self, other: &Self) -> bool {
        // Unused bytes are always zero, so whole-array equality is exact.
        self.len == other.len && self.bytes == other.bytes
    }
}

impl Eq for PolicyVersion {}

impl Hash for PolicyVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PolicyVersion")
            .field(&self.as_str())
            .finish()
    }
}

impl fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::string_form::string_form!(PolicyVersion, InvalidId, as_str);

/// The identifier of one consent event: a random (version 4) UUID.
///
/// Printed and serialized in the lower-case hyphenated UUID form, which is
/// also the `consentReceiptID` of a receipt built from the event.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsentEventId([u8; 16]);

impl ConsentEventId {
    /// A fresh id from the OS random number generator.
    ///
    /// # Errors
    ///
    /// [`RandomnessError`] if the OS generator fails.
    pub fn random() -> Result<Self, RandomnessError> {
        let mut b = [0u8; 16];
        fill_random(&mut b)?;
        Ok(Self::from_bytes(b))
    }

    /// An id from 16 bytes, with the UUID version (4) and variant (RFC
    /// 9562) bits set.
    pub const fn from_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(bytes)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses the lower-case hyphenated form
    /// (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
    ///
    /// # Errors
    ///
    /// [`InvalidId`] (`consent event id`) for anything else, including a
    /// UUID that is not version 4.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        let err = InvalidId::new("consent event id");
        let b = s.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
            return Err(err);
        }
        let mut digits = [0u8; 32];
        for (d, &c) in digits.iter_mut().zip(b.iter().filter(|&&c| c != b'-')) {
            *d = c;
        }
        let out = crate::hex::decode::<16>(&digits).ok_or(err)?;
        let id = Self::from_bytes(out);
        if id.0 == out { Ok(id) } else { Err(err) }
    }
}

impl fmt::Display for ConsentEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        crate::hex::write(f, &b[..4])?;
        for group in [&b[4..6], &b[6..8], &b[8..10], &b[10..]] {
            f.write_str("-")?;
            crate::hex::write(f, group)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConsentEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConsentEventId({self})")
    }
}

crate::string_form::string_form!(ConsentEventId, InvalidId);

#[cfg(test)]
mod tests {
    use std::collections::hash_map::DefaultHasher;

    use proptest::prelude::*;

    use super::*;

    fn hash_of<T: Hash>(t: &T) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn token_syntax() {
        assert!(Role::parse("support_agent").is_ok());
        for bad in ["", "Support", "support agent", "9lives", &"a".repeat(65)] {
            assert_eq!(Role::parse(bad), Err(InvalidId::new("role")), "{bad}");
        }
        assert!(RecipientId::parse("stripe.eu").is_ok());
        assert!(RecipientId::parse("-dhl").is_err());
        for good in ["EU", "DE", "US-CA", "GB-ENG"] {
            assert!(Jurisdiction::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "E", "eu", "US-", "US-CALI", "USA"] {
            assert!(Jurisdiction::parse(bad).is_err(), "{bad}");
        }
        assert!(Reference::parse("form:signup/v3#8812").is_ok());
        for bad in ["ada@example.com", "called at noon", "", ":x"] {
            assert_eq!(
                Reference::parse(bad).unwrap_err().to_string(),
                "invalid reference"
            );
        }
    }

    #[test]
    fn policy_versions_are_inline_and_exact() {
        let a = PolicyVersion::parse("2025-06").unwrap();
        assert_eq!(a, PolicyVersion::new("2025-06"));
        assert_ne!(a, PolicyVersion::new("2025-6"));
        assert_eq!(a.to_string(), "2025-06");
        assert_eq!(hash_of(&a), hash_of(&PolicyVersion::new("2025-06")));
        assert!(PolicyVersion::parse(&"1".repeat(32)).is_ok());
        assert!(PolicyVersion::parse(&"1".repeat(33)).is_err());
        assert_eq!(serde_json::to_string(&a).unwrap(), r#""2025-06""#);
    }

    #[test]
    fn consent_event_ids_are_v4_uuids() {
        let id = ConsentEventId::from_bytes([0xff; 16]);
        assert_eq!(id.to_string(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(ConsentEventId::parse(&id.to_string()), Ok(id));
        assert!(ConsentEventId::parse("ffffffff-ffff-1fff-bfff-ffffffffffff").is_err());
        assert!(ConsentEventId::parse("FFFFFFFF-ffff-4fff-bfff-ffffffffffff").is_err());
        let a = ConsentEventId::random().unwrap();
        assert_ne!(a, ConsentEventId::random().unwrap());
    }

    proptest! {
        #[test]
        fn event_ids_round_trip(bytes in any::<[u8; 16]>()) {
            let id = ConsentEventId::from_bytes(bytes);
            prop_assert_eq!(ConsentEventId::parse(&id.to_string()), Ok(id));
        }
    }
}
