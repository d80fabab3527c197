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

    proptest! {
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
