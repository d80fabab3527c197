//! A marketplace with one customer, for the rights and retention tests.

use std::sync::Arc;

use custodian::audit::{Action, AuditEvent, MemorySink};
use custodian::consent::{Collection, CollectionMethod};
use custodian::disclosure::{Agreement, Recipient, RecipientKind};
use custodian::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference};
use custodian::pii::{Category, Email, PostalAddress};
use custodian::policy::{PolicySchedule, marketplace};
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::records::{Field, MemoryHost, Record, RecordClass, RecordId};
use custodian::retention::Schedule;
use custodian::rights::{MemoryNotifier, Profile, RequestKind};
use custodian::time::Timestamp;
use custodian::vault::{FieldLabel, KeyScope, MemoryKeyStore, RootKey, RootKeyRing, Vault};
use custodian::{Custodian, SubjectId};

pub(crate) const V1: PolicyVersion = PolicyVersion::new("1");
pub(crate) const EMAIL: FieldLabel = FieldLabel::new("customer.email");
pub(crate) const ADDRESS: FieldLabel = FieldLabel::new("customer.address");
pub(crate) const BILLING: FieldLabel = FieldLabel::new("invoice.billing_address");
pub(crate) const ACCOUNT: RecordId = RecordId::new("account-1");
pub(crate) const HOME: RecordId = RecordId::new("address-1");
pub(crate) const INVOICE: RecordId = RecordId::new("invoice-2025-0042");

pub(crate) fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("test times parse")
}

pub(crate) fn dhl() -> RecipientId {
    RecipientId::new("dhl")
}

pub(crate) fn how(at: Timestamp) -> Collection {
    Collection::new(V1, at, CollectionMethod::WebForm, Jurisdiction::new("DE"))
}

pub(crate) fn address(line: &str) -> PostalAddress {
    PostalAddress::builder()
        .line(line)
        .postal_code("10117")
        .locality("Berlin")
        .country("DE")
        .build()
        .expect("test addresses are valid")
}

pub(crate) struct World {
    pub(crate) custodian: Custodian,
    pub(crate) sink: Arc<MemorySink>,
    pub(crate) host: MemoryHost,
    pub(crate) notifier: MemoryNotifier,
    pub(crate) vault: Vault,
}

impl World {
    pub(crate) fn new() -> Self {
        let vault = Vault::builder()
            .build(
                Arc::new(RootKeyRing::new(1, RootKey::generate().unwrap())),
                Arc::new(MemoryKeyStore::new()),
            )
            .unwrap();
        let carrier = Recipient::new(dhl(), "DHL Paket GmbH", RecipientKind::Carrier).agreement(
            Agreement::new(
                Reference::new("DPA-2024-17"),
                &[Category::Location, Category::Contact],
                &[Purpose::Shipping],
            ),
        );
        let policy = marketplace()
            .recipient(carrier)
            .build(V1, Timestamp::EPOCH)
            .unwrap();
        let sink = Arc::new(MemorySink::new());
        let custodian = Custodian::builder()
            .policy(PolicySchedule::single(policy))
            .vault(vault.clone())
            .ledger(custodian::consent::MemoryStore::new())
            .audit(sink.clone())
            .build()
            .unwrap()
            .with_retention(Schedule::germany());
        Self {
            custodian,
            sink,
            host: MemoryHost::new(),
            notifier: MemoryNotifier::new(),
            vault,
        }
    }

    /// The same world without retention rules: nothing is withheld.
    pub(crate) fn with_no_retention(mut self) -> Self {
        self.custodian = self.custodian.with_retention(Schedule::new());
        self
    }

    /// Ada's account (e-mail), home address and one invoice of March 2025;
    /// the carrier received her address.
    pub(crate) fn seed(&self, subject: &SubjectId) {
        let scope = KeyScope::subject(subject);
        let email = Email::parse("ada@example.com").unwrap();
        let record = |id: RecordId, category, class, basis, label, envelope| Record {
            id,
            category,
            class,
            basis,
            provided: true,
            created: t("2025-03-14T10:00:00Z"),
            last_activity: t("2025-03-14T10:00:00Z"),
            completed: None,
            fields: vec![Field { label, envelope }],
        };
        let seal_address = |line, label| self.vault.seal(&address(line), &scope, label).unwrap();
        self.host
            .insert(
                subject,
                record(
                    ACCOUNT,
                    Category::Contact,
                    RecordClass::ACCOUNT,
                    LawfulBasis::Contract,
                    EMAIL,
                    self.vault.seal(&email, &scope, EMAIL).unwrap(),
                ),
            )
            .unwrap();
        self.host
            .insert(
                subject,
                record(
                    HOME,
                    Category::Location,
                    RecordClass::ACCOUNT,
                    LawfulBasis::Contract,
                    ADDRESS,
                    seal_address("Unter den Linden 77", ADDRESS),
                ),
            )
            .unwrap();
        let mut invoice = record(
            INVOICE,
            Category::Location,
            RecordClass::INVOICE,
            LawfulBasis::LegalObligation,
            BILLING,
            seal_address("Unter den Linden 77", BILLING),
        );
        invoice.provided = false;
        self.host.insert(subject, invoice).unwrap();
        self.custodian
            .disclose(
                subject,
                &dhl(),
                &[Category::Location],
                Purpose::Shipping,
                t("2025-03-15T08:00:00Z"),
            )
            .unwrap();
    }

    /// A request received and accepted at `at`.
    pub(crate) fn accepted(
        &self,
        subject: &SubjectId,
        kind: RequestKind,
        at: Timestamp,
    ) -> custodian::audit::RequestId {
        let id = self
            .custodian
            .receive_request(subject, kind, Profile::Gdpr, at)
            .unwrap();
        self.custodian.acknowledge(id, at).unwrap();
        self.custodian.accept(id, at).unwrap();
        id
    }

    pub(crate) fn actions(&self) -> Vec<Action> {
        self.sink.events().iter().map(AuditEvent::action).collect()
    }
}
