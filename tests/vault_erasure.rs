//! Erasure is final: no in-flight read, cache clear or reseal job brings a
//! forgotten subject's key back, and an erased value tells only its own
//! subject that it was erased.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use custodian::pii::Email;
use custodian::vault::{
    Envelope, FieldLabel, KeyId, KeyRecord, KeyScope, KeyStore, MemoryKeyStore, Resealed, RootKey,
    RootKeyRing, ScopeTag, StoredKey, Tombstone, Vault,
};
use custodian::{SealError, SubjectId, VaultError};

const LABEL: FieldLabel = FieldLabel::new("customer.email");

/// Which store read the gate holds back.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Hold {
    Load,
    Find,
}

#[derive(Debug, Default)]
struct GateState {
    hold: Option<Hold>,
    /// A held read has fetched its answer and waits.
    read_done: bool,
    released: bool,
}

/// A real in-memory store whose `load` or `find` can be held between
/// reading its answer and returning it, as a slow SQL round trip would be.
#[derive(Debug, Default)]
struct GatedStore {
    inner: MemoryKeyStore,
    gate: Mutex<GateState>,
    changed: Condvar,
    /// Random delays instead of the gate (for the stress test).
    jitter: AtomicBool,
}

impl GatedStore {
    fn arm(&self, hold: Hold) {
        *self.gate.lock().expect("gate") = GateState {
            hold: Some(hold),
            ..GateState::default()
        };
    }

    fn wait_until_read(&self) {
        let mut gate = self.gate.lock().expect("gate");
        while !gate.read_done {
            gate = self.changed.wait(gate).expect("gate");
        }
    }

    fn release(&self) {
        self.gate.lock().expect("gate").released = true;
        self.changed.notify_all();
    }

    /// Holds the calling read if the gate is armed for `kind` (once).
    fn pass(&self, kind: Hold) {
        if self.jitter.load(Ordering::Relaxed) {
            thread::sleep(Duration::from_micros(u64::from(nanos() % 300)));
            return;
        }
        let mut gate = self.gate.lock().expect("gate");
        if gate.hold != Some(kind) {
            return;
        }
        gate.hold = None;
        gate.read_done = true;
        self.changed.notify_all();
        while !gate.released {
            gate = self.changed.wait(gate).expect("gate");
        }
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

impl KeyStore for GatedStore {
    fn find(&self, scope: &KeyScope) -> Result<Option<KeyRecord>, VaultError> {
        let found = self.inner.find(scope)?;
        self.pass(Hold::Find);
        Ok(found)
    }
    fn load(&self, id: &KeyId) -> Result<Option<StoredKey>, VaultError> {
        let loaded = self.inner.load(id)?;
        self.pass(Hold::Load);
        Ok(loaded)
    }
    fn create(
        &self,
        record: KeyRecord,
        forgotten: Option<&ScopeTag>,
    ) -> Result<KeyRecord, VaultError> {
        self.inner.create(record, forgotten)
    }
    fn update(&self, record: &KeyRecord) -> Result<(), VaultError> {
        self.inner.update(record)
    }
    fn reserve(&self, id: &KeyId, version: u32, want: u64, limit: u64) -> Result<u64, VaultError> {
        self.inner.reserve(id, version, want, limit)
    }
    fn destroy(&self, tombstone: &Tombstone) -> Result<(), VaultError> {
        self.inner.destroy(tombstone)
    }
    fn list(&self, after: Option<&KeyId>, limit: usize) -> Result<Vec<KeyRecord>, VaultError> {
        self.inner.list(after, limit)
    }
}

/// A vault over `store`; every vault of a test shares one root key, as
/// the processes of one host do.
fn vault_over(store: &Arc<GatedStore>) -> Vault {
    Vault::builder()
        .build(
            Arc::new(RootKeyRing::new(
                1,
                RootKey::from_bytes(&[42; 32]).expect("32 bytes"),
            )),
            Arc::clone(store) as Arc<dyn KeyStore>,
        )
        .expect("vault")
}

fn email() -> Email {
    Email::parse("ada@example.com").expect("valid")
}

/// After the race: the old value reads as erased, and nothing new is
/// sealed for the forgotten subject, under the destroyed key or a new one.
fn assert_erasure_held(vault: &Vault, sealed: &Envelope, ada: &KeyScope) {
    let reopened = vault.open::<Email>(sealed, ada, LABEL).expect("open");
    assert!(reopened.is_erased(), "a forgotten subject's value opened");
    let again = vault.seal(&email(), ada, LABEL);
    assert!(
        again.as_ref().is_err_and(SealError::is_shredded),
        "{again:?}"
    );
}

/// Seals for Ada, then opens the value on another thread whose store read
/// is held until `between(vault)` ran, and checks that erasure held.
fn open_across(between: impl FnOnce(&Vault)) {
    let store = Arc::new(GatedStore::default());
    let vault = vault_over(&store);
    let ada = KeyScope::subject(&SubjectId::new("ada"));
    let sealed = vault.seal(&email(), &ada, LABEL).expect("seal");
    vault.clear_cache().expect("clear");
    store.arm(Hold::Load);
    let reader = {
        let (vault, sealed, ada) = (vault.clone(), sealed.clone(), ada.clone());
        thread::spawn(move || vault.open::<Email>(&sealed, &ada, LABEL).map(|_| ()))
    };
    store.wait_until_read();
    between(&vault);
    store.release();
    // Overlapping the erasure, the read may still see the value once.
    reader.join().expect("reader").expect("open");
    assert_erasure_held(&vault, &sealed, &ada);
}

#[test]
fn a_read_in_flight_during_forget_does_not_bring_the_key_back() {
    open_across(|vault| {
        vault.forget(&SubjectId::new("ada")).expect("forget");
    });
}

#[test]
fn a_read_in_flight_during_forget_and_a_cache_clear_is_not_cached() {
    open_across(|vault| {
        vault.forget(&SubjectId::new("ada")).expect("forget");
        // The tombstone the cache knew is gone with the clear.
        vault.clear_cache().expect("clear");
    });
}

#[test]
fn a_seal_in_flight_during_forget_is_refused() {
    let store = Arc::new(GatedStore::default());
    let vault = vault_over(&store);
    let ada = KeyScope::subject(&SubjectId::new("ada"));
    let sealed = vault.seal(&email(), &ada, LABEL).expect("seal");
    vault.clear_cache().expect("clear");
    store.arm(Hold::Find);
    let writer = {
        let (vault, ada) = (vault.clone(), ada.clone());
        thread::spawn(move || vault.seal(&email(), &ada, LABEL))
    };
    store.wait_until_read();
    vault.forget(&SubjectId::new("ada")).expect("forget");
    store.release();
    let late = writer.join().expect("writer");
    assert!(late.as_ref().is_err_and(SealError::is_shredded), "{late:?}");
    assert_erasure_held(&vault, &sealed, &ada);
}

#[test]
fn reads_racing_forget_never_revive_it() {
    for round in 0..200 {
        let store = Arc::new(GatedStore::default());
        store.jitter.store(true, Ordering::Relaxed);
        let vault = vault_over(&store);
        let id = SubjectId::new(format!("ada_{round}"));
        let ada = KeyScope::subject(&id);
        let sealed = vault.seal(&email(), &ada, LABEL).expect("seal");
        vault.clear_cache().expect("clear");
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (vault, sealed, ada) = (vault.clone(), sealed.clone(), ada.clone());
                thread::spawn(move || {
                    for _ in 0..3 {
                        vault.open::<Email>(&sealed, &ada, LABEL).expect("open");
                    }
                })
            })
            .collect();
        thread::sleep(Duration::from_micros(u64::from(nanos() % 400)));
        vault.forget(&id).expect("forget");
        for reader in readers {
            reader.join().expect("reader");
        }
        assert_erasure_held(&vault, &sealed, &ada);
    }
}

#[test]
fn reseal_of_a_forgotten_subject_creates_no_key_record() {
    let store = Arc::new(GatedStore::default());
    let vault = vault_over(&store);
    let id = SubjectId::new("ada");
    let ada = KeyScope::subject(&id);
    let sealed = vault.seal(&email(), &ada, LABEL).expect("seal");
    vault.forget(&id).expect("forget");
    let records_before = store.inner.snapshot().expect("snapshot").len();

    assert_eq!(
        vault.reseal::<Email>(&sealed, &ada, LABEL).expect("reseal"),
        Resealed::Shredded
    );
    let batch = vault.reseal_batch::<Email>(LABEL, [(&sealed, &ada)]);
    assert!(matches!(batch.as_slice(), [Ok(Resealed::Shredded)]));

    assert!(store.inner.find(&ada).expect("find").is_none());
    let records = store.inner.snapshot().expect("snapshot");
    assert_eq!(records.len(), records_before, "reseal added a record");
    assert!(
        !records
            .iter()
            .any(|r| matches!(r, StoredKey::Live(r) if r.scope == ada)),
        "a live record names the forgotten subject"
    );
}

#[test]
fn an_erased_value_is_only_erased_for_its_own_subject() {
    let store = Arc::new(GatedStore::default());
    let vault = vault_over(&store);
    let bob = SubjectId::new("bob");
    let sealed = vault
        .seal(&email(), &KeyScope::subject(&bob), LABEL)
        .expect("seal");
    let carol = KeyScope::subject(&SubjectId::new("carol"));
    // Before erasure, Carol's scope is refused...
    assert!(matches!(
        vault.open::<Email>(&sealed, &carol, LABEL),
        Err(SealError::WrongSubject { .. })
    ));
    vault.forget(&bob).expect("forget");
    // ...and after it, the same answer: erasure is not revealed to her.
    for _ in 0..2 {
        assert!(matches!(
            vault.open::<Email>(&sealed, &carol, LABEL),
            Err(SealError::WrongSubject { .. })
        ));
        vault.clear_cache().expect("clear"); // and from the store's tombstone
    }
    let bobs = vault
        .open::<Email>(&sealed, &KeyScope::subject(&bob), LABEL)
        .expect("open");
    assert!(bobs.is_erased());
}

#[test]
fn tombstones_hold_no_subject_id() {
    let store = Arc::new(GatedStore::default());
    let vault = vault_over(&store);
    let id = SubjectId::new("cust_8f3a_unique");
    vault
        .seal(&email(), &KeyScope::subject(&id), LABEL)
        .expect("seal");
    let tombstone = vault.forget(&id).expect("forget").expect("had a key");
    let stored = store.inner.load(&tombstone.id).expect("load");
    assert_eq!(stored, Some(StoredKey::Destroyed(tombstone)));
    let text = format!("{tombstone:?} {}", tombstone.scope);
    assert!(!text.contains("cust_8f3a_unique"), "{text}");
    assert!(!tombstone.scope.as_bytes().windows(4).any(|w| w == b"cust"));
}

#[test]
fn forgetting_is_permanent_until_an_audited_reinstatement() {
    let store = Arc::new(GatedStore::default());
    let vault = vault_over(&store);
    let id = SubjectId::new("ada");
    let ada = KeyScope::subject(&id);
    let before = vault.seal(&email(), &ada, LABEL).expect("seal");
    vault.forget(&id).expect("forget");
    // A stale struct written back after erasure, in this process and in
    // one that never cached anything about Ada.
    for vault in [vault.clone(), vault_over(&store)] {
        let stale = vault.seal(&email(), &ada, LABEL);
        assert!(
            stale.as_ref().is_err_and(SealError::is_shredded),
            "{stale:?}"
        );
    }
    assert!(store.inner.find(&ada).expect("find").is_none());

    vault.reinstate(&id).expect("reinstate");
    let after = vault.seal(&email(), &ada, LABEL).expect("a new person");
    assert_ne!(after.key_id(), before.key_id());
    assert!(
        vault
            .open::<Email>(&after, &ada, LABEL)
            .expect("open")
            .present()
            .is_some()
    );
    assert!(
        vault
            .open::<Email>(&before, &ada, LABEL)
            .expect("open")
            .is_erased()
    );
    // Reinstating a live subject changes nothing.
    vault.reinstate(&id).expect("idempotent");
    assert_eq!(
        vault.seal(&email(), &ada, LABEL).expect("seal").key_id(),
        after.key_id()
    );
}
