//! Why a policy was refused.

use std::fmt;

use thiserror::Error;

use crate::ids::{PolicyVersion, RecipientId, Role};
use crate::pii::Category;
use crate::purpose::{LawfulBasis, Purpose};

/// A policy (or a schedule of versions) was refused because it contradicts
/// itself or cannot be read.
///
/// Messages name the rule (`rules[3]`, counted from zero in the order the
/// rules were given), the category and the purpose at fault. Keys that
/// could not be parsed are quoted only when they look like taxonomy keys
/// (letters, digits, `. _ : - /`); anything else is shown as `<not a key>`,
/// so a stray value from a data file never reaches a log.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A consent-only purpose is allowed on another basis.
    #[error(
        "rules[{rule}] (category {category}, purpose {purpose}): the purpose is consent-only, \
         but the rule allows it on basis {basis}"
    )]
    ConsentOnlyDeclaredNecessary {
        /// The rule's index.
        rule: usize,
        /// The rule's category.
        category: Category,
        /// The rule's purpose.
        purpose: Purpose,
        /// The basis the rule gives.
        basis: LawfulBasis,
    },
    /// Two rules for the same category × purpose.
    #[error(
        "rules[{rule}] (category {category}, purpose {purpose}): a rule for this pair was \
         already given in rules[{first}]"
    )]
    DuplicateRule {
        /// The later rule's index.
        rule: usize,
        /// The earlier rule's index.
        first: usize,
        /// The category.
        category: Category,
        /// The purpose.
        purpose: Purpose,
    },
    /// A rule names a purpose the policy does not declare.
    #[error("rules[{rule}] (category {category}, purpose {purpose}): the purpose is not declared")]
    UndeclaredPurpose {
        /// The rule's index.
        rule: usize,
        /// The category.
        category: Category,
        /// The purpose.
        purpose: Purpose,
    },
    /// A rule names a host category the policy does not declare.
    #[error("rules[{rule}] (category {category}, purpose {purpose}): unknown category")]
    UndeclaredCategory {
        /// The rule's index.
        rule: usize,
        /// The category.
        category: Category,
        /// The purpose.
        purpose: Purpose,
    },
    /// A purpose is declared twice.
    #[error("purpose {purpose} is declared twice")]
    DuplicatePurpose {
        /// The purpose.
        purpose: Purpose,
    },
    /// A host category is declared twice, or a built-in one is declared.
    #[error("category {category} is built in or declared twice")]
    DuplicateCategory {
        /// The category.
        category: Category,
    },
    /// A material change names a purpose the policy does not declare.
    #[error("material change of purpose {purpose}: the purpose is not declared")]
    UndeclaredMaterialChange {
        /// The purpose.
        purpose: Purpose,
    },
    /// A role may reveal a pair the policy does not allow.
    #[error(
        "role {role} (category {category}, purpose {purpose}): the role may reveal what the \
         policy does not allow"
    )]
    GrantOutsidePolicy {
        /// The role.
        role: Role,
        /// The category.
        category: Category,
        /// The purpose.
        purpose: Purpose,
    },
    /// A role is declared twice.
    #[error("role {role} is declared twice")]
    DuplicateRole {
        /// The role.
        role: Role,
    },
    /// An agreement covers a pair the policy does not allow.
    #[error(
        "recipient {recipient}, agreement {agreement} (category {category}, purpose {purpose}): \
         the agreement covers what the policy does not allow"
    )]
    AgreementOutsidePolicy {
        /// The recipient.
        recipient: RecipientId,
        /// The agreement's index in the recipient's list.
        agreement: usize,
        /// The category.
        category: Category,
        /// The purpose.
        purpose: Purpose,
    },
    /// An agreement ends before it starts, or covers nothing.
    #[error("recipient {recipient}, agreement {agreement}: {problem}")]
    InvalidAgreement {
        /// The recipient.
        recipient: RecipientId,
        /// The agreement's index in the recipient's list.
        agreement: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// A recipient is declared twice.
    #[error("recipient {recipient} is declared twice")]
    DuplicateRecipient {
        /// The recipient.
        recipient: RecipientId,
    },
    /// Two versions in a schedule share a label.
    #[error("policy version {version} is given twice")]
    DuplicateVersion {
        /// The label.
        version: PolicyVersion,
    },
    /// Two versions in a schedule take effect at the same time.
    #[error("policy versions {first} and {second} take effect at the same time")]
    SameEffectiveTime {
        /// One version.
        first: PolicyVersion,
        /// The other.
        second: PolicyVersion,
    },
    /// An objection override names a purpose the policy does not declare.
    #[error("consent lifting objections to purpose {purpose}: the purpose is not declared")]
    UndeclaredObjectionOverride {
        /// The purpose.
        purpose: Purpose,
    },
    /// A version takes effect before it is announced.
    #[error("policy version {version} takes effect before it is announced")]
    AnnouncedAfterEffect {
        /// The version.
        version: PolicyVersion,
    },
    /// A version replaces another but records no announcement.
    #[error("policy version {version} replaces {previous} but records no announcement")]
    NotAnnounced {
        /// The new version.
        version: PolicyVersion,
        /// The version it replaces.
        previous: PolicyVersion,
    },
    /// A version takes effect before its announcement plus the notice
    /// period, and does not only add protections.
    #[error(
        "policy version {version} takes effect {given_hours} hours after its announcement, \
         but it does not only add protections and needs {notice_hours} hours of notice"
    )]
    NoticeTooShort {
        /// The new version.
        version: PolicyVersion,
        /// Hours from announcement to effect (rounded down).
        given_hours: u64,
        /// The schedule's notice period, in hours (rounded down).
        notice_hours: u64,
    },
    /// A schedule without versions.
    #[error("a policy schedule needs at least one version")]
    EmptySchedule,
    /// A policy document could not be read.
    #[error("{at}: {problem}")]
    Document {
        /// Where: `rules[3].category`, `line 7, column 12`.
        at: String,
        /// What is wrong.
        problem: DocumentProblem,
    },
}

/// What is wrong at one place of a policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocumentProblem {
    /// The text is not valid JSON (or TOML), or does not have the
    /// document's shape.
    Syntax(String),
    /// An unknown category key.
    UnknownCategory(KeyText),
    /// An unknown purpose key.
    UnknownPurpose(KeyText),
    /// An unknown lawful basis.
    UnknownBasis(KeyText),
    /// A value that does not have its type's syntax (a role, a recipient,
    /// a version label, a timestamp).
    Invalid(&'static str),
}

impl fmt::Display for DocumentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(message) => f.write_str(message),
            Self::UnknownCategory(key) => write!(f, "unknown category {key}"),
            Self::UnknownPurpose(key) => write!(f, "unknown purpose {key}"),
            Self::UnknownBasis(key) => write!(f, "unknown lawful basis {key}"),
            Self::Invalid(what) => write!(f, "invalid {what}"),
        }
    }
}

/// A key from a policy document, kept for an error message only if it
/// looks like a taxonomy key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyText(Option<String>);

impl KeyText {
    pub(crate) fn new(s: &str) -> Self {
        let looks_like_key = !s.is_empty()
            && s.len() <= 128
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-' | b'/')
            });
        Self(looks_like_key.then(|| s.to_owned()))
    }

    /// The key, if it was safe to keep.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl fmt::Display for KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(key) => write!(f, "`{key}`"),
            None => f.write_str("<not a key>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_key_like_text_is_quoted() {
        assert_eq!(KeyText::new("user.contactx").to_string(), "`user.contactx`");
        assert_eq!(KeyText::new("ada@example.com").to_string(), "<not a key>");
        assert_eq!(KeyText::new("call me").to_string(), "<not a key>");
        assert_eq!(KeyText::new("").to_string(), "<not a key>");
    }
}
