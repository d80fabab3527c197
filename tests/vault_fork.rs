//! A process forked without `exec` (a prefork server's workers) draws its
//! own nonces and reserves its own encryption leases: a real `fork(2)`.
//!
//! Its own test binary, with one test, so that no other test thread is
//! running when it forks.
#![cfg(unix)]
// The one `fork` and `_exit` of the test; the library forbids unsafe.
#![allow(unsafe_code)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use custodian::SubjectId;
use custodian::VaultError;
use custodian::pii::Email;
use custodian::vault::{
    Envelope, FieldLabel, KeyId, KeyRecord, KeyScope, KeyStore, MemoryKeyStore, RootKey,
    RootKeyRing, ScopeTag, StoredKey, Tombstone, Vault,
};

const LABEL: FieldLabel = FieldLabel::new("customer.email");
const CHILDREN: usize = 3;
const SEALS: usize = 200;

/// A memory store that counts lease reservations (per process: a child
/// counts in its own copy).
#[derive(Debug, Default)]
struct CountingStore {
    inner: MemoryKeyStore,
    reserves: AtomicUsize,
}

impl KeyStore for CountingStore {
    fn find(&self, scope: &KeyScope) -> Result<Option<KeyRecord>, VaultError> {
        self.inner.find(scope)
    }
    fn load(&self, id: &KeyId) -> Result<Option<StoredKey>, VaultError> {
        self.inner.load(id)
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
        self.reserves.fetch_add(1, Ordering::SeqCst);
        self.inner.reserve(id, version, want, limit)
    }
    fn destroy(&self, tombstone: &Tombstone) -> Result<(), VaultError> {
        self.inner.destroy(tombstone)
    }
    fn list(&self, after: Option<&KeyId>, limit: usize) -> Result<Vec<KeyRecord>, VaultError> {
        self.inner.list(after, limit)
    }
}

struct World {
    vault: Vault,
    store: Arc<CountingStore>,
    subject: KeyScope,
    shared: KeyScope,
    email: Email,
}

impl World {
    fn new() -> Self {
        let store = Arc::new(CountingStore::default());
        let vault = Vault::builder()
            .lease_size(10_000)
            .build(
                Arc::new(RootKeyRing::new(1, RootKey::generate().expect("rng"))),
                Arc::clone(&store) as Arc<dyn KeyStore>,
            )
            .expect("vault");
        Self {
            vault,
            store,
            subject: KeyScope::subject(&SubjectId::new("ada")),
            shared: KeyScope::shared("warehouse.contacts"),
            email: Email::parse("ada@example.com").expect("valid"),
        }
    }

    /// Seals `n` values under the subject's key and `n` under the shared
    /// key (one field key each), returning the nonces.
    fn seal(&self, n: usize) -> Vec<[u8; 12]> {
        let mut nonces = Vec::with_capacity(2 * n);
        for _ in 0..n {
            for scope in [&self.subject, &self.shared] {
                let sealed = self.vault.seal(&self.email, scope, LABEL).expect("seal");
                nonces.push(nonce_of(&sealed));
            }
        }
        nonces
    }
}

fn nonce_of(sealed: &Envelope) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&sealed.as_bytes()[25..37]);
    nonce
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The child's work: seal, then write its nonces and how many leases it
/// reserved. Returns the exit code.
fn child(world: &World, out: &Path) -> i32 {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let before = world.store.reserves.load(Ordering::SeqCst);
        let nonces = world.seal(SEALS);
        let reserved = world.store.reserves.load(Ordering::SeqCst) - before;
        let mut text: String = nonces.iter().map(|n| hex(n) + "\n").collect();
        text.push_str(&format!("reserved {reserved}\n"));
        std::fs::write(out, text).expect("write");
    }));
    i32::from(run.is_err())
}

fn wait_for(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: waits for a child this test forked; `status` is a valid
    // out-pointer.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid, "waitpid");
    assert!(libc::WIFEXITED(status), "child {pid} did not exit normally");
    libc::WEXITSTATUS(status)
}

#[test]
fn forked_workers_never_reuse_a_nonce_or_a_lease() {
    let world = World::new();
    // The parent seals first: this thread's nonce generator is seeded, the
    // field keys are cached, and a lease of the shared key is taken — all
    // of which the children inherit.
    let mut seen: HashSet<[u8; 12]> = world.seal(4).into_iter().collect();
    assert_eq!(world.store.reserves.load(Ordering::SeqCst), 1);

    let dir = tempfile::tempdir().expect("tempdir");
    let mut children = Vec::new();
    for i in 0..CHILDREN {
        let out = dir.path().join(format!("child-{i}"));
        // SAFETY: the child only seals with state it inherited, writes a
        // file and leaves with `_exit`, never returning into the harness.
        match unsafe { libc::fork() } {
            -1 => panic!("fork failed: {}", std::io::Error::last_os_error()),
            0 => {
                let code = child(&world, &out);
                // SAFETY: ends the child without running the parent's
                // atexit handlers or unwinding into the test harness.
                unsafe { libc::_exit(code) }
            }
            pid => children.push((pid, out)),
        }
    }
    // The parent goes on sealing meanwhile, from the same state.
    let parents = world.seal(SEALS);

    let mut all = parents.len() + seen.len();
    seen.extend(parents);
    for (pid, out) in children {
        assert_eq!(wait_for(pid), 0, "child {pid} failed");
        let text = std::fs::read_to_string(&out).expect("child output");
        let mut lines: Vec<&str> = text.lines().collect();
        let reserved = lines.pop().expect("a reservation line");
        assert_eq!(lines.len(), 2 * SEALS);
        all += lines.len();
        for line in lines {
            let bytes: Vec<u8> = (0..24)
                .step_by(2)
                .map(|i| u8::from_str_radix(&line[i..i + 2], 16).expect("hex"))
                .collect();
            let nonce: [u8; 12] = bytes.try_into().expect("12 bytes");
            assert!(
                seen.insert(nonce),
                "nonce {line} drawn twice across processes"
            );
        }
        assert_ne!(
            reserved, "reserved 0",
            "a child spent the encryption lease it inherited from its parent"
        );
    }
    assert_eq!(seen.len(), all);
}
