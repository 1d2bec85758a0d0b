//! Paging parameters shared by every list endpoint: `limit` (100 by default, at most 1000)
//! and `cursor` (from the previous page's `next_cursor`).

use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    pub cursor: Option<String>,
}

/// Reads a cursor handed out by an earlier page; anything else is a 400.
pub fn cursor(raw: Option<&str>) -> Result<Option<u64>, ApiError> {
    crate::support::page::parse_cursor(raw).map_err(|e| ApiError::bad_request("invalid_cursor", e))
}

/// A page size: 1 to 1000, else the query string is refused (400) rather than clamped.
pub fn limit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let n = Option::<usize>::deserialize(d)?;
    match n {
        Some(n) if !(1..=crate::support::page::MAX_LIMIT).contains(&n) => {
            Err(serde::de::Error::custom(format!(
                "limit must be 1 to {}, not {n}",
                crate::support::page::MAX_LIMIT
            )))
        }
        n => Ok(n),
    }
}
