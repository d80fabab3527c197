//! Property: a random log with a random single edit, deletion, insertion,
//! swap or truncation fails verification at the right entry; an untouched
//! log always verifies.
//!
//! Records are split with the documented framing, independently of the
//! crate (16-byte magic; per record u32 length, u64 index, 32-byte check,
//! body).

use std::fs;

use custodian::audit::{
    CHECKPOINTS_FILE, Durability, ENTRIES_FILE, LogOptions, Problem, Verdict, verify,
};
use proptest::prelude::*;

use crate::common::signer;

const MAGIC_LEN: usize = 16;
const HEADER_LEN: usize = 44;

/// The byte range of each record.
fn records(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = MAGIC_LEN;
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push(at..at + HEADER_LEN + len);
        at += HEADER_LEN + len;
    }
    out
}

#[derive(Clone, Debug)]
enum Tamper {
    None,
    /// Flip a bit of an entry's body.
    EditBody {
        entry: usize,
        at: usize,
        bit: u8,
    },
    /// Flip a bit of the stored index.
    EditIndex {
        entry: usize,
        bit: u8,
    },
    /// Flip a bit of the stored leaf hash.
    EditCheck {
        entry: usize,
        at: usize,
        bit: u8,
    },
    Delete {
        entry: usize,
    },
    /// Insert a copy of record `copy` before record `at`.
    Insert {
        at: usize,
        copy: usize,
    },
    Swap {
        a: usize,
        b: usize,
    },
    /// Cut the file at a byte offset (`cut` indexes the record bytes).
    Truncate {
        cut: usize,
    },
}

fn tamper() -> impl Strategy<Value = Tamper> {
    let i = any::<prop::sample::Index>;
    prop_oneof![
        Just(Tamper::None),
        (i(), i(), 0u8..8).prop_map(|(e, a, bit)| Tamper::EditBody {
            entry: e.index(usize::MAX),
            at: a.index(usize::MAX),
            bit
        }),
        (i(), 0u8..64).prop_map(|(e, bit)| Tamper::EditIndex {
            entry: e.index(usize::MAX),
            bit
        }),
        (i(), 0usize..32, 0u8..8).prop_map(|(e, at, bit)| Tamper::EditCheck {
            entry: e.index(usize::MAX),
            at,
            bit
        }),
        i().prop_map(|e| Tamper::Delete {
            entry: e.index(usize::MAX)
        }),
        (i(), i()).prop_map(|(a, c)| Tamper::Insert {
            at: a.index(usize::MAX),
            copy: c.index(usize::MAX)
        }),
        (i(), i()).prop_map(|(a, b)| Tamper::Swap {
            a: a.index(usize::MAX),
            b: b.index(usize::MAX)
        }),
        i().prop_map(|c| Tamper::Truncate {
            cut: c.index(usize::MAX)
        }),
    ]
}

/// Applies `t` to the entries file of `n` records; returns the verdict an
/// auditor holding the final checkpoint must get.
fn apply(bytes: &mut Vec<u8>, n: usize, t: &Tamper) -> Verdict {
    let r = records(bytes);
    assert_eq!(r.len(), n);
    let broken = |entry: usize, problem| Verdict::Broken {
        entry: entry as u64,
        problem,
    };
    match *t {
        Tamper::None => unreachable!("handled by the caller"),
        Tamper::EditBody { entry, at, bit } => {
            let e = entry % n;
            let body = r[e].start + HEADER_LEN..r[e].end;
            bytes[body.start + at % body.len()] ^= 1 << bit;
            broken(e, Problem::Altered)
        }
        Tamper::EditIndex { entry, bit } => {
            let e = entry % n;
            let at = r[e].start + 4 + 7 - usize::from(bit / 8);
            bytes[at] ^= 1 << (bit % 8);
            broken(
                e,
                Problem::OutOfSequence {
                    found: e as u64 ^ (1 << bit),
                },
            )
        }
        Tamper::EditCheck { entry, at, bit } => {
            let e = entry % n;
            bytes[r[e].start + 12 + at] ^= 1 << bit;
            broken(e, Problem::Altered)
        }
        Tamper::Delete { entry } => {
            let e = entry % n;
            bytes.drain(r[e].clone());
            if e == n - 1 {
                broken(e, Problem::Truncated { expected: n as u64 })
            } else {
                broken(
                    e,
                    Problem::OutOfSequence {
                        found: e as u64 + 1,
                    },
                )
            }
        }
        Tamper::Insert { at, copy } => {
            let (at, copy) = (at % n, copy % n);
            let record = bytes[r[copy].clone()].to_vec();
            bytes.splice(r[at].start..r[at].start, record);
            if copy == at {
                // Position `at` still holds a correct record; the original
                // follows it, out of place. That holds for the last record
                // too, past every checkpoint: an intact record out of place
                // is not what a torn write leaves.
                broken(at + 1, Problem::OutOfSequence { found: at as u64 })
            } else {
                broken(at, Problem::OutOfSequence { found: copy as u64 })
            }
        }
        Tamper::Swap { a, b } => {
            let (mut a, mut b) = (a % n, b % n);
            if a == b {
                b = (a + 1) % n;
            }
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            let (ra, rb) = (bytes[r[a].clone()].to_vec(), bytes[r[b].clone()].to_vec());
            // Replace the later one first so the earlier range stays valid.
            bytes.splice(r[b].clone(), ra);
            bytes.splice(r[a].clone(), rb);
            broken(a, Problem::OutOfSequence { found: b as u64 })
        }
        Tamper::Truncate { cut } => {
            let cut = MAGIC_LEN + cut % (bytes.len() - MAGIC_LEN);
            bytes.truncate(cut);
            let first_missing = r.iter().position(|rec| rec.end > cut).unwrap();
            broken(first_missing, Problem::Truncated { expected: n as u64 })
        }
    }
}

proptest! {
    // Each case writes one log (signing syncs) and checks several
    // tamperings of it, each on a fresh copy of the files.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_single_tampering_is_found_where_it_happened(
        bodies in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..48), 2..40),
        middle_checkpoint: prop::sample::Index,
        tampers in prop::collection::vec(tamper(), 1..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let n = bodies.len();
        let (log, _) = LogOptions::new()
            .durability(Durability::OsBuffered)
            .open(dir.path(), signer())
            .unwrap();
        let middle = middle_checkpoint.index(n);
        for (i, body) in bodies.iter().enumerate() {
            log.append(body).unwrap();
            if i == middle {
                log.checkpoint().unwrap();
            }
        }
        let last = log.checkpoint().unwrap();
        log.close().unwrap();
        let entries = fs::read(dir.path().join(ENTRIES_FILE)).unwrap();
        let checkpoints = fs::read(dir.path().join(CHECKPOINTS_FILE)).unwrap();

        let verifier = signer().verifier();
        for t in tampers {
            let copy = tempfile::tempdir().unwrap();
            let mut bytes = entries.clone();
            let expected = if let Tamper::None = t {
                Verdict::Verified { size: n as u64, root: last.checkpoint().root() }
            } else {
                apply(&mut bytes, n, &t)
            };
            fs::write(copy.path().join(ENTRIES_FILE), bytes).unwrap();
            fs::write(copy.path().join(CHECKPOINTS_FILE), &checkpoints).unwrap();
            let report = verify(copy.path(), &verifier, Some(&last)).unwrap();
            prop_assert_eq!(&report.verdict, &expected, "{:?}: {}", t, report);
            let torn = !report.torn.is_empty();
            prop_assert_eq!(report.is_verified(), matches!(t, Tamper::None) || torn);
        }
    }
}
