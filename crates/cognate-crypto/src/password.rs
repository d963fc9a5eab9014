//! Password hashing: Argon2id in PHC strings, a dummy verification for unknown users, and
//! a gate bounding how many hashes run at once.
//!
//! - Parameters default to OWASP's Argon2id m=19 MiB, t=2, p=1 (security requirement
//!   decision 9). [`HashParams::TEST_ONLY_CHEAP`] exists for test suites and must be chosen
//!   explicitly; nothing falls back to it.
//! - A hash is a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) with a 16-byte
//!   random salt and 32-byte output, stored as is. Verification uses the parameters in the
//!   stored string, so raising the defaults later keeps old hashes working
//!   ([`Hasher::needs_rehash`] tells when to upgrade one after a successful sign-in).
//! - [`Hasher::dummy_verify`] verifies against a hash made at start-up with the same
//!   parameters, so a sign-in for an unknown user costs what a wrong password costs (R6).
//! - Every hash and verification holds a permit of a [`HashGate`] sized to the cores (R12):
//!   hashing more passwords at once than there are cores only adds memory (19 MiB each)
//!   and latency. Waiters are bounded in number and time; past either bound the call fails
//!   with [`PasswordError::Busy`] without hashing, which the server answers with
//!   `TooManyRequestsException`. [`HashGate::is_saturated`] lets it refuse even before
//!   spawning a blocking task.
//!
//! Everything here blocks (the cost is the point): call it from a blocking thread, never
//! directly on an async executor.
//!
//! Cost measured on the 2-core development machine (AMD EPYC, release build, argon2 0.6,
//! machine shared with other builds, load ≈ 2–3): one OWASP verification takes 14–20 ms
//! median on one thread (p10 13 ms, p90 21–23 ms); two threads together manage ~50
//! verifications/s, and four threads on two cores no more (~45–50/s), which is why the
//! gate has one permit per core. The cheap test profile costs well under a millisecond.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

/// Salt length in bytes (PHC and OWASP recommendation).
pub const SALT_LEN: usize = 16;
/// Output length in bytes.
pub const OUTPUT_LEN: usize = 32;

/// Upper bounds for parameters read back from stored hashes. A stored string is trusted
/// data, but one corrupted or planted row must not make a single verification allocate
/// gigabytes or run for minutes.
const MAX_VERIFY_M_KIB: u32 = 256 * 1024;
const MAX_VERIFY_T: u32 = 16;
const MAX_VERIFY_P: u32 = 16;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl HashParams {
    /// OWASP's current Argon2id recommendation: 19 MiB, 2 iterations, 1 lane. The default.
    pub const OWASP: Self = Self {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    /// A profile costing well under a millisecond, for test suites that create many users.
    /// Never a default: a server only uses it when configuration names it explicitly.
    pub const TEST_ONLY_CHEAP: Self = Self {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    fn to_argon(self) -> Result<Params, PasswordError> {
        Params::new(self.m_kib, self.t, self.p, Some(OUTPUT_LEN))
            .map_err(|_| PasswordError::InvalidParams)
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::OWASP
    }
}

/// Why a hash or verification did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Every permit was taken and the wait queue was full or the wait timed out; no hashing
    /// was done. Answer `TooManyRequestsException`.
    #[error("too many password hashes in progress")]
    Busy,
    /// The stored value is not a PHC string this module can verify.
    #[error("stored password hash is malformed")]
    MalformedHash,
    /// The stored hash names an algorithm or parameters outside what is accepted.
    #[error("stored password hash uses unsupported parameters")]
    UnsupportedHash,
    /// The configured parameters are rejected by Argon2.
    #[error("invalid Argon2 parameters")]
    InvalidParams,
    /// The random generator or Argon2 itself failed.
    #[error("password hashing failed")]
    Hashing,
}

/// A counting semaphore for password hashes with a bounded wait queue.
#[derive(Debug)]
pub struct HashGate {
    permits: usize,
    max_waiting: usize,
    state: Mutex<GateState>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    in_use: usize,
    waiting: usize,
}

/// Held while one hash runs; gives the permit back when dropped.
#[derive(Debug)]
pub struct HashPermit<'a> {
    gate: &'a HashGate,
}

impl Drop for HashPermit<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.in_use = state.in_use.saturating_sub(1);
        drop(state);
        self.gate.freed.notify_one();
    }
}

impl HashGate {
    /// A gate letting `permits` hashes run at once (at least one) and at most
    /// `max_waiting` callers wait for a permit.
    #[must_use]
    pub fn new(permits: usize, max_waiting: usize) -> Self {
        Self {
            permits: permits.max(1),
            max_waiting,
            state: Mutex::new(GateState::default()),
            freed: Condvar::new(),
        }
    }

    /// The process-wide gate: one permit per available core, and a queue of sixteen
    /// waiters per permit. At ~50 ms per hash on this project's machines, a full queue
    /// drains in under a second, inside R12's 2 s p99 for accepted requests.
    pub fn global() -> Arc<HashGate> {
        static GLOBAL: OnceLock<Arc<HashGate>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let cores = std::thread::available_parallelism().map_or(1, usize::from);
                Arc::new(HashGate::new(cores, cores * 16))
            })
            .clone()
    }

    /// Number of hashes allowed at once.
    #[must_use]
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// Whether a permit is free right now (a hash would start without waiting).
    #[must_use]
    pub fn has_free_permit(&self) -> bool {
        self.lock().in_use < self.permits
    }

    /// Whether a new caller would be refused at once: every permit taken and the queue
    /// full. The server checks this before spawning a blocking task, to answer
    /// `TooManyRequestsException` in microseconds.
    #[must_use]
    pub fn is_saturated(&self) -> bool {
        let state = self.lock();
        state.in_use >= self.permits && state.waiting >= self.max_waiting
    }

    /// A permit if one is free now.
    #[must_use]
    pub fn try_acquire(&self) -> Option<HashPermit<'_>> {
        let mut state = self.lock();
        (state.in_use < self.permits).then(|| {
            state.in_use += 1;
            HashPermit { gate: self }
        })
    }

    /// A permit, waiting at most `max_wait` for one; `Busy` when the queue is full or the
    /// wait runs out.
    pub fn acquire(&self, max_wait: Duration) -> Result<HashPermit<'_>, PasswordError> {
        let mut state = self.lock();
        if state.in_use < self.permits {
            state.in_use += 1;
            return Ok(HashPermit { gate: self });
        }
        if state.waiting >= self.max_waiting || max_wait.is_zero() {
            return Err(PasswordError::Busy);
        }
        state.waiting += 1;
        // `wait_timeout_while` re-checks the condition after spurious wake-ups and keeps
        // track of the remaining time itself.
        let (mut state, _) = self
            .freed
            .wait_timeout_while(state, max_wait, |s| s.in_use >= self.permits)
            .unwrap_or_else(PoisonError::into_inner);
        state.waiting = state.waiting.saturating_sub(1);
        if state.in_use < self.permits {
            state.in_use += 1;
            Ok(HashPermit { gate: self })
        } else {
            Err(PasswordError::Busy)
        }
    }

    /// A panic while holding the lock cannot leave the counters inconsistent (each update
    /// is a single statement), so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Hashes and verifies passwords with fixed parameters under a [`HashGate`].
pub struct Hasher {
    params: HashParams,
    argon: Argon2<'static>,
    dummy: String,
    gate: Arc<HashGate>,
    max_wait: Duration,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("params", &self.params)
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

/// How long a caller waits for a permit by default before giving up with `Busy`.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(1);

impl Hasher {
    /// The shipped configuration: [`HashParams::OWASP`] under [`HashGate::global`].
    pub fn production() -> Result<Self, PasswordError> {
        Self::new(HashParams::default())
    }

    /// A hasher with `params` under the global gate. Computes the dummy hash (one full
    /// hash) once, here.
    pub fn new(params: HashParams) -> Result<Self, PasswordError> {
        Self::with_gate(params, HashGate::global(), DEFAULT_MAX_WAIT)
    }

    /// A hasher with its own gate and wait bound.
    pub fn with_gate(
        params: HashParams,
        gate: Arc<HashGate>,
        max_wait: Duration,
    ) -> Result<Self, PasswordError> {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.to_argon()?);
        // The dummy's password is random so no real password can match it by accident.
        let mut secret = [0u8; 32];
        fill_random(&mut secret)?;
        let dummy = hash_with(&argon, &secret)?;
        Ok(Self {
            params,
            argon,
            dummy,
            gate,
            max_wait,
        })
    }

    #[must_use]
    pub fn params(&self) -> HashParams {
        self.params
    }

    #[must_use]
    pub fn gate(&self) -> &HashGate {
        &self.gate
    }

    /// A PHC string for `password`, with a fresh random salt.
    pub fn hash(&self, password: &[u8]) -> Result<String, PasswordError> {
        let _permit = self.gate.acquire(self.max_wait)?;
        hash_with(&self.argon, password)
    }

    /// Whether `password` matches the stored PHC string (compared in constant time by the
    /// argon2 crate). Argon2i/d and other parameters in the stored string are honoured, up
    /// to generous bounds.
    pub fn verify(&self, password: &[u8], phc: &str) -> Result<bool, PasswordError> {
        let parsed = parse_checked(phc)?;
        let _permit = self.gate.acquire(self.max_wait)?;
        Ok(self.argon.verify_password(password, &parsed).is_ok())
    }

    /// Spends exactly what a real verification with the current parameters spends, for a
    /// user that does not exist (or has no password), then reports nothing.
    pub fn dummy_verify(&self, password: &[u8]) -> Result<(), PasswordError> {
        self.verify(password, &self.dummy).map(|_| ())
    }

    /// Whether a stored hash should be replaced after a successful sign-in: not Argon2id
    /// v1.3, weaker than the current parameters, or unreadable.
    #[must_use]
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return true;
        };
        parsed.algorithm.as_str() != "argon2id"
            || parsed.version != Some(0x13)
            || params.m_cost() < self.params.m_kib
            || params.t_cost() < self.params.t
            || params.p_cost() != self.params.p
    }
}

fn hash_with(argon: &Argon2<'_>, password: &[u8]) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    argon
        .hash_password_with_salt(password, &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hashing)
}

fn fill_random(buf: &mut [u8]) -> Result<(), PasswordError> {
    aws_lc_rs::rand::fill(buf).map_err(|_| PasswordError::Hashing)
}

fn parse_checked(phc: &str) -> Result<PasswordHash, PasswordError> {
    let parsed = PasswordHash::new(phc).map_err(|_| PasswordError::MalformedHash)?;
    if !matches!(
        parsed.algorithm.as_str(),
        "argon2id" | "argon2i" | "argon2d"
    ) {
        return Err(PasswordError::UnsupportedHash);
    }
    let params = Params::try_from(&parsed).map_err(|_| PasswordError::MalformedHash)?;
    if params.m_cost() > MAX_VERIFY_M_KIB
        || params.t_cost() > MAX_VERIFY_T
        || params.p_cost() > MAX_VERIFY_P
    {
        return Err(PasswordError::UnsupportedHash);
    }
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(PasswordError::MalformedHash);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Hasher {
        Hasher::with_gate(
            HashParams::TEST_ONLY_CHEAP,
            Arc::new(HashGate::new(2, 4)),
            Duration::from_millis(200),
        )
        .unwrap()
    }

    #[test]
    fn shipped_default_is_owasp_argon2id() {
        assert_eq!(
            HashParams::default(),
            HashParams {
                m_kib: 19_456,
                t: 2,
                p: 1
            }
        );
        let hasher = Hasher::production().unwrap();
        assert_eq!(hasher.params(), HashParams::OWASP);
        let phc = hasher.hash(b"correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(hasher.verify(b"correct horse", &phc).unwrap());
    }

    #[test]
    fn hash_and_verify() {
        let h = cheap();
        let phc = h.hash(b"s3cret!").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        // 16-byte salt (22 base64 chars) and 32-byte output (43 chars).
        let parts: Vec<&str> = phc.split('$').collect();
        assert_eq!(parts[4].len(), 22);
        assert_eq!(parts[5].len(), 43);
        assert!(h.verify(b"s3cret!", &phc).unwrap());
        assert!(!h.verify(b"s3cret", &phc).unwrap());
        assert!(!h.verify(b"", &phc).unwrap());
        // Salts are random: the same password hashes differently.
        assert_ne!(phc, h.hash(b"s3cret!").unwrap());
    }

    #[test]
    fn no_truncation_of_long_passwords() {
        let h = cheap();
        let long = vec![b'a'; 256];
        let phc = h.hash(&long).unwrap();
        assert!(h.verify(&long, &phc).unwrap());
        assert!(!h.verify(&long[..255], &phc).unwrap());
        assert!(!h.verify(&long[..72], &phc).unwrap());
    }

    #[test]
    fn verify_uses_stored_parameters() {
        // A hash made with other parameters still verifies (so defaults can be raised).
        let old = Hasher::with_gate(
            HashParams {
                m_kib: 128,
                t: 2,
                p: 1,
            },
            Arc::new(HashGate::new(1, 0)),
            Duration::ZERO,
        )
        .unwrap();
        let phc = old.hash(b"pw").unwrap();
        let h = cheap();
        assert!(h.verify(b"pw", &phc).unwrap());
        assert!(!h.needs_rehash(&phc));
        assert!(!h.needs_rehash(&h.hash(b"pw").unwrap()));
        let prod_like = Hasher::with_gate(
            HashParams {
                m_kib: 256,
                t: 2,
                p: 1,
            },
            Arc::new(HashGate::new(1, 0)),
            Duration::ZERO,
        )
        .unwrap();
        assert!(prod_like.needs_rehash(&phc), "weaker memory cost");
        assert!(prod_like.needs_rehash("not a phc string"));
    }

    #[test]
    fn malformed_and_hostile_hashes_are_refused() {
        let h = cheap();
        assert_eq!(h.verify(b"x", "garbage"), Err(PasswordError::MalformedHash));
        assert_eq!(h.verify(b"x", ""), Err(PasswordError::MalformedHash));
        assert_eq!(
            h.verify(b"x", "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"),
            Err(PasswordError::UnsupportedHash)
        );
        // A planted row asking for 4 GiB is refused before any allocation.
        let huge = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        assert_eq!(h.verify(b"x", huge), Err(PasswordError::UnsupportedHash));
    }

    #[test]
    fn dummy_verify_runs_a_full_verification() {
        let h = cheap();
        assert!(h.dummy_verify(b"anything").is_ok());
        // The dummy uses the hasher's own parameters, so its cost is a real verify's.
        assert!(h.dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!h.verify(b"anything", &h.dummy).unwrap());
    }

    #[test]
    fn gate_bounds_concurrency_and_queue() {
        let gate = HashGate::new(2, 1);
        assert_eq!(gate.permits(), 2);
        let a = gate.try_acquire().unwrap();
        let b = gate.acquire(Duration::ZERO).unwrap();
        assert!(!gate.has_free_permit());
        assert!(gate.try_acquire().is_none());
        // No wait allowed: refused at once.
        assert_eq!(
            gate.acquire(Duration::ZERO).unwrap_err(),
            PasswordError::Busy
        );
        // A short wait runs out.
        assert_eq!(
            gate.acquire(Duration::from_millis(10)).unwrap_err(),
            PasswordError::Busy
        );
        assert!(!gate.is_saturated(), "queue is empty again");
        drop(a);
        assert!(gate.has_free_permit());
        let c = gate.acquire(Duration::ZERO).unwrap();
        drop((b, c));
        assert!(gate.try_acquire().is_some());
    }

    #[test]
    fn waiter_gets_permit_when_one_is_freed() {
        let gate = Arc::new(HashGate::new(1, 1));
        let held = gate.try_acquire().unwrap();
        let g2 = Arc::clone(&gate);
        let waiter = std::thread::spawn(move || g2.acquire(Duration::from_secs(10)).is_ok());
        // Wait until the waiter is queued, then the gate is saturated for a third caller.
        while !gate.is_saturated() {
            std::thread::yield_now();
        }
        assert_eq!(
            gate.acquire(Duration::from_secs(10)).unwrap_err(),
            PasswordError::Busy
        );
        drop(held);
        assert!(waiter.join().unwrap());
        assert!(gate.has_free_permit());
    }

    #[test]
    fn hasher_reports_busy_without_hashing() {
        let gate = Arc::new(HashGate::new(1, 0));
        let h = Hasher::with_gate(
            HashParams::TEST_ONLY_CHEAP,
            Arc::clone(&gate),
            Duration::ZERO,
        )
        .unwrap();
        let _held = gate.try_acquire().unwrap();
        assert_eq!(h.hash(b"pw"), Err(PasswordError::Busy));
        assert_eq!(h.dummy_verify(b"pw"), Err(PasswordError::Busy));
    }

    #[test]
    fn global_gate_has_one_permit_per_core() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(HashGate::global().permits(), cores);
        assert!(Arc::ptr_eq(&HashGate::global(), &HashGate::global()));
    }
}
