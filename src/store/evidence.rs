//! Sealed evidence in the database; documented on [`StoreEvidence`].

use super::sql::{self, Param};
use crate::audit::{EvidenceError, EvidenceRef, EvidenceStore};

const PUT: &str =
    "INSERT INTO custodian_evidence (reference, sealed) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const GET: &str = "SELECT sealed FROM custodian_evidence WHERE reference = $1";
const REMOVE: &str = "DELETE FROM custodian_evidence WHERE reference = $1";

handle!(
    /// The [`EvidenceStore`] of a [`Store`](super::Store): sealed evidence in
    /// `custodian_evidence`, one row per [`EvidenceRef`].
    ///
    /// Rows are checked against their reference when read, so altered bytes
    /// are [`EvidenceError::Mismatch`]. Removing a row deletes it in the
    /// database; see [the store's residual risks](super#residual-risks) for
    /// copies the engine may keep until it reuses the space.
    ///
    /// # Errors
    ///
    /// As the trait; [`EvidenceError::Io`] wrapping a
    /// [`StorageError`](super::StorageError) when the database fails.
    StoreEvidence
);

impl StoreEvidence {}

impl EvidenceStore for StoreEvidence {
    fn put(&self, sealed: &[u8]) -> Result<EvidenceRef, EvidenceError> {
        let reference = EvidenceRef::of(sealed);
        sql::write(&*self.shared.backend, |sql| {
            sql.execute(
                PUT,
                &[Param::Blob(reference.as_bytes()), Param::Blob(sealed)],
            )
        })?;
        Ok(reference)
    }

    fn get(&self, reference: &EvidenceRef) -> Result<Vec<u8>, EvidenceError> {
        let rows = sql::read(&*self.shared.backend, |sql| {
            sql.query(GET, &[Param::Blob(reference.as_bytes())])
        })?;
        let row = rows.first().ok_or(EvidenceError::NotFound)?;
        let sealed = row.at("custodian_evidence").blob(0)?;
        if EvidenceRef::of(sealed) == *reference {
            Ok(sealed.to_vec())
        } else {
            Err(EvidenceError::Mismatch)
        }
    }

    fn remove(&self, reference: &EvidenceRef) -> Result<(), EvidenceError> {
        sql::write(&*self.shared.backend, |sql| {
            sql.execute(REMOVE, &[Param::Blob(reference.as_bytes())])
        })?;
        Ok(())
    }
}
