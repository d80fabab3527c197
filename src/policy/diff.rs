//! What changed between two policy versions, for the announcements page
//! (the privacy policy's §5), as Markdown and as JSON.
//!
//! [`PolicyDiff::between`] compares two versions section by section:
//! purposes (added, removed, changed terms, material changes), category
//! uses (the rule of each category × purpose pair), retention, recipients
//! and their agreements, staff roles, and the record's general parts
//! (controller, data subjects, security measures). Every change says
//! whether it is **protective**.
//!
//! # Only adds protections
//!
//! A new version *only adds protections* when every change in its diff is
//! protective, and these are all the protective changes:
//!
//! | section | protective | anything else is not |
//! |---|---|---|
//! | purposes | a purpose removed; terms changed only by becoming consent-only, gaining a GPC opt-out, losing processor disclosure, or losing consent-lifts-objection; never a material change | a purpose added, a description or any other term changed, a material change declared |
//! | category uses | allowed → forbidden or gap; forbidden ↔ gap; allowed on another basis → allowed on consent (documentation unchanged) | anything that allows what was not allowed, or changes a basis to anything but consent, or its documentation |
//! | retention | a period that is never longer, whatever the dates (see below) | a longer or incomparable period |
//! | recipients | a recipient removed; an agreement removed; an agreement narrowed (categories and purposes subsets, validity inside the old validity) | a recipient added, renamed, re-kinded, or moved to another country; an agreement added or widened |
//! | roles | a role removed; reveal pairs removed | reveal pairs or a role with pairs added |
//! | general | security measures added; data-subject categories removed | a controller change, a security measure removed, a subject category added |
//!
//! A retention period `b` is never longer than `a` when both have the same
//! unit and `b`'s count is not larger, or when `b`'s longest possible
//! length in days (a month counts 31 days, a year 366, "after the end of
//! the year" one year more) is at most `a`'s shortest (a month 28 days, a
//! year 365). "Until withdrawn" is longer than any period.
//!
//! Two identical versions have an empty diff, which only adds protections
//! (vacuously): re-issuing a policy needs no notice period.
//!
//! ```
//! use custodian::ids::PolicyVersion;
//! use custodian::policy::{marketplace, PolicyDiff, PurposeTerms, Retention};
//! use custodian::purpose::Purpose;
//! use custodian::time::Timestamp;
//!
//! let v1 = marketplace().build(PolicyVersion::new("1"), Timestamp::EPOCH)?;
//! let v2 = marketplace()
//!     .material_change(Purpose::Marketing)
//!     .build(PolicyVersion::new("2"), Timestamp::EPOCH)?;
//! let diff = PolicyDiff::between(&v1, &v2);
//! assert!(!diff.only_adds_protections());
//! assert!(diff.to_markdown().contains("- **Marketing** (`marketing`) changed materially"));
//! let json: serde_json::Value = serde_json::from_str(&diff.to_json()?)?;
//! assert_eq!(json["purposes"][0]["purpose"], "marketing");
//! assert_eq!(json["purposes"][0]["material"], true);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use serde::Serialize;

use super::{Policy, PurposeTerms, Retention, Rule};
use crate::disclosure::{Agreement, Recipient};
use crate::pii::Category;
use crate::purpose::Purpose;
use crate::time::Timestamp;

/// The typed difference between two policy versions.
///
/// Serialized as JSON with these member names; empty sections are empty
/// arrays, and `controller` is `null` when unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PolicyDiff {
    /// The older version's label.
    pub from: String,
    /// The newer version's label.
    pub to: String,
    /// When the newer version takes effect.
    pub effective_from: String,
    /// When the newer version was announced, if recorded.
    pub announced: Option<String>,
    /// Whether every change below is protective.
    pub only_adds_protections: bool,
    /// Purposes added, removed or with changed terms.
    pub purposes: Vec<PurposeChange>,
    /// Category × purpose pairs whose rule changed.
    pub categories: Vec<CategoryUseChange>,
    /// Purposes (in both versions) whose retention changed.
    pub retention: Vec<RetentionChange>,
    /// Recipients added, removed, or with changed details or agreements.
    pub recipients: Vec<RecipientChange>,
    /// Staff roles added, removed, or with changed reveal rights.
    pub roles: Vec<RoleChange>,
    /// The controller, if it changed.
    pub controller: Option<ControllerChange>,
    /// Security measures added and removed.
    pub security_measures: ListChange,
    /// Categories of data subjects added and removed.
    pub subject_categories: ListChange,
}

/// Whether something was added, removed or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
    /// In both, different.
    Changed,
}

/// A purpose added, removed, or with changed terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PurposeChange {
    /// The purpose's key.
    pub purpose: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// Whether the newer version declares the change material (consents
    /// given before stop counting for it).
    pub material: bool,
    /// The terms that changed (empty for added and removed purposes).
    pub terms: Vec<TermChange>,
    /// Whether the change is protective.
    pub protective: bool,
}

/// One changed term of a purpose, old and new value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "term", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TermChange {
    /// The description.
    Description {
        /// Old.
        before: String,
        /// New.
        after: String,
    },
    /// Whether the purpose rests on consent only.
    ConsentOnly {
        /// Old.
        before: bool,
        /// New.
        after: bool,
    },
    /// Whether processors may receive data for it without consent.
    ProcessorDisclosure {
        /// Old.
        before: bool,
        /// New.
        after: bool,
    },
    /// Whether a GPC signal opts out of it.
    GpcOptOut {
        /// Old.
        before: bool,
        /// New.
        after: bool,
    },
    /// Whether a later consent lifts an objection to it.
    ConsentLiftsObjection {
        /// Old.
        before: bool,
        /// New.
        after: bool,
    },
}

impl TermChange {
    fn is_protective(&self) -> bool {
        match *self {
            Self::Description { .. } => false,
            // Protective when the term was switched on.
            Self::ConsentOnly { after, .. } | Self::GpcOptOut { after, .. } => after,
            // Protective when the term was switched off.
            Self::ProcessorDisclosure { after, .. } | Self::ConsentLiftsObjection { after, .. } => {
                !after
            }
        }
    }
}

/// What a version says about one category × purpose pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RuleView {
    /// Allowed on a basis.
    Allow {
        /// The basis key.
        basis: String,
        /// Where the basis is documented.
        documentation: Option<String>,
    },
    /// Forbidden.
    Forbid,
    /// No rule: every use is refused as a gap.
    Gap,
}

impl RuleView {
    fn of(rule: Option<&Rule>) -> Self {
        match rule {
            Some(Rule::Allow {
                basis,
                documentation,
            }) => Self::Allow {
                basis: basis.key().to_owned(),
                documentation: documentation.clone(),
            },
            Some(Rule::Forbid) => Self::Forbid,
            None => Self::Gap,
        }
    }
}

/// A category × purpose pair whose rule changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CategoryUseChange {
    /// The category's name.
    pub category: String,
    /// The purpose's key.
    pub purpose: String,
    /// The old rule.
    pub before: RuleView,
    /// The new rule.
    pub after: RuleView,
    /// Whether the change is protective.
    pub protective: bool,
}

/// A purpose's retention, old and new.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RetentionChange {
    /// The purpose's key.
    pub purpose: String,
    /// The old retention.
    pub before: Retention,
    /// The new retention.
    pub after: Retention,
    /// Whether the new period is never longer.
    pub protective: bool,
}

/// An agreement as the diff shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AgreementView {
    /// The agreement's reference.
    pub reference: String,
    /// Category names it covers.
    pub categories: Vec<String>,
    /// Purpose keys it covers.
    pub purposes: Vec<String>,
    /// Valid from.
    pub valid_from: String,
    /// Valid until (exclusive), if it ends.
    pub valid_until: Option<String>,
}

impl AgreementView {
    fn of(a: &Agreement) -> Self {
        Self {
            reference: a.reference().to_string(),
            categories: a.categories().iter().map(|c| c.name().to_owned()).collect(),
            purposes: a.purposes().iter().map(|p| p.key().to_owned()).collect(),
            valid_from: a.valid_from().to_string(),
            valid_until: a.valid_until().map(|t| t.to_string()),
        }
    }
}

/// One changed detail of a recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "detail", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecipientDetail {
    /// Its name.
    Name {
        /// Old.
        before: String,
        /// New.
        after: String,
    },
    /// Its kind.
    Kind {
        /// Old.
        before: String,
        /// New.
        after: String,
    },
    /// Where it processes the data.
    Country {
        /// Old.
        before: Option<String>,
        /// New.
        after: Option<String>,
    },
    /// An agreement added.
    AgreementAdded {
        /// The agreement.
        agreement: AgreementView,
    },
    /// An agreement removed.
    AgreementRemoved {
        /// The agreement.
        agreement: AgreementView,
    },
    /// An agreement with the same reference, changed.
    AgreementChanged {
        /// Old.
        before: AgreementView,
        /// New.
        after: AgreementView,
        /// Whether the new one covers no more than the old.
        narrowed: bool,
    },
}

impl RecipientDetail {
    fn is_protective(&self) -> bool {
        match self {
            Self::AgreementRemoved { .. } => true,
            Self::AgreementChanged { narrowed, .. } => *narrowed,
            _ => false,
        }
    }
}

/// A recipient added, removed, or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecipientChange {
    /// The recipient's id.
    pub recipient: String,
    /// Its name (in the newer version, if it is there).
    pub name: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// For a changed recipient, what changed; for an added one, its
    /// agreements as added.
    pub details: Vec<RecipientDetail>,
    /// Whether the change is protective.
    pub protective: bool,
}

/// A (category, purpose) pair a role may reveal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RevealPair {
    /// The category's name.
    pub category: String,
    /// The purpose's key.
    pub purpose: String,
}

/// A role added, removed, or with changed reveal rights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RoleChange {
    /// The role.
    pub role: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// Reveal pairs it gained.
    pub added: Vec<RevealPair>,
    /// Reveal pairs it lost.
    pub removed: Vec<RevealPair>,
    /// Whether it gained nothing.
    pub protective: bool,
}

/// The controller, old and new.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ControllerChange {
    /// Old name and contact.
    pub before: String,
    /// New name and contact.
    pub after: String,
}

/// Entries of a list added and removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListChange {
    /// Only in the newer version.
    pub added: Vec<String>,
    /// Only in the older version.
    pub removed: Vec<String>,
}

impl ListChange {
    fn of(old: &[String], new: &[String]) -> Self {
        let missing = |a: &[String], b: &[String]| -> Vec<String> {
            a.iter().filter(|x| !b.contains(x)).cloned().collect()
        };
        Self {
            added: missing(new, old),
            removed: missing(old, new),
        }
    }

    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

impl PolicyDiff {
    /// What changed from `old` to `new`.
    pub fn between(old: &Policy, new: &Policy) -> Self {
        let controller = (old.controller() != new.controller()).then(|| ControllerChange {
            before: controller_text(old),
            after: controller_text(new),
        });
        let mut diff = Self {
            from: old.version().to_string(),
            to: new.version().to_string(),
            effective_from: new.effective_from().to_string(),
            announced: new.announced().map(|t| t.to_string()),
            only_adds_protections: false,
            purposes: purpose_changes(old, new),
            categories: category_changes(old, new),
            retention: retention_changes(old, new),
            recipients: recipient_changes(old.recipients(), new.recipients()),
            roles: role_changes(old, new),
            controller,
            security_measures: ListChange::of(old.security_measures(), new.security_measures()),
            subject_categories: ListChange::of(old.subject_categories(), new.subject_categories()),
        };
        diff.only_adds_protections = diff.all_protective();
        diff
    }

    /// Whether every change is protective (see the [module docs](self)
    /// for the exact list); `true` for identical versions.
    pub fn only_adds_protections(&self) -> bool {
        self.only_adds_protections
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.purposes.is_empty()
            && self.categories.is_empty()
            && self.retention.is_empty()
            && self.recipients.is_empty()
            && self.roles.is_empty()
            && self.controller.is_none()
            && self.security_measures.is_empty()
            && self.subject_categories.is_empty()
    }

    fn all_protective(&self) -> bool {
        self.purposes.iter().all(|c| c.protective)
            && self.categories.iter().all(|c| c.protective)
            && self.retention.iter().all(|c| c.protective)
            && self.recipients.iter().all(|c| c.protective)
            && self.roles.iter().all(|c| c.protective)
            && self.controller.is_none()
            && self.security_measures.removed.is_empty()
            && self.subject_categories.added.is_empty()
    }

    /// The diff as pretty-printed JSON.
    ///
    /// # Errors
    ///
    /// Never in practice: serializing the diff cannot fail; the `Result`
    /// keeps a failure from turning into a panic.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The diff as Markdown: a heading, then one list per section that
    /// has changes; protective entries end in "(protective)".
    pub fn to_markdown(&self) -> String {
        super::record::markdown(|out| self.write_markdown(out))
    }

    fn write_markdown(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "# Policy {} replaces {}\n", self.to, self.from)?;
        let announced = self.announced.as_deref().unwrap_or("not recorded");
        writeln!(out, "- Announced: {announced}")?;
        writeln!(out, "- In force from: {}", self.effective_from)?;
        let kind = if self.only_adds_protections {
            "only adds protections"
        } else {
            "changes what is processed and how"
        };
        writeln!(out, "- This version {kind}.")?;
        if self.is_empty() {
            return writeln!(out, "\nNothing else changed.");
        }
        section(out, "Purposes", &self.purposes, write_purpose)?;
        section(out, "Categories of data", &self.categories, |out, c| {
            writeln!(
                out,
                "- {} for `{}`: {} → {}{}",
                c.category,
                c.purpose,
                rule_text(&c.before),
                rule_text(&c.after),
                mark(c.protective)
            )
        })?;
        section(out, "Retention", &self.retention, |out, c| {
            writeln!(
                out,
                "- `{}`: {} → {}{}",
                c.purpose,
                c.before,
                c.after,
                mark(c.protective)
            )
        })?;
        section(out, "Recipients", &self.recipients, write_recipient)?;
        section(out, "Staff roles", &self.roles, |out, c| {
            let pairs = |ps: &[RevealPair]| {
                ps.iter()
                    .map(|p| format!("{} for `{}`", p.category, p.purpose))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            write!(out, "- `{}` {}", c.role, kind_text(c.change))?;
            if !c.added.is_empty() {
                write!(out, "; may now reveal {}", pairs(&c.added))?;
            }
            if !c.removed.is_empty() {
                write!(out, "; may no longer reveal {}", pairs(&c.removed))?;
            }
            writeln!(out, "{}", mark(c.protective))
        })?;
        self.write_general(out)
    }

    fn write_general(&self, out: &mut String) -> std::fmt::Result {
        let lists = [
            ("Security measure", &self.security_measures, true),
            ("Data subjects", &self.subject_categories, false),
        ];
        if self.controller.is_none() && lists.iter().all(|(_, l, _)| l.is_empty()) {
            return Ok(());
        }
        writeln!(out, "\n## General\n")?;
        if let Some(c) = &self.controller {
            writeln!(
                out,
                "- Controller: {} → {}{}",
                c.before,
                c.after,
                mark(false)
            )?;
        }
        for (label, list, more_is_better) in lists {
            for a in &list.added {
                writeln!(out, "- {label} added: {a}{}", mark(more_is_better))?;
            }
            for r in &list.removed {
                writeln!(out, "- {label} removed: {r}{}", mark(!more_is_better))?;
            }
        }
        Ok(())
    }
}

fn section<T>(
    out: &mut String,
    heading: &str,
    items: &[T],
    write: impl Fn(&mut String, &T) -> std::fmt::Result,
) -> std::fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n## {heading}\n")?;
    items.iter().try_for_each(|item| write(out, item))
}

fn write_purpose(out: &mut String, c: &PurposeChange) -> std::fmt::Result {
    write!(
        out,
        "- **{}** (`{}`) {}",
        super::record::title(&c.purpose),
        c.purpose,
        kind_text(c.change)
    )?;
    if c.material {
        write!(out, " materially")?;
    }
    for t in &c.terms {
        write!(out, "; {}", term_text(t))?;
    }
    writeln!(out, "{}", mark(c.protective))
}

fn write_recipient(out: &mut String, c: &RecipientChange) -> std::fmt::Result {
    write!(
        out,
        "- {} (`{}`) {}",
        c.name,
        c.recipient,
        kind_text(c.change)
    )?;
    for d in &c.details {
        write!(out, "; {}", detail_text(d))?;
    }
    writeln!(out, "{}", mark(c.protective))
}

fn mark(protective: bool) -> &'static str {
    if protective { " (protective)" } else { "" }
}

fn kind_text(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
    }
}

fn rule_text(rule: &RuleView) -> String {
    match rule {
        RuleView::Allow {
            basis,
            documentation: Some(doc),
        } => format!("allowed on {basis} ({doc})"),
        RuleView::Allow { basis, .. } => format!("allowed on {basis}"),
        RuleView::Forbid => "forbidden".to_owned(),
        RuleView::Gap => "not covered".to_owned(),
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "yes" } else { "no" }
}

fn term_text(t: &TermChange) -> String {
    match t {
        TermChange::Description { after, .. } => format!("description now \"{after}\""),
        TermChange::ConsentOnly { after, .. } => format!("consent only: {}", on_off(*after)),
        TermChange::ProcessorDisclosure { after, .. } => {
            format!("processors without consent: {}", on_off(*after))
        }
        TermChange::GpcOptOut { after, .. } => format!("GPC opts out: {}", on_off(*after)),
        TermChange::ConsentLiftsObjection { after, .. } => {
            format!("consent lifts an objection: {}", on_off(*after))
        }
    }
}

fn agreement_text(a: &AgreementView) -> String {
    let until = a.valid_until.as_deref().unwrap_or("no end");
    format!(
        "agreement {} ({} for {}, {} to {})",
        a.reference,
        a.categories.join(", "),
        a.purposes.join(", "),
        a.valid_from,
        until
    )
}

fn detail_text(d: &RecipientDetail) -> String {
    let or_none = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".to_owned());
    match d {
        RecipientDetail::Name { before, after } => format!("name {before} → {after}"),
        RecipientDetail::Kind { before, after } => format!("kind {before} → {after}"),
        RecipientDetail::Country { before, after } => {
            format!("country {} → {}", or_none(before), or_none(after))
        }
        RecipientDetail::AgreementAdded { agreement } => {
            format!("{} added", agreement_text(agreement))
        }
        RecipientDetail::AgreementRemoved { agreement } => {
            format!("{} removed", agreement_text(agreement))
        }
        RecipientDetail::AgreementChanged { after, .. } => {
            format!("{} now", agreement_text(after))
        }
    }
}

fn controller_text(p: &Policy) -> String {
    let c = p.controller();
    format!("{} ({})", c.name, c.contact)
}

fn purpose_changes(old: &Policy, new: &Policy) -> Vec<PurposeChange> {
    let mut out = Vec::new();
    for t in new.purposes() {
        let material = new.material_changes().contains(&t.purpose());
        let Some(before) = old.purpose_terms(t.purpose()) else {
            out.push(PurposeChange {
                purpose: t.purpose().key().to_owned(),
                change: ChangeKind::Added,
                material,
                terms: Vec::new(),
                protective: false,
            });
            continue;
        };
        let terms = term_changes(old, before, new, t);
        if terms.is_empty() && !material {
            continue;
        }
        out.push(PurposeChange {
            purpose: t.purpose().key().to_owned(),
            change: ChangeKind::Changed,
            material,
            protective: !material && terms.iter().all(TermChange::is_protective),
            terms,
        });
    }
    for t in old.purposes() {
        if new.purpose_terms(t.purpose()).is_none() {
            out.push(PurposeChange {
                purpose: t.purpose().key().to_owned(),
                change: ChangeKind::Removed,
                material: false,
                terms: Vec::new(),
                protective: true,
            });
        }
    }
    out
}

fn term_changes(
    old: &Policy,
    before: &PurposeTerms,
    new: &Policy,
    after: &PurposeTerms,
) -> Vec<TermChange> {
    let p = after.purpose();
    let flags = [
        (before.consent_only, after.consent_only, 0),
        (before.processor_disclosure, after.processor_disclosure, 1),
        (before.gpc_opt_out, after.gpc_opt_out, 2),
        (
            old.consent_lifts_objection(p),
            new.consent_lifts_objection(p),
            3,
        ),
    ];
    let mut out = Vec::new();
    if before.description != after.description {
        out.push(TermChange::Description {
            before: before.description.clone(),
            after: after.description.clone(),
        });
    }
    for (b, a, which) in flags {
        if b == a {
            continue;
        }
        let (before, after) = (b, a);
        out.push(match which {
            0 => TermChange::ConsentOnly { before, after },
            1 => TermChange::ProcessorDisclosure { before, after },
            2 => TermChange::GpcOptOut { before, after },
            _ => TermChange::ConsentLiftsObjection { before, after },
        });
    }
    out
}

/// Every pair either version has a rule for, or could have: the union of
/// both versions' categories and purposes.
fn category_changes(old: &Policy, new: &Policy) -> Vec<CategoryUseChange> {
    let mut categories: Vec<Category> = new.categories().collect();
    categories.extend(
        old.categories()
            .filter(|c| !new.categories().any(|n| n == *c)),
    );
    let mut purposes: Vec<Purpose> = new.purposes().iter().map(PurposeTerms::purpose).collect();
    purposes.extend(
        old.purposes()
            .iter()
            .map(PurposeTerms::purpose)
            .filter(|p| new.purpose_terms(*p).is_none()),
    );
    let mut out = Vec::new();
    for &c in &categories {
        for &p in &purposes {
            let (before, after) = (old.rule(c, p), new.rule(c, p));
            if before == after {
                continue;
            }
            out.push(CategoryUseChange {
                category: c.name().to_owned(),
                purpose: p.key().to_owned(),
                before: RuleView::of(before),
                after: RuleView::of(after),
                protective: rule_protective(before, after),
            });
        }
    }
    out
}

fn rule_protective(before: Option<&Rule>, after: Option<&Rule>) -> bool {
    use crate::purpose::LawfulBasis;
    match (before, after) {
        // Nothing is allowed any more.
        (_, None | Some(Rule::Forbid)) => true,
        (
            Some(Rule::Allow {
                documentation: d1, ..
            }),
            Some(Rule::Allow {
                basis: LawfulBasis::Consent,
                documentation: d2,
            }),
        ) => d1 == d2,
        _ => false,
    }
}

fn retention_changes(old: &Policy, new: &Policy) -> Vec<RetentionChange> {
    new.purposes()
        .iter()
        .filter_map(|t| {
            let before = old.purpose_terms(t.purpose())?.retention();
            let after = t.retention();
            (before != after).then(|| RetentionChange {
                purpose: t.purpose().key().to_owned(),
                before,
                after,
                protective: never_longer(after, before),
            })
        })
        .collect()
}

/// The shortest and longest a retention can last, in days; `None` for
/// "until withdrawn" (unbounded).
fn day_bounds(r: Retention) -> Option<(u64, u64)> {
    let n = |x: u32| u64::from(x);
    Some(match r {
        Retention::Days(d) => (n(d), n(d)),
        Retention::Months(m) => (28 * n(m), 31 * n(m)),
        Retention::Years(y) => (365 * n(y), 366 * n(y)),
        Retention::YearsAfterEndOfYear(y) => (365 * n(y), 366 * (n(y) + 1)),
        Retention::UntilWithdrawn => return None,
    })
}

/// Whether `b` is never longer than `a`, whatever the collection date.
fn never_longer(b: Retention, a: Retention) -> bool {
    use Retention::*;
    match (b, a) {
        (Days(x), Days(y))
        | (Months(x), Months(y))
        | (Years(x), Years(y))
        | (YearsAfterEndOfYear(x), YearsAfterEndOfYear(y)) => x <= y,
        (_, UntilWithdrawn) => true,
        _ => match (day_bounds(b), day_bounds(a)) {
            (Some((_, b_max)), Some((a_min, _))) => b_max <= a_min,
            _ => false,
        },
    }
}

fn recipient_changes(old: &[Recipient], new: &[Recipient]) -> Vec<RecipientChange> {
    let mut out = Vec::new();
    for r in new {
        let Some(before) = old.iter().find(|o| o.id() == r.id()) else {
            out.push(RecipientChange {
                recipient: r.id().to_string(),
                name: r.name().to_owned(),
                change: ChangeKind::Added,
                details: agreement_changes(&[], r.agreements()),
                protective: false,
            });
            continue;
        };
        let details = recipient_details(before, r);
        if details.is_empty() {
            continue;
        }
        out.push(RecipientChange {
            recipient: r.id().to_string(),
            name: r.name().to_owned(),
            change: ChangeKind::Changed,
            protective: details.iter().all(RecipientDetail::is_protective),
            details,
        });
    }
    for r in old.iter().filter(|o| !new.iter().any(|n| n.id() == o.id())) {
        out.push(RecipientChange {
            recipient: r.id().to_string(),
            name: r.name().to_owned(),
            change: ChangeKind::Removed,
            details: Vec::new(),
            protective: true,
        });
    }
    out
}

fn recipient_details(before: &Recipient, after: &Recipient) -> Vec<RecipientDetail> {
    let mut out = Vec::new();
    if before.name() != after.name() {
        out.push(RecipientDetail::Name {
            before: before.name().to_owned(),
            after: after.name().to_owned(),
        });
    }
    if before.kind() != after.kind() {
        out.push(RecipientDetail::Kind {
            before: before.kind().to_string(),
            after: after.kind().to_string(),
        });
    }
    if before.processing_country() != after.processing_country() {
        let text = |r: &Recipient| r.processing_country().map(ToString::to_string);
        out.push(RecipientDetail::Country {
            before: text(before),
            after: text(after),
        });
    }
    out.extend(agreement_changes(before.agreements(), after.agreements()));
    out
}

fn agreement_changes(old: &[Agreement], new: &[Agreement]) -> Vec<RecipientDetail> {
    let mut out = Vec::new();
    for a in new {
        match old.iter().find(|o| o.reference() == a.reference()) {
            None => out.push(RecipientDetail::AgreementAdded {
                agreement: AgreementView::of(a),
            }),
            Some(o) if o != a => out.push(RecipientDetail::AgreementChanged {
                before: AgreementView::of(o),
                after: AgreementView::of(a),
                narrowed: narrowed(o, a),
            }),
            Some(_) => {}
        }
    }
    for o in old
        .iter()
        .filter(|o| !new.iter().any(|a| a.reference() == o.reference()))
    {
        out.push(RecipientDetail::AgreementRemoved {
            agreement: AgreementView::of(o),
        });
    }
    out
}

/// Whether `after` covers no category, purpose or time that `before`
/// did not.
fn narrowed(before: &Agreement, after: &Agreement) -> bool {
    let until = |a: &Agreement| a.valid_until().unwrap_or(Timestamp::MAX);
    after
        .categories()
        .iter()
        .all(|c| before.categories().contains(c))
        && after
            .purposes()
            .iter()
            .all(|p| before.purposes().contains(p))
        && after.valid_from() >= before.valid_from()
        && until(after) <= until(before)
}

fn role_changes(old: &Policy, new: &Policy) -> Vec<RoleChange> {
    let pairs_not_in = |a: &[(Category, Purpose)], b: &[(Category, Purpose)]| -> Vec<RevealPair> {
        a.iter()
            .filter(|p| !b.contains(p))
            .map(|&(c, p)| RevealPair {
                category: c.name().to_owned(),
                purpose: p.key().to_owned(),
            })
            .collect()
    };
    let mut out = Vec::new();
    for g in new.roles() {
        let before = old.role(g.role()).map_or(&[][..], |o| o.pairs());
        let (added, removed) = (
            pairs_not_in(g.pairs(), before),
            pairs_not_in(before, g.pairs()),
        );
        let change = if old.role(g.role()).is_none() {
            ChangeKind::Added
        } else if added.is_empty() && removed.is_empty() {
            continue;
        } else {
            ChangeKind::Changed
        };
        out.push(RoleChange {
            role: g.role().to_string(),
            change,
            protective: added.is_empty(),
            added,
            removed,
        });
    }
    for g in old.roles().iter().filter(|g| new.role(g.role()).is_none()) {
        out.push(RoleChange {
            role: g.role().to_string(),
            change: ChangeKind::Removed,
            added: Vec::new(),
            removed: pairs_not_in(g.pairs(), &[]),
            protective: true,
        });
    }
    out
}

#[cfg(test)]
mod tests;
