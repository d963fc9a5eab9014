//! SignUp, ConfirmSignUp and ResendConfirmationCode: public operations named by an app
//! client, unsigned.

use serde_json::json;

use cognate_domain::attributes::{CreateOperation, WriteMode, Writer, validate_write};
use cognate_domain::codes::CodePurpose;
use cognate_domain::messages::{Channel, MessagePurpose};
use cognate_domain::password_policy::PasswordSetter;
use cognate_domain::user_status::{StatusEvent, UserStatus, transition};
use cognate_store::{AliasChange, Constraint, StoreError, UserRecord};
use cognate_wire::idp::{
    CodeDeliveryDetailsType, ConfirmSignUpRequest, ConfirmSignUpResponse,
    ResendConfirmationCodeRequest, ResendConfirmationCodeResponse, SignUpRequest, SignUpResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::self_service::{
    alias_claims, alias_exists, attribute_error, prevents_existence_errors, request_pairs,
    set_attribute, simulated_delivery, transition_error, unknown_user,
};

/// The attribute a sign-up confirmation code goes to: the first of the pool's
/// AutoVerifiedAttributes the user has, email preferred.
pub(crate) fn confirmation_channel(
    pool: &PoolRules,
    user: &UserRecord,
) -> Option<(Channel, String)> {
    let auto = auto_verified(pool);
    [(Channel::Email, "email"), (Channel::Sms, "phone_number")]
        .into_iter()
        .filter(|(_, name)| auto.iter().any(|a| a == name))
        .find_map(|(channel, name)| user.attribute(name).map(|v| (channel, v.to_owned())))
}

/// The pool's `AutoVerifiedAttributes`.
pub(crate) fn auto_verified(pool: &PoolRules) -> Vec<String> {
    pool.record
        .settings
        .get("AutoVerifiedAttributes")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn sign_up(
    svc: &IdpService,
    ctx: &RequestContext,
    input: SignUpRequest,
) -> Result<SignUpResponse, ApiError> {
    let requested = input.username.expose().as_str();
    let (client, pool) = svc
        .public_client(
            input.client_id.expose(),
            requested,
            input.secret_hash.as_ref(),
        )
        .await?;

    let pairs = request_pairs(input.user_attributes.as_deref().unwrap_or_default());
    validate_write(
        &pool.schema,
        &client.access,
        Writer::User,
        WriteMode::Create {
            check_required: true,
        },
        &pairs,
        &[],
    )
    .map_err(attribute_error)?;
    let given: Vec<(String, String)> = pairs
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
    let sub = cognate_crypto::ids::uuid();
    let new = pool
        .sign_in
        .new_username(requested, &sub, &given, CreateOperation::SignUp)
        .map_err(attribute_error)?;

    let Some(password) = input.password.as_ref().map(|p| p.expose().as_str()) else {
        // Passwordless sign-up needs choice-based sign-in, which Cognate does not offer yet
        // (message not confirmed).
        return Err(ApiError::new(
            ErrorCode::InvalidParameterException,
            "Password is required.",
        ));
    };
    svc.check_new_password(&pool, requested, password, PasswordSetter::User)?;
    // Fail fast on a taken username before spending a hash on it.
    if svc
        .store
        .get_user(pool.id(), &new.username_key)
        .await
        .map_err(store_failure)?
        .is_some()
    {
        return Err(user_exists());
    }
    let status = transition(
        None,
        StatusEvent::SignUp {
            auto_confirmed: false,
        },
    )
    .map_err(transition_error)?;
    let hash = svc.hash_password(password).await?;

    let mut attributes = new.attributes;
    attributes.sort();
    let mut user = UserRecord {
        pool_id: pool.id().to_owned(),
        sub: sub.clone(),
        username: new.username,
        username_key: new.username_key,
        status: status.as_str().to_owned(),
        enabled: true,
        password_hash: Some(hash),
        password_expires_ms: None,
        srp_verifier_sealed: None,
        attributes,
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
        tokens_revoked_before_ms: 0,
        extra: json!({}),
    };
    user.srp_verifier_sealed = Some(svc.sealed_srp_verifier(&user, password).await?);
    let claims = alias_claims(&pool, &user.attributes);
    match svc.store.create_user(&user, &claims, false).await {
        Ok(()) => {}
        Err(StoreError::Conflict(Constraint::Username)) => return Err(user_exists()),
        Err(StoreError::Conflict(Constraint::Alias(kind))) => {
            // A sign-in attribute used as the username is the username.
            return Err(
                if pool
                    .sign_in
                    .username_attributes
                    .iter()
                    .any(|k| k.as_str() == kind)
                {
                    ApiError::new(
                        ErrorCode::UsernameExistsException,
                        format!("An account with the given {kind} already exists."),
                    )
                } else {
                    alias_exists(&kind)
                },
            );
        }
        Err(other) => return Err(store_failure(other)),
    }

    let code_delivery_details = match confirmation_channel(&pool, &user) {
        Some((channel, address)) => Some(
            svc.send_code(
                &pool,
                &user,
                CodePurpose::SignUp,
                MessagePurpose::SignUpConfirmation,
                channel,
                &address,
                ctx.now_ms,
            )
            .await?,
        ),
        None => None,
    };
    // For sign-in right after confirmation (`auth::after_sign_up`); clients pass it on to
    // ConfirmSignUp, which issues the session that signs in.
    let session = crate::auth::after_sign_up::issue(svc, &client, &user, ctx.now_ms)?;
    Ok(SignUpResponse {
        user_confirmed: false,
        code_delivery_details,
        user_sub: sub,
        session: Some(session.into()),
    })
}

fn user_exists() -> ApiError {
    ApiError::new(ErrorCode::UsernameExistsException, "User already exists")
}

pub async fn confirm_sign_up(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ConfirmSignUpRequest,
) -> Result<ConfirmSignUpResponse, ApiError> {
    let username = input.username.expose().as_str();
    let (client, pool) = svc
        .public_client(
            input.client_id.expose(),
            username,
            input.secret_hash.as_ref(),
        )
        .await?;
    let Some(mut user) = svc.find_user(&pool, username).await? else {
        return Err(if prevents_existence_errors(&client) {
            code_mismatch()
        } else {
            unknown_user()
        });
    };
    let current = UserStatus::parse(&user.status);
    let confirmed = transition(current, StatusEvent::ConfirmSignUp).map_err(transition_error)?;
    svc.check_code(
        &pool,
        &user,
        CodePurpose::SignUp,
        &input.confirmation_code,
        ctx.now_ms,
    )
    .await?;

    let verified = confirmation_channel(&pool, &user);
    user.status = confirmed.as_str().to_owned();
    if let Some((channel, _)) = verified {
        set_attribute(
            &mut user.attributes,
            &format!("{}_verified", channel.attribute()),
            "true",
        );
    }
    user.modified_ms = ctx.now_ms;
    let change = AliasChange {
        claim: alias_claims(&pool, &user.attributes),
        release: Vec::new(),
        take_over: input.force_alias_creation.unwrap_or(false),
    };
    match svc.store.update_user(&user, &change).await {
        // The code just proved the user; the session signs them in once (USER_AUTH). The
        // SignUp session a client may send is not required (Cognate's reading: the code
        // is the proof, and SignUp's session may have expired while the code travelled).
        Ok(()) => Ok(ConfirmSignUpResponse {
            session: Some(
                crate::auth::after_sign_up::issue(svc, &client, &user, ctx.now_ms)?.into(),
            ),
        }),
        Err(StoreError::Conflict(Constraint::Alias(kind))) => Err(alias_exists(&kind)),
        Err(StoreError::NotFound) => Err(unknown_user()),
        Err(other) => Err(store_failure(other)),
    }
}

fn code_mismatch() -> ApiError {
    ApiError::new(
        ErrorCode::CodeMismatchException,
        "Invalid verification code provided, please try again.",
    )
}

pub async fn resend_confirmation_code(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ResendConfirmationCodeRequest,
) -> Result<ResendConfirmationCodeResponse, ApiError> {
    let username = input.username.expose().as_str();
    let (client, pool) = svc
        .public_client(
            input.client_id.expose(),
            username,
            input.secret_hash.as_ref(),
        )
        .await?;
    let no_auto_verification = || {
        ApiError::new(
            ErrorCode::InvalidParameterException,
            "Cannot resend codes. Auto verification not turned on.",
        )
    };
    let Some(user) = svc.find_user(&pool, username).await? else {
        if prevents_existence_errors(&client) {
            let details: Option<CodeDeliveryDetailsType> =
                simulated_delivery(&auto_verified(&pool), username);
            return details
                .map(|d| ResendConfirmationCodeResponse {
                    code_delivery_details: Some(d),
                })
                .ok_or_else(no_auto_verification);
        }
        return Err(unknown_user());
    };
    if user.status != UserStatus::Unconfirmed.as_str() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterException,
            "User is already confirmed.",
        ));
    }
    let Some((channel, address)) = confirmation_channel(&pool, &user) else {
        return Err(no_auto_verification());
    };
    let details = svc
        .send_code(
            &pool,
            &user,
            CodePurpose::SignUp,
            MessagePurpose::SignUpConfirmation,
            channel,
            &address,
            ctx.now_ms,
        )
        .await?;
    Ok(ResendConfirmationCodeResponse {
        code_delivery_details: Some(details),
    })
}
