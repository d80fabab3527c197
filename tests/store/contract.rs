//! The contract of every storage trait, as functions over trait objects;
//! each backend's module runs all of them (see [`conformance!`]).

use custodian::VaultError;
use custodian::audit::{
    Action, AuditEvent, AuditSink, EvidenceError, EvidenceRef, EvidenceStore, Outcome,
};
use custodian::consent::{ConsentStatus, ConsentStore, Scope, StoreError, fold};
use custodian::ids::RecipientId;
use custodian::purpose::Purpose;
use custodian::vault::{
    DataKeyVersion, KeyId, KeyRecord, KeyScope, KeyState, KeyStore, ScopeTag, StoredKey, Tombstone,
};
use proptest::prelude::*;

use crate::{event, subject};

/// Runs every contract against the [`Stores`] `$open` returns, one
/// `#[test]` each; `$open` returns `None` when its backend is not there
/// (it says why), and the test does nothing.
#[macro_export]
macro_rules! conformance {
    ($open:expr) => {
        /// The stores, or return from the test.
        macro_rules! stores {
            ($o:expr) => {
                match $o() {
                    Some(stores) => stores,
                    None => return,
                }
            };
        }

        #[test]
        fn keys_create_keeps_the_first_record_of_a_scope() {
            $crate::contract::create_keeps_the_first_record(&*stores!($open).keys);
        }
        #[test]
        fn keys_update_is_compare_and_set_and_keeps_counters() {
            $crate::contract::update_is_compare_and_set(&*stores!($open).keys);
        }
        #[test]
        fn keys_reserve_never_passes_the_limit() {
            $crate::contract::reserve_never_passes_the_limit(&*stores!($open).keys);
        }
        #[test]
        fn keys_destroy_leaves_a_tombstone_that_refuses_the_scope() {
            $crate::contract::destroy_leaves_a_tombstone(&*stores!($open).keys);
        }
        #[test]
        fn keys_list_pages_in_id_order() {
            $crate::contract::list_pages_in_id_order(&*stores!($open).keys);
        }
        #[test]
        fn keys_behave_like_the_memory_model() {
            drop(stores!($open));
            $crate::contract::keys_match_the_model(&|| $open().unwrap().keys);
        }
        #[test]
        fn consent_is_append_only_in_time_order() {
            $crate::contract::consent_is_append_only_in_time_order(&*stores!($open).consent);
        }
        #[test]
        fn consent_events_round_trip_every_field() {
            $crate::contract::consent_round_trips(&*stores!($open).consent);
        }
        #[test]
        fn consent_state_is_the_fold_of_the_history() {
            drop(stores!($open));
            $crate::contract::consent_state_is_the_fold(&|| $open().unwrap().consent);
        }
        #[test]
        fn evidence_put_get_remove() {
            $crate::contract::evidence(&*stores!($open).evidence);
        }
        #[test]
        fn requests_insert_once_update_by_revision_and_purge_closed() {
            $crate::contract::requests(stores!($open).requests);
        }
        #[test]
        fn disclosures_come_back_in_time_order() {
            $crate::contract::disclosures(&*stores!($open).disclosures);
        }
        #[test]
        fn holds_put_replace_remove() {
            $crate::contract::holds(&*stores!($open).holds);
        }
        #[test]
        fn audit_keeps_every_event_in_order() {
            let stores = stores!($open);
            $crate::contract::audit(&*stores.audit, &*stores.read_back);
        }
    };
}

/// The stores under test.
pub(crate) struct Stores {
    pub(crate) keys: Box<dyn KeyStore>,
    pub(crate) consent: Box<dyn ConsentStore>,
    pub(crate) evidence: Box<dyn EvidenceStore>,
    pub(crate) audit: Box<dyn AuditSink>,
    pub(crate) requests: std::sync::Arc<dyn custodian::rights::RequestStore>,
    pub(crate) holds: Box<dyn custodian::retention::HoldStore>,
    pub(crate) disclosures: Box<dyn custodian::disclosure::DisclosureLog>,
    /// The events the sink holds, oldest first.
    pub(crate) read_back: Box<dyn Fn() -> Vec<AuditEvent>>,
    /// What must outlive the stores (a temporary directory).
    pub(crate) _guard: Option<tempfile::TempDir>,
}

impl Stores {
    /// Every store of `store`; `guard` outlives them.
    pub(crate) fn of(store: &custodian::store::Store, guard: Option<tempfile::TempDir>) -> Self {
        let audit = store.audit();
        Self {
            keys: Box::new(store.keys()),
            consent: Box::new(store.consent()),
            evidence: Box::new(store.evidence()),
            audit: Box::new(store.audit()),
            requests: std::sync::Arc::new(store.requests()),
            holds: Box::new(store.holds()),
            disclosures: Box::new(store.disclosures()),
            read_back: Box::new(move || crate::durable::read_back(&audit)),
            _guard: guard,
        }
    }
}

fn record(scope: KeyScope, versions: u32) -> KeyRecord {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).expect("rng");
    KeyRecord {
        id: KeyId::from_bytes(id),
        scope,
        versions: (1..=versions)
            .map(|version| DataKeyVersion {
                version,
                state: if version == 1 {
                    KeyState::Active
                } else {
                    KeyState::DecryptOnly
                },
                root_version: 1,
                wrapped: vec![version as u8; 60],
                encryptions: 0,
            })
            .collect(),
        revision: 0,
        created_at: 1_700_000_000,
    }
}

/// The tombstone a vault would write for `id` (the tag stands in for the
/// keyed fingerprint of the record's scope).
fn tombstone(id: KeyId, destroyed_at: u64, tag: u8) -> Tombstone {
    Tombstone {
        id,
        destroyed_at,
        scope: ScopeTag::from_bytes([tag; 16]),
    }
}

pub(crate) fn create_keeps_the_first_record(store: &dyn KeyStore) {
    let scope = KeyScope::subject(&subject("cust_first"));
    let first = store.create(record(scope.clone(), 2), None).unwrap();
    let second = store.create(record(scope.clone(), 1), None).unwrap();
    assert_eq!(second, first, "the second create returns the first record");
    assert_eq!(store.find(&scope).unwrap(), Some(first.clone()));
    assert_eq!(
        store.load(&first.id).unwrap(),
        Some(StoredKey::Live(first.clone()))
    );
    // The loser's id was never stored.
    let loser = record(scope, 1);
    store.create(loser.clone(), None).unwrap();
    assert_eq!(store.load(&loser.id).unwrap(), None);
    assert!(store.find(&KeyScope::shared("nobody")).unwrap().is_none());
}

pub(crate) fn update_is_compare_and_set(store: &dyn KeyStore) {
    let mut rec = store
        .create(record(KeyScope::shared("catalog"), 1), None)
        .unwrap();
    assert_eq!(store.reserve(&rec.id, 1, 10, 100).unwrap(), 10);
    rec.revision += 1;
    rec.versions[0].encryptions = 0; // not taken from the caller
    rec.versions.push(DataKeyVersion {
        version: 2,
        state: KeyState::DecryptOnly,
        root_version: 1,
        wrapped: vec![2; 60],
        encryptions: 7, // a new version's counter is taken as given
    });
    store.update(&rec).unwrap();
    assert!(matches!(store.update(&rec), Err(VaultError::Conflict)));
    let stored = store.find(&rec.scope).unwrap().unwrap();
    assert_eq!(stored.revision, 1);
    assert_eq!(stored.versions.len(), 2);
    assert_eq!(stored.versions[0].encryptions, 10);
    assert_eq!(stored.versions[1].encryptions, 7);

    // A stale revision, another scope: conflicts; nothing changes.
    let mut moved = stored.clone();
    moved.revision += 1;
    moved.scope = KeyScope::shared("elsewhere");
    assert!(matches!(store.update(&moved), Err(VaultError::Conflict)));
    let unknown = record(KeyScope::shared("ghost"), 1);
    assert!(matches!(store.update(&unknown), Err(VaultError::NoKey)));
    store.destroy(&tombstone(rec.id, 5, 1)).unwrap();
    let mut late = stored;
    late.revision += 1;
    assert!(matches!(store.update(&late), Err(VaultError::Destroyed)));
}

pub(crate) fn reserve_never_passes_the_limit(store: &dyn KeyStore) {
    let rec = store
        .create(record(KeyScope::shared("a"), 1), None)
        .unwrap();
    assert_eq!(store.reserve(&rec.id, 1, 60, 100).unwrap(), 60);
    assert_eq!(store.reserve(&rec.id, 1, 60, 100).unwrap(), 40);
    assert!(matches!(
        store.reserve(&rec.id, 1, 1, 100),
        Err(VaultError::EncryptionLimit {
            version: 1,
            limit: 100
        })
    ));
    assert_eq!(
        store.find(&rec.scope).unwrap().unwrap().versions[0].encryptions,
        100
    );
    assert!(matches!(
        store.reserve(&rec.id, 2, 1, 100),
        Err(VaultError::UnknownVersion { version: 2 })
    ));
    let unknown = record(KeyScope::shared("b"), 1);
    assert!(matches!(
        store.reserve(&unknown.id, 1, 1, 100),
        Err(VaultError::NoKey)
    ));
}

pub(crate) fn destroy_leaves_a_tombstone(store: &dyn KeyStore) {
    let scope = KeyScope::subject(&subject("cust_gone"));
    let rec = store.create(record(scope.clone(), 2), None).unwrap();
    store.destroy(&tombstone(rec.id, 42, 7)).unwrap();
    store.destroy(&tombstone(rec.id, 43, 8)).unwrap();
    assert_eq!(
        store.load(&rec.id).unwrap(),
        Some(StoredKey::Destroyed(tombstone(rec.id, 42, 7))),
        "the first tombstone stays, with its scope tag"
    );
    assert!(store.find(&scope).unwrap().is_none());
    assert!(store.list(None, 10).unwrap().is_empty());
    assert!(matches!(
        store.reserve(&rec.id, 1, 1, 10),
        Err(VaultError::Destroyed)
    ));
    let unknown = record(KeyScope::shared("never"), 1);
    assert!(matches!(
        store.destroy(&tombstone(unknown.id, 1, 9)),
        Err(VaultError::NoKey)
    ));
    // A first seal for the forgotten scope is refused and stores nothing;
    // another tag is another scope.
    let refused = record(scope.clone(), 1);
    assert!(matches!(
        store.create(refused.clone(), Some(&ScopeTag::from_bytes([7; 16]))),
        Err(VaultError::Destroyed)
    ));
    assert_eq!(store.load(&refused.id).unwrap(), None);
    assert!(store.find(&scope).unwrap().is_none());
    let other = KeyScope::subject(&subject("cust_other"));
    store
        .create(record(other, 1), Some(&ScopeTag::from_bytes([6; 16])))
        .unwrap();
    // Reinstating (no tag) frees the scope: a new record, a new id.
    let again = store.create(record(scope.clone(), 1), None).unwrap();
    assert_ne!(again.id, rec.id);
    assert_eq!(store.find(&scope).unwrap(), Some(again));
}

pub(crate) fn list_pages_in_id_order(store: &dyn KeyStore) {
    let mut made: Vec<KeyId> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(|n| {
            store
                .create(record(KeyScope::shared(n), 2), None)
                .unwrap()
                .id
        })
        .collect();
    store.destroy(&tombstone(made[2], 1, 2)).unwrap();
    let gone = made.remove(2);
    made.sort();
    let first = store.list(None, 2).unwrap();
    let rest = store.list(Some(&first[1].id), 10).unwrap();
    let listed: Vec<KeyId> = first.iter().chain(&rest).map(|r| r.id).collect();
    assert_eq!(listed, made, "live records, in id order, each once");
    assert!(!listed.contains(&gone));
    assert!(first.iter().chain(&rest).all(|r| r.versions.len() == 2));
    assert!(store.list(Some(&made[3]), 10).unwrap().is_empty());
    assert!(store.list(None, 0).unwrap().is_empty());
}

/// One step of a key-store workload.
#[derive(Clone, Debug)]
enum KeyOp {
    /// Scope, versions, and whether the caller reinstates (no tag).
    Create(u8, u8, bool),
    Update(u8, bool),
    Reserve(u8, u32, u64),
    Destroy(u8),
    List(u8, usize),
}

fn key_op() -> impl Strategy<Value = KeyOp> {
    prop_oneof![
        (0..4u8, 1..3u8, any::<bool>()).prop_map(|(s, v, r)| KeyOp::Create(s, v, r)),
        (0..4u8, any::<bool>()).prop_map(|(s, stale)| KeyOp::Update(s, stale)),
        (0..4u8, 1..3u32, 0..40u64).prop_map(|(s, v, n)| KeyOp::Reserve(s, v, n)),
        (0..4u8).prop_map(KeyOp::Destroy),
        (0..5u8, 0..4usize).prop_map(|(a, n)| KeyOp::List(a, n)),
    ]
}

fn outcome<T: std::fmt::Debug>(r: Result<T, VaultError>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => format!("err {e}"),
    }
}

/// Runs random workloads on a fresh store and on a `MemoryKeyStore`; every
/// answer must be the same (ids are drawn once, so both see the same).
pub(crate) fn keys_match_the_model(open: &dyn Fn() -> Box<dyn KeyStore>) {
    let config = ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in prop::collection::vec(key_op(), 1..24))| {
        let store = open();
        let model = custodian::vault::MemoryKeyStore::new();
        let scopes: Vec<KeyScope> = (0..4)
            .map(|i| if i % 2 == 0 {
                KeyScope::subject(&subject(&format!("cust_{i}")))
            } else {
                KeyScope::shared(format!("shared_{i}"))
            })
            .collect();
        // Each record's id and its scope's tag.
        let mut ids: Vec<(KeyId, u8)> = Vec::new();
        for op in ops {
            let (a, b) = match &op {
                KeyOp::Create(s, v, reinstate) => {
                    let rec = record(scopes[*s as usize].clone(), u32::from(*v));
                    ids.push((rec.id, *s));
                    let tag = ScopeTag::from_bytes([*s; 16]);
                    let tag = (!reinstate).then_some(&tag);
                    (outcome(store.create(rec.clone(), tag)), outcome(model.create(rec, tag)))
                }
                KeyOp::Update(s, stale) => {
                    let Some(mut rec) = model.find(&scopes[*s as usize]).unwrap() else { continue };
                    if !*stale { rec.revision += 1; }
                    rec.versions.iter_mut().for_each(|v| v.state = KeyState::DecryptOnly);
                    (outcome(store.update(&rec)), outcome(model.update(&rec)))
                }
                KeyOp::Reserve(s, v, n) => {
                    let Some((id, _)) = ids.get(*s as usize) else { continue };
                    (outcome(store.reserve(id, *v, *n, 50)), outcome(model.reserve(id, *v, *n, 50)))
                }
                KeyOp::Destroy(s) => {
                    let Some(&(id, tag)) = ids.get(*s as usize) else { continue };
                    let dead = tombstone(id, 9, tag);
                    (outcome(store.destroy(&dead)), outcome(model.destroy(&dead)))
                }
                KeyOp::List(after, n) => {
                    let mut sorted: Vec<KeyId> = ids.iter().map(|(id, _)| *id).collect();
                    sorted.sort();
                    let after = sorted.get(*after as usize);
                    (outcome(store.list(after, *n)), outcome(model.list(after, *n)))
                }
            };
            prop_assert_eq!(a, b, "after {:?}", op);
        }
        for (id, _) in &ids {
            prop_assert_eq!(store.load(id).unwrap(), model.load(id).unwrap());
        }
    });
}

pub(crate) fn consent_is_append_only_in_time_order(store: &dyn ConsentStore) {
    let (ada, bo) = (subject("ada"), subject("bo"));
    store
        .append(event(
            &ada,
            Purpose::Marketing,
            None,
            ConsentStatus::Given,
            10_000,
            false,
        ))
        .unwrap();
    // The same instant is fine; earlier is not; other subjects are apart.
    store
        .append(event(
            &ada,
            Purpose::Marketing,
            None,
            ConsentStatus::Withdrawn,
            10_000,
            false,
        ))
        .unwrap();
    let late = event(
        &ada,
        Purpose::Marketing,
        None,
        ConsentStatus::Given,
        9_999,
        false,
    );
    assert_eq!(store.append(late.clone()), Err(StoreError::OutOfOrder));
    store
        .append(event(
            &bo,
            Purpose::Marketing,
            None,
            ConsentStatus::Given,
            1,
            false,
        ))
        .unwrap();
    let history = store.history(&ada).unwrap();
    assert_eq!(history.len(), 2);
    assert!(!history.contains(&late), "a refused event is not stored");
    let state = store
        .state(&ada, Scope::purpose(Purpose::Marketing))
        .unwrap()
        .unwrap();
    assert_eq!(state.status, ConsentStatus::Withdrawn);
    assert_eq!(state.event, history[1].id());
    assert_eq!(
        store.state(&ada, Scope::purpose(Purpose::Shipping)),
        Ok(None)
    );
    let nobody = subject("nobody");
    assert_eq!(
        store.state(&nobody, Scope::purpose(Purpose::Marketing)),
        Ok(None)
    );
    assert!(store.history(&nobody).unwrap().is_empty());
}

pub(crate) fn consent_round_trips(store: &dyn ConsentStore) {
    let ada = subject("cus_ada");
    let events = [
        event(
            &ada,
            Purpose::Marketing,
            Some("carrier_dhl"),
            ConsentStatus::Given,
            5,
            true,
        ),
        event(
            &ada,
            Purpose::Marketing,
            None,
            ConsentStatus::Refused,
            6,
            false,
        ),
        event(
            &ada,
            Purpose::ServiceImprovement,
            None,
            ConsentStatus::Renewed,
            7,
            true,
        ),
    ];
    for e in &events {
        store.append(e.clone()).unwrap();
    }
    assert_eq!(store.history(&ada).unwrap(), events);
}

/// A purpose, an optional recipient and a status, from small indexes.
fn consent_step() -> impl Strategy<Value = (u8, Option<u8>, u8, u8)> {
    (0..2u8, prop::option::of(0..2u8), 0..7u8, 0..3u8)
}

pub(crate) fn consent_state_is_the_fold(open: &dyn Fn() -> Box<dyn ConsentStore>) {
    let config = ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    };
    let purposes = [Purpose::Marketing, Purpose::ServiceImprovement];
    let recipients = [
        RecipientId::parse("carrier_dhl").unwrap(),
        RecipientId::parse("psp_adyen").unwrap(),
    ];
    proptest!(config, |(steps in prop::collection::vec(consent_step(), 1..20))| {
        let store = open();
        let ada = subject("cus_fold");
        let mut accepted = Vec::new();
        let mut now = 1_000u64;
        for (p, r, s, back) in steps {
            // Some steps go back in time and must be refused.
            let ms = now + 10 - u64::from(back) * 10;
            let e = event(
                &ada,
                purposes[p as usize],
                r.map(|r| recipients[r as usize].as_str()),
                ConsentStatus::ALL[s as usize],
                ms,
                s % 2 == 0,
            );
            match store.append(e.clone()) {
                Ok(()) => { accepted.push(e); now = ms; }
                Err(StoreError::OutOfOrder) => prop_assert!(ms < now),
                Err(other) => prop_assert!(false, "{}", other),
            }
        }
        let history = store.history(&ada).unwrap();
        prop_assert_eq!(&history, &accepted);
        for purpose in purposes {
            let mut scopes = vec![Scope::purpose(purpose)];
            scopes.extend(recipients.iter().map(|r| Scope::recipient(purpose, r)));
            for scope in scopes {
                prop_assert_eq!(store.state(&ada, scope).unwrap(), fold(&history, scope));
            }
        }
    });
}

pub(crate) fn evidence(store: &dyn EvidenceStore) {
    let sealed = b"...sealed evidence bytes...".to_vec();
    let r = store.put(&sealed).unwrap();
    assert_eq!(r, EvidenceRef::of(&sealed));
    assert_eq!(store.put(&sealed).unwrap(), r, "storing twice is harmless");
    assert_eq!(store.get(&r).unwrap(), sealed);
    let other = store.put(b"other").unwrap();
    store.remove(&r).unwrap();
    store.remove(&r).unwrap();
    assert!(matches!(store.get(&r), Err(EvidenceError::NotFound)));
    assert_eq!(store.get(&other).unwrap(), b"other");
}

pub(crate) fn audit(sink: &dyn AuditSink, read_back: &dyn Fn() -> Vec<AuditEvent>) {
    let events: Vec<AuditEvent> = (0..25)
        .map(|i| AuditEvent::new(Action::Reveal, Outcome::Allowed).with_count(i))
        .collect();
    for e in &events {
        sink.record(e).unwrap();
    }
    assert_eq!(read_back(), events);
}

/// A custodian over memory stores that keeps its rights requests in
/// `requests`.
fn rights_custodian(
    requests: std::sync::Arc<dyn custodian::rights::RequestStore>,
) -> custodian::Custodian {
    use custodian::ids::PolicyVersion;
    use custodian::policy::{PolicySchedule, marketplace};
    use custodian::time::Timestamp;
    let vault = custodian::vault::Vault::builder()
        .build(
            crate::root(),
            std::sync::Arc::new(custodian::vault::MemoryKeyStore::new()),
        )
        .unwrap();
    custodian::Custodian::builder()
        .policy(PolicySchedule::single(
            marketplace()
                .build(PolicyVersion::new("1"), Timestamp::EPOCH)
                .unwrap(),
        ))
        .vault(vault)
        .ledger(custodian::consent::MemoryStore::new())
        .audit(custodian::audit::MemorySink::new())
        .build()
        .unwrap()
        .with_request_store(requests)
}

pub(crate) fn requests(store: std::sync::Arc<dyn custodian::rights::RequestStore>) {
    use custodian::rights::{Profile, RequestKind, RequestStoreError, Status};
    let custodian = rights_custodian(std::sync::Arc::clone(&store));
    let (ada, bob) = (subject("cust_ada"), subject("cust_bob"));
    let at = crate::millis(1_750_000_000_000);
    let id = custodian
        .receive_request(&ada, RequestKind::Access, Profile::Gdpr, at)
        .unwrap();
    let first = store.load(id).unwrap().unwrap();
    assert_eq!((first.status(), first.revision()), (Status::Initiated, 0));
    assert_eq!(store.insert(&first), Err(RequestStoreError::Duplicate));
    custodian.accept(id, at).unwrap();
    let accepted = store.load(id).unwrap().unwrap();
    assert_eq!(
        (accepted.status(), accepted.revision()),
        (Status::Accepted, 1)
    );
    // A writer holding the old revision loses.
    assert_eq!(store.update(&first), Err(RequestStoreError::Conflict));
    assert_eq!(store.update(&accepted), Err(RequestStoreError::Conflict));
    assert_eq!(store.load(id).unwrap().unwrap(), accepted);
    // Complaints come back with their sealed description.
    let complaint = custodian
        .file_complaint(
            &ada,
            "a parcel went astray",
            None,
            None,
            Profile::COMPLAINT,
            at,
        )
        .unwrap();
    assert_eq!(
        custodian
            .complaint_description(complaint)
            .unwrap()
            .unwrap()
            .as_str(),
        "a parcel went astray"
    );
    assert_eq!(store.open().unwrap().len(), 2);
    assert_eq!(store.of_subject(&ada).unwrap().len(), 2);
    assert!(store.of_subject(&bob).unwrap().is_empty());
    assert!(
        store
            .load(custodian::audit::RequestId::from_u128(1))
            .unwrap()
            .is_none()
    );
    // Only closed requests go, and only those closed before the cutoff.
    let closed = crate::millis(1_750_000_100_000);
    custodian.close_unfulfilled(id, closed).unwrap();
    assert_eq!(store.open().unwrap().len(), 1);
    assert_eq!(store.purge_closed_before(closed).unwrap(), 0);
    assert_eq!(
        store
            .purge_closed_before(crate::millis(1_750_000_100_001))
            .unwrap(),
        1
    );
    assert!(store.load(id).unwrap().is_none());
    assert!(store.load(complaint).unwrap().is_some());
}

pub(crate) fn holds(store: &dyn custodian::retention::HoldStore) {
    use custodian::audit::{HoldId, HoldReason};
    use custodian::pii::Category;
    use custodian::records::RecordId;
    use custodian::retention::{Hold, HoldKind};
    let ada = subject("cust_ada");
    let freeze = Hold::freeze(
        HoldId::from_u128(1),
        ada.clone(),
        HoldReason::LegalClaims,
        "case 17",
        None,
        crate::millis(1_000),
    );
    let mut held = Hold {
        id: HoldId::from_u128(2),
        kind: HoldKind::Erasure,
        subject: ada.clone(),
        records: vec![RecordId::new("invoice-1"), RecordId::new("invoice-2")],
        categories: vec![Category::Transaction, Category::Location],
        reason: HoldReason::LegalObligation,
        purpose: Purpose::LegalCompliance,
        source: "HGB §257(4)".into(),
        until: Some(custodian::time::Date::from_ymd(2033, 12, 31).unwrap()),
        placed: crate::millis(2_000),
    };
    store.put(&freeze).unwrap();
    store.put(&held).unwrap();
    let mut found = store.of_subject(&ada).unwrap();
    found.sort_by_key(|h| h.id);
    assert_eq!(found, [freeze.clone(), held.clone()]);
    held.until = None;
    store.put(&held).unwrap();
    assert!(store.of_subject(&ada).unwrap().contains(&held));
    assert!(store.of_subject(&subject("cust_bob")).unwrap().is_empty());
    assert!(store.remove(freeze.id).unwrap());
    assert!(!store.remove(freeze.id).unwrap());
    assert_eq!(store.of_subject(&ada).unwrap(), [held]);
}

pub(crate) fn disclosures(log: &dyn custodian::disclosure::DisclosureLog) {
    use custodian::disclosure::Disclosed;
    use custodian::pii::Category;
    let (ada, bob) = (subject("cust_ada"), subject("cust_bob"));
    let sent = |ms, categories: &[Category], purpose| Disclosed {
        recipient: RecipientId::new("dhl"),
        categories: categories.to_vec(),
        purpose,
        at: crate::millis(ms),
    };
    let later = sent(
        2_000,
        &[Category::Location, Category::Contact],
        Purpose::Shipping,
    );
    let earlier = sent(1_000, &[Category::Financial], Purpose::PaymentProcessing);
    log.record(&ada, later.clone()).unwrap();
    log.record(&ada, earlier.clone()).unwrap();
    log.record(&bob, sent(1_500, &[], Purpose::Shipping))
        .unwrap();
    assert_eq!(log.of_subject(&ada).unwrap(), [earlier, later]);
    assert_eq!(log.of_subject(&bob).unwrap()[0].categories, []);
    assert!(log.of_subject(&subject("cust_eve")).unwrap().is_empty());
}
