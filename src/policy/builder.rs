//! Building and validating one policy version.
//!
//! The builder only collects; [`PolicyBuilder::build`] takes the version
//! label and effective time and checks everything at once, so that the
//! first contradiction is reported with the rule that causes it.

use super::{Controller, Policy, PolicyError, PurposeTerms, RoleGrant, Rule};
use crate::disclosure::Recipient;
use crate::ids::PolicyVersion;
use crate::pii::Category;
use crate::purpose::{LawfulBasis, Purpose};
use crate::time::Timestamp;

/// Collects the parts of a [`Policy`]; see the [module docs](super) for an
/// example.
// Fields are open to the policy module so its tests can vary one part.
#[derive(Clone, Debug, Default)]
pub struct PolicyBuilder {
    pub(super) controller: Controller,
    pub(super) subject_categories: Vec<String>,
    pub(super) security_measures: Vec<String>,
    pub(super) host_categories: Vec<Category>,
    pub(super) purposes: Vec<PurposeTerms>,
    pub(super) rules: Vec<(Category, Purpose, Rule)>,
    pub(super) roles: Vec<RoleGrant>,
    pub(super) recipients: Vec<Recipient>,
    pub(super) material_changes: Vec<Purpose>,
    pub(super) announced: Option<Timestamp>,
    pub(super) objection_lifted_by_consent: Vec<Purpose>,
}

impl PolicyBuilder {
    /// Sets the controller (GDPR Art. 30(1)(a)).
    #[must_use]
    pub fn controller(mut self, controller: Controller) -> Self {
        self.controller = controller;
        self
    }

    /// Adds a category of data subjects, such as `customers`.
    #[must_use]
    pub fn subject_category(mut self, name: &str) -> Self {
        self.subject_categories.push(name.to_owned());
        self
    }

    /// Adds a security measure for the record of processing.
    #[must_use]
    pub fn security_measure(mut self, text: &str) -> Self {
        self.security_measures.push(text.to_owned());
        self
    }

    /// Declares a host category ([`Category::host`]) so rules may use it.
    #[must_use]
    pub fn host_category(mut self, category: Category) -> Self {
        self.host_categories.push(category);
        self
    }

    /// Declares a purpose and its terms.
    #[must_use]
    pub fn purpose(mut self, terms: PurposeTerms) -> Self {
        self.purposes.push(terms);
        self
    }

    /// Allows `category` for `purpose` on `basis`.
    #[must_use]
    pub fn allow(self, category: Category, purpose: Purpose, basis: LawfulBasis) -> Self {
        self.rule(
            category,
            purpose,
            Rule::Allow {
                basis,
                documentation: None,
            },
        )
    }

    /// Allows `category` for `purpose` on `basis`, pointing at the document
    /// that justifies the basis (a legitimate-interest assessment).
    #[must_use]
    pub fn allow_documented(
        self,
        category: Category,
        purpose: Purpose,
        basis: LawfulBasis,
        documentation: &str,
    ) -> Self {
        let documentation = Some(documentation.to_owned());
        self.rule(
            category,
            purpose,
            Rule::Allow {
                basis,
                documentation,
            },
        )
    }

    /// Forbids `category` for `purpose`.
    #[must_use]
    pub fn forbid(self, category: Category, purpose: Purpose) -> Self {
        self.rule(category, purpose, Rule::Forbid)
    }

    /// Adds a rule.
    #[must_use]
    pub fn rule(mut self, category: Category, purpose: Purpose, rule: Rule) -> Self {
        self.rules.push((category, purpose, rule));
        self
    }

    /// Adds a role grant.
    #[must_use]
    pub fn role(mut self, grant: RoleGrant) -> Self {
        self.roles.push(grant);
        self
    }

    /// Declares a recipient and its agreements.
    #[must_use]
    pub fn recipient(mut self, recipient: Recipient) -> Self {
        self.recipients.push(recipient);
        self
    }

    /// Marks `purpose` as changed materially in this version: consents
    /// given under earlier versions stop counting for it.
    #[must_use]
    pub fn material_change(mut self, purpose: Purpose) -> Self {
        if !self.material_changes.contains(&purpose) {
            self.material_changes.push(purpose);
        }
        self
    }

    /// Records when this version was announced to the subjects. A
    /// [`PolicySchedule`](super::PolicySchedule) refuses a version after
    /// the first without one, and one that takes effect before the
    /// announcement plus the notice period unless it only adds
    /// protections.
    #[must_use]
    pub fn announced(mut self, at: Timestamp) -> Self {
        self.announced = Some(at);
        self
    }

    /// Lets a consent given after an objection to `purpose` lift that
    /// objection. Without this an objection stays in force whatever the
    /// subject consents to later (GDPR Art. 21(3) for direct marketing),
    /// and the ledger refuses the consent. When a consent does lift an
    /// objection, the ledger records it on the event
    /// ([`ConsentEvent::lifts_objection`](crate::consent::ConsentEvent::lifts_objection)).
    #[must_use]
    pub fn consent_lifts_objection(mut self, purpose: Purpose) -> Self {
        if !self.objection_lifted_by_consent.contains(&purpose) {
            self.objection_lifted_by_consent.push(purpose);
        }
        self
    }

    /// Checks the parts and builds the policy.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] for the first contradiction found, in this order:
    /// a purpose or host category declared twice; for each rule in order,
    /// an undeclared purpose or category, a second rule for the same pair,
    /// or a consent-only purpose allowed on another basis; a material
    /// change of an undeclared purpose; a role declared twice or granted
    /// a pair the rules do not allow; a recipient declared twice, or an
    /// agreement that is empty, ends before it starts, or covers a pair
    /// the rules do not allow; an objection override of an undeclared
    /// purpose; an announcement after `effective_from`.
    pub fn build(
        self,
        version: PolicyVersion,
        effective_from: Timestamp,
    ) -> Result<Policy, PolicyError> {
        check_declarations(&self.purposes, &self.host_categories)?;
        let mut policy = Policy {
            version,
            effective_from,
            announced: self.announced,
            controller: self.controller,
            subject_categories: self.subject_categories,
            security_measures: self.security_measures,
            host_categories: self.host_categories,
            rules: Vec::new(),
            purposes: self.purposes,
            roles: Vec::new(),
            recipients: Vec::new(),
            material_changes: Vec::new(),
            objection_lifted_by_consent: Vec::new(),
        };
        policy.rules = matrix(&policy, self.rules)?;
        for purpose in self.material_changes {
            if policy.purpose_slot(purpose).is_none() {
                return Err(PolicyError::UndeclaredMaterialChange { purpose });
            }
            policy.material_changes.push(purpose);
        }
        check_roles(&policy, &self.roles)?;
        policy.roles = self.roles;
        check_recipients(&policy, &self.recipients)?;
        policy.recipients = self.recipients;
        if let Some(&purpose) = self
            .objection_lifted_by_consent
            .iter()
            .find(|&&p| policy.purpose_slot(p).is_none())
        {
            return Err(PolicyError::UndeclaredObjectionOverride { purpose });
        }
        policy.objection_lifted_by_consent = self.objection_lifted_by_consent;
        if policy.announced.is_some_and(|a| a > policy.effective_from) {
            return Err(PolicyError::AnnouncedAfterEffect {
                version: policy.version,
            });
        }
        Ok(policy)
    }
}

fn check_declarations(purposes: &[PurposeTerms], host: &[Category]) -> Result<(), PolicyError> {
    for (i, terms) in purposes.iter().enumerate() {
        if purposes[..i].iter().any(|t| t.purpose == terms.purpose) {
            return Err(PolicyError::DuplicatePurpose {
                purpose: terms.purpose,
            });
        }
    }
    for (i, &category) in host.iter().enumerate() {
        let builtin = !matches!(category, Category::Host(_));
        if builtin || host[..i].contains(&category) {
            return Err(PolicyError::DuplicateCategory { category });
        }
    }
    Ok(())
}

/// Lays the rules out as a category × purpose matrix, checking each.
fn matrix(
    policy: &Policy,
    rules: Vec<(Category, Purpose, Rule)>,
) -> Result<Vec<Option<Rule>>, PolicyError> {
    let width = policy.purposes.len();
    let height = Category::BUILT_IN.len() + policy.host_categories.len();
    let mut cells: Vec<Option<(usize, Rule)>> = vec![None; width * height];
    for (index, (category, purpose, rule)) in rules.into_iter().enumerate() {
        let Some(p) = policy.purpose_slot(purpose) else {
            return Err(PolicyError::UndeclaredPurpose {
                rule: index,
                category,
                purpose,
            });
        };
        let Some(c) = policy.category_slot(category) else {
            return Err(PolicyError::UndeclaredCategory {
                rule: index,
                category,
                purpose,
            });
        };
        if let Rule::Allow { basis, .. } = rule {
            if policy.purposes[p].consent_only && basis != LawfulBasis::Consent {
                return Err(PolicyError::ConsentOnlyDeclaredNecessary {
                    rule: index,
                    category,
                    purpose,
                    basis,
                });
            }
        }
        let cell = &mut cells[c * width + p];
        if let Some((first, _)) = cell {
            return Err(PolicyError::DuplicateRule {
                rule: index,
                first: *first,
                category,
                purpose,
            });
        }
        *cell = Some((index, rule));
    }
    Ok(cells
        .into_iter()
        .map(|cell| cell.map(|(_, rule)| rule))
        .collect())
}

fn allows(policy: &Policy, category: Category, purpose: Purpose) -> bool {
    matches!(policy.rule(category, purpose), Some(Rule::Allow { .. }))
}

fn check_roles(policy: &Policy, roles: &[RoleGrant]) -> Result<(), PolicyError> {
    for (i, grant) in roles.iter().enumerate() {
        if roles[..i].iter().any(|g| g.role() == grant.role()) {
            return Err(PolicyError::DuplicateRole {
                role: grant.role().clone(),
            });
        }
        if let Some(&(category, purpose)) =
            grant.pairs().iter().find(|&&(c, p)| !allows(policy, c, p))
        {
            return Err(PolicyError::GrantOutsidePolicy {
                role: grant.role().clone(),
                category,
                purpose,
            });
        }
    }
    Ok(())
}

fn check_recipients(policy: &Policy, recipients: &[Recipient]) -> Result<(), PolicyError> {
    for (i, recipient) in recipients.iter().enumerate() {
        let id = recipient.id();
        if recipients[..i].iter().any(|r| r.id() == id) {
            return Err(PolicyError::DuplicateRecipient {
                recipient: id.clone(),
            });
        }
        for (index, agreement) in recipient.agreements().iter().enumerate() {
            let invalid = |problem| PolicyError::InvalidAgreement {
                recipient: id.clone(),
                agreement: index,
                problem,
            };
            if agreement.categories().is_empty() || agreement.purposes().is_empty() {
                return Err(invalid("the agreement covers no category or no purpose"));
            }
            if agreement
                .valid_until()
                .is_some_and(|until| until <= agreement.valid_from())
            {
                return Err(invalid("the agreement ends before it starts"));
            }
            for &category in agreement.categories() {
                if let Some(&purpose) = agreement
                    .purposes()
                    .iter()
                    .find(|&&p| !allows(policy, category, p))
                {
                    return Err(PolicyError::AgreementOutsidePolicy {
                        recipient: id.clone(),
                        agreement: index,
                        category,
                        purpose,
                    });
                }
            }
        }
    }
    Ok(())
}
