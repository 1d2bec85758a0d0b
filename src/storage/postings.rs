//! Per-owner lists of ids — a shop's orders, an account's transfers — many ids to a row.
//!
//! An index with one row per (owner, id) gets every new row in the middle of its tree: a
//! shop's next order goes after its last one and before the next shop's first. redb splits a
//! full page in two and only a key above every other key fills pages to the brim, so such
//! indexes settled with their pages half empty for good: a 24-byte row cost about 50 bytes
//! on disk (`khaacho sizes`).
//!
//! Here an owner's ids, ascending, are kept in rows of up to [`CHUNK_BYTES`] bytes keyed
//! (owner, first id of the row); the row holds the others as LEB128 gaps from the one before,
//! about two bytes an id. A new id is nearly always above the owner's last: it is added to the
//! owner's last row, and when that row is full it starts a new one and the full row is left
//! as it is. An id below that (a rerouted order joining its new vendor's list) goes in its
//! place, and a row it overfills is split in two.
//!
//! An owner's newest ids are kept apart, in a tail row keyed (owner + [`TAIL`], 0) that holds
//! them as gaps from 0, so finding it is a point lookup. Every owner's tail sorts after every
//! owner's settled rows, so the tails of all owners share a few pages at the table's end. Adding an id rewrites its owner's tail, and a batch
//! of orders from many shops rewrites those few pages once, where each shop's last row had
//! been a page of its own. A full tail moves into the settled rows in one write. Every id in
//! an owner's tail is above every id in its settled rows.

use serde::{Deserialize, Serialize};

use super::typed::Table;
use super::typed::WriteView;
use super::{StoreError, TableRead, WriteTx};

/// The largest gap list a row holds. Kept under the codec's compression threshold (128 bytes):
/// gaps do not compress, so trying would only cost time.
pub const CHUNK_BYTES: usize = 96;

/// Added to an owner's key for its tail row. Owners are ids and phone numbers as integers,
/// all far below it.
pub const TAIL: u64 = 1 << 63;

/// A row of ids after its first (which is in the key), as LEB128 gaps from the one before.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
pub struct Chunk(Vec<u8>);

/// A postings table: (owner, first id of the row) → the rest of the row.
pub type Postings = Table<(u64, u64), Chunk>;

impl Chunk {
    /// Encodes ascending `ids` after `first`.
    fn of(first: u64, ids: &[u64]) -> Chunk {
        let mut chunk = Chunk(Vec::with_capacity(ids.len() * 2));
        let mut previous = first;
        for &id in ids {
            chunk.push_gap(id - previous);
            previous = id;
        }
        chunk
    }

    /// The row's ids, `first` (its key's) included, ascending.
    pub fn ids(&self, first: u64) -> Result<Vec<u64>, StoreError> {
        let mut out = vec![first];
        self.walk(first, |id| out.push(id))?;
        Ok(out)
    }

    /// Calls `each` with every id after `first`, ascending, and returns the last id (`first`
    /// when the row holds no gaps). A malformed row is an error.
    fn walk(&self, first: u64, mut each: impl FnMut(u64)) -> Result<u64, StoreError> {
        let bad = || StoreError::Codec(format!("postings row at id {first} is malformed"));
        let mut previous = first;
        let (mut gap, mut shift) = (0u64, 0u32);
        for &b in &self.0 {
            if shift > 63 {
                return Err(bad());
            }
            gap |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                previous = previous
                    .checked_add(gap)
                    .filter(|_| gap > 0)
                    .ok_or_else(bad)?;
                each(previous);
                (gap, shift) = (0, 0);
            } else {
                shift += 7;
            }
        }
        if shift != 0 {
            return Err(bad());
        }
        Ok(previous)
    }

    /// A tail's first and last ids (a tail holds gaps from 0), without listing the ones
    /// between; `None` for a tail with no ids.
    fn tail_ends(&self) -> Result<Option<(u64, u64)>, StoreError> {
        let mut first = None;
        let last = self.walk(0, |id| {
            first.get_or_insert(id);
        })?;
        Ok(first.map(|f| (f, last)))
    }

    /// Appends `gap` after the row's last id.
    fn push_gap(&mut self, mut gap: u64) {
        loop {
            let low = (gap & 0x7f) as u8;
            gap >>= 7;
            if gap == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }
}

/// How many ids the whole table lists, over every owner.
pub fn count_all(view: &impl TableRead<(u64, u64), Chunk>) -> Result<u64, StoreError> {
    let mut n = 0;
    for row in view.iter()? {
        let (key, chunk) = row?;
        n += row_ids(key, &chunk)?.len() as u64;
    }
    Ok(n)
}

/// A stored row's ids, ascending, whether a settled row or a tail.
pub fn row_ids((owner, first): (u64, u64), chunk: &Chunk) -> Result<Vec<u64>, StoreError> {
    if owner & TAIL == 0 {
        return chunk.ids(first);
    }
    let mut ids = chunk.ids(0)?;
    ids.remove(0);
    Ok(ids)
}

/// Which owner a stored row's key names (its tail row's key included).
pub fn owner_of(key_owner: u64) -> u64 {
    key_owner & !TAIL
}

/// How many bytes LEB128 takes for `gap`.
fn gap_bytes(gap: u64) -> usize {
    (64 - gap.leading_zeros() as usize).div_ceil(7).max(1)
}

/// Rows of ascending ids, each at most [`CHUNK_BYTES`] long: `(first id, rest)`. For writing an
/// owner's whole list at once (the schema 8 migration).
pub(crate) fn rows_of(ids: &[u64]) -> Vec<(u64, Chunk)> {
    let mut rows = Vec::new();
    let mut start = 0;
    while start < ids.len() {
        let (mut end, mut bytes) = (start + 1, 0);
        while end < ids.len() {
            let size = gap_bytes(ids[end] - ids[end - 1]);
            if bytes + size > CHUNK_BYTES {
                break;
            }
            bytes += size;
            end += 1;
        }
        rows.push((ids[start], Chunk::of(ids[start], &ids[start + 1..end])));
        start = end;
    }
    rows
}

/// The row `id` belongs in: the owner's last row starting at or below it.
fn row_of(
    view: &impl TableRead<(u64, u64), Chunk>,
    owner: u64,
    id: u64,
) -> Result<Option<(u64, Vec<u64>)>, StoreError> {
    match view.range((owner, 0)..=(owner, id))?.next_back() {
        Some(entry) => {
            let ((_, first), chunk) = entry?;
            Ok(Some((first, chunk.ids(first)?)))
        }
        None => Ok(None),
    }
}

/// `owner`'s tail: the ids in it, ascending (none when it has no tail).
fn tail_of(view: &impl TableRead<(u64, u64), Chunk>, owner: u64) -> Result<Vec<u64>, StoreError> {
    match view.get((owner | TAIL, 0))? {
        Some(chunk) => row_ids((owner | TAIL, 0), &chunk),
        None => Ok(Vec::new()),
    }
}

/// Writes `owner`'s tail (removes it when `ids` is empty).
fn put_tail(
    view: &mut WriteView<'_, '_, (u64, u64), Chunk>,
    owner: u64,
    ids: &[u64],
) -> Result<(), StoreError> {
    if ids.is_empty() {
        view.remove((owner | TAIL, 0))?;
        return Ok(());
    }
    view.put((owner | TAIL, 0), &Chunk::of(0, ids))
}

fn owner_fits(owner: u64) -> Result<(), StoreError> {
    if owner & TAIL != 0 {
        return Err(StoreError::Codec(format!(
            "owner {owner} is too large for a postings list"
        )));
    }
    Ok(())
}

/// Adds `id` to `owner`'s list; adding one already there changes nothing.
pub fn add(tx: &WriteTx, table: Postings, owner: u64, id: u64) -> Result<(), StoreError> {
    owner_fits(owner)?;
    let mut view = tx.open(table)?;
    if append_to_tail(&mut view, owner, id)? {
        return Ok(());
    }
    let tail = tail_of(&view, owner)?;
    if let Some(&first) = tail.first() {
        if id >= first {
            return add_to_tail(&mut view, owner, tail, id);
        }
        return add_settled(&mut view, owner, id);
    }
    let settled_last = row_of(&view, owner, u64::MAX)?.and_then(|(_, ids)| ids.last().copied());
    // A tail holds its ids as gaps from 0, so 0 itself stays with the settled rows.
    if id > 0 && settled_last.is_none_or(|last| id > last) {
        return put_tail(&mut view, owner, &[id]);
    }
    add_settled(&mut view, owner, id)
}

/// The common case of [`add`], done on the tail's bytes: `id` is above the newest id in
/// `owner`'s tail and its gap still fits, so the gap is appended (the same bytes as writing the
/// tail afresh). Whether it was; if not, nothing was written.
fn append_to_tail(
    view: &mut WriteView<'_, '_, (u64, u64), Chunk>,
    owner: u64,
    id: u64,
) -> Result<bool, StoreError> {
    let Some(mut tail) = view.get((owner | TAIL, 0))? else {
        return Ok(false);
    };
    let Some((first, last)) = tail.tail_ends()? else {
        return Ok(false);
    };
    // As a settled row, the first id would be in the key: the gaps after it are what count.
    if id <= last || tail.0.len() - gap_bytes(first) + gap_bytes(id - last) > CHUNK_BYTES {
        return Ok(false);
    }
    tail.push_gap(id - last);
    view.put((owner | TAIL, 0), &tail)?;
    Ok(true)
}

/// Adds `id` (at or above the tail's first) to `owner`'s tail; a tail it overfills moves into
/// the settled rows but for its last id, which starts the next tail.
fn add_to_tail(
    view: &mut WriteView<'_, '_, (u64, u64), Chunk>,
    owner: u64,
    mut ids: Vec<u64>,
    id: u64,
) -> Result<(), StoreError> {
    let Err(at) = ids.binary_search(&id) else {
        return Ok(());
    };
    ids.insert(at, id);
    // As a settled row, the first id would be in the key: the gaps after it are what count.
    let gaps: usize = ids.windows(2).map(|w| gap_bytes(w[1] - w[0])).sum();
    if gaps <= CHUNK_BYTES {
        return put_tail(view, owner, &ids);
    }
    let (&last, settled) = ids.split_last().expect("the tail holds at least two ids");
    for (head, rest) in rows_of(settled) {
        view.put((owner, head), &rest)?;
    }
    put_tail(view, owner, &[last])
}

/// Adds `id`, below the tail's ids, to `owner`'s settled rows.
fn add_settled(
    view: &mut WriteView<'_, '_, (u64, u64), Chunk>,
    owner: u64,
    id: u64,
) -> Result<(), StoreError> {
    let Some((first, mut ids)) = row_of(view, owner, id)? else {
        return view.put((owner, id), &Chunk::default());
    };
    let Err(at) = ids.binary_search(&id) else {
        return Ok(());
    };
    ids.insert(at, id);
    let chunk = Chunk::of(first, &ids[1..]);
    if chunk.0.len() <= CHUNK_BYTES {
        return view.put((owner, first), &chunk);
    }
    if at == ids.len() - 1 {
        // The row was full and the id goes after it. The full row stays.
        return view.put((owner, id), &Chunk::default());
    }
    let mid = ids.len() / 2;
    view.put((owner, first), &Chunk::of(first, &ids[1..mid]))?;
    view.put((owner, ids[mid]), &Chunk::of(ids[mid], &ids[mid + 1..]))
}

/// Takes `id` out of `owner`'s list; whether it was there.
pub fn remove(tx: &WriteTx, table: Postings, owner: u64, id: u64) -> Result<bool, StoreError> {
    owner_fits(owner)?;
    let mut view = tx.open(table)?;
    let mut tail = tail_of(&view, owner)?;
    if tail.first().is_some_and(|&first| id >= first) {
        let Ok(at) = tail.binary_search(&id) else {
            return Ok(false);
        };
        tail.remove(at);
        put_tail(&mut view, owner, &tail)?;
        return Ok(true);
    }
    let Some((first, mut ids)) = row_of(&view, owner, id)? else {
        return Ok(false);
    };
    let Ok(at) = ids.binary_search(&id) else {
        return Ok(false);
    };
    ids.remove(at);
    if at == 0 {
        view.remove((owner, first))?;
    }
    if let Some((&head, rest)) = ids.split_first() {
        view.put((owner, head), &Chunk::of(head, rest))?;
    }
    Ok(true)
}

/// Decodes a range of rows into ids, each row's ascending (or descending), errors in place.
fn ids_of<I>(rows: I, descending: bool) -> impl Iterator<Item = Result<u64, StoreError>>
where
    I: Iterator<Item = Result<((u64, u64), Chunk), StoreError>>,
{
    rows.flat_map(move |row| {
        let ids: Vec<Result<u64, StoreError>> = match row.and_then(|((_, f), c)| c.ids(f)) {
            Ok(mut ids) => {
                if descending {
                    ids.reverse();
                }
                ids.into_iter().map(Ok).collect()
            }
            Err(e) => vec![Err(e)],
        };
        ids
    })
}

/// `owner`'s ids from `from` up, ascending.
pub fn ascending<'v>(
    view: &'v impl TableRead<(u64, u64), Chunk>,
    owner: u64,
    from: u64,
) -> Result<impl Iterator<Item = Result<u64, StoreError>> + 'v, StoreError> {
    // The row holding `from` starts at or below it.
    let start = match view.range((owner, 0)..=(owner, from))?.next_back() {
        Some(entry) => entry?.0.1,
        None => from,
    };
    let rows = view.range((owner, start)..=(owner, u64::MAX))?;
    let tail = tail_of(view, owner)?.into_iter().map(Ok);
    Ok(ids_of(rows, false)
        .chain(tail)
        .filter(move |id| id.as_ref().map_or(true, |&id| id >= from)))
}

/// `owner`'s ids up to `upto`, newest (highest) first.
pub fn descending<'v>(
    view: &'v impl TableRead<(u64, u64), Chunk>,
    owner: u64,
    upto: u64,
) -> Result<impl Iterator<Item = Result<u64, StoreError>> + 'v, StoreError> {
    let tail = tail_of(view, owner)?.into_iter().rev().map(Ok);
    let rows = view.range((owner, 0)..=(owner, upto))?.rev();
    Ok(tail
        .chain(ids_of(rows, true))
        .filter(move |id| id.as_ref().map_or(true, |&id| id <= upto)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_back_the_ids_it_was_made_of() {
        let ids = [7, 8, 300, 70_000, 1 << 40, u64::MAX];
        let chunk = Chunk::of(5, &ids);
        let mut want = vec![5];
        want.extend(ids);
        assert_eq!(chunk.ids(5).unwrap(), want);
        assert_eq!(
            Chunk::of(5, &[6, 7]).0,
            vec![1, 1],
            "a gap under 128 is one byte"
        );
    }

    #[test]
    fn a_gap_appended_to_a_tail_gives_the_bytes_of_the_tail_written_afresh() {
        let ids = [3u64, 4, 130, 131, 20_000, 1 << 33];
        let mut grown = Chunk::default();
        assert_eq!(grown.tail_ends().unwrap(), None);
        let mut last = 0;
        for (n, &id) in ids.iter().enumerate() {
            grown.push_gap(id - last);
            last = id;
            assert_eq!(grown, Chunk::of(0, &ids[..=n]));
            assert_eq!(grown.tail_ends().unwrap(), Some((3, id)));
        }
        assert!(matches!(
            Chunk(vec![0x85]).tail_ends(),
            Err(StoreError::Codec(_))
        ));
    }

    #[test]
    fn a_malformed_row_is_an_error_not_a_panic() {
        for bad in [vec![0x80], vec![0], vec![0xff; 11], vec![0xff, 0xff, 0x7f]] {
            // A truncated gap, a zero gap (ids repeat), a gap past 64 bits, an overflowing id.
            let first = if bad.len() == 3 { u64::MAX - 5 } else { 1 };
            assert!(
                matches!(Chunk(bad.clone()).ids(first), Err(StoreError::Codec(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rows_of_a_long_list_are_full_and_read_back_in_order() {
        let ids: Vec<u64> = (0..1_000u64).map(|i| 10 + i * 1_000).collect();
        let rows = rows_of(&ids);
        assert!(rows.iter().all(|(_, c)| c.0.len() <= CHUNK_BYTES));
        assert!(
            rows[..rows.len() - 1]
                .iter()
                .all(|(_, c)| c.0.len() > CHUNK_BYTES - 2)
        );
        let back: Vec<u64> = rows.iter().flat_map(|(f, c)| c.ids(*f).unwrap()).collect();
        assert_eq!(back, ids);
        assert!(rows_of(&[]).is_empty());
    }

    /// Many owners' newest ids sit together at the table's end; a full tail moves into a full
    /// settled row; a list written before tails existed (settled rows only, the last one part
    /// full) goes on from where it was.
    #[tokio::test]
    async fn owners_tails_share_the_tables_end_and_full_ones_settle() {
        use crate::storage::{Tx, tables};
        let (_dir, store) = crate::storage::scratch_store();
        let table = tables::ORDERS_BY_RETAILER;
        let old: Vec<u64> = (1..=70).collect();
        store
            .write(move |tx| {
                let mut view = tx.open(table)?;
                for (first, rest) in rows_of(&old) {
                    view.put((999, first), &rest)?;
                }
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
        store
            .write(move |tx| {
                for id in 100..400u64 {
                    add(tx, table, id % 50 + 1, id)?;
                    add(tx, table, 999, id)?;
                }
                remove(tx, table, 999, 399)?;
                remove(tx, table, 999, 5)?;
                add(tx, table, 999, 80)?;
                add(tx, table, 7, 0)
            })
            .await
            .unwrap();
        let (rows, lists, old_list) = store
            .read_now(|tx| {
                let view = tx.open(table)?;
                let rows: Vec<((u64, u64), Chunk)> = view.iter()?.collect::<Result<_, _>>()?;
                let lists = (1..=50)
                    .map(|o| ascending(&view, o, 0)?.collect())
                    .collect::<Result<Vec<Vec<u64>>, StoreError>>()?;
                let old_list: Vec<u64> =
                    descending(&view, 999, u64::MAX)?.collect::<Result<_, _>>()?;
                Ok::<_, StoreError>((rows, lists, old_list))
            })
            .unwrap();
        for (o, list) in lists.iter().enumerate() {
            let mut want: Vec<u64> = (100..400).filter(|id| id % 50 == o as u64).collect();
            if o + 1 == 7 {
                // Id 0 cannot be in a tail (its ids are gaps from 0): it is settled below them.
                want.insert(0, 0);
            }
            assert_eq!(list, &want, "owner {}", o + 1);
        }
        let mut want_old: Vec<u64> = (1..=70).chain([80]).chain(100..399).collect();
        want_old.retain(|&id| id != 5);
        want_old.reverse();
        assert_eq!(old_list, want_old);
        // Every tail (51 owners) comes after every settled row.
        let tails = rows.iter().filter(|((k, _), _)| k & TAIL != 0).count();
        assert_eq!(tails, 51);
        assert!(
            rows[rows.len() - tails..]
                .iter()
                .all(|((k, _), _)| k & TAIL != 0)
        );
        // Settled rows written from a tail are full.
        let settled_999: Vec<usize> = rows
            .iter()
            .filter(|((k, f), _)| *k == 999 && *f >= 100)
            .map(|(_, c)| c.0.len())
            .collect();
        assert!(!settled_999.is_empty());
        assert!(
            settled_999.iter().all(|&n| n > CHUNK_BYTES - 2),
            "{settled_999:?}"
        );
        assert_eq!(owner_of(999 | TAIL), 999);
    }

    /// Adds and removes in any order, through the real writer, read back ascending and
    /// descending from any point, against a plain ordered set.
    #[tokio::test]
    async fn adds_and_removes_in_any_order_read_back_like_an_ordered_set() {
        use std::collections::BTreeSet;

        use crate::storage::{Tx, tables};
        let (_dir, store) = crate::storage::scratch_store();
        let table = tables::ORDERS_BY_VENDOR;
        let mut model: BTreeSet<u64> = BTreeSet::new();
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            seed >> 33
        };
        // Mostly ascending ids with wide and narrow gaps, some below the last, some removed.
        let mut last = 0;
        let mut ops = Vec::new();
        for _ in 0..3_000 {
            let roll = next() % 10;
            let id = match roll {
                0 => next() % (last + 1),
                _ => {
                    last += 1 + next() % if roll < 5 { 100 } else { 40_000 };
                    last
                }
            };
            let remove = next() % 7 == 0 && !model.is_empty();
            let id = if remove {
                *model.iter().nth((next() as usize) % model.len()).unwrap()
            } else {
                id
            };
            if remove {
                model.remove(&id);
            } else {
                model.insert(id);
            }
            ops.push((remove, id));
        }
        for batch in ops.chunks(100) {
            let batch = batch.to_vec();
            store
                .write(move |tx| {
                    for &(remove, id) in &batch {
                        if remove {
                            assert!(super::remove(tx, table, 3, id)?);
                        } else {
                            add(tx, table, 3, id)?;
                        }
                    }
                    add(tx, table, 4, 1)
                })
                .await
                .unwrap();
        }
        let all: Vec<u64> = model.iter().copied().collect();
        let probes = [
            0,
            1,
            all[all.len() / 3],
            all[all.len() / 2] + 1,
            last,
            u64::MAX,
        ];
        for from in probes {
            let (up, down) = store
                .read_now(|tx| {
                    let view = tx.open(table)?;
                    let up: Vec<u64> = ascending(&view, 3, from)?.collect::<Result<_, _>>()?;
                    let down: Vec<u64> = descending(&view, 3, from)?.collect::<Result<_, _>>()?;
                    Ok::<_, StoreError>((up, down))
                })
                .unwrap();
            assert_eq!(
                up,
                model.range(from..).copied().collect::<Vec<_>>(),
                "from {from}"
            );
            let want: Vec<u64> = model.range(..=from).rev().copied().collect();
            assert_eq!(down, want, "down from {from}");
        }
        let rows = store.read_now(|tx| tx.open(table)?.len()).unwrap();
        assert!(
            rows < all.len() as u64 / 20,
            "{rows} rows for {} ids",
            all.len()
        );
    }
}
