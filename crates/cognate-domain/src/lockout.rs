//! Sign-in lockout after failed password attempts: Cognito's schedule (R1) plus a rolling
//! cap of 100 counted failures a day (R4), with reservations so that concurrent attempts
//! cannot outrun the count (R2). Pure functions of a small stored state and `now`.
//!
//! Cognito's schedule (developer guide, "lockout behavior"):
//! - five failed attempts are free; after the n-th failure (n ≥ 5) the user is locked for
//!   2^(n−5) seconds, at most 15 minutes;
//! - attempts during a lock are refused with `NotAuthorizedException: Password attempts
//!   exceeded`, even with the right password, and are not counted;
//! - the count resets after 15 minutes without a (counted) attempt, and on a successful
//!   sign-in.
//!
//! The daily cap (R4) counts failures in two consecutive 24-hour buckets; the failure that
//! brings the two buckets to 100 locks the user for the next 24 hours, after which
//! counting starts afresh. The two buckets cover every sliding 24-hour window ending now,
//! so no such window ever sees more than 100 evaluated guesses, while the state stays
//! four integers. A successful sign-in does not clear it (the legitimate owner signing in
//! would otherwise reopen the attacker's budget); an administrator reset or a completed
//! password reset does ([`LockoutState::default`]).
//!
//! Concurrency (R2): an attempt must be admitted ([`LockoutPolicy::admit`]) before the
//! password is hashed, and the admission is stored (as a reservation) in the same atomic
//! write that read the state. While reservations are outstanding, only as many further
//! attempts are admitted as could still fail without crossing the lock threshold; the rest
//! are told to wait ([`Admission::Wait`]) and try again shortly, rather than refused, so
//! that many concurrent *correct* sign-ins all succeed. The outcome
//! ([`LockoutPolicy::record_failure`] / [`LockoutPolicy::record_success`] /
//! [`LockoutPolicy::release`]) is written afterwards. A reservation left behind by a
//! crashed node expires after [`RESERVATION_LEASE_MS`].
//!
//! Storage: one counter row per user (named [`COUNTER_NAME`], or
//! [`unknown_user_counter_key`] for usernames that match no user) holding the eight
//! integers of [`LockoutState`] ([`LockoutState::to_slots`]); every change is a
//! compare-and-set, or a read-modify-write inside one transaction, so two nodes never
//! both admit the attempt that should have been the last.

use serde::{Deserialize, Serialize};

/// Failures allowed before the first lock.
pub const FREE_FAILURES: u32 = 5;
/// Longest lock (15 minutes).
pub const MAX_LOCK_MS: i64 = 15 * 60 * 1000;
/// Quiet time after which the count starts again (15 minutes).
pub const RESET_AFTER_MS: i64 = 15 * 60 * 1000;
/// R4's default: counted failures allowed in a rolling day.
pub const DEFAULT_DAILY_CAP: u32 = 100;
/// Length of one daily bucket.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How long an admitted attempt may take before its reservation is dropped (a node died
/// mid-hash). Far above a hash's cost, so it never expires under normal load.
pub const RESERVATION_LEASE_MS: i64 = 30_000;
/// Suggested pause before re-asking when told to wait.
pub const WAIT_RETRY_MS: i64 = 25;
/// The message of the `NotAuthorizedException` for a locked user.
pub const PASSWORD_ATTEMPTS_EXCEEDED: &str = "Password attempts exceeded";

/// What the store keeps per user (all integers; `*_ms` are epoch milliseconds).
/// `Default` is the state of a user with no history; an administrator reset or a
/// completed password reset stores it (or deletes the row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutState {
    /// Counted failures since the last reset (Cognito's n).
    pub failures: u32,
    /// When the last counted failure happened.
    pub last_failure_ms: i64,
    /// Attempts admitted whose outcome is not recorded yet.
    pub in_flight: u32,
    /// When outstanding reservations expire.
    pub in_flight_until_ms: i64,
    /// Start of the current daily bucket.
    pub window_start_ms: i64,
    /// Failures in the current daily bucket.
    pub window_failures: u32,
    /// Failures in the bucket just before it.
    pub previous_window_failures: u32,
    /// End of the lock imposed by the daily cap (0: none).
    pub daily_locked_until_ms: i64,
}

/// Number of integers in [`LockoutState::to_slots`].
pub const SLOTS: usize = 8;

impl LockoutState {
    /// The state as eight integers, in field order, for a store that keeps generic
    /// integer slots per counter key.
    #[must_use]
    pub fn to_slots(&self) -> [i64; SLOTS] {
        [
            i64::from(self.failures),
            self.last_failure_ms,
            i64::from(self.in_flight),
            self.in_flight_until_ms,
            self.window_start_ms,
            i64::from(self.window_failures),
            i64::from(self.previous_window_failures),
            self.daily_locked_until_ms,
        ]
    }

    /// The state from [`Self::to_slots`]; missing or out-of-range slots read as zero.
    #[must_use]
    pub fn from_slots(slots: &[i64]) -> Self {
        let at = |i: usize| slots.get(i).copied().unwrap_or(0);
        let count = |i: usize| u32::try_from(at(i)).unwrap_or(0);
        Self {
            failures: count(0),
            last_failure_ms: at(1),
            in_flight: count(2),
            in_flight_until_ms: at(3),
            window_start_ms: at(4),
            window_failures: count(5),
            previous_window_failures: count(6),
            daily_locked_until_ms: at(7),
        }
    }
}

/// The answer to "may this attempt check the password?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Check the password, then record the outcome.
    Proceed,
    /// Refuse with [`PASSWORD_ATTEMPTS_EXCEEDED`] without checking the password (and
    /// without storing anything: the refusal is not counted).
    Locked { until_ms: i64 },
    /// Other attempts are in flight and could still lock the user: ask again after
    /// `retry_after_ms`. Nothing was reserved.
    Wait { retry_after_ms: i64 },
}

/// Lockout configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// R4's cap on failures per rolling day; `None` gives Cognito's schedule alone.
    pub daily_cap: Option<u32>,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            daily_cap: Some(DEFAULT_DAILY_CAP),
        }
    }
}

/// Counter name for password (and SRP PASSWORD_VERIFIER) failures of a known user; the
/// store's `user_counter_key(pool, sub, COUNTER_NAME)` makes the row go with the user.
pub const COUNTER_NAME: &str = "lockout/password";

/// Counter key for failures against a username that matches no user. With
/// PreventUserExistenceErrors the lockout answers must not tell unknown users apart, so
/// they are counted too, under the normalised username (outside the `user/` key space).
#[must_use]
pub fn unknown_user_counter_key(pool_id: &str, username_key: &str) -> String {
    format!("unknown-user/{pool_id}/{username_key}/{COUNTER_NAME}")
}

/// Lock length after `failures` counted failures: 2^(n−5) s, capped at 15 minutes.
#[must_use]
pub fn lock_duration_ms(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let exponent = failures - FREE_FAILURES;
    // 2^10 s already exceeds the cap; avoid shifting further.
    if exponent >= 10 {
        MAX_LOCK_MS
    } else {
        ((1_i64 << exponent) * 1000).min(MAX_LOCK_MS)
    }
}

impl LockoutPolicy {
    /// Applies the passage of time: the 15-minute reset, expired reservations and the
    /// daily buckets moving on.
    #[must_use]
    pub fn normalize(&self, state: &LockoutState, now_ms: i64) -> LockoutState {
        let mut s = *state;
        if s.failures > 0 && now_ms.saturating_sub(s.last_failure_ms) >= RESET_AFTER_MS {
            s.failures = 0;
        }
        if s.in_flight > 0 && now_ms >= s.in_flight_until_ms {
            s.in_flight = 0;
        }
        if (s.window_failures > 0 || s.previous_window_failures > 0)
            && now_ms >= s.window_start_ms.saturating_add(DAY_MS)
        {
            let buckets = now_ms.saturating_sub(s.window_start_ms) / DAY_MS;
            s.previous_window_failures = if buckets == 1 { s.window_failures } else { 0 };
            s.window_failures = 0;
            s.window_start_ms = s
                .window_start_ms
                .saturating_add(buckets.saturating_mul(DAY_MS));
        }
        s
    }

    /// Until when the user is locked out, if they are.
    #[must_use]
    pub fn locked_until(&self, state: &LockoutState, now_ms: i64) -> Option<i64> {
        let s = self.normalize(state, now_ms);
        let cognito = (s.failures >= FREE_FAILURES)
            .then(|| {
                s.last_failure_ms
                    .saturating_add(lock_duration_ms(s.failures))
            })
            .filter(|until| now_ms < *until);
        let daily = (self.daily_cap.is_some() && now_ms < s.daily_locked_until_ms)
            .then_some(s.daily_locked_until_ms);
        match (cognito, daily) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Decides whether an attempt may check the password. On [`Admission::Proceed`] the
    /// returned state carries the reservation and must be stored before hashing; on the
    /// other answers nothing needs storing.
    #[must_use]
    pub fn admit(&self, state: &LockoutState, now_ms: i64) -> (Admission, LockoutState) {
        let s = self.normalize(state, now_ms);
        if let Some(until_ms) = self.locked_until(&s, now_ms) {
            return (Admission::Locked { until_ms }, s);
        }
        if s.in_flight > 0 {
            // Every outstanding attempt may still fail; admit another only if all of them
            // failing would leave this one inside the free (or daily) budget.
            let pending = s.failures.saturating_add(s.in_flight);
            let over_free = pending >= FREE_FAILURES;
            let over_daily = self.daily_cap.is_some_and(|cap| {
                s.window_failures
                    .saturating_add(s.previous_window_failures)
                    .saturating_add(s.in_flight)
                    >= cap
            });
            if over_free || over_daily {
                return (
                    Admission::Wait {
                        retry_after_ms: WAIT_RETRY_MS,
                    },
                    s,
                );
            }
        }
        let mut next = s;
        next.in_flight = next.in_flight.saturating_add(1);
        next.in_flight_until_ms = now_ms.saturating_add(RESERVATION_LEASE_MS);
        (Admission::Proceed, next)
    }

    /// Records a wrong password for an admitted attempt.
    #[must_use]
    pub fn record_failure(&self, state: &LockoutState, now_ms: i64) -> LockoutState {
        let mut s = self.normalize(state, now_ms);
        s.in_flight = s.in_flight.saturating_sub(1);
        s.failures = s.failures.saturating_add(1);
        s.last_failure_ms = now_ms;
        if s.window_failures == 0 && s.previous_window_failures == 0 {
            s.window_start_ms = now_ms;
        }
        s.window_failures = s.window_failures.saturating_add(1);
        if let Some(cap) = self.daily_cap
            && s.window_failures.saturating_add(s.previous_window_failures) >= cap
        {
            // The cap is reached: lock for a day, then count from zero. Nothing is
            // evaluated during the lock, so no 24-hour window can straddle it.
            s.daily_locked_until_ms = now_ms.saturating_add(DAY_MS);
            s.window_failures = 0;
            s.previous_window_failures = 0;
        }
        s
    }

    /// Records a correct password for an admitted attempt: Cognito's count starts again;
    /// the daily buckets stay.
    #[must_use]
    pub fn record_success(&self, state: &LockoutState, now_ms: i64) -> LockoutState {
        let mut s = self.normalize(state, now_ms);
        s.in_flight = s.in_flight.saturating_sub(1);
        s.failures = 0;
        s
    }

    /// Gives back a reservation whose attempt ended without checking the password (for
    /// example the hash gate was busy, or an internal error).
    #[must_use]
    pub fn release(&self, state: &LockoutState, now_ms: i64) -> LockoutState {
        let mut s = self.normalize(state, now_ms);
        s.in_flight = s.in_flight.saturating_sub(1);
        s
    }

    /// Whether the state carries nothing any more (the store may delete the row).
    #[must_use]
    pub fn is_idle(&self, state: &LockoutState, now_ms: i64) -> bool {
        let s = self.normalize(state, now_ms);
        s.failures == 0
            && s.in_flight == 0
            && s.window_failures == 0
            && s.previous_window_failures == 0
            && now_ms >= s.daily_locked_until_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: i64 = 1_700_000_000_000;

    fn fail(p: &LockoutPolicy, s: LockoutState, now: i64) -> (Admission, LockoutState) {
        match p.admit(&s, now) {
            (Admission::Proceed, reserved) => {
                (Admission::Proceed, p.record_failure(&reserved, now))
            }
            (other, s) => (other, s),
        }
    }

    #[test]
    fn slots_round_trip_and_keys() {
        let s = LockoutState {
            failures: 7,
            last_failure_ms: T0,
            in_flight: 2,
            in_flight_until_ms: T0 + 30_000,
            window_start_ms: T0 - 5,
            window_failures: 40,
            previous_window_failures: 33,
            daily_locked_until_ms: T0 + DAY_MS,
        };
        assert_eq!(LockoutState::from_slots(&s.to_slots()), s);
        assert_eq!(LockoutState::from_slots(&[]), LockoutState::default());
        assert_eq!(LockoutState::from_slots(&[-1, 5]).failures, 0);
        assert_eq!(
            unknown_user_counter_key("eu-west-1_A", "bob"),
            "unknown-user/eu-west-1_A/bob/lockout/password"
        );
        assert!(!unknown_user_counter_key("p", "u").starts_with("user/"));
    }

    #[test]
    fn lock_durations_double_and_cap() {
        assert_eq!(lock_duration_ms(4), 0);
        assert_eq!(lock_duration_ms(5), 1_000);
        assert_eq!(lock_duration_ms(6), 2_000);
        assert_eq!(lock_duration_ms(9), 16_000);
        assert_eq!(lock_duration_ms(14), 512_000);
        assert_eq!(lock_duration_ms(15), 900_000, "1024 s capped at 15 min");
        assert_eq!(lock_duration_ms(u32::MAX), 900_000);
    }

    #[test]
    fn five_free_failures_then_one_second() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        for i in 0..5 {
            let (a, next) = fail(&p, s, T0 + i);
            assert_eq!(a, Admission::Proceed, "failure {}", i + 1);
            s = next;
        }
        let last = T0 + 4;
        // Even the right password is refused during the lock; nothing is counted.
        let (a, after) = p.admit(&s, last + 500);
        assert_eq!(
            a,
            Admission::Locked {
                until_ms: last + 1_000
            }
        );
        assert_eq!(after.failures, 5);
        assert_eq!(after.in_flight, 0);
        // At the end of the lock the attempt is admitted; a success resets the count.
        let (a, reserved) = p.admit(&s, last + 1_000);
        assert_eq!(a, Admission::Proceed);
        let s = p.record_success(&reserved, last + 1_000);
        assert_eq!(s.failures, 0);
        assert_eq!(p.locked_until(&s, last + 1_000), None);
    }

    #[test]
    fn each_further_failure_doubles_the_lock() {
        let p = LockoutPolicy { daily_cap: None };
        let mut s = LockoutState::default();
        let mut now = T0;
        for n in 1..=15u32 {
            let (a, next) = fail(&p, s, now);
            assert_eq!(a, Admission::Proceed, "failure {n}");
            s = next;
            let expected = lock_duration_ms(n);
            assert_eq!(
                p.locked_until(&s, now),
                (expected > 0).then_some(now + expected),
                "after failure {n}"
            );
            // Attempts during the lock do not extend it.
            if expected > 1 {
                let (a, unchanged) = p.admit(&s, now + expected - 1);
                assert_eq!(
                    a,
                    Admission::Locked {
                        until_ms: now + expected
                    }
                );
                assert_eq!(unchanged, s);
            }
            now += expected;
        }
        // The 15-minute lock ends exactly when the 15-minute quiet period does, so the
        // next failure counts as the first again (the capped lock cannot grow further).
        let (a, s) = fail(&p, s, now);
        assert_eq!(a, Admission::Proceed);
        assert_eq!(s.failures, 1);
    }

    #[test]
    fn count_resets_after_fifteen_quiet_minutes() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        for i in 0..4 {
            s = fail(&p, s, T0 + i).1;
        }
        // Just under 15 minutes: the fifth failure still counts as the fifth.
        let s5 = fail(&p, s, T0 + 3 + RESET_AFTER_MS - 1).1;
        assert_eq!(s5.failures, 5);
        // 15 minutes after the last failure, the count starts again.
        let fresh = fail(&p, s, T0 + 3 + RESET_AFTER_MS).1;
        assert_eq!(fresh.failures, 1);
    }

    #[test]
    fn concurrent_wrong_passwords_evaluate_at_most_five() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        let mut admitted = 0;
        let mut waiting = 0;
        for _ in 0..50 {
            match p.admit(&s, T0) {
                (Admission::Proceed, next) => {
                    admitted += 1;
                    s = next;
                }
                (Admission::Wait { .. }, _) => waiting += 1,
                (other, _) => panic!("{other:?}"),
            }
        }
        assert_eq!((admitted, waiting), (5, 45));
        for _ in 0..5 {
            s = p.record_failure(&s, T0 + 10);
        }
        // The 45 that waited now find the user locked.
        assert!(matches!(p.admit(&s, T0 + 35).0, Admission::Locked { .. }));
    }

    #[test]
    fn concurrent_correct_passwords_all_succeed() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        let mut succeeded = 0;
        let mut pending = 20;
        let mut now = T0;
        while pending > 0 {
            // A wave: everyone still pending asks; the admitted ones succeed.
            let mut wave = 0;
            for _ in 0..pending {
                if let (Admission::Proceed, next) = p.admit(&s, now) {
                    s = next;
                    wave += 1;
                }
            }
            assert!(wave > 0, "nobody admitted: {s:?}");
            for _ in 0..wave {
                s = p.record_success(&s, now + 5);
            }
            succeeded += wave;
            pending -= wave;
            now += WAIT_RETRY_MS;
        }
        assert_eq!(succeeded, 20);
        assert_eq!((s.failures, s.in_flight), (0, 0));
    }

    #[test]
    fn after_a_lock_only_one_attempt_is_in_flight() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        for i in 0..5 {
            s = fail(&p, s, T0 + i).1;
        }
        let now = T0 + 4 + 1_000;
        let (a, reserved) = p.admit(&s, now);
        assert_eq!(a, Admission::Proceed);
        assert!(matches!(p.admit(&reserved, now).0, Admission::Wait { .. }));
    }

    #[test]
    fn abandoned_reservations_expire() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        for _ in 0..5 {
            s = p.admit(&s, T0).1;
        }
        assert!(matches!(p.admit(&s, T0 + 1).0, Admission::Wait { .. }));
        assert_eq!(p.admit(&s, T0 + RESERVATION_LEASE_MS).0, Admission::Proceed);
        // release() gives a reservation back without counting anything.
        let (_, one) = p.admit(&LockoutState::default(), T0);
        let released = p.release(&one, T0 + 1);
        assert_eq!(released.in_flight, 0);
        assert_eq!(released.failures, 0);
        assert!(p.is_idle(&released, T0 + 1));
    }

    /// Attacks at the best pace the schedule allows and returns the times at which a
    /// password was actually checked.
    fn best_pace_attack(p: &LockoutPolicy, hours: i64) -> Vec<i64> {
        let mut s = LockoutState::default();
        let mut now = T0;
        let mut evaluated = Vec::new();
        while now < T0 + hours * 3_600_000 {
            match p.admit(&s, now) {
                (Admission::Proceed, reserved) => {
                    evaluated.push(now);
                    s = p.record_failure(&reserved, now);
                    now += 1;
                }
                (Admission::Locked { until_ms }, _) => {
                    // A lock that ends later than the 15-minute reset is better waited out
                    // quietly: the count then starts from zero.
                    now = until_ms;
                }
                (Admission::Wait { retry_after_ms }, _) => now += retry_after_ms,
            }
        }
        evaluated
    }

    fn max_in_any_day(times: &[i64]) -> usize {
        let mut best = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] >= DAY_MS {
                start += 1;
            }
            best = best.max(end - start + 1);
        }
        best
    }

    #[test]
    fn daily_cap_bounds_best_pace_attack() {
        let uncapped = best_pace_attack(&LockoutPolicy { daily_cap: None }, 48);
        assert!(
            max_in_any_day(&uncapped) > 400,
            "Cognito's schedule alone allows hundreds a day"
        );
        let capped = best_pace_attack(&LockoutPolicy::default(), 48);
        assert!(
            max_in_any_day(&capped) <= 100,
            "{}",
            max_in_any_day(&capped)
        );
        assert!(capped.len() >= 100, "the cap still lets 100 a day through");
    }

    #[test]
    fn success_does_not_reopen_the_daily_budget() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        let mut now = T0;
        for _ in 0..99 {
            s = p.record_failure(&p.admit(&s, now).1, now);
            now += RESET_AFTER_MS; // quiet gap: Cognito's count never locks
        }
        let (a, reserved) = p.admit(&s, now);
        assert_eq!(a, Admission::Proceed);
        s = p.record_success(&reserved, now);
        s = p.record_failure(&p.admit(&s, now + 1).1, now + 1);
        assert!(matches!(p.admit(&s, now + 2).0, Admission::Locked { .. }));
        // An administrator reset clears everything.
        assert_eq!(
            p.admit(&LockoutState::default(), now + 3).0,
            Admission::Proceed
        );
    }

    #[test]
    fn daily_lock_lasts_a_day_then_counting_restarts() {
        let p = LockoutPolicy::default();
        let mut s = LockoutState::default();
        let mut now = T0;
        for _ in 0..100 {
            let (a, reserved) = p.admit(&s, now);
            assert_eq!(a, Admission::Proceed);
            s = p.record_failure(&reserved, now);
            now += RESET_AFTER_MS;
        }
        let capped_at = now - RESET_AFTER_MS;
        assert_eq!(
            p.admit(&s, now).0,
            Admission::Locked {
                until_ms: capped_at + DAY_MS
            }
        );
        assert_eq!(p.admit(&s, capped_at + DAY_MS).0, Admission::Proceed);
        assert_eq!(s.window_failures + s.previous_window_failures, 0);
        // Without the cap the same history is not locked.
        let uncapped = LockoutPolicy { daily_cap: None };
        assert_eq!(uncapped.admit(&s, now).0, Admission::Proceed);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Whatever the pacing, no 24-hour window sees more than 100 checked passwords.
        #[test]
        fn no_day_ever_evaluates_more_than_the_cap(gaps in prop::collection::vec(0i64..4 * 3_600_000, 1..400)) {
            let p = LockoutPolicy::default();
            let mut s = LockoutState::default();
            let mut now = T0;
            let mut evaluated = Vec::new();
            for gap in gaps {
                now += gap;
                if let (Admission::Proceed, reserved) = p.admit(&s, now) {
                    evaluated.push(now);
                    s = p.record_failure(&reserved, now);
                }
            }
            prop_assert!(max_in_any_day(&evaluated) <= 100);
        }
    }
}
