//! Tags on user pools (TagResource, UntagResource, ListTagsForResource).
//!
//! Only user-pool ARNs of this deployment name a taggable resource: the ARN must be exactly
//! the pool's (partition, region and account included), else the pool "does not exist".

use cognate_domain::arn::{CognitoResource, parse_resource_arn};
use cognate_store::{Constraint, StoreError, TagChange, Tags, UserPoolRecord};
use cognate_wire::idp::{
    ListTagsForResourceRequest, ListTagsForResourceResponse, TagResourceRequest,
    TagResourceResponse, UntagResourceRequest, UntagResourceResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::errors::{pool_not_found, store_failure};
use crate::service::IdpService;

/// Tags a user pool may carry.
const MAX_TAGS: usize = 50;

/// The pool an ARN names, if this deployment has it.
async fn pool_of(svc: &IdpService, arn: &str) -> Result<UserPoolRecord, ApiError> {
    let id = match parse_resource_arn(arn) {
        Some(CognitoResource::UserPool(id)) => id,
        // Message is Cognate's own (unconfirmed).
        Some(CognitoResource::IdentityPool(_)) | None => {
            return Err(ApiError::new(
                ErrorCode::ResourceNotFoundException,
                format!("Resource {arn} does not exist."),
            ));
        }
    };
    let pool = svc
        .store
        .get_user_pool(&id)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| pool_not_found(&id))?;
    if pool.arn != arn {
        // Same id, other region, account or partition: not this deployment's pool.
        return Err(pool_not_found(&id));
    }
    Ok(pool)
}

async fn change(
    svc: &IdpService,
    pool: &UserPoolRecord,
    change: TagChange,
) -> Result<Tags, ApiError> {
    svc.store
        .modify_user_pool_tags(&pool.id, &change)
        .await
        .map_err(|e| match e {
            // TagResource declares no LimitExceededException; message is Cognate's own.
            StoreError::Conflict(Constraint::TagLimit) => ApiError::invalid_parameter(format!(
                "A user pool can have at most {MAX_TAGS} tags."
            )),
            StoreError::NotFound => pool_not_found(&pool.id),
            other => store_failure(other),
        })
}

pub async fn tag(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: TagResourceRequest,
) -> Result<TagResourceResponse, ApiError> {
    let pool = pool_of(svc, &input.resource_arn).await?;
    let set: Tags = input.tags.into_iter().collect();
    change(
        svc,
        &pool,
        TagChange {
            set,
            remove: Vec::new(),
            max_tags: MAX_TAGS,
        },
    )
    .await?;
    Ok(TagResourceResponse::default())
}

pub async fn untag(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: UntagResourceRequest,
) -> Result<UntagResourceResponse, ApiError> {
    let pool = pool_of(svc, &input.resource_arn).await?;
    change(
        svc,
        &pool,
        TagChange {
            set: Tags::new(),
            remove: input.tag_keys,
            max_tags: MAX_TAGS,
        },
    )
    .await?;
    Ok(UntagResourceResponse::default())
}

pub async fn list(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let pool = pool_of(svc, &input.resource_arn).await?;
    Ok(ListTagsForResourceResponse {
        tags: Some(pool.tags.into_iter().collect()),
    })
}
