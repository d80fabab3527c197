//! Builds a customer from raw sign-up input, prints it (masked), and shows
//! how bad input is refused with a typed error that does not echo it.
//!
//! Then the vault, over a SQLite store in a temporary directory: seals the
//! customer to JSON (no plaintext in it), loads it back, finds the customer
//! by a blind index on their email, rotates their key and forgets them.
//! The store is closed and reopened (a restart): a customer sealed before it
//! still opens, while the forgotten customer's backup no longer does and a
//! record kept for legal reasons still loads, erased.
//!
//! Run: `cargo run --example quickstart`.

use std::error::Error;
use std::sync::Arc;

use custodian::pii::{
    CallingCode, CardNumber, DateOfBirth, Email, Iban, PersonName, Phone, PiiError, PiiKind,
    PostalAddress, Reason,
};
use custodian::store::Store;
use custodian::vault::{BlindIndex, Erasable, KeyScope, RootKey, RootKeyRing};
use custodian::{SealError, SubjectId};
use serde::{Deserialize, Serialize};

/// A customer record as a marketplace's sign-up and checkout would build it.
/// Serializing it seals every PII field (inside a vault scope).
#[derive(Debug, Serialize, Deserialize)]
struct Customer {
    name: PersonName,
    email: Email,
    phone: Phone,
    born: DateOfBirth,
    delivery: PostalAddress,
    card: CardNumber,
    refunds_to: Iban,
}

/// Parses raw form input; any invalid field stops the sign-up.
fn sign_up() -> Result<Customer, PiiError> {
    Ok(Customer {
        name: PersonName::parse("  Ada   Lovelace ")?,
        email: Email::parse("Ada.Lovelace@Example.COM")?,
        phone: Phone::parse_national("030 1234 5678", CallingCode::new(49)?)?,
        born: DateOfBirth::parse("1990-12-10")?,
        delivery: PostalAddress::builder()
            .line("Unter den Linden 77")
            .postal_code("10117")
            .locality("Berlin")
            .country("DE")
            .build()?,
        card: CardNumber::parse("4242 4242 4242 4242")?,
        refunds_to: Iban::parse("de89 3704 0044 0532 0130 00")?,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    pii_flow()?;
    vault_flow()
}

fn pii_flow() -> Result<(), PiiError> {
    let customer = sign_up()?;

    // Debug output is masked: safe for logs and support tools.
    let shown = format!("{customer:#?}");
    println!("{shown}");
    for secret in [
        "Lovelace",
        "Ada.Lovelace",
        "12345678",
        "4242424242424242",
        "370400440532013000",
        "12-10",
    ] {
        assert!(!shown.contains(secret), "masked output leaked {secret}");
    }
    assert!(shown.contains("Visa •••• 4242"));

    // The plaintext is one explicit call away, for the code that needs it.
    assert_eq!(customer.email.expose(), "Ada.Lovelace@example.com");
    assert_eq!(customer.phone.expose(), "+493012345678");
    assert_eq!(customer.name.expose(), "Ada Lovelace");
    assert_eq!(customer.born.year(), 1990);
    assert_eq!(customer.delivery.country().as_str(), "DE");
    assert_eq!(customer.card.last4(), "4242");
    assert_eq!(customer.refunds_to.country(), "DE");

    // Bad input is refused, and the error does not repeat it.
    let typo = "4242 4242 4242 4241";
    let error = CardNumber::parse(typo).expect_err("fails the Luhn check");
    println!("refused: {error}");
    assert_eq!(error.kind(), PiiKind::CardNumber);
    assert_eq!(error.reason(), Reason::ChecksumMismatch);
    assert!(!error.to_string().contains("4241"));
    Ok(())
}

/// An invoice kept for tax law after the customer is forgotten: its PII
/// field is `Erasable`, so it still loads once the key is gone.
#[derive(Debug, Serialize, Deserialize)]
struct Invoice {
    number: u32,
    billed_to: Erasable<Email>,
}

/// Finds the customer by email through a blind index, without storing or
/// searching plaintext.
const BY_EMAIL: BlindIndex = BlindIndex::new("customer.email");

fn vault_flow() -> Result<(), Box<dyn Error>> {
    // A vault: an in-process root key (a KMS in production) and a durable
    // store keeping every wrapped key, consent event and audit entry.
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("custodian.db");
    let root = Arc::new(RootKeyRing::new(1, RootKey::generate()?));
    let store = Store::sqlite(&db)?;
    let vault = store.vault(root.clone())?;
    let ada = SubjectId::new("cust_1815");
    let customer = sign_up()?;

    // Grace is another customer, sealed now and kept.
    let grace = SubjectId::new("cust_1906");
    let grace_json = vault
        .subject(&grace)
        .run(|| serde_json::to_string(&customer))?;

    // Seal on serialize: every PII field becomes a `cst1:` envelope.
    let json = vault
        .subject(&ada)
        .run(|| serde_json::to_string_pretty(&customer))?;
    println!("{json}");
    for secret in [
        "Lovelace",
        "Ada.Lovelace",
        "5678",
        "4242424242424242",
        "Linden",
    ] {
        assert!(!json.contains(secret), "sealed JSON leaked {secret}");
    }
    // Without a scope there is no vault in reach: an error, never plaintext.
    assert!(serde_json::to_string(&customer).is_err());

    // Load it back; the envelopes are checked for this subject and field.
    let loaded: Customer = vault.subject(&ada).run(|| serde_json::from_str(&json))?;
    assert_eq!(loaded.email, customer.email);
    assert_eq!(loaded.card, customer.card);

    // A "table" keyed by blind index: look the customer up by email, typed
    // in another case, without a plaintext column.
    let table = [(vault.blind_index(&BY_EMAIL, &customer.email)?, ada.clone())];
    let typed = Email::parse("ADA.LOVELACE@example.com")?;
    let wanted = vault.blind_index(&BY_EMAIL, &typed)?;
    let found = table
        .iter()
        .find(|(term, _)| *term == wanted)
        .map(|(_, id)| id);
    assert_eq!(found, Some(&ada));
    println!("found by blind index: {ada}");

    // Rotate Ada's key: new values seal under version 2, old ones still open.
    let version = vault.rotate_key(&KeyScope::subject(&ada))?;
    let json_v2 = vault
        .subject(&ada)
        .run(|| serde_json::to_string(&customer))?;
    let _: Customer = vault.subject(&ada).run(|| serde_json::from_str(&json))?;
    println!("rotated to key version {version}");

    // An invoice kept for legal reasons, and a "backup" of the record.
    let invoice = Invoice {
        number: 1,
        billed_to: Erasable::Present(customer.email.clone()),
    };
    let invoice_json = vault
        .subject(&ada)
        .run(|| serde_json::to_string(&invoice))?;
    let backup = json_v2;

    // Erasure: forget Ada. Her key is destroyed, a tombstone remains.
    let tombstone = vault.forget(&ada)?.expect("Ada had a key");
    println!("forgot {ada}: key {:?} destroyed", tombstone.id);

    // A restart: close the store and open the file again.
    drop((vault, store));
    let store = Store::sqlite(&db)?;
    let vault = store.vault(root)?;
    println!("reopened {}", db.display());

    // Grace, sealed before the restart, still opens.
    let loaded: Customer = vault
        .subject(&grace)
        .run(|| serde_json::from_str(&grace_json))?;
    assert_eq!(loaded.email, customer.email);
    println!("{grace} still opens after the restart");

    // The backup no longer opens, with an outcome distinct from tampering.
    let err = vault
        .subject(&ada)
        .run(|| serde_json::from_str::<Customer>(&backup))
        .expect_err("the backup is shredded");
    assert!(err.seal_error().is_some_and(SealError::is_shredded));
    println!("backup: {err}");

    // The invoice still loads, its customer field marked as erased.
    let kept: Invoice = vault
        .subject(&ada)
        .run(|| serde_json::from_str(&invoice_json))?;
    assert!(kept.billed_to.is_erased());
    println!("invoice {} billed to {}", kept.number, kept.billed_to);
    Ok(())
}
