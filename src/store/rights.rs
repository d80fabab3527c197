//! Rights requests, legal holds and disclosures in the database;
//! documented on [`StoreRequests`], [`StoreHolds`] and
//! [`StoreDisclosures`].

use super::error::StorageError;
use super::sql::{self, Param, Row};
use crate::SubjectId;
use crate::audit::{HoldId, RequestId};
use crate::disclosure::{Disclosed, DisclosureLog};
use crate::ids::RecipientId;
use crate::pii::Category;
use crate::purpose::Purpose;
use crate::retention::{Hold, HoldStore};
use crate::rights::{Request, RequestStore, RequestStoreError};
use crate::time::Timestamp;

const REQUESTS: &str = "custodian_rights_requests";
const HOLDS: &str = "custodian_holds";
const DISCLOSURES: &str = "custodian_disclosures";

const INSERT: &str = "INSERT INTO custodian_rights_requests (id, subject, closed_at, revision, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
const REVISION: &str = "SELECT revision FROM custodian_rights_requests WHERE id = $1";
const REVISION_LOCKED: &str =
    "SELECT revision FROM custodian_rights_requests WHERE id = $1 FOR UPDATE";
const UPDATE: &str =
    "UPDATE custodian_rights_requests SET closed_at = $2, revision = $3, body = $4 WHERE id = $1";
const LOAD: &str = "SELECT body FROM custodian_rights_requests WHERE id = $1";
const OPEN: &str = "SELECT body FROM custodian_rights_requests WHERE closed_at IS NULL";
const OF_SUBJECT: &str = "SELECT body FROM custodian_rights_requests WHERE subject = $1";
const PURGE: &str =
    "DELETE FROM custodian_rights_requests WHERE closed_at IS NOT NULL AND closed_at < $1";

const PUT_HOLD: &str = "INSERT INTO custodian_holds (id, subject, body) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET subject = $2, body = $3";
const REMOVE_HOLD: &str = "DELETE FROM custodian_holds WHERE id = $1";
const HOLDS_OF: &str = "SELECT body FROM custodian_holds WHERE subject = $1";

handle!(
    /// The [`RequestStore`] of a [`Store`](super::Store): one row per rights
    /// request in `custodian_rights_requests` (id, subject, when it closed,
    /// revision, and the request as a JSON document).
    ///
    /// [`update`](RequestStore::update) reads the stored revision under the
    /// row's lock and writes in the same transaction, so the
    /// compare-and-set holds across processes. The rows hold subject ids in
    /// clear and complaints sealed to their subject; they are personal
    /// data kept for compliance (see [`rights`](crate::rights#request-records)).
    ///
    /// # Errors
    ///
    /// As the trait; [`RequestStoreError::Unavailable`] when the database
    /// fails or a row does not decode.
    StoreRequests
);

const RECORD_DISCLOSURE: &str = "INSERT INTO custodian_disclosures (id, subject, at, recipient, purpose, categories) VALUES ($1, $2, $3, $4, $5, $6)";
const DISCLOSURES_OF: &str = "SELECT at, recipient, purpose, categories FROM custodian_disclosures WHERE subject = $1 ORDER BY at, id";

handle!(
    /// The [`DisclosureLog`] of a [`Store`](super::Store): one row per
    /// disclosure that went ahead in `custodian_disclosures` (a random id,
    /// subject, time, recipient, purpose key, and the category codes
    /// comma-separated). Host purposes read back only if the store was
    /// opened knowing them; host categories are not stored.
    ///
    /// # Errors
    ///
    /// As the trait; [`RequestStoreError::Unavailable`] when the database
    /// fails or a row does not decode.
    StoreDisclosures
);

handle!(
    /// The [`HoldStore`] of a [`Store`](super::Store): one row per legal
    /// hold, restriction or freeze in `custodian_holds` (id, subject, and
    /// the hold as a JSON document). Host-defined categories are not
    /// stored in holds: a hold naming one does not decode.
    ///
    /// # Errors
    ///
    /// As the trait; [`RequestStoreError::Unavailable`] when the database
    /// fails or a row does not decode.
    StoreHolds
);

impl From<StorageError> for RequestStoreError {
    fn from(_: StorageError) -> Self {
        RequestStoreError::Unavailable
    }
}

fn closed_at(request: &Request) -> Result<Option<i64>, StorageError> {
    request
        .closed()
        .map(|t| sql::int(t.unix_millis(), "request closed"))
        .transpose()
}

fn requests(rows: &[Row]) -> Result<Vec<Request>, RequestStoreError> {
    rows.iter()
        .map(|row| {
            let body = row.at(REQUESTS).blob(0)?;
            Request::from_stored(body).ok_or(RequestStoreError::Unavailable)
        })
        .collect()
}

impl RequestStore for StoreRequests {
    fn insert(&self, request: &Request) -> Result<(), RequestStoreError> {
        let id = request.id();
        let body = request.to_stored();
        let closed = closed_at(request)?;
        let revision = sql::int(request.revision(), "request revision")?;
        let inserted = sql::write(&*self.shared.backend, |sql| {
            sql.execute(
                INSERT,
                &[
                    Param::Blob(id.as_bytes()),
                    Param::Text(request.subject().as_str()),
                    Param::opt_int(closed),
                    Param::Int(revision),
                    Param::Blob(&body),
                ],
            )
        })?;
        if inserted == 0 {
            return Err(RequestStoreError::Duplicate);
        }
        Ok(())
    }

    fn update(&self, request: &Request) -> Result<(), RequestStoreError> {
        let id = request.id();
        let body = request.to_stored();
        let closed = closed_at(request)?;
        let revision = sql::int(request.revision(), "request revision")?;
        let stored = sql::write(&*self.shared.backend, |sql| {
            let lock = sql.dialect().pick(REVISION, REVISION_LOCKED);
            let rows = sql.query(lock, &[Param::Blob(id.as_bytes())])?;
            let Some(row) = rows.first() else {
                return Ok(false);
            };
            if row.at(REQUESTS).int(0)? + 1 != revision {
                return Ok(false);
            }
            sql.execute(
                UPDATE,
                &[
                    Param::Blob(id.as_bytes()),
                    Param::opt_int(closed),
                    Param::Int(revision),
                    Param::Blob(&body),
                ],
            )?;
            Ok(true)
        })?;
        if stored {
            Ok(())
        } else {
            Err(RequestStoreError::Conflict)
        }
    }

    fn load(&self, id: RequestId) -> Result<Option<Request>, RequestStoreError> {
        let rows = sql::read(&*self.shared.backend, |sql| {
            sql.query(LOAD, &[Param::Blob(id.as_bytes())])
        })?;
        Ok(requests(&rows)?.into_iter().next())
    }

    fn open(&self) -> Result<Vec<Request>, RequestStoreError> {
        let rows = sql::read(&*self.shared.backend, |sql| sql.query(OPEN, &[]))?;
        requests(&rows)
    }

    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Request>, RequestStoreError> {
        let rows = sql::read(&*self.shared.backend, |sql| {
            sql.query(OF_SUBJECT, &[Param::Text(subject.as_str())])
        })?;
        requests(&rows)
    }

    fn purge_closed_before(&self, before: Timestamp) -> Result<u64, RequestStoreError> {
        let before = sql::int(before.unix_millis(), "purge time")?;
        Ok(sql::write(&*self.shared.backend, |sql| {
            sql.execute(PURGE, &[Param::Int(before)])
        })?)
    }
}

impl HoldStore for StoreHolds {
    fn put(&self, hold: &Hold) -> Result<(), RequestStoreError> {
        let body = hold.to_stored();
        sql::write(&*self.shared.backend, |sql| {
            sql.execute(
                PUT_HOLD,
                &[
                    Param::Blob(hold.id.as_bytes()),
                    Param::Text(hold.subject.as_str()),
                    Param::Blob(&body),
                ],
            )
        })?;
        Ok(())
    }

    fn remove(&self, id: HoldId) -> Result<bool, RequestStoreError> {
        let removed = sql::write(&*self.shared.backend, |sql| {
            sql.execute(REMOVE_HOLD, &[Param::Blob(id.as_bytes())])
        })?;
        Ok(removed > 0)
    }

    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Hold>, RequestStoreError> {
        let rows = sql::read(&*self.shared.backend, |sql| {
            sql.query(HOLDS_OF, &[Param::Text(subject.as_str())])
        })?;
        rows.iter()
            .map(|row| {
                let body = row.at(HOLDS).blob(0)?;
                Hold::from_stored(body).ok_or(RequestStoreError::Unavailable)
            })
            .collect()
    }
}

impl DisclosureLog for StoreDisclosures {
    fn record(&self, subject: &SubjectId, disclosed: Disclosed) -> Result<(), RequestStoreError> {
        let id = RequestId::random().map_err(|_| RequestStoreError::Unavailable)?;
        let at = sql::int(disclosed.at.unix_millis(), "disclosure time")?;
        let categories: Vec<String> = disclosed
            .categories
            .iter()
            .map(|c| c.code().to_string())
            .collect();
        let categories = categories.join(",");
        sql::write(&*self.shared.backend, |sql| {
            sql.execute(
                RECORD_DISCLOSURE,
                &[
                    Param::Blob(id.as_bytes()),
                    Param::Text(subject.as_str()),
                    Param::Int(at),
                    Param::Text(disclosed.recipient.as_str()),
                    Param::Text(disclosed.purpose.key()),
                    Param::Text(&categories),
                ],
            )
        })?;
        Ok(())
    }

    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Disclosed>, RequestStoreError> {
        let rows = sql::read(&*self.shared.backend, |sql| {
            sql.query(DISCLOSURES_OF, &[Param::Text(subject.as_str())])
        })?;
        rows.iter()
            .map(|row| {
                let cells = row.at(DISCLOSURES);
                let bad = RequestStoreError::Unavailable;
                let at = u64::try_from(cells.int(0)?)
                    .ok()
                    .and_then(Timestamp::from_unix_millis);
                let categories = cells
                    .text(3)?
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(|c| c.parse().ok().and_then(Category::from_code))
                    .collect::<Option<Vec<_>>>();
                Ok(Disclosed {
                    recipient: RecipientId::parse(cells.text(1)?).map_err(|_| bad)?,
                    purpose: Purpose::parse_with(cells.text(2)?, &self.shared.host_purposes)
                        .map_err(|_| bad)?,
                    categories: categories.ok_or(bad)?,
                    at: at.ok_or(bad)?,
                })
            })
            .collect()
    }
}
