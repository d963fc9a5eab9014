//! The storage contract: use-case-shaped traits, record types and
//! [`StoreError`]. Backends (`cognate-store-sqlite`, `cognate-store-postgres`)
//! implement every trait; the conformance suite (feature `conformance`) proves
//! they behave the same.
//!
//! Conventions every method follows:
//! - one call is one transaction;
//! - times are epoch milliseconds passed in by the caller (the store never reads a clock);
//! - lookups return `Ok(None)` for a missing record, while updates and deletes of a
//!   missing record return [`StoreError::NotFound`]; a write whose parent is gone
//!   (a client in a deleted pool) also returns `NotFound`;
//! - configuration documents are stored and returned verbatim.

mod clients;
mod domains;
mod error;
mod groups;
mod health;
mod identity_pools;
mod page;
mod pools;
mod resource_servers;
mod tags;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use clients::{ClientRecord, ClientSecretRecord, ClientStore};
pub use domains::{DomainRecord, DomainStore};
pub use error::{Constraint, StoreError};
pub use groups::{GroupRecord, GroupStore};
pub use health::Health;
pub use identity_pools::{IdentityPoolRecord, IdentityPoolStore};
pub use page::{MAX_PAGE_LIMIT, Page, PageRequest, decode_cursor, encode_cursor, page_from_rows};
pub use pools::{ALL_CLIENTS_KEY, SigningKeyRecord, UserPoolRecord, UserPoolStore, document_kind};
pub use resource_servers::{ResourceServerRecord, ResourceServerStore};
pub use tags::{TagChange, Tags};

/// Everything a handler needs from storage, used as `Arc<dyn Store>`.
/// Each new aggregate (users, sessions, tokens...) adds its trait here.
pub trait Store:
    UserPoolStore
    + ClientStore
    + GroupStore
    + DomainStore
    + ResourceServerStore
    + IdentityPoolStore
    + Health
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: UserPoolStore
        + ClientStore
        + GroupStore
        + DomainStore
        + ResourceServerStore
        + IdentityPoolStore
        + Health
        + Send
        + Sync
        + 'static
{
}
