//! [`Custodian`]: one front door over the policy, the vault, the consent
//! ledger and the audit trail, which cannot be built without all four
//! (a typestate builder: a skipped step does not compile).

use std::sync::Arc;

use thiserror::Error;

use crate::access::{AccessContext, Revealable, Revealed};
use crate::audit::{Action, AuditEvent, AuditSink, Auditor, Outcome, Pseudonymizer, SinkError};
use crate::consent::{Collection, ConsentError, ConsentLedger, ConsentStore, MemoryStore};
use crate::decision::{Allowance, Decider, Decision, Use, UseError};
use crate::ids::{ConsentEventId, RecipientId};
use crate::pii::Category;
use crate::policy::PolicySchedule;
use crate::purpose::Purpose;
use crate::time::Timestamp;
use crate::vault::{Tombstone, Vault};
use crate::{Owned, SubjectId, VaultError};

/// A step of the [`CustodianBuilder`] not taken yet.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Missing;

/// The policy, the vault, the consent ledger and the audit trail, behind
/// the calls a host makes: [`decide`](Self::decide),
/// [`reveal`](Self::reveal), [`disclose`](Self::disclose),
/// [`give_consent`](Self::give_consent),
/// [`withdraw_consent`](Self::withdraw_consent) and
/// [`forget_subject`](Self::forget_subject).
///
/// Building it records the policy versions it decides under, and every
/// call with an effect is recorded in the audit sink first, with
/// subjects and staff pseudonymized by the vault's audit key
/// ([`Pseudonymizer::from_vault`]); when the sink fails, the call fails
/// and has no effect.
///
/// ```
/// use std::sync::Arc;
/// use custodian::Custodian;
/// use custodian::audit::{Action, MemorySink};
/// use custodian::consent::MemoryStore;
/// use custodian::ids::PolicyVersion;
/// use custodian::policy::{marketplace, PolicySchedule};
/// use custodian::time::Timestamp;
/// use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
///
/// let vault = Vault::builder().build(
///     Arc::new(RootKeyRing::new(1, RootKey::generate()?)),
///     Arc::new(MemoryKeyStore::new()),
/// )?;
/// let sink = Arc::new(MemorySink::new());
/// let custodian = Custodian::builder()
///     .policy(PolicySchedule::single(marketplace().build(PolicyVersion::new("1"), Timestamp::EPOCH)?))
///     .vault(vault)
///     .ledger(MemoryStore::new())
///     .audit(sink.clone())
///     .build()?;
///
/// let ada = custodian::SubjectId::try_new("cus_ada")?;
/// custodian.forget_subject(&ada, Timestamp::now())?;
/// let actions: Vec<_> = sink.events().iter().map(|e| e.action()).collect();
/// assert_eq!(actions, [Action::PolicyActivated, Action::Erasure]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Leaving out a step does not compile, so an unaudited custodian cannot
/// exist:
///
/// ```compile_fail
/// # use custodian::Custodian;
/// # fn no_audit(s: custodian::policy::PolicySchedule, v: custodian::vault::Vault) {
/// let custodian = Custodian::builder()
///     .policy(s)
///     .vault(v)
///     .ledger(custodian::consent::MemoryStore::new())
///     .build(); // no `.audit(...)`: `build` does not exist here
/// # }
/// ```
pub struct Custodian<S = MemoryStore> {
    schedule: PolicySchedule,
    vault: Vault,
    ledger: ConsentLedger<S>,
    pub(crate) rights: crate::rights::Parts,
}

/// The policy versions and the vault's settings; no keys, subject ids or
/// events.
impl<S> std::fmt::Debug for Custodian<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let versions: Vec<_> = self
            .schedule
            .versions()
            .iter()
            .map(|p| p.version())
            .collect();
        f.debug_struct("Custodian")
            .field("policy_versions", &versions)
            .field("vault", &self.vault)
            .field("ledger", &self.ledger)
            .field("rights", &self.rights)
            .finish()
    }
}

/// Builds a [`Custodian`]; `build` exists only once
/// [`policy`](Self::policy), [`vault`](Self::vault),
/// [`ledger`](Self::ledger) and [`audit`](Self::audit) were all given, in
/// any order.
#[derive(Debug)]
#[must_use]
pub struct CustodianBuilder<P, V, L, A> {
    policy: P,
    vault: V,
    ledger: L,
    audit: A,
    rights: crate::rights::Parts,
}

impl Custodian {
    /// A builder with every step still to take.
    pub fn builder() -> CustodianBuilder<Missing, Missing, Missing, Missing> {
        CustodianBuilder {
            policy: Missing,
            vault: Missing,
            ledger: Missing,
            audit: Missing,
            rights: crate::rights::Parts::default(),
        }
    }
}

impl<V, L, A> CustodianBuilder<Missing, V, L, A> {
    /// The policy versions and when each is in force.
    pub fn policy(self, schedule: PolicySchedule) -> CustodianBuilder<PolicySchedule, V, L, A> {
        CustodianBuilder {
            policy: schedule,
            vault: self.vault,
            ledger: self.ledger,
            audit: self.audit,
            rights: self.rights,
        }
    }
}

impl<P, L, A> CustodianBuilder<P, Missing, L, A> {
    /// The vault: it seals values, forgets subjects, and keys the audit
    /// pseudonyms.
    pub fn vault(self, vault: Vault) -> CustodianBuilder<P, Vault, L, A> {
        CustodianBuilder {
            policy: self.policy,
            vault,
            ledger: self.ledger,
            audit: self.audit,
            rights: self.rights,
        }
    }
}

impl<P, V, A> CustodianBuilder<P, V, Missing, A> {
    /// Where consent events are kept.
    pub fn ledger<S: ConsentStore>(self, store: S) -> CustodianBuilder<P, V, S, A> {
        CustodianBuilder {
            policy: self.policy,
            vault: self.vault,
            ledger: store,
            audit: self.audit,
            rights: self.rights,
        }
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<P> CustodianBuilder<P, Missing, Missing, Missing> {
    /// The vault, the consent ledger, the audit trail, and the rights
    /// workflow's requests, holds and disclosures, all kept in `store`
    /// (see [`Store::vault`](crate::store::Store::vault)): one line for a
    /// host.
    ///
    /// # Errors
    ///
    /// As [`Store::vault`](crate::store::Store::vault).
    pub fn store(
        self,
        store: &crate::store::Store,
        root: Arc<dyn crate::vault::RootKeyProvider>,
    ) -> Result<
        CustodianBuilder<P, Vault, crate::store::StoreConsent, Arc<dyn AuditSink>>,
        VaultError,
    > {
        Ok(CustodianBuilder {
            policy: self.policy,
            vault: store.vault(root)?,
            ledger: store.consent(),
            audit: Arc::new(store.audit()),
            rights: self.rights.in_store(store),
        })
    }
}

impl<P, V, L> CustodianBuilder<P, V, L, Missing> {
    /// Where audit events go.
    pub fn audit(
        self,
        sink: impl AuditSink + 'static,
    ) -> CustodianBuilder<P, V, L, Arc<dyn AuditSink>> {
        CustodianBuilder {
            policy: self.policy,
            vault: self.vault,
            ledger: self.ledger,
            audit: Arc::new(sink),
            rights: self.rights,
        }
    }
}

impl<S: ConsentStore> CustodianBuilder<PolicySchedule, Vault, S, Arc<dyn AuditSink>> {
    /// The custodian. Records one `policy_activated` event per version
    /// of the schedule: which policies this process decides under.
    ///
    /// The vault records its own activities (key forgotten, reinstated,
    /// rotated and retired, reseals, re-wraps, revealed serialization; see
    /// [`VaultBuilder::audit`](crate::vault::VaultBuilder::audit)) in the
    /// same sink from then on, through [`Custodian::vault`] and every
    /// other clone of the vault, unless the vault was built with a sink of
    /// its own, which it keeps.
    ///
    /// # Errors
    ///
    /// [`BuildError::Vault`] if the vault cannot give its audit pseudonym
    /// key; [`BuildError::Unaudited`] if the activations cannot be
    /// recorded (no custodian then: it would decide under a policy the
    /// log does not show).
    pub fn build(self) -> Result<Custodian<S>, BuildError> {
        let pseudonyms = Pseudonymizer::from_vault(&self.vault)?;
        // The vault's key operations go to the same sink, unless the host
        // gave the vault one of its own.
        self.vault.audit_into(Arc::clone(&self.audit))?;
        let auditor = Auditor::shared(self.audit, pseudonyms);
        record_activations(&auditor, &self.policy, None)?;
        // Consents are checked against the versions in force.
        let ledger = ConsentLedger::new(self.ledger, auditor).with_schedule(self.policy.clone());
        Ok(Custodian {
            schedule: self.policy,
            ledger,
            vault: self.vault,
            rights: self.rights,
        })
    }
}

/// Records a `policy_activated` event for every version of `schedule`
/// that `previous` does not hold.
fn record_activations(
    auditor: &Auditor,
    schedule: &PolicySchedule,
    previous: Option<&PolicySchedule>,
) -> Result<(), SinkError> {
    let known = |policy: &crate::policy::Policy| {
        previous.is_some_and(|old| {
            old.versions()
                .iter()
                .any(|p| p.version() == policy.version())
        })
    };
    let now = Timestamp::now();
    for policy in schedule.versions().iter().filter(|p| !known(p)) {
        auditor.record(
            &AuditEvent::new(Action::PolicyActivated, Outcome::Done)
                .at(now)
                .with_policy_version(*policy.version()),
        )?;
    }
    Ok(())
}

/// A custodian could not be built.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The vault could not give the audit pseudonym key.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The policy activations could not be recorded.
    #[error("not started: {0}")]
    Unaudited(#[from] SinkError),
}

/// A subject could not be forgotten.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ForgetError {
    /// The erasure could not be audited, so nothing was destroyed.
    #[error("not done: {0}")]
    Unaudited(#[from] SinkError),
    /// The vault failed (recorded in the audit trail as `failed`).
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl<S: ConsentStore> Custodian<S> {
    /// The decider over this custodian's policy and ledger, which also
    /// denies uses of held data for any purpose but its hold's
    /// ([`DenialReason::Restricted`](crate::decision::DenialReason::Restricted)).
    pub fn decider(&self) -> Decider<'_, S> {
        Decider::new(&self.schedule, &self.ledger).restricted_by(&self.rights.restrictions)
    }

    /// Decides a use without acting on it; not audited (see
    /// [`Decider::decide`]).
    pub fn decide(&self, request: &Use<'_>) -> Decision {
        self.decider().decide(request)
    }

    /// Reveals `value` to the person in `ctx`; see [`Decider::reveal`].
    ///
    /// # Errors
    ///
    /// As [`Decider::reveal`]: refused, or not audited (fail closed).
    pub fn reveal<T: Revealable>(
        &self,
        ctx: &AccessContext<'_>,
        subject: &SubjectId,
        value: &Owned<T>,
        at: Timestamp,
    ) -> Result<Revealed, UseError> {
        self.decider().reveal(ctx, subject, value, at)
    }

    /// Decides and audits a disclosure; see [`Decider::disclose`]. An
    /// allowed disclosure is also recorded in the
    /// [disclosure log](crate::disclosure::DisclosureLog), for the
    /// subject's access export and the notices of later rectifications
    /// and erasures (GDPR Art. 15(1)(c), 19).
    ///
    /// # Errors
    ///
    /// As [`Decider::disclose`]: refused, or not audited (fail closed);
    /// [`UseError::Unrecorded`] if the log failed (do not send).
    pub fn disclose(
        &self,
        subject: &SubjectId,
        recipient: &RecipientId,
        categories: &[Category],
        purpose: Purpose,
        at: Timestamp,
    ) -> Result<Allowance, UseError> {
        let allowance = self
            .decider()
            .disclose(subject, recipient, categories, purpose, at)?;
        let disclosed = crate::disclosure::Disclosed {
            recipient: recipient.clone(),
            categories: categories.to_vec(),
            purpose,
            at,
        };
        self.rights
            .disclosures
            .record(subject, disclosed)
            .map_err(|_| UseError::Unrecorded)?;
        Ok(allowance)
    }

    /// Records a consent; see [`ConsentLedger::give`].
    ///
    /// # Errors
    ///
    /// As [`ConsentLedger::give`], including [`ConsentError::Audit`].
    pub fn give_consent(
        &self,
        subject: &SubjectId,
        purpose: Purpose,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        self.ledger.give(subject, purpose, how)
    }

    /// Records a withdrawal; see [`ConsentLedger::withdraw`].
    ///
    /// # Errors
    ///
    /// As [`ConsentLedger::withdraw`], including [`ConsentError::Audit`].
    pub fn withdraw_consent(
        &self,
        subject: &SubjectId,
        purpose: Purpose,
        how: &Collection,
    ) -> Result<ConsentEventId, ConsentError> {
        self.ledger.withdraw(subject, purpose, how)
    }

    /// Erases a subject by crypto-shredding their key
    /// ([`Vault::forget`]), recorded first as an `erasure` event at `at`.
    ///
    /// # Errors
    ///
    /// [`ForgetError::Unaudited`] if the event could not be recorded
    /// (nothing is destroyed); [`ForgetError::Vault`] if the vault fails
    /// (a `failed` event follows, best effort).
    pub fn forget_subject(
        &self,
        subject: &SubjectId,
        at: Timestamp,
    ) -> Result<Option<Tombstone>, ForgetError> {
        let auditor = self.ledger.auditor();
        let event = AuditEvent::new(Action::Erasure, Outcome::Done)
            .at(at)
            .with_subject(auditor.subject(subject));
        auditor.record(&event)?;
        self.vault.forget(subject).map_err(|e| {
            // The log says the erasure happened; say that it did not.
            let _ = auditor.record(&event.with_outcome(Outcome::Failed));
            ForgetError::Vault(e)
        })
    }

    /// Replaces the policy schedule (a new version published), recording
    /// a `policy_activated` event for each version the old schedule did
    /// not hold. Consents are checked against the new schedule from then
    /// on.
    ///
    /// # Errors
    ///
    /// The [`SinkError`] if an activation could not be recorded; the old
    /// schedule then stays in force.
    pub fn set_policy(&mut self, schedule: PolicySchedule) -> Result<(), SinkError> {
        record_activations(self.ledger.auditor(), &schedule, Some(&self.schedule))?;
        self.ledger.set_schedule(schedule.clone());
        self.schedule = schedule;
        Ok(())
    }

    /// The policy schedule.
    pub fn schedule(&self) -> &PolicySchedule {
        &self.schedule
    }

    /// The vault.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The consent ledger (its writes are audited too).
    pub fn ledger(&self) -> &ConsentLedger<S> {
        &self.ledger
    }
}
