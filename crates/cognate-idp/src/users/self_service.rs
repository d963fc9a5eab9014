//! Self-service user operations (SignUp, ConfirmSignUp, GetUser, ChangePassword, ...).
//!
//! Sign-up lives in `signup.rs`, passwords in `passwords.rs`; this module holds the
//! operations authorised by an access token and the helpers they share.

use cognate_domain::attributes::{
    AttributeError, WriteMode, Writer, apply_update, is_email, is_phone_number, validate_write,
};
use cognate_domain::codes::CodePurpose;
use cognate_domain::messages::{Channel, MessagePurpose};
use cognate_domain::user_status::TransitionError;
use cognate_store::{AliasChange, AliasClaim, CodeRecord, Constraint, StoreError, UserRecord};
use cognate_wire::idp::{
    AttributeType, CodeDeliveryDetailsType, DeleteUserAttributesRequest,
    DeleteUserAttributesResponse, DeleteUserRequest, GetUserAttributeVerificationCodeRequest,
    GetUserAttributeVerificationCodeResponse, GetUserRequest, GetUserResponse,
    GlobalSignOutRequest, GlobalSignOutResponse, MFAOptionType, UpdateUserAttributesRequest,
    UpdateUserAttributesResponse, VerifyUserAttributeRequest, VerifyUserAttributeResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive};

use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::codes::delivery_details;
use crate::users::lookup::user_not_found;
use crate::users::signup::auto_verified;
use crate::users::view::{all_attributes, attribute_types};

/// Operations of this area that are implemented.
pub const IMPLEMENTED: &[&str] = &[
    "ChangePassword",
    "ConfirmForgotPassword",
    "ConfirmSignUp",
    "DeleteUser",
    "DeleteUserAttributes",
    "ForgotPassword",
    "GetUser",
    "GetUserAttributeVerificationCode",
    "GlobalSignOut",
    "ResendConfirmationCode",
    "SignUp",
    "UpdateUserAttributes",
    "VerifyUserAttribute",
];

// ----- shared helpers -----------------------------------------------------------------

/// An attribute rule's failure as the API error it names.
pub(crate) fn attribute_error(error: AttributeError) -> ApiError {
    let code = error
        .code
        .parse::<ErrorCode>()
        .unwrap_or(ErrorCode::InvalidParameterException);
    ApiError::new(code, error.message)
}

pub(crate) fn transition_error(error: TransitionError) -> ApiError {
    let code = error
        .code()
        .parse::<ErrorCode>()
        .unwrap_or(ErrorCode::NotAuthorizedException);
    ApiError::new(code, error.to_string())
}

/// A request's attributes as `(name, value)` pairs (`None`: no value given).
pub(crate) fn request_pairs(attributes: &[AttributeType]) -> Vec<(String, Option<String>)> {
    attributes
        .iter()
        .map(|a| (a.name.clone(), a.value.as_ref().map(|v| v.expose().clone())))
        .collect()
}

/// The sign-in identifiers `attrs` hold, as store claims.
pub(crate) fn alias_claims(pool: &PoolRules, attrs: &[(String, String)]) -> Vec<AliasClaim> {
    pool.sign_in
        .alias_claims(attrs)
        .into_iter()
        .map(|(kind, value_key)| AliasClaim {
            kind: kind.as_str().to_owned(),
            value_key,
        })
        .collect()
}

/// The alias change taking a user from `before` to `after`: claim what `after` holds,
/// release kinds it no longer holds.
pub(crate) fn alias_change(
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

pub(crate) fn alias_exists(kind: &str) -> ApiError {
    ApiError::new(
        ErrorCode::AliasExistsException,
        format!("An account with the {kind} already exists."),
    )
}

/// `UserNotFoundException` as the public, client-named operations word it.
pub(crate) fn unknown_user() -> ApiError {
    ApiError::new(
        ErrorCode::UserNotFoundException,
        "Username/client id combination not found.",
    )
}

/// Whether the client hides whether a user exists (`PreventUserExistenceErrors`).
pub(crate) fn prevents_existence_errors(client: &crate::users::lookup::ClientRules) -> bool {
    client
        .record
        .settings
        .get("PreventUserExistenceErrors")
        .and_then(|v| v.as_str())
        == Some("ENABLED")
}

/// Delivery details for a user who does not exist, shaped like a real answer so the
/// response does not reveal it. `None` when no channel is possible at all.
pub(crate) fn simulated_delivery(
    channels: &[String],
    username: &str,
) -> Option<CodeDeliveryDetailsType> {
    if is_email(username) {
        return Some(delivery_details(Channel::Email, username));
    }
    if is_phone_number(username) {
        return Some(delivery_details(Channel::Sms, username));
    }
    let local: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(16)
        .collect();
    let local = if local.is_empty() {
        "user".into()
    } else {
        local
    };
    if channels.iter().any(|c| c == "email") {
        Some(delivery_details(
            Channel::Email,
            &format!("{local}@example.com"),
        ))
    } else if channels.iter().any(|c| c == "phone_number") {
        Some(delivery_details(Channel::Sms, "+10000000000"))
    } else {
        None
    }
}

/// Sets (or adds) attribute `name`, keeping the list sorted by name.
pub(crate) fn set_attribute(attributes: &mut Vec<(String, String)>, name: &str, value: &str) {
    match attributes.iter_mut().find(|(n, _)| n == name) {
        Some(entry) => entry.1 = value.to_owned(),
        None => {
            attributes.push((name.to_owned(), value.to_owned()));
            attributes.sort();
        }
    }
}

/// Writes `user` with `change`, mapping alias conflicts and a vanished user.
async fn save(svc: &IdpService, user: &UserRecord, change: &AliasChange) -> Result<(), ApiError> {
    match svc.store.update_user(user, change).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(Constraint::Alias(kind))) => Err(alias_exists(&kind)),
        Err(StoreError::NotFound) => Err(user_not_found()),
        Err(other) => Err(store_failure(other)),
    }
}

/// Kills any live code of `purpose` (a code sent to an address the user has since
/// changed must not verify the new one).
async fn revoke_code(
    svc: &IdpService,
    pool: &PoolRules,
    user: &UserRecord,
    purpose: CodePurpose,
    now_ms: i64,
) -> Result<(), ApiError> {
    let dead = CodeRecord {
        pool_id: pool.id().to_owned(),
        sub: user.sub.clone(),
        purpose: purpose.as_str().to_owned(),
        code_hash: Vec::new(),
        created_ms: now_ms,
        expires_ms: now_ms,
        attempts_left: 0,
    };
    svc.store.put_code(&dead).await.map_err(store_failure)
}

/// Where a user's changes waiting for verification are kept in `extra`.
const PENDING: &str = "PendingAttributeUpdates";

/// Attributes the pool keeps until a change is verified
/// (`UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`).
pub(crate) fn verify_before_update(pool: &PoolRules) -> Vec<String> {
    pool.record
        .settings
        .get("UserAttributeUpdateSettings")
        .and_then(|s| s.get("AttributesRequireVerificationBeforeUpdate"))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The change of `name` waiting for verification, if any.
pub(crate) fn pending_value(user: &UserRecord, name: &str) -> Option<String> {
    user.extra
        .get(PENDING)
        .and_then(|p| p.get(name))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn set_pending(user: &mut UserRecord, name: &str, value: Option<&str>) {
    if !user.extra.is_object() {
        user.extra = serde_json::json!({});
    }
    let Some(extra) = user.extra.as_object_mut() else {
        return;
    };
    let pending = extra
        .entry(PENDING)
        .or_insert_with(|| serde_json::json!({}));
    if !pending.is_object() {
        *pending = serde_json::json!({});
    }
    if let Some(map) = pending.as_object_mut() {
        match value {
            Some(v) => {
                map.insert(name.to_owned(), serde_json::Value::String(v.to_owned()));
            }
            None => {
                map.remove(name);
            }
        }
        if map.is_empty() {
            extra.remove(PENDING);
        }
    }
}

/// Takes out of `updates` the changes of verified attributes the pool keeps until the new
/// value is verified, and records them as pending in `user.extra` (replacing an earlier
/// pending change). `direct(name)`: the caller applies `name` at once anyway (an admin
/// setting `<name>_verified` true). Any other update of an attribute drops its pending
/// change. Returns the held changes.
pub(crate) fn hold_until_verified(
    pool: &PoolRules,
    user: &mut UserRecord,
    updates: &mut Vec<(String, String)>,
    direct: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let guarded = verify_before_update(pool);
    let mut held = Vec::new();
    for name in ["email", "phone_number"] {
        let Some(new) = updates
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
        else {
            continue;
        };
        let verified = user.attribute(&format!("{name}_verified")) == Some("true");
        let hold = guarded.iter().any(|g| g == name)
            && verified
            && user.attribute(name).is_some()
            && !direct(name);
        if !hold {
            set_pending(user, name, None);
            continue;
        }
        updates.retain(|(n, _)| n != name);
        if user.attribute(name) == Some(new.as_str()) {
            set_pending(user, name, None);
        } else {
            set_pending(user, name, Some(&new));
            held.push((name.to_owned(), new));
        }
    }
    held
}

fn verifiable(name: &str) -> Option<(Channel, CodePurpose)> {
    match name {
        "email" => Some((Channel::Email, CodePurpose::VerifyEmail)),
        "phone_number" => Some((Channel::Sms, CodePurpose::VerifyPhoneNumber)),
        _ => None,
    }
}

// ----- operations ---------------------------------------------------------------------

pub async fn get_user(
    svc: &IdpService,
    ctx: &RequestContext,
    input: GetUserRequest,
) -> Result<GetUserResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let client = svc.client_of_pool(&access.pool, &access.client_id).await?;
    let attributes = client.access.readable(&all_attributes(&access.user));
    // MFA settings live in `extra` under their wire names (as AdminGetUser reads them).
    let extra = &access.user.extra;
    let mfa_options: Option<Vec<MFAOptionType>> = extra
        .get("MFAOptions")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .filter(|v: &Vec<MFAOptionType>| !v.is_empty());
    let user_mfa_setting_list: Option<Vec<String>> = extra
        .get("UserMFASettingList")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .filter(|v: &Vec<String>| !v.is_empty());
    Ok(GetUserResponse {
        username: Sensitive::from(access.user.username.clone()),
        user_attributes: attribute_types(&attributes),
        mfa_options,
        preferred_mfa_setting: extra
            .get("PreferredMfaSetting")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        user_mfa_setting_list,
    })
}

pub async fn update_user_attributes(
    svc: &IdpService,
    ctx: &RequestContext,
    input: UpdateUserAttributesRequest,
) -> Result<UpdateUserAttributesResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let pool = access.pool;
    let mut user = access.user;
    let client = svc.client_of_pool(&pool, &access.client_id).await?;
    let pairs = request_pairs(&input.user_attributes);
    validate_write(
        &pool.schema,
        &client.access,
        Writer::User,
        WriteMode::Update,
        &pairs,
        &user.attributes,
    )
    .map_err(attribute_error)?;
    let mut updates: Vec<(String, String)> = pairs
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
    let held = hold_until_verified(&pool, &mut user, &mut updates, |_| false);
    let before = user.attributes.clone();
    let mut after = apply_update(&before, &updates);
    after.sort();
    let change = alias_change(&pool, &before, &after);
    user.attributes = after;
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &change).await?;

    // A changed email or phone number that became unverified gets a code, when the pool
    // verifies that attribute.
    let auto = auto_verified(&pool);
    let mut details = Vec::new();
    // A held change gets its code at the new address; the old value stays in effect.
    for (name, address) in &held {
        let Some((channel, purpose)) = verifiable(name) else {
            continue;
        };
        details.push(
            svc.send_code(
                &pool,
                &user,
                purpose,
                MessagePurpose::AttributeVerification,
                channel,
                address,
                ctx.now_ms,
            )
            .await?,
        );
    }
    for name in ["email", "phone_number"] {
        let Some((channel, purpose)) = verifiable(name) else {
            continue;
        };
        let changed = updates.iter().any(|(n, _)| n == name);
        let unverified = user.attribute(&format!("{name}_verified")) == Some("false");
        if !(changed && unverified) {
            continue;
        }
        if !auto.iter().any(|a| a == name) {
            revoke_code(svc, &pool, &user, purpose, ctx.now_ms).await?;
            continue;
        }
        if let Some(address) = user.attribute(name).map(str::to_owned) {
            details.push(
                svc.send_code(
                    &pool,
                    &user,
                    purpose,
                    MessagePurpose::AttributeVerification,
                    channel,
                    &address,
                    ctx.now_ms,
                )
                .await?,
            );
        }
    }
    Ok(UpdateUserAttributesResponse {
        code_delivery_details_list: (!details.is_empty()).then_some(details),
    })
}

pub async fn delete_user_attributes(
    svc: &IdpService,
    ctx: &RequestContext,
    input: DeleteUserAttributesRequest,
) -> Result<DeleteUserAttributesResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let pool = access.pool;
    let mut user = access.user;
    let client = svc.client_of_pool(&pool, &access.client_id).await?;
    let mut problems = String::new();
    for name in &input.user_attribute_names {
        let reason = match pool.schema.get(name) {
            None => Some("Attribute does not exist in the schema."),
            Some(a) if name == "sub" || !a.mutable => {
                Some("Attribute cannot be updated. (changing an immutable attribute)")
            }
            Some(a) if a.required => Some("The attribute is required"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            problems.push_str(&format!("user.{name}: {reason}\n"));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid_parameter(problems));
    }
    if input
        .user_attribute_names
        .iter()
        .any(|n| !client.access.can_write(&pool.schema, n))
    {
        return Err(ApiError::new(
            ErrorCode::NotAuthorizedException,
            "A client attempted to write unauthorized attribute",
        ));
    }
    let before = user.attributes.clone();
    let names = &input.user_attribute_names;
    let removed = |n: &str| {
        names.iter().any(|d| {
            d == n
                || (n == "email_verified" && d == "email")
                || (n == "phone_number_verified" && d == "phone_number")
        })
    };
    let after: Vec<(String, String)> = before
        .iter()
        .filter(|(n, _)| !removed(n))
        .cloned()
        .collect();
    for name in names {
        set_pending(&mut user, name, None);
    }
    let change = alias_change(&pool, &before, &after);
    user.attributes = after;
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &change).await?;
    Ok(DeleteUserAttributesResponse::default())
}

pub async fn get_user_attribute_verification_code(
    svc: &IdpService,
    ctx: &RequestContext,
    input: GetUserAttributeVerificationCodeRequest,
) -> Result<GetUserAttributeVerificationCodeResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let name = input.attribute_name.as_str();
    let (channel, purpose) = verifiable(name)
        .ok_or_else(|| ApiError::invalid_parameter(format!("Invalid attribute name: {name}")))?;
    // A change waiting for verification is verified at its new address, never the old one.
    let address = pending_value(&access.user, name)
        .or_else(|| access.user.attribute(name).map(str::to_owned))
        .ok_or_else(|| ApiError::invalid_parameter(format!("The user has no attribute {name}.")))?;
    let details = svc
        .send_code(
            &access.pool,
            &access.user,
            purpose,
            MessagePurpose::AttributeVerification,
            channel,
            &address,
            ctx.now_ms,
        )
        .await?;
    Ok(GetUserAttributeVerificationCodeResponse {
        code_delivery_details: Some(details),
    })
}

pub async fn verify_user_attribute(
    svc: &IdpService,
    ctx: &RequestContext,
    input: VerifyUserAttributeRequest,
) -> Result<VerifyUserAttributeResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let pool = access.pool;
    let mut user = access.user;
    let name = input.attribute_name.as_str();
    let (_, purpose) = verifiable(name)
        .ok_or_else(|| ApiError::invalid_parameter(format!("Invalid attribute name: {name}")))?;
    svc.check_code(&pool, &user, purpose, &input.code, ctx.now_ms)
        .await?;
    let before = user.attributes.clone();
    // A change held until verification replaces the old value now.
    if let Some(value) = pending_value(&user, name) {
        set_attribute(&mut user.attributes, name, &value);
        set_pending(&mut user, name, None);
    }
    set_attribute(&mut user.attributes, &format!("{name}_verified"), "true");
    let change = alias_change(&pool, &before, &user.attributes);
    user.modified_ms = ctx.now_ms;
    save(svc, &user, &change).await?;
    Ok(VerifyUserAttributeResponse::default())
}

pub async fn delete_user(
    svc: &IdpService,
    ctx: &RequestContext,
    input: DeleteUserRequest,
) -> Result<(), ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    match svc
        .store
        .delete_user(access.pool.id(), &access.user.sub)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound) => Err(user_not_found()),
        Err(other) => Err(store_failure(other)),
    }
}

pub async fn global_sign_out(
    svc: &IdpService,
    ctx: &RequestContext,
    input: GlobalSignOutRequest,
) -> Result<GlobalSignOutResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    match svc
        .store
        .revoke_user_tokens(access.pool.id(), &access.user.sub, ctx.now_ms)
        .await
    {
        Ok(()) => Ok(GlobalSignOutResponse::default()),
        Err(StoreError::NotFound) => Err(user_not_found()),
        Err(other) => Err(store_failure(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_stay_sorted() {
        let mut attrs = vec![("email".to_owned(), "a@b.c".to_owned())];
        set_attribute(&mut attrs, "email_verified", "true");
        set_attribute(&mut attrs, "birthdate", "2000-01-01");
        set_attribute(&mut attrs, "email", "x@y.z");
        let names: Vec<&str> = attrs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["birthdate", "email", "email_verified"]);
        assert_eq!(attrs[1].1, "x@y.z");
    }

    #[test]
    fn simulated_delivery_looks_real() {
        let d = simulated_delivery(&[], "someone@example.org").unwrap();
        assert_eq!(d.attribute_name.as_deref(), Some("email"));
        let d = simulated_delivery(&["email".to_owned()], "bob").unwrap();
        assert_eq!(d.attribute_name.as_deref(), Some("email"));
        let d = simulated_delivery(&["phone_number".to_owned()], "bob").unwrap();
        assert_eq!(d.attribute_name.as_deref(), Some("phone_number"));
        assert!(simulated_delivery(&[], "bob").is_none());
    }

    #[test]
    fn attribute_errors_keep_their_code() {
        let e = attribute_error(AttributeError {
            code: "NotAuthorizedException",
            message: "A client attempted to write unauthorized attribute".into(),
        });
        assert_eq!(e.code, ErrorCode::NotAuthorizedException);
    }
}
