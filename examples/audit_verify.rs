//! Verify an audit log directory: the command an auditor runs.
//!
//! ```text
//! cargo run --example audit_verify -- <log dir> <verifier key> [<checkpoint note file>]
//! ```
//!
//! The verifier key is the `<name>+<key id>+<base64>` form
//! (`CheckpointVerifier::to_vkey`), given literally or as a file holding
//! it. The optional checkpoint is one the auditor kept from earlier (or a
//! witness holds); without it, truncation cannot be told from a shorter
//! log. Prints the report; exits 0 when the log verifies against a signed
//! checkpoint, 1 when it does not, 2 on bad arguments.

use std::path::Path;
use std::process::ExitCode;

use custodian::audit::{CheckpointVerifier, SignedCheckpoint, verify};

fn read_arg(arg: &str) -> std::io::Result<String> {
    if Path::new(arg).is_file() {
        Ok(std::fs::read_to_string(arg)?.trim_end().to_owned())
    } else {
        Ok(arg.to_owned())
    }
}

fn run(args: &[String]) -> Result<bool, Box<dyn std::error::Error>> {
    let verifier = CheckpointVerifier::from_vkey(&read_arg(&args[1])?)?;
    let trusted = match args.get(2) {
        Some(path) => Some(SignedCheckpoint::parse(
            &std::fs::read_to_string(path)?,
            &verifier,
        )?),
        None => None,
    };
    let report = verify(Path::new(&args[0]), &verifier, trusted.as_ref())?;
    println!("{report}");
    Ok(report.is_verified())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(2..=3).contains(&args.len()) {
        eprintln!("usage: audit_verify <log dir> <verifier key or file> [<checkpoint note file>]");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("audit_verify: {e}");
            ExitCode::from(2)
        }
    }
}
