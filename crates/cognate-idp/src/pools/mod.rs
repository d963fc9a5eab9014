//! User pools: create, describe, list, update, delete, custom attributes, the CSV header
//! and the signing certificate.

mod schema;
mod settings;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use cognate_crypto::ids;
use cognate_domain::arn::user_pool_arn;
use cognate_domain::signing_keys::{KeyUse, signing_key};
use cognate_store::{StoreError, UserPoolRecord};
use cognate_wire::idp::{
    AddCustomAttributesRequest, AddCustomAttributesResponse, CreateUserPoolRequest,
    CreateUserPoolResponse, DeleteUserPoolRequest, DescribeUserPoolRequest,
    DescribeUserPoolResponse, GetCSVHeaderRequest, GetCSVHeaderResponse,
    GetSigningCertificateRequest, GetSigningCertificateResponse, ListUserPoolsRequest,
    ListUserPoolsResponse, UpdateUserPoolRequest, UpdateUserPoolResponse, UserPoolDescriptionType,
    UserPoolType,
};
use cognate_wire::{ApiError, RequestContext};

use crate::documents::{from_document, timestamp, timestamp_value, to_document};
use crate::errors::{internal, limit_exceeded, pool_not_found, store_failure};
use crate::keys::new_signing_key;
use crate::paging::page_request;
use crate::service::IdpService;

/// Cognito's default quota of user pools per account and region.
const MAX_USER_POOLS: u64 = 1_000;
/// Tags a Cognito resource may carry.
pub const MAX_TAGS: usize = 50;

impl IdpService {
    /// The pool, or Cognito's ResourceNotFoundException.
    pub(crate) async fn pool(&self, pool_id: &str) -> Result<UserPoolRecord, ApiError> {
        self.store
            .get_user_pool(pool_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| pool_not_found(pool_id))
    }
}

pub async fn create(
    svc: &IdpService,
    ctx: &RequestContext,
    input: CreateUserPoolRequest,
) -> Result<CreateUserPoolResponse, ApiError> {
    if svc.store.count_user_pools().await.map_err(store_failure)? >= MAX_USER_POOLS {
        return Err(limit_exceeded(format!(
            "The account already has {MAX_USER_POOLS} user pools."
        )));
    }
    let request = to_document(&input)?;
    check_sign_in_identifiers(&request)?;
    let tags = input.user_pool_tags.clone().unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid_parameter(format!(
            "A user pool can have at most {MAX_TAGS} tags."
        )));
    }
    let mut pool_settings = settings::from_request(&request);
    let schema = schema::initial_schema(request.get("Schema"))?;
    pool_settings.insert("SchemaAttributes".into(), Value::Array(schema));

    let id = ids::user_pool_id(&ctx.region);
    // Like Cognito, ID tokens and access tokens are signed with different keys.
    let keys = [
        new_signing_key(&svc.kek, &id, KeyUse::Id, ctx.now_ms, ctx.now_ms).await?,
        new_signing_key(&svc.kek, &id, KeyUse::Access, ctx.now_ms, ctx.now_ms).await?,
    ];
    let record = UserPoolRecord {
        arn: user_pool_arn(&ctx.region, &svc.config.account_id, &id),
        id,
        name: input.pool_name,
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
        settings: Value::Object(pool_settings),
        tags,
    };
    svc.store
        .create_user_pool(&record, &keys)
        .await
        .map_err(store_failure)?;
    tracing::info!(pool_id = %record.id, "user pool created");
    Ok(CreateUserPoolResponse {
        user_pool: Some(user_pool_type(svc, &record).await?),
    })
}

/// A pool signs in by username with optional aliases, or by email/phone as the username;
/// never both.
fn check_sign_in_identifiers(request: &Value) -> Result<(), ApiError> {
    let has = |key: &str| request[key].as_array().is_some_and(|list| !list.is_empty());
    if has("AliasAttributes") && has("UsernameAttributes") {
        return Err(ApiError::invalid_parameter(
            "Only one of AliasAttributes and UsernameAttributes can be set in a User Pool.",
        ));
    }
    Ok(())
}

pub async fn describe(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DescribeUserPoolRequest,
) -> Result<DescribeUserPoolResponse, ApiError> {
    let record = svc.pool(&input.user_pool_id).await?;
    Ok(DescribeUserPoolResponse {
        user_pool: Some(user_pool_type(svc, &record).await?),
    })
}

/// The stored settings plus what is derived at read time.
async fn user_pool_type(
    svc: &IdpService,
    record: &UserPoolRecord,
) -> Result<UserPoolType, ApiError> {
    let mut doc: Map<String, Value> = record.settings.as_object().cloned().unwrap_or_default();
    doc.insert("Id".into(), json!(record.id));
    doc.insert("Name".into(), json!(record.name));
    doc.insert("Arn".into(), json!(record.arn));
    doc.insert("CreationDate".into(), timestamp_value(record.created_ms));
    doc.insert(
        "LastModifiedDate".into(),
        timestamp_value(record.modified_ms),
    );
    doc.insert("UserPoolTags".into(), json!(record.tags));
    // Users arrive with the next layer of the store; until then a pool has none.
    doc.insert("EstimatedNumberOfUsers".into(), json!(0));
    let domains = svc
        .store
        .domains_for_pool(&record.id)
        .await
        .map_err(store_failure)?;
    for domain in domains {
        let key = if domain.custom {
            "CustomDomain"
        } else {
            "Domain"
        };
        doc.insert(key.into(), json!(domain.domain));
    }
    from_document(Value::Object(doc))
}

pub async fn list(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListUserPoolsRequest,
) -> Result<ListUserPoolsResponse, ApiError> {
    let page = page_request(Some(input.max_results), input.next_token, 60);
    let page = svc
        .store
        .list_user_pools(&page)
        .await
        .map_err(store_failure)?;
    let pools = page
        .items
        .into_iter()
        .map(|record| UserPoolDescriptionType {
            id: Some(record.id),
            name: Some(record.name),
            lambda_config: record
                .settings
                .get("LambdaConfig")
                .cloned()
                .and_then(|config| serde_json::from_value(config).ok()),
            creation_date: Some(timestamp(record.created_ms)),
            last_modified_date: Some(timestamp(record.modified_ms)),
            ..UserPoolDescriptionType::default()
        })
        .collect();
    Ok(ListUserPoolsResponse {
        user_pools: Some(pools),
        next_token: page.next,
    })
}

pub async fn update(
    svc: &IdpService,
    ctx: &RequestContext,
    input: UpdateUserPoolRequest,
) -> Result<UpdateUserPoolResponse, ApiError> {
    let mut record = svc.pool(&input.user_pool_id).await?;
    let request = to_document(&input)?;
    if let Some(tags) = &input.user_pool_tags {
        if tags.len() > MAX_TAGS {
            return Err(ApiError::invalid_parameter(format!(
                "A user pool can have at most {MAX_TAGS} tags."
            )));
        }
        record.tags = tags.clone();
    }
    let current = record.settings.as_object().cloned().unwrap_or_default();
    let updated = settings::replace_for_update(&current, &request);
    crate::mfa_config::check_update(&updated)?;
    record.settings = Value::Object(updated);
    if let Some(name) = input.pool_name {
        record.name = name;
    }
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_user_pool(&record)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => pool_not_found(&record.id),
            other => store_failure(other),
        })?;
    Ok(UpdateUserPoolResponse::default())
}

pub async fn delete(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DeleteUserPoolRequest,
) -> Result<(), ApiError> {
    let record = svc.pool(&input.user_pool_id).await?;
    if record.settings["DeletionProtection"] == "ACTIVE" {
        return Err(ApiError::invalid_parameter(
            "The user pool cannot be deleted because deletion protection is activated. \
             Deletion protection must be inactivated first.",
        ));
    }
    let domains = svc
        .store
        .domains_for_pool(&record.id)
        .await
        .map_err(store_failure)?;
    if !domains.is_empty() {
        return Err(ApiError::invalid_parameter(
            "User pool cannot be deleted. It has a domain configured that should be deleted first.",
        ));
    }
    svc.store
        .delete_user_pool(&record.id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => pool_not_found(&record.id),
            other => store_failure(other),
        })?;
    svc.keys.forget(&record.id);
    tracing::info!(pool_id = %record.id, "user pool deleted");
    Ok(())
}

pub async fn add_custom_attributes(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AddCustomAttributesRequest,
) -> Result<AddCustomAttributesResponse, ApiError> {
    let mut record = svc.pool(&input.user_pool_id).await?;
    let requested = match to_document(&input.custom_attributes)? {
        Value::Array(list) => list,
        _ => Vec::new(),
    };
    let mut current = record.settings["SchemaAttributes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    schema::add_custom(&mut current, requested)?;
    record.settings["SchemaAttributes"] = Value::Array(current);
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_user_pool(&record)
        .await
        .map_err(store_failure)?;
    Ok(AddCustomAttributesResponse::default())
}

pub async fn csv_header(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: GetCSVHeaderRequest,
) -> Result<GetCSVHeaderResponse, ApiError> {
    let record = svc.pool(&input.user_pool_id).await?;
    let attributes = record.settings["SchemaAttributes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(GetCSVHeaderResponse {
        user_pool_id: Some(record.id),
        csv_header: Some(schema::csv_header(&attributes)),
    })
}

pub async fn signing_certificate(
    svc: &IdpService,
    ctx: &RequestContext,
    input: GetSigningCertificateRequest,
) -> Result<GetSigningCertificateResponse, ApiError> {
    let record = svc.pool(&input.user_pool_id).await?;
    let keys = svc
        .store
        .signing_keys(&record.id)
        .await
        .map_err(store_failure)?;
    // The key that signs access tokens now: the second key of a pool that never rotated,
    // as before rotation existed.
    let key = signing_key(&keys, KeyUse::Access, ctx.now_ms)
        .ok_or_else(|| internal("signing certificate", "pool has no active signing key"))?;
    Ok(GetSigningCertificateResponse {
        certificate: Some(base64::engine::general_purpose::STANDARD.encode(&key.certificate_der)),
    })
}

/// A pool's settings as stored, for handlers of pool-wide configuration (MFA, tags).
pub fn settings_object(record: &UserPoolRecord) -> Map<String, Value> {
    record.settings.as_object().cloned().unwrap_or_default()
}
