//! Dates of birth.

use core::fmt;
use core::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::validate::calendar_date;

use super::{Category, PiiError, PiiKind, Reason, impl_pii, private::Sealed};

/// How far back a date of birth may lie: older than any living person.
const MAX_AGE_YEARS: i64 = 150;

/// A date of birth (category: identity).
///
/// Written as ISO 8601 `YYYY-MM-DD`, the one date format that is not
/// ambiguous across locales (`03/04/1990` is March or April depending on who
/// typed it). It must be a real Gregorian date, not after today (UTC) and
/// not more than 150 years ago.
///
/// Masked to the year: `1990-••-••`.
///
/// ```
/// use custodian::pii::DateOfBirth;
///
/// let dob = DateOfBirth::parse("1990-02-28")?;
/// assert_eq!(dob.expose(), (1990, 2, 28));
/// assert_eq!(dob.to_string(), "1990-••-••");
/// assert!(DateOfBirth::parse("1990-02-29").is_err());
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DateOfBirth {
    year: u16,
    month: u8,
    day: u8,
}

impl DateOfBirth {
    /// Parses a date of birth, judged against today's date (UTC).
    ///
    /// # Errors
    ///
    /// See [`DateOfBirth::parse_at`].
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        Self::parse_at(input, SystemTime::now())
    }

    /// Parses a date of birth, judged against the UTC date of `now`.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `date_of_birth`: [`Reason::Empty`],
    /// [`Reason::MalformedPart`] (`date`: not `YYYY-MM-DD`),
    /// [`Reason::NotACalendarDate`], [`Reason::InFuture`] or
    /// [`Reason::TooOld`].
    pub fn parse_at(input: &str, now: SystemTime) -> Result<Self, PiiError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(err(Reason::Empty));
        }
        let (year, month, day) =
            split_iso(input).ok_or(err(Reason::MalformedPart { part: "date" }))?;
        if !calendar_date(u32::from(year), u32::from(month), u32::from(day)) {
            return Err(err(Reason::NotACalendarDate));
        }
        let born = days_from_civil(i64::from(year), month, day);
        let today = today_days(now);
        if born > today {
            return Err(err(Reason::InFuture));
        }
        let (today_year, today_month, today_day) = civil_from_days(today);
        let oldest = days_from_civil(today_year - MAX_AGE_YEARS, today_month, today_day.min(28));
        if born < oldest {
            return Err(err(Reason::TooOld));
        }
        Ok(Self { year, month, day })
    }

    /// The date as `(year, month, day)`, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the full date; the returned tuple is a copy that this
    /// crate does not zeroize.
    pub const fn expose(&self) -> (u16, u8, u8) {
        (self.year, self.month, self.day)
    }

    /// The year of birth, which the mask shows too.
    pub const fn year(&self) -> u16 {
        self.year
    }
}

/// `YYYY-MM-DD` with ASCII digits only.
fn split_iso(input: &str) -> Option<(u16, u8, u8)> {
    let b = input.as_bytes();
    let digits_at = |range: core::ops::Range<usize>| {
        b.get(range.clone())
            .filter(|s| s.iter().all(u8::is_ascii_digit))
            .map(|_| &input[range])
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((
        digits_at(0..4)?.parse().ok()?,
        digits_at(5..7)?.parse().ok()?,
        digits_at(8..10)?.parse().ok()?,
    ))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant,
/// "chrono-Compatible Low-Level Date Algorithms", `days_from_civil`).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`] (same source, `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Today's date as days since the epoch, UTC. A clock before 1970 counts
/// as the epoch.
fn today_days(now: SystemTime) -> i64 {
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(secs / 86_400).unwrap_or(i64::MAX)
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::DateOfBirth, reason)
}

impl FromStr for DateOfBirth {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Years are four digits (1850 or later, see MAX_AGE_YEARS): render
        // them by hand, as the formatting machinery would triple the cost
        // of masking (benches/mask.rs).
        let y = self.year;
        let digits = [y / 1000 % 10, y / 100 % 10, y / 10 % 10, y % 10].map(|d| b'0' + d as u8);
        f.write_str(core::str::from_utf8(&digits).map_err(|_| fmt::Error)?)?;
        f.write_str("-••-••")
    }
}

impl Sealed for DateOfBirth {
    /// Canonical form: the ISO 8601 text, `YYYY-MM-DD`.
    fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut text = *b"0000-00-00";
        let mut put = |at: usize, value: u16, width: usize| {
            for i in 0..width {
                // value < 10^width, so each quotient digit is 0..=9.
                text[at + width - 1 - i] = b'0' + (value / 10_u16.pow(i as u32) % 10) as u8;
            }
        };
        put(0, self.year, 4);
        put(5, u16::from(self.month), 2);
        put(8, u16::from(self.day), 2);
        let result = f(&text);
        text.zeroize();
        result
    }

    fn from_canonical(bytes: &[u8]) -> Result<Self, PiiError> {
        let text = core::str::from_utf8(bytes)
            .map_err(|_| err(Reason::MalformedPart { part: "encoding" }))?;
        Self::parse(text)
    }
}

impl_pii!(DateOfBirth, PiiKind::DateOfBirth, Category::Identity);

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// 2026-11-24T12:00:00Z.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(days_from_civil(2026, 11, 24) as u64 * 86_400 + 43_200)
    }

    fn reason(input: &str) -> Reason {
        DateOfBirth::parse_at(input, now())
            .expect_err(input)
            .reason()
    }

    #[test]
    fn civil_conversions_agree_with_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for days in (-80_000..80_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn accepts_real_dates_up_to_today() {
        let ok = |s: &str| DateOfBirth::parse_at(s, now()).expect(s).expose();
        assert_eq!(ok("2000-02-29"), (2000, 2, 29));
        assert_eq!(ok("2026-11-24"), (2026, 11, 24));
        assert_eq!(ok(" 1876-11-25 "), (1876, 11, 25));
    }

    #[test]
    fn rejects_unreal_future_ancient_and_ambiguous_dates() {
        assert_eq!(reason(""), Reason::Empty);
        assert_eq!(reason("1900-02-29"), Reason::NotACalendarDate);
        assert_eq!(reason("1990-13-01"), Reason::NotACalendarDate);
        assert_eq!(reason("1990-04-31"), Reason::NotACalendarDate);
        assert_eq!(reason("1990-00-10"), Reason::NotACalendarDate);
        assert_eq!(reason("2026-11-25"), Reason::InFuture);
        assert_eq!(reason("1876-11-23"), Reason::TooOld);
        for bad in [
            "03/04/1990",
            "1990-3-4",
            "19900304",
            "1990-03-04T00:00",
            "١٩٩٠-٠٣-٠٤",
            "+990-03-04",
        ] {
            assert_eq!(reason(bad), Reason::MalformedPart { part: "date" }, "{bad}");
        }
    }

    #[test]
    fn canonical_form_is_iso_text() {
        let dob = DateOfBirth::parse_at("0987-06-05", now());
        assert_eq!(dob.map_err(|e| e.reason()).err(), Some(Reason::TooOld));
        let dob = DateOfBirth::parse_at("1987-06-05", now()).expect("valid");
        dob.with_canonical(|b| assert_eq!(b, b"1987-06-05"));
        assert_eq!(dob.to_string(), "1987-••-••");
        assert_eq!(format!("{dob:?}"), "DateOfBirth(1987-••-••)");
    }
}
