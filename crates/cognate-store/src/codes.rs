//! One-time codes: sign-up confirmation, attribute verification, forgot password.

use async_trait::async_trait;

use crate::StoreError;

/// A code waiting to be entered. Only its keyed hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// Owning pool.
    pub pool_id: String,
    /// The user the code was sent to.
    pub sub: String,
    /// What the code is for; one live code per (user, purpose).
    pub purpose: String,
    /// HMAC-SHA256 of the code under a KEK-derived key; never the code.
    pub code_hash: Vec<u8>,
    /// Issue time, epoch milliseconds.
    pub created_ms: i64,
    /// The code is refused from this instant on, epoch milliseconds.
    pub expires_ms: i64,
    /// Wrong guesses still allowed.
    pub attempts_left: i32,
}

/// What `check_code` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code matched and is now used up.
    Accepted,
    /// Wrong code; one attempt was spent.
    Mismatch {
        /// Attempts remaining after this one.
        attempts_left: i32,
    },
    /// The code's lifetime is over (nothing was spent).
    Expired,
    /// No code of that purpose is waiting (never sent, or already used).
    NoCode,
    /// Every attempt has been spent; even the right code is refused.
    TooManyAttempts,
}

/// One-time codes.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores the code, replacing any earlier code of the same (pool, sub,
    /// purpose). `NotFound` if the user is gone.
    async fn put_code(&self, code: &CodeRecord) -> Result<(), StoreError>;

    /// Checks `candidate_hash` atomically. Order: no code → `NoCode`;
    /// expired → `Expired`; no attempts left → `TooManyAttempts`; match →
    /// `Accepted` and the code is deleted (so at most one of several
    /// concurrent callers is accepted); otherwise one attempt is spent.
    async fn check_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        candidate_hash: &[u8],
        now_ms: i64,
    ) -> Result<CodeCheck, StoreError>;

    /// Withdraws a code (e.g. AdminConfirmSignUp makes the pending one
    /// useless). `NotFound` if none is waiting.
    async fn delete_code(&self, pool_id: &str, sub: &str, purpose: &str) -> Result<(), StoreError>;
}

/// Compares two hashes without an early exit, so the time taken does not
/// tell how many leading bytes of a guess were right.
pub fn hashes_match(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_compare_by_content_and_length() {
        assert!(hashes_match(b"abc", b"abc"));
        assert!(!hashes_match(b"abc", b"abd"));
        assert!(!hashes_match(b"abc", b"ab"));
        assert!(hashes_match(b"", b""));
    }
}
