//! The cognito-identity operations: wire input → rules → storage → wire output.
//!
//! One module per resource area (`pools`, `tags`; identities and credentials come with the
//! credential-vending work); this file only routes the generated trait's methods to them,
//! so what is implemented is visible at a glance (and in `IMPLEMENTED`).

mod documents;
mod errors;
mod pools;
mod service;
mod tags;

#[cfg(test)]
mod service_tests;

use async_trait::async_trait;
use cognate_wire::identity::*;
use cognate_wire::{ApiError, RequestContext};

pub use service::{IdentityService, ServiceConfig};

/// Operations this crate answers; everything else gets the generated "not implemented"
/// error. `docs/coverage.md` is written from this list.
pub const IMPLEMENTED: &[&str] = &[
    "CreateIdentityPool",
    "DeleteIdentityPool",
    "DescribeIdentityPool",
    "ListIdentityPools",
    "ListTagsForResource",
    "TagResource",
    "UntagResource",
    "UpdateIdentityPool",
];

#[async_trait]
impl CognitoIdentity for IdentityService {
    // --- identity pools ---
    async fn create_identity_pool(
        &self,
        ctx: &RequestContext,
        input: CreateIdentityPoolInput,
    ) -> Result<IdentityPool, ApiError> {
        pools::create(self, ctx, input).await
    }

    async fn describe_identity_pool(
        &self,
        ctx: &RequestContext,
        input: DescribeIdentityPoolInput,
    ) -> Result<IdentityPool, ApiError> {
        pools::describe(self, ctx, input).await
    }

    async fn list_identity_pools(
        &self,
        ctx: &RequestContext,
        input: ListIdentityPoolsInput,
    ) -> Result<ListIdentityPoolsResponse, ApiError> {
        pools::list(self, ctx, input).await
    }

    async fn update_identity_pool(
        &self,
        ctx: &RequestContext,
        input: IdentityPool,
    ) -> Result<IdentityPool, ApiError> {
        pools::update(self, ctx, input).await
    }

    async fn delete_identity_pool(
        &self,
        ctx: &RequestContext,
        input: DeleteIdentityPoolInput,
    ) -> Result<(), ApiError> {
        pools::delete(self, ctx, input).await
    }

    // --- tags ---
    async fn tag_resource(
        &self,
        ctx: &RequestContext,
        input: TagResourceInput,
    ) -> Result<TagResourceResponse, ApiError> {
        tags::tag(self, ctx, input).await
    }

    async fn untag_resource(
        &self,
        ctx: &RequestContext,
        input: UntagResourceInput,
    ) -> Result<UntagResourceResponse, ApiError> {
        tags::untag(self, ctx, input).await
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &RequestContext,
        input: ListTagsForResourceInput,
    ) -> Result<ListTagsForResourceResponse, ApiError> {
        tags::list(self, ctx, input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implemented_names_are_real_operations() {
        for name in IMPLEMENTED {
            assert!(
                operation(name).is_some(),
                "{name} is not a cognito-identity operation"
            );
        }
        let mut sorted = IMPLEMENTED.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, IMPLEMENTED, "IMPLEMENTED must be sorted and unique");
    }
}
