//! The record of processing activities (GDPR Art. 30(1)), generated from a
//! policy version, as JSON and as Markdown.
//!
//! One activity per declared purpose, with: the purpose in its three
//! spellings and description (Art. 30(1)(b)); the categories of data with
//! their basis (c); the recipients whose agreements cover the purpose (d);
//! the recipients processing outside the EEA (e); the retention (f). The
//! controller (a), the categories of subjects (c) and the security
//! measures (g) apply to the whole record.
//!
//! ```
//! use custodian::ids::PolicyVersion;
//! use custodian::policy::{marketplace, record::ProcessingRecord};
//! use custodian::time::Timestamp;
//!
//! let policy = marketplace().build(PolicyVersion::new("1"), Timestamp::EPOCH)?;
//! let record = ProcessingRecord::of(&policy);
//! let markdown = record.to_markdown();
//! assert!(markdown.contains("## Marketing (`marketing`)"));
//! assert!(record.to_json()?.contains(r#""dpv": "DirectMarketing""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use serde::Serialize;

use super::{Controller, Policy, Retention, Rule, taxonomy};

/// EU and EEA member states (ISO 3166-1 alpha-2), plus `EU` itself:
/// transfers to anywhere else are listed under Art. 30(1)(e).
const EEA: [&str; 31] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "EU",
];

/// An Art. 30 record of processing activities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProcessingRecord {
    /// The controller.
    pub controller: Controller,
    /// The policy version the record was made from.
    pub policy_version: String,
    /// When that version takes effect.
    pub effective_from: String,
    /// Categories of data subjects.
    pub subject_categories: Vec<String>,
    /// One activity per purpose.
    pub activities: Vec<Activity>,
    /// Technical and organisational security measures.
    pub security_measures: Vec<String>,
}

/// One processing activity: a purpose and what it involves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Activity {
    /// The purpose's key.
    pub purpose: String,
    /// Its fideslang data use.
    pub fideslang: Option<String>,
    /// Its W3C DPV term.
    pub dpv: Option<String>,
    /// Its description.
    pub description: String,
    /// Whether it rests on consent only.
    pub consent_only: bool,
    /// The categories of data allowed, with their basis.
    pub categories: Vec<CategoryUse>,
    /// The recipients whose agreements cover it.
    pub recipients: Vec<RecipientEntry>,
    /// Recipients processing outside the EEA.
    pub third_country_transfers: Vec<RecipientEntry>,
    /// How long its data is kept, in words.
    pub retention: String,
    /// The same, typed.
    pub retention_rule: Retention,
}

/// A category used for a purpose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CategoryUse {
    /// The category's name.
    pub category: String,
    /// Its fideslang key.
    pub fideslang: Option<String>,
    /// Its DPV personal-data term.
    pub dpv: Option<String>,
    /// The lawful basis.
    pub basis: String,
    /// The GDPR provision of the basis.
    pub article: String,
    /// Where the basis is documented, if given.
    pub documentation: Option<String>,
}

/// A recipient of data for a purpose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecipientEntry {
    /// The recipient's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The agreement's reference.
    pub agreement: String,
    /// Where it processes the data, if declared.
    pub country: Option<String>,
}

impl ProcessingRecord {
    /// The record of `policy`.
    pub fn of(policy: &Policy) -> Self {
        Self {
            controller: policy.controller().clone(),
            policy_version: policy.version().to_string(),
            effective_from: policy.effective_from().to_string(),
            subject_categories: policy.subject_categories().to_vec(),
            activities: policy
                .purposes()
                .iter()
                .map(|t| activity(policy, t))
                .collect(),
            security_measures: policy.security_measures().to_vec(),
        }
    }

    /// The record as pretty-printed JSON.
    ///
    /// # Errors
    ///
    /// Never in practice: serializing the record cannot fail; the `Result`
    /// keeps a failure from turning into a panic.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The record as Markdown: a heading per activity, a table of
    /// categories, lists of recipients and transfers.
    pub fn to_markdown(&self) -> String {
        markdown(|out| self.write_markdown(out))
    }

    fn write_markdown(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "# Record of processing activities (GDPR Art. 30)\n")?;
        writeln!(
            out,
            "- Controller: {} ({})",
            or_dash(&self.controller.name),
            or_dash(&self.controller.contact)
        )?;
        writeln!(
            out,
            "- Policy version: {}, in force from {}",
            self.policy_version, self.effective_from
        )?;
        writeln!(
            out,
            "- Data subjects: {}",
            or_dash(&self.subject_categories.join(", "))
        )?;
        writeln!(out, "\n## Security measures\n")?;
        for m in &self.security_measures {
            writeln!(out, "- {m}")?;
        }
        for a in &self.activities {
            writeln!(out, "\n## {} (`{}`)\n", title(&a.purpose), a.purpose)?;
            if !a.description.is_empty() {
                writeln!(out, "{}\n", a.description)?;
            }
            writeln!(
                out,
                "- Vocabularies: fideslang `{}`, DPV `{}`",
                a.fideslang.as_deref().unwrap_or("-"),
                a.dpv.as_deref().unwrap_or("-")
            )?;
            writeln!(
                out,
                "- Consent only: {}",
                if a.consent_only { "yes" } else { "no" }
            )?;
            writeln!(out, "- Retention: {}\n", a.retention)?;
            writeln!(
                out,
                "| category | fideslang | DPV | basis | documentation |\n|---|---|---|---|---|"
            )?;
            for c in &a.categories {
                writeln!(
                    out,
                    "| {} | {} | {} | {} ({}) | {} |",
                    c.category,
                    c.fideslang.as_deref().unwrap_or("-"),
                    c.dpv.as_deref().unwrap_or("-"),
                    c.basis,
                    c.article,
                    c.documentation.as_deref().unwrap_or("-")
                )?;
            }
            write_recipients(out, "Recipients", &a.recipients)?;
            write_recipients(out, "Transfers outside the EEA", &a.third_country_transfers)?;
        }
        Ok(())
    }
}

fn write_recipients(out: &mut String, heading: &str, list: &[RecipientEntry]) -> std::fmt::Result {
    if list.is_empty() {
        return writeln!(out, "\n{heading}: none");
    }
    writeln!(out, "\n{heading}:\n")?;
    for r in list {
        let country = r
            .country
            .as_deref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default();
        writeln!(
            out,
            "- {} (`{}`, {}{}), agreement {}",
            r.name, r.id, r.kind, country, r.agreement
        )?;
    }
    Ok(())
}

/// The text `write` produces.
pub(super) fn markdown(write: impl FnOnce(&mut String) -> std::fmt::Result) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write(&mut out);
    out
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

/// `order_fulfilment` → `Order fulfilment`.
pub(super) fn title(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn activity(policy: &Policy, terms: &super::PurposeTerms) -> Activity {
    let purpose = terms.purpose();
    let categories = policy
        .categories()
        .filter_map(|c| match policy.rule(c, purpose) {
            Some(Rule::Allow {
                basis,
                documentation,
            }) => Some(CategoryUse {
                category: c.name().to_owned(),
                fideslang: taxonomy::fideslang(c).map(str::to_owned),
                dpv: taxonomy::dpv(c).map(str::to_owned),
                basis: basis.key().to_owned(),
                article: basis.article().to_owned(),
                documentation: documentation.clone(),
            }),
            _ => None,
        })
        .collect();
    let mut recipients = Vec::new();
    for r in policy.recipients() {
        for a in r
            .agreements()
            .iter()
            .filter(|a| a.purposes().contains(&purpose))
        {
            recipients.push(RecipientEntry {
                id: r.id().to_string(),
                name: r.name().to_owned(),
                kind: r.kind().to_string(),
                agreement: a.reference().to_string(),
                country: r.processing_country().map(ToString::to_string),
            });
        }
    }
    let third_country_transfers = recipients
        .iter()
        .filter(|r| {
            r.country
                .as_deref()
                .is_some_and(|c| !EEA.contains(&c.get(..2).unwrap_or(c)))
        })
        .cloned()
        .collect();
    Activity {
        purpose: purpose.key().to_owned(),
        fideslang: purpose.fideslang().map(str::to_owned),
        dpv: purpose.dpv().map(str::to_owned),
        description: terms.description_text().to_owned(),
        consent_only: terms.is_consent_only(),
        categories,
        recipients,
        third_country_transfers,
        retention: terms.retention().to_string(),
        retention_rule: terms.retention(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::{Agreement, Recipient, RecipientKind};
    use crate::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference};
    use crate::pii::Category;
    use crate::policy::marketplace;
    use crate::purpose::Purpose;
    use crate::time::Timestamp;

    #[test]
    fn recipients_and_transfers_follow_the_agreements() {
        let ups = Recipient::new(RecipientId::new("ups"), "UPS", RecipientKind::Carrier)
            .country(Jurisdiction::new("US"))
            .agreement(Agreement::new(
                Reference::new("DPA-UPS"),
                &[Category::Location],
                &[Purpose::Shipping],
            ));
        let dhl = Recipient::new(RecipientId::new("dhl"), "DHL", RecipientKind::Carrier)
            .country(Jurisdiction::new("DE"))
            .agreement(Agreement::new(
                Reference::new("DPA-DHL"),
                &[Category::Location],
                &[Purpose::Shipping],
            ));
        let policy = marketplace()
            .recipient(ups)
            .recipient(dhl)
            .build(PolicyVersion::new("1"), Timestamp::EPOCH)
            .unwrap();
        let record = ProcessingRecord::of(&policy);
        let shipping = record
            .activities
            .iter()
            .find(|a| a.purpose == "shipping")
            .unwrap();
        assert_eq!(shipping.recipients.len(), 2);
        assert_eq!(shipping.third_country_transfers.len(), 1);
        assert_eq!(shipping.third_country_transfers[0].id, "ups");
        assert_eq!(shipping.dpv.as_deref(), Some("DeliveryOfGoods"));
        let location = shipping
            .categories
            .iter()
            .find(|c| c.category == "location")
            .unwrap();
        assert_eq!(
            (location.basis.as_str(), location.article.as_str()),
            ("contract", "Art. 6(1)(b)")
        );
        let marketing = record
            .activities
            .iter()
            .find(|a| a.purpose == "marketing")
            .unwrap();
        assert!(marketing.recipients.is_empty());
        assert!(marketing.categories.iter().all(|c| c.basis == "consent"));
        let md = record.to_markdown();
        assert!(
            md.contains("- UPS (`ups`, carrier, US), agreement DPA-UPS"),
            "{md}"
        );
        assert!(md.contains(
            "| location | user.contact.address | Location | contract (Art. 6(1)(b)) | - |"
        ));
    }

    #[test]
    fn titles_read_as_words() {
        assert_eq!(title("order_fulfilment"), "Order fulfilment");
        assert_eq!(title(""), "");
    }
}
