//! Several OS processes on one database: this test binary re-executes
//! itself as workers (the ignored `worker` test, selected by
//! `CUSTODIAN_WORKER`), which report each operation that returned `Ok` as
//! a line `custodian-ack …` on stdout. The scenarios are generic over the
//! backend; `sqlite.rs` and `postgres.rs` run them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use custodian::VaultError;
use custodian::audit::{Action, AuditEvent, AuditSink, Outcome};
use custodian::consent::{ConsentState, ConsentStatus, ConsentStore, Scope, StoreError};
use custodian::pii::Email;
use custodian::purpose::Purpose;
use custodian::store::{Store, StoreOptions};
use custodian::vault::{Envelope, Erasable, FieldLabel, KeyScope, KeyStore, Vault};
use custodian::{SealError, SubjectId};

use crate::durable::read_back;
use crate::{event, root, subject};

const ACK: &str = "custodian-ack ";
const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");
const EMAIL: &str = "ada@example.com";
/// Longest a worker may run before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(120);

/// Opens the workers' database, `sqlite:<path>` or `postgres:<conninfo>`.
fn open(spec: &str, options: StoreOptions) -> Store {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        #[cfg(feature = "sqlite")]
        return options.sqlite(path).unwrap();
        #[cfg(not(feature = "sqlite"))]
        panic!("no sqlite backend for {path}");
    }
    if let Some(url) = spec.strip_prefix("postgres:") {
        #[cfg(feature = "postgres")]
        return options.postgres(url).unwrap();
        #[cfg(not(feature = "postgres"))]
        panic!("no postgres backend for {url}");
    }
    panic!("unknown store spec {spec}")
}

fn ack(line: impl std::fmt::Display) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{ACK}{line}").unwrap();
    out.flush().unwrap();
}

/// The worker process; does nothing unless started by a scenario.
#[test]
#[ignore = "a worker process, started by the cross-process tests"]
fn worker() {
    let Ok(role) = std::env::var("CUSTODIAN_WORKER") else {
        return;
    };
    let spec = std::env::var("CUSTODIAN_STORE").unwrap();
    let args: Vec<String> = std::env::var("CUSTODIAN_ARGS")
        .unwrap_or_default()
        .split('\u{1f}')
        .map(str::to_owned)
        .collect();
    match role.as_str() {
        "seal" => seal_worker(&spec, &args),
        "consent" => consent_worker(&spec, &args),
        "audit" => audit_worker(&spec, &args),
        "shared" => shared_worker(&spec, &args),
        "watch" => watch_worker(&spec, &args),
        "crash" => crash_worker(&spec, &args),
        "requests" => requests_worker(&spec, &args),
        other => panic!("unknown worker role {other}"),
    }
}

/// A running worker and the acks it has sent so far.
pub(crate) struct Worker {
    child: Child,
    lines: Receiver<String>,
}

impl Worker {
    pub(crate) fn start(role: &str, spec: &str, args: &[&str]) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "workers::worker",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env("CUSTODIAN_WORKER", role)
            .env("CUSTODIAN_STORE", spec)
            .env("CUSTODIAN_ARGS", args.join("\u{1f}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(ack) = line.strip_prefix(ACK) {
                    if send.send(ack.to_owned()).is_err() {
                        return;
                    }
                }
            }
        });
        Self { child, lines }
    }

    /// The next ack, waiting at most [`PATIENCE`].
    pub(crate) fn next(&self) -> String {
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("a worker sent nothing for {PATIENCE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("a worker ended early"),
        }
    }

    /// Waits for the worker to succeed; every ack it sent.
    pub(crate) fn finish(mut self) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "a worker failed: {status}");
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("a worker ran longer than {PATIENCE:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.rest()
    }

    /// SIGKILLs the worker; every ack it sent before it died.
    pub(crate) fn kill(mut self) -> Vec<String> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.rest()
    }

    fn rest(self) -> Vec<String> {
        // The reader thread ends at end of file, after the last ack.
        self.lines.iter().collect()
    }
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + PATIENCE;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Writes a file under its final name atomically.
fn publish(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

fn seal(vault: &Vault, who: &SubjectId) -> Envelope {
    let email = Email::parse(EMAIL).unwrap();
    vault.seal(&email, &KeyScope::subject(who), LOGIN).unwrap()
}

fn opens(vault: &Vault, sealed: &Envelope, who: &SubjectId) -> Result<Erasable<Email>, SealError> {
    vault.open::<Email>(sealed, &KeyScope::subject(who), LOGIN)
}

// ---- two processes seal for the same new subject -------------------------

fn seal_worker(spec: &str, args: &[String]) {
    let (dir, me, peer, who) = (Path::new(&args[0]), &args[1], &args[2], subject(&args[3]));
    let vault = open(spec, StoreOptions::new()).vault(root()).unwrap();
    ack("ready");
    wait_for(&dir.join("go"));
    let sealed = seal(&vault, &who);
    publish(&dir.join(me), &sealed.to_text());
    wait_for(&dir.join(peer));
    for name in [me, peer] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let opened = opens(&vault, &Envelope::from_text(&text).unwrap(), &who).unwrap();
        assert_eq!(opened.present().map(Email::expose), Some(EMAIL));
    }
    ack("opened both");
}

/// Two processes seal for the same new subject at the same moment: one
/// data key, and each opens both values.
pub(crate) fn same_new_subject_sealed_concurrently(spec: &str) {
    let store = open(spec, StoreOptions::new());
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let who = format!("cust_race_{round}");
        let a = Worker::start("seal", spec, &[d, "a", "b", &who]);
        let b = Worker::start("seal", spec, &[d, "b", "a", &who]);
        assert_eq!((a.next(), b.next()), ("ready".into(), "ready".into()));
        std::fs::write(dir.path().join("go"), b"").unwrap();
        assert_eq!(a.finish(), ["opened both"]);
        assert_eq!(b.finish(), ["opened both"]);
        let record = store
            .keys()
            .find(&KeyScope::subject(&subject(&who)))
            .unwrap()
            .unwrap();
        for name in ["a", "b"] {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert_eq!(Envelope::from_text(&text).unwrap().key_id(), record.id);
        }
        let records = store.keys().list(None, 1000).unwrap();
        let of_subject = records
            .iter()
            .filter(|r| r.scope == KeyScope::subject(&subject(&who)))
            .count();
        assert_eq!(of_subject, 1, "exactly one data key for the subject");
    }
}

// ---- several processes move one rights request ---------------------------

/// A custodian whose vault and rights requests are in the store at `spec`.
fn rights_custodian(spec: &str) -> custodian::Custodian {
    use custodian::ids::PolicyVersion;
    use custodian::policy::{PolicySchedule, marketplace};
    let store = open(spec, StoreOptions::new());
    custodian::Custodian::builder()
        .policy(PolicySchedule::single(
            marketplace()
                .build(PolicyVersion::new("1"), custodian::time::Timestamp::EPOCH)
                .unwrap(),
        ))
        .vault(store.vault(root()).unwrap())
        .ledger(custodian::consent::MemoryStore::new())
        .audit(custodian::audit::MemorySink::new())
        .build()
        .unwrap()
        .with_request_store(Arc::new(store.requests()))
}

fn requests_worker(spec: &str, args: &[String]) {
    use custodian::rights::{RequestStoreError, RightsError};
    let id = custodian::audit::RequestId::parse(&args[0]).unwrap();
    let n: usize = args[1].parse().unwrap();
    let custodian = rights_custodian(spec);
    for i in 0..n {
        loop {
            let now = custodian::time::Timestamp::now();
            match custodian.note_complaint(id, "note", now) {
                Ok(_) => break,
                // A peer moved the request since it was read: read again.
                Err(RightsError::Store(RequestStoreError::Conflict)) => {}
                Err(other) => panic!("{other}"),
            }
        }
        ack(i);
    }
}

/// Three processes add notes to one complaint at once: the revision
/// compare-and-set loses no update, so the stored complaint holds exactly
/// the notes that were acknowledged.
pub(crate) fn concurrent_request_updates(spec: &str) {
    use custodian::rights::{Profile, RequestStore as _};
    let custodian = rights_custodian(spec);
    let ada = subject("cust_complains");
    let now = custodian::time::Timestamp::now();
    let id = custodian
        .file_complaint(
            &ada,
            "three agents answered",
            None,
            None,
            Profile::COMPLAINT,
            now,
        )
        .unwrap();
    let text = id.to_string();
    let workers: Vec<_> = (0..3)
        .map(|_| Worker::start("requests", spec, &[&text, "8"]))
        .collect();
    let acks: usize = workers.into_iter().map(|w| w.finish().len()).sum();
    assert_eq!(acks, 24);
    let stored = open(spec, StoreOptions::new())
        .requests()
        .load(id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.complaint().unwrap().notes.len(), acks);
    assert_eq!(stored.revision(), acks as u64);
}

// ---- two processes grant and withdraw consent ----------------------------

fn consent_worker(spec: &str, args: &[String]) {
    let (who, n): (SubjectId, usize) = (subject(&args[0]), args[1].parse().unwrap());
    let store = open(spec, StoreOptions::new()).consent();
    for i in 0..n {
        let status = if i % 2 == 0 {
            ConsentStatus::Given
        } else {
            ConsentStatus::Withdrawn
        };
        let now = custodian::time::Timestamp::now().unix_millis();
        let e = event(&who, Purpose::Marketing, None, status, now, false);
        match store.append(e.clone()) {
            Ok(()) => ack(format!("{}", e.id())),
            // A peer's later event landed first: refused, as it must be.
            Err(StoreError::OutOfOrder) => {}
            Err(other) => panic!("{other}"),
        }
    }
}

/// Two processes grant and withdraw concurrently: every acknowledged event
/// is in the ledger, nothing else is, and the state is the last one's.
pub(crate) fn concurrent_consent(spec: &str) {
    let who = "cust_consent_race";
    let workers = [
        Worker::start("consent", spec, &[who, "150"]),
        Worker::start("consent", spec, &[who, "150"]),
    ];
    let acked: BTreeSet<String> = workers.into_iter().flat_map(Worker::finish).collect();
    let store = open(spec, StoreOptions::new()).consent();
    let history = store.history(&subject(who)).unwrap();
    let stored: BTreeSet<String> = history.iter().map(|e| e.id().to_string()).collect();
    assert_eq!(stored, acked, "no acknowledged event lost, no other stored");
    assert_eq!(stored.len(), history.len());
    assert!(history.windows(2).all(|w| w[0].time() <= w[1].time()));
    let last = history.last().unwrap();
    assert_eq!(
        store
            .state(&subject(who), Scope::purpose(Purpose::Marketing))
            .unwrap(),
        Some(ConsentState::of(last))
    );
}

// ---- two processes append audit events -----------------------------------

fn audit_worker(spec: &str, args: &[String]) {
    let (base, n): (u64, u64) = (args[0].parse().unwrap(), args[1].parse().unwrap());
    let audit = open(spec, StoreOptions::new()).audit();
    let event = |i| AuditEvent::new(Action::Reveal, Outcome::Allowed).with_count(base + i);
    for i in (0..n).step_by(10) {
        if i % 20 == 0 {
            audit
                .record_batch(&(i..i + 10).map(event).collect::<Vec<_>>())
                .unwrap();
        } else {
            (i..i + 10).for_each(|j| audit.record(&event(j)).unwrap());
        }
        ack(i);
    }
}

/// Two processes appending (one by one and in batches) keep one chain
/// that the crate's verifier accepts, holding each event once.
pub(crate) fn concurrent_audit(spec: &str) {
    let workers = [
        Worker::start("audit", spec, &["0", "200"]),
        Worker::start("audit", spec, &["1000000", "200"]),
    ];
    workers.into_iter().for_each(|w| drop(w.finish()));
    let events = read_back(&open(spec, StoreOptions::new()).audit());
    let counts: Vec<u64> = events.iter().filter_map(AuditEvent::count).collect();
    let unique: BTreeSet<u64> = counts.iter().copied().collect();
    assert_eq!((counts.len(), unique.len()), (400, 400));
    // Each writer's events keep their order in the one chain.
    for base in [0, 1_000_000] {
        let mine: Vec<u64> = counts
            .iter()
            .copied()
            .filter(|c| (base..base + 200).contains(c))
            .collect();
        assert_eq!(mine, (base..base + 200).collect::<Vec<_>>());
    }
}

// ---- a shared key's encryption counter ----------------------------------

fn shared_worker(spec: &str, args: &[String]) {
    let limit: u64 = args[0].parse().unwrap();
    let store = open(spec, StoreOptions::new());
    let vault = Vault::builder()
        .shared_key_limit(limit)
        .lease_size(7)
        .build(root(), Arc::new(store.keys()))
        .unwrap();
    let email = Email::parse(EMAIL).unwrap();
    let mut sealed = 0u64;
    loop {
        match vault.seal(&email, &KeyScope::shared("warehouse"), LOGIN) {
            Ok(_) => sealed += 1,
            Err(SealError::Vault(VaultError::EncryptionLimit { .. })) => break,
            Err(other) => panic!("{other}"),
        }
    }
    ack(sealed);
}

/// Two processes sealing under one shared key never pass its limit.
pub(crate) fn shared_counter_bound(spec: &str) {
    let limit = 300u64;
    let l = limit.to_string();
    let workers = [
        Worker::start("shared", spec, &[&l]),
        Worker::start("shared", spec, &[&l]),
    ];
    let sealed: u64 = workers
        .into_iter()
        .flat_map(Worker::finish)
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    let record = open(spec, StoreOptions::new())
        .keys()
        .find(&KeyScope::shared("warehouse"))
        .unwrap()
        .unwrap();
    assert_eq!(
        record.versions[0].encryptions, limit,
        "the counter stops at its bound"
    );
    assert!(sealed <= limit, "{sealed} seals under a limit of {limit}");
    // At most the unused rest of each process's last lease is lost.
    assert!(sealed + 2 * 7 >= limit, "{sealed}");
}

// ---- a forget in one process reaches another's cache ---------------------

fn watch_worker(spec: &str, args: &[String]) {
    let (who, sealed) = (subject(&args[0]), Envelope::from_text(&args[1]).unwrap());
    let every = Duration::from_millis(args[2].parse().unwrap());
    let store = open(spec, StoreOptions::new().watch_interval(every));
    let vault = match args[3].as_str() {
        "watched" => store.vault(root()).unwrap(),
        _ => Vault::builder()
            .build(root(), Arc::new(store.keys()))
            .unwrap(),
    };
    assert!(matches!(
        opens(&vault, &sealed, &who).unwrap(),
        Erasable::Present(_)
    ));
    ack("opened");
    let until = Instant::now() + Duration::from_millis(args[4].parse().unwrap());
    while Instant::now() < until {
        if opens(&vault, &sealed, &who).unwrap().is_erased() {
            ack("erased");
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    ack("still opens");
}

/// A subject forgotten in this process can no longer be opened in another
/// (which had the key cached) within the documented bound; a vault that is
/// not watched keeps its cache (which is why the watch exists).
pub(crate) fn forget_reaches_other_processes(spec: &str) {
    let every = 100u64;
    for (who, mode) in [("cust_watched", "watched"), ("cust_unwatched", "unwatched")] {
        let store = open(spec, StoreOptions::new());
        let vault = store.vault(root()).unwrap();
        let who = subject(who);
        let sealed = seal(&vault, &who);
        let window = 3_000u64;
        let worker = Worker::start(
            "watch",
            spec,
            &[
                who.as_str(),
                &sealed.to_text(),
                &every.to_string(),
                mode,
                &window.to_string(),
            ],
        );
        assert_eq!(worker.next(), "opened");
        let forgotten = Instant::now();
        vault.forget(&who).unwrap().unwrap();
        let outcome = worker.next();
        let took = forgotten.elapsed();
        drop(worker.finish());
        if mode == "watched" {
            assert_eq!(outcome, "erased");
            // Documented: two intervals plus a read; generous for a busy CI.
            assert!(took < Duration::from_millis(2 * every + 1_500), "{took:?}");
        } else {
            assert_eq!(outcome, "still opens", "an unwatched cache keeps the key");
        }
    }
}

// ---- crash safety: SIGKILL a writer mid-workload --------------------------

fn crash_worker(spec: &str, args: &[String]) {
    let prefix = &args[0];
    let store = open(spec, StoreOptions::new());
    let vault = store.vault(root()).unwrap();
    let consent = store.consent();
    let audit = store.audit();
    let email = Email::parse(EMAIL).unwrap();
    for i in 0..10_000u64 {
        let who = subject(&format!("{prefix}_{i}"));
        match i % 4 {
            0 => {
                let sealed = vault.seal(&email, &KeyScope::subject(&who), LOGIN).unwrap();
                ack(format!("key {who} {}", sealed.to_text()));
            }
            1 => {
                let now = custodian::time::Timestamp::now().unix_millis();
                let e = event(
                    &who,
                    Purpose::Marketing,
                    None,
                    ConsentStatus::Given,
                    now,
                    true,
                );
                consent.append(e.clone()).unwrap();
                ack(format!("consent {who} {}", e.id()));
            }
            2 => {
                let batch: Vec<AuditEvent> = (0..(i % 7 + 1))
                    .map(|j| {
                        AuditEvent::new(Action::Reveal, Outcome::Allowed).with_count(i * 10 + j)
                    })
                    .collect();
                audit.record_batch(&batch).unwrap();
                ack(format!("audit {} {}", i * 10, batch.len()));
            }
            _ => {
                let earlier = subject(&format!("{prefix}_{}", i - 3));
                vault.forget(&earlier).unwrap().unwrap();
                ack(format!("forget {earlier}"));
            }
        }
    }
}

/// What the crash runs checked, for the report.
#[derive(Debug, Default)]
pub(crate) struct CrashReport {
    pub(crate) runs: u32,
    pub(crate) acknowledged: usize,
    pub(crate) keys: usize,
    pub(crate) forgets: usize,
    pub(crate) consents: usize,
    pub(crate) audit_events: usize,
}

/// How many crash runs per backend: `CUSTODIAN_CRASH_RUNS`, default 5.
pub(crate) fn crash_runs() -> u32 {
    std::env::var("CUSTODIAN_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

fn random_below(n: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    u64::from_le_bytes(b) % n
}

/// SIGKILLs a writer at a random point of a long workload, `runs` times on
/// one database: after each, every operation acknowledged before the kill
/// is there, whole, and nothing is half-written.
pub(crate) fn crash_safety(spec: &str, runs: u32) -> CrashReport {
    let mut report = CrashReport::default();
    for run in 0..runs {
        let prefix = format!("crash{run}");
        let worker = Worker::start("crash", spec, &[&prefix]);
        // Let it get going (the first ack), then kill at a random moment.
        let mut acks = vec![worker.next()];
        std::thread::sleep(Duration::from_millis(20 + random_below(400)));
        acks.extend(worker.kill());
        check_after_crash(spec, &acks, &mut report);
        report.runs += 1;
    }
    report
}

/// The workload step an ack reports (see `crash_worker`).
fn step_of(line: &str) -> u64 {
    let parts: Vec<&str> = line.split(' ').collect();
    let name_step = |name: &str| name.rsplit('_').next().unwrap().parse::<u64>().unwrap();
    match parts[0] {
        "audit" => parts[1].parse::<u64>().unwrap() / 10,
        "forget" => name_step(parts[1]) + 3,
        _ => name_step(parts[1]),
    }
}

fn check_after_crash(spec: &str, acks: &[String], report: &mut CrashReport) {
    let store = open(spec, StoreOptions::new());
    let vault = Vault::builder()
        .build(root(), Arc::new(store.keys()))
        .unwrap();
    let mut sealed: BTreeMap<String, Envelope> = BTreeMap::new();
    let mut forgotten: BTreeSet<String> = BTreeSet::new();
    let mut audit_counts: BTreeSet<u64> = BTreeSet::new();
    for line in acks {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[0] {
            "key" => {
                sealed.insert(parts[1].into(), Envelope::from_text(parts[2]).unwrap());
                report.keys += 1;
            }
            "forget" => {
                forgotten.insert(parts[1].into());
                report.forgets += 1;
            }
            "consent" => {
                let history = store.consent().history(&subject(parts[1])).unwrap();
                assert_eq!(history.len(), 1, "one whole event for {}", parts[1]);
                assert_eq!(history[0].id().to_string(), parts[2]);
                report.consents += 1;
            }
            "audit" => {
                let (first, n): (u64, u64) = (parts[1].parse().unwrap(), parts[2].parse().unwrap());
                audit_counts.extend(first..first + n);
            }
            other => panic!("unknown ack {other}"),
        }
        report.acknowledged += 1;
    }
    // The step after the last ack was in flight when the writer died: if
    // it was a forget, that subject may or may not be forgotten.
    let in_flight = acks.last().map_or(0, |l| step_of(l) + 1);
    let prefix = acks[0]
        .split(' ')
        .nth(1)
        .and_then(|n| n.rsplit_once('_'))
        .map(|(p, _)| p);
    let maybe = (in_flight % 4 == 3).then(|| format!("{}_{}", prefix.unwrap_or(""), in_flight - 3));
    for (who, envelope) in &sealed {
        let opened = opens(&vault, envelope, &subject(who)).unwrap();
        if maybe.as_deref() == Some(who.as_str()) {
            continue;
        }
        if forgotten.contains(who) {
            assert!(opened.is_erased(), "{who} was forgotten");
        } else {
            assert!(
                matches!(opened, Erasable::Present(_)),
                "{who}'s key survived"
            );
        }
    }
    // No record was left half-written (without versions or an active one).
    let records = store.keys().list(None, usize::MAX).unwrap();
    assert!(records.iter().all(|r| r.active().is_some()));
    // The log verifies, holds every acknowledged event, and each batch is
    // all there or not at all.
    let events = read_back(&store.audit());
    let logged: Vec<u64> = events
        .iter()
        .filter(|e| e.action() == Action::Reveal)
        .filter_map(AuditEvent::count)
        .collect();
    let logged_set: BTreeSet<u64> = logged.iter().copied().collect();
    assert!(
        audit_counts.is_subset(&logged_set),
        "an acknowledged audit event was lost"
    );
    for batch_start in logged.iter().filter(|c| *c % 10 == 0) {
        let i = batch_start / 10;
        let whole = (0..(i % 7 + 1)).all(|j| logged_set.contains(&(batch_start + j)));
        assert!(whole, "the batch at {batch_start} is whole");
    }
    report.audit_events = logged_set.len();
}

/// The cross-process scenarios and the crash runs, one `#[test]` each, on
/// a fresh database from `$fresh` (which returns `Some((guard, spec))`, or
/// `None` when the backend is not there).
#[macro_export]
macro_rules! processes {
    ($fresh:expr) => {
        $crate::processes!(@each $fresh; same_new_subject_sealed_concurrently, concurrent_consent,
            concurrent_audit, shared_counter_bound, forget_reaches_other_processes,
            concurrent_request_updates);

        #[test]
        fn crash_safety() {
            let Some((_guard, spec)) = $fresh() else { return };
            let report = $crate::workers::crash_safety(&spec, $crate::workers::crash_runs());
            // Past the harness's capture: the counts belong in the log.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "crash safety ({}): {report:?}", module_path!());
            assert_eq!(report.runs, $crate::workers::crash_runs());
        }
    };
    (@each $fresh:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                if let Some((_guard, spec)) = $fresh() {
                    $crate::workers::$name(&spec);
                }
            }
        )*
    };
}
