//! Retention: how long records are kept, legal holds that keep them
//! longer, and sweeps that purge what expired while the audit trail
//! stays.
//!
//! A [`Rule`] is data: the jurisdiction, what it applies to (a
//! [record class](crate::records::RecordClass) or a data category), the
//! [`Anchor`] it counts from, the [`Period`], the legal source, and
//! whether the law obliges keeping the record that long
//! ([`Duty::Keep`]) or the controller erases it then ([`Duty::Erase`],
//! such as erasure after three years without activity). A
//! [`Schedule`] is a set of rules; [`Schedule::germany`] ships the German
//! commercial and tax rules, and a host adds its own jurisdictions with
//! [`Schedule::rule`].
//!
//! ```
//! use custodian::records::RecordClass;
//! use custodian::retention::Schedule;
//! use custodian::time::Date;
//!
//! let schedule = Schedule::germany();
//! let issued = Date::from_ymd(2025, 3, 14)?;
//! // Counted from the end of the calendar year: 8 years after 31 Dec 2025.
//! let keep = schedule.keep_until(RecordClass::INVOICE, None, issued, issued, None);
//! assert_eq!(keep.map(|(date, _)| date.to_string()), Some("2033-12-31".into()));
//! # Ok::<(), custodian::time::InvalidTimestamp>(())
//! ```
//!
//! A [sweep] at a time T plans, for every record the host holds,
//! purge or keep (with the reason), and executes the purges through the
//! [`Host`](crate::records::Host), each one audited before it happens.
//! [Holds](hold) (a legal hold after an erasure request, a freeze for a
//! dispute) and pending rights requests suspend purges.
//!
//! # References
//!
//! GDPR Art. 5(1)(e) (storage limitation), Art. 17(3)(b) and (e);
//! HGB §257; AO §147 (as amended by the Viertes
//! Bürokratieentlastungsgesetz, in force 1 January 2025); India DPDP
//! Rules 2025 (erasure after inactivity).

pub mod hold;
pub mod sweep;

use std::borrow::Cow;
use std::fmt;

use crate::ids::Jurisdiction;
use crate::pii::Category;
use crate::records::{Record, RecordClass};
use crate::time::Date;

pub use hold::{Hold, HoldKind, HoldStore, MemoryHolds};
pub use sweep::{Keep, Plan, PlanItem, Planned, SweepReport};

/// What a retention period counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Anchor {
    /// The day the record was collected or made.
    Collection,
    /// The subject's last activity the record reflects.
    LastActivity,
    /// The completion of the order or transaction (falls back to
    /// collection for records without one).
    OrderCompletion,
    /// 31 December of the year the record was made (HGB §257(5),
    /// AO §147(4)).
    EndOfCalendarYear,
    /// The last day of the financial year the record was made in, for a
    /// financial year starting on the first day of `first_month` (1–12).
    EndOfFinancialYear {
        /// The month the financial year starts in.
        first_month: u8,
    },
}

/// How long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Period {
    /// Days.
    Days(u32),
    /// Calendar months.
    Months(u32),
    /// Years.
    Years(u32),
}

/// What a rule asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Duty {
    /// The law obliges keeping the record at least this long: it is
    /// withheld from erasure requests until then (Art. 17(3)(b)) and
    /// purged after.
    Keep,
    /// The record is erased after this long (storage limitation, an
    /// inactivity rule).
    Erase,
}

/// What a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Applies {
    /// Records of this class.
    Class(RecordClass),
    /// Records of this category, whatever their class.
    Category(Category),
}

/// One retention rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Where it is law.
    pub jurisdiction: Jurisdiction,
    /// What it applies to.
    pub applies: Applies,
    /// What it counts from.
    pub anchor: Anchor,
    /// How long.
    pub period: Period,
    /// Keep at least, or erase after.
    pub duty: Duty,
    /// The legal source, such as `HGB §257(4)`.
    pub source: Cow<'static, str>,
}

impl Rule {
    /// Whether the rule applies to a record of `class` and `category`.
    pub fn applies_to(&self, class: RecordClass, category: Category) -> bool {
        match self.applies {
            Applies::Class(c) => c == class,
            Applies::Category(c) => c == category,
        }
    }

    /// The last day the record is kept under this rule, counted from the
    /// record's dates; `None` past 9999-12-31 (kept for good).
    pub fn last_day(
        &self,
        created: Date,
        last_activity: Date,
        completed: Option<Date>,
    ) -> Option<Date> {
        let start = match self.anchor {
            Anchor::Collection => created,
            Anchor::LastActivity => last_activity,
            Anchor::OrderCompletion => completed.unwrap_or(created),
            Anchor::EndOfCalendarYear => created.end_of_year(),
            Anchor::EndOfFinancialYear { first_month } => {
                end_of_financial_year(created, first_month)?
            }
        };
        match self.period {
            Period::Days(n) => start.plus_days(n),
            Period::Months(n) => start.plus_months(n),
            Period::Years(n) => start.plus_years(n),
        }
    }
}

/// The last day of the financial year that `date` falls in.
fn end_of_financial_year(date: Date, first_month: u8) -> Option<Date> {
    let first_month = u32::from(first_month.clamp(1, 12));
    let (y, m, _) = date.ymd();
    let start_year = if m >= first_month { y } else { y - 1 };
    let next_start = Date::from_ymd(start_year, first_month, 1)
        .ok()?
        .plus_years(1)?;
    // The day before the next financial year starts.
    Date::MIN.plus_days(next_start.days_since_epoch().checked_sub(1)?)
}

/// A set of retention rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    rules: Vec<Rule>,
}

impl Schedule {
    /// No rules: nothing is purged, nothing withheld.
    pub fn new() -> Self {
        Self::default()
    }

    /// The German commercial and tax rules, each counted from the end of
    /// the calendar year the record was made:
    ///
    /// | class | keep | source |
    /// |---|---|---|
    /// | invoices, booking vouchers | 8 years | HGB §257(1) no. 4, (4); AO §147(1) no. 4, (3), as amended in 2025 |
    /// | books, annual accounts | 10 years | HGB §257(1) no. 1, (4); AO §147(3) |
    /// | commercial letters | 6 years | HGB §257(1) nos. 2–3, (4); AO §147(3) |
    pub fn germany() -> Self {
        let de = Jurisdiction::new("DE");
        let keep = |class, years, source: &'static str| Rule {
            jurisdiction: de.clone(),
            applies: Applies::Class(class),
            anchor: Anchor::EndOfCalendarYear,
            period: Period::Years(years),
            duty: Duty::Keep,
            source: Cow::Borrowed(source),
        };
        Self {
            rules: vec![
                keep(RecordClass::INVOICE, 8, "HGB §257(4), AO §147(3) (2025)"),
                keep(
                    RecordClass::BOOKING_VOUCHER,
                    8,
                    "HGB §257(4), AO §147(3) (2025)",
                ),
                keep(RecordClass::BOOKS, 10, "HGB §257(4), AO §147(3)"),
                keep(RecordClass::ANNUAL_ACCOUNTS, 10, "HGB §257(4), AO §147(3)"),
                keep(RecordClass::COMMERCIAL_LETTER, 6, "HGB §257(4), AO §147(3)"),
            ],
        }
    }

    /// An inactivity rule: records of `category` are erased `years` after
    /// the subject's last activity (India's DPDP Rules 2025 set three
    /// years for large e-commerce entities).
    pub fn inactivity(
        jurisdiction: Jurisdiction,
        category: Category,
        years: u32,
        source: &'static str,
    ) -> Rule {
        Rule {
            jurisdiction,
            applies: Applies::Category(category),
            anchor: Anchor::LastActivity,
            period: Period::Years(years),
            duty: Duty::Erase,
            source: Cow::Borrowed(source),
        }
    }

    /// Adds a rule.
    #[must_use]
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The last day the law obliges keeping a record, and the rule that
    /// says so (the longest of the [`Duty::Keep`] rules that apply).
    pub fn keep_until(
        &self,
        class: RecordClass,
        category: Option<Category>,
        created: Date,
        last_activity: Date,
        completed: Option<Date>,
    ) -> Option<(Date, &Rule)> {
        self.last_days(
            Duty::Keep,
            class,
            category,
            (created, last_activity, completed),
        )
        .max_by_key(|(d, _)| *d)
    }

    /// The last day before a record must be erased, and the rule (the
    /// earliest of the [`Duty::Erase`] rules that apply).
    pub fn erase_after(
        &self,
        class: RecordClass,
        category: Category,
        created: Date,
        last_activity: Date,
        completed: Option<Date>,
    ) -> Option<(Date, &Rule)> {
        self.last_days(
            Duty::Erase,
            class,
            Some(category),
            (created, last_activity, completed),
        )
        .min_by_key(|(d, _)| *d)
    }

    /// The last day under each rule of `duty` that applies.
    fn last_days(
        &self,
        duty: Duty,
        class: RecordClass,
        category: Option<Category>,
        (created, active, completed): (Date, Date, Option<Date>),
    ) -> impl Iterator<Item = (Date, &Rule)> {
        self.rules
            .iter()
            .filter(move |r| r.duty == duty && applies(r, class, category))
            .map(move |r| {
                (
                    r.last_day(created, active, completed).unwrap_or(Date::MAX),
                    r,
                )
            })
    }

    /// [`keep_until`](Self::keep_until) for a host record.
    pub fn keep_record_until(&self, record: &Record) -> Option<(Date, &Rule)> {
        let (created, active, completed) = dates(record);
        self.keep_until(
            record.class,
            Some(record.category),
            created,
            active,
            completed,
        )
    }

    /// [`erase_after`](Self::erase_after) for a host record.
    pub fn erase_record_after(&self, record: &Record) -> Option<(Date, &Rule)> {
        let (created, active, completed) = dates(record);
        self.erase_after(record.class, record.category, created, active, completed)
    }
}

fn applies(rule: &Rule, class: RecordClass, category: Option<Category>) -> bool {
    match (rule.applies, category) {
        (Applies::Class(c), _) => c == class,
        (Applies::Category(c), Some(k)) => c == k,
        (Applies::Category(_), None) => false,
    }
}

fn dates(record: &Record) -> (Date, Date, Option<Date>) {
    (
        Date::of(record.created),
        Date::of(record.last_activity),
        record.completed.map(Date::of),
    )
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Days(n) => write!(f, "{n} days"),
            Self::Months(n) => write!(f, "{n} months"),
            Self::Years(n) => write!(f, "{n} years"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    #[test]
    fn german_periods_run_from_the_end_of_the_calendar_year() {
        let s = Schedule::germany();
        let keep = |class, made| s.keep_until(class, None, made, made, None).map(|(d, _)| d);
        assert_eq!(
            keep(RecordClass::INVOICE, d(2025, 1, 1)),
            Some(d(2033, 12, 31))
        );
        assert_eq!(
            keep(RecordClass::INVOICE, d(2025, 12, 31)),
            Some(d(2033, 12, 31))
        );
        assert_eq!(
            keep(RecordClass::BOOKING_VOUCHER, d(2024, 6, 1)),
            Some(d(2032, 12, 31))
        );
        assert_eq!(
            keep(RecordClass::BOOKS, d(2024, 6, 1)),
            Some(d(2034, 12, 31))
        );
        assert_eq!(
            keep(RecordClass::ANNUAL_ACCOUNTS, d(2024, 6, 1)),
            Some(d(2034, 12, 31))
        );
        assert_eq!(
            keep(RecordClass::COMMERCIAL_LETTER, d(2024, 6, 1)),
            Some(d(2030, 12, 31))
        );
        assert_eq!(keep(RecordClass::ACCOUNT, d(2024, 6, 1)), None);
    }

    #[test]
    fn financial_years_and_inactivity() {
        assert_eq!(
            end_of_financial_year(d(2025, 3, 31), 4),
            Some(d(2025, 3, 31))
        );
        assert_eq!(
            end_of_financial_year(d(2025, 4, 1), 4),
            Some(d(2026, 3, 31))
        );
        assert_eq!(
            end_of_financial_year(d(2025, 7, 9), 1),
            Some(d(2025, 12, 31))
        );
        let s = Schedule::new().rule(Schedule::inactivity(
            Jurisdiction::new("IN"),
            Category::Engagement,
            3,
            "DPDP Rules 2025",
        ));
        let after = s.erase_after(
            RecordClass::ACCOUNT,
            Category::Engagement,
            d(2020, 1, 1),
            d(2024, 2, 29),
            None,
        );
        assert_eq!(after.map(|(d, _)| d), Some(d(2027, 2, 28)));
        assert!(
            s.erase_after(
                RecordClass::ACCOUNT,
                Category::Contact,
                d(2020, 1, 1),
                d(2024, 2, 29),
                None
            )
            .is_none()
        );
    }
}
