//! Signed consent receipts: what the subject agreed to, in the shape of a
//! Kantara Initiative Consent Receipt v1.1, signed with Ed25519 so the
//! subject can check it with the controller's public key.

use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

use super::ledger::{ConsentError, ConsentLedger};
use super::state::Scope;
use super::store::ConsentStore;
use crate::SubjectId;
use crate::ids::{ConsentEventId, RandomnessError};
use crate::policy::{Policy, Rule};
use crate::purpose::LawfulBasis;
use crate::time::Timestamp;

/// The Kantara specification version written into every receipt.
pub const KANTARA_VERSION: &str = "KI-CR-v1.1.0";

/// The JWS protected header of every signed receipt, byte for byte.
const HEADER: &str = r#"{"alg":"EdDSA","typ":"JWT"}"#;

/// A signed receipt could not be verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The token is malformed, has another header, or its signature does
    /// not verify. Deliberately one case: the caller learns nothing about
    /// which check failed.
    #[error("invalid consent receipt")]
    Invalid,
}

/// An Ed25519 key that signs consent receipts. The secret is zeroized on
/// drop and never printed.
pub struct ReceiptSigner {
    key: SigningKey,
}

impl ReceiptSigner {
    /// A fresh key from the OS random number generator.
    ///
    /// # Errors
    ///
    /// [`RandomnessError`] if the OS generator fails.
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        crate::ids::fill_random(secret.as_mut())?;
        Ok(Self::from_secret(&secret))
    }

    /// The key with this 32-byte secret (RFC 8032 private key), for a key
    /// kept in the host's key store.
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(secret),
        }
    }

    /// The public key subjects verify receipts with.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }
}

impl fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiptSigner").finish_non_exhaustive()
    }
}

/// A PII controller on a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReceiptController {
    /// The controller's name.
    pub pii_controller: String,
    /// Whether it acts on behalf of another controller.
    pub on_behalf: bool,
    /// How to reach it.
    pub contact: String,
}

/// A service on a receipt, with the purposes consented to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptService {
    /// The service's name.
    pub service: String,
    /// One entry per valid consent.
    pub purposes: Vec<ReceiptPurpose>,
}

/// One consented purpose on a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReceiptPurpose {
    /// The purpose, described.
    pub purpose: String,
    /// The purpose's key and DPV term.
    pub purpose_category: Vec<String>,
    /// `EXPLICIT`.
    pub consent_type: String,
    /// The data categories used for it on consent.
    pub pii_category: Vec<String>,
    /// Always `false`: consented purposes are never the primary one.
    pub primary_purpose: bool,
    /// When the consent ends.
    pub termination: String,
    /// Whether the consent is to disclose to a third party.
    pub third_party_disclosure: bool,
    /// The third party, for a recipient-specific consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_name: Option<String>,
    /// The ledger event the consent rests on (this crate's member).
    pub consent_event_id: ConsentEventId,
    /// The notice version it was given under (this crate's member).
    pub policy_version: String,
}

/// A consent receipt (Kantara v1.1 shape).
///
/// # Wire format
///
/// A signed receipt is a JWS in compact serialization (RFC 7515 §3.1),
/// `BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)`,
/// base64url without padding (RFC 4648 §5):
///
/// - header: exactly the bytes `{"alg":"EdDSA","typ":"JWT"}` (RFC 8037);
/// - payload: the receipt as UTF-8 JSON, members as below;
/// - signature: Ed25519 (RFC 8032) over the ASCII bytes
///   `BASE64URL(header) "." BASE64URL(payload)`.
///
/// Verification decodes the three parts, refuses any other header,
/// checks the signature with the strict Ed25519 rules and only then parses
/// the payload. Any failure is one opaque [`ReceiptError::Invalid`].
///
/// Payload members (Kantara v1.1 names; `consentTimestamp` in seconds
/// since the epoch):
///
/// | member | content |
/// |---|---|
/// | `version` | `"KI-CR-v1.1.0"` |
/// | `jurisdiction` | of the latest consent on the receipt |
/// | `consentTimestamp` | time of the latest consent, Unix seconds |
/// | `collectionMethod` | method of the latest consent (`web_form`, ...) |
/// | `consentReceiptID` | a fresh random UUID |
/// | `publicKey` | the signer's Ed25519 public key, base64url (informative: verify against a key obtained out of band) |
/// | `language` | as requested, e.g. `en` |
/// | `piiPrincipalId` | the host's subject id |
/// | `piiControllers` | `[{"piiController": name, "onBehalf": false, "contact": contact}]` |
/// | `policyUrl` | the controller's notice URL |
/// | `services` | `[{"service": name, "purposes": [...]}]`, one purpose object per valid consent |
/// | `sensitive` | `false` |
/// | `spiCat` | `[]` |
///
/// Each purpose object has the Kantara members `purpose` (the description
/// from the policy, or the key), `purposeCategory` (the purpose's key and
/// DPV term), `consentType` (`"EXPLICIT"`), `piiCategory` (the category
/// names the policy allows for the purpose on consent), `primaryPurpose`
/// (`false`), `termination` (the expiry, or `"until withdrawn"`),
/// `thirdPartyDisclosure` and `thirdPartyName` (the recipient, for a
/// recipient-specific consent), plus two members of this crate:
/// `consentEventId` and `policyVersion`, which point at the ledger event.
/// `tests/vectors/consent/receipt-v1.json` pins a signed receipt byte for
/// byte.
///
/// # References
///
/// - Kantara Initiative, Consent Receipt Specification v1.1.0 (2018)
/// - RFC 7515 (JWS), RFC 8037 (EdDSA in JOSE), RFC 8032 (Ed25519)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Receipt {
    /// `KI-CR-v1.1.0`.
    pub version: String,
    /// Where the latest consent was collected.
    pub jurisdiction: String,
    /// When, in Unix seconds.
    pub consent_timestamp: u64,
    /// How.
    pub collection_method: String,
    /// A random UUID.
    #[serde(rename = "consentReceiptID")]
    pub consent_receipt_id: ConsentEventId,
    /// The signer's public key, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// The receipt's language.
    pub language: String,
    /// The subject, by the host's id.
    pub pii_principal_id: String,
    /// The controllers.
    pub pii_controllers: Vec<ReceiptController>,
    /// The notice URL.
    pub policy_url: String,
    /// The services and purposes.
    pub services: Vec<ReceiptService>,
    /// Whether sensitive (special-category) data is involved.
    pub sensitive: bool,
    /// Special categories involved.
    pub spi_cat: Vec<String>,
}

impl Receipt {
    /// Signs the receipt, filling in `publicKey`, and returns the JWS
    /// compact form.
    ///
    /// # Errors
    ///
    /// Never in practice: serializing a receipt to JSON cannot fail; the
    /// `Result` keeps a failure from turning into a panic.
    pub fn sign(mut self, signer: &ReceiptSigner) -> Result<String, serde_json::Error> {
        self.public_key = Some(URL_SAFE_NO_PAD.encode(signer.verifying_key().as_bytes()));
        let payload = serde_json::to_vec(&self)?;
        let mut token = URL_SAFE_NO_PAD.encode(HEADER);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature = signer.key.sign(token.as_bytes());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        Ok(token)
    }

    /// Verifies a signed receipt with `key` and returns it.
    ///
    /// # Errors
    ///
    /// [`ReceiptError::Invalid`] for any malformed token, other header or
    /// bad signature.
    pub fn verify(token: &str, key: &VerifyingKey) -> Result<Receipt, ReceiptError> {
        fn invalid<E>(_: E) -> ReceiptError {
            ReceiptError::Invalid
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ReceiptError::Invalid);
        };
        if URL_SAFE_NO_PAD.decode(header).map_err(invalid)? != HEADER.as_bytes() {
            return Err(ReceiptError::Invalid);
        }
        let signature: [u8; 64] = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(invalid)?
            .try_into()
            .map_err(|_| ReceiptError::Invalid)?;
        let signed = &token[..header.len() + 1 + payload.len()];
        key.verify_strict(signed.as_bytes(), &Signature::from_bytes(&signature))
            .map_err(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(invalid)?;
        serde_json::from_slice(&payload).map_err(|_| ReceiptError::Invalid)
    }
}

/// What to put on a receipt beyond what the ledger and policy know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptRequest<'a> {
    /// The subject.
    pub subject: &'a SubjectId,
    /// Which consents to include: those valid at this time.
    pub at: Timestamp,
    /// The receipt's language (`en`, `de`, ...).
    pub language: &'a str,
    /// The service's name (`Example Marketplace`).
    pub service: &'a str,
}

impl<S: ConsentStore> ConsentLedger<S> {
    /// Builds an unsigned receipt of every consent of the subject valid at
    /// `request.at` under `policy` (see [`Receipt`] for the format).
    ///
    /// # Errors
    ///
    /// [`ConsentError::NothingToReceipt`] if there is none;
    /// [`ConsentError::Store`] if the store fails;
    /// [`ConsentError::Randomness`] if no receipt id can be drawn.
    pub fn receipt(
        &self,
        policy: &Policy,
        request: &ReceiptRequest<'_>,
    ) -> Result<Receipt, ConsentError> {
        let history = self.history(request.subject)?;
        let mut seen = HashSet::new();
        let mut purposes = Vec::new();
        let mut latest = None;
        for event in history.iter().rev() {
            let scope = Scope {
                purpose: event.purpose(),
                recipient: event.recipient(),
            };
            if !seen.insert((scope.purpose, scope.recipient.cloned())) {
                continue;
            }
            let Some(state) = super::state::fold(&history, scope) else {
                continue;
            };
            if !state.is_valid_at(request.at) || state.event != event.id() {
                continue;
            }
            // History is in time order, so the first valid event met
            // walking backwards is the latest.
            latest = latest.or(Some(event));
            purposes.push(receipt_purpose(policy, event));
        }
        let Some(last) = latest else {
            return Err(ConsentError::NothingToReceipt);
        };
        purposes.reverse();
        let controller = policy.controller();
        Ok(Receipt {
            version: KANTARA_VERSION.to_owned(),
            jurisdiction: last.jurisdiction().to_string(),
            consent_timestamp: last.time().unix_secs(),
            collection_method: last.method().to_string(),
            consent_receipt_id: ConsentEventId::random()?,
            public_key: None,
            language: request.language.to_owned(),
            pii_principal_id: request.subject.as_str().to_owned(),
            pii_controllers: vec![ReceiptController {
                pii_controller: controller.name.clone(),
                on_behalf: false,
                contact: controller.contact.clone(),
            }],
            policy_url: controller.policy_url.clone(),
            services: vec![ReceiptService {
                service: request.service.to_owned(),
                purposes,
            }],
            sensitive: false,
            spi_cat: Vec::new(),
        })
    }
}

fn receipt_purpose(policy: &Policy, event: &super::ConsentEvent) -> ReceiptPurpose {
    let purpose = event.purpose();
    let description = policy
        .purpose_terms(purpose)
        .map(|t| t.description_text())
        .filter(|d| !d.is_empty())
        .unwrap_or(purpose.key());
    let pii_category = policy
        .categories()
        .filter(|&c| {
            matches!(
                policy.rule(c, purpose),
                Some(Rule::Allow {
                    basis: LawfulBasis::Consent,
                    ..
                })
            )
        })
        .map(|c| c.name().to_owned())
        .collect();
    let mut purpose_category = vec![purpose.key().to_owned()];
    purpose_category.extend(purpose.dpv().map(|d| format!("dpv:{d}")));
    ReceiptPurpose {
        purpose: description.to_owned(),
        purpose_category,
        consent_type: "EXPLICIT".to_owned(),
        pii_category,
        primary_purpose: false,
        termination: event
            .expires()
            .map_or_else(|| "until withdrawn".to_owned(), |t| t.to_string()),
        third_party_disclosure: event.recipient().is_some(),
        third_party_name: event.recipient().map(ToString::to_string),
        consent_event_id: event.id(),
        policy_version: event.version().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_not_printed_and_signatures_bind_the_key() {
        let signer = ReceiptSigner::generate().unwrap();
        assert_eq!(format!("{signer:?}"), "ReceiptSigner { .. }");
        let receipt: Receipt = serde_json::from_str(
            r#"{"version":"KI-CR-v1.1.0","jurisdiction":"DE","consentTimestamp":1,"collectionMethod":"api",
            "consentReceiptID":"00000000-0000-4000-8000-000000000000","language":"en","piiPrincipalId":"a",
            "piiControllers":[],"policyUrl":"","services":[],"sensitive":false,"spiCat":[]}"#,
        )
        .unwrap();
        let token = receipt.clone().sign(&signer).unwrap();
        let back = Receipt::verify(&token, &signer.verifying_key()).unwrap();
        assert_eq!(
            back.public_key.as_deref(),
            Some(
                URL_SAFE_NO_PAD
                    .encode(signer.verifying_key().as_bytes())
                    .as_str()
            )
        );
        let other = ReceiptSigner::generate().unwrap();
        assert_eq!(
            Receipt::verify(&token, &other.verifying_key()),
            Err(ReceiptError::Invalid)
        );
    }
}
