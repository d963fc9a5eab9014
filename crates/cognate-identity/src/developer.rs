//! Developer-authenticated identities: GetOpenIdTokenForDeveloperIdentity,
//! LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity.
//!
//! A developer user identifier is linked to an identity as the login
//! (DeveloperProviderName, identifier), like any other login.

use std::collections::{BTreeMap, BTreeSet};

use cognate_store::{
    Constraint, IdentityRecord, LoginKey, StoreError, decode_cursor, encode_cursor,
};
use cognate_wire::identity::{
    GetOpenIdTokenForDeveloperIdentityInput, GetOpenIdTokenForDeveloperIdentityResponse,
    LookupDeveloperIdentityInput, LookupDeveloperIdentityResponse, MergeDeveloperIdentitiesInput,
    MergeDeveloperIdentitiesResponse, UnlinkDeveloperIdentityInput,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive};

use crate::errors::{
    identity_not_found, invalid_pagination_token, limit_exceeded, resource_conflict, store_failure,
};
use crate::identities::{Logins, MAX_LOGINS, identity_for_logins};
use crate::logins::VerifiedLogin;
use crate::openid::{self, DEVELOPER_TOKEN_DEFAULT_SECONDS, TokenContent};
use crate::pools::view::PoolView;
use crate::service::IdentityService;

const LOOKUP_LISTING: &str = "developer-identifiers";
const MAX_LOOKUP_PAGE: usize = 60;

/// The pool's developer provider name, or Cognito's refusal (text unconfirmed).
fn developer_provider(view: &PoolView, pool_id: &str) -> Result<String, ApiError> {
    view.developer_provider_name.clone().ok_or_else(|| {
        ApiError::invalid_parameter(format!(
            "Identity pool {pool_id} does not have a developer provider name."
        ))
    })
}

fn check_provider_name(expected: &str, given: &str) -> Result<(), ApiError> {
    if expected == given {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "Developer provider name '{given}' does not match the identity pool's."
        )))
    }
}

async fn owner_of(
    svc: &IdentityService,
    pool_id: &str,
    login: &LoginKey,
) -> Result<Option<IdentityRecord>, ApiError> {
    svc.store
        .find_identity_by_login(pool_id, login)
        .await
        .map_err(store_failure)
}

fn already_registered() -> ApiError {
    ApiError::new(
        ErrorCode::DeveloperUserAlreadyRegisteredException,
        "The developer user identifier is already registered with another identity.",
    )
}

pub async fn get_token(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: GetOpenIdTokenForDeveloperIdentityInput,
) -> Result<GetOpenIdTokenForDeveloperIdentityResponse, ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let view = PoolView::of(&record);
    let provider = developer_provider(&view, &record.id)?;
    let mut public: Logins = input.logins;
    let Some(user) = public.remove(&provider) else {
        return Err(ApiError::invalid_parameter(format!(
            "Logins must contain the developer provider '{provider}'."
        )));
    };
    let user_id: String = user.expose().clone();
    let developer_login = LoginKey::new(&provider, &user_id);
    let verified: Vec<VerifiedLogin> = svc
        .verify_logins(&record.id, &view, &public, ctx.now_ms)
        .await?;
    let mut keys: Vec<LoginKey> = verified
        .iter()
        .filter_map(VerifiedLogin::link_key)
        .collect();
    keys.push(developer_login.clone());

    let identity_id = match input.identity_id {
        Some(identity_id) => {
            let identity = svc.identity(&identity_id).await?;
            if identity.pool_id != record.id {
                return Err(identity_not_found(&identity_id));
            }
            match svc.store.link_logins(&identity.id, &keys, ctx.now_ms).await {
                Ok(()) => identity.id,
                Err(StoreError::Conflict(Constraint::IdentityLogin)) => {
                    return Err(already_registered());
                }
                Err(e) => return Err(store_failure(e)),
            }
        }
        None => match owner_of(svc, &record.id, &developer_login).await? {
            Some(identity) => {
                svc.store
                    .link_logins(&identity.id, &keys, ctx.now_ms)
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(Constraint::IdentityLogin) => {
                            resource_conflict("A login is already linked to another identity.")
                        }
                        other => store_failure(other),
                    })?;
                identity.id
            }
            None => {
                identity_for_logins(
                    svc,
                    ctx,
                    &record.id,
                    &verified,
                    std::slice::from_ref(&developer_login),
                )
                .await?
            }
        },
    };
    let amr = vec![
        "authenticated".to_owned(),
        provider.clone(),
        format!("{provider}:{}:{user_id}", record.id),
    ];
    let tags: BTreeMap<String, String> = input.principal_tags.unwrap_or_default();
    let token = openid::sign(
        svc,
        &TokenContent {
            identity_id: &identity_id,
            identity_pool_id: &record.id,
            amr: &amr,
            principal_tags: &tags,
            issued_at_s: ctx.now_ms.div_euclid(1000),
            lifetime_s: input
                .token_duration
                .unwrap_or(DEVELOPER_TOKEN_DEFAULT_SECONDS),
        },
    )
    .await?;
    Ok(GetOpenIdTokenForDeveloperIdentityResponse {
        identity_id: Some(identity_id),
        token: Some(Sensitive::new(token)),
    })
}

pub async fn lookup(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: LookupDeveloperIdentityInput,
) -> Result<LookupDeveloperIdentityResponse, ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let provider = developer_provider(&PoolView::of(&record), &record.id)?;
    let identity = match (&input.identity_id, &input.developer_user_identifier) {
        (None, None) => {
            return Err(ApiError::invalid_parameter(
                "Either IdentityId or DeveloperUserIdentifier must be provided.",
            ));
        }
        (Some(identity_id), None) => svc.identity(identity_id).await?,
        (identity_id, Some(user)) => {
            let owner = owner_of(svc, &record.id, &LoginKey::new(&provider, user))
                .await?
                .ok_or_else(|| {
                    ApiError::resource_not_found(format!(
                        "DeveloperUserIdentifier '{user}' not found."
                    ))
                })?;
            if identity_id.as_ref().is_some_and(|id| id != &owner.id) {
                return Err(resource_conflict(
                    "The IdentityId and the DeveloperUserIdentifier belong to different \
                     identities.",
                ));
            }
            owner
        }
    };
    if identity.pool_id != record.id {
        return Err(identity_not_found(&identity.id));
    }
    let identifiers: Vec<String> = identity
        .logins
        .iter()
        .filter(|l| l.provider == provider)
        .map(|l| l.subject.clone())
        .collect();
    let start: usize = match &input.next_token {
        Some(token) => {
            decode_cursor(LOOKUP_LISTING, token).map_err(|_| invalid_pagination_token())?
        }
        None => 0,
    };
    let limit = input
        .max_results
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(MAX_LOOKUP_PAGE)
        .clamp(1, MAX_LOOKUP_PAGE);
    let page: Vec<String> = identifiers
        .iter()
        .skip(start)
        .take(limit)
        .cloned()
        .collect();
    let next = start.saturating_add(limit);
    let next_token = (next < identifiers.len())
        .then(|| encode_cursor(LOOKUP_LISTING, &next))
        .transpose()
        .map_err(store_failure)?;
    Ok(LookupDeveloperIdentityResponse {
        identity_id: Some(identity.id),
        developer_user_identifier_list: Some(page),
        next_token,
    })
}

pub async fn merge(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: MergeDeveloperIdentitiesInput,
) -> Result<MergeDeveloperIdentitiesResponse, ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let provider = developer_provider(&PoolView::of(&record), &record.id)?;
    check_provider_name(&provider, &input.developer_provider_name)?;
    let find = |user: String| {
        let provider = provider.clone();
        let pool_id = record.id.clone();
        async move {
            owner_of(svc, &pool_id, &LoginKey::new(&provider, &user))
                .await?
                .ok_or_else(|| {
                    ApiError::resource_not_found(format!(
                        "DeveloperUserIdentifier '{user}' not found."
                    ))
                })
        }
    };
    let source = find(input.source_user_identifier).await?;
    let target = find(input.destination_user_identifier).await?;
    if source.id == target.id {
        return Ok(MergeDeveloperIdentitiesResponse {
            identity_id: Some(target.id),
        });
    }
    // Only one login per public provider may end up on the identity (developer guide).
    let public = |identity: &IdentityRecord| -> BTreeSet<String> {
        identity
            .logins
            .iter()
            .filter(|l| l.provider != provider)
            .map(|l| l.provider.clone())
            .collect()
    };
    if !public(&source).is_disjoint(&public(&target)) {
        return Err(resource_conflict(
            "The identities cannot be merged: both are linked to the same login provider.",
        ));
    }
    if source.logins.len() + target.logins.len() > MAX_LOGINS {
        return Err(limit_exceeded(format!(
            "The merged identity would have more than {MAX_LOGINS} linked logins."
        )));
    }
    svc.store
        .merge_identities(&source.id, &target.id, ctx.now_ms)
        .await
        .map_err(store_failure)?;
    tracing::info!(source = %source.id, target = %target.id, "developer identities merged");
    Ok(MergeDeveloperIdentitiesResponse {
        identity_id: Some(target.id),
    })
}

pub async fn unlink(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: UnlinkDeveloperIdentityInput,
) -> Result<(), ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let provider = developer_provider(&PoolView::of(&record), &record.id)?;
    check_provider_name(&provider, &input.developer_provider_name)?;
    let identity = svc.identity(&input.identity_id).await?;
    if identity.pool_id != record.id {
        return Err(identity_not_found(&identity.id));
    }
    let login = LoginKey::new(&provider, &input.developer_user_identifier);
    if !identity.logins.contains(&login) {
        return Err(ApiError::resource_not_found(format!(
            "DeveloperUserIdentifier '{}' not found.",
            input.developer_user_identifier
        )));
    }
    svc.store
        .unlink_logins(&identity.id, &[login], ctx.now_ms)
        .await
        .map_err(store_failure)
}
