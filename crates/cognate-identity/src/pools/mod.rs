//! Identity pools: create, describe, list, update, delete.

pub(crate) mod settings;
pub(crate) mod view;

use serde_json::{Map, Value};

use cognate_crypto::ids;
use cognate_store::{IdentityPoolRecord, PageRequest, Tags};
use cognate_wire::identity::{
    CreateIdentityPoolInput, DeleteIdentityPoolInput, DescribeIdentityPoolInput, IdentityPool,
    IdentityPoolShortDescription, ListIdentityPoolsInput, ListIdentityPoolsResponse,
};
use cognate_wire::{ApiError, RequestContext};

use crate::documents::{from_object, to_object};
use crate::errors::{MAX_TAGS, limit_exceeded, pool_store_failure, store_failure, too_many_tags};
use crate::service::IdentityService;

/// Cognito's default quota of identity pools per account and region.
const MAX_IDENTITY_POOLS: u64 = 1_000;
/// ListIdentityPools' `MaxResults` range (`QueryLimit`: 1–60).
const MAX_PAGE: u32 = 60;

pub async fn create(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: CreateIdentityPoolInput,
) -> Result<IdentityPool, ApiError> {
    let settings = settings::from_request(&to_object(&input)?)?;
    let tags = input.identity_pool_tags.unwrap_or_default();
    check_tag_count(&tags)?;
    // Not atomic with the insert: two racing creates may both pass at the quota's edge,
    // which only ever lets the account go one or two over a soft limit.
    if svc
        .store
        .count_identity_pools()
        .await
        .map_err(store_failure)?
        >= MAX_IDENTITY_POOLS
    {
        return Err(limit_exceeded(format!(
            "The account has reached its limit of {MAX_IDENTITY_POOLS} identity pools."
        )));
    }
    let record = IdentityPoolRecord {
        id: ids::identity_pool_id(&ctx.region),
        name: input.identity_pool_name,
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
        settings: Value::Object(settings),
        tags,
    };
    svc.store
        .create_identity_pool(&record)
        .await
        .map_err(store_failure)?;
    tracing::info!(identity_pool_id = %record.id, "identity pool created");
    identity_pool(&record)
}

pub async fn describe(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: DescribeIdentityPoolInput,
) -> Result<IdentityPool, ApiError> {
    identity_pool(&svc.pool(&input.identity_pool_id).await?)
}

pub async fn list(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: ListIdentityPoolsInput,
) -> Result<ListIdentityPoolsResponse, ApiError> {
    let page = PageRequest {
        // The wire layer has already held MaxResults to 1–60; the clamp only keeps the
        // conversion total.
        limit: u32::try_from(input.max_results)
            .unwrap_or(1)
            .clamp(1, MAX_PAGE),
        cursor: input.next_token,
    };
    let page = svc
        .store
        .list_identity_pools(&page)
        .await
        .map_err(store_failure)?;
    let pools = page
        .items
        .into_iter()
        .map(|record| IdentityPoolShortDescription {
            identity_pool_id: Some(record.id),
            identity_pool_name: Some(record.name),
        })
        .collect();
    Ok(ListIdentityPoolsResponse {
        identity_pools: Some(pools),
        next_token: page.next,
    })
}

/// UpdateIdentityPool takes the whole `IdentityPool` shape and replaces the configuration
/// with it (see [`settings::for_update`]). Tags are the exception: left out, they stay, as
/// they are managed with TagResource/UntagResource too; given, they replace the pool's tags.
pub async fn update(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: IdentityPool,
) -> Result<IdentityPool, ApiError> {
    let mut record = svc.pool(&input.identity_pool_id).await?;
    let current = record.settings.as_object().cloned().unwrap_or_default();
    record.settings = Value::Object(settings::for_update(&current, &to_object(&input)?)?);
    if let Some(tags) = input.identity_pool_tags {
        check_tag_count(&tags)?;
        record.tags = tags;
    }
    record.name = input.identity_pool_name;
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_identity_pool(&record)
        .await
        .map_err(pool_store_failure(&record.id))?;
    identity_pool(&record)
}

pub async fn delete(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: DeleteIdentityPoolInput,
) -> Result<(), ApiError> {
    let id = input.identity_pool_id;
    svc.store
        .delete_identity_pool(&id)
        .await
        .map_err(pool_store_failure(&id))?;
    tracing::info!(identity_pool_id = %id, "identity pool deleted");
    Ok(())
}

/// The `IdentityPool` shape as Cognito returns it: the stored configuration plus id, name
/// and tags. `IdentityPoolTags` is always present, `{}` when there are none, while unset
/// provider members are absent (matched byte for byte against the Content-Length of real
/// DescribeIdentityPool responses).
fn identity_pool(record: &IdentityPoolRecord) -> Result<IdentityPool, ApiError> {
    let mut doc: Map<String, Value> = record.settings.as_object().cloned().unwrap_or_default();
    for key in settings::NOT_IN_IDENTITY_POOL {
        doc.remove(key);
    }
    doc.insert(settings::ID.into(), Value::String(record.id.clone()));
    doc.insert(settings::NAME.into(), Value::String(record.name.clone()));
    doc.insert(settings::TAGS.into(), tags_value(&record.tags));
    from_object(doc)
}

fn tags_value(tags: &Tags) -> Value {
    Value::Object(
        tags.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn check_tag_count(tags: &Tags) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS {
        return Err(too_many_tags());
    }
    Ok(())
}
