//! The offline blocklist of common passwords (security requirement R14).
//!
//! Cognito itself has no such list; Cognate refuses the most common passwords when a
//! password is set, because a lockout only slows an attacker down and the first guesses of
//! every attacker are these. The server can switch the check off for scripts that rely on
//! Cognito accepting any password that meets the pool's policy.
//!
//! The bundled file holds fingerprints, not passwords: the first eight bytes of SHA-256 of
//! each normalized entry, sorted, so a lookup is a binary search over `include_bytes!`
//! data with nothing to parse or allocate at start-up. With about 10^5 entries the chance
//! that an unrelated password collides with one is about 10^-14.
//!
//! `cargo xtask blocklist <list>` regenerates the file from a list ordered by frequency,
//! keeping entries of at least [`MIN_ENTRY_CHARS`] characters until [`TARGET_POLICY_SIZED`]
//! of them could pass the shortest policy Cognito allows (6 characters). Shorter entries
//! stay in the file because they still match as the stem of a longer password.
//!
//! Matching, applied to a password that already passed the pool's policy:
//! - the whole password, lower-cased;
//! - its stem: the password lower-cased without a trailing run of at most
//!   [`MAX_SUFFIX_CHARS`] digits, symbols and spaces, when that stem keeps at least
//!   [`MIN_ENTRY_CHARS`] characters. This is how `Password1!` is caught: users meet
//!   composition rules by appending a digit and a symbol to a common word;
//! - context words (the pool's name, the user's own name) compared the same way.

use sha2::{Digest, Sha256};

use crate::password_policy::SYMBOLS;

/// Bytes per fingerprint in the bundled file.
pub const FINGERPRINT_LEN: usize = 8;
/// Entries shorter than this are neither stored nor matched as a stem.
pub const MIN_ENTRY_CHARS: usize = 4;
/// How many bundled entries have at least six characters (the shortest password any pool
/// policy accepts): the "100,000 most common passwords" of R14.
pub const TARGET_POLICY_SIZED: usize = 100_000;
/// Longest trailing run of digits and symbols removed to find a password's stem.
pub const MAX_SUFFIX_CHARS: usize = 4;

static BUNDLED: &[u8] = include_bytes!("../data/common-passwords.bin");

/// The form entries and candidates are compared in: Unicode lower case.
#[must_use]
pub fn normalize(password: &str) -> String {
    password.to_lowercase()
}

/// The stored fingerprint of a normalized entry.
#[must_use]
pub fn fingerprint(normalized: &str) -> [u8; FINGERPRINT_LEN] {
    let digest = Sha256::digest(normalized.as_bytes());
    let mut out = [0u8; FINGERPRINT_LEN];
    out.copy_from_slice(&digest[..FINGERPRINT_LEN]);
    out
}

/// A sorted list of fingerprints.
#[derive(Clone, Copy, Debug)]
pub struct Blocklist {
    fingerprints: &'static [u8],
}

impl Blocklist {
    /// The list compiled into the binary.
    #[must_use]
    pub fn bundled() -> Self {
        Self {
            fingerprints: BUNDLED,
        }
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.fingerprints.len() / FINGERPRINT_LEN
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entry(&self, index: usize) -> &'static [u8] {
        let start = index * FINGERPRINT_LEN;
        &self.fingerprints[start..start + FINGERPRINT_LEN]
    }

    /// Whether the file is well formed: whole entries, strictly ascending (sorted and
    /// without duplicates), which the binary search relies on.
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        self.fingerprints.len().is_multiple_of(FINGERPRINT_LEN)
            && (1..self.len()).all(|i| self.entry(i - 1) < self.entry(i))
    }

    /// Whether a normalized string is on the list.
    #[must_use]
    pub fn contains_normalized(&self, normalized: &str) -> bool {
        let wanted = fingerprint(normalized);
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match self.entry(mid).cmp(&wanted[..]) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// Whether `password` is too common to accept: on the list, a listed word with a short
    /// suffix, or one of the `context` words (pool name, username) with or without one.
    #[must_use]
    pub fn is_common(&self, password: &str, context: &[&str]) -> bool {
        let candidates = candidates(password);
        candidates.iter().any(|c| self.contains_normalized(c))
            || context
                .iter()
                .map(|word| normalize(word))
                .filter(|word| word.chars().count() >= MIN_ENTRY_CHARS)
                .any(|word| candidates.contains(&word))
    }
}

/// The normalized password and, if it has a short suffix of digits and symbols, its stem.
fn candidates(password: &str) -> Vec<String> {
    let whole = normalize(password);
    let stem = whole.trim_end_matches(is_suffix_char);
    let suffix_chars = whole.chars().count() - stem.chars().count();
    let mut out = Vec::with_capacity(2);
    if suffix_chars > 0
        && suffix_chars <= MAX_SUFFIX_CHARS
        && stem.chars().count() >= MIN_ENTRY_CHARS
    {
        out.push(stem.to_owned());
    }
    out.push(whole);
    out
}

fn is_suffix_char(c: char) -> bool {
    c.is_ascii_digit() || c == ' ' || SYMBOLS.contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_is_sorted_and_large_enough() {
        let list = Blocklist::bundled();
        assert!(list.is_well_formed());
        assert!(list.len() >= TARGET_POLICY_SIZED, "{} entries", list.len());
    }

    #[test]
    fn requirement_examples_are_refused() {
        let list = Blocklist::bundled();
        for password in [
            "password123",
            "Password1!",
            "qwertyuiop",
            "P@ssw0rd",
            "Password123!",
        ] {
            assert!(list.is_common(password, &[]), "{password} accepted");
        }
        assert!(list.is_common("Acme-Rockets", &["acme-rockets"]));
        assert!(list.is_common("acme-rockets2024", &["Acme-Rockets"]));
        assert!(list.is_common("Jane.Doe1!", &["jane.doe"]));
    }

    #[test]
    fn uncommon_passwords_pass() {
        let list = Blocklist::bundled();
        for password in [
            "Correct-Horse-9",
            "Battery-Staple-7",
            "Reset-Password-1",
            "v9#Lq2!zT4",
            "ein langer Satz als Passwort",
            "κωδικός-πρόσβασης-42",
        ] {
            assert!(
                !list.is_common(password, &["my-pool", "jane"]),
                "{password} refused"
            );
        }
    }

    #[test]
    fn stems_need_a_short_suffix_and_a_long_enough_word() {
        // Five trailing digits are more than a decoration: only the whole string counts.
        assert_eq!(candidates("monkey12345"), vec!["monkey12345".to_owned()]);
        assert_eq!(
            candidates("Monkey12!"),
            vec!["monkey".to_owned(), "monkey12!".to_owned()]
        );
        // A stem under four characters is not a word worth matching.
        assert_eq!(candidates("abc1"), vec!["abc1".to_owned()]);
        assert_eq!(candidates("dragon"), vec!["dragon".to_owned()]);
    }

    #[test]
    fn short_context_words_are_ignored() {
        let list = Blocklist::bundled();
        assert!(!list.is_common("Zq7!xwvu", &["zq7"]));
    }

    #[test]
    fn lookup_agrees_with_a_linear_scan() {
        let list = Blocklist::bundled();
        for probe in [
            "dragon",
            "not-a-listed-password-xyz",
            "iloveyou",
            "Zq7!xwvu",
        ] {
            let wanted = fingerprint(&normalize(probe));
            let linear = (0..list.len()).any(|i| list.entry(i) == wanted);
            assert_eq!(
                list.contains_normalized(&normalize(probe)),
                linear,
                "{probe}"
            );
        }
    }
}
