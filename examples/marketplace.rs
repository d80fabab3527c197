//! The whole privacy policy, end to end, on the SQLite store in a
//! temporary directory: sign-up, an order, staff and carriers, a policy
//! change, a restart, the subject's rights, erasure under a tax hold, a
//! retention sweep years later, and the audit log verified at the end.
//!
//! It prints the story of each step and checks its own claims: it exits
//! with status 1 if any step does not behave as the story says. Run it with
//! `cargo run --example marketplace`.

use std::error::Error;
use std::path::Path;
use std::sync::{Arc, Mutex};

use custodian::access::AccessContext;
use custodian::audit::{CheckpointSigner, ENTRIES_FILE, verify};
use custodian::consent::{Collection, CollectionMethod};
use custodian::decision::{Actor, DenialReason, Refusal, Use, UseError};
use custodian::disclosure::{Agreement, Recipient, RecipientKind};
use custodian::ids::{Jurisdiction, PolicyVersion, RecipientId, Reference, Role, StaffId};
use custodian::pii::{
    CardNumber, Category, CountryCode, Credential, CredentialKind, Email, PersonName, Phone,
    PiiError, PostalAddress,
};
use custodian::policy::{Policy, PolicySchedule, marketplace};
use custodian::purpose::{LawfulBasis, Purpose};
use custodian::records::{Field, Host, Record, RecordClass, RecordId};
use custodian::retention::Schedule;
use custodian::rights::HostError;
use custodian::rights::{
    CategoryOutcome, ComplaintOutcome, MemoryNotifier, Profile, RequestKind, RightsError,
};
use custodian::seal::Holding;
use custodian::store::Store;
use custodian::time::{Date, Timestamp};
use custodian::vault::{Envelope, FieldLabel};
use custodian::vault::{Erasable, RootKey, RootKeyRing};
use custodian::{Custodian, Owned, Personal, SubjectId};

const V1: PolicyVersion = PolicyVersion::new("2026-01");
const V2: PolicyVersion = PolicyVersion::new("2026-07");

/// A customer as sign-up builds it: every PII field is sealed under the
/// customer's own key when the record is written.
#[derive(Debug, Personal)]
struct Customer {
    #[personal(subject)]
    id: SubjectId,
    name: PersonName,
    email: Email,
    phone: Phone,
}

/// An order: the delivery address and card belong to the customer. The
/// invoice copy of the address is `Erasable`, so the order still loads
/// once the customer is forgotten.
#[derive(Debug, Personal)]
struct Order {
    #[personal(subject)]
    customer: SubjectId,
    number: u32,
    total_cents: u64,
    #[personal(label = "order.delivery")]
    delivery: Erasable<PostalAddress>,
    #[personal(label = "order.card")]
    card: Erasable<CardNumber>,
}

/// Collects the story's claims; the example fails if any is false.
#[derive(Default)]
struct Claims {
    failed: Vec<String>,
}

impl Claims {
    fn check(&mut self, claim: &str, holds: bool) {
        println!("   [{}] {claim}", if holds { "ok" } else { "FAILED" });
        if !holds {
            self.failed.push(claim.to_owned());
        }
    }
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("the story's times parse")
}

const ORDER_DELIVERY: FieldLabel = FieldLabel::new("order.delivery");

/// The custodian over the SQLite store at `db`: vault, consent ledger and
/// audit log in one file.
fn open(
    db: &Path,
    root: &Arc<RootKeyRing>,
    schedule: PolicySchedule,
) -> Result<Custodian<custodian::store::StoreConsent>, Box<dyn Error>> {
    let store = Store::sqlite(db)?;
    Ok(Custodian::builder()
        .policy(schedule)
        .store(&store, root.clone())?
        .build()?)
}

fn store_of(db: &Path) -> Result<Store, Box<dyn Error>> {
    Ok(Store::sqlite(db)?)
}

/// The marketplace's policy: the crate's default, with the carrier under
/// its processing agreement and an ad network the policy shares nothing
/// with.
fn policy(
    version: PolicyVersion,
    from: &str,
    announced: &str,
    v2: bool,
) -> Result<Policy, Box<dyn Error>> {
    let carrier = Recipient::new(
        RecipientId::new("dhl"),
        "DHL Paket GmbH",
        RecipientKind::Carrier,
    )
    .agreement(Agreement::new(
        Reference::new("DPA-2024-17"),
        &[Category::Location, Category::Identity],
        &[Purpose::Shipping],
    ));
    let ads = Recipient::new(
        RecipientId::new("adnet"),
        "Example Ads Ltd",
        RecipientKind::ThirdParty,
    );
    let mut builder = marketplace()
        .recipient(carrier)
        .recipient(ads)
        .announced(t(announced));
    if v2 {
        // The newsletter now carries partner offers: a material change.
        builder = builder.material_change(Purpose::Marketing);
    }
    Ok(builder.build(version, t(from))?)
}

fn policy_v1() -> Result<Policy, Box<dyn Error>> {
    policy(V1, "2026-01-01T00:00:00Z", "2025-12-01T00:00:00Z", false)
}

fn policy_v2() -> Result<Policy, Box<dyn Error>> {
    policy(V2, "2026-07-01T00:00:00Z", "2026-05-15T00:00:00Z", true)
}

fn schedule_v1() -> Result<PolicySchedule, Box<dyn Error>> {
    Ok(PolicySchedule::new([policy_v1()?])?)
}

/// A consent collected by the sign-up form under `version`.
fn form(version: PolicyVersion, at: &str) -> Collection {
    Collection::new(
        version,
        t(at),
        CollectionMethod::WebForm,
        Jurisdiction::new("DE"),
    )
}

/// May the newsletter go to `who` at `at`?
fn newsletter<S: custodian::consent::ConsentStore>(
    custodian: &Custodian<S>,
    who: &SubjectId,
    at: &str,
) -> custodian::decision::Decision {
    custodian.decide(&Use::new(
        who,
        &[Category::Contact],
        Purpose::Marketing,
        Actor::System,
        t(at),
    ))
}

fn address(line: &str, postal_code: &str, city: &str) -> Result<PostalAddress, PiiError> {
    PostalAddress::builder()
        .line(line)
        .postal_code(postal_code)
        .locality(city)
        .country("DE")
        .build()
}

/// The account page's address form: `line|postal code|city`.
fn parse_address(input: &str) -> Result<PostalAddress, PiiError> {
    let mut parts = input.split('|');
    let mut next = || parts.next().unwrap_or("");
    address(next(), next(), next())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   | {l}\n")).collect()
}

/// Flips one byte in the middle of a file.
fn tamper(path: &Path) -> std::io::Result<()> {
    let mut bytes = std::fs::read(path)?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(path, bytes)
}

/// The labels the host's records seal under: the derive's defaults and
/// those set with `#[personal(label = …)]`. Labels are `'static` names
/// chosen in code; the table stores their text.
const LABELS: [FieldLabel; 5] = [
    FieldLabel::new("person_name"),
    FieldLabel::new("email"),
    FieldLabel::new("phone"),
    ORDER_DELIVERY,
    FieldLabel::new("order.card"),
];

/// The host's own database (not the custodian's): one row per record, its
/// JSON as the derive wrote it (sealed), and the sealed fields its data
/// map lists, so that the rights workflow sees every field without the
/// host describing its data a second time. The workflow sees one
/// [`Record`] per row and data category.
#[derive(Debug)]
struct AppTable {
    db: Mutex<rusqlite::Connection>,
}

/// The table's failures; they carry no personal data.
#[derive(Debug, thiserror::Error)]
#[error("app table: {0}")]
struct TableError(&'static str);

fn host_error(e: impl Error + Send + Sync + 'static) -> HostError {
    HostError::new(e)
}

/// One row, as the workflow needs it.
struct Row {
    id: String,
    class: RecordClass,
    basis: LawfulBasis,
    created: Timestamp,
    completed: Option<Timestamp>,
    json: serde_json::Value,
    /// (field name, label, category) of each sealed field.
    fields: Vec<(String, FieldLabel, Category)>,
}

impl AppTable {
    /// Opens (or creates) the app database at `path`.
    fn open(path: &Path) -> Result<Self, rusqlite::Error> {
        let db = rusqlite::Connection::open(path)?;
        db.execute(
            "CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, subject TEXT NOT NULL, \
             class TEXT NOT NULL, basis TEXT NOT NULL, created INTEGER NOT NULL, \
             completed INTEGER, json TEXT NOT NULL, fields TEXT NOT NULL)",
            [],
        )?;
        Ok(Self { db: Mutex::new(db) })
    }

    /// Stores a record written by the derive, with what its data map says.
    #[allow(clippy::too_many_arguments)]
    fn put<T: custodian::seal::Personal>(
        &self,
        id: &str,
        json: &str,
        record: &T,
        class: RecordClass,
        basis: LawfulBasis,
        created: Timestamp,
        completed: Option<Timestamp>,
    ) -> Result<(), Box<dyn Error>> {
        let fields: Vec<(String, &str, u16)> = record
            .data_map()?
            .fields()
            .iter()
            .filter_map(|f| match f.holding() {
                Holding::Sealed { label, .. } => {
                    Some((f.path().to_string(), label.as_str(), f.category().code()))
                }
                _ => None,
            })
            .collect();
        let millis = |t: Timestamp| i64::try_from(t.unix_millis()).unwrap_or(i64::MAX);
        self.db
            .lock()
            .map_err(|_| TableError("poisoned"))?
            .execute(
                "INSERT INTO records VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    id,
                    record.subject()?.as_str(),
                    class.as_str(),
                    basis.key(),
                    millis(created),
                    completed.map(millis),
                    json,
                    serde_json::to_string(&fields)?,
                ],
            )?;
        Ok(())
    }

    /// A row's JSON, as stored.
    fn json(&self, id: &str) -> Result<String, Box<dyn Error>> {
        let db = self.db.lock().map_err(|_| TableError("poisoned"))?;
        Ok(db.query_row("SELECT json FROM records WHERE id = ?1", [id], |r| r.get(0))?)
    }

    fn is_empty(&self) -> Result<bool, Box<dyn Error>> {
        let db = self.db.lock().map_err(|_| TableError("poisoned"))?;
        let n: i64 = db.query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))?;
        Ok(n == 0)
    }

    fn rows(&self, subject: &SubjectId) -> Result<Vec<Row>, HostError> {
        let db = self
            .db
            .lock()
            .map_err(|_| host_error(TableError("poisoned")))?;
        let mut query = db
            .prepare("SELECT id, class, basis, created, completed, json, fields FROM records WHERE subject = ?1 ORDER BY id")
            .map_err(host_error)?;
        let raw = query
            .query_map([subject.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .map_err(host_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(host_error)?;
        raw.into_iter().map(decode_row).collect()
    }

    /// Rewrites the JSON and field list of row `id`, or deletes the row
    /// when no personal field is left in it.
    fn write_back(&self, row: &Row) -> Result<(), HostError> {
        let db = self
            .db
            .lock()
            .map_err(|_| host_error(TableError("poisoned")))?;
        if row.fields.is_empty() {
            db.execute("DELETE FROM records WHERE id = ?1", [&row.id])
                .map_err(host_error)?;
            return Ok(());
        }
        let fields: Vec<(&str, &str, u16)> = row
            .fields
            .iter()
            .map(|(n, l, c)| (n.as_str(), l.as_str(), c.code()))
            .collect();
        db.execute(
            "UPDATE records SET json = ?2, fields = ?3 WHERE id = ?1",
            rusqlite::params![
                row.id,
                row.json.to_string(),
                serde_json::to_string(&fields).map_err(host_error)?
            ],
        )
        .map_err(host_error)?;
        Ok(())
    }
}

type RawRow = (String, String, String, i64, Option<i64>, String, String);

fn decode_row(
    (id, class, basis, created, completed, json, fields): RawRow,
) -> Result<Row, HostError> {
    let bad = |what| host_error(TableError(what));
    let at = |millis: i64| {
        u64::try_from(millis)
            .ok()
            .and_then(Timestamp::from_unix_millis)
            .ok_or_else(|| bad("a time"))
    };
    let class = match class.as_str() {
        "account" => RecordClass::ACCOUNT,
        "invoice" => RecordClass::INVOICE,
        _ => return Err(bad("a record class")),
    };
    let fields: Vec<(String, String, u16)> = serde_json::from_str(&fields).map_err(host_error)?;
    let fields = fields
        .into_iter()
        .map(|(name, label, code)| {
            let label = LABELS
                .into_iter()
                .find(|l| l.as_str() == label)
                .ok_or_else(|| bad("a label"))?;
            let category = Category::from_code(code).ok_or_else(|| bad("a category"))?;
            Ok((name, label, category))
        })
        .collect::<Result<_, HostError>>()?;
    Ok(Row {
        id,
        class,
        basis: LawfulBasis::parse(&basis).map_err(|_| bad("a lawful basis"))?,
        created: at(created)?,
        completed: completed.map(at).transpose()?,
        json: serde_json::from_str(&json).map_err(host_error)?,
        fields,
    })
}

/// A record id per row and category: `order-1001.location`.
fn record_id(row: &str, category: Category) -> Result<RecordId, HostError> {
    RecordId::parse(&format!("{row}.{category}")).map_err(host_error)
}

impl Host for AppTable {
    fn subjects(&self) -> Result<Vec<SubjectId>, HostError> {
        let db = self
            .db
            .lock()
            .map_err(|_| host_error(TableError("poisoned")))?;
        let mut query = db
            .prepare("SELECT DISTINCT subject FROM records ORDER BY subject")
            .map_err(host_error)?;
        let ids = query
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(host_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(host_error)?;
        ids.into_iter()
            .map(|id| SubjectId::try_new(id).map_err(host_error))
            .collect()
    }

    fn records(&self, subject: &SubjectId) -> Result<Vec<Record>, HostError> {
        let mut out = Vec::new();
        for row in self.rows(subject)? {
            let mut categories: Vec<Category> = row.fields.iter().map(|f| f.2).collect();
            categories.sort_by_key(|c| c.code());
            categories.dedup();
            for category in categories {
                let mut fields = Vec::new();
                for (name, label, _) in row.fields.iter().filter(|f| f.2 == category) {
                    let text = row.json[name]
                        .as_str()
                        .ok_or_else(|| host_error(TableError("a sealed field is not text")))?;
                    let envelope = Envelope::from_text(text).map_err(host_error)?;
                    fields.push(Field {
                        label: *label,
                        envelope,
                    });
                }
                out.push(Record {
                    id: record_id(&row.id, category)?,
                    category,
                    class: row.class,
                    basis: row.basis,
                    provided: true,
                    created: row.created,
                    last_activity: row.created,
                    completed: row.completed,
                    fields,
                });
            }
        }
        Ok(out)
    }

    fn replace(
        &self,
        subject: &SubjectId,
        record: &RecordId,
        label: FieldLabel,
        new: Envelope,
    ) -> Result<bool, HostError> {
        for mut row in self.rows(subject)? {
            let name = row
                .fields
                .iter()
                .find(|(_, l, c)| {
                    *l == label && record_id(&row.id, *c).is_ok_and(|id| &id == record)
                })
                .map(|(name, _, _)| name.clone());
            if let Some(name) = name {
                row.json[name.as_str()] = serde_json::Value::String(new.to_text());
                self.write_back(&row)?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn erase(&self, subject: &SubjectId, record: &RecordId) -> Result<bool, HostError> {
        for mut row in self.rows(subject)? {
            let before = row.fields.len();
            let mut kept = Vec::new();
            for field in row.fields.drain(..) {
                if &record_id(&row.id, field.2)? == record {
                    // Overwrite the sealed value too, not only its listing.
                    row.json[field.0.as_str()] = serde_json::Value::Null;
                } else {
                    kept.push(field);
                }
            }
            row.fields = kept;
            if row.fields.len() < before {
                self.write_back(&row)?;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut claims = Claims::default();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("custodian.db");
    // The root key stays outside the database (a KMS in production).
    let root = Arc::new(RootKeyRing::new(1, RootKey::generate()?));
    let signer = CheckpointSigner::generate("marketplace.example/audit")?;
    let app_db = dir.path().join("app.db");
    let rows = AppTable::open(&app_db)?;

    let custodian = open(&db, &root, schedule_v1()?)?;
    let ada = SubjectId::try_new("cus_ada")?;

    println!("1. Ada signs up and agrees to the newsletter under policy {V1}");
    let bad = Email::parse("ada.example.com");
    claims.check(
        "a malformed e-mail address is refused, and the error does not repeat it",
        matches!(&bad, Err(e) if !e.to_string().contains("ada.example")),
    );
    if let Err(e) = &bad {
        println!("   sign-up form: {e}");
    }
    let customer = Customer {
        id: ada.clone(),
        name: PersonName::parse("Ada Lovelace")?,
        email: Email::parse("Ada.Lovelace@Example.com")?,
        phone: Phone::parse_in("030 1234 5678", CountryCode::parse("DE")?)?,
    };
    let password = Credential::new(CredentialKind::Password, "correct horse battery".into())?;
    claims.check(
        "the password is never written anywhere: serializing it is an error",
        serde_json::to_string(&password).is_err(),
    );
    println!("   {customer:?}");
    custodian.give_consent(&ada, Purpose::Marketing, &form(V1, "2026-02-01T09:00:00Z"))?;
    claims.check(
        "the newsletter may go out",
        newsletter(&custodian, &ada, "2026-02-02T09:00:00Z").is_allowed(),
    );

    println!("2. Ada orders; the host stores the records sealed");
    let order = Order {
        customer: ada.clone(),
        number: 1001,
        total_cents: 4_990,
        delivery: Erasable::Present(address("Unter den Linden 77", "10117", "Berlin")?),
        card: Erasable::Present(CardNumber::parse("4242 4242 4242 4242")?),
    };
    let vault = custodian.vault();
    let customer_row = vault.records().run(|| serde_json::to_string(&customer))?;
    let order_row = vault.records().run(|| serde_json::to_string(&order))?;
    claims.check(
        "the stored rows hold no plaintext",
        [
            "Lovelace",
            "Example.com",
            "5678",
            "Linden",
            "4242424242424242",
        ]
        .iter()
        .all(|s| !customer_row.contains(s) && !order_row.contains(s)),
    );
    let placed = t("2026-02-03T09:00:00Z");
    rows.put(
        "customer",
        &customer_row,
        &customer,
        RecordClass::ACCOUNT,
        LawfulBasis::Contract,
        placed,
        None,
    )?;
    rows.put(
        "order-1001",
        &order_row,
        &order,
        RecordClass::INVOICE,
        LawfulBasis::Contract,
        placed,
        Some(placed),
    )?;
    println!(
        "   the order as stored in app.db: {}",
        rows.json("order-1001")?
    );

    println!("3. Staff and third parties");
    let at = t("2026-02-03T10:00:00Z");
    let picker = StaffId::new("staff:0007");
    let warehouse = Role::new("warehouse");
    let fulfil = Reference::new("order:1001");
    let ctx = AccessContext::new(&picker, &warehouse, Purpose::Shipping, &fulfil);
    let Erasable::Present(delivery) = &order.delivery else {
        return Err("the order has its address".into());
    };
    let label = custodian.reveal(&ctx, &ada, &Owned::new(ada.clone(), delivery.clone()), at)?;
    println!("   the warehouse prints the label for {delivery}");
    claims.check(
        "the warehouse sees the delivery address to ship",
        label.expose().contains("Unter den Linden 77"),
    );
    drop(label);
    let agent = StaffId::new("staff:0042");
    let support = Role::new("support_agent");
    let ticket = Reference::new("ticket:4711");
    let ctx = AccessContext::new(&agent, &support, Purpose::CustomerSupport, &ticket);
    let Erasable::Present(card) = &order.card else {
        return Err("the order has its card".into());
    };
    let card = Owned::new(ada.clone(), card.clone());
    println!("   support sees the card as {}", card.value());
    claims.check(
        "support is denied the card number",
        matches!(
            custodian.reveal(&ctx, &ada, &card, at),
            Err(UseError::Refused(Refusal::Denied(d))) if d.reason == DenialReason::RoleLacksRight
        ),
    );
    let carrier = RecipientId::new("dhl");
    claims.check(
        "the address goes to the carrier under its agreement",
        custodian
            .disclose(&ada, &carrier, &[Category::Location], Purpose::Shipping, at)
            .is_ok(),
    );
    claims.check(
        "the ad network gets nothing",
        custodian
            .disclose(
                &ada,
                &RecipientId::new("adnet"),
                &[Category::Location],
                Purpose::Marketing,
                at,
            )
            .is_err(),
    );

    println!("4. Policy {V2} changes the newsletter's terms");
    let mut custodian = custodian;
    let v2 = PolicySchedule::new([policy_v1()?, policy_v2()?])?;
    let diff = v2.diff(&V2).ok_or("v2 follows v1")?;
    println!("{}", indent(&diff.to_markdown()));
    custodian.set_policy(v2)?;
    claims.check(
        "after v2 takes effect, the v1 consent no longer counts",
        newsletter(&custodian, &ada, "2026-07-02T09:00:00Z").denial_reason()
            == Some(DenialReason::ConsentPredatesChange),
    );
    custodian.give_consent(&ada, Purpose::Marketing, &form(V2, "2026-07-03T09:00:00Z"))?;
    claims.check(
        "Ada agrees again under v2",
        newsletter(&custodian, &ada, "2026-07-04T09:00:00Z").is_allowed(),
    );
    custodian.withdraw_consent(&ada, Purpose::Marketing, &form(V2, "2026-08-01T09:00:00Z"))?;
    claims.check(
        "and later withdraws: no newsletter",
        newsletter(&custodian, &ada, "2026-08-02T09:00:00Z").denial_reason()
            == Some(DenialReason::Withdrawn),
    );

    println!("5. The app server restarts");
    drop((custodian, rows));
    let rows = AppTable::open(&app_db)?;
    let custodian = open(
        &db,
        &root,
        PolicySchedule::new([policy_v1()?, policy_v2()?])?,
    )?;
    let stored = rows.json("order-1001")?;
    let reloaded: Order = custodian
        .vault()
        .records()
        .run(|| serde_json::from_str(&stored))?;
    claims.check(
        "the order opens after the restart",
        reloaded.card.present().map(CardNumber::last4) == Some("4242"),
    );
    claims.check(
        "the withdrawal still stands",
        newsletter(&custodian, &ada, "2026-08-03T09:00:00Z").denial_reason()
            == Some(DenialReason::Withdrawn),
    );

    // Steps 6 to 8 go through the rights workflow over the host's table.
    let notifier = MemoryNotifier::new();
    let custodian = custodian.with_retention(Schedule::germany());
    let accepted = |kind, at| {
        let id = custodian.receive_request(&ada, kind, Profile::Gdpr, at)?;
        custodian.acknowledge(id, at)?;
        custodian.accept(id, at)?;
        Ok::<_, Box<dyn Error>>(id)
    };

    println!("6. Ada exports her data, corrects her address, files a complaint");
    let access = accepted(RequestKind::Access, t("2026-09-01T09:00:00Z"))?;
    let export = custodian.export(access, &rows, t("2026-09-01T09:05:00Z"))?;
    let doc: serde_json::Value = serde_json::from_str(export.json())?;
    println!(
        "   export {}: {} records, {} consent events, {} recipients",
        doc["schema"],
        doc["records"].as_array().map_or(0, Vec::len),
        doc["consents"].as_array().map_or(0, Vec::len),
        doc["recipients"].as_array().map_or(0, Vec::len),
    );
    claims.check(
        "the export holds her delivery address in clear",
        export.json().contains("Unter den Linden 77"),
    );
    claims.check(
        "and names the carrier it went to, before the restart",
        doc["recipients"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["recipient"] == "dhl")),
    );
    let fix = accepted(RequestKind::Rectification, t("2026-09-02T09:00:00Z"))?;
    custodian.rectify(
        fix,
        &rows,
        &notifier,
        &RecordId::new("order-1001.location"),
        ORDER_DELIVERY,
        "Karl-Marx-Allee 1|10178|Berlin",
        parse_address,
        t("2026-09-02T09:01:00Z"),
    )?;
    let stored = rows.json("order-1001")?;
    let corrected: Order = custodian
        .vault()
        .records()
        .run(|| serde_json::from_str(&stored))?;
    claims.check(
        "the corrected address replaces the old one",
        corrected
            .delivery
            .present()
            .is_some_and(|a| a.expose().lines == ["Karl-Marx-Allee 1"]),
    );
    claims.check(
        "and the carrier that had the old one is told (Art. 19)",
        notifier.sent().len() == 1,
    );
    let complaint = custodian.file_complaint(
        &ada,
        "my parcel label showed my old address",
        Some(Category::Location),
        Some(Purpose::Shipping),
        Profile::COMPLAINT,
        t("2026-09-03T09:00:00Z"),
    )?;
    println!("   complaint {complaint} filed, due within 90 days");
    custodian.note_complaint(
        complaint,
        "labels were printed from a cached copy of the order",
        t("2026-09-10T09:00:00Z"),
    )?;
    custodian.resolve_complaint(
        complaint,
        ComplaintOutcome::Upheld,
        t("2026-09-20T09:00:00Z"),
    )?;
    claims.check(
        "the complaint was answered within its deadline: nothing is overdue",
        custodian.overdue(Date::from_ymd(2026, 12, 31)?)?.is_empty(),
    );

    println!("7. Ada asks for erasure while her order is under a tax hold");
    // Last night's backup of the app database, taken before the erasure.
    let backup_db = dir.path().join("app-backup.db");
    std::fs::copy(&app_db, &backup_db)?;
    let erase = accepted(RequestKind::Erasure, t("2026-10-01T09:00:00Z"))?;
    let report = custodian.erase(erase, &rows, &notifier, t("2026-10-01T09:05:00Z"))?;
    let mut release = None;
    for (category, outcome) in &report.categories {
        match outcome {
            CategoryOutcome::Erased { records } => {
                println!("   {category}: erased ({records} records)");
            }
            CategoryOutcome::Withheld {
                reason,
                source,
                until,
                ..
            } => {
                release = *until;
                let until = until.map_or_else(|| "released".to_owned(), |d| d.to_string());
                println!("   {category}: kept, {reason} ({source}) until {until}");
            }
            other => println!("   {category}: {other:?}"),
        }
    }
    claims.check(
        "the order is kept until the end of the tax period",
        release.is_some_and(|d| d.ymd().0 >= 2034),
    );
    let backup = AppTable::open(&backup_db)?.json("customer")?;
    let restored = custodian
        .vault()
        .records()
        .run(|| serde_json::from_str::<Customer>(&backup));
    claims.check(
        "a backup of her customer record taken before erasure no longer opens",
        restored.is_err_and(|e| e.seal_error().is_some_and(|e| e.is_shredded())),
    );

    let held = RecordId::new("order-1001.location");
    let opened = |purpose| {
        custodian.open_held(
            &ada,
            &rows,
            &held,
            ORDER_DELIVERY,
            purpose,
            t("2027-03-01T00:00:00Z"),
        )
    };
    claims.check(
        "the kept address opens for the tax office",
        opened(Purpose::LegalCompliance).is_ok(),
    );
    claims.check(
        "and for nothing else: processing is restricted",
        matches!(
            opened(Purpose::Shipping),
            Err(RightsError::Restricted { .. })
        ),
    );

    println!("8. The retention sweep, years later");
    let before = store_of(&db)?.audit().size()?;
    let swept = custodian.sweep(&rows, t("2035-01-02T00:00:00Z"))?;
    println!(
        "   2035-01-02: {} records purged, {} kept, {} hold released",
        swept.purged,
        swept.kept,
        swept.released.len()
    );
    claims.check(
        "the held order is purged once its period ends",
        swept.purged == 2 && rows.is_empty()?,
    );
    claims.check(
        "the audit trail is kept, and records the purge",
        store_of(&db)?.audit().size()? > before,
    );

    println!("9. The audit log verifies end to end; a tampered copy does not");
    let audit = store_of(&db)?.audit();
    let checkpoint = audit.checkpoint(&signer)?;
    let export_dir = dir.path().join("audit");
    let exported = audit.export(&export_dir)?;
    let report = verify(&export_dir, &signer.verifier(), Some(&checkpoint))?;
    println!("   {report}");
    claims.check(
        &format!("all {} entries verify", exported.entries),
        report.is_verified(),
    );
    tamper(&export_dir.join(ENTRIES_FILE))?;
    let tampered = verify(&export_dir, &signer.verifier(), Some(&checkpoint));
    claims.check(
        "one flipped byte is caught",
        tampered.is_err() || tampered.is_ok_and(|r| !r.is_verified()),
    );

    if claims.failed.is_empty() {
        println!("every claim holds");
        Ok(())
    } else {
        eprintln!("{} claims failed: {:?}", claims.failed.len(), claims.failed);
        std::process::exit(1)
    }
}
