//! Page sizes and tokens as Cognito's list operations take them.

use cognate_store::PageRequest;

/// A page request from an operation's limit and token; `default` applies when the caller
/// gave no limit (or 0, which several Cognito list operations treat as "the default").
pub fn page_request(limit: Option<i32>, token: Option<String>, default: u32) -> PageRequest {
    let limit = match limit {
        Some(n) if n > 0 => u32::try_from(n).unwrap_or(default),
        _ => default,
    };
    PageRequest {
        limit,
        cursor: token,
    }
}
