//! The consent ledger in the database; documented on [`StoreConsent`].

use serde::de::IntoDeserializer as _;

use super::error::StorageError;
use super::sql::{self, Cells, Param, Row, Sql, row_digest};
use crate::SubjectId;
use crate::consent::{
    Collection, CollectionMethod, ConsentEvent, ConsentState, ConsentStatus, ConsentStore, Scope,
    StoreError,
};
use crate::ids::{ConsentEventId, Jurisdiction, PolicyVersion, RecipientId, Reference};
use crate::purpose::Purpose;
use crate::time::Timestamp;

const EVENTS: &str = "custodian_consent_events";
const SUBJECTS: &str = "custodian_consent_subjects";

/// Event columns before the digest.
const CELLS: std::ops::Range<usize> = 0..14;

const ENSURE_SUBJECT: &str = "INSERT INTO custodian_consent_subjects (subject, last_time, events) VALUES ($1, -1, 0) ON CONFLICT DO NOTHING";
const HEAD: &str = "SELECT last_time, events FROM custodian_consent_subjects WHERE subject = $1";
const HEAD_LOCKED: &str =
    "SELECT last_time, events FROM custodian_consent_subjects WHERE subject = $1 FOR UPDATE";
const SET_HEAD: &str =
    "UPDATE custodian_consent_subjects SET last_time = $2, events = $3 WHERE subject = $1";
const INSERT: &str = "INSERT INTO custodian_consent_events (subject, seq, id, purpose, recipient, status, negative, version, time, expires, method, jurisdiction, proof, gpc_conflict, digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
const HISTORY: &str = "SELECT subject, seq, id, purpose, recipient, status, negative, version, time, expires, method, jurisdiction, proof, gpc_conflict, digest FROM custodian_consent_events WHERE subject = $1 ORDER BY seq";
/// The last event that applies to a scope (see [`Scope::applies`]): for
/// the purpose and the recipient, or for the purpose as a whole and (when
/// a recipient is asked about) negative.
const STATE: &str = "SELECT subject, seq, id, purpose, recipient, status, negative, version, time, expires, method, jurisdiction, proof, gpc_conflict, digest FROM custodian_consent_events WHERE subject = $1 AND purpose = $2 AND (recipient = $3 OR (recipient IS NULL AND ($3 IS NULL OR negative = 1))) ORDER BY seq DESC LIMIT 1";

handle!(
    /// The [`ConsentStore`] of a [`Store`](super::Store): the append-only
    /// ledger in the database.
    ///
    /// An append is one transaction that reads the subject's latest time,
    /// refuses an older event ([`StoreError::OutOfOrder`]) and inserts the
    /// event as the subject's next, under the subject's row lock — so the
    /// refusal is atomic with the append in every process. Events are never
    /// updated or deleted.
    ///
    /// [`state`](ConsentStore::state) asks the database for the deciding event
    /// (an indexed query), every time: nothing is cached, so a withdrawal in
    /// one process takes effect in every other at once.
    ///
    /// Host purposes (see [`Purpose::host`]) read back only if the store was
    /// opened knowing them ([`StoreOptions::host_purposes`](super::StoreOptions::host_purposes));
    /// an event of an unknown purpose is [`StoreError::Corrupt`].
    ///
    /// # Errors
    ///
    /// As the trait, plus [`StoreError::Busy`] after the busy timeout,
    /// [`StoreError::Corrupt`] for a row that does not decode (naming its
    /// table and the subject's pseudonym) and [`StoreError::Unavailable`] when
    /// the database fails.
    StoreConsent
);

impl StoreConsent {
    fn append_in(
        &self,
        sql: &mut dyn Sql,
        event: &ConsentEvent,
    ) -> Result<Result<(), StoreError>, StorageError> {
        let subject = event.subject().as_str();
        sql.execute(ENSURE_SUBJECT, &[Param::Text(subject)])?;
        let head = sql.dialect().pick(HEAD, HEAD_LOCKED);
        let rows = sql.query(head, &[Param::Text(subject)])?;
        let row = rows.first().ok_or(StorageError::Internal)?;
        let cells = row
            .at(SUBJECTS)
            .about(Some(self.shared.names.subject(subject)));
        let (last, count): (i64, i64) = (cells.int(0)?, cells.int(1)?);
        let time = sql::int(event.time().unix_millis(), "consent time")?;
        if time < last {
            return Ok(Err(StoreError::OutOfOrder));
        }
        insert(sql, event, count)?;
        let next = count.checked_add(1).ok_or_else(|| cells.corrupt())?;
        sql.execute(
            SET_HEAD,
            &[Param::Text(subject), Param::Int(time), Param::Int(next)],
        )?;
        Ok(Ok(()))
    }

    fn decode(&self, row: &Row) -> Result<ConsentEvent, StorageError> {
        let cells = row.at(EVENTS);
        let subject = cells.text(0)?;
        let cells = cells.about(Some(self.shared.names.subject(subject)));
        cells.check_digest(CELLS)?;
        decode_event(cells, &self.shared.host_purposes)
    }
}

impl ConsentStore for StoreConsent {
    fn append(&self, event: ConsentEvent) -> Result<(), StoreError> {
        sql::write(&*self.shared.backend, |sql| self.append_in(sql, &event))?
    }

    fn history(&self, subject: &SubjectId) -> Result<Vec<ConsentEvent>, StoreError> {
        let rows = sql::read(&*self.shared.backend, |sql| {
            sql.query(HISTORY, &[Param::Text(subject.as_str())])
        })?;
        Ok(rows
            .iter()
            .map(|row| self.decode(row))
            .collect::<Result<_, _>>()?)
    }

    fn state(
        &self,
        subject: &SubjectId,
        scope: Scope<'_>,
    ) -> Result<Option<ConsentState>, StoreError> {
        let rows = sql::read(&*self.shared.backend, |sql| {
            let params = [
                Param::Text(subject.as_str()),
                Param::Text(scope.purpose.key()),
                Param::opt_text(scope.recipient.map(RecipientId::as_str)),
            ];
            sql.query(STATE, &params)
        })?;
        match rows.first() {
            Some(row) => Ok(Some(ConsentState::of(&self.decode(row)?))),
            None => Ok(None),
        }
    }
}

fn insert(sql: &mut dyn Sql, event: &ConsentEvent, seq: i64) -> Result<(), StorageError> {
    let millis = |t: Timestamp| sql::int(t.unix_millis(), "consent time");
    let expires = event.expires().map(millis).transpose()?;
    let id = event.id();
    let cells = [
        Param::Text(event.subject().as_str()),
        Param::Int(seq),
        Param::Blob(id.as_bytes()),
        Param::Text(event.purpose().key()),
        Param::opt_text(event.recipient().map(RecipientId::as_str)),
        Param::Text(event.status().key()),
        Param::Int(i64::from(event.status().is_negative())),
        Param::Text(event.version().as_str()),
        Param::Int(millis(event.time())?),
        Param::opt_int(expires),
        Param::Text(event.method().key()),
        Param::Text(event.jurisdiction().as_str()),
        Param::opt_text(event.proof().map(Reference::as_str)),
        Param::Int(i64::from(event.gpc_conflict())),
    ];
    let digest = row_digest(EVENTS, &cells);
    let mut params = cells.to_vec();
    params.push(Param::Blob(&digest));
    sql.execute(INSERT, &params)?;
    Ok(())
}

fn decode_event(cells: Cells<'_>, host: &[Purpose]) -> Result<ConsentEvent, StorageError> {
    let bad = || cells.corrupt();
    let subject = SubjectId::try_new(cells.text(0)?).map_err(|_| bad())?;
    let id = ConsentEventId::from_bytes(cells.array(2)?);
    let purpose = Purpose::parse_with(cells.text(3)?, host).map_err(|_| bad())?;
    let recipient = cells
        .opt_text(4)?
        .map(RecipientId::parse)
        .transpose()
        .map_err(|_| bad())?;
    let status: ConsentStatus = key(cells, 5)?;
    if cells.int(6)? != i64::from(status.is_negative()) {
        return Err(cells.corrupt());
    }
    let time = |t: u64| Timestamp::from_unix_millis(t).ok_or_else(|| cells.corrupt());
    let mut how = Collection::new(
        PolicyVersion::parse(cells.text(7)?).map_err(|_| bad())?,
        time(cells.count(8)?)?,
        key::<CollectionMethod>(cells, 10)?,
        Jurisdiction::parse(cells.text(11)?).map_err(|_| bad())?,
    );
    if let Some(expires) = cells.opt_count::<u64>(9)? {
        how = how.expires(time(expires)?);
    }
    if let Some(proof) = cells.opt_text(12)? {
        how = how.proof(Reference::parse(proof).map_err(|_| bad())?);
    }
    let event = ConsentEvent::new(id, subject, purpose, recipient, status, &how);
    match cells.int(13)? {
        0 => Ok(event),
        1 => Ok(event.with_gpc_conflict()),
        _ => Err(cells.corrupt()),
    }
}

/// A closed value from its snake_case key, through its serde form.
fn key<T: serde::de::DeserializeOwned>(cells: Cells<'_>, i: usize) -> Result<T, StorageError> {
    let text: &str = cells.text(i)?;
    T::deserialize(text.to_owned().into_deserializer())
        .map_err(|_: serde::de::value::Error| cells.corrupt())
}
