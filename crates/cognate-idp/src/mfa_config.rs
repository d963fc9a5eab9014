//! A pool's MFA and passkey configuration (GetUserPoolMfaConfig / SetUserPoolMfaConfig).
//!
//! Everything lives in the pool's settings document, so DescribeUserPool and this API never
//! disagree: `MfaConfiguration`, `SmsAuthenticationMessage` and `SmsConfiguration` are the
//! pool's own members; the factor settings are kept beside them under the names
//! GetUserPoolMfaConfig uses (`SmsMfaConfiguration` as a presence marker whose content is
//! read from the pool members, `SoftwareTokenMfaConfiguration`, `EmailMfaConfiguration`,
//! `WebAuthnConfiguration`). UpdateUserPool must carry these four members over.

use serde_json::{Map, Value, json};

use cognate_store::StoreError;
use cognate_wire::idp::{
    GetUserPoolMfaConfigRequest, GetUserPoolMfaConfigResponse, SetUserPoolMfaConfigRequest,
    SetUserPoolMfaConfigResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::documents::{from_document, to_object};
use crate::errors::{pool_not_found, store_failure};
use crate::pools::settings_object;
use crate::service::IdpService;

/// Which second factors are switched on.
#[derive(Debug, Default, PartialEq, Eq)]
struct Factors {
    sms: bool,
    totp: bool,
    email: bool,
}

impl Factors {
    fn any(&self) -> bool {
        self.sms || self.totp || self.email
    }
}

/// A member of a JSON object, `null` when absent (indexing a `Map` directly panics).
fn member<'a>(map: &'a Map<String, Value>, key: &str) -> &'a Value {
    map.get(key).unwrap_or(&Value::Null)
}

fn present(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).is_some_and(|v| !v.is_null())
}

/// The factors a SetUserPoolMfaConfig request turns on.
fn requested_factors(request: &Map<String, Value>) -> Factors {
    Factors {
        sms: present(request, "SmsMfaConfiguration"),
        totp: member(request, "SoftwareTokenMfaConfiguration")["Enabled"]
            .as_bool()
            .unwrap_or(false),
        email: present(request, "EmailMfaConfiguration"),
    }
}

/// The factors a pool has on. Before any SetUserPoolMfaConfig (no
/// `SoftwareTokenMfaConfiguration` stored), a pool created with MFA ON or OPTIONAL and an
/// SMS configuration has SMS MFA, which is how CreateUserPool enables it.
fn pool_factors(settings: &Map<String, Value>) -> Factors {
    let configured = settings.contains_key("SoftwareTokenMfaConfiguration");
    let mfa_on = settings
        .get("MfaConfiguration")
        .and_then(Value::as_str)
        .is_some_and(|mode| mode != "OFF");
    Factors {
        sms: if configured {
            present(settings, "SmsMfaConfiguration")
        } else {
            mfa_on && present(settings, "SmsConfiguration")
        },
        totp: member(settings, "SoftwareTokenMfaConfiguration")["Enabled"]
            .as_bool()
            .unwrap_or(false),
        email: present(settings, "EmailMfaConfiguration"),
    }
}

/// The second factors a pool offers at sign-in, in Cognito's order.
pub(crate) fn offered_factors(settings: &Value) -> Vec<crate::mfa::settings::Factor> {
    use crate::mfa::settings::Factor;
    let factors = pool_factors(settings.as_object().unwrap_or(&Map::new()));
    [
        (factors.sms, Factor::Sms),
        (factors.totp, Factor::Totp),
        (factors.email, Factor::Email),
    ]
    .into_iter()
    .filter_map(|(on, factor)| on.then_some(factor))
    .collect()
}

/// The rules between MFA mode and factors; messages as the service sends them.
fn check_mode(mode: &str, factors: &Factors) -> Result<(), ApiError> {
    if mode == "OFF" && factors.any() {
        return Err(ApiError::invalid_parameter(
            "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
        ));
    }
    if mode != "OFF" && !factors.any() {
        return Err(ApiError::invalid_parameter(
            "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled.",
        ));
    }
    Ok(())
}

/// UpdateUserPool can switch MFA on only where a factor is available: an SMS configuration
/// given with it, or factors set earlier through SetUserPoolMfaConfig.
pub(crate) fn check_update(settings: &Map<String, Value>) -> Result<(), ApiError> {
    let mode = settings
        .get("MfaConfiguration")
        .and_then(Value::as_str)
        .unwrap_or("OFF");
    if mode != "OFF" && !pool_factors(settings).any() {
        return check_mode(mode, &Factors::default());
    }
    Ok(())
}

/// Plan and sending requirements of the individual factors (documented on the members; the
/// messages are Cognate's own).
fn check_factor_requirements(
    settings: &Map<String, Value>,
    request: &Map<String, Value>,
    factors: &Factors,
) -> Result<(), ApiError> {
    let tier = settings
        .get("UserPoolTier")
        .and_then(Value::as_str)
        .unwrap_or("ESSENTIALS");
    let unavailable =
        |message: &str| ApiError::new(ErrorCode::FeatureUnavailableInTierException, message);
    if factors.email {
        if tier == "LITE" {
            return Err(unavailable(
                "Email MFA requires the Essentials or Plus feature plan.",
            ));
        }
        if member(settings, "EmailConfiguration")["EmailSendingAccount"] != "DEVELOPER" {
            return Err(ApiError::invalid_parameter(
                "Email MFA requires the user pool to send email with Amazon SES (EmailSendingAccount DEVELOPER).",
            ));
        }
    }
    if factors.sms
        && !present(settings, "SmsConfiguration")
        && member(request, "SmsMfaConfiguration")["SmsConfiguration"].is_null()
    {
        return Err(ApiError::invalid_parameter(
            "SMS MFA requires an SmsConfiguration for the user pool.",
        ));
    }
    let webauthn = member(request, "WebAuthnConfiguration");
    if tier == "LITE" && webauthn["FactorConfiguration"] == "MULTI_FACTOR_WITH_USER_VERIFICATION" {
        return Err(unavailable(
            "Passkeys as a multi-factor method require the Essentials or Plus feature plan.",
        ));
    }
    Ok(())
}

/// The new settings after a SetUserPoolMfaConfig request. Factors not named are switched
/// off (the request describes the whole MFA setup); the passkey configuration, which is not
/// an MFA factor, is kept when the request leaves it out. The MFA mode defaults to OFF, as
/// in UpdateUserPool (unconfirmed for this operation).
fn apply(settings: &mut Map<String, Value>, request: &Map<String, Value>, factors: &Factors) {
    let mode = request
        .get("MfaConfiguration")
        .and_then(Value::as_str)
        .unwrap_or("OFF");
    settings.insert("MfaConfiguration".into(), json!(mode));
    if factors.sms {
        let sms = member(request, "SmsMfaConfiguration");
        for member in ["SmsAuthenticationMessage", "SmsConfiguration"] {
            if !sms[member].is_null() {
                settings.insert(member.into(), sms[member].clone());
            }
        }
        settings.insert("SmsMfaConfiguration".into(), json!({}));
    } else {
        settings.remove("SmsMfaConfiguration");
    }
    settings.insert(
        "SoftwareTokenMfaConfiguration".into(),
        json!({ "Enabled": factors.totp }),
    );
    match request
        .get("EmailMfaConfiguration")
        .filter(|v| !v.is_null())
    {
        Some(email) => {
            settings.insert("EmailMfaConfiguration".into(), email.clone());
        }
        None => {
            settings.remove("EmailMfaConfiguration");
        }
    }
    if let Some(webauthn) = request
        .get("WebAuthnConfiguration")
        .and_then(Value::as_object)
    {
        let mut webauthn = webauthn.clone();
        webauthn
            .entry("UserVerification")
            .or_insert(json!("preferred"));
        settings.insert("WebAuthnConfiguration".into(), Value::Object(webauthn));
    }
}

/// GetUserPoolMfaConfig's view of the settings.
fn view(settings: &Map<String, Value>) -> Value {
    let mut view = json!({
        "MfaConfiguration": settings.get("MfaConfiguration").cloned().unwrap_or(json!("OFF")),
    });
    if pool_factors(settings).sms {
        let mut sms = json!({});
        for member in ["SmsAuthenticationMessage", "SmsConfiguration"] {
            if let Some(value) = settings.get(member).filter(|v| !v.is_null()) {
                sms[member] = value.clone();
            }
        }
        view["SmsMfaConfiguration"] = sms;
    }
    for member in [
        "SoftwareTokenMfaConfiguration",
        "EmailMfaConfiguration",
        "WebAuthnConfiguration",
    ] {
        if let Some(value) = settings.get(member) {
            view[member] = value.clone();
        }
    }
    view
}

pub async fn set(
    svc: &IdpService,
    ctx: &RequestContext,
    input: SetUserPoolMfaConfigRequest,
) -> Result<SetUserPoolMfaConfigResponse, ApiError> {
    let mut record = svc.pool(&input.user_pool_id).await?;
    let request = to_object(&input)?;
    let mut settings = settings_object(&record);
    let factors = requested_factors(&request);
    let mode = request
        .get("MfaConfiguration")
        .and_then(Value::as_str)
        .unwrap_or("OFF");
    check_mode(mode, &factors)?;
    check_factor_requirements(&settings, &request, &factors)?;
    apply(&mut settings, &request, &factors);
    record.settings = Value::Object(settings);
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_user_pool(&record)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => pool_not_found(&record.id),
            other => store_failure(other),
        })?;
    from_document(view(&settings_object(&record)))
}

pub async fn get(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: GetUserPoolMfaConfigRequest,
) -> Result<GetUserPoolMfaConfigResponse, ApiError> {
    let record = svc.pool(&input.user_pool_id).await?;
    from_document(view(&settings_object(&record)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn mode_and_factors_must_agree() {
        let none = Factors::default();
        let totp = Factors {
            totp: true,
            ..Factors::default()
        };
        assert!(check_mode("OFF", &none).is_ok());
        assert!(check_mode("ON", &totp).is_ok());
        assert!(check_mode("OPTIONAL", &totp).is_ok());
        assert_eq!(
            check_mode("OPTIONAL", &none).unwrap_err().message,
            "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled."
        );
        assert_eq!(
            check_mode("OFF", &totp).unwrap_err().message,
            "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
        );
    }

    #[test]
    fn disabled_totp_is_not_a_factor() {
        let request = object(json!({"SoftwareTokenMfaConfiguration": {"Enabled": false}}));
        assert!(!requested_factors(&request).any());
    }

    #[test]
    fn email_mfa_needs_a_plan_and_ses() {
        let factors = Factors {
            email: true,
            ..Factors::default()
        };
        let request = object(json!({"EmailMfaConfiguration": {}}));
        let lite = object(
            json!({"UserPoolTier": "LITE", "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER"}}),
        );
        assert_eq!(
            check_factor_requirements(&lite, &request, &factors)
                .unwrap_err()
                .code,
            ErrorCode::FeatureUnavailableInTierException
        );
        let cognito_mail = object(
            json!({"UserPoolTier": "ESSENTIALS", "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"}}),
        );
        assert!(check_factor_requirements(&cognito_mail, &request, &factors).is_err());
        let ses = object(
            json!({"UserPoolTier": "ESSENTIALS", "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER"}}),
        );
        assert!(check_factor_requirements(&ses, &request, &factors).is_ok());
    }

    #[test]
    fn sms_mfa_needs_an_sns_role_somewhere() {
        let factors = Factors {
            sms: true,
            ..Factors::default()
        };
        let bare = object(json!({}));
        let without =
            object(json!({"SmsMfaConfiguration": {"SmsAuthenticationMessage": "Code {####}"}}));
        assert!(check_factor_requirements(&bare, &without, &factors).is_err());
        let with = object(
            json!({"SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::1:role/sms"}}}),
        );
        assert!(check_factor_requirements(&bare, &with, &factors).is_ok());
        let pool_has =
            object(json!({"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::1:role/sms"}}));
        assert!(check_factor_requirements(&pool_has, &without, &factors).is_ok());
    }

    #[test]
    fn set_then_get_round_trips_and_keeps_pool_members_in_step() {
        let mut settings = object(json!({"MfaConfiguration": "OFF", "UserPoolTier": "ESSENTIALS"}));
        let request = object(json!({
            "UserPoolId": "p",
            "MfaConfiguration": "OPTIONAL",
            "SmsMfaConfiguration": {
                "SmsAuthenticationMessage": "Your code {####}",
                "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::1:role/sms", "ExternalId": "x"}
            },
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
            "WebAuthnConfiguration": {"RelyingPartyId": "auth.example.com"}
        }));
        let factors = requested_factors(&request);
        apply(&mut settings, &request, &factors);
        assert_eq!(settings["SmsAuthenticationMessage"], "Your code {####}");
        assert_eq!(settings["SmsConfiguration"]["ExternalId"], "x");
        let shown = view(&settings);
        assert_eq!(shown["MfaConfiguration"], "OPTIONAL");
        assert_eq!(
            shown["SmsMfaConfiguration"]["SmsAuthenticationMessage"],
            "Your code {####}"
        );
        assert_eq!(
            shown["SoftwareTokenMfaConfiguration"],
            json!({"Enabled": true})
        );
        assert_eq!(
            shown["WebAuthnConfiguration"],
            json!({"RelyingPartyId": "auth.example.com", "UserVerification": "preferred"})
        );
        assert!(shown.get("EmailMfaConfiguration").is_none());

        // Turning MFA off drops the factors but keeps the passkey settings.
        let off = object(json!({"UserPoolId": "p", "MfaConfiguration": "OFF"}));
        apply(&mut settings, &off, &requested_factors(&off));
        let shown = view(&settings);
        assert_eq!(shown["MfaConfiguration"], "OFF");
        assert!(shown.get("SmsMfaConfiguration").is_none());
        assert_eq!(
            shown["SoftwareTokenMfaConfiguration"],
            json!({"Enabled": false})
        );
        assert_eq!(
            shown["WebAuthnConfiguration"]["RelyingPartyId"],
            "auth.example.com"
        );
    }

    #[test]
    fn the_view_fits_the_wire_shape() {
        let settings = object(json!({
            "MfaConfiguration": "OPTIONAL",
            "SmsAuthenticationMessage": "Code {####}",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "SnsRegion": "us-east-1"},
            "SmsMfaConfiguration": {},
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
            "EmailMfaConfiguration": {"Message": "Code {####}", "Subject": "Code"},
            "WebAuthnConfiguration": {"RelyingPartyId": "auth.example.com", "UserVerification": "required", "FactorConfiguration": "SINGLE_FACTOR"}
        }));
        let shown = view(&settings);
        let wire: GetUserPoolMfaConfigResponse = from_document(shown.clone()).unwrap();
        assert_eq!(crate::documents::to_document(&wire).unwrap(), shown);
    }

    #[test]
    fn a_pool_created_with_sms_mfa_shows_it() {
        let settings = object(json!({
            "MfaConfiguration": "ON",
            "SmsAuthenticationMessage": "{####}",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::1:role/sms"}
        }));
        let shown = view(&settings);
        assert_eq!(
            shown["SmsMfaConfiguration"]["SmsAuthenticationMessage"],
            "{####}"
        );
        assert!(shown.get("SoftwareTokenMfaConfiguration").is_none());
        assert_eq!(view(&object(json!({}))), json!({"MfaConfiguration": "OFF"}));
    }
}
