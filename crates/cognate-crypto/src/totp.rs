//! Time-based one-time passwords (RFC 6238) as Cognito's software-token MFA uses them:
//! HMAC-SHA1, six digits, 30-second steps, secrets shown to users in base32 (RFC 4648,
//! no padding), which every authenticator app reads.
//!
//! SHA-1 is what authenticator apps implement for these codes; its collision weakness does
//! not matter to an HMAC. The secret is 20 random bytes (160 bits, RFC 4226's recommended
//! length), 32 base32 characters, within `SecretCodeType` (`[A-Za-z0-9]+`, at least 16).

use aws_lc_rs::hmac;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::ct::constant_time_eq;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret.
pub const SECRET_LEN: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh random secret.
pub fn new_secret() -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
    aws_lc_rs::rand::fill(bytes.as_mut_slice()).map_err(|_| CryptoError::Random)?;
    Ok(bytes)
}

/// RFC 4648 base32 without padding, upper case.
#[must_use]
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (either case, `=` padding and spaces ignored); `None` for other
/// characters.
#[must_use]
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let value = BASE32.iter().position(|b| *b == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
        buffer &= (1 << bits) - 1;
    }
    Some(out)
}

/// The step containing `unix_seconds`.
#[must_use]
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code of `step` for `secret`, with `digits` digits (RFC 4226 dynamic truncation).
#[must_use]
pub fn code_at_step(secret: &[u8], step: i64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let counter = u64::try_from(step).unwrap_or(0).to_be_bytes();
    let tag = hmac::sign(&key, &counter);
    let mac = tag.as_ref();
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let word = mac
        .get(offset..offset + 4)
        .map(|w| u32::from_be_bytes([w[0] & 0x7f, w[1], w[2], w[3]]))
        .unwrap_or(0);
    let modulus = 10u32.pow(digits.clamp(1, 9));
    format!("{:0width$}", word % modulus, width = digits as usize)
}

/// The step (within ±1 of now) whose six-digit code is `code`, compared in constant time;
/// `None` when no step matches. The caller records the step as used so that a code is
/// accepted at most once.
#[must_use]
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<i64> {
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    let mut found = None;
    // Every candidate is computed and compared, so timing does not tell which step matched.
    for step in [now - 1, now, now + 1] {
        let candidate = code_at_step(secret, step, DIGITS);
        if constant_time_eq(candidate.as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (eight digits, secret "12345678901234567890").
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at_step(secret, step_of(time), 8), code, "T = {time}");
        }
        // Six digits are the last six of the eight.
        assert_eq!(code_at_step(secret, step_of(59), 6), "287082");
    }

    #[test]
    fn base32_round_trips_and_matches_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw6ytboi").unwrap(), b"foobar");
        assert!(base32_decode("MZ1").is_none());
        let secret = new_secret().unwrap();
        let text = base32_encode(&secret);
        assert_eq!(text.len(), 32);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(base32_decode(&text).unwrap(), secret.as_slice());
    }

    #[test]
    fn one_step_either_side_is_accepted_and_no_further() {
        let secret = b"12345678901234567890";
        let t = 1_234_567_890;
        let now = step_of(t);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at_step(secret, now + offset, DIGITS);
            assert_eq!(
                matching_step(secret, &code, t),
                accepted.then_some(now + offset),
                "offset {offset}"
            );
        }
        assert_eq!(matching_step(secret, "12345", t), None);
        assert_eq!(matching_step(secret, "12345a", t), None);
        assert_eq!(matching_step(secret, "1234567", t), None);
    }
}
