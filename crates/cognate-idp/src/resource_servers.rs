//! OAuth resource servers and their custom scopes (`<identifier>/<scope>` in tokens).

use serde_json::{Value, json};

use cognate_store::{Constraint, ResourceServerRecord, StoreError};
use cognate_wire::idp::{
    CreateResourceServerRequest, CreateResourceServerResponse, DeleteResourceServerRequest,
    DescribeResourceServerRequest, DescribeResourceServerResponse, ListResourceServersRequest,
    ListResourceServersResponse, UpdateResourceServerRequest, UpdateResourceServerResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::documents::{from_document, to_document};
use crate::errors::{limit_exceeded, pool_not_found, store_failure};
use crate::paging::page_request;
use crate::service::IdpService;

/// Cognito's quota of resource servers per user pool.
const MAX_RESOURCE_SERVERS_PER_POOL: u64 = 25;

/// Exception type declared by the model; the message is Cognate's own (unconfirmed).
fn not_found(identifier: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ResourceNotFoundException,
        format!("Resource server {identifier} does not exist."),
    )
}

fn server_value(server: &ResourceServerRecord) -> Value {
    json!({
        "UserPoolId": server.pool_id,
        "Identifier": server.identifier,
        "Name": server.name,
        "Scopes": server.scopes,
    })
}

/// The scope list as stored: the request's list, or empty. Names must be unique within a
/// server (unconfirmed rule and message).
fn scopes_document<T: serde::Serialize>(scopes: Option<&T>) -> Result<Value, ApiError> {
    let scopes = match scopes {
        Some(scopes) => to_document(scopes)?,
        None => json!([]),
    };
    let names: Vec<&str> = scopes
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|s| s["ScopeName"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(ApiError::invalid_parameter(format!(
                "Scope {name} is defined more than once."
            )));
        }
    }
    Ok(scopes)
}

pub async fn create(
    svc: &IdpService,
    ctx: &RequestContext,
    input: CreateResourceServerRequest,
) -> Result<CreateResourceServerResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let count = svc
        .store
        .count_resource_servers(&pool.id)
        .await
        .map_err(store_failure)?;
    if count >= MAX_RESOURCE_SERVERS_PER_POOL {
        return Err(limit_exceeded(format!(
            "A user pool can have at most {MAX_RESOURCE_SERVERS_PER_POOL} resource servers."
        )));
    }
    let server = ResourceServerRecord {
        pool_id: pool.id.clone(),
        identifier: input.identifier.clone(),
        name: input.name.clone(),
        scopes: scopes_document(input.scopes.as_ref())?,
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
    };
    svc.store
        .create_resource_server(&server)
        .await
        .map_err(|e| match e {
            // Exception type as the model allows; the message is Cognate's own (unconfirmed).
            StoreError::Conflict(Constraint::ResourceServerIdentifier) => {
                ApiError::invalid_parameter(format!(
                    "{} already exists in user pool {}.",
                    server.identifier, server.pool_id
                ))
            }
            StoreError::NotFound => pool_not_found(&pool.id),
            other => store_failure(other),
        })?;
    from_document(json!({ "ResourceServer": server_value(&server) }))
}

async fn existing(
    svc: &IdpService,
    pool_id: &str,
    identifier: &str,
) -> Result<ResourceServerRecord, ApiError> {
    svc.store
        .get_resource_server(pool_id, identifier)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| not_found(identifier))
}

pub async fn describe(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DescribeResourceServerRequest,
) -> Result<DescribeResourceServerResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let server = existing(svc, &pool.id, &input.identifier).await?;
    from_document(json!({ "ResourceServer": server_value(&server) }))
}

/// `MaxResults` 1–50; 50 when absent.
pub async fn list(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListResourceServersRequest,
) -> Result<ListResourceServersResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let page = page_request(input.max_results, input.next_token, 50);
    let page = svc
        .store
        .list_resource_servers(&pool.id, &page)
        .await
        .map_err(store_failure)?;
    let servers: Vec<Value> = page.items.iter().map(server_value).collect();
    let mut response = json!({ "ResourceServers": servers });
    if let Some(next) = page.next {
        response["NextToken"] = json!(next);
    }
    from_document(response)
}

/// Replaces the name and the scope list; scopes left out are removed.
pub async fn update(
    svc: &IdpService,
    ctx: &RequestContext,
    input: UpdateResourceServerRequest,
) -> Result<UpdateResourceServerResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let mut server = existing(svc, &pool.id, &input.identifier).await?;
    server.name = input.name.clone();
    server.scopes = scopes_document(input.scopes.as_ref())?;
    server.modified_ms = ctx.now_ms;
    svc.store
        .update_resource_server(&server)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => not_found(&server.identifier),
            other => store_failure(other),
        })?;
    from_document(json!({ "ResourceServer": server_value(&server) }))
}

pub async fn delete(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DeleteResourceServerRequest,
) -> Result<(), ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    svc.store
        .delete_resource_server(&pool.id, &input.identifier)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => not_found(&input.identifier),
            other => store_failure(other),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_empty_and_names_are_unique() {
        assert_eq!(scopes_document::<Value>(None).unwrap(), json!([]));
        let scopes = json!([
            {"ScopeName": "read", "ScopeDescription": "Read"},
            {"ScopeName": "write", "ScopeDescription": "Write"}
        ]);
        assert_eq!(scopes_document(Some(&scopes)).unwrap(), scopes);
        let twice = json!([
            {"ScopeName": "read", "ScopeDescription": "a"},
            {"ScopeName": "read", "ScopeDescription": "b"}
        ]);
        assert!(scopes_document(Some(&twice)).is_err());
    }
}
