//! The cognito-identity operations: wire input → rules → storage → wire output.
//!
//! One module per resource area (`pools`, `tags`, `identities`, `developer`, `credentials`,
//! `roles`, `principal_tags`; `logins` checks Logins maps, `openid` signs identity-pool
//! tokens, `external_sts` asks a configured STS for credentials instead, `sessions` issues and finds the built-in STS's temporary credentials); this file
//! only routes the generated trait's methods to them, so what is implemented is visible at a
//! glance (and in `IMPLEMENTED`).

mod credentials;
mod developer;
mod documents;
mod errors;
pub mod external_sts;
mod identities;
pub mod logins;
pub mod openid;
mod pools;
mod principal_tags;
pub mod roles;
mod service;
pub mod sessions;
mod tags;
pub mod web_identity;

#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod service_tests;

use async_trait::async_trait;
use cognate_wire::identity::*;
use cognate_wire::{ApiError, RequestContext};

pub use service::{IdentityService, ServiceConfig};
pub use sessions::{IssuedCredentials, OpenedSession, SessionGrant, StsSession};
pub use web_identity::{WebIdentityAssumed, WebIdentityRefusal};

/// Operations this crate answers; everything else gets the generated "not implemented"
/// error. `docs/coverage.md` is written from this list.
pub const IMPLEMENTED: &[&str] = &[
    "CreateIdentityPool",
    "DeleteIdentities",
    "DeleteIdentityPool",
    "DescribeIdentity",
    "DescribeIdentityPool",
    "GetCredentialsForIdentity",
    "GetId",
    "GetIdentityPoolRoles",
    "GetOpenIdToken",
    "GetOpenIdTokenForDeveloperIdentity",
    "GetPrincipalTagAttributeMap",
    "ListIdentities",
    "ListIdentityPools",
    "ListTagsForResource",
    "LookupDeveloperIdentity",
    "MergeDeveloperIdentities",
    "SetIdentityPoolRoles",
    "SetPrincipalTagAttributeMap",
    "TagResource",
    "UnlinkDeveloperIdentity",
    "UnlinkIdentity",
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

    // --- identities ---
    async fn get_id(
        &self,
        ctx: &RequestContext,
        input: GetIdInput,
    ) -> Result<GetIdResponse, ApiError> {
        identities::get_id(self, ctx, input).await
    }

    async fn describe_identity(
        &self,
        ctx: &RequestContext,
        input: DescribeIdentityInput,
    ) -> Result<IdentityDescription, ApiError> {
        identities::describe(self, ctx, input).await
    }

    async fn list_identities(
        &self,
        ctx: &RequestContext,
        input: ListIdentitiesInput,
    ) -> Result<ListIdentitiesResponse, ApiError> {
        identities::list(self, ctx, input).await
    }

    async fn delete_identities(
        &self,
        ctx: &RequestContext,
        input: DeleteIdentitiesInput,
    ) -> Result<DeleteIdentitiesResponse, ApiError> {
        identities::delete(self, ctx, input).await
    }

    async fn unlink_identity(
        &self,
        ctx: &RequestContext,
        input: UnlinkIdentityInput,
    ) -> Result<(), ApiError> {
        identities::unlink(self, ctx, input).await
    }

    // --- credentials ---
    async fn get_credentials_for_identity(
        &self,
        ctx: &RequestContext,
        input: GetCredentialsForIdentityInput,
    ) -> Result<GetCredentialsForIdentityResponse, ApiError> {
        credentials::get_credentials(self, ctx, input).await
    }

    async fn get_open_id_token(
        &self,
        ctx: &RequestContext,
        input: GetOpenIdTokenInput,
    ) -> Result<GetOpenIdTokenResponse, ApiError> {
        credentials::get_open_id_token(self, ctx, input).await
    }

    // --- developer identities ---
    async fn get_open_id_token_for_developer_identity(
        &self,
        ctx: &RequestContext,
        input: GetOpenIdTokenForDeveloperIdentityInput,
    ) -> Result<GetOpenIdTokenForDeveloperIdentityResponse, ApiError> {
        developer::get_token(self, ctx, input).await
    }

    async fn lookup_developer_identity(
        &self,
        ctx: &RequestContext,
        input: LookupDeveloperIdentityInput,
    ) -> Result<LookupDeveloperIdentityResponse, ApiError> {
        developer::lookup(self, ctx, input).await
    }

    async fn merge_developer_identities(
        &self,
        ctx: &RequestContext,
        input: MergeDeveloperIdentitiesInput,
    ) -> Result<MergeDeveloperIdentitiesResponse, ApiError> {
        developer::merge(self, ctx, input).await
    }

    async fn unlink_developer_identity(
        &self,
        ctx: &RequestContext,
        input: UnlinkDeveloperIdentityInput,
    ) -> Result<(), ApiError> {
        developer::unlink(self, ctx, input).await
    }

    // --- roles ---
    async fn set_identity_pool_roles(
        &self,
        ctx: &RequestContext,
        input: SetIdentityPoolRolesInput,
    ) -> Result<(), ApiError> {
        roles::set(self, ctx, input).await
    }

    async fn get_identity_pool_roles(
        &self,
        ctx: &RequestContext,
        input: GetIdentityPoolRolesInput,
    ) -> Result<GetIdentityPoolRolesResponse, ApiError> {
        roles::get(self, ctx, input).await
    }

    // --- principal tags ---
    async fn set_principal_tag_attribute_map(
        &self,
        ctx: &RequestContext,
        input: SetPrincipalTagAttributeMapInput,
    ) -> Result<SetPrincipalTagAttributeMapResponse, ApiError> {
        principal_tags::set(self, ctx, input).await
    }

    async fn get_principal_tag_attribute_map(
        &self,
        ctx: &RequestContext,
        input: GetPrincipalTagAttributeMapInput,
    ) -> Result<GetPrincipalTagAttributeMapResponse, ApiError> {
        principal_tags::get(self, ctx, input).await
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
