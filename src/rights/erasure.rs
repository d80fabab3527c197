//! Erasure (GDPR Art. 17) per category, with legal holds.

use std::borrow::Cow;

use super::error::RightsError;
use super::notify::notify_recipients;
use super::request::RequestKind;
use crate::audit::{Action, AuditEvent, HoldId, HoldReason, Outcome, RequestId, Right, Withheld};
use crate::consent::ConsentStore;
use crate::decision::{Actor, Decision, Use};
use crate::ids::RecipientId;
use crate::pii::Category;
use crate::purpose::Purpose;
use crate::records::{Host, Record, RecordId};
use crate::retention::{Hold, HoldKind};
use crate::time::{Date, Timestamp};
use crate::vault::{FieldLabel, KeyScope};
use crate::{Custodian, SubjectId};

use super::notify::Notifier;

/// What happened to one category.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CategoryOutcome {
    /// Every record of the category was erased.
    Erased {
        /// How many records.
        records: u64,
    },
    /// Some records of the category were kept back.
    Withheld {
        /// The legal ground (Art. 17(3)).
        reason: HoldReason,
        /// The legal source.
        source: String,
        /// The last day they are kept; `None` until the hold is released.
        until: Option<Date>,
        /// How many records were kept.
        records: u64,
        /// How many records of the category were erased.
        erased: u64,
    },
}

/// The outcome of an erasure request, per category.
///
/// [`Custodian::erase`] sorts the subject's records into those erased and
/// those the law keeps:
///
/// - a record under a [freeze](crate::retention::HoldKind::Freeze)
///   (legal claims, a dispute) is withheld for the freeze's ground;
/// - a record a [`Duty::Keep`](crate::retention::Duty::Keep) retention
///   rule still covers (an invoice for tax law) is withheld on legal
///   obligation until the rule's last day;
/// - every other record is erased through the host.
///
/// Withheld records go under a legal hold of kind
/// [`Erasure`](crate::retention::HoldKind::Erasure): their fields are
/// moved, inside the vault, from the subject's key to the hold's own key,
/// they are restricted to legal compliance (the decider denies every
/// other purpose), and a [sweep](crate::retention::sweep) purges them
/// and destroys the hold's key when the hold ends. Then the subject's key
/// is destroyed, so every other copy of the subject's values (backups,
/// exports) no longer opens. Recipients of erased categories are told
/// (Art. 19).
///
/// Erasing again is harmless: held records stay held, nothing else is
/// left, and the report says it was a repeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureReport {
    /// Each category the subject had records of, ordered by code.
    pub categories: Vec<(Category, CategoryOutcome)>,
    /// The holds that keep the withheld records.
    pub holds: Vec<HoldId>,
    /// Whether this erasure destroyed the subject's key (false when it was
    /// destroyed before).
    pub key_destroyed: bool,
    /// Whether nothing was left to erase (a repeated erasure).
    pub repeated: bool,
    /// The recipients told (Art. 19).
    pub notified: Vec<RecipientId>,
    /// The recipients that could not be reached.
    pub not_notified: Vec<RecipientId>,
}

/// Where one record goes.
enum Fate {
    Erase,
    /// Kept by a hold placed before (a repeated or resumed erasure).
    Held(Hold),
    /// To be kept by a new hold with these terms.
    Hold {
        reason: HoldReason,
        source: Cow<'static, str>,
        until: Option<Date>,
    },
}

impl<S: ConsentStore> Custodian<S> {
    /// Carries out an erasure request (see [`ErasureReport`] for which records are kept): the
    /// `erasure` audit event (categories erased, withheld with their
    /// grounds; outcome `partial` when something is withheld) is recorded
    /// first, then holds are placed, held fields moved under the holds'
    /// keys, the other records erased by the host, recipients told, the
    /// subject's key destroyed and the request fulfilled.
    ///
    /// # Errors
    ///
    /// [`RightsError::WrongKind`], [`RightsError::IllegalTransition`] for
    /// a request not accepted (nothing happens); host, vault, hold store,
    /// audit and store failures. A failure after the audit event leaves
    /// the request open; calling `erase` again finishes the work (every
    /// step is idempotent).
    pub fn erase(
        &self,
        id: RequestId,
        host: &dyn Host,
        notifier: &dyn Notifier,
        at: Timestamp,
    ) -> Result<ErasureReport, RightsError> {
        let request = self.ready(id, RequestKind::Erasure)?;
        let subject = &request.subject;
        let today = Date::of(at);
        let records = host.records(subject)?;
        let existing = self.rights.holds.of_subject(subject)?;
        let fates: Vec<Fate> = records
            .iter()
            .map(|r| self.fate(r, &existing, today))
            .collect();
        let new_holds = group_holds(subject, &records, &fates, at)?;
        let report = outcome(&records, &fates, &new_holds);
        self.record_erasure(subject, id, &report, at)?;
        for hold in &new_holds {
            self.place_hold(hold, Some(id), at)?;
        }
        let erased_categories = self.carry_out(subject, host, &records, &fates, &new_holds)?;
        let (notified, not_notified) = notify_recipients(
            self.ledger().auditor(),
            &*self.rights.disclosures,
            notifier,
            (subject, Right::Erasure, &erased_categories, id),
            at,
        )?;
        let key_destroyed = self.vault().forget(subject)?.is_some();
        self.fulfil(id, at)?;
        let erased_any = fates.iter().any(|f| matches!(f, Fate::Erase));
        let mut holds: Vec<HoldId> = new_holds.iter().map(|h| h.id).collect();
        holds.extend(fates.iter().filter_map(|f| match f {
            Fate::Held(h) => Some(h.id),
            _ => None,
        }));
        holds.sort();
        holds.dedup();
        Ok(ErasureReport {
            categories: report,
            holds,
            key_destroyed,
            repeated: !erased_any && new_holds.is_empty() && !key_destroyed,
            notified,
            not_notified,
        })
    }

    fn fate(&self, record: &Record, holds: &[Hold], today: Date) -> Fate {
        if let Some(h) = holds
            .iter()
            .find(|h| h.kind == HoldKind::Erasure && h.records.contains(&record.id))
        {
            return Fate::Held(h.clone());
        }
        if let Some(f) = holds
            .iter()
            .find(|h| h.kind == HoldKind::Freeze && h.holds_on(today))
        {
            return Fate::Hold {
                reason: f.reason,
                source: f.source.clone(),
                until: f.until,
            };
        }
        match self.retention().keep_record_until(record) {
            Some((until, rule)) if until >= today => Fate::Hold {
                reason: HoldReason::LegalObligation,
                source: rule.source.clone(),
                until: Some(until),
            },
            _ => Fate::Erase,
        }
    }

    fn record_erasure(
        &self,
        subject: &SubjectId,
        id: RequestId,
        report: &[(Category, CategoryOutcome)],
        at: Timestamp,
    ) -> Result<(), RightsError> {
        let withheld: Vec<Withheld> = report
            .iter()
            .filter_map(|(category, o)| match o {
                CategoryOutcome::Withheld { reason, .. } => Some(Withheld {
                    category: *category,
                    reason: *reason,
                }),
                CategoryOutcome::Erased { .. } => None,
            })
            .collect();
        let auditor = self.ledger().auditor();
        let outcome = if withheld.is_empty() {
            Outcome::Done
        } else {
            Outcome::Partial
        };
        auditor.record(
            &AuditEvent::new(Action::Erasure, outcome)
                .at(at)
                .with_subject(auditor.subject(subject))
                .with_right(Right::Erasure)
                .with_categories(report.iter().map(|(c, _)| *c))
                .with_withheld(withheld)
                .with_request(id),
        )?;
        Ok(())
    }

    /// Moves held fields under their hold's key and erases the rest;
    /// returns the categories erased.
    fn carry_out(
        &self,
        subject: &SubjectId,
        host: &dyn Host,
        records: &[Record],
        fates: &[Fate],
        new_holds: &[Hold],
    ) -> Result<Vec<Category>, RightsError> {
        let from = KeyScope::subject(subject);
        let mut erased = Vec::new();
        for (record, fate) in records.iter().zip(fates) {
            let hold = match fate {
                Fate::Erase => {
                    host.erase(subject, &record.id)?;
                    erased.push(record.category);
                    continue;
                }
                Fate::Held(h) => h,
                Fate::Hold { .. } => {
                    match new_holds.iter().find(|h| h.records.contains(&record.id)) {
                        Some(h) => h,
                        None => continue,
                    }
                }
            };
            let to = hold.scope();
            // Only fields still under the subject's key: a resumed or
            // repeated erasure moves nothing twice.
            for field in record
                .fields
                .iter()
                .filter(|f| f.envelope.is_subject_keyed())
            {
                let moved = self.vault().rescope(
                    &field.envelope,
                    &from,
                    &to,
                    record.category,
                    field.label,
                )?;
                host.replace(subject, &record.id, field.label, moved)?;
            }
        }
        erased.sort_by_key(|c| c.code());
        erased.dedup();
        Ok(erased)
    }

    /// Opens one field of a held record for `purpose`. The decider
    /// decides the use (a held category is restricted to its hold's
    /// purpose, [`DenialReason::Restricted`](crate::decision::DenialReason::Restricted)),
    /// and the attempt is recorded as a `held_opened` event, allowed or
    /// denied, before anything is opened.
    ///
    /// # Errors
    ///
    /// [`RightsError::Restricted`] for another purpose than the hold's;
    /// [`RightsError::NotHeld`] once the hold was released (the record is
    /// purged then); [`RightsError::NoSuchField`]; host, seal, audit
    /// failures.
    #[allow(clippy::too_many_arguments, reason = "one call is one audited opening")]
    pub fn open_held(
        &self,
        subject: &SubjectId,
        host: &dyn Host,
        record: &RecordId,
        label: FieldLabel,
        purpose: Purpose,
        at: Timestamp,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, RightsError> {
        let hold = self
            .rights
            .holds
            .of_subject(subject)?
            .into_iter()
            .find(|h| {
                h.kind == HoldKind::Erasure
                    && h.records.contains(record)
                    && h.holds_on(Date::of(at))
            })
            .ok_or(RightsError::NotHeld)?;
        let stored = host
            .records(subject)?
            .into_iter()
            .find(|r| &r.id == record)
            .ok_or(RightsError::NotHeld)?;
        let field = stored
            .fields
            .iter()
            .find(|f| f.label == label)
            .ok_or(RightsError::NoSuchField)?;
        let categories = [stored.category];
        let decision = self.decide(&Use::new(subject, &categories, purpose, Actor::System, at));
        let auditor = self.ledger().auditor();
        let event = AuditEvent::new(Action::HeldOpened, Outcome::Allowed)
            .at(at)
            .with_subject(auditor.subject(subject))
            .with_categories(categories)
            .with_purpose(purpose)
            .with_correlation(hold.correlation());
        match decision {
            Decision::Allowed(_) => auditor.record(&event)?,
            refused => {
                let refusal = refused.into_result().err();
                let mut denied = event.with_outcome(Outcome::Denied);
                if let Some(r) = &refusal {
                    denied = denied.with_reason(crate::audit::RefusalReason::of(r));
                }
                auditor.record(&denied)?;
                return Err(match refusal {
                    Some(r) if refused_as_restricted(&r) || purpose != hold.purpose => {
                        RightsError::Restricted {
                            allowed: hold.purpose,
                            asked: purpose,
                        }
                    }
                    Some(r) => RightsError::Refused(r),
                    None => RightsError::NotHeld,
                });
            }
        }
        self.vault()
            .open_bytes(&field.envelope, &hold.scope(), stored.category, label)?
            .ok_or(RightsError::NotHeld)
    }
}

fn refused_as_restricted(refusal: &crate::decision::Refusal) -> bool {
    matches!(refusal, crate::decision::Refusal::Denied(d) if d.reason == crate::decision::DenialReason::Restricted)
}

/// One new hold per legal ground, source and end date.
fn group_holds(
    subject: &SubjectId,
    records: &[Record],
    fates: &[Fate],
    at: Timestamp,
) -> Result<Vec<Hold>, RightsError> {
    let mut holds: Vec<Hold> = Vec::new();
    for (record, fate) in records.iter().zip(fates) {
        let Fate::Hold {
            reason,
            source,
            until,
        } = fate
        else {
            continue;
        };
        let existing = holds
            .iter_mut()
            .find(|h| h.reason == *reason && h.source == *source && h.until == *until);
        let hold = match existing {
            Some(h) => h,
            None => {
                holds.push(Hold {
                    id: HoldId::random()?,
                    kind: HoldKind::Erasure,
                    subject: subject.clone(),
                    records: Vec::new(),
                    categories: Vec::new(),
                    reason: *reason,
                    purpose: Purpose::LegalCompliance,
                    source: source.clone(),
                    until: *until,
                    placed: at,
                });
                holds.last_mut().ok_or(RightsError::NotHeld)?
            }
        };
        hold.records.push(record.id.clone());
        if !hold.categories.contains(&record.category) {
            hold.categories.push(record.category);
        }
    }
    Ok(holds)
}

/// The per-category report.
fn outcome(
    records: &[Record],
    fates: &[Fate],
    new_holds: &[Hold],
) -> Vec<(Category, CategoryOutcome)> {
    let mut categories: Vec<Category> = records.iter().map(|r| r.category).collect();
    categories.sort_by_key(|c| c.code());
    categories.dedup();
    categories
        .into_iter()
        .map(|category| {
            let of_category = || {
                records
                    .iter()
                    .zip(fates)
                    .filter(move |(r, _)| r.category == category)
            };
            let erased = of_category()
                .filter(|(_, f)| matches!(f, Fate::Erase))
                .count() as u64;
            let held: Vec<&Hold> = of_category()
                .filter_map(|(r, f)| match f {
                    Fate::Erase => None,
                    Fate::Held(h) => Some(h),
                    Fate::Hold { .. } => new_holds.iter().find(|h| h.records.contains(&r.id)),
                })
                .collect();
            // The hold that keeps the category longest speaks for it.
            let longest = held.iter().max_by_key(|h| h.until.unwrap_or(Date::MAX));
            let outcome = match longest {
                None => CategoryOutcome::Erased { records: erased },
                Some(h) => CategoryOutcome::Withheld {
                    reason: h.reason,
                    source: h.source.to_string(),
                    until: h.until,
                    records: held.len() as u64,
                    erased,
                },
            };
            (category, outcome)
        })
        .collect()
}
