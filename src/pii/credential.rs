//! Credentials: passwords, tokens, secret answers.

use core::fmt;

use zeroize::Zeroizing;

use super::{Category, PiiError, PiiKind, Reason, ct_eq, private::Sealed};

/// Passwords and tokens longer than this are refused: no real credential
/// needs more, and an unbounded one is a denial-of-service lever for
/// whatever hashes it next.
const MAX_BYTES: usize = 4096;

/// What a [`Credential`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// A password or passphrase.
    Password,
    /// An API token or key.
    ApiToken,
    /// The answer to a security question.
    SecretAnswer,
}

/// A secret that authenticates someone (category: credential).
///
/// Unlike other PII, a credential has no masked form worth showing: it
/// displays as the fixed placeholder `[credential]` and can never be
/// serialized, sealed or not (the policy's registration credentials are to
/// be verified, never stored in readable form: hash passwords with a
/// password hash such as Argon2id before they reach storage).
///
/// ```
/// use custodian::pii::{Credential, CredentialKind};
///
/// let password = Credential::new(CredentialKind::Password, String::from("correct horse"))?;
/// assert_eq!(password.to_string(), "[credential]");
/// assert_eq!(format!("{password:?}"), "Credential { kind: Password, .. }");
/// assert!(password.matches("correct horse"));
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone)]
pub struct Credential {
    kind: CredentialKind,
    secret: Zeroizing<String>,
}

impl Credential {
    /// Wraps a secret. It is taken by value so that the only copy ends up
    /// inside the credential, to be zeroized on drop. Nothing is trimmed:
    /// whitespace can be part of a password.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `credential`: [`Reason::Empty`] or
    /// [`Reason::TooLong`] (over 4096 bytes). The rejected secret is
    /// zeroized.
    pub fn new(kind: CredentialKind, secret: String) -> Result<Self, PiiError> {
        let secret = Zeroizing::new(secret);
        if secret.is_empty() {
            return Err(PiiError::new(PiiKind::Credential, Reason::Empty));
        }
        if secret.len() > MAX_BYTES {
            return Err(PiiError::new(
                PiiKind::Credential,
                Reason::TooLong {
                    max: MAX_BYTES,
                    unit: "bytes",
                },
            ));
        }
        Ok(Self { kind, secret })
    }

    /// The secret, in plaintext: to hash it or to send it to the service it
    /// authenticates against.
    ///
    /// # Security
    ///
    /// Never log or store the result.
    pub fn expose(&self) -> &str {
        &self.secret
    }

    /// Whether `candidate` is the secret, compared in constant time (the
    /// length may still show).
    pub fn matches(&self, candidate: &str) -> bool {
        ct_eq(self.secret.as_bytes(), candidate.as_bytes())
    }

    /// What kind of credential this is.
    pub const fn credential_kind(&self) -> CredentialKind {
        self.kind
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[credential]")
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Credential {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.matches(other.expose())
    }
}

impl Eq for Credential {}

impl super::Pii for Credential {
    fn kind(&self) -> PiiKind {
        PiiKind::Credential
    }

    fn category(&self) -> Category {
        Category::Credential
    }
}

impl Sealed for Credential {
    fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.secret.as_bytes())
    }

    /// Credentials are never stored, so there is nothing to read back.
    fn from_canonical(_: &[u8]) -> Result<Self, PiiError> {
        Err(PiiError::new(
            PiiKind::Credential,
            Reason::MalformedPart {
                part: "stored form (credentials are never stored)",
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_whitespace_and_compares_exactly() {
        let c =
            Credential::new(CredentialKind::SecretAnswer, String::from(" Rex ")).expect("valid");
        assert!(c.matches(" Rex "));
        assert!(!c.matches("Rex"));
        assert!(!c.matches(" rex "));
        assert_eq!(c.credential_kind(), CredentialKind::SecretAnswer);
    }

    #[test]
    fn refuses_empty_and_oversized_secrets() {
        assert!(Credential::new(CredentialKind::Password, String::new()).is_err());
        assert!(Credential::new(CredentialKind::ApiToken, "x".repeat(4097)).is_err());
        assert!(Credential::new(CredentialKind::ApiToken, "x".repeat(4096)).is_ok());
    }

    #[test]
    fn equal_only_with_same_kind_and_secret() {
        let a = Credential::new(CredentialKind::Password, "s3cret".into()).expect("valid");
        let b = Credential::new(CredentialKind::ApiToken, "s3cret".into()).expect("valid");
        assert_ne!(a, b);
        assert_eq!(a, a.clone());
        assert!(Credential::from_canonical(b"s3cret").is_err());
    }
}
