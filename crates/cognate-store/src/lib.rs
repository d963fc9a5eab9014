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
//! - configuration documents are stored and returned verbatim;
//! - read-modify-write methods (codes, rotation, counters, claims) are atomic
//!   across nodes, proven by the `race_*` conformance cases;
//! - secrets arrive hashed (codes, refresh tokens) or sealed (outbox bodies);
//!   the store compares and stores bytes, never plaintext.

mod clients;
mod codes;
mod counters;
mod devices;
mod domains;
mod error;
mod groups;
mod health;
mod identities;
mod identity_pools;
mod maintenance;
mod outbox;
mod page;
mod pools;
mod resource_servers;
mod sessions;
mod tags;
mod tokens;
mod users;
mod webauthn;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use clients::{ClientRecord, ClientSecretRecord, ClientStore};
pub use codes::{CodeCheck, CodeRecord, CodeStore, hashes_match};
pub use counters::{
    CounterState, CounterStore, pool_counter_prefix, user_counter_key, user_counter_prefix,
};
pub use devices::{DeviceRecord, DeviceStore};
pub use domains::{DomainRecord, DomainStore};
pub use error::{Constraint, StoreError};
pub use groups::{GroupRecord, GroupStore};
pub use health::Health;
pub use identities::{
    IdentityRecord, IdentityStore, IdentityTokenKeyRecord, LoginKey, StsSessionRecord,
};
pub use identity_pools::{IdentityPoolRecord, IdentityPoolStore};
pub use maintenance::{MaintenanceStore, PURGE_BATCH, PurgeBefore, PurgeReport};
pub use outbox::{MessageQuery, MessageRecord, OutboxStore, message_channel, message_status};
pub use page::{MAX_PAGE_LIMIT, Page, PageRequest, decode_cursor, encode_cursor, page_from_rows};
pub use pools::{ALL_CLIENTS_KEY, SigningKeyRecord, UserPoolRecord, UserPoolStore, document_kind};
pub use resource_servers::{ResourceServerRecord, ResourceServerStore};
pub use sessions::SessionStore;
pub use tags::{TagChange, Tags};
pub use tokens::{RefreshTokenRecord, RotateOutcome, TokenStore, TokenSubject, rotation_outcome};
pub use users::{
    AliasChange, AliasClaim, FilterPlan, KeyRange, SEARCH_KEY_CHARS, UserFilter, UserRecord,
    UserStore, alias_index, alias_kind, alias_slots, attribute_search_key, check_attributes,
    filter_attribute, prefix_upper_bound, search_key,
};
pub use webauthn::{WebAuthnCredentialRecord, WebAuthnStore};

/// Everything a handler needs from storage, used as `Arc<dyn Store>`.
/// Each new aggregate adds its trait here.
pub trait Store:
    UserPoolStore
    + ClientStore
    + GroupStore
    + DomainStore
    + ResourceServerStore
    + IdentityPoolStore
    + IdentityStore
    + UserStore
    + CodeStore
    + CounterStore
    + TokenStore
    + SessionStore
    + DeviceStore
    + OutboxStore
    + MaintenanceStore
    + WebAuthnStore
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
        + IdentityStore
        + UserStore
        + CodeStore
        + CounterStore
        + TokenStore
        + SessionStore
        + DeviceStore
        + OutboxStore
        + MaintenanceStore
        + WebAuthnStore
        + Health
        + Send
        + Sync
        + 'static
{
}
