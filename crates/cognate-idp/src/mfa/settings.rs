//! A user's MFA settings and the rules that change and read them.
//!
//! They live in `UserRecord.extra` (opaque to the store): the model under `Mfa`, and the
//! three members GetUser and AdminGetUser show (`UserMFASettingList`, `PreferredMfaSetting`,
//! `MFAOptions`) written beside it from the model on every change, so the read paths stay
//! simple. The TOTP secret is stored sealed under the key-encryption key, bound to pool and
//! user (see `software_token.rs`); nothing here holds it in clear.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use cognate_store::UserRecord;
use cognate_wire::ApiError;

/// A second factor, by its wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Factor {
    #[serde(rename = "SMS_MFA")]
    Sms,
    #[serde(rename = "SOFTWARE_TOKEN_MFA")]
    Totp,
    #[serde(rename = "EMAIL_OTP")]
    Email,
}

impl Factor {
    /// In the order Cognito lists them.
    pub const ALL: [Factor; 3] = [Factor::Sms, Factor::Totp, Factor::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "SMS_MFA",
            Self::Totp => "SOFTWARE_TOKEN_MFA",
            Self::Email => "EMAIL_OTP",
        }
    }

    /// A SELECT_MFA_TYPE answer. The API reference names email `EMAIL_MFA`, Amplify sends
    /// `EMAIL_OTP` (cognito-auth-protocol.md §3.2); both are accepted.
    pub fn from_answer(answer: &str) -> Option<Self> {
        match answer {
            "SMS_MFA" => Some(Self::Sms),
            "SOFTWARE_TOKEN_MFA" => Some(Self::Totp),
            "EMAIL_OTP" | "EMAIL_MFA" => Some(Self::Email),
            _ => None,
        }
    }
}

/// The stored model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserMfa {
    #[serde(default)]
    pub sms: bool,
    #[serde(default)]
    pub totp: bool,
    #[serde(default)]
    pub email: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<Factor>,
    /// The verified TOTP secret, sealed, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// A secret from AssociateSoftwareToken not yet verified, sealed, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_pending: Option<String>,
    /// VerifySoftwareToken's FriendlyDeviceName, shown as FRIENDLY_DEVICE_NAME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_name: Option<String>,
}

impl UserMfa {
    pub fn of(user: &UserRecord) -> Self {
        user.extra
            .get("Mfa")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    pub fn enabled(&self, factor: Factor) -> bool {
        match factor {
            Factor::Sms => self.sms,
            Factor::Totp => self.totp,
            Factor::Email => self.email,
        }
    }

    fn set_enabled(&mut self, factor: Factor, on: bool) {
        match factor {
            Factor::Sms => self.sms = on,
            Factor::Totp => self.totp = on,
            Factor::Email => self.email = on,
        }
        if !on && self.preferred == Some(factor) {
            self.preferred = None;
        }
    }

    /// The enabled factors, in Cognito's order.
    pub fn enabled_factors(&self) -> Vec<Factor> {
        Factor::ALL
            .into_iter()
            .filter(|f| self.enabled(*f))
            .collect()
    }

    /// Writes the model and the members GetUser shows into `user.extra`.
    pub fn store_in(&self, user: &mut UserRecord) {
        let mut extra = match std::mem::take(&mut user.extra) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        extra.insert("Mfa".into(), json!(self));
        let list: Vec<&str> = self
            .enabled_factors()
            .into_iter()
            .map(Factor::as_str)
            .collect();
        extra.insert("UserMFASettingList".into(), json!(list));
        match self.preferred {
            Some(factor) => extra.insert("PreferredMfaSetting".into(), json!(factor.as_str())),
            None => extra.remove("PreferredMfaSetting"),
        };
        // MFAOptions is the legacy view of SMS MFA (SetUserSettings); it shows while SMS MFA
        // is on, however it was switched on (Cognate's reading; not confirmed).
        if self.sms {
            extra.insert(
                "MFAOptions".into(),
                json!([{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]),
            );
        } else {
            extra.remove("MFAOptions");
        }
        user.extra = Value::Object(extra);
    }
}

/// One factor's `*MfaSettings` member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Setting {
    pub enabled: Option<bool>,
    pub preferred: Option<bool>,
}

/// What the user has that factors need.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    pub has_phone: bool,
    pub has_email: bool,
    pub totp_verified: bool,
}

impl Facts {
    pub fn of(user: &UserRecord, mfa: &UserMfa) -> Self {
        let has = |name: &str| {
            user.attributes
                .iter()
                .any(|(n, v)| n == name && !v.is_empty())
        };
        Self {
            has_phone: has("phone_number"),
            has_email: has("email"),
            totp_verified: mfa.totp_secret.is_some(),
        }
    }

    fn can_enable(self, factor: Factor) -> bool {
        match factor {
            Factor::Sms => self.has_phone,
            Factor::Totp => self.totp_verified,
            Factor::Email => self.has_email,
        }
    }
}

/// (Admin)SetUserMFAPreference: applies the settings given (absent ones are unchanged).
/// Messages: "User has not verified software token mfa" and "User does not have delivery
/// config set to turn on SMS_MFA" are Cognito's as commonly reported; the EMAIL_OTP variant
/// and the two about preferences are Cognate's (not confirmed).
pub fn apply_preferences(
    current: &UserMfa,
    settings: &[(Factor, Setting)],
    facts: Facts,
) -> Result<UserMfa, ApiError> {
    let preferred_count = settings
        .iter()
        .filter(|(_, s)| s.preferred == Some(true))
        .count();
    if preferred_count > 1 {
        return Err(ApiError::invalid_parameter(
            "Only one MFA type can be the preferred MFA.",
        ));
    }
    let mut next = current.clone();
    for &(factor, setting) in settings {
        let turn_on = setting.enabled == Some(true)
            || (setting.preferred == Some(true) && setting.enabled.is_none());
        if setting.preferred == Some(true) && setting.enabled == Some(false) {
            return Err(ApiError::invalid_parameter(
                "A disabled MFA type cannot be the preferred MFA.",
            ));
        }
        if turn_on && !next.enabled(factor) && !facts.can_enable(factor) {
            return Err(ApiError::invalid_parameter(match factor {
                Factor::Totp => "User has not verified software token mfa".to_owned(),
                other => format!(
                    "User does not have delivery config set to turn on {}",
                    other.as_str()
                ),
            }));
        }
        if turn_on {
            next.set_enabled(factor, true);
        } else if setting.enabled == Some(false) {
            next.set_enabled(factor, false);
        }
        match setting.preferred {
            Some(true) => next.preferred = Some(factor),
            Some(false) if next.preferred == Some(factor) => next.preferred = None,
            _ => {}
        }
    }
    Ok(next)
}

/// The pool's MFA mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    On,
    Optional,
}

impl Mode {
    pub fn of(settings: &Value) -> Self {
        match settings.get("MfaConfiguration").and_then(Value::as_str) {
            Some("ON") => Self::On,
            Some("OPTIONAL") => Self::Optional,
            _ => Self::Off,
        }
    }
}

/// What follows a correct first factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// No second factor: tokens.
    Done,
    /// This factor's challenge.
    Challenge(Factor),
    /// SELECT_MFA_TYPE among these.
    Select(Vec<Factor>),
    /// MFA_SETUP offering these.
    Setup(Vec<Factor>),
}

/// Chooses the second-factor step: the user's enabled factors that the pool offers and the
/// user can receive; the preferred one, the only one, or a choice. In a pool where MFA is
/// required, a user with none gets SMS MFA when the pool offers it and they have a phone
/// number, then email likewise (Cognito's documented fallback for SMS; for email it is
/// Cognate's reading), and otherwise MFA_SETUP.
pub fn next_step(mode: Mode, pool: &[Factor], user: &UserMfa, facts: Facts) -> Step {
    if mode == Mode::Off {
        return Step::Done;
    }
    let usable: Vec<Factor> = user
        .enabled_factors()
        .into_iter()
        .filter(|f| pool.contains(f) && facts.can_enable(*f))
        .collect();
    if let Some(preferred) = user.preferred.filter(|p| usable.contains(p)) {
        return Step::Challenge(preferred);
    }
    match usable.as_slice() {
        [only] => return Step::Challenge(*only),
        [] => {}
        _ => return Step::Select(usable),
    }
    if mode == Mode::Optional {
        return Step::Done;
    }
    for fallback in [Factor::Sms, Factor::Email] {
        if pool.contains(&fallback) && facts.can_enable(fallback) {
            return Step::Challenge(fallback);
        }
    }
    Step::Setup(pool.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(phone: bool, email: bool, totp: bool) -> Facts {
        Facts {
            has_phone: phone,
            has_email: email,
            totp_verified: totp,
        }
    }

    fn on(enabled: bool, preferred: Option<bool>) -> Setting {
        Setting {
            enabled: Some(enabled),
            preferred,
        }
    }

    #[test]
    fn totp_needs_a_verified_token_and_sms_a_phone() {
        let none = UserMfa::default();
        let err = apply_preferences(
            &none,
            &[(Factor::Totp, on(true, None))],
            facts(true, true, false),
        )
        .unwrap_err();
        assert_eq!(err.message, "User has not verified software token mfa");
        let err = apply_preferences(
            &none,
            &[(Factor::Sms, on(true, None))],
            facts(false, true, true),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "User does not have delivery config set to turn on SMS_MFA"
        );
        let ok = apply_preferences(
            &none,
            &[(Factor::Totp, on(true, Some(true)))],
            facts(false, false, true),
        )
        .unwrap();
        assert!(ok.totp && ok.preferred == Some(Factor::Totp));
    }

    #[test]
    fn one_preferred_and_disabling_clears_preference() {
        let both = apply_preferences(
            &UserMfa::default(),
            &[
                (Factor::Sms, on(true, Some(false))),
                (Factor::Email, on(true, Some(true))),
            ],
            facts(true, true, false),
        )
        .unwrap();
        assert_eq!(both.enabled_factors(), vec![Factor::Sms, Factor::Email]);
        assert_eq!(both.preferred, Some(Factor::Email));
        let two = apply_preferences(
            &both,
            &[
                (Factor::Sms, on(true, Some(true))),
                (Factor::Email, on(true, Some(true))),
            ],
            facts(true, true, false),
        );
        assert!(two.is_err());
        let off = apply_preferences(
            &both,
            &[(Factor::Email, on(false, None))],
            facts(true, true, false),
        )
        .unwrap();
        assert_eq!(off.preferred, None);
        assert_eq!(off.enabled_factors(), vec![Factor::Sms]);
        assert!(
            apply_preferences(
                &both,
                &[(Factor::Sms, on(false, Some(true)))],
                facts(true, true, false)
            )
            .is_err()
        );
        // Absent settings leave factors as they are.
        assert_eq!(
            apply_preferences(&both, &[], facts(true, true, false)).unwrap(),
            both
        );
    }

    #[test]
    fn the_step_follows_mode_preference_and_count() {
        let pool = [Factor::Sms, Factor::Totp, Factor::Email];
        let all = facts(true, true, true);
        let mut user = UserMfa {
            sms: true,
            totp: true,
            ..UserMfa::default()
        };
        assert_eq!(next_step(Mode::Off, &pool, &user, all), Step::Done);
        assert_eq!(
            next_step(Mode::Optional, &pool, &user, all),
            Step::Select(vec![Factor::Sms, Factor::Totp])
        );
        user.preferred = Some(Factor::Totp);
        assert_eq!(
            next_step(Mode::Optional, &pool, &user, all),
            Step::Challenge(Factor::Totp)
        );
        // A factor the pool does not offer is not usable.
        assert_eq!(
            next_step(Mode::Optional, &[Factor::Sms], &user, all),
            Step::Challenge(Factor::Sms)
        );
        let nobody = UserMfa::default();
        assert_eq!(next_step(Mode::Optional, &pool, &nobody, all), Step::Done);
        assert_eq!(
            next_step(Mode::On, &pool, &nobody, all),
            Step::Challenge(Factor::Sms)
        );
        assert_eq!(
            next_step(Mode::On, &[Factor::Totp], &nobody, all),
            Step::Setup(vec![Factor::Totp])
        );
        assert_eq!(
            next_step(Mode::On, &pool, &nobody, facts(false, false, false)),
            Step::Setup(pool.to_vec())
        );
    }

    #[test]
    fn getuser_members_follow_the_model() {
        let mut user = crate::mfa::tests::user();
        let model = UserMfa {
            sms: true,
            totp: true,
            preferred: Some(Factor::Totp),
            ..UserMfa::default()
        };
        model.store_in(&mut user);
        assert_eq!(
            user.extra["UserMFASettingList"],
            json!(["SMS_MFA", "SOFTWARE_TOKEN_MFA"])
        );
        assert_eq!(user.extra["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
        assert_eq!(
            user.extra["MFAOptions"],
            json!([{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}])
        );
        assert_eq!(UserMfa::of(&user), model);
        UserMfa::default().store_in(&mut user);
        assert_eq!(user.extra["UserMFASettingList"], json!([]));
        assert!(user.extra.get("PreferredMfaSetting").is_none());
        assert!(user.extra.get("MFAOptions").is_none());
    }

    #[test]
    fn select_answers_accept_both_email_names() {
        assert_eq!(Factor::from_answer("EMAIL_MFA"), Some(Factor::Email));
        assert_eq!(Factor::from_answer("EMAIL_OTP"), Some(Factor::Email));
        assert_eq!(Factor::from_answer("SMS_MFA"), Some(Factor::Sms));
        assert_eq!(Factor::from_answer("sms_mfa"), None);
    }
}
