//! Differential tests: the crate's inclusion and consistency proofs for
//! every index and every pair of sizes up to [`N`] leaves, against a
//! reference tree written here straight from RFC 6962 §2.1 (recursive
//! `MTH`, `PATH` and `PROOF`, memoized, hashing with `sha2` directly), and
//! exhaustive adversarial mutations of every proof up to [`M`] leaves in
//! the style of the transparency-dev merkle test vectors.

use std::cell::RefCell;
use std::collections::HashMap;

use custodian::audit::merkle::{self, Hash, Tree};
use sha2::{Digest, Sha256};

/// Leaves of the differential test: every (index, size) and every
/// (old, new) pair with sizes up to this.
const N: usize = 256;
/// Leaves of the exhaustive mutation test.
const M: usize = 40;

type H = [u8; 32];

/// RFC 6962 §2.1, written independently of the crate.
struct Reference {
    leaves: Vec<H>,
    memo: RefCell<HashMap<(usize, usize), H>>,
}

impl Reference {
    fn new(n: usize) -> Self {
        let leaves = (0..n)
            .map(|i| {
                let mut h = Sha256::new();
                h.update([0x00]);
                h.update(format!("entry {i}").as_bytes());
                h.finalize().into()
            })
            .collect();
        Self {
            leaves,
            memo: RefCell::new(HashMap::new()),
        }
    }

    /// The largest power of two smaller than `n` (`n > 1`).
    fn k(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    fn node(l: &H, r: &H) -> H {
        let mut h = Sha256::new();
        h.update([0x01]);
        h.update(l);
        h.update(r);
        h.finalize().into()
    }

    /// MTH(D[lo:hi]).
    fn mth(&self, lo: usize, hi: usize) -> H {
        if let Some(h) = self.memo.borrow().get(&(lo, hi)) {
            return *h;
        }
        let h = match hi - lo {
            0 => Sha256::digest([]).into(),
            1 => self.leaves[lo],
            n => {
                let k = Self::k(n);
                Self::node(&self.mth(lo, lo + k), &self.mth(lo + k, hi))
            }
        };
        self.memo.borrow_mut().insert((lo, hi), h);
        h
    }

    /// PATH(m, D[lo:hi]).
    fn path(&self, m: usize, lo: usize, hi: usize) -> Vec<H> {
        let n = hi - lo;
        if n <= 1 {
            return Vec::new();
        }
        let k = Self::k(n);
        if m < k {
            let mut p = self.path(m, lo, lo + k);
            p.push(self.mth(lo + k, hi));
            p
        } else {
            let mut p = self.path(m - k, lo + k, hi);
            p.push(self.mth(lo, lo + k));
            p
        }
    }

    /// SUBPROOF(m, D[lo:hi], b).
    fn subproof(&self, m: usize, lo: usize, hi: usize, b: bool) -> Vec<H> {
        let n = hi - lo;
        if m == n {
            return if b {
                Vec::new()
            } else {
                vec![self.mth(lo, hi)]
            };
        }
        let k = Self::k(n);
        if m <= k {
            let mut p = self.subproof(m, lo, lo + k, b);
            p.push(self.mth(lo + k, hi));
            p
        } else {
            let mut p = self.subproof(m - k, lo + k, hi, false);
            p.push(self.mth(lo, lo + k));
            p
        }
    }

    /// The crate's tree over the same leaves.
    fn tree(&self) -> Tree {
        let mut t = Tree::new();
        for leaf in &self.leaves {
            t.push(Hash::from_bytes(*leaf));
        }
        t
    }
}

fn bytes(path: &[Hash]) -> Vec<H> {
    path.iter().map(|h| *h.as_bytes()).collect()
}

#[test]
fn roots_and_proofs_match_the_reference_for_every_size_pair() {
    let r = Reference::new(N);
    let t = r.tree();
    assert_eq!(t.root_at(0).unwrap().as_bytes(), &r.mth(0, 0));
    for n in 1..=N {
        let root = r.mth(0, n);
        assert_eq!(t.root_at(n as u64).unwrap().as_bytes(), &root, "root {n}");
        for i in 0..n {
            let proof = t.inclusion_proof(i as u64, n as u64).unwrap();
            let expected = r.path(i, 0, n);
            assert_eq!(bytes(proof.path()), expected, "inclusion {i} in {n}");
            assert_eq!(
                merkle::verify_inclusion(r.leaves[i], i as u64, n as u64, &expected, root),
                Ok(()),
                "inclusion {i} in {n}"
            );
        }
        for m in 1..=n {
            let proof = t.consistency_proof(m as u64, n as u64).unwrap();
            let expected = if m == n {
                Vec::new()
            } else {
                r.subproof(m, 0, n, true)
            };
            assert_eq!(bytes(proof.path()), expected, "consistency {m} -> {n}");
            assert_eq!(
                merkle::verify_consistency(m as u64, n as u64, &expected, r.mth(0, m), root),
                Ok(()),
                "consistency {m} -> {n}"
            );
        }
    }
}

fn flip(h: &H, byte: usize, bit: u8) -> H {
    let mut h = *h;
    h[byte] ^= 1 << bit;
    h
}

/// Every way a proof's components can be damaged: each component with a
/// flipped bit (first and last byte), removed, duplicated, replaced by an
/// empty, short or long component, and a component inserted at every
/// position (including before the first and after the last).
fn damaged(proof: &[H]) -> Vec<(String, Vec<Vec<u8>>)> {
    let raw: Vec<Vec<u8>> = proof.iter().map(|h| h.to_vec()).collect();
    let mut out = Vec::new();
    for k in 0..raw.len() {
        for (byte, bit) in [(0, 0), (31, 7)] {
            let mut p = raw.clone();
            p[k] = flip(&proof[k], byte, bit).to_vec();
            out.push((format!("bit {bit} of byte {byte} of component {k}"), p));
        }
        let mut p = raw.clone();
        p.remove(k);
        out.push((format!("component {k} removed"), p));
        let mut p = raw.clone();
        p.insert(k, raw[k].clone());
        out.push((format!("component {k} duplicated"), p));
        for len in [0, 31, 33] {
            let mut p = raw.clone();
            let mut c = raw[k].clone();
            c.resize(len, 0xAB);
            p[k] = c;
            out.push((format!("component {k} of {len} bytes"), p));
        }
    }
    for at in 0..=raw.len() {
        let mut p = raw.clone();
        p.insert(at, vec![0x5A; 32]);
        out.push((format!("garbage component at {at}"), p));
    }
    let mut p = raw.clone();
    p.push(Vec::new());
    out.push(("trailing empty component".into(), p));
    out
}

#[test]
fn every_mutated_inclusion_proof_fails() {
    let r = Reference::new(M);
    let zero = [0u8; 32];
    for n in 1..=M {
        let root = r.mth(0, n);
        for i in 0..n {
            let leaf = r.leaves[i];
            let proof = r.path(i, 0, n);
            let (i64_, n64) = (i as u64, n as u64);
            let fails =
                |what: &str, leaf: &[u8], index: u64, size: u64, p: &[Vec<u8>], root: &[u8]| {
                    assert!(
                        merkle::verify_inclusion(leaf, index, size, p, root).is_err(),
                        "inclusion {i} in {n}: {what} was accepted"
                    );
                };
            let raw: Vec<Vec<u8>> = proof.iter().map(|h| h.to_vec()).collect();
            for (what, p) in damaged(&proof) {
                fails(&what, &leaf, i64_, n64, &p, &root);
            }
            for (byte, bit) in [(0, 0), (17, 3), (31, 7)] {
                fails(
                    "flipped leaf",
                    &flip(&leaf, byte, bit),
                    i64_,
                    n64,
                    &raw,
                    &root,
                );
                fails(
                    "flipped root",
                    &leaf,
                    i64_,
                    n64,
                    &raw,
                    &flip(&root, byte, bit),
                );
            }
            fails("leaf of 31 bytes", &leaf[..31], i64_, n64, &raw, &root);
            fails(
                "root of 33 bytes",
                &leaf,
                i64_,
                n64,
                &raw,
                &[&root[..], &[0]].concat(),
            );
            fails("zero root", &leaf, i64_, n64, &raw, &zero);
            if n > 1 {
                // Only in a one-leaf tree is the root the leaf hash.
                fails("root as leaf", &root, i64_, n64, &raw, &root);
            }
            // Every other index of the same tree (the leaves are distinct).
            for j in (0..n).filter(|&j| j != i) {
                fails("wrong index", &leaf, j as u64, n64, &raw, &root);
            }
            fails("index = size", &leaf, n64, n64, &raw, &root);
            fails("index beyond size", &leaf, n64 + 1, n64, &raw, &root);
            fails("size 0", &leaf, i64_, 0, &raw, &root);
            fails("huge index", &leaf, u64::MAX, u64::MAX, &raw, &root);
            // A size whose proofs for this index have another length (a
            // size with the same shape is indistinguishable to any RFC 9162
            // verifier: the claim is about the root, which is wrong).
            for size in [n + 1, n * 2, n / 2] {
                if size > i && size <= M && r.path(i, 0, size).len() != proof.len() {
                    fails(
                        "size of another height",
                        &leaf,
                        i64_,
                        size as u64,
                        &raw,
                        &root,
                    );
                }
            }
            if !proof.is_empty() {
                fails("empty proof", &leaf, i64_, n64, &[] as &[Vec<u8>], &root);
            }
        }
    }
}

#[test]
fn every_mutated_consistency_proof_fails() {
    let r = Reference::new(M);
    for n in 1..=M {
        let new_root = r.mth(0, n);
        for m in 1..n {
            let old_root = r.mth(0, m);
            let proof = r.subproof(m, 0, n, true);
            let raw: Vec<Vec<u8>> = proof.iter().map(|h| h.to_vec()).collect();
            let (m64, n64) = (m as u64, n as u64);
            let fails = |what: &str, old: u64, new: u64, p: &[Vec<u8>], o: &[u8], nr: &[u8]| {
                assert!(
                    merkle::verify_consistency(old, new, p, o, nr).is_err(),
                    "consistency {m} -> {n}: {what} was accepted"
                );
            };
            for (what, p) in damaged(&proof) {
                fails(&what, m64, n64, &p, &old_root, &new_root);
            }
            for (byte, bit) in [(0, 0), (31, 7)] {
                fails(
                    "flipped old root",
                    m64,
                    n64,
                    &raw,
                    &flip(&old_root, byte, bit),
                    &new_root,
                );
                fails(
                    "flipped new root",
                    m64,
                    n64,
                    &raw,
                    &old_root,
                    &flip(&new_root, byte, bit),
                );
            }
            fails("roots swapped", m64, n64, &raw, &new_root, &old_root);
            fails("sizes swapped", n64, m64, &raw, &new_root, &old_root);
            fails("old size 0", 0, n64, &raw, &old_root, &new_root);
            fails("new size 0", m64, 0, &raw, &old_root, &new_root);
            fails("old beyond new", n64 + 1, n64, &raw, &old_root, &new_root);
            fails(
                "empty proof",
                m64,
                n64,
                &[] as &[Vec<u8>],
                &old_root,
                &new_root,
            );
            // Another tree of the new size is not an extension.
            fails(
                "unrelated new root",
                m64,
                n64,
                &raw,
                &old_root,
                &r.mth(1, n).max(r.mth(0, n - 1)),
            );
            fails(
                "old root of 31 bytes",
                m64,
                n64,
                &raw,
                &old_root[..31],
                &new_root,
            );
        }
        // Equal sizes: only the empty proof and equal roots pass.
        let raw = vec![new_root.to_vec()];
        assert!(merkle::verify_consistency(n as u64, n as u64, &raw, new_root, new_root).is_err());
        assert_eq!(
            merkle::verify_consistency(n as u64, n as u64, &[] as &[Vec<u8>], new_root, new_root),
            Ok(())
        );
        assert!(
            merkle::verify_consistency(
                n as u64,
                n as u64,
                &[] as &[Vec<u8>],
                new_root,
                flip(&new_root, 0, 0)
            )
            .is_err()
        );
    }
}
