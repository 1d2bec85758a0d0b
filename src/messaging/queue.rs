//! What the sender takes next, and a message's moves in and out of the queue.
//!
//! A message waits for its first attempt from the moment it is logged, and queuing it writes
//! nothing but the message: the sender finds it by reading the log past a watermark (`meta`
//! [`WATERMARK`]), below which every outgoing message has had its first attempt recorded. A
//! message logged pending with no state row (`messaging::delivery`) past the watermark is
//! waiting. A message tried and due again (a retry after a backoff, a dead letter put back)
//! has a state row and waits in `outbox_due` under its time, as does a first attempt parked
//! there ([`park`]: logged for later than now, or one whose outcome could not be recorded) so
//! that it holds back no message after it. A pending message is in `outbox_due` exactly when
//! it has a state row.

use chrono::{DateTime, Utc};

use super::delivery::{self, Delivery};
use super::outbox::{Channel, Direction, Message, Status};
use crate::storage::{self, StoreError, TableRead, Tx, WriteTx, tables};

/// The `meta` key of the sender's watermark: the highest message id up to which every
/// outgoing message has had its first attempt recorded.
pub const WATERMARK: &str = "outbox_first_attempts_through";

/// Rows of the log one look past the watermark reads for each message it may take (inbound
/// messages and replies sent at once are passed over).
const ROWS_PER_MESSAGE: usize = 4;

/// Messages due for an attempt, and how far the watermark may move once they are recorded.
#[derive(Debug)]
pub struct Due {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// First attempts logged for later than the look's time: to [`park`] until then, in the
    /// write that moves the watermark past them.
    pub later: Vec<Message>,
    /// Where the watermark stood.
    pub watermark: u64,
    /// Where it may move once the first attempts among `messages` are recorded and those in
    /// `later` parked.
    pub through: u64,
    /// The look stopped at its row limit: more of the log may be waiting.
    pub more: bool,
}

/// A sender's pass over [`Due`] messages as their outcomes are recorded, and how far that
/// lets the watermark move: not past a first attempt not yet recorded.
pub struct Progress<'d> {
    due: &'d Due,
    /// Due messages whose outcome is not recorded yet.
    left: std::collections::BTreeSet<u64>,
    /// Those whose outcome could not be recorded (they stay due).
    pub unrecorded: Vec<u64>,
    /// Where a record of this pass moved the watermark.
    pub moved: u64,
}

impl<'d> Progress<'d> {
    pub fn new(due: &'d Due) -> Self {
        Progress {
            due,
            left: (due.messages.iter().chain(&due.later))
                .map(|m| m.id)
                .collect(),
            unrecorded: Vec::new(),
            moved: due.watermark,
        }
    }

    /// How far the watermark may move once `recording` is recorded too: not past a first
    /// attempt still waiting, which would otherwise be lost.
    pub fn mark_without(&self, recording: &[u64]) -> u64 {
        (self.left.iter())
            .filter(|id| !recording.contains(id))
            .chain(&self.unrecorded)
            .filter(|&&id| id > self.due.watermark)
            .map(|id| id - 1)
            .fold(self.due.through, u64::min)
    }

    pub fn recorded(&mut self, ids: &[u64], mark: u64) {
        for id in ids {
            self.left.remove(id);
        }
        self.moved = self.moved.max(mark);
    }

    /// `ids` were moved to `outbox_due` ([`park`]): the watermark may pass them.
    pub fn parked(&mut self, ids: &[u64]) {
        for id in ids {
            self.left.remove(id);
        }
        self.unrecorded.retain(|id| !ids.contains(id));
    }

    /// Whether the watermark stands above where the pass found it.
    pub fn moved_on(&self) -> bool {
        self.moved > self.due.watermark
    }

    pub fn not_recorded(&mut self, id: u64) {
        self.left.remove(&id);
        self.unrecorded.push(id);
    }
}

/// Outgoing messages due for an attempt at `now`, oldest first.
pub fn due(tx: &impl Tx, now: DateTime<Utc>, limit: usize) -> Result<Vec<Message>, StoreError> {
    Ok(due_marked(tx, now, limit)?.messages)
}

/// [`due`], with the watermark's place: retries due first, then first attempts to fill
/// `limit`.
pub fn due_marked(tx: &impl Tx, now: DateTime<Utc>, limit: usize) -> Result<Due, StoreError> {
    let (messages, states) = (tx.open(tables::MESSAGES)?, tx.open(tables::MESSAGE_STATES)?);
    let at = now.timestamp_millis();
    let mut out = Vec::new();
    for entry in tx
        .open(tables::OUTBOX_DUE)?
        .range(..=(at, u64::MAX))?
        .take(limit)
    {
        let (_, id) = entry?;
        out.push(delivery::current(
            &states,
            messages.need(id, "due message")?,
        )?);
    }
    let watermark = storage::meta_get(tx, WATERMARK)?.unwrap_or(0);
    let mut due = Due {
        messages: out,
        later: Vec::new(),
        watermark,
        through: watermark,
        more: false,
    };
    let room = limit - due.messages.len();
    let mut rows = 0;
    for entry in messages.range(watermark.saturating_add(1)..)? {
        if rows == room.max(1) * ROWS_PER_MESSAGE {
            due.more = true;
            break;
        }
        let (id, m) = entry?;
        if first_attempt_waiting(&states, &m)? {
            if due.messages.len() == limit {
                break;
            }
            // Logged for later than now (the clock stepped back, or a simulated past): it
            // waits in `outbox_due` instead, so it holds back no message after it.
            if m.next_attempt_at.timestamp_millis() > at {
                due.later.push(m);
            } else {
                due.messages.push(m);
            }
        }
        (due.through, rows) = (id, rows + 1);
    }
    due.messages.sort_by_key(|m| (m.next_attempt_at, m.id));
    Ok(due)
}

/// Moves a first attempt into `outbox_due`, due at `at`, with a state row: it then waits there
/// like a retry, and the watermark may pass it.
pub fn park(tx: &WriteTx, m: &Message, at: DateTime<Utc>) -> Result<(), StoreError> {
    let parked = Message {
        next_attempt_at: at,
        ..m.clone()
    };
    save(tx, m, &parked)
}

/// A message past the watermark waiting for its first attempt: outgoing, logged pending and
/// with no state since.
fn first_attempt_waiting(
    states: &impl TableRead<u64, Delivery>,
    m: &Message,
) -> Result<bool, StoreError> {
    Ok(m.direction == Direction::Out
        && m.status == Status::Pending
        && states.get_with(m.id, |_| Ok(()))?.is_none())
}

/// Moves the watermark up to `through` (never down).
pub fn advance(tx: &WriteTx, through: u64) -> Result<(), StoreError> {
    if storage::meta_get(tx, WATERMARK)?.unwrap_or(0) < through {
        storage::meta_put(tx, WATERMARK, through)?;
    }
    Ok(())
}

/// Saves a changed outgoing message, moving it in or out of `outbox_due` as its status says.
/// The logged row stays as written; the new state goes beside it (`messaging::delivery`).
pub fn save(tx: &WriteTx, before: &Message, after: &Message) -> Result<(), StoreError> {
    // Only a message with a state row can be in `outbox_due` (a first attempt is found in
    // the log instead).
    let had_state = delivery::write(tx, before, after)?;
    let mut due = tx.open(tables::OUTBOX_DUE)?;
    if before.status == Status::Pending && had_state {
        due.remove((before.next_attempt_at.timestamp_millis(), before.id))?;
    }
    if after.status == Status::Pending {
        due.put(
            (after.next_attempt_at.timestamp_millis(), after.id),
            &after.id,
        )?;
    }
    drop(due);
    if after.provider_id != before.provider_id
        && let (Some(c), Some(pid)) = (after.channel, &after.provider_id)
    {
        tx.open(tables::PROVIDER_MESSAGE_IDS)?
            .put(format!("{}:{pid}", c.as_str()).as_str(), &after.id)?;
    }
    Ok(())
}

/// A simulated history's past (`khaacho simulate`): the messages it queued were sent at
/// their time and never go out now. Marks every message due before `before` as sent.
pub fn settle_simulated(tx: &WriteTx, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let last = before - chrono::Duration::milliseconds(1);
    let mut n = 0;
    loop {
        let due = due_marked(tx, last, 1000)?;
        if due.messages.is_empty() && due.through == due.watermark {
            return Ok(n);
        }
        for m in &due.later {
            park(tx, m, m.next_attempt_at)?;
        }
        for m in &due.messages {
            let sent = Message {
                status: Status::Sent,
                channel: m.channel.or(Some(Channel::Simulator)),
                updated_at: m.next_attempt_at,
                ..m.clone()
            };
            save(tx, m, &sent)?;
            n += 1;
        }
        advance(tx, due.through)?;
    }
}

/// The queue's rules (`khaacho check`): `outbox_due` holds exactly the pending messages that
/// have a state row, each under its time; no outgoing message at or below the watermark waits
/// for a first attempt; and the watermark is no higher than the last message id.
pub fn check(tx: &impl Tx) -> Result<Vec<String>, StoreError> {
    let mut p = Vec::new();
    let (messages, states) = (tx.open(tables::MESSAGES)?, tx.open(tables::MESSAGE_STATES)?);
    let queued = tx.open(tables::OUTBOX_DUE)?;
    for entry in queued.iter()? {
        let ((t, id), _) = entry?;
        let state = states.get(id)?;
        match state {
            Some(d) if d.status == Status::Pending && d.next_attempt_at.timestamp_millis() == t => {
            }
            Some(_) => p.push(format!(
                "message {id}: queued again but not pending at that time"
            )),
            None => p.push(format!("message {id}: queued again without a state")),
        }
        if messages.get_with(id, |_| Ok(()))?.is_none() {
            p.push(format!("message {id}: queued but not logged"));
        }
    }
    for entry in states.iter()? {
        let (id, d) = entry?;
        let key = (d.next_attempt_at.timestamp_millis(), id);
        if d.status == Status::Pending && queued.get_with(key, |_| Ok(()))?.is_none() {
            p.push(format!("message {id}: pending again but not queued"));
        }
    }
    let mark = storage::meta_get(tx, WATERMARK)?.unwrap_or(0);
    let last = tx.open(tables::COUNTERS)?.get("message")?.unwrap_or(0);
    if mark > last {
        p.push(format!(
            "the outbox's watermark {mark} is past the last message {last}"
        ));
    }
    for entry in messages.range(..=mark)? {
        let (_, m) = entry?;
        if first_attempt_waiting(&states, &m)? {
            p.push(format!(
                "message {}: below the watermark but never tried",
                m.id
            ));
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::messaging::outbox;
    use crate::types::Msisdn;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    /// Logs, in order: a first attempt, an inbound message, a reply sent at once, and a
    /// first attempt logged for a minute later. Returns their ids.
    fn log(tx: &WriteTx) -> Result<Vec<u64>, StoreError> {
        let to = Msisdn::parse("+9779802000002").unwrap();
        Ok(vec![
            outbox::enqueue(tx, &to, "order_new_vendor", "one".into(), None, at(0))?,
            outbox::record_in(
                tx,
                &to,
                Channel::Twilio,
                "hi".into(),
                "SM1",
                Status::Received,
                at(0),
            )?,
            outbox::record_sent(tx, &to, Channel::Twilio, "reply", "ok".into(), at(0))?,
            outbox::enqueue(tx, &to, "order_new_vendor", "two".into(), None, at(1))?,
        ])
    }

    /// The ids due at minute `min`, oldest first.
    fn due_ids(store: &crate::storage::Store, min: i64) -> Vec<u64> {
        let due = store.read_now(|tx| due_marked(tx, at(min), 10)).unwrap();
        due.messages.iter().map(|m| m.id).collect()
    }

    /// How many messages wait in `outbox_due`.
    fn queued(store: &crate::storage::Store) -> u64 {
        store
            .read_now(|tx| tx.open(tables::OUTBOX_DUE)?.len())
            .unwrap()
    }

    #[tokio::test]
    async fn first_attempts_are_found_past_the_watermark_and_only_when_due() {
        let (_dir, store) = crate::storage::scratch_store();
        let ids = store.write(log).await.unwrap();
        let now = store.read_now(|tx| due_marked(tx, at(0), 10)).unwrap();
        let found: Vec<u64> = now.messages.iter().map(|m| m.id).collect();
        // The second first attempt is not due yet: it is set aside to wait in `outbox_due`.
        let later: Vec<u64> = now.later.iter().map(|m| m.id).collect();
        assert_eq!((found, later), (vec![ids[0]], vec![ids[3]]));
        assert_eq!((now.watermark, now.through), (0, ids[3]));
        let later = store.read_now(|tx| due_marked(tx, at(1), 10)).unwrap();
        let found: Vec<u64> = later.messages.iter().map(|m| m.id).collect();
        assert_eq!(
            (found, later.through, later.more),
            (vec![ids[0], ids[3]], ids[3], false)
        );
        // One message a look reads four rows: the look stops there and says more may wait.
        let one = store.read_now(|tx| due_marked(tx, at(1), 1)).unwrap();
        assert_eq!(
            (one.messages.len(), one.through, one.more),
            (1, ids[2], false)
        );
        let passed = ids[2];
        store.write(move |tx| advance(tx, passed)).await.unwrap();
        let rest = store.read_now(|tx| due_marked(tx, at(1), 10)).unwrap();
        let found: Vec<u64> = rest.messages.iter().map(|m| m.id).collect();
        assert_eq!((found, rest.watermark), (vec![ids[3]], ids[2]));
        // The watermark never moves down.
        store.write(|tx| advance(tx, 1)).await.unwrap();
        let mark = store
            .read_now(|tx| storage::meta_get(tx, WATERMARK))
            .unwrap();
        assert_eq!(mark, Some(ids[2]));
    }

    /// A first attempt logged for later than now (or one that could not be recorded) is
    /// parked in `outbox_due`: the watermark passes it, a message after it is still taken,
    /// and it comes due at its time.
    #[tokio::test]
    async fn a_parked_first_attempt_holds_back_no_message_after_it() {
        let (_dir, store) = crate::storage::scratch_store();
        let ids = store.write(log).await.unwrap();
        let to = Msisdn::parse("+9779802000003").unwrap();
        let after = store
            .write(move |tx| {
                outbox::enqueue(tx, &to, "order_new_vendor", "three".into(), None, at(0))
            })
            .await
            .unwrap();
        let due = store.read_now(|tx| due_marked(tx, at(0), 10)).unwrap();
        let found: Vec<u64> = due.messages.iter().map(|m| m.id).collect();
        assert_eq!((found, due.through), (vec![ids[0], after], after));
        let mut pass = Progress::new(&due);
        assert_eq!(pass.mark_without(&[ids[0], after]), ids[3] - 1);
        pass.parked(&[ids[3]]);
        assert_eq!(pass.mark_without(&[ids[0], after]), after);
        let (later, first) = (due.later[0].clone(), due.messages[0].clone());
        store
            .write(move |tx| {
                park(tx, &later, later.next_attempt_at)?;
                let sent = Message {
                    status: Status::Sent,
                    ..first.clone()
                };
                save(tx, &first, &sent)?;
                advance(tx, later.id)
            })
            .await
            .unwrap();
        assert_eq!(store.read_now(check).unwrap(), Vec::<String>::new());
        assert_eq!(due_ids(&store, 0), vec![after]);
        assert_eq!(due_ids(&store, 1), vec![after, ids[3]]);
        assert_eq!(queued(&store), 1);
    }

    #[tokio::test]
    async fn a_first_attempt_not_recorded_holds_the_watermark_below_it() {
        let (_dir, store) = crate::storage::scratch_store();
        let ids = store.write(log).await.unwrap();
        let due = store.read_now(|tx| due_marked(tx, at(1), 10)).unwrap();
        let mut pass = Progress::new(&due);
        // Recording the later one first may not move the watermark past the earlier one.
        assert_eq!(pass.mark_without(&[ids[3]]), ids[0] - 1);
        pass.recorded(&[ids[3]], ids[0] - 1);
        pass.not_recorded(ids[0]);
        assert_eq!(
            (pass.mark_without(&[]), pass.unrecorded.clone()),
            (ids[0] - 1, vec![ids[0]])
        );
        // With both recorded it moves past both.
        let mut pass = Progress::new(&due);
        assert_eq!(pass.mark_without(&[ids[0], ids[3]]), ids[3]);
        pass.recorded(&[ids[0], ids[3]], ids[3]);
        assert_eq!(pass.moved, ids[3]);
    }

    #[tokio::test]
    async fn a_retry_waits_in_outbox_due_until_it_is_sent() {
        let (_dir, store) = crate::storage::scratch_store();
        let ids = store.write(log).await.unwrap();
        let one = ids[0];
        store
            .write(move |tx| {
                let first = outbox::get(tx, one)?.unwrap();
                let retry = Message {
                    attempts: 1,
                    next_attempt_at: at(5),
                    ..first.clone()
                };
                save(tx, &first, &retry)?;
                advance(tx, one)
            })
            .await
            .unwrap();
        assert_eq!(due_ids(&store, 1), vec![ids[3]]);
        assert_eq!(due_ids(&store, 5), vec![ids[3], ids[0]]);
        assert_eq!(store.read_now(check).unwrap(), Vec::<String>::new());
        store
            .write(move |tx| {
                let retry = outbox::get(tx, one)?.unwrap();
                let sent = Message {
                    status: Status::Sent,
                    ..retry.clone()
                };
                save(tx, &retry, &sent)
            })
            .await
            .unwrap();
        assert_eq!(due_ids(&store, 5), vec![ids[3]]);
        assert_eq!(queued(&store), 0);
    }

    #[tokio::test]
    async fn the_check_finds_a_retry_lost_from_the_queue_and_a_message_never_tried() {
        let (_dir, store) = crate::storage::scratch_store();
        let ids = store.write(log).await.unwrap();
        assert_eq!(store.read_now(check).unwrap(), Vec::<String>::new());
        let (one, last) = (ids[0], ids[3]);
        store
            .write(move |tx| {
                let first = outbox::get(tx, one)?.unwrap();
                let retry = Message {
                    attempts: 1,
                    ..first.clone()
                };
                save(tx, &first, &retry)?;
                tx.open(tables::OUTBOX_DUE)?
                    .remove((retry.next_attempt_at.timestamp_millis(), one))?;
                storage::meta_put(tx, WATERMARK, last)
            })
            .await
            .unwrap();
        assert_eq!(
            store.read_now(check).unwrap(),
            vec![
                format!("message {}: pending again but not queued", ids[0]),
                format!("message {}: below the watermark but never tried", ids[3]),
            ]
        );
    }
}
