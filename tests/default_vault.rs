//! The process-wide default vault: records serialized by code that runs
//! outside every scope (a framework's response encoder, a queue consumer)
//! seal and open with it. Its own binary: the default is per process.

mod common;

use std::sync::{OnceLock, mpsc};

use custodian::pii::Email;
use custodian::seal::{DefaultVaultAlreadySet, default_vault, set_default_vault};
use custodian::vault::Vault;
use custodian::{Personal, SubjectId};

#[derive(Personal, Debug, Clone, PartialEq)]
struct Customer {
    #[personal(subject)]
    id: SubjectId,
    email: Email,
}

use crate::common::memory_vault as new_vault;

/// Sets the default once for the whole binary (tests run in parallel).
fn installed() -> &'static Vault {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| set_default_vault(new_vault()).expect("first set"));
    default_vault().expect("set")
}

fn ada() -> Customer {
    Customer {
        id: SubjectId::new("ada"),
        email: Email::parse("ada@example.com").expect("valid"),
    }
}

#[test]
fn records_serialized_later_on_another_thread_seal_with_the_default() {
    installed();
    // A queue: the producer encodes outside any closure, the consumer
    // decodes on its own thread.
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let producer = std::thread::spawn(move || {
        let bytes = postcard::to_stdvec(&vec![ada(), ada()]).expect("seal");
        tx.send(bytes).expect("send");
    });
    let consumer = std::thread::spawn(move || {
        let bytes = rx.recv().expect("recv");
        postcard::from_bytes::<Vec<Customer>>(&bytes).expect("open")
    });
    producer.join().expect("producer");
    assert_eq!(consumer.join().expect("consumer"), vec![ada(), ada()]);

    let json = serde_json::to_string(&ada()).expect("seal");
    assert!(json.contains("cst1:") && !json.contains("ada@"), "{json}");
}

#[test]
fn the_default_is_set_once() {
    installed();
    assert_eq!(set_default_vault(new_vault()), Err(DefaultVaultAlreadySet));
}

#[test]
fn a_scope_names_its_own_vault_over_the_default() {
    installed();
    let other = new_vault();
    let json = other
        .records()
        .run(|| serde_json::to_string(&ada()))
        .expect("seal with the scope's vault");
    // The default vault has no key for it.
    assert!(serde_json::from_str::<Customer>(&json).is_err());
    let back: Customer = other
        .records()
        .run(|| serde_json::from_str(&json))
        .expect("open");
    assert_eq!(back, ada());
}

#[test]
fn the_default_gives_no_subject_to_loose_values() {
    installed();
    let err = serde_json::to_string(&ada().email).expect_err("no subject");
    assert!(err.to_string().contains("no subject"), "{err}");
}

#[test]
fn forgetting_through_the_default_erases_records() {
    let vault = installed();
    let bob = Customer {
        id: SubjectId::new("bob_default"),
        email: Email::parse("bob@example.com").expect("valid"),
    };
    let json = serde_json::to_string(&bob).expect("seal");
    vault.forget(&bob.id).expect("forget");
    let err = vault
        .records()
        .run(|| serde_json::from_str::<Customer>(&json))
        .expect_err("erased");
    assert!(err.seal_error().is_some_and(|e| e.is_shredded()), "{err:?}");

    // Written back later, by a framework, outside every scope: refused,
    // not sealed under a fresh key.
    let err = serde_json::to_string(&bob).expect_err("forgotten");
    assert!(err.to_string().contains("was erased"), "{err}");
    assert!(!err.to_string().contains("bob@"), "{err}");
}
