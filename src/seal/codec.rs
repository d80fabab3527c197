//! The generic serde code every PII kind shares: seal, mask or reveal on
//! serialize; open and validate on deserialize.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{self, Serializer};
use zeroize::Zeroizing;

use super::Sealable;
use super::scope::{self, Frame, Mode};
use crate::error::{EnvelopeFault, SealError};
use crate::pii::Category;
use crate::pii::mask::HIDDEN;
use crate::vault::envelope::{self, TEXT_PREFIX};
use crate::vault::{Envelope, Erasable, Erased, FieldLabel, RawOpened};

/// Records a seal error in the frame (for [`Scope::run`](super::Scope::run))
/// and turns it into the format's error.
fn fail<E: ser::Error>(frame: Option<&Frame>, err: SealError) -> E {
    let message = E::custom(&err);
    if let Some(frame) = frame {
        frame.record(err);
    }
    message
}

fn fail_de<E: de::Error>(frame: Option<&Frame>, err: SealError) -> E {
    let message = E::custom(&err);
    if let Some(frame) = frame {
        frame.record(err);
    }
    message
}

/// Why a value cannot be sealed or opened here: no vault at all, or a
/// vault but no subject (outside every record and subject scope, or in a
/// record whose subject field was not read yet).
fn unplaced(frame: Option<&Frame>, category: Category) -> SealError {
    let has_vault = match frame {
        Some(frame) => frame.vault().is_some(),
        None => super::default_vault().is_some(),
    };
    if has_vault {
        SealError::NoSubject { category }
    } else {
        SealError::NoVault { category }
    }
}

/// Serializes a PII value under `label` according to the scope in force.
pub(crate) fn serialize<T: Sealable, S: Serializer>(
    value: &T,
    label: FieldLabel,
    s: S,
) -> Result<S::Ok, S::Error> {
    let Some(frame) = scope::current() else {
        return Err(fail(None, unplaced(None, T::CATEGORY)));
    };
    match frame.mode() {
        Mode::Masked => s.collect_str(value),
        Mode::Revealed(_) => value.with_revealed(|text| s.serialize_str(text)),
        Mode::Sealed => {
            let (Some(vault), Some(key_scope)) = (frame.vault(), frame.scope()) else {
                return Err(fail(Some(&frame), unplaced(Some(&frame), T::CATEGORY)));
            };
            let sealed =
                value.with_canonical(|plain| vault.seal_raw(key_scope, T::CATEGORY, label, plain));
            match sealed {
                Ok(bytes) => write_envelope(&bytes, s),
                Err(err) => Err(fail(Some(&frame), err)),
            }
        }
    }
}

fn write_envelope<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        s.serialize_str(&envelope::encode_text(bytes))
    } else {
        s.serialize_bytes(bytes)
    }
}

/// Serializes an [`Erasable`]: a present value as usual; an erased one as
/// its original envelope (sealed mode) or the erased marker.
pub(crate) fn serialize_erasable<T: Sealable, S: Serializer>(
    value: &Erasable<T>,
    label: FieldLabel,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Erasable::Present(value) => serialize(value, label, s),
        Erasable::Erased(erased) => match scope::current().map(|f| f.mode()) {
            None => Err(fail(None, unplaced(None, T::CATEGORY))),
            Some(Mode::Sealed) => write_envelope(erased.envelope().as_bytes(), s),
            Some(Mode::Masked | Mode::Revealed(_)) => s.serialize_str(Erased::MARKER),
        },
    }
}

/// Deserializes a PII value sealed under `label`; an erased one is the
/// error [`SealError::Shredded`].
pub(crate) fn deserialize<'de, T: Sealable, D: Deserializer<'de>>(
    label: FieldLabel,
    d: D,
) -> Result<T, D::Error> {
    require_present(deserialize_erasable::<T, D>(label, d)?)
}

/// The value where a plain one is required: an erased one is the error
/// [`SealError::Shredded`].
pub(crate) fn require_present<T: Sealable, E: de::Error>(value: Erasable<T>) -> Result<T, E> {
    match value {
        Erasable::Present(value) => Ok(value),
        Erasable::Erased(_) => Err(fail_de(
            scope::current().as_deref(),
            SealError::Shredded {
                category: T::CATEGORY,
            },
        )),
    }
}

/// Deserializes a PII value sealed under `label`, or the erased marker.
pub(crate) fn deserialize_erasable<'de, T: Sealable, D: Deserializer<'de>>(
    label: FieldLabel,
    d: D,
) -> Result<Erasable<T>, D::Error> {
    let input = <Input as serde::Deserialize>::deserialize(d)?;
    open_current(input, label)
}

/// Opens input already read, for the frame now in force (a record's
/// fields are read before its subject may be known, and opened after).
pub(crate) fn open_current<T: Sealable, E: de::Error>(
    input: Input,
    label: FieldLabel,
) -> Result<Erasable<T>, E> {
    let frame = scope::current();
    open_input::<T>(frame.as_deref(), input, label).map_err(|err| fail_de(frame.as_deref(), err))
}

fn open_input<T: Sealable>(
    frame: Option<&Frame>,
    input: Input,
    label: FieldLabel,
) -> Result<Erasable<T>, SealError> {
    let category = T::CATEGORY;
    let looks_masked = input
        .bytes()
        .windows(HIDDEN.len())
        .any(|w| w == HIDDEN.as_bytes());
    let placed = frame.and_then(|frame| frame.vault().zip(frame.scope()).map(|p| (frame, p)));
    let Some((frame, (vault, key_scope))) = placed else {
        return Err(if looks_masked {
            SealError::Masked { category }
        } else {
            unplaced(frame, category)
        });
    };
    let revealed = matches!(frame.mode(), Mode::Revealed(_));
    let bytes = match input {
        Input::Text(text) if text.starts_with(TEXT_PREFIX) => envelope::decode_text(&text)
            .map_err(|fault| SealError::Malformed { category, fault })?,
        Input::Text(_) if looks_masked => return Err(SealError::Masked { category }),
        Input::Text(text) if revealed => return Ok(Erasable::Present(T::from_revealed(&text)?)),
        Input::Text(_) => return Err(SealError::NotSealed { category }),
        Input::Bytes(bytes) => match envelope::check(&bytes) {
            Ok(()) => bytes.to_vec(),
            Err(_) if looks_masked => return Err(SealError::Masked { category }),
            Err(_) if revealed => {
                let text =
                    core::str::from_utf8(&bytes).map_err(|_| SealError::NotSealed { category })?;
                return Ok(Erasable::Present(T::from_revealed(text)?));
            }
            Err(fault) => return Err(SealError::Malformed { category, fault }),
        },
    };
    match vault.open_raw(&bytes, key_scope, category, label)? {
        RawOpened::Plain(plain) => Ok(Erasable::Present(T::from_opened(plain)?)),
        RawOpened::Shredded => Ok(Erasable::Erased(Erased::new(Envelope::from_checked(bytes)))),
    }
}

/// What a deserializer handed over, before classification. Zeroized on
/// drop: in a revealed scope it may be plaintext.
pub(crate) enum Input {
    Text(Zeroizing<String>),
    Bytes(Zeroizing<Vec<u8>>),
}

impl<'de> serde::Deserialize<'de> for Input {
    /// Envelopes are text in human-readable formats, bytes in binary ones.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(InputVisitor)
        } else {
            d.deserialize_bytes(InputVisitor)
        }
    }
}

impl Input {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Text(text) => text.as_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }
}

struct InputVisitor;

impl<'de> Visitor<'de> for InputVisitor {
    type Value = Input;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sealed value (cst1: text or envelope bytes)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Input, E> {
        Ok(Input::Text(Zeroizing::new(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Input, E> {
        Ok(Input::Text(Zeroizing::new(v)))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Input, E> {
        Ok(Input::Bytes(Zeroizing::new(v.to_vec())))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Input, E> {
        Ok(Input::Bytes(Zeroizing::new(v)))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Input, A::Error> {
        // Some binary formats (and JSON arrays) hand bytes over as a
        // sequence; bound it by the largest envelope.
        let mut bytes = Zeroizing::new(Vec::new());
        while let Some(byte) = seq.next_element::<u8>()? {
            if bytes.len() > envelope::OVERHEAD + envelope::MAX_PLAINTEXT {
                return Err(de::Error::custom(EnvelopeFault::TooLong));
            }
            bytes.push(byte);
        }
        Ok(Input::Bytes(bytes))
    }
}

/// A value type that can be (de)serialized under an explicit label: every
/// PII kind, `Option` of one, and [`Erasable`] of one. Used by the modules
/// [`field_label!`](crate::field_label) generates.
pub trait LabeledField: Sized {
    /// Serializes under `label`.
    ///
    /// # Errors
    ///
    /// As the kind's `Serialize`.
    fn serialize_labeled<S: Serializer>(&self, label: FieldLabel, s: S) -> Result<S::Ok, S::Error>;

    /// Deserializes under `label`.
    ///
    /// # Errors
    ///
    /// As the kind's `Deserialize`.
    fn deserialize_labeled<'de, D: Deserializer<'de>>(
        label: FieldLabel,
        d: D,
    ) -> Result<Self, D::Error>;
}

impl<T: Sealable> LabeledField for T {
    fn serialize_labeled<S: Serializer>(&self, label: FieldLabel, s: S) -> Result<S::Ok, S::Error> {
        serialize(self, label, s)
    }

    fn deserialize_labeled<'de, D: Deserializer<'de>>(
        label: FieldLabel,
        d: D,
    ) -> Result<Self, D::Error> {
        deserialize(label, d)
    }
}

impl<T: Sealable> LabeledField for Erasable<T> {
    fn serialize_labeled<S: Serializer>(&self, label: FieldLabel, s: S) -> Result<S::Ok, S::Error> {
        serialize_erasable(self, label, s)
    }

    fn deserialize_labeled<'de, D: Deserializer<'de>>(
        label: FieldLabel,
        d: D,
    ) -> Result<Self, D::Error> {
        deserialize_erasable(label, d)
    }
}

impl<F: LabeledField> LabeledField for Option<F> {
    fn serialize_labeled<S: Serializer>(&self, label: FieldLabel, s: S) -> Result<S::Ok, S::Error> {
        match self {
            None => s.serialize_none(),
            Some(value) => s.serialize_some(&Labeled(value, label)),
        }
    }

    fn deserialize_labeled<'de, D: Deserializer<'de>>(
        label: FieldLabel,
        d: D,
    ) -> Result<Self, D::Error> {
        d.deserialize_option(OptionVisitor(label, PhantomData))
    }
}

impl<F: LabeledField> LabeledField for Vec<F> {
    fn serialize_labeled<S: Serializer>(&self, label: FieldLabel, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|value| Labeled(value, label)))
    }

    fn deserialize_labeled<'de, D: Deserializer<'de>>(
        label: FieldLabel,
        d: D,
    ) -> Result<Self, D::Error> {
        d.deserialize_seq(VecVisitor(label, PhantomData))
    }
}

/// Serializes a borrowed field under a label (for `serialize_some`, the
/// elements of a `Vec`, and the fields of a derived record).
pub(crate) struct Labeled<'a, F>(pub(crate) &'a F, pub(crate) FieldLabel);

impl<F: LabeledField> serde::Serialize for Labeled<'_, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_labeled(self.1, s)
    }
}

struct OptionVisitor<F>(FieldLabel, PhantomData<F>);

impl<'de, F: LabeledField> Visitor<'de> for OptionVisitor<F> {
    type Value = Option<F>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional sealed value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        F::deserialize_labeled(self.0, d).map(Some)
    }
}

struct VecVisitor<F>(FieldLabel, PhantomData<F>);

impl<'de, F: LabeledField> Visitor<'de> for VecVisitor<F> {
    type Value = Vec<F>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of sealed values")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // The size hint comes from the input: cap what is reserved up front.
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(value) = seq.next_element_seed(LabeledSeed(self.0, PhantomData))? {
            values.push(value);
        }
        Ok(values)
    }
}

/// Deserializes one labeled field (an element of a `Vec`).
struct LabeledSeed<F>(FieldLabel, PhantomData<F>);

impl<'de, F: LabeledField> de::DeserializeSeed<'de> for LabeledSeed<F> {
    type Value = F;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<F, D::Error> {
        F::deserialize_labeled(self.0, d)
    }
}

impl<T: Sealable> serde::Serialize for Erasable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_erasable(self, T::DEFAULT_LABEL, s)
    }
}

impl<'de, T: Sealable> serde::Deserialize<'de> for Erasable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_erasable(T::DEFAULT_LABEL, d)
    }
}
