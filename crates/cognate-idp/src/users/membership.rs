//! Group membership: AdminAddUserToGroup, AdminRemoveUserFromGroup,
//! AdminListGroupsForUser.

use cognate_store::{GroupRecord, StoreError};
use cognate_wire::idp::{
    AdminAddUserToGroupRequest, AdminListGroupsForUserRequest, AdminListGroupsForUserResponse,
    AdminRemoveUserFromGroupRequest, GroupType,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Timestamp};

use crate::errors::store_failure;
use crate::paging::page_request;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::admin::user_write_failure;

/// AdminListGroupsForUser's page size when the caller gives none (or 0).
const DEFAULT_LIMIT: u32 = 60;

fn group_not_found() -> ApiError {
    ApiError::new(ErrorCode::ResourceNotFoundException, "Group not found.")
}

/// The group, or Cognito's ResourceNotFoundException.
pub(crate) async fn existing_group(
    svc: &IdpService,
    pool: &PoolRules,
    name: &str,
) -> Result<GroupRecord, ApiError> {
    svc.store
        .get_group(pool.id(), name)
        .await
        .map_err(store_failure)?
        .ok_or_else(group_not_found)
}

fn group_type(group: &GroupRecord) -> GroupType {
    GroupType {
        group_name: Some(group.name.clone()),
        user_pool_id: Some(group.pool_id.clone()),
        description: group.description.clone(),
        role_arn: group.role_arn.clone(),
        precedence: group.precedence,
        last_modified_date: Some(Timestamp::from_millis(group.modified_ms)),
        creation_date: Some(Timestamp::from_millis(group.created_ms)),
    }
}

pub async fn add_user_to_group(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminAddUserToGroupRequest,
) -> Result<(), ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    existing_group(svc, &pool, &input.group_name).await?;
    svc.store
        .add_user_to_group(pool.id(), &user.sub, &input.group_name, ctx.now_ms)
        .await
        .map_err(|e| match e {
            // Deleted between the checks above and the write.
            StoreError::NotFound => group_not_found(),
            other => user_write_failure(other),
        })
}

pub async fn remove_user_from_group(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: AdminRemoveUserFromGroupRequest,
) -> Result<(), ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    existing_group(svc, &pool, &input.group_name).await?;
    match svc
        .store
        .remove_user_from_group(pool.id(), &user.sub, &input.group_name)
        .await
    {
        // Removing a user who is not a member changes nothing.
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(other) => Err(store_failure(other)),
    }
}

pub async fn list_groups_for_user(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: AdminListGroupsForUserRequest,
) -> Result<AdminListGroupsForUserResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let user = svc.user(&pool, input.username.expose()).await?;
    let page = svc
        .store
        .groups_for_user(
            pool.id(),
            &user.sub,
            &page_request(input.limit, input.next_token, DEFAULT_LIMIT),
        )
        .await
        .map_err(store_failure)?;
    Ok(AdminListGroupsForUserResponse {
        groups: Some(page.items.iter().map(group_type).collect()),
        next_token: page.next,
    })
}
