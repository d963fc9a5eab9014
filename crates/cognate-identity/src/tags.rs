//! TagResource, UntagResource and ListTagsForResource on identity-pool ARNs
//! (`arn:aws:cognito-identity:<region>:<account>:identitypool/<identityPoolId>`).

use cognate_domain::arn::{CognitoResource, parse_resource_arn};
use cognate_store::{TagChange, Tags};
use cognate_wire::identity::{
    ListTagsForResourceInput, ListTagsForResourceResponse, TagResourceInput, TagResourceResponse,
    UntagResourceInput, UntagResourceResponse,
};
use cognate_wire::{ApiError, RequestContext};

use crate::errors::{MAX_TAGS, pool_not_found, pool_store_failure};
use crate::service::IdentityService;

pub async fn tag(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: TagResourceInput,
) -> Result<TagResourceResponse, ApiError> {
    let pool_id = pool_id(svc, ctx, &input.resource_arn)?;
    modify(svc, &pool_id, input.tags, Vec::new()).await?;
    Ok(TagResourceResponse::default())
}

pub async fn untag(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: UntagResourceInput,
) -> Result<UntagResourceResponse, ApiError> {
    let pool_id = pool_id(svc, ctx, &input.resource_arn)?;
    modify(svc, &pool_id, Tags::new(), input.tag_keys).await?;
    Ok(UntagResourceResponse::default())
}

pub async fn list(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: ListTagsForResourceInput,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let pool_id = pool_id(svc, ctx, &input.resource_arn)?;
    let record = svc.pool(&pool_id).await?;
    Ok(ListTagsForResourceResponse {
        tags: Some(record.tags),
    })
}

/// One read-modify-write in the store, so concurrent tag calls cannot lose each other's
/// changes; the store refuses a result over the limit (mapped to InvalidParameterException).
async fn modify(
    svc: &IdentityService,
    pool_id: &str,
    set: Tags,
    remove: Vec<String>,
) -> Result<Tags, ApiError> {
    let change = TagChange {
        set,
        remove,
        max_tags: MAX_TAGS,
    };
    svc.store
        .modify_identity_pool_tags(pool_id, &change)
        .await
        .map_err(pool_store_failure(pool_id))
}

fn pool_id(svc: &IdentityService, ctx: &RequestContext, arn: &str) -> Result<String, ApiError> {
    pool_id_from_arn(arn, &ctx.region, &svc.config.account_id)
}

/// The identity pool an ARN names. Anything but an identity-pool ARN is a bad parameter;
/// one of another region or account names a pool this deployment cannot have, so it is
/// not found (as an ARN of a deleted pool would be).
fn pool_id_from_arn(arn: &str, region: &str, account_id: &str) -> Result<String, ApiError> {
    let Some(CognitoResource::IdentityPool(pool_id)) = parse_resource_arn(arn) else {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid ARN: {arn} is not an identity pool ARN."
        )));
    };
    let mut fields = arn.split(':').skip(3);
    let (arn_region, arn_account) = (fields.next(), fields.next());
    if arn_region != Some(region) || arn_account != Some(account_id) {
        return Err(pool_not_found(&pool_id));
    }
    Ok(pool_id)
}

#[cfg(test)]
mod tests {
    use cognate_wire::ErrorCode;

    use super::*;

    const POOL: &str = "eu-west-1:0f0e0d0c-0000-4000-8000-000000000001";

    #[test]
    fn identity_pool_arns_name_their_pool() {
        let arn = cognate_domain::arn::identity_pool_arn("eu-west-1", "123456789012", POOL);
        assert_eq!(
            pool_id_from_arn(&arn, "eu-west-1", "123456789012"),
            Ok(POOL.to_owned())
        );
    }

    #[test]
    fn other_arns_are_bad_parameters() {
        for arn in [
            "not an arn at all",
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc",
            "arn:aws:iam::123456789012:role/r",
        ] {
            let err = pool_id_from_arn(arn, "eu-west-1", "123456789012").unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidParameterException, "{arn}");
        }
    }

    #[test]
    fn foreign_region_or_account_is_not_found() {
        for (region, account) in [("us-east-1", "123456789012"), ("eu-west-1", "210987654321")] {
            let arn = cognate_domain::arn::identity_pool_arn(region, account, POOL);
            assert_eq!(
                pool_id_from_arn(&arn, "eu-west-1", "123456789012"),
                Err(pool_not_found(POOL))
            );
        }
    }
}
