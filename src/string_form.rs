//! One string form for the crate's small value types (identifiers, keys,
//! timestamps): the same text in `Display`, `FromStr` and serde.

/// Implements `FromStr`, `Serialize` as one string and `Deserialize` for a
/// type with `fn parse(&str) -> Result<Self, $err>`. Deserializing borrows
/// the string where the format allows and goes through `parse`, so it
/// accepts exactly what `parse` accepts. The string written is
/// `self.$text()` when a method is named (no formatting machinery, for
/// types that hold their text), else the type's `Display`.
macro_rules! string_form {
    (@read $ty:ty, $err:ty) => {
        impl core::str::FromStr for $ty {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
    ($ty:ty, $err:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        $crate::string_form::string_form!(@read $ty, $err);
    };
    ($ty:ty, $err:ty, $text:ident) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.$text())
            }
        }

        $crate::string_form::string_form!(@read $ty, $err);
    };
}
pub(crate) use string_form;
