//! Request-rate quotas: Cognito's categories per user pool, plus a limit per client address
//! for the operations anyone may call without a signature.
//!
//! Cognito counts its quotas per account; Cognate keeps one budget per pool (or per app
//! client, see [`QuotaKey`]) so that one busy pool cannot starve the others. Budgets are
//! per process: several nodes each enforce their own.
//!
//! Every check is a hash-map lookup under one of several shard locks, with time taken from
//! the request's `now_ms` (so tests can move it and the check costs no system call); it runs
//! before the signature check, any hashing or any database access.
//!
//! The counting is a sliding window rather than a token bucket: a bucket holding one
//! second's worth admits up to twice the rate within one second (the full bucket plus what
//! refills meanwhile), while R31 asks that 500 requests sent within a second see about the
//! quota accepted. The window admits at most `limit` requests in any interval of one second.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

/// Requests per second for each category and per client address; 0 means unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub user_authentication: u32,
    pub user_creation: u32,
    pub user_account_recovery: u32,
    /// Unsigned operations from one client address (an IPv6 /64), all operations together.
    pub per_source_ip: u32,
}

impl RateLimits {
    /// Cognito's default quotas for the categories, and Cognate's own per-address default.
    pub const COGNITO_DEFAULTS: RateLimits = RateLimits {
        user_authentication: 120,
        user_creation: 50,
        user_account_recovery: 30,
        per_source_ip: DEFAULT_PER_SOURCE_IP,
    };

    /// No limits at all.
    pub const UNLIMITED: RateLimits = RateLimits {
        user_authentication: 0,
        user_creation: 0,
        user_account_recovery: 0,
        per_source_ip: 0,
    };
}

/// A person signing in makes a handful of calls; twenty a second from one address is well
/// past that and well below what a single machine guessing passwords would like to send.
/// Offices behind one NAT address may need more (`[rate_limits] per_source_ip`).
pub const DEFAULT_PER_SOURCE_IP: u32 = 20;

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

    /// The body member naming whose budget a limited operation draws on: the pool for
    /// admin operations, the app client for the public ones (they carry no pool id).
    pub fn key_member(operation: &str) -> &'static str {
        if operation.starts_with("Admin") {
            "UserPoolId"
        } else {
            "ClientId"
        }
    }
}

/// Whose category budget a request draws on.
///
/// Public operations name only their app client, and finding its pool would need a database
/// read before the limiter, which must cost nothing; so those budgets are per client. A pool
/// with several app clients can therefore receive that many times the quota through its
/// public operations; pools rarely have more than a few clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaKey<'a> {
    Pool(&'a str),
    Client(&'a str),
    /// No usable id in the body. Such a request fails validation before doing any work;
    /// these share one budget rather than go unlimited.
    Unknown,
}

impl QuotaKey<'_> {
    /// The map key, or `None` for ids no real pool or client has (they share one budget, so
    /// made-up ids cannot create state). Pool and client ids live in separate namespaces,
    /// so a ClientId spelled like a pool id cannot spend that pool's admin budget.
    fn map_key(self) -> Option<String> {
        let (prefix, id) = match self {
            QuotaKey::Pool(id) => ('p', id),
            QuotaKey::Client(id) => ('c', id),
            QuotaKey::Unknown => return None,
        };
        let plausible = !id.is_empty()
            && id.len() <= 128
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'));
        plausible.then(|| {
            let mut key = String::with_capacity(id.len() + 1);
            key.push(prefix);
            key.push_str(id);
            key
        })
    }
}

/// The time slots of a window: a second is `SLOTS - 1` slots, and one more is kept so that
/// every interval of one second lies inside the slots counted.
const SLOT_MS: i64 = 50;
const SLOTS: usize = 21;
const SLOTS_I64: i64 = 21;

/// Admissions in the last `SLOTS` slots. Holding at most `limit` there means no interval of
/// one second ever holds more; sustained traffic gets `limit` per 1.05 s.
#[derive(Clone, Debug)]
struct Window {
    counts: [u32; SLOTS],
    total: u32,
    /// The newest slot counted.
    head: i64,
}

impl Window {
    fn new(now_ms: i64) -> Self {
        Self {
            counts: [0; SLOTS],
            total: 0,
            head: now_ms.div_euclid(SLOT_MS),
        }
    }

    fn index(slot: i64) -> usize {
        // rem_euclid of a positive modulus is in 0..SLOTS.
        usize::try_from(slot.rem_euclid(SLOTS_I64)).unwrap_or(0)
    }

    /// Forgets the slots that fell out of the window by `now_ms`.
    fn advance(&mut self, now_ms: i64) {
        let slot = now_ms.div_euclid(SLOT_MS);
        if slot <= self.head {
            // Requests race with slightly older timestamps: they count in the newest slot.
            // A clock set back by more than the window would otherwise stall the budget
            // until it caught up, so that starts afresh.
            if self.head - slot >= SLOTS_I64 {
                *self = Window::new(now_ms);
            }
            return;
        }
        let steps = (slot - self.head).min(SLOTS_I64);
        for step in 1..=steps {
            let index = Window::index(self.head + step);
            self.total = self.total.saturating_sub(self.counts[index]);
            self.counts[index] = 0;
        }
        self.head = slot;
    }

    fn try_acquire(&mut self, limit: u32, now_ms: i64) -> bool {
        self.advance(now_ms);
        if self.total >= limit {
            return false;
        }
        let index = Window::index(self.head);
        self.counts[index] = self.counts[index].saturating_add(1);
        self.total += 1;
        true
    }

    /// Nothing counted any more: dropping the window changes no answer.
    fn is_idle(&self, now_ms: i64) -> bool {
        self.total == 0 || now_ms.div_euclid(SLOT_MS) - self.head >= SLOTS_I64
    }
}

const SHARDS: usize = 16;

/// How often a shard drops idle windows, and the least time between two sweeps of a full
/// shard (so a flood of new keys costs a sweep per interval, not one per request).
const SWEEP_EVERY_MS: i64 = 1_000;
const FULL_SWEEP_EVERY_MS: i64 = SLOT_MS;

/// One window per key, in a bounded map. Keys beyond the bound share one overflow window,
/// so a flood of distinct keys is limited as one client and takes no more memory.
#[derive(Debug)]
pub struct KeyedLimiter<K> {
    limit: u32,
    per_shard: usize,
    shards: Vec<Mutex<Shard<K>>>,
    overflow: Mutex<Window>,
    hasher: RandomState,
}

#[derive(Debug)]
struct Shard<K> {
    windows: HashMap<K, Window>,
    last_sweep_ms: i64,
}

impl<K> Shard<K> {
    fn sweep(&mut self, now_ms: i64) {
        self.windows.retain(|_, window| !window.is_idle(now_ms));
        self.last_sweep_ms = now_ms;
    }
}

/// A poisoned lock only means another request panicked mid-update; the counts are still
/// valid numbers, so keep limiting rather than fail every request.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl<K: Hash + Eq> KeyedLimiter<K> {
    /// `limit` requests per second per key (0: unlimited), for at most about `max_keys`
    /// keys at once.
    pub fn new(limit: u32, max_keys: usize) -> Self {
        Self {
            limit,
            per_shard: max_keys.div_ceil(SHARDS).max(1),
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        windows: HashMap::new(),
                        last_sweep_ms: i64::MIN,
                    })
                })
                .collect(),
            overflow: Mutex::new(Window::new(0)),
            hasher: RandomState::new(),
        }
    }

    /// Whether one more request for `key` may proceed at `now_ms`; `None` draws on the
    /// shared overflow window.
    pub fn try_acquire<Q>(&self, key: Option<&Q>, now_ms: i64) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if self.limit == 0 {
            return true;
        }
        let Some(key) = key else {
            return lock(&self.overflow).try_acquire(self.limit, now_ms);
        };
        let shard_index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        let Some(shard) = self.shards.get(shard_index) else {
            return lock(&self.overflow).try_acquire(self.limit, now_ms);
        };
        let mut shard = lock(shard);
        if let Some(window) = shard.windows.get_mut(key) {
            return window.try_acquire(self.limit, now_ms);
        }
        let since_sweep = now_ms.saturating_sub(shard.last_sweep_ms);
        let full = shard.windows.len() >= self.per_shard;
        if since_sweep >= SWEEP_EVERY_MS || (full && since_sweep >= FULL_SWEEP_EVERY_MS) {
            shard.sweep(now_ms);
        }
        if shard.windows.len() >= self.per_shard {
            drop(shard);
            return lock(&self.overflow).try_acquire(self.limit, now_ms);
        }
        let mut window = Window::new(now_ms);
        let admitted = window.try_acquire(self.limit, now_ms);
        shard.windows.insert(key.to_owned(), window);
        admitted
    }

    /// Keys holding a window now (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| lock(shard).windows.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A client address as the per-address limit counts it: IPv4 addresses one by one, IPv6
/// by /64, the smallest network one subscriber is usually given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKey {
    V4([u8; 4]),
    V6Net([u8; 8]),
}

impl SourceKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => SourceKey::V4(v4.octets()),
            IpAddr::V6(v6) => {
                let octets = v6.octets();
                let mut net = [0u8; 8];
                net.copy_from_slice(&octets[..8]);
                SourceKey::V6Net(net)
            }
        }
    }
}

/// At most this many pools or clients per category hold a window at once (a window is
/// about a hundred bytes).
pub const MAX_QUOTA_KEYS: usize = 4_096;
/// At most this many client addresses hold a window at once.
pub const MAX_SOURCE_KEYS: usize = 65_536;

/// The category budgets of every pool and the per-address budgets, for the whole process.
#[derive(Debug)]
pub struct RateLimiter {
    user_authentication: KeyedLimiter<String>,
    user_creation: KeyedLimiter<String>,
    user_account_recovery: KeyedLimiter<String>,
    per_source: KeyedLimiter<SourceKey>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            user_authentication: KeyedLimiter::new(limits.user_authentication, MAX_QUOTA_KEYS),
            user_creation: KeyedLimiter::new(limits.user_creation, MAX_QUOTA_KEYS),
            user_account_recovery: KeyedLimiter::new(limits.user_account_recovery, MAX_QUOTA_KEYS),
            per_source: KeyedLimiter::new(limits.per_source_ip, MAX_SOURCE_KEYS),
        }
    }

    /// Whether one more request of this category for `key` may proceed at `now_ms`.
    pub fn try_acquire(&self, category: Category, key: QuotaKey<'_>, now_ms: i64) -> bool {
        let limiter = match category {
            Category::UserAuthentication => &self.user_authentication,
            Category::UserCreation => &self.user_creation,
            Category::UserAccountRecovery => &self.user_account_recovery,
        };
        limiter.try_acquire(key.map_key().as_deref(), now_ms)
    }

    /// Whether one more unsigned request from `client` may proceed at `now_ms`.
    pub fn try_acquire_source(&self, client: IpAddr, now_ms: i64) -> bool {
        self.per_source
            .try_acquire(Some(&SourceKey::of(client)), now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take_all(limiter: &RateLimiter, category: Category, key: QuotaKey<'_>, now: i64) -> usize {
        (0..10_000)
            .take_while(|_| limiter.try_acquire(category, key, now))
            .count()
    }

    fn window_take_all(window: &mut Window, limit: u32, now: i64) -> usize {
        (0..10_000)
            .take_while(|_| window.try_acquire(limit, now))
            .count()
    }

    const POOL: QuotaKey<'static> = QuotaKey::Pool("us-east-1_abc");

    #[test]
    fn a_burst_gets_exactly_the_limit() {
        let mut window = Window::new(1_000_000);
        assert_eq!(window_take_all(&mut window, 50, 1_000_000), 50);
        assert!(!window.try_acquire(50, 1_000_000));
    }

    #[test]
    fn no_interval_of_one_second_holds_more_than_the_limit() {
        // Requests every 2 ms for ten seconds, starting at an odd offset: whatever the
        // alignment with the slots, a sliding one-second view never sees more than 50.
        let mut window = Window::new(7);
        let admitted: Vec<i64> = (0..5_000)
            .map(|i| 7 + i * 2)
            .filter(|&t| window.try_acquire(50, t))
            .collect();
        for (i, &start) in admitted.iter().enumerate() {
            let within = admitted[i..]
                .iter()
                .take_while(|&&t| t < start + 1_000)
                .count();
            assert!(within <= 50, "{within} admitted in the second from {start}");
        }
        // Sustained traffic still gets about the rate: 50 per 1.05 s.
        assert!((470..=500).contains(&admitted.len()), "{}", admitted.len());
    }

    #[test]
    fn the_budget_comes_back_after_a_second() {
        let mut window = Window::new(0);
        assert_eq!(window_take_all(&mut window, 30, 0), 30);
        assert!(!window.try_acquire(30, 999));
        assert_eq!(window_take_all(&mut window, 30, 1_050), 30);
        // Idle once everything counted is out of the window.
        assert!(!window.is_idle(1_999));
        assert!(window.is_idle(2_100));
    }

    #[test]
    fn time_going_backwards() {
        let mut window = Window::new(10_000);
        assert_eq!(window_take_all(&mut window, 10, 10_000), 10);
        // Slightly older timestamps (racing requests) count in the newest slot.
        assert!(!window.try_acquire(10, 9_990));
        // A clock set back by far more than a second does not stall the budget.
        assert_eq!(window_take_all(&mut window, 10, 5_000), 10);
    }

    #[test]
    fn zero_is_unlimited() {
        let limiter = RateLimiter::new(RateLimits::UNLIMITED);
        for category in [
            Category::UserAuthentication,
            Category::UserCreation,
            Category::UserAccountRecovery,
        ] {
            assert!((0..10_000).all(|_| limiter.try_acquire(category, POOL, 0)));
        }
        assert!((0..10_000).all(|_| limiter.try_acquire_source("192.0.2.1".parse().unwrap(), 0)));
    }

    #[test]
    fn categories_are_separate_budgets() {
        let limiter = RateLimiter::new(RateLimits::default());
        assert_eq!(take_all(&limiter, Category::UserCreation, POOL, 0), 50);
        assert_eq!(
            take_all(&limiter, Category::UserAuthentication, POOL, 0),
            120
        );
        assert_eq!(
            take_all(&limiter, Category::UserAccountRecovery, POOL, 0),
            30
        );
    }

    #[test]
    fn pools_and_clients_have_their_own_budgets() {
        let limiter = RateLimiter::new(RateLimits::default());
        let creation = Category::UserCreation;
        assert_eq!(
            take_all(&limiter, creation, QuotaKey::Pool("us-east-1_a"), 0),
            50
        );
        assert_eq!(
            take_all(&limiter, creation, QuotaKey::Pool("us-east-1_b"), 0),
            50
        );
        assert_eq!(
            take_all(&limiter, creation, QuotaKey::Client("client1"), 0),
            50
        );
        // A client id spelled like a pool id is another budget.
        assert_eq!(
            take_all(&limiter, creation, QuotaKey::Client("us-east-1_a"), 0),
            50
        );
    }

    #[test]
    fn unusable_ids_share_one_budget() {
        let limiter = RateLimiter::new(RateLimits::default());
        let creation = Category::UserCreation;
        assert_eq!(take_all(&limiter, creation, QuotaKey::Unknown, 0), 50);
        assert_eq!(take_all(&limiter, creation, QuotaKey::Client("a b"), 0), 0);
        let long = "x".repeat(129);
        assert_eq!(take_all(&limiter, creation, QuotaKey::Client(&long), 0), 0);
        assert_eq!(take_all(&limiter, creation, QuotaKey::Client(""), 0), 0);
        assert_eq!(limiter.user_creation.len(), 0);
    }

    #[test]
    fn a_flood_of_new_keys_is_bounded() {
        let limiter = KeyedLimiter::<String>::new(5, 64);
        let mut admitted = 0;
        for i in 0..10_000 {
            if limiter.try_acquire(Some(format!("k{i}").as_str()), 1_000) {
                admitted += 1;
            }
        }
        // Each shard holds at most its share; the rest went to the overflow window.
        assert!(limiter.len() <= 64, "{}", limiter.len());
        assert!(admitted <= 64 * 5 + 5, "{admitted}");
        // A key that got a window keeps its own budget during the flood.
        let known = (0..10_000)
            .map(|i| format!("k{i}"))
            .find(|k| {
                let shard =
                    usize::try_from(limiter.hasher.hash_one(k.as_str()) % SHARDS as u64).unwrap();
                lock(&limiter.shards[shard]).windows.contains_key(k)
            })
            .unwrap();
        assert_eq!(
            (0..100)
                .filter(|_| limiter.try_acquire(Some(known.as_str()), 1_000))
                .count(),
            4
        );
    }

    #[test]
    fn idle_windows_are_evicted() {
        let limiter = KeyedLimiter::<String>::new(5, 1_024);
        for i in 0..40 {
            assert!(limiter.try_acquire(Some(format!("k{i}").as_str()), 0));
        }
        assert_eq!(limiter.len(), 40);
        // Over a second later every window is idle; the next sweep of each shard drops them.
        for i in 0..400 {
            limiter.try_acquire(Some(format!("new{i}").as_str()), 2_000);
        }
        let survivors = (0..40)
            .filter(|i| {
                let key = format!("k{i}");
                let shard =
                    usize::try_from(limiter.hasher.hash_one(key.as_str()) % SHARDS as u64).unwrap();
                lock(&limiter.shards[shard]).windows.contains_key(&key)
            })
            .count();
        assert_eq!(survivors, 0);
    }

    #[test]
    fn addresses_count_by_ipv4_and_ipv6_slash_64() {
        let limits = RateLimits {
            per_source_ip: 3,
            ..RateLimits::UNLIMITED
        };
        let limiter = RateLimiter::new(limits);
        let take = |ip: &str| {
            let ip: IpAddr = ip.parse().unwrap();
            (0..100)
                .take_while(|_| limiter.try_acquire_source(ip, 0))
                .count()
        };
        assert_eq!(take("198.51.100.7"), 3);
        assert_eq!(take("198.51.100.8"), 3);
        // The IPv4-mapped form is the same client.
        assert_eq!(take("::ffff:198.51.100.7"), 0);
        assert_eq!(take("2001:db8:1:2::1"), 3);
        assert_eq!(take("2001:db8:1:2:ffff::9"), 0);
        assert_eq!(take("2001:db8:1:3::1"), 3);
    }

    #[test]
    fn operations_map_to_categories_and_keys() {
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
        assert_eq!(Category::key_member("AdminCreateUser"), "UserPoolId");
        assert_eq!(Category::key_member("InitiateAuth"), "ClientId");
    }
}
