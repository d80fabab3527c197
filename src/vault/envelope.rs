//! The envelope: the sealed form of one value.
//!
//! # Binary layout (version 1)
//!
//! All integers big-endian.
//!
//! | offset | length | field |
//! |---|---|---|
//! | 0 | 1 | version, `0x01`; any other value is rejected |
//! | 1 | 1 | algorithm, `0x01` = AES-256-GCM, 96-bit random nonce, 128-bit tag (`0x02`–`0x04` reserved, see [below](#algorithm-why-aes-256-gcm-and-why-that-is-safe-here)) |
//! | 2 | 1 | flags: bit 0 = sealed under a subject's key (else a shared key); other bits must be 0 (bit 1 is reserved for padding) |
//! | 3 | 2 | data category code ([`Category::code`](crate::pii::Category::code)) |
//! | 5 | 16 | key id: the random id of the key record, not the subject id |
//! | 21 | 4 | data key version |
//! | 25 | 12 | nonce |
//! | 37 | n | ciphertext (n = plaintext length) |
//! | 37 + n | 16 | GCM tag |
//!
//! The overhead is 53 bytes. The plaintext is the value's canonical
//! encoding (below), at most 64 KiB.
//!
//! # Plaintext encodings, default labels and categories
//!
//! Each built-in kind seals its canonical form, under its default field
//! label (the kind's name; a record field can set another with
//! `#[personal(label = "…")]`) and its data category:
//!
//! | kind | default label | category (code) | plaintext (canonical form) | example |
//! |---|---|---|---|---|
//! | [`Email`](crate::pii::Email) | `email` | contact (1) | UTF-8; local part as given, domain lower-cased | `Ada@example.com` |
//! | [`Phone`](crate::pii::Phone) | `phone` | contact (1) | E.164, ASCII | `+493012345678` |
//! | [`CardNumber`](crate::pii::CardNumber) | `card_number` | financial (4) | the digits, ASCII | `4242424242424242` |
//! | [`Iban`](crate::pii::Iban) | `iban` | financial (4) | upper case, no spaces, ASCII | `DE89370400440532013000` |
//! | [`PersonName`](crate::pii::PersonName) | `person_name` | identity (2) | UTF-8, trimmed, inner whitespace runs as one space | `José Martínez` |
//! | [`PostalAddress`](crate::pii::PostalAddress) | `postal_address` | location (3) | UTF-8 parts joined by `\n`: country code, locality, region, postal code, then each street line (empty parts stay as empty lines) | `DE\nBerlin\n\n10117\nUnter den Linden 77` |
//! | [`DateOfBirth`](crate::pii::DateOfBirth) | `date_of_birth` | identity (2) | `YYYY-MM-DD`, ASCII | `1990-12-10` |
//! | [`NationalId`](crate::pii::NationalId) | `national_id` | identity (2) | `SCHEME:CC:VALUE`, ASCII; scheme `SSN`, `ITIN`, `NINO`, `TIN`, `VAT`, `ID` or `PASSPORT`, the value normalized (digits only for US numbers) | `SSN:US:123456789` |
//! | [`IpAddress`](crate::pii::IpAddress) | `ip_address` | engagement (7) | binary: 4 bytes (IPv4) or 16 bytes (IPv6), network order | `c0 00 02 01` |
//! | [`Custom<K>`](crate::pii::Custom) | `K::NAME` | `K::CATEGORY` | UTF-8, as the kind normalizes it | — |
//!
//! Category codes: contact 1, identity 2, location 3, financial 4,
//! credential 5 (never sealed: credentials refuse to serialize),
//! transaction 6, engagement 7; host categories use `0x8000` and above
//! ([`Category::host`](crate::pii::Category::host)).
//! `tests/vectors/envelope-kinds.json` holds an envelope of every kind,
//! written by an independent implementation in Python.
//!
//! # Authentication: the context is bound through the key
//!
//! ```text
//! context   = bytes 0..25 (version, algorithm, flags, category, key id,
//!             key version) ‖ u16 len ‖ field label ‖ u16 len ‖ binding
//! field key = HKDF-SHA256 below the data key, info = "custodian/v1/field-key"
//!             ‖ 0x00 ‖ context (see subkey)
//! AES-256-GCM(key = field key, nonce = bytes 25..37, aad = empty)
//! ```
//!
//! The binding is the subject id (flag bit 0 set) or the shared key's name,
//! UTF-8. Every byte of the header, the field label and the binding are
//! authenticated: the nonce by GCM itself, everything else because it
//! selects or derives the key that must verify the tag. Changing the
//! category, key id, version or flags, or moving a value to another field
//! or person, opens under a key that did not seal it, and the tag fails
//! (besides the vault's own check that the key record belongs to the
//! expected scope, which gives a distinct error first).
//!
//! **Why not as GCM associated data.** The layout first drafted for the
//! crate passed `header ‖ label ‖ binding` as AAD. The protection is the
//! same either way (without the keys, no one can make a ciphertext verify
//! under a key that did not seal it), but AAD is paid on every seal and open — with the
//! RustCrypto backend any non-empty AAD measured about 45 ns on a 150 ns
//! 32-byte seal — while the HKDF context is paid once per field and scope
//! and cached with the key schedule. It also gives every field of every
//! subject its own AES key, the way HashiCorp Vault's derived transit keys
//! and Tink's AES-GCM-HKDF streaming AEAD bind their context.
//!
//! # Algorithm: why AES-256-GCM, and why that is safe here
//!
//! **Nonces.** Every nonce is 96 random bits from a per-thread generator
//! seeded by the operating system, reseeded in a forked child before its
//! first draw (see [`nonce`](super::nonce)). Each field of each subject has
//! its own key, so the NIST SP 800-38D §8.3 bound of 2³² random-nonce
//! encryptions applies per field key, not per data key.
//!
//! **GCM-SIV was measured and not adopted.** AES-256-GCM-SIV (RFC 8452)
//! would turn a repeated nonce into a leak of equality only. For the
//! 32-byte seal of `benches/seal.rs` it costs 2.3–3.2× AES-256-GCM in the
//! same run (it derives a fresh key schedule per nonce), well past the
//! 1.3× the crate accepts on its hottest path; fork detection removes the
//! one way the crate's own nonces could repeat. Algorithm `0x02` stays
//! reserved for it (or XAES-256-GCM); an opener would accept `0x01` and
//! the new code side by side, chosen by this byte.
//!
//! **Not key-committing.** A GCM ciphertext can be crafted to verify under
//! two different keys chosen by its author. That breaks schemes that try
//! several keys in turn or let an attacker pick keys (partitioning-oracle
//! attacks on password-derived keys). Neither happens here: the header
//! names exactly one data key version, the field key is derived from it
//! and the header by HKDF, opening never tries another key, data keys are
//! random and generated by the crate, and open compares the header with
//! the one the field key was derived for before decrypting. Letting hosts
//! import data keys, trial decryption across versions, or several
//! recipients per envelope would change that: those would need a
//! committing variant (reserved algorithm `0x04`, for instance an HKDF
//! commitment value checked in constant time, as the AWS Encryption SDK
//! does).
//!
//! To open a value with another language's libraries: unwrap the data key
//! (see [`KeyStore`](super::KeyStore#wrapping-context)), derive the field
//! key with HKDF from the context above, then
//!
//! ```text
//! plaintext = AES-256-GCM-Decrypt(key = field key, nonce = bytes 25..37,
//!                                 aad = "", ciphertext = bytes 37..len-16,
//!                                 tag = last 16 bytes)
//! ```
//!
//! # Text form
//!
//! Human-readable serde formats (JSON, TOML, YAML) get
//! `"cst1:" + base64url(bytes)` without padding; the prefix tells sealed
//! data from plaintext during migrations. Binary formats get the raw bytes.

use aes_gcm::aead::{AeadInOut, Tag};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::{Zeroize as _, Zeroizing};

use super::key_store::KeyId;
use crate::error::EnvelopeFault;

/// Envelope format version written by this crate.
pub const VERSION: u8 = 1;
/// AES-256-GCM with a 12-byte random nonce and a 16-byte tag.
pub const ALG_AES256_GCM: u8 = 1;
/// Flag bit: sealed under a subject's key.
pub const FLAG_SUBJECT: u8 = 0b0000_0001;
/// Header length in bytes.
pub const HEADER_LEN: usize = 37;
/// Tag length in bytes.
pub const TAG_LEN: usize = 16;
/// Fixed overhead over the plaintext.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;
/// Largest plaintext sealed, in bytes.
pub const MAX_PLAINTEXT: usize = 64 * 1024;
/// Prefix of the text form.
pub const TEXT_PREFIX: &str = "cst1:";

/// The nonce's offset: bytes before it are the same for every value a
/// field key seals, and enter its derivation.
pub(crate) const NONCE_AT: usize = 25;

/// A sealed value, parsed and layout-checked (not yet authenticated).
///
/// Use it to handle stored values without opening them: telling sealed
/// data from plaintext, reading which key version sealed it (for rotation
/// jobs), converting between the text and binary forms.
///
/// ```
/// use custodian::vault::Envelope;
///
/// assert!(!Envelope::is_sealed_text("ada@example.com"));
/// assert!(Envelope::from_text("cst1:AAAA").is_err()); // too short
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    bytes: Vec<u8>,
}

impl Envelope {
    /// Parses the binary form.
    ///
    /// # Errors
    ///
    /// An [`EnvelopeFault`] if the layout is wrong: too short or long, an
    /// unknown version or algorithm, reserved flags set.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeFault> {
        check(bytes)?;
        Ok(Self {
            bytes: bytes.to_vec(),
        })
    }

    /// Parses the text form (`cst1:` + base64url).
    ///
    /// # Errors
    ///
    /// [`EnvelopeFault::MissingPrefix`], [`EnvelopeFault::Encoding`], or a
    /// layout fault as for [`Envelope::from_bytes`].
    pub fn from_text(text: &str) -> Result<Self, EnvelopeFault> {
        let bytes = decode_text(text)?;
        check(&bytes)?;
        Ok(Self { bytes })
    }

    /// Whether `text` starts with the text-form prefix (a cheap test for
    /// "already sealed" during migrations; it does not validate).
    pub fn is_sealed_text(text: &str) -> bool {
        text.starts_with(TEXT_PREFIX)
    }

    /// The binary form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The text form.
    pub fn to_text(&self) -> String {
        encode_text(&self.bytes)
    }

    /// The data category code in the header.
    pub fn category_code(&self) -> u16 {
        category_code(&self.bytes)
    }

    /// The id of the key record that sealed it.
    pub fn key_id(&self) -> KeyId {
        key_id(&self.bytes)
    }

    /// The data key version that sealed it.
    pub fn key_version(&self) -> u32 {
        key_version(&self.bytes)
    }

    /// Whether it was sealed under a subject's key.
    pub fn is_subject_keyed(&self) -> bool {
        self.bytes[2] & FLAG_SUBJECT != 0
    }

    pub(crate) fn from_checked(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }
}

impl core::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Envelope")
            .field("category", &self.category_code())
            .field("key_id", &self.key_id())
            .field("key_version", &self.key_version())
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// Checks the layout of a binary envelope before anything else reads it.
pub(crate) fn check(bytes: &[u8]) -> Result<(), EnvelopeFault> {
    if bytes.len() < OVERHEAD {
        // Check the version first when present, so garbage from a future
        // format is reported as such rather than as truncation.
        return match bytes.first() {
            Some(&v) if v != VERSION => Err(EnvelopeFault::UnknownVersion(v)),
            _ => Err(EnvelopeFault::Truncated),
        };
    }
    if bytes.len() > OVERHEAD + MAX_PLAINTEXT {
        return Err(EnvelopeFault::TooLong);
    }
    if bytes[0] != VERSION {
        return Err(EnvelopeFault::UnknownVersion(bytes[0]));
    }
    if bytes[1] != ALG_AES256_GCM {
        return Err(EnvelopeFault::UnknownAlgorithm(bytes[1]));
    }
    if bytes[2] & !FLAG_SUBJECT != 0 {
        return Err(EnvelopeFault::ReservedFlags);
    }
    Ok(())
}

// The accessors below are called only on checked envelopes (at least
// OVERHEAD bytes), so the fixed-offset slices are in bounds.

pub(crate) fn category_code(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[3], bytes[4]])
}

pub(crate) fn key_id(bytes: &[u8]) -> KeyId {
    let mut id = [0u8; 16];
    id.copy_from_slice(&bytes[5..21]);
    KeyId::from_bytes(id)
}

pub(crate) fn key_version(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[21], bytes[22], bytes[23], bytes[24]])
}

pub(crate) fn is_subject_keyed(bytes: &[u8]) -> bool {
    bytes[2] & FLAG_SUBJECT != 0
}

#[allow(
    clippy::expect_used,
    reason = "the buffer is sized by base64's own formula and holds only ASCII"
)]
pub(crate) fn encode_text(bytes: &[u8]) -> String {
    // Encoded into an exact-size buffer in one call (the engine's fast
    // path; `encode_string` goes through a chunked writer).
    let encoded = base64::encoded_len(bytes.len(), false).expect("envelopes are at most 64 KiB");
    let mut out = vec![0u8; TEXT_PREFIX.len() + encoded];
    out[..TEXT_PREFIX.len()].copy_from_slice(TEXT_PREFIX.as_bytes());
    URL_SAFE_NO_PAD
        .encode_slice(bytes, &mut out[TEXT_PREFIX.len()..])
        .expect("the output has the encoded length");
    String::from_utf8(out).expect("base64url and the prefix are ASCII")
}

pub(crate) fn decode_text(text: &str) -> Result<Vec<u8>, EnvelopeFault> {
    let body = text
        .strip_prefix(TEXT_PREFIX)
        .ok_or(EnvelopeFault::MissingPrefix)?;
    if body.len() > (OVERHEAD + MAX_PLAINTEXT).div_ceil(3) * 4 {
        return Err(EnvelopeFault::TooLong);
    }
    URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| EnvelopeFault::Encoding)
}

/// Bytes `0..25` of every envelope one field key seals: all of the header
/// but the nonce.
pub(crate) type HeaderPrefix = [u8; NONCE_AT];

/// The header prefix of a field: format version, algorithm, flags,
/// category, key id and key version.
pub(crate) fn header_prefix(
    subject: bool,
    category: u16,
    key_id: &KeyId,
    key_version: u32,
) -> HeaderPrefix {
    let mut prefix = [0u8; NONCE_AT];
    prefix[0] = VERSION;
    prefix[1] = ALG_AES256_GCM;
    prefix[2] = if subject { FLAG_SUBJECT } else { 0 };
    prefix[3..5].copy_from_slice(&category.to_be_bytes());
    prefix[5..21].copy_from_slice(&key_id.to_bytes());
    prefix[21..25].copy_from_slice(&key_version.to_be_bytes());
    prefix
}

/// A field's AES-GCM instance (key schedule and GHASH key computed once)
/// and the header prefix its key was derived for; cached by the vault.
pub(crate) struct FieldKey {
    cipher: Aes256Gcm,
    prefix: HeaderPrefix,
}

impl FieldKey {
    pub(crate) fn new(cipher: Aes256Gcm, prefix: HeaderPrefix) -> Self {
        Self { cipher, prefix }
    }
}

/// Seals `plaintext` (at most [`MAX_PLAINTEXT`], checked by the caller)
/// into a new envelope: one allocation, encrypted in place.
pub(crate) fn seal(field: &FieldKey, nonce: [u8; 12], plaintext: &[u8]) -> Result<Vec<u8>, ()> {
    let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
    out.extend_from_slice(&field.prefix);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let body = &mut out[HEADER_LEN..];
    match field
        .cipher
        .encrypt_inout_detached(&Nonce::from(nonce), &[], body.into())
    {
        Ok(tag) => {
            out.extend_from_slice(&tag);
            Ok(out)
        }
        Err(_) => {
            // The body may still hold plaintext.
            out.zeroize();
            Err(())
        }
    }
}

/// Opens a checked envelope. Any failure is the same `Err(())`.
pub(crate) fn open(field: &FieldKey, envelope: &[u8]) -> Result<Zeroizing<Vec<u8>>, ()> {
    let (head, body) = envelope.split_at(HEADER_LEN);
    // The caller picked `field` by this envelope's header, so a mismatch
    // would fail the tag anyway; comparing says so without relying on how
    // the caller chose (and refuses a header of another algorithm before
    // any decryption under this one).
    if head[..NONCE_AT] != field.prefix {
        return Err(());
    }
    let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
    let tag = Tag::<Aes256Gcm>::try_from(tag).map_err(|_| ())?;
    let nonce = Nonce::try_from(&head[NONCE_AT..]).map_err(|_| ())?;
    let mut plain = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    plain.extend_from_slice(ciphertext);
    field
        .cipher
        .decrypt_inout_detached(&nonce, &[], plain.as_mut_slice().into(), &tag)
        .map_err(|_| ())?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_faults_are_typed() {
        assert_eq!(check(&[]), Err(EnvelopeFault::Truncated));
        assert_eq!(check(&[1; 52]), Err(EnvelopeFault::Truncated));
        assert_eq!(check(&[2; 10]), Err(EnvelopeFault::UnknownVersion(2)));
        let mut ok = vec![0u8; 60];
        ok[0] = 1;
        ok[1] = 1;
        assert_eq!(check(&ok), Ok(()));
        ok[1] = 3;
        assert_eq!(check(&ok), Err(EnvelopeFault::UnknownAlgorithm(3)));
        ok[1] = 1;
        ok[2] = 0b10;
        assert_eq!(check(&ok), Err(EnvelopeFault::ReservedFlags));
        assert_eq!(
            check(&vec![1u8; OVERHEAD + MAX_PLAINTEXT + 1]),
            Err(EnvelopeFault::TooLong)
        );
    }

    #[test]
    fn open_refuses_a_field_key_made_for_another_header() {
        use aes_gcm::aead::KeyInit as _;
        let id = KeyId::from_bytes([3; 16]);
        let cipher = || Aes256Gcm::new(&[7u8; 32].into());
        let email = FieldKey::new(cipher(), header_prefix(true, 1, &id, 1));
        let sealed = seal(&email, [9; 12], b"ada@example.com").expect("seal");
        assert!(open(&email, &sealed).is_ok());
        // The same AES key under another header (category, version, flags)
        // would verify the tag, since the GCM associated data is empty: the
        // header comparison is what refuses it.
        for other in [
            header_prefix(true, 2, &id, 1),
            header_prefix(true, 1, &id, 2),
            header_prefix(false, 1, &id, 1),
        ] {
            assert_eq!(open(&FieldKey::new(cipher(), other), &sealed), Err(()));
        }
    }

    #[test]
    fn text_form_needs_prefix_and_base64url() {
        assert_eq!(decode_text("cst2:AAAA"), Err(EnvelopeFault::MissingPrefix));
        assert_eq!(decode_text("cst1:AA=A"), Err(EnvelopeFault::Encoding));
        assert_eq!(decode_text("cst1:A"), Err(EnvelopeFault::Encoding));
        assert_eq!(
            decode_text(&encode_text(&[0xfb, 0xff])),
            Ok(vec![0xfb, 0xff])
        );
        assert_eq!(encode_text(&[0xfb, 0xff]), "cst1:-_8");
    }
}
