//! Staff access: who may see which personal data in clear, for what.
//!
//! Masked display is the default: every PII value prints masked. A person
//! sees the plaintext only through [`Decider::reveal`], which takes an
//! [`AccessContext`] (who, in which role, for which purpose, and why) and
//! checks, for the value's category and the purpose:
//!
//! - that the policy grants the role the right to reveal it (support sees
//!   contact data for support but not card numbers; the warehouse sees the
//!   delivery address for fulfilment), and
//! - that the use itself is allowed for this subject (the purpose's rule
//!   and, where needed, the subject's consent), as [`Decider::decide`]
//!   does.
//!
//! On success the plaintext comes back in a [`Revealed`] guard: an owned
//! copy that is zeroized when the guard is dropped, and that does not
//! print itself. On refusal nothing is copied. Every reveal, allowed or
//! refused, is recorded as an audit event before it returns, and a reveal
//! that cannot be recorded returns an error instead of plaintext.
//!
//! Any other kind can be passed to a reveal:
//!
//! ```
//! # use custodian::{access::AccessContext, decision::Decider, pii::*};
//! fn show<S: custodian::consent::ConsentStore>(d: Decider<'_, S>, ctx: &AccessContext<'_>,
//!         s: &custodian::SubjectId, e: &custodian::Owned<Email>, at: custodian::time::Timestamp) {
//!     let _ = d.reveal(ctx, s, e, at);
//! }
//! ```
//!
//! Credentials cannot be revealed at all: [`Credential`](crate::pii::Credential)
//! does not implement [`Revealable`], so the same with a credential does
//! not compile:
//!
//! ```compile_fail
//! # use custodian::{access::AccessContext, decision::Decider, pii::*};
//! fn show<S: custodian::consent::ConsentStore>(d: Decider<'_, S>, ctx: &AccessContext<'_>,
//!         s: &custodian::SubjectId, c: &custodian::Owned<Credential>, at: custodian::time::Timestamp) {
//!     let _ = d.reveal(ctx, s, c, at);
//! }
//! ```
//!
//! # References
//!
//! GDPR Art. 5(1)(f) and 32 (confidentiality, access control), Art. 25
//! (data protection by default).

use std::fmt;
use std::fmt::Write as _;

use zeroize::Zeroizing;

use crate::audit;
use crate::consent::ConsentStore;
use crate::decision::{Actor, Allowance, Decider, Use, UseError};
use crate::ids::{Reference, Role, StaffId};
use crate::pii::{
    CardNumber, Category, Custom, CustomKind, DateOfBirth, Email, Iban, IpAddress, NationalId,
    PersonName, Phone, Pii, PiiKind, PostalAddress,
};
use crate::purpose::Purpose;
use crate::time::Timestamp;
use crate::{Owned, SubjectId};

/// Who asks to see data in clear, in which role, for what, and why.
///
/// ```
/// use custodian::access::AccessContext;
/// use custodian::ids::{Reference, Role, StaffId};
/// use custodian::purpose::Purpose;
///
/// let agent = StaffId::new("staff:0042");
/// let role = Role::new("support_agent");
/// let ticket = Reference::new("ticket:4711");
/// let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
/// assert_eq!(ctx.purpose, Purpose::CustomerSupport);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessContext<'a> {
    /// The staff member or service account.
    pub staff: &'a StaffId,
    /// The role they act in.
    pub role: &'a Role,
    /// The purpose of looking.
    pub purpose: Purpose,
    /// Why: a ticket, an order, a case (a reference, never free text).
    pub reason: &'a Reference,
}

impl<'a> AccessContext<'a> {
    /// A context for `staff` in `role`, looking for `purpose` because of
    /// `reason`.
    pub const fn new(
        staff: &'a StaffId,
        role: &'a Role,
        purpose: Purpose,
        reason: &'a Reference,
    ) -> Self {
        Self {
            staff,
            role,
            purpose,
            reason,
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// PII kinds a person may be shown in clear. Sealed; implemented by every
/// kind in [`crate::pii`] except [`Credential`](crate::pii::Credential).
pub trait Revealable: Pii + sealed::Sealed {
    /// Appends the plaintext as a person reads it. `out` has room reserved
    /// for it first, so no partial copy is left behind by a reallocation.
    #[doc(hidden)]
    fn write_plaintext(&self, out: &mut String);
}

/// Appends `parts` after reserving room for all of them.
fn push_all(out: &mut String, parts: &[&str]) {
    out.reserve(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| out.push_str(p));
}

macro_rules! revealable_str {
    ($($ty:ty),+) => {$(
        impl sealed::Sealed for $ty {}
        impl Revealable for $ty {
            fn write_plaintext(&self, out: &mut String) {
                push_all(out, &[self.expose()]);
            }
        }
    )+};
}

revealable_str!(Email, Phone, CardNumber, Iban, PersonName, NationalId);

impl<K: CustomKind> sealed::Sealed for Custom<K> {}
impl<K: CustomKind> Revealable for Custom<K> {
    fn write_plaintext(&self, out: &mut String) {
        push_all(out, &[self.expose()]);
    }
}

impl sealed::Sealed for PostalAddress {}
impl Revealable for PostalAddress {
    /// Lines, then `postal code locality`, region and country, separated
    /// by `, `.
    fn write_plaintext(&self, out: &mut String) {
        let parts = self.expose();
        let mut pieces: Vec<&str> = Vec::with_capacity(2 * parts.lines.len() + 8);
        for line in parts.lines {
            pieces.extend([line.as_str(), ", "]);
        }
        if let Some(code) = parts.postal_code {
            pieces.extend([code, " "]);
        }
        pieces.push(parts.locality);
        if let Some(region) = parts.region {
            pieces.extend([", ", region]);
        }
        pieces.extend([", ", parts.country.as_str()]);
        push_all(out, &pieces);
    }
}

impl sealed::Sealed for IpAddress {}
impl Revealable for IpAddress {
    fn write_plaintext(&self, out: &mut String) {
        // The longest IPv6 text form is 45 bytes.
        out.reserve(45);
        let _ = write!(out, "{}", self.expose());
    }
}

impl sealed::Sealed for DateOfBirth {}
impl Revealable for DateOfBirth {
    fn write_plaintext(&self, out: &mut String) {
        let (year, month, day) = self.expose();
        out.reserve(10);
        let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    }
}

/// Plaintext shown to a person after an allowed reveal. Zeroized on drop.
///
/// It has no `Display`, and its `Debug` shows only the kind and category:
/// the text comes out only through [`expose`](Revealed::expose).
pub struct Revealed {
    text: Zeroizing<String>,
    kind: PiiKind,
    category: Category,
    allowance: Allowance,
}

impl Revealed {
    /// The plaintext.
    ///
    /// # Security
    ///
    /// Copies made from it are not zeroized by this crate; render it and
    /// let the guard go.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The kind of value revealed.
    pub fn kind(&self) -> PiiKind {
        self.kind
    }

    /// Its category.
    pub fn category(&self) -> Category {
        self.category
    }

    /// Why the reveal was allowed (basis, policy version, consent), for the
    /// audit event.
    pub fn allowance(&self) -> &Allowance {
        &self.allowance
    }
}

impl fmt::Debug for Revealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revealed")
            .field("kind", &self.kind)
            .field("category", &self.category)
            .finish_non_exhaustive()
    }
}

impl<S: ConsentStore> Decider<'_, S> {
    /// Reveals `value` of `subject` to the person in `ctx`, if the policy
    /// lets their role see its category for the purpose and the use is
    /// allowed for the subject at `at` (see the [module docs](self)).
    ///
    /// The value carries its owner ([`Owned`], from
    /// [`Vault::open_owned`](crate::vault::Vault::open_owned) or bound
    /// where it was collected); a value of another subject than `subject`
    /// is refused before anything is checked or recorded.
    ///
    /// ```
    /// use custodian::access::AccessContext;
    /// use custodian::consent::ConsentLedger;
    /// use custodian::decision::{Decider, DenialReason, Refusal, UseError};
    /// use custodian::ids::{PolicyVersion, Reference, Role, StaffId};
    /// use custodian::{Owned, SubjectId};
    /// use custodian::pii::{CardNumber, Email};
    /// use custodian::policy::{marketplace, PolicySchedule};
    /// use custodian::purpose::Purpose;
    /// use custodian::time::Timestamp;
    ///
    /// let schedule = PolicySchedule::single(marketplace().build(PolicyVersion::new("1"), Timestamp::EPOCH)?);
    /// # let auditor = custodian::audit::Auditor::new(custodian::audit::MemorySink::new(), custodian::audit::Pseudonymizer::from_bytes([1; 32]));
    /// let ledger = ConsentLedger::in_memory(auditor);
    /// let decider = Decider::new(&schedule, &ledger);
    /// let (agent, role, ticket) = (StaffId::new("staff:7"), Role::new("support_agent"), Reference::new("ticket:1"));
    /// let ctx = AccessContext::new(&agent, &role, Purpose::CustomerSupport, &ticket);
    /// let ada = SubjectId::try_new("cus_ada")?;
    /// let now = Timestamp::now();
    ///
    /// let email = Owned::new(ada.clone(), Email::parse("ada@example.com")?);
    /// assert_eq!(decider.reveal(&ctx, &ada, &email, now)?.expose(), "ada@example.com");
    ///
    /// let card = Owned::new(ada.clone(), CardNumber::parse("4242 4242 4242 4242")?);
    /// let Err(UseError::Refused(Refusal::Denied(denial))) = decider.reveal(&ctx, &ada, &card, now) else { panic!() };
    /// assert_eq!(denial.reason, DenialReason::RoleLacksRight);
    ///
    /// // Bob's email named as Ada's: refused before any check or event.
    /// let bobs = Owned::new(SubjectId::try_new("cus_bob")?, Email::parse("bob@example.com")?);
    /// assert!(matches!(decider.reveal(&ctx, &ada, &bobs, now), Err(UseError::WrongSubject)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`UseError::WrongSubject`] when `value` is not `subject`'s (nothing
    /// recorded); [`UseError::Refused`] (a denial with its reason, or a
    /// policy gap) when the reveal is not allowed; [`UseError::Unaudited`]
    /// when the audit event could not be recorded. Nothing is copied in
    /// any of these cases.
    ///
    /// # Security
    ///
    /// Every call, allowed or not, is recorded as a `reveal` audit event
    /// through the ledger's [`Auditor`](crate::audit::Auditor) before the
    /// plaintext is copied: the staff member's and the subject's
    /// pseudonyms, the role, the value's category, the purpose, and the
    /// decision (basis or reason, policy version). Never the value or the
    /// ticket reference.
    pub fn reveal<T: Revealable>(
        &self,
        ctx: &AccessContext<'_>,
        subject: &SubjectId,
        value: &Owned<T>,
        at: Timestamp,
    ) -> Result<Revealed, UseError> {
        if value.owner() != subject {
            return Err(UseError::WrongSubject);
        }
        let value = value.value();
        let category = value.category();
        let request = Use::new(
            subject,
            core::slice::from_ref(&category),
            ctx.purpose,
            Actor::Staff(ctx.role),
            at,
        );
        let actor = audit::Actor::staff(ctx.role.clone(), self.ledger().auditor().staff(ctx.staff));
        let allowance = self.decide_audited(audit::Action::Reveal, &request, actor)?;
        let mut text = Zeroizing::new(String::new());
        value.write_plaintext(&mut text);
        Ok(Revealed {
            text,
            kind: value.kind(),
            category,
            allowance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pii::CallingCode;

    fn plain<T: Revealable>(v: &T) -> String {
        let mut s = String::new();
        v.write_plaintext(&mut s);
        s
    }

    #[test]
    fn every_kind_reveals_its_plaintext() {
        assert_eq!(
            plain(&Email::parse("ada@example.com").unwrap()),
            "ada@example.com"
        );
        let phone = Phone::parse_national("030 1234 5678", CallingCode::new(49).unwrap()).unwrap();
        assert_eq!(plain(&phone), "+493012345678");
        assert_eq!(plain(&IpAddress::parse("192.0.2.7").unwrap()), "192.0.2.7");
        assert_eq!(
            plain(&DateOfBirth::parse("1990-04-01").unwrap()),
            "1990-04-01"
        );
        let address = PostalAddress::builder()
            .line("Unter den Linden 77")
            .postal_code("10117")
            .locality("Berlin")
            .country("de")
            .build()
            .unwrap();
        assert_eq!(plain(&address), "Unter den Linden 77, 10117 Berlin, DE");
    }

    #[test]
    fn the_guard_does_not_print_its_text() {
        let revealed = Revealed {
            text: Zeroizing::new("ada@example.com".to_owned()),
            kind: PiiKind::Email,
            category: Category::Contact,
            allowance: Allowance {
                basis: crate::purpose::LawfulBasis::Contract,
                version: crate::ids::PolicyVersion::new("1"),
                consent: None,
            },
        };
        let debug = format!("{revealed:?}");
        assert!(!debug.contains("ada"), "{debug}");
        assert_eq!(debug, "Revealed { kind: Email, category: Contact, .. }");
    }
}
