//! The sender's pass over first attempts when one of them cannot be sent or recorded.

use chrono::TimeZone;

use super::*;
use crate::messaging::queue::{self, WATERMARK};
use crate::storage::{Table, meta_get};
use crate::support::clock::ManualClock;
use crate::types::Msisdn;

/// A first attempt whose conversation cannot be read (its row is not a conversation) is
/// parked to wait for a retry; the messages after it go out in the same pass, and the
/// watermark passes all three.
#[tokio::test]
async fn a_first_attempt_that_fails_holds_back_no_message_after_it() {
    let (_dir, store) = crate::storage::scratch_store();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
    let (broken, fine) = (
        Msisdn::parse("+9779802000002").unwrap(),
        Msisdn::parse("+9779802000003").unwrap(),
    );
    let ids = store
        .write(move |tx| {
            // The same table read as another type: its row does not decode as a conversation.
            let not_a_conversation: Table<&'static str, u64> =
                Table::new(tables::CONVERSATIONS.name(), tables::CONVERSATIONS.slot());
            tx.open(not_a_conversation)?.put(broken.as_str(), &7)?;
            let mut ids = Vec::new();
            for (to, body) in [(&broken, "one"), (&fine, "two"), (&fine, "three")] {
                ids.push(outbox::enqueue(
                    tx,
                    to,
                    "order_new_vendor",
                    body.into(),
                    None,
                    now,
                )?);
            }
            Ok::<_, StoreError>(ids)
        })
        .await
        .unwrap();
    let cfg = WhatsAppConfig::default();
    let retry = now + Duration::seconds(cfg.retry_base_secs as i64);
    let sender = Sender::new(
        store.clone(),
        Arc::new(ManualClock::new(now)),
        reqwest::Client::new(),
        cfg,
        Arc::new(Notify::new()),
        Arc::default(),
    );
    assert_eq!(sender.deliver_due().await.unwrap(), 3);
    let (states, mark, problems, queued) = store
        .read(move |tx| {
            let states: Vec<(Status, DateTime<Utc>)> = (ids.iter())
                .map(|&id| Ok(outbox::get(tx, id)?.map(|m| (m.status, m.next_attempt_at))))
                .collect::<Result<Option<Vec<_>>, StoreError>>()?
                .unwrap_or_default();
            let queued = tx.open(tables::OUTBOX_DUE)?.len()?;
            Ok::<_, StoreError>((states, meta_get(tx, WATERMARK)?, queue::check(tx)?, queued))
        })
        .await
        .unwrap();
    let expected = vec![
        (Status::Pending, retry),
        (Status::Sent, now),
        (Status::Sent, now),
    ];
    assert_eq!((states, mark, queued), (expected, Some(3), 1));
    assert_eq!(problems, Vec::<String>::new());
    // Not due again before its retry.
    assert_eq!(sender.deliver_due().await.unwrap(), 0);
}
