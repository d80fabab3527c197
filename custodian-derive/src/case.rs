//! `#[serde(rename_all = "...")]`: the rules serde applies to field names.

/// A field-name rule, by its serde spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    pub(crate) const NAMES: [(&'static str, RenameRule); 8] = [
        ("lowercase", Self::Lower),
        ("UPPERCASE", Self::Upper),
        ("PascalCase", Self::Pascal),
        ("camelCase", Self::Camel),
        ("snake_case", Self::Snake),
        ("SCREAMING_SNAKE_CASE", Self::ScreamingSnake),
        ("kebab-case", Self::Kebab),
        ("SCREAMING-KEBAB-CASE", Self::ScreamingKebab),
    ];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(spelling, _)| *spelling == name)
            .map(|(_, rule)| *rule)
    }

    /// Applies the rule to a field name written in snake case, as serde
    /// does.
    pub(crate) fn apply(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Pascal => pascal(field),
            Self::Camel => {
                let pascal = pascal(field);
                let mut chars = pascal.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.replace('_', "-").to_ascii_uppercase(),
        }
    }
}

fn pascal(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_serde() {
        let cases = [
            ("lowercase", "billing_email"),
            ("UPPERCASE", "BILLING_EMAIL"),
            ("PascalCase", "BillingEmail"),
            ("camelCase", "billingEmail"),
            ("snake_case", "billing_email"),
            ("SCREAMING_SNAKE_CASE", "BILLING_EMAIL"),
            ("kebab-case", "billing-email"),
            ("SCREAMING-KEBAB-CASE", "BILLING-EMAIL"),
        ];
        for (name, expected) in cases {
            let rule = RenameRule::from_name(name).expect("known rule");
            assert_eq!(rule.apply("billing_email"), expected, "{name}");
        }
        assert_eq!(RenameRule::from_name("Title Case"), None);
    }
}
