//! ConfirmDevice and the device operations of users (access token) and administrators.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use cognate_crypto::srp::PasswordVerifier;
use cognate_store::{DeviceRecord, StoreError, UserRecord};
use cognate_wire::idp::*;
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive};

use crate::devices::{DeviceConfig, device_not_found, device_type, seal_verifier};
use crate::errors::store_failure;
use crate::paging::page_request;
use crate::service::IdpService;

/// ListDevices' page size when the caller gives none (the model's maximum; Cognito's
/// default is not documented).
const DEFAULT_LIMIT: u32 = 60;

fn missing_access_token() -> ApiError {
    ApiError::invalid_parameter("Missing required parameter AccessToken")
}

/// The user's device `key`; another user's device is "not found" as a missing one is.
async fn device_of(
    svc: &IdpService,
    user: &UserRecord,
    key: &str,
) -> Result<DeviceRecord, ApiError> {
    svc.store
        .get_device(&user.pool_id, key)
        .await
        .map_err(store_failure)?
        .filter(|d| d.sub == user.sub)
        .ok_or_else(device_not_found)
}

fn gone(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => device_not_found(),
        other => store_failure(other),
    }
}

/// ConfirmDevice's verifier: standard base64 of the client's hex strings as bytes (the
/// verifier 384 or 385 bytes, the salt 16 or 17, cognito-auth-protocol.md §1.6).
fn parse_verifier(
    config: Option<&DeviceSecretVerifierConfigType>,
) -> Result<PasswordVerifier, ApiError> {
    let invalid = || ApiError::invalid_parameter("Invalid DeviceSecretVerifierConfig.");
    let config = config.ok_or_else(invalid)?;
    let decode = |text: Option<&String>| {
        text.and_then(|t| STANDARD.decode(t).ok())
            .filter(|bytes| !bytes.is_empty())
    };
    let verifier = decode(config.password_verifier.as_ref()).ok_or_else(invalid)?;
    let salt = decode(config.salt.as_ref()).ok_or_else(invalid)?;
    PasswordVerifier::from_parts(&salt, &verifier).map_err(|_| invalid())
}

pub async fn confirm_device(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ConfirmDeviceRequest,
) -> Result<ConfirmDeviceResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let device = device_of(svc, &access.user, &input.device_key).await?;
    let verifier = parse_verifier(input.device_secret_verifier_config.as_ref())?;
    let sealed = seal_verifier(&svc.kek, &device, &verifier)?;
    let prompt = DeviceConfig::of(&access.pool.record.settings)
        .is_some_and(|c| c.only_remembered_on_user_prompt);
    let stored = svc
        .store
        .confirm_device(
            &device.pool_id,
            &device.sub,
            &device.device_key,
            &sealed,
            input.device_name.as_deref(),
            !prompt,
            ctx.now_ms,
        )
        .await
        .map_err(gone)?;
    if !stored {
        // The wording is Cognate's (Cognito's is not confirmed).
        return Err(ApiError::new(
            ErrorCode::DeviceKeyExistsException,
            "Device has already been confirmed.",
        ));
    }
    Ok(ConfirmDeviceResponse {
        user_confirmation_necessary: Some(prompt),
    })
}

async fn set_status(
    svc: &IdpService,
    user: &UserRecord,
    key: &str,
    status: Option<DeviceRememberedStatusType>,
    now_ms: i64,
) -> Result<(), ApiError> {
    let mut device = device_of(svc, user, key).await?;
    if let Some(status) = status {
        device.remembered = status == DeviceRememberedStatusType::Remembered;
    }
    device.modified_ms = now_ms;
    svc.store.update_device(&device).await.map_err(gone)
}

async fn list(
    svc: &IdpService,
    user: &UserRecord,
    limit: Option<i32>,
    token: Option<String>,
) -> Result<(Vec<DeviceType>, Option<String>), ApiError> {
    let page = svc
        .store
        .list_devices(
            &user.pool_id,
            &user.sub,
            &page_request(limit, token, DEFAULT_LIMIT),
        )
        .await
        .map_err(store_failure)?;
    Ok((page.items.iter().map(device_type).collect(), page.next))
}

async fn forget(svc: &IdpService, user: &UserRecord, key: &str) -> Result<(), ApiError> {
    device_of(svc, user, key).await?;
    svc.store
        .delete_device(&user.pool_id, &user.sub, key)
        .await
        .map_err(gone)
}

pub async fn get_device(
    svc: &IdpService,
    ctx: &RequestContext,
    input: GetDeviceRequest,
) -> Result<GetDeviceResponse, ApiError> {
    let token = input
        .access_token
        .as_ref()
        .ok_or_else(missing_access_token)?;
    let access = svc
        .authenticate_access_token(token.expose(), ctx.now_ms)
        .await?;
    let device = device_of(svc, &access.user, &input.device_key).await?;
    Ok(GetDeviceResponse {
        device: device_type(&device),
    })
}

pub async fn list_devices(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ListDevicesRequest,
) -> Result<ListDevicesResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let (devices, next) = list(svc, &access.user, input.limit, input.pagination_token).await?;
    Ok(ListDevicesResponse {
        devices: Some(devices),
        pagination_token: next,
    })
}

pub async fn update_device_status(
    svc: &IdpService,
    ctx: &RequestContext,
    input: UpdateDeviceStatusRequest,
) -> Result<UpdateDeviceStatusResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    set_status(
        svc,
        &access.user,
        &input.device_key,
        input.device_remembered_status,
        ctx.now_ms,
    )
    .await?;
    Ok(UpdateDeviceStatusResponse::default())
}

pub async fn forget_device(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ForgetDeviceRequest,
) -> Result<(), ApiError> {
    let token = input
        .access_token
        .as_ref()
        .ok_or_else(missing_access_token)?;
    let access = svc
        .authenticate_access_token(token.expose(), ctx.now_ms)
        .await?;
    forget(svc, &access.user, &input.device_key).await
}

async fn admin_user(
    svc: &IdpService,
    pool_id: &str,
    username: &Sensitive<String>,
) -> Result<UserRecord, ApiError> {
    let pool = svc.pool_rules(pool_id).await?;
    svc.user(&pool, username.expose()).await
}

pub async fn admin_get_device(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: AdminGetDeviceRequest,
) -> Result<AdminGetDeviceResponse, ApiError> {
    let user = admin_user(svc, &input.user_pool_id, &input.username).await?;
    let device = device_of(svc, &user, &input.device_key).await?;
    Ok(AdminGetDeviceResponse {
        device: device_type(&device),
    })
}

pub async fn admin_list_devices(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: AdminListDevicesRequest,
) -> Result<AdminListDevicesResponse, ApiError> {
    let user = admin_user(svc, &input.user_pool_id, &input.username).await?;
    let (devices, next) = list(svc, &user, input.limit, input.pagination_token).await?;
    Ok(AdminListDevicesResponse {
        devices: Some(devices),
        pagination_token: next,
    })
}

pub async fn admin_update_device_status(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminUpdateDeviceStatusRequest,
) -> Result<AdminUpdateDeviceStatusResponse, ApiError> {
    let user = admin_user(svc, &input.user_pool_id, &input.username).await?;
    set_status(
        svc,
        &user,
        &input.device_key,
        input.device_remembered_status,
        ctx.now_ms,
    )
    .await?;
    Ok(AdminUpdateDeviceStatusResponse::default())
}

pub async fn admin_forget_device(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: AdminForgetDeviceRequest,
) -> Result<(), ApiError> {
    let user = admin_user(svc, &input.user_pool_id, &input.username).await?;
    forget(svc, &user, &input.device_key).await
}
