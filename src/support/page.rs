//! Pages of records, newest first, for every list endpoint.
//!
//! A cursor is the id of the last record of the previous page; the next page starts below it.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::storage::{StoreError, TableRead};

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Reads a cursor as written by [`newest_first`].
pub fn parse_cursor(raw: Option<&str>) -> Result<Option<u64>, String> {
    match raw {
        None | Some("") => Ok(None),
        Some(c) if c.len() <= 19 && c.chars().all(|d| d.is_ascii_digit()) => c
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("cursor '{c}' is not one this server handed out")),
        Some(c) => Err(format!("cursor '{c}' is not one this server handed out")),
    }
}

/// Clamps a requested page size to 1..=MAX_LIMIT, defaulting to DEFAULT_LIMIT.
pub fn clamp_limit(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// Walks an id-keyed table from the highest id below `cursor`, keeping what `keep` accepts.
pub fn newest_first<V: DeserializeOwned>(
    view: &impl TableRead<u64, V>,
    cursor: Option<u64>,
    limit: usize,
    mut keep: impl FnMut(&V) -> bool,
) -> Result<Page<V>, StoreError> {
    newest_first_as(view, cursor, limit, |v| Ok(keep(&v).then_some(v)))
}

/// [`newest_first`] where each record is first turned into what the page holds (or `None`
/// to leave it out), e.g. a stored row completed from another table.
pub fn newest_first_as<V: DeserializeOwned, T>(
    view: &impl TableRead<u64, V>,
    cursor: Option<u64>,
    limit: usize,
    mut pick: impl FnMut(V) -> Result<Option<T>, StoreError>,
) -> Result<Page<T>, StoreError> {
    let below = cursor.unwrap_or(u64::MAX);
    let mut items = Vec::with_capacity(limit.min(64));
    let mut last_id = None;
    let mut more = false;
    for entry in view.range(..below)?.rev() {
        let (id, v) = entry?;
        let Some(item) = pick(v)? else {
            continue;
        };
        if items.len() == limit {
            more = true;
            break;
        }
        last_id = Some(id);
        items.push(item);
    }
    Ok(Page {
        items,
        next_cursor: if more {
            last_id.map(|id| id.to_string())
        } else {
            None
        },
    })
}

/// Pages a list of ids already sorted newest first (from an index scan).
pub fn ids_page(ids_desc: &[u64], cursor: Option<u64>, limit: usize) -> (Vec<u64>, Option<String>) {
    let start = cursor.map_or(0, |c| ids_desc.partition_point(|&id| id >= c));
    let rest = &ids_desc[start..];
    let page: Vec<u64> = rest.iter().take(limit).copied().collect();
    let next = (rest.len() > limit)
        .then(|| page.last().map(u64::to_string))
        .flatten();
    (page, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_list_is_paged_below_the_cursor() {
        let ids = [9, 7, 5, 3, 1];
        assert_eq!(ids_page(&ids, None, 2), (vec![9, 7], Some("7".into())));
        assert_eq!(ids_page(&ids, Some(7), 2), (vec![5, 3], Some("3".into())));
        assert_eq!(ids_page(&ids, Some(3), 2), (vec![1], None));
        assert_eq!(ids_page(&ids, Some(1), 2), (vec![], None));
    }
}
