//! Policies as documents: read from JSON (and TOML with the `toml`
//! feature), written back as JSON.
//!
//! # Document format
//!
//! One object per policy version. Purposes, categories and lawful bases
//! may be written in any of their spellings (the crate key, the fideslang
//! key, the DPV term); timestamps as `YYYY-MM-DDTHH:MM:SSZ`, optionally
//! with milliseconds. Unknown members are refused.
//!
//! ```json
//! {
//!   "version": "2025-06",
//!   "effective_from": "2025-06-01T00:00:00Z",
//!   "announced": "2025-05-01T00:00:00Z",
//!   "controller": {"name": "Example Marketplace GmbH", "contact": "privacy@example.com",
//!                  "policy_url": "https://example.com/privacy"},
//!   "subject_categories": ["customers"],
//!   "security_measures": ["field-level encryption"],
//!   "host_categories": [],
//!   "material_changes": ["marketing"],
//!   "consent_lifts_objection": [],
//!   "purposes": [
//!     {"purpose": "shipping", "retention": {"days": 90}, "processor_disclosure": true},
//!     {"purpose": "dpv:DirectMarketing", "retention": "until_withdrawn",
//!      "consent_only": true, "gpc_opt_out": true, "description": "newsletters"}
//!   ],
//!   "rules": [
//!     {"category": "user.contact.address", "purpose": "shipping", "basis": "contract"},
//!     {"category": "contact", "purpose": "marketing", "basis": "Consent"},
//!     {"category": "financial", "purpose": "marketing", "forbid": true}
//!   ],
//!   "roles": [
//!     {"role": "warehouse", "reveal": [{"categories": ["location"], "purposes": ["shipping"]}]}
//!   ],
//!   "recipients": [
//!     {"id": "dhl", "name": "DHL Paket GmbH", "kind": "carrier", "country": "DE",
//!      "agreements": [{"reference": "DPA-2024-17", "categories": ["location"],
//!                      "purposes": ["shipping"], "valid_from": "2024-01-01T00:00:00Z",
//!                      "valid_until": "2026-01-01T00:00:00Z"}]}
//!   ]
//! }
//! ```
//!
//! A rule has either a `basis` (and optionally `documentation`) or
//! `"forbid": true`. `retention` is `{"days": n}`, `{"months": n}`,
//! `{"years": n}`, `{"years_after_end_of_year": n}` or `"until_withdrawn"`.
//! `kind` is `carrier`, `payment_provider`, `processor` or `third_party`.
//!
//! # Errors
//!
//! Every problem becomes a [`PolicyError`]: reading problems as
//! [`PolicyError::Document`] with the place (`rules[3] (category
//! user.contactx, purpose marketing)`, `line 7, column 12`), contradictions
//! as the builder reports them. Values quoted in messages are kept only
//! when they look like keys.

use serde::{Deserialize, Serialize};

use super::error::{DocumentProblem, KeyText};
use super::{
    Controller, Policy, PolicyBuilder, PolicyError, PurposeTerms, Retention, RoleGrant, Rule,
    taxonomy,
};
use crate::disclosure::{Agreement, Recipient, RecipientKind};
use crate::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference, Role};
use crate::pii::Category;
use crate::purpose::{LawfulBasis, Purpose};
use crate::time::Timestamp;

/// Host-defined categories and purposes a document may name.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostVocabulary<'a> {
    /// Host categories ([`Category::host`]), by name.
    pub categories: &'a [Category],
    /// Host purposes ([`Purpose::host`]), by any of their spellings.
    pub purposes: &'a [Purpose],
}

/// Reads one policy version from JSON.
///
/// ```
/// let policy = custodian::policy::load::from_json(r#"{
///     "version": "1", "effective_from": "2025-01-01T00:00:00Z",
///     "purposes": [{"purpose": "marketing", "retention": "until_withdrawn", "consent_only": true}],
///     "rules": [{"category": "user.contact.email", "purpose": "marketing", "basis": "contract"}]
/// }"#).unwrap_err();
/// assert_eq!(policy.to_string(),
///     "rules[0] (category contact, purpose marketing): the purpose is consent-only, \
///      but the rule allows it on basis contract");
/// ```
///
/// # Errors
///
/// A [`PolicyError`]; see the [module docs](self).
pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
    from_json_with(text, &HostVocabulary::default())
}

/// Reads one policy version from JSON that may name host categories and
/// purposes.
///
/// # Errors
///
/// A [`PolicyError`]; see the [module docs](self).
pub fn from_json_with(text: &str, host: &HostVocabulary<'_>) -> Result<Policy, PolicyError> {
    let document: Document = serde_json::from_str(text).map_err(|e| PolicyError::Document {
        at: format!("line {}, column {}", e.line(), e.column()),
        problem: DocumentProblem::Syntax(sanitize(&e.to_string())),
    })?;
    document.into_policy(host)
}

/// Reads one policy version from TOML (same members as the JSON form).
///
/// # Errors
///
/// A [`PolicyError`]; see the [module docs](self).
#[cfg(feature = "toml")]
pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
    from_toml_with(text, &HostVocabulary::default())
}

/// Reads one policy version from TOML that may name host categories and
/// purposes.
///
/// # Errors
///
/// A [`PolicyError`]; see the [module docs](self).
#[cfg(feature = "toml")]
pub fn from_toml_with(text: &str, host: &HostVocabulary<'_>) -> Result<Policy, PolicyError> {
    let document: Document = toml::from_str(text).map_err(|e| PolicyError::Document {
        at: e.span().map_or_else(
            || "document".to_owned(),
            |s| format!("bytes {}..{}", s.start, s.end),
        ),
        problem: DocumentProblem::Syntax(sanitize(e.message())),
    })?;
    document.into_policy(host)
}

/// Writes a policy as a JSON document that [`from_json`] reads back to an
/// equal policy (host categories and purposes need the same
/// [`HostVocabulary`]).
///
/// # Errors
///
/// Never in practice: serializing the document cannot fail; the `Result`
/// keeps a failure from turning into a panic.
pub fn to_json(policy: &Policy) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&Document::from_policy(policy))
}

/// Replaces every quoted part of a parser message that does not look like
/// a key, so values from the document never reach a log.
fn sanitize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(['`', '"']) {
        let quote = rest.as_bytes()[start] as char;
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find(quote) else {
            out.push_str("<not a key>");
            return out;
        };
        out.push_str(&KeyText::new(&after[..end]).to_string());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: String,
    effective_from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    announced: Option<String>,
    #[serde(default)]
    controller: Controller,
    #[serde(default)]
    subject_categories: Vec<String>,
    #[serde(default)]
    security_measures: Vec<String>,
    #[serde(default)]
    host_categories: Vec<String>,
    #[serde(default)]
    material_changes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    consent_lifts_objection: Vec<String>,
    purposes: Vec<PurposeDoc>,
    #[serde(default)]
    rules: Vec<RuleDoc>,
    #[serde(default)]
    roles: Vec<RoleDoc>,
    #[serde(default)]
    recipients: Vec<RecipientDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PurposeDoc {
    purpose: String,
    retention: Retention,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(default, skip_serializing_if = "is_false")]
    consent_only: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    processor_disclosure: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    gpc_opt_out: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    category: String,
    purpose: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    basis: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    forbid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    documentation: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleDoc {
    role: String,
    reveal: Vec<PairsDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairsDoc {
    categories: Vec<String>,
    purposes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipientDoc {
    id: String,
    name: String,
    kind: RecipientKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(default)]
    agreements: Vec<AgreementDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgreementDoc {
    reference: String,
    categories: Vec<String>,
    purposes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// Reads keys against the built-in and host vocabularies, naming the
/// place on failure.
struct Reader<'a> {
    host: &'a HostVocabulary<'a>,
    categories: Vec<Category>,
}

fn problem(at: impl Into<String>, problem: DocumentProblem) -> PolicyError {
    PolicyError::Document {
        at: at.into(),
        problem,
    }
}

impl Reader<'_> {
    fn category(&self, at: &str, s: &str) -> Result<Category, PolicyError> {
        taxonomy::parse_category_with(s, &self.categories)
            .map_err(|_| problem(at, DocumentProblem::UnknownCategory(KeyText::new(s))))
    }

    fn purpose(&self, at: &str, s: &str) -> Result<Purpose, PolicyError> {
        Purpose::parse_with(s, self.host.purposes)
            .map_err(|_| problem(at, DocumentProblem::UnknownPurpose(KeyText::new(s))))
    }

    fn categories(&self, at: &str, list: &[String]) -> Result<Vec<Category>, PolicyError> {
        list.iter().map(|s| self.category(at, s)).collect()
    }

    fn purposes(&self, at: &str, list: &[String]) -> Result<Vec<Purpose>, PolicyError> {
        list.iter().map(|s| self.purpose(at, s)).collect()
    }
}

fn time(at: &str, s: &str) -> Result<Timestamp, PolicyError> {
    Timestamp::parse(s).map_err(|_| problem(at, DocumentProblem::Invalid("timestamp")))
}

fn id<T>(at: &str, parsed: Result<T, crate::ids::InvalidId>) -> Result<T, PolicyError> {
    parsed.map_err(|e| problem(at, DocumentProblem::Invalid(e.what())))
}

impl Document {
    fn into_policy(self, host: &HostVocabulary<'_>) -> Result<Policy, PolicyError> {
        let version = id("version", PolicyVersion::parse(&self.version))?;
        let effective_from = time("effective_from", &self.effective_from)?;
        let mut reader = Reader {
            host,
            categories: Vec::new(),
        };
        let mut b = PolicyBuilder::default().controller(self.controller);
        if let Some(announced) = &self.announced {
            b = b.announced(time("announced", announced)?);
        }
        for (i, name) in self.host_categories.iter().enumerate() {
            let at = format!("host_categories[{i}]");
            let c = host
                .categories
                .iter()
                .copied()
                .find(|c| c.name() == name)
                .ok_or_else(|| {
                    problem(&at, DocumentProblem::UnknownCategory(KeyText::new(name)))
                })?;
            reader.categories.push(c);
            b = b.host_category(c);
        }
        for s in &self.subject_categories {
            b = b.subject_category(s);
        }
        for s in &self.security_measures {
            b = b.security_measure(s);
        }
        for (i, p) in self.purposes.iter().enumerate() {
            let purpose = reader.purpose(&format!("purposes[{i}]"), &p.purpose)?;
            let mut terms = PurposeTerms::new(purpose, p.retention).description(&p.description);
            if p.consent_only {
                terms = terms.consent_only();
            }
            if p.processor_disclosure {
                terms = terms.processor_disclosure();
            }
            if p.gpc_opt_out {
                terms = terms.gpc_opt_out();
            }
            b = b.purpose(terms);
        }
        for (i, r) in self.rules.iter().enumerate() {
            let (category, purpose, rule) = read_rule(&reader, i, r)?;
            b = b.rule(category, purpose, rule);
        }
        for (i, s) in self.material_changes.iter().enumerate() {
            b = b.material_change(reader.purpose(&format!("material_changes[{i}]"), s)?);
        }
        for (i, s) in self.consent_lifts_objection.iter().enumerate() {
            let at = format!("consent_lifts_objection[{i}]");
            b = b.consent_lifts_objection(reader.purpose(&at, s)?);
        }
        for (i, role) in self.roles.iter().enumerate() {
            let at = format!("roles[{i}]");
            let mut grant = RoleGrant::new(id(&at, Role::parse(&role.role))?);
            for pairs in &role.reveal {
                grant = grant.reveal(
                    &reader.categories(&at, &pairs.categories)?,
                    &reader.purposes(&at, &pairs.purposes)?,
                );
            }
            b = b.role(grant);
        }
        for (i, r) in self.recipients.iter().enumerate() {
            b = b.recipient(read_recipient(&reader, i, r)?);
        }
        b.build(version, effective_from)
    }

    fn from_policy(policy: &Policy) -> Self {
        let names = |cs: &[Category]| cs.iter().map(|c| c.name().to_owned()).collect();
        let keys = |ps: &[Purpose]| ps.iter().map(|p| p.key().to_owned()).collect();
        let mut rules = Vec::new();
        for c in policy.categories() {
            for terms in policy.purposes() {
                let Some(rule) = policy.rule(c, terms.purpose()) else {
                    continue;
                };
                let (basis, forbid, documentation) = match rule {
                    Rule::Allow {
                        basis,
                        documentation,
                    } => (Some(basis.key().to_owned()), false, documentation.clone()),
                    Rule::Forbid => (None, true, None),
                };
                rules.push(RuleDoc {
                    category: c.name().to_owned(),
                    purpose: terms.purpose().key().to_owned(),
                    basis,
                    forbid,
                    documentation,
                });
            }
        }
        Document {
            version: policy.version().to_string(),
            effective_from: policy.effective_from().to_string(),
            announced: policy.announced().map(|t| t.to_string()),
            controller: policy.controller().clone(),
            subject_categories: policy.subject_categories().to_vec(),
            security_measures: policy.security_measures().to_vec(),
            host_categories: policy
                .categories()
                .skip(Category::BUILT_IN.len())
                .map(|c| c.name().to_owned())
                .collect(),
            material_changes: keys(policy.material_changes()),
            consent_lifts_objection: keys(&policy.objection_lifted_by_consent),
            purposes: policy
                .purposes()
                .iter()
                .map(|t| PurposeDoc {
                    purpose: t.purpose().key().to_owned(),
                    retention: t.retention(),
                    description: t.description_text().to_owned(),
                    consent_only: t.is_consent_only(),
                    processor_disclosure: t.allows_processor_disclosure(),
                    gpc_opt_out: t.is_gpc_opt_out(),
                })
                .collect(),
            rules,
            roles: policy
                .roles()
                .iter()
                .map(|g| RoleDoc {
                    role: g.role().to_string(),
                    reveal: g
                        .pairs()
                        .iter()
                        .map(|&(c, p)| PairsDoc {
                            categories: vec![c.name().to_owned()],
                            purposes: vec![p.key().to_owned()],
                        })
                        .collect(),
                })
                .collect(),
            recipients: policy
                .recipients()
                .iter()
                .map(|r| RecipientDoc {
                    id: r.id().to_string(),
                    name: r.name().to_owned(),
                    kind: r.kind(),
                    country: r.processing_country().map(ToString::to_string),
                    agreements: r
                        .agreements()
                        .iter()
                        .map(|a| AgreementDoc {
                            reference: a.reference().to_string(),
                            categories: names(a.categories()),
                            purposes: keys(a.purposes()),
                            valid_from: Some(a.valid_from().to_string()),
                            valid_until: a.valid_until().map(|t| t.to_string()),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn read_rule(
    reader: &Reader<'_>,
    i: usize,
    r: &RuleDoc,
) -> Result<(Category, Purpose, Rule), PolicyError> {
    let at = format!(
        "rules[{i}] (category {}, purpose {})",
        KeyText::new(&r.category).as_str().unwrap_or("<not a key>"),
        KeyText::new(&r.purpose).as_str().unwrap_or("<not a key>"),
    );
    let category = reader.category(&at, &r.category)?;
    let purpose = reader.purpose(&at, &r.purpose)?;
    let rule = match (&r.basis, r.forbid) {
        (Some(basis), false) => Rule::Allow {
            basis: LawfulBasis::parse(basis)
                .map_err(|_| problem(&at, DocumentProblem::UnknownBasis(KeyText::new(basis))))?,
            documentation: r.documentation.clone(),
        },
        (None, true) if r.documentation.is_none() => Rule::Forbid,
        _ => {
            return Err(problem(
                at,
                DocumentProblem::Syntax("a rule has either a basis or \"forbid\": true".to_owned()),
            ));
        }
    };
    Ok((category, purpose, rule))
}

fn read_recipient(
    reader: &Reader<'_>,
    i: usize,
    r: &RecipientDoc,
) -> Result<Recipient, PolicyError> {
    let at = format!("recipients[{i}]");
    let mut recipient = Recipient::new(id(&at, RecipientId::parse(&r.id))?, &r.name, r.kind);
    if let Some(country) = &r.country {
        recipient = recipient.country(id(&at, Jurisdiction::parse(country))?);
    }
    for (j, a) in r.agreements.iter().enumerate() {
        let at = format!("recipients[{i}].agreements[{j}]");
        let from = a.valid_from.as_deref().map(|s| time(&at, s)).transpose()?;
        let until = a.valid_until.as_deref().map(|s| time(&at, s)).transpose()?;
        let agreement = Agreement::new(
            id(&at, Reference::parse(&a.reference))?,
            &reader.categories(&at, &a.categories)?,
            &reader.purposes(&at, &a.purposes)?,
        )
        .valid(from.unwrap_or(Timestamp::EPOCH), until);
        recipient = recipient.agreement(agreement);
    }
    Ok(recipient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::marketplace;

    #[test]
    fn parser_messages_keep_only_keys() {
        assert_eq!(
            sanitize("unknown field `rulez`, expected `rules`"),
            "unknown field `rulez`, expected `rules`"
        );
        assert_eq!(
            sanitize("invalid type: string \"ada@example.com\", expected u32"),
            "invalid type: string <not a key>, expected u32"
        );
        assert_eq!(sanitize("dangling \"quote"), "dangling <not a key>");
    }

    #[test]
    fn announcements_and_objection_overrides_round_trip() {
        let at = Timestamp::parse("2025-05-01T00:00:00Z").unwrap();
        let policy = marketplace()
            .announced(at)
            .consent_lifts_objection(Purpose::Marketing)
            .build(PolicyVersion::new("2"), at)
            .unwrap();
        let json = to_json(&policy).unwrap();
        assert!(
            json.contains(r#""announced": "2025-05-01T00:00:00.000Z""#),
            "{json}"
        );
        let back = from_json(&json).unwrap();
        assert_eq!(back.announced(), Some(at));
        assert!(back.consent_lifts_objection(Purpose::Marketing));
        assert!(!back.consent_lifts_objection(Purpose::Shipping));
        let bad = json.replace(
            r#""announced": "2025-05-01T00:00:00.000Z""#,
            r#""announced": "soon""#,
        );
        assert_eq!(
            from_json(&bad).unwrap_err().to_string(),
            "announced: invalid timestamp"
        );
    }

    #[test]
    fn the_default_round_trips_through_json() {
        let policy = marketplace()
            .build(PolicyVersion::new("1"), Timestamp::EPOCH)
            .unwrap();
        let json = to_json(&policy).unwrap();
        let back = from_json(&json).unwrap();
        assert_eq!(to_json(&back).unwrap(), json);
        for c in policy.categories() {
            for t in policy.purposes() {
                assert_eq!(policy.rule(c, t.purpose()), back.rule(c, t.purpose()));
            }
        }
        assert_eq!(back.roles(), policy.roles());
    }

    #[test]
    fn errors_name_the_place_and_never_echo_values() {
        let doc = |rules: &str| {
            format!(
                r#"{{"version":"1","effective_from":"2025-01-01T00:00:00Z",
                "purposes":[{{"purpose":"marketing","retention":"until_withdrawn","consent_only":true}}],
                "rules":[{rules}]}}"#
            )
        };
        let err = from_json(&doc(
            r#"{"category":"user.contactx","purpose":"marketing","basis":"consent"}"#,
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules[0] (category user.contactx, purpose marketing): unknown category `user.contactx`"
        );
        let err = from_json(&doc(
            r#"{"category":"ada@example.com","purpose":"marketing","basis":"consent"}"#,
        ))
        .unwrap_err();
        assert!(!err.to_string().contains("ada"), "{err}");
        let err = from_json(&doc(
            r#"{"category":"contact","purpose":"shipping","basis":"consent"}"#,
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules[0] (category contact, purpose shipping): the purpose is not declared"
        );
        let err = from_json(&doc(
            r#"{"category":"contact","purpose":"marketing","basis":"consent","forbid":true}"#,
        ))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("rules[0] (category contact, purpose marketing): a rule has either")
        );
        let err = from_json(r#"{"version":"1"}"#).unwrap_err();
        assert!(
            err.to_string().contains("missing field `effective_from`"),
            "{err}"
        );
    }
}
