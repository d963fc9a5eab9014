//! SetUserMFAPreference, AdminSetUserMFAPreference and the legacy SetUserSettings,
//! AdminSetUserSettings (MFAOptions: SMS only).

use cognate_store::{AliasChange, UserRecord};
use cognate_wire::idp::*;
use cognate_wire::{ApiError, RequestContext};

use crate::mfa::settings::{Factor, Facts, Setting, UserMfa, apply_preferences};
use crate::service::IdpService;
use crate::users::admin::user_write_failure;

fn settings(
    sms: Option<&SMSMfaSettingsType>,
    totp: Option<&SoftwareTokenMfaSettingsType>,
    email: Option<&EmailMfaSettingsType>,
) -> Vec<(Factor, Setting)> {
    let mut out = Vec::new();
    if let Some(s) = sms {
        out.push((
            Factor::Sms,
            Setting {
                enabled: s.enabled,
                preferred: s.preferred_mfa,
            },
        ));
    }
    if let Some(s) = totp {
        out.push((
            Factor::Totp,
            Setting {
                enabled: s.enabled,
                preferred: s.preferred_mfa,
            },
        ));
    }
    if let Some(s) = email {
        out.push((
            Factor::Email,
            Setting {
                enabled: s.enabled,
                preferred: s.preferred_mfa,
            },
        ));
    }
    out
}

async fn save(
    svc: &IdpService,
    mut user: UserRecord,
    mfa: &UserMfa,
    now_ms: i64,
) -> Result<(), ApiError> {
    mfa.store_in(&mut user);
    user.modified_ms = now_ms;
    svc.store
        .update_user(&user, &AliasChange::default())
        .await
        .map_err(user_write_failure)
}

async fn set_preferences(
    svc: &IdpService,
    user: UserRecord,
    settings: &[(Factor, Setting)],
    now_ms: i64,
) -> Result<(), ApiError> {
    let current = UserMfa::of(&user);
    let next = apply_preferences(&current, settings, Facts::of(&user, &current))?;
    save(svc, user, &next, now_ms).await
}

pub async fn set_user_mfa_preference(
    svc: &IdpService,
    ctx: &RequestContext,
    input: SetUserMFAPreferenceRequest,
) -> Result<SetUserMFAPreferenceResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let given = settings(
        input.sms_mfa_settings.as_ref(),
        input.software_token_mfa_settings.as_ref(),
        input.email_mfa_settings.as_ref(),
    );
    set_preferences(svc, access.user, &given, ctx.now_ms).await?;
    Ok(SetUserMFAPreferenceResponse::default())
}

pub async fn admin_set_user_mfa_preference(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminSetUserMFAPreferenceRequest,
) -> Result<AdminSetUserMFAPreferenceResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    let given = settings(
        input.sms_mfa_settings.as_ref(),
        input.software_token_mfa_settings.as_ref(),
        input.email_mfa_settings.as_ref(),
    );
    set_preferences(svc, user, &given, ctx.now_ms).await?;
    Ok(AdminSetUserMFAPreferenceResponse::default())
}

/// MFAOptions: an SMS entry for `phone_number` switches SMS MFA on, an empty list off.
/// Cognito accepts only SMS here; the refusal's wording is Cognate's (not confirmed).
fn legacy_sms(options: &[MFAOptionType]) -> Result<bool, ApiError> {
    let mut sms = false;
    for option in options {
        match (option.delivery_medium, option.attribute_name.as_deref()) {
            (Some(DeliveryMediumType::Sms), Some("phone_number") | None) => sms = true,
            _ => {
                return Err(ApiError::invalid_parameter(
                    "Only SMS delivery to phone_number is supported in MFAOptions.",
                ));
            }
        }
    }
    Ok(sms)
}

async fn set_settings(
    svc: &IdpService,
    user: UserRecord,
    options: &[MFAOptionType],
    now_ms: i64,
) -> Result<(), ApiError> {
    let on = legacy_sms(options)?;
    let setting = Setting {
        enabled: Some(on),
        preferred: None,
    };
    set_preferences(svc, user, &[(Factor::Sms, setting)], now_ms).await
}

pub async fn set_user_settings(
    svc: &IdpService,
    ctx: &RequestContext,
    input: SetUserSettingsRequest,
) -> Result<SetUserSettingsResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    set_settings(svc, access.user, &input.mfa_options, ctx.now_ms).await?;
    Ok(SetUserSettingsResponse::default())
}

pub async fn admin_set_user_settings(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminSetUserSettingsRequest,
) -> Result<AdminSetUserSettingsResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    set_settings(svc, user, &input.mfa_options, ctx.now_ms).await?;
    Ok(AdminSetUserSettingsResponse::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_options_are_sms_only() {
        let sms = MFAOptionType {
            delivery_medium: Some(DeliveryMediumType::Sms),
            attribute_name: Some("phone_number".into()),
        };
        assert!(legacy_sms(&[sms]).unwrap());
        assert!(!legacy_sms(&[]).unwrap());
        let email = MFAOptionType {
            delivery_medium: Some(DeliveryMediumType::Email),
            attribute_name: Some("email".into()),
        };
        assert!(legacy_sms(&[email]).is_err());
    }
}
