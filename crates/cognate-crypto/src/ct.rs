//! Constant-time comparison of secrets (client secrets, codes, MACs).

use subtle::ConstantTimeEq;

/// Compares two byte strings without an early exit on the first differing byte, so the time
/// taken does not reveal how much of a guessed secret is right. Unequal lengths return false
/// at once: lengths of the secrets compared here are public (fixed formats).
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_and_unequal() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret1"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
