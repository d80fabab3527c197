//! Verifier keys (`<name>+<key id>+<base64>`) over many generated keys, and
//! one signer shared by many threads.
//!
//! Standard base64 uses `+`, so about half of all keys have one in the
//! key field: a parser that splits on every `+` refuses them.

use std::sync::Arc;

use custodian::audit::{CheckpointSigner, CheckpointVerifier, merkle};
use custodian::time::Timestamp;
use proptest::prelude::*;

/// Key names the signed-note format allows: no spaces, no `+`, no control
/// characters (any other Unicode is fine).
fn key_name() -> impl Strategy<Value = String> {
    "[^\\s+\\p{Cc}]{1,40}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_verifier_key_parses_back(secret: [u8; 32], name in key_name()) {
        let verifier = CheckpointSigner::from_secret_bytes(&name, secret).unwrap().verifier();
        let vkey = verifier.to_vkey();
        let parsed = CheckpointVerifier::from_vkey(&vkey);
        prop_assert_eq!(parsed.as_ref(), Ok(&verifier), "{}", vkey);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.name(), name.as_str());
        prop_assert_eq!(parsed.public_key(), verifier.public_key());
        prop_assert_eq!(parsed.key_id(), verifier.key_id());
    }

    #[test]
    fn a_changed_character_is_refused(
        secret: [u8; 32],
        position: prop::sample::Index,
        replacement in "[A-Za-z0-9+/=.]",
    ) {
        let vkey = CheckpointSigner::from_secret_bytes("shop.example/audit", secret)
            .unwrap()
            .verifier()
            .to_vkey();
        let at = position.index(vkey.len());
        prop_assume!(vkey[at..=at] != replacement);
        let mut changed = vkey.clone();
        changed.replace_range(at..=at, &replacement);
        // The key id covers name and key, and base64 has one spelling.
        prop_assert!(CheckpointVerifier::from_vkey(&changed).is_err(), "{} -> {}", vkey, changed);
    }
}

#[test]
fn keys_with_plus_and_slash_in_their_base64_parse_back() {
    let (mut plus, mut slash) = (0, 0);
    for seed in 0..=255u8 {
        let verifier = CheckpointSigner::from_secret_bytes("shop.example/audit", [seed; 32])
            .unwrap()
            .verifier();
        let vkey = verifier.to_vkey();
        let key = vkey.splitn(3, '+').nth(2).unwrap();
        plus += usize::from(key.contains('+'));
        slash += usize::from(key.contains('/'));
        assert_eq!(CheckpointVerifier::from_vkey(&vkey), Ok(verifier), "{vkey}");
    }
    // Each of the 44 base64 characters is `+` one time in 64.
    assert!(plus > 64 && slash > 64, "{plus} with '+', {slash} with '/'");
}

#[test]
fn one_signer_signs_from_many_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<CheckpointSigner>();

    let signer =
        Arc::new(CheckpointSigner::from_secret_bytes("shop.example/audit", [8; 32]).unwrap());
    let copy = (*signer).clone();
    let root = merkle::leaf_hash(b"entry");
    let threads: Vec<_> = (0..8u64)
        .map(|size| {
            let shared = Arc::clone(&signer);
            let own = copy.clone();
            std::thread::spawn(move || {
                let a = shared.sign(size, root, Timestamp::EPOCH);
                let b = own.sign(size, root, Timestamp::EPOCH);
                (a, b)
            })
        })
        .collect();
    let verifier = signer.verifier();
    for (size, thread) in (0..8u64).zip(threads) {
        let (shared, own) = thread.join().unwrap();
        shared.verify(&verifier).unwrap();
        assert_eq!(shared.checkpoint().size(), size);
        // A clone is the same key: Ed25519 signs deterministically.
        assert_eq!(shared, own);
    }
}
