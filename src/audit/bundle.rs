//! Proofs packaged with the signed checkpoint they refer to, in the C2SP
//! text formats (documented on [`InclusionBundle`] and
//! [`ConsistencyBundle`]).

use core::fmt::Write as _;

use super::checkpoint::{
    Checkpoint, CheckpointVerifier, MAX_NOTE_LEN, SignedCheckpoint, parse_decimal,
};
use super::error::{CheckpointError, ProofError};
use super::merkle::{self, ConsistencyProof, Hash, InclusionProof};

const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";
const MAX_CONSISTENCY_LINES: usize = 63;

/// An inclusion proof with the checkpoint it leads to, checkable offline
/// with SHA-256, base64 and Ed25519 alone.
///
/// # Format: `c2sp.org/tlog-proof@v1`
///
/// ```text
/// c2sp.org/tlog-proof@v1\n
/// [extra <base64>\n]              optional, never written, ignored on read
/// index <leaf index, decimal>\n
/// <proof hash, base64>\n          zero or more, leaf's sibling first
/// \n
/// <signed checkpoint note>        see SignedCheckpoint
/// ```
///
/// Parsing treats the text as hostile: at most 64 hash lines, canonical
/// decimals and base64 only, nothing before the header or after the note.
///
/// # Examples
///
/// ```
/// use custodian::audit::merkle::{self, Tree};
/// use custodian::audit::{CheckpointSigner, InclusionBundle};
/// use custodian::time::Timestamp;
///
/// let signer = CheckpointSigner::from_secret_bytes("shop.example/audit", [1; 32])?;
/// let mut tree = Tree::new();
/// for e in [&b"a"[..], b"b", b"c"] {
///     tree.push(merkle::leaf_hash(e));
/// }
/// let checkpoint = signer.sign(3, tree.root(), Timestamp::now());
/// let bundle = InclusionBundle::new(tree.inclusion_proof(1, 3)?, checkpoint)?;
///
/// let text = bundle.to_text();
/// let received = InclusionBundle::parse(&text, &signer.verifier())?;
/// received.verify_entry(b"b")?;
/// assert!(received.verify_entry(b"x").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionBundle {
    proof: InclusionProof,
    checkpoint: SignedCheckpoint,
}

impl InclusionBundle {
    /// Packages a proof with the checkpoint of the same tree size.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Proof`] ([`ProofError::SizeBeyondTree`]) if the
    /// sizes differ.
    pub fn new(
        proof: InclusionProof,
        checkpoint: SignedCheckpoint,
    ) -> Result<Self, CheckpointError> {
        if proof.tree_size() != checkpoint.checkpoint().size() {
            return Err(ProofError::SizeBeyondTree.into());
        }
        Ok(Self { proof, checkpoint })
    }

    /// The proof.
    pub fn proof(&self) -> &InclusionProof {
        &self.proof
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &SignedCheckpoint {
        &self.checkpoint
    }

    /// The `c2sp.org/tlog-proof@v1` text.
    pub fn to_text(&self) -> String {
        let head = format!("{TLOG_PROOF_HEADER}\nindex {}\n", self.proof.leaf_index());
        bundle_text(head, self.proof.path(), self.checkpoint.note())
    }

    /// Parses the text and checks the checkpoint's signature. The proof is
    /// checked by [`InclusionBundle::verify_entry`].
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Malformed`] for any syntax problem; the errors of
    /// [`SignedCheckpoint::parse`] for the checkpoint.
    pub fn parse(text: &str, verifier: &CheckpointVerifier) -> Result<Self, CheckpointError> {
        let malformed = CheckpointError::Malformed {
            what: "inclusion proof",
        };
        let (mut lines, note) = split_bundle(text).ok_or(malformed)?;
        if lines.next() != Some(TLOG_PROOF_HEADER) {
            return Err(malformed);
        }
        let mut line = lines.next().ok_or(malformed)?;
        if let Some(extra) = line.strip_prefix("extra ") {
            // Unauthenticated by design; checked for syntax, then dropped.
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(extra)
                .map_err(|_| malformed)?;
            line = lines.next().ok_or(malformed)?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or(malformed)?;
        let path = parse_hashes(lines, merkle::MAX_INCLUSION_PROOF_LEN).ok_or(malformed)?;
        let checkpoint = SignedCheckpoint::parse(note, verifier)?;
        let size = checkpoint.checkpoint().size();
        Ok(Self {
            proof: InclusionProof::new(index, size, path),
            checkpoint,
        })
    }

    /// Checks that `entry` is in the checkpointed tree at the proof's index.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Proof`] with the [`ProofError`] that failed.
    pub fn verify_entry(&self, entry: &[u8]) -> Result<(), CheckpointError> {
        self.verify_leaf(&merkle::leaf_hash(entry))
    }

    /// Checks a leaf hash instead of the entry.
    ///
    /// # Errors
    ///
    /// As [`InclusionBundle::verify_entry`].
    pub fn verify_leaf(&self, leaf: &Hash) -> Result<(), CheckpointError> {
        Ok(self
            .proof
            .verify(leaf, &self.checkpoint.checkpoint().root())?)
    }
}

/// A consistency proof with the signed checkpoint of the newer tree.
///
/// # Format: the C2SP tlog-witness `add-checkpoint` body
///
/// ```text
/// old <old tree size, decimal>\n
/// <proof hash, base64>\n          zero or more (at most 63), RFC 6962 §2.1.2 order
/// \n
/// <signed checkpoint note of the new tree>
/// ```
///
/// This is exactly what a C2SP witness accepts, so a bundle can be posted
/// to one as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyBundle {
    proof: ConsistencyProof,
    checkpoint: SignedCheckpoint,
}

impl ConsistencyBundle {
    /// Packages a proof with the checkpoint of its new size.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Proof`] ([`ProofError::SizeBeyondTree`]) if the
    /// sizes differ.
    pub fn new(
        proof: ConsistencyProof,
        checkpoint: SignedCheckpoint,
    ) -> Result<Self, CheckpointError> {
        if proof.new_size() != checkpoint.checkpoint().size() {
            return Err(ProofError::SizeBeyondTree.into());
        }
        Ok(Self { proof, checkpoint })
    }

    /// The proof.
    pub fn proof(&self) -> &ConsistencyProof {
        &self.proof
    }

    /// The checkpoint of the newer tree.
    pub fn checkpoint(&self) -> &SignedCheckpoint {
        &self.checkpoint
    }

    /// The tlog-witness `add-checkpoint` text.
    pub fn to_text(&self) -> String {
        let head = format!("old {}\n", self.proof.old_size());
        bundle_text(head, self.proof.path(), self.checkpoint.note())
    }

    /// Parses the text and checks the new checkpoint's signature. The
    /// proof is checked by [`ConsistencyBundle::verify_from`].
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Malformed`] for any syntax problem; the errors of
    /// [`SignedCheckpoint::parse`] for the checkpoint.
    pub fn parse(text: &str, verifier: &CheckpointVerifier) -> Result<Self, CheckpointError> {
        let malformed = CheckpointError::Malformed {
            what: "consistency proof",
        };
        let (mut lines, note) = split_bundle(text).ok_or(malformed)?;
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(parse_decimal)
            .ok_or(malformed)?;
        let path = parse_hashes(lines, MAX_CONSISTENCY_LINES).ok_or(malformed)?;
        let checkpoint = SignedCheckpoint::parse(note, verifier)?;
        let new = checkpoint.checkpoint().size();
        Ok(Self {
            proof: ConsistencyProof::new(old, new, path),
            checkpoint,
        })
    }

    /// Checks that `old` (a checkpoint the auditor already trusts) is a
    /// prefix of this bundle's checkpoint.
    ///
    /// An `old` of size 0 (with the empty root) is accepted with an empty
    /// proof, `old 0`: every tree extends the empty tree (the witness
    /// protocol's first contact). See [`ConsistencyProof::verify`].
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Malformed`] (`origin`) if the two checkpoints are
    /// from different logs; [`CheckpointError::Proof`] with the
    /// [`ProofError`] that failed, including a size that does not match
    /// `old`.
    pub fn verify_from(&self, old: &Checkpoint) -> Result<(), CheckpointError> {
        let new = self.checkpoint.checkpoint();
        if old.origin() != new.origin() {
            return Err(CheckpointError::Malformed { what: "origin" });
        }
        if old.size() != self.proof.old_size() {
            return Err(ProofError::SizeOrder.into());
        }
        Ok(self.proof.verify(&old.root(), &new.root())?)
    }
}

/// The shape both bundle formats share: `head` (its lines, each ending in
/// a newline), the proof hashes, a blank line, the signed checkpoint note.
fn bundle_text(mut head: String, path: &[Hash], note: &str) -> String {
    write_hashes(&mut head, path);
    head.push('\n');
    head.push_str(note);
    head
}

/// Splits a bundle (at most [`MAX_NOTE_LEN`] bytes) into the lines before
/// the blank line and the signed note after it.
fn split_bundle(text: &str) -> Option<(core::str::Split<'_, char>, &str)> {
    if text.len() > MAX_NOTE_LEN {
        return None;
    }
    let (head, note) = text.split_once("\n\n")?;
    Some((head.split('\n'), note))
}

fn write_hashes(out: &mut String, path: &[Hash]) {
    for h in path {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{}", h.to_base64());
    }
}

fn parse_hashes<'a>(lines: impl Iterator<Item = &'a str>, max: usize) -> Option<Vec<Hash>> {
    let mut path = Vec::new();
    for line in lines {
        if path.len() == max {
            return None;
        }
        path.push(Hash::from_base64(line).ok()?);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::checkpoint::CheckpointSigner;
    use crate::audit::merkle::Tree;
    use crate::time::Timestamp;

    fn setup(n: u64) -> (CheckpointSigner, Tree) {
        let signer = CheckpointSigner::from_secret_bytes("log.example/a", [3; 32]).unwrap();
        let mut tree = Tree::new();
        for i in 0..n {
            tree.push(merkle::leaf_hash(&i.to_be_bytes()));
        }
        (signer, tree)
    }

    #[test]
    fn inclusion_text_round_trips_and_verifies() {
        let (signer, tree) = setup(11);
        let cp = signer.sign(11, tree.root(), Timestamp::EPOCH);
        for i in 0..11u64 {
            let b = InclusionBundle::new(tree.inclusion_proof(i, 11).unwrap(), cp.clone()).unwrap();
            let text = b.to_text();
            assert!(text.starts_with(&format!("c2sp.org/tlog-proof@v1\nindex {i}\n")));
            let back = InclusionBundle::parse(&text, &signer.verifier()).unwrap();
            assert_eq!(back, b);
            back.verify_entry(&i.to_be_bytes()).unwrap();
            assert!(back.verify_entry(&(i + 1).to_be_bytes()).is_err());
        }
    }

    #[test]
    fn consistency_text_round_trips_and_verifies() {
        let (signer, tree) = setup(13);
        let new = signer.sign(13, tree.root(), Timestamp::EPOCH);
        for old in 1..=13u64 {
            let old_cp = signer.sign(old, tree.root_at(old).unwrap(), Timestamp::EPOCH);
            let b = ConsistencyBundle::new(tree.consistency_proof(old, 13).unwrap(), new.clone())
                .unwrap();
            let back = ConsistencyBundle::parse(&b.to_text(), &signer.verifier()).unwrap();
            assert_eq!(back, b);
            back.verify_from(old_cp.checkpoint()).unwrap();
        }
        let empty = signer.sign(0, merkle::empty_root(), Timestamp::EPOCH);
        let b =
            ConsistencyBundle::new(tree.consistency_proof(0, 13).unwrap(), new.clone()).unwrap();
        assert!(b.to_text().starts_with("old 0\n\n"), "{}", b.to_text());
        let back = ConsistencyBundle::parse(&b.to_text(), &signer.verifier()).unwrap();
        back.verify_from(empty.checkpoint()).unwrap();
        // A "size 0" checkpoint with some other root is not the empty tree.
        let bogus = signer.sign(0, tree.root(), Timestamp::EPOCH);
        assert_eq!(
            back.verify_from(bogus.checkpoint()),
            Err(ProofError::RootMismatch.into())
        );
        let padded = ConsistencyBundle::new(ConsistencyProof::new(0, 13, vec![tree.root()]), new);
        assert_eq!(
            padded.unwrap().verify_from(empty.checkpoint()),
            Err(ProofError::WrongLength.into())
        );
    }

    #[test]
    fn hostile_texts_are_refused() {
        let (signer, tree) = setup(8);
        let cp = signer.sign(8, tree.root(), Timestamp::EPOCH);
        let b = InclusionBundle::new(tree.inclusion_proof(3, 8).unwrap(), cp).unwrap();
        let good = b.to_text();
        let v = signer.verifier();
        let bad = [
            format!("x{good}"),
            format!("\n{good}"),
            good.replace("index 3", "index 03"),
            good.replace("index 3", "index -3"),
            good.replace("index 3\n", "index 3\n\n"),
            good.replacen("=\n", "\n", 1),
            good.replacen("@v1", "@v2", 1),
            format!("{good}garbage"),
        ];
        for text in bad {
            let parsed = InclusionBundle::parse(&text, &v);
            assert!(
                parsed.is_err() || parsed.unwrap().verify_entry(&3u64.to_be_bytes()).is_err(),
                "{text:?}"
            );
        }
        let many = format!(
            "old 1\n{}\n{}",
            format!("{}\n", tree.root().to_base64()).repeat(64),
            b.checkpoint().note()
        );
        assert!(ConsistencyBundle::parse(&many, &v).is_err());
    }
}
