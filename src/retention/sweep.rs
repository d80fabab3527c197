//! Retention sweeps: at a time T, plan purge or keep for every record the
//! host holds, then carry the purges out through the
//! [`Host`] trait.
//!
//! For one record on the day of T, in this order:
//!
//! 1. the subject has an open rights request → keep (a pending request
//!    suspends purges);
//! 2. a freeze holds → keep;
//! 3. a legal hold or restriction keeps the record and holds → keep; an
//!    erasure hold that ended → purge (and the hold is released: its key
//!    destroyed);
//! 4. a [`Duty::Keep`](super::Duty::Keep) rule still runs → keep;
//! 5. a [`Duty::Erase`](super::Duty::Erase) rule ran out → purge; one
//!    that still runs → keep;
//! 6. a `Keep` rule ran out → purge (the record is obsolete);
//! 7. no rule applies → keep.
//!
//! # Crash safety
//!
//! Executing is idempotent and needs no journal: each purge is recorded
//! as a `retention_purge` event and then erased by the host (which
//! ignores records already gone), and every run plans again from what
//! the host still holds. A sweep killed midway is finished by running it
//! again; a purge whose event was recorded just before the kill is
//! recorded a second time when it is carried out (the log over-reports,
//! it never misses a purge). Sweeps only append to the audit log; they
//! never remove an entry.

use super::hold::{Hold, HoldKind};
use crate::Custodian;
use crate::SubjectId;
use crate::audit::{Action, AuditEvent, HoldId, Outcome};
use crate::consent::ConsentStore;
use crate::pii::Category;
use crate::records::{Host, Record, RecordClass, RecordId};
use crate::rights::RightsError;
use crate::time::{Date, Timestamp};

/// Why a record is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Keep {
    /// The subject has an open rights request.
    PendingRequest,
    /// A freeze holds.
    Frozen {
        /// The freeze.
        hold: HoldId,
    },
    /// A legal hold or a restriction keeps it.
    Held {
        /// The hold.
        hold: HoldId,
        /// Its last day, if it has one.
        until: Option<Date>,
    },
    /// The law requires keeping it until this day.
    Retained {
        /// The last day.
        until: Date,
        /// The rule's legal source.
        source: String,
    },
    /// An erasure rule will purge it after this day.
    NotYet {
        /// The last day.
        until: Date,
    },
    /// No rule applies.
    NoRule,
}

/// Purge or keep.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Planned {
    /// Purge, on this legal source (or because its hold ended).
    Purge {
        /// Why it may go.
        source: String,
    },
    /// Keep, for this reason.
    Keep(Keep),
}

/// One record's line of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanItem {
    /// Whose.
    pub subject: SubjectId,
    /// Which record.
    pub record: RecordId,
    /// Its category.
    pub category: Category,
    /// Its class.
    pub class: RecordClass,
    /// What happens to it.
    pub planned: Planned,
}

/// What a sweep at one time will do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The sweep's time.
    pub at: Timestamp,
    /// One line per record.
    pub items: Vec<PlanItem>,
    /// Holds that ended and are released (erasure holds: key destroyed).
    pub releases: Vec<(SubjectId, HoldId)>,
}

impl Plan {
    /// The lines that purge.
    pub fn purges(&self) -> impl Iterator<Item = &PlanItem> {
        self.items
            .iter()
            .filter(|i| matches!(i.planned, Planned::Purge { .. }))
    }
}

/// What a sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Records purged.
    pub purged: u64,
    /// Records planned for purging that were gone already.
    pub already_gone: u64,
    /// Records kept.
    pub kept: u64,
    /// Holds released.
    pub released: Vec<HoldId>,
}

impl<S: ConsentStore> Custodian<S> {
    /// The plan of a sweep at `at` over everything `host` holds (see the
    /// [module docs](self)); changes nothing.
    ///
    /// # Errors
    ///
    /// Host, hold store and request store failures.
    pub fn sweep_plan(&self, host: &dyn Host, at: Timestamp) -> Result<Plan, RightsError> {
        let today = Date::of(at);
        let mut plan = Plan {
            at,
            items: Vec::new(),
            releases: Vec::new(),
        };
        let mut subjects = host.subjects()?;
        subjects.sort();
        for subject in subjects {
            let pending = self
                .rights
                .requests
                .of_subject(&subject)?
                .iter()
                .any(|r| !r.status().is_closed());
            let holds = self.rights.holds.of_subject(&subject)?;
            for record in host.records(&subject)? {
                let planned = self.planned(&record, &holds, pending, today);
                plan.items.push(PlanItem {
                    subject: subject.clone(),
                    record: record.id,
                    category: record.category,
                    class: record.class,
                    planned,
                });
            }
            plan.releases.extend(
                holds
                    .iter()
                    .filter(|h| h.kind != HoldKind::Freeze && !h.holds_on(today))
                    .map(|h| (subject.clone(), h.id)),
            );
        }
        Ok(plan)
    }

    fn planned(&self, record: &Record, holds: &[Hold], pending: bool, today: Date) -> Planned {
        if pending {
            return Planned::Keep(Keep::PendingRequest);
        }
        if let Some(f) = holds
            .iter()
            .find(|h| h.kind == HoldKind::Freeze && h.holds_on(today))
        {
            return Planned::Keep(Keep::Frozen { hold: f.id });
        }
        if let Some(h) = holds
            .iter()
            .find(|h| h.kind != HoldKind::Freeze && h.records.contains(&record.id))
        {
            if h.holds_on(today) {
                return Planned::Keep(Keep::Held {
                    hold: h.id,
                    until: h.until,
                });
            }
            if h.kind == HoldKind::Erasure {
                return Planned::Purge {
                    source: h.source.to_string(),
                };
            }
        }
        let schedule = self.retention();
        let keep = schedule.keep_record_until(record);
        if let Some((until, rule)) = &keep {
            if *until >= today {
                return Planned::Keep(Keep::Retained {
                    until: *until,
                    source: rule.source.to_string(),
                });
            }
        }
        match (schedule.erase_record_after(record), keep) {
            (Some((until, _)), _) if until >= today => Planned::Keep(Keep::NotYet { until }),
            (Some((_, rule)), _) | (None, Some((_, rule))) => Planned::Purge {
                source: rule.source.to_string(),
            },
            (None, None) => Planned::Keep(Keep::NoRule),
        }
    }

    /// Plans a sweep at `at` and carries it out: each purge is recorded as
    /// a `retention_purge` event (subject, category, count 1) and then
    /// erased by the host; ended holds are released (`hold_released`,
    /// then the hold's key destroyed and the hold removed).
    ///
    /// Idempotent and resumable: see [crash safety](self#crash-safety).
    ///
    /// # Errors
    ///
    /// Host, vault, hold store, request store and audit failures; the
    /// purges done until then stay done, and running the sweep again
    /// finishes the rest.
    pub fn sweep(&self, host: &dyn Host, at: Timestamp) -> Result<SweepReport, RightsError> {
        let plan = self.sweep_plan(host, at)?;
        self.execute(host, &plan)
    }

    /// Carries out a plan made by [`sweep_plan`](Self::sweep_plan).
    ///
    /// # Errors
    ///
    /// As [`sweep`](Self::sweep).
    pub fn execute(&self, host: &dyn Host, plan: &Plan) -> Result<SweepReport, RightsError> {
        let auditor = self.ledger().auditor();
        let mut report = SweepReport::default();
        for item in &plan.items {
            if !matches!(item.planned, Planned::Purge { .. }) {
                report.kept += 1;
                continue;
            }
            auditor.record(
                &AuditEvent::new(Action::RetentionPurge, Outcome::Done)
                    .at(plan.at)
                    .with_subject(auditor.subject(&item.subject))
                    .with_categories([item.category])
                    .with_count(1),
            )?;
            if host.erase(&item.subject, &item.record)? {
                report.purged += 1;
            } else {
                report.already_gone += 1;
            }
        }
        for (subject, id) in &plan.releases {
            if let Some(hold) = self
                .rights
                .holds
                .of_subject(subject)?
                .into_iter()
                .find(|h| h.id == *id)
            {
                self.release(host, &hold, plan.at)?;
                report.released.push(hold.id);
            }
        }
        Ok(report)
    }

    /// Ends a hold now, whatever its end date (legal claims settled):
    /// an erasure hold's records are purged and its key destroyed; a
    /// restriction is lifted; a freeze ends.
    ///
    /// # Errors
    ///
    /// [`RightsError::NotHeld`] for an unknown hold; host, vault, hold
    /// store and audit failures.
    pub fn release_hold(
        &self,
        host: &dyn Host,
        subject: &SubjectId,
        id: HoldId,
        at: Timestamp,
    ) -> Result<(), RightsError> {
        let hold = self
            .rights
            .holds
            .of_subject(subject)?
            .into_iter()
            .find(|h| h.id == id)
            .ok_or(RightsError::NotHeld)?;
        self.release(host, &hold, at)
    }

    fn release(&self, host: &dyn Host, hold: &Hold, at: Timestamp) -> Result<(), RightsError> {
        let auditor = self.ledger().auditor();
        if hold.kind == HoldKind::Erasure {
            for record in &hold.records {
                auditor.record(
                    &AuditEvent::new(Action::RetentionPurge, Outcome::Done)
                        .at(at)
                        .with_subject(auditor.subject(&hold.subject))
                        .with_categories(hold.categories.iter().copied())
                        .with_count(1)
                        .with_correlation(hold.correlation()),
                )?;
                host.erase(&hold.subject, record)?;
            }
        }
        auditor.record(&hold.event(Action::HoldReleased, auditor, at))?;
        if hold.kind == HoldKind::Erasure {
            self.vault().forget_scope(&hold.scope())?;
        }
        self.rights.holds.remove(hold.id)?;
        Ok(())
    }
}
