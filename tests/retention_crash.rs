//! A retention sweep killed midway (SIGKILL of a real child process) is
//! finished by running it again: every expired record goes, nothing kept
//! is touched, no purge is missing from the audit log, and the log itself
//! only grows and still verifies.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns fail the test loudly too"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custodian::audit::{
    Action, AuditEvent, CheckpointSigner, Durability, LogOptions, Verdict, verify,
};
use custodian::ids::PolicyVersion;
use custodian::pii::Category;
use custodian::policy::{PolicySchedule, marketplace};
use custodian::purpose::LawfulBasis;
use custodian::records::{Host, Record, RecordClass, RecordId};
use custodian::retention::Schedule;
use custodian::rights::HostError;
use custodian::time::Timestamp;
use custodian::vault::Envelope;
use custodian::vault::{FieldLabel, MemoryKeyStore, RootKey, RootKeyRing, Vault};
use custodian::{Custodian, SubjectId};

const DIR_VAR: &str = "CUSTODIAN_SWEEP_DIR";
const SUBJECTS: usize = 4;
const LETTERS: usize = 10;
const INVOICES: usize = 3;

/// A host that keeps one file per record, `<subject>/<record>`, holding
/// the class and the creation time; erasing removes the file. With a
/// delay it erases slowly, so a sweep can be killed in the middle.
#[derive(Debug)]
struct FileHost {
    dir: PathBuf,
    delay: Duration,
}

impl FileHost {
    fn io(e: std::io::Error) -> HostError {
        HostError::new(e)
    }
}

impl Host for FileHost {
    fn subjects(&self) -> Result<Vec<SubjectId>, HostError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(Self::io)? {
            let name = entry.map_err(Self::io)?.file_name();
            out.push(SubjectId::new(name.to_string_lossy().into_owned()));
        }
        Ok(out)
    }

    fn records(&self, subject: &SubjectId) -> Result<Vec<Record>, HostError> {
        let mut out = Vec::new();
        let Ok(entries) = fs::read_dir(self.dir.join(subject.as_str())) else {
            return Ok(out);
        };
        for entry in entries {
            let entry = entry.map_err(Self::io)?;
            let Ok(text) = fs::read_to_string(entry.path()) else {
                continue; // erased meanwhile
            };
            let (class, millis) = text.split_once(' ').unwrap();
            let created = Timestamp::from_unix_millis(millis.trim().parse().unwrap()).unwrap();
            out.push(Record {
                id: RecordId::parse(&entry.file_name().to_string_lossy()).unwrap(),
                category: Category::Transaction,
                class: if class == "invoice" {
                    RecordClass::INVOICE
                } else {
                    RecordClass::COMMERCIAL_LETTER
                },
                basis: LawfulBasis::LegalObligation,
                provided: false,
                created,
                last_activity: created,
                completed: None,
                fields: Vec::new(),
            });
        }
        Ok(out)
    }

    fn replace(
        &self,
        _: &SubjectId,
        _: &RecordId,
        _: FieldLabel,
        _: Envelope,
    ) -> Result<bool, HostError> {
        Ok(false)
    }

    fn erase(&self, subject: &SubjectId, record: &RecordId) -> Result<bool, HostError> {
        std::thread::sleep(self.delay);
        match fs::remove_file(self.dir.join(subject.as_str()).join(record.as_str())) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Self::io(e)),
        }
    }
}

fn signer() -> CheckpointSigner {
    CheckpointSigner::from_secret_bytes("test.example/retention", [0x42; 32]).unwrap()
}

fn sweep_time() -> Timestamp {
    Timestamp::parse("2026-06-01T00:00:00Z").unwrap()
}

/// A custodian auditing into the file log in `dir/audit`.
fn custodian(dir: &Path) -> (Custodian, Arc<custodian::audit::FileLog>) {
    let vault = Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(1, RootKey::from_bytes(&[7; 32]).unwrap())),
            Arc::new(MemoryKeyStore::new()),
        )
        .unwrap();
    let (log, _) = LogOptions::new()
        .durability(Durability::EveryEntry)
        .open(dir.join("audit"), signer())
        .unwrap();
    let log = Arc::new(log);
    let policy = marketplace()
        .build(PolicyVersion::new("1"), Timestamp::EPOCH)
        .unwrap();
    let custodian = Custodian::builder()
        .policy(PolicySchedule::single(policy))
        .vault(vault)
        .ledger(custodian::consent::MemoryStore::new())
        .audit(Arc::clone(&log))
        .build()
        .unwrap()
        .with_retention(Schedule::germany());
    (custodian, log)
}

/// Commercial letters of 2015 (kept until the end of 2021: expired) and
/// invoices of 2025 (kept until the end of 2033).
fn seed(records: &Path) {
    let letter = Timestamp::parse("2015-05-05T00:00:00Z")
        .unwrap()
        .unix_millis();
    let invoice = Timestamp::parse("2025-05-05T00:00:00Z")
        .unwrap()
        .unix_millis();
    for s in 0..SUBJECTS {
        let dir = records.join(format!("cus_{s}"));
        fs::create_dir_all(&dir).unwrap();
        for i in 0..LETTERS {
            fs::write(
                dir.join(format!("letter-{i}")),
                format!("commercial_letter {letter}"),
            )
            .unwrap();
        }
        for i in 0..INVOICES {
            fs::write(
                dir.join(format!("invoice-{i}")),
                format!("invoice {invoice}"),
            )
            .unwrap();
        }
    }
}

fn count(records: &Path, prefix: &str) -> usize {
    fs::read_dir(records)
        .unwrap()
        .flat_map(|s| fs::read_dir(s.unwrap().path()).unwrap())
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(prefix)
        })
        .count()
}

fn purge_events(log: &custodian::audit::FileLog) -> usize {
    (0..log.size())
        .map(|i| AuditEvent::from_json(&log.entry(i).unwrap()).unwrap())
        .filter(|e| e.action() == Action::RetentionPurge)
        .count()
}

/// The child: sweeps slowly until it is killed. Run only by the test
/// below, which sets the directory.
#[test]
#[ignore = "run as a child process by sweep_killed_midway_is_finished_by_running_again"]
fn child_sweeps_slowly() {
    let dir = PathBuf::from(std::env::var(DIR_VAR).expect("run by the parent test"));
    let (custodian, _log) = custodian(&dir);
    let host = FileHost {
        dir: dir.join("records"),
        delay: Duration::from_millis(40),
    };
    custodian.sweep(&host, sweep_time()).unwrap();
}

#[test]
fn sweep_killed_midway_is_finished_by_running_again() {
    let tmp = tempfile::tempdir().unwrap();
    let records = tmp.path().join("records");
    seed(&records);
    let expired = SUBJECTS * LETTERS;

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_sweeps_slowly",
            "--test-threads=1",
        ])
        .env(DIR_VAR, tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count(&records, "letter-") > expired - 5 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child never purged"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child finished before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let left = count(&records, "letter-");
    assert!(
        left > 0 && left < expired,
        "killed midway: {left} of {expired} left"
    );

    let (custodian, log) = custodian(tmp.path());
    let before = log.size();
    let recorded = purge_events(&log);
    // Every purge that happened was recorded first.
    assert!(
        recorded >= expired - left,
        "{recorded} events for {} purges",
        expired - left
    );

    let host = FileHost {
        dir: records.clone(),
        delay: Duration::ZERO,
    };
    let report = custodian.sweep(&host, sweep_time()).unwrap();
    assert_eq!(report.purged as usize, left);
    assert_eq!(count(&records, "letter-"), 0);
    assert_eq!(count(&records, "invoice-"), SUBJECTS * INVOICES);
    // Idempotent: a third run has nothing to do.
    let again = custodian.sweep(&host, sweep_time()).unwrap();
    assert_eq!(
        (again.purged, again.kept as usize),
        (0, SUBJECTS * INVOICES)
    );

    // The log kept everything the child wrote and only grew.
    assert!(log.size() >= before + left as u64);
    assert!(purge_events(&log) >= expired);
    log.checkpoint().unwrap();
    drop(custodian);
    drop(log);
    let verified = verify(&tmp.path().join("audit"), &signer().verifier(), None).unwrap();
    assert!(
        matches!(verified.verdict, Verdict::Verified { .. }),
        "{verified}"
    );
}
