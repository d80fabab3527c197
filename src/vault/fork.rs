//! Which process this is, without a system call per question.
//!
//! State that must not be shared between a parent and a child forked
//! without `exec` — the nonce generator, encryption leases of shared keys —
//! remembers the process id it was made in and is discarded when the id
//! changes. Asking the kernel (`getpid`) costs about 200 ns on the machines
//! we measure, more than a whole seal, so each thread caches the id and
//! refreshes it only when a fork hook says the process forked since:
//! [`forkguard`]'s `pthread_atfork` child handler bumps a counter, and
//! comparing it is one atomic load (about 1 ns).
//!
//! A thread started after a fork reads its own id when it first asks. A
//! process created by a raw `clone` system call that bypasses the C
//! library's `fork` runs no atfork handlers and is not detected; the
//! periodic reseed of the [nonce generator](super::nonce) still bounds how
//! long such a copy draws the parent's nonces.

use std::cell::RefCell;

/// A thread's view: the fork hook's state when it last looked (`None` if
/// the hook could not be registered) and the process id it saw.
type Seen = (Option<forkguard::Guard>, u32);

thread_local! {
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

/// The id of the calling process, cached per thread and refreshed after a
/// fork.
pub(crate) fn process_id() -> u32 {
    SEEN.with(|seen| {
        let Ok(mut seen) = seen.try_borrow_mut() else {
            // Not re-entrant in practice; ask the kernel rather than guess.
            return std::process::id();
        };
        match seen.as_mut() {
            Some((Some(guard), pid)) => {
                if guard.detected_fork() {
                    *pid = std::process::id();
                }
                *pid
            }
            // Without a hook every answer comes from the kernel: slower,
            // never stale.
            Some((None, _)) => std::process::id(),
            None => {
                // The guard first (it registers the hook), then the id: a
                // fork between the two is seen by the guard.
                let guard = forkguard::Guard::try_new().ok();
                let pid = std::process::id();
                seen.insert((guard, pid)).1
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_the_process_id_on_every_thread() {
        assert_eq!(super::process_id(), std::process::id());
        assert_eq!(super::process_id(), std::process::id());
        let other = std::thread::spawn(super::process_id)
            .join()
            .expect("thread");
        assert_eq!(other, std::process::id());
    }
}
