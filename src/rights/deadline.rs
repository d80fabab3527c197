//! Deadlines of rights requests: jurisdiction profiles over calendar
//! dates, and a pluggable business-day calendar.
//!
//! | profile | acknowledge | respond | extension |
//! |---|---|---|---|
//! | [`Profile::Gdpr`] (Art. 12(3)) | — | one month from receipt, counted as Reg. 1182/71 counts months | two further months (to receipt + 3 months), only if recorded, with its reason, on or before the first due date |
//! | [`Profile::Ccpa`] (11 CCR §7021) | 10 business days | 45 calendar days | one of 45 more days, with notice, recorded within the first 45 |
//! | [`Profile::Complaint`] | — | a configurable number of days ([`COMPLAINT_SLA_DAYS`] by default, as India's DPDP Rules 2025 allow for grievances) | none |
//!
//! ```
//! use custodian::rights::{Calendar, Profile, Weekdays};
//! use custodian::time::Date;
//!
//! let d = |y, m, day| Date::from_ymd(y, m, day).unwrap();
//! let gdpr = Profile::Gdpr.deadlines(d(2025, 1, 31), &Weekdays)?;
//! assert_eq!(gdpr.respond_by, d(2025, 2, 28)); // not 3 March
//! assert_eq!(Profile::Gdpr.extended(d(2025, 1, 31), d(2025, 2, 28))?, d(2025, 4, 30));
//! assert!(Profile::Gdpr.extended(d(2025, 1, 31), d(2025, 3, 1)).is_err()); // too late
//!
//! // CCPA: received on a Friday, acknowledged within 10 business days.
//! let ccpa = Profile::Ccpa.deadlines(d(2025, 3, 7), &Weekdays)?;
//! assert_eq!(ccpa.acknowledge_by, Some(d(2025, 3, 21)));
//! assert_eq!(ccpa.respond_by, d(2025, 4, 21));
//! # Ok::<(), custodian::rights::DeadlineError>(())
//! ```
//!
//! # Calendars
//!
//! Business days come from a [`Calendar`]. The default, [`Weekdays`],
//! knows no public holidays: it counts Monday to Friday, which ends a
//! count of business days on or before the date a calendar with holidays
//! gives, never after. GDPR deadlines do not move off weekends by default
//! either (Reg. 1182/71 Art. 3(4) would move them later); a host that
//! wants that takes [`Profile::Gdpr`] deadlines and its own calendar to
//! [`Deadlines::rolled_forward`].
//!
//! # References
//!
//! GDPR Art. 12(3) and (4); Regulation (EEC, Euratom) No 1182/71 Art. 3;
//! California Code of Regulations, title 11, §7021; India Digital Personal
//! Data Protection Rules 2025 (grievance redress).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::time::Date;

/// The default complaint (grievance) answer time, in days.
pub const COMPLAINT_SLA_DAYS: u32 = 90;

/// Which business days there are.
pub trait Calendar: Send + Sync + fmt::Debug {
    /// Whether `date` is a business day.
    fn is_business_day(&self, date: Date) -> bool;
}

/// Monday to Friday, no holidays: the default [`Calendar`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Weekdays;

impl Calendar for Weekdays {
    fn is_business_day(&self, date: Date) -> bool {
        date.weekday() < 5
    }
}

/// Monday to Friday except the given public holidays.
///
/// ```
/// use custodian::rights::{Calendar, Holidays};
/// use custodian::time::Date;
///
/// let christmas = Date::from_ymd(2025, 12, 25)?;
/// let calendar = Holidays::new([christmas]);
/// assert!(!calendar.is_business_day(christmas));
/// # Ok::<(), custodian::time::InvalidTimestamp>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Holidays {
    days: BTreeSet<Date>,
}

impl Holidays {
    /// A calendar with these holidays.
    pub fn new(days: impl IntoIterator<Item = Date>) -> Self {
        Self {
            days: days.into_iter().collect(),
        }
    }
}

impl Calendar for Holidays {
    fn is_business_day(&self, date: Date) -> bool {
        Weekdays.is_business_day(date) && !self.days.contains(&date)
    }
}

/// A jurisdiction's deadline rules for rights requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Profile {
    /// GDPR Art. 12(3): one month, extendable by two.
    Gdpr,
    /// CCPA/CPRA, 11 CCR §7021: acknowledge in 10 business days, respond
    /// in 45 days, one 45-day extension.
    Ccpa,
    /// A complaint (grievance), answered within this many days.
    Complaint {
        /// Days from receipt.
        days: u32,
    },
}

/// The dates a request must meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Confirm receipt by this date, where the profile asks for it.
    pub acknowledge_by: Option<Date>,
    /// Respond by this date (the end of the day).
    pub respond_by: Date,
}

/// A deadline could not be computed or an extension was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DeadlineError {
    /// The date would fall past 9999-12-31.
    #[error("deadline out of range")]
    OutOfRange,
    /// The profile allows no extension.
    #[error("this kind of request cannot be extended")]
    NotExtendable,
    /// The extension was recorded after the first due date.
    #[error("an extension must be recorded by the first due date ({due})")]
    TooLate {
        /// The first due date.
        due: Date,
    },
    /// The request was extended already.
    #[error("the request was extended already")]
    AlreadyExtended,
}

impl Profile {
    /// The complaint profile with the default answer time.
    pub const COMPLAINT: Profile = Profile::Complaint {
        days: COMPLAINT_SLA_DAYS,
    };

    /// The stable key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Gdpr => "gdpr",
            Self::Ccpa => "ccpa",
            Self::Complaint { .. } => "complaint",
        }
    }

    /// The deadlines of a request received on `receipt`.
    ///
    /// # Errors
    ///
    /// [`DeadlineError::OutOfRange`] past 9999-12-31.
    pub fn deadlines(
        self,
        receipt: Date,
        calendar: &dyn Calendar,
    ) -> Result<Deadlines, DeadlineError> {
        let range = DeadlineError::OutOfRange;
        Ok(match self {
            Self::Gdpr => Deadlines {
                acknowledge_by: None,
                respond_by: receipt.plus_months(1).ok_or(range)?,
            },
            Self::Ccpa => Deadlines {
                acknowledge_by: Some(business_days_after(receipt, 10, calendar).ok_or(range)?),
                respond_by: receipt.plus_days(45).ok_or(range)?,
            },
            Self::Complaint { days } => Deadlines {
                acknowledge_by: None,
                respond_by: receipt.plus_days(days).ok_or(range)?,
            },
        })
    }

    /// The new response date of a request received on `receipt` when an
    /// extension is recorded on `recorded`.
    ///
    /// # Errors
    ///
    /// [`DeadlineError::TooLate`] if `recorded` is after the first due
    /// date; [`DeadlineError::NotExtendable`] for complaints;
    /// [`DeadlineError::OutOfRange`] past 9999-12-31.
    pub fn extended(self, receipt: Date, recorded: Date) -> Result<Date, DeadlineError> {
        let due = self.deadlines(receipt, &Weekdays)?.respond_by;
        if recorded > due {
            return Err(DeadlineError::TooLate { due });
        }
        let range = DeadlineError::OutOfRange;
        match self {
            // Two further months, never past receipt + 3 months.
            Self::Gdpr => receipt.plus_months(3).ok_or(range),
            Self::Ccpa => due.plus_days(45).ok_or(range),
            Self::Complaint { .. } => Err(DeadlineError::NotExtendable),
        }
    }
}

impl Deadlines {
    /// The same deadlines, each moved to the next business day of
    /// `calendar` when it falls on another day (Reg. 1182/71 Art. 3(4)).
    /// This only ever moves dates later: use it with a calendar of the
    /// jurisdiction's real holidays, or not at all.
    ///
    /// # Errors
    ///
    /// [`DeadlineError::OutOfRange`] past 9999-12-31.
    pub fn rolled_forward(self, calendar: &dyn Calendar) -> Result<Self, DeadlineError> {
        let roll = |mut d: Date| {
            while !calendar.is_business_day(d) {
                d = d.next().ok_or(DeadlineError::OutOfRange)?;
            }
            Ok(d)
        };
        Ok(Self {
            acknowledge_by: self.acknowledge_by.map(roll).transpose()?,
            respond_by: roll(self.respond_by)?,
        })
    }
}

/// The `n`th business day after `from` (not counting `from`).
fn business_days_after(from: Date, n: u32, calendar: &dyn Calendar) -> Option<Date> {
    let mut date = from;
    let mut left = n;
    while left > 0 {
        date = date.next()?;
        if calendar.is_business_day(date) {
            left -= 1;
        }
    }
    Some(date)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: u32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    #[test]
    fn gdpr_month_ends_on_the_same_date_or_the_month_end() {
        let due = |r| Profile::Gdpr.deadlines(r, &Weekdays).unwrap().respond_by;
        assert_eq!(due(d(2025, 1, 31)), d(2025, 2, 28));
        assert_eq!(due(d(2024, 1, 31)), d(2024, 2, 29));
        assert_eq!(due(d(2025, 3, 31)), d(2025, 4, 30));
        assert_eq!(due(d(2025, 3, 15)), d(2025, 4, 15));
        assert_eq!(due(d(2025, 12, 31)), d(2026, 1, 31));
    }

    #[test]
    fn gdpr_extension_only_by_the_first_due_date_and_capped_at_three_months() {
        let r = d(2025, 1, 31);
        assert_eq!(
            Profile::Gdpr.extended(r, d(2025, 1, 31)),
            Ok(d(2025, 4, 30))
        );
        assert_eq!(
            Profile::Gdpr.extended(r, d(2025, 2, 28)),
            Ok(d(2025, 4, 30))
        );
        assert_eq!(
            Profile::Gdpr.extended(r, d(2025, 3, 1)),
            Err(DeadlineError::TooLate {
                due: d(2025, 2, 28)
            })
        );
    }

    #[test]
    fn ccpa_acknowledges_on_business_day_ten_and_extends_once_by_45() {
        // Monday 2025-03-03: ten business days later is Monday 2025-03-17.
        let dl = Profile::Ccpa.deadlines(d(2025, 3, 3), &Weekdays).unwrap();
        assert_eq!(dl.acknowledge_by, Some(d(2025, 3, 17)));
        assert_eq!(dl.respond_by, d(2025, 4, 17));
        assert_eq!(
            Profile::Ccpa.extended(d(2025, 3, 3), d(2025, 4, 17)),
            Ok(d(2025, 6, 1))
        );
        assert!(
            Profile::Ccpa
                .extended(d(2025, 3, 3), d(2025, 4, 18))
                .is_err()
        );
        // A holiday in the window moves the acknowledgement one day later.
        let holidays = Holidays::new([d(2025, 3, 10)]);
        let with = Profile::Ccpa.deadlines(d(2025, 3, 3), &holidays).unwrap();
        assert_eq!(with.acknowledge_by, Some(d(2025, 3, 18)));
    }

    #[test]
    fn complaints_have_a_configurable_sla_and_no_extension() {
        let dl = Profile::COMPLAINT
            .deadlines(d(2025, 1, 1), &Weekdays)
            .unwrap();
        assert_eq!(dl.respond_by, d(2025, 4, 1));
        let short = Profile::Complaint { days: 30 }
            .deadlines(d(2025, 1, 1), &Weekdays)
            .unwrap();
        assert_eq!(short.respond_by, d(2025, 1, 31));
        assert_eq!(
            Profile::COMPLAINT.extended(d(2025, 1, 1), d(2025, 1, 2)),
            Err(DeadlineError::NotExtendable)
        );
    }

    #[test]
    fn rolling_forward_moves_weekend_deadlines_to_monday() {
        // 2025-02-28 is a Friday; 2025-05-31 a Saturday.
        let dl = Profile::Gdpr.deadlines(d(2025, 4, 30), &Weekdays).unwrap();
        assert_eq!(dl.respond_by, d(2025, 5, 30));
        let sat = Deadlines {
            acknowledge_by: None,
            respond_by: d(2025, 5, 31),
        };
        assert_eq!(
            sat.rolled_forward(&Weekdays).unwrap().respond_by,
            d(2025, 6, 2)
        );
    }

    #[test]
    fn out_of_range_is_an_error() {
        assert_eq!(
            Profile::Gdpr.deadlines(d(9999, 12, 15), &Weekdays),
            Err(DeadlineError::OutOfRange)
        );
    }

    /// The legal date `n` months after `receipt`, computed another way:
    /// the last day of the month `n` after the receipt's month whose day
    /// does not exceed the receipt's day.
    fn legal_months(receipt: Date, n: u32) -> Date {
        let (y, m, day) = receipt.ymd();
        let index = y * 12 + m - 1 + n;
        let (ny, nm) = (index / 12, index % 12 + 1);
        (1..=day)
            .rev()
            .find_map(|dd| Date::from_ymd(ny, nm, dd).ok())
            .unwrap()
    }

    fn business_days_between(from: Date, to: Date, calendar: &dyn Calendar) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            day = day.next().unwrap();
            n += u32::from(calendar.is_business_day(day));
        }
        n
    }

    proptest! {
        #[test]
        fn gdpr_deadline_is_the_legal_date(days in 0u32..2_930_000) {
            let receipt = Date::MIN.plus_days(days).unwrap();
            let due = Profile::Gdpr.deadlines(receipt, &Weekdays).unwrap().respond_by;
            let legal = legal_months(receipt, 1);
            // Never later than the legal date, and never earlier than it.
            prop_assert_eq!(due, legal);
            let extended = Profile::Gdpr.extended(receipt, due).unwrap();
            prop_assert_eq!(extended, legal_months(receipt, 3));
            prop_assert!(Profile::Gdpr.extended(receipt, due.next().unwrap()).is_err());
        }

        #[test]
        fn ccpa_acknowledgement_is_exactly_ten_business_days(
            days in 0u32..2_900_000,
            holidays in proptest::collection::vec(0u32..30, 0..5),
        ) {
            let receipt = Date::MIN.plus_days(days).unwrap();
            let real = Holidays::new(holidays.iter().map(|h| receipt.plus_days(*h).unwrap()));
            let by_default = Profile::Ccpa.deadlines(receipt, &Weekdays).unwrap();
            let by_real = Profile::Ccpa.deadlines(receipt, &real).unwrap();
            let (ack, real_ack) = (by_default.acknowledge_by.unwrap(), by_real.acknowledge_by.unwrap());
            // The default never gives a later date than a calendar with holidays.
            prop_assert!(ack <= real_ack);
            prop_assert_eq!(business_days_between(receipt, real_ack, &real), 10);
            prop_assert!(real.is_business_day(real_ack));
            prop_assert_eq!(by_default.respond_by, receipt.plus_days(45).unwrap());
        }
    }
}
