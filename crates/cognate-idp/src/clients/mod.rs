//! App clients: create, describe, list, update, delete, and their secrets.

mod secrets;
pub mod settings;
mod urls;

use serde_json::{Map, Value, json};

use cognate_crypto::ids;
use cognate_store::{ClientRecord, Constraint, StoreError, UserPoolRecord};
use cognate_wire::idp::{
    AddUserPoolClientSecretRequest, AddUserPoolClientSecretResponse, CreateUserPoolClientRequest,
    CreateUserPoolClientResponse, DeleteUserPoolClientRequest, DeleteUserPoolClientSecretRequest,
    DeleteUserPoolClientSecretResponse, DescribeUserPoolClientRequest,
    DescribeUserPoolClientResponse, ListUserPoolClientSecretsRequest,
    ListUserPoolClientSecretsResponse, ListUserPoolClientsRequest, ListUserPoolClientsResponse,
    UpdateUserPoolClientRequest, UpdateUserPoolClientResponse, UserPoolClientType,
};
use cognate_wire::{ApiError, RequestContext, Sensitive};

use crate::documents::{from_document, timestamp_value, to_object};
use crate::errors::{client_not_found, internal, limit_exceeded, pool_not_found, store_failure};
use crate::paging::page_request;
use crate::service::IdpService;

/// Cognito's default quota of app clients per user pool.
const MAX_CLIENTS_PER_POOL: u64 = 1_000;

/// The pool's client: the pool must exist (else its own error), then the client in it.
pub(crate) async fn existing(
    svc: &IdpService,
    pool_id: &str,
    client_id: &str,
) -> Result<ClientRecord, ApiError> {
    svc.pool(pool_id).await?;
    in_pool(svc, pool_id, client_id).await
}

/// The client if it exists in that pool; a client of another pool is "not found" too.
pub(crate) async fn in_pool(
    svc: &IdpService,
    pool_id: &str,
    client_id: &str,
) -> Result<ClientRecord, ApiError> {
    svc.store
        .get_client(pool_id, client_id)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| client_not_found(client_id))
}

pub async fn create(
    svc: &IdpService,
    ctx: &RequestContext,
    input: CreateUserPoolClientRequest,
) -> Result<CreateUserPoolClientResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let request = to_object(&input)?;
    let generate = request
        .get("GenerateSecret")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let supplied = input.client_secret.as_ref().map(|s| s.expose().clone());
    if generate && supplied.is_some() {
        // Documented rule; message is Cognate's own (unconfirmed).
        return Err(ApiError::invalid_parameter(
            "GenerateSecret cannot be true when a ClientSecret is provided.",
        ));
    }
    let secret = match supplied {
        Some(secret) => Some(Sensitive::new(secret)),
        None if generate => Some(Sensitive::new(ids::client_secret())),
        None => None,
    };
    let count = svc
        .store
        .count_clients(&pool.id)
        .await
        .map_err(store_failure)?;
    if count >= MAX_CLIENTS_PER_POOL {
        return Err(limit_exceeded(format!(
            "A user pool can have at most {MAX_CLIENTS_PER_POOL} app clients."
        )));
    }
    let client_settings = settings::from_request(&request, &svc.config.account_id);
    check_settings(svc, &pool, &client_settings, secret.is_some()).await?;

    let record = ClientRecord {
        pool_id: pool.id.clone(),
        client_id: ids::client_id(),
        name: input.client_name.clone(),
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
        settings: Value::Object(client_settings),
    };
    svc.store
        .create_client(&record)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => pool_not_found(&pool.id),
            // A 26-character random id colliding is a bug or a broken generator.
            StoreError::Conflict(Constraint::ClientId) => {
                internal("creating a client", "client id collision")
            }
            other => store_failure(other),
        })?;
    if let Some(secret) = &secret
        && let Err(error) = secrets::store_new(svc, &record, secret.expose(), ctx.now_ms).await
    {
        // Don't leave a client behind that was meant to have a secret.
        let _ = svc
            .store
            .delete_client(&record.pool_id, &record.client_id)
            .await;
        return Err(error);
    }
    tracing::info!(pool_id = %record.pool_id, "app client created");
    Ok(CreateUserPoolClientResponse {
        user_pool_client: Some(client_type(&record, secret)?),
    })
}

/// Rules that need the pool and the store besides the pure ones in [`settings::check`].
async fn check_settings(
    svc: &IdpService,
    pool: &UserPoolRecord,
    client_settings: &Map<String, Value>,
    has_secret: bool,
) -> Result<(), ApiError> {
    let schema = schema_names(pool);
    let tier = pool.settings["UserPoolTier"]
        .as_str()
        .unwrap_or("ESSENTIALS");
    settings::check(
        client_settings,
        &settings::Context {
            pool_id: &pool.id,
            has_secret,
            tier,
            schema: &schema,
        },
    )?;
    check_custom_scopes(svc, &pool.id, client_settings).await
}

/// The pool's attribute names with their `Required` flag.
fn schema_names(pool: &UserPoolRecord) -> Vec<(String, bool)> {
    pool.settings["SchemaAttributes"]
        .as_array()
        .map(|attributes| {
            attributes
                .iter()
                .filter_map(|a| {
                    let name = a["Name"].as_str()?;
                    Some((name.to_owned(), a["Required"].as_bool().unwrap_or(false)))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every `<identifier>/<scope>` names a scope of an existing resource server of the pool.
async fn check_custom_scopes(
    svc: &IdpService,
    pool_id: &str,
    client_settings: &Map<String, Value>,
) -> Result<(), ApiError> {
    for (identifier, name) in settings::custom_scopes(client_settings)? {
        let server = svc
            .store
            .get_resource_server(pool_id, &identifier)
            .await
            .map_err(store_failure)?;
        let defined = server.is_some_and(|server| {
            server.scopes.as_array().is_some_and(|scopes| {
                scopes
                    .iter()
                    .any(|scope| scope["ScopeName"].as_str() == Some(name.as_str()))
            })
        });
        if !defined {
            return Err(settings::scope_does_not_exist(&format!(
                "{identifier}/{name}"
            )));
        }
    }
    Ok(())
}

/// The wire shape of a client: stored settings plus identity, dates and the secret.
fn client_type(
    record: &ClientRecord,
    secret: Option<Sensitive<String>>,
) -> Result<UserPoolClientType, ApiError> {
    let mut doc: Map<String, Value> = record.settings.as_object().cloned().unwrap_or_default();
    doc.insert("UserPoolId".into(), json!(record.pool_id));
    doc.insert("ClientName".into(), json!(record.name));
    doc.insert("ClientId".into(), json!(record.client_id));
    doc.insert(
        "LastModifiedDate".into(),
        timestamp_value(record.modified_ms),
    );
    doc.insert("CreationDate".into(), timestamp_value(record.created_ms));
    let mut client: UserPoolClientType = from_document(Value::Object(doc))?;
    // Set after decoding so the plaintext never passes through a JSON value.
    client.client_secret = secret;
    Ok(client)
}

pub async fn describe(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DescribeUserPoolClientRequest,
) -> Result<DescribeUserPoolClientResponse, ApiError> {
    let record = existing(svc, &input.user_pool_id, input.client_id.expose()).await?;
    let secret = secrets::primary(svc, &record).await?;
    Ok(DescribeUserPoolClientResponse {
        user_pool_client: Some(client_type(&record, secret)?),
    })
}

pub async fn list(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListUserPoolClientsRequest,
) -> Result<ListUserPoolClientsResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let page = page_request(input.max_results, input.next_token, 60);
    let page = svc
        .store
        .list_clients(&pool.id, &page)
        .await
        .map_err(store_failure)?;
    let clients: Vec<Value> = page
        .items
        .iter()
        .map(|c| json!({"ClientId": c.client_id, "UserPoolId": c.pool_id, "ClientName": c.name}))
        .collect();
    let mut response = json!({ "UserPoolClients": clients });
    if let Some(next) = page.next {
        response["NextToken"] = json!(next);
    }
    from_document(response)
}

/// Replace semantics: every setting the request leaves out returns to its default; the
/// name, when omitted, and the secrets stay.
pub async fn update(
    svc: &IdpService,
    ctx: &RequestContext,
    input: UpdateUserPoolClientRequest,
) -> Result<UpdateUserPoolClientResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let mut record = in_pool(svc, &pool.id, input.client_id.expose()).await?;
    let request = to_object(&input)?;
    let secret = secrets::primary(svc, &record).await?;
    let client_settings = settings::from_request(&request, &svc.config.account_id);
    check_settings(svc, &pool, &client_settings, secret.is_some()).await?;
    if let Some(name) = input.client_name.clone() {
        record.name = name;
    }
    record.settings = Value::Object(client_settings);
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_client(&record)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => client_not_found(&record.client_id),
            other => store_failure(other),
        })?;
    Ok(UpdateUserPoolClientResponse {
        user_pool_client: Some(client_type(&record, secret)?),
    })
}

pub async fn delete(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DeleteUserPoolClientRequest,
) -> Result<(), ApiError> {
    let record = existing(svc, &input.user_pool_id, input.client_id.expose()).await?;
    svc.store
        .delete_client(&record.pool_id, &record.client_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => client_not_found(&record.client_id),
            other => store_failure(other),
        })?;
    tracing::info!(pool_id = %record.pool_id, "app client deleted");
    Ok(())
}

pub async fn add_secret(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AddUserPoolClientSecretRequest,
) -> Result<AddUserPoolClientSecretResponse, ApiError> {
    secrets::add(svc, ctx, input).await
}

pub async fn list_secrets(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ListUserPoolClientSecretsRequest,
) -> Result<ListUserPoolClientSecretsResponse, ApiError> {
    secrets::list(svc, ctx, input).await
}

pub async fn delete_secret(
    svc: &IdpService,
    ctx: &RequestContext,
    input: DeleteUserPoolClientSecretRequest,
) -> Result<DeleteUserPoolClientSecretResponse, ApiError> {
    secrets::delete(svc, ctx, input).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::to_document;

    fn record(settings: Value) -> ClientRecord {
        ClientRecord {
            pool_id: "us-east-1_abc".into(),
            client_id: "26charclientid000000000000".into(),
            name: "web".into(),
            created_ms: 1_700_000_000_000,
            modified_ms: 1_700_000_000_500,
            settings,
        }
    }

    #[test]
    fn a_default_client_reads_back_as_cognito_shows_it() {
        let request = json!({"UserPoolId": "us-east-1_abc", "ClientName": "web"});
        let stored = settings::from_request(request.as_object().unwrap(), "123456789012");
        let client = client_type(&record(Value::Object(stored)), None).unwrap();
        assert_eq!(
            to_document(&client).unwrap(),
            json!({
                "UserPoolId": "us-east-1_abc",
                "ClientName": "web",
                "ClientId": "26charclientid000000000000",
                "LastModifiedDate": 1_700_000_000.5,
                "CreationDate": 1_700_000_000,
                "RefreshTokenValidity": 30,
                "TokenValidityUnits": {},
                "AllowedOAuthFlowsUserPoolClient": false,
                "EnableTokenRevocation": true,
                "EnablePropagateAdditionalUserContextData": false,
                "AuthSessionValidity": 3,
                "RefreshTokenRotation": {"Feature": "DISABLED", "RetryGracePeriodSeconds": 0}
            })
        );
    }

    #[test]
    fn every_setting_survives_the_wire_type() {
        let request = json!({
            "UserPoolId": "us-east-1_abc",
            "ClientName": "web",
            "RefreshTokenValidity": 10,
            "AccessTokenValidity": 60,
            "IdTokenValidity": 60,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
            "ReadAttributes": ["email"],
            "WriteAttributes": ["email"],
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "SupportedIdentityProviders": ["COGNITO"],
            "CallbackURLs": ["https://example.com/cb"],
            "LogoutURLs": ["https://example.com/out"],
            "DefaultRedirectURI": "https://example.com/cb",
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "api/read"],
            "AllowedOAuthFlowsUserPoolClient": true,
            "AnalyticsConfiguration": {"ApplicationId": "d70b2ba36a8c4dc5a04a0451a31a1e12", "RoleArn": "arn:aws:iam::123456789012:role/r", "ExternalId": "x", "UserDataShared": true},
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": true,
            "EnablePropagateAdditionalUserContextData": false,
            "AuthSessionValidity": 4,
            "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}
        });
        let stored = settings::from_request(request.as_object().unwrap(), "123456789012");
        let client = client_type(
            &record(Value::Object(stored.clone())),
            Some(Sensitive::new("s".repeat(52))),
        )
        .unwrap();
        let mut expected = stored;
        expected.insert("UserPoolId".into(), json!("us-east-1_abc"));
        expected.insert("ClientName".into(), json!("web"));
        expected.insert("ClientId".into(), json!("26charclientid000000000000"));
        expected.insert("ClientSecret".into(), json!("s".repeat(52)));
        expected.insert("LastModifiedDate".into(), json!(1_700_000_000.5));
        expected.insert("CreationDate".into(), json!(1_700_000_000));
        assert_eq!(to_document(&client).unwrap(), Value::Object(expected));
        // The secret never shows in debug output.
        assert!(!format!("{client:?}").contains(&"s".repeat(52)));
    }
}
