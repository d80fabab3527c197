//! Several policy versions loaded at once, switching at their effective
//! times.

use super::{Policy, PolicyError};
use crate::ids::PolicyVersion;
use crate::purpose::Purpose;
use crate::time::Timestamp;

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
/// ```
/// use custodian::ids::PolicyVersion;
/// use custodian::policy::{marketplace, PolicySchedule};
/// use custodian::time::Timestamp;
///
/// let t = |s| Timestamp::parse(s).unwrap();
/// let v1 = marketplace().build(PolicyVersion::new("1"), t("2025-01-01T00:00:00Z"))?;
/// let v2 = marketplace().build(PolicyVersion::new("2"), t("2025-07-01T00:00:00Z"))?;
/// let schedule = PolicySchedule::new([v2, v1])?;
///
/// assert!(schedule.in_force(t("2024-12-31T23:59:59Z")).is_none());
/// assert_eq!(schedule.in_force(t("2025-06-30T23:59:59Z")).unwrap().version().as_str(), "1");
/// assert_eq!(schedule.in_force(t("2025-07-01T00:00:00Z")).unwrap().version().as_str(), "2");
/// # Ok::<(), custodian::policy::PolicyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PolicySchedule {
    versions: Vec<Policy>,
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
    /// A schedule of `versions`, in any order.
    ///
    /// # Errors
    ///
    /// [`PolicyError::EmptySchedule`], [`PolicyError::DuplicateVersion`] or
    /// [`PolicyError::SameEffectiveTime`].
    pub fn new(versions: impl IntoIterator<Item = Policy>) -> Result<Self, PolicyError> {
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
        }
        Ok(Self { versions })
    }

    /// A schedule of one version.
    pub fn single(policy: Policy) -> Self {
        Self {
            versions: vec![policy],
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
        b.build(
            PolicyVersion::new(label),
            Timestamp::from_unix_secs(at).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn carry_over_follows_material_changes() {
        let s = PolicySchedule::new([
            version("1", 0, &[]),
            version("2", 100, &[Purpose::Marketing]),
            version("3", 200, &[]),
        ])
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
}
