//! Dead letters: outgoing messages the sender gave up on (`dead`) or a provider refused
//! (`failed`), listed for admins and put back in the outbox to be sent again.

use chrono::{DateTime, Utc};

use super::outbox::{self, Direction, Message, Status};
use crate::storage::{StoreError, Tx, WriteTx};
use crate::support::page::Page;

/// Why a message cannot be sent again.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("no outgoing message {0}")]
    NotFound(u64),
    #[error("message {id} is {status}; only a dead or failed message can be sent again")]
    NotRetryable { id: u64, status: &'static str },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Outgoing messages newest first, of one status or all.
pub fn list_outgoing(
    tx: &impl Tx,
    status: Option<Status>,
    cursor: Option<u64>,
    limit: usize,
) -> Result<Page<Message>, StoreError> {
    outbox::newest(tx, cursor, limit, |m: &Message| {
        m.direction == Direction::Out && status.is_none_or(|s| m.status == s)
    })
}

/// Puts a dead or failed outgoing message back in the outbox: pending, its attempts reset,
/// due at `now`, so the sender sends it again. Returns the message as it was and as it is now.
pub fn retry(tx: &WriteTx, id: u64, now: DateTime<Utc>) -> Result<(Message, Message), RetryError> {
    let before = outbox::get(tx, id)?
        .filter(|m| m.direction == Direction::Out)
        .ok_or(RetryError::NotFound(id))?;
    if !matches!(before.status, Status::Dead | Status::Failed) {
        return Err(RetryError::NotRetryable {
            id,
            status: before.status.as_str(),
        });
    }
    let after = Message {
        status: Status::Pending,
        attempts: 0,
        next_attempt_at: now,
        updated_at: now,
        ..before.clone()
    };
    outbox::save(tx, &before, &after)?;
    Ok((before, after))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::types::Msisdn;

    #[tokio::test]
    async fn a_dead_message_goes_back_in_the_outbox_once() {
        let (_dir, store) = crate::storage::scratch_store();
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        let later = at + chrono::Duration::hours(1);
        let to = Msisdn::parse("+9779802000002").unwrap();
        let id = store
            .write(move |tx| {
                let id = outbox::enqueue(tx, &to, "order_new_vendor", "hi".into(), None, at)?;
                let m = outbox::get(tx, id)?.unwrap();
                let dead = Message {
                    status: Status::Dead,
                    attempts: 8,
                    last_error: Some("refused".into()),
                    ..m.clone()
                };
                outbox::save(tx, &m, &dead)?;
                Ok::<_, StoreError>(id)
            })
            .await
            .unwrap();
        let (dead, due_before) = store
            .read(move |tx| {
                let page = list_outgoing(tx, Some(Status::Dead), None, 10)?;
                Ok::<_, StoreError>((page.items, outbox::due(tx, later, 10)?.len()))
            })
            .await
            .unwrap();
        assert_eq!((dead.len(), dead[0].id, due_before), (1, id, 0));
        let (_, after) = store.write(move |tx| retry(tx, id, later)).await.unwrap();
        assert_eq!(
            (after.status, after.attempts, after.next_attempt_at),
            (Status::Pending, 0, later)
        );
        let due = store
            .read(move |tx| outbox::due(tx, later, 10))
            .await
            .unwrap();
        assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
        let again = store.write(move |tx| retry(tx, id, later)).await;
        assert!(matches!(
            again,
            Err(RetryError::NotRetryable {
                status: "pending",
                ..
            })
        ));
        let unknown = store.write(move |tx| retry(tx, 999, later)).await;
        assert!(matches!(unknown, Err(RetryError::NotFound(999))));
    }
}
