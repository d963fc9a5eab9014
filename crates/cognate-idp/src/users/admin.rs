//! Admin user operations (AdminCreateUser, AdminGetUser, ListUsers, ...).
//!
//! The listing operations live in `list.rs`, group membership in `membership.rs`; this
//! module holds the single-user operations and the helpers the three share.

use serde_json::{Value, json};

use cognate_crypto::ids::uuid;
use cognate_domain::attributes::{
    AttributeError, ClientAttributeAccess, CreateOperation, WriteMode, Writer, apply_update,
    validate_write,
};
use cognate_domain::codes::CodePurpose;
use cognate_domain::messages::{Channel, MessagePurpose, MessageTemplates};
use cognate_domain::password_policy::PasswordSetter;
use cognate_domain::user_status::{StatusEvent, TransitionError, UserStatus, transition};
use cognate_store::{AliasChange, AliasClaim, Constraint, StoreError, UserRecord};
use cognate_wire::idp::{
    AdminConfirmSignUpRequest, AdminConfirmSignUpResponse, AdminCreateUserRequest,
    AdminCreateUserResponse, AdminDeleteUserAttributesRequest, AdminDeleteUserAttributesResponse,
    AdminDeleteUserRequest, AdminDisableUserRequest, AdminDisableUserResponse,
    AdminEnableUserRequest, AdminEnableUserResponse, AdminGetUserRequest, AdminGetUserResponse,
    AdminResetUserPasswordRequest, AdminResetUserPasswordResponse, AdminSetUserPasswordRequest,
    AdminSetUserPasswordResponse, AdminUpdateUserAttributesRequest,
    AdminUpdateUserAttributesResponse, AdminUserGlobalSignOutRequest,
    AdminUserGlobalSignOutResponse, AttributeType, DeliveryMediumType, MFAOptionType,
    MessageActionType,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive, Timestamp};

use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::user_not_found;
use crate::users::self_service::hold_until_verified;
use crate::users::view::{all_attributes, attribute_types, status, user_type};

/// Operations of this area that are implemented.
pub const IMPLEMENTED: &[&str] = &[
    "AdminAddUserToGroup",
    "AdminConfirmSignUp",
    "AdminCreateUser",
    "AdminDeleteUser",
    "AdminDeleteUserAttributes",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminGetUser",
    "AdminListGroupsForUser",
    "AdminRemoveUserFromGroup",
    "AdminResetUserPassword",
    "AdminSetUserPassword",
    "AdminUpdateUserAttributes",
    "AdminUserGlobalSignOut",
    "ListUsers",
    "ListUsersInGroup",
];

// ----- helpers shared by the admin modules -----

/// An attribute rule's failure as the error Cognito answers with.
pub(crate) fn attribute_error(error: AttributeError) -> ApiError {
    let code = error
        .code
        .parse()
        .unwrap_or(ErrorCode::InvalidParameterException);
    ApiError::new(code, error.message)
}

fn transition_error(error: TransitionError) -> ApiError {
    let code = error
        .code()
        .parse()
        .unwrap_or(ErrorCode::NotAuthorizedException);
    ApiError::new(code, error.to_string())
}

/// A store failure of a user write, with the conflicts Cognito names.
pub(crate) fn user_write_failure(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(Constraint::Username) => ApiError::new(
            ErrorCode::UsernameExistsException,
            "User account already exists",
        ),
        StoreError::Conflict(Constraint::Alias(kind)) => ApiError::new(
            ErrorCode::AliasExistsException,
            format!("An account with the {kind} already exists."),
        ),
        StoreError::NotFound => user_not_found(),
        other => store_failure(other),
    }
}

/// The request's attributes as `(name, value)` pairs, `None` for a missing value.
fn request_pairs(attributes: &[AttributeType]) -> Vec<(String, Option<String>)> {
    attributes
        .iter()
        .map(|a| (a.name.clone(), a.value.as_ref().map(|v| v.expose().clone())))
        .collect()
}

fn present(pairs: &[(String, Option<String>)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(n, v)| v.clone().map(|v| (n.clone(), v)))
        .collect()
}

/// The aliases `attributes` claim in this pool.
pub(crate) fn alias_claims(pool: &PoolRules, attributes: &[(String, String)]) -> Vec<AliasClaim> {
    pool.sign_in
        .alias_claims(attributes)
        .into_iter()
        .map(|(kind, value_key)| AliasClaim {
            kind: kind.as_str().to_owned(),
            value_key,
        })
        .collect()
}

/// The alias change from `before` to `after`: claim what `after` holds, release the rest.
fn alias_change(
    pool: &PoolRules,
    before: &[(String, String)],
    after: &[(String, String)],
) -> AliasChange {
    let claim = alias_claims(pool, after);
    let release = alias_claims(pool, before)
        .into_iter()
        .filter(|old| !claim.iter().any(|new| new.kind == old.kind))
        .map(|old| old.kind)
        .collect();
    AliasChange {
        claim,
        release,
        take_over: false,
    }
}

fn admin_access() -> ClientAttributeAccess {
    ClientAttributeAccess::default()
}

fn invalid_password(
    violation: cognate_domain::password_policy::PasswordPolicyViolation,
) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidPasswordException,
        violation.message(PasswordSetter::Admin),
    )
}

async fn save(svc: &IdpService, user: &UserRecord, aliases: &AliasChange) -> Result<(), ApiError> {
    svc.store
        .update_user(user, aliases)
        .await
        .map_err(user_write_failure)
}

fn is_verified(user: &UserRecord, attribute: &str) -> bool {
    user.attribute(&format!("{attribute}_verified")) == Some("true")
}

// ----- AdminCreateUser -----

/// Where the invitation goes: each desired medium the user has an address for.
fn invitation_targets(
    user: &UserRecord,
    mediums: Option<&[DeliveryMediumType]>,
) -> Vec<(Channel, String)> {
    let mediums = mediums
        .filter(|m| !m.is_empty())
        .unwrap_or(&[DeliveryMediumType::Email]);
    let mut out = Vec::new();
    for medium in mediums {
        let channel = match medium {
            DeliveryMediumType::Email => Channel::Email,
            DeliveryMediumType::Sms => Channel::Sms,
        };
        if let Some(address) = user.attribute(channel.attribute())
            && !out.iter().any(|(c, _)| *c == channel)
        {
            out.push((channel, address.to_owned()));
        }
    }
    out
}

async fn send_invitation(
    svc: &IdpService,
    pool: &PoolRules,
    user: &UserRecord,
    shown_username: &str,
    password: &str,
    mediums: Option<&[DeliveryMediumType]>,
    now_ms: i64,
) -> Result<(), ApiError> {
    let templates = MessageTemplates::from_settings(&pool.record.settings);
    for (channel, address) in invitation_targets(user, mediums) {
        let rendered = templates.render(
            MessagePurpose::Invitation,
            channel,
            password,
            shown_username,
        );
        svc.deliver(
            pool,
            user,
            MessagePurpose::Invitation,
            channel,
            &address,
            rendered.subject,
            rendered.body,
            Some(password.to_owned()),
            now_ms,
        )
        .await?;
    }
    Ok(())
}

/// The password a new user starts with: the given one (checked against the policy), none
/// when none is given and the invitation is suppressed, else a generated one. A generated
/// password that is never sent could never be used, so it is not made at all: the user has no
/// password until an administrator sets one or a RESEND sends a new one, which is what
/// Cognito's unknowable password amounts to, without an Argon2 hash (and an SRP verifier) per
/// user that makes bulk creation slow.
fn initial_password(
    pool: &PoolRules,
    given: Option<&Sensitive<String>>,
    action: Option<&MessageActionType>,
) -> Result<Option<String>, ApiError> {
    match (given, action) {
        (None, Some(MessageActionType::Suppress)) => Ok(None),
        (given, _) => temporary_password(pool, given).map(Some),
    }
}

/// The temporary password: the given one (checked against the policy) or a generated one.
fn temporary_password(
    pool: &PoolRules,
    given: Option<&Sensitive<String>>,
) -> Result<String, ApiError> {
    match given {
        Some(password) => {
            pool.password_policy
                .check(password.expose())
                .map_err(invalid_password)?;
            Ok(password.expose().clone())
        }
        None => Ok(pool.password_policy.generate_temporary_password()),
    }
}

pub async fn create_user(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminCreateUserRequest,
) -> Result<AdminCreateUserResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let requested = input.username.expose().clone();
    let now = ctx.now_ms;

    if input.message_action == Some(MessageActionType::Resend) {
        let mut user = svc.user(&pool, &requested).await?;
        let current = UserStatus::parse(&user.status);
        if current != Some(UserStatus::ForceChangePassword) {
            return Err(ApiError::new(
                ErrorCode::UnsupportedUserStateException,
                format!(
                    "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                    user.username
                ),
            ));
        }
        let status = transition(current, StatusEvent::AdminCreateUser).map_err(transition_error)?;
        let password = temporary_password(&pool, input.temporary_password.as_ref())?;
        user.password_hash = Some(svc.hash_password(&password).await?);
        user.srp_verifier_sealed = Some(svc.sealed_srp_verifier(&user, &password).await?);
        user.password_expires_ms =
            Some(now.saturating_add(pool.password_policy.temporary_password_validity_ms()));
        user.status = status.as_str().to_owned();
        user.modified_ms = now;
        save(svc, &user, &AliasChange::default()).await?;
        send_invitation(
            svc,
            &pool,
            &user,
            &requested,
            &password,
            input.desired_delivery_mediums.as_deref(),
            now,
        )
        .await?;
        return Ok(AdminCreateUserResponse {
            user: Some(user_type(&user, None)),
        });
    }

    let pairs = request_pairs(input.user_attributes.as_deref().unwrap_or_default());
    validate_write(
        &pool.schema,
        &admin_access(),
        Writer::Admin,
        WriteMode::Create {
            check_required: false,
        },
        &pairs,
        &[],
    )
    .map_err(attribute_error)?;
    let sub = uuid();
    let new = pool
        .sign_in
        .new_username(
            &requested,
            &sub,
            &present(&pairs),
            CreateOperation::AdminCreateUser,
        )
        .map_err(attribute_error)?;
    let password = initial_password(
        &pool,
        input.temporary_password.as_ref(),
        input.message_action.as_ref(),
    )?;
    let status = transition(None, StatusEvent::AdminCreateUser).map_err(transition_error)?;

    // A later value of the same name wins, as in an update.
    let attributes = apply_update(&[], &new.attributes)
        .into_iter()
        .filter(|(name, _)| name != "sub")
        .collect::<Vec<_>>();
    // apply_update adds `*_verified=false` for a new email/phone; keep that out unless given.
    let mut attributes: Vec<(String, String)> = attributes
        .into_iter()
        .filter(|(name, value)| {
            !(matches!(name.as_str(), "email_verified" | "phone_number_verified")
                && value == "false"
                && !new.attributes.iter().any(|(n, _)| n == name))
        })
        .collect();
    // Kept sorted by name, as the store returns them.
    attributes.sort();
    let claims = alias_claims(&pool, &attributes);
    let take_over =
        input.force_alias_creation == Some(true) && pool.sign_in.username_attributes.is_empty();
    let mut user = UserRecord {
        pool_id: pool.id().to_owned(),
        sub,
        username: new.username,
        username_key: new.username_key,
        status: status.as_str().to_owned(),
        enabled: true,
        password_hash: None,
        password_expires_ms: None,
        srp_verifier_sealed: None,
        attributes,
        created_ms: now,
        modified_ms: now,
        tokens_revoked_before_ms: 0,
        extra: json!({}),
    };
    if let Some(password) = &password {
        user.password_hash = Some(svc.hash_password(password).await?);
        user.password_expires_ms =
            Some(now.saturating_add(pool.password_policy.temporary_password_validity_ms()));
        user.srp_verifier_sealed = Some(svc.sealed_srp_verifier(&user, password).await?);
    }
    svc.store
        .create_user(&user, &claims, take_over)
        .await
        .map_err(|error| match error {
            // In UsernameAttributes pools the sign-in attribute is the username.
            StoreError::Conflict(Constraint::Alias(kind))
                if pool
                    .sign_in
                    .username_attributes
                    .iter()
                    .any(|k| k.as_str() == kind) =>
            {
                ApiError::new(
                    ErrorCode::UsernameExistsException,
                    "User account already exists",
                )
            }
            StoreError::NotFound => crate::errors::pool_not_found(pool.id()),
            other => user_write_failure(other),
        })?;
    // Without SUPPRESS there is always a password to send.
    let invitation = password
        .as_deref()
        .filter(|_| input.message_action != Some(MessageActionType::Suppress));
    if let Some(password) = invitation {
        send_invitation(
            svc,
            &pool,
            &user,
            &requested,
            password,
            input.desired_delivery_mediums.as_deref(),
            now,
        )
        .await?;
    }
    Ok(AdminCreateUserResponse {
        user: Some(user_type(&user, None)),
    })
}

// ----- AdminGetUser, AdminDeleteUser, AdminDisableUser, AdminEnableUser -----

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value.and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

pub async fn get_user(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: AdminGetUserRequest,
) -> Result<AdminGetUserResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    let mfa_options: Option<Vec<MFAOptionType>> = user
        .extra
        .get("MFAOptions")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .filter(|v: &Vec<MFAOptionType>| !v.is_empty());
    Ok(AdminGetUserResponse {
        username: Sensitive::from(user.username.clone()),
        user_attributes: Some(attribute_types(&all_attributes(&user))),
        user_create_date: Some(Timestamp::from_millis(user.created_ms)),
        user_last_modified_date: Some(Timestamp::from_millis(user.modified_ms)),
        enabled: Some(user.enabled),
        user_status: status(&user),
        mfa_options,
        preferred_mfa_setting: user
            .extra
            .get("PreferredMfaSetting")
            .and_then(Value::as_str)
            .map(str::to_owned),
        user_mfa_setting_list: string_list(user.extra.get("UserMFASettingList"))
            .filter(|l| !l.is_empty()),
    })
}

pub async fn delete_user(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: AdminDeleteUserRequest,
) -> Result<(), ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    svc.store
        .delete_user(pool.id(), &user.sub)
        .await
        .map_err(user_write_failure)
}

async fn set_enabled(
    svc: &IdpService,
    ctx: &RequestContext,
    pool_id: &str,
    username: &str,
    enabled: bool,
) -> Result<(), ApiError> {
    let pool = svc.pool_rules(pool_id).await?;
    let mut user = svc.user(&pool, username).await?;
    if user.enabled != enabled {
        user.enabled = enabled;
        user.modified_ms = ctx.now_ms;
        save(svc, &user, &AliasChange::default()).await?;
    }
    if !enabled {
        svc.store
            .revoke_user_tokens(pool.id(), &user.sub, ctx.now_ms)
            .await
            .map_err(user_write_failure)?;
    }
    Ok(())
}

pub async fn disable_user(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminDisableUserRequest,
) -> Result<AdminDisableUserResponse, ApiError> {
    set_enabled(
        svc,
        ctx,
        &input.user_pool_id,
        input.username.expose(),
        false,
    )
    .await?;
    Ok(AdminDisableUserResponse::default())
}

pub async fn enable_user(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminEnableUserRequest,
) -> Result<AdminEnableUserResponse, ApiError> {
    set_enabled(svc, ctx, &input.user_pool_id, input.username.expose(), true).await?;
    Ok(AdminEnableUserResponse::default())
}

// ----- AdminUpdateUserAttributes, AdminDeleteUserAttributes -----

/// Attributes the pool verifies automatically (`AutoVerifiedAttributes`).
fn auto_verified(pool: &PoolRules) -> Vec<String> {
    string_list(pool.record.settings.get("AutoVerifiedAttributes")).unwrap_or_default()
}

pub async fn update_user_attributes(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminUpdateUserAttributesRequest,
) -> Result<AdminUpdateUserAttributesResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let mut user = svc.user(&pool, input.username.expose()).await?;
    let pairs = request_pairs(&input.user_attributes);
    validate_write(
        &pool.schema,
        &admin_access(),
        Writer::Admin,
        WriteMode::Update,
        &pairs,
        &user.attributes,
    )
    .map_err(attribute_error)?;
    let mut updates = present(&pairs);
    // A change the pool keeps until verified is held, unless the admin verifies it here.
    let marked_verified = |name: &str| {
        let flag = format!("{name}_verified");
        updates.iter().any(|(n, v)| *n == flag && v == "true")
    };
    let verified_here: Vec<&str> = ["email", "phone_number"]
        .into_iter()
        .filter(|n| marked_verified(n))
        .collect();
    let held = hold_until_verified(&pool, &mut user, &mut updates, |n| {
        verified_here.contains(&n)
    });
    let before = user.attributes.clone();
    let mut after = apply_update(&before, &updates);
    after.sort();
    let changes = alias_change(&pool, &before, &after);
    user.attributes = after;
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &changes).await?;
    for (name, address) in &held {
        let channel = if name == "email" {
            Channel::Email
        } else {
            Channel::Sms
        };
        let Some(purpose) = CodePurpose::for_attribute(name) else {
            continue;
        };
        svc.send_code(
            &pool,
            &user,
            purpose,
            MessagePurpose::AttributeVerification,
            channel,
            address,
            ctx.now_ms,
        )
        .await?;
    }
    // A changed, unverified email or phone number the pool verifies gets a code.
    let auto = auto_verified(&pool);
    for (attribute, channel) in [("email", Channel::Email), ("phone_number", Channel::Sms)] {
        let changed = before.iter().find(|(n, _)| n == attribute).map(|(_, v)| v)
            != user
                .attributes
                .iter()
                .find(|(n, _)| n == attribute)
                .map(|(_, v)| v);
        if !changed || is_verified(&user, attribute) || !auto.iter().any(|a| a == attribute) {
            continue;
        }
        let (Some(purpose), Some(address)) = (
            CodePurpose::for_attribute(attribute),
            user.attribute(attribute).map(str::to_owned),
        ) else {
            continue;
        };
        svc.send_code(
            &pool,
            &user,
            purpose,
            MessagePurpose::AttributeVerification,
            channel,
            &address,
            ctx.now_ms,
        )
        .await?;
    }
    Ok(AdminUpdateUserAttributesResponse::default())
}

pub async fn delete_user_attributes(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminDeleteUserAttributesRequest,
) -> Result<AdminDeleteUserAttributesResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let mut user = svc.user(&pool, input.username.expose()).await?;
    for name in &input.user_attribute_names {
        let Some(attr) = pool.schema.get(name) else {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid user attributes: user.{name}: Attribute does not exist in the schema."
            )));
        };
        if name == "sub" || attr.required {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid user attributes: user.{name}: The attribute is required"
            )));
        }
    }
    let before = user.attributes.clone();
    let removed = |name: &str| {
        input.user_attribute_names.iter().any(|n| {
            n == name
                || (n == "email" && name == "email_verified")
                || (n == "phone_number" && name == "phone_number_verified")
        })
    };
    user.attributes.retain(|(name, _)| !removed(name));
    let changes = alias_change(&pool, &before, &user.attributes);
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &changes).await?;
    Ok(AdminDeleteUserAttributesResponse::default())
}

// ----- AdminConfirmSignUp -----

pub async fn confirm_sign_up(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminConfirmSignUpRequest,
) -> Result<AdminConfirmSignUpResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let mut user = svc.user(&pool, input.username.expose()).await?;
    let next = match UserStatus::parse(&user.status) {
        Some(current) => {
            transition(Some(current), StatusEvent::ConfirmSignUp).map_err(transition_error)?
        }
        None => {
            return Err(ApiError::new(
                ErrorCode::NotAuthorizedException,
                format!(
                    "User cannot be confirmed. Current status is {}",
                    user.status
                ),
            ));
        }
    };
    user.status = next.as_str().to_owned();
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &AliasChange::default()).await?;
    Ok(AdminConfirmSignUpResponse::default())
}

// ----- AdminSetUserPassword -----

pub async fn set_user_password(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminSetUserPasswordRequest,
) -> Result<AdminSetUserPasswordResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let mut user = svc.user(&pool, input.username.expose()).await?;
    let password = input.password.expose();
    let permanent = input.permanent.unwrap_or(false);
    if permanent {
        svc.check_new_password(&pool, &user.username, password, PasswordSetter::Admin)?;
    } else {
        pool.password_policy
            .check(password)
            .map_err(invalid_password)?;
    }
    let next = transition(
        UserStatus::parse(&user.status),
        StatusEvent::AdminSetUserPassword { permanent },
    )
    .map_err(transition_error)?;
    // History as ChangePassword keeps it (users/passwords.rs).
    svc.check_password_history(&pool, &user, password).await?;
    svc.set_password(&pool, &mut user, password).await?;
    user.password_expires_ms = (!permanent).then(|| {
        ctx.now_ms
            .saturating_add(pool.password_policy.temporary_password_validity_ms())
    });
    user.status = next.as_str().to_owned();
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &AliasChange::default()).await?;
    Ok(AdminSetUserPasswordResponse::default())
}

// ----- AdminResetUserPassword -----

/// Where the reset code goes: the first verified address in `AccountRecoverySetting`'s
/// priority order; without that setting, a verified phone number before a verified email
/// (Cognito's legacy behaviour, as ForgotPassword does).
fn recovery_channel(pool: &PoolRules, user: &UserRecord) -> Option<(Channel, String)> {
    let verified = |attribute: &str, channel: Channel| {
        is_verified(user, attribute)
            .then(|| user.attribute(attribute).map(|a| (channel, a.to_owned())))
            .flatten()
    };
    let email = || verified("email", Channel::Email);
    let phone = || verified("phone_number", Channel::Sms);
    let mut mechanisms: Vec<(i64, String)> = pool
        .record
        .settings
        .pointer("/AccountRecoverySetting/RecoveryMechanisms")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| {
                    let name = m.get("Name").and_then(Value::as_str)?;
                    let priority = m
                        .get("Priority")
                        .and_then(Value::as_i64)
                        .unwrap_or(i64::MAX);
                    Some((priority, name.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    if mechanisms.is_empty() {
        return phone().or_else(email);
    }
    mechanisms.sort();
    mechanisms.iter().find_map(|(_, name)| match name.as_str() {
        "verified_email" => email(),
        "verified_phone_number" => phone(),
        _ => None,
    })
}

pub async fn reset_user_password(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminResetUserPasswordRequest,
) -> Result<AdminResetUserPasswordResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let mut user = svc.user(&pool, input.username.expose()).await?;
    let next = transition(
        UserStatus::parse(&user.status),
        StatusEvent::AdminResetUserPassword,
    )
    .map_err(transition_error)?;
    let target = recovery_channel(&pool, &user);
    let Some((channel, address)) = target else {
        return Err(ApiError::invalid_parameter(
            "Cannot reset password for the user as there is no registered/verified email or phone_number",
        ));
    };
    user.status = next.as_str().to_owned();
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &AliasChange::default()).await?;
    svc.send_code(
        &pool,
        &user,
        CodePurpose::ForgotPassword,
        MessagePurpose::ForgotPassword,
        channel,
        &address,
        ctx.now_ms,
    )
    .await?;
    Ok(AdminResetUserPasswordResponse::default())
}

// ----- AdminUserGlobalSignOut -----

pub async fn user_global_sign_out(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminUserGlobalSignOutRequest,
) -> Result<AdminUserGlobalSignOutResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    svc.store
        .revoke_user_tokens(pool.id(), &user.sub, ctx.now_ms)
        .await
        .map_err(user_write_failure)?;
    Ok(AdminUserGlobalSignOutResponse::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_store::UserPoolRecord;

    fn pool(settings: Value) -> PoolRules {
        PoolRules::new(UserPoolRecord {
            id: "us-east-1_abc".into(),
            name: "p".into(),
            arn: "arn".into(),
            created_ms: 0,
            modified_ms: 0,
            settings,
            tags: Default::default(),
        })
    }

    fn user(attributes: &[(&str, &str)]) -> UserRecord {
        UserRecord {
            pool_id: "us-east-1_abc".into(),
            sub: "00000000-0000-4000-8000-000000000000".into(),
            username: "u".into(),
            username_key: "u".into(),
            status: "CONFIRMED".into(),
            enabled: true,
            password_hash: None,
            srp_verifier_sealed: None,
            password_expires_ms: None,
            attributes: attributes
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            created_ms: 0,
            modified_ms: 0,
            tokens_revoked_before_ms: 0,
            extra: json!({}),
        }
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_suppressed_invitation_without_a_password_creates_none() {
        let rules = pool(json!({}));
        let suppress = Some(&MessageActionType::Suppress);
        assert_eq!(initial_password(&rules, None, suppress).unwrap(), None);
        let given = Sensitive::new("Given-Pass1".to_owned());
        assert_eq!(
            initial_password(&rules, Some(&given), suppress).unwrap(),
            Some("Given-Pass1".to_owned())
        );
        let weak = Sensitive::new("weak".to_owned());
        assert!(initial_password(&rules, Some(&weak), suppress).is_err());
        // Sent (or resent): generated, and it meets the pool's policy.
        for action in [None, Some(&MessageActionType::Resend)] {
            let generated = initial_password(&rules, None, action).unwrap().unwrap();
            assert_eq!(rules.password_policy.check(&generated), Ok(()));
        }
    }

    #[test]
    fn verified_changes_are_held_only_when_the_pool_asks() {
        let held_pool = pool(json!({
            "UserAttributeUpdateSettings": {
                "AttributesRequireVerificationBeforeUpdate": ["email"]
            }
        }));
        let mut u = user(&[("email", "a@example.com"), ("email_verified", "true")]);
        let mut updates = owned(&[("email", "b@example.com"), ("name", "B")]);
        let held = hold_until_verified(&held_pool, &mut u, &mut updates, |_| false);
        assert_eq!(held, owned(&[("email", "b@example.com")]));
        assert_eq!(updates, owned(&[("name", "B")]));
        assert_eq!(
            crate::users::self_service::pending_value(&u, "email").as_deref(),
            Some("b@example.com")
        );

        // Set directly (an admin verifying it), the change applies and the pending one goes.
        let mut updates = owned(&[("email", "c@example.com")]);
        let held = hold_until_verified(&held_pool, &mut u, &mut updates, |_| true);
        assert!(held.is_empty());
        assert_eq!(updates.len(), 1);
        assert_eq!(crate::users::self_service::pending_value(&u, "email"), None);
        assert_eq!(u.extra, json!({}));

        // Without the setting nothing is held.
        let mut updates = owned(&[("email", "b@example.com")]);
        let held = hold_until_verified(&pool(json!({})), &mut u, &mut updates, |_| false);
        assert!(held.is_empty());
        assert_eq!(updates.len(), 1);
    }

    #[test]
    fn invitation_goes_by_email_unless_asked_otherwise() {
        let both = user(&[("email", "a@example.com"), ("phone_number", "+15550100")]);
        assert_eq!(
            invitation_targets(&both, None),
            [(Channel::Email, "a@example.com".to_owned())]
        );
        assert_eq!(
            invitation_targets(&both, Some(&[DeliveryMediumType::Sms])),
            [(Channel::Sms, "+15550100".to_owned())]
        );
        assert_eq!(
            invitation_targets(
                &both,
                Some(&[
                    DeliveryMediumType::Sms,
                    DeliveryMediumType::Email,
                    DeliveryMediumType::Sms
                ])
            )
            .len(),
            2
        );
        // No address for the medium: nothing to send.
        let email_only = user(&[("email", "a@example.com")]);
        assert!(invitation_targets(&email_only, Some(&[DeliveryMediumType::Sms])).is_empty());
    }

    #[test]
    fn alias_change_claims_new_and_releases_dropped_aliases() {
        let pool = pool(json!({"AliasAttributes": ["email", "preferred_username"]}));
        let before = owned(&[
            ("email", "a@example.com"),
            ("email_verified", "true"),
            ("preferred_username", "ann"),
        ]);
        // Email unverified: no longer an alias; preferred_username stays claimed.
        let after = owned(&[
            ("email", "b@example.com"),
            ("email_verified", "false"),
            ("preferred_username", "ann"),
        ]);
        let change = alias_change(&pool, &before, &after);
        assert_eq!(
            change.claim,
            [AliasClaim {
                kind: "preferred_username".into(),
                value_key: "ann".into()
            }]
        );
        assert_eq!(change.release, ["email"]);
        assert!(!change.take_over);
    }

    #[test]
    fn reset_code_follows_account_recovery_priority() {
        let verified_both = user(&[
            ("email", "a@example.com"),
            ("email_verified", "true"),
            ("phone_number", "+15550100"),
            ("phone_number_verified", "true"),
        ]);
        let legacy = pool(json!({}));
        assert_eq!(
            recovery_channel(&legacy, &verified_both).map(|(c, _)| c),
            Some(Channel::Sms)
        );
        let email_first = pool(json!({"AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Name": "verified_phone_number", "Priority": 2},
            {"Name": "verified_email", "Priority": 1}
        ]}}));
        assert_eq!(
            recovery_channel(&email_first, &verified_both).map(|(c, _)| c),
            Some(Channel::Email)
        );
        let unverified = user(&[("email", "a@example.com"), ("email_verified", "false")]);
        assert_eq!(recovery_channel(&email_first, &unverified), None);
    }

    #[test]
    fn store_conflicts_become_cognito_errors() {
        let username = user_write_failure(StoreError::Conflict(Constraint::Username));
        assert_eq!(username.code, ErrorCode::UsernameExistsException);
        assert_eq!(username.message, "User account already exists");
        let alias = user_write_failure(StoreError::Conflict(Constraint::Alias("email".into())));
        assert_eq!(alias.code, ErrorCode::AliasExistsException);
        assert_eq!(alias.message, "An account with the email already exists.");
        let gone = user_write_failure(StoreError::NotFound);
        assert_eq!(gone.code, ErrorCode::UserNotFoundException);
        assert_eq!(gone.message, "User does not exist.");
    }

    #[test]
    fn missing_values_are_kept_apart_from_present_ones() {
        let pairs = request_pairs(&[
            AttributeType {
                name: "email".into(),
                value: Some(Sensitive::from("a@example.com".to_owned())),
            },
            AttributeType {
                name: "name".into(),
                value: None,
            },
        ]);
        assert_eq!(pairs[1], ("name".to_owned(), None));
        assert_eq!(present(&pairs), owned(&[("email", "a@example.com")]));
    }
}
