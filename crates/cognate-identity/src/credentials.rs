//! GetCredentialsForIdentity (the enhanced flow) and GetOpenIdToken (the basic flow's first
//! half).

use std::collections::BTreeMap;

use cognate_wire::identity::{
    Credentials, GetCredentialsForIdentityInput, GetCredentialsForIdentityResponse,
    GetOpenIdTokenInput, GetOpenIdTokenResponse,
};
use cognate_wire::{ApiError, RequestContext, Sensitive, Timestamp};

use crate::external_sts::{ExternalSts, WebIdentityRequest};
use crate::identities::{Acting, authorize, live_identity};
use crate::openid::{self, OPENID_TOKEN_SECONDS, TokenContent};
use crate::pools::view::PoolView;
use crate::principal_tags;
use crate::roles::{self, RoleRequest};
use crate::service::IdentityService;
use crate::sessions::{ENHANCED_FLOW_SECONDS, ENHANCED_FLOW_SESSION_NAME, SessionGrant};

/// `amr` and principal tags of whoever is acting.
fn amr_and_tags(view: &PoolView, acting: &Acting) -> (Vec<String>, BTreeMap<String, String>) {
    match acting.primary() {
        None => (vec!["unauthenticated".to_owned()], BTreeMap::new()),
        Some(login) => {
            let mut amr = vec!["authenticated".to_owned()];
            amr.extend(login.amr());
            (amr, principal_tags::for_login(view, login))
        }
    }
}

pub async fn get_credentials(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: GetCredentialsForIdentityInput,
) -> Result<GetCredentialsForIdentityResponse, ApiError> {
    let identity = live_identity(svc, &input.identity_id).await?;
    let record = svc.pool(&identity.pool_id).await?;
    let view = PoolView::of(&record);
    let logins = input.logins.unwrap_or_default();
    let acting = authorize(svc, ctx, &identity, &view, &logins).await?;
    let role_arn = roles::choose(&RoleRequest {
        view: &view,
        login: acting
            .primary()
            .map(|login| (login.mapping_key.as_str(), &login.claims)),
        custom_role_arn: input.custom_role_arn.as_deref(),
    })?;
    let (amr, principal_tags) = amr_and_tags(&view, &acting);
    let grant = SessionGrant {
        identity_id: identity.id.clone(),
        identity_pool_id: record.id.clone(),
        role_arn,
        session_name: ENHANCED_FLOW_SESSION_NAME.to_owned(),
        amr,
        principal_tags,
        duration_s: ENHANCED_FLOW_SECONDS,
    };
    let credentials = match &svc.external_sts {
        Some(sts) => from_external_sts(svc, sts, &grant, ctx.now_ms).await?,
        None => built_in(svc, &grant, ctx.now_ms).await?,
    };
    Ok(GetCredentialsForIdentityResponse {
        identity_id: Some(identity.id),
        credentials: Some(credentials),
    })
}

async fn built_in(
    svc: &IdentityService,
    grant: &SessionGrant,
    now_ms: i64,
) -> Result<Credentials, ApiError> {
    let issued = svc.issue_credentials(grant, now_ms).await?;
    Ok(Credentials {
        access_key_id: Some(issued.access_key_id),
        secret_key: Some(Sensitive::new(issued.secret_access_key.to_string())),
        session_token: Some(issued.session_token.to_string()),
        expiration: Some(Timestamp::from_millis(
            issued.expiration_s.saturating_mul(1000),
        )),
    })
}

/// External STS mode: the identity's OpenID token (as GetOpenIdToken would sign it, with
/// the same `amr` and principal tags) is exchanged at the configured STS, as Cognito's
/// enhanced flow does with AWS STS.
async fn from_external_sts(
    svc: &IdentityService,
    sts: &ExternalSts,
    grant: &SessionGrant,
    now_ms: i64,
) -> Result<Credentials, ApiError> {
    let token = openid::sign(
        svc,
        &TokenContent {
            identity_id: &grant.identity_id,
            identity_pool_id: &grant.identity_pool_id,
            amr: &grant.amr,
            principal_tags: &grant.principal_tags,
            issued_at_s: now_ms.div_euclid(1000),
            lifetime_s: OPENID_TOKEN_SECONDS,
        },
    )
    .await?;
    let issued = sts
        .assume_role_with_web_identity(&WebIdentityRequest {
            role_arn: &grant.role_arn,
            session_name: &grant.session_name,
            web_identity_token: &token,
            duration_s: grant.duration_s,
        })
        .await?;
    Ok(Credentials {
        access_key_id: Some(issued.access_key_id),
        secret_key: Some(Sensitive::new(issued.secret_access_key)),
        session_token: Some(issued.session_token),
        expiration: Some(Timestamp::from_millis(
            issued.expiration_s.saturating_mul(1000),
        )),
    })
}

/// The basic flow must be switched on (AllowClassicFlow) and cannot be combined with role
/// mappings (developer guide). Both texts follow the guide's wording; the code and the text
/// for a pool without AllowClassicFlow are unconfirmed.
fn check_basic_flow(view: &PoolView) -> Result<(), ApiError> {
    if !view.allow_classic_flow {
        return Err(ApiError::invalid_parameter(
            "Basic (classic) flow is not enabled, please use enhanced flow.",
        ));
    }
    if !view.role_mappings.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.",
        ));
    }
    Ok(())
}

pub async fn get_open_id_token(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: GetOpenIdTokenInput,
) -> Result<GetOpenIdTokenResponse, ApiError> {
    let identity = live_identity(svc, &input.identity_id).await?;
    let record = svc.pool(&identity.pool_id).await?;
    let view = PoolView::of(&record);
    check_basic_flow(&view)?;
    let logins = input.logins.unwrap_or_default();
    let acting = authorize(svc, ctx, &identity, &view, &logins).await?;
    let (amr, principal_tags) = amr_and_tags(&view, &acting);
    let token = openid::sign(
        svc,
        &TokenContent {
            identity_id: &identity.id,
            identity_pool_id: &record.id,
            amr: &amr,
            principal_tags: &principal_tags,
            issued_at_s: ctx.now_ms.div_euclid(1000),
            lifetime_s: OPENID_TOKEN_SECONDS,
        },
    )
    .await?;
    Ok(GetOpenIdTokenResponse {
        identity_id: Some(identity.id),
        token: Some(Sensitive::new(token)),
    })
}
