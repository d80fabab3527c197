//! Data categories in the public vocabularies: fideslang keys and W3C DPV
//! personal-data terms, as stable aliases of [`Category`].
//!
//! Purposes and lawful bases carry their own spellings in
//! [`crate::purpose`]; this module does the same for categories, so that a
//! host can write a policy in the vocabulary it already uses.
//!
//! | category | fideslang (printed) | also parsed, with all their children | DPV (`pd:`) |
//! |---|---|---|---|
//! | contact | `user.contact` | | `Contact` |
//! | identity | `user.name` | `user.government_id`, `user.demographic.date_of_birth` | `Identifying` |
//! | location | `user.contact.address` | `user.location` | `Location` |
//! | financial | `user.financial` | `user.payment` | `Financial` |
//! | credential | `user.authorization.credentials` | `user.authorization` | `Authenticating` |
//! | transaction | `user.behavior.purchase_history` | | `Transactional` |
//! | engagement | `user.behavior` | `user.device` | `Behavioural` |
//!
//! fideslang keys are hierarchical; a key parses to the category of its
//! longest listed ancestor, so `user.contact.email` is contact while
//! `user.contact.address.postal_code` is location (the crate keeps
//! delivery coordinates apart from contact data, as the privacy policy
//! does). DPV terms parse bare (`Contact`), with the `pd:` or `dpv-pd:`
//! prefix, or as the full IRI under [`DPV_PD_NAMESPACE`].
//!
//! ```
//! use custodian::pii::Category;
//! use custodian::policy::taxonomy;
//!
//! assert_eq!(taxonomy::parse_category("user.contact.email")?, Category::Contact);
//! assert_eq!(taxonomy::parse_category("user.contact.address.city")?, Category::Location);
//! assert_eq!(taxonomy::parse_category("pd:Financial")?, Category::Financial);
//! assert_eq!(taxonomy::fideslang(Category::Engagement), Some("user.behavior"));
//! assert_eq!(taxonomy::dpv(Category::Identity), Some("Identifying"));
//! # Ok::<(), custodian::policy::taxonomy::UnknownCategory>(())
//! ```
//!
//! # References
//!
//! - fideslang data categories: <https://ethyca.github.io/fideslang/taxonomy/data_categories/>
//! - W3C DPV personal data extension: <https://w3id.org/dpv/pd>

use thiserror::Error;

use crate::pii::Category;

/// The IRI prefix of W3C DPV personal-data terms.
pub const DPV_PD_NAMESPACE: &str = "https://w3id.org/dpv/pd#";

/// A string did not name a known data category.
///
/// The message never repeats the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("unknown category")]
#[non_exhaustive]
pub struct UnknownCategory;

/// (category, printed fideslang key, DPV term).
const CATEGORIES: [(Category, &str, &str); 7] = [
    (Category::Contact, "user.contact", "Contact"),
    (Category::Identity, "user.name", "Identifying"),
    (Category::Location, "user.contact.address", "Location"),
    (Category::Financial, "user.financial", "Financial"),
    (
        Category::Credential,
        "user.authorization.credentials",
        "Authenticating",
    ),
    (
        Category::Transaction,
        "user.behavior.purchase_history",
        "Transactional",
    ),
    (Category::Engagement, "user.behavior", "Behavioural"),
];

/// fideslang subtrees that also parse to a category, beyond the printed
/// keys above.
const EXTRA_SUBTREES: [(Category, &str); 6] = [
    (Category::Identity, "user.government_id"),
    (Category::Identity, "user.demographic.date_of_birth"),
    (Category::Location, "user.location"),
    (Category::Financial, "user.payment"),
    (Category::Credential, "user.authorization"),
    (Category::Engagement, "user.device"),
];

/// The fideslang key printed for a built-in category; `None` for host
/// categories.
pub fn fideslang(category: Category) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .find(|(c, ..)| *c == category)
        .map(|&(_, key, _)| key)
}

/// The W3C DPV personal-data term (`pd:` namespace) of a built-in
/// category; `None` for host categories.
pub fn dpv(category: Category) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .find(|(c, ..)| *c == category)
        .map(|&(.., term)| term)
}

/// Parses a built-in category from its name (`contact`), a fideslang key
/// or any of its descendants, or a DPV term.
///
/// # Errors
///
/// [`UnknownCategory`] if nothing matches.
pub fn parse_category(s: &str) -> Result<Category, UnknownCategory> {
    parse_category_with(s, &[])
}

/// Parses like [`parse_category`], also accepting the names of the given
/// host categories.
///
/// # Errors
///
/// [`UnknownCategory`] if neither a built-in nor one of `host` matches.
pub fn parse_category_with(s: &str, host: &[Category]) -> Result<Category, UnknownCategory> {
    if let Some(c) = Category::BUILT_IN
        .into_iter()
        .chain(host.iter().copied())
        .find(|c| c.name() == s)
    {
        return Ok(c);
    }
    let term = s
        .strip_prefix(DPV_PD_NAMESPACE)
        .or_else(|| s.strip_prefix("dpv-pd:"))
        .or_else(|| s.strip_prefix("pd:"))
        .unwrap_or(s);
    if let Some(&(c, ..)) = CATEGORIES.iter().find(|(.., t)| *t == term) {
        return Ok(c);
    }
    fideslang_category(s).ok_or(UnknownCategory)
}

/// The category of the longest listed fideslang key that is `s` or one of
/// its ancestors.
fn fideslang_category(s: &str) -> Option<Category> {
    let well_formed = s.split('.').all(|segment| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    });
    if !well_formed {
        return None;
    }
    let printed = CATEGORIES.iter().map(|&(c, key, _)| (c, key));
    printed
        .chain(EXTRA_SUBTREES)
        .filter(|(_, key)| is_self_or_descendant(s, key))
        .max_by_key(|(_, key)| key.len())
        .map(|(c, _)| c)
}

fn is_self_or_descendant(s: &str, ancestor: &str) -> bool {
    s.strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips() {
        for c in Category::BUILT_IN {
            let (f, d) = (fideslang(c).unwrap(), dpv(c).unwrap());
            assert_eq!(parse_category(c.name()), Ok(c));
            assert_eq!(parse_category(f), Ok(c), "{f}");
            assert_eq!(parse_category(d), Ok(c), "{d}");
            assert_eq!(parse_category(&format!("pd:{d}")), Ok(c));
            assert_eq!(parse_category(&format!("dpv-pd:{d}")), Ok(c));
            assert_eq!(parse_category(&format!("{DPV_PD_NAMESPACE}{d}")), Ok(c));
        }
    }

    #[test]
    fn descendants_take_the_longest_ancestor() {
        let cases = [
            ("user.contact.email", Category::Contact),
            ("user.contact.phone_number", Category::Contact),
            ("user.contact.address.postal_code", Category::Location),
            ("user.location.precise", Category::Location),
            ("user.government_id.passport_number", Category::Identity),
            ("user.financial.credit_card", Category::Financial),
            ("user.authorization.password", Category::Credential),
            ("user.behavior.purchase_history", Category::Transaction),
            ("user.behavior.browsing_history", Category::Engagement),
            ("user.device.ip_address", Category::Engagement),
        ];
        for (key, category) in cases {
            assert_eq!(parse_category(key), Ok(category), "{key}");
        }
    }

    #[test]
    fn near_misses_and_host_categories() {
        for s in [
            "user",
            "user.contactx",
            "user.contact.",
            "Contactx",
            "",
            "system.operations",
        ] {
            assert_eq!(parse_category(s), Err(UnknownCategory), "{s}");
        }
        const LOYALTY: Category = Category::host(0x8001, "loyalty");
        assert_eq!(parse_category("loyalty"), Err(UnknownCategory));
        assert_eq!(parse_category_with("loyalty", &[LOYALTY]), Ok(LOYALTY));
        assert_eq!(fideslang(LOYALTY), None);
        assert_eq!(dpv(LOYALTY), None);
    }
}
