//! What only a durable store can show: restarts, migrations, damaged
//! rows, a tampered audit table, the front door in one line. Each backend
//! runs these with [`durable!`], giving a way to open its database and to
//! run raw SQL on it (the statements below are valid on both engines).

use std::path::Path;

use custodian::audit::{
    Action, AuditEvent, AuditSink, EvidenceStore, LogOptions, Outcome, Problem, Verdict, verify,
};
use custodian::consent::{ConsentStatus, ConsentStore, Scope, StoreError};
use custodian::pii::Email;
use custodian::purpose::Purpose;
use custodian::store::{StorageError, Store, StoreAudit};
use custodian::vault::{Erasable, FieldLabel, KeyScope, KeyStore};
use custodian::{Custodian, SealError, VaultError};

use crate::{event, root, signer, subject};

const LOGIN: FieldLabel = FieldLabel::new("customer.login_email");

/// A database under test: opened as often as a test asks, with raw SQL
/// on the side (the first column of each row, as text).
pub(crate) trait Database {
    fn try_open(&self) -> Result<Store, StorageError>;

    fn raw(&self, sql: &str) -> Vec<String>;

    fn open(&self) -> Store {
        self.try_open().unwrap()
    }
}

/// One `#[test]` per durable-store test, each on a fresh database from
/// `$fresh` (`None`: the backend is not there, and the test does nothing).
#[macro_export]
macro_rules! durable {
    ($fresh:expr) => {
        $crate::durable!(@each $fresh; restart_keeps_everything, newer_schema_is_refused,
            corrupt_rows_are_typed, tombstones_keep_no_subject_id,
            audit_tampering_is_located, front_door, version_1_databases_migrate,
            rights_survive_a_restart);
    };
    (@each $fresh:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                if let Some(db) = $fresh() {
                    $crate::durable::$name(&db);
                }
            }
        )*
    };
}

/// Every event the store's log holds, read back through an export that
/// the crate's verifier accepts.
pub(crate) fn read_back(audit: &StoreAudit) -> Vec<AuditEvent> {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = audit.checkpoint(&signer()).unwrap();
    let exported = audit.export(dir.path()).unwrap();
    let report = verify(dir.path(), &signer().verifier(), Some(&checkpoint)).unwrap();
    assert!(report.is_verified(), "{report}");
    assert_eq!(report.entries, exported.entries);
    entries(dir.path())
}

fn entries(dir: &Path) -> Vec<AuditEvent> {
    let (log, _) = LogOptions::new().open(dir, signer()).unwrap();
    (0..log.size())
        .map(|i| AuditEvent::from_json(&log.entry(i).unwrap()).unwrap())
        .collect()
}

/// A subject's marketing consent status, as the store holds it.
fn marketing(store: &Store, who: &custodian::SubjectId) -> Option<ConsentStatus> {
    let scope = Scope::purpose(Purpose::Marketing);
    store.consent().state(who, scope).unwrap().map(|s| s.status)
}

/// The actions of the store's audit log, in order.
fn actions(store: &Store) -> Vec<Action> {
    read_back(&store.audit())
        .iter()
        .map(AuditEvent::action)
        .collect()
}

/// The typed store error inside a vault error.
fn storage(e: &VaultError) -> &StorageError {
    match e {
        VaultError::Store(source) => source.downcast_ref().expect("a StorageError"),
        other => panic!("expected a store failure, got {other}"),
    }
}

/// The whole error chain as text.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

pub(crate) fn restart_keeps_everything(db: &dyn Database) {
    let open = || db.open();
    let (kept, gone) = (subject("cust_kept"), subject("cust_gone"));
    let email = Email::parse("ada@example.com").unwrap();
    let (sealed_kept, sealed_gone, evidence) = {
        let store = open();
        let vault = store.vault(root()).unwrap();
        let a = vault
            .seal(&email, &KeyScope::subject(&kept), LOGIN)
            .unwrap();
        let b = vault
            .seal(&email, &KeyScope::subject(&gone), LOGIN)
            .unwrap();
        vault.forget(&gone).unwrap().expect("had a key");
        store
            .consent()
            .append(event(
                &kept,
                Purpose::Marketing,
                None,
                ConsentStatus::Given,
                1_000,
                true,
            ))
            .unwrap();
        store
            .audit()
            .record(&AuditEvent::new(Action::PolicyActivated, Outcome::Done))
            .unwrap();
        (a, b, store.evidence().put(b"sealed evidence").unwrap())
    };
    let store = open();
    let vault = store.vault(root()).unwrap();
    let opened = vault
        .open::<Email>(&sealed_kept, &KeyScope::subject(&kept), LOGIN)
        .unwrap();
    assert_eq!(opened.present().map(Email::expose), Some("ada@example.com"));
    assert!(
        vault
            .open::<Email>(&sealed_gone, &KeyScope::subject(&gone), LOGIN)
            .unwrap()
            .is_erased()
    );
    // Forgetting is final across the restart: no new key for the subject,
    // and the tombstone still tells its owner from another scope.
    assert!(matches!(
        vault.seal(&email, &KeyScope::subject(&gone), LOGIN),
        Err(SealError::Shredded { .. })
    ));
    assert!(matches!(
        vault.open::<Email>(&sealed_gone, &KeyScope::subject(&kept), LOGIN),
        Err(SealError::WrongSubject { .. })
    ));
    assert_eq!(marketing(&store, &kept), Some(ConsentStatus::Given));
    let actions = actions(&store);
    assert_eq!(
        actions,
        [Action::SubjectKeyForgotten, Action::PolicyActivated],
        "the vault's own forget was audited into the same log"
    );
    assert_eq!(store.evidence().get(&evidence).unwrap(), b"sealed evidence");
}

pub(crate) fn version_1_databases_migrate(db: &dyn Database) {
    let (open, raw) = (|| db.try_open(), |sql| db.raw(sql));
    drop(open().unwrap());
    // The state a database of migration 1 is in.
    raw("DROP TABLE custodian_rights_requests");
    raw("DROP TABLE custodian_holds");
    raw("UPDATE custodian_schema SET version = 1");
    let store = open().unwrap();
    assert_eq!(raw("SELECT version FROM custodian_schema"), ["2"]);
    use custodian::retention::HoldStore as _;
    assert!(
        store
            .holds()
            .of_subject(&subject("cust_ada"))
            .unwrap()
            .is_empty()
    );
}

pub(crate) fn newer_schema_is_refused(db: &dyn Database) {
    let (open, raw) = (|| db.try_open(), |sql| db.raw(sql));
    drop(open().unwrap());
    raw("UPDATE custodian_schema SET version = 99");
    for _ in 0..2 {
        match open() {
            Err(StorageError::SchemaTooNew {
                found: 99,
                supported: 2,
            }) => {}
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
    }
    assert_eq!(raw("SELECT version FROM custodian_schema"), ["99"]);
}

pub(crate) fn corrupt_rows_are_typed(db: &dyn Database) {
    let (open, raw) = (|| db.open(), |sql| db.raw(sql));
    let (bad, good) = (subject("cust_bad"), subject("cust_good"));
    let email = Email::parse("ada@example.com").unwrap();
    let store = open();
    let vault = store.vault(root()).unwrap();
    let sealed_bad = vault.seal(&email, &KeyScope::subject(&bad), LOGIN).unwrap();
    let sealed_good = vault
        .seal(&email, &KeyScope::subject(&good), LOGIN)
        .unwrap();
    for who in [&bad, &good] {
        store
            .consent()
            .append(event(
                who,
                Purpose::Marketing,
                None,
                ConsentStatus::Given,
                5,
                false,
            ))
            .unwrap();
    }
    // A damaged wrapped key (the row's digest bytes in its place), and an
    // event whose status no longer parses.
    raw(
        "UPDATE custodian_key_versions SET wrapped = digest WHERE key_id = (SELECT id FROM custodian_keys WHERE scope_name = 'cust_bad')",
    );
    raw("UPDATE custodian_consent_events SET status = 'bogus' WHERE subject = 'cust_bad'");

    let expected_key = StorageError::Corrupt {
        table: "custodian_key_versions",
        subject: Some(store.pseudonym(&bad)),
    };
    let err = store.keys().find(&KeyScope::subject(&bad)).unwrap_err();
    assert_eq!(storage(&err).to_string(), expected_key.to_string());
    assert!(!chain(&err).contains("cust_bad"), "{}", chain(&err));
    // A fresh process (no cache) cannot open the value: a typed failure.
    let fresh = open().vault(root()).unwrap();
    match fresh.open::<Email>(&sealed_bad, &KeyScope::subject(&bad), LOGIN) {
        Err(SealError::Vault(e)) => assert!(matches!(storage(&e), StorageError::Corrupt { .. })),
        other => panic!("expected a corrupt-row failure, got {other:?}"),
    }
    let opened = fresh
        .open::<Email>(&sealed_good, &KeyScope::subject(&good), LOGIN)
        .unwrap();
    assert!(
        matches!(opened, Erasable::Present(_)),
        "other subjects keep working"
    );

    let expected = StoreError::Corrupt {
        table: "custodian_consent_events",
        subject: Some(store.pseudonym(&bad)),
    };
    assert_eq!(store.consent().history(&bad), Err(expected));
    assert_eq!(
        store
            .consent()
            .state(&bad, Scope::purpose(Purpose::Marketing)),
        Err(expected)
    );
    assert!(!expected.to_string().contains("cust_bad"));
    assert_eq!(store.consent().history(&good).unwrap().len(), 1);
}

pub(crate) fn tombstones_keep_no_subject_id(db: &dyn Database) {
    let (open, raw) = (|| db.open(), |sql| db.raw(sql));
    let store = open();
    let vault = store.vault(root()).unwrap();
    let who = subject("cust_erased");
    let email = Email::parse("ada@example.com").unwrap();
    vault.seal(&email, &KeyScope::subject(&who), LOGIN).unwrap();
    let tombstone = vault.forget(&who).unwrap().unwrap();
    assert_eq!(
        raw("SELECT COUNT(*) FROM custodian_keys WHERE scope_name = 'cust_erased'"),
        ["0"]
    );
    assert_eq!(
        raw(
            "SELECT COUNT(*) FROM custodian_key_versions v JOIN custodian_keys k ON k.id = v.key_id WHERE k.destroyed_at IS NOT NULL"
        ),
        ["0"],
        "no wrapped key is left under a tombstone"
    );
    assert_eq!(
        raw(
            "SELECT COUNT(*) FROM custodian_keys WHERE scope_name IS NULL AND destroyed_at IS NOT NULL"
        ),
        ["1"]
    );
    assert!(matches!(
        store.keys().load(&tombstone.id).unwrap(),
        Some(custodian::vault::StoredKey::Destroyed(t)) if t == tombstone
    ));
}

pub(crate) fn audit_tampering_is_located(db: &dyn Database) {
    let (open, raw) = (|| db.open(), |sql| db.raw(sql));
    let store = open();
    let audit = store.audit();
    let events: Vec<AuditEvent> = (0..10)
        .map(|i| AuditEvent::new(Action::Disclosure, Outcome::Allowed).with_count(i))
        .collect();
    audit.record_batch(&events[..4]).unwrap();
    for e in &events[4..] {
        audit.record(e).unwrap();
    }
    assert_eq!(read_back(&audit), events);
    let checkpoint = audit.checkpoint(&signer()).unwrap();
    let verdict = |problem_at: Option<(u64, Problem)>| {
        let dir = tempfile::tempdir().unwrap();
        audit.export(dir.path()).unwrap();
        let report = verify(dir.path(), &signer().verifier(), Some(&checkpoint)).unwrap();
        match problem_at {
            None => assert!(report.is_verified(), "{report}"),
            Some((entry, problem)) => assert_eq!(
                report.verdict,
                Verdict::Broken { entry, problem },
                "{report}"
            ),
        }
    };
    verdict(None);
    raw("UPDATE custodian_audit_entries SET body = leaf WHERE idx = 3");
    verdict(Some((3, Problem::Altered)));
    // A process that has not seen the entries yet refuses to sign them.
    let err = open().audit().checkpoint(&signer()).unwrap_err();
    assert!(
        matches!(
            err,
            StorageError::Corrupt {
                table: "custodian_audit_entries",
                subject: None
            }
        ),
        "{err}"
    );
    raw("DELETE FROM custodian_audit_entries WHERE idx = 3");
    verdict(Some((3, Problem::OutOfSequence { found: 4 })));
}

pub(crate) fn front_door(db: &dyn Database) {
    let open = || db.open();
    use custodian::ids::PolicyVersion;
    use custodian::policy::{PolicySchedule, marketplace};
    use custodian::time::Timestamp;

    let schedule = || {
        PolicySchedule::single(
            marketplace()
                .build(PolicyVersion::new("2025-06"), Timestamp::EPOCH)
                .unwrap(),
        )
    };
    let ada = subject("cust_front");
    {
        let store = open();
        let custodian = Custodian::builder()
            .store(&store, root())
            .unwrap()
            .policy(schedule())
            .build()
            .unwrap();
        let e = event(
            &ada,
            Purpose::Marketing,
            None,
            ConsentStatus::Given,
            1_000,
            false,
        );
        let how = custodian::consent::Collection::new(
            *e.version(),
            e.time(),
            e.method(),
            e.jurisdiction().clone(),
        );
        custodian
            .give_consent(&ada, Purpose::Marketing, &how)
            .unwrap();
    }
    let store = open();
    assert_eq!(marketing(&store, &ada), Some(ConsentStatus::Given));
    let actions = actions(&store);
    assert_eq!(actions, [Action::PolicyActivated, Action::ConsentGranted]);
}

/// Requests, holds and disclosures are in the database: after a restart
/// the overdue report still lists the request, the freeze still holds, and
/// the carrier that received the data is still known.
pub(crate) fn rights_survive_a_restart(db: &dyn Database) {
    use custodian::audit::HoldReason;
    use custodian::ids::{PolicyVersion, RecipientId, Reference};
    use custodian::pii::Category;
    use custodian::policy::{PolicySchedule, marketplace};
    use custodian::rights::{Profile, RequestKind};
    use custodian::time::{Date, Timestamp};

    let custodian = |store: &Store| {
        let carrier = custodian::disclosure::Recipient::new(
            RecipientId::new("dhl"),
            "DHL",
            custodian::disclosure::RecipientKind::Carrier,
        )
        .agreement(custodian::disclosure::Agreement::new(
            Reference::new("DPA-1"),
            &[Category::Location],
            &[Purpose::Shipping],
        ));
        let policy = marketplace()
            .recipient(carrier)
            .build(PolicyVersion::new("1"), Timestamp::EPOCH)
            .unwrap();
        Custodian::builder()
            .store(store, root())
            .unwrap()
            .policy(PolicySchedule::single(policy))
            .build()
            .unwrap()
            .with_store_rights(store)
    };
    let ada = subject("cust_rights");
    let at = Timestamp::parse("2025-01-31T09:00:00Z").unwrap();
    let id = {
        let store = db.open();
        let c = custodian(&store);
        let dhl = RecipientId::new("dhl");
        c.disclose(&ada, &dhl, &[Category::Location], Purpose::Shipping, at)
            .unwrap();
        c.freeze(&ada, HoldReason::LegalClaims, "case 9", None, at)
            .unwrap();
        c.receive_request(&ada, RequestKind::Erasure, Profile::Gdpr, at)
            .unwrap()
    };
    let store = db.open();
    let c = custodian(&store);
    let late = c.overdue(Date::from_ymd(2025, 3, 1).unwrap()).unwrap();
    assert_eq!(late.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    c.accept(id, at).unwrap();
    let host = custodian::records::MemoryHost::new();
    let notifier = custodian::rights::MemoryNotifier::new();
    let report = c.erase(id, &host, &notifier, at).unwrap();
    assert!(report.categories.is_empty() && report.holds.is_empty());
    use custodian::disclosure::DisclosureLog as _;
    use custodian::retention::HoldStore as _;
    assert_eq!(store.disclosures().of_subject(&ada).unwrap().len(), 1);
    assert_eq!(store.holds().of_subject(&ada).unwrap().len(), 1);
    assert!(
        c.overdue(Date::from_ymd(2025, 3, 1).unwrap())
            .unwrap()
            .is_empty()
    );
}

/// Recording into `store` while another writer holds the lock (until
/// `release`) fails with [`StorageError::Busy`] after about `timeout`,
/// writes nothing, and works again once the lock is gone.
pub(crate) fn busy_is_typed(store: &Store, timeout: std::time::Duration, release: impl FnOnce()) {
    use custodian::audit::SinkError;

    let event = AuditEvent::new(Action::PolicyActivated, Outcome::Done);
    let started = std::time::Instant::now();
    let err = store.audit().record(&event).unwrap_err();
    let waited = started.elapsed();
    let SinkError::Host(source) = &err else {
        panic!("expected a store failure, got {err}");
    };
    assert!(
        matches!(source.downcast_ref(), Some(StorageError::Busy { waited }) if *waited == timeout),
        "{source}"
    );
    assert!(
        waited >= timeout && waited < timeout + std::time::Duration::from_secs(5),
        "{waited:?}"
    );
    release();
    assert_eq!(store.audit().size().unwrap(), 0, "nothing half-written");
    store.audit().record(&event).unwrap();
    assert_eq!(store.audit().size().unwrap(), 1);
}
