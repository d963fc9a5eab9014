//! Request-rate quotas by category, as Cognito applies them per account (Cognate is one
//! account). Each category is a token bucket shared by every request this process serves;
//! several nodes each enforce their own limit.
//!
//! Time comes from the request's `now_ms` so that tests can move it, and so that the check
//! costs no system call: it runs before any hashing or database write.

use std::sync::Mutex;

/// Requests per second for each category; 0 means unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub user_authentication: u32,
    pub user_creation: u32,
    pub user_account_recovery: u32,
}

impl RateLimits {
    /// Cognito's default quotas for these categories.
    pub const COGNITO_DEFAULTS: RateLimits = RateLimits {
        user_authentication: 120,
        user_creation: 50,
        user_account_recovery: 30,
    };

    /// No limits at all.
    pub const UNLIMITED: RateLimits = RateLimits {
        user_authentication: 0,
        user_creation: 0,
        user_account_recovery: 0,
    };
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::COGNITO_DEFAULTS
    }
}

/// Cognito's quota categories that Cognate limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    UserAuthentication,
    UserCreation,
    UserAccountRecovery,
}

impl Category {
    /// The category of a cognito-idp operation; `None` for operations not limited.
    pub fn of_operation(name: &str) -> Option<Category> {
        match name {
            "InitiateAuth"
            | "RespondToAuthChallenge"
            | "AdminInitiateAuth"
            | "AdminRespondToAuthChallenge"
            | "GetTokensFromRefreshToken" => Some(Category::UserAuthentication),
            "SignUp" | "ConfirmSignUp" | "AdminCreateUser" | "AdminConfirmSignUp" => {
                Some(Category::UserCreation)
            }
            "ForgotPassword" | "ConfirmForgotPassword" | "ResendConfirmationCode" => {
                Some(Category::UserAccountRecovery)
            }
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Category::UserAuthentication => "UserAuthentication",
            Category::UserCreation => "UserCreation",
            Category::UserAccountRecovery => "UserAccountRecovery",
        }
    }
}

/// Tokens are counted in thousandths so that refill is exact integer arithmetic: a rate of
/// `r` per second adds exactly `r` milli-tokens per millisecond.
const MILLI: u64 = 1000;

/// A token bucket holding at most one second's worth of requests.
#[derive(Debug)]
pub struct TokenBucket {
    per_second: u64,
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    milli_tokens: u64,
    /// The latest `now_ms` seen; `None` until the first request, so the bucket starts full.
    last_ms: Option<i64>,
}

impl TokenBucket {
    /// `per_second` = 0 makes a bucket that never refuses.
    pub fn new(per_second: u32) -> Self {
        let per_second = u64::from(per_second);
        Self {
            per_second,
            state: Mutex::new(BucketState {
                milli_tokens: per_second * MILLI,
                last_ms: None,
            }),
        }
    }

    /// Takes one token at time `now_ms`; false when the bucket is empty.
    pub fn try_acquire(&self, now_ms: i64) -> bool {
        if self.per_second == 0 {
            return true;
        }
        // A poisoned lock only means another request panicked mid-update; the counter is
        // still a valid number, so keep limiting rather than fail every request.
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let capacity = self.per_second * MILLI;
        match state.last_ms {
            // Concurrent requests can arrive with slightly out-of-order timestamps: an older
            // one refills nothing and does not move the clock back.
            Some(last) if now_ms > last => {
                let elapsed = u64::try_from(now_ms - last).unwrap_or(u64::MAX);
                let refill = elapsed.saturating_mul(self.per_second);
                state.milli_tokens = state.milli_tokens.saturating_add(refill).min(capacity);
                state.last_ms = Some(now_ms);
            }
            Some(_) => {}
            None => state.last_ms = Some(now_ms),
        }
        if state.milli_tokens >= MILLI {
            state.milli_tokens -= MILLI;
            true
        } else {
            false
        }
    }
}

/// One bucket per category, for the whole process.
#[derive(Debug)]
pub struct RateLimiter {
    user_authentication: TokenBucket,
    user_creation: TokenBucket,
    user_account_recovery: TokenBucket,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            user_authentication: TokenBucket::new(limits.user_authentication),
            user_creation: TokenBucket::new(limits.user_creation),
            user_account_recovery: TokenBucket::new(limits.user_account_recovery),
        }
    }

    /// Whether one more request of this category may proceed at `now_ms`.
    pub fn try_acquire(&self, category: Category, now_ms: i64) -> bool {
        let bucket = match category {
            Category::UserAuthentication => &self.user_authentication,
            Category::UserCreation => &self.user_creation,
            Category::UserAccountRecovery => &self.user_account_recovery,
        };
        bucket.try_acquire(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take_all(bucket: &TokenBucket, now_ms: i64) -> usize {
        (0..10_000)
            .take_while(|_| bucket.try_acquire(now_ms))
            .count()
    }

    #[test]
    fn starts_full_with_one_second_of_burst() {
        let bucket = TokenBucket::new(50);
        assert_eq!(take_all(&bucket, 1_000_000), 50);
        assert!(!bucket.try_acquire(1_000_000));
    }

    #[test]
    fn refills_with_moving_time() {
        let bucket = TokenBucket::new(50);
        assert_eq!(take_all(&bucket, 0), 50);
        // 50 per second is one token per 20 ms.
        assert!(!bucket.try_acquire(19));
        assert!(bucket.try_acquire(20));
        assert!(!bucket.try_acquire(20));
        // Half a second refills half the bucket.
        assert_eq!(take_all(&bucket, 520), 25);
        // Fractions of a token carry over: 10 ms + 10 ms make one token.
        assert!(!bucket.try_acquire(530));
        assert!(bucket.try_acquire(540));
    }

    #[test]
    fn never_holds_more_than_one_second() {
        let bucket = TokenBucket::new(30);
        assert_eq!(take_all(&bucket, 0), 30);
        assert_eq!(take_all(&bucket, 3_600_000), 30);
    }

    #[test]
    fn time_going_backwards_refills_nothing() {
        let bucket = TokenBucket::new(10);
        assert_eq!(take_all(&bucket, 1_000), 10);
        assert!(!bucket.try_acquire(500));
        // The clock did not move back: 100 ms after 1000 is one token, not six.
        assert_eq!(take_all(&bucket, 1_100), 1);
    }

    #[test]
    fn zero_is_unlimited() {
        let limiter = RateLimiter::new(RateLimits::UNLIMITED);
        for category in [
            Category::UserAuthentication,
            Category::UserCreation,
            Category::UserAccountRecovery,
        ] {
            assert!((0..10_000).all(|_| limiter.try_acquire(category, 0)));
        }
    }

    #[test]
    fn categories_are_separate_buckets() {
        let limiter = RateLimiter::new(RateLimits::default());
        let count = |category| {
            (0..10_000)
                .take_while(|_| limiter.try_acquire(category, 0))
                .count()
        };
        assert_eq!(count(Category::UserCreation), 50);
        assert_eq!(count(Category::UserAuthentication), 120);
        assert_eq!(count(Category::UserAccountRecovery), 30);
    }

    #[test]
    fn operations_map_to_categories() {
        assert_eq!(
            Category::of_operation("SignUp"),
            Some(Category::UserCreation)
        );
        assert_eq!(
            Category::of_operation("GetTokensFromRefreshToken"),
            Some(Category::UserAuthentication)
        );
        assert_eq!(
            Category::of_operation("ResendConfirmationCode"),
            Some(Category::UserAccountRecovery)
        );
        assert_eq!(Category::of_operation("GetUser"), None);
        assert_eq!(Category::of_operation("CreateUserPool"), None);
    }
}
