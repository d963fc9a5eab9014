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
//! - [`Hasher::dummy_verify`] verifies against a PHC string with the same parameters (and a
//!   random digest no password hashes to), so a sign-in for an unknown user costs what a
//!   wrong password costs (R6).
//! - Every hash and verification holds a permit of a [`HashGate`] sized to the cores (R12):
//!   hashing more passwords at once than there are cores only adds memory (19 MiB each)
//!   and latency. Waiters are bounded in number and time; past either bound the call fails
//!   with [`PasswordError::Busy`] without hashing, which the server answers with
//!   `TooManyRequestsException`. [`HashGate::is_saturated`] lets it refuse even before
//!   spawning a blocking task, and [`HashGate::try_admit`] bounds whole sign-ins (store
//!   reads and writes included) to what the gate can run and queue, so a flood is refused
//!   before it costs anything. Argon2's working memory is one reusable buffer per permit,
//!   so hashing memory stays at cores × m however long the load lasts.
//! - Hashes imported from other systems verify too, and [`Hasher::needs_rehash`] is true
//!   for them so the first successful sign-in replaces them with Argon2id (R11): bcrypt
//!   (`$2a$`, `$2b$`, `$2y$`), PBKDF2-HMAC-SHA-256/512 in the PHC form of the `pbkdf2` crate
//!   (`$pbkdf2-sha256$i=…,l=…$salt$hash`) and scrypt (`$scrypt$ln=…,r=…,p=…$salt$hash`).
//!   Their costs are bounded like Argon2's ([`MAX_BCRYPT_COST`], [`MAX_PBKDF2_ROUNDS`],
//!   [`MAX_SCRYPT_LOG_N`] and a memory cap), so a planted row cannot make one verification
//!   run for minutes. An imported scrypt hash may use more memory than one Argon2 hash
//!   (up to the cap, 256 MiB), which the gate's memory budget does not cover; such hashes
//!   are upgraded at the first sign-in, so the excess is temporary.
//! - bcrypt only reads the first 72 bytes of a password. A longer password never matches a
//!   bcrypt hash (R13: no truncation), even when its first 72 bytes are right: accepting it
//!   would accept every password sharing that prefix. Such users reset their password.
//! - An unreadable or unsupported stored value is [`PasswordError::MalformedHash`] or
//!   [`PasswordError::UnsupportedHash`], never a panic; the caller treats it as a wrong
//!   password after a [`Hasher::dummy_verify`], so the answer costs what any other costs.
//!
//! Everything here blocks (the cost is the point): call it from a blocking thread, never
//! directly on an async executor.
//!
//! Cost measured on the 2-core development machine (AMD EPYC, release build, argon2 0.6,
//! machine shared with other builds, load ≈ 2–3): one OWASP verification takes 14–20 ms
//! median on one thread (p10 13 ms, p90 21–23 ms); two threads together manage ~50
//! verifications/s, and four threads on two cores no more (~45–50/s), which is why the
//! gate has one permit per core. The cheap test profile costs well under a millisecond.

use std::str::FromStr as _;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use argon2::password_hash::PasswordVerifier as _;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq as _;

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
/// Highest bcrypt cost accepted from a stored hash: 2^16 rounds take seconds, not minutes.
pub const MAX_BCRYPT_COST: u32 = 16;
/// Most PBKDF2 iterations accepted from a stored hash (OWASP asks for 600,000 with
/// SHA-256; ten million is a few seconds).
pub const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;
/// Highest scrypt log2(N) accepted from a stored hash.
pub const MAX_SCRYPT_LOG_N: u8 = 20;
/// Most scrypt lanes (run one after the other) accepted from a stored hash.
const MAX_SCRYPT_P: u32 = 16;
/// Most memory one scrypt verification may take (128·r·N bytes), as for Argon2.
const MAX_SCRYPT_BYTES: u64 = MAX_VERIFY_M_KIB as u64 * 1024;
/// bcrypt reads at most this many bytes of a password.
const BCRYPT_MAX_PASSWORD: usize = 72;

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

/// Argon2 working memory (1 KiB blocks), lent to one permit at a time.
type Memory = Vec<Block>;

/// A counting semaphore for password hashes with a bounded wait queue, which also owns
/// the hashes' working memory and admits whole sign-ins.
///
/// Each permit borrows one of at most `permits` reusable Argon2 buffers instead of
/// allocating 19 MiB per hash: under a sustained load the allocator kept freed buffers in
/// its per-thread arenas (with hundreds of blocking threads), and the server's resident
/// memory grew past 3 GiB in R12's overload test. Reused buffers hold hashing memory at
/// cores × m.
#[derive(Debug)]
pub struct HashGate {
    permits: usize,
    max_waiting: usize,
    state: Mutex<GateState>,
    freed: Condvar,
    memory: Mutex<Vec<Memory>>,
}

#[derive(Debug, Default)]
struct GateState {
    in_use: usize,
    waiting: usize,
    admitted: usize,
}

/// Held while one hash runs; gives the permit (and its memory) back when dropped.
#[derive(Debug)]
pub struct HashPermit<'a> {
    gate: &'a HashGate,
    memory: Option<Memory>,
}

impl HashPermit<'_> {
    /// `blocks` of working memory for `f`: the permit's reusable buffer, grown as needed up
    /// to `keep_up_to` blocks. A stored hash asking for more (an imported one, within the
    /// verification bounds) gets a buffer of its own, freed afterwards, so one such row
    /// does not keep its memory for good.
    fn with_memory<R>(
        &mut self,
        blocks: usize,
        keep_up_to: usize,
        f: impl FnOnce(&mut [Block]) -> R,
    ) -> R {
        if blocks > keep_up_to {
            let mut own = vec![Block::new(); blocks];
            return f(&mut own);
        }
        let memory = self.memory.get_or_insert_with(|| self.gate.take_memory());
        if memory.len() < blocks {
            memory.resize(blocks, Block::new());
        }
        f(&mut memory[..blocks])
    }
}

impl Drop for HashPermit<'_> {
    fn drop(&mut self) {
        // The buffer goes back before the permit, so there are never more buffers than
        // permits.
        if let Some(memory) = self.memory.take() {
            self.gate
                .memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(memory);
        }
        let mut state = self.gate.lock();
        state.in_use = state.in_use.saturating_sub(1);
        drop(state);
        self.gate.freed.notify_one();
    }
}

/// One admitted sign-in; frees its place when dropped. See [`HashGate::try_admit`].
#[derive(Debug)]
pub struct Admission {
    gate: Arc<HashGate>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.admitted = state.admitted.saturating_sub(1);
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
            memory: Mutex::new(Vec::new()),
        }
    }

    /// Admits one whole password sign-in, or refuses it at once when twice as many are
    /// already in progress as the gate can run and queue (`permits + max_waiting`). A
    /// sign-in reads and writes the store (lockout counters) before it hashes; admitting it
    /// here first means a flood is refused before any of that work, so refusals stay fast
    /// and the store's single writer is not swamped by requests that would be refused
    /// anyway (R12). The factor two leaves room for sign-ins that end without hashing (a
    /// locked user's burst of attempts, a wrong client), which a burst the gate could
    /// absorb must not turn into refusals; those past a saturated gate are refused by
    /// [`HashGate::is_saturated`] before they write. Held until the sign-in answers.
    pub fn try_admit(self: &Arc<Self>) -> Option<Admission> {
        let mut state = self.lock();
        (state.admitted < 2 * (self.permits + self.max_waiting)).then(|| {
            state.admitted += 1;
            Admission {
                gate: Arc::clone(self),
            }
        })
    }

    /// A pooled buffer, or a new empty one (grown by its first user).
    fn take_memory(&self) -> Memory {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    #[cfg(test)]
    fn pooled_buffers(&self) -> usize {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
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
            HashPermit {
                gate: self,
                memory: None,
            }
        })
    }

    /// A permit, waiting at most `max_wait` for one; `Busy` when the queue is full or the
    /// wait runs out.
    pub fn acquire(&self, max_wait: Duration) -> Result<HashPermit<'_>, PasswordError> {
        let mut state = self.lock();
        if state.in_use < self.permits {
            state.in_use += 1;
            return Ok(HashPermit {
                gate: self,
                memory: None,
            });
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
            Ok(HashPermit {
                gate: self,
                memory: None,
            })
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
    /// Blocks of Argon2 memory the current parameters need: what pooled buffers grow to.
    blocks: usize,
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

    /// A hasher with `params` under the global gate.
    pub fn new(params: HashParams) -> Result<Self, PasswordError> {
        Self::with_gate(params, HashGate::global(), DEFAULT_MAX_WAIT)
    }

    /// A hasher with its own gate and wait bound.
    pub fn with_gate(
        params: HashParams,
        gate: Arc<HashGate>,
        max_wait: Duration,
    ) -> Result<Self, PasswordError> {
        let argon_params = params.to_argon()?;
        let blocks = argon_params.block_count();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let dummy = unmatchable_phc(&argon)?;
        Ok(Self {
            params,
            argon,
            blocks,
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
        let mut permit = self.gate.acquire(self.max_wait)?;
        self.hash_under(&mut permit, password)
    }

    fn hash_under(
        &self,
        permit: &mut HashPermit<'_>,
        password: &[u8],
    ) -> Result<String, PasswordError> {
        permit.with_memory(self.blocks, self.blocks, |memory| {
            hash_with(&self.argon, password, memory)
        })
    }

    /// A place for one sign-in (see [`HashGate::try_admit`]), or `Busy` at once.
    pub fn admit(&self) -> Result<Admission, PasswordError> {
        self.gate.try_admit().ok_or(PasswordError::Busy)
    }

    /// A PHC string for `password` only if a permit is free right now, else `Busy` at once.
    /// For optional work (upgrading a stored hash after a sign-in), which must never wait
    /// in the queue ahead of, or instead of, the sign-ins it serves (R12).
    pub fn try_hash(&self, password: &[u8]) -> Result<String, PasswordError> {
        let mut permit = self.gate.try_acquire().ok_or(PasswordError::Busy)?;
        self.hash_under(&mut permit, password)
    }

    /// Whether `password` matches the stored hash (outputs compared in constant time).
    /// Argon2id/i/d with any parameters, and imported bcrypt, PBKDF2
    /// and scrypt hashes, are honoured up to generous bounds; anything else is
    /// `MalformedHash` or `UnsupportedHash`, found before any hashing.
    pub fn verify(&self, password: &[u8], stored: &str) -> Result<bool, PasswordError> {
        let stored = Stored::parse(stored)?;
        let mut permit = self.gate.acquire(self.max_wait)?;
        Ok(stored.verify(&mut permit, self.blocks, password))
    }

    /// Spends exactly what a real verification with the current parameters spends, for a
    /// user that does not exist (or has no password), then reports nothing.
    pub fn dummy_verify(&self, password: &[u8]) -> Result<(), PasswordError> {
        self.verify(password, &self.dummy).map(|_| ())
    }

    /// Whether a stored hash should be replaced after a successful sign-in: not Argon2id
    /// v1.3 (every imported format), weaker than the current parameters, a salt or output
    /// shorter than R11's 16 and 32 bytes, or unreadable.
    #[must_use]
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return true;
        };
        let salt_len = parsed.salt.as_ref().map_or(0, |s| s.as_ref().len());
        let output_len = parsed.hash.as_ref().map_or(0, |h| h.as_ref().len());
        parsed.algorithm.as_str() != "argon2id"
            || parsed.version != Some(0x13)
            || params.m_cost() < self.params.m_kib
            || params.t_cost() < self.params.t
            || params.p_cost() != self.params.p
            || salt_len < SALT_LEN
            || output_len < OUTPUT_LEN
    }
}

/// A stored hash, parsed and checked against the cost bounds, ready to verify.
enum Stored<'a> {
    Argon2 {
        parsed: PasswordHash,
        argon: Box<Argon2<'static>>,
        blocks: usize,
    },
    Bcrypt(&'a str),
    Pbkdf2(PasswordHash),
    Scrypt(PasswordHash),
}

impl<'a> Stored<'a> {
    fn parse(stored: &'a str) -> Result<Self, PasswordError> {
        // bcrypt's modular-crypt form is not PHC (no `key=value` parameters), so it is
        // recognised by its prefix. `$2x$` marks hashes from a crypt_blowfish bug whose
        // results differ for 8-bit passwords; the bcrypt crate would verify them as `$2b$`
        // and get them wrong, so they are refused.
        if let Some(rest) = ["$2a$", "$2b$", "$2y$"]
            .iter()
            .find_map(|p| stored.strip_prefix(p))
        {
            return bcrypt_checked(stored, rest).map(Stored::Bcrypt);
        }
        let parsed = PasswordHash::new(stored).map_err(|_| PasswordError::MalformedHash)?;
        if parsed.salt.is_none() || parsed.hash.is_none() {
            return Err(PasswordError::MalformedHash);
        }
        match parsed.algorithm.as_str() {
            "argon2id" | "argon2i" | "argon2d" => {
                let params = Params::try_from(&parsed).map_err(|_| PasswordError::MalformedHash)?;
                if params.m_cost() > MAX_VERIFY_M_KIB
                    || params.t_cost() > MAX_VERIFY_T
                    || params.p_cost() > MAX_VERIFY_P
                {
                    return Err(PasswordError::UnsupportedHash);
                }
                let algorithm = Algorithm::new(parsed.algorithm.as_str())
                    .map_err(|_| PasswordError::MalformedHash)?;
                let version = parsed
                    .version
                    .map(Version::try_from)
                    .transpose()
                    .map_err(|_| PasswordError::MalformedHash)?
                    .unwrap_or_default();
                let blocks = params.block_count();
                Ok(Stored::Argon2 {
                    parsed,
                    argon: Box::new(Argon2::new(algorithm, version, params)),
                    blocks,
                })
            }
            "pbkdf2-sha256" | "pbkdf2-sha512" => {
                let params =
                    pbkdf2::Params::try_from(&parsed).map_err(|_| PasswordError::MalformedHash)?;
                if params.rounds() > MAX_PBKDF2_ROUNDS {
                    return Err(PasswordError::UnsupportedHash);
                }
                Ok(Stored::Pbkdf2(parsed))
            }
            "scrypt" => {
                let params =
                    scrypt::Params::try_from(&parsed).map_err(|_| PasswordError::MalformedHash)?;
                let memory = 128u64
                    .saturating_mul(u64::from(params.r()))
                    .saturating_mul(params.n());
                if params.log_n() > MAX_SCRYPT_LOG_N
                    || params.p() > MAX_SCRYPT_P
                    || memory > MAX_SCRYPT_BYTES
                {
                    return Err(PasswordError::UnsupportedHash);
                }
                Ok(Stored::Scrypt(parsed))
            }
            _ => Err(PasswordError::UnsupportedHash),
        }
    }

    fn verify(&self, permit: &mut HashPermit<'_>, keep_blocks: usize, password: &[u8]) -> bool {
        match self {
            Stored::Argon2 {
                parsed,
                argon,
                blocks,
            } => {
                let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
                    return false;
                };
                let expected = expected.as_ref();
                let mut out = [0u8; Output::MAX_LENGTH];
                let Some(out) = out.get_mut(..expected.len()) else {
                    return false;
                };
                let computed = permit.with_memory(*blocks, keep_blocks, |memory| {
                    argon.hash_password_into_with_memory(password, salt.as_ref(), out, memory)
                });
                computed.is_ok() && bool::from(out.ct_eq(expected))
            }
            Stored::Pbkdf2(parsed) => pbkdf2::Pbkdf2::default()
                .verify_password(password, parsed)
                .is_ok(),
            Stored::Scrypt(parsed) => scrypt::Scrypt::new()
                .verify_password(password, parsed)
                .is_ok(),
            Stored::Bcrypt(stored) => {
                // The hash is computed even for a password bcrypt would truncate, so the
                // refusal costs what a verification costs; then it is refused (R13).
                let head = &password[..password.len().min(BCRYPT_MAX_PASSWORD)];
                let matched = bcrypt::verify(head, stored).unwrap_or(false);
                matched && password.len() <= BCRYPT_MAX_PASSWORD
            }
        }
    }
}

/// Checks a bcrypt string's shape and bounds its cost; `rest` follows the version prefix.
fn bcrypt_checked<'a>(stored: &'a str, rest: &str) -> Result<&'a str, PasswordError> {
    let shape_ok = stored.len() == 60
        && stored.is_ascii()
        && rest.as_bytes().get(2) == Some(&b'$')
        && rest.get(3..).is_some_and(|tail| {
            tail.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
        });
    if !shape_ok {
        return Err(PasswordError::MalformedHash);
    }
    let cost: u32 = rest
        .get(..2)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|c| c.parse().ok())
        .ok_or(PasswordError::MalformedHash)?;
    if !(4..=MAX_BCRYPT_COST).contains(&cost) {
        return Err(PasswordError::UnsupportedHash);
    }
    // Salt and digest must decode, so a malformed string is told apart from a wrong
    // password before any hashing.
    bcrypt::HashParts::from_str(stored).map_err(|_| PasswordError::MalformedHash)?;
    Ok(stored)
}

/// A PHC string for `password` under `argon`, computed in `memory` (exactly the blocks
/// its parameters need) with a fresh random salt.
fn hash_with(
    argon: &Argon2<'_>,
    password: &[u8],
    memory: &mut [Block],
) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    let mut out = [0u8; OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(password, &salt, &mut out, memory)
        .map_err(|_| PasswordError::Hashing)?;
    phc_string(argon, &salt, &out)
}

/// A PHC string under `argon`'s parameters whose digest is random bytes instead of the hash
/// of anything. Verifying a password against it costs exactly one full hash, and no password
/// can match it (that would take a preimage of a random 256-bit value), which is all the
/// dummy verification needs; making it costs nothing, so start-up spends no hash on it.
fn unmatchable_phc(argon: &Argon2<'_>) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    let mut digest = [0u8; OUTPUT_LEN];
    fill_random(&mut digest)?;
    phc_string(argon, &salt, &digest)
}

fn phc_string(argon: &Argon2<'_>, salt: &[u8], out: &[u8]) -> Result<String, PasswordError> {
    let params = argon.params();
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|_| PasswordError::Hashing)?,
        salt: Some(Salt::new(salt).map_err(|_| PasswordError::Hashing)?),
        hash: Some(Output::new(out).map_err(|_| PasswordError::Hashing)?),
    };
    Ok(phc.to_string())
}

fn fill_random(buf: &mut [u8]) -> Result<(), PasswordError> {
    aws_lc_rs::rand::fill(buf).map_err(|_| PasswordError::Hashing)
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
        // Formats nobody imports here: MD5-crypt, SHA-512-crypt, a made-up PHC algorithm.
        assert_eq!(
            h.verify(b"x", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"),
            Err(PasswordError::MalformedHash)
        );
        assert_eq!(
            h.verify(b"x", "$6$rounds=5000$saltsalt$aGFzaGhhc2hoYXNo"),
            Err(PasswordError::MalformedHash)
        );
        assert_eq!(
            h.verify(
                b"x",
                "$balloon$m=8$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA"
            ),
            Err(PasswordError::UnsupportedHash)
        );
        // PBKDF2 whose digest length disagrees with its `l`.
        assert_eq!(
            h.verify(b"x", "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"),
            Err(PasswordError::MalformedHash)
        );
        // A planted row asking for 4 GiB is refused before any allocation.
        let huge = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        assert_eq!(h.verify(b"x", huge), Err(PasswordError::UnsupportedHash));
    }

    const PASSWORD: &[u8] = b"correct horse battery staple";

    // Fixed hashes written by other implementations, so the stored string formats are
    // pinned, not only what these crates write today. PBKDF2 and scrypt come from Python's
    // hashlib (salt b"cognate-fixed-sa", password PASSWORD); bcrypt from the bcrypt crate's
    // own tests (Python's and node's bcrypt).
    const PBKDF2_SHA256: &str = "$pbkdf2-sha256$i=1000,l=32$Y29nbmF0ZS1maXhlZC1zYQ$kpfw1xwJXqFni0zzZY1lb/It7ZUttJ6hL/uYyTE0oh0";
    const PBKDF2_SHA512: &str = "$pbkdf2-sha512$i=1000,l=64$Y29nbmF0ZS1maXhlZC1zYQ$U59SIO5uxtVJd6Sbh+UcRis+d1AP+wrvOzwALRWvoRIZPEDWBGTvileuV9Gdfl1rlC90wL53VSo++mUAH5R6bQ";
    const SCRYPT: &str =
        "$scrypt$ln=10,r=8,p=1$Y29nbmF0ZS1maXhlZC1zYQ$eYWwONlX0hMBzWEidWOEv1KfOsQ8E9OvRFVvPK128q0";
    const BCRYPT_2B: &str = "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie";
    const BCRYPT_2A: &str = "$2a$04$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk5bektyVVa5xnIi";
    const BCRYPT_PASSWORD: &[u8] = b"correctbatteryhorsestapler";
    /// Python's bcrypt over `b"x" * 100`, which bcrypt silently cut to 72 bytes.
    const BCRYPT_OF_100_X: &str = "$2a$05$......................YgIDy4hFBdVlc/6LHnD9mX488r9cLd2";

    #[test]
    fn imported_fixed_hashes_verify_and_need_rehash() {
        let h = cheap();
        let y = BCRYPT_2B.replacen("$2b$", "$2y$", 1);
        for (stored, password) in [
            (PBKDF2_SHA256, PASSWORD),
            (PBKDF2_SHA512, PASSWORD),
            (SCRYPT, PASSWORD),
            (BCRYPT_2B, BCRYPT_PASSWORD),
            (BCRYPT_2A, BCRYPT_PASSWORD),
            (y.as_str(), BCRYPT_PASSWORD),
        ] {
            assert_eq!(h.verify(password, stored), Ok(true), "{stored}");
            assert_eq!(h.verify(b"wrong", stored), Ok(false), "{stored}");
            let mut near = password.to_vec();
            near.pop();
            assert_eq!(h.verify(&near, stored), Ok(false), "{stored}");
            assert!(h.needs_rehash(stored), "{stored}");
        }
    }

    #[test]
    fn hashes_made_by_the_crates_verify() {
        use argon2::password_hash::{CustomizedPasswordHasher as _, PasswordHasher as _};
        let h = cheap();
        let salt = [7u8; 16];
        let made = [
            pbkdf2::Pbkdf2::default()
                .hash_password_customized(
                    PASSWORD,
                    &salt,
                    Some("pbkdf2-sha256"),
                    None,
                    pbkdf2::Params::new(1000).unwrap(),
                )
                .unwrap()
                .to_string(),
            pbkdf2::Pbkdf2::default()
                .hash_password_customized(
                    PASSWORD,
                    &salt,
                    Some("pbkdf2-sha512"),
                    None,
                    pbkdf2::Params::new_with_output_len(2000, 64).unwrap(),
                )
                .unwrap()
                .to_string(),
            scrypt::Scrypt::new_with_params(scrypt::Params::new(8, 8, 2).unwrap())
                .hash_password_with_salt(PASSWORD, &salt)
                .unwrap()
                .to_string(),
            bcrypt::hash(PASSWORD, 4).unwrap(),
            bcrypt::hash_with_result(PASSWORD, 5)
                .unwrap()
                .format_for_version(bcrypt::Version::TwoA),
            bcrypt::hash_with_result(PASSWORD, 4)
                .unwrap()
                .format_for_version(bcrypt::Version::TwoY),
        ];
        assert!(
            made[0].starts_with("$pbkdf2-sha256$i=1000,l=32$"),
            "{}",
            made[0]
        );
        assert!(
            made[1].starts_with("$pbkdf2-sha512$i=2000,l=64$"),
            "{}",
            made[1]
        );
        assert!(made[2].starts_with("$scrypt$ln=8,r=8,p=2$"), "{}", made[2]);
        for stored in &made {
            assert_eq!(h.verify(PASSWORD, stored), Ok(true), "{stored}");
            assert_eq!(
                h.verify(b"correct horse battery stapler", stored),
                Ok(false)
            );
            assert!(h.needs_rehash(stored));
        }
    }

    #[test]
    fn bcrypt_refuses_passwords_it_would_truncate() {
        let h = cheap();
        let x = |n: usize| vec![b'x'; n];
        // The hash of 100 x's is, to bcrypt, the hash of the first 72; Cognate accepts
        // exactly those 72 bytes and nothing longer (R13).
        assert_eq!(h.verify(&x(72), BCRYPT_OF_100_X), Ok(true));
        assert_eq!(h.verify(&x(100), BCRYPT_OF_100_X), Ok(false));
        assert_eq!(h.verify(&x(73), BCRYPT_OF_100_X), Ok(false));
        assert_eq!(h.verify(&x(71), BCRYPT_OF_100_X), Ok(false));
        // A 100-character password does not match its 99-character prefix either way.
        let long: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
        let stored = bcrypt::hash(&long, 4).unwrap();
        assert_eq!(h.verify(&long, &stored), Ok(false));
        assert_eq!(h.verify(&long[..99], &stored), Ok(false));
        assert_eq!(h.verify(&long[..72], &stored), Ok(true));
    }

    #[test]
    fn planted_costs_are_refused_before_hashing() {
        // A gate with no permit and no queue: anything reaching the hashing step would
        // answer Busy, so UnsupportedHash proves the refusal came first.
        let h = Hasher::with_gate(
            HashParams::TEST_ONLY_CHEAP,
            Arc::new(HashGate::new(1, 0)),
            Duration::ZERO,
        )
        .unwrap();
        let _held = h.gate().try_acquire().unwrap();
        let salt = "Y29nbmF0ZS1maXhlZC1zYQ";
        let hash32 = "kpfw1xwJXqFni0zzZY1lb/It7ZUttJ6hL/uYyTE0oh0";
        for planted in [
            // bcrypt 2^17 and 2^31 rounds.
            "$2b$17$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie".to_owned(),
            "$2b$31$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie".to_owned(),
            format!("$pbkdf2-sha256$i=10000001,l=32${salt}${hash32}"),
            format!("$pbkdf2-sha512$i=4294967295,l=32${salt}${hash32}"),
            // scrypt: N too large, 1 GiB of memory, too many lanes.
            format!("$scrypt$ln=21,r=1,p=1${salt}${hash32}"),
            format!("$scrypt$ln=20,r=8,p=1${salt}${hash32}"),
            format!("$scrypt$ln=10,r=8,p=17${salt}${hash32}"),
        ] {
            assert_eq!(
                h.verify(b"pw", &planted),
                Err(PasswordError::UnsupportedHash),
                "{planted}"
            );
        }
        // At the bounds they are accepted (and then wait for a permit).
        for at_bound in [
            "$2b$16$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie".to_owned(),
            format!("$pbkdf2-sha256$i=10000000,l=32${salt}${hash32}"),
            format!("$scrypt$ln=18,r=8,p=16${salt}${hash32}"),
        ] {
            assert_eq!(
                h.verify(b"pw", &at_bound),
                Err(PasswordError::Busy),
                "{at_bound}"
            );
        }
        // Imports still go through the gate like Argon2 does.
        assert_eq!(h.verify(PASSWORD, SCRYPT), Err(PasswordError::Busy));
        assert_eq!(
            h.verify(BCRYPT_PASSWORD, BCRYPT_2B),
            Err(PasswordError::Busy)
        );
    }

    #[test]
    fn malformed_imports_are_errors_not_panics() {
        let h = cheap();
        for bad in [
            // Too short, an extra '$', a non-number cost, non-ASCII, the buggy $2x$.
            "$2a$04$tjARW6ZON3PhrAIRW2LG/u9a.",
            "$2a$04$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk$5bektyVVa5xnIi",
            "$2a$ab$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk5bektyVVa5xnIi",
            "$2a$04$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk5bektyVVa5xnIé",
            "$2x$04$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk5bektyVVa5xnIi",
            "$pbkdf2-sha256$i=1000,l=32$Y29nbmF0ZS1maXhlZC1zYQ",
            "$pbkdf2-sha1$i=1000,l=20$Y29nbmF0ZS1maXhlZC1zYQ$kpfw1xwJXqFni0zzZY1lb/It7ZU",
            "$scrypt$ln=10,r=0,p=1$Y29nbmF0ZS1maXhlZC1zYQ$eYWwONlX0hMBzWEidWOEv1KfOsQ8E9OvRFVvPK128q0",
            "$scrypt$ln=10,r=8,p=1,x=3$Y29nbmF0ZS1maXhlZC1zYQ$eYWwONlX0hMBzWEidWOEv1KfOsQ8E9OvRFVvPK128q0",
        ] {
            let answer = h.verify(PASSWORD, bad);
            assert!(
                matches!(
                    answer,
                    Err(PasswordError::MalformedHash | PasswordError::UnsupportedHash)
                ),
                "{bad}: {answer:?}"
            );
            assert!(h.needs_rehash(bad));
        }
        // Cost 03 is below what bcrypt defines.
        assert!(
            h.verify(BCRYPT_PASSWORD, &BCRYPT_2B.replacen("$04$", "$03$", 1))
                .is_err()
        );
    }

    /// A PHC string made by the argon2 crate's own `PasswordHasher` (not this module's
    /// pooled-memory path), so the two check each other.
    fn crate_hash(argon: &Argon2<'_>, password: &[u8]) -> String {
        use argon2::password_hash::PasswordHasher as _;
        argon
            .hash_password_with_salt(password, &[9u8; SALT_LEN])
            .unwrap()
            .to_string()
    }

    #[test]
    fn pooled_memory_hashes_agree_with_the_argon2_crate() {
        let h = cheap();
        // Ours verifies the crate's, for every variant and version...
        for (algorithm, version) in [
            (Algorithm::Argon2id, Version::V0x13),
            (Algorithm::Argon2i, Version::V0x13),
            (Algorithm::Argon2d, Version::V0x10),
        ] {
            let argon = Argon2::new(
                algorithm,
                version,
                Params::new(256, 2, 2, Some(OUTPUT_LEN)).unwrap(),
            );
            let phc = crate_hash(&argon, b"pw");
            assert!(h.verify(b"pw", &phc).unwrap(), "{phc}");
            assert!(!h.verify(b"pW", &phc).unwrap(), "{phc}");
        }
        // ...and the crate verifies ours, salt and parameters read from our string.
        let ours = h.hash(b"pw").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(h.argon.verify_password(b"pw", &parsed).is_ok());
        assert!(h.argon.verify_password(b"pw!", &parsed).is_err());
        // A known answer: this module's computation of the crate's own string.
        let fixed = crate_hash(&h.argon, b"known");
        assert!(h.verify(b"known", &fixed).unwrap());
    }

    #[test]
    fn permits_reuse_at_most_one_buffer_each() {
        let gate = Arc::new(HashGate::new(2, 8));
        let h = Hasher::with_gate(
            HashParams::TEST_ONLY_CHEAP,
            Arc::clone(&gate),
            Duration::from_secs(5),
        )
        .unwrap();
        let phc = h.hash(b"pw").unwrap();
        assert_eq!(gate.pooled_buffers(), 1);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..10 {
                        assert!(h.verify(b"pw", &phc).unwrap());
                    }
                });
            }
        });
        assert!(
            (1..=2).contains(&gate.pooled_buffers()),
            "{}",
            gate.pooled_buffers()
        );
        // A stored hash needing more memory than the current parameters gets its own
        // buffer, not kept afterwards.
        let bigger = crate_hash(
            &Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(1024, 1, 1, None).unwrap(),
            ),
            b"pw",
        );
        assert!(h.verify(b"pw", &bigger).unwrap());
        let pooled: usize = gate
            .memory
            .lock()
            .unwrap()
            .iter()
            .map(Vec::len)
            .max()
            .unwrap();
        assert_eq!(
            pooled,
            HashParams::TEST_ONLY_CHEAP
                .to_argon()
                .unwrap()
                .block_count()
        );
    }

    #[test]
    fn admissions_are_bounded_by_permits_and_queue() {
        let gate = Arc::new(HashGate::new(2, 1));
        let h = Hasher::with_gate(
            HashParams::TEST_ONLY_CHEAP,
            Arc::clone(&gate),
            Duration::ZERO,
        )
        .unwrap();
        let held: Vec<Admission> = (0..6).map(|_| h.admit().unwrap()).collect();
        assert_eq!(h.admit().unwrap_err(), PasswordError::Busy);
        // Admission is about whole sign-ins; hashing itself still has its permits.
        assert!(h.hash(b"pw").is_ok());
        drop(held);
        assert!(h.admit().is_ok());
    }

    #[test]
    fn needs_rehash_follows_r11() {
        use argon2::password_hash::PasswordHasher as _;
        let h = cheap();
        assert!(!h.needs_rehash(&h.hash(b"pw").unwrap()));
        // Argon2i, Argon2d and v=16 are upgraded, as are short salts and outputs.
        for algorithm in [Algorithm::Argon2i, Algorithm::Argon2d] {
            let other = Argon2::new(
                algorithm,
                Version::V0x13,
                HashParams::TEST_ONLY_CHEAP.to_argon().unwrap(),
            );
            let phc = crate_hash(&other, b"pw");
            assert!(h.verify(b"pw", &phc).unwrap());
            assert!(h.needs_rehash(&phc), "{phc}");
        }
        let v10 = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x10,
            HashParams::TEST_ONLY_CHEAP.to_argon().unwrap(),
        );
        assert!(h.needs_rehash(&crate_hash(&v10, b"pw")));
        let short_output = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, Some(16)).unwrap(),
        );
        let phc = crate_hash(&short_output, b"pw");
        assert!(h.verify(b"pw", &phc).unwrap());
        assert!(h.needs_rehash(&phc), "16-byte output");
        let short_salt = short_output
            .hash_password_with_salt(b"pw", &[1u8; 8])
            .unwrap()
            .to_string();
        assert!(h.needs_rehash(&short_salt), "8-byte salt");
        // More memory or iterations than asked for is not a reason to rehash; more
        // lanes is (p is part of R11's target).
        let stronger = Hasher::with_gate(
            HashParams {
                m_kib: 128,
                t: 2,
                p: 1,
            },
            Arc::new(HashGate::new(1, 0)),
            Duration::ZERO,
        )
        .unwrap();
        assert!(!h.needs_rehash(&stronger.hash(b"pw").unwrap()));
        let lanes = Hasher::with_gate(
            HashParams {
                m_kib: 64,
                t: 1,
                p: 2,
            },
            Arc::new(HashGate::new(1, 0)),
            Duration::ZERO,
        )
        .unwrap();
        assert!(h.needs_rehash(&lanes.hash(b"pw").unwrap()));
    }

    /// R11's timing target, as a measurement: one production verification takes between
    /// 20 ms and 250 ms (median of 15) on this machine. Ignored by default (the project
    /// measures performance in benchmarks, not timed assertions); run it in release with
    /// `cargo nextest run --release -p cognate-crypto --run-ignored only perf_`.
    #[test]
    #[ignore = "measurement: timing depends on the machine and its load"]
    #[allow(clippy::disallowed_methods)] // measures wall-clock time
    fn perf_r11_production_verification_median_is_between_20_and_250_ms() {
        let h = Hasher::production().unwrap();
        let phc = h.hash(b"correct horse battery staple").unwrap();
        let mut times: Vec<Duration> = (0..15)
            .map(|_| {
                let start = std::time::Instant::now();
                assert!(h.verify(b"correct horse battery staple", &phc).unwrap());
                start.elapsed()
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        println!("R11: median production verification {median:?} (all: {times:?})");
        assert!(
            Duration::from_millis(20) <= median && median <= Duration::from_millis(250),
            "median {median:?}"
        );
    }

    #[test]
    fn dummy_verify_runs_a_full_verification() {
        let h = cheap();
        assert!(h.dummy_verify(b"anything").is_ok());
        // The dummy uses the hasher's own parameters, so its cost is a real verify's.
        assert!(h.dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!h.verify(b"anything", &h.dummy).unwrap());
        // Each hasher's dummy is its own: digests and salts are random, not derived.
        assert_ne!(cheap().dummy, h.dummy);
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
        assert!(h.try_hash(b"pw").unwrap().starts_with("$argon2id$"));
        let _held = gate.try_acquire().unwrap();
        assert_eq!(h.hash(b"pw"), Err(PasswordError::Busy));
        assert_eq!(h.try_hash(b"pw"), Err(PasswordError::Busy));
        assert_eq!(h.dummy_verify(b"pw"), Err(PasswordError::Busy));
    }

    #[test]
    fn global_gate_has_one_permit_per_core() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(HashGate::global().permits(), cores);
        assert!(Arc::ptr_eq(&HashGate::global(), &HashGate::global()));
    }
}
