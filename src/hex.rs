//! Lower-case hex, the one encoder and decoder of the crate: audit ids,
//! pseudonyms, hashes and evidence references, and consent event ids.
//!
//! `write!(f, "{b:02x}")` per byte goes through the formatting machinery 32
//! times per value; encoding into a stack buffer and writing once keeps
//! event encoding close to the cost of the JSON itself.

use core::fmt;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes `bytes` as lower-case hex.
pub(crate) fn write(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        for (pair, b) in buf.chunks_exact_mut(2).zip(chunk) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0x0f)];
        }
        let text = &buf[..chunk.len() * 2];
        // Only ASCII hex digits were written.
        f.write_str(core::str::from_utf8(text).map_err(|_| fmt::Error)?)?;
    }
    Ok(())
}

/// Decodes exactly `2 * N` lower-case hex digits, or `None` for any other
/// input (upper case included, so every value has one text).
pub(crate) fn decode<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *o = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// Declares a `Copy` newtype over `[u8; $len]` whose text, everywhere
/// (`Display`, `Debug`, `FromStr`, serde), is its `$digits` lower-case hex
/// digits: the audit log's ids and pseudonyms, key record ids.
macro_rules! hex_newtype {
    ($(#[$meta:meta])* $name:ident, $len:literal, $digits:literal, $what:literal) => {
        $(#[$meta])*
        #[doc = concat!("\n\nPrinted and serialized as ", $digits, " lower-case hex digits.")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; $len]);

        impl $name {
            #[doc = concat!("The value of ", $len, " bytes.")]
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            #[doc = concat!("The ", $len, " bytes.")]
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            #[doc = concat!("Parses ", $digits, " lower-case hex digits.")]
            ///
            /// # Errors
            ///
            #[doc = concat!("[`InvalidId`](crate::ids::InvalidId) (`", $what, "`) for anything else.")]
            pub fn parse(s: &str) -> Result<Self, $crate::ids::InvalidId> {
                $crate::hex::decode(s.as_bytes())
                    .map(Self)
                    .ok_or($crate::ids::InvalidId::new($what))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                $crate::hex::write(f, &self.0)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        $crate::string_form::string_form!($name, $crate::ids::InvalidId);
    };
}
pub(crate) use hex_newtype;

#[cfg(test)]
mod tests {
    struct Hex<'a>(&'a [u8]);

    impl core::fmt::Display for Hex<'_> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            super::write(f, self.0)
        }
    }

    #[test]
    fn matches_the_formatting_machinery() {
        let bytes: Vec<u8> = (0..=255).collect();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Hex(&bytes).to_string(), expected);
        assert_eq!(Hex(&[]).to_string(), "");
    }

    #[test]
    fn decodes_lower_case_only() {
        assert_eq!(super::decode::<2>(b"00ff"), Some([0, 255]));
        assert_eq!(
            Hex(&super::decode::<3>(b"0a1b2c").unwrap()).to_string(),
            "0a1b2c"
        );
        for bad in [&b"00FF"[..], b"00f", b"00fff", b"0g00", b""] {
            assert_eq!(super::decode::<2>(bad), None);
        }
    }
}
