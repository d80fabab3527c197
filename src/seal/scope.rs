//! The serialization context: which vault, which subject, which mode.
//!
//! A per-thread stack of frames. [`Scope::run`] and [`masked`] push a frame,
//! run the closure and pop it again through a guard, also when the closure
//! panics; frames nest, and the innermost one wins. Nothing outlives the
//! closure, so a scope cannot leak into later code on the thread.
//!
//! A [`Personal`](super::Personal) record pushes a frame of its own while it
//! is written or read: the innermost scope's vault and mode (or, outside
//! every scope, the default vault), the record's subject. A revealed mode
//! applies only where the frame's subject is the scope's own.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use thiserror::Error;

use crate::audit::{Action, Actor, AuditEvent, Outcome, Pseudonymizer, Right};
use crate::error::SealError;
use crate::subject::SubjectId;
use crate::vault::{KeyScope, Vault};

/// How PII values serialize inside a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Sealed,
    Masked,
    Revealed(RevealReason),
}

/// Why plaintext is written: the only reasons the crate accepts for a
/// revealed serialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevealReason {
    /// The subject asked for a copy of their data (GDPR Art. 15).
    SubjectAccess,
    /// The subject asked for their data in a portable format, to move it
    /// elsewhere (GDPR Art. 20).
    Portability,
}

/// What a scope set up: its vault, mode and own key scope, and where seal
/// errors raised inside it are kept. Shared by the frames of the records
/// serialized inside the scope.
pub(crate) struct Origin {
    vault: Option<Vault>,
    mode: Mode,
    /// The scope's own key scope: the only one a revealed scope reveals.
    scope: Option<KeyScope>,
    /// The last seal error raised inside this scope, handed back typed by
    /// [`Scope::run`].
    error: RefCell<Option<SealError>>,
}

impl Origin {
    fn new(vault: Option<Vault>, mode: Mode, scope: Option<KeyScope>) -> Rc<Self> {
        Rc::new(Self {
            vault,
            mode,
            scope,
            error: RefCell::new(None),
        })
    }

    /// Keeps a seal error for [`Scope::run`] to hand back typed.
    pub(crate) fn record(&self, err: SealError) {
        if let Ok(mut slot) = self.error.try_borrow_mut() {
            *slot = Some(err);
        }
    }
}

/// One entry of the per-thread stack: a scope, or a record inside one.
pub(crate) struct Frame {
    origin: Rc<Origin>,
    /// Whose key values seal under here: the scope's, a record's subject,
    /// or none (a record whose subject field was not read yet, a scope
    /// for records only).
    scope: Option<KeyScope>,
}

impl Frame {
    pub(crate) fn vault(&self) -> Option<&Vault> {
        self.origin.vault.as_ref()
    }

    pub(crate) fn scope(&self) -> Option<&KeyScope> {
        self.scope.as_ref()
    }

    /// How values serialize here. A revealed scope reveals only its own
    /// subject's values: inside a record of anyone else (or of nobody yet)
    /// they are sealed.
    pub(crate) fn mode(&self) -> Mode {
        match self.origin.mode {
            Mode::Revealed(_) if self.scope.is_none() || self.scope != self.origin.scope => {
                Mode::Sealed
            }
            mode => mode,
        }
    }

    pub(crate) fn record(&self, err: SealError) {
        self.origin.record(err);
    }
}

thread_local! {
    static FRAMES: RefCell<Vec<Rc<Frame>>> = const { RefCell::new(Vec::new()) };
}

/// The innermost frame on this thread, if any.
pub(crate) fn current() -> Option<Rc<Frame>> {
    FRAMES.with(|frames| frames.try_borrow().ok().and_then(|f| f.last().cloned()))
}

/// What a record inherits: the innermost scope's origin, or, outside every
/// scope, the [default vault](super::set_default_vault) (if one is set) in
/// sealed mode.
pub(crate) fn ambient_origin() -> Rc<Origin> {
    match current() {
        Some(frame) => Rc::clone(&frame.origin),
        None => Origin::new(super::default_vault().cloned(), Mode::Sealed, None),
    }
}

/// A record's frame: the origin's vault and mode, the record's key scope.
pub(crate) fn enter(origin: Rc<Origin>, scope: Option<KeyScope>) -> Result<Guard, SealError> {
    push(Frame { origin, scope })
}

/// Pops its frame when dropped, including during unwinding.
pub(crate) struct Guard(Rc<Frame>);

impl Drop for Guard {
    fn drop(&mut self) {
        FRAMES.with(|frames| {
            if let Ok(mut frames) = frames.try_borrow_mut() {
                // Frames are pushed and popped only through guards, strictly
                // nested, so the top is ours. Should it ever not be, remove
                // ours where it is: a frame left behind would name its
                // subject for values serialized later on the thread.
                if let Some(at) = frames.iter().rposition(|f| Rc::ptr_eq(f, &self.0)) {
                    frames.remove(at);
                }
            }
        });
    }
}

fn push(frame: Frame) -> Result<Guard, SealError> {
    let frame = Rc::new(frame);
    let pushed = FRAMES.with(|frames| {
        frames
            .try_borrow_mut()
            .map(|mut frames| frames.push(Rc::clone(&frame)))
            .is_ok()
    });
    if !pushed {
        // Only reachable if a frame is pushed from inside the borrow above,
        // which nothing does; refuse rather than run without the scope.
        return Err(SealError::Vault(crate::VaultError::Poisoned));
    }
    Ok(Guard(frame))
}

fn run_in<T, E>(origin: Rc<Origin>, f: impl FnOnce() -> Result<T, E>) -> Result<T, ScopedError<E>> {
    let scope = origin.scope.clone();
    let guard = enter(Rc::clone(&origin), scope).map_err(ScopedError::Seal)?;
    let result = f();
    drop(guard);
    result.map_err(|err| match origin.error.borrow_mut().take() {
        Some(seal) => ScopedError::Seal(seal),
        None => ScopedError::Format(err),
    })
}

/// A serialization context: a vault, the scope values are sealed for, and
/// a mode. Made by [`Vault::subject`] or [`Vault::scope`].
///
/// ```
/// # use std::sync::Arc;
/// # use custodian::SubjectId;
/// # use custodian::pii::Email;
/// # use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
/// # let vault = Vault::builder().build(
/// #     Arc::new(RootKeyRing::new(1, RootKey::generate()?)), Arc::new(MemoryKeyStore::new()))?;
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Customer { email: Email }
///
/// let alice = SubjectId::new("cust_1");
/// let customer = Customer { email: Email::parse("ada@example.com")? };
/// let json = vault.subject(&alice).run(|| serde_json::to_string(&customer))?;
/// assert!(!json.contains("ada@"));
/// let back: Customer = vault.subject(&alice).run(|| serde_json::from_str(&json))?;
/// assert_eq!(back.email, customer.email);
///
/// // Outside a scope, serialization fails instead of writing plaintext.
/// assert!(serde_json::to_string(&customer).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Scope {
    vault: Vault,
    /// `None` for a scope made by [`Vault::records`].
    scope: Option<KeyScope>,
    mode: Mode,
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whose scope it is, never the subject id or shared key name.
        let scope = match &self.scope {
            None => "records",
            Some(KeyScope::Subject(_)) => "subject",
            Some(KeyScope::Shared(_)) => "shared",
        };
        f.debug_struct("Scope")
            .field("scope", &scope)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Scope {
    /// Serialize plaintext instead of sealing, for the subject's own copy
    /// of their data.
    ///
    /// # Security
    ///
    /// The output holds plaintext personal data: hand it to the subject
    /// only. Deserializing inside a revealed scope accepts plaintext as well
    /// as sealed values. Only the scope's own subject is revealed: the
    /// values of a [`Personal`](crate::seal::Personal) record of anyone
    /// else inside (an order's seller) stay sealed under that record's
    /// subject, and are accepted only sealed.
    ///
    /// If the vault has an [audit sink](crate::vault::VaultBuilder::audit),
    /// every [`run`](Scope::run) of a revealed scope first records an
    /// `export_produced` event (actor `subject`, the subject's pseudonym,
    /// right `access` or `portability` after `reason`); if that fails, the
    /// closure does not run and nothing is written.
    pub fn revealed(mut self, reason: RevealReason) -> Self {
        self.mode = Mode::Revealed(reason);
        self
    }

    /// Runs `f` (a serde call) with this scope in force on this thread.
    ///
    /// Loose PII values serialized inside are sealed for the scope; values
    /// deserialized are opened and must have been sealed for it. Inside a
    /// [`Personal`](crate::seal::Personal) record, the record's subject
    /// applies instead, and the scope gives only its vault and mode.
    ///
    /// # Errors
    ///
    /// [`ScopedError::Seal`] with the typed [`SealError`] when a PII value
    /// failed to seal or open, else [`ScopedError::Format`] with `f`'s own
    /// error. For a [revealed](Scope::revealed) scope whose vault audits,
    /// [`ScopedError::Seal`] with
    /// [`VaultError::Audit`](crate::VaultError::Audit) if the event was not
    /// recorded: `f` was not run.
    ///
    /// # Security
    ///
    /// The scope is per thread: run the whole serde call inside `f`, and do
    /// not hold it across an `.await`.
    pub fn run<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, ScopedError<E>> {
        // Record a revealed serialization before any plaintext is written.
        let recorded = match (self.mode, &self.scope) {
            (Mode::Revealed(reason), Some(scope)) => self
                .vault
                .audit_before(|names| reveal_event(names, scope, reason))
                .map_err(|refused| ScopedError::Seal(SealError::Vault(refused.into())))?,
            // A scope for records only reveals nothing (see `revealed`).
            (Mode::Revealed(_), None) | (Mode::Sealed | Mode::Masked, _) => None,
        };
        let result = run_in(
            Origin::new(Some(self.vault.clone()), self.mode, self.scope.clone()),
            f,
        );
        if let (Err(_), Some(recorded)) = (&result, recorded) {
            recorded.follow_up(Outcome::Failed, None);
        }
        result
    }
}

/// The `export_produced` event of a revealed serialization: the subject
/// receives their own data.
fn reveal_event(names: &Pseudonymizer, scope: &KeyScope, reason: RevealReason) -> AuditEvent {
    let right = match reason {
        RevealReason::SubjectAccess => Right::Access,
        RevealReason::Portability => Right::Portability,
    };
    let event = AuditEvent::new(Action::ExportProduced, Outcome::Done)
        .with_actor(Actor::subject())
        .with_right(right);
    match scope {
        KeyScope::Subject(id) => event.with_subject(names.subject(id.as_str())),
        KeyScope::Shared(_) => event,
    }
}

/// Runs `f` with PII values serialized masked (their `Display` form), for
/// support tools and UIs. Needs no vault. Masked output never deserializes
/// back into a value.
///
/// ```
/// use custodian::pii::Email;
///
/// let email = Email::parse("ada@example.com")?;
/// let json = custodian::seal::masked(|| serde_json::to_string(&email))?;
/// assert_eq!(json, "\"a•••@example.com\"");
/// assert!(serde_json::from_str::<Email>(&json).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Scope::run`].
pub fn masked<T, E>(f: impl FnOnce() -> Result<T, E>) -> Result<T, ScopedError<E>> {
    run_in(Origin::new(None, Mode::Masked, None), f)
}

/// The error of a serde call run inside a scope.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScopedError<E> {
    /// A PII value failed to seal or open.
    #[error(transparent)]
    Seal(SealError),
    /// The format failed for another reason (syntax, a missing field).
    #[error(transparent)]
    Format(E),
}

impl<E> ScopedError<E> {
    /// The seal error, if that is what failed.
    pub fn seal_error(&self) -> Option<&SealError> {
        match self {
            Self::Seal(err) => Some(err),
            Self::Format(_) => None,
        }
    }
}

impl Vault {
    /// A scope sealing loose values for one subject (records inside seal
    /// under their own).
    pub fn subject(&self, subject: &SubjectId) -> Scope {
        self.scope(KeyScope::subject(subject))
    }

    /// A scope sealing loose values for any key scope (a subject or a
    /// shared key); records inside seal under their own subject.
    pub fn scope(&self, scope: KeyScope) -> Scope {
        Scope {
            vault: self.clone(),
            scope: Some(scope),
            mode: Mode::Sealed,
        }
    }

    /// A scope for [`Personal`](crate::seal::Personal) records only: each
    /// record inside seals under its own subject, and a PII value outside
    /// any record fails with [`SealError::NoSubject`]. Use it to name the
    /// vault for one serde call, or to get the typed [`SealError`] back
    /// from [`Scope::run`], where no [default vault](crate::seal::set_default_vault)
    /// is set or another vault is meant.
    ///
    /// [`Scope::revealed`] on it reveals nothing: revealed output is for
    /// one named subject.
    pub fn records(&self) -> Scope {
        Scope {
            vault: self.clone(),
            scope: None,
            mode: Mode::Sealed,
        }
    }
}
