//! The data-category taxonomy.

use core::fmt;

/// What kind of personal data a value is, in the terms of the privacy
/// policy ("registration credentials, purchase specifics, delivery
/// coordinates, payment particulars, and engagement records").
///
/// Each category has a stable numeric [`code`](Category::code) (used in
/// sealed envelopes) and a stable lower-case [`name`](Category::name).
/// Codes below `0x8000` belong to the crate; hosts define their own
/// categories above it with [`Category::host`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// How to reach someone: email addresses, phone numbers.
    Contact,
    /// Who someone is: names, dates of birth, national ids.
    Identity,
    /// Where someone is: delivery and billing addresses.
    Location,
    /// Payment particulars: card numbers, bank accounts.
    Financial,
    /// Secrets that authenticate: passwords, tokens, secret answers.
    Credential,
    /// Purchase specifics: orders, amounts, refunds.
    Transaction,
    /// Engagement records: sessions, IP addresses, clicks, reviews.
    Engagement,
    /// A category the host application defines.
    Host(HostCategory),
}

/// A host-defined category: a code at or above `0x8000` and a name.
///
/// Built with [`Category::host`]. Equality and hashing use the code only.
#[derive(Clone, Copy, Debug)]
pub struct HostCategory {
    code: u16,
    name: &'static str,
}

impl PartialEq for HostCategory {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for HostCategory {}

impl core::hash::Hash for HostCategory {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl Category {
    /// All categories the crate defines, in code order.
    pub const BUILT_IN: [Category; 7] = [
        Self::Contact,
        Self::Identity,
        Self::Location,
        Self::Financial,
        Self::Credential,
        Self::Transaction,
        Self::Engagement,
    ];

    /// Defines a host category. Meant for `const` items, where a bad code
    /// fails the build:
    ///
    /// ```
    /// use custodian::pii::Category;
    ///
    /// const LOYALTY: Category = Category::host(0x8001, "loyalty");
    /// assert_eq!(LOYALTY.code(), 0x8001);
    /// assert_eq!(LOYALTY.name(), "loyalty");
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if `code` is below `0x8000` (the crate's range) or `name` is
    /// empty. In a `const` item this is a compile error.
    pub const fn host(code: u16, name: &'static str) -> Category {
        assert!(code >= 0x8000, "host category codes start at 0x8000");
        assert!(!name.is_empty(), "host category names are not empty");
        Category::Host(HostCategory { code, name })
    }

    /// The stable numeric code, written into sealed envelopes.
    pub const fn code(self) -> u16 {
        match self {
            Self::Contact => 1,
            Self::Identity => 2,
            Self::Location => 3,
            Self::Financial => 4,
            Self::Credential => 5,
            Self::Transaction => 6,
            Self::Engagement => 7,
            Self::Host(host) => host.code,
        }
    }

    /// The stable name (`contact`, `identity`, ... or the host's name).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Identity => "identity",
            Self::Location => "location",
            Self::Financial => "financial",
            Self::Credential => "credential",
            Self::Transaction => "transaction",
            Self::Engagement => "engagement",
            Self::Host(host) => host.name,
        }
    }

    /// The built-in category with this code, if any.
    pub fn from_code(code: u16) -> Option<Category> {
        Self::BUILT_IN.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_round_trip() {
        for (i, a) in Category::BUILT_IN.iter().enumerate() {
            assert_eq!(Category::from_code(a.code()), Some(*a));
            for b in &Category::BUILT_IN[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.name(), b.name());
            }
        }
        assert_eq!(Category::from_code(0x8001), None);
    }

    #[test]
    fn host_categories_compare_by_code() {
        assert_eq!(Category::host(0x8001, "a"), Category::host(0x8001, "b"));
        assert_ne!(Category::host(0x8001, "a"), Category::host(0x8002, "a"));
    }

    #[test]
    #[should_panic(expected = "0x8000")]
    fn host_codes_below_the_host_range_are_refused() {
        let _ = Category::host(7, "engagement");
    }
}
