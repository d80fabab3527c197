//! UTC timestamps with millisecond precision: the one time type of the
//! crate, for consent events, policy versions, agreements, audit events
//! and checkpoints.
//!
//! One text form is written: RFC 3339 in UTC with exactly three fractional
//! digits and a `Z`, `YYYY-MM-DDTHH:MM:SS.sssZ` (24 characters), years 1970
//! to 9999. Parsing also accepts the same form without the fraction,
//! `YYYY-MM-DDTHH:MM:SSZ`, which is what people write in policy files.
//! Formats that must be canonical (audit entries and checkpoints) read
//! only the written form, with [`Timestamp::parse_canonical`].

use core::fmt;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

const MILLIS_PER_DAY: u64 = 86_400_000;

/// A string was not a timestamp in the accepted forms.
///
/// The message never repeats the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("invalid timestamp")]
#[non_exhaustive]
pub struct InvalidTimestamp;

/// A point in time, UTC, in milliseconds since the Unix epoch.
///
/// ```
/// use custodian::time::Timestamp;
///
/// let t = Timestamp::from_unix_millis(1_732_491_065_123).unwrap();
/// assert_eq!(t.to_string(), "2024-11-24T23:31:05.123Z");
/// assert_eq!("2024-11-24T23:31:05.123Z".parse::<Timestamp>()?, t);
/// assert_eq!(
///     "2024-11-24T23:31:05Z".parse::<Timestamp>()?.to_string(),
///     "2024-11-24T23:31:05.000Z"
/// );
/// # Ok::<(), custodian::time::InvalidTimestamp>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// 1970-01-01T00:00:00.000Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// 9999-12-31T23:59:59.999Z, the last time the text form can hold.
    pub const MAX: Timestamp = Timestamp(253_402_300_799_999);

    /// The current time from the system clock. A clock set before 1970
    /// reads as [`Timestamp::EPOCH`]; one past 9999 as [`Timestamp::MAX`].
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// The timestamp of a [`SystemTime`], clamped to
    /// [`EPOCH`](Self::EPOCH)..=[`MAX`](Self::MAX).
    pub fn from_system_time(time: SystemTime) -> Self {
        let millis = time
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Timestamp(millis.min(Self::MAX.0))
    }

    /// The timestamp `millis` after the epoch, or `None` past
    /// [`Timestamp::MAX`].
    pub const fn from_unix_millis(millis: u64) -> Option<Self> {
        if millis > Self::MAX.0 {
            None
        } else {
            Some(Timestamp(millis))
        }
    }

    /// The timestamp `secs` seconds after the epoch, or `None` past
    /// [`Timestamp::MAX`].
    pub const fn from_unix_secs(secs: u64) -> Option<Self> {
        match secs.checked_mul(1000) {
            Some(millis) => Self::from_unix_millis(millis),
            None => None,
        }
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (the fraction is dropped).
    pub const fn unix_secs(self) -> u64 {
        self.0 / 1000
    }

    /// `self + duration`, or `None` past [`Timestamp::MAX`].
    pub fn checked_add(self, duration: Duration) -> Option<Self> {
        let millis = u64::try_from(duration.as_millis()).ok()?;
        Self::from_unix_millis(self.0.checked_add(millis)?)
    }

    /// `self + days` whole days, or `None` past [`Timestamp::MAX`].
    pub fn plus_days(self, days: u32) -> Option<Self> {
        Self::from_unix_millis(self.0.checked_add(u64::from(days) * MILLIS_PER_DAY)?)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS.sssZ` or `YYYY-MM-DDTHH:MM:SSZ`.
    ///
    /// # Errors
    ///
    /// [`InvalidTimestamp`] for any other form, or a date or time that does
    /// not exist (no leap seconds), or a year before 1970.
    pub fn parse(s: &str) -> Result<Self, InvalidTimestamp> {
        Self::parse_form(s, true)
    }

    /// Parses the written form `YYYY-MM-DDTHH:MM:SS.sssZ` only, so that
    /// every instant has exactly one text (audit entries and checkpoints
    /// are compared and signed byte for byte).
    ///
    /// # Errors
    ///
    /// [`InvalidTimestamp`] for any other form, including the one without
    /// a fraction that [`parse`](Self::parse) accepts.
    pub fn parse_canonical(s: &str) -> Result<Self, InvalidTimestamp> {
        Self::parse_form(s, false)
    }

    fn parse_form(s: &str, allow_whole_seconds: bool) -> Result<Self, InvalidTimestamp> {
        let b = s.as_bytes();
        let milli_digits = match b.len() {
            24 if b[19] == b'.' => true,
            20 if allow_whole_seconds => false,
            _ => return Err(InvalidTimestamp),
        };
        let zone = b.len() - 1;
        let separators = [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (zone, b'Z'),
        ];
        if separators.iter().any(|&(i, c)| b[i] != c) {
            return Err(InvalidTimestamp);
        }
        let num = |from: usize, to: usize| -> Result<u64, InvalidTimestamp> {
            b[from..to].iter().try_fold(0u64, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u64::from(c - b'0'))
                } else {
                    Err(InvalidTimestamp)
                }
            })
        };
        let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
        let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
        let milli = if milli_digits { num(20, 23)? } else { 0 };
        if year < 1970
            || !(1..=12).contains(&month)
            || day == 0
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(InvalidTimestamp);
        }
        let days = days_from_civil(year, month, day);
        // Day 31 of a 30-day month would roll over: reject what does not
        // come back unchanged.
        if civil_from_days(days) != (year, month, day) {
            return Err(InvalidTimestamp);
        }
        let millis = days * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + milli;
        Self::from_unix_millis(millis).ok_or(InvalidTimestamp)
    }

    /// The calendar year (UTC) of this instant.
    pub(crate) fn year(self) -> u64 {
        civil_from_days(self.0 / MILLIS_PER_DAY).0
    }

    /// The calendar date, `YYYY-MM-DD`.
    pub fn date(self) -> impl fmt::Display {
        let (year, month, day) = civil_from_days(self.0 / MILLIS_PER_DAY);
        DateText { year, month, day }
    }
}

/// A calendar date (proleptic Gregorian, 1970-01-01 to 9999-12-31): the
/// unit of legal time limits, which run in days, months and years, not in
/// milliseconds.
///
/// Month and year arithmetic follows Regulation (EEC, Euratom) No 1182/71,
/// Art. 3(2)(c): a period of months ends on the day of the last month
/// with the same date as the start, or on that month's last day when it
/// has none.
///
/// ```
/// use custodian::time::Date;
///
/// let receipt = Date::from_ymd(2025, 1, 31)?;
/// assert_eq!(receipt.plus_months(1).unwrap().to_string(), "2025-02-28");
/// assert_eq!(Date::from_ymd(2024, 1, 31)?.plus_months(1).unwrap().to_string(), "2024-02-29");
/// assert_eq!(receipt.end_of_year().to_string(), "2025-12-31");
/// assert_eq!("2025-02-28".parse::<Date>()?, receipt.plus_months(1).unwrap());
/// # Ok::<(), custodian::time::InvalidTimestamp>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(u32);

impl Date {
    /// The first date, 1970-01-01.
    pub const MIN: Date = Date(0);

    /// The last date, 9999-12-31.
    pub const MAX: Date = Date((Timestamp::MAX.0 / MILLIS_PER_DAY) as u32);

    /// The date of `year`-`month`-`day`.
    ///
    /// # Errors
    ///
    /// [`InvalidTimestamp`] if the date does not exist or is outside
    /// 1970..=9999.
    pub fn from_ymd(year: u32, month: u32, day: u32) -> Result<Self, InvalidTimestamp> {
        let (y, m, d) = (u64::from(year), u64::from(month), u64::from(day));
        if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > 31 {
            return Err(InvalidTimestamp);
        }
        let days = days_from_civil(y, m, d);
        if civil_from_days(days) != (y, m, d) {
            return Err(InvalidTimestamp);
        }
        // 9999-12-31 is day 2_932_896: it fits a u32.
        Ok(Date(days as u32))
    }

    /// The UTC calendar date of an instant.
    pub const fn of(at: Timestamp) -> Self {
        Date((at.0 / MILLIS_PER_DAY) as u32)
    }

    /// The first instant of the day (00:00:00.000 UTC).
    pub const fn start(self) -> Timestamp {
        Timestamp(self.0 as u64 * MILLIS_PER_DAY)
    }

    /// Days since 1970-01-01.
    pub const fn days_since_epoch(self) -> u32 {
        self.0
    }

    /// Year, month (1–12) and day (1–31).
    pub fn ymd(self) -> (u32, u32, u32) {
        let (y, m, d) = civil_from_days(u64::from(self.0));
        // Years are at most 9999, months 12, days 31.
        (y as u32, m as u32, d as u32)
    }

    /// The day of the week, 0 = Monday to 6 = Sunday.
    pub const fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (3).
        ((self.0 + 3) % 7) as u8
    }

    /// `self` plus `days`, or `None` past [`Date::MAX`].
    pub fn plus_days(self, days: u32) -> Option<Self> {
        let d = self.0.checked_add(days)?;
        (d <= Self::MAX.0).then_some(Date(d))
    }

    /// The day after, or `None` after [`Date::MAX`].
    pub fn next(self) -> Option<Self> {
        self.plus_days(1)
    }

    /// The date `months` calendar months later, counted as Reg. 1182/71
    /// counts months: the same day of the month, or the last day of the
    /// target month when it is shorter. `None` past [`Date::MAX`].
    pub fn plus_months(self, months: u32) -> Option<Self> {
        let (y, m, d) = self.ymd();
        let index = (y * 12 + (m - 1)).checked_add(months)?;
        let (year, month) = (index / 12, index % 12 + 1);
        if year > 9999 {
            return None;
        }
        let day = d.min(days_in_month(year, month));
        Self::from_ymd(year, month, day).ok()
    }

    /// The date `months` calendar months earlier (the same day, or the
    /// last day of the target month when it is shorter), or `None` before
    /// [`Date::MIN`].
    pub fn minus_months(self, months: u32) -> Option<Self> {
        let (y, m, d) = self.ymd();
        let index = (y * 12 + (m - 1)).checked_sub(months)?;
        let (year, month) = (index / 12, index % 12 + 1);
        let day = d.min(days_in_month(year, month));
        Self::from_ymd(year, month, day).ok()
    }

    /// The date `years` later (29 February becomes 28 February in a common
    /// year), or `None` past [`Date::MAX`].
    pub fn plus_years(self, years: u32) -> Option<Self> {
        self.plus_months(years.checked_mul(12)?)
    }

    /// 31 December of the date's year.
    pub fn end_of_year(self) -> Self {
        let (y, _, _) = self.ymd();
        Date(days_from_civil(u64::from(y), 12, 31) as u32)
    }

    /// The last day of the date's month.
    pub fn end_of_month(self) -> Self {
        let (y, m, _) = self.ymd();
        Date(days_from_civil(u64::from(y), u64::from(m), u64::from(days_in_month(y, m))) as u32)
    }

    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    ///
    /// [`InvalidTimestamp`] for any other form or a date that does not
    /// exist.
    pub fn parse(s: &str) -> Result<Self, InvalidTimestamp> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(InvalidTimestamp);
        }
        let num = |from: usize, to: usize| -> Result<u32, InvalidTimestamp> {
            b[from..to].iter().try_fold(0u32, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u32::from(c - b'0'))
                } else {
                    Err(InvalidTimestamp)
                }
            })
        };
        Self::from_ymd(num(0, 4)?, num(5, 7)?, num(8, 10)?)
    }
}

/// The number of days in `month` of `year`.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = civil_from_days(u64::from(self.0));
        DateText { year, month, day }.fmt(f)
    }
}

crate::string_form::string_form!(Date, InvalidTimestamp);

struct DateText {
    year: u64,
    month: u64,
    day: u64,
}

impl fmt::Display for DateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date in 1970..=9999
/// (H. Hinnant, "chrono-compatible low-level date algorithms").
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y % 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719_468 is the day number of 1970-01-01 counted from 0000-03-01.
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 % MILLIS_PER_DAY;
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        write!(f, "{}T{h:02}:{m:02}:{s:02}.{milli:03}Z", self.date())
    }
}

crate::string_form::string_form!(Timestamp, InvalidTimestamp);

/// `#[serde(deserialize_with = "...")]` helpers for formats that accept
/// only [`Timestamp::parse_canonical`].
pub(crate) mod canonical {
    use serde::{Deserialize, Deserializer};

    use super::Timestamp;

    /// A canonical timestamp.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Timestamp::parse_canonical(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(Timestamp::EPOCH.to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999Z");
        let t = Timestamp::parse("2000-02-29T12:00:00.000Z").unwrap();
        assert_eq!(t.unix_millis(), 951_825_600_000);
        assert_eq!(Timestamp::parse("2000-02-29T12:00:00Z"), Ok(t));
        assert_eq!(t.date().to_string(), "2000-02-29");
        assert!(Timestamp::from_unix_millis(Timestamp::MAX.unix_millis() + 1).is_none());
        assert_eq!(t.plus_days(1).unwrap().date().to_string(), "2000-03-01");
        assert_eq!(Timestamp::MAX.plus_days(1), None);
        assert_eq!(Timestamp::from_unix_secs(2).unwrap().unix_millis(), 2000);
    }

    #[test]
    fn other_forms_and_impossible_dates_are_refused() {
        for s in [
            "",
            "2024-11-24T23:31:05.123+00:00",
            "2024-11-24 23:31:05.123Z",
            "2024-11-24T23:31:05.12Z",
            "2023-02-29T00:00:00.000Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00.000Z",
            "2024-12-01T24:00:00.000Z",
            "2016-12-31T23:59:60.000Z",
            "1969-12-31T23:59:59.999Z",
            "2024-12-01T23:00:00.0a0Z",
            "2024-12-01T23:00:00x000Z",
        ] {
            assert_eq!(Timestamp::parse(s), Err(InvalidTimestamp), "{s}");
            assert_eq!(Timestamp::parse_canonical(s), Err(InvalidTimestamp), "{s}");
        }
    }

    #[test]
    fn canonical_form_has_a_fraction() {
        assert_eq!(
            Timestamp::parse_canonical("2024-11-24T23:31:05Z"),
            Err(InvalidTimestamp)
        );
        assert_eq!(
            Timestamp::parse_canonical("2024-11-24T23:31:05.000Z"),
            Timestamp::parse("2024-11-24T23:31:05Z")
        );
    }

    #[test]
    fn now_is_recent() {
        assert!(Timestamp::now() > Timestamp::parse("2024-01-01T00:00:00Z").unwrap());
    }

    #[test]
    fn dates_count_months_as_regulation_1182_71() {
        let d = |y, m, day| Date::from_ymd(y, m, day).unwrap();
        assert_eq!(d(2025, 1, 31).plus_months(1), Some(d(2025, 2, 28)));
        assert_eq!(d(2024, 1, 31).plus_months(1), Some(d(2024, 2, 29)));
        assert_eq!(d(2025, 1, 15).plus_months(1), Some(d(2025, 2, 15)));
        assert_eq!(d(2025, 12, 31).plus_months(2), Some(d(2026, 2, 28)));
        assert_eq!(d(2024, 2, 29).plus_years(1), Some(d(2025, 2, 28)));
        assert_eq!(d(9999, 12, 1).plus_months(1), None);
        assert_eq!(d(2027, 3, 31).minus_months(25), Some(d(2025, 2, 28)));
        assert_eq!(d(1970, 1, 31).minus_months(1), None);
        assert_eq!(d(2026, 12, 3).weekday(), 3);
        assert_eq!(d(2025, 6, 7).end_of_month(), d(2025, 6, 30));
        assert!(Date::from_ymd(2023, 2, 29).is_err());
        assert!(Date::from_ymd(1969, 12, 31).is_err());
        assert!(Date::parse("2025-2-01").is_err());
        assert_eq!(Date::MAX.to_string(), "9999-12-31");
        assert_eq!(
            Date::of(Timestamp::parse("2024-02-29T23:59:59Z").unwrap()),
            d(2024, 2, 29)
        );
    }

    proptest! {
        #[test]
        fn dates_round_trip(days in 0..=Date::MAX.days_since_epoch()) {
            let date = Date::MIN.plus_days(days).unwrap();
            prop_assert_eq!(Date::parse(&date.to_string()), Ok(date));
            prop_assert_eq!(Date::of(date.start()), date);
            let (y, m, d) = date.ymd();
            prop_assert_eq!(Date::from_ymd(y, m, d), Ok(date));
        }

        #[test]
        fn text_round_trips(millis in 0..=Timestamp::MAX.unix_millis()) {
            let t = Timestamp::from_unix_millis(millis).unwrap();
            let s = t.to_string();
            prop_assert_eq!(s.len(), 24);
            prop_assert_eq!(Timestamp::parse(&s), Ok(t));
            prop_assert_eq!(Timestamp::parse_canonical(&s), Ok(t));
        }
    }
}
