//! The data map of a record: which of its fields hold which category of
//! personal data, for which subject.
//!
//! `#[derive(Personal)]` writes it, so the host describes its data once, in
//! the struct: exporting a subject's data (GDPR Art. 15, 20), correcting it
//! (Art. 16) and erasing it (Art. 17) start from the map instead of a
//! second, hand-kept list of columns.

use core::fmt;

use crate::pii::{Category, PiiKind};
use crate::subject::SubjectId;
use crate::vault::FieldLabel;

/// Where a piece of personal data sits in a record: field names and list
/// positions, from the outermost record down. Uses the Rust field names
/// (which the host's code uses), not serialized ones.
///
/// ```
/// use custodian::seal::FieldPath;
///
/// let path = FieldPath::root().field("orders").index(2).field("seller").field("email");
/// assert_eq!(path.to_string(), "orders[2].seller.email");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<PathStep>);

/// One step of a [`FieldPath`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// A named field.
    Field(&'static str),
    /// A position in a list.
    Index(usize),
}

impl FieldPath {
    /// The record itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// The path of field `name` below this one.
    pub fn field(&self, name: &'static str) -> Self {
        self.then(PathStep::Field(name))
    }

    /// The path of list position `index` below this one.
    pub fn index(&self, index: usize) -> Self {
        self.then(PathStep::Index(index))
    }

    fn then(&self, step: PathStep) -> Self {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        Self(steps)
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Field(name) if i == 0 => f.write_str(name)?,
                PathStep::Field(name) => write!(f, ".{name}")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// What a field holds right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldState {
    /// A value.
    Present,
    /// Nothing: `None`, or an empty list.
    Absent,
    /// The marker of a value whose subject was forgotten
    /// ([`Erasable::Erased`](crate::vault::Erasable::Erased)).
    Erased,
}

/// How a field keeps its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Holding {
    /// A PII value, sealed under the record's subject whenever it is
    /// serialized: erased everywhere when the subject is forgotten.
    Sealed {
        /// The PII kind.
        kind: PiiKind,
        /// The label it is sealed under.
        label: FieldLabel,
        /// What the field holds now.
        state: FieldState,
    },
    /// Plain data the host marked with a category
    /// (`#[personal(category = "...")]`): stored as it is, so erasing the
    /// subject means deleting or overwriting it in the host's storage.
    Plain,
}

/// One piece of personal data in a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataField {
    path: FieldPath,
    subject: SubjectId,
    category: Category,
    holding: Holding,
}

impl DataField {
    /// Where it is in the record.
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// Whose it is: the subject of the innermost record holding it.
    pub fn subject(&self) -> &SubjectId {
        &self.subject
    }

    /// Its data category.
    pub fn category(&self) -> Category {
        self.category
    }

    /// How it is kept.
    pub fn holding(&self) -> Holding {
        self.holding
    }

    /// Whether it is sealed (and so erased by forgetting the subject).
    pub fn is_sealed(&self) -> bool {
        matches!(self.holding, Holding::Sealed { .. })
    }
}

/// Every piece of personal data in one record and the records nested in
/// it, in field order. Made by [`Personal::data_map`](super::Personal::data_map).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataMap {
    fields: Vec<DataField>,
}

impl DataMap {
    /// All entries, in field order.
    pub fn fields(&self) -> &[DataField] {
        &self.fields
    }

    /// The entries of one subject.
    pub fn of<'a>(&'a self, subject: &'a SubjectId) -> impl Iterator<Item = &'a DataField> + 'a {
        self.fields
            .iter()
            .filter(move |field| field.subject == *subject)
    }

    /// The subjects with data in the record, each once, in order of first
    /// appearance.
    pub fn subjects(&self) -> Vec<&SubjectId> {
        let mut subjects: Vec<&SubjectId> = Vec::new();
        for field in &self.fields {
            if !subjects.contains(&&field.subject) {
                subjects.push(&field.subject);
            }
        }
        subjects
    }

    /// Adds a sealed PII field.
    pub(crate) fn push_sealed(
        &mut self,
        path: FieldPath,
        subject: &SubjectId,
        category: Category,
        kind: PiiKind,
        label: FieldLabel,
        state: FieldState,
    ) {
        self.fields.push(DataField {
            path,
            subject: subject.clone(),
            category,
            holding: Holding::Sealed { kind, label, state },
        });
    }

    /// Adds a plain field the host marked with a category (called by the
    /// derive).
    #[doc(hidden)]
    pub fn push_plain(&mut self, path: FieldPath, subject: &SubjectId, category: Category) {
        self.fields.push(DataField {
            path,
            subject: subject.clone(),
            category,
            holding: Holding::Plain,
        });
    }
}

impl<'a> IntoIterator for &'a DataMap {
    type Item = &'a DataField;
    type IntoIter = core::slice::Iter<'a, DataField>;

    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}
