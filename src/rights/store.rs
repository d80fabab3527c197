//! Where rights requests are kept.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use super::error::RequestStoreError;
use super::request::Request;
use crate::SubjectId;
use crate::audit::RequestId;
use crate::time::Timestamp;

/// Storage for rights requests and complaints.
///
/// # Contract
///
/// - [`insert`](Self::insert) refuses an id that exists
///   ([`RequestStoreError::Duplicate`]).
/// - [`update`](Self::update) is a compare-and-set on the revision: it
///   stores `request` only if the stored revision is
///   `request.revision() - 1`, else [`RequestStoreError::Conflict`], so
///   two writers cannot both move one request.
/// - [`purge_closed_before`](Self::purge_closed_before) deletes only
///   closed requests; it is the only deletion.
pub trait RequestStore: Send + Sync + fmt::Debug {
    /// Stores a new request.
    ///
    /// # Errors
    ///
    /// [`RequestStoreError::Duplicate`]; backend failures.
    fn insert(&self, request: &Request) -> Result<(), RequestStoreError>;

    /// Replaces a stored request (compare-and-set on its revision).
    ///
    /// # Errors
    ///
    /// [`RequestStoreError::Conflict`]; backend failures.
    fn update(&self, request: &Request) -> Result<(), RequestStoreError>;

    /// A request by id.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn load(&self, id: RequestId) -> Result<Option<Request>, RequestStoreError>;

    /// Every request that is not closed.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn open(&self) -> Result<Vec<Request>, RequestStoreError>;

    /// Every request of one subject.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Request>, RequestStoreError>;

    /// Deletes the requests closed before `before`; returns how many.
    ///
    /// # Errors
    ///
    /// Backend failures.
    fn purge_closed_before(&self, before: Timestamp) -> Result<u64, RequestStoreError>;
}

/// Requests in memory. `Debug` shows the count only.
#[derive(Default)]
pub struct MemoryRequests {
    requests: Mutex<BTreeMap<RequestId, Request>>,
}

impl MemoryRequests {
    /// No requests.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, BTreeMap<RequestId, Request>>, RequestStoreError> {
        self.requests
            .lock()
            .map_err(|_| RequestStoreError::Unavailable)
    }
}

impl fmt::Debug for MemoryRequests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.lock().map_or(0, |r| r.len());
        f.debug_struct("MemoryRequests")
            .field("requests", &count)
            .finish()
    }
}

impl RequestStore for MemoryRequests {
    fn insert(&self, request: &Request) -> Result<(), RequestStoreError> {
        let mut all = self.lock()?;
        if all.contains_key(&request.id) {
            return Err(RequestStoreError::Duplicate);
        }
        all.insert(request.id, request.clone());
        Ok(())
    }

    fn update(&self, request: &Request) -> Result<(), RequestStoreError> {
        let mut all = self.lock()?;
        match all.get(&request.id) {
            Some(stored) if stored.revision + 1 == request.revision => {
                all.insert(request.id, request.clone());
                Ok(())
            }
            _ => Err(RequestStoreError::Conflict),
        }
    }

    fn load(&self, id: RequestId) -> Result<Option<Request>, RequestStoreError> {
        Ok(self.lock()?.get(&id).cloned())
    }

    fn open(&self) -> Result<Vec<Request>, RequestStoreError> {
        Ok(self
            .lock()?
            .values()
            .filter(|r| !r.status.is_closed())
            .cloned()
            .collect())
    }

    fn of_subject(&self, subject: &SubjectId) -> Result<Vec<Request>, RequestStoreError> {
        Ok(self
            .lock()?
            .values()
            .filter(|r| &r.subject == subject)
            .cloned()
            .collect())
    }

    fn purge_closed_before(&self, before: Timestamp) -> Result<u64, RequestStoreError> {
        let mut all = self.lock()?;
        let n = all.len();
        all.retain(|_, r| r.closed().is_none_or(|closed| closed >= before));
        Ok((n - all.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rights::{Profile, RequestKind, Status, Weekdays};
    use crate::time::Date;

    fn request(n: u128, closed_at: Option<Timestamp>) -> Request {
        let at = Timestamp::from_unix_secs(1_700_000_000).unwrap();
        let deadlines = Profile::Gdpr.deadlines(Date::of(at), &Weekdays).unwrap();
        let mut r = Request::new(
            RequestId::from_u128(n),
            SubjectId::new("cus_1"),
            RequestKind::Access,
            Profile::Gdpr,
            at,
            deadlines,
        );
        if let Some(closed) = closed_at {
            r.become_(Status::Unfulfilled, closed).unwrap_err();
            r.become_(Status::Rejected, closed).unwrap();
        }
        r
    }

    #[test]
    fn inserts_are_unique_and_updates_compare_and_set() {
        let store = MemoryRequests::new();
        let mut r = request(1, None);
        store.insert(&r).unwrap();
        assert_eq!(store.insert(&r), Err(RequestStoreError::Duplicate));
        // Same revision as stored: a lost update.
        assert_eq!(store.update(&r), Err(RequestStoreError::Conflict));
        r.revision = 1;
        store.update(&r).unwrap();
        assert_eq!(store.update(&r), Err(RequestStoreError::Conflict));
        assert_eq!(store.load(r.id).unwrap(), Some(r.clone()));
        assert_eq!(store.open().unwrap().len(), 1);
        assert_eq!(store.of_subject(&SubjectId::new("cus_2")).unwrap().len(), 0);
        // An update of a request never inserted is a conflict too.
        assert_eq!(
            store.update(&request(9, None)),
            Err(RequestStoreError::Conflict)
        );
    }

    #[test]
    fn only_closed_requests_before_the_cutoff_are_purged() {
        let store = MemoryRequests::new();
        let t = |s| Timestamp::from_unix_secs(s).unwrap();
        store.insert(&request(1, None)).unwrap();
        store.insert(&request(2, Some(t(1_700_000_100)))).unwrap();
        store.insert(&request(3, Some(t(1_800_000_000)))).unwrap();
        assert_eq!(store.purge_closed_before(t(1_750_000_000)).unwrap(), 1);
        let left: Vec<_> = store
            .of_subject(&SubjectId::new("cus_1"))
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left, [RequestId::from_u128(1), RequestId::from_u128(3)]);
        assert!(format!("{store:?}").contains('2'));
    }
}
