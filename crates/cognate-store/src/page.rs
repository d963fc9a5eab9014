//! Keyset pagination: requests, pages and opaque cursors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// The most items one page may hold, whatever the caller asks for.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// Which slice of a listing to return.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Items wanted; clamped to `1..=MAX_PAGE_LIMIT`.
    pub limit: u32,
    /// `Page::next` from the previous call, or `None` for the first page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }

    /// The page after `cursor`.
    pub fn after(limit: u32, cursor: impl Into<String>) -> Self {
        Self {
            limit,
            cursor: Some(cursor.into()),
        }
    }

    /// The limit the store applies: at least one, so a listing always progresses.
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, MAX_PAGE_LIMIT)
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in the listing's fixed order.
    pub items: Vec<T>,
    /// Cursor for the following page; `None` on the last page.
    pub next: Option<String>,
}

#[derive(Serialize, serde::Deserialize)]
struct Envelope<K> {
    /// The listing the cursor belongs to, so a cursor from one listing is
    /// refused by another instead of silently skipping items.
    k: String,
    v: K,
}

/// Encodes the sort key of the last item returned as an opaque cursor.
pub fn encode_cursor<K: Serialize>(listing: &str, key: &K) -> Result<String, StoreError> {
    let json = serde_json::to_vec(&Envelope {
        k: listing.to_owned(),
        v: key,
    })
    .map_err(|e| StoreError::Internal(format!("encoding cursor: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor made by [`encode_cursor`] for the same listing.
pub fn decode_cursor<K: DeserializeOwned>(listing: &str, cursor: &str) -> Result<K, StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::InvalidCursor)?;
    let envelope: Envelope<K> =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    if envelope.k != listing {
        return Err(StoreError::InvalidCursor);
    }
    Ok(envelope.v)
}

/// Turns the `limit + 1` rows a backend fetched into a page: the extra row
/// only signals that another page exists.
pub fn page_from_rows<T, K: Serialize>(
    mut rows: Vec<T>,
    request: &PageRequest,
    listing: &str,
    sort_key: impl Fn(&T) -> K,
) -> Result<Page<T>, StoreError> {
    let limit = request.effective_limit() as usize;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        match rows.last() {
            Some(last) => Some(encode_cursor(listing, &sort_key(last))?),
            None => None,
        }
    } else {
        None
    };
    Ok(Page { items: rows, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = encode_cursor("pools", &(5_i64, "id".to_owned())).unwrap();
        let back: (i64, String) = decode_cursor("pools", &c).unwrap();
        assert_eq!(back, (5, "id".to_owned()));
    }

    #[test]
    fn cursor_from_another_listing_is_refused() {
        let c = encode_cursor("groups", &"a").unwrap();
        assert_eq!(
            decode_cursor::<String>("clients", &c),
            Err(StoreError::InvalidCursor)
        );
    }

    #[test]
    fn garbage_cursor_is_refused() {
        for bad in ["", "!!!", "bm90IGpzb24", "eyJrIjoicG9vbHMiLCJ2IjoxfQ"] {
            assert_eq!(
                decode_cursor::<(i64, String)>("pools", bad),
                Err(StoreError::InvalidCursor),
                "{bad}"
            );
        }
    }

    #[test]
    fn limit_is_clamped() {
        assert_eq!(PageRequest::first(0).effective_limit(), 1);
        assert_eq!(PageRequest::first(5000).effective_limit(), MAX_PAGE_LIMIT);
    }

    #[test]
    fn extra_row_makes_a_next_cursor() {
        let page = page_from_rows(vec![1, 2, 3], &PageRequest::first(2), "n", |n| *n).unwrap();
        assert_eq!(page.items, vec![1, 2]);
        let next: i32 = decode_cursor("n", page.next.as_deref().unwrap()).unwrap();
        assert_eq!(next, 2);
        let last = page_from_rows(vec![1, 2], &PageRequest::first(2), "n", |n| *n).unwrap();
        assert_eq!(last.next, None);
    }
}
