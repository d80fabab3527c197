//! Several policy versions loaded at once, switching at their effective
//! times after a notice period.

use std::time::Duration;

use super::{Policy, PolicyDiff, PolicyError};
use crate::ids::PolicyVersion;
use crate::purpose::Purpose;
use crate::time::Timestamp;

/// The notice period a [`PolicySchedule`] asks for by default: 30 days
/// between a version's announcement and its effect.
///
/// Why 30 days: the GDPR sets no period, so the default follows the
/// nearest binding rules for a marketplace. The EU platform-to-business
/// Regulation (EU) 2019/1150, Art. 3(2), requires at least 15 days'
/// notice of changed terms to the marketplace's business users (sellers,
/// who are data subjects here too); the European Electronic
/// Communications Code, Art. 105(4), gives consumers one month's notice
/// of contract changes. Thirty days meets the first twice over, matches
/// the second, and leaves a subject a full monthly billing and e-mail
/// cycle to read the new version and object or withdraw before it
/// applies. Hosts with a longer duty (a contract, a works council) set
/// their own with [`PolicySchedule::with_notice_period`].
pub const DEFAULT_NOTICE_PERIOD: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Policy versions ordered by effective time.
///
/// The version in force at `t` is the last one whose effective time is at
/// or before `t`: a new version takes over at exactly its effective time,
/// and until then the previous one keeps applying (the privacy policy's
/// "Policy Revisions and Data Refreshment" section). Before the first
/// version nothing is in force, and every decision is a gap.
///
/// Keep every version that recorded consents refer to: a consent given
/// under a version the schedule does not know cannot be checked for
/// material changes, and does not count.
///
/// # Announcements
///
/// The old safeguards stay in force until a new version takes effect, and
/// it takes effect only after an official announcement (the privacy
/// policy's §5). So every version after the first must record when it was
/// announced ([`PolicyBuilder::announced`](super::PolicyBuilder::announced)),
/// and must take effect no earlier than its announcement plus the notice
/// period ([`DEFAULT_NOTICE_PERIOD`], or the schedule's own), unless it
/// only adds protections over the version before it
/// ([`PolicyDiff::only_adds_protections`]): such a version may take
/// effect as soon as it is announced. The first version replaces nothing
/// and needs no notice.
///
/// ```
/// use custodian::ids::PolicyVersion;
/// use custodian::policy::{marketplace, PolicyError, PolicySchedule};
/// use custodian::purpose::Purpose;
/// use custodian::time::Timestamp;
///
/// let t = |s| Timestamp::parse(s).unwrap();
/// let v1 = marketplace().build(PolicyVersion::new("1"), t("2025-01-01T00:00:00Z"))?;
/// let v2 = marketplace()
///     .material_change(Purpose::Marketing)
///     .announced(t("2025-06-01T00:00:00Z"))
///     .build(PolicyVersion::new("2"), t("2025-07-01T00:00:00Z"))?;
/// let schedule = PolicySchedule::new([v2, v1.clone()])?;
///
/// assert!(schedule.in_force(t("2024-12-31T23:59:59Z")).is_none());
/// assert_eq!(schedule.in_force(t("2025-06-30T23:59:59Z")).unwrap().version().as_str(), "1");
/// assert_eq!(schedule.in_force(t("2025-07-01T00:00:00Z")).unwrap().version().as_str(), "2");
///
/// // Announced a week before it takes effect: too short for a change.
/// let rushed = marketplace()
///     .material_change(Purpose::Marketing)
///     .announced(t("2025-06-24T00:00:00Z"))
///     .build(PolicyVersion::new("2"), t("2025-07-01T00:00:00Z"))?;
/// let err = PolicySchedule::new([v1, rushed]).unwrap_err();
/// assert!(matches!(err, PolicyError::NoticeTooShort { given_hours: 168, notice_hours: 720, .. }));
/// # Ok::<(), custodian::policy::PolicyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PolicySchedule {
    versions: Vec<Policy>,
    notice: Duration,
}

/// Whether a consent given under one version still counts under another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Carry {
    /// No version since the consent's changed the purpose materially.
    Counts,
    /// A later version (this one) changed the purpose materially.
    Predates(PolicyVersion),
    /// The consent's version is not in the schedule.
    UnknownVersion,
}

impl PolicySchedule {
    /// A schedule of `versions`, in any order, with the
    /// [`DEFAULT_NOTICE_PERIOD`].
    ///
    /// # Errors
    ///
    /// As [`with_notice_period`](Self::with_notice_period).
    pub fn new(versions: impl IntoIterator<Item = Policy>) -> Result<Self, PolicyError> {
        Self::with_notice_period(versions, DEFAULT_NOTICE_PERIOD)
    }

    /// A schedule of `versions`, in any order, each version after the
    /// first taking effect at least `notice` after its announcement unless
    /// it only adds protections.
    ///
    /// # Errors
    ///
    /// [`PolicyError::EmptySchedule`], [`PolicyError::DuplicateVersion`],
    /// [`PolicyError::SameEffectiveTime`]; [`PolicyError::NotAnnounced`]
    /// for a version after the first without an announcement;
    /// [`PolicyError::NoticeTooShort`] for one that takes effect too soon
    /// after it.
    pub fn with_notice_period(
        versions: impl IntoIterator<Item = Policy>,
        notice: Duration,
    ) -> Result<Self, PolicyError> {
        let mut versions: Vec<Policy> = versions.into_iter().collect();
        if versions.is_empty() {
            return Err(PolicyError::EmptySchedule);
        }
        versions.sort_by_key(Policy::effective_from);
        for (i, v) in versions.iter().enumerate() {
            if versions[..i].iter().any(|w| w.version() == v.version()) {
                return Err(PolicyError::DuplicateVersion {
                    version: *v.version(),
                });
            }
        }
        for pair in versions.windows(2) {
            if pair[0].effective_from() == pair[1].effective_from() {
                return Err(PolicyError::SameEffectiveTime {
                    first: *pair[0].version(),
                    second: *pair[1].version(),
                });
            }
            check_notice(&pair[0], &pair[1], notice)?;
        }
        Ok(Self { versions, notice })
    }

    /// A schedule of one version.
    pub fn single(policy: Policy) -> Self {
        Self {
            versions: vec![policy],
            notice: DEFAULT_NOTICE_PERIOD,
        }
    }

    /// The notice period between a version's announcement and its effect.
    pub fn notice_period(&self) -> Duration {
        self.notice
    }

    /// What changed from the version before `version` to `version`, or
    /// `None` if `version` is the first or not in the schedule.
    pub fn diff(&self, version: &PolicyVersion) -> Option<PolicyDiff> {
        let i = self.versions.iter().position(|v| v.version() == version)?;
        let previous = self.versions.get(i.checked_sub(1)?)?;
        Some(PolicyDiff::between(previous, &self.versions[i]))
    }

    /// The version to record a consent given at `at` under `version`
    /// against: `Ok` if `version` is in force at `at`, or is a later
    /// version already announced by then (the subject saw the upcoming
    /// notice). `Err` carries what was in force, if anything.
    pub(crate) fn admits_consent(
        &self,
        version: &PolicyVersion,
        at: Timestamp,
    ) -> Result<&Policy, Option<PolicyVersion>> {
        let now = self.index_at(at);
        let in_force = now.map(|i| *self.versions[i].version());
        let Some(i) = self.versions.iter().position(|v| v.version() == version) else {
            return Err(in_force);
        };
        let policy = &self.versions[i];
        let upcoming = now.is_none_or(|n| i > n) && policy.announced().is_some_and(|a| a <= at);
        if Some(i) == now || upcoming {
            Ok(policy)
        } else {
            Err(in_force)
        }
    }

    /// The versions, oldest first.
    pub fn versions(&self) -> &[Policy] {
        &self.versions
    }

    /// The version in force at `at`, if any.
    pub fn in_force(&self, at: Timestamp) -> Option<&Policy> {
        self.index_at(at).map(|i| &self.versions[i])
    }

    pub(crate) fn index_at(&self, at: Timestamp) -> Option<usize> {
        // Versions are few; `partition_point` keeps this O(log n) anyway.
        self.versions
            .partition_point(|v| v.effective_from() <= at)
            .checked_sub(1)
    }

    /// Whether a consent for `purpose` given under `given` counts while the
    /// version at index `now` is in force: it does unless a version after
    /// `given`, up to and including `now`, changed the purpose materially.
    /// A consent given under a newer version than `now` (the subject saw
    /// the upcoming notice) counts.
    pub(crate) fn carry(&self, given: &PolicyVersion, purpose: Purpose, now: usize) -> Carry {
        let Some(from) = self.versions.iter().position(|v| v.version() == given) else {
            return Carry::UnknownVersion;
        };
        let changed = self.versions.get(from + 1..=now).and_then(|later| {
            later
                .iter()
                .rev()
                .find(|v| v.material_changes().contains(&purpose))
        });
        match changed {
            Some(v) => Carry::Predates(*v.version()),
            None => Carry::Counts,
        }
    }
}

/// Whether `next` may replace `previous` with `notice`.
fn check_notice(previous: &Policy, next: &Policy, notice: Duration) -> Result<(), PolicyError> {
    let Some(announced) = next.announced() else {
        return Err(PolicyError::NotAnnounced {
            version: *next.version(),
            previous: *previous.version(),
        });
    };
    let earliest = announced.checked_add(notice).unwrap_or(Timestamp::MAX);
    if next.effective_from() >= earliest
        || PolicyDiff::between(previous, next).only_adds_protections()
    {
        return Ok(());
    }
    const HOUR: u64 = 3_600_000;
    Err(PolicyError::NoticeTooShort {
        version: *next.version(),
        // The builder refuses an announcement after the effective time.
        given_hours: (next.effective_from().unix_millis() - announced.unix_millis()) / HOUR,
        notice_hours: notice.as_secs() / 3600,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PurposeTerms, Retention};

    fn version(label: &'static str, at: u64, changed: &[Purpose]) -> Policy {
        let mut b = Policy::builder()
            .purpose(PurposeTerms::new(
                Purpose::Marketing,
                Retention::UntilWithdrawn,
            ))
            .purpose(PurposeTerms::new(
                Purpose::ServiceImprovement,
                Retention::Months(12),
            ));
        for &p in changed {
            b = b.material_change(p);
        }
        b.announced(Timestamp::EPOCH)
            .build(
                PolicyVersion::new(label),
                Timestamp::from_unix_secs(at).unwrap(),
            )
            .unwrap()
    }

    #[test]
    fn carry_over_follows_material_changes() {
        let s = PolicySchedule::with_notice_period(
            [
                version("1", 0, &[]),
                version("2", 100, &[Purpose::Marketing]),
                version("3", 200, &[]),
            ],
            Duration::ZERO,
        )
        .unwrap();
        let v = |l| PolicyVersion::parse(l).unwrap();
        assert_eq!(s.carry(&v("1"), Purpose::Marketing, 0), Carry::Counts);
        assert_eq!(
            s.carry(&v("1"), Purpose::Marketing, 1),
            Carry::Predates(v("2"))
        );
        assert_eq!(
            s.carry(&v("1"), Purpose::Marketing, 2),
            Carry::Predates(v("2"))
        );
        assert_eq!(s.carry(&v("2"), Purpose::Marketing, 2), Carry::Counts);
        assert_eq!(
            s.carry(&v("1"), Purpose::ServiceImprovement, 2),
            Carry::Counts
        );
        assert_eq!(s.carry(&v("3"), Purpose::Marketing, 0), Carry::Counts);
        assert_eq!(
            s.carry(&v("9"), Purpose::Marketing, 0),
            Carry::UnknownVersion
        );
    }

    #[test]
    fn schedules_refuse_ambiguity() {
        assert_eq!(
            PolicySchedule::new([]).unwrap_err(),
            PolicyError::EmptySchedule
        );
        let dup = PolicySchedule::new([version("1", 0, &[]), version("1", 5, &[])]);
        assert!(matches!(dup, Err(PolicyError::DuplicateVersion { .. })));
        let same = PolicySchedule::new([version("1", 5, &[]), version("2", 5, &[])]);
        assert!(matches!(same, Err(PolicyError::SameEffectiveTime { .. })));
    }

    #[test]
    fn the_switch_happens_at_the_effective_time() {
        let s = PolicySchedule::new([version("2", 100, &[]), version("1", 10, &[])]).unwrap();
        let at = |secs| {
            s.in_force(Timestamp::from_unix_secs(secs).unwrap())
                .map(|p| p.version().to_string())
        };
        assert_eq!(at(9), None);
        assert_eq!(at(10).as_deref(), Some("1"));
        assert_eq!(at(99).as_deref(), Some("1"));
        assert_eq!(at(100).as_deref(), Some("2"));
    }

    const DAY: u64 = 86_400;

    fn marketing_terms(retention: Retention) -> crate::policy::PolicyBuilder {
        Policy::builder().purpose(PurposeTerms::new(Purpose::Marketing, retention))
    }

    fn at(secs: u64) -> Timestamp {
        Timestamp::from_unix_secs(secs).unwrap()
    }

    #[test]
    fn a_change_needs_the_full_notice_period() {
        let v1 = marketing_terms(Retention::Months(6))
            .build(PolicyVersion::new("1"), at(0))
            .unwrap();
        // Longer retention: not a protection.
        let v2 = |announced: u64, effective: u64| {
            marketing_terms(Retention::Months(12))
                .announced(at(announced))
                .build(PolicyVersion::new("2"), at(effective))
                .unwrap()
        };
        let ok = PolicySchedule::new([v1.clone(), v2(DAY, 31 * DAY)]).unwrap();
        assert_eq!(ok.notice_period(), DEFAULT_NOTICE_PERIOD);
        let err = PolicySchedule::new([v1.clone(), v2(DAY, 31 * DAY - 1)]).unwrap_err();
        assert_eq!(
            err,
            PolicyError::NoticeTooShort {
                version: PolicyVersion::new("2"),
                given_hours: 719,
                notice_hours: 720,
            }
        );
        // A shorter period of the host's choosing.
        let week = Duration::from_secs(7 * DAY);
        PolicySchedule::with_notice_period([v1.clone(), v2(DAY, 8 * DAY)], week).unwrap();
        let unannounced = marketing_terms(Retention::Months(12))
            .build(PolicyVersion::new("2"), at(40 * DAY))
            .unwrap();
        assert_eq!(
            PolicySchedule::new([v1, unannounced]).unwrap_err(),
            PolicyError::NotAnnounced {
                version: PolicyVersion::new("2"),
                previous: PolicyVersion::new("1"),
            }
        );
    }

    #[test]
    fn a_version_that_only_adds_protections_takes_effect_when_announced() {
        let v1 = marketing_terms(Retention::Months(12))
            .build(PolicyVersion::new("1"), at(0))
            .unwrap();
        let shorter = marketing_terms(Retention::Months(6))
            .announced(at(DAY))
            .build(PolicyVersion::new("2"), at(DAY))
            .unwrap();
        PolicySchedule::new([v1.clone(), shorter]).unwrap();
        // Announcing after the effect is refused when the version is built.
        let late = marketing_terms(Retention::Months(6))
            .announced(at(DAY + 1))
            .build(PolicyVersion::new("2"), at(DAY));
        assert_eq!(
            late.unwrap_err(),
            PolicyError::AnnouncedAfterEffect {
                version: PolicyVersion::new("2")
            }
        );
    }

    #[test]
    fn consents_are_admitted_under_the_version_in_force_or_an_announced_one() {
        let v1 = marketing_terms(Retention::Months(6))
            .build(PolicyVersion::new("1"), at(100))
            .unwrap();
        let v2 = marketing_terms(Retention::Months(12))
            .announced(at(200))
            .build(PolicyVersion::new("2"), at(200 + 30 * DAY))
            .unwrap();
        let s = PolicySchedule::new([v1, v2]).unwrap();
        let (one, two) = (PolicyVersion::new("1"), PolicyVersion::new("2"));
        let admits = |v: &PolicyVersion, t: u64| s.admits_consent(v, at(t)).map(|p| *p.version());
        assert_eq!(admits(&one, 99), Err(None));
        assert_eq!(admits(&one, 100), Ok(one));
        assert_eq!(admits(&two, 199), Err(Some(one)));
        assert_eq!(admits(&two, 200), Ok(two));
        assert_eq!(admits(&one, 200 + 30 * DAY), Err(Some(two)));
        assert_eq!(admits(&PolicyVersion::new("9"), 300), Err(Some(one)));
        assert_eq!(s.diff(&two).map(|d| d.retention.len()), Some(1));
        assert!(s.diff(&one).is_none());
    }
}
