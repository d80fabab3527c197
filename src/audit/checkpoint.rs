//! Signed checkpoints; the format is documented on [`SignedCheckpoint`].

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::CheckpointError;
use super::merkle::Hash;
use crate::time::Timestamp;

/// The C2SP signed-note signature type byte for Ed25519.
const ED25519_TYPE: u8 = 0x01;

/// The longest note this crate parses, in bytes.
pub const MAX_NOTE_LEN: usize = 64 * 1024;

/// The most signature lines this crate parses in one note (the spec asks
/// for at least 16).
pub const MAX_SIGNATURES: usize = 64;

/// The longest key name (origin) accepted, in bytes.
pub const MAX_KEY_NAME_LEN: usize = 255;

const EM_DASH_PREFIX: &str = "\u{2014} ";

/// A log's tree head at one moment: origin, size, root and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    time: Timestamp,
}

impl Checkpoint {
    /// The log's name.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of entries covered.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root hash of the first [`size`](Checkpoint::size)
    /// entries.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// When the log signed it.
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// The note text (the signed bytes).
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            self.root.to_base64(),
            self.time
        )
    }

    /// Parses a note text, refusing anything that is not the canonical
    /// form [`Checkpoint::body`] writes.
    fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let malformed = |what| CheckpointError::Malformed { what };
        let mut lines = text
            .strip_suffix('\n')
            .ok_or(malformed("note"))?
            .split('\n');
        let mut next = |what| lines.next().ok_or(malformed(what));
        let origin = next("origin")?;
        check_key_name(origin).map_err(|_| malformed("origin"))?;
        let size = parse_decimal(next("tree size")?).ok_or(malformed("tree size"))?;
        let root = Hash::from_base64(next("root hash")?).map_err(|_| malformed("root hash"))?;
        let time = next("time")?
            .strip_prefix("time ")
            .and_then(|t| Timestamp::parse_canonical(t).ok())
            .ok_or(malformed("time"))?;
        if lines.next().is_some() {
            return Err(malformed("extension lines"));
        }
        let checkpoint = Self {
            origin: origin.to_owned(),
            size,
            root,
            time,
        };
        debug_assert_eq!(checkpoint.body(), text);
        Ok(checkpoint)
    }
}

/// Canonical ASCII decimal: no sign, no leading zeros, fits in u64.
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// C2SP signed-note key names: non-empty, no Unicode spaces, no `+`; we
/// also refuse control characters and names over 255 bytes.
fn check_key_name(name: &str) -> Result<(), CheckpointError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_KEY_NAME_LEN
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(CheckpointError::InvalidKeyName)
    }
}

/// `SHA-256(name || 0x0A || 0x01 || public key)[:4]`, big-endian.
fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519_TYPE]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The log's signing key, with its name.
///
/// `Debug` shows the name and key id only; the secret is zeroized on drop.
///
/// # Threads
///
/// A signer is `Send + Sync` and [`sign`](CheckpointSigner::sign) takes
/// `&self`, so threads can share one behind an [`Arc`](std::sync::Arc):
/// that keeps a single copy of the secret in memory. `Clone` makes an
/// independent copy instead (for a [`FileLog`](super::FileLog), which owns
/// its signer, and a witness-facing service that signs too); every copy is
/// zeroized when dropped. Ed25519 signatures are deterministic, so copies
/// sign the same tree head identically.
///
/// ```
/// use std::sync::Arc;
///
/// use custodian::audit::{CheckpointSigner, merkle};
/// use custodian::time::Timestamp;
///
/// let signer = Arc::new(CheckpointSigner::from_secret_bytes("shop.example/audit", [1; 32])?);
/// let threads: Vec<_> = (0..4u64)
///     .map(|size| {
///         let signer = Arc::clone(&signer);
///         std::thread::spawn(move || signer.sign(size, merkle::empty_root(), Timestamp::EPOCH))
///     })
///     .collect();
/// for thread in threads {
///     let signed = thread.join().expect("signing does not panic");
///     signed.verify(&signer.verifier())?;
/// }
/// # Ok::<(), custodian::audit::CheckpointError>(())
/// ```
#[derive(Clone)]
pub struct CheckpointSigner {
    name: String,
    key: SigningKey,
    key_id: u32,
}

impl CheckpointSigner {
    /// A new key from the OS random number generator.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKeyName`] for a name the note format does
    /// not allow; [`CheckpointError::Randomness`] if the OS generator fails.
    pub fn generate(name: &str) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        let mut seed = Zeroizing::new([0u8; 32]);
        crate::ids::fill_random(seed.as_mut_slice())?;
        Self::from_secret_bytes(name, *seed)
    }

    /// Whether `name` is a valid key name (origin).
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKeyName`] if it is empty, longer than
    /// [`MAX_KEY_NAME_LEN`] bytes, or contains spaces, `+` or control
    /// characters.
    pub fn check_name(name: &str) -> Result<(), CheckpointError> {
        check_key_name(name)
    }

    /// A signer from a stored 32-byte Ed25519 secret key (seed).
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKeyName`] for a name the note format does
    /// not allow.
    ///
    /// # Security
    ///
    /// The caller's copy of `secret` is the caller's to zeroize. Keep the
    /// key away from the log directory: whoever holds it can sign a
    /// rewritten history (which external witnesses then catch).
    pub fn from_secret_bytes(name: &str, secret: [u8; 32]) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        let secret = Zeroizing::new(secret);
        let key = SigningKey::from_bytes(&secret);
        let key_id = key_id(name, &key.verifying_key());
        Ok(Self {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    /// The 32-byte secret key, for the host's secret store.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The key's name, which is also the log's origin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public half, for auditors.
    pub fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
            key_id: self.key_id,
        }
    }

    /// Signs the tree head `(size, root)` at `time`.
    pub fn sign(&self, size: u64, root: Hash, time: Timestamp) -> SignedCheckpoint {
        let checkpoint = Checkpoint {
            origin: self.name.clone(),
            size,
            root,
            time,
        };
        let body = checkpoint.body();
        let signature = self.key.sign(body.as_bytes());
        let mut blob = Vec::with_capacity(4 + 64);
        blob.extend_from_slice(&self.key_id.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        let note = format!(
            "{body}\n{EM_DASH_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        );
        SignedCheckpoint { checkpoint, note }
    }
}

impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// A log's public key and name: all an auditor needs to check checkpoints.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    key: VerifyingKey,
    key_id: u32,
}

impl CheckpointVerifier {
    /// A verifier from a name and a 32-byte Ed25519 public key.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKeyName`] for a bad name;
    /// [`CheckpointError::Malformed`] (`public key`) if the bytes are not a
    /// valid Ed25519 point.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(&public_key)
            .map_err(|_| CheckpointError::Malformed { what: "public key" })?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, &key),
            key,
        })
    }

    /// Parses the verifier-key form `<name>+<key id hex>+<base64(0x01 ||
    /// public key)>`.
    ///
    /// The form is split at its first two `+` only, as Go's
    /// `golang.org/x/mod/sumdb/note` does: standard base64 uses `+` and
    /// `/`, so about half of all keys have a `+` in their last field. The
    /// key id is 8 lower-case hex digits (as written by
    /// [`to_vkey`](CheckpointVerifier::to_vkey) and by Go), and the base64
    /// must be canonical (padded, no stray bits).
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Malformed`] (`verifier key`) if the form, the
    /// algorithm byte or the key id is wrong;
    /// [`CheckpointError::InvalidKeyName`] for a bad name.
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        let malformed = CheckpointError::Malformed {
            what: "verifier key",
        };
        // Names cannot hold `+` and key ids are hex, so the first two `+`
        // end those fields; the base64 key after them may hold `+` itself.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed);
        };
        let id_ok = id.len() == 8 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let id = if id_ok {
            u32::from_str_radix(id, 16).map_err(|_| malformed)?
        } else {
            return Err(malformed);
        };
        let bytes = BASE64.decode(key).map_err(|_| malformed)?;
        let [ED25519_TYPE, rest @ ..] = bytes.as_slice() else {
            return Err(malformed);
        };
        let public: [u8; 32] = rest.try_into().map_err(|_| malformed)?;
        let verifier = Self::new(name, public)?;
        if verifier.key_id != id || BASE64.encode(&bytes) != key {
            return Err(malformed);
        }
        Ok(verifier)
    }

    /// The verifier-key form (see [`CheckpointVerifier::from_vkey`]).
    pub fn to_vkey(&self) -> String {
        let mut bytes = vec![ED25519_TYPE];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(bytes))
    }

    /// The key name (the log's origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The 4-byte key id used in signature lines.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Checks a note's signatures: the trusted key's must be present and
    /// verify; others are ignored.
    fn verify_note(&self, text: &str, signatures: &[(&str, &[u8])]) -> Result<(), CheckpointError> {
        let mut found = false;
        for &(name, blob) in signatures {
            let (id, sig) = blob.split_at(4);
            if name != self.name || u32::from_be_bytes([id[0], id[1], id[2], id[3]]) != self.key_id
            {
                continue;
            }
            let sig = Signature::from_slice(sig).map_err(|_| CheckpointError::BadSignature)?;
            self.key
                .verify_strict(text.as_bytes(), &sig)
                .map_err(|_| CheckpointError::BadSignature)?;
            found = true;
        }
        if found {
            Ok(())
        } else {
            Err(CheckpointError::NotSigned)
        }
    }
}

impl fmt::Debug for CheckpointVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CheckpointVerifier")
            .field(&self.to_vkey())
            .finish()
    }
}

/// A signed checkpoint: the log's commitment to its size and root hash,
/// with the signed-note text it travels in.
///
/// Only two ways make one: [`CheckpointSigner::sign`], and
/// [`SignedCheckpoint::parse`], which checks the signature first. Holding a
/// `SignedCheckpoint` therefore means its signature was checked against a
/// trusted key. `Display` writes the note, ready for witnesses.
///
/// # Format
///
/// A checkpoint is a [C2SP signed note](https://c2sp.org/signed-note) whose
/// text is a [C2SP tlog-checkpoint](https://c2sp.org/tlog-checkpoint) body
/// with one extension line for the time:
///
/// ```text
/// <origin>\n
/// <tree size, ASCII decimal, no leading zeros>\n
/// <root hash, standard base64 with padding>\n
/// time <Timestamp, YYYY-MM-DDTHH:MM:SS.sssZ>\n
/// \n
/// — <key name> <base64(key id (4 bytes, big-endian) || Ed25519 signature (64 bytes))>\n
/// ```
///
/// - The signature is Ed25519 (RFC 8032) over the note text: the four body
///   lines including the final newline, not the blank line.
/// - The key id is the first four bytes of
///   `SHA-256(key name || 0x0A || 0x01 || 32-byte public key)`.
/// - The origin is the signing key's name (the spec recommends they match),
///   for example `shop.example/audit`.
/// - The note may carry further signature lines (witness cosignatures);
///   signatures from keys the verifier does not know are ignored, as the
///   spec requires. If a signature from the trusted key (same name and key
///   id) is present it must verify; if none is present the note is refused.
///
/// Verifiers exchange public keys in the verifier-key form of Go's
/// `golang.org/x/mod/sumdb/note` (used by witness configurations):
/// `<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>`.
///
/// So a checkpoint can be checked with SHA-256, base64 and Ed25519 alone, and
/// exported as is to external witnesses that speak the C2SP protocols
/// (their cosignatures time-stamp the origin, size and root lines; our own
/// signature covers the `time` line too).
///
/// # Examples
///
/// ```
/// use custodian::audit::merkle;
/// use custodian::audit::{CheckpointSigner, SignedCheckpoint};
/// use custodian::time::Timestamp;
///
/// let signer = CheckpointSigner::from_secret_bytes("shop.example/audit", [1; 32])?;
/// let time = Timestamp::parse("2025-01-02T03:04:05.678Z").unwrap();
/// let signed = signer.sign(1, merkle::leaf_hash(b"first entry"), time);
/// assert!(signed.note().starts_with("shop.example/audit\n1\n"));
///
/// let verifier = signer.verifier();
/// let vkey = verifier.to_vkey(); // what an auditor keeps
/// let auditor = custodian::audit::CheckpointVerifier::from_vkey(&vkey)?;
/// let checked = SignedCheckpoint::parse(signed.note(), &auditor)?;
/// assert_eq!(checked.checkpoint().size(), 1);
/// assert_eq!(checked.checkpoint().time(), time);
/// # Ok::<(), custodian::audit::CheckpointError>(())
/// ```
///
/// # References
///
/// C2SP signed-note, tlog-checkpoint; RFC 8032; RFC 6962 §2.1.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: String,
}

impl SignedCheckpoint {
    /// Parses a signed note and verifies it against `verifier`.
    ///
    /// The text is hostile input: it is size-limited, must be valid note
    /// syntax (UTF-8, no control characters but newline, signature lines
    /// `— <name> <base64>`), and its body must be the canonical checkpoint
    /// form, byte for byte.
    ///
    /// # Errors
    ///
    /// - [`CheckpointError::Malformed`] for any syntax problem;
    /// - [`CheckpointError::NotSigned`] if no signature is from `verifier`'s
    ///   key;
    /// - [`CheckpointError::BadSignature`] if that signature does not
    ///   verify;
    /// - [`CheckpointError::Malformed`] (`origin`) if the origin is not the
    ///   key name.
    pub fn parse(note: &str, verifier: &CheckpointVerifier) -> Result<Self, CheckpointError> {
        let (text, signatures) = split_note(note)?;
        let refs: Vec<(&str, &[u8])> = signatures.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        verifier.verify_note(text, &refs)?;
        let checkpoint = Checkpoint::parse_body(text)?;
        if checkpoint.origin != verifier.name {
            return Err(CheckpointError::Malformed { what: "origin" });
        }
        Ok(Self {
            checkpoint,
            note: note.to_owned(),
        })
    }

    /// Checks this checkpoint's signature again, against another trusted
    /// key.
    ///
    /// # Errors
    ///
    /// As [`SignedCheckpoint::parse`].
    pub fn verify(&self, verifier: &CheckpointVerifier) -> Result<(), CheckpointError> {
        Self::parse(&self.note, verifier).map(drop)
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The whole signed note, as it is exported to witnesses.
    pub fn note(&self) -> &str {
        &self.note
    }
}

impl fmt::Display for SignedCheckpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.note)
    }
}

impl fmt::Debug for SignedCheckpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedCheckpoint")
            .field("checkpoint", &self.checkpoint)
            .finish_non_exhaustive()
    }
}

/// Two checkpoints of one log, both signed, committing to different trees
/// of the same size: the log showed two histories (a split view). Exposing
/// this is what a transparency log is for, so it is never reported as a
/// mere mismatch.
///
/// Both checkpoints are kept as evidence. Their notes and the log's
/// verifier key convince anyone: each signature verifies, and an
/// append-only log has exactly one root per size.
///
/// # Examples
///
/// ```
/// use custodian::audit::{CheckpointSigner, Equivocation, merkle};
/// use custodian::time::Timestamp;
///
/// let signer = CheckpointSigner::from_secret_bytes("shop.example/audit", [1; 32])?;
/// let honest = signer.sign(1, merkle::leaf_hash(b"entry"), Timestamp::EPOCH);
/// let forked = signer.sign(1, merkle::leaf_hash(b"other entry"), Timestamp::EPOCH);
///
/// let evidence = Equivocation::between(&honest, &forked).expect("same size, two roots");
/// assert_eq!(evidence.size(), 1);
/// assert_eq!(evidence.first(), &honest);
/// assert!(Equivocation::between(&honest, &honest).is_none());
/// # Ok::<(), custodian::audit::CheckpointError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "equivocation: the log signed two different trees of size {}",
    pair[0].checkpoint.size
)]
pub struct Equivocation {
    // Boxed: two notes would make every `Result` carrying this large.
    pair: Box<[SignedCheckpoint; 2]>,
}

impl Equivocation {
    /// The equivocation between `first` and `second`, if they are one:
    /// the same origin, the same size, different roots.
    ///
    /// Both were checked against a key the caller trusts for that origin
    /// when they were parsed (that is what a [`SignedCheckpoint`] is).
    pub fn between(first: &SignedCheckpoint, second: &SignedCheckpoint) -> Option<Self> {
        let (a, b) = (&first.checkpoint, &second.checkpoint);
        let equivocates = a.origin == b.origin && a.size == b.size && a.root != b.root;
        equivocates.then(|| Self {
            pair: Box::new([first.clone(), second.clone()]),
        })
    }

    /// The first checkpoint.
    pub fn first(&self) -> &SignedCheckpoint {
        &self.pair[0]
    }

    /// The second checkpoint: same origin and size, another root.
    pub fn second(&self) -> &SignedCheckpoint {
        &self.pair[1]
    }

    /// The tree size both checkpoints claim.
    pub fn size(&self) -> u64 {
        self.pair[0].checkpoint.size
    }
}

/// (key name, key id || signature) of one signature line.
type SignatureLine<'a> = (&'a str, Vec<u8>);

/// Splits a signed note into its text and its signature lines, checking
/// the C2SP signed-note syntax.
fn split_note(note: &str) -> Result<(&str, Vec<SignatureLine<'_>>), CheckpointError> {
    let malformed = |what| CheckpointError::Malformed { what };
    if note.len() > MAX_NOTE_LEN || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(malformed("note"));
    }
    // The text ends at the last blank line; what follows is signatures.
    let split = note.rfind("\n\n").ok_or(malformed("note"))?;
    let (text, rest) = (&note[..=split], &note[split + 2..]);
    let lines = rest.strip_suffix('\n').ok_or(malformed("note"))?;
    let mut signatures = Vec::new();
    for line in lines.split('\n') {
        if signatures.len() == MAX_SIGNATURES {
            return Err(malformed("note"));
        }
        let rest = line
            .strip_prefix(EM_DASH_PREFIX)
            .ok_or(malformed("signature line"))?;
        let (name, b64) = rest.split_once(' ').ok_or(malformed("signature line"))?;
        check_key_name(name).map_err(|_| malformed("signature line"))?;
        let blob = BASE64
            .decode(b64)
            .map_err(|_| malformed("signature line"))?;
        if blob.len() < 5 || BASE64.encode(&blob) != b64 {
            return Err(malformed("signature line"));
        }
        signatures.push((name, blob));
    }
    if text.len() < 2 {
        return Err(malformed("note"));
    }
    Ok((text, signatures))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::merkle;

    fn signer() -> CheckpointSigner {
        CheckpointSigner::from_secret_bytes("example.com/log", [7; 32]).unwrap()
    }

    fn signed() -> SignedCheckpoint {
        let t = Timestamp::from_unix_millis(1_700_000_000_000).unwrap();
        signer().sign(5, merkle::leaf_hash(b"x"), t)
    }

    #[test]
    fn round_trip_and_shape() {
        let s = signed();
        let lines: Vec<&str> = s.note().split('\n').collect();
        assert_eq!(lines[0], "example.com/log");
        assert_eq!(lines[1], "5");
        assert_eq!(lines[3], "time 2023-11-14T22:13:20.000Z");
        assert_eq!(lines[4], "");
        assert!(lines[5].starts_with("\u{2014} example.com/log "));
        let back = SignedCheckpoint::parse(s.note(), &signer().verifier()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn vkey_round_trips_and_is_checked() {
        let v = signer().verifier();
        let vkey = v.to_vkey();
        assert_eq!(CheckpointVerifier::from_vkey(&vkey).unwrap(), v);
        let mut wrong_id = vkey.clone();
        let i = vkey.find('+').unwrap() + 1;
        wrong_id.replace_range(i..i + 1, if &vkey[i..=i] == "0" { "1" } else { "0" });
        assert!(CheckpointVerifier::from_vkey(&wrong_id).is_err());
        assert!(CheckpointVerifier::from_vkey(&format!("{vkey}+x")).is_err());
        assert!(CheckpointVerifier::from_vkey("a+b").is_err());
    }

    #[test]
    fn a_vkey_whose_base64_holds_a_plus_round_trips() {
        // Seed 8 gives a public key whose base64 has both `+` and `/`.
        let v = CheckpointSigner::from_secret_bytes("example.com/log", [8; 32])
            .unwrap()
            .verifier();
        let vkey = v.to_vkey();
        let key = vkey.splitn(3, '+').nth(2).unwrap();
        assert!(key.contains('+') && key.contains('/'), "{vkey}");
        assert_eq!(CheckpointVerifier::from_vkey(&vkey), Ok(v));
        // A `+` never ends the key field: what follows it is base64 still.
        assert!(CheckpointVerifier::from_vkey(&format!("{vkey}+")).is_err());
    }

    #[test]
    fn equivocation_needs_one_origin_one_size_two_roots() {
        let s = signer();
        let t = Timestamp::EPOCH;
        let (a, b) = (merkle::leaf_hash(b"a"), merkle::leaf_hash(b"b"));
        let other = CheckpointSigner::from_secret_bytes("example.com/other", [7; 32]).unwrap();
        assert!(Equivocation::between(&s.sign(1, a, t), &s.sign(1, b, t)).is_some());
        assert!(Equivocation::between(&s.sign(1, a, t), &s.sign(2, b, t)).is_none());
        assert!(Equivocation::between(&s.sign(1, a, t), &other.sign(1, b, t)).is_none());
        // Another time for the same tree head is not a second history.
        let later = Timestamp::from_unix_millis(1).unwrap();
        assert!(Equivocation::between(&s.sign(1, a, t), &s.sign(1, a, later)).is_none());
        let e = Equivocation::between(&s.sign(3, a, t), &s.sign(3, b, t)).unwrap();
        assert_eq!(
            e.to_string(),
            "equivocation: the log signed two different trees of size 3"
        );
        assert_eq!(
            (
                e.first().checkpoint().root(),
                e.second().checkpoint().root()
            ),
            (a, b)
        );
    }

    #[test]
    fn any_change_to_the_note_is_refused() {
        let s = signed();
        let v = signer().verifier();
        let note = s.note().as_bytes();
        for i in 0..note.len() {
            for bit in [0x01u8, 0x20, 0x80] {
                let mut bad = note.to_vec();
                bad[i] ^= bit;
                let Ok(text) = std::str::from_utf8(&bad) else {
                    continue;
                };
                assert!(
                    SignedCheckpoint::parse(text, &v).is_err(),
                    "byte {i} bit {bit:#x}"
                );
            }
        }
        assert!(SignedCheckpoint::parse(&format!("x{}", s.note()), &v).is_err());
        assert!(SignedCheckpoint::parse(&format!("{}x", s.note()), &v).is_err());
        assert!(SignedCheckpoint::parse(&s.note()[..s.note().len() - 1], &v).is_err());
    }

    #[test]
    fn other_keys_are_ignored_but_needed_key_must_sign() {
        let s = signed();
        let other = CheckpointSigner::from_secret_bytes("witness.example/w1", [9; 32]).unwrap();
        let cosig = other.sign(5, s.checkpoint().root(), s.checkpoint().time());
        let cosig_line = cosig.note().rsplit_once("\n\n").unwrap().1;
        let both = format!("{}{}", s.note(), cosig_line);
        let parsed = SignedCheckpoint::parse(&both, &signer().verifier()).unwrap();
        assert_eq!(parsed.checkpoint(), s.checkpoint());
        // Only the witness signed: the log's key is missing.
        let only_witness = format!("{}\n{}", s.checkpoint().body(), cosig_line);
        assert_eq!(
            SignedCheckpoint::parse(&only_witness, &signer().verifier()),
            Err(CheckpointError::NotSigned)
        );
        // A different key under the log's name is ignored (different id).
        let impostor = CheckpointSigner::from_secret_bytes("example.com/log", [8; 32]).unwrap();
        let forged = impostor.sign(6, s.checkpoint().root(), s.checkpoint().time());
        assert_eq!(
            SignedCheckpoint::parse(forged.note(), &signer().verifier()),
            Err(CheckpointError::NotSigned)
        );
    }

    #[test]
    fn non_canonical_bodies_are_refused() {
        let sig = signer();
        let v = sig.verifier();
        let good = signed();
        let body = good.checkpoint().body();
        for bad_body in [
            body.replacen("\n5\n", "\n05\n", 1),
            body.replacen("\n5\n", "\n+5\n", 1),
            body.replace("time ", "time  "),
            format!("{body}extra\n"),
            body.replacen("example.com/log\n", "example.com/log \n", 1),
        ] {
            let k = &sig.key;
            let s = k.sign(bad_body.as_bytes());
            let mut blob = sig.key_id.to_be_bytes().to_vec();
            blob.extend_from_slice(&s.to_bytes());
            let note = format!(
                "{bad_body}\n\u{2014} example.com/log {}\n",
                BASE64.encode(blob)
            );
            assert!(SignedCheckpoint::parse(&note, &v).is_err(), "{bad_body:?}");
        }
    }

    #[test]
    fn key_names_follow_the_spec() {
        for bad in ["", "a b", "a+b", "a\tb", &"x".repeat(256)] {
            assert!(
                CheckpointSigner::from_secret_bytes(bad, [1; 32]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn decimal_sizes_are_canonical() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "00", "01", "-1", "18446744073709551616", " 1", "1 "] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }
}
