//! The storage side of delivery, re-exported so callers need not name `cognate-store`.
//!
//! The store claims only `PENDING` messages, so a failed attempt that will be retried is
//! recorded as `PENDING` with `last_error` and a later `next_attempt_ms`; `FAILED` is final.

pub use cognate_store::{MessageQuery, MessageRecord, OutboxStore};
