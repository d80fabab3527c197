//! Subkeys derived below a data key with HKDF-SHA256 (RFC 5869).
//!
//! The data key itself never encrypts. Every use gets its own 32-byte key:
//!
//! ```text
//! salt      = SHA-256("custodian hkdf salt v1")
//!           = acbee4098c0c1a2e786637eb0bf4b4ef49f53d265c44c7ac97981e0408ef95fc
//! PRK       = HKDF-Extract(salt, IKM = data key)
//! field key = HKDF-Expand(PRK, "custodian/v1/field-key" ‖ 0x00
//!                              ‖ envelope bytes 0..25 ‖ u16 BE len ‖ field label
//!                              ‖ u16 BE len ‖ binding, 32)
//! index key = HKDF-Expand(PRK, "custodian/v1/bidx" ‖ 0x00 ‖ category (u16 BE)
//!                              ‖ u16 BE len ‖ index name ‖ index version (u32 BE), 32)
//! pseudonym = HKDF-Expand(PRK, "custodian/v1/pseudonym" ‖ 0x00
//!                              ‖ u16 BE len ‖ purpose, 32)
//! ```
//!
//! Envelope bytes 0..25 are the header of every value the field key seals
//! up to the nonce: format version, algorithm, flags, category, key id and
//! key version. The binding is the subject id or the shared key's name,
//! UTF-8. This is the envelope's whole authenticated context: see
//! [`envelope`](super::envelope#authentication-the-context-is-bound-through-the-key)
//! for why it is bound through the key rather than as GCM associated data.
//!
//! The salt is a fixed public constant, not per message: a per-message salt
//! would put an HKDF and an AES key schedule on every seal. Field keys are
//! derived once per (data key version, category, label) and cached by the
//! vault together with their AES key schedule, so HKDF is off the hot path.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::envelope::HeaderPrefix;

/// SHA-256 of `"custodian hkdf salt v1"` (checked by a unit test).
pub const SALT: [u8; 32] = [
    0xac, 0xbe, 0xe4, 0x09, 0x8c, 0x0c, 0x1a, 0x2e, 0x78, 0x66, 0x37, 0xeb, 0x0b, 0xf4, 0xb4, 0xef,
    0x49, 0xf5, 0x3d, 0x26, 0x5c, 0x44, 0xc7, 0xac, 0x97, 0x98, 0x1e, 0x04, 0x08, 0xef, 0x95, 0xfc,
];

const FIELD_INFO: &[u8] = b"custodian/v1/field-key\0";
const INDEX_INFO: &[u8] = b"custodian/v1/bidx\0";
const PSEUDONYM_INFO: &[u8] = b"custodian/v1/pseudonym\0";

fn expand(data_key: &[u8; 32], info: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let hkdf = Hkdf::<Sha256>::new(Some(&SALT), data_key);
    let mut okm = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's limit of 255 × 32, so expand
    // cannot fail.
    #[allow(clippy::expect_used, reason = "32-byte output is within HKDF limits")]
    hkdf.expand_multi_info(info, okm.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    okm
}

/// The key that seals one field of one scope under a data key: `prefix`
/// is the envelope header up to the nonce; `label` and `binding` are at
/// most 255 bytes.
pub(crate) fn field_key(
    data_key: &[u8; 32],
    prefix: &HeaderPrefix,
    label: &str,
    binding: &str,
) -> Zeroizing<[u8; 32]> {
    expand(
        data_key,
        &[
            FIELD_INFO,
            prefix,
            &(label.len() as u16).to_be_bytes(),
            label.as_bytes(),
            &(binding.len() as u16).to_be_bytes(),
            binding.as_bytes(),
        ],
    )
}

/// The key of one blind index version. `name` is at most 255 bytes.
pub(crate) fn index_key(
    data_key: &[u8; 32],
    category: u16,
    name: &str,
    version: u32,
) -> Zeroizing<[u8; 32]> {
    let len = (name.len() as u16).to_be_bytes();
    expand(
        data_key,
        &[
            INDEX_INFO,
            &category.to_be_bytes(),
            &len,
            name.as_bytes(),
            &version.to_be_bytes(),
        ],
    )
}

/// The pseudonym key for one purpose. `purpose` is at most 255 bytes.
pub(crate) fn pseudonym_key(data_key: &[u8; 32], purpose: &str) -> Zeroizing<[u8; 32]> {
    let len = (purpose.len() as u16).to_be_bytes();
    expand(data_key, &[PSEUDONYM_INFO, &len, purpose.as_bytes()])
}

#[cfg(test)]
mod tests {
    use sha2::Digest;

    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn salt_is_the_documented_hash() {
        assert_eq!(Sha256::digest(b"custodian hkdf salt v1").as_slice(), SALT);
    }

    /// RFC 5869 appendix A.1–A.3 (the SHA-256 cases), through the same
    /// crate and call the vault uses.
    #[test]
    fn hkdf_matches_rfc_5869_test_cases() {
        let cases = [
            (
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "000102030405060708090a0b0c",
                "f0f1f2f3f4f5f6f7f8f9",
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
            ),
            (
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
                "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
            ),
            (
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "",
                "",
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
            ),
        ];
        for (ikm, salt, info, okm) in cases {
            let (ikm, salt, info, okm) = (hex(ikm), hex(salt), hex(info), hex(okm));
            let hkdf = Hkdf::<Sha256>::new(Some(&salt), &ikm);
            let mut out = vec![0u8; okm.len()];
            hkdf.expand_multi_info(&[&info], &mut out).expect("length");
            assert_eq!(out, okm);
        }
    }

    #[test]
    fn every_input_separates_the_keys() {
        let dek = [5u8; 32];
        let id = super::super::KeyId::from_bytes([9; 16]);
        let prefix = |subject, category, id, version| {
            super::super::envelope::header_prefix(subject, category, id, version)
        };
        let base = field_key(&dek, &prefix(true, 1, &id, 1), "email", "ada");
        let other_id = super::super::KeyId::from_bytes([8; 16]);
        for (key, what) in [
            (
                field_key(&[6u8; 32], &prefix(true, 1, &id, 1), "email", "ada"),
                "data key",
            ),
            (
                field_key(&dek, &prefix(false, 1, &id, 1), "email", "ada"),
                "flags",
            ),
            (
                field_key(&dek, &prefix(true, 2, &id, 1), "email", "ada"),
                "category",
            ),
            (
                field_key(&dek, &prefix(true, 1, &other_id, 1), "email", "ada"),
                "key id",
            ),
            (
                field_key(&dek, &prefix(true, 1, &id, 2), "email", "ada"),
                "key version",
            ),
            (
                field_key(&dek, &prefix(true, 1, &id, 1), "email2", "ada"),
                "label",
            ),
            (
                field_key(&dek, &prefix(true, 1, &id, 1), "email", "grace"),
                "binding",
            ),
            // Length prefixes keep label and binding apart.
            (
                field_key(&dek, &prefix(true, 1, &id, 1), "emaila", "da"),
                "boundary",
            ),
        ] {
            assert_ne!(*base, *key, "{what}");
        }
        assert_ne!(
            *index_key(&dek, 1, "email", 1),
            *index_key(&dek, 1, "email", 2)
        );
        assert_ne!(
            *pseudonym_key(&dek, "audit"),
            *pseudonym_key(&dek, "redact")
        );
    }
}
