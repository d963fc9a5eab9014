//! A user's status (`UserStatusType`) and the operations that move it.
//!
//! | status | set by | password sign-in |
//! | --- | --- | --- |
//! | `UNCONFIRMED` | SignUp | `UserNotConfirmedException`, checked before the password |
//! | `CONFIRMED` | ConfirmSignUp, AdminConfirmSignUp, AdminSetUserPassword(Permanent), NEW_PASSWORD_REQUIRED, ConfirmForgotPassword, auto-confirmation | tokens |
//! | `FORCE_CHANGE_PASSWORD` | AdminCreateUser, AdminSetUserPassword(Permanent=false) | correct temporary password → NEW_PASSWORD_REQUIRED |
//! | `RESET_REQUIRED` | AdminResetUserPassword, user import | correct password → `PasswordResetRequiredException` |
//! | `EXTERNAL_PROVIDER` | federated sign-in | no password sign-in |
//!
//! `ARCHIVED`, `UNKNOWN` and `COMPROMISED` are in the model but "no longer used"; Cognate
//! never produces them. `Enabled` is a separate flag.

use std::fmt;

/// `UserStatusType` values Cognate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ExternalProvider,
    ResetRequired,
    ForceChangePassword,
}

impl UserStatus {
    /// The wire name (`UNCONFIRMED`, …), also what the store keeps.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ExternalProvider => "EXTERNAL_PROVIDER",
            Self::ResetRequired => "RESET_REQUIRED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
        }
    }

    /// The status with wire name `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Unconfirmed,
            Self::Confirmed,
            Self::ExternalProvider,
            Self::ResetRequired,
            Self::ForceChangePassword,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Messages of the sign-in errors that depend on status.
pub mod messages {
    /// `UserNotConfirmedException`.
    pub const USER_NOT_CONFIRMED: &str = "User is not confirmed.";
    /// `PasswordResetRequiredException`.
    pub const PASSWORD_RESET_REQUIRED: &str = "Password reset required for the user";
    /// `NotAuthorizedException` for a disabled user.
    pub const USER_DISABLED: &str = "User is disabled.";
    /// `NotAuthorizedException` for an expired temporary password.
    pub const TEMPORARY_PASSWORD_EXPIRED: &str =
        "Temporary password has expired and must be reset by an administrator.";
}

/// Something that changes a user's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvent {
    /// SignUp; `auto_confirmed` when a pre-sign-up trigger confirmed the user.
    SignUp { auto_confirmed: bool },
    /// AdminCreateUser (a new user with a temporary password, or an invitation re-sent).
    AdminCreateUser,
    /// ConfirmSignUp or AdminConfirmSignUp.
    ConfirmSignUp,
    /// AdminSetUserPassword.
    AdminSetUserPassword { permanent: bool },
    /// A successful answer to NEW_PASSWORD_REQUIRED.
    NewPasswordChallenge,
    /// AdminResetUserPassword.
    AdminResetUserPassword,
    /// ForgotPassword (checks only; the status changes at ConfirmForgotPassword).
    ForgotPassword,
    /// ConfirmForgotPassword.
    ConfirmForgotPassword,
    /// A passwordless (EMAIL_OTP / SMS_OTP) sign-in, which confirms an unconfirmed user.
    PasswordlessSignIn,
}

/// A status change Cognito refuses; `Display` is the message, [`Self::code`] the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The user is not UNCONFIRMED (`User cannot be confirmed. Current status is X`).
    CannotConfirm(UserStatus),
    /// The user's password cannot be reset in this status (FORCE_CHANGE_PASSWORD: the
    /// temporary password must be changed first; EXTERNAL_PROVIDER: no password).
    CannotResetPassword,
    /// NEW_PASSWORD_REQUIRED answered for a user who is not FORCE_CHANGE_PASSWORD.
    NotForceChangePassword,
    /// A password operation on a federated user.
    ExternalProvider,
    /// The user already exists (create events apply only to new users).
    AlreadyExists,
    /// Any other event needs an existing user.
    NoSuchUser,
}

impl TransitionError {
    /// The Cognito error code to answer with.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyExists => "UsernameExistsException",
            Self::NoSuchUser => "UserNotFoundException",
            Self::NotForceChangePassword => "InvalidParameterException",
            _ => "NotAuthorizedException",
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CannotConfirm(status) => {
                write!(f, "User cannot be confirmed. Current status is {status}")
            }
            Self::CannotResetPassword => {
                f.write_str("User password cannot be reset in the current state.")
            }
            // Texts below are Cognate's (not confirmed against the service).
            Self::NotForceChangePassword => {
                f.write_str("User is not in the FORCE_CHANGE_PASSWORD state.")
            }
            Self::ExternalProvider => {
                f.write_str("Operation is not supported for federated users.")
            }
            Self::AlreadyExists => f.write_str("User already exists"),
            Self::NoSuchUser => f.write_str("User does not exist."),
        }
    }
}

impl std::error::Error for TransitionError {}

/// The status after `event`, for a user whose status is `from` (`None`: no user yet).
pub fn transition(
    from: Option<UserStatus>,
    event: StatusEvent,
) -> Result<UserStatus, TransitionError> {
    use StatusEvent as E;
    use UserStatus as S;
    match (from, event) {
        (None, E::SignUp { auto_confirmed }) => Ok(if auto_confirmed {
            S::Confirmed
        } else {
            S::Unconfirmed
        }),
        (None, E::AdminCreateUser) => Ok(S::ForceChangePassword),
        // MessageAction=RESEND keeps the user waiting for a password change.
        (Some(S::ForceChangePassword), E::AdminCreateUser) => Ok(S::ForceChangePassword),
        (Some(_), E::SignUp { .. } | E::AdminCreateUser) => Err(TransitionError::AlreadyExists),
        (None, _) => Err(TransitionError::NoSuchUser),
        (Some(S::ExternalProvider), E::ConfirmSignUp) => {
            Err(TransitionError::CannotConfirm(S::ExternalProvider))
        }
        (Some(S::ExternalProvider), _) => Err(TransitionError::ExternalProvider),
        (Some(S::Unconfirmed), E::ConfirmSignUp) => Ok(S::Confirmed),
        (Some(status), E::ConfirmSignUp) => Err(TransitionError::CannotConfirm(status)),
        (Some(_), E::AdminSetUserPassword { permanent: true }) => Ok(S::Confirmed),
        (Some(_), E::AdminSetUserPassword { permanent: false }) => Ok(S::ForceChangePassword),
        (Some(S::ForceChangePassword), E::NewPasswordChallenge) => Ok(S::Confirmed),
        (Some(_), E::NewPasswordChallenge) => Err(TransitionError::NotForceChangePassword),
        (Some(S::ForceChangePassword), E::AdminResetUserPassword | E::ForgotPassword) => {
            Err(TransitionError::CannotResetPassword)
        }
        (Some(S::ForceChangePassword), E::ConfirmForgotPassword) => {
            Err(TransitionError::CannotResetPassword)
        }
        (Some(_), E::AdminResetUserPassword) => Ok(S::ResetRequired),
        (Some(status), E::ForgotPassword) => Ok(status),
        (Some(_), E::ConfirmForgotPassword) => Ok(S::Confirmed),
        (Some(S::Unconfirmed), E::PasswordlessSignIn) => Ok(S::Confirmed),
        (Some(status), E::PasswordlessSignIn) => Ok(status),
    }
}

/// What a password sign-in does once the user is found and enabled, before the password
/// is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeforePassword {
    /// Check the password.
    CheckPassword,
    /// `UserNotConfirmedException` — Cognito answers this even for a wrong password.
    NotConfirmed,
    /// No password to check (federated user): answer as for a wrong password.
    NoPassword,
}

/// What a password sign-in does after a correct password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterPassword {
    /// Continue (MFA, then tokens).
    SignedIn,
    /// NEW_PASSWORD_REQUIRED challenge (temporary password; check its expiry first).
    NewPasswordRequired,
    /// `PasswordResetRequiredException`.
    PasswordResetRequired,
}

#[must_use]
pub fn before_password(status: UserStatus) -> BeforePassword {
    match status {
        UserStatus::Unconfirmed => BeforePassword::NotConfirmed,
        UserStatus::ExternalProvider => BeforePassword::NoPassword,
        _ => BeforePassword::CheckPassword,
    }
}

#[must_use]
pub fn after_correct_password(status: UserStatus) -> AfterPassword {
    match status {
        UserStatus::ForceChangePassword => AfterPassword::NewPasswordRequired,
        UserStatus::ResetRequired => AfterPassword::PasswordResetRequired,
        _ => AfterPassword::SignedIn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusEvent as E;
    use UserStatus as S;

    const ALL: [UserStatus; 5] = [
        S::Unconfirmed,
        S::Confirmed,
        S::ExternalProvider,
        S::ResetRequired,
        S::ForceChangePassword,
    ];

    #[test]
    fn wire_names_round_trip() {
        for s in ALL {
            assert_eq!(UserStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::ForceChangePassword.to_string(), "FORCE_CHANGE_PASSWORD");
        assert_eq!(UserStatus::parse("ARCHIVED"), None);
        assert_eq!(UserStatus::parse("confirmed"), None);
    }

    #[test]
    fn creation() {
        assert_eq!(
            transition(
                None,
                E::SignUp {
                    auto_confirmed: false
                }
            ),
            Ok(S::Unconfirmed)
        );
        assert_eq!(
            transition(
                None,
                E::SignUp {
                    auto_confirmed: true
                }
            ),
            Ok(S::Confirmed)
        );
        assert_eq!(
            transition(None, E::AdminCreateUser),
            Ok(S::ForceChangePassword)
        );
        assert_eq!(
            transition(Some(S::ForceChangePassword), E::AdminCreateUser),
            Ok(S::ForceChangePassword)
        );
        let err = transition(
            Some(S::Confirmed),
            E::SignUp {
                auto_confirmed: false,
            },
        )
        .unwrap_err();
        assert_eq!(err.code(), "UsernameExistsException");
    }

    #[test]
    fn confirmation_only_from_unconfirmed() {
        assert_eq!(
            transition(Some(S::Unconfirmed), E::ConfirmSignUp),
            Ok(S::Confirmed)
        );
        let err = transition(Some(S::Confirmed), E::ConfirmSignUp).unwrap_err();
        assert_eq!(
            err.to_string(),
            "User cannot be confirmed. Current status is CONFIRMED"
        );
        assert_eq!(err.code(), "NotAuthorizedException");
        assert!(transition(Some(S::ForceChangePassword), E::ConfirmSignUp).is_err());
    }

    #[test]
    fn admin_set_password() {
        for s in [
            S::Unconfirmed,
            S::Confirmed,
            S::ResetRequired,
            S::ForceChangePassword,
        ] {
            assert_eq!(
                transition(Some(s), E::AdminSetUserPassword { permanent: true }),
                Ok(S::Confirmed)
            );
            assert_eq!(
                transition(Some(s), E::AdminSetUserPassword { permanent: false }),
                Ok(S::ForceChangePassword)
            );
        }
        assert_eq!(
            transition(
                Some(S::ExternalProvider),
                E::AdminSetUserPassword { permanent: true }
            ),
            Err(TransitionError::ExternalProvider)
        );
    }

    #[test]
    fn new_password_challenge_only_from_force_change() {
        assert_eq!(
            transition(Some(S::ForceChangePassword), E::NewPasswordChallenge),
            Ok(S::Confirmed)
        );
        assert_eq!(
            transition(Some(S::Confirmed), E::NewPasswordChallenge),
            Err(TransitionError::NotForceChangePassword)
        );
    }

    #[test]
    fn password_reset() {
        assert_eq!(
            transition(Some(S::Confirmed), E::AdminResetUserPassword),
            Ok(S::ResetRequired)
        );
        let err = transition(Some(S::ForceChangePassword), E::ForgotPassword).unwrap_err();
        assert_eq!(
            err.to_string(),
            "User password cannot be reset in the current state."
        );
        assert_eq!(
            transition(Some(S::Confirmed), E::ForgotPassword),
            Ok(S::Confirmed)
        );
        assert_eq!(
            transition(Some(S::ResetRequired), E::ConfirmForgotPassword),
            Ok(S::Confirmed)
        );
        assert!(transition(Some(S::ForceChangePassword), E::ConfirmForgotPassword).is_err());
        assert_eq!(
            transition(None, E::ConfirmForgotPassword),
            Err(TransitionError::NoSuchUser)
        );
    }

    #[test]
    fn passwordless_sign_in_confirms() {
        assert_eq!(
            transition(Some(S::Unconfirmed), E::PasswordlessSignIn),
            Ok(S::Confirmed)
        );
        assert_eq!(
            transition(Some(S::ResetRequired), E::PasswordlessSignIn),
            Ok(S::ResetRequired)
        );
    }

    #[test]
    fn sign_in_gates() {
        assert_eq!(
            before_password(S::Unconfirmed),
            BeforePassword::NotConfirmed
        );
        assert_eq!(
            before_password(S::ExternalProvider),
            BeforePassword::NoPassword
        );
        assert_eq!(
            before_password(S::ResetRequired),
            BeforePassword::CheckPassword
        );
        assert_eq!(
            after_correct_password(S::ForceChangePassword),
            AfterPassword::NewPasswordRequired
        );
        assert_eq!(
            after_correct_password(S::ResetRequired),
            AfterPassword::PasswordResetRequired
        );
        assert_eq!(
            after_correct_password(S::Confirmed),
            AfterPassword::SignedIn
        );
    }
}
