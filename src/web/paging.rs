//! Paging parameters shared by every list endpoint: `limit` (100 by default, at most 1000)
//! and `cursor` (from the previous page's `next_cursor`).

use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// Reads a cursor handed out by an earlier page; anything else is a 400.
pub fn cursor(raw: Option<&str>) -> Result<Option<u64>, ApiError> {
    crate::page::parse_cursor(raw).map_err(|e| ApiError::bad_request("invalid_cursor", e))
}
