//! Keyset pages: a list continues after the last row of the previous page,
//! named by an opaque cursor, so a page costs the same wherever it is.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Rows per page unless asked otherwise, and the most a page may hold.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// The page size asked for, clamped to 1..=200.
pub fn limit(asked: Option<u32>) -> i64 {
    i64::from(asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT))
}

/// A cursor for the row a page ended on (its sort key), opaque to clients.
pub fn cursor<K: Serialize>(key: &K) -> String {
    hex::encode(serde_json::to_vec(key).unwrap_or_default())
}

/// The sort key a cursor names; a cursor the server did not make is 400.
pub fn after<K: DeserializeOwned>(cursor: Option<&str>) -> Result<Option<K>, AppError> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else { return Ok(None) };
    hex::decode(c).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).map(Some).ok_or_else(
        || {
            AppError::unparseable(
                "after",
                "That page cursor is not valid; start from the first page.",
            )
        },
    )
}

/// `LIKE` pattern matching `needle` anywhere (lowercased, wildcards escaped;
/// use with `ESCAPE '\'`).
pub fn contains_pattern(needle: &str) -> String {
    let mut out = String::from("%");
    for c in needle.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
