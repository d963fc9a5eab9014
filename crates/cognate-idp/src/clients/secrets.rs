//! Client secrets: generated or supplied, sealed before they reach the store, at most two
//! per client so a secret can be rotated without downtime.
//!
//! Facts from the API reference (Add/List/DeleteUserPoolClientSecret): the value is returned
//! only when Cognito generated it, and only by Add; List never reveals values; the last
//! remaining secret of a client cannot be deleted. Secret ids are `<clientId>--<epoch>`.

use serde_json::{Value, json};

use cognate_crypto::ids;
use cognate_store::{ClientRecord, ClientSecretRecord, Constraint, StoreError};
use cognate_wire::idp::{
    AddUserPoolClientSecretRequest, AddUserPoolClientSecretResponse,
    DeleteUserPoolClientSecretRequest, DeleteUserPoolClientSecretResponse,
    ListUserPoolClientSecretsRequest, ListUserPoolClientSecretsResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive};

use crate::documents::{from_document, timestamp_value};
use crate::errors::{client_not_found, internal, store_failure};
use crate::service::IdpService;

/// Secrets a client may hold at once.
pub const MAX_SECRETS_PER_CLIENT: usize = 2;

/// Ties a sealed secret to its pool, client and id, so a sealed value copied to another row
/// fails to open.
fn sealing_context(pool_id: &str, client_id: &str, secret_id: &str) -> Vec<u8> {
    format!("cognate/client-secret/{pool_id}/{client_id}/{secret_id}").into_bytes()
}

/// Seals `secret` and stores it as a new secret of the client. A second secret added within
/// the same millisecond gets the next millisecond's id.
pub async fn store_new(
    svc: &IdpService,
    client: &ClientRecord,
    secret: &str,
    now_ms: i64,
) -> Result<ClientSecretRecord, ApiError> {
    let mut created_ms = now_ms;
    loop {
        let secret_id = ids::client_secret_id(&client.client_id, created_ms);
        let sealed = svc
            .kek
            .seal(
                secret.as_bytes(),
                &sealing_context(&client.pool_id, &client.client_id, &secret_id),
            )
            .map_err(|e| internal("sealing a client secret", e))?;
        let record = ClientSecretRecord {
            pool_id: client.pool_id.clone(),
            client_id: client.client_id.clone(),
            secret_id,
            sealed_secret: sealed,
            created_ms,
        };
        match svc
            .store
            .add_client_secret(&record, MAX_SECRETS_PER_CLIENT)
            .await
        {
            Ok(()) => return Ok(record),
            Err(StoreError::Conflict(Constraint::ClientSecretId)) if created_ms < now_ms + 10 => {
                created_ms += 1;
            }
            Err(StoreError::Conflict(Constraint::ClientSecretLimit)) => {
                // Declared error type; the message is Cognate's own (unconfirmed).
                return Err(ApiError::new(
                    ErrorCode::LimitExceededException,
                    format!(
                        "App client {} already has the maximum of {MAX_SECRETS_PER_CLIENT} client secrets.",
                        client.client_id
                    ),
                ));
            }
            Err(StoreError::NotFound) => return Err(client_not_found(&client.client_id)),
            Err(other) => return Err(store_failure(other)),
        }
    }
}

/// The plaintext of a stored secret.
pub fn open(svc: &IdpService, record: &ClientSecretRecord) -> Result<Sensitive<String>, ApiError> {
    let plain = svc
        .kek
        .open(
            &record.sealed_secret,
            &sealing_context(&record.pool_id, &record.client_id, &record.secret_id),
        )
        .map_err(|e| internal("opening a client secret", e))?;
    let text = std::str::from_utf8(&plain).map_err(|e| internal("decoding a client secret", e))?;
    Ok(Sensitive::new(text.to_owned()))
}

/// The client's secrets, oldest first.
pub async fn list_records(
    svc: &IdpService,
    client: &ClientRecord,
) -> Result<Vec<ClientSecretRecord>, ApiError> {
    svc.store
        .list_client_secrets(&client.pool_id, &client.client_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => client_not_found(&client.client_id),
            other => store_failure(other),
        })
}

/// The secret Describe shows in `ClientSecret`: the oldest one still present, so rotation
/// (add a new one, move callers, delete the old one) switches it only once the old secret
/// is gone. Which one the real service shows while two exist is unconfirmed.
pub async fn primary(
    svc: &IdpService,
    client: &ClientRecord,
) -> Result<Option<Sensitive<String>>, ApiError> {
    match list_records(svc, client).await?.first() {
        Some(record) => open(svc, record).map(Some),
        None => Ok(None),
    }
}

/// These three operations declare `InternalServerException` rather than the older
/// `InternalErrorException` the rest of the API uses.
fn server_error(error: ApiError) -> ApiError {
    if error.code == ErrorCode::InternalErrorException {
        ApiError::new(ErrorCode::InternalServerException, error.message)
    } else {
        error
    }
}

fn descriptor(record: &ClientSecretRecord) -> Value {
    json!({
        "ClientSecretId": record.secret_id,
        "ClientSecretCreateDate": timestamp_value(record.created_ms),
    })
}

pub async fn add(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AddUserPoolClientSecretRequest,
) -> Result<AddUserPoolClientSecretResponse, ApiError> {
    add_inner(svc, ctx, input).await.map_err(server_error)
}

async fn add_inner(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AddUserPoolClientSecretRequest,
) -> Result<AddUserPoolClientSecretResponse, ApiError> {
    let client = super::existing(svc, &input.user_pool_id, input.client_id.expose()).await?;
    if list_records(svc, &client).await?.is_empty() {
        // The operation is documented for confidential clients only; adding a secret to a
        // public client would silently change how it signs in. Message is Cognate's own.
        return Err(ApiError::invalid_parameter(format!(
            "App client {} does not have a client secret.",
            client.client_id
        )));
    }
    let supplied = input.client_secret.as_ref().map(|s| s.expose().clone());
    let generated = supplied.is_none();
    let secret = Sensitive::new(supplied.unwrap_or_else(ids::client_secret));
    let record = store_new(svc, &client, secret.expose(), ctx.now_ms).await?;
    tracing::info!(pool_id = %client.pool_id, secret_id = %record.secret_id, "client secret added");
    let mut response: AddUserPoolClientSecretResponse =
        from_document(json!({ "ClientSecretDescriptor": descriptor(&record) }))?;
    if let (true, Some(descriptor)) = (generated, response.client_secret_descriptor.as_mut()) {
        descriptor.client_secret_value = Some(secret);
    }
    Ok(response)
}

pub async fn list(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: ListUserPoolClientSecretsRequest,
) -> Result<ListUserPoolClientSecretsResponse, ApiError> {
    async {
        let client = super::existing(svc, &input.user_pool_id, input.client_id.expose()).await?;
        let secrets: Vec<Value> = list_records(svc, &client)
            .await?
            .iter()
            .map(descriptor)
            .collect();
        // Never more than two secrets, so never a next page.
        from_document(json!({ "ClientSecrets": secrets }))
    }
    .await
    .map_err(server_error)
}

pub async fn delete(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DeleteUserPoolClientSecretRequest,
) -> Result<DeleteUserPoolClientSecretResponse, ApiError> {
    async {
        let client = super::existing(svc, &input.user_pool_id, input.client_id.expose()).await?;
        let secrets = list_records(svc, &client).await?;
        let not_found = || {
            ApiError::new(
                ErrorCode::ResourceNotFoundException,
                format!("Client secret {} does not exist.", input.client_secret_id),
            )
        };
        if !secrets.iter().any(|s| s.secret_id == input.client_secret_id) {
            return Err(not_found());
        }
        if secrets.len() <= 1 {
            // Documented rule; message is Cognate's own (unconfirmed).
            return Err(ApiError::invalid_parameter(
                "The last remaining client secret of an app client cannot be deleted.",
            ));
        }
        svc.store
            .delete_client_secret(&client.pool_id, &client.client_id, &input.client_secret_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => not_found(),
                other => store_failure(other),
            })?;
        tracing::info!(pool_id = %client.pool_id, secret_id = %input.client_secret_id, "client secret deleted");
        Ok(DeleteUserPoolClientSecretResponse::default())
    }
    .await
    .map_err(server_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_use_the_newer_exception_name() {
        let mapped = server_error(ApiError::new(ErrorCode::InternalErrorException, "x"));
        assert_eq!(mapped.code, ErrorCode::InternalServerException);
        let kept = server_error(ApiError::invalid_parameter("y"));
        assert_eq!(kept.code, ErrorCode::InvalidParameterException);
    }

    #[test]
    fn sealing_context_names_the_secret() {
        assert_eq!(
            sealing_context("p", "c", "c--1"),
            b"cognate/client-secret/p/c/c--1".to_vec()
        );
    }
}
