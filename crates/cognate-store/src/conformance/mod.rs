//! The conformance suite: one set of cases every backend must pass.
//!
//! A backend's test crate calls [`conformance_tests!`](crate::conformance_tests)
//! with an async expression that yields `Option<Harness>` (`None` skips the
//! case, e.g. when no PostgreSQL is configured). Each case becomes its own
//! `#[tokio::test]` on a multi-threaded runtime, so races are real races.

// The suite is test code compiled into the library behind a feature; failing
// loudly is its job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod clients;
mod devices;
mod domains;
mod fixtures;
mod groups;
mod identities;
mod identity_pools;
mod maintenance;
mod outbox;
mod pools;
mod races;
mod resource_servers;
mod signing_keys;
mod users;
mod webauthn;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Store;

/// Every case, by the name the generated test carries.
pub mod cases {
    pub use super::auth::*;
    pub use super::clients::*;
    pub use super::devices::*;
    pub use super::domains::*;
    pub use super::groups::*;
    pub use super::identities::*;
    pub use super::identity_pools::*;
    pub use super::maintenance::*;
    pub use super::outbox::*;
    pub use super::pools::*;
    pub use super::races::*;
    pub use super::resource_servers::*;
    pub use super::signing_keys::*;
    pub use super::users::*;
    pub use super::webauthn::*;
}

/// The migration files in `dir`, as (version, name) in the order a backend applies them:
/// what its `schema_migrations` table must hold after start-up.
pub fn shipped_migrations(dir: &str) -> Vec<(i64, String)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".sql").map(str::to_owned))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| (n[..4].parse().unwrap(), n))
        .collect()
}

/// A store under test plus whatever must outlive it (a temp dir) and whatever
/// must run after it (dropping a schema).
pub struct Harness {
    store: Arc<dyn Store>,
    guard: Option<Box<dyn Any + Send>>,
    cleanup: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Harness {
    /// Wraps a fresh, empty store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            guard: None,
            cleanup: None,
        }
    }

    /// Keeps `guard` alive until the case ends.
    pub fn keep_alive(mut self, guard: impl Any + Send) -> Self {
        self.guard = Some(Box::new(guard));
        self
    }

    /// Runs `cleanup` after a case that passed.
    pub fn on_finish(mut self, cleanup: impl Future<Output = ()> + Send + 'static) -> Self {
        self.cleanup = Some(Box::pin(cleanup));
        self
    }

    /// The store under test.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }

    /// Closes the store, then cleans up.
    pub async fn finish(self) {
        let Self {
            store,
            guard,
            cleanup,
        } = self;
        drop(store);
        if let Some(cleanup) = cleanup {
            cleanup.await;
        }
        drop(guard);
    }
}

/// Expands into one `#[tokio::test]` per conformance case. The argument is an
/// async expression evaluating to `Option<Harness>`, run once per case.
#[macro_export]
macro_rules! conformance_tests {
    ($harness:expr) => {
        $crate::__conformance_cases!($harness;
            user_pool_crud,
            user_pool_tags,
            user_pool_pagination,
            user_pool_delete_cascades,
            pool_documents_round_trip,
            signing_key_rotation,
            race_signing_key_rotations,
            client_crud,
            client_pagination,
            client_secrets,
            client_delete_cascades,
            group_crud,
            group_pagination,
            domain_crud,
            resource_server_crud,
            resource_server_pagination,
            identity_pool_crud,
            identity_pool_pagination,
            identity_crud,
            identity_merge,
            identity_pagination,
            sts_sessions,
            race_identity_token_key_one_wins,
            race_login_linked_once,
            invalid_cursors_are_refused,
            health_ping,
            race_create_group_one_wins,
            race_add_client_secret_respects_limit,
            race_tag_changes_are_not_lost,
            race_create_client_one_wins,
            user_crud,
            user_aliases,
            user_list_filters,
            user_list_pagination,
            user_groups,
            user_delete_cascades,
            user_password_hash_cas,
            user_srp_verifier_cas,
            code_lifecycle,
            counters,
            counter_slots,
            sessions_are_single_use,
            refresh_tokens,
            token_subject_reads_pool_family_and_user,
            refresh_token_rotation,
            outbox_listing,
            outbox_delivery,
            race_create_user_one_wins,
            race_check_code_accepts_once,
            race_rotate_refresh_token_once,
            race_revocation_beats_rotation,
            race_consume_session_once,
            race_counter_hits_are_not_lost,
            race_counter_slots_cas_one_wins,
            race_claim_due_messages_disjoint,
            purge_keeps_what_rules_still_need,
            purge_expired_sts_sessions,
            device_lifecycle,
            race_confirm_device_once,
            webauthn_credentials,
            webauthn_registrations,
            race_webauthn_limit_and_take,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($harness:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(harness) = $harness.await else {
                    return;
                };
                $crate::conformance::cases::$case(harness.store()).await;
                harness.finish().await;
            }
        )*
    };
}
