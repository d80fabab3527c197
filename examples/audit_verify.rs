//! Verify an audit log: the command an auditor runs, and a demonstration.
//!
//! ```text
//! cargo run --example audit_verify
//! cargo run --example audit_verify -- <log dir> <verifier key> [<checkpoint note file>]
//! ```
//!
//! **Without arguments** it demonstrates the whole check, asserting each
//! result: it writes a small log in a fresh directory under the system
//! temporary directory (removed afterwards), produces and verifies an
//! inclusion proof against an older checkpoint and a consistency proof from
//! it, verifies the files, shows a forked checkpoint named as equivocation,
//! then flips one byte of one entry on disk and shows the verifier naming
//! that entry.
//!
//! **With a log directory** it verifies that log. The verifier key is the
//! `<name>+<key id>+<base64>` form (`CheckpointVerifier::to_vkey`; its
//! base64 may contain `+` and `/`), given literally or as a file holding
//! it. The optional checkpoint is one the auditor kept from earlier (or a
//! witness holds); without it, truncation cannot be told from a shorter
//! log. Prints the report; on equivocation (two signed checkpoints of one
//! size with different roots) it also prints both checkpoint notes, the
//! evidence. Exits 0 when the log verifies against a signed checkpoint, 1
//! when it does not, 2 on bad arguments, 3 on equivocation.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use custodian::audit::{
    Action, AuditEvent, AuditSink, CheckpointSigner, CheckpointVerifier, ENTRIES_FILE, LogOptions,
    Outcome, Problem, Report, RequestId, SignedCheckpoint, Verdict, merkle, verify,
};
use custodian::pii::Category;
use custodian::purpose::{LawfulBasis, Purpose};

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.len() {
        0 => demo().map(|()| ExitCode::SUCCESS),
        2 | 3 => verify_given(&args),
        _ => {
            eprintln!(
                "usage: audit_verify [<log dir> <verifier key or file> [<checkpoint note file>]]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("audit_verify: {e}");
            ExitCode::from(2)
        }
    }
}

// --- verifying a given log -------------------------------------------------

fn read_arg(arg: &str) -> std::io::Result<String> {
    if Path::new(arg).is_file() {
        Ok(std::fs::read_to_string(arg)?.trim_end().to_owned())
    } else {
        Ok(arg.to_owned())
    }
}

fn verify_given(args: &[String]) -> Result<ExitCode, Error> {
    let verifier = CheckpointVerifier::from_vkey(&read_arg(&args[1])?)?;
    let trusted = match args.get(2) {
        Some(path) => Some(SignedCheckpoint::parse(
            &std::fs::read_to_string(path)?,
            &verifier,
        )?),
        None => None,
    };
    let report = verify(Path::new(&args[0]), &verifier, trusted.as_ref())?;
    print_report(&report);
    Ok(match report.verdict {
        _ if report.is_verified() => ExitCode::SUCCESS,
        Verdict::Equivocation(_) => ExitCode::from(3),
        _ => ExitCode::from(1),
    })
}

/// The report's line and, for an equivocation, both signed notes: what an
/// auditor hands on to show the log forked.
fn print_report(report: &Report) {
    println!("{report}");
    if let Verdict::Equivocation(evidence) = &report.verdict {
        for (n, checkpoint) in [evidence.first(), evidence.second()].iter().enumerate() {
            println!("evidence {}:\n{}", n + 1, checkpoint.note());
        }
    }
}

// --- the demonstration -------------------------------------------------------

/// A directory under the system temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("custodian-audit-verify-{}-{nanos}", std::process::id());
        let path = std::env::temp_dir().join(name);
        // `create_dir` (not `_all`) fails if the name is somehow taken.
        std::fs::create_dir(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in the temp dir is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const ENTRIES: u64 = 8;
const OLD_SIZE: u64 = 5;
const TAMPERED: u64 = 6;

fn demo() -> Result<(), Error> {
    let temp = TempDir::new()?;
    let dir = temp.0.join("log");
    println!("writing a log of {ENTRIES} events in {}", dir.display());

    let signer = CheckpointSigner::generate("demo.example/audit")?;
    // What an auditor is given: the verifier key, as text.
    let vkey = signer.verifier().to_vkey();
    println!("verifier key: {vkey}");
    let verifier = CheckpointVerifier::from_vkey(&vkey)?;
    // The log owns one copy of the key; the demo keeps another to play a
    // log that forks its history.
    let (log, _) = LogOptions::new().open(&dir, signer.clone())?;
    let mut old = None;
    for i in 0..ENTRIES {
        log.record(
            &AuditEvent::new(Action::Reveal, Outcome::Allowed)
                .with_categories([Category::Contact])
                .with_purpose(Purpose::CustomerSupport)
                .with_legal_basis(LawfulBasis::Contract)
                .with_request(RequestId::from_u128(u128::from(i))),
        )?;
        if i + 1 == OLD_SIZE {
            // An auditor keeps this checkpoint, outside the log directory.
            old = Some(log.checkpoint()?);
        }
    }
    let old = old.ok_or("the loop checkpoints at OLD_SIZE")?;
    let latest = log.checkpoint()?;
    println!(
        "checkpoint: {}",
        latest
            .note()
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join(" | ")
    );

    // Inclusion: entry 3 is in the tree the auditor's older checkpoint
    // signed, checked with the key alone.
    let inclusion = log.prove_inclusion_in(3, &old)?;
    let received = custodian::audit::InclusionBundle::parse(&inclusion.to_text(), &verifier)?;
    received.verify_entry(&log.entry(3)?)?;
    println!(
        "inclusion proof of entry 3 in the tree of {}: {} hashes, verified",
        received.checkpoint().checkpoint().size(),
        received.proof().path().len()
    );
    assert!(
        received
            .verify_entry(b"an entry that was never logged")
            .is_err(),
        "an entry not in the log must not verify"
    );

    // Consistency: the tree the auditor saw at OLD_SIZE is a prefix of today's.
    let consistency = log.prove_consistency(OLD_SIZE)?;
    let received = custodian::audit::ConsistencyBundle::parse(&consistency.to_text(), &verifier)?;
    received.verify_from(old.checkpoint())?;
    println!(
        "consistency proof {OLD_SIZE} -> {ENTRIES}: {} hashes, verified",
        received.proof().path().len()
    );
    log.close()?;

    // The whole files against the key and the auditor's latest checkpoint.
    let report = verify(&dir, &verifier, Some(&latest))?;
    println!("untouched log: {report}");
    assert_eq!(
        report.verdict,
        Verdict::Verified {
            size: ENTRIES,
            root: latest.checkpoint().root()
        }
    );

    // A log that shows someone else another tree of the same size is
    // caught with the two signed checkpoints, whatever the entries say.
    let forked = signer.sign(
        ENTRIES,
        merkle::leaf_hash(b"a rewritten history"),
        latest.checkpoint().time(),
    );
    let report = verify(&dir, &verifier, Some(&forked))?;
    print!("given a forked checkpoint: ");
    print_report(&report);
    let Verdict::Equivocation(evidence) = &report.verdict else {
        return Err(format!("expected an equivocation, got: {report}").into());
    };
    assert_eq!((evidence.first(), evidence.second()), (&forked, &latest));

    // Someone edits one entry on disk.
    tamper(&dir.join(ENTRIES_FILE), TAMPERED)?;
    let report = verify(&dir, &verifier, Some(&latest))?;
    println!("after flipping a byte of entry {TAMPERED}: {report}");
    assert_eq!(
        report.verdict,
        Verdict::Broken {
            entry: TAMPERED,
            problem: Problem::Altered
        },
        "the verifier must name the edited entry"
    );
    assert!(!report.is_verified());

    // A careful forger also fixes the stored hash: the signed roots catch
    // it, between the last checkpoint that still matches (OLD_SIZE) and the
    // first that does not.
    refresh_check(&dir.join(ENTRIES_FILE), TAMPERED)?;
    let report = verify(&dir, &verifier, Some(&latest))?;
    println!("after also rewriting its stored hash: {report}");
    assert_eq!(
        report.verdict,
        Verdict::Broken {
            entry: OLD_SIZE,
            problem: Problem::RootMismatch {
                checkpoint_size: ENTRIES
            }
        },
        "a forged entry must be located between two checkpoints"
    );
    assert!(!report.is_verified());
    println!("all checks passed");
    Ok(())
}

/// The byte range of record `index`'s body in an entries file, from the
/// documented framing: 16 bytes of magic, then per record a u32 BE length,
/// a u64 BE index, a 32-byte leaf hash, and the body.
fn body_range(bytes: &[u8], index: u64) -> Result<std::ops::Range<usize>, Error> {
    let mut at = 16;
    for i in 0.. {
        let header = bytes.get(at..at + 44).ok_or("no such record")?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        if i == index {
            return Ok(at + 44..at + 44 + len);
        }
        at += 44 + len;
    }
    unreachable!("the loop returns or fails")
}

/// Flips one bit in the middle of entry `index`'s body.
fn tamper(path: &Path, index: u64) -> Result<(), Error> {
    let mut bytes = std::fs::read(path)?;
    let body = body_range(&bytes, index)?;
    bytes[body.start + body.len() / 2] ^= 0x01;
    std::fs::write(path, bytes)?;
    Ok(())
}

/// Rewrites entry `index`'s stored leaf hash to match its (edited) body.
fn refresh_check(path: &Path, index: u64) -> Result<(), Error> {
    let mut bytes = std::fs::read(path)?;
    let body = body_range(&bytes, index)?;
    let leaf = merkle::leaf_hash(&bytes[body.clone()]);
    bytes[body.start - 32..body.start].copy_from_slice(leaf.as_bytes());
    std::fs::write(path, bytes)?;
    Ok(())
}
