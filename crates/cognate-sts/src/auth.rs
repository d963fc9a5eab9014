//! Who signed a request with Cognate's temporary credentials: SigV4 (cognate-protocol's
//! verifier) with the session's secret key, the session token in `X-Amz-Security-Token`,
//! and an unexpired session. This is the check GetCallerIdentity makes, and the one any
//! other endpoint that authorizes such requests (the policy endpoint) should call.

use cognate_identity::{IdentityService, StsSession};
use cognate_protocol::sigv4::{self, SigV4Error, SignedRequest};

use crate::wire::StsError;

const SECURITY_TOKEN: &str = "x-amz-security-token";

fn invalid_token() -> StsError {
    StsError::new(
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
}

/// STS's codes for a refused signature (the Query protocol's names, not the JSON ones).
fn from_sigv4(error: SigV4Error) -> StsError {
    match error {
        SigV4Error::MissingAuthenticationToken => StsError::new(
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
            403,
        ),
        SigV4Error::IncompleteSignature(message) => {
            StsError::new("IncompleteSignature", message, 403)
        }
        SigV4Error::UnrecognizedClient => invalid_token(),
        SigV4Error::SignatureMismatch => StsError::new(
            "SignatureDoesNotMatch",
            SigV4Error::SignatureMismatch.message().to_owned(),
            403,
        ),
        SigV4Error::SignatureExpired(message) | SigV4Error::InvalidScope(message) => {
            StsError::new("SignatureDoesNotMatch", message, 403)
        }
    }
}

/// The access key id named in the `Authorization` header's credential, if readable.
fn access_key_id(request: &SignedRequest<'_>) -> Option<String> {
    let header = request
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let credential = header.split("Credential=").nth(1)?;
    let key = credential.split('/').next()?;
    (!key.is_empty()).then(|| key.to_owned())
}

/// Verifies a request signed for `service` with temporary credentials Cognate issued, and
/// returns the session it speaks for. Refusals carry STS's codes: a missing signature,
/// unknown credentials or a wrong session token (`InvalidClientTokenId`), a wrong signature
/// (`SignatureDoesNotMatch`), expired credentials (`ExpiredToken`).
pub async fn authenticate(
    identity: &IdentityService,
    request: &SignedRequest<'_>,
    service: &str,
    now_ms: i64,
) -> Result<StsSession, StsError> {
    let Some(key) = access_key_id(request) else {
        // Let the verifier name what is wrong with the header.
        let refused = sigv4::verify(request, &|_| None, now_ms.div_euclid(1000), service);
        return Err(refused.err().map_or_else(invalid_token, from_sigv4));
    };
    let opened = identity
        .sts_session(&key)
        .await
        .map_err(|error| {
            tracing::error!(%error.message, "reading a session");
            StsError::internal()
        })?
        .ok_or_else(invalid_token)?;
    let secret = opened.secret_access_key.clone();
    sigv4::verify(
        request,
        &|asked| (asked == key).then(|| secret.to_string()),
        now_ms.div_euclid(1000),
        service,
    )
    .map_err(from_sigv4)?;
    let token = request
        .headers
        .get(SECURITY_TOKEN)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(invalid_token)?;
    if !identity.session_token_matches(&opened, token) {
        return Err(invalid_token());
    }
    if now_ms >= opened.session.expires_ms {
        return Err(StsError::new(
            "ExpiredToken",
            "The security token included in the request is expired",
            403,
        ));
    }
    Ok(opened.session)
}
