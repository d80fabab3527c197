//! The vault as the sealer of [`Strategy::Seal`](super::Strategy::Seal).

use std::sync::Arc;

use zeroize::Zeroizing;

use super::{DetectedKind, SealError, TextSealer};
use crate::pii::{Category, PiiError, PiiKind, Reason};
use crate::vault::{Envelope, FieldLabel, KeyScope, RawOpened, Vault};

/// Seals findings with a [`Vault`], so that someone with the vault (and a
/// reason) can open them later with [`VaultSealer::open`].
///
/// Each finding is sealed as a `cst1:` envelope (see
/// [`vault::envelope`](crate::vault::envelope)) under a shared data key
/// ([`DEFAULT_KEY`](Self::DEFAULT_KEY) unless given), with the category of its kind and the
/// field label `redact.` + the kind's name (`redact.EMAIL`; host kinds all
/// use `redact.CUSTOM`), so an envelope opens only as the kind it was
/// sealed as.
///
/// ```
/// use std::sync::Arc;
/// use custodian::redact::{DetectedKind, Redactor, Strategy, VaultSealer};
/// use custodian::vault::{MemoryKeyStore, RootKey, RootKeyRing, Vault};
///
/// let vault = Arc::new(Vault::builder().build(
///     Arc::new(RootKeyRing::new(1, RootKey::generate()?)),
///     Arc::new(MemoryKeyStore::new()),
/// )?);
/// let sealer = Arc::new(VaultSealer::new(vault));
/// let redactor = Redactor::builder().strategy(Strategy::Seal).sealer(sealer.clone()).build()?;
///
/// let out = redactor.redact("refund to ada@example.com")?;
/// let envelope = out.text().trim_start_matches("refund to ");
/// assert!(envelope.starts_with("cst1:") && !out.text().contains("ada@"));
/// assert_eq!(&*sealer.open(envelope, DetectedKind::Email)?, "ada@example.com");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct VaultSealer {
    vault: Arc<Vault>,
    scope: KeyScope,
}

impl VaultSealer {
    /// The shared key that findings are sealed under by default: text in
    /// logs and tickets belongs to no subject the redactor knows.
    pub const DEFAULT_KEY: &'static str = "redact";

    /// Seals under the shared key [`DEFAULT_KEY`](Self::DEFAULT_KEY).
    pub fn new(vault: Arc<Vault>) -> Self {
        Self::with_scope(vault, KeyScope::shared(Self::DEFAULT_KEY))
    }

    /// Seals under `scope`: a subject's key when the text is known to be
    /// about one subject (erasing them then shreds the findings too), or
    /// another shared key.
    pub fn with_scope(vault: Arc<Vault>, scope: KeyScope) -> Self {
        Self { vault, scope }
    }

    /// Opens an envelope this sealer produced for a finding of `kind`.
    ///
    /// # Errors
    ///
    /// The vault's [`SealError`](crate::SealError): a malformed or tampered
    /// envelope, another kind or scope, or [`Shredded`](crate::SealError::Shredded)
    /// when the key was destroyed.
    ///
    /// # Security
    ///
    /// Returns plaintext. Reveal it only to someone entitled to it (see
    /// [`access`](crate::access)); it is zeroized when dropped.
    pub fn open(
        &self,
        envelope: &str,
        kind: DetectedKind,
    ) -> Result<Zeroizing<String>, crate::SealError> {
        let (category, label) = target(kind);
        let envelope = Envelope::from_text(envelope)
            .map_err(|fault| crate::SealError::Malformed { category, fault })?;
        match self
            .vault
            .open_raw(envelope.as_bytes(), &self.scope, category, label)?
        {
            RawOpened::Plain(bytes) => String::from_utf8(bytes.to_vec())
                .map(Zeroizing::new)
                .map_err(|_| {
                    PiiError::new(
                        PiiKind::Custom("redacted_text"),
                        Reason::MalformedPart { part: "encoding" },
                    )
                    .into()
                }),
            RawOpened::Shredded => Err(crate::SealError::Shredded { category }),
        }
    }
}

impl TextSealer for VaultSealer {
    fn seal(&self, kind: DetectedKind, text: &str) -> Result<String, SealError> {
        let (category, label) = target(kind);
        let bytes = self
            .vault
            .seal_raw(&self.scope, category, label, text.as_bytes())
            .map_err(|_| SealError)?;
        Ok(Envelope::from_checked(bytes).to_text())
    }
}

/// The category and field label a finding of `kind` is sealed with.
fn target(kind: DetectedKind) -> (Category, FieldLabel) {
    match kind {
        DetectedKind::Email => (Category::Contact, FieldLabel::new("redact.EMAIL")),
        DetectedKind::Phone => (Category::Contact, FieldLabel::new("redact.PHONE")),
        DetectedKind::CreditCard => (Category::Financial, FieldLabel::new("redact.CREDIT_CARD")),
        DetectedKind::Iban => (Category::Financial, FieldLabel::new("redact.IBAN")),
        DetectedKind::IpAddress => (Category::Engagement, FieldLabel::new("redact.IP_ADDRESS")),
        DetectedKind::Ssn => (Category::Identity, FieldLabel::new("redact.SSN")),
        DetectedKind::Dob => (Category::Identity, FieldLabel::new("redact.DOB")),
        DetectedKind::Person => (Category::Identity, FieldLabel::new("redact.PERSON")),
        DetectedKind::Address => (Category::Location, FieldLabel::new("redact.ADDRESS")),
        DetectedKind::Custom(_) => (Category::Engagement, FieldLabel::new("redact.CUSTOM")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::{Redactor, Strategy};
    use crate::vault::{MemoryKeyStore, RootKey, RootKeyRing};

    fn sealer() -> Arc<VaultSealer> {
        let ring = RootKeyRing::new(1, RootKey::generate().expect("os rng"));
        let vault = Vault::builder()
            .build(Arc::new(ring), Arc::new(MemoryKeyStore::new()))
            .expect("vault");
        Arc::new(VaultSealer::new(Arc::new(vault)))
    }

    #[test]
    fn sealed_findings_open_as_their_kind_only() {
        let sealer = sealer();
        let redactor = Redactor::builder()
            .strategy(Strategy::Seal)
            .sealer(sealer.clone())
            .build()
            .expect("redactor");
        let out = redactor
            .redact("card 4242 4242 4242 4242 ip 192.0.2.7")
            .expect("redacts");
        let words: Vec<&str> = out.text().split(' ').collect();
        assert!(!out.text().contains("4242") && !out.text().contains("192.0.2"));
        assert_eq!(
            &*sealer
                .open(words[1], DetectedKind::CreditCard)
                .expect("opens"),
            "4242 4242 4242 4242"
        );
        assert_eq!(
            &*sealer
                .open(words[3], DetectedKind::IpAddress)
                .expect("opens"),
            "192.0.2.7"
        );
        // Moved to another kind: a card envelope does not open as an IBAN
        // (same category, other label) nor as an email (other category).
        assert!(sealer.open(words[1], DetectedKind::Iban).is_err());
        assert!(sealer.open(words[1], DetectedKind::Email).is_err());
        assert!(sealer.open("cst1:AAAA", DetectedKind::CreditCard).is_err());
    }
}
