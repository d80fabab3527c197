//! How the fields of a [`Personal`](super::Personal) record are written and
//! read: the plumbing `#[derive(Personal)]` expands to. Not a stable API.
//!
//! Writing pushes a frame naming the record's subject before any field is
//! serialized, so every PII value inside — a field the derive sees, or one
//! deep inside a plain serde type — seals under that subject, whatever the
//! scope around it.
//!
//! Reading cannot do the same: the subject field may come after the PII
//! fields (JSON objects have no order; PostgreSQL `jsonb` sorts keys). So
//! the fields the derive recognizes as PII ([`PersonalField`]) are read
//! unopened, as envelopes, and opened once the whole record is read and its
//! subject known. Values the derive does not see open under the record's
//! subject if it was already read, and otherwise fail with
//! [`SealError::NoSubject`] (the derive always writes the subject field
//! first, so this only happens to input reordered by someone else).
//!
//! Which fields are PII is decided from their types, by trait: a field
//! whose type implements [`PersonalField`] (the crate's PII kinds,
//! `Erasable`, `Option`, `Vec` and `Box` of those, and derived records) is
//! handled as one; any other type passes through its own serde impls. The
//! derive asks through [`Probe`], whose two traits resolve by auto-ref
//! (the more specific, [`SealedField`], where the type implements
//! [`PersonalField`]).

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Visitor};
use serde::ser;

use super::codec::{self, Input, Labeled, LabeledField};
use super::data_map::{DataMap, FieldPath, FieldState};
use super::scope::{self, Guard, Origin};
use super::{Sealable, SubjectKey};
use crate::error::{SealError, VaultError};
use crate::pii::{Category, PiiKind};
use crate::subject::SubjectId;
use crate::vault::{Erasable, FieldLabel, KeyScope};

/// A field type the derive seals under its record's subject: read unopened,
/// opened once the subject is known, listed in the data map.
///
/// Implemented by the crate for its PII kinds, `Erasable`, `Option`, `Vec`
/// and `Box`, and by `#[derive(Personal)]` for each record (a nested record
/// opens itself under its own subject).
pub trait PersonalField: Sized {
    /// The field as read before the subject is known.
    type Unopened: DeserializeOwned;

    /// The PII kind the field holds (through any `Option`, `Vec`, `Box`),
    /// listed as absent when it holds nothing; `None` for a record, which
    /// lists nothing then (its subject is unknown).
    const LEAF: Option<Leaf>;

    /// Opens the field under the frame now in force.
    ///
    /// # Errors
    ///
    /// The [`SealError`] of a value that does not open, as `E`.
    fn open<E: de::Error>(unopened: Self::Unopened, label: Option<FieldLabel>) -> Result<Self, E>;

    /// Adds the field's data to `map`.
    ///
    /// # Errors
    ///
    /// A nested record whose subject field is not a valid subject id.
    fn map_into(&self, map: &mut DataMap, place: Place<'_>) -> Result<(), VaultError>;
}

/// A PII kind as the data map lists it.
#[derive(Clone, Copy, Debug)]
pub struct Leaf {
    kind: PiiKind,
    category: Category,
    label: FieldLabel,
}

impl Leaf {
    pub(crate) const fn of<T: Sealable>() -> Self {
        Self {
            kind: T::KIND,
            category: T::CATEGORY,
            label: T::DEFAULT_LABEL,
        }
    }
}

/// Where a field's entries go: its path, its record's subject, its label.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    /// The field's path.
    pub at: &'a FieldPath,
    /// The subject of the record holding it.
    pub subject: &'a SubjectId,
    /// The field's `#[personal(label)]`, if any.
    pub label: Option<FieldLabel>,
}

/// Lists a leaf of kind `F::LEAF` at `place` (nothing for a record).
fn map_leaf<F: PersonalField>(map: &mut DataMap, place: Place<'_>, state: FieldState) {
    if let Some(leaf) = F::LEAF {
        let label = place.label.unwrap_or(leaf.label);
        map.push_sealed(
            place.at.clone(),
            place.subject,
            leaf.category,
            leaf.kind,
            label,
            state,
        );
    }
}

/// A PII kind read as its envelope, not yet opened.
pub struct Unopened<T>(Input, PhantomData<fn() -> T>);

impl<T> fmt::Debug for Unopened<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // In a revealed scope the input may be plaintext: never print it.
        f.debug_struct("Unopened").finish_non_exhaustive()
    }
}

impl<'de, T> serde::Deserialize<'de> for Unopened<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <Input as serde::Deserialize>::deserialize(d).map(|input| Self(input, PhantomData))
    }
}

impl<T: Sealable> Unopened<T> {
    fn open<E: de::Error>(self, label: Option<FieldLabel>) -> Result<Erasable<T>, E> {
        codec::open_current(self.0, label.unwrap_or(T::DEFAULT_LABEL))
    }
}

/// Implements [`PersonalField`] for a PII kind; used by the kinds list.
macro_rules! leaf_field {
    ($ty:ty) => {
        $crate::seal::field::leaf_field!(impl[] $ty);
    };
    (impl[$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> $crate::seal::field::PersonalField for $ty {
            type Unopened = $crate::seal::field::Unopened<Self>;

            const LEAF: Option<$crate::seal::field::Leaf> = Some($crate::seal::field::Leaf::of::<Self>());

            fn open<E: serde::de::Error>(
                unopened: Self::Unopened,
                label: Option<$crate::vault::FieldLabel>,
            ) -> Result<Self, E> {
                $crate::seal::field::open_leaf(unopened, label)
            }

            fn map_into(
                &self,
                map: &mut $crate::seal::DataMap,
                place: $crate::seal::field::Place<'_>,
            ) -> Result<(), $crate::VaultError> {
                $crate::seal::field::map_present::<Self>(map, place)
            }
        }
    };
}
pub(crate) use leaf_field;

pub(crate) fn open_leaf<T: Sealable, E: de::Error>(
    unopened: Unopened<T>,
    label: Option<FieldLabel>,
) -> Result<T, E> {
    codec::require_present(unopened.open(label)?)
}

pub(crate) fn map_present<F: PersonalField>(
    map: &mut DataMap,
    place: Place<'_>,
) -> Result<(), VaultError> {
    map_leaf::<F>(map, place, FieldState::Present);
    Ok(())
}

impl<T: Sealable> PersonalField for Erasable<T> {
    type Unopened = Unopened<T>;

    const LEAF: Option<Leaf> = Some(Leaf::of::<T>());

    fn open<E: de::Error>(unopened: Self::Unopened, label: Option<FieldLabel>) -> Result<Self, E> {
        unopened.open(label)
    }

    fn map_into(&self, map: &mut DataMap, place: Place<'_>) -> Result<(), VaultError> {
        let state = match self {
            Erasable::Present(_) => FieldState::Present,
            Erasable::Erased(_) => FieldState::Erased,
        };
        map_leaf::<Self>(map, place, state);
        Ok(())
    }
}

impl<F: PersonalField> PersonalField for Option<F> {
    type Unopened = Option<F::Unopened>;

    const LEAF: Option<Leaf> = F::LEAF;

    fn open<E: de::Error>(unopened: Self::Unopened, label: Option<FieldLabel>) -> Result<Self, E> {
        unopened.map(|value| F::open(value, label)).transpose()
    }

    fn map_into(&self, map: &mut DataMap, place: Place<'_>) -> Result<(), VaultError> {
        match self {
            Some(value) => value.map_into(map, place),
            None => {
                map_leaf::<F>(map, place, FieldState::Absent);
                Ok(())
            }
        }
    }
}

impl<F: PersonalField> PersonalField for Vec<F> {
    type Unopened = Vec<F::Unopened>;

    const LEAF: Option<Leaf> = F::LEAF;

    fn open<E: de::Error>(unopened: Self::Unopened, label: Option<FieldLabel>) -> Result<Self, E> {
        unopened
            .into_iter()
            .map(|value| F::open(value, label))
            .collect()
    }

    fn map_into(&self, map: &mut DataMap, place: Place<'_>) -> Result<(), VaultError> {
        if self.is_empty() {
            map_leaf::<F>(map, place, FieldState::Absent);
        }
        for (i, value) in self.iter().enumerate() {
            let at = place.at.index(i);
            value.map_into(map, Place { at: &at, ..place })?;
        }
        Ok(())
    }
}

impl<F: PersonalField> PersonalField for Box<F> {
    type Unopened = F::Unopened;

    const LEAF: Option<Leaf> = F::LEAF;

    fn open<E: de::Error>(unopened: Self::Unopened, label: Option<FieldLabel>) -> Result<Self, E> {
        F::open(unopened, label).map(Box::new)
    }

    fn map_into(&self, map: &mut DataMap, place: Place<'_>) -> Result<(), VaultError> {
        (**self).map_into(map, place)
    }
}

/// Asks, by type, whether a field is a [`PersonalField`]: call a method on
/// `&Probe::<T>::new()` with both [`SealedField`] and [`PlainField`] in
/// scope; the first applies where `T: PersonalField`, the second otherwise.
#[derive(Debug)]
pub struct Probe<T>(PhantomData<fn() -> T>);

impl<T> Probe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default, reason = "built in generated code only")]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Rejects `#[personal(category = ...)]` on a field sealed by its type.
#[diagnostic::on_unimplemented(
    message = "`#[personal(category = ...)]` marks plain fields; `{Self}` is sealed and has its kind's category",
    label = "remove the category: the type decides it"
)]
pub trait CategoryOnPlainFieldsOnly {}

/// The [`Probe`] methods of a [`PersonalField`].
pub trait SealedField<T> {
    /// Reads the field unopened.
    fn seed(&self) -> PendingSeed<T>;

    /// Adds the field to the data map.
    ///
    /// # Errors
    ///
    /// As [`PersonalField::map_into`].
    fn map_field(&self, value: &T, map: &mut DataMap, place: Place<'_>) -> Result<(), VaultError>;

    /// Fails to compile: a sealed field takes no category.
    fn plain_only(&self)
    where
        T: CategoryOnPlainFieldsOnly;
}

impl<T: PersonalField> SealedField<T> for Probe<T> {
    fn seed(&self) -> PendingSeed<T> {
        PendingSeed(PhantomData)
    }

    fn map_field(&self, value: &T, map: &mut DataMap, place: Place<'_>) -> Result<(), VaultError> {
        value.map_into(map, place)
    }

    fn plain_only(&self)
    where
        T: CategoryOnPlainFieldsOnly,
    {
    }
}

/// The [`Probe`] methods of any other field: its own serde impls, nothing
/// in the data map.
pub trait PlainField<T> {
    /// Reads the field as it is.
    fn seed(&self) -> ReadySeed<T>;

    /// Adds nothing to the data map.
    ///
    /// # Errors
    ///
    /// Never.
    fn map_field(
        &self,
        _value: &T,
        _map: &mut DataMap,
        _place: Place<'_>,
    ) -> Result<(), VaultError> {
        Ok(())
    }

    /// Accepts a category.
    fn plain_only(&self) {}
}

impl<T> PlainField<T> for &Probe<T> {
    fn seed(&self) -> ReadySeed<T> {
        ReadySeed(PhantomData)
    }
}

/// Reads a [`PersonalField`] unopened.
#[derive(Debug)]
pub struct PendingSeed<T>(PhantomData<fn() -> T>);

/// A [`PersonalField`] read but not yet opened.
pub struct Pending<T: PersonalField>(T::Unopened);

impl<T: PersonalField> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

impl<'de, T: PersonalField> DeserializeSeed<'de> for PendingSeed<T> {
    type Value = Pending<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Pending<T>, D::Error> {
        <T::Unopened as serde::Deserialize>::deserialize(d).map(Pending)
    }
}

/// Reads any other field through its own `Deserialize`.
#[derive(Debug)]
pub struct ReadySeed<T>(PhantomData<fn() -> T>);

/// A plain field, read.
#[derive(Debug)]
pub struct Ready<T>(T);

impl<'de, T: serde::Deserialize<'de>> DeserializeSeed<'de> for ReadySeed<T> {
    type Value = Ready<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Ready<T>, D::Error> {
        T::deserialize(d).map(Ready)
    }
}

/// The value of a field once the record's subject is known.
pub trait Settle<T> {
    /// Opens a pending field (a plain one is ready as it is).
    ///
    /// # Errors
    ///
    /// As [`PersonalField::open`].
    fn settle<E: de::Error>(self, label: Option<FieldLabel>) -> Result<T, E>;
}

impl<T: PersonalField> Settle<T> for Pending<T> {
    fn settle<E: de::Error>(self, label: Option<FieldLabel>) -> Result<T, E> {
        T::open(self.0, label)
    }
}

impl<T> Settle<T> for Ready<T> {
    fn settle<E: de::Error>(self, _label: Option<FieldLabel>) -> Result<T, E> {
        Ok(self.0)
    }
}

/// Serializes a field under an explicit label.
pub fn labeled<F: LabeledField>(value: &F, label: FieldLabel) -> impl serde::Serialize + '_ {
    Labeled(value, label)
}

/// Holds a record's frame while its fields are serialized.
pub struct Writing(#[allow(dead_code, reason = "pops the frame on drop")] Guard);

impl fmt::Debug for Writing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writing").finish_non_exhaustive()
    }
}

/// Starts writing a record of `subject`: every PII value serialized until
/// the result is dropped seals under this subject.
///
/// # Errors
///
/// The subject field is not a valid subject id.
pub fn write<K: SubjectKey + ?Sized, E: ser::Error>(subject: &K) -> Result<Writing, E> {
    let origin = scope::ambient_origin();
    subject_scope(subject)
        .and_then(|scope| scope::enter(Rc::clone(&origin), Some(scope)))
        .map(Writing)
        .map_err(|err| {
            let message = E::custom(&err);
            origin.record(err);
            message
        })
}

/// Holds a record's frame while its fields are read: first without a
/// subject, then, once the subject field is read, with it.
pub struct Reading {
    origin: Rc<Origin>,
    guard: Option<Guard>,
}

impl fmt::Debug for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reading").finish_non_exhaustive()
    }
}

impl Reading {
    /// Starts reading a record.
    ///
    /// # Errors
    ///
    /// Only if the frame stack is in use by this very thread (never).
    pub fn start<E: de::Error>() -> Result<Self, E> {
        let origin = scope::ambient_origin();
        let guard = scope::enter(Rc::clone(&origin), None);
        let mut reading = Self {
            origin,
            guard: None,
        };
        reading.guard = Some(guard.map_err(|err| reading.fail::<E>(err))?);
        Ok(reading)
    }

    /// The subject field was read: values read or opened from now on are
    /// the subject's.
    ///
    /// # Errors
    ///
    /// The subject field is not a valid subject id.
    pub fn subject<K: SubjectKey + ?Sized, E: de::Error>(&mut self, subject: &K) -> Result<(), E> {
        let scope = subject_scope(subject).map_err(|err| self.fail::<E>(err))?;
        // Pop the subjectless frame first: it is on top (every record read
        // inside has popped its own), and guards pop only their own frame.
        drop(self.guard.take());
        let guard = scope::enter(Rc::clone(&self.origin), Some(scope));
        self.guard = Some(guard.map_err(|err| self.fail::<E>(err))?);
        Ok(())
    }

    fn fail<E: de::Error>(&self, err: SealError) -> E {
        let message = E::custom(&err);
        self.origin.record(err);
        message
    }
}

fn subject_scope<K: SubjectKey + ?Sized>(subject: &K) -> Result<KeyScope, SealError> {
    Ok(KeyScope::Subject(subject.to_subject_id()?))
}

/// A field absent from the input: `Option` fields read as `None`, any
/// other as serde's "missing field" error.
#[derive(Debug)]
pub struct Missing<E>(&'static str, PhantomData<fn() -> E>);

impl<E> Missing<E> {
    /// The missing field `name`.
    pub fn new(name: &'static str) -> Self {
        Self(name, PhantomData)
    }
}

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// An unknown field name given as bytes, for the error message.
pub fn lossy(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}
