//! Property tests of the Merkle proofs: everything the tree produces
//! verifies; any single-bit flip, truncation or extension of a proof, leaf
//! or root is refused; the text bundles refuse any edited byte.

use custodian::audit::merkle::{self, Hash, Tree};
use custodian::audit::{ConsistencyBundle, InclusionBundle};
use custodian::time::Timestamp;
use proptest::prelude::*;

use crate::common::signer;

fn tree(n: u64, salt: u8) -> Tree {
    let mut t = Tree::new();
    for i in 0..n {
        t.push(merkle::leaf_hash(&[&[salt][..], &i.to_be_bytes()].concat()));
    }
    t
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut b = *h.as_bytes();
    b[bit / 8 % 32] ^= 1 << (bit % 8);
    Hash::from_bytes(b)
}

/// (size, index) with index < size.
fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1u64..300).prop_flat_map(|n| (Just(n), 0..n))
}

/// (size1, size2) with 0 < size1 < size2.
fn two_sizes() -> impl Strategy<Value = (u64, u64)> {
    (2u64..300).prop_flat_map(|n| (1..n, Just(n)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inclusion_proofs_verify_and_resist_mutation(
        (n, i) in size_and_index(),
        salt: u8,
        bit in 0usize..256,
        pos: prop::sample::Index,
        extra: [u8; 32],
        other: prop::sample::Index,
    ) {
        let t = tree(n, salt);
        let root = t.root();
        let leaf = t.leaf(i).unwrap();
        let proof = t.inclusion_proof(i, n).unwrap();
        let path = proof.path().to_vec();
        prop_assert_eq!(merkle::verify_inclusion(leaf, i, n, &path, root), Ok(()));
        prop_assert_eq!(merkle::root_of(&(0..n).map(|k| t.leaf(k).unwrap()).collect::<Vec<_>>()), root);

        // Flipped bits in the leaf, the root, or any component.
        prop_assert!(merkle::verify_inclusion(flip(&leaf, bit), i, n, &path, root).is_err());
        prop_assert!(merkle::verify_inclusion(leaf, i, n, &path, flip(&root, bit)).is_err());
        if !path.is_empty() {
            let mut bad = path.clone();
            let k = pos.index(bad.len());
            bad[k] = flip(&bad[k], bit);
            prop_assert!(merkle::verify_inclusion(leaf, i, n, &bad, root).is_err());
            // Truncated: any component removed.
            let mut short = path.clone();
            short.remove(k);
            prop_assert!(merkle::verify_inclusion(leaf, i, n, &short, root).is_err());
        }
        // Extended: a component inserted anywhere, including before and after.
        let mut long = path.clone();
        long.insert(pos.index(long.len() + 1), Hash::from_bytes(extra));
        prop_assert!(merkle::verify_inclusion(leaf, i, n, &long, root).is_err());
        // Components of the wrong length.
        let mut raw: Vec<Vec<u8>> = path.iter().map(|h| h.as_bytes().to_vec()).collect();
        raw.push(Vec::new());
        prop_assert!(merkle::verify_inclusion(leaf, i, n, &raw, root).is_err());
        // Another index in the same tree.
        let j = other.index(n as usize) as u64;
        if j != i {
            prop_assert!(merkle::verify_inclusion(leaf, j, n, &path, root).is_err());
        }
        // Out of range.
        prop_assert!(merkle::verify_inclusion(leaf, n, n, &path, root).is_err());
        prop_assert!(merkle::verify_inclusion(leaf, i, 0, &path, root).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_resist_mutation(
        (m, n) in two_sizes(),
        salt: u8,
        bit in 0usize..256,
        pos: prop::sample::Index,
        extra: [u8; 32],
    ) {
        let t = tree(n, salt);
        let (old, new) = (t.root_at(m).unwrap(), t.root());
        let path = t.consistency_proof(m, n).unwrap().path().to_vec();
        prop_assert_eq!(merkle::verify_consistency(m, n, &path, old, new), Ok(()));

        prop_assert!(merkle::verify_consistency(m, n, &path, flip(&old, bit), new).is_err());
        prop_assert!(merkle::verify_consistency(m, n, &path, old, flip(&new, bit)).is_err());
        prop_assert!(merkle::verify_consistency(m, n, &path, new, old).is_err());
        let k = pos.index(path.len());
        let mut bad = path.clone();
        bad[k] = flip(&bad[k], bit);
        prop_assert!(merkle::verify_consistency(m, n, &bad, old, new).is_err());
        let mut short = path.clone();
        short.remove(k);
        prop_assert!(merkle::verify_consistency(m, n, &short, old, new).is_err());
        let mut long = path.clone();
        long.insert(pos.index(long.len() + 1), Hash::from_bytes(extra));
        prop_assert!(merkle::verify_consistency(m, n, &long, old, new).is_err());
        prop_assert!(merkle::verify_consistency(n, m, &path, new, old).is_err());
        prop_assert!(merkle::verify_consistency(0, n, &path, old, new).is_err());
        // A different tree of the same size is not an extension.
        let other = tree(n, salt.wrapping_add(1)).root();
        prop_assert!(merkle::verify_consistency(m, n, &path, old, other).is_err());
    }

    #[test]
    fn hostile_proof_inputs_never_panic(
        leaf in prop::collection::vec(any::<u8>(), 0..40),
        root in prop::collection::vec(any::<u8>(), 0..40),
        proof in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..80),
        index: u64,
        size: u64,
        size2: u64,
    ) {
        let _ = merkle::verify_inclusion(&leaf, index, size, &proof, &root);
        let _ = merkle::verify_consistency(size, size2, &proof, &leaf, &root);
    }

    #[test]
    fn hostile_texts_never_panic(text in "\\PC{0,400}", vkey in "\\PC{0,120}") {
        let s = signer();
        let _ = InclusionBundle::parse(&text, &s.verifier());
        let _ = ConsistencyBundle::parse(&text, &s.verifier());
        let _ = custodian::audit::SignedCheckpoint::parse(&text, &s.verifier());
        let _ = custodian::audit::CheckpointVerifier::from_vkey(&vkey);
        let _ = custodian::audit::AuditEvent::from_json(text.as_bytes());
    }
}

proptest! {
    // Each case signs and verifies Ed25519 signatures.
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn bundles_refuse_any_edited_byte(
        (n, i) in size_and_index(),
        at: prop::sample::Index,
        bit in 0u8..8,
    ) {
        let s = signer();
        let t = tree(n, 0);
        let checkpoint = s.sign(n, t.root(), Timestamp::EPOCH);
        let bundle = InclusionBundle::new(t.inclusion_proof(i, n).unwrap(), checkpoint.clone()).unwrap();
        let text = bundle.to_text();
        let leaf = t.leaf(i).unwrap();
        let back = InclusionBundle::parse(&text, &s.verifier()).unwrap();
        prop_assert!(back.verify_leaf(&leaf).is_ok());

        let mut bytes = text.into_bytes();
        let k = at.index(bytes.len());
        bytes[k] ^= 1 << bit;
        if let Ok(edited) = String::from_utf8(bytes) {
            let accepted = InclusionBundle::parse(&edited, &s.verifier())
                .is_ok_and(|b| b.verify_leaf(&leaf).is_ok());
            prop_assert!(!accepted, "edited byte {} accepted", k);
        }

        if i > 0 {
            let c = ConsistencyBundle::new(t.consistency_proof(i, n).unwrap(), checkpoint).unwrap();
            let old = s.sign(i, t.root_at(i).unwrap(), Timestamp::EPOCH);
            let text = c.to_text();
            prop_assert!(ConsistencyBundle::parse(&text, &s.verifier()).unwrap().verify_from(old.checkpoint()).is_ok());
            let mut bytes = text.into_bytes();
            let k = at.index(bytes.len());
            bytes[k] ^= 1 << bit;
            if let Ok(edited) = String::from_utf8(bytes) {
                let accepted = ConsistencyBundle::parse(&edited, &s.verifier())
                    .is_ok_and(|b| b.verify_from(old.checkpoint()).is_ok());
                prop_assert!(!accepted, "edited byte {} accepted", k);
            }
        }
    }
}
