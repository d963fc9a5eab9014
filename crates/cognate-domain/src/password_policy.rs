//! A pool's password policy (`Policies.PasswordPolicy` in the pool settings document), the
//! check Cognito applies when a password is set, and temporary passwords that satisfy it.
//!
//! Cognito's rules, as established for this module:
//! - Checks run in the order of the policy's members in the API model: length, uppercase,
//!   lowercase, numbers, symbols; only the first failure is reported. (Length first and
//!   uppercase before numbers are observed on the real service; the place of lowercase
//!   follows the model order and is not confirmed.)
//! - "Uppercase" and "lowercase" mean Basic Latin letters; "numbers" are ASCII digits;
//!   symbols are `^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + -` and a
//!   space that is neither leading nor trailing.
//! - Length counts characters (code points), so a 256-character Unicode password is 256.
//!   Any character is allowed; the composition rules only look for the classes above.
//! - The message prefix differs by who sets the password: admin operations
//!   (AdminCreateUser's TemporaryPassword, AdminSetUserPassword) say
//!   `Password did not conform with password policy: …`, user operations (SignUp,
//!   ChangePassword, ConfirmForgotPassword, NEW_PASSWORD_REQUIRED) say
//!   `Password does not conform to policy: …` (older clients quote
//!   `Password did not conform with policy: …` for the same case).

use std::fmt;

use rand::Rng;
use rand::seq::SliceRandom;
use serde_json::Value;

/// Cognito's symbol set (the space is handled separately: it counts only inside).
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

/// Default temporary-password validity (days), also what `0` means.
pub const DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS: u32 = 7;
/// Minimum length of a new pool without a policy, and of a policy without `MinimumLength`.
pub const DEFAULT_MINIMUM_LENGTH: u32 = 8;
/// Longest password Cognito accepts (`PasswordType` max length).
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// `Policies.PasswordPolicy` of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    /// Number of previous passwords a new one may not repeat (0–24).
    pub password_history_size: u32,
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    /// Cognito's policy for a pool created without one: 8 characters and all four classes.
    fn default() -> Self {
        Self {
            minimum_length: DEFAULT_MINIMUM_LENGTH,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            password_history_size: 0,
            temporary_password_validity_days: DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS,
        }
    }
}

/// Which requirement a password missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordPolicyViolation {
    TooShort,
    NoUppercase,
    NoLowercase,
    NoNumber,
    NoSymbol,
    /// On the common-password blocklist (Cognate's addition, R14; see
    /// `password_blocklist`). Reported after the pool's own rules.
    TooCommon,
}

/// Who is setting the password: the message prefix differs (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSetter {
    /// SignUp, ChangePassword, ConfirmForgotPassword, NEW_PASSWORD_REQUIRED.
    User,
    /// AdminCreateUser (TemporaryPassword), AdminSetUserPassword.
    Admin,
}

impl PasswordPolicyViolation {
    /// The part after the prefix, e.g. `Password not long enough`.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Self::TooShort => "Password not long enough",
            Self::NoUppercase => "Password must have uppercase characters",
            Self::NoLowercase => "Password must have lowercase characters",
            Self::NoNumber => "Password must have numeric characters",
            Self::NoSymbol => "Password must have symbol characters",
            Self::TooCommon => "Password is too common",
        }
    }

    /// The `InvalidPasswordException` message for this violation.
    #[must_use]
    pub fn message(self, setter: PasswordSetter) -> String {
        let prefix = match setter {
            PasswordSetter::User => "Password does not conform to policy",
            PasswordSetter::Admin => "Password did not conform with password policy",
        };
        format!("{prefix}: {}", self.reason())
    }
}

impl fmt::Display for PasswordPolicyViolation {
    /// The message user operations send (`Password does not conform to policy: …`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(PasswordSetter::User))
    }
}

impl std::error::Error for PasswordPolicyViolation {}

/// Whether `c` at position `index` of a password of `len` characters is a Cognito symbol.
fn is_symbol(c: char, index: usize, len: usize) -> bool {
    if c == ' ' {
        index != 0 && index + 1 != len
    } else {
        SYMBOLS.contains(c)
    }
}

impl PasswordPolicy {
    /// The policy in a pool settings document (`Policies.PasswordPolicy`), with Cognito's
    /// defaults for what is missing: the full default policy when there is none at all,
    /// `MinimumLength` 8 and flags off inside a given policy, 7 days for a missing or zero
    /// validity.
    #[must_use]
    pub fn from_settings(settings: &Value) -> Self {
        let Some(policy) = settings
            .get("Policies")
            .and_then(|p| p.get("PasswordPolicy"))
            .and_then(Value::as_object)
            .filter(|p| !p.is_empty())
        else {
            return Self::default();
        };
        let uint = |key: &str| {
            policy
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
        };
        let flag = |key: &str| policy.get(key).and_then(Value::as_bool).unwrap_or(false);
        Self {
            minimum_length: uint("MinimumLength").unwrap_or(DEFAULT_MINIMUM_LENGTH),
            require_uppercase: flag("RequireUppercase"),
            require_lowercase: flag("RequireLowercase"),
            require_numbers: flag("RequireNumbers"),
            require_symbols: flag("RequireSymbols"),
            password_history_size: uint("PasswordHistorySize").unwrap_or(0),
            temporary_password_validity_days: uint("TemporaryPasswordValidityDays")
                .filter(|d| *d > 0)
                .unwrap_or(DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS),
        }
    }

    /// How long a temporary password stays valid, in milliseconds.
    #[must_use]
    pub fn temporary_password_validity_ms(&self) -> i64 {
        i64::from(self.temporary_password_validity_days) * 86_400_000
    }

    /// Checks `password` against the policy, reporting the first requirement it misses.
    pub fn check(&self, password: &str) -> Result<(), PasswordPolicyViolation> {
        let chars: Vec<char> = password.chars().collect();
        let len = chars.len();
        if len < self.minimum_length as usize {
            return Err(PasswordPolicyViolation::TooShort);
        }
        let has =
            |pred: &dyn Fn(usize, char) -> bool| chars.iter().enumerate().any(|(i, c)| pred(i, *c));
        if self.require_uppercase && !has(&|_, c| c.is_ascii_uppercase()) {
            return Err(PasswordPolicyViolation::NoUppercase);
        }
        if self.require_lowercase && !has(&|_, c| c.is_ascii_lowercase()) {
            return Err(PasswordPolicyViolation::NoLowercase);
        }
        if self.require_numbers && !has(&|_, c| c.is_ascii_digit()) {
            return Err(PasswordPolicyViolation::NoNumber);
        }
        if self.require_symbols && !has(&|i, c| is_symbol(c, i, len)) {
            return Err(PasswordPolicyViolation::NoSymbol);
        }
        Ok(())
    }

    /// A temporary password from the operating system's CSPRNG (via `rand::rng()`, a
    /// ChaCha generator seeded and reseeded from the OS) that satisfies this policy:
    /// at least 12 characters (or the minimum length, if longer), one of each class the
    /// policy requires, the rest drawn from all classes, then shuffled.
    ///
    /// The symbols drawn exclude quotes, backslash, backtick and space, which tend to be
    /// mangled when the password travels through an email or SMS template.
    #[must_use]
    pub fn generate_temporary_password(&self) -> String {
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
        const DIGITS: &[u8] = b"0123456789";
        const SAFE_SYMBOLS: &[u8] = b"^$*.[]{}()?!@#%&/,><:;|_~=+-";
        let mut rng = rand::rng();
        let len = (self.minimum_length as usize).clamp(12, MAX_PASSWORD_LENGTH);
        let mut pick = |set: &[u8]| char::from(set[rng.random_range(0..set.len())]);
        let mut out: Vec<char> = Vec::with_capacity(len);
        // Always one of each class: cheap, and the password then passes any policy.
        for set in [UPPER, LOWER, DIGITS, SAFE_SYMBOLS] {
            out.push(pick(set));
        }
        let all: Vec<u8> = [UPPER, LOWER, DIGITS, SAFE_SYMBOLS].concat();
        while out.len() < len {
            out.push(pick(&all));
        }
        out.shuffle(&mut rand::rng());
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordPolicyViolation::*;
    use serde_json::json;

    fn all_rules(min: u32) -> PasswordPolicy {
        PasswordPolicy {
            minimum_length: min,
            ..PasswordPolicy::default()
        }
    }

    fn none(min: u32) -> PasswordPolicy {
        PasswordPolicy {
            minimum_length: min,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
            ..PasswordPolicy::default()
        }
    }

    #[test]
    fn messages_are_cognitos() {
        assert_eq!(
            TooShort.to_string(),
            "Password does not conform to policy: Password not long enough"
        );
        assert_eq!(
            NoNumber.message(PasswordSetter::Admin),
            "Password did not conform with password policy: Password must have numeric characters"
        );
        assert_eq!(
            NoUppercase.reason(),
            "Password must have uppercase characters"
        );
        assert_eq!(
            NoLowercase.reason(),
            "Password must have lowercase characters"
        );
        assert_eq!(NoSymbol.reason(), "Password must have symbol characters");
    }

    #[test]
    fn order_is_length_upper_lower_number_symbol() {
        let p = all_rules(8);
        assert_eq!(p.check("aB1!"), Err(TooShort));
        // Observed: lowercase + symbol, no uppercase and no digit → uppercase reported.
        assert_eq!(p.check("asdfasilguhasulf!"), Err(NoUppercase));
        assert_eq!(p.check("12345678"), Err(NoUppercase));
        assert_eq!(p.check("ABCDEFGH"), Err(NoLowercase));
        assert_eq!(p.check("Asdfasilguhasulf!"), Err(NoNumber));
        assert_eq!(p.check("Abcdefg1"), Err(NoSymbol));
        assert_eq!(p.check("Abcdefg1!"), Ok(()));
    }

    #[test]
    fn each_flag_is_enforced_only_when_set() {
        assert_eq!(none(6).check("aaaaaa"), Ok(()));
        assert_eq!(none(6).check("aaaaa"), Err(TooShort));
        let only = |f: fn(&mut PasswordPolicy)| {
            let mut p = none(6);
            f(&mut p);
            p
        };
        assert_eq!(
            only(|p| p.require_uppercase = true).check("aaaaaa"),
            Err(NoUppercase)
        );
        assert_eq!(
            only(|p| p.require_lowercase = true).check("AAAAAA"),
            Err(NoLowercase)
        );
        assert_eq!(
            only(|p| p.require_numbers = true).check("aaaaaa"),
            Err(NoNumber)
        );
        assert_eq!(
            only(|p| p.require_symbols = true).check("aaaaaa"),
            Err(NoSymbol)
        );
    }

    #[test]
    fn classes_are_basic_latin() {
        let mut p = none(1);
        p.require_uppercase = true;
        assert_eq!(p.check("ÉÉÉ"), Err(NoUppercase));
        p.require_uppercase = false;
        p.require_numbers = true;
        assert_eq!(
            p.check("٣٣٣"),
            Err(NoNumber),
            "Arabic-Indic digits are not numbers"
        );
    }

    #[test]
    fn every_listed_symbol_counts() {
        let mut p = none(1);
        p.require_symbols = true;
        for c in SYMBOLS.chars() {
            assert_eq!(p.check(&format!("a{c}b")), Ok(()), "{c}");
        }
        for c in ['€', '§', '£', '\t'] {
            assert_eq!(p.check(&format!("a{c}b")), Err(NoSymbol), "{c}");
        }
    }

    #[test]
    fn inner_space_is_a_symbol_but_not_leading_or_trailing() {
        let mut p = none(1);
        p.require_symbols = true;
        assert_eq!(p.check("ab cd"), Ok(()));
        assert_eq!(p.check(" abcd"), Err(NoSymbol));
        assert_eq!(p.check("abcd "), Err(NoSymbol));
        assert_eq!(p.check(" "), Err(NoSymbol));
    }

    #[test]
    fn length_counts_code_points() {
        let p = none(8);
        assert_eq!(p.check("ééééééé"), Err(TooShort), "7 chars, 14 bytes");
        assert_eq!(p.check("éééééééé"), Ok(()));
        let long: String = "é".repeat(256);
        assert_eq!(p.check(&long), Ok(()));
    }

    #[test]
    fn from_settings_applies_cognito_defaults() {
        assert_eq!(
            PasswordPolicy::from_settings(&json!({})),
            PasswordPolicy::default()
        );
        assert_eq!(
            PasswordPolicy::from_settings(&json!({"Policies": {"PasswordPolicy": {}}})),
            PasswordPolicy::default()
        );
        let p = PasswordPolicy::from_settings(&json!({"Policies": {"PasswordPolicy": {
            "MinimumLength": 12, "RequireNumbers": true, "PasswordHistorySize": 5,
            "TemporaryPasswordValidityDays": 0
        }}}));
        assert_eq!(p.minimum_length, 12);
        assert!(p.require_numbers && !p.require_uppercase && !p.require_symbols);
        assert_eq!(p.password_history_size, 5);
        assert_eq!(p.temporary_password_validity_days, 7, "0 means the default");
        assert_eq!(p.temporary_password_validity_ms(), 7 * 86_400_000);
        let p = PasswordPolicy::from_settings(&json!({"Policies": {"PasswordPolicy": {
            "RequireSymbols": true, "TemporaryPasswordValidityDays": 30
        }}}));
        assert_eq!(p.minimum_length, 8);
        assert_eq!(p.temporary_password_validity_days, 30);
    }

    #[test]
    fn temporary_passwords_satisfy_strictest_policies() {
        for min in [6, 8, 12, 20, 99] {
            let p = all_rules(min);
            for _ in 0..200 {
                let pw = p.generate_temporary_password();
                assert_eq!(p.check(&pw), Ok(()), "{pw}");
                assert!(pw.chars().count() >= (min as usize).max(12));
                assert!(!pw.contains([' ', '"', '\'', '\\', '`']));
            }
        }
        let p = PasswordPolicy::default();
        assert_ne!(
            p.generate_temporary_password(),
            p.generate_temporary_password()
        );
    }
}
