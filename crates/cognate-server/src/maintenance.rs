//! Background housekeeping: every node purges, now and then, the rows no rule can need any
//! more (idle counters, long-expired codes, refresh tokens and STS sessions, spent
//! revocations). Deletes
//! by time are idempotent, so nodes need not agree on who does it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cognate_domain::Clock;
use cognate_store::{PurgeBefore, PurgeReport, Store, StoreError};
use tokio::time::MissedTickBehavior;

const HOUR_MS: i64 = 3_600_000;
/// How often a node purges.
pub const INTERVAL: Duration = Duration::from_secs(600);
/// Batches one purge may take before leaving the rest to the next tick, so a large
/// backlog cannot keep the database busy for long.
const MAX_BATCHES: u32 = 20;

/// The cut-offs at `now_ms`. Counters are kept 25 hours: the longest rule that reads them
/// is the daily cap of 100 failed passwords (R4). Codes and refresh tokens stay a week past
/// expiry so a late attempt hears "expired". A revocation outlives its last refresh token
/// by the longest access-token lifetime (one day) plus an hour.
pub fn cutoffs(now_ms: i64) -> PurgeBefore {
    PurgeBefore {
        idle_ms: now_ms - 25 * HOUR_MS,
        expired_ms: now_ms - 7 * 24 * HOUR_MS,
        revoked_ms: now_ms - 25 * HOUR_MS,
    }
}

/// One purge: batches until nothing is left or [`MAX_BATCHES`] ran.
pub async fn purge_once(store: &dyn Store, now_ms: i64) -> Result<PurgeReport, StoreError> {
    let before = cutoffs(now_ms);
    drain(|| store.purge(before)).await
}

async fn drain<F, Fut>(mut batch: F) -> Result<PurgeReport, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<PurgeReport, StoreError>>,
{
    let mut total = PurgeReport::default();
    for _ in 0..MAX_BATCHES {
        let done = batch().await?;
        total.counters += done.counters;
        total.counter_slots += done.counter_slots;
        total.codes += done.codes;
        total.refresh_tokens += done.refresh_tokens;
        total.token_families += done.token_families;
        total.sts_sessions += done.sts_sessions;
        if !done.more_may_remain() {
            break;
        }
    }
    Ok(total)
}

/// Purges every [`INTERVAL`] until `shutdown` resolves. The first tick comes one interval
/// after start, so a fleet restarting together does not purge all at once on boot.
pub async fn run(store: Arc<dyn Store>, clock: Arc<dyn Clock>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + INTERVAL, INTERVAL);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticks.tick() => {}
        }
        match purge_once(store.as_ref(), clock.now_ms()).await {
            Ok(report) if report.total() > 0 => tracing::info!(
                counters = report.counters,
                counter_slots = report.counter_slots,
                codes = report.codes,
                refresh_tokens = report.refresh_tokens,
                token_families = report.token_families,
                sts_sessions = report.sts_sessions,
                "purged expired rows"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "purge failed; retrying at the next interval"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_store::CounterStore as _;
    use cognate_store_sqlite::SqliteStore;

    #[test]
    fn counters_outlive_the_daily_password_cap() {
        let now = 1_000 * HOUR_MS;
        let before = cutoffs(now);
        assert!(now - before.idle_ms > 24 * HOUR_MS);
        assert!(now - before.revoked_ms > 24 * HOUR_MS);
        assert_eq!(now - before.expired_ms, 7 * 24 * HOUR_MS);
    }

    #[tokio::test]
    async fn full_batches_are_followed_by_more_until_the_cap() {
        let full = PurgeReport {
            codes: cognate_store::PURGE_BATCH,
            ..PurgeReport::default()
        };
        let partial = PurgeReport {
            codes: 3,
            ..PurgeReport::default()
        };
        let mut script = vec![full, full, partial].into_iter();
        let total = drain(|| std::future::ready(Ok(script.next().unwrap_or_default())))
            .await
            .unwrap();
        assert_eq!(total.codes, 2 * cognate_store::PURGE_BATCH + 3);

        let mut calls = 0;
        let total = drain(|| {
            calls += 1;
            std::future::ready(Ok(full))
        })
        .await
        .unwrap();
        assert_eq!(calls, MAX_BATCHES);
        assert_eq!(
            total.codes,
            u64::from(MAX_BATCHES) * cognate_store::PURGE_BATCH
        );
    }

    #[tokio::test]
    async fn purge_once_keeps_recent_counters() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("cognate.db")).unwrap();
        let now = 1_000 * HOUR_MS;
        store
            .counter_hit("ip/idle", now - 30 * HOUR_MS, 1_000)
            .await
            .unwrap();
        store
            .counter_hit("ip/recent", now - HOUR_MS, 1_000)
            .await
            .unwrap();
        let report = purge_once(&store, now).await.unwrap();
        assert_eq!(report.counters, 1);
        assert!(store.counter_get("ip/idle").await.unwrap().is_none());
        assert!(store.counter_get("ip/recent").await.unwrap().is_some());
    }
}
