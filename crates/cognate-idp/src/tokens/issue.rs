//! Signing the tokens of a successful sign-in or refresh.

use cognate_crypto::ids;
use cognate_crypto::jwt::encode_jwt;
use cognate_crypto::keyed_hash::keyed_hash;
use cognate_domain::signing_keys::KeyUse;
use cognate_domain::tokens::{
    GroupClaim, SIGNIN_SCOPE, TokenContext, TokenValidity, access_token_claims, id_token_claims,
    issuer, jws_header,
};
use cognate_store::{RefreshTokenRecord, UserRecord};
use cognate_wire::idp::AuthenticationResultType;
use cognate_wire::{ApiError, Sensitive};

use crate::errors::{internal, store_failure};
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;
use crate::users::view::all_attributes;

/// Bytes of randomness in a refresh token.
const REFRESH_TOKEN_BYTES: usize = 64;

/// Which sign-in a set of tokens belongs to.
pub struct SignInEvent {
    /// When the user authenticated, in epoch seconds; kept across refreshes.
    pub auth_time_s: i64,
    /// The refresh-token family; new for a sign-in, kept across refreshes.
    pub origin_jti: String,
    /// The tracked device signed in from (the access token's `device_key`); kept across
    /// refreshes.
    pub device_key: Option<String>,
}

impl SignInEvent {
    pub fn new(now_ms: i64) -> Self {
        Self {
            auth_time_s: now_ms.div_euclid(1000),
            origin_jti: ids::uuid(),
            device_key: None,
        }
    }
}

impl IdpService {
    /// ID and access tokens for the user, and a new refresh token when `with_refresh`.
    pub(crate) async fn issue_tokens(
        &self,
        pool: &PoolRules,
        client: &ClientRules,
        user: &UserRecord,
        event: &SignInEvent,
        with_refresh: bool,
        now_ms: i64,
    ) -> Result<AuthenticationResultType, ApiError> {
        let validity = TokenValidity::from_client_settings(&client.record.settings);
        let groups: Vec<GroupClaim> = self
            .store
            .all_groups_for_user(pool.id(), &user.sub)
            .await
            .map_err(store_failure)?
            .into_iter()
            .map(|group| GroupClaim {
                name: group.name,
                precedence: group.precedence.map(i64::from),
                role_arn: group.role_arn,
            })
            .collect();
        let issuer = issuer(&self.config.public_url, pool.id());
        let event_id = ids::uuid();
        let context = TokenContext {
            issuer: &issuer,
            client_id: client.id(),
            sub: &user.sub,
            username: &user.username,
            groups: &groups,
            auth_time_s: event.auth_time_s,
            issued_at_s: now_ms.div_euclid(1000),
            origin_jti: &event.origin_jti,
            event_id: &event_id,
            device_key: event.device_key.as_deref(),
        };
        let readable = client.access.readable(&all_attributes(user));
        let id_claims = id_token_claims(&context, &ids::uuid(), validity.id_s, &readable);
        let access_claims =
            access_token_claims(&context, &ids::uuid(), validity.access_s, SIGNIN_SCOPE);

        let keys = self
            .keys
            .for_pool(self.store.as_ref(), &self.kek, pool.id(), now_ms)
            .await?;
        let id_key = keys.signer(KeyUse::Id, now_ms)?;
        let access_key = keys.signer(KeyUse::Access, now_ms)?;
        let id_token = encode_jwt(&jws_header(id_key.kid()), &id_claims, &id_key)
            .map_err(|e| internal("signing an ID token", e))?;
        let access_token = encode_jwt(&jws_header(access_key.kid()), &access_claims, &access_key)
            .map_err(|e| internal("signing an access token", e))?;

        let refresh_token = if with_refresh {
            let token = ids::random_token(REFRESH_TOKEN_BYTES);
            let record = RefreshTokenRecord {
                token_hash: keyed_hash(&self.token_key, token.as_bytes()).to_vec(),
                pool_id: pool.id().to_owned(),
                sub: user.sub.clone(),
                client_id: client.id().to_owned(),
                origin_jti: event.origin_jti.clone(),
                auth_time_s: event.auth_time_s,
                device_key: event.device_key.clone(),
                scopes: SIGNIN_SCOPE.to_owned(),
                issued_ms: now_ms,
                expires_ms: now_ms.saturating_add(validity.refresh_s.saturating_mul(1000)),
                revoked: false,
                replaced_ms: None,
            };
            self.store
                .insert_refresh_token(&record)
                .await
                .map_err(store_failure)?;
            Some(Sensitive::from(token))
        } else {
            None
        };
        Ok(AuthenticationResultType {
            access_token: Some(Sensitive::from(access_token)),
            expires_in: Some(i32::try_from(validity.access_s).unwrap_or(i32::MAX)),
            token_type: Some("Bearer".to_owned()),
            refresh_token,
            id_token: Some(Sensitive::from(id_token)),
            ..AuthenticationResultType::default()
        })
    }
}
