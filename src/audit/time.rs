//! UTC timestamps with millisecond precision, for events and checkpoints.
//!
//! One text form, so that entries are canonical: RFC 3339 in UTC with
//! exactly three fractional digits and a `Z`, `YYYY-MM-DDTHH:MM:SS.sssZ`
//! (24 characters), years 1970 to 9999. Parsing accepts that form only.

use core::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::InvalidValue;

const MILLIS_PER_DAY: u64 = 86_400_000;

/// A point in time, UTC, in milliseconds since the Unix epoch.
///
/// ```
/// use custodian::audit::Timestamp;
///
/// let t = Timestamp::from_unix_millis(1_732_491_065_123).unwrap();
/// assert_eq!(t.to_string(), "2024-11-24T23:31:05.123Z");
/// assert_eq!("2024-11-24T23:31:05.123Z".parse::<Timestamp>()?, t);
/// # Ok::<(), custodian::audit::InvalidValue>(())
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
        let millis = SystemTime::now()
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

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> u64 {
        self.0
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS.sssZ`.
    ///
    /// # Errors
    ///
    /// [`InvalidValue`] (`timestamp`) for any other form, or a date or time
    /// that does not exist (no leap seconds).
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let err = InvalidValue::new("timestamp");
        let b = s.as_bytes();
        if b.len() != 24 {
            return Err(err);
        }
        let separators = [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (23, b'Z'),
        ];
        if separators.iter().any(|&(i, c)| b[i] != c) {
            return Err(err);
        }
        let num = |from: usize, to: usize| -> Result<u64, InvalidValue> {
            b[from..to].iter().try_fold(0u64, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u64::from(c - b'0'))
                } else {
                    Err(err)
                }
            })
        };
        let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
        let (hour, minute, second, milli) =
            (num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?);
        if year < 1970
            || !(1..=12).contains(&month)
            || day == 0
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(err);
        }
        let days = days_from_civil(year, month, day);
        // Day 31 of a 30-day month would roll over: reject what does not
        // come back unchanged.
        if civil_from_days(days) != (year, month, day) {
            return Err(err);
        }
        let millis = days * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + milli;
        Self::from_unix_millis(millis).ok_or(err)
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
        let (year, month, day) = civil_from_days(self.0 / MILLIS_PER_DAY);
        let ms = self.0 % MILLIS_PER_DAY;
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z"
        )
    }
}

impl core::str::FromStr for Timestamp {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
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
        // 2000-02-29 (leap day of a century year divisible by 400).
        let t = Timestamp::parse("2000-02-29T12:00:00.000Z").unwrap();
        assert_eq!(t.unix_millis(), 951_825_600_000);
        assert!(Timestamp::from_unix_millis(Timestamp::MAX.unix_millis() + 1).is_none());
    }

    #[test]
    fn other_forms_and_impossible_dates_are_refused() {
        for s in [
            "",
            "2024-11-24T23:31:05Z",
            "2024-11-24T23:31:05.123+00:00",
            "2024-11-24 23:31:05.123Z",
            "2023-02-29T00:00:00.000Z",
            "1900-02-29T00:00:00.000Z",
            "2024-04-31T00:00:00.000Z",
            "2024-13-01T00:00:00.000Z",
            "2024-00-10T00:00:00.000Z",
            "2024-12-00T00:00:00.000Z",
            "2024-12-01T24:00:00.000Z",
            "2024-12-01T23:60:00.000Z",
            "2016-12-31T23:59:60.000Z",
            "1969-12-31T23:59:59.999Z",
            "+024-12-01T23:00:00.000Z",
            "2024-12-01T23:00:00.0a0Z",
        ] {
            assert_eq!(
                Timestamp::parse(s),
                Err(InvalidValue::new("timestamp")),
                "{s}"
            );
        }
    }

    #[test]
    fn now_is_recent() {
        assert!(Timestamp::now() > Timestamp::parse("2024-01-01T00:00:00.000Z").unwrap());
    }

    proptest! {
        #[test]
        fn text_round_trips(millis in 0..=Timestamp::MAX.unix_millis()) {
            let t = Timestamp::from_unix_millis(millis).unwrap();
            let s = t.to_string();
            prop_assert_eq!(s.len(), 24);
            prop_assert_eq!(Timestamp::parse(&s), Ok(t));
        }
    }
}
