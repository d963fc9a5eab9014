//! Identities: GetId, DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity,
//! and the checks every credential operation shares (who may act for an identity).

use std::collections::BTreeMap;

use cognate_crypto::ids;
use cognate_store::{Constraint, IdentityRecord, LoginKey, PageRequest, StoreError};
use cognate_wire::identity::{
    DeleteIdentitiesInput, DeleteIdentitiesResponse, DescribeIdentityInput, ErrorCode, GetIdInput,
    GetIdResponse, IdentityDescription, ListIdentitiesInput, ListIdentitiesResponse,
    UnlinkIdentityInput, UnprocessedIdentityId,
};
use cognate_wire::{ApiError, RequestContext, Sensitive, Timestamp};

use crate::errors::{
    logins_dont_match, not_authorized, pool_not_found, resource_conflict, store_failure,
    unauthenticated_not_supported,
};
use crate::logins::{LoginSource, VerifiedLogin};
use crate::pools::view::PoolView;
use crate::service::IdentityService;

/// ListIdentities' `MaxResults` range (`QueryLimit`: 1–60).
const MAX_PAGE: u32 = 60;
/// Logins one identity may hold (MergeDeveloperIdentities' documented limit).
pub const MAX_LOGINS: usize = 20;

pub type Logins = BTreeMap<String, Sensitive<String>>;

/// Who is acting for an identity, once its logins have been checked.
pub enum Acting {
    Unauthenticated,
    /// The logins that verified; the first one decides role and tags.
    Authenticated(Vec<VerifiedLogin>),
}

impl Acting {
    pub fn primary(&self) -> Option<&VerifiedLogin> {
        match self {
            Self::Unauthenticated => None,
            Self::Authenticated(logins) => logins.first(),
        }
    }
}

pub async fn get_id(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: GetIdInput,
) -> Result<GetIdResponse, ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let view = PoolView::of(&record);
    let logins = input.logins.unwrap_or_default();
    if logins.is_empty() {
        if !view.allow_unauthenticated {
            return Err(unauthenticated_not_supported());
        }
        let identity = new_identity(svc, ctx, &record.id, Vec::new()).await?;
        return Ok(GetIdResponse {
            identity_id: Some(identity),
        });
    }
    let verified = svc
        .verify_logins(&record.id, &view, &logins, ctx.now_ms)
        .await?;
    let identity = identity_for_logins(svc, ctx, &record.id, &verified, &[]).await?;
    Ok(GetIdResponse {
        identity_id: Some(identity),
    })
}

async fn new_identity(
    svc: &IdentityService,
    ctx: &RequestContext,
    pool_id: &str,
    logins: Vec<LoginKey>,
) -> Result<String, ApiError> {
    let identity = IdentityRecord {
        id: ids::identity_id(&svc.config.region),
        pool_id: pool_id.to_owned(),
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
        logins,
        merged_into: None,
    };
    svc.store
        .create_identity(&identity)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => pool_not_found(pool_id),
            // Another request linked one of the logins first (see `is_login_conflict`).
            StoreError::Conflict(Constraint::IdentityLogin) => {
                resource_conflict("A login is already linked to another identity.")
            }
            other => store_failure(other),
        })?;
    tracing::info!(identity_id = %identity.id, identity_pool_id = pool_id, "identity created");
    Ok(identity.id)
}

/// The identity verified logins (plus `trusted` ones, such as a developer login from a
/// signed call) belong to: the one they are linked to (linking the others to it; logins of
/// several identities merge them into the oldest), the identity an identity-pool token
/// names, or a new one.
pub async fn identity_for_logins(
    svc: &IdentityService,
    ctx: &RequestContext,
    pool_id: &str,
    verified: &[VerifiedLogin],
    trusted: &[LoginKey],
) -> Result<String, ApiError> {
    let mut keys: Vec<LoginKey> = verified
        .iter()
        .filter_map(VerifiedLogin::link_key)
        .collect();
    keys.extend(trusted.iter().cloned());
    // Two rounds: a concurrent GetId may link a login between our read and our write.
    for _ in 0..2 {
        let mut owners: Vec<IdentityRecord> = Vec::new();
        for login in verified {
            if let LoginSource::IdentityToken { identity_id } = &login.source {
                let identity = svc.identity(identity_id).await?;
                if identity.pool_id != pool_id {
                    return Err(logins_dont_match());
                }
                if !owners.iter().any(|o| o.id == identity.id) {
                    owners.push(identity);
                }
            }
        }
        for key in &keys {
            let owner = svc
                .store
                .find_identity_by_login(pool_id, key)
                .await
                .map_err(store_failure)?;
            if let Some(owner) = owner
                && !owners.iter().any(|o| o.id == owner.id)
            {
                owners.push(owner);
            }
        }
        owners.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        let result = match owners.split_first() {
            None => match new_identity(svc, ctx, pool_id, keys.clone()).await {
                Err(e) if is_login_conflict(&e) => continue,
                other => other,
            },
            Some((owner, others)) => {
                for other in others {
                    svc.store
                        .merge_identities(&other.id, &owner.id, ctx.now_ms)
                        .await
                        .map_err(store_failure)?;
                    tracing::info!(source = %other.id, target = %owner.id, "identities merged");
                }
                match svc.store.link_logins(&owner.id, &keys, ctx.now_ms).await {
                    Ok(()) => Ok(owner.id.clone()),
                    Err(StoreError::Conflict(Constraint::IdentityLogin)) => continue,
                    Err(e) => Err(store_failure(e)),
                }
            }
        };
        return result;
    }
    Err(ApiError::new(
        cognate_wire::ErrorCode::ConcurrentModificationException,
        "The identity was changed by another request; retry.",
    ))
}

/// `new_identity`'s answer when a login it was to hold got linked by a concurrent request.
fn is_login_conflict(error: &ApiError) -> bool {
    error.code == cognate_wire::ErrorCode::ResourceConflictException
}

/// Checks that `logins` may act for `identity` (of the pool `view` describes):
/// - an identity without logins is unauthenticated: allowed without logins only if the pool
///   allows unauthenticated identities; logins given for it are linked to it;
/// - an identity with logins needs at least one verified login that is linked to it (or an
///   identity-pool token naming it); verified logins not linked yet are linked.
pub async fn authorize(
    svc: &IdentityService,
    ctx: &RequestContext,
    identity: &IdentityRecord,
    view: &PoolView,
    logins: &Logins,
) -> Result<Acting, ApiError> {
    if logins.is_empty() {
        if !identity.logins.is_empty() {
            return Err(not_authorized(format!(
                "Access to Identity '{}' is forbidden.",
                identity.id
            )));
        }
        if !view.allow_unauthenticated {
            return Err(unauthenticated_not_supported());
        }
        return Ok(Acting::Unauthenticated);
    }
    let verified = svc
        .verify_logins(&identity.pool_id, view, logins, ctx.now_ms)
        .await?;
    let names_identity = |login: &VerifiedLogin| match (&login.source, login.link_key()) {
        (LoginSource::IdentityToken { identity_id }, _) => identity_id == &identity.id,
        (_, Some(key)) => identity.logins.contains(&key),
        _ => false,
    };
    let linked_here = verified.iter().any(names_identity);
    if !linked_here && !identity.logins.is_empty() {
        return Err(logins_dont_match());
    }
    // Logins not linked anywhere yet join this identity; one linked elsewhere refuses.
    let new_keys: Vec<LoginKey> = verified
        .iter()
        .filter(|l| !names_identity(l))
        .filter_map(VerifiedLogin::link_key)
        .collect();
    if verified
        .iter()
        .any(|l| matches!(&l.source, LoginSource::IdentityToken { identity_id } if identity_id != &identity.id))
    {
        return Err(logins_dont_match());
    }
    if !new_keys.is_empty() {
        match svc
            .store
            .link_logins(&identity.id, &new_keys, ctx.now_ms)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict(Constraint::IdentityLogin)) => return Err(logins_dont_match()),
            Err(e) => return Err(store_failure(e)),
        }
    }
    // The logins linked to this identity decide role and tags ahead of any others.
    let mut verified = verified;
    verified.sort_by_key(|l| !names_identity(l));
    Ok(Acting::Authenticated(verified))
}

/// The identity an operation names, following a merge to the identity that absorbed it.
pub async fn live_identity(
    svc: &IdentityService,
    identity_id: &str,
) -> Result<IdentityRecord, ApiError> {
    let identity = svc.identity(identity_id).await?;
    match &identity.merged_into {
        Some(target) => svc.identity(target).await,
        None => Ok(identity),
    }
}

fn describe_record(identity: &IdentityRecord) -> IdentityDescription {
    let mut providers: Vec<String> = identity.logins.iter().map(|l| l.provider.clone()).collect();
    providers.dedup();
    IdentityDescription {
        identity_id: Some(identity.id.clone()),
        logins: Some(providers),
        creation_date: Some(Timestamp::from_millis(identity.created_ms)),
        last_modified_date: Some(Timestamp::from_millis(identity.modified_ms)),
    }
}

pub async fn describe(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: DescribeIdentityInput,
) -> Result<IdentityDescription, ApiError> {
    Ok(describe_record(&svc.identity(&input.identity_id).await?))
}

pub async fn list(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: ListIdentitiesInput,
) -> Result<ListIdentitiesResponse, ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let page = PageRequest {
        limit: u32::try_from(input.max_results)
            .unwrap_or(1)
            .clamp(1, MAX_PAGE),
        cursor: input.next_token,
    };
    let page = svc
        .store
        .list_identities(&record.id, input.hide_disabled.unwrap_or(false), &page)
        .await
        .map_err(store_failure)?;
    Ok(ListIdentitiesResponse {
        identity_pool_id: Some(record.id),
        identities: Some(page.items.iter().map(describe_record).collect()),
        next_token: page.next,
    })
}

/// Identities that do not exist are not reported (Cognito's UnprocessedIdentityIds lists only
/// AccessDenied and InternalServerError); store failures are reported per identity.
pub async fn delete(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: DeleteIdentitiesInput,
) -> Result<DeleteIdentitiesResponse, ApiError> {
    let mut unprocessed = Vec::new();
    for id in input.identity_ids_to_delete {
        match svc.store.delete_identity(&id).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(error) => {
                tracing::error!(%error, identity_id = %id, "deleting an identity");
                unprocessed.push(UnprocessedIdentityId {
                    identity_id: Some(id),
                    error_code: Some(ErrorCode::InternalServerError),
                });
            }
        }
    }
    Ok(DeleteIdentitiesResponse {
        unprocessed_identity_ids: Some(unprocessed),
    })
}

/// UnlinkIdentity: the caller proves the identity with `Logins`, then the named providers'
/// logins are removed (removing the last makes the identity unreachable, as documented).
pub async fn unlink(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: UnlinkIdentityInput,
) -> Result<(), ApiError> {
    let identity = svc.identity(&input.identity_id).await?;
    let record = svc.pool(&identity.pool_id).await?;
    let view = PoolView::of(&record);
    if input.logins.is_empty() {
        return Err(logins_dont_match());
    }
    authorize(svc, ctx, &identity, &view, &input.logins).await?;
    let remove: Vec<LoginKey> = identity
        .logins
        .iter()
        .filter(|l| input.logins_to_remove.contains(&l.provider))
        .cloned()
        .collect();
    svc.store
        .unlink_logins(&identity.id, &remove, ctx.now_ms)
        .await
        .map_err(store_failure)
}
