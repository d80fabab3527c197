//! The transparency-dev RFC 6962 proof vectors (tests/vectors/rfc6962,
//! Apache-2.0): every happy path verifies, every mutation is refused, and
//! our tree built from the RFC 6962 test leaves produces exactly the
//! vectors' roots and proofs.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use custodian::audit::merkle::{self, Tree};
use serde_json::Value;

use crate::common::vectors_dir;

/// The leaves of the RFC 6962 / CT reference trees these vectors use.
const LEAVES: [&[u8]; 8] = [
    b"",
    &[0x00],
    &[0x10],
    &[0x20, 0x21],
    &[0x30, 0x31],
    &[0x40, 0x41, 0x42, 0x43],
    &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
    &[
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e,
        0x6f,
    ],
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn b64(v: &Value) -> Vec<u8> {
    BASE64.decode(v.as_str().unwrap()).unwrap()
}

fn proof(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().map(b64).collect(),
        other => panic!("unexpected proof {other}"),
    }
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn reference_tree() -> Tree {
    let mut tree = Tree::new();
    for leaf in LEAVES {
        tree.push(merkle::leaf_hash(leaf));
    }
    tree
}

#[test]
fn inclusion_vectors_agree_with_want_err() {
    let all = files(&vectors_dir("rfc6962/inclusion"));
    assert!(
        all.len() >= 90,
        "only {} inclusion vectors found",
        all.len()
    );
    let mut rejected = 0;
    for path in &all {
        let v = load(path);
        let result = merkle::verify_inclusion(
            b64(&v["leafHash"]),
            v["leafIdx"].as_u64().unwrap(),
            v["treeSize"].as_u64().unwrap(),
            &proof(&v["proof"]),
            b64(&v["root"]),
        );
        let want_err = v["wantErr"].as_bool().unwrap();
        assert_eq!(result.is_err(), want_err, "{}: {result:?}", path.display());
        rejected += usize::from(want_err);
    }
    assert!(rejected >= 80, "{rejected} negative vectors");
}

#[test]
fn consistency_vectors_agree_with_want_err() {
    let all = files(&vectors_dir("rfc6962/consistency"));
    assert!(
        all.len() >= 90,
        "only {} consistency vectors found",
        all.len()
    );
    for path in &all {
        let v = load(path);
        let result = merkle::verify_consistency(
            v["size1"].as_u64().unwrap(),
            v["size2"].as_u64().unwrap(),
            &proof(&v["proof"]),
            b64(&v["root1"]),
            b64(&v["root2"]),
        );
        let want_err = v["wantErr"].as_bool().unwrap();
        assert_eq!(result.is_err(), want_err, "{}: {result:?}", path.display());
    }
}

/// Known-answer generation: the happy paths were produced from the RFC
/// 6962 reference leaves, so our tree must reproduce them exactly.
#[test]
fn our_tree_reproduces_the_happy_paths() {
    let tree = reference_tree();
    let mut checked = 0;
    for path in files(&vectors_dir("rfc6962/inclusion")) {
        let v = load(&path);
        if path.file_name().unwrap() != "happy-path.json" {
            continue;
        }
        let (index, size) = (
            v["leafIdx"].as_u64().unwrap(),
            v["treeSize"].as_u64().unwrap(),
        );
        assert_eq!(
            merkle::leaf_hash(LEAVES[index as usize])
                .as_bytes()
                .to_vec(),
            b64(&v["leafHash"])
        );
        assert_eq!(
            tree.root_at(size).unwrap().as_bytes().to_vec(),
            b64(&v["root"])
        );
        let ours: Vec<Vec<u8>> = tree
            .inclusion_proof(index, size)
            .unwrap()
            .path()
            .iter()
            .map(|h| h.as_bytes().to_vec())
            .collect();
        assert_eq!(ours, proof(&v["proof"]), "{}", path.display());
        checked += 1;
    }
    for path in files(&vectors_dir("rfc6962/consistency")) {
        let v = load(&path);
        let (size1, size2) = (v["size1"].as_u64().unwrap(), v["size2"].as_u64().unwrap());
        if path.file_name().unwrap() != "happy-path.json" || size2 > 8 {
            continue;
        }
        assert_eq!(
            tree.root_at(size1).unwrap().as_bytes().to_vec(),
            b64(&v["root1"])
        );
        assert_eq!(
            tree.root_at(size2).unwrap().as_bytes().to_vec(),
            b64(&v["root2"])
        );
        let ours: Vec<Vec<u8>> = tree
            .consistency_proof(size1, size2)
            .unwrap()
            .path()
            .iter()
            .map(|h| h.as_bytes().to_vec())
            .collect();
        assert_eq!(ours, proof(&v["proof"]), "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 9, "{checked} happy paths reproduced");
}

/// The copy in the crate must stay identical to the shared originals when
/// those are present (they are not needed to run the tests).
#[test]
fn copied_vectors_match_the_shared_ones_when_present() {
    let shared = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/vectors/rfc6962"
    ));
    let own = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/rfc6962"
    ));
    assert!(
        own.join("LICENSE").exists(),
        "the vectors' licence travels with them"
    );
    if !shared.exists() {
        return;
    }
    let (a, b) = (files(&own), files(&shared));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            fs::read(x).unwrap(),
            fs::read(y).unwrap(),
            "{}",
            x.display()
        );
    }
}
