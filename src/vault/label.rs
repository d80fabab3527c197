//! Field labels: the stable name a value is sealed under.

use core::fmt;

/// The stable name of a field, bound into the field key (its HKDF info) of
/// every value sealed for it.
///
/// A value sealed under one label does not open under another, so a
/// ciphertext copied from `customer.billing_email` into
/// `customer.login_email` fails. Labels are chosen explicitly and never
/// derived from Rust identifiers: renaming a struct field must not make its
/// stored values unreadable. Once values are stored, a label must never
/// change.
///
/// Without an explicit label a value is sealed under its kind's name
/// (`email`, `phone`, ...; see [`Sealable::DEFAULT_LABEL`](crate::seal::Sealable::DEFAULT_LABEL)):
/// then two fields of the same kind and category in one record are
/// interchangeable. Give each such field its own label with
/// [`field_label!`](crate::field_label).
///
/// Labels are 1 to 255 bytes of printable ASCII (`!` to `~`).
///
/// ```
/// use custodian::vault::FieldLabel;
///
/// const BILLING_EMAIL: FieldLabel = FieldLabel::new("customer.billing_email");
/// assert_eq!(BILLING_EMAIL.as_str(), "customer.billing_email");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldLabel(&'static str);

impl FieldLabel {
    /// A label. Meant for `const` items, where a bad label fails the build.
    ///
    /// # Panics
    ///
    /// Panics if `label` is empty, longer than 255 bytes, or holds anything
    /// but printable ASCII. In a `const` item this is a compile error.
    pub const fn new(label: &'static str) -> Self {
        let bytes = label.as_bytes();
        assert!(
            !bytes.is_empty() && bytes.len() <= 255,
            "field labels are 1 to 255 bytes"
        );
        let mut i = 0;
        while i < bytes.len() {
            assert!(
                bytes[i] > b' ' && bytes[i] <= b'~',
                "field labels are printable ASCII"
            );
            i += 1;
        }
        Self(label)
    }

    /// The label text.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for FieldLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FieldLabel").field(&self.0).finish()
    }
}

impl fmt::Display for FieldLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "printable ASCII")]
    fn rejects_spaces() {
        let _ = FieldLabel::new("a b");
    }

    #[test]
    #[should_panic(expected = "1 to 255")]
    fn rejects_empty() {
        let _ = FieldLabel::new("");
    }
}
