//! One-time codes: generation, lifetimes and the keyed hash that is stored instead of the
//! code.
//!
//! Cognito's codes are numeric: six digits for sign-up confirmation, attribute
//! verification, password reset and MFA messages (the `{####}` placeholder), eight for the
//! passwordless EMAIL_OTP/SMS_OTP first factor. Lifetimes: 24 hours for confirmation and
//! attribute verification, 1 hour for password reset. Cognate allows five wrong tries per
//! issued code (R7).

use cognate_crypto::keyed_hash::{DerivedKey, keyed_hash_fields};
use rand::Rng;

/// Digits of confirmation, verification, reset and MFA codes.
pub const CODE_DIGITS: u32 = 6;
/// Digits of passwordless one-time passwords.
pub const OTP_DIGITS: u32 = 8;
/// Wrong submissions allowed against one issued code before it is dead (R7).
pub const MAX_CODE_ATTEMPTS: i32 = 5;

/// What a code is for. The store keeps at most one live code per (pool, user, purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodePurpose {
    /// ConfirmSignUp (sent by SignUp and ResendConfirmationCode).
    SignUp,
    /// VerifyUserAttribute for `email`.
    VerifyEmail,
    /// VerifyUserAttribute for `phone_number`.
    VerifyPhoneNumber,
    /// ConfirmForgotPassword.
    ForgotPassword,
    /// An SMS_MFA or EMAIL_OTP sign-in challenge.
    SignInMfa,
}

impl CodePurpose {
    /// The name stored in `CodeRecord::purpose`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::VerifyEmail => "verify_email",
            Self::VerifyPhoneNumber => "verify_phone_number",
            Self::ForgotPassword => "forgot_password",
            Self::SignInMfa => "sign_in_mfa",
        }
    }

    /// How long a code for this purpose is valid.
    #[must_use]
    pub fn lifetime_ms(self) -> i64 {
        match self {
            Self::SignUp | Self::VerifyEmail | Self::VerifyPhoneNumber => 24 * 3_600_000,
            Self::ForgotPassword => 3_600_000,
            // The longest AuthSessionValidity; the challenge session bounds it further.
            Self::SignInMfa => 15 * 60_000,
        }
    }

    /// The purpose for verifying attribute `name`, if it is one that can be verified.
    #[must_use]
    pub fn for_attribute(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Self::VerifyEmail),
            "phone_number" => Some(Self::VerifyPhoneNumber),
            _ => None,
        }
    }
}

/// A random numeric code of `digits` digits (leading zeros kept), drawn uniformly from a
/// CSPRNG (`rand::rng()`: ChaCha seeded and reseeded from the operating system).
#[must_use]
pub fn generate_code(digits: u32) -> String {
    let digits = digits.clamp(1, 18);
    let bound = 10_u64.pow(digits);
    let n = rand::rng().random_range(0..bound);
    format!("{n:0width$}", width = digits as usize)
}

/// A six-digit code.
#[must_use]
pub fn generate_six_digit_code() -> String {
    generate_code(CODE_DIGITS)
}

/// An eight-digit one-time password.
#[must_use]
pub fn generate_otp() -> String {
    generate_code(OTP_DIGITS)
}

/// The value stored for `code`: an HMAC under the codes key, bound to the pool, user and
/// purpose, so that the stored hash reveals nothing and cannot be replayed for another
/// user or purpose (ASVS 6.6.2). Candidates are hashed the same way and compared by the
/// store.
#[must_use]
pub fn code_hash(
    key: &DerivedKey,
    pool_id: &str,
    sub: &str,
    purpose: CodePurpose,
    code: &str,
) -> [u8; 32] {
    keyed_hash_fields(
        key,
        &[
            pool_id.as_bytes(),
            sub.as_bytes(),
            purpose.as_str().as_bytes(),
            code.as_bytes(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_have_the_right_shape() {
        for _ in 0..1000 {
            let c = generate_six_digit_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
            let o = generate_otp();
            assert_eq!(o.len(), 8);
            assert!(o.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn codes_are_spread_over_the_whole_range() {
        // Leading zeros occur (a code is not a number printed without padding) and values
        // rarely repeat.
        let codes: Vec<String> = (0..5000).map(|_| generate_six_digit_code()).collect();
        assert!(codes.iter().any(|c| c.starts_with('0')));
        let distinct: HashSet<&String> = codes.iter().collect();
        assert!(distinct.len() > 4900);
        let first_digits: HashSet<u8> = codes.iter().map(|c| c.as_bytes()[0]).collect();
        assert_eq!(first_digits.len(), 10);
    }

    #[test]
    fn lifetimes() {
        assert_eq!(CodePurpose::SignUp.lifetime_ms(), 86_400_000);
        assert_eq!(CodePurpose::VerifyEmail.lifetime_ms(), 86_400_000);
        assert_eq!(CodePurpose::ForgotPassword.lifetime_ms(), 3_600_000);
        assert_eq!(
            CodePurpose::for_attribute("email"),
            Some(CodePurpose::VerifyEmail)
        );
        assert_eq!(CodePurpose::for_attribute("name"), None);
    }

    #[test]
    fn code_hash_is_bound_to_its_context() {
        let key = DerivedKey::from_bytes([3; 32]);
        let h = code_hash(&key, "p", "u", CodePurpose::SignUp, "123456");
        assert_eq!(h, code_hash(&key, "p", "u", CodePurpose::SignUp, "123456"));
        assert_ne!(h, code_hash(&key, "p", "u", CodePurpose::SignUp, "123457"));
        assert_ne!(h, code_hash(&key, "p", "v", CodePurpose::SignUp, "123456"));
        assert_ne!(h, code_hash(&key, "q", "u", CodePurpose::SignUp, "123456"));
        assert_ne!(
            h,
            code_hash(&key, "p", "u", CodePurpose::ForgotPassword, "123456")
        );
        let other_key = DerivedKey::from_bytes([4; 32]);
        assert_ne!(
            h,
            code_hash(&other_key, "p", "u", CodePurpose::SignUp, "123456")
        );
    }
}
