//! ListUsers and ListUsersInGroup.

use cognate_domain::user_filter::{FilterAttribute, parse_filter};
use cognate_store::UserFilter;
use cognate_wire::idp::{
    ListUsersInGroupRequest, ListUsersInGroupResponse, ListUsersRequest, ListUsersResponse,
};
use cognate_wire::{ApiError, RequestContext};

use crate::errors::store_failure;
use crate::paging::page_request;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::membership::existing_group;
use crate::users::view::user_type;

/// ListUsers' page size when the caller gives none (or 0).
const DEFAULT_LIMIT: u32 = 60;

/// The store's filter for a ListUsers `Filter` string (`None`: every user).
fn store_filter(pool: &PoolRules, text: &str) -> Result<Option<UserFilter>, ApiError> {
    let Some(parsed) =
        parse_filter(text).map_err(|e| ApiError::invalid_parameter(e.to_string()))?
    else {
        return Ok(None);
    };
    let value = match parsed.attribute {
        // Usernames are stored under their lookup key (lower-cased in case-insensitive
        // pools); a prefix of the name is a prefix of the key.
        FilterAttribute::Username => pool.sign_in.username_key(&parsed.value),
        _ => parsed.value,
    };
    Ok(Some(UserFilter {
        attribute: parsed.attribute.as_str().to_owned(),
        prefix: parsed.prefix,
        value,
    }))
}

pub async fn list_users(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListUsersRequest,
) -> Result<ListUsersResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let filter = store_filter(&pool, input.filter.as_deref().unwrap_or_default())?;
    let page = svc
        .store
        .list_users(
            pool.id(),
            filter.as_ref(),
            &page_request(input.limit, input.pagination_token, DEFAULT_LIMIT),
        )
        .await
        .map_err(store_failure)?;
    let only = input.attributes_to_get.as_deref();
    Ok(ListUsersResponse {
        users: Some(page.items.iter().map(|u| user_type(u, only)).collect()),
        pagination_token: page.next,
    })
}

pub async fn list_users_in_group(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListUsersInGroupRequest,
) -> Result<ListUsersInGroupResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    existing_group(svc, &pool, &input.group_name).await?;
    let page = svc
        .store
        .users_in_group(
            pool.id(),
            &input.group_name,
            &page_request(input.limit, input.next_token, DEFAULT_LIMIT),
        )
        .await
        .map_err(store_failure)?;
    Ok(ListUsersInGroupResponse {
        users: Some(page.items.iter().map(|u| user_type(u, None)).collect()),
        next_token: page.next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_store::UserPoolRecord;
    use serde_json::{Value, json};

    fn pool(settings: Value) -> PoolRules {
        PoolRules::new(UserPoolRecord {
            id: "us-east-1_abc".into(),
            name: "p".into(),
            arn: "arn".into(),
            created_ms: 0,
            modified_ms: 0,
            settings,
            tags: Default::default(),
        })
    }

    #[test]
    fn empty_filter_lists_everyone() {
        assert_eq!(store_filter(&pool(json!({})), "").ok(), Some(None));
        assert_eq!(store_filter(&pool(json!({})), "  ").ok(), Some(None));
    }

    #[test]
    fn usernames_are_matched_by_their_lookup_key() {
        let insensitive = pool(json!({"UsernameConfiguration": {"CaseSensitive": false}}));
        let exact = store_filter(&insensitive, "username = \"Ann\"")
            .ok()
            .flatten();
        assert_eq!(
            exact,
            Some(UserFilter {
                attribute: "username".into(),
                prefix: false,
                value: "ann".into()
            })
        );
        let prefix = store_filter(&insensitive, "username ^= \"AN\"")
            .ok()
            .flatten();
        assert_eq!(
            prefix.map(|f| (f.prefix, f.value)),
            Some((true, "an".into()))
        );
        let sensitive = pool(json!({}));
        let kept = store_filter(&sensitive, "username = \"Ann\"")
            .ok()
            .flatten();
        assert_eq!(kept.map(|f| f.value), Some("Ann".into()));
    }

    #[test]
    fn other_attributes_pass_through() {
        let filter = store_filter(&pool(json!({})), "email ^= \"Jo\"")
            .ok()
            .flatten();
        assert_eq!(
            filter,
            Some(UserFilter {
                attribute: "email".into(),
                prefix: true,
                value: "Jo".into()
            })
        );
    }

    #[test]
    fn bad_filters_are_invalid_parameters() {
        let error = store_filter(&pool(json!({})), "email = jo").err();
        assert_eq!(
            error.map(|e| (e.code, e.message)),
            Some((
                cognate_wire::ErrorCode::InvalidParameterException,
                "Error while parsing filter.".into()
            ))
        );
        let custom = store_filter(&pool(json!({})), "custom:x = \"1\"").err();
        assert_eq!(
            custom.map(|e| e.message),
            Some("Invalid search attribute: custom:x".into())
        );
    }
}
