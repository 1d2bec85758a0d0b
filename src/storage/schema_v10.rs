//! 9 → 10: the sender finds a message's first attempt by reading the log past its watermark
//! (`messaging::queue`) instead of under its time in `outbox_due`, which now holds only
//! messages tried before, each with a state row. Every message a version 9 file holds was
//! queued the old way, so the watermark starts at the last message id, and every message
//! waiting in `outbox_due` without a state row is given one (its state as logged).

use redb::{ReadableTable, WriteTransaction};

use super::{StoreError, codec, tables};
use crate::messaging::delivery::Delivery;
use crate::messaging::outbox::Message;
use crate::messaging::queue::WATERMARK;

pub(super) fn outbox_watermark(tx: &WriteTransaction) -> Result<(), StoreError> {
    let last = match tx.open_table(tables::COUNTERS.def())?.get("message")? {
        Some(v) => codec::decode::<u64>(v.value())?,
        None => 0,
    };
    tx.open_table(tables::META.def())?
        .insert(WATERMARK, codec::encode(&last)?.as_slice())?;
    let waiting: Vec<(i64, u64)> = tx
        .open_table(tables::OUTBOX_DUE.def())?
        .iter()?
        .map(|e| e.map(|(k, _)| k.value()))
        .collect::<Result<_, _>>()?;
    let messages = tx.open_table(tables::MESSAGES.def())?;
    let mut states = tx.open_table(tables::MESSAGE_STATES.def())?;
    let mut dangling = Vec::new();
    for (at, id) in waiting {
        if states.get(id)?.is_some() {
            continue;
        }
        let Some(m) = messages.get(id)? else {
            // Nothing to send: the entry names no message. The old sender failed on it at
            // every pass; dropping it loses nothing.
            tracing::warn!(message = id, "an outbox entry names no message; dropped");
            dangling.push((at, id));
            continue;
        };
        let m: Message = codec::decode(m.value())?;
        states.insert(id, codec::encode(&Delivery::of(&m))?.as_slice())?;
    }
    let mut due = tx.open_table(tables::OUTBOX_DUE.def())?;
    for key in dangling {
        due.remove(key)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::messaging::outbox::{Direction, Status};
    use crate::messaging::queue;
    use crate::storage::{Store, TableRead, Tx, meta_get};

    fn logged(id: u64, status: Status, at: chrono::DateTime<chrono::Utc>) -> Message {
        Message {
            id,
            direction: Direction::Out,
            phone: crate::types::Msisdn::parse("+9779802000002").unwrap(),
            channel: None,
            kind: "order_new_vendor".into(),
            body: format!("message {id}"),
            order_id: None,
            status,
            attempts: 0,
            next_attempt_at: at,
            provider_id: None,
            last_error: None,
            created_at: at,
            updated_at: at,
        }
    }

    /// A version 9 file's queued message is due once (not also as a first attempt past the
    /// watermark), and leaves `outbox_due` when it is sent; a message sent before stays sent;
    /// an entry naming no message is dropped.
    #[tokio::test]
    async fn a_version_9_files_queued_message_is_sent_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        super::super::schema::old_file(&path, 9, |tx| {
            let mut messages = tx.open_table(tables::MESSAGES.def()).unwrap();
            for m in [logged(1, Status::Pending, at), logged(2, Status::Sent, at)] {
                let bytes = codec::encode(&m).unwrap();
                messages.insert(m.id, bytes.as_slice()).unwrap();
            }
            let mut due = tx.open_table(tables::OUTBOX_DUE.def()).unwrap();
            // Message 9 does not exist: its entry is dropped, not a reason to refuse the file.
            for id in [1u64, 9] {
                let bytes = codec::encode(&id).unwrap();
                due.insert((at.timestamp_millis(), id), bytes.as_slice())
                    .unwrap();
            }
            let mut counters = tx.open_table(tables::COUNTERS.def()).unwrap();
            let last = codec::encode(&2u64).unwrap();
            counters.insert("message", last.as_slice()).unwrap();
        });
        let store = Store::open(&path).unwrap().store;
        let later = at + chrono::Duration::minutes(1);
        let due = store
            .read_now(|tx| queue::due_marked(tx, later, 10))
            .unwrap();
        let ids: Vec<u64> = due.messages.iter().map(|m| m.id).collect();
        assert_eq!((ids, due.watermark), (vec![1], 2));
        let one = due.messages[0].clone();
        store
            .write(move |tx| {
                let sent = Message {
                    status: Status::Sent,
                    ..one.clone()
                };
                queue::save(tx, &one, &sent)
            })
            .await
            .unwrap();
        let (left, due, mark) = store
            .read_now(|tx| {
                let left = tx.open(tables::OUTBOX_DUE)?.len()?;
                Ok::<_, StoreError>((left, queue::due(tx, later, 10)?, meta_get(tx, WATERMARK)?))
            })
            .unwrap();
        assert_eq!((left, due.len(), mark), (0, 0, Some(2)));
    }
}
