//! Search caches for lazy DFAs, one per thread, with nothing shared
//! written on the way to a thread's own.
//!
//! `regex-automata`'s `Pool` gives its first thread a fast path that
//! writes a shared word on every search (the cache is marked in use and
//! then free again) and makes every other thread read that word first:
//! with two threads searching, the cache line moves between the cores on
//! every search, and the label searches of two threads were a quarter
//! slower than those of one. Here every thread has a shard of its own (a
//! lock on a cache line of its own, uncontended while no more threads
//! search than there are shards), so nothing but its own line is written.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use regex_automata::hybrid::dfa::{Cache, DFA};

/// Shards per DFA: threads beyond this many share them, still correctly.
const SHARDS: usize = 8;

/// The shard of the calling thread: threads take them in turn.
fn own_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|shard| *shard)
}

/// A shard on a cache line of its own, so that the locks of two threads
/// never share one.
#[repr(align(128))]
#[derive(Default)]
struct Shard(Mutex<Option<Cache>>);

/// The caches of one DFA, kept for the threads that search it.
#[derive(Default)]
pub(crate) struct Caches {
    shards: [Shard; SHARDS],
}

impl Caches {
    /// Runs `search` with a cache for `dfa` (the DFA these caches belong
    /// to): the calling thread's, warm from its earlier searches, or a new
    /// one. The cache is searched in place, under the shard's lock: it is
    /// a few hundred bytes, and moving it out and back cost two copies per
    /// search.
    pub(crate) fn with<T>(&self, dfa: &DFA, search: impl FnOnce(&mut Cache) -> T) -> T {
        let mut shard = self.lock(own_shard());
        search(shard.get_or_insert_with(|| dfa.create_cache()))
    }

    /// The shard's lock. A search panics only on a bug in the DFA; the
    /// cache of a shard so poisoned may be half updated, so it is dropped
    /// (and the poison cleared) and the next search starts a new one.
    fn lock(&self, shard: usize) -> MutexGuard<'_, Option<Cache>> {
        let lock = &self.shards[shard].0;
        lock.lock().unwrap_or_else(|poisoned| {
            let mut cache = poisoned.into_inner();
            *cache = None;
            lock.clear_poison();
            cache
        })
    }
}

#[cfg(test)]
mod tests {
    use regex_automata::Input;

    use super::*;

    /// More threads than shards, each searching many times: every search
    /// gets a cache of its own and the answer of a fresh one, and the
    /// caches are kept for later searches.
    #[test]
    fn threads_beyond_the_shards_share_them_correctly() {
        let dfa = DFA::new(r"[a-z]+@[a-z]+\.com").unwrap_or_else(|e| panic!("{e}"));
        let caches = Caches::default();
        let hays: [&[u8]; 3] = [b"mail ada@example.com now", b"no mail here", b"x@y.com"];
        let expected: Vec<Option<usize>> = hays
            .iter()
            .map(|hay| {
                let mut cache = dfa.create_cache();
                let found = dfa.try_search_fwd(&mut cache, &Input::new(hay));
                found.unwrap_or_else(|e| panic!("{e}")).map(|m| m.offset())
            })
            .collect();
        std::thread::scope(|scope| {
            for t in 0..3 * SHARDS {
                let (dfa, caches, expected) = (&dfa, &caches, &expected);
                scope.spawn(move || {
                    for i in 0..500 {
                        let k = (t + i) % hays.len();
                        let found = caches
                            .with(dfa, |cache| dfa.try_search_fwd(cache, &Input::new(hays[k])));
                        let found = found.unwrap_or_else(|e| panic!("{e}"));
                        assert_eq!(found.map(|m| m.offset()), expected[k]);
                    }
                });
            }
        });
        let kept = (0..SHARDS).filter(|&s| caches.lock(s).is_some()).count();
        assert!((1..=SHARDS).contains(&kept), "{kept} caches kept");
    }

    /// A search that panics leaves no half-updated cache behind: the next
    /// search on the shard gets a new one and the right answer.
    #[test]
    fn a_panicking_search_drops_its_cache() {
        let dfa = DFA::new(r"[0-9]+").unwrap_or_else(|e| panic!("{e}"));
        let caches = Caches::default();
        let hay = Input::new("order 42");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            caches.with(&dfa, |cache| {
                let _ = dfa.try_search_fwd(cache, &hay);
                panic!("a search that fails half-way");
            })
        }));
        assert!(panicked.is_err());
        let shard = own_shard();
        assert!(caches.lock(shard).is_none(), "the cache was dropped");
        assert!(
            !caches.shards[shard].0.is_poisoned(),
            "the poison was cleared"
        );
        let found = caches.with(&dfa, |cache| dfa.try_search_fwd(cache, &hay));
        assert_eq!(
            found.unwrap_or_else(|e| panic!("{e}")).map(|m| m.offset()),
            Some(8)
        );
    }
}
