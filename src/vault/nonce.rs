//! Nonces: never a parameter, always from a CSPRNG.
//!
//! Each thread keeps a ChaCha20 generator seeded with 32 bytes from the
//! operating system (`getrandom`) and draws 12-byte nonces from it, about
//! 40× cheaper than a system call per nonce. The generator reseeds from the
//! operating system every [`RESEED_EVERY`] nonces.
//!
//! # Fork and snapshot safety
//!
//! A process that `fork`s without `exec` gives the child a copy of the
//! forking thread's generator: parent and child would draw the same nonces,
//! and a repeated AES-GCM nonce under one key leaks the XOR of two
//! plaintexts and the authentication key. So every generator remembers the
//! process id it was seeded in and reseeds when a draw happens in another
//! process. The id comes from a per-thread cache refreshed by a
//! `pthread_atfork` hook, so the check costs an atomic load, not a
//! `getpid` system call (see `benches/seal.rs`, group `fork_check`). Hosts
//! need to do nothing: a prefork server that seals in the parent and then
//! in every worker gets distinct nonces in each.
//!
//! Not covered: a process cloned by a raw `clone` system call that bypasses
//! the C library (no atfork handlers run), and a VM snapshot restored twice.
//! The periodic reseed bounds both to [`RESEED_EVERY`] nonces; a host that
//! does either can call [`reseed_after_fork`] in the copy.
//!
//! Wrapping data keys is rare and uses the operating system generator
//! directly.

use std::cell::RefCell;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng as _};

use crate::error::VaultError;

/// Nonces drawn from one per-thread generator before it reseeds from the
/// operating system.
pub const RESEED_EVERY: u32 = 4096;

struct ThreadNonces {
    rng: ChaCha20Rng,
    left: u32,
    /// The process the generator was seeded in.
    pid: u32,
}

thread_local! {
    static NONCES: RefCell<Option<ThreadNonces>> = const { RefCell::new(None) };
}

#[cfg(test)]
thread_local! {
    static FIXED: RefCell<std::collections::VecDeque<[u8; 12]>> =
        const { RefCell::new(std::collections::VecDeque::new()) };
}

/// Test-only deterministic nonces for known-answer vectors: the next
/// nonces this thread draws.
#[cfg(test)]
pub(crate) fn push_fixed(nonce: [u8; 12]) {
    FIXED.with(|fixed| fixed.borrow_mut().push_back(nonce));
}

fn seeded(pid: u32) -> Result<ThreadNonces, VaultError> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|_| VaultError::Random)?;
    Ok(ThreadNonces {
        rng: ChaCha20Rng::from_seed(*seed),
        left: RESEED_EVERY,
        pid,
    })
}

/// A fresh 12-byte nonce.
pub(crate) fn next() -> Result<[u8; 12], VaultError> {
    #[cfg(test)]
    if let Some(nonce) = FIXED.with(|fixed| fixed.borrow_mut().pop_front()) {
        return Ok(nonce);
    }
    let pid = super::fork::process_id();
    NONCES.with(|cell| {
        // Nothing inside this borrow calls out of the module, so it cannot
        // be re-entered; fail closed anyway rather than panic.
        let mut slot = cell.try_borrow_mut().map_err(|_| VaultError::Random)?;
        let state = match slot.as_mut() {
            Some(state) if state.left > 0 && state.pid == pid => state,
            // Used up, never seeded, or copied from the parent by a fork.
            _ => slot.insert(seeded(pid)?),
        };
        state.left -= 1;
        // Two word draws: cheaper than a 12-byte fill through the buffer.
        let mut nonce = [0u8; 12];
        nonce[..8].copy_from_slice(&state.rng.next_u64().to_le_bytes());
        nonce[8..].copy_from_slice(&state.rng.next_u32().to_le_bytes());
        Ok(nonce)
    })
}

/// Reseeds this thread's nonce generator from the operating system.
///
/// Not needed after a `fork` (detected on the next draw). Call it in a copy
/// of the process made by other means: a raw `clone` system call, a
/// restored VM snapshot. See the [module docs](self).
///
/// # Errors
///
/// [`VaultError::Random`] if the operating system generator fails.
pub fn reseed_after_fork() -> Result<(), VaultError> {
    let fresh = seeded(super::fork::process_id())?;
    NONCES.with(|cell| {
        *cell.try_borrow_mut().map_err(|_| VaultError::Random)? = Some(fresh);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn nonces_do_not_repeat_across_reseeds_and_threads() {
        let mut seen = HashSet::new();
        for _ in 0..(RESEED_EVERY as usize * 2 + 10) {
            assert!(seen.insert(next().expect("nonce")));
        }
        reseed_after_fork().expect("reseed");
        let other: Vec<_> =
            std::thread::spawn(|| (0..100).map(|_| next().expect("nonce")).collect())
                .join()
                .expect("thread");
        for nonce in other {
            assert!(seen.insert(nonce));
        }
    }

    #[test]
    fn fixed_nonces_are_served_first_on_this_thread_only() {
        push_fixed([7; 12]);
        assert_eq!(next().expect("nonce"), [7; 12]);
        assert_ne!(next().expect("nonce"), [7; 12]);
    }
}
