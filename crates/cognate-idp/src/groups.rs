//! User pool groups: create, get, list, update, delete. Membership arrives with users.

use serde_json::{Value, json};

use cognate_store::{Constraint, GroupRecord, StoreError};
use cognate_wire::idp::{
    CreateGroupRequest, CreateGroupResponse, DeleteGroupRequest, GetGroupRequest, GetGroupResponse,
    ListGroupsRequest, ListGroupsResponse, UpdateGroupRequest, UpdateGroupResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::documents::{from_document, timestamp_value};
use crate::errors::{limit_exceeded, pool_not_found, store_failure};
use crate::paging::page_request;
use crate::service::IdpService;

/// Cognito's quota of groups per user pool.
const MAX_GROUPS_PER_POOL: u64 = 10_000;

fn group_not_found() -> ApiError {
    ApiError::new(ErrorCode::ResourceNotFoundException, "Group not found.")
}

fn group_exists(name: &str) -> ApiError {
    ApiError::new(
        ErrorCode::GroupExistsException,
        format!("A group with the name {name} already exists."),
    )
}

/// `GroupType` as JSON; members without a value are left out, as Cognito does.
fn group_value(group: &GroupRecord) -> Value {
    let mut value = json!({
        "GroupName": group.name,
        "UserPoolId": group.pool_id,
        "LastModifiedDate": timestamp_value(group.modified_ms),
        "CreationDate": timestamp_value(group.created_ms),
    });
    if let Some(description) = &group.description {
        value["Description"] = json!(description);
    }
    if let Some(role_arn) = &group.role_arn {
        value["RoleArn"] = json!(role_arn);
    }
    if let Some(precedence) = group.precedence {
        value["Precedence"] = json!(precedence);
    }
    value
}

async fn existing(svc: &IdpService, pool_id: &str, name: &str) -> Result<GroupRecord, ApiError> {
    svc.store
        .get_group(pool_id, name)
        .await
        .map_err(store_failure)?
        .ok_or_else(group_not_found)
}

pub async fn create(
    svc: &IdpService,
    ctx: &RequestContext,
    input: CreateGroupRequest,
) -> Result<CreateGroupResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let count = svc
        .store
        .count_groups(&pool.id)
        .await
        .map_err(store_failure)?;
    if count >= MAX_GROUPS_PER_POOL {
        return Err(limit_exceeded(format!(
            "A user pool can have at most {MAX_GROUPS_PER_POOL} groups."
        )));
    }
    let group = GroupRecord {
        pool_id: pool.id.clone(),
        name: input.group_name,
        description: input.description,
        role_arn: input.role_arn,
        precedence: input.precedence,
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
    };
    svc.store.create_group(&group).await.map_err(|e| match e {
        StoreError::Conflict(Constraint::GroupName) => group_exists(&group.name),
        StoreError::NotFound => pool_not_found(&pool.id),
        other => store_failure(other),
    })?;
    from_document(json!({ "Group": group_value(&group) }))
}

pub async fn get(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: GetGroupRequest,
) -> Result<GetGroupResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let group = existing(svc, &pool.id, &input.group_name).await?;
    from_document(json!({ "Group": group_value(&group) }))
}

/// `Limit` 0 or absent means 60, Cognito's page size for groups.
pub async fn list(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListGroupsRequest,
) -> Result<ListGroupsResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let page = page_request(input.limit, input.next_token, 60);
    let page = svc
        .store
        .list_groups(&pool.id, &page)
        .await
        .map_err(store_failure)?;
    let groups: Vec<Value> = page.items.iter().map(group_value).collect();
    let mut response = json!({ "Groups": groups });
    if let Some(next) = page.next {
        response["NextToken"] = json!(next);
    }
    from_document(response)
}

/// Changes only what the request names: the API reference's example updates description
/// and precedence and the group keeps its role.
pub async fn update(
    svc: &IdpService,
    ctx: &RequestContext,
    input: UpdateGroupRequest,
) -> Result<UpdateGroupResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let mut group = existing(svc, &pool.id, &input.group_name).await?;
    if input.description.is_some() {
        group.description = input.description;
    }
    if input.role_arn.is_some() {
        group.role_arn = input.role_arn;
    }
    if input.precedence.is_some() {
        group.precedence = input.precedence;
    }
    group.modified_ms = ctx.now_ms;
    svc.store.update_group(&group).await.map_err(|e| match e {
        StoreError::NotFound => group_not_found(),
        other => store_failure(other),
    })?;
    from_document(json!({ "Group": group_value(&group) }))
}

pub async fn delete(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DeleteGroupRequest,
) -> Result<(), ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    svc.store
        .delete_group(&pool.id, &input.group_name)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => group_not_found(),
            other => store_failure(other),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_json_leaves_out_unset_members() {
        let group = GroupRecord {
            pool_id: "p".into(),
            name: "admins".into(),
            description: None,
            role_arn: None,
            precedence: Some(0),
            created_ms: 1_000,
            modified_ms: 2_500,
        };
        let value = group_value(&group);
        assert_eq!(value["GroupName"], "admins");
        assert_eq!(value["Precedence"], 0);
        assert_eq!(value["CreationDate"], 1);
        assert_eq!(value["LastModifiedDate"], 2.5);
        assert!(value.get("Description").is_none());
        assert!(value.get("RoleArn").is_none());
    }

    #[test]
    fn messages() {
        assert_eq!(
            group_exists("admins").message,
            "A group with the name admins already exists."
        );
        assert_eq!(group_not_found().message, "Group not found.");
    }
}
