//! Access and portability exports: one JSON document, schema
//! `custodian.export.v1`.
//!
//! The document is a JSON object (UTF-8, no byte order mark) with these
//! members; the full JSON Schema (draft 2020-12) is [`SCHEMA`].
//!
//! | member | type | content |
//! |---|---|---|
//! | `schema` | string | always `custodian.export.v1` |
//! | `kind` | string | `access` (GDPR Art. 15) or `portability` (Art. 20) |
//! | `subject` | string | the host's subject id |
//! | `request` | string | the request id, 32 lower-case hex digits |
//! | `produced` | string | `YYYY-MM-DDTHH:MM:SS.sssZ` |
//! | `records` | array | one object per record: `id`, `category`, `class`, `basis`, `provided`, `portable`, `created`, `last_activity`, optional `completed`, optional `keep_until` (`YYYY-MM-DD`) and `retention_source`, and `fields`: label → plaintext, or `null` for a value that is erased or held |
//! | `categories` | array | access only: per category held, `purposes`: `purpose`, `basis` and `retention` of the policy in force |
//! | `consents` | array | access only: the subject's consent events, oldest first, as the [ledger](crate::consent::ConsentEvent) serializes them |
//! | `recipients` | array | access only: `recipient`, `categories`, `purpose`, `at` of each disclosure that went ahead |
//!
//! A portability export holds only the records the subject provided that
//! are processed on consent or contract (`portable: true`), and none of
//! the access-only members. Plaintext is each value's canonical text
//! form (an e-mail address in lower case, a phone number in E.164).
//! Members are written in the order above; readers must ignore member
//! order. A later version changes `schema`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use zeroize::Zeroizing;

use super::error::RightsError;
use super::request::RequestKind;
use crate::Custodian;
use crate::audit::{Action, Actor, AuditEvent, Outcome, Right};
use crate::consent::{ConsentEvent, ConsentStore};
use crate::pii::Category;
use crate::policy::Rule;
use crate::purpose::LawfulBasis;
use crate::records::{Host, Record};
use crate::time::{Date, Timestamp};
use crate::vault::KeyScope;

/// The JSON Schema of version 1.
pub const SCHEMA: &str = include_str!("export-v1.schema.json");

/// The `schema` member of version 1.
pub const SCHEMA_ID: &str = "custodian.export.v1";

/// A produced export: the subject's data in plaintext, for the subject
/// only.
///
/// # Security
///
/// The document holds plaintext personal data. Hand it to the subject
/// over an authenticated channel and do not store it; it is zeroized on
/// drop (the JSON encoder's own growing buffer, and the host's copies,
/// are not). `Debug` shows its kind and size only.
pub struct Export {
    kind: RequestKind,
    json: Zeroizing<String>,
}

impl Export {
    /// Access or portability.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// The JSON document.
    pub fn json(&self) -> &str {
        &self.json
    }
}

impl fmt::Debug for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Export")
            .field("kind", &self.kind)
            .field("bytes", &self.json.len())
            .finish()
    }
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    kind: &'static str,
    subject: &'a str,
    request: String,
    produced: Timestamp,
    records: Vec<RecordOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    categories: Option<Vec<CategoryOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consents: Option<Vec<ConsentEvent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipients: Option<Vec<RecipientOut>>,
}

#[derive(Serialize)]
struct RecordOut {
    id: String,
    category: &'static str,
    class: &'static str,
    basis: &'static str,
    provided: bool,
    portable: bool,
    created: Timestamp,
    last_activity: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keep_until: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_source: Option<String>,
    fields: BTreeMap<&'static str, Option<Plain>>,
}

/// Plaintext of one field, zeroized on drop.
struct Plain(Zeroizing<String>);

impl Serialize for Plain {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        s.serialize_str(&self.0)
    }
}

#[derive(Serialize)]
struct CategoryOut {
    category: &'static str,
    purposes: Vec<PurposeOut>,
}

#[derive(Serialize)]
struct PurposeOut {
    purpose: &'static str,
    basis: &'static str,
    retention: String,
}

#[derive(Serialize)]
struct RecipientOut {
    recipient: String,
    categories: Vec<&'static str>,
    purpose: &'static str,
    at: Timestamp,
}

/// Whether a record falls under portability (Art. 20(1)): provided by the
/// subject and processed on consent or contract.
fn portable(record: &Record) -> bool {
    record.provided && matches!(record.basis, LawfulBasis::Consent | LawfulBasis::Contract)
}

impl<S: ConsentStore> Custodian<S> {
    /// Produces the export an access or portability request asks for
    /// (see the [schema](self)), recorded first as an `export_produced`
    /// event (actor the subject, the categories, the number of records),
    /// and fulfils the request.
    ///
    /// # Errors
    ///
    /// [`RightsError::WrongKind`] for other requests;
    /// [`RightsError::IllegalTransition`] if the request is not accepted;
    /// host, seal, consent ledger, audit and store failures (no export
    /// then).
    pub fn export(
        &self,
        id: crate::audit::RequestId,
        host: &dyn Host,
        at: Timestamp,
    ) -> Result<Export, RightsError> {
        let request = self.load_request(id)?;
        let (kind, right) = match request.kind {
            RequestKind::Access => (RequestKind::Access, Right::Access),
            RequestKind::Portability => (RequestKind::Portability, Right::Portability),
            found => {
                return Err(RightsError::WrongKind {
                    expected: RequestKind::Access,
                    found,
                });
            }
        };
        let request = self.ready(id, kind)?;
        let subject = &request.subject;
        let access = kind == RequestKind::Access;
        let mut records = host.records(subject)?;
        if !access {
            records.retain(portable);
        }
        let mut out = Vec::with_capacity(records.len());
        for record in &records {
            out.push(self.record_out(subject, record)?);
        }
        let categories: Vec<Category> = {
            let mut cs: Vec<_> = records.iter().map(|r| r.category).collect();
            cs.sort_by_key(|c| c.code());
            cs.dedup();
            cs
        };
        let document = Document {
            schema: SCHEMA_ID,
            kind: kind.key(),
            subject: subject.as_str(),
            request: id.to_string(),
            produced: at,
            records: out,
            categories: access.then(|| self.categories_out(&categories, at)),
            consents: if access {
                Some(self.ledger().history(subject)?)
            } else {
                None
            },
            recipients: if access {
                Some(self.recipients_out(subject)?)
            } else {
                None
            },
        };
        let auditor = self.ledger().auditor();
        auditor.record(
            &AuditEvent::new(Action::ExportProduced, Outcome::Done)
                .at(at)
                .with_actor(Actor::subject())
                .with_subject(auditor.subject(subject))
                .with_right(right)
                .with_categories(categories.iter().copied())
                .with_request(id)
                .with_count(records.len() as u64),
        )?;
        let json = Zeroizing::new(
            serde_json::to_string_pretty(&document).map_err(|_| RightsError::Encoding)?,
        );
        self.fulfil(id, at)?;
        Ok(Export { kind, json })
    }

    fn record_out(
        &self,
        subject: &crate::SubjectId,
        record: &Record,
    ) -> Result<RecordOut, RightsError> {
        let scope = KeyScope::subject(subject);
        let mut fields = BTreeMap::new();
        for field in &record.fields {
            // Held fields are under their hold's key, not the subject's.
            let plain = if field.envelope.is_subject_keyed() {
                self.vault()
                    .open_bytes(&field.envelope, &scope, record.category, field.label)?
                    .map(|b| Plain(Zeroizing::new(String::from_utf8_lossy(&b).into_owned())))
            } else {
                None
            };
            fields.insert(field.label.as_str(), plain);
        }
        let keep = self.retention().keep_record_until(record);
        Ok(RecordOut {
            id: record.id.as_str().to_owned(),
            category: record.category.name(),
            class: record.class.as_str(),
            basis: record.basis.key(),
            provided: record.provided,
            portable: portable(record),
            created: record.created,
            last_activity: record.last_activity,
            completed: record.completed,
            keep_until: keep.as_ref().map(|(d, _)| *d),
            retention_source: keep.map(|(_, rule)| rule.source.to_string()),
            fields,
        })
    }

    fn categories_out(&self, categories: &[Category], at: Timestamp) -> Vec<CategoryOut> {
        let Some(policy) = self.schedule().in_force(at) else {
            return Vec::new();
        };
        categories
            .iter()
            .map(|&category| CategoryOut {
                category: category.name(),
                purposes: policy
                    .purposes()
                    .iter()
                    .filter_map(|terms| match policy.rule(category, terms.purpose()) {
                        Some(Rule::Allow { basis, .. }) => Some(PurposeOut {
                            purpose: terms.purpose().key(),
                            basis: basis.key(),
                            retention: terms.retention().to_string(),
                        }),
                        _ => None,
                    })
                    .collect(),
            })
            .collect()
    }

    fn recipients_out(&self, subject: &crate::SubjectId) -> Result<Vec<RecipientOut>, RightsError> {
        Ok(self
            .rights
            .disclosures
            .of_subject(subject)?
            .into_iter()
            .map(|d| RecipientOut {
                recipient: d.recipient.as_str().to_owned(),
                categories: d.categories.iter().map(|c| c.name()).collect(),
                purpose: d.purpose.key(),
                at: d.at,
            })
            .collect())
    }
}
